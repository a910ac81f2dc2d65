/* SPDX-License-Identifier: Apache-2.0 */
/* netfw_test.c - the firewall's rules file, destination matching, the
 * learned model's round trip, the graph and the NetworkPolicy export. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "defend/dnsmsg.h"
#include "defend/dnsnames.h"
#include "defend/netgraph.h"
#include "defend/netmodel.h"
#include "defend/netfw-int.h"
#include "defend/netpolicy.h"
#include "defend/netrules.h"
#include "harness.h"
#include "moat/error.h"

#define IMG_A "sha256:c7823833f466c9fdaab1f84768a1a11ea7fc0ef4d8cfa8f89f3ffc98d5f31ee8"

static struct moat_net_conn conn4(const char *dotted, uint16_t port, uint8_t proto)
{
	struct moat_net_conn c = { .port = port, .proto = proto };
	struct moat_net_to to;
	struct moat_error err = { 0 };

	moat_net_parse_cidr(dotted, &to, &err);
	memcpy(c.addr, to.addr, 16);
	return c;
}

static void test_netfw__rules(void)
{
	static const char text[] =
		"# id action from to port proto\n"
		"web-db allow shop/web:1 image:shop/db:15 5432 tcp\n"
		"\n"
		"no-meta deny * cidr:169.254.0.0/16 any any   # metadata\n"
		"no-evil deny 0123456789ab dns:*.evil.example 443 tcp\n"
		"v6 allow web cidr:2001:db8::/32 53 udp\n";
	static const char *const names[] = { "x.evil.example" };
	struct moat_netrules rs = { 0 };
	struct moat_error err = { 0 };
	struct moat_net_conn c;

	CHECK_INT(moat_netrules_parse((const uint8_t *)text, sizeof(text) - 1, "t.rules", &rs, &err), 0);
	CHECK_INT((int)rs.n, 4);
	if (rs.n != 4)
		return;
	c = conn4("169.254.169.254", 80, MOAT_NET_TCP);
	CHECK(moat_net_entry_matches(&rs.v[1], &c));
	CHECK(rs.v[1].deny);
	c = conn4("169.255.0.1", 80, MOAT_NET_TCP);
	CHECK(!moat_net_entry_matches(&rs.v[1], &c));
	c = conn4("10.0.0.5", 5432, MOAT_NET_TCP);
	c.image_ref = "shop/db:15";
	c.image_id = IMG_A;
	CHECK(moat_net_entry_matches(&rs.v[0], &c));
	c.port = 5433;
	CHECK(!moat_net_entry_matches(&rs.v[0], &c));
	c = conn4("10.0.0.5", 443, MOAT_NET_TCP);
	c.dns = names;
	c.n_dns = 1;
	CHECK(moat_net_entry_matches(&rs.v[2], &c));
	CHECK(moat_net_image_matches(rs.v[2].from, "sha256:0123456789abcdef", "x"));
	CHECK(!moat_net_image_matches(rs.v[2].from, "sha256:1123456789abcdef", "x"));
	CHECK(moat_net_image_matches("web", "sha256:00", "web:latest"));
	CHECK(!moat_net_image_matches("web", "sha256:00", "web:1"));
	c = conn4("2001:db8:1::9", 53, MOAT_NET_UDP);
	CHECK(moat_net_entry_matches(&rs.v[3], &c));
	c.proto = MOAT_NET_TCP;
	CHECK(!moat_net_entry_matches(&rs.v[3], &c));
	moat_netrules_free(&rs);
}

static void test_netfw__rules_errors(void)
{
	static const char *const bad[] = {
		"a allow * cidr:10.0.0.0/33 80 tcp\n",
		"a allow * 10.0.0.1 80 tcp\n",
		"a allow * dns:bad..name 80 tcp\n",
		"a permit * * 80 tcp\n",
		"a allow * * 0 tcp\n",
		"a allow * * 80 icmp\n",
		"a allow * * 80\n",
		"ok allow * * 80 tcp\nok deny * * 81 tcp\n",
		"a/b allow * * 80 tcp\n",
	};
	struct moat_netrules rs = { 0 };
	struct moat_error err = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		CHECK_INT(moat_netrules_parse((const uint8_t *)bad[i], strlen(bad[i]), "f.rules", &rs, &err),
			  MOAT_E_FORMAT);
		CHECK(strncmp(err.msg, "f.rules:", 8) == 0);
	}
	CHECK(strstr(err.msg, ":1:") != NULL);
	memset(&err, 0, sizeof(err));
	moat_netrules_parse((const uint8_t *)bad[7], strlen(bad[7]), "f.rules", &rs, &err);
	CHECK(strstr(err.msg, "f.rules:2: duplicate rule id ok") != NULL);
}

static void test_netfw__model_and_policy(void)
{
	struct moat_netmodel m = { 0 }, back = { 0 };
	struct moat_net_learned l = { 0 };
	struct moat_netpolicy_opts po = { .image_ref = "registry.example:5000/shop/web:1" };
	struct moat_error err = { 0 };
	struct moat_net_conn c;
	struct moat_buf b;
	char label[64];
	size_t skipped = 0;
	static const char bad_model[] = "{\"schema\":\"moat.network/v1\",\"allow\":[{\"to\":\"x\"}]}";

	l.e.to.kind = MOAT_NET_TO_IMAGE;
	snprintf(l.e.to.name, sizeof(l.e.to.name), "%s", IMG_A);
	snprintf(l.ref, sizeof(l.ref), "%s", "shop/db:15");
	l.e.port = 5432;
	l.e.proto = MOAT_NET_TCP;
	l.count = 1;
	CHECK_INT(moat_netmodel_add(&m, &l), 0);
	CHECK_INT(moat_netmodel_add(&m, &l), 0);           /* counted into its twin */
	CHECK_INT((int)m.n, 1);
	CHECK_INT((int)m.v[0].count, 2);
	memset(&l, 0, sizeof(l));
	CHECK_INT(moat_net_parse_cidr("10.1.2.0/24", &l.e.to, &err), 0);
	l.e.port = 443;
	moat_netmodel_add(&m, &l);
	memset(&l, 0, sizeof(l));
	moat_net_parse_to("dns:api.example.com", &l.e.to, &err);
	moat_netmodel_add(&m, &l);
	moat_buf_init(&b, 0);
	CHECK_INT(moat_netmodel_write(&m, "sha256:00", &b), 0);
	CHECK_INT(moat_netmodel_parse(b.data, b.len, "network.json", &back, &err), 0);
	CHECK_INT((int)back.n, 3);
	c = conn4("10.1.2.77", 443, MOAT_NET_UDP);
	CHECK_INT((int)moat_netmodel_find(&back, &c), 1);   /* any protocol */
	c.port = 444;
	CHECK_INT((int)moat_netmodel_find(&back, &c), -1);
	moat_buf_reset(&b);
	CHECK_INT(moat_netpolicy_write(&back, &po, &b, &skipped, &err), 0);
	CHECK_INT((int)skipped, 1);
	CHECK(strstr((const char *)b.data, "\"cidr\": \"10.1.2.0/24\"") != NULL);
	CHECK(strstr((const char *)b.data, "\"name\": \"moat-web\"") != NULL);
	CHECK(strstr((const char *)b.data, "\"app.kubernetes.io/name\": \"db\"") != NULL);
	moat_netpolicy_label("Reg:5000/a/My_App@sha256:00", label);
	CHECK_STR(label, "My_App");
	po.n_selector = 1;
	po.selector = (const char *const[]){ "bad selector" };
	CHECK_INT(moat_netpolicy_write(&back, &po, &b, NULL, &err), MOAT_E_USAGE);
	moat_buf_release(&b);
	moat_netmodel_free(&m);
	moat_netmodel_free(&back);
	CHECK_INT(moat_netmodel_parse((const uint8_t *)bad_model, strlen(bad_model), "n.json", &back,
				      &err), MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "allow[0]") != NULL);
}

static void test_netfw__graph(void)
{
	struct moat_netgraph *g = NULL, *back = NULL;
	struct moat_error err = { 0 };
	struct moat_buf b;

	CHECK_INT(moat_netgraph_new(&g), 0);
	moat_netgraph_node(g, "image:sha256:aa", "image", "web:1", "web-1");
	moat_netgraph_node(g, "image:sha256:aa", "image", NULL, "web-2");
	moat_netgraph_node(g, "host", "host", NULL, NULL);
	CHECK_INT(moat_netgraph_edge(g, "image:sha256:aa", "host", 80, "tcp", MOAT_NET_LEARNED, 1), 0);
	CHECK_INT(moat_netgraph_edge(g, "image:sha256:aa", "host", 80, "tcp", MOAT_NET_LEARNED, 2), 0);
	CHECK_INT(moat_netgraph_edge(g, "image:sha256:aa", "host", 80, "tcp", MOAT_NET_BLOCKED, 1), 0);
	CHECK_INT(moat_netgraph_edge(g, "image:sha256:aa", "nowhere", 80, "tcp", MOAT_NET_BLOCKED, 1),
		  MOAT_E_USAGE);
	moat_buf_init(&b, 0);
	CHECK_INT(moat_netgraph_write(g, &b, 0), 0);
	CHECK_STR((const char *)b.data,
		  "{\"schema\":\"moat.netgraph/v1\",\"nodes\":[{\"id\":\"image:sha256:aa\",\"kind\":\"image\","
		  "\"image\":\"web:1\",\"containers\":[\"web-1\",\"web-2\"]},{\"id\":\"host\",\"kind\":\"host\","
		  "\"image\":null,\"containers\":[]}],\"edges\":[{\"src\":\"image:sha256:aa\",\"dst\":\"host\","
		  "\"port\":80,\"proto\":\"tcp\",\"count\":3,\"verdict\":\"learned\"},{\"src\":\"image:sha256:aa\","
		  "\"dst\":\"host\",\"port\":80,\"proto\":\"tcp\",\"count\":1,\"verdict\":\"blocked\"}]}");
	CHECK_INT(moat_netgraph_parse(b.data, b.len, "g.json", &back, &err), 0);
	CHECK_INT(back ? (int)moat_netgraph_edges(back) : -1, 2);
	moat_netgraph_free(back);
	moat_netgraph_free(g);
	moat_buf_release(&b);
}

/* www.example.com: a CNAME to cdn.example.net, then its A and an AAAA. */
static const uint8_t dns_cname[] = {
	0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
	3, 'W', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
	0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 30, 0, 17,
	3, 'c', 'd', 'n', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'n', 'e', 't', 0,
	0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 93, 184, 216, 34,
	0xc0, 45, 0, 28, 0, 1, 0x7f, 0xff, 0xff, 0xff, 0, 16,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
};

static void test_netfw__dns_parse(void)
{
	struct moat_dns_msg m;
	struct moat_error err = { 0 };
	uint8_t bad[sizeof(dns_cname)];

	CHECK_INT(moat_dns_parse(dns_cname, sizeof(dns_cname), &m, &err), 0);
	CHECK_STR(m.qname, "www.example.com");
	CHECK_INT(m.n, 2);
	CHECK_INT(m.a[0].addr[11], 0xff);
	CHECK_INT(m.a[0].addr[12], 93);
	CHECK_INT(m.a[0].ttl, 30);
	CHECK_INT(m.a[1].addr[0], 0x20);
	CHECK_INT(m.a[1].ttl, MOAT_DNS_TTL_MAX);
	/* cut by the capture: the complete records stay */
	CHECK_INT(moat_dns_parse(dns_cname, sizeof(dns_cname) - 3, &m, &err), 0);
	CHECK_INT(m.n, 1);
	/* a query is not an answer; a name with a dot inside a label is not usable */
	memcpy(bad, dns_cname, sizeof(bad));
	bad[2] = 0x01;
	CHECK_INT(moat_dns_parse(bad, sizeof(bad), &m, &err), MOAT_E_FORMAT);
	memcpy(bad, dns_cname, sizeof(bad));
	bad[14] = '.';
	CHECK_INT(moat_dns_parse(bad, sizeof(bad), &m, &err), MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "byte 14") != NULL);
	CHECK_INT(moat_dns_parse(dns_cname, 20, &m, &err), MOAT_E_FORMAT);
	/* NXDOMAIN: a name, no addresses */
	memcpy(bad, dns_cname, sizeof(bad));
	bad[3] = 0x83;
	CHECK_INT(moat_dns_parse(bad, sizeof(bad), &m, &err), 0);
	CHECK_INT(m.n, 0);
}

static void test_netfw__dns_names(void)
{
	struct moat_dnsnames *t = NULL;
	struct moat_dns_msg m, m2;
	struct moat_error err = { 0 };
	const char *names[MOAT_DNSN_NAMES];
	struct moat_net_entry e = { .to.kind = MOAT_NET_TO_DNS };
	struct moat_net_conn c = { .port = 443, .proto = MOAT_NET_TCP };

	CHECK_INT(moat_dnsnames_new(&t), 0);
	CHECK_INT(moat_dns_parse(dns_cname, sizeof(dns_cname), &m, &err), 0);
	CHECK_INT(moat_dnsnames_add(t, 7, &m, 1000), 2);
	CHECK_INT(moat_dnsnames_add(t, 7, &m, 1001), 0);         /* known: TTL moves */
	CHECK_INT(moat_dnsnames_get(t, 7, m.a[0].addr, names), 1);
	CHECK_STR(names[0], "www.example.com");
	CHECK_INT(moat_dnsnames_get(t, 8, m.a[0].addr, names), 0); /* per container */
	m2 = m;
	snprintf(m2.qname, sizeof(m2.qname), "img.example.com");
	CHECK_INT(moat_dnsnames_add(t, 7, &m2, 1002), 2);
	CHECK_INT(moat_dnsnames_get(t, 7, m.a[0].addr, names), 2);
	CHECK_STR(names[0], "img.example.com");                  /* the most recent first */
	/* the rules' matching sees the names */
	c.dns = names;
	c.n_dns = 2;
	snprintf(e.to.name, sizeof(e.to.name), "*.example.com");
	CHECK(moat_net_entry_matches(&e, &c));
	snprintf(e.to.name, sizeof(e.to.name), "example.com");
	CHECK(!moat_net_entry_matches(&e, &c));
	snprintf(e.to.name, sizeof(e.to.name), "*.www.example.com");
	CHECK(!moat_net_entry_matches(&e, &c));
	/* a 30 s TTL is held for the minimum; a day's TTL longer */
	CHECK(!moat_dnsnames_expire(t, 1000 + MOAT_DNSN_MIN_HOLD_S));
	CHECK(moat_dnsnames_expire(t, 1003 + MOAT_DNSN_MIN_HOLD_S));
	CHECK_INT(moat_dnsnames_count(t), 2);                     /* the AAAA entries */
	CHECK_INT(moat_dnsnames_get(t, 7, m.a[0].addr, names), 0);
	CHECK_INT(moat_dnsnames_get(t, 7, m.a[1].addr, names), 2);
	moat_dnsnames_free(t);
}

/* The nftables fallback's table for a container under console policies:
 * deny keys refuse first in any mode; allow keys only in enforce. */
static void test_netfw__nft_deny(void)
{
	struct nf_keyset allow = { 0 }, deny = { 0 };
	struct nf_view v = { .policy = MOAT_NF_PROFILE_BASE + 1, .deny = true };
	uint8_t a[16] = { 0 }, b[16] = { 0 };
	struct moat_buf out;
	const char *t;

	moat_hmap_init(&allow.ix);
	moat_hmap_init(&deny.ix);
	moat_buf_init(&out, 1u << 20);
	a[10] = a[11] = 0xff, a[12] = 10, a[15] = 7;
	b[10] = b[11] = 0xff, b[12] = 10, b[15] = 9;
	nf_add_prefix(&deny, v.policy, MOAT_NET_ANY, 5432, a, 128);
	nf_add_prefix(&deny, 99, MOAT_NET_TCP, 22, a, 128);           /* another policy's */
	nf_add_prefix(&allow, v.policy, MOAT_NET_TCP, 80, b, 128);
	nf_nft_ruleset(&allow, &deny, &v, false, &out);
	CHECK(moat_buf_append(&out, "", 1) == 0);
	t = (const char *)out.data;
	/* alert/learn mode with denials: a table that refuses them and accepts the rest */
	CHECK(strstr(t, "ip daddr 10.0.0.7/32 meta l4proto tcp th dport 5432 reject with tcp reset") != NULL);
	CHECK(strstr(t, "ip daddr 10.0.0.7/32 meta l4proto udp th dport 5432 drop") != NULL);
	CHECK(strstr(t, "dport 22") == NULL && strstr(t, "dport 80") == NULL);
	CHECK(strstr(t, "policy accept") != NULL && strstr(t, "meta l4proto tcp reject") == NULL);
	/* enforce: the denials before the allow keys, then everything else refused */
	v.enforce = true;
	nf_nft_ruleset(&allow, &deny, &v, false, &out);
	CHECK(moat_buf_append(&out, "", 1) == 0);
	t = (const char *)out.data;
	CHECK(strstr(t, "dport 5432 reject") != NULL && strstr(t, "dport 80 accept") != NULL);
	CHECK(strstr(t, "dport 5432 reject") < strstr(t, "dport 80 accept"));
	CHECK(strstr(t, "meta l4proto tcp reject with tcp reset\n") != NULL);
	/* neither: no table */
	v.enforce = v.deny = false;
	nf_nft_ruleset(&allow, &deny, &v, false, &out);
	CHECK(moat_buf_append(&out, "", 1) == 0);
	CHECK(strstr((const char *)out.data, "chain") == NULL);
	moat_buf_release(&out);
	nf_keyset_free(&allow);
	nf_keyset_free(&deny);
}

int main(void)
{
	MOAT_RUN(test_netfw__rules);
	MOAT_RUN(test_netfw__rules_errors);
	MOAT_RUN(test_netfw__model_and_policy);
	MOAT_RUN(test_netfw__graph);
	MOAT_RUN(test_netfw__dns_parse);
	MOAT_RUN(test_netfw__dns_names);
	MOAT_RUN(test_netfw__nft_deny);
	return moat_test_done();
}
