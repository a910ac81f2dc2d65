/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.h - one policy for CI, the Docker authz plugin and the Kubernetes
 * admission webhook: load a YAML/JSON policy file, then decide on a
 * normalised workload (what will run: images and container settings).
 *
 * The file format is documented in docs/policy.md. Rules are data: each has
 * an id, an action (off, alert, block) and optional parameters, and the
 * evaluator walks the rule table (policy-rules.c), so a new check is one row.
 * Decisions never print; reasons and warnings are strings owned by the
 * arena the caller passes in.
 */
#ifndef MOAT_POLICY_H
#define MOAT_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_arena;
struct moat_error;
struct moat_policy;

enum moat_policy_action {
	MOAT_POLICY_OFF = 0,
	MOAT_POLICY_ALERT = 1,          /* allow, with a warning */
	MOAT_POLICY_BLOCK = 2,          /* deny */
};

/* What an admission does with an image moat has not scanned yet. */
enum moat_policy_scan_mode {
	MOAT_POLICY_SCAN_BACKGROUND = 0,        /* decide now (rule `unscanned`), scan for next time */
	MOAT_POLICY_SCAN_SYNC = 1,              /* scan first, up to scan_timeout seconds */
	MOAT_POLICY_SCAN_NONE = 2,              /* never scan from admission */
};

/* Vulnerability thresholds: the `moat scan --policy` keys. */
struct moat_policy_vuln {
	unsigned fail_on;               /* bit (rank + 1) per severity (moat_policy_severity_list) */
	bool fail_on_fixable;
	int fail_on_risk;               /* <0 = off */
	unsigned severity;              /* shown severities, 0 = all */
	bool ignore_unfixed;
	json_t *ignore;                 /* [{id, package?, reason?}] or NULL; owned by the policy (incref to keep) */
	/* secrets.allow: [{path?, rules?, fingerprints?, reason?}] (each with at
	 * least one of path/rules/fingerprints; rules and fingerprints are
	 * arrays of strings), or NULL; owned by the policy (incref to keep). */
	json_t *secret_allow;
};

/* One container of a workload, normalised from Docker or Kubernetes. Every
 * pointer is borrowed for the duration of the call. */
struct moat_container {
	const char *name;               /* may be NULL (docker run without --name) */
	const char *image;              /* reference as written: "nginx:1.25", "sha256:..." */
	bool privileged;
	bool run_as_root;               /* known to run as uid 0 */
	bool seccomp_unconfined;
	bool apparmor_unconfined;
	const char *const *cap_add;     /* capability names, "CAP_" prefix optional */
	size_t n_cap_add;
	const char *const *host_paths;  /* host paths mounted into it (bind, hostPath) */
	size_t n_host_paths;
	const char *const *devices;     /* host devices given to it (Docker --device,
					 * --device-cgroup-rule as "cgroup rule R") */
	size_t n_devices;
	const char *const *volumes_from; /* containers whose mounts it inherits
					  * (Docker --volumes-from NAME[:ro|rw]) */
	size_t n_volumes_from;
};

struct moat_workload {
	const char *kind;               /* "container", "exec", "Pod", "Deployment", ... */
	const char *name;
	const char *namespace;          /* NULL for Docker */
	const json_t *labels;           /* object or NULL */
	bool host_pid;
	bool host_network;
	bool host_ipc;
	bool host_uts;
	bool host_userns;               /* Docker --userns host (no remapping) */
	bool host_cgroupns;             /* Docker --cgroupns host */
	const struct moat_container *containers;
	size_t n_containers;
};

/* What moat knows about an image. */
enum moat_verdict_state {
	MOAT_VERDICT_UNKNOWN = 0,       /* never scanned (a scan may now be queued) */
	MOAT_VERDICT_PASS,              /* scanned, within the vulnerability thresholds */
	MOAT_VERDICT_FAIL,              /* scanned, over a threshold */
	MOAT_VERDICT_ERROR,             /* the scan failed or the image cannot be resolved */
};

struct moat_image_verdict {
	enum moat_verdict_state state;
	const char *digest;             /* image id or repo digest when known; arena or NULL */
	const char *summary;            /* FAIL: which findings; ERROR: why; arena or NULL */
};

enum moat_verdict_flags {
	MOAT_VERDICT_SYNC = 1 << 0,     /* unknown: scan now, wait up to timeout_sec */
	MOAT_VERDICT_PEEK = 1 << 1,     /* no side effects: never queue a scan (dry run) */
};

/* Verdict lookup the caller provides (cache, scanner). Without PEEK an
 * unknown image is queued for a scan. Strings it returns come from arena.
 * Returns 0, or <0 when it cannot answer (the failure mode decides). */
struct moat_verdict_source {
	int (*lookup)(void *ctx, const char *image, unsigned flags, unsigned timeout_sec,
		      struct moat_arena *arena, struct moat_image_verdict *ret);
	void *ctx;
};

struct moat_finding_msg {
	const char *rule;               /* rule id, e.g. "privileged" */
	const char *container;          /* container name or image, NULL for the workload */
	const char *msg;
};

struct moat_decision {
	bool allow;
	bool skipped;                   /* out of the policy's namespace/label scope */
	bool failed_open;               /* an error was ignored because failure: open */
	struct moat_finding_msg *reasons;       /* blocking findings (allow == false) */
	size_t n_reasons;
	struct moat_finding_msg *warnings;      /* alert-only findings, pending scans */
	size_t n_warnings;
};

/* The built-in default: deny privileged containers, engine socket mounts,
 * host PID/network/IPC; allow the rest; warn on unscanned images. */
int moat_policy_default(struct moat_policy **ret_policy, struct moat_error *err);
/* Load a policy file (YAML or JSON, at most 1 MiB). Unknown keys, bad actions
 * and bad values are MOAT_E_FORMAT naming the file and key. */
int moat_policy_load(const char *path, struct moat_policy **ret_policy, struct moat_error *err);
/* Same from a parsed document; origin names it in errors. doc is borrowed. */
int moat_policy_from_json(const json_t *doc, const char *origin, struct moat_policy **ret_policy,
			  struct moat_error *err);
void moat_policy_free(struct moat_policy *policy);

const struct moat_policy_vuln *moat_policy_vuln(const struct moat_policy *policy);
/* True when the policy sets any vulnerability threshold. */
bool moat_policy_has_vuln_gate(const struct moat_policy *policy);
/* sha256 hex of the canonical policy: verdict caches are keyed by it. */
const char *moat_policy_hash(const struct moat_policy *policy);
const char *moat_policy_origin(const struct moat_policy *policy);
bool moat_policy_fail_open(const struct moat_policy *policy);
enum moat_policy_scan_mode moat_policy_scan_mode(const struct moat_policy *policy);
unsigned moat_policy_scan_timeout(const struct moat_policy *policy);
enum moat_policy_action moat_policy_rule_action(const struct moat_policy *policy, const char *id);

/* The comply: section (policy-comply.c). The action for check id of a
 * benchmark ("docker", "k8s", "node"): the check's own entry, else the
 * benchmark's default, else alert (also without a comply section). */
enum moat_policy_action moat_policy_comply_action(const struct moat_policy *policy,
						  const char *bench, const char *id);
/* True when the policy has a comply.BENCH section (the webhook runs the
 * manifest checks only then). */
bool moat_policy_comply_has(const struct moat_policy *policy, const char *bench);
/* The first check id the section names for bench that known() rejects, or
 * NULL: callers refuse a policy naming checks they do not have. */
const char *moat_policy_comply_unknown(const struct moat_policy *policy, const char *bench,
				       bool (*known)(const char *id));

/* True (and *ret set) when the section for bench names id itself. */
bool moat_policy_comply_explicit(const struct moat_policy *policy, const char *bench,
				 const char *id, enum moat_policy_action *ret);
/* The action for check id when a local file (may be NULL) and the console's
 * compliance policies (moat_policy_comply_from_console) both speak: the
 * local file when it has comply.BENCH (its default covers every check),
 * each console policy for the checks it names; the strictest of those that
 * speak wins (off < alert < block); alert when none does. */
enum moat_policy_action moat_policy_comply_merged(const struct moat_policy *local,
						  struct moat_policy *const *console, size_t n,
						  const char *bench, const char *id);
/* True when the policy's scope narrows it (images, namespaces, labels). */
bool moat_policy_scoped(const struct moat_policy *policy);

/* Decide on w. verdicts may be NULL (no image knowledge: unscanned).
 * dry_run: no side effects (no scans are queued). Reasons and warnings come
 * from arena. Returns 0 (decision filled), MOAT_E_LIMIT when the arena is
 * full. Errors from the verdict source become a decision per the failure
 * mode, never a return value. */
int moat_policy_decide(const struct moat_policy *policy, const struct moat_workload *w,
		       const struct moat_verdict_source *verdicts, bool dry_run,
		       struct moat_arena *arena, struct moat_decision *ret);

/* Add add's reasons and warnings to into (those into already has, same
 * rule, container and message, once), and its failed_open flag;
 * into->allow is false once it has a reason. The messages stay where they
 * are (arena). 0 or MOAT_E_LIMIT. */
int moat_decision_merge(struct moat_decision *into, const struct moat_decision *add,
			struct moat_arena *arena);

/*
 * The console's policies (policy-console.c; the answer of GET
 * /api/v1/defenders/self/policy?producer=admission, {"etag","policies":[
 * {id, kind, name, enabled, mode, rules}]}) as policies of this engine, one
 * per enabled policy of kind admission, trusted-images or vulnerability,
 * and of kind compliance that speaks for benchmark k8s (the comply.k8s
 * section of moat_policy_comply_from_console; others are skipped): every rule off but those the console policy turns
 * on, at block (mode block) or alert (mode alert); its scope (images,
 * namespaces, labels "k=v") as the policy's scope; its vulnerability
 * thresholds (severity, max_severity, fixable_only, max_risk, ignore) as
 * fail_on, fail_on_fixable, fail_on_risk, ignore with the rule
 * `vulnerabilities` on. base supplies the admission: settings (failure
 * mode, scans). A policy that cannot be read is MOAT_E_FORMAT naming it,
 * and nothing is returned. *ret (n policies) is freed with
 * moat_policy_list_free.
 */
int moat_policy_from_console(const json_t *doc, const struct moat_policy *base,
			     struct moat_policy ***ret, size_t *ret_n, struct moat_error *err);
void moat_policy_list_free(struct moat_policy **list, size_t n);
/*
 * The console's compliance policies for one benchmark (docker, k8s, node;
 * the answer of GET /api/v1/compliance/policies, or the one above): one
 * policy per enabled policy of kind compliance whose rules.benchmark is
 * bench or absent, with comply.BENCH naming each check it speaks for: the
 * checks its rules.checks globs match (every check without that key) at
 * rules.action (else its mode), those its rules.disable globs match off;
 * default off (it says nothing of the others); its scope as the policy's
 * scope. A glob that matches no check of bench is skipped (a newer
 * console's check). templates (may be NULL) gets the first template a
 * policy names ("" without). Errors as moat_policy_from_console; the
 * webhook's translation (kind compliance, bench k8s) is this one.
 */
int moat_policy_comply_from_console(const json_t *doc, const char *bench,
				    struct moat_policy ***ret, size_t *ret_n, char *templates,
				    size_t templates_len, struct moat_error *err);
/* True when glob matches a check id of bench (docker, k8s, node; NULL: any
 * of them): the console refuses a policy naming no check it has. */
bool moat_policy_comply_glob_known(const char *bench, const char *glob);
/* The vulnerability threshold keys of p as a policy document (what `moat
 * scan --policy` needs to decide an image verdict); new reference. */
json_t *moat_policy_gate_doc(const struct moat_policy *p);

/* One line "rule: msg; rule: msg" of the reasons (or warnings), for
 * Docker's Msg and Kubernetes' status.message; from arena. */
const char *moat_decision_summary(const struct moat_decision *d, bool warnings,
				  struct moat_arena *arena);

/* Parse "critical,high" into a mask with bit (rank + 1) per severity
 * ("unknown" is bit 0). 0 or -EINVAL. */
int moat_policy_severity_list(const char *list, unsigned *ret_mask);
/* The same from a JSON string or array of severity words. */
int moat_policy_severity_mask(const json_t *v, unsigned *ret_mask);

/* Lexically clean a path into out as an absolute one ("a/./b/../c//" ->
 * "/a/c"; ".." stops at "/"), as the engines clean mount sources. */
void moat_policy_path_clean(const char *path, char *out, size_t len);

/* Image reference parts as Docker reads them: registry ("docker.io" when
 * none), repository with "library/" for official images, tag, digest. */
struct moat_image_ref {
	char registry[256];
	char repo[512];
	char tag[128];
	char digest[80];
};
int moat_image_ref_parse(const char *ref, struct moat_image_ref *ret);

#endif
