/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defender.c - `moat defender`: run the runtime sensor and rules in the
 * foreground, one JSON alert per line on stdout, until SIGTERM/SIGINT.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "cli.h"
#include "moat-config.h"
#include "defend/baseline.h"
#include "defend/cpolicy.h"
#include "defend/defend.h"
#include "defend/netfw.h"
#include "defend/reload.h"
#include "defend/rules.h"
#include "defend/state.h"
#include "moat/error.h"
#include "sensor/container.h"
#include "sensor/sensor.h"
#include "defend/rules-policy.h"
#include "defender-console.h"
#include "defender-inventory.h"
#include "defender-scan.h"
#include "uplink/control.h"
#include "uplink/uplink.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: moat defender [--rules DIR] [--format json] [--ready-file PATH]\n"
		     "                     [--state DIR] [--net-rules FILE] [--no-network]\n"
		     "                     [--firewall auto|bpf|nft]\n"
		     "                     [--baseline-window SECONDS] [--baseline-window-events N]\n"
		     "                     [--baseline-auto-alert] [--baseline-by-repo] [--no-baselines]\n"
		     "                     [--console URL (--token T | --token-file F |\n"
		     "                      --join-token T | --join-token-file F) [--console-cacert F]\n"
		     "                      [--spool DIR] [--spool-max-mb N] [--console-interval SECONDS]\n"
		     "                      [--scan-db FILE [--scan-scanners LIST] [--scan-every HOURS]\n"
		     "                       [--scan-images GLOB,...]]]\n\n"
		     "Watch processes, files and connections of this node and its containers;\n"
		     "print one JSON alert per line. MOAT_SENSOR=fallback forces the non-eBPF source.\n"
		     "Rule files in the --rules directory are reloaded when they change; an\n"
		     "invalid change keeps the rules in force.\n\n"
		     "--state DIR (default " MOAT_STATE_DEFAULT_DIR ") keeps what is learned per image.\n"
		     "Learned baselines (docs/baselines.md): every image's behaviour is learned there;\n"
		     "`moat baseline mode` switches an image to alert or enforce while this runs. The\n"
		     "learning window (default 600 s or 100000 events) only ends learning by itself\n"
		     "with --baseline-auto-alert. --baseline-by-repo keeps one model per repository\n"
		     "across tags instead of one per image id.\n"
		     "Network (docs/network.md): --net-rules FILE holds firewall rules; --no-network\n"
		     "turns the network graph and firewall off. --firewall picks where blocking\n"
		     "happens: cgroup BPF (bpf), nftables in each container's namespace (nft), or\n"
		     "BPF with nftables as the fallback (auto, the default).\n"
		     "Console (docs/console.md): --console sends every alert to the console too, through\n"
		     "a spool on disk (--spool, default STATE/uplink; bounded by --spool-max-mb, default\n"
		     "256): alerts wait there while the console is away and are sent once it is back,\n"
		     "also after a restart. The token may come from $MOAT_CONSOLE_TOKEN. A join token\n"
		     "(`moat console token create --role defender --join`) is traded once for this\n"
		     "defender's own identity, kept in STATE/" MOAT_IDENTITY_FILE " and reused after\n"
		     "restarts. Every --console-interval (default 30) the defender sends a heartbeat\n"
		     "and pulls its policy (runtime rules off, responses; baseline modes; firewall\n"
		     "allow and deny flows); the last policy is kept in\n"
		     "STATE/" MOAT_POLICY_CACHE_FILE " and enforced while the console is away.\n"
		     "--scan-db FILE: the images this node's containers run are scanned here (one\n"
		     "`moat scan` at a time, at low priority, with FILE as the vulnerability DB and\n"
		     "--scan-scanners, default all) and the reports sent to the console; a running\n"
		     "image is scanned again every --scan-every hours (default 24). --scan-images\n"
		     "limits it to images whose name (as containers name it) or id matches a glob.\n");
}

/* Alerts go to the console too when there is an uplink (the alert sinks' ctx). */
static struct moat_uplink *uplink;
static uint64_t alerts_printed;

static void print_alert(void *ctx, const char *json, size_t len)
{
	struct moat_error err = { 0 };

	(void)ctx;
	__atomic_add_fetch(&alerts_printed, 1, __ATOMIC_RELAXED);
	fwrite(json, 1, len, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	if (uplink && moat_uplink_push(uplink, json, len, &err) < 0)
		fprintf(stderr, "moat defender: console spool: %s\n", err.msg);
}

/* --rules, else $MOAT_RULES, else /etc/moat/rules, else rules/ next to the build tree. */
static const char *default_rules(char *buf, size_t cap)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (getenv("MOAT_RULES"))
		return getenv("MOAT_RULES");
	if (access("/etc/moat/rules", R_OK) == 0)
		return "/etc/moat/rules";
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return "rules";
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(buf, cap, "%s/../rules", exe);
	return buf;
}

static int touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static enum moat_sensor_mode env_mode(void)
{
	const char *m = getenv("MOAT_SENSOR");

	if (m && !strcmp(m, "fallback"))
		return MOAT_SENSOR_FALLBACK;
	if (m && (!strcmp(m, "ebpf") || !strcmp(m, "bpf")))
		return MOAT_SENSOR_BPF;
	return MOAT_SENSOR_AUTO;
}

/* MOAT_TRACE=1: every record on stderr, one line each, before the rules see it. */
static int trace_then_handle(void *ctx, const union moat_sensor_rec *rec)
{
	const char *path = "";

	if (rec->hdr.kind == MOAT_EV_EXEC)
		path = rec->exec.filename;
	else if (rec->hdr.size == sizeof(struct moat_ev_file))
		path = rec->file.path;
	else if (rec->hdr.size == sizeof(struct moat_ev_net))
		path = rec->net.unix_path;
	fprintf(stderr, "trace: %s pid=%u ppid=%u comm=%s mntns=%u %s\n",
		moat_sensor_kind_name(rec->hdr.kind), rec->hdr.tgid, rec->hdr.ppid, rec->hdr.comm,
		rec->hdr.mnt_ns, path);
	return moat_defender_handle(ctx, rec);
}

struct run {
	const char *rules_dir;
	const char *state_dir;
	const char *net_rules;
	bool no_network;
	enum moat_netfw_kind fw_kind;
	bool no_baselines;
	struct defender_console_opts con;       /* url NULL: no console */
	struct defender_console dc;
	struct moat_rules_overlay *overlay;     /* the console's runtime policy, or NULL */
	struct moat_cpolicy *cpolicy;           /* its baseline and firewall policies, or NULL */
	struct moat_baselines_opts bl;
	struct moat_state *state;               /* NULL when nothing learns */
	struct moat_baselines *baselines;
	struct moat_netfw *net;
	struct moat_rules_watch *watch;         /* NULL: no hot reload */
	struct moat_ruleset *rules;
	struct moat_containers *containers;
	struct defender_inventory *inventory;   /* NULL: no console */
	struct defender_scan_opts scan_opts;    /* db NULL: no image scans */
	struct defender_scan *scan;
	struct moat_sensor *sensor;
	struct moat_defender *defender;
	/* the rules' path prefixes before merging: watched by inode */
	struct moat_ev_prefix watched[MOAT_SENSOR_WATCH_MAX];
};

/* Kill rules that only name executables are enforced by the kernel at exec;
 * on a reload the list is replaced, so a removed rule stops killing. */
static void deny_exes(struct run *run)
{
	static const char *paths[MOAT_SENSOR_DENY_MAX];
	size_t n = moat_rules_deny_exes(run->rules, paths, MOAT_SENSOR_DENY_MAX);
	int r = moat_sensor_set_deny(run->sensor, paths, n);

	if (r < 0)
		fprintf(stderr, "moat defender: %zu executables killed from user space only (no "
				"kernel deny list: %s)\n", n, moat_strerror(r));
}

static void install_rules(struct run *run, struct moat_ruleset *fresh, const char *why);

/* A rule file changed: swap in the new set only if the whole directory parsed. */
static void reload(struct run *run)
{
	struct moat_ruleset *fresh = NULL;
	struct moat_error err = { 0 };
	int r = moat_rules_watch_check(run->watch, 100, &fresh, &err);

	if (r == 0)
		return;
	if (r < 0) {
		fprintf(stderr, "moat defender: rules not reloaded, keeping %zu rules: %s\n",
			moat_rules_count(run->rules), err.msg[0] ? err.msg : moat_strerror(r));
		return;
	}
	install_rules(run, fresh, "from the rule directory");
}

/* Swap in a fresh rule set (the console's policy laid over it first). */
static void install_rules(struct run *run, struct moat_ruleset *fresh, const char *why)
{
	struct moat_ev_prefix prefixes[MOAT_EV_PREFIX_MAX];
	size_t n, dropped = 0, changed = 0;
	char note[96] = "";
	int r;

	moat_rules_overlay_apply(run->overlay, fresh, &dropped, &changed);
	moat_defender_set_rules(run->defender, fresh);
	n = moat_rules_prefixes(fresh, prefixes, MOAT_EV_PREFIX_MAX);
	r = moat_sensor_set_prefixes(run->sensor, prefixes, n);
	if (r == 0)
		r = moat_sensor_set_watched(run->sensor, run->watched,
					    moat_rules_prefixes(fresh, run->watched,
								MOAT_SENSOR_WATCH_MAX));
	moat_rules_close(run->rules);
	run->rules = fresh;
	deny_exes(run);
	if (run->overlay)
		snprintf(note, sizeof(note), " (console policy: %zu off, %zu responses changed)",
			 dropped, changed);
	fprintf(stderr, "moat defender: reloaded %zu rules %s%s, %zu path prefixes%s\n",
		moat_rules_count(fresh), why, note, n,
		r < 0 ? " (the sensor kept its old prefixes)" : "");
}

/* The console's policies to the modules running now (those opened later
 * get them in run_loop). */
static void hand_policy(struct run *run)
{
	if (run->defender)
		moat_defender_set_scoped(run->defender, run->overlay);
	if (run->baselines)
		moat_baselines_set_policy(run->baselines, run->cpolicy);
	if (run->net)
		moat_netfw_set_policy(run->net, run->cpolicy);
}

/* A new policy from the console (or its cache): runtime policies laid over
 * the rule directory's rules, baseline and firewall policies handed to
 * their modules. One that does not parse leaves the last one in force,
 * and says why on stderr and in the heartbeat. */
static void take_policy(struct run *run)
{
	struct moat_rules_overlay *ov = NULL;
	struct moat_cpolicy *cp = NULL;
	struct moat_ruleset *fresh = NULL;
	struct moat_error err = { 0 };
	const char *etag;
	json_t *doc = NULL;
	int r;

	if (!run->dc.ctl || moat_console_ctl_policy_take(run->dc.ctl, &doc) <= 0)
		return;
	etag = moat_json_str(doc, "etag") ? moat_json_str(doc, "etag") : "?";
	r = moat_rules_overlay_parse(json_object_get(doc, "policies"), &ov, &err);
	if (r == 0)
		r = moat_cpolicy_parse(json_object_get(doc, "policies"), &cp, &err);
	if (r == 0 && run->defender) {
		r = moat_rules_open(&fresh, &err);
		if (r == 0)
			r = moat_rules_load_dir(fresh, run->rules_dir, &err);
	}
	if (r < 0) {
		fprintf(stderr, "moat defender: the console's policy %.19s is not applied, the last "
			"one stays: %s\n", etag, err.msg);
		defender_console_policy_error(err.msg);
		moat_rules_close(fresh);
		moat_rules_overlay_free(ov);
		moat_cpolicy_free(cp);
		json_decref(doc);
		return;
	}
	/* the modules let go of the old ones before they are freed */
	moat_rules_overlay_free(run->overlay);
	run->overlay = ov;
	hand_policy(run);
	moat_cpolicy_free(run->cpolicy);
	run->cpolicy = cp;
	hand_policy(run);
	if (fresh) {
		install_rules(run, fresh, "for the console's policy");
	} else {        /* before the sensor: the rules just loaded from the directory */
		moat_rules_overlay_apply(ov, run->rules, NULL, NULL);
	}
	fprintf(stderr, "moat defender: the console's policy %.19s is in force (%zu baseline and "
		"firewall policies)\n", etag, moat_cpolicy_count(cp));
	defender_console_policy_error(NULL);
	moat_console_ctl_applied(run->dc.ctl, etag);
	json_decref(doc);
}

static void print_warn(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "moat defender: %s\n", msg);
}

/* The engine said a container started or stopped: the rule engine and the
 * firewall both want to know. */
static void container_changed(void *ctx, const struct moat_container *c,
			      enum moat_container_change what)
{
	struct run *run = ctx;

	moat_defender_container_changed(run->defender, c, what);
	if (run->net)
		moat_netfw_containers_changed(run->net);
}

/* The network graph and firewall (docs/network.md); its kernel side may be
 * missing, then it learns and alerts only. */
static int open_network(struct run *run, const char *node, struct moat_error *err)
{
	struct moat_netfw_opts no = { .rules_path = run->net_rules, .node = node, .kind = run->fw_kind,
				      .on_alert = print_alert, .on_warn = print_warn };
	int r;

	if (run->no_network)
		return 0;
	no.state = run->state;
	r = moat_netfw_open(&no, &run->net, err);
	if (r < 0)
		return r;
	fprintf(stderr, "moat defender: network: state %s, %s\n", moat_state_dir(run->state),
		moat_netfw_status(run->net));
	return 0;
}

/* The learned baselines (docs/baselines.md). */
static int open_baselines(struct run *run, struct moat_error *err)
{
	if (run->no_baselines)
		return 0;
	run->bl.state = run->state;
	run->bl.sensor = run->sensor;
	return moat_baselines_open(&run->bl, &run->baselines, err);
}

/* The state directory, when baselines or the network model learn into it. */
static int open_state(struct run *run, struct moat_error *err)
{
	if (run->no_baselines && run->no_network)
		return 0;
	return moat_state_open(run->state_dir, true, &run->state, err);
}

static void print_stats(struct run *run)
{
	struct moat_netfw_stats ns = { 0 };

	if (run->baselines)
		fprintf(stderr, "moat defender: baselines: %zu images, %llu deviations\n",
			moat_baselines_images(run->baselines),
			(unsigned long long)moat_baselines_deviations(run->baselines));
	if (run->net) {
		moat_netfw_stats(run->net, &ns);
		fprintf(stderr, "moat defender: network: %llu flows, %llu alerts, %llu blocked, "
				"%llu learned, %llu DNS answers (%llu not usable); kernel: %llu "
				"refused, %llu packets of isolated containers dropped, %llu "
				"answers allowed in the kernel\n",
			(unsigned long long)ns.flows, (unsigned long long)ns.alerts,
			(unsigned long long)ns.blocked, (unsigned long long)ns.learned,
			(unsigned long long)ns.dns_answers, (unsigned long long)ns.dns_bad,
			(unsigned long long)ns.k_blocked, (unsigned long long)ns.k_dropped,
			(unsigned long long)ns.k_dns_keys);
	}
	if (uplink) {
		struct moat_uplink_stats us;

		moat_uplink_stats(uplink, &us);
		fprintf(stderr, "moat defender: console: %llu alerts spooled, %llu sent in %llu posts "
				"(%llu the console had), %llu failed posts, %llu dropped, %llu bytes "
				"waiting in %s, %llu container inventories sent\n",
			(unsigned long long)us.spool.appended, (unsigned long long)us.spool.committed,
			(unsigned long long)us.posts, (unsigned long long)us.duplicates,
			(unsigned long long)us.failures, (unsigned long long)us.spool.dropped,
			(unsigned long long)us.spool.pending_bytes, run->dc.spool_dir,
			(unsigned long long)us.inventories);
	}
	/* last: scripts (bench/sensor) read the last line for events and losses */
	fprintf(stderr, "moat defender: %llu events, %llu alerts (%llu repeats not shown), %llu lost, "
			"%llu lua errors, %zu containers cached (%llu dropped)\n",
		(unsigned long long)moat_defender_events(run->defender),
		(unsigned long long)moat_defender_alerts(run->defender),
		(unsigned long long)moat_defender_suppressed(run->defender),
		(unsigned long long)moat_sensor_lost(run->sensor),
		(unsigned long long)moat_rules_lua_errors(run->rules),
		moat_containers_count(run->containers),
		(unsigned long long)moat_containers_evicted(run->containers));
}

static int run_loop(struct run *run, const char *ready_file, struct moat_error *err)
{
	struct moat_ev_prefix prefixes[MOAT_EV_PREFIX_MAX];
	struct moat_sensor_opts so = { .mode = env_mode(), .prefixes = prefixes };
	char node[256] = "";
	struct moat_defender_opts dopts = { .rules = run->rules, .on_alert = print_alert,
					    .node = node };
	unsigned total = 0;
	unsigned attached;
	time_t last_tick = 0;
	int r;

	gethostname(node, sizeof(node) - 1);
	if (uplink)
		run->inventory = defender_inventory_new(uplink, node);
	so.n_prefixes = moat_rules_prefixes(run->rules, prefixes, MOAT_EV_PREFIX_MAX);
	so.watched = run->watched;
	so.n_watched = moat_rules_prefixes(run->rules, run->watched, MOAT_SENSOR_WATCH_MAX);
	r = moat_containers_open(NULL, &run->containers, err);
	if (r == 0)
		r = moat_sensor_open(&so, &run->sensor, err);
	if (r < 0)
		return r;
	dopts.containers = run->containers;
	dopts.sensor = run->sensor;
	r = open_state(run, err);
	if (r == 0)
		r = open_baselines(run, err);
	if (r < 0)
		return r;
	dopts.baselines = run->baselines;
	r = moat_defender_open(&dopts, &run->defender, err);
	if (r == 0)
		r = open_network(run, node, err);
	if (r < 0)
		return r;
	hand_policy(run);       /* the cached one, before the first record */
	deny_exes(run);
	fprintf(stderr, "moat defender: %u containers running at start\n",
		moat_defender_discover(run->defender));
	if (moat_rules_watch_open(run->rules_dir, &run->watch, err) < 0) {
		fprintf(stderr, "moat defender: no hot reload: %s\n", err->msg);
		memset(err, 0, sizeof(*err));
	}
	attached = moat_sensor_attached(run->sensor, &total);
	if (moat_sensor_fallback_reason(run->sensor))
		fprintf(stderr, "moat defender: eBPF unavailable, using the fallback: %s\n",
			moat_sensor_fallback_reason(run->sensor));
	fprintf(stderr, "moat defender: sensor %s, %u of %u probes attached, %zu rules, "
			"%zu path prefixes, state %s\n", moat_sensor_mode_name(run->sensor), attached,
		total, moat_rules_count(run->rules), so.n_prefixes,
		run->state ? moat_state_dir(run->state) : "off");
	if (ready_file && touch(ready_file) < 0)
		return moat_error_set(err, -errno, "%s: %s", ready_file, strerror(errno));
	while (!stop_requested) {
		r = moat_sensor_poll(run->sensor, 500,
				     getenv("MOAT_TRACE") ? trace_then_handle : moat_defender_handle,
				     run->defender, err);
		if (r < 0 && r != -EINTR)
			return r;
		if (run->watch)
			reload(run);
		take_policy(run);
		defender_console_note(moat_rules_count(run->rules),
				      __atomic_load_n(&alerts_printed, __ATOMIC_RELAXED));
		moat_containers_pump(run->containers, container_changed, run);
		defender_inventory_tick(run->inventory, run->containers);
		defender_scan_tick(run->scan, run->containers);
		if (time(NULL) != last_tick) {
			moat_defender_tick(run->defender);
			last_tick = time(NULL);
		}
		if (run->net)
			moat_netfw_tick(run->net);
	}
	/* what the kernel committed before the signal is still reported */
	moat_sensor_poll(run->sensor, 0, moat_defender_handle, run->defender, err);
	moat_defender_tick(run->defender);
	memset(err, 0, sizeof(*err));
	if (run->net)
		moat_netfw_tick(run->net);
	/* a few seconds to hand the console what is spooled; the rest waits on disk */
	if (uplink)
		moat_uplink_stop(uplink, 3000);
	print_stats(run);
	return 0;
}

/* --scan-db: the node's images scanned and sent where the alerts go. */
static int open_scans(struct run *run, struct moat_error *err)
{
	int r;

	run->scan_opts.console = run->con.url;
	run->scan_opts.token = run->dc.token;
	run->scan_opts.cacert = run->con.cacert;
	run->scan_opts.state_dir = run->state_dir ? run->state_dir : MOAT_STATE_DEFAULT_DIR;
	r = defender_scan_open(&run->scan_opts, &run->scan, err);
	defender_console_note_scans(run->scan);
	return r;
}

/* A positive whole number for option name. */
static int parse_count(const char *name, const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0 || s[0] == '-') {
		fprintf(stderr, "moat defender: %s '%s': expected a positive number\n", name, s);
		return -1;
	}
	*ret = v;
	return 0;
}

int moat_cmd_defender(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "ready-file", required_argument, NULL, 'R' },
		{ "state", required_argument, NULL, 'S' },
		{ "net-rules", required_argument, NULL, 'N' },
		{ "no-network", no_argument, NULL, 'n' },
		{ "firewall", required_argument, NULL, 'F' },
		{ "baseline-window", required_argument, NULL, 'W' },
		{ "baseline-window-events", required_argument, NULL, 'E' },
		{ "baseline-auto-alert", no_argument, NULL, 'A' },
		{ "baseline-by-repo", no_argument, NULL, 'B' },
		{ "no-baselines", no_argument, NULL, 'b' },
		{ "console", required_argument, NULL, 'C' },
		{ "token", required_argument, NULL, 'T' },
		{ "token-file", required_argument, NULL, 't' },
		{ "console-cacert", required_argument, NULL, 'K' },
		{ "join-token", required_argument, NULL, 'J' },
		{ "join-token-file", required_argument, NULL, 'j' },
		{ "console-interval", required_argument, NULL, 'I' },
		{ "spool", required_argument, NULL, 'P' },
		{ "spool-max-mb", required_argument, NULL, 'M' },
		{ "scan-db", required_argument, NULL, 'D' },
		{ "scan-scanners", required_argument, NULL, 'X' },
		{ "scan-every", required_argument, NULL, 'Y' },
		{ "scan-images", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct moat_error err = { 0 };
	struct run run = { 0 };
	const char *rules_dir = NULL;
	const char *ready = NULL;
	char buf[PATH_MAX + 16];
	int c;
	int r;

	while ((c = getopt_long(argc, argv, "r:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rules_dir = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0) {
				fprintf(stderr, "moat defender: --format json is the only format\n");
				return MOAT_EXIT_USAGE;
			}
			break;
		case 'R':
			ready = optarg;
			break;
		case 'S':
			run.state_dir = optarg;
			break;
		case 'N':
			run.net_rules = optarg;
			break;
		case 'n':
			run.no_network = true;
			break;
		case 'F':
			if (!strcmp(optarg, "auto") || !strcmp(optarg, "bpf") || !strcmp(optarg, "nft")) {
				run.fw_kind = optarg[0] == 'a' ? MOAT_NETFW_AUTO
					      : optarg[0] == 'b' ? MOAT_NETFW_BPF : MOAT_NETFW_NFT;
				break;
			}
			fprintf(stderr, "moat defender: --firewall: auto, bpf or nft, not '%s'\n", optarg);
			return MOAT_EXIT_USAGE;
		case 'W':
		case 'E':
			if (parse_count(c == 'W' ? "--baseline-window" : "--baseline-window-events",
					optarg, c == 'W' ? &run.bl.window_sec : &run.bl.window_events) < 0)
				return MOAT_EXIT_USAGE;
			break;
		case 'A':
			run.bl.auto_alert = true;
			break;
		case 'B':
			run.bl.by_repo = true;
			break;
		case 'b':
			run.no_baselines = true;
			break;
		case 'C':
			run.con.url = optarg;
			break;
		case 'T':
			run.con.token = optarg;
			break;
		case 't':
			run.con.token_file = optarg;
			break;
		case 'J':
			run.con.join_token = optarg;
			break;
		case 'j':
			run.con.join_token_file = optarg;
			break;
		case 'K':
			run.con.cacert = optarg;
			break;
		case 'P':
			run.con.spool_dir = optarg;
			break;
		case 'I': {
			uint64_t sec;

			if (parse_count("--console-interval", optarg, &sec) < 0 || sec > 86400)
				return MOAT_EXIT_USAGE;
			run.con.interval_ms = (unsigned)sec * 1000u;
			break;
		}
		case 'M': {
			uint64_t mb;

			if (parse_count("--spool-max-mb", optarg, &mb) < 0 || mb > (1u << 20))
				return MOAT_EXIT_USAGE;
			run.con.spool_max_bytes = mb << 20;
			break;
		}
		case 'D':
			run.scan_opts.db = optarg;
			break;
		case 'X':
			run.scan_opts.scanners = optarg;
			break;
		case 'G':
			run.scan_opts.images = optarg;
			break;
		case 'Y': {
			uint64_t hours;

			if (parse_count("--scan-every", optarg, &hours) < 0 || hours > 8760)      /* a year */
				return MOAT_EXIT_USAGE;
			run.scan_opts.every_sec = (unsigned)hours * 3600u;
			break;
		}
		case 'h':
			usage(stdout);
			return MOAT_EXIT_OK;
		default:
			usage(stderr);
			return MOAT_EXIT_USAGE;
		}
	}
	if (!rules_dir)
		rules_dir = default_rules(buf, sizeof(buf));
	/* no SA_RESTART: the poll must return so the loop sees the flag */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	run.rules_dir = rules_dir;
	run.con.state_dir = run.state_dir;
	r = defender_console_open(&run.con, &run.dc, &err);
	uplink = run.dc.uplink;
	if (r == 0 && run.scan_opts.db)
		r = open_scans(&run, &err);
	if (r < 0) {
		defender_console_close(&run.dc);
		moat_uplink_close(uplink);
		uplink = NULL;
		fprintf(stderr, "moat defender: %s\n", err.msg);
		return moat_error_is_input(r) ? MOAT_EXIT_USAGE : MOAT_EXIT_INTERNAL;
	}
	r = moat_rules_open(&run.rules, &err);
	if (r == 0)
		r = moat_rules_load_dir(run.rules, rules_dir, &err);
	if (r == 0)
		take_policy(&run);      /* the cached one, before the sensor starts */
	if (r == 0)
		r = run_loop(&run, ready, &err);
	defender_scan_close(run.scan);
	defender_console_note_scans(NULL);
	defender_console_close(&run.dc);
	moat_rules_watch_close(run.watch);
	moat_netfw_close(run.net);
	moat_defender_close(run.defender);
	moat_baselines_close(run.baselines);
	moat_state_close(run.state);
	moat_sensor_close(run.sensor);
	defender_inventory_free(run.inventory);
	moat_containers_close(run.containers);
	moat_rules_close(run.rules);
	moat_rules_overlay_free(run.overlay);
	moat_cpolicy_free(run.cpolicy);
	moat_uplink_close(uplink);
	uplink = NULL;
	if (r < 0) {
		fprintf(stderr, "moat defender: %s\n", err.msg[0] ? err.msg : moat_strerror(r));
		return moat_error_is_input(r) ? MOAT_EXIT_USAGE : MOAT_EXIT_INTERNAL;
	}
	return MOAT_EXIT_OK;
}
