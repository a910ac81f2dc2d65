/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netfw-dns.c - DNS names for the firewall (docs/network.md, "DNS names"):
 * the answers each container received, copied by the kernel, become its
 * address -> name table; dns: entries of the models and allow rules become
 * allow keys for the addresses the container's own answers gave, and
 * `dns_allow` patterns so that the kernel allows a new answer's addresses
 * before the resolver reads it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "moat/error.h"
#include "netfw-int.h"

static int64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void nf_dns_record(void *ctx, const struct moat_nf_dns *d)
{
	struct moat_netfw *nf = ctx;
	struct moat_error err = { 0 };
	struct moat_dns_msg *msg = malloc(sizeof(*msg));
	const struct moat_peer *p = moat_peers_by_cgroup(nf->peers, d->cgroup_id);

	nf->stats.dns_answers++;
	if (!msg)
		return;
	if (moat_dns_parse(d->data, d->cap < MOAT_NF_DNS_BYTES ? d->cap : MOAT_NF_DNS_BYTES, msg,
			   &err) < 0) {
		nf->stats.dns_bad++;
		nf_warn(nf, "DNS answer to %s not used: %s", p ? p->name : "a container", err.msg);
	} else if (moat_dnsnames_add(nf->names, d->cgroup_id, msg, mono_s()) > 0) {
		nf->sync_needed = true;
	}
	free(msg);
}

size_t nf_dns_names(struct moat_netfw *nf, uint64_t cg, const uint8_t addr[16],
		    const char *out[MOAT_DNSN_NAMES])
{
	return moat_dnsnames_get(nf->names, cg, addr, out);
}

void nf_dns_tick(struct moat_netfw *nf)
{
	if (moat_dnsnames_expire(nf->names, mono_s()))
		nf->sync_needed = true;
}

/* Allow keys for a dns: entry of policy img: the addresses the answers of
 * that image's own containers gave a matching name. */
void nf_dns_keys(struct moat_netfw *nf, struct nf_keyset *ks, uint32_t policy,
		 const struct nf_image *img, const struct moat_net_entry *e)
{
	for (size_t i = 0; i < moat_dnsnames_count(nf->names); i++) {
		const struct moat_dnsn_entry *n = moat_dnsnames_at(nf->names, i);
		const struct moat_peer *p = moat_peers_by_cgroup(nf->peers, n->cg);

		if (p && !strcmp(p->image_id, img->image_id) && moat_net_dns_matches(e->to.name, n->name))
			nf_add_prefix(ks, policy, e->proto, e->port, n->addr, 128);
	}
}

/* FNV-1a 64 over the name read backwards, as bpf/netfw.bpf.c hashes it. */
static uint64_t rev_hash(const char *name)
{
	uint64_t h = MOAT_NF_FNV_OFFSET;

	for (size_t i = strlen(name); i-- > 0;)
		h = (h ^ (uint8_t)name[i]) * MOAT_NF_FNV_PRIME;
	return h;
}

static struct nf_dns_pat *pat_get(struct nf_dns_pats *ps, const struct moat_nf_dns_key *k)
{
	struct nf_dns_pat *v;

	for (size_t i = 0; i < ps->n; i++)
		if (!memcmp(&ps->v[i].k, k, sizeof(*k)))
			return &ps->v[i];
	if (ps->n == ps->cap) {
		size_t nc = ps->cap ? ps->cap * 2 : 32;

		if (nc > MOAT_NF_DNS_ALLOW_MAX || !(v = realloc(ps->v, nc * sizeof(*v))))
			return NULL;
		ps->v = v;
		ps->cap = nc;
	}
	v = &ps->v[ps->n++];
	memset(v, 0, sizeof(*v));
	v->k = *k;
	return v;
}

static void pat_add(struct nf_dns_pats *ps, uint32_t policy, const struct moat_net_entry *e)
{
	const char *name = e->to.name;
	struct moat_nf_dns_key k = { .policy = policy };
	struct nf_dns_pat *p;
	uint8_t protos[2] = { e->proto, 0 };

	if (e->to.kind != MOAT_NET_TO_DNS)
		return;
	if (name[0] == '*' && name[1] == '.') {
		k.wild = 1;
		name += 2;
	}
	k.hash = rev_hash(name);
	if (!(p = pat_get(ps, &k)))
		return;
	if (e->proto == MOAT_NET_ANY) {
		protos[0] = MOAT_NET_TCP;
		protos[1] = MOAT_NET_UDP;
	}
	for (size_t i = 0; i < 2 && protos[i]; i++) {
		uint16_t port = (uint16_t)((e->port >> 8) | (e->port << 8));
		bool have = false;

		for (size_t j = 0; j < p->v.n && !have; j++)
			have = p->v.proto[j] == protos[i] && p->v.port[j] == port;
		if (have || p->v.n == MOAT_NF_DNS_PORTS)
			continue;
		p->v.proto[p->v.n] = protos[i];
		p->v.port[p->v.n++] = port;
	}
}

static void profile_pat(void *ctx, uint32_t policy, const struct nf_image *img,
			const struct moat_net_entry *e)
{
	(void)img;
	if (!e->deny)
		pat_add(ctx, policy, e);
}

/* The kernel's dns_allow: the dns: allow entries of every image and
 * console profile, for containers in enforce mode (the kernel reads it for
 * no one else). */
void nf_dns_sync(struct moat_netfw *nf)
{
	struct nf_dns_pats want = { 0 };

	for (size_t i = 0; i < nf->n_profiles; i++)
		nf_profile_entries(nf, i, profile_pat, &want);
	for (size_t i = 0; i < nf->n_imgs; i++) {
		const struct nf_image *img = &nf->imgs[i];

		for (size_t m = 0; m < img->model.n; m++)
			pat_add(&want, img->policy, &img->model.v[m].e);
		for (size_t r = 0; r < nf->rules.n; r++) {
			const struct moat_net_entry *e = &nf->rules.v[r];

			if (!e->deny && moat_net_image_matches(e->from, img->image_id, img->ref))
				pat_add(&want, img->policy, e);
		}
	}
	for (size_t i = 0; i < nf->dns_pats.n; i++) {
		bool keep = false;

		for (size_t j = 0; j < want.n && !keep; j++)
			keep = !memcmp(&want.v[j].k, &nf->dns_pats.v[i].k, sizeof(want.v[j].k));
		if (!keep)
			moat_nfk_dns_allow_del(nf->k, &nf->dns_pats.v[i].k);
	}
	for (size_t j = 0; j < want.n; j++)
		moat_nfk_dns_allow_set(nf->k, &want.v[j].k, &want.v[j].v);
	free(nf->dns_pats.v);
	nf->dns_pats = want;
}
