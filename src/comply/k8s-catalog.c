/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-catalog.c - the Kubernetes manifest check table: ids, severities, the
 * Pod Security Standards control, CIS Kubernetes 1.9 id, kube-linter check
 * and kubescape regolibrary rule each one corresponds to. docs/k8s-checks.md
 * documents each row; tests/unit/k8s_test.c keeps the two in step.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "controls.h"
#include "k8s-int.h"
#include "moat/error.h"

#define P(x) "pss:" x
#define C(x) "cis-k8s:" x
#define L(x) "kube-linter:" x
#define K(x) "kubescape:" x
#define BASE "baseline"
#define REST "restricted"
#define W MOAT_K8S_WORKLOAD
#define ROLE MOAT_K8S_RBAC_ROLE
#define BIND MOAT_K8S_RBAC_BINDING
#define SA MOAT_K8S_SERVICE_ACCOUNT

static const struct moat_k8s_check checks[] = {
	{{"MOAT-K8S-001", "critical", "Privileged container",
	  "Remove securityContext.privileged or set it to false; grant single capabilities instead.",
	  {P("baseline/privileged"), C("5.2.2"), L("privileged-container"),
	   K("rule-privileged-container")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-002", "high", "Pod shares the host PID namespace",
	  "Remove hostPID: true.",
	  {P("baseline/host-namespaces"), C("5.2.3"), L("host-pid"), K("host-pid-privileges")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-003", "high", "Pod shares the host IPC namespace",
	  "Remove hostIPC: true.",
	  {P("baseline/host-namespaces"), C("5.2.4"), L("host-ipc"), K("host-ipc-privileges")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-004", "high", "Pod shares the host network namespace",
	  "Remove hostNetwork: true; expose the pod through a Service.",
	  {P("baseline/host-namespaces"), C("5.2.5"), L("host-network"),
	   K("host-network-access")}},
	 BASE, "pod-security", W, MOAT_T_NET | MOAT_T_PRIV},
	{{"MOAT-K8S-005", "high", "allowPrivilegeEscalation set to true",
	  "Set securityContext.allowPrivilegeEscalation: false.",
	  {P("restricted/privilege-escalation"), C("5.2.6"), L("privilege-escalation-container")}},
	 REST, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-006", "medium", "allowPrivilegeEscalation not set to false",
	  "Set securityContext.allowPrivilegeEscalation: false on every container.",
	  {P("restricted/privilege-escalation"), C("5.2.6"), K("rule-allow-privilege-escalation")}},
	 REST, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-007", "medium", "Container may run as root (runAsNonRoot not true)",
	  "Set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser.",
	  {P("restricted/running-as-non-root"), C("5.2.7"), L("run-as-non-root"),
	   K("non-root-containers")}},
	 REST, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-008", "high", "runAsUser is 0 (root)",
	  "Set runAsUser to a non-zero UID.",
	  {P("restricted/running-as-non-root-user"), C("5.2.7"), L("run-as-non-root"),
	   K("non-root-containers")}},
	 REST, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-009", "medium", "runAsGroup is 0 (root group)",
	  "Set runAsGroup to a non-zero GID.",
	  {L("run-as-non-root"), K("non-root-containers")}},
	 NULL, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-010", "high", "hostPath volume",
	  "Use emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead of hostPath.",
	  {P("baseline/hostpath-volumes"), C("5.2.12"), K("alert-any-hostpath")}},
	 BASE, "pod-security", W, MOAT_T_PRIV | MOAT_T_FILES},
	{{"MOAT-K8S-011", "high", "hostPath mounted writable",
	  "Mount host paths with readOnly: true, or not at all.",
	  {P("baseline/hostpath-volumes"), L("writable-host-mount"), K("alert-rw-hostpath")}},
	 BASE, "pod-security", W, MOAT_T_PRIV | MOAT_T_FILES},
	{{"MOAT-K8S-012", "critical", "Container runtime socket mounted",
	  "Never mount docker.sock, containerd.sock or crio.sock into a pod.",
	  {P("baseline/hostpath-volumes"), L("docker-sock"), K("containers-mounting-docker-socket")}},
	 BASE, "pod-security", W, MOAT_T_ACCESS | MOAT_T_PRIV},
	{{"MOAT-K8S-013", "medium", "hostPort used",
	  "Remove hostPort; use a Service (NodePort or LoadBalancer) instead.",
	  {P("baseline/host-ports"), C("5.2.13"), K("container-hostPort")}},
	 BASE, "pod-security", W, MOAT_T_NET},
	{{"MOAT-K8S-014", "low", "Container port below 1024",
	  "Listen on an unprivileged port (1024 and above) and map it in the Service.",
	  {L("privileged-ports")}},
	 NULL, "pod-security", W, MOAT_T_NET | MOAT_T_SERVICES},
	{{"MOAT-K8S-015", "high", "Capability added beyond the baseline set",
	  "Add only capabilities of the PSS baseline default set, and only those the process needs.",
	  {P("baseline/capabilities"), C("5.2.9")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-016", "critical", "Dangerous capability added (SYS_ADMIN, NET_ADMIN, ALL, ...)",
	  "Remove the capability from securityContext.capabilities.add.",
	  {P("baseline/capabilities"), C("5.2.9"), K("insecure-capabilities")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-017", "medium", "Capabilities not dropping ALL",
	  "Set securityContext.capabilities.drop: [\"ALL\"] and add back only NET_BIND_SERVICE.",
	  {P("restricted/capabilities"), C("5.2.9"), K("psp-required-drop-capabilities")}},
	 REST, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-018", "medium", "Capability other than NET_BIND_SERVICE added",
	  "Restricted pods may add NET_BIND_SERVICE only.",
	  {P("restricted/capabilities"), C("5.2.9")}},
	 REST, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-019", "medium", "NET_RAW not dropped",
	  "Drop NET_RAW (or ALL) in securityContext.capabilities.drop.",
	  {C("5.2.8"), L("drop-net-raw-capability"), K("drop-capability-netraw")}},
	 NULL, "pod-security", W, MOAT_T_PRIV | MOAT_T_NET},
	{{"MOAT-K8S-020", "medium", "Root filesystem is writable",
	  "Set securityContext.readOnlyRootFilesystem: true; mount emptyDir where writes are needed.",
	  {L("no-read-only-root-fs"), K("immutable-container-filesystem")}},
	 NULL, "pod-security", W, MOAT_T_PRIV | MOAT_T_FILES},
	{{"MOAT-K8S-021", "high", "seccomp profile Unconfined",
	  "Use seccompProfile type RuntimeDefault or Localhost.",
	  {P("baseline/seccomp"), C("5.7.2")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-022", "medium", "No seccomp profile (RuntimeDefault or Localhost)",
	  "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.",
	  {P("restricted/seccomp"), C("5.7.2"), K("set-seccomp-profile"),
	   K("set-seccomp-profile-RuntimeDefault")}},
	 REST, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-023", "high", "AppArmor profile unconfined",
	  "Use the runtime/default AppArmor profile or a localhost profile.",
	  {P("baseline/apparmor")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-024", "high", "SELinux options outside the allowed set",
	  "Set only seLinuxOptions.type container_t/container_init_t/container_kvm_t/"
	  "container_engine_t and level; never user or role.",
	  {P("baseline/selinux")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-025", "high", "procMount is not Default",
	  "Remove securityContext.procMount or set it to Default.",
	  {P("baseline/proc-mount-type"), L("unsafe-proc-mount"), K("set-procmount-default")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-026", "high", "Unsafe sysctl",
	  "Set only the sysctls of the PSS safe set in securityContext.sysctls.",
	  {P("baseline/sysctls"), K("set-sysctls-params")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-027", "critical", "Windows HostProcess container",
	  "Remove windowsOptions.hostProcess: true.",
	  {P("baseline/hostprocess"), K("set-hostprocess-true")}},
	 BASE, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-028", "medium", "Volume type not allowed by the restricted level",
	  "Use configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected "
	  "or secret volumes.",
	  {P("restricted/volume-types")}},
	 REST, "pod-security", W, MOAT_T_PRIV | MOAT_T_FILES},
	{{"MOAT-K8S-030", "low", "No CPU request",
	  "Set resources.requests.cpu.",
	  {C("5.7.1"), L("unset-cpu-requirements"), K("resources-cpu-requests")}},
	 NULL, "resources", W, MOAT_T_RESOURCE},
	{{"MOAT-K8S-031", "low", "No CPU limit",
	  "Set resources.limits.cpu.",
	  {C("5.7.1"), K("resources-cpu-limits")}},
	 NULL, "resources", W, MOAT_T_RESOURCE},
	{{"MOAT-K8S-032", "low", "No memory request",
	  "Set resources.requests.memory.",
	  {C("5.7.1"), K("resources-memory-requests")}},
	 NULL, "resources", W, MOAT_T_RESOURCE},
	{{"MOAT-K8S-033", "medium", "No memory limit",
	  "Set resources.limits.memory.",
	  {C("5.7.1"), L("unset-memory-requirements"), K("resources-memory-limits")}},
	 NULL, "resources", W, MOAT_T_RESOURCE},
	{{"MOAT-K8S-040", "medium", "Image tag latest or no tag",
	  "Name a version tag or, better, a digest (@sha256:...).",
	  {L("latest-tag")}},
	 NULL, "images", W, MOAT_T_IMAGE | MOAT_T_INVENTORY},
	{{"MOAT-K8S-041", "low", "Image not pinned by a valid digest",
	  "Reference the image by digest (name@sha256:...) so every node runs the same bytes.",
	  {K("image-not-pinned-to-digest")}},
	 NULL, "images", W, MOAT_T_IMAGE | MOAT_T_INVENTORY},
	{{"MOAT-K8S-042", "low", "imagePullPolicy is not Always",
	  "Set imagePullPolicy: Always (with the AlwaysPullImages admission plugin).",
	  {C("1.2.11"), K("image-pull-policy-is-not-set-to-always")}},
	 NULL, "images", W, MOAT_T_ACCESS | MOAT_T_VULN},
	{{"MOAT-K8S-043", "high", "Secret in a literal environment variable",
	  "Move the value into a Secret and mount it as a file.",
	  {C("5.4.1"), L("env-var-secret"), K("rule-credentials-in-env-var")}},
	 NULL, "secrets", W, MOAT_T_SECRETS},
	{{"MOAT-K8S-044", "low", "Secret read into an environment variable",
	  "Mount the Secret as a file instead of secretKeyRef in env.",
	  {C("5.4.1"), L("read-secret-from-env-var"), K("rule-secrets-in-env-var")}},
	 NULL, "secrets", W, MOAT_T_SECRETS},
	{{"MOAT-K8S-045", "low", "Environment variable defined twice",
	  "Keep one definition per variable name.",
	  {L("duplicate-env-var"), K("duplicate-env-var")}},
	 NULL, "hygiene", W, MOAT_T_CONFIG},
	{{"MOAT-K8S-046", "medium", "sudo in the container command",
	  "Do not run sudo in a container; run as the needed user.",
	  {K("sudo-in-container-entrypoint")}},
	 NULL, "pod-security", W, MOAT_T_PRIV},
	{{"MOAT-K8S-050", "medium", "Service account token mounted automatically",
	  "Set automountServiceAccountToken: false unless the pod calls the API server.",
	  {C("5.1.6"), K("automount-service-account")}},
	 NULL, "service-accounts", W, MOAT_T_ACCESS | MOAT_T_SECRETS},
	{{"MOAT-K8S-051", "medium", "Pod uses the default service account",
	  "Create a service account for the workload and set serviceAccountName.",
	  {C("5.1.5"), L("default-service-account")}},
	 NULL, "service-accounts", W, MOAT_T_ACCESS},
	{{"MOAT-K8S-052", "low", "Deprecated serviceAccount field",
	  "Use serviceAccountName.",
	  {L("deprecated-service-account-field"), K("deprecated-service-account-field")}},
	 NULL, "service-accounts", W, MOAT_T_CONFIG},
	{{"MOAT-K8S-053", "medium", "ServiceAccount mounts its token automatically",
	  "Set automountServiceAccountToken: false on the ServiceAccount.",
	  {C("5.1.6")}},
	 NULL, "service-accounts", SA, MOAT_T_ACCESS | MOAT_T_SECRETS},
	{{"MOAT-K8S-054", "medium", "Object in the default namespace",
	  "Create a namespace per application and deploy there.",
	  {C("5.7.4"), L("use-namespace"), K("pods-in-default-namespace")}},
	 NULL, "namespaces", MOAT_K8S_ANY, MOAT_T_SEGMENT},
	{{"MOAT-K8S-055", "low", "Bare pod (no controller)",
	  "Run pods from a Deployment, StatefulSet, DaemonSet or Job.",
	  {K("naked-pods")}},
	 NULL, "hygiene", W, MOAT_T_RESOURCE},
	{{"MOAT-K8S-056", "low", "No liveness probe",
	  "Add a livenessProbe so a hung container is restarted.",
	  {L("no-liveness-probe"), K("configured-liveness-probe")}},
	 NULL, "probes", W, MOAT_T_RESOURCE},
	{{"MOAT-K8S-057", "low", "No readiness probe",
	  "Add a readinessProbe so traffic reaches only ready containers.",
	  {L("no-readiness-probe"), K("configured-readiness-probe")}},
	 NULL, "probes", W, MOAT_T_RESOURCE},
	{{"MOAT-K8S-060", "high", "RBAC rule with a wildcard",
	  "Name apiGroups, resources and verbs explicitly.",
	  {C("5.1.3"), L("wildcard-in-rules")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS},
	{{"MOAT-K8S-061", "high", "RBAC role can read secrets",
	  "Remove get, list and watch on secrets, or limit them with resourceNames.",
	  {C("5.1.2"), L("access-to-secrets"), K("rule-can-list-get-secrets-v1")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS | MOAT_T_SECRETS},
	{{"MOAT-K8S-062", "high", "RBAC role can create pods",
	  "Remove create on pods (and workload controllers) from the role.",
	  {C("5.1.4"), L("access-to-create-pods"), K("rule-can-create-pod")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS | MOAT_T_PRIV},
	{{"MOAT-K8S-063", "high", "RBAC role can exec or attach into pods",
	  "Remove pods/exec and pods/attach from the role.",
	  {K("exec-into-container-v1")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS},
	{{"MOAT-K8S-064", "critical", "RBAC role can escalate, bind or impersonate",
	  "Remove the escalate, bind and impersonate verbs.",
	  {C("5.1.8"), K("rule-can-bind-escalate"), K("rule-can-impersonate-users-groups-v1")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS},
	{{"MOAT-K8S-065", "high", "RBAC role can reach nodes/proxy",
	  "Remove access to the nodes/proxy subresource.",
	  {C("5.1.10"), K("rule-can-access-proxy-subresource")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS | MOAT_T_NODE},
	{{"MOAT-K8S-066", "high", "RBAC role can create service account tokens",
	  "Remove create on serviceaccounts/token.",
	  {C("5.1.13"), K("rule-can-create-service-account-token")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS | MOAT_T_SECRETS},
	{{"MOAT-K8S-067", "high", "RBAC role can change admission webhooks",
	  "Remove write access to validating/mutating webhook configurations.",
	  {C("5.1.12"), K("rule-can-modify-admission-webhooks")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS | MOAT_T_CONFIG},
	{{"MOAT-K8S-068", "high", "RBAC role can approve certificate signing requests",
	  "Remove update on certificatesigningrequests/approval and approve on signers.",
	  {C("5.1.11"), K("rule-can-approve-cert-signing-request")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS | MOAT_T_CRYPTO | MOAT_T_NODE},
	{{"MOAT-K8S-069", "medium", "RBAC role can create persistent volumes",
	  "Remove create on persistentvolumes (hostPath PVs reach the node).",
	  {C("5.1.9"), K("rule-can-create-pv")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS | MOAT_T_PRIV},
	{{"MOAT-K8S-070", "medium", "RBAC role can port-forward into pods",
	  "Remove create on pods/portforward.",
	  {K("rule-can-portforward-v1")}},
	 NULL, "rbac", ROLE, MOAT_T_ACCESS | MOAT_T_NET},
	{{"MOAT-K8S-071", "critical", "Binding to cluster-admin",
	  "Bind a role with the permissions the subject needs, not cluster-admin.",
	  {C("5.1.1"), L("cluster-admin-role-binding"), K("cluster-admin-role")}},
	 NULL, "rbac", BIND, MOAT_T_ACCESS},
	{{"MOAT-K8S-072", "critical", "Binding grants rights to anonymous or all authenticated users",
	  "Remove system:anonymous, system:unauthenticated and system:authenticated subjects.",
	  {C("5.1.1"), K("system-authenticated-allowed-to-take-over-cluster")}},
	 NULL, "rbac", BIND, MOAT_T_ACCESS},
	{{"MOAT-K8S-073", "high", "Binding to the system:masters group",
	  "Do not bind system:masters; it bypasses RBAC.",
	  {C("5.1.7")}},
	 NULL, "rbac", BIND, MOAT_T_ACCESS},
	{{"MOAT-K8S-074", "medium", "Binding grants a role to a default service account",
	  "Bind roles to dedicated service accounts, not default.",
	  {C("5.1.5"), K("ensure-default-service-accounts-has-only-default-roles")}},
	 NULL, "rbac", BIND, MOAT_T_ACCESS},
};

const struct moat_k8s_check *moat_k8s_checks(size_t *ret_n)
{
	*ret_n = sizeof(checks) / sizeof(checks[0]);
	return checks;
}

const struct moat_k8s_check *moat_k8s_check_find(const char *id)
{
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (!strcmp(checks[i].info.id, id))
			return &checks[i];
	return NULL;
}

/* The node checks (k8s-node.c) and their themes: file modes and owners are
 * FILES (kubeconfigs also ACCESS: reading one is acting as its user; PKI
 * and CA files CRYPTO), API server and kubelet authentication and
 * authorization ACCESS, certificates and TLS CRYPTO, what lets nodes and
 * the control plane trust each other NODE, audit logs AUDIT/LOG.
 * docs/k8s-checks.md lists each row with its controls. */
#define NF MOAT_T_FILES
#define NA MOAT_T_ACCESS
#define NC MOAT_T_CRYPTO
#define NN MOAT_T_NODE
static const struct moat_k8s_node_check node_checks[] = {
	{"1.1.1", NF}, {"1.1.2", NF}, {"1.1.3", NF}, {"1.1.4", NF}, {"1.1.5", NF},
	{"1.1.6", NF}, {"1.1.7", NF}, {"1.1.8", NF},
	{"1.1.11", NF | MOAT_T_SECRETS},	/* etcd holds every Secret */
	{"1.1.13", NF | NA}, {"1.1.14", NF | NA}, {"1.1.15", NF | NA}, {"1.1.16", NF | NA},
	{"1.1.17", NF | NA}, {"1.1.18", NF | NA},
	{"1.1.19", NF | NC}, {"1.1.20", NF | NC}, {"1.1.21", NF | NC},
	{"1.2.1", NA},
	{"1.2.2", NA | MOAT_T_SECRETS},		/* static tokens in a file */
	{"1.2.4", NC | NN}, {"1.2.5", NC | NN},
	{"1.2.6", NA}, {"1.2.7", NA | NN}, {"1.2.8", NA},
	{"1.2.9", MOAT_T_RESOURCE},		/* EventRateLimit */
	{"1.2.10", NA | MOAT_T_CONFIG},		/* AlwaysAdmit skips admission control */
	{"1.2.11", NA | MOAT_T_VULN},		/* as MOAT-K8S-042 */
	{"1.2.12", NA},
	{"1.2.13", MOAT_T_SEGMENT},		/* NamespaceLifecycle */
	{"1.2.14", NA | NN},			/* NodeRestriction */
	{"1.2.15", MOAT_T_SERVICES},
	{"1.2.16", MOAT_T_AUDIT | MOAT_T_LOG},
	{"1.2.17", MOAT_T_LOG}, {"1.2.18", MOAT_T_LOG}, {"1.2.19", MOAT_T_LOG},
	{"1.2.21", NA}, {"1.2.22", NC | NA}, {"1.2.23", NC}, {"1.2.24", NC},
	{"1.2.25", NC | NA}, {"1.2.26", NC},
	{"1.2.27", MOAT_T_SECRETS},		/* Secrets encrypted at rest in etcd */
	{"1.2.29", NC},
	{"1.3.1", MOAT_T_RESOURCE}, {"1.3.2", MOAT_T_SERVICES}, {"1.3.3", NA},
	{"1.3.4", NC | NA}, {"1.3.5", NC}, {"1.3.6", NC | NN},
	{"1.3.7", MOAT_T_NET | MOAT_T_SERVICES},
	{"1.4.1", MOAT_T_SERVICES}, {"1.4.2", MOAT_T_NET | MOAT_T_SERVICES},
	{"2.1", NC}, {"2.2", NC | NA}, {"2.3", NC}, {"2.4", NC}, {"2.5", NC | NA}, {"2.6", NC},
	{"4.1.1", NF}, {"4.1.2", NF}, {"4.1.3", NF | NA}, {"4.1.4", NF | NA},
	{"4.1.5", NF | NA}, {"4.1.6", NF | NA}, {"4.1.7", NF | NC}, {"4.1.8", NF | NC},
	{"4.1.9", NF}, {"4.1.10", NF},
	{"4.2.1", NA | NN}, {"4.2.2", NA | NN}, {"4.2.3", NC | NN},
	{"4.2.4", NA | MOAT_T_SERVICES},	/* the unauthenticated read-only port */
	{"4.2.5", MOAT_T_RESOURCE},		/* idle streams: CIS's reason is denial of service */
	{"4.2.6", MOAT_T_NET},
	{"4.2.9", NC}, {"4.2.10", NC | NN}, {"4.2.11", NC | NN}, {"4.2.12", NC},
	{"4.2.13", MOAT_T_RESOURCE},
};

const struct moat_k8s_node_check *moat_k8s_node_checks(size_t *ret_n)
{
	*ret_n = sizeof(node_checks) / sizeof(node_checks[0]);
	return node_checks;
}

const struct moat_k8s_node_check *moat_k8s_node_check_find(const char *id)
{
	for (size_t i = 0; id && i < sizeof(node_checks) / sizeof(node_checks[0]); i++)
		if (!strcmp(node_checks[i].id, id))
			return &node_checks[i];
	return NULL;
}

/* One result line per check; evidence names the first findings. */
static int result_of(const struct moat_k8s_scan *s, const struct moat_k8s_check *c,
		     struct moat_arena *arena, struct moat_k8s_result *r)
{
	static const char *const scope_what[] = {"workloads", "Roles or ClusterRoles",
						 "RoleBindings or ClusterRoleBindings",
						 "ServiceAccounts", "namespaced objects"};
	size_t n = 0, k = 0;
	char ev[2048];
	size_t used = 0;

	*r = (struct moat_k8s_result){.id = c->info.id, .title = c->info.title,
				      .remediation = c->info.remediation, .themes = c->themes,
				      .level = c->pss ? c->pss
						      : (!strcmp(c->info.severity, "low") ? "L2"
											  : "L1")};
	for (size_t i = 0; i < 4 && c->info.references[i]; i++)
		r->controls[i] = c->info.references[i];
	for (size_t i = 0; i < s->n_items; i++)
		n += s->items[i].check == c;
	r->findings = n ? moat_arena_calloc(arena, n, sizeof(void *)) : NULL;
	if (n && !r->findings)
		return -ENOMEM;
	ev[0] = 0;
	for (size_t i = 0; i < s->n_items; i++) {
		const struct moat_k8s_finding *f = &s->items[i];

		if (f->check != c)
			continue;
		r->findings[k++] = f;
		if (k <= 3 && used < sizeof(ev))
			used += (size_t)snprintf(ev + used, sizeof(ev) - used, "%s%s:%u %s/%s %s",
						 k > 1 ? "; " : "", f->file, f->line, f->kind,
						 f->name, f->path);
	}
	r->n_findings = n;
	if (n > 3 && used < sizeof(ev))
		snprintf(ev + used, sizeof(ev) - used, "; and %zu more", n - 3);
	if (n) {
		r->result = "WARN";
		r->evidence = moat_arena_strdup(arena, ev);
	} else if (s->scope_count[c->scope]) {
		r->result = "PASS";
		r->evidence = moat_arena_printf(arena, "%zu %s checked", s->scope_count[c->scope],
						scope_what[c->scope]);
	} else {
		r->result = "INFO";
		r->evidence = moat_arena_printf(arena, "no %s in the input", scope_what[c->scope]);
	}
	return r->evidence ? 0 : -ENOMEM;
}

int moat_k8s_results(const struct moat_k8s_scan *s, struct moat_arena *arena,
		     struct moat_k8s_result **ret, size_t *ret_n, struct moat_error *err)
{
	size_t n = sizeof(checks) / sizeof(checks[0]);
	struct moat_k8s_result *res = moat_arena_calloc(arena, n, sizeof(*res));

	for (size_t i = 0; res && i < n; i++)
		if (result_of(s, &checks[i], arena, &res[i]) < 0)
			res = NULL;
	if (!res)
		return moat_error_set(err, -ENOMEM, "kubernetes: out of memory");
	*ret = res;
	*ret_n = n;
	return 0;
}
