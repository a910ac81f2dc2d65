/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch_test.c - the watched-inode maps (src/sensor/watch.c) against real
 * BPF maps and a real root: a child chroot'ed into a scratch tree stands
 * for a container, so its root is reached through /proc/PID/root.
 * Needs root (chroot, bpf); skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "harness.h"
#include "sensor/watch.h"

static char root[64];
static struct path_watch_maps maps;
static pid_t child;

static void put(const char *rel, const char *text)
{
	char p[384];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void dir(const char *rel)
{
	char p[384];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	mkdir(p, 0755);
}

/* The kernel's key of a path inside the scratch root. */
static struct moat_ev_inode_key key_of(const char *rel)
{
	struct moat_ev_inode_key k = { 0 };
	char p[384];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", root, rel);
	if (lstat(p, &st) == 0) {
		k.ino = st.st_ino;
		k.dev = (major(st.st_dev) << 20) | minor(st.st_dev);
	}
	return k;
}

static int inode_flags(const char *rel, struct moat_ev_watch *v)
{
	struct moat_ev_inode_key k = key_of(rel);

	memset(v, 0, sizeof(*v));
	return bpf_map_lookup_elem(maps.inodes, &k, v) == 0 ? v->flags : -1;
}

/* The dentry trie's answer for name in directory rel: its mode, or -1. */
static int dentry_mode(const char *rel, const char *name)
{
	struct moat_ev_inode_key d = key_of(rel);
	struct moat_ev_dentry_key k = { .bits = (12 + MOAT_EV_NAME_LEN) * 8, .dev = d.dev,
					.ino = d.ino };
	struct moat_ev_watch v;

	snprintf(k.name, sizeof(k.name), "%s", name);
	return bpf_map_lookup_elem(maps.dentries, &k, &v) == 0 ? v.mode : -1;
}

static size_t count(int fd, size_t key_size)
{
	char cur[128];
	char next[128];
	size_t n = 0;
	void *prev = NULL;

	while (key_size <= sizeof(cur) && bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(cur, next, key_size);
		prev = cur;
		n++;
	}
	return n;
}

static struct moat_ev_prefix prefix(const char *p, __u32 mode)
{
	struct moat_ev_prefix e = { .len = (__u32)strlen(p), .mode = mode };

	memcpy(e.p, p, e.len);
	return e;
}

/* The scratch tree, deepest first (it is small and known). */
static void remove_tree(void)
{
	static const char *const rels[] = { "/etc/shadow", "/etc/passwd", "/etc/cron.d/job",
					    "/etc/cron.d/new", "/run/docker.sock", "/var/run" };
	static const char *const dirs[] = { "/etc/cron.d", "/etc", "/run", "/var", "/usr/bin",
					    "/usr", "" };
	char p[384];

	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", root, rels[i]);
		unlink(p);
	}
	for (int i = 0; i < 100; i++) {
		snprintf(p, sizeof(p), "%s/usr/bin/tool%d", root, i);
		unlink(p);
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", root, dirs[i]);
		rmdir(p);
	}
}

static int setup(void)
{
	char p[384];
	LIBBPF_OPTS(bpf_map_create_opts, lpm, .map_flags = BPF_F_NO_PREALLOC);

	snprintf(root, sizeof(root), "/tmp/moat-watch.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	dir("/etc");
	dir("/etc/cron.d");
	dir("/run");
	dir("/var");
	dir("/usr");
	dir("/usr/bin");
	put("/etc/shadow", "root:*:1::::::\n");
	put("/etc/passwd", "root:x:0:0::/:/bin/sh\n");
	put("/etc/cron.d/job", "* * * * * root true\n");
	put("/run/docker.sock", "");
	for (int i = 0; i < 100; i++) {
		char tool[32];

		snprintf(tool, sizeof(tool), "/usr/bin/tool%d", i);
		put(tool, "");
	}
	snprintf(p, sizeof(p), "%s/var/run", root);
	if (symlink("/run", p) < 0)      /* absolute: must stay inside the root */
		return -1;
	maps.inodes = bpf_map_create(BPF_MAP_TYPE_HASH, "t_inodes", sizeof(struct moat_ev_inode_key),
				     sizeof(struct moat_ev_watch), 4096, NULL);
	maps.dentries = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "t_dentries",
				       sizeof(struct moat_ev_dentry_key),
				       sizeof(struct moat_ev_watch), 4096, &lpm);
	maps.roots = bpf_map_create(BPF_MAP_TYPE_HASH, "t_roots", sizeof(struct moat_ev_inode_key),
				    sizeof(__u32), 64, NULL);
	if (maps.inodes < 0 || maps.dentries < 0 || maps.roots < 0)
		return -1;
	child = fork();
	if (child == 0) {
		if (chroot(root) == 0 && chdir("/") == 0)
			pause();
		_exit(1);
	}
	usleep(100000);
	return child > 0 ? 0 : -1;
}

static void test_watch__container_root(void)
{
	struct moat_ev_prefix pre[] = {
		prefix("/etc/shadow", MOAT_PREFIX_READ | MOAT_PREFIX_WRITE),
		prefix("/etc/cron", MOAT_PREFIX_WRITE),
		prefix("/var/run/docker.sock", MOAT_PREFIX_READ | MOAT_PREFIX_WRITE),
		prefix("/usr/bin/", MOAT_PREFIX_WRITE),
		prefix("/root/.aws/", MOAT_PREFIX_READ),
	};
	struct path_watch *w = NULL;
	struct moat_ev_inode_key rk = key_of("");
	struct moat_ev_inode_key sk;
	struct moat_ev_watch v;
	size_t tools = 0;
	char p[384];
	__u32 one;

	CHECK_INT(path_watch_open(&maps, &w), 0);
	if (!w)
		return;
	CHECK_INT(path_watch_prefixes(w, pre, sizeof(pre) / sizeof(pre[0])), 0);
	CHECK_INT(path_watch_add_root(w, 7, child), 0);
	/* the root itself is listed: the kernel trusts the maps for it */
	CHECK_INT(bpf_map_lookup_elem(maps.roots, &rk, &one), 0);
	/* files by inode, with their name for hard links */
	CHECK_INT(inode_flags("/etc/shadow", &v), MOAT_WATCH_FILE);
	CHECK_INT(v.mode, MOAT_PREFIX_READ | MOAT_PREFIX_WRITE);
	sk = key_of("/etc/shadow");
	CHECK_STR(path_watch_name(w, v.id, sk.dev, sk.ino), "/etc/shadow");
	CHECK(path_watch_name(w, v.id, sk.dev, sk.ino + 1) == NULL);
	CHECK_INT(inode_flags("/etc/cron.d/job", &v), MOAT_WATCH_FILE);
	CHECK_INT(inode_flags("/etc/passwd", &v), -1);
	/* directories and their entries: names not there yet too */
	CHECK_INT(inode_flags("/etc", &v), MOAT_WATCH_DIR);
	CHECK_INT(dentry_mode("/etc", "shadow"), MOAT_PREFIX_READ | MOAT_PREFIX_WRITE);
	CHECK_INT(dentry_mode("/etc", "crontab"), MOAT_PREFIX_WRITE);
	CHECK_INT(dentry_mode("/etc", "passwd"), -1);
	CHECK_INT(dentry_mode("/etc/cron.d", "not-yet"), MOAT_PREFIX_WRITE);
	/* /var/run -> /run inside the root, not the host's /run */
	CHECK_INT(inode_flags("/run/docker.sock", &v), MOAT_WATCH_FILE);
	/* a missing directory is watched from its nearest ancestor */
	CHECK_INT(dentry_mode("", "root"), MOAT_PREFIX_READ);
	/* a large directory gives at most PER_DIR files */
	for (int i = 0; i < 100; i++) {
		char tool[32];

		snprintf(tool, sizeof(tool), "/usr/bin/tool%d", i);
		tools += inode_flags(tool, &v) == MOAT_WATCH_FILE;
	}
	CHECK(tools > 0 && tools <= 48);
	/* a file created, and one renamed over a watched file: seen at the pump */
	put("/etc/cron.d/new", "");
	put("/etc/shadow.new", "root:*:2::::::\n");
	snprintf(p, sizeof(p), "%s/etc/shadow", root);
	{
		char from[400];

		snprintf(from, sizeof(from), "%s.new", p);
		CHECK_INT(rename(from, p), 0);
	}
	path_watch_pump(w);
	CHECK_INT(inode_flags("/etc/cron.d/new", &v), MOAT_WATCH_FILE);
	CHECK_INT(inode_flags("/etc/shadow", &v), MOAT_WATCH_FILE);
	CHECK(sk.ino == key_of("/etc/shadow").ino ||
	      bpf_map_lookup_elem(maps.inodes, &sk, &v) != 0);  /* the old inode is gone */
	CHECK(path_watch_count(w) > 0);
	/* the container is gone: nothing of it stays */
	path_watch_drop_root(w, 7);
	CHECK_INT(count(maps.inodes, sizeof(struct moat_ev_inode_key)), 0);
	CHECK_INT(count(maps.dentries, sizeof(struct moat_ev_dentry_key)), 0);
	CHECK_INT(count(maps.roots, sizeof(struct moat_ev_inode_key)), 0);
	CHECK_INT(path_watch_count(w), 0);
	/* a process that is gone has no root to scan */
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	CHECK(path_watch_add_root(w, 8, child) < 0);
	CHECK_INT(count(maps.inodes, sizeof(struct moat_ev_inode_key)), 0);
	path_watch_close(w);
}

int main(void)
{
	if (geteuid() != 0 || setup() < 0) {
		printf("1..0 # SKIP needs root and BPF maps\n");
		return 0;
	}
	MOAT_RUN(test_watch__container_root);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	remove_tree();
	return moat_test_done();
}
