// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * netfw.bpf.c - moat's container firewall: cgroup BPF on the cgroup v2
 * hierarchy (docs/network.md).
 *
 * The sock_addr programs (connect4/6, sendmsg4/6) are attached once at the
 * root of the v2 hierarchy and look the caller's cgroup id up in `cgroups`:
 * containers in enforce mode may only reach what `allow` lists for their
 * image's policy, isolated containers only the isolation peers; every other
 * cgroup costs one hash miss. Refusing returns 0, which the kernel turns
 * into EPERM for connect() and sendmsg().
 *
 * The cgroup_skb programs cut established flows of an isolated container:
 * user space attaches them to that container's own v2 cgroup only while it
 * is isolated, so nobody else pays per packet.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "netfw-abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MOAT_NF_CGROUP_MAX);
	__type(key, __u64);
	__type(value, struct moat_nf_cgroup);
} cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MOAT_NF_ALLOW_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct moat_nf_key);
	__type(value, __u8);
} allow SEC(".maps");

/* Addresses of containers (value unused): a host process connecting to
 * one is reported too, for host -> image edges. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MOAT_NF_DEST_MAX);
	__type(key, struct moat_nf_addr);
	__type(value, __u8);
} dests SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MOAT_NF_RING_BYTES);
} events SEC(".maps");

/* Last sendmsg report per (cgroup, peer): datagrams are reported at most
 * once per MOAT_NF_UDP_WINDOW_NS each. */
struct udp_key {
	__u64 cg;
	__u8 addr[16];
	__u16 port;
	__u16 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct udp_key);
	__type(value, __u64);
} udp_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MOAT_NF_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&stats, &what);

	if (n)
		*n += 1;
}

static __always_inline int allowed(struct moat_nf_key *k)
{
	k->prefixlen = MOAT_NF_KEY_ALL_BITS;
	if (bpf_map_lookup_elem(&allow, k))
		return 1;
	if (!k->port)
		return 0;
	k->port = 0;
	return bpf_map_lookup_elem(&allow, k) != 0;
}

/* A loopback or unspecified address never leaves the container's namespace. */
static __always_inline int local_addr(const __u8 *a)
{
	int v4 = 1;

	for (int i = 0; i < 10; i++)
		if (a[i])
			v4 = 0;
	if (v4 && a[10] == 0xff && a[11] == 0xff)
		return a[12] == 127 || (a[12] | a[13] | a[14] | a[15]) == 0;
	for (int i = 0; i < 15; i++)
		if (a[i])
			return 0;
	return a[15] <= 1;
}

/* A sendmsg already reported for this peer within the window? */
static __always_inline int udp_repeat(__u64 cg, const struct moat_nf_key *k)
{
	struct udp_key u = { .cg = cg, .port = k->port };
	__u64 now = bpf_ktime_get_ns();
	__u64 *last;

	__builtin_memcpy(u.addr, k->addr, 16);
	last = bpf_map_lookup_elem(&udp_seen, &u);
	if (last && now - *last < MOAT_NF_UDP_WINDOW_NS)
		return 1;
	bpf_map_update_elem(&udp_seen, &u, &now, BPF_ANY);
	return 0;
}

static __always_inline void report(__u64 cg, const struct moat_nf_key *k, int kind, int verdict,
				   int isolated)
{
	struct moat_nf_event *e;

	if (kind == MOAT_NF_EV_SENDMSG && udp_repeat(cg, k))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return;
	e->time_ns = bpf_ktime_get_ns();
	e->cgroup_id = cg;
	e->tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	e->kind = (__u8)kind;
	e->proto = k->proto;
	e->blocked = !verdict;
	e->isolated = (__u8)isolated;
	e->port = bpf_ntohs(k->port);
	e->pad = 0;
	e->pad2 = 0;
	__builtin_memcpy(e->addr, k->addr, 16);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* no wakeup per record: user space drains on a timer */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* 1 to let it through, 0 to refuse (EPERM). */
static __always_inline int decide(const struct moat_nf_cgroup *c, struct moat_nf_key *k)
{
	if (c->isolated) {
		k->policy = MOAT_NF_POLICY_ISO;
		k->proto = 0;
		k->port = 0;
	} else if (c->mode == MOAT_NF_ENFORCE) {
		k->policy = c->policy;
	} else {
		return 1;
	}
	return allowed(k);
}

static __always_inline int check(struct moat_nf_key *k, int kind)
{
	__u64 cg = bpf_get_current_cgroup_id();
	struct moat_nf_cgroup *c = bpf_map_lookup_elem(&cgroups, &cg);
	struct moat_nf_key q;
	int verdict;

	if (local_addr(k->addr))
		return 1;
	if (!c) {
		/* the host or an unknown cgroup: only flows into containers */
		if (bpf_map_lookup_elem(&dests, k->addr))
			report(cg, k, kind, 1, 0);
		return 1;
	}
	count(MOAT_NF_STAT_CHECKED);
	q = *k;
	verdict = decide(c, &q);
	if (!verdict)
		count(MOAT_NF_STAT_BLOCKED);
	report(cg, k, kind, verdict, c->isolated);
	return verdict;
}

static __always_inline int check4(struct bpf_sock_addr *ctx, int kind)
{
	struct moat_nf_key k = {};
	__u32 ip = ctx->user_ip4;

	k.proto = (__u8)ctx->protocol;
	k.port = (__u16)ctx->user_port;
	k.addr[10] = 0xff;
	k.addr[11] = 0xff;
	__builtin_memcpy(&k.addr[12], &ip, 4);
	return check(&k, kind);
}

static __always_inline int check6(struct bpf_sock_addr *ctx, int kind)
{
	struct moat_nf_key k = {};
	__u32 w[4];

	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
	k.proto = (__u8)ctx->protocol;
	k.port = (__u16)ctx->user_port;
	__builtin_memcpy(k.addr, w, 16);
	return check(&k, kind);
}

SEC("cgroup/connect4")
int nf_connect4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, MOAT_NF_EV_CONNECT);
}

SEC("cgroup/connect6")
int nf_connect6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, MOAT_NF_EV_CONNECT);
}

SEC("cgroup/sendmsg4")
int nf_sendmsg4(struct bpf_sock_addr *ctx)
{
	return check4(ctx, MOAT_NF_EV_SENDMSG);
}

SEC("cgroup/sendmsg6")
int nf_sendmsg6(struct bpf_sock_addr *ctx)
{
	return check6(ctx, MOAT_NF_EV_SENDMSG);
}

/* Isolation: let a packet through only if its peer is an isolation peer. */
static __always_inline int iso_packet(struct __sk_buff *skb, int ingress)
{
	struct moat_nf_key k = { .policy = MOAT_NF_POLICY_ISO };

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		k.addr[10] = 0xff;
		k.addr[11] = 0xff;
		if (bpf_skb_load_bytes(skb, ingress ? 12 : 16, &k.addr[12], 4) < 0)
			return 0;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, ingress ? 8 : 24, k.addr, 16) < 0)
			return 0;
	} else {
		return 1;
	}
	if (local_addr(k.addr) || allowed(&k))
		return 1;
	count(MOAT_NF_STAT_DROPPED);
	return 0;
}

SEC("cgroup_skb/ingress")
int nf_iso_ingress(struct __sk_buff *skb)
{
	return iso_packet(skb, 1);
}

SEC("cgroup_skb/egress")
int nf_iso_egress(struct __sk_buff *skb)
{
	return iso_packet(skb, 0);
}
