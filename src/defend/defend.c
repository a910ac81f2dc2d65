/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defend.c - turn sensor records into rule views, evaluate, act, report.
 *
 * Everything per event lives in struct moat_defender (view strings, number
 * buffers, the JSON output buffer): no allocation per event once warm.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "base/buf.h"
#include "base/jsonw.h"
#include "baseline.h"
#include "cpolicy.h"
#include "defend.h"
#include "moat/error.h"
#include "proctab.h"
#include "rules-policy.h"
#include "rules.h"
#include "sensor/container.h"

#define ALERT_MAX (64u << 10)
/* Repeats of one rule by one process within this window are counted, not
 * printed: a loop reading /etc/shadow must not turn into an alert flood
 * that makes the kernel drop other events. Direct-mapped, so a collision
 * only lets a repeat through. */
#define REPEAT_WINDOW_NS 1000000000ull
#define REPEAT_SLOTS 1024u
#define O_WRITE_FLAGS 01003u      /* O_WRONLY | O_RDWR | O_TRUNC */
#define O_CREAT_FLAG 0100u
/* proc.ancestors: how far up the tree (a package manager's maintainer
 * script runs useradd a few levels below dpkg: apt-get, dpkg, sh, useradd;
 * npm's compilers sit seven below the shell that ran npm). */
#define ANCESTOR_MAX 12u
#define ANCESTOR_TEXT 2048u

struct moat_defender {
	struct moat_defender_opts o;
	struct moat_proctab procs;
	struct moat_rule_view view;
	char num[8][24];                /* number fields of the current view */
	char daddr[INET6_ADDRSTRLEN];
	char cmdline[MOAT_PROC_STR];
	char args[MOAT_PROC_STR];
	char ancestors[ANCESTOR_TEXT];
	bool want_ancestors;            /* some rule tests proc.ancestors */
	int64_t mono_to_real_ns;        /* add to bpf_ktime_get_ns() for wall time */
	bool kill_drift;
	const struct moat_rules_overlay *scoped;        /* the console's scoped runtime policies */
	uint64_t events;
	uint64_t alerts;
	uint64_t suppressed;
	struct {
		uint32_t tgid;
		uint32_t rule;
		uint64_t time_ns;
	} recent[REPEAT_SLOTS];
	struct moat_buf out;
};

int moat_defender_open(const struct moat_defender_opts *opts, struct moat_defender **ret,
		       struct moat_error *err)
{
	struct moat_defender *d;
	struct timespec mono;
	struct timespec real;

	if (!opts || !opts->rules)
		return moat_error_set(err, MOAT_E_USAGE, "defender: no rules");
	d = calloc(1, sizeof(*d));
	if (!d)
		return moat_error_set(err, -ENOMEM, "defender: out of memory");
	d->o = *opts;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	d->mono_to_real_ns = ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000LL +
			     (real.tv_nsec - mono.tv_nsec);
	d->kill_drift = moat_rules_kill_drift(opts->rules);
	d->want_ancestors = moat_rules_use_field(opts->rules, MOAT_F_PROC_ANCESTORS);
	moat_buf_init(&d->out, ALERT_MAX);
	*ret = d;
	return 0;
}

void moat_defender_close(struct moat_defender *d)
{
	if (!d)
		return;
	moat_buf_release(&d->out);
	free(d);
}

void moat_defender_set_scoped(struct moat_defender *d, const struct moat_rules_overlay *ov)
{
	d->scoped = moat_rules_overlay_scoped(ov) ? ov : NULL;
}

void moat_defender_set_rules(struct moat_defender *d, const struct moat_ruleset *rs)
{
	d->o.rules = rs;
	d->kill_drift = moat_rules_kill_drift(rs);
	d->want_ancestors = moat_rules_use_field(rs, MOAT_F_PROC_ANCESTORS);
	/* repeat slots hold rule indexes of the old set */
	memset(d->recent, 0, sizeof(d->recent));
}

uint64_t moat_defender_events(const struct moat_defender *d)
{
	return d->events;
}

uint64_t moat_defender_alerts(const struct moat_defender *d)
{
	return d->alerts;
}

uint64_t moat_defender_suppressed(const struct moat_defender *d)
{
	return d->suppressed;
}

/* True if rule already fired for this process within the window (and remember this one). */
static bool repeat(struct moat_defender *d, uint32_t rule, const struct moat_ev_hdr *h)
{
	size_t slot = ((size_t)h->tgid * 31u + rule) % REPEAT_SLOTS;
	bool same = d->recent[slot].tgid == h->tgid && d->recent[slot].rule == rule + 1 &&
		    h->time_ns - d->recent[slot].time_ns < REPEAT_WINDOW_NS;

	if (!same) {
		d->recent[slot].tgid = h->tgid;
		d->recent[slot].rule = rule + 1;
		d->recent[slot].time_ns = h->time_ns;
	}
	return same;
}

/* Decimal text of v in slot: without printf, which was a tenth of the
 * defender's time on a connection storm (five numbers per event). */
static const char *num(struct moat_defender *d, unsigned slot, long long v)
{
	char *end = d->num[slot] + sizeof(d->num[slot]) - 1;
	char *o = end;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	*o = 0;
	do {
		*--o = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--o = '-';
	return o;
}

/* Keep the process table in step with exec/fork/exit. */
static struct moat_proc *track(struct moat_defender *d, const union moat_sensor_rec *rec)
{
	const struct moat_ev_hdr *h = &rec->hdr;
	struct moat_proc *p;
	struct moat_proc *parent;

	switch (h->kind) {
	case MOAT_EV_EXEC:
		p = moat_proctab_put(&d->procs, h->tgid);
		p->ppid = h->ppid;
		memcpy(p->comm, h->comm, sizeof(p->comm));
		snprintf(p->exe, sizeof(p->exe), "%s", rec->exec.filename);
		moat_proc_join_args(rec->exec.args, rec->exec.args_len, p->cmdline,
				    sizeof(p->cmdline));
		return p;
	case MOAT_EV_FORK:
		parent = moat_proctab_load(&d->procs, h->tgid);
		p = moat_proctab_put(&d->procs, rec->fork.child_tgid);
		if (parent) {
			*p = *parent;
			p->tgid = rec->fork.child_tgid;
		}
		p->ppid = h->tgid;
		return moat_proctab_get(&d->procs, h->tgid);
	default:
		return moat_proctab_load(&d->procs, h->tgid);
	}
}

static void view_net(struct moat_defender *d, const struct moat_ev_net *n)
{
	struct moat_rule_view *v = &d->view;

	if (n->family == AF_INET || n->family == AF_INET6) {
		v->f[MOAT_F_NET_FAMILY] = n->family == AF_INET ? "inet" : "inet6";
		v->f[MOAT_F_NET_DPORT] = num(d, 4, n->port);
		if (inet_ntop(n->family, n->addr, d->daddr, sizeof(d->daddr)))
			v->f[MOAT_F_NET_DADDR] = d->daddr;
	} else if (n->family == AF_UNIX) {
		v->f[MOAT_F_NET_FAMILY] = "unix";
		v->f[MOAT_F_FD_NAME] = n->unix_path;
	}
}

static void view_file(struct moat_defender *d, const struct moat_ev_file *f)
{
	struct moat_rule_view *v = &d->view;
	bool write = true;

	if (f->hdr.kind == MOAT_EV_OPEN)
		write = (f->flags & (O_WRITE_FLAGS | O_CREAT_FLAG)) != 0;
	if (f->hdr.kind == MOAT_EV_MOUNT || f->hdr.kind == MOAT_EV_UMOUNT ||
	    f->hdr.kind == MOAT_EV_MEMFD)
		write = false;
	v->f[MOAT_F_FD_NAME] = f->path;
	v->f[MOAT_F_FD_NAME2] = f->path2[0] ? f->path2 : NULL;
	v->f[MOAT_F_FD_WRITE] = write ? "true" : "false";
	if (f->hdr.kind != MOAT_EV_OPEN)
		return;
	/* an open names the file opened; path2 is the path as given */
	v->f[MOAT_F_FD_NAME2] = NULL;
	v->f[MOAT_F_FD_OPENED] = f->path2[0] ? f->path2 : NULL;
	if ((f->resolve & MOAT_RESOLVE_INODE) && d->o.sensor) {
		/* a hard link: rules see the watched file's own name */
		const char *name = moat_sensor_watch_name(d->o.sensor, f);

		if (name)
			v->f[MOAT_F_FD_NAME] = name;
	}
}

static void view_exec(struct moat_defender *d, const struct moat_ev_exec *e,
		      const struct moat_container *c)
{
	struct moat_rule_view *v = &d->view;
	bool drift = (e->flags & MOAT_EXEC_DRIFT) ||
		     (c && c->start_sec && e->exe_ctime_sec >= c->start_sec);
	const char *first_end = memchr(e->args, 0, e->args_len);

	v->f[MOAT_F_PROC_STDIN_SOCK] = (e->flags & MOAT_EXEC_STDIN_SOCK) ? "true" : "false";
	v->f[MOAT_F_PROC_STDOUT_SOCK] = (e->flags & MOAT_EXEC_STDOUT_SOCK) ? "true" : "false";
	v->f[MOAT_F_PROC_STDIN_TYPE] = moat_sensor_fd_type_name(e->stdio[0]);
	v->f[MOAT_F_PROC_STDOUT_TYPE] = moat_sensor_fd_type_name(e->stdio[1]);
	v->f[MOAT_F_PROC_STDERR_TYPE] = moat_sensor_fd_type_name(e->stdio[2]);
	v->f[MOAT_F_PROC_DRIFT] = drift ? "true" : "false";
	if (e->cwd[0])
		v->f[MOAT_F_PROC_CWD] = e->cwd;
	d->args[0] = 0;
	if (first_end)
		moat_proc_join_args(first_end + 1, e->args_len - (size_t)(first_end + 1 - e->args),
				    d->args, sizeof(d->args));
	v->f[MOAT_F_PROC_ARGS] = d->args;
}

/* Exe paths of the parent, its parent, ... joined by spaces: who started
 * this (a package manager several levels up, say). Stops at pid 1, at a
 * process gone from the table and /proc, or at a loop of reused pids. */
static const char *ancestors(struct moat_defender *d, uint32_t ppid)
{
	size_t o = 0;

	d->ancestors[0] = 0;
	for (unsigned i = 0; i < ANCESTOR_MAX && ppid > 1; i++) {
		struct moat_proc *p = moat_proctab_load(&d->procs, ppid);
		int n;

		if (!p || p->ppid == ppid)
			break;
		n = snprintf(d->ancestors + o, sizeof(d->ancestors) - o, "%s%s", o ? " " : "",
			     p->exe[0] ? p->exe : p->comm);
		if (n < 0 || (size_t)n >= sizeof(d->ancestors) - o)
			break;
		o += (size_t)n;
		ppid = p->ppid;
	}
	d->ancestors[o] = 0;
	return d->ancestors;
}

static void build_view(struct moat_defender *d, const union moat_sensor_rec *rec,
		       const struct moat_proc *p, const struct moat_container *c)
{
	const struct moat_ev_hdr *h = &rec->hdr;
	struct moat_rule_view *v = &d->view;
	struct moat_proc *parent = moat_proctab_load(&d->procs, h->ppid);

	memset(v, 0, sizeof(*v));
	v->f[MOAT_F_EVT_KIND] = moat_sensor_kind_name(h->kind);
	v->f[MOAT_F_PROC_PID] = num(d, 0, h->tgid);
	v->f[MOAT_F_PROC_PPID] = num(d, 1, h->ppid);
	v->f[MOAT_F_PROC_NAME] = h->comm;
	v->f[MOAT_F_USER_UID] = num(d, 2, h->uid);
	v->f[MOAT_F_USER_EUID] = num(d, 3, h->euid);
	if (p) {
		v->f[MOAT_F_PROC_EXE] = p->exe;
		v->f[MOAT_F_PROC_CMDLINE] = p->cmdline;
	}
	if (parent) {
		v->f[MOAT_F_PARENT_NAME] = parent->comm;
		v->f[MOAT_F_PARENT_EXE] = parent->exe;
	}
	if (d->want_ancestors)
		v->f[MOAT_F_PROC_ANCESTORS] = ancestors(d, h->ppid);
	if (c) {
		v->f[MOAT_F_CONTAINER_ID] = c->id;
		v->f[MOAT_F_CONTAINER_NAME] = c->name;
		v->f[MOAT_F_CONTAINER_IMAGE] = c->image;
	}
	switch (h->kind) {
	case MOAT_EV_EXEC:
		view_exec(d, &rec->exec, c);
		break;
	case MOAT_EV_CONNECT: case MOAT_EV_ACCEPT: case MOAT_EV_BIND: case MOAT_EV_LISTEN:
		view_net(d, &rec->net);
		break;
	case MOAT_EV_OPEN: case MOAT_EV_UNLINK: case MOAT_EV_RENAME: case MOAT_EV_CHMOD:
	case MOAT_EV_CHOWN: case MOAT_EV_MOUNT: case MOAT_EV_UMOUNT: case MOAT_EV_MEMFD:
		view_file(d, &rec->file);
		break;
	case MOAT_EV_EXIT: case MOAT_EV_FORK:
		break;
	default:
		v->f[MOAT_F_EVT_ARG0] = num(d, 5, (long long)rec->gen.arg[0]);
		break;
	}
}

/* A container-level response; host processes have no container to act on. */
static const char *respond(struct moat_defender *d, const struct moat_container *c,
			   enum moat_container_response what, const char *done, const char *failed,
			   const char *skipped)
{
	struct moat_error err = { 0 };

	if (!c || !d->o.containers)
		return skipped;
	return moat_containers_respond(d->o.containers, c->id, what, &err) == 0 ? done : failed;
}

static const char *act(struct moat_defender *d, enum moat_rule_action action,
		       const union moat_sensor_rec *rec, const struct moat_container *c)
{
	switch (action) {
	case MOAT_ACTION_KILL:
		if (rec->hdr.kind == MOAT_EV_EXEC && (rec->exec.flags & MOAT_EXEC_KILLED))
			return "killed-in-kernel";
		return kill((pid_t)rec->hdr.tgid, SIGKILL) == 0 ? "killed" : "kill-failed";
	case MOAT_ACTION_STOP:
		return respond(d, c, MOAT_CONTAINER_STOP, "stopped", "stop-failed", "stop-skipped");
	case MOAT_ACTION_PAUSE:
		return respond(d, c, MOAT_CONTAINER_PAUSE, "paused", "pause-failed", "pause-skipped");
	case MOAT_ACTION_ISOLATE:
		return respond(d, c, MOAT_CONTAINER_ISOLATE, "isolated", "isolate-failed",
			       "isolate-skipped");
	default:
		return "alert";
	}
}

/* The console's scoped runtime policies, resolved for this container: false
 * when one turns the rule off here. */
static bool scoped_action(const struct moat_defender *d, const struct moat_rule *rule,
			  const struct moat_container *c, enum moat_rule_action *action)
{
	struct moat_scope_target t = { 0 };

	if (!d->scoped || !c)
		return true;
	t = (struct moat_scope_target){ .image_id = c->image_id, .image_ref = c->image,
					.k8s_ns = c->k8s_ns, .labels = c->labels };
	return moat_rules_overlay_resolve(d->scoped, rule->id, &t, action);
}

static void iso_time(struct moat_defender *d, uint64_t mono_ns, char *out, size_t cap)
{
	moat_alert_time((int64_t)mono_ns + d->mono_to_real_ns, out, cap);
}

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void write_details(struct moat_jw *jw, const struct moat_rule_view *v)
{
	moat_jw_key(jw, "details");
	moat_jw_obj_begin(jw);
	for (int f = 0; f < MOAT_F_COUNT; f++) {
		if (!v->f[f] || f == MOAT_F_PROC_PID || f == MOAT_F_PROC_PPID ||
		    f == MOAT_F_PROC_EXE || f == MOAT_F_PROC_CMDLINE || f == MOAT_F_USER_UID ||
		    (f >= MOAT_F_CONTAINER_ID && f <= MOAT_F_CONTAINER_IMAGE))
			continue;
		moat_jw_kstr(jw, moat_field_name((enum moat_field)f), v->f[f]);
	}
	moat_jw_obj_end(jw);
}

static void emit(struct moat_defender *d, const struct moat_rule *rule, const char *action,
		 const union moat_sensor_rec *rec, const struct moat_container *c)
{
	const struct moat_rule_view *v = &d->view;
	struct moat_alert_head h = { 0 };
	struct moat_jw jw;
	char when[40];

	moat_buf_reset(&d->out);
	moat_jw_init(&jw, &d->out, false);
	iso_time(d, rec ? rec->hdr.time_ns : mono_now(), when, sizeof(when));
	h.time = when;
	h.node = d->o.node;
	h.rule = rule->id;
	h.description = rule->description;
	h.severity = rule->severity;
	h.mitre = rule->mitre;
	h.n_mitre = rule->n_mitre;
	h.action = action;
	if (c) {
		h.c_id = c->id;
		h.c_name = c->name;
		h.c_image = c->image;
		h.c_image_id = c->image_id;
		h.c_pod = c->pod;
		h.c_ns = c->k8s_ns;
	}
	if (rec) {
		h.pid = rec->hdr.tgid;
		h.ppid = rec->hdr.ppid;
		h.uid = rec->hdr.uid;
		h.exe = v->f[MOAT_F_PROC_EXE];
		h.cmdline = v->f[MOAT_F_PROC_CMDLINE];
	} else {
		h.no_process = true;    /* a container-wide finding (its syscalls) */
	}
	moat_alert_head(&jw, &h);
	write_details(&jw, v);
	moat_jw_obj_end(&jw);
	if (moat_jw_finish(&jw) == 0 && d->o.on_alert)
		d->o.on_alert(d->o.ctx, (const char *)d->out.data, d->out.len);
}

/* --- learned baselines ----------------------------------------------------- */

static const char *const bl_mitre_exec[] = { "T1059", "T1204" };
static const char *const bl_mitre_file[] = { "T1565" };
static const char *const bl_mitre_listen[] = { "T1571" };
static const char *const bl_mitre_syscall[] = { "T1068" };

/* One rule per kind of deviation, indexed by enum moat_bl_kind. */
static const struct moat_rule bl_rules[MOAT_BL_KIND_COUNT] = {
	{ "baseline-exec", "an executable outside its image's learned baseline ran", "error",
	  bl_mitre_exec, 2, MOAT_ACTION_ALERT, MOAT_SCOPE_CONTAINER, "baseline", NULL, NULL },
	{ "baseline-exec-pair", "a process started a child its image's baseline never saw it start",
	  "warning", bl_mitre_exec, 2, MOAT_ACTION_ALERT, MOAT_SCOPE_CONTAINER, "baseline", NULL,
	  NULL },
	{ "baseline-file-write", "a path outside its image's learned baseline was written",
	  "warning", bl_mitre_file, 1, MOAT_ACTION_ALERT, MOAT_SCOPE_CONTAINER, "baseline", NULL,
	  NULL },
	{ "baseline-listen", "a port outside its image's learned baseline was bound", "warning",
	  bl_mitre_listen, 1, MOAT_ACTION_ALERT, MOAT_SCOPE_CONTAINER, "baseline", NULL, NULL },
	{ "baseline-syscall", "a container made a syscall outside its image's learned baseline",
	  "warning", bl_mitre_syscall, 1, MOAT_ACTION_ALERT, MOAT_SCOPE_CONTAINER, "baseline",
	  NULL, NULL },
};

/* The parent's exe from the process table, for exec-pair items. */
static const char *parent_exe(struct moat_defender *d, const union moat_sensor_rec *rec)
{
	const struct moat_proc *parent;

	if (rec->hdr.kind != MOAT_EV_EXEC)
		return NULL;
	parent = moat_proctab_load(&d->procs, rec->hdr.ppid);
	return parent ? parent->exe : NULL;
}

/* Kill an exec outside an enforced model, unless the kernel did already. */
static const char *baseline_act(const struct moat_bl_deviation *dev)
{
	if (!dev->kill || !dev->rec)
		return "alert";
	if (dev->rec->exec.flags & MOAT_EXEC_KILLED)
		return "killed-in-kernel";
	return kill((pid_t)dev->rec->hdr.tgid, SIGKILL) == 0 ? "killed" : "kill-failed";
}

/* A deviation as an alert: the record's view (when there is a record) plus
 * the baseline.* fields naming what was outside the model. */
static void baseline_report(void *ctx, const struct moat_bl_deviation *dev)
{
	struct moat_defender *d = ctx;
	const char *action = baseline_act(dev);

	if (!dev->rec)
		memset(&d->view, 0, sizeof(d->view));
	d->view.f[MOAT_F_BASELINE_KIND] = moat_bl_kind_name(dev->kind);
	d->view.f[MOAT_F_BASELINE_ITEM] = dev->item;
	d->view.f[MOAT_F_BASELINE_MODE] = moat_state_mode_name(dev->mode);
	d->view.f[MOAT_F_BASELINE_IMAGE] = dev->image_id;
	d->alerts++;
	emit(d, &bl_rules[dev->kind], action, dev->rec, dev->c);
	d->view.f[MOAT_F_BASELINE_KIND] = d->view.f[MOAT_F_BASELINE_ITEM] = NULL;
	d->view.f[MOAT_F_BASELINE_MODE] = d->view.f[MOAT_F_BASELINE_IMAGE] = NULL;
}

/* A container seen for the first time: tell the kernel when it started. */
static void new_container(struct moat_defender *d, const struct moat_container *c)
{
	if (d->o.sensor && c->start_sec)
		moat_sensor_watch_container(d->o.sensor, c->mnt_ns, c->key.cgroup_id, c->start_sec,
					    d->kill_drift,
					    c->init_pid);
}

static void discovered(void *ctx, const struct moat_container *c)
{
	new_container(ctx, c);
}

unsigned moat_defender_discover(struct moat_defender *d)
{
	return d->o.containers ? moat_containers_discover(d->o.containers, discovered, d) : 0;
}

void moat_defender_container_changed(void *ctx, const struct moat_container *c,
				     enum moat_container_change what)
{
	struct moat_defender *d = ctx;

	if (what == MOAT_CONTAINER_STARTED) {
		new_container(d, c);
		return;
	}
	if (d->o.sensor)
		moat_sensor_unwatch_container(d->o.sensor, c->mnt_ns);
	if (d->o.baselines)
		moat_baselines_container_gone(d->o.baselines, c, baseline_report, d);
}

int moat_defender_handle(void *ctx, const union moat_sensor_rec *rec)
{
	struct moat_defender *d = ctx;
	const struct moat_container *c = NULL;
	struct moat_proc *p;
	bool fresh = false;

	d->events++;
	if (rec->hdr.kind == MOAT_EV_EXIT) {
		/* A container's first process is gone: so is the container, and
		 * its mount-namespace number may be handed to someone else. */
		uint32_t ns = d->o.containers ? moat_containers_init_exited(d->o.containers,
									    rec->hdr.tgid) : 0;

		if (ns && d->o.sensor)
			moat_sensor_unwatch_container(d->o.sensor, ns);
		if (ns && d->o.baselines)
			moat_baselines_ns_gone(d->o.baselines, ns, baseline_report, d);
		moat_proctab_del(&d->procs, rec->hdr.tgid);
		return 0;
	}
	p = track(d, rec);
	if (d->o.containers)
		c = moat_containers_lookup(d->o.containers, rec->hdr.mnt_ns, rec->hdr.cgroup_id,
					   rec->hdr.kind == MOAT_EV_EXEC ? rec->exec.cgroup : NULL,
					   rec->hdr.tgid, rec->hdr.ppid,
					   rec->hdr.kind == MOAT_EV_EXEC, &fresh);
	if (c && fresh)
		new_container(d, c);
	build_view(d, rec, p, c);
	for (size_t i = 0; i < moat_rules_count(d->o.rules); i++) {
		const struct moat_rule *rule = moat_rules_get(d->o.rules, i);

		enum moat_rule_action action = rule->action;

		if (!moat_rule_may_match_kind(rule, rec->hdr.kind) ||
		    !moat_rule_matches(rule, &d->view) || !scoped_action(d, rule, c, &action))
			continue;
		/* actions always run; only the report of a repeat is held back */
		if (action == MOAT_ACTION_ALERT && repeat(d, (uint32_t)i, &rec->hdr)) {
			d->suppressed++;
			continue;
		}
		d->alerts++;
		emit(d, rule, act(d, action, rec, c), rec, c);
	}
	if (d->o.baselines && c)
		moat_baselines_handle(d->o.baselines, rec, c, p ? p->exe : NULL, parent_exe(d, rec),
				      baseline_report, d);
	return 0;
}

void moat_defender_tick(struct moat_defender *d)
{
	if (d->o.baselines)
		moat_baselines_tick(d->o.baselines, baseline_report, d);
}
