/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netfw-abi.h - the container firewall's map layouts, shared by bpf/netfw.bpf.c
 * and src/defend/netfw-kernel.c (same layout rules as events.h: __uNN
 * types, natural alignment, no implicit padding).
 *
 * `cgroups` (hash, key: the cgroup v2 id of a container) says what applies
 * to a container; a cgroup that is not in it (the host, containers the
 * defender has not met yet) is never touched. `allow` (LPM trie) holds the
 * destinations a policy may reach; in enforce mode everything else is
 * refused with EPERM. `deny` (LPM trie, same keys) holds destinations a
 * policy refuses in any mode (the console's firewall denials), looked up
 * first for a cgroup whose entry says deny. Isolation uses the reserved policy MOAT_NF_POLICY_ISO:
 * an isolated container may talk only to the addresses under it.
 */
#ifndef MOAT_BPF_NETFW_ABI_H
#define MOAT_BPF_NETFW_ABI_H

#define MOAT_NF_CGROUP_MAX 4096     /* containers with a policy */
#define MOAT_NF_ALLOW_MAX 65536     /* allow-list entries, all policies */
#define MOAT_NF_POLICY_ISO 0xffffffffu
#define MOAT_NF_PROFILE_BASE 0x10000u  /* policy ids of console firewall profiles */
#define MOAT_NF_DENY_MAX 16384      /* deny entries, all policies */

enum moat_nf_mode {
	MOAT_NF_PASS = 0,           /* learn or alert: the kernel lets it through */
	MOAT_NF_ENFORCE = 1,        /* only what `allow` lists for the policy */
};

/* Value of `cgroups`. */
struct moat_nf_cgroup {
	__u32 policy;               /* the image's policy id (allow key) */
	__u8 mode;                  /* enum moat_nf_mode */
	__u8 isolated;              /* 1: only MOAT_NF_POLICY_ISO peers */
	__u8 deny;                  /* 1: `deny` keys of policy are refused first */
	__u8 pad;
};

/* Key of `allow`: prefixlen counts the bits after itself that must match:
 * 64 (policy, proto, port) + the address prefix on the IPv6 form (an IPv4
 * address is stored v4-mapped, ::ffff:a.b.c.d, so a /24 is 96 + 24).
 * proto is IPPROTO_TCP or IPPROTO_UDP, 0 for isolation peers; port 0 means
 * any port (the kernel looks up the exact port, then port 0). */
struct moat_nf_key {
	__u32 prefixlen;
	__u32 policy;
	__u8 proto;
	__u8 pad;
	__u16 port;                 /* network byte order */
	__u8 addr[16];
};

#define MOAT_NF_KEY_FIXED_BITS 64u
#define MOAT_NF_KEY_ALL_BITS (64u + 128u)

/* Key of `dests`. */
struct moat_nf_addr {
	__u8 a[16];
};

#define MOAT_NF_DEST_MAX 4096        /* container addresses watched for host flows */
#define MOAT_NF_RING_BYTES (1u << 20)
#define MOAT_NF_UDP_WINDOW_NS 1000000000ull  /* one sendmsg report per peer and second */

enum moat_nf_ev_kind {
	MOAT_NF_EV_CONNECT = 1,
	MOAT_NF_EV_SENDMSG = 2,
	MOAT_NF_EV_DNS = 3,         /* struct moat_nf_dns */
};

/* One connect() or (rate-limited) sendmsg() of a container, or of any
 * process towards a container address, with what the kernel did. */
struct moat_nf_event {
	__u64 time_ns;              /* bpf_ktime_get_ns */
	__u64 cgroup_id;
	__u32 tgid;
	__u8 kind;                  /* enum moat_nf_ev_kind */
	__u8 proto;                 /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 blocked;               /* 1: refused with EPERM */
	__u8 isolated;              /* refused because the container is isolated */
	__u16 port;                 /* host byte order */
	__u16 pad;
	__u32 pad2;
	__u8 addr[16];              /* IPv6 form, IPv4 v4-mapped */
	char comm[16];
};

/* A DNS response a container received (UDP, source port 53), its payload
 * copied as it was for the user-space parser (src/defend/dnsmsg.c). `kind`
 * sits where moat_nf_event has it, so the ring's reader can tell them apart. */
#define MOAT_NF_DNS_BYTES 1024
struct moat_nf_dns {
	__u64 time_ns;
	__u64 cgroup_id;
	__u32 len;                  /* payload bytes on the wire */
	__u8 kind;                  /* MOAT_NF_EV_DNS */
	__u8 keys;                  /* allow keys the kernel added for it */
	__u16 cap;                  /* bytes copied to data, <= MOAT_NF_DNS_BYTES */
	__u8 saddr[16];             /* the server, IPv6 form */
	__u8 data[MOAT_NF_DNS_BYTES];
};

/* `dns_allow` (hash): the DNS names a policy may reach in enforce mode, so
 * that the kernel adds the addresses of an answer to `allow` before the
 * resolver sees it (no window in which the first connect is refused).
 * hash is FNV-1a 64 over the lower-case name read backwards from its end
 * ("moc.elpmaxe" for example.com); wild 1 matches the names strictly below. */
struct moat_nf_dns_key {
	__u32 policy;
	__u32 wild;
	__u64 hash;
};

#define MOAT_NF_DNS_PORTS 8
struct moat_nf_dns_ports {
	__u8 n;
	__u8 proto[MOAT_NF_DNS_PORTS];      /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad[7];
	__u16 port[MOAT_NF_DNS_PORTS];      /* network byte order, 0: any */
};

#define MOAT_NF_DNS_ALLOW_MAX 16384
#define MOAT_NF_FNV_OFFSET 0xcbf29ce484222325ull
#define MOAT_NF_FNV_PRIME 0x100000001b3ull

/* Per-CPU counters (array index). */
enum moat_nf_stat {
	MOAT_NF_STAT_CHECKED = 0,   /* connects/sendmsgs of a cgroup in `cgroups` */
	MOAT_NF_STAT_BLOCKED = 1,   /* refused (enforce or isolation) */
	MOAT_NF_STAT_DROPPED = 2,   /* packets of an isolated container dropped */
	MOAT_NF_STAT_DNS = 3,       /* DNS responses copied to the ring */
	MOAT_NF_STAT_DNS_KEYS = 4,  /* allow keys added from DNS answers */
	MOAT_NF_STAT_MAX = 5,
};

#endif
