/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fallback.c - the sensor without eBPF: the proc connector (netlink
 * CN_PROC: fork, exec, exit) plus fanotify (opens and writes), producing the
 * same records as bpf/sensor.bpf.c so the defender cannot tell them apart.
 *
 * What it cannot do: see network, privilege or namespace syscalls; kill in
 * the kernel; see what a process did before its exec notification was read
 * (it reads /proc after the fact, so a process that has already exited
 * yields a partial record). fanotify watches the host root filesystem and,
 * once the defender names a container, that container's root filesystem;
 * paths are reported as the container sees them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "moat/error.h"
#include "sensor-int.h"

/* Containers whose root filesystem is watched, and their namespaces for drift. */
#define FB_CONTAINERS 256
#define FB_ROOT_LEN 256
#define FB_BUF (64u << 10)

struct fb_container {
	uint32_t mnt_ns;
	uint64_t start_sec;
	char root[FB_ROOT_LEN];        /* its root as a path in our namespace */
	size_t root_len;
	dev_t dev;                      /* its root filesystem */
};

struct fallback {
	struct moat_sensor *sensor;
	int nl;                         /* proc connector socket */
	int fan;                        /* fanotify group, -1 if unavailable */
	struct moat_ev_prefix prefixes[MOAT_EV_PREFIX_MAX];
	size_t n_prefixes;
	bool all_writes;
	uint32_t self;
	struct fb_container cont[FB_CONTAINERS];
	unsigned n_cont;
	union moat_sensor_rec rec;      /* record being built */
	struct { int32_t pid; uint64_t mask; dev_t dev; ino_t ino; } last; /* to drop repeats */
	uint8_t buf[FB_BUF] __attribute__((aligned(8)));
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t status_field(const char *status, const char *key, unsigned nth)
{
	const char *p = strstr(status, key);
	unsigned long v = 0;

	if (!p)
		return 0;
	p += strlen(key);
	for (unsigned i = 0; i <= nth; i++) {
		v = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (unsigned long)(*p++ - '0');
	}
	return (uint32_t)v;
}

static uint32_t ns_of(uint32_t pid, const char *ns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%u/ns/%s", pid, ns);
	return stat(path, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

/* The common header from /proc; fields stay 0 when the process is gone. */
static void fill_hdr(struct moat_ev_hdr *h, uint16_t kind, uint32_t size, uint32_t pid,
		     uint32_t tgid)
{
	char path[64];
	char status[2048];

	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->abi = MOAT_EVENT_ABI;
	h->size = size;
	h->time_ns = mono_ns();
	h->pid = pid;
	h->tgid = tgid;
	snprintf(path, sizeof(path), "/proc/%u/status", tgid);
	if (moat_read_small_file(path, status, sizeof(status)) > 0) {
		h->ppid = status_field(status, "\nPPid:", 0);
		h->uid = status_field(status, "\nUid:", 0);
		h->euid = status_field(status, "\nUid:", 1);
		h->gid = status_field(status, "\nGid:", 0);
	}
	snprintf(path, sizeof(path), "/proc/%u/comm", tgid);
	if (moat_read_small_file(path, h->comm, sizeof(h->comm)) > 0)
		h->comm[strcspn(h->comm, "\n")] = 0;
	h->mnt_ns = ns_of(tgid, "mnt");
	h->pid_ns = ns_of(tgid, "pid");
}

/* A socket of another process, as the eBPF sensor classes it: a copy of
 * the fd (pidfd_getfd; root may take it) answers family, type, listening
 * and peer. Without the copy it is just "a socket". */
static uint8_t sock_type(int pidfd, int fd)
{
	int s = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0) : -1;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	socklen_t len = sizeof(int);
	uint8_t t = MOAT_FD_SOCKET;
	int domain = 0;
	int type = 0;
	int listening = 0;

	if (s < 0)
		return t;
	getsockopt(s, SOL_SOCKET, SO_DOMAIN, &domain, &len);
	len = sizeof(int);
	getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &len);
	len = sizeof(int);
	getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
	if (domain == AF_UNIX)
		t = MOAT_FD_UNIX;
	else if ((domain == AF_INET || domain == AF_INET6) && listening)
		t = MOAT_FD_LISTEN;
	else if (domain == AF_INET || domain == AF_INET6)
		t = getpeername(s, (struct sockaddr *)&peer, &plen) < 0 ? MOAT_FD_UNCONNECTED
			: type == SOCK_STREAM ? MOAT_FD_TCP
			: type == SOCK_DGRAM ? MOAT_FD_UDP : MOAT_FD_SOCKET;
	close(s);
	return t;
}

static uint8_t fd_type(uint32_t tgid, int pidfd, int fd)
{
	char path[64];
	struct stat st;
	uint8_t t;

	snprintf(path, sizeof(path), "/proc/%u/fd/%d", tgid, fd);
	if (stat(path, &st) < 0)
		return MOAT_FD_NONE;
	t = moat_fd_type_of_mode(st.st_mode);
	return t == MOAT_FD_SOCKET ? sock_type(pidfd, fd) : t;
}

static void exec_stdio(struct moat_ev_exec *e, uint32_t tgid)
{
	int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)tgid, 0);

	for (int fd = 0; fd < 3; fd++)
		e->stdio[fd] = fd_type(tgid, pidfd, fd);
	if (pidfd >= 0)
		close(pidfd);
	if (e->stdio[0] >= MOAT_FD_UNIX && e->stdio[0] <= MOAT_FD_SOCKET)
		e->flags |= MOAT_EXEC_STDIN_SOCK;
	if (e->stdio[1] >= MOAT_FD_UNIX && e->stdio[1] <= MOAT_FD_SOCKET)
		e->flags |= MOAT_EXEC_STDOUT_SOCK;
}

static struct fb_container *container_by_ns(struct fallback *fb, uint32_t mnt_ns)
{
	for (unsigned i = 0; i < fb->n_cont; i++)
		if (fb->cont[i].mnt_ns == mnt_ns)
			return &fb->cont[i];
	return NULL;
}

static int emit_exec(struct fallback *fb, uint32_t pid, uint32_t tgid)
{
	struct moat_ev_exec *e = &fb->rec.exec;
	struct fb_container *c;
	char path[64];
	struct stat st;
	ssize_t n;

	memset(e, 0, sizeof(*e));
	fill_hdr(&e->hdr, MOAT_EV_EXEC, sizeof(*e), pid, tgid);
	snprintf(path, sizeof(path), "/proc/%u/exe", tgid);
	n = readlink(path, e->filename, sizeof(e->filename) - 1);
	e->filename[n > 0 ? n : 0] = 0;
	memcpy(e->exe, e->filename, sizeof(e->exe));    /* /proc/PID/exe is resolved */
	if (stat(path, &st) == 0) {
		e->exe_ino = st.st_ino;
		e->exe_dev = (uint32_t)st.st_dev;
		e->exe_ctime_sec = (uint64_t)st.st_ctim.tv_sec;
	}
	snprintf(path, sizeof(path), "/proc/%u/cwd", tgid);
	n = readlink(path, e->cwd, sizeof(e->cwd) - 1);
	e->cwd[n > 0 ? n : 0] = 0;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", tgid);
	n = moat_read_small_file(path, e->args, sizeof(e->args));
	if (n > 0) {
		e->args_len = (uint32_t)n;
		for (ssize_t i = 0; i < n; i++)
			e->argc += e->args[i] == 0;
	}
	exec_stdio(e, tgid);
	c = container_by_ns(fb, e->hdr.mnt_ns);
	if (c && e->exe_ctime_sec >= c->start_sec)
		e->flags |= MOAT_EXEC_DRIFT;
	return sensor_emit(fb->sensor, e, sizeof(*e));
}

static int on_proc_event(struct fallback *fb, const struct proc_event *ev)
{
	switch (ev->what) {
	case PROC_EVENT_EXEC:
		if (ev->event_data.exec.process_tgid == (pid_t)fb->self)
			return 0;
		return emit_exec(fb, (uint32_t)ev->event_data.exec.process_pid,
				 (uint32_t)ev->event_data.exec.process_tgid);
	case PROC_EVENT_FORK:
		if (ev->event_data.fork.child_pid != ev->event_data.fork.child_tgid)
			return 0;       /* a thread */
		fill_hdr(&fb->rec.hdr, MOAT_EV_FORK, sizeof(struct moat_ev_fork),
			 (uint32_t)ev->event_data.fork.parent_pid,
			 (uint32_t)ev->event_data.fork.parent_tgid);
		fb->rec.fork.child_tgid = (uint32_t)ev->event_data.fork.child_tgid;
		fb->rec.fork.pad = 0;
		return sensor_emit(fb->sensor, &fb->rec, sizeof(struct moat_ev_fork));
	case PROC_EVENT_EXIT:
		if (ev->event_data.exit.process_pid != ev->event_data.exit.process_tgid)
			return 0;
		memset(&fb->rec.exit, 0, sizeof(fb->rec.exit));
		fb->rec.hdr.kind = MOAT_EV_EXIT;
		fb->rec.hdr.abi = MOAT_EVENT_ABI;
		fb->rec.hdr.size = sizeof(struct moat_ev_exit);
		fb->rec.hdr.time_ns = mono_ns();
		fb->rec.hdr.pid = (uint32_t)ev->event_data.exit.process_pid;
		fb->rec.hdr.tgid = (uint32_t)ev->event_data.exit.process_tgid;
		fb->rec.exit.code = (int32_t)ev->event_data.exit.exit_code;
		return sensor_emit(fb->sensor, &fb->rec, sizeof(struct moat_ev_exit));
	default:
		return 0;
	}
}

static int read_netlink(struct fallback *fb)
{
	int count = 0;

	for (;;) {
		ssize_t n = recv(fb->nl, fb->buf, sizeof(fb->buf), MSG_DONTWAIT);
		struct nlmsghdr *nh;

		if (n < 0)
			return (errno == EAGAIN || errno == ENOBUFS) ? count : -errno;
		for (nh = (struct nlmsghdr *)fb->buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			struct cn_msg *cn = NLMSG_DATA(nh);

			if (nh->nlmsg_type != NLMSG_DONE ||
			    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*cn) + sizeof(struct proc_event)) ||
			    cn->len < sizeof(struct proc_event))
				continue;
			/* cn_msg's payload sits at offset 20: copy it out before
			 * reading its 8-byte-aligned fields. */
			struct proc_event ev;

			memcpy(&ev, cn->data, sizeof(ev));
			if (on_proc_event(fb, &ev) < 0)
				return -ECANCELED;
			count++;
		}
	}
}

/*
 * Path as the process sees it. A file on a container's root filesystem is
 * found by device (its mount is not reachable from our root, so the kernel
 * names it relative to that filesystem); one reachable through the
 * container's root path has that prefix stripped.
 */
static const char *container_path(struct fallback *fb, const char *path, dev_t dev,
				  uint32_t *ret_ns)
{
	for (unsigned i = 0; i < fb->n_cont; i++) {
		struct fb_container *c = &fb->cont[i];

		if (c->dev && c->dev == dev) {
			*ret_ns = c->mnt_ns;
			if (c->root_len > 1 && !strncmp(path, c->root, c->root_len) &&
			    path[c->root_len] == '/')
				return path + c->root_len;
			return path;
		}
	}
	return path;
}

/* Does path, in our namespace, name the file the event's fd refers to? */
static bool same_file(const char *path, const struct stat *st)
{
	struct stat here;

	return stat(path, &here) == 0 && here.st_dev == st->st_dev && here.st_ino == st->st_ino;
}

static int on_fan_event(struct fallback *fb, const struct fanotify_event_metadata *m)
{
	struct moat_ev_file *e = &fb->rec.file;
	char link[64];
	char full[MOAT_EV_PATH_LEN + FB_ROOT_LEN];
	uint32_t ns = 0;
	bool write = (m->mask & (FAN_CLOSE_WRITE | FAN_MODIFY)) != 0;
	const char *path;
	struct stat st;
	bool repeat;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", m->fd);
	n = readlink(link, full, sizeof(full) - 1);
	if (fstat(m->fd, &st) < 0)
		memset(&st, 0, sizeof(st));
	close(m->fd);
	if (n <= 0 || (uint32_t)m->pid == fb->self)
		return 0;
	/* one access can reach us through more than one mark */
	repeat = fb->last.pid == m->pid && fb->last.mask == m->mask && fb->last.dev == st.st_dev &&
		 fb->last.ino == st.st_ino;
	fb->last.pid = m->pid;
	fb->last.mask = m->mask;
	fb->last.dev = st.st_dev;
	fb->last.ino = st.st_ino;
	if (repeat)
		return 0;
	full[n] = 0;
	path = container_path(fb, full, st.st_dev, &ns);
	if (!ns && !same_file(full, &st))
		return 0;       /* an overlay's backing file: its container's own mark reports it */
	if (!moat_prefixes_report(fb->prefixes, fb->n_prefixes, path,
				  write ? MOAT_PREFIX_WRITE : MOAT_PREFIX_READ) &&
	    !(write && fb->all_writes))
		return 0;
	memset(e, 0, sizeof(*e));
	fill_hdr(&e->hdr, MOAT_EV_OPEN, sizeof(*e), (uint32_t)m->pid, (uint32_t)m->pid);
	if (ns)
		e->hdr.mnt_ns = ns;     /* the filesystem tells where, even if the process is gone */
	e->arg0 = -100;
	e->flags = write ? 01 : 0;      /* O_WRONLY: opened for writing */
	n = (ssize_t)strnlen(path, sizeof(e->path) - 1);
	memcpy(e->path, path, (size_t)n);       /* truncated like the kernel's copy */
	e->path[n] = 0;
	return sensor_emit(fb->sensor, e, sizeof(*e));
}

static int read_fanotify(struct fallback *fb)
{
	int count = 0;

	for (;;) {
		ssize_t n = read(fb->fan, fb->buf, sizeof(fb->buf));
		struct fanotify_event_metadata *m = (void *)fb->buf;

		if (n < 0)
			return errno == EAGAIN ? count : -errno;
		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (m->vers != FANOTIFY_METADATA_VERSION || m->fd < 0)
				continue;
			if (on_fan_event(fb, m) < 0)
				return -ECANCELED;
			count++;
		}
	}
}

static int fb_poll(void *state, int timeout_ms)
{
	struct fallback *fb = state;
	struct pollfd pfd[2] = { { .fd = fb->nl, .events = POLLIN },
				 { .fd = fb->fan, .events = POLLIN } };
	int n = poll(pfd, fb->fan >= 0 ? 2 : 1, timeout_ms);
	int a = 0;
	int b = 0;

	if (n < 0)
		return -errno;
	if (pfd[0].revents & POLLIN)
		a = read_netlink(fb);
	if (fb->fan >= 0 && (pfd[1].revents & POLLIN))
		b = read_fanotify(fb);
	if (a < 0)
		return a;
	return b < 0 ? b : a + b;
}

static void fb_close(void *state)
{
	struct fallback *fb = state;

	if (!fb)
		return;
	if (fb->nl >= 0)
		close(fb->nl);
	if (fb->fan >= 0)
		close(fb->fan);
	free(fb);
}

static int proc_connect(struct fallback *fb, struct moat_error *err)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	/* nlmsghdr, cn_msg, then the operation, packed as the connector expects */
	uint8_t msg[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))]
		__attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *nh = (struct nlmsghdr *)msg;
	struct cn_msg *cn = NLMSG_DATA(nh);
	enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;

	fb->nl = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fb->nl < 0)
		return moat_error_set(err, -errno, "sensor fallback: netlink: %s", strerror(errno));
	sa.nl_pid = 0;          /* let the kernel pick a port id */
	if (bind(fb->nl, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return moat_error_set(err, -errno, "sensor fallback: bind proc connector: %s",
				      strerror(errno));
	nh->nlmsg_len = sizeof(msg);
	nh->nlmsg_type = NLMSG_DONE;
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(op);
	memcpy(cn->data, &op, sizeof(op));
	if (send(fb->nl, &msg, sizeof(msg), 0) < 0)
		return moat_error_set(err, -errno, "sensor fallback: subscribe proc events: %s",
				      strerror(errno));
	return 0;
}

static int mark_fs(struct fallback *fb, const char *path)
{
	if (fanotify_mark(fb->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
			  FAN_OPEN | FAN_CLOSE_WRITE, AT_FDCWD, path) < 0)
		return -errno;
	return 0;
}

static int fb_open(struct moat_sensor *sensor, const struct moat_sensor_opts *opts,
		   void **ret_state, struct moat_error *err)
{
	struct fallback *fb = calloc(1, sizeof(*fb));
	int r;

	if (!fb)
		return moat_error_set(err, -ENOMEM, "sensor fallback: out of memory");
	fb->sensor = sensor;
	fb->nl = -1;
	fb->self = (uint32_t)getpid();
	fb->n_prefixes = opts->n_prefixes;
	memcpy(fb->prefixes, opts->prefixes, opts->n_prefixes * sizeof(fb->prefixes[0]));
	fb->all_writes = opts->all_writes;
	r = proc_connect(fb, err);
	if (r < 0) {
		fb_close(fb);
		return r;
	}
	fb->fan = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
				O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (fb->fan >= 0 && mark_fs(fb, "/") < 0) {
		close(fb->fan);
		fb->fan = -1;
	}
	*ret_state = fb;
	return 0;
}

static unsigned fb_attached(void *state, unsigned *ret_total)
{
	struct fallback *fb = state;

	if (ret_total)
		*ret_total = 2;
	return 1 + (fb->fan >= 0);
}

static uint64_t fb_lost(void *state)
{
	(void)state;
	return 0;       /* NEEDSWORK: count ENOBUFS on the netlink socket and FAN_Q_OVERFLOW */
}

static int fb_watch(void *state, uint32_t mnt_ns, uint64_t cgroup_id, uint64_t start_sec, bool kill,
		    int root_pid)
{
	struct fallback *fb = state;
	struct fb_container *c = container_by_ns(fb, mnt_ns);

	(void)cgroup_id; /* user space re-checks the container on every exec */
	char path[64];
	struct stat st;
	ssize_t n;

	(void)kill;     /* no kernel-side kill here: the defender kills from user space */
	if (!c && fb->n_cont < FB_CONTAINERS)
		c = &fb->cont[fb->n_cont++];
	if (!c)
		return MOAT_E_LIMIT;
	memset(c, 0, sizeof(*c));
	c->mnt_ns = mnt_ns;
	c->start_sec = start_sec;
	if (root_pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/root", root_pid);
	n = readlink(path, c->root, sizeof(c->root) - 1);
	c->root[n > 0 ? n : 0] = 0;
	c->root_len = strlen(c->root);
	if (stat(path, &st) == 0)
		c->dev = st.st_dev;
	return fb->fan >= 0 ? mark_fs(fb, path) : 0;
}

static int fb_deny(void *state, const char *const *paths, size_t n)
{
	(void)state;
	(void)paths;
	return n ? -EOPNOTSUPP : 0;
}

static int fb_prefixes(void *state, const struct moat_ev_prefix *p, size_t n)
{
	struct fallback *fb = state;

	memcpy(fb->prefixes, p, n * sizeof(fb->prefixes[0]));
	fb->n_prefixes = n;
	return 0;
}

const struct sensor_backend sensor_fallback_backend = {
	.name = "fallback",
	.open = fb_open,
	.close = fb_close,
	.poll = fb_poll,
	.attached = fb_attached,
	.lost = fb_lost,
	.watch = fb_watch,
	.deny = fb_deny,
	.prefixes = fb_prefixes,
};
