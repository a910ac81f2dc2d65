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

/* Destinations refused in any mode (the console's firewall denials). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MOAT_NF_DENY_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct moat_nf_key);
	__type(value, __u8);
} deny SEC(".maps");

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

static __always_inline int denied(const struct moat_nf_key *in, __u32 policy)
{
	struct moat_nf_key k = *in;

	k.policy = policy;
	k.prefixlen = MOAT_NF_KEY_ALL_BITS;
	if (bpf_map_lookup_elem(&deny, &k))
		return 1;
	if (!k.port)
		return 0;
	k.port = 0;
	return bpf_map_lookup_elem(&deny, &k) != 0;
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
	} else if (c->deny && denied(k, c->policy)) {
		return 0;
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

/*
 * DNS answers (docs/network.md, "DNS names"). Attached to each known
 * container's own v2 cgroup, so the host pays nothing per packet. Every UDP
 * datagram from port 53 is copied to the ring for user space, which keeps
 * the address -> name table; in enforce mode the program also matches the
 * asked name against `dns_allow` and adds the answer's addresses to `allow`
 * itself, before the resolver reads the answer. Always lets the packet in.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MOAT_NF_DNS_ALLOW_MAX);
	__type(key, struct moat_nf_dns_key);
	__type(value, struct moat_nf_dns_ports);
} dns_allow SEC(".maps");

/* The parse state the bpf_loop() steps share (each is verified once). It
 * lives in map memory, not on the stack, so the verifier sees unknown values
 * each round and the loops converge at once. */
struct dns_walk {
	__u32 o, w, rem, cap, policy;
	__u32 len;          /* of the name; 0 until it is complete */
	__u32 added, bad;
	__u64 h;
};

struct dns_scratch {
	struct dns_walk q;
	struct moat_nf_dns rec;             /* built here, then copied to the ring */
	__u8 name[256];
	struct moat_nf_dns_ports want;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} dns_tmp SEC(".maps");

#define DNS_MASK (MOAT_NF_DNS_BYTES - 1)
#define DNS_ANSWERS 8

static __always_inline struct dns_scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&dns_tmp, &zero);
}

/* One byte of the question's name into s->name, lower case and dotted. */
static int qname_step(__u32 i, void *arg)
{
	struct dns_scratch *s = scratch();
	struct dns_walk *q;
	__u8 c;

	if (!s)
		return 1;
	q = &s->q;
	if (q->o >= q->cap || q->w > 253) {
		q->bad = 1;
		return 1;
	}
	c = s->rec.data[q->o & DNS_MASK];
	q->o++;
	if (!q->rem) {
		if (!c) {
			q->len = q->w;
			return 1;
		}
		if (c > 63) {
			q->bad = 1;
			return 1;
		}
		q->rem = c;
		if (q->w)
			s->name[q->w++ & 255] = '.';
		return 0;
	}
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	else if (c == '.' || c <= ' ' || c > '~')
		q->bad = 1;
	s->name[q->w++ & 255] = c;
	q->rem--;
	return q->bad ? 1 : 0;
}

static __always_inline void dns_merge(struct dns_scratch *s, __u32 policy, __u32 wild, __u64 h)
{
	struct moat_nf_dns_key k = { .policy = policy, .wild = wild, .hash = h };
	struct moat_nf_dns_ports *v = bpf_map_lookup_elem(&dns_allow, &k);

	if (!v)
		return;
	for (int i = 0; i < MOAT_NF_DNS_PORTS; i++) {
		__u8 n = s->want.n;

		if (i >= v->n || n >= MOAT_NF_DNS_PORTS)
			break;
		s->want.proto[n & (MOAT_NF_DNS_PORTS - 1)] = v->proto[i];
		s->want.port[n & (MOAT_NF_DNS_PORTS - 1)] = v->port[i];
		s->want.n = n + 1;
	}
}

/* The name read backwards: at each dot, the patterns for the names below
 * the suffix read so far ("*.example.com"). */
static int match_step(__u32 i, void *arg)
{
	struct dns_scratch *s = scratch();
	struct dns_walk *q;
	__u8 c;

	if (!s || i >= s->q.len)
		return 1;
	q = &s->q;
	c = s->name[(q->len - 1 - i) & 255];
	if (c == '.')
		dns_merge(s, q->policy, 1, q->h);
	q->h = (q->h ^ c) * MOAT_NF_FNV_PRIME;
	return 0;
}

/* One record of the answer section; an A or AAAA is allowed for s->want. */
static int answer_step(__u32 i, void *arg)
{
	struct dns_scratch *s = scratch();
	struct moat_nf_key k = { .prefixlen = MOAT_NF_KEY_ALL_BITS };
	struct dns_walk *q;
	__u16 type, rdlen;
	__u8 one = 1;
	const __u8 *d;
	__u32 o;

	if (!s)
		return 1;
	q = &s->q;
	k.policy = q->policy;
	o = q->o;
	d = s->rec.data;
	/* the owner name: servers compress it to a pointer to the question or
	 * to a CNAME's target; anything else ends the kernel's walk (user space
	 * still reads the whole message) */
	if (o + 2 > q->cap || (d[o & DNS_MASK] & 0xc0) != 0xc0)
		return 1;
	o += 2;
	if (o + 10 > q->cap)
		return 1;
	type = (__u16)(d[o & DNS_MASK] << 8 | d[(o + 1) & DNS_MASK]);
	rdlen = (__u16)(d[(o + 8) & DNS_MASK] << 8 | d[(o + 9) & DNS_MASK]);
	o += 10;
	if (o + rdlen > q->cap)
		return 1;
	q->o = o + rdlen;
	if (type == 1 && rdlen == 4) {
		k.addr[10] = 0xff;
		k.addr[11] = 0xff;
		for (int b = 0; b < 4; b++)
			k.addr[12 + b] = d[(o + b) & DNS_MASK];
	} else if (type == 28 && rdlen == 16) {
		for (int b = 0; b < 16; b++)
			k.addr[b] = d[(o + b) & DNS_MASK];
	} else {
		return 0;
	}
	for (int p = 0; p < MOAT_NF_DNS_PORTS; p++) {
		if (p >= s->want.n)
			break;
		k.proto = s->want.proto[p];
		k.port = s->want.port[p];
		if (!bpf_map_update_elem(&allow, &k, &one, BPF_ANY))
			q->added++;
	}
	return 0;
}

/* Add the answer's addresses to `allow` for every pattern of the policy
 * the asked name matches; how many keys were added. */
static __always_inline __u32 dns_enforce(struct dns_scratch *s, __u32 policy)
{
	struct dns_walk *q = &s->q;
	const __u8 *d = s->rec.data;
	__u32 ancount;

	*q = (struct dns_walk){ .o = 12, .cap = s->rec.cap, .policy = policy,
				.h = MOAT_NF_FNV_OFFSET };
	if (q->cap < 12 || q->cap > MOAT_NF_DNS_BYTES)
		return 0;
	/* a response (QR) to a standard query, no error, one question */
	if (!(d[2] & 0x80) || (d[2] & 0x78) || (d[3] & 0x0f) || d[4] || d[5] != 1)
		return 0;
	ancount = (__u32)(d[6] << 8 | d[7]);
	bpf_loop(256, qname_step, NULL, 0);
	if (q->bad || !q->len)
		return 0;
	q->o += 4;              /* QTYPE, QCLASS */
	s->want.n = 0;
	bpf_loop(254, match_step, NULL, 0);
	dns_merge(s, policy, 0, q->h);
	if (!s->want.n)
		return 0;
	bpf_loop(ancount < DNS_ANSWERS ? ancount : DNS_ANSWERS, answer_step, NULL, 0);
	return q->added;
}

SEC("cgroup_skb/ingress")
int nf_dns_ingress(struct __sk_buff *skb)
{
	struct moat_nf_cgroup *c;
	struct dns_scratch *s;
	__u8 saddr[16] = {};
	__u32 hl, len;
	__u16 sport;
	__u64 cg;
	__u8 b[2];

	/* every packet of the container passes here: the cheap tests first */
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, 0, b, 1) < 0)
			return 1;
		hl = (__u32)(b[0] & 0x0f) * 4;
		if (bpf_skb_load_bytes(skb, 9, b, 1) < 0 || b[0] != 17)
			return 1;
		saddr[10] = 0xff;
		saddr[11] = 0xff;
		if (bpf_skb_load_bytes(skb, 12, &saddr[12], 4) < 0)
			return 1;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		hl = 40;
		if (bpf_skb_load_bytes(skb, 6, b, 1) < 0 || b[0] != 17 ||
		    bpf_skb_load_bytes(skb, 8, saddr, 16) < 0)
			return 1;
	} else {
		return 1;
	}
	if (hl < 20 || hl > 60 || bpf_skb_load_bytes(skb, hl, &sport, 2) < 0 ||
	    sport != bpf_htons(53))
		return 1;
	/* an answer from a process in the container itself (a server of its own
	 * on loopback) would teach any address under any name; only Docker's
	 * embedded resolver, 127.0.0.11, answers on loopback */
	if (skb->ingress_ifindex == 1 &&
	    !(saddr[10] == 0xff && saddr[12] == 127 && saddr[13] == 0 && saddr[14] == 0 &&
	      saddr[15] == 11))
		return 1;
	if (skb->len <= hl + 8 + 12)
		return 1;
	cg = bpf_skb_cgroup_id(skb);
	c = bpf_map_lookup_elem(&cgroups, &cg);
	if (!c)
		return 1;
	s = scratch();
	if (!s)
		return 1;
	len = skb->len - hl - 8;
	s->rec.time_ns = bpf_ktime_get_ns();
	s->rec.cgroup_id = cg;
	s->rec.len = len;
	s->rec.kind = MOAT_NF_EV_DNS;
	s->rec.keys = 0;
	if (len > MOAT_NF_DNS_BYTES)
		len = MOAT_NF_DNS_BYTES;
	s->rec.cap = (__u16)len;
	__builtin_memcpy(s->rec.saddr, saddr, 16);
	/* the verifier wants a size it can bound: the whole buffer, or less */
	if (len == MOAT_NF_DNS_BYTES) {
		if (bpf_skb_load_bytes(skb, hl + 8, s->rec.data, MOAT_NF_DNS_BYTES) < 0)
			return 1;
	} else {
		__u32 n = len & DNS_MASK;

		if (n < 1 || bpf_skb_load_bytes(skb, hl + 8, s->rec.data, n) < 0)
			return 1;
	}
	count(MOAT_NF_STAT_DNS);
	if (c->mode == MOAT_NF_ENFORCE && !c->isolated) {
		__u32 n = dns_enforce(s, c->policy);

		s->rec.keys = (__u8)(n > 255 ? 255 : n);
		if (n)
			count(MOAT_NF_STAT_DNS_KEYS);
	}
	bpf_ringbuf_output(&events, &s->rec, sizeof(s->rec), 0);
	return 1;
}
