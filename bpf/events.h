/* SPDX-License-Identifier: Apache-2.0 */
/*
 * events.h - the one event layout shared by bpf/sensor.bpf.c and src/sensor/.
 *
 * Every record starts with struct moat_ev_hdr; `kind` says which payload
 * follows and `size` is the whole record. Layout rules (so both compilers
 * agree without packing pragmas): __uNN types only, every field naturally
 * aligned, no implicit padding, strings are fixed arrays that are always
 * NUL-terminated by the producer. Kinds are append-only; bump MOAT_EVENT_ABI
 * on any layout change. User space static-asserts the sizes below.
 *
 * Included by the BPF side after vmlinux.h (which defines __u8.. __u64) and
 * by user space after <linux/types.h>.
 */
#ifndef MOAT_BPF_EVENTS_H
#define MOAT_BPF_EVENTS_H

#define MOAT_EVENT_ABI 4

/* Bounded strings: sizes include the NUL. */
#define MOAT_EV_COMM_LEN 16
#define MOAT_EV_PATH_LEN 256
#define MOAT_EV_ARGS_LEN 512      /* argv joined by NUL bytes, truncated */
#define MOAT_EV_PREFIX_LEN 64     /* one entry of the sensitive-path table */
#define MOAT_EV_PREFIX_MAX 32     /* entries in that table */
#define MOAT_EV_SOCKADDR_LEN 28   /* sizeof(struct sockaddr_in6) */
#define MOAT_EV_CGROUP_LEN 80     /* last path segment of the exec'ing task's cgroup */

/* Ring delivery: no wakeup per record; user space drains every DRAIN_MS
 * while records flow (backing off to DRAIN_IDLE_MS when none come) and the
 * kernel wakes it early once WAKE_BYTES are waiting (ring: 8 MiB). */
#define MOAT_EV_DRAIN_MS 10
#define MOAT_EV_DRAIN_IDLE_MS 80
#define MOAT_EV_WAKE_BYTES (1u << 20)
#define MOAT_EV_DENY_MAX 1024     /* executables the kernel kills at exec */
#define MOAT_EV_SYSCALL_MAX 512   /* syscall numbers the sys_enter dispatch covers */
/* The per-container syscall bitmap: native numbers, then from
 * MOAT_EV_SYSBITS_IA32 the ia32 ones (int 0x80, 32-bit processes), whose
 * numbers name other calls in the native table. */
#define MOAT_EV_SYSBITS 1024
#define MOAT_EV_SYSBITS_IA32 512
#define MOAT_EV_NAME_LEN 64       /* a directory entry's name in a watch key (truncated) */
#define MOAT_EV_WATCH_MAX 16384   /* watched inodes, and watched directory entries */
#define MOAT_EV_WATCH_PREFIX_MAX 256 /* path prefixes user space stats in each root */
#define MOAT_EV_BL_CGROUPS 4096   /* containers with a syscall bitmap / an enforced baseline */
#define MOAT_EV_BL_EXES 16384     /* (image slot, exe) pairs of enforced baselines */

enum moat_ev_kind {
	MOAT_EV_EXEC = 1,
	MOAT_EV_EXIT = 2,
	MOAT_EV_FORK = 3,
	MOAT_EV_OPEN = 4,
	MOAT_EV_UNLINK = 5,
	MOAT_EV_RENAME = 6,
	MOAT_EV_CHMOD = 7,
	MOAT_EV_CHOWN = 8,
	MOAT_EV_CONNECT = 9,
	MOAT_EV_ACCEPT = 10,
	MOAT_EV_LISTEN = 11,
	MOAT_EV_BIND = 12,
	MOAT_EV_SETUID = 13,
	MOAT_EV_SETGID = 14,
	MOAT_EV_CAPSET = 15,
	MOAT_EV_PTRACE = 16,
	MOAT_EV_MOUNT = 17,
	MOAT_EV_UMOUNT = 18,
	MOAT_EV_UNSHARE = 19,
	MOAT_EV_SETNS = 20,
	MOAT_EV_MODULE = 21,
	MOAT_EV_BPF = 22,
	MOAT_EV_MEMFD = 23,
	MOAT_EV_KIND_MAX = 24,    /* first unused value */
};

/* struct moat_ev_exec.flags */
enum moat_ev_exec_flags {
	MOAT_EXEC_STDIN_SOCK = 1 << 0,   /* fd 0 is a socket at exec */
	MOAT_EXEC_STDOUT_SOCK = 1 << 1,  /* fd 1 is a socket at exec */
	MOAT_EXEC_KILLED = 1 << 2,       /* the kernel sent SIGKILL (deny list or drift) */
	MOAT_EXEC_DRIFT = 1 << 3,        /* exe changed after its container started */
	MOAT_EXEC_ARGS_TRUNC = 1 << 4,   /* argv did not fit in args[] */
	MOAT_EXEC_CWD_TRUNC = 1 << 5,    /* cwd lost leading components (deep or long) */
	MOAT_EXEC_BASELINE = 1 << 6,     /* killed: outside its image's enforced baseline */
};

/* struct moat_ev_exec.stdio[fd]: what fds 0, 1 and 2 are at exec. A socket
 * is only a network peer (TCP, UDP) when it is AF_INET/AF_INET6 and
 * connected: socketpairs and unix sockets (how node, ninja and friends
 * wire their children) and listening sockets are told apart. */
enum moat_ev_fd_type {
	MOAT_FD_NONE = 0,         /* not open */
	MOAT_FD_FILE = 1,         /* regular file */
	MOAT_FD_DIR = 2,
	MOAT_FD_PIPE = 3,         /* pipe or FIFO */
	MOAT_FD_CHR = 4,          /* character device: a tty, /dev/null */
	MOAT_FD_BLK = 5,
	MOAT_FD_UNIX = 6,         /* AF_UNIX socket, socketpair included */
	MOAT_FD_TCP = 7,          /* AF_INET/6 stream socket with a peer (not listen, not close) */
	MOAT_FD_UDP = 8,          /* AF_INET/6 datagram socket connected to a peer */
	MOAT_FD_LISTEN = 9,       /* AF_INET/6 listening socket */
	MOAT_FD_UNCONNECTED = 10, /* AF_INET/6 socket without a peer (bound, closed) */
	MOAT_FD_SOCKET = 11,      /* another socket: netlink, packet, raw, vsock ... */
	MOAT_FD_OTHER = 12,       /* anon inodes (eventfd, epoll ...), unknown */
	MOAT_FD_TYPE_MAX = 13,
};

/* The type of an fd from its inode's S_IFMT bits (the kernel's ABI values,
 * spelled out so BPF code needs no libc header); MOAT_FD_SOCKET for any
 * socket, which each sensor then classes by family and state. */
static inline __attribute__((always_inline)) __u8 moat_fd_type_of_mode(__u32 mode)
{
	switch (mode & 0170000) {
	case 0100000:
		return MOAT_FD_FILE;
	case 0040000:
		return MOAT_FD_DIR;
	case 0010000:
		return MOAT_FD_PIPE;
	case 0020000:
		return MOAT_FD_CHR;
	case 0060000:
		return MOAT_FD_BLK;
	case 0140000:
		return MOAT_FD_SOCKET;
	default:
		return MOAT_FD_OTHER;
	}
}

/* struct moat_ev_file.resolve: how the kernel matched and named the file. */
enum moat_ev_resolve {
	MOAT_RESOLVE_PATH = 1 << 0,      /* path is the opened file's own name (a dentry walk) */
	MOAT_RESOLVE_INODE = 1 << 1,     /* the file is a watched inode (itself or a hard link) */
	MOAT_RESOLVE_DENTRY = 1 << 2,    /* the file is a watched entry of a watched directory */
	MOAT_RESOLVE_PREFIX = 1 << 3,    /* its resolved path is under a prefix (a root not yet scanned) */
	MOAT_RESOLVE_TRUNC = 1 << 4,     /* the resolved path lost leading components */
};

/* struct moat_ev_watch.flags */
enum moat_ev_watch_flags {
	MOAT_WATCH_FILE = 1 << 0,        /* this inode is watched itself */
	MOAT_WATCH_DIR = 1 << 1,         /* entries of this directory are in the dentry trie */
};

/* struct moat_ev_prefix.mode: which opens of a prefix are reported. */
enum moat_ev_prefix_mode {
	MOAT_PREFIX_READ = 1 << 0,
	MOAT_PREFIX_WRITE = 1 << 1,
};

struct moat_ev_hdr {
	__u16 kind;                    /* enum moat_ev_kind */
	__u16 abi;                     /* MOAT_EVENT_ABI */
	__u32 size;                    /* whole record, header included */
	__u64 time_ns;                 /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 pid;                     /* thread id */
	__u32 tgid;                    /* process id */
	__u32 ppid;                    /* real parent's tgid */
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u64 cgroup_id;               /* cgroup v2 id (0 on a v1-only task) */
	__u32 mnt_ns;                  /* mount namespace inode */
	__u32 pid_ns;                  /* pid namespace inode */
	char comm[MOAT_EV_COMM_LEN];
};

struct moat_ev_exec {
	struct moat_ev_hdr hdr;
	__u64 exe_ino;
	__u64 exe_ctime_sec;           /* CLOCK_REALTIME seconds of the exe's ctime */
	__u32 exe_dev;
	__u32 flags;                   /* enum moat_ev_exec_flags */
	__u32 argc;                    /* NUL-separated strings in args */
	__u32 args_len;                /* bytes used in args */
	__u8 stdio[4];                 /* enum moat_ev_fd_type of fds 0, 1, 2; [3] is 0 */
	__u32 pad;
	char filename[MOAT_EV_PATH_LEN];
	char args[MOAT_EV_ARGS_LEN];
	/* Name of the task's cgroup (v2, else the v1 memory controller's): for
	 * a container, "<id>", "docker-<id>.scope", ... Lets user space name the
	 * container even when the process and its cgroup are gone by the time
	 * the record is read. */
	char cgroup[MOAT_EV_CGROUP_LEN];
	/* Working directory at exec, as the process sees it (up to its own
	 * root, so a container's cwd is inside the container). */
	char cwd[MOAT_EV_PATH_LEN];
	/* The file executed, walked from the kernel's struct file up to the
	 * task's root as the path of an open is: no symlink, no relative name.
	 * Empty when the walk was cut (too deep or too long). */
	char exe[MOAT_EV_PATH_LEN];
};

struct moat_ev_exit {
	struct moat_ev_hdr hdr;
	__s32 code;                    /* exit_code as wait(2) encodes it */
	__u32 pad;
};

struct moat_ev_fork {
	struct moat_ev_hdr hdr;
	__u32 child_tgid;
	__u32 pad;
};

/* open, unlink, chmod, chown, mount/umount (path = target), memfd (name),
 * module (path of finit_module unknown: empty). */
struct moat_ev_file {
	struct moat_ev_hdr hdr;
	__s64 arg0;                    /* dirfd / fd */
	__u64 flags;                   /* open flags, unlink/mount flags */
	__u64 mode;                    /* open/chmod mode, chown uid<<32|gid */
	__u32 watch;                   /* 1 + the watch entry the file matched; 0 = none */
	__u32 resolve;                 /* enum moat_ev_resolve */
	__u64 ino;                     /* an open that succeeded: the file's inode, */
	__u32 dev;                     /* and its device (kernel encoding); else 0 */
	__u32 pad;
	/* An open that succeeded: the file's name as the process sees it
	 * (resolved by the kernel: no "..", links, dirfds). Otherwise, and
	 * for other kinds: the path as given, joined to the cwd or dirfd. */
	char path[MOAT_EV_PATH_LEN];
	/* Open: the path as the syscall gave it (joined to the cwd or dirfd);
	 * rename target, mount source. */
	char path2[MOAT_EV_PATH_LEN];
};

/* connect, accept, listen, bind */
struct moat_ev_net {
	struct moat_ev_hdr hdr;
	__s32 fd;
	__s32 ret;                     /* accept's new fd; 0 where unknown */
	__u16 family;                  /* AF_INET, AF_INET6, AF_UNIX, ... */
	__u16 port;                    /* host byte order */
	__u32 backlog;                 /* listen */
	__u8 addr[16];                 /* v4 in the first 4 bytes */
	char unix_path[108];           /* AF_UNIX sun_path, NUL-terminated */
	__u32 pad;
};

/* setuid/setgid/setresuid/capset/ptrace/unshare/setns/bpf/module */
struct moat_ev_generic {
	struct moat_ev_hdr hdr;
	__u64 arg[4];                  /* raw syscall arguments, per kind */
};

/* One entry of the sensitive-path prefix table the rules derive. */
struct moat_ev_prefix {
	__u32 len;                     /* bytes of p used; 0 = empty slot */
	__u32 mode;                    /* enum moat_ev_prefix_mode */
	char p[MOAT_EV_PREFIX_LEN];
};

/* Key of the `prefixes` LPM trie: bits = 8 * prefix length; lookups use
 * MOAT_EV_PREFIX_LEN * 8 and the head of the path. */
struct moat_ev_prefix_key {
	__u32 bits;
	char p[MOAT_EV_PREFIX_LEN];
};

/* Key of the `watch_inodes` hash (and of `watch_roots`): an inode as the
 * kernel names it; dev is the kernel's encoding (major << 20 | minor). */
struct moat_ev_inode_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

/* Key of the `watch_dentries` LPM trie: entries of a directory whose names
 * start with name. bits = 8 * (12 + bytes of name compared): the NUL
 * included for one exact name, none for every entry. */
struct moat_ev_dentry_key {
	__u32 bits;
	__u32 dev;
	__u64 ino;                     /* the directory's inode */
	char name[MOAT_EV_NAME_LEN];
};

/* Value of both watch maps. */
struct moat_ev_watch {
	__u32 id;                      /* 1 + user space's entry index */
	__u16 mode;                    /* enum moat_ev_prefix_mode */
	__u16 flags;                   /* enum moat_ev_watch_flags */
};

/* Value of the `drift` hash map, keyed by mount namespace inode (__u32):
 * kill exe's whose ctime is at or after start_sec. */
struct moat_ev_drift {
	__u64 start_sec;
	__u32 kill;                    /* 1 = SIGKILL at exec, 0 = report only */
	__u32 pad;
	/* The container's v2 cgroup id (0 = unknown). Mount-namespace inode
	 * numbers are reused once a container is gone, so the kernel also
	 * requires the cgroup to match before it calls an exec drift. */
	__u64 cgroup_id;
};

/* Value of the `deny` hash map (key: exe path, MOAT_EV_PATH_LEN bytes, zero-padded). */
struct moat_ev_deny {
	__u32 action;                  /* 1 = SIGKILL */
	__u32 pad;
};

/* Key of the `bl_exes` hash: an executable allowed in an enforced
 * baseline (path zero-padded, as bprm->filename spells it). */
struct moat_ev_bl_exe {
	__u32 slot;                    /* the image's slot, see bl_enforce */
	__u32 pad;
	char path[MOAT_EV_PATH_LEN];
};

#endif
