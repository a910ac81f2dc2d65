/* SPDX-License-Identifier: Apache-2.0 */
/* netfw-int.h - what netfw.c (flows, models, alerts) shares with netfw-sync.c (the kernel maps). */
#ifndef MOAT_DEFEND_NETFW_INT_H
#define MOAT_DEFEND_NETFW_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/hmap.h"
#include "dnsnames.h"
#include "netfw.h"
#include "netfw-kernel.h"
#include "netgraph.h"
#include "netiso.h"
#include "netmodel.h"
#include "netpeers.h"
#include "netrules.h"
#include "cpolicy.h"
#include "state.h"

#define NETFW_REPEAT_SLOTS 1024u

/* An image the firewall has met. */
struct nf_image {
	char key[MOAT_STATE_KEY_LEN + 1];
	char image_id[80];
	char ref[256];
	uint32_t policy;                      /* kernel policy id, 1.. */
	enum moat_state_mode mode;
	struct moat_state_stamp stamp;        /* of network.json as last read or written */
	struct moat_netmodel model;
	struct moat_netmodel pending;         /* learned since the last write */
};

/* A console firewall profile: the kernel policy MOAT_NF_PROFILE_BASE + its index. */
struct nf_profile {
	uint32_t img_policy;                  /* the image's policy id */
	uint64_t block;                       /* the block-mode firewall policies (bits) */
};

/* What applies to one container (netfw-policy.c). */
struct nf_view {
	uint32_t policy;                      /* kernel policy id: the image's or a profile's */
	enum moat_state_mode mode;            /* the image's, or a baseline policy's */
	bool enforce;                         /* the kernel lets only allow keys through */
	bool deny;                            /* the profile has deny keys */
	uint64_t block, alert;                /* firewall policies that apply, by mode */
	bool dd_block, dd_alert;              /* one of them says default deny */
};

/* A set of kernel keys: what is installed, what should be. */
struct nf_keyset {
	struct moat_nf_key *v;
	size_t n, cap;
	struct moat_hmap ix;
};

/* A dns_allow entry as user space last wrote it. */
struct nf_dns_pat {
	struct moat_nf_dns_key k;
	struct moat_nf_dns_ports v;
};

struct nf_dns_pats {
	struct nf_dns_pat *v;
	size_t n, cap;
};

/* The ruleset applied last to a container (nftables fallback). */
struct nf_nft_done {
	char id[65];
	uint64_t hash;              /* of the ruleset text; 0: apply again */
	int pid;
};

struct moat_netfw {
	struct moat_netfw_opts o;
	struct moat_peers *peers;
	struct moat_nfk *k;                   /* NULL: no cgroup BPF */
	bool use_nft;                         /* nftables per network namespace instead */
	struct {
		struct nf_nft_done *v;
		size_t n, cap;
	} nft;
	char status[512];
	struct nf_image *imgs;
	size_t n_imgs, cap_imgs;
	struct moat_netrules rules;
	struct stat rules_st;
	struct moat_netgraph *graph;
	bool graph_dirty;
	bool sync_needed;                     /* kernel maps out of date */
	bool peers_now;                       /* refresh the containers at the next tick */
	struct moat_netiso iso;               /* requested */
	struct moat_state_stamp iso_stamp;
	struct nf_keyset installed;
	struct nf_keyset denied;              /* deny keys installed */
	const struct moat_cpolicy *policy;    /* the console's; borrowed, NULL: none */
	struct nf_profile *profiles;
	size_t n_profiles, cap_profiles;
	uint64_t cgroups[MOAT_NF_CGROUP_MAX]; /* cgroup ids in the kernel map */
	size_t n_cgroups;
	uint8_t (*dests)[16];                 /* addresses in the kernel's dests map */
	size_t n_dests;
	struct moat_dnsnames *names;          /* what each container's DNS answers said */
	struct nf_dns_pats dns_pats;          /* in the kernel's dns_allow */
	uint64_t iso_cg[MOAT_NETISO_MAX];     /* cgroups with the packet filter attached */
	size_t n_iso_cg;
	int64_t mono_to_real_ns;
	int64_t last_slow_ns;
	struct moat_netfw_stats stats;
	struct {
		uint64_t hash;
		int64_t time_ns;
	} recent[NETFW_REPEAT_SLOTS];
	struct moat_buf out;
	char last_warn[1024];             /* the same warning is not repeated */
};

/* netfw.c */
struct nf_image *nf_image_get(struct moat_netfw *nf, const char *image_id, const char *ref);
void nf_warn(struct moat_netfw *nf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* netfw-sync.c: bring the kernel maps in line with peers, models, rules and isolation. */
void nf_sync(struct moat_netfw *nf);
/* Every allow key the models, allow rules, containers and isolation ask
 * for, and every deny key of the console's profiles (deny may be NULL). */
void nf_build_keys(struct moat_netfw *nf, struct nf_keyset *ks, struct nf_keyset *deny);
/* The kernel keys of one entry for policy id (img: whose containers' DNS answers count). */
void nf_add_entry(struct moat_netfw *nf, struct nf_keyset *ks, uint32_t policy,
		  const struct nf_image *img, const struct moat_net_entry *e);
void nf_keyset_free(struct nf_keyset *ks);
/* One address prefix for a policy, per protocol proto names. */
void nf_add_prefix(struct nf_keyset *ks, uint32_t policy, uint8_t proto, uint16_t port,
		   const uint8_t addr[16], unsigned bits);

/* netfw-dns.c: the containers' DNS answers. */
void nf_dns_record(void *ctx, const struct moat_nf_dns *d);
size_t nf_dns_names(struct moat_netfw *nf, uint64_t cg, const uint8_t addr[16],
		    const char *out[MOAT_DNSN_NAMES]);
void nf_dns_tick(struct moat_netfw *nf);
void nf_dns_keys(struct moat_netfw *nf, struct nf_keyset *ks, uint32_t policy,
		 const struct nf_image *img, const struct moat_net_entry *e);
void nf_dns_sync(struct moat_netfw *nf);

/* netfw-nft.c: the same keys as an nftables table per container namespace. */
bool nf_nft_available(void);
void nf_nft_ruleset(const struct nf_keyset *ks, const struct nf_keyset *deny,
		    const struct nf_view *v, bool isolated, struct moat_buf *b);
int nf_nft_apply(int pid, const struct moat_buf *rs, struct moat_error *err);
void nf_nft_sync(struct moat_netfw *nf, struct moat_netiso *applied);

/* netfw-policy.c: the console's policies. */
void nf_view(struct moat_netfw *nf, const struct moat_peer *p, struct nf_image *img,
	     struct nf_view *v);
typedef void (*nf_entry_fn)(void *ctx, uint32_t policy, const struct nf_image *img,
			    const struct moat_net_entry *e);
/* Every entry (allow and deny) of profile i, with its policy id. */
void nf_profile_entries(struct moat_netfw *nf, size_t i, nf_entry_fn fn, void *ctx);
/* The console deny flow the connection falls under (block policies first), or NULL. */
const struct moat_net_entry *nf_policy_denies(struct moat_netfw *nf, const struct nf_view *v,
					      const struct nf_image *img,
					      const struct moat_net_conn *c);
/* Does an allow flow of the policies in mask cover the connection? */
bool nf_policy_allows(struct moat_netfw *nf, uint64_t mask, const struct nf_image *img,
		      const struct moat_net_conn *c);
/* "console:NAME" of the first default-deny policy in mask, or NULL. */
const char *nf_policy_default_deny(struct moat_netfw *nf, uint64_t mask, char *buf, size_t cap);

#endif
