/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netfw-sync.c - make the kernel maps say what the models, rules and
 * isolation requests say, for the containers running now: the set of
 * allow keys is rebuilt and diffed against what is installed, so an entry
 * removed from network.json or a container gone stops being allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"
#include "netfw-int.h"

static int keyset_add(struct nf_keyset *ks, const struct moat_nf_key *k)
{
	if (moat_hmap_get(&ks->ix, (const char *)k, sizeof(*k)))
		return 0;
	if (!ks->v && !(ks->v = calloc(MOAT_NF_ALLOW_MAX, sizeof(*ks->v))))
		return -ENOMEM;
	if (ks->n == MOAT_NF_ALLOW_MAX)
		return MOAT_E_LIMIT;
	ks->v[ks->n] = *k;
	if (moat_hmap_put(&ks->ix, (const char *)&ks->v[ks->n], sizeof(*k), &ks->v[ks->n]) < 0)
		return -ENOMEM;
	ks->n++;
	return 0;
}

void nf_keyset_free(struct nf_keyset *ks)
{
	free(ks->v);
	moat_hmap_release(&ks->ix);
	memset(ks, 0, sizeof(*ks));
}

void nf_add_prefix(struct nf_keyset *ks, uint32_t policy, uint8_t proto, uint16_t port,
		   const uint8_t addr[16], unsigned bits)
{
	struct moat_nf_key k = { .prefixlen = MOAT_NF_KEY_FIXED_BITS + bits, .policy = policy,
				 .port = (uint16_t)((port >> 8) | (port << 8)) };

	memcpy(k.addr, addr, 16);
	if (proto == MOAT_NET_ANY && policy != MOAT_NF_POLICY_ISO) {
		k.proto = MOAT_NET_TCP;
		keyset_add(ks, &k);
		k.proto = MOAT_NET_UDP;
	} else {
		k.proto = proto;
	}
	keyset_add(ks, &k);
}

/* The kernel keys of one allow entry of img: a CIDR as is, an image as
 * the addresses of its running containers, a DNS name as the addresses the
 * image's containers were given for it. */
void nf_add_entry(struct moat_netfw *nf, struct nf_keyset *ks, uint32_t policy,
		  const struct nf_image *img, const struct moat_net_entry *e)
{
	static const uint8_t any[16];

	switch (e->to.kind) {
	case MOAT_NET_TO_ALL:
		nf_add_prefix(ks, policy, e->proto, e->port, any, 0);
		break;
	case MOAT_NET_TO_CIDR:
		nf_add_prefix(ks, policy, e->proto, e->port, e->to.addr, e->to.bits);
		break;
	case MOAT_NET_TO_IMAGE:
		for (size_t i = 0; i < moat_peers_count(nf->peers); i++) {
			const struct moat_peer *p = moat_peers_get(nf->peers, i);

			if (!moat_net_image_matches(e->to.name, p->image_id, p->image))
				continue;
			for (size_t a = 0; a < p->n_addr; a++)
				nf_add_prefix(ks, policy, e->proto, e->port, p->addr[a], 128);
		}
		break;
	case MOAT_NET_TO_DNS:
		nf_dns_keys(nf, ks, policy, img, e);
		break;
	}
}

struct profile_keys {
	struct moat_netfw *nf;
	struct nf_keyset *allow, *deny;
};

static void profile_key(void *ctx, uint32_t policy, const struct nf_image *img,
			const struct moat_net_entry *e)
{
	struct profile_keys *pk = ctx;

	if (!e->deny)
		nf_add_entry(pk->nf, pk->allow, policy, img, e);
	else if (pk->deny)
		nf_add_entry(pk->nf, pk->deny, policy, img, e);
}

void nf_build_keys(struct moat_netfw *nf, struct nf_keyset *ks, struct nf_keyset *deny)
{
	struct profile_keys pk = { nf, ks, deny };

	for (size_t i = 0; i < nf->n_imgs; i++) {
		const struct nf_image *img = &nf->imgs[i];

		for (size_t m = 0; m < img->model.n; m++)
			nf_add_entry(nf, ks, img->policy, img, &img->model.v[m].e);
		for (size_t r = 0; r < nf->rules.n; r++) {
			const struct moat_net_entry *e = &nf->rules.v[r];

			if (!e->deny && moat_net_image_matches(e->from, img->image_id, img->ref))
				nf_add_entry(nf, ks, img->policy, img, e);
		}
	}
	for (size_t i = 0; i < nf->n_profiles; i++)
		nf_profile_entries(nf, i, profile_key, &pk);
	for (size_t i = 0; i < nf->iso.n; i++) {
		const struct moat_netiso_entry *e = &nf->iso.v[i];

		for (size_t a = 0; a < e->n_allow; a++)
			nf_add_prefix(ks, MOAT_NF_POLICY_ISO, 0, 0, e->allow[a].addr, e->allow[a].bits);
	}
	/* the host: where the defender (and the console it reports to) runs */
	for (size_t i = 0; nf->iso.n && i < moat_peers_count(nf->peers); i++) {
		const struct moat_peer *p = moat_peers_get(nf->peers, i);

		for (size_t g = 0; g < p->n_gw; g++)
			nf_add_prefix(ks, MOAT_NF_POLICY_ISO, 0, 0, p->gw[g], 128);
	}
}

/* Make the kernel's map (allow or deny) hold want instead of *have. */
static void keys_apply(struct moat_netfw *nf, struct nf_keyset *have, struct nf_keyset *want,
		       bool deny)
{
	for (size_t i = 0; i < have->n; i++)
		if (!moat_hmap_get(&want->ix, (const char *)&have->v[i], sizeof(want->v[0]))) {
			if (deny)
				moat_nfk_deny_del(nf->k, &have->v[i]);
			else
				moat_nfk_allow_del(nf->k, &have->v[i]);
		}
	for (size_t i = 0; i < want->n; i++)
		if (!moat_hmap_get(&have->ix, (const char *)&want->v[i], sizeof(want->v[0])) &&
		    (deny ? moat_nfk_deny_add(nf->k, &want->v[i])
			  : moat_nfk_allow_add(nf->k, &want->v[i])) < 0)
			nf_warn(nf, "firewall: %s-list full in the kernel", deny ? "deny" : "allow");
	nf_keyset_free(have);
	*have = *want;
}

static void sync_keys(struct moat_netfw *nf)
{
	struct nf_keyset want = { 0 }, deny = { 0 };

	moat_hmap_init(&want.ix);
	moat_hmap_init(&deny.ix);
	nf_build_keys(nf, &want, &deny);
	keys_apply(nf, &nf->installed, &want, false);
	keys_apply(nf, &nf->denied, &deny, true);
}

static void sync_dests(struct moat_netfw *nf)
{
	size_t n = 0;
	uint8_t (*want)[16] = calloc(MOAT_NF_DEST_MAX, 16);

	if (!want)
		return;
	for (size_t i = 0; i < moat_peers_count(nf->peers); i++) {
		const struct moat_peer *p = moat_peers_get(nf->peers, i);

		for (size_t a = 0; a < p->n_addr && n < MOAT_NF_DEST_MAX; a++)
			memcpy(want[n++], p->addr[a], 16);
	}
	for (size_t i = 0; i < nf->n_dests; i++) {
		bool keep = false;

		for (size_t j = 0; j < n && !keep; j++)
			keep = !memcmp(want[j], nf->dests[i], 16);
		if (!keep)
			moat_nfk_dest_del(nf->k, nf->dests[i]);
	}
	for (size_t j = 0; j < n; j++)
		moat_nfk_dest_add(nf->k, want[j]);
	free(nf->dests);
	nf->dests = want;
	nf->n_dests = n;
}

/* Cgroup entries and the packet filter of isolated containers. */
static void sync_cgroups(struct moat_netfw *nf, struct moat_netiso *applied)
{
	uint64_t now[MOAT_NF_CGROUP_MAX];
	uint64_t iso_now[MOAT_NETISO_MAX];
	size_t n = 0, n_iso = 0;

	for (size_t i = 0; i < moat_peers_count(nf->peers) && n < MOAT_NF_CGROUP_MAX; i++) {
		const struct moat_peer *p = moat_peers_get(nf->peers, i);
		struct nf_image *img = p->image_id[0] ? nf_image_get(nf, p->image_id, p->image) : NULL;
		long iso = moat_netiso_find(&nf->iso, p->id);
		struct moat_nf_cgroup v = { 0 };
		struct moat_error err = { 0 };
		struct nf_view view;

		if (!img || !p->cgroup_id)
			continue;
		nf_view(nf, p, img, &view);
		v.policy = view.policy;
		v.mode = view.enforce ? MOAT_NF_ENFORCE : MOAT_NF_PASS;
		v.deny = view.deny;
		v.isolated = iso >= 0;
		if (moat_nfk_cgroup_set(nf->k, p->cgroup_id, &v) < 0)
			continue;
		now[n++] = p->cgroup_id;
		if (p->cgroup_path[0] && moat_nfk_dns_watch(nf->k, p->cgroup_id, p->cgroup_path, &err) < 0)
			nf_warn(nf, "%s: DNS answers not read: %s", p->name, err.msg);
		if (iso < 0 || n_iso == MOAT_NETISO_MAX)
			continue;
		if (moat_nfk_isolate(nf->k, p->cgroup_id, p->cgroup_path, &err) < 0) {
			nf_warn(nf, "isolating %s: connections refused, open flows not cut: %s",
				p->name, err.msg);
		}
		iso_now[n_iso++] = p->cgroup_id;
		applied->v[applied->n++] = nf->iso.v[iso];
	}
	for (size_t i = 0; i < nf->n_cgroups; i++) {
		bool keep = false;

		for (size_t j = 0; j < n && !keep; j++)
			keep = now[j] == nf->cgroups[i];
		if (!keep) {
			moat_nfk_cgroup_del(nf->k, nf->cgroups[i]);
			moat_nfk_dns_unwatch(nf->k, nf->cgroups[i]);
		}
	}
	for (size_t i = 0; i < nf->n_iso_cg; i++) {
		bool keep = false;

		for (size_t j = 0; j < n_iso && !keep; j++)
			keep = iso_now[j] == nf->iso_cg[i];
		if (!keep)
			moat_nfk_unisolate(nf->k, nf->iso_cg[i]);
	}
	memcpy(nf->cgroups, now, n * sizeof(now[0]));
	nf->n_cgroups = n;
	memcpy(nf->iso_cg, iso_now, n_iso * sizeof(iso_now[0]));
	nf->n_iso_cg = n_iso;
}

static void write_applied(struct moat_netfw *nf, const struct moat_netiso *applied)
{
	struct moat_error err = { 0 };
	struct moat_buf b;

	moat_buf_init(&b, 1u << 20);
	if (moat_netiso_write(applied, &b) == 0)
		moat_state_write(nf->o.state, NULL, MOAT_NETISO_APPLIED, b.data, b.len, &err);
	moat_buf_release(&b);
}

void nf_sync(struct moat_netfw *nf)
{
	struct moat_netiso *applied = calloc(1, sizeof(*applied));

	if (!applied)
		return;
	if (nf->k) {
		struct nf_view v;

		/* the views make the console's profiles the keys are built for */
		for (size_t i = 0; nf->policy && i < moat_peers_count(nf->peers); i++) {
			const struct moat_peer *p = moat_peers_get(nf->peers, i);
			struct nf_image *img = p->image_id[0] ? nf_image_get(nf, p->image_id, p->image)
							       : NULL;

			if (img)
				nf_view(nf, p, img, &v);
		}
		/* allow keys before the cgroup entries: a container switched to
		 * enforce finds its list already there */
		sync_keys(nf);
		nf_dns_sync(nf);
		sync_dests(nf);
		sync_cgroups(nf, applied);
	} else if (nf->use_nft) {
		nf_nft_sync(nf, applied);
	}
	write_applied(nf, applied);
	free(applied);
}
