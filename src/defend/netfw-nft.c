/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netfw-nft.c - the firewall without cgroup BPF (docs/network.md,
 * "nftables fallback"): the same allow keys netfw-sync.c computes for the
 * kernel maps become an nftables table in each container's own network
 * namespace, written as one ruleset and applied atomically with `nft -f -`
 * run in that namespace (setns). A container is rewritten only when its
 * ruleset text changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "moat/error.h"
#include "netfw-int.h"

#define TABLE "moat_fw"
#define NFT_OUT_MAX 1024

static bool v4_mapped(const uint8_t a[16])
{
	static const uint8_t pre[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a, pre, 12);
}

/* One key as a rule: "ip daddr 10.0.0.0/8 meta l4proto tcp th dport 80 accept"
 * (a deny key refuses as the table's end does). */
static void key_rule(struct moat_buf *b, const struct moat_nf_key *k, bool deny)
{
	unsigned bits = k->prefixlen - MOAT_NF_KEY_FIXED_BITS;
	uint16_t port = (uint16_t)((k->port >> 8) | (k->port << 8));
	char a[64];

	moat_buf_append_str(b, "\t\t");
	if (bits && v4_mapped(k->addr) && bits >= 96) {
		moat_net_addr_format(k->addr, a, sizeof(a));
		moat_buf_appendf(b, "ip daddr %s/%u ", a, bits - 96);
	} else if (bits) {
		moat_net_addr_format(k->addr, a, sizeof(a));
		moat_buf_appendf(b, "ip6 daddr %s/%u ", a, bits);
	}
	if (k->proto)
		moat_buf_appendf(b, "meta l4proto %s ", k->proto == MOAT_NET_TCP ? "tcp" : "udp");
	if (k->proto && port)
		moat_buf_appendf(b, "th dport %u ", port);
	if (deny)
		moat_buf_append_str(b, k->proto == MOAT_NET_UDP ? "drop\n" : "reject with tcp reset\n");
	else
		moat_buf_append_str(b, "accept\n");
}

/* The isolation peers, both ways: "ip saddr 10.0.0.1/32 accept". */
static void iso_rules(struct moat_buf *b, const struct nf_keyset *ks, const char *dir)
{
	for (size_t i = 0; i < ks->n; i++) {
		const struct moat_nf_key *k = &ks->v[i];
		unsigned bits = k->prefixlen - MOAT_NF_KEY_FIXED_BITS;
		char a[64];

		if (k->policy != MOAT_NF_POLICY_ISO)
			continue;
		moat_net_addr_format(k->addr, a, sizeof(a));
		if (v4_mapped(k->addr) && bits >= 96)
			moat_buf_appendf(b, "\t\tip %s %s/%u accept\n", dir, a, bits - 96);
		else
			moat_buf_appendf(b, "\t\tip6 %s %s/%u accept\n", dir, a, bits);
	}
}

/* The whole table for one container; the first two lines make the apply
 * atomic whether or not the table exists (nft -f is one transaction). */
void nf_nft_ruleset(const struct nf_keyset *ks, const struct nf_keyset *deny,
		    const struct nf_view *v, bool isolated, struct moat_buf *b)
{
	moat_buf_reset(b);
	moat_buf_append_str(b, "table inet " TABLE "\ndelete table inet " TABLE "\n");
	if (!v->enforce && !v->deny && !isolated)
		return;
	moat_buf_append_str(b, "table inet " TABLE " {\n");
	if (isolated) {
		moat_buf_append_str(b, "\tchain in {\n\t\ttype filter hook input priority -10; policy drop;\n"
				       "\t\tiifname \"lo\" accept\n");
		iso_rules(b, ks, "saddr");
		moat_buf_append_str(b, "\t}\n");
	}
	moat_buf_append_str(b, "\tchain out {\n\t\ttype filter hook output priority -10; policy accept;\n"
			       "\t\toifname \"lo\" accept\n");
	if (isolated) {
		iso_rules(b, ks, "daddr");
		moat_buf_append_str(b, "\t\tdrop\n\t}\n}\n");
		return;
	}
	/* what the BPF programs see: connect() and sendmsg() opening a flow */
	moat_buf_append_str(b, "\t\tct state established,related accept\n");
	for (size_t i = 0; v->deny && i < deny->n; i++)
		if (deny->v[i].policy == v->policy && deny->v[i].proto)
			key_rule(b, &deny->v[i], true);
	if (!v->enforce) {
		moat_buf_append_str(b, "\t}\n}\n");
		return;
	}
	for (size_t i = 0; i < ks->n; i++)
		if (ks->v[i].policy == v->policy)
			key_rule(b, &ks->v[i], false);
	/* a drop at the output hook is EPERM for sendmsg(), but TCP only retries
	 * a dropped SYN: a reset makes connect() fail at once (ECONNREFUSED) */
	moat_buf_append_str(b, "\t\tmeta l4proto tcp reject with tcp reset\n"
			       "\t\tmeta l4proto udp drop\n\t}\n}\n");
}

static void child(int in, int out, int ns)
{
	dup2(in, 0);
	dup2(out, 1);
	dup2(out, 2);
	if (setns(ns, CLONE_NEWNET) < 0) {
		dprintf(2, "setns: %s", strerror(errno));
		_exit(126);
	}
	execlp("nft", "nft", "-f", "-", (char *)NULL);
	dprintf(2, "nft: %s", strerror(errno));
	_exit(127);
}

/* Is ns the network namespace the defender itself (or init) runs in? A
 * container's table there would firewall the whole host: a test run once
 * left one that refused every TCP connection and DNS query of the machine,
 * written through a pid that no longer was its container's. */
static bool host_netns(int ns)
{
	static const char *const hosts[] = { "/proc/self/ns/net", "/proc/1/ns/net" };
	struct stat want, have;

	if (fstat(ns, &want) < 0)
		return true;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		if (stat(hosts[i], &have) == 0 && have.st_ino == want.st_ino &&
		    have.st_dev == want.st_dev)
			return true;
	return false;
}

int nf_nft_apply(int pid, const struct moat_buf *rs, struct moat_error *err)
{
	char path[64], msg[NFT_OUT_MAX];
	int in[2], out[2], ns, st = 0;
	ssize_t n = 0, r;
	pid_t c;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return moat_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (host_netns(ns)) {
		close(ns);
		return moat_error_set(err, MOAT_E_RUNTIME, "pid %d is in the host's network "
				      "namespace (the container is gone and its pid reused?): its "
				      "table is not applied", pid);
	}
	if (pipe2(in, O_CLOEXEC) < 0) {
		close(ns);
		return moat_error_set(err, -errno, "pipe: %s", strerror(errno));
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(ns), close(in[0]), close(in[1]);
		return moat_error_set(err, -errno, "pipe: %s", strerror(errno));
	}
	c = fork();
	if (c == 0)
		child(in[0], out[1], ns);
	close(ns), close(in[0]), close(out[1]);
	if (c > 0 && write(in[1], rs->data, rs->len) != (ssize_t)rs->len)
		kill(c, SIGKILL);
	close(in[1]);
	while (c > 0 && n < NFT_OUT_MAX - 1 &&
	       (r = read(out[0], msg + n, (size_t)(NFT_OUT_MAX - 1 - n))) > 0)
		n += r;
	close(out[0]);
	msg[n] = 0;
	if (c < 0)
		return moat_error_set(err, -errno, "fork: %s", strerror(errno));
	waitpid(c, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return moat_error_set(err, MOAT_E_RUNTIME, "nft -f in the namespace of pid %d: %s",
				      pid, n ? msg : "failed");
	return 0;
}

bool nf_nft_available(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char f[4200];

		snprintf(f, sizeof(f), "%s/nft", d);
		if (access(f, X_OK) == 0)
			return true;
	}
	return false;
}

/* The ruleset a container had applied last (by container id). */
static struct nf_nft_done *done_get(struct moat_netfw *nf, const char *id)
{
	for (size_t i = 0; i < nf->nft.n; i++)
		if (!strcmp(nf->nft.v[i].id, id))
			return &nf->nft.v[i];
	if (nf->nft.n == MOAT_NF_CGROUP_MAX)
		return NULL;
	if (nf->nft.n == nf->nft.cap) {
		size_t nc = nf->nft.cap ? nf->nft.cap * 2 : 32;
		struct nf_nft_done *v = realloc(nf->nft.v, nc * sizeof(*v));

		if (!v)
			return NULL;
		nf->nft.v = v;
		nf->nft.cap = nc;
	}
	memset(&nf->nft.v[nf->nft.n], 0, sizeof(nf->nft.v[0]));
	snprintf(nf->nft.v[nf->nft.n].id, sizeof(nf->nft.v[0].id), "%s", id);
	return &nf->nft.v[nf->nft.n++];
}

void nf_nft_sync(struct moat_netfw *nf, struct moat_netiso *applied)
{
	struct nf_keyset ks = { 0 }, deny = { 0 };
	struct moat_buf b;

	moat_hmap_init(&ks.ix);
	moat_hmap_init(&deny.ix);
	moat_buf_init(&b, 1u << 24);
	for (size_t i = 0; nf->policy && i < moat_peers_count(nf->peers); i++) {
		const struct moat_peer *p = moat_peers_get(nf->peers, i);
		struct nf_image *img = p->image_id[0] ? nf_image_get(nf, p->image_id, p->image) : NULL;
		struct nf_view v;

		if (img)
			nf_view(nf, p, img, &v);        /* the profiles the keys are built for */
	}
	nf_build_keys(nf, &ks, &deny);
	for (size_t i = 0; i < moat_peers_count(nf->peers); i++) {
		const struct moat_peer *p = moat_peers_get(nf->peers, i);
		struct nf_image *img = p->image_id[0] ? nf_image_get(nf, p->image_id, p->image) : NULL;
		long iso = moat_netiso_find(&nf->iso, p->id);
		struct moat_error err = { 0 };
		struct nf_nft_done *d;
		struct nf_view v;
		uint64_t h;

		if (!img || p->pid <= 0 || !(d = done_get(nf, p->id)))
			continue;
		nf_view(nf, p, img, &v);
		nf_nft_ruleset(&ks, &deny, &v, iso >= 0, &b);
		h = moat_hash_bytes(b.data, b.len) | 1;
		if (h != d->hash || p->pid != d->pid) {
			if (nf_nft_apply(p->pid, &b, &err) < 0) {
				nf_warn(nf, "%s: firewall not applied: %s", p->name, err.msg);
				d->hash = 0;
				continue;
			}
			d->hash = h;
			d->pid = p->pid;
		}
		if (iso >= 0)
			applied->v[applied->n++] = nf->iso.v[iso];
	}
	moat_buf_release(&b);
	nf_keyset_free(&ks);
	nf_keyset_free(&deny);
}
