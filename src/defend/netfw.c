/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netfw.c - the firewall's user side: each connection record the kernel
 * program wrote (bpf/netfw.bpf.c) is placed in the graph, judged against
 * the source image's learned list and the rules, learned or alerted; the
 * files of the state directory are followed and written back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "base/file.h"
#include "base/jsonw.h"
#include "moat/error.h"
#include "netfw-int.h"

#define SLOW_PERIOD_NS 1000000000LL   /* engine, files, kernel maps */
#define REPEAT_WINDOW_NS 1000000000LL
#define OUTSIDE_RULE "network-outside-baseline"
#define ISOLATED_RULE "network-isolated"

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void nf_warn(struct moat_netfw *nf, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!strcmp(msg, nf->last_warn))
		return;
	memcpy(nf->last_warn, msg, sizeof(msg));
	if (nf->o.on_warn)
		nf->o.on_warn(nf->o.ctx, msg);
}

static void load_model(struct moat_netfw *nf, struct nf_image *img)
{
	struct moat_error err = { 0 };
	struct moat_netmodel m = { 0 };
	struct moat_buf b;
	int r;

	moat_buf_init(&b, MOAT_NETMODEL_FILE_MAX + 1);
	moat_state_stamp(nf->o.state, img->key, "network.json", &img->stamp);
	r = moat_state_read(nf->o.state, img->key, "network.json", &b, &err);
	if (r == 0)
		r = moat_netmodel_parse(b.data, b.len, "network.json", &m, &err);
	moat_buf_release(&b);
	if (r == -ENOENT) {
		moat_netmodel_free(&img->model);
	} else if (r < 0) {
		nf_warn(nf, "image %s: keeping the network model in memory: %s", img->ref, err.msg);
	} else {
		moat_netmodel_free(&img->model);
		img->model = m;
	}
	nf->sync_needed = true;
}

struct nf_image *nf_image_get(struct moat_netfw *nf, const char *image_id, const char *ref)
{
	struct moat_error err = { 0 };
	char key[MOAT_STATE_KEY_LEN + 1];
	struct nf_image *img;

	for (size_t i = 0; i < nf->n_imgs; i++)
		if (!strcmp(nf->imgs[i].image_id, image_id))
			return &nf->imgs[i];
	if (moat_state_key_of(image_id, key, &err) < 0)
		return NULL;
	if (nf->n_imgs == MOAT_NF_CGROUP_MAX)
		return NULL;            /* one kernel policy id per image */
	if (nf->n_imgs == nf->cap_imgs) {
		size_t nc = nf->cap_imgs ? nf->cap_imgs * 2 : 16;
		struct nf_image *v = realloc(nf->imgs, nc * sizeof(*v));

		if (!v)
			return NULL;
		nf->imgs = v;
		nf->cap_imgs = nc;
	}
	img = &nf->imgs[nf->n_imgs];
	memset(img, 0, sizeof(*img));
	memcpy(img->key, key, sizeof(key));
	snprintf(img->image_id, sizeof(img->image_id), "%s", image_id);
	snprintf(img->ref, sizeof(img->ref), "%s", ref ? ref : "");
	img->policy = (uint32_t)nf->n_imgs + 1;
	if (moat_state_note_image(nf->o.state, key, ref, &err) < 0)
		nf_warn(nf, "image %s: %s", img->ref, err.msg);
	moat_state_mode_get(nf->o.state, key, &img->mode, &err);
	nf->n_imgs++;
	load_model(nf, img);
	return img;
}

/* Read-modify-write under the image's lock: edits made by hand since we
 * last read the file are kept, what we learned since is added. */
static void flush_model(struct moat_netfw *nf, struct nf_image *img)
{
	struct moat_error err = { 0 };
	struct moat_state_stamp now;
	struct moat_buf b;
	int fd;

	if (!img->pending.n || moat_state_lock(nf->o.state, img->key, &fd, &err) < 0)
		return;
	moat_state_stamp(nf->o.state, img->key, "network.json", &now);
	if (!moat_state_stamp_equal(&now, &img->stamp)) {
		load_model(nf, img);
		for (size_t i = 0; i < img->pending.n; i++)
			moat_netmodel_add(&img->model, &img->pending.v[i]);
	}
	moat_buf_init(&b, MOAT_NETMODEL_FILE_MAX);
	if (moat_netmodel_write(&img->model, img->image_id, &b) == 0 &&
	    moat_state_write(nf->o.state, img->key, "network.json", b.data, b.len, &err) == 0)
		moat_netmodel_free(&img->pending);
	else
		nf_warn(nf, "image %s: network.json not written: %s", img->ref, err.msg);
	moat_buf_release(&b);
	moat_state_stamp(nf->o.state, img->key, "network.json", &img->stamp);
	moat_state_unlock(fd);
}

static void flush_graph(struct moat_netfw *nf)
{
	struct moat_error err = { 0 };
	struct moat_buf b;

	if (!nf->graph_dirty)
		return;
	moat_buf_init(&b, MOAT_NETGRAPH_FILE_MAX);
	if (moat_netgraph_write(nf->graph, &b, 1) == 0 &&
	    moat_state_write(nf->o.state, NULL, "netgraph.json", b.data, b.len, &err) == 0)
		nf->graph_dirty = false;
	else
		nf_warn(nf, "netgraph.json not written: %s", err.msg);
	moat_buf_release(&b);
}

/* A node for one end: image:<id>, host, or external:<name> when the
 * container's DNS answers named the address, else external:<address>. */
static void node_of(struct moat_netfw *nf, const struct moat_peer *p, bool host,
		    const uint8_t addr[16], const char *name, char *id, size_t cap)
{
	char a[64];

	if (p && p->image_id[0]) {
		snprintf(id, cap, "image:%s", p->image_id);
		moat_netgraph_node(nf->graph, id, "image", p->image, p->name);
	} else if (host) {
		snprintf(id, cap, "host");
		moat_netgraph_node(nf->graph, id, "host", NULL, NULL);
	} else {
		moat_net_addr_format(addr, a, sizeof(a));
		snprintf(id, cap, "external:%s", name ? name : a);
		moat_netgraph_node(nf->graph, id, "external", NULL, NULL);
	}
}

struct judged {
	enum moat_net_verdict verdict;
	const char *rule;          /* NULL: nothing to report */
	const char *description;
	enum moat_state_mode mode; /* the source's, as a baseline policy may set it */
};

static bool local_allow(struct moat_netfw *nf, const struct nf_image *img,
			const struct moat_net_conn *c)
{
	for (size_t i = 0; i < nf->rules.n; i++) {
		const struct moat_net_entry *r = &nf->rules.v[i];

		if (!r->deny && moat_net_image_matches(r->from, img->image_id, img->ref) &&
		    moat_net_entry_matches(r, c))
			return true;
	}
	return false;
}

/* The console's policies for a connection of a container under some
 * (docs/console.md): their denials first, then the block policies' allow
 * flows (what the kernel has), then a default deny, where only explicit
 * allows count. Alert-mode policies only report. false: they have
 * nothing to say, the node's own evaluation follows. */
static bool judge_policy(struct moat_netfw *nf, const struct nf_view *v, struct nf_image *img,
			 const struct moat_net_conn *c, const struct moat_nf_event *ev,
			 struct judged *j, char *rule, size_t cap)
{
	const struct moat_net_entry *e = nf_policy_denies(nf, v, img, c);
	enum moat_net_verdict refused = ev->blocked ? MOAT_NET_BLOCKED : MOAT_NET_ALERTED;
	const char *dd = NULL;

	*j = (struct judged){ MOAT_NET_ALLOWED, NULL, NULL, v->mode };
	if (e) {
		*j = (struct judged){ refused, e->id, "connection denied by a console firewall policy",
				      v->mode };
		return true;
	}
	if (nf_policy_allows(nf, v->block, img, c))
		return true;
	if (v->dd_block) {
		if (local_allow(nf, img, c))
			return true;
		dd = nf_policy_default_deny(nf, v->block, rule, cap);
	} else if (v->dd_alert && !nf_policy_allows(nf, v->alert, img, c) &&
		   !local_allow(nf, img, c)) {
		dd = nf_policy_default_deny(nf, v->alert, rule, cap);
	}
	if (!dd)
		return false;
	*j = (struct judged){ refused, dd, "connection outside what the console's firewall "
			      "policy allows", v->mode };
	return true;
}

/* Learned and allow entries first, then deny rules, then the image's mode;
 * the console's policies before all of them. */
static struct judged judge_view(struct moat_netfw *nf, struct nf_image *img,
				const struct nf_view *v, const struct moat_net_conn *c,
				const struct moat_nf_event *ev, const struct moat_peer *src,
				char *rule, size_t cap)
{
	const struct moat_net_entry *deny = NULL;
	struct judged j = { MOAT_NET_ALLOWED, NULL, NULL, v->mode };

	if (ev->isolated)
		return (struct judged){ MOAT_NET_BLOCKED, ISOLATED_RULE,
					"connection from an isolated container refused", v->mode };
	if ((v->block | v->alert) && judge_policy(nf, v, img, c, ev, &j, rule, cap))
		return j;
	if (moat_netmodel_find(&img->model, c) >= 0)
		return j;
	for (size_t i = 0; i < nf->rules.n; i++) {
		const struct moat_net_entry *e = &nf->rules.v[i];

		if (!moat_net_image_matches(e->from, src->image_id, src->image) ||
		    !moat_net_entry_matches(e, c))
			continue;
		if (!e->deny)
			return j;
		if (!deny)
			deny = e;
	}
	j.rule = deny ? deny->id : OUTSIDE_RULE;
	j.description = deny ? "connection denied by a firewall rule"
			     : "connection outside the image's learned network model";
	if (v->mode == MOAT_STATE_LEARN && !deny)
		j = (struct judged){ MOAT_NET_LEARNED, NULL, NULL, v->mode };
	else if (ev->blocked)
		j.verdict = MOAT_NET_BLOCKED;
	else
		j.verdict = MOAT_NET_ALERTED;
	return j;
}

static struct judged judge(struct moat_netfw *nf, struct nf_image *img,
			   const struct moat_net_conn *c, const struct moat_nf_event *ev,
			   const struct moat_peer *src, char *rule, size_t cap)
{
	struct nf_view v;

	nf_view(nf, src, img, &v);
	return judge_view(nf, img, &v, c, ev, src, rule, cap);
}

/* A container is learned as image:<id>, a named address as dns:<name>
 * (the name outlives the addresses a CDN hands out), anything else as
 * cidr:<address>/128. */
static void learn(struct moat_netfw *nf, struct nf_image *img, const struct moat_net_conn *c,
		  const struct moat_peer *dst)
{
	struct moat_net_learned l = { 0 };
	int64_t now = now_ns(CLOCK_REALTIME) / 1000000000LL;

	l.e.port = c->port;
	l.e.proto = c->proto;
	if (dst && dst->image_id[0]) {
		l.e.to.kind = MOAT_NET_TO_IMAGE;
		snprintf(l.e.to.name, sizeof(l.e.to.name), "%s", dst->image_id);
		snprintf(l.ref, sizeof(l.ref), "%s", dst->image);
	} else if (c->n_dns) {
		l.e.to.kind = MOAT_NET_TO_DNS;
		snprintf(l.e.to.name, sizeof(l.e.to.name), "%s", c->dns[0]);
	} else {
		l.e.to.kind = MOAT_NET_TO_CIDR;
		memcpy(l.e.to.addr, c->addr, 16);
		l.e.to.bits = 128;
	}
	l.count = 1;
	l.first_seen = l.last_seen = now;
	if (moat_netmodel_add(&img->model, &l) == 0 && moat_netmodel_add(&img->pending, &l) == 0) {
		if (img->pending.v[img->pending.n - 1].count == 1)
			nf->stats.learned++;
		nf->sync_needed = true;
	}
}

static bool repeat(struct moat_netfw *nf, const struct moat_nf_event *ev, int verdict)
{
	uint64_t h = moat_hash_bytes(ev->addr, 16) ^ (ev->cgroup_id * 0x9e3779b97f4a7c15ull) ^
		     ((uint64_t)ev->port << 8) ^ (uint64_t)verdict;
	size_t slot = h % NETFW_REPEAT_SLOTS;
	bool same = nf->recent[slot].hash == h &&
		    (int64_t)ev->time_ns - nf->recent[slot].time_ns < REPEAT_WINDOW_NS;

	if (!same) {
		nf->recent[slot].hash = h;
		nf->recent[slot].time_ns = (int64_t)ev->time_ns;
	}
	return same;
}

static void proc_text(uint32_t pid, const char *what, char *out, size_t cap)
{
	char path[64];
	ssize_t n;

	out[0] = 0;
	snprintf(path, sizeof(path), "/proc/%u/%s", pid, what);
	if (!strcmp(what, "exe")) {
		n = readlink(path, out, cap - 1);
		out[n > 0 ? n : 0] = 0;
		return;
	}
	n = moat_read_small_file(path, out, cap);
	for (ssize_t i = 0; i + 1 < n; i++)
		if (!out[i])
			out[i] = ' ';
}

/* PPid and the real uid from /proc/PID/status (0 once the process is gone). */
static void proc_ids(uint32_t pid, uint32_t *ppid, uint32_t *uid)
{
	char path[64], text[2048];
	const char *p;
	ssize_t n;

	*ppid = *uid = 0;
	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	n = moat_read_small_file(path, text, sizeof(text));
	if (n <= 0)
		return;
	if ((p = strstr(text, "\nPPid:")))
		*ppid = (uint32_t)strtoul(p + 6, NULL, 10);
	if ((p = strstr(text, "\nUid:")))
		*uid = (uint32_t)strtoul(p + 5, NULL, 10);
}

static void alert(struct moat_netfw *nf, const struct judged *j, const struct moat_nf_event *ev,
		  const struct moat_peer *src, const struct moat_peer *dst, const char *dst_node,
		  const struct nf_image *img, const struct moat_net_conn *c)
{
	static const char *const mitre[] = { "T1021", "T1571" };
	struct moat_alert_head h = { 0 };
	char when[40], addr[64], exe[512], cmd[1024], port[8];
	struct moat_jw jw;

	if (repeat(nf, ev, j->verdict))
		return;
	nf->stats.alerts++;
	moat_alert_time((int64_t)ev->time_ns + nf->mono_to_real_ns, when, sizeof(when));
	moat_net_addr_format(ev->addr, addr, sizeof(addr));
	proc_text(ev->tgid, "exe", exe, sizeof(exe));
	proc_text(ev->tgid, "cmdline", cmd, sizeof(cmd));
	proc_ids(ev->tgid, &h.ppid, &h.uid);
	snprintf(port, sizeof(port), "%u", ev->port);
	h = (struct moat_alert_head){ .time = when, .node = nf->o.node, .rule = j->rule,
				      .description = j->description, .severity = "warning",
				      .mitre = mitre, .n_mitre = 2,
				      .action = j->verdict == MOAT_NET_BLOCKED ? "blocked" : "alert",
				      .c_id = src->id, .c_name = src->name, .c_image = src->image,
				      .c_image_id = src->image_id, .pid = ev->tgid,
				      .ppid = h.ppid, .uid = h.uid, .exe = exe[0] ? exe : ev->comm, .cmdline = cmd };
	moat_buf_reset(&nf->out);
	moat_jw_init(&jw, &nf->out, false);
	moat_alert_head(&jw, &h);
	moat_jw_key(&jw, "details");
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "evt.kind", ev->kind == MOAT_NF_EV_SENDMSG ? "sendmsg" : "connect");
	moat_jw_kstr(&jw, "net.daddr", addr);
	moat_jw_kstr(&jw, "net.dport", port);
	moat_jw_kstr(&jw, "net.proto", moat_net_proto_name(ev->proto));
	moat_jw_kstr(&jw, "net.verdict", moat_net_verdict_name(j->verdict));
	moat_jw_kstr(&jw, "net.mode", moat_state_mode_name(j->mode));
	moat_jw_kstr(&jw, "src.image", src->image);
	moat_jw_kstr(&jw, "src.image_id", src->image_id);
	moat_jw_kstr(&jw, "dst.node", dst_node);
	moat_jw_kstr(&jw, "dst.image", dst ? dst->image : "");
	moat_jw_kstr(&jw, "dst.image_id", dst ? dst->image_id : "");
	moat_jw_kstr(&jw, "dst.container", dst ? dst->name : "");
	moat_jw_kstr(&jw, "dst.dns", c->n_dns ? c->dns[0] : "");
	moat_jw_obj_end(&jw);
	moat_jw_obj_end(&jw);
	if (moat_jw_finish(&jw) == 0 && nf->o.on_alert)
		nf->o.on_alert(nf->o.ctx, (const char *)nf->out.data, nf->out.len);
}

static void handle(void *ctx, const struct moat_nf_event *ev)
{
	struct moat_netfw *nf = ctx;
	const struct moat_peer *src = moat_peers_by_cgroup(nf->peers, ev->cgroup_id);
	const struct moat_peer *dst = moat_peers_by_addr(nf->peers, ev->addr);
	bool host = !dst && moat_peers_is_host(nf->peers, ev->addr);
	char sid[320], did[320], rule[MOAT_NET_ID_MAX];
	struct moat_net_conn c = { .port = ev->port, .proto = ev->proto };
	const char *names[MOAT_DNSN_NAMES];
	struct nf_image *img;
	struct judged j;

	nf->stats.flows++;
	if (ev->proto != MOAT_NET_TCP && ev->proto != MOAT_NET_UDP)
		return;
	c.n_dns = src ? nf_dns_names(nf, ev->cgroup_id, ev->addr, names) : 0;
	c.dns = names;
	node_of(nf, src, !src, NULL, NULL, sid, sizeof(sid));
	node_of(nf, dst, host, ev->addr, c.n_dns && !host ? names[0] : NULL, did, sizeof(did));
	memcpy(c.addr, ev->addr, 16);
	if (dst) {
		c.image_id = dst->image_id;
		c.image_ref = dst->image;
	}
	img = src && src->image_id[0] ? nf_image_get(nf, src->image_id, src->image) : NULL;
	j = img ? judge(nf, img, &c, ev, src, rule, sizeof(rule))
		: (struct judged){ ev->blocked ? MOAT_NET_BLOCKED : MOAT_NET_ALLOWED, NULL, NULL };
	if (j.verdict == MOAT_NET_LEARNED)
		learn(nf, img, &c, dst);
	if (j.verdict == MOAT_NET_BLOCKED)
		nf->stats.blocked++;
	moat_netgraph_edge(nf->graph, sid, did, ev->port, moat_net_proto_name(ev->proto), j.verdict,
			   1);
	nf->graph_dirty = true;
	if (j.rule && img)
		alert(nf, &j, ev, src, dst, did, img, &c);
}

/* The rules file changed (mtime, size or inode): a bad edit keeps the old rules. */
static void reload_rules(struct moat_netfw *nf)
{
	struct moat_error err = { 0 };
	struct moat_netrules fresh;
	struct stat st;

	if (!nf->o.rules_path || stat(nf->o.rules_path, &st) < 0)
		return;
	if (st.st_mtim.tv_sec == nf->rules_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == nf->rules_st.st_mtim.tv_nsec && st.st_size == nf->rules_st.st_size &&
	    st.st_ino == nf->rules_st.st_ino)
		return;
	nf->rules_st = st;
	if (moat_netrules_load(nf->o.rules_path, &fresh, &err) < 0) {
		nf_warn(nf, "firewall rules not reloaded, keeping %zu: %s", nf->rules.n, err.msg);
		return;
	}
	moat_netrules_free(&nf->rules);
	nf->rules = fresh;
	nf->sync_needed = true;
	nf_warn(nf, "firewall: %zu rules from %s", fresh.n, nf->o.rules_path);
}

static void reload_iso(struct moat_netfw *nf)
{
	struct moat_error err = { 0 };
	struct moat_state_stamp now;
	struct moat_netiso *fresh;

	moat_state_stamp(nf->o.state, NULL, MOAT_NETISO_FILE, &now);
	if (moat_state_stamp_equal(&now, &nf->iso_stamp))
		return;
	nf->iso_stamp = now;
	fresh = malloc(sizeof(*fresh));
	if (!fresh)
		return;
	if (moat_netiso_load(nf->o.state, MOAT_NETISO_FILE, fresh, &err) < 0)
		nf_warn(nf, "isolation requests not read: %s", err.msg);
	else
		nf->iso = *fresh;
	free(fresh);
	nf->sync_needed = true;
}

/* Modes and hand edits of network.json. */
static void reload_images(struct moat_netfw *nf)
{
	for (size_t i = 0; i < nf->n_imgs; i++) {
		struct nf_image *img = &nf->imgs[i];
		struct moat_error err = { 0 };
		struct moat_state_stamp now;
		enum moat_state_mode mode = img->mode;

		moat_state_mode_get(nf->o.state, img->key, &mode, &err);
		if (mode != img->mode) {
			img->mode = mode;
			nf->sync_needed = true;
		}
		moat_state_stamp(nf->o.state, img->key, "network.json", &now);
		if (!moat_state_stamp_equal(&now, &img->stamp) && !img->pending.n)
			load_model(nf, img);
	}
}

static void slow_tick(struct moat_netfw *nf)
{
	struct moat_error err = { 0 };
	bool changed = false;

	if (moat_peers_refresh(nf->peers, &changed, &err) < 0)
		nf_warn(nf, "firewall: containers not listed: %s", err.msg);
	if (changed)
		nf->sync_needed = true;
	/* every running image gets its state directory and mode at once */
	for (size_t i = 0; i < moat_peers_count(nf->peers); i++) {
		const struct moat_peer *p = moat_peers_get(nf->peers, i);

		if (p->image_id[0])
			nf_image_get(nf, p->image_id, p->image);
	}
	reload_images(nf);
	reload_rules(nf);
	reload_iso(nf);
	nf_dns_tick(nf);
	if (nf->sync_needed) {
		nf->sync_needed = false;
		nf_sync(nf);
	}
	for (size_t i = 0; i < nf->n_imgs; i++)
		flush_model(nf, &nf->imgs[i]);
	flush_graph(nf);
}

void moat_netfw_tick(struct moat_netfw *nf)
{
	int64_t now = now_ns(CLOCK_MONOTONIC);

	if (nf->k)
		moat_nfk_drain(nf->k, &(struct moat_nfk_sink){ handle, nf_dns_record, nf });
	if (nf->peers_now || now - nf->last_slow_ns >= SLOW_PERIOD_NS) {
		nf->peers_now = false;
		nf->last_slow_ns = now;
		slow_tick(nf);
	}
}

void moat_netfw_containers_changed(struct moat_netfw *nf)
{
	nf->peers_now = true;
}

const char *moat_netfw_status(const struct moat_netfw *nf)
{
	return nf->status;
}

void moat_netfw_stats(struct moat_netfw *nf, struct moat_netfw_stats *ret)
{
	uint64_t k[MOAT_NF_STAT_MAX] = { 0 };

	*ret = nf->stats;
	if (nf->k && moat_nfk_stats(nf->k, k) == 0) {
		ret->k_blocked = k[MOAT_NF_STAT_BLOCKED];
		ret->k_dropped = k[MOAT_NF_STAT_DROPPED];
		ret->k_dns_keys = k[MOAT_NF_STAT_DNS_KEYS];
	}
}

/* Counts carry over a restart: start from the graph the last run wrote. */
static void load_graph(struct moat_netfw *nf)
{
	struct moat_error err = { 0 };
	struct moat_netgraph *g = NULL;
	struct moat_buf b;

	moat_buf_init(&b, MOAT_NETGRAPH_FILE_MAX + 1);
	if (moat_state_read(nf->o.state, NULL, "netgraph.json", &b, &err) == 0 &&
	    moat_netgraph_parse(b.data, b.len, "netgraph.json", &g, &err) == 0) {
		moat_netgraph_free(nf->graph);
		nf->graph = g;
	} else if (err.code != -ENOENT && err.msg[0]) {
		nf_warn(nf, "starting a new network graph: %s", err.msg);
	}
	moat_buf_release(&b);
}

int moat_netfw_open(const struct moat_netfw_opts *opts, struct moat_netfw **ret,
		    struct moat_error *err)
{
	struct moat_netfw *nf = calloc(1, sizeof(*nf));
	struct moat_error kerr = { 0 };
	int r;

	if (!nf)
		return moat_error_set(err, -ENOMEM, "netfw: out of memory");
	nf->o = *opts;
	nf->mono_to_real_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
	moat_buf_init(&nf->out, 64u << 10);
	moat_hmap_init(&nf->installed.ix);
	moat_hmap_init(&nf->denied.ix);
	r = moat_netgraph_new(&nf->graph);
	if (r == 0)
		r = moat_dnsnames_new(&nf->names);
	if (r == 0 && opts->rules_path)
		r = moat_netrules_load(opts->rules_path, &nf->rules, err);
	if (r == 0 && opts->rules_path)
		stat(opts->rules_path, &nf->rules_st);
	if (r == 0)
		r = moat_peers_open(opts->docker_sock, &nf->peers, err);
	if (r < 0) {
		moat_netfw_close(nf);
		return r == -ENOMEM ? moat_error_set(err, r, "netfw: out of memory") : r;
	}
	load_graph(nf);
	if (opts->kind != MOAT_NETFW_NFT && moat_nfk_open(&nf->k, &kerr) == 0) {
		snprintf(nf->status, sizeof(nf->status), "cgroup-bpf at %s",
			 moat_nfk_cgroup2_root());
	} else if (opts->kind != MOAT_NETFW_BPF && nf_nft_available()) {
		nf->use_nft = true;
		snprintf(nf->status, sizeof(nf->status),
			 "nftables in each container's network namespace%s%s%s",
			 kerr.msg[0] ? " (no cgroup BPF: " : "", kerr.msg, kerr.msg[0] ? ")" : "");
	} else {
		snprintf(nf->status, sizeof(nf->status), "no enforcement: %s",
			 kerr.msg[0] ? kerr.msg : "nft not found");
	}
	slow_tick(nf);
	*ret = nf;
	return 0;
}

void moat_netfw_close(struct moat_netfw *nf)
{
	if (!nf)
		return;
	if (nf->k)
		moat_nfk_drain(nf->k, &(struct moat_nfk_sink){ handle, nf_dns_record, nf });
	if (nf->peers) {
		for (size_t i = 0; i < nf->n_imgs; i++)
			flush_model(nf, &nf->imgs[i]);
		flush_graph(nf);
	}
	moat_nfk_close(nf->k);
	moat_peers_close(nf->peers);
	for (size_t i = 0; i < nf->n_imgs; i++) {
		moat_netmodel_free(&nf->imgs[i].model);
		moat_netmodel_free(&nf->imgs[i].pending);
	}
	free(nf->imgs);
	free(nf->dests);
	nf_keyset_free(&nf->installed);
	nf_keyset_free(&nf->denied);
	free(nf->profiles);
	moat_netrules_free(&nf->rules);
	moat_netgraph_free(nf->graph);
	moat_dnsnames_free(nf->names);
	free(nf->dns_pats.v);
	free(nf->nft.v);
	moat_buf_release(&nf->out);
	free(nf);
}
