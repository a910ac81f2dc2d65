/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netfw.h - the network side of the defender (docs/network.md): the
 * network graph, each image's learned outbound allow-list, the user's
 * firewall rules, alerts for connections outside them, blocking in the
 * kernel (cgroup BPF, else nftables in each container's network namespace)
 * for images in enforce mode, isolation, and the names the containers' own
 * DNS answers give their destinations (dns: entries).
 *
 * Per image the mode of the state directory applies (moat_state_mode_get):
 *   learn    a connection no deny rule names is added to network.json
 *   alert    one outside the learned list and the allow rules raises an
 *            alert (rule network-outside-baseline or the deny rule's id)
 *   enforce  the same, and the kernel refuses it: connect()/sendmsg() get EPERM
 * Learned and user allow entries are evaluated before user deny rules.
 *
 * Call moat_netfw_tick() from the main loop (at least every 500 ms): it
 * reads the kernel's connection records, follows the engine's containers,
 * the mode files, network.json edits, the rules file and isolation
 * requests, and writes network.json and DIR/netgraph.json when they changed.
 */
#ifndef MOAT_DEFEND_NETFW_H
#define MOAT_DEFEND_NETFW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_error;
struct moat_netfw;
struct moat_state;
struct moat_cpolicy;

/* Where blocking happens (docs/network.md): cgroup BPF, else (auto) or
 * only (nft) nftables in each container's network namespace. */
enum moat_netfw_kind {
	MOAT_NETFW_AUTO = 0,
	MOAT_NETFW_BPF = 1,
	MOAT_NETFW_NFT = 2,
};

struct moat_netfw_opts {
	struct moat_state *state;          /* borrowed */
	enum moat_netfw_kind kind;
	const char *rules_path;            /* the firewall rules file; NULL = none */
	const char *docker_sock;           /* NULL = default */
	const char *node;                  /* host name for alerts */
	/* One alert as a JSON object on one line, without the newline. */
	void (*on_alert)(void *ctx, const char *json, size_t len);
	/* A problem worth a line on stderr (a bad edit of a file, the engine gone). */
	void (*on_warn)(void *ctx, const char *msg);
	void *ctx;
};

/* Opens and attaches the kernel side; when that fails (no eBPF, no cgroup
 * v2) the firewall still learns, graphs and alerts, and status says why
 * nothing is blocked. A bad rules file is an error. */
int moat_netfw_open(const struct moat_netfw_opts *opts, struct moat_netfw **ret,
		    struct moat_error *err);
/* Writes what is pending (models, graph) and detaches. */
void moat_netfw_close(struct moat_netfw *nf);
void moat_netfw_tick(struct moat_netfw *nf);
/* The console's firewall and baseline policies (cpolicy.h; borrowed until
 * the next call, NULL: none), in the kernel at the next tick. */
void moat_netfw_set_policy(struct moat_netfw *nf, const struct moat_cpolicy *cp);
/* A container started: look at the engine now rather than at the next tick. */
void moat_netfw_containers_changed(struct moat_netfw *nf);
/* "cgroup-bpf at /sys/fs/cgroup/unified" or why there is no enforcement. */
const char *moat_netfw_status(const struct moat_netfw *nf);

struct moat_netfw_stats {
	uint64_t flows;        /* connection records handled */
	uint64_t alerts;
	uint64_t blocked;
	uint64_t learned;      /* entries added to models */
	uint64_t lost;         /* kernel-side counters: refused, isolated packets dropped */
	uint64_t k_blocked, k_dropped;
	uint64_t dns_answers;  /* DNS answers read; of those not usable */
	uint64_t dns_bad;
	uint64_t k_dns_keys;   /* answers whose addresses the kernel allowed itself */
};
void moat_netfw_stats(struct moat_netfw *nf, struct moat_netfw_stats *ret);

#endif
