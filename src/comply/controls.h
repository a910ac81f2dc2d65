/* SPDX-License-Identifier: Apache-2.0 */
/*
 * controls.h - the controls of the compliance frameworks moat maps its
 * checks to (NIST SP 800-190 section 4, PCI DSS 4.0, the HIPAA Security
 * Rule, GDPR), shared by every benchmark: CIS Docker (cis-catalog.c), the
 * Kubernetes manifest and node checks (k8s-catalog.c).
 *
 * A check is tagged with themes (what it is about: least privilege,
 * network separation, TLS, ...); a control lists the themes it covers, so a
 * check serves every control one of its themes is listed for. The theme
 * and control tables are documented in docs/comply.md; each benchmark's
 * doc lists its checks' themes.
 */
#ifndef MOAT_COMPLY_CONTROLS_H
#define MOAT_COMPLY_CONTROLS_H

#include <stdbool.h>
#include <stddef.h>

/* Themes: what a check is about; controls pick checks by theme. */
enum {
	MOAT_T_AUDIT = 1u << 0,	   /* audit records of changes (rules on files, API audit log) */
	MOAT_T_ACCESS = 1u << 1,   /* who controls the engine or the cluster: authn, authz, RBAC */
	MOAT_T_NET = 1u << 2,	   /* network separation and exposure */
	MOAT_T_CRYPTO = 1u << 3,   /* TLS, certificates, registry transport */
	MOAT_T_PRIV = 1u << 4,	   /* least privilege, isolation from the host */
	MOAT_T_RESOURCE = 1u << 5, /* limits and availability */
	MOAT_T_CONFIG = 1u << 6,   /* the platform's secure configuration */
	MOAT_T_FILES = 1u << 7,	   /* ownership and modes of the platform's files */
	MOAT_T_IMAGE = 1u << 8,	   /* image provenance and integrity */
	MOAT_T_VULN = 1u << 9,	   /* patching */
	MOAT_T_SECRETS = 1u << 10, /* credentials: in images, in manifests, at rest */
	MOAT_T_LOG = 1u << 11,	   /* logging */
	MOAT_T_INVENTORY = 1u << 12, /* what runs, what is kept, which version */
	MOAT_T_HOST = 1u << 13,	     /* host hardening */
	MOAT_T_IMGCONF = 1u << 14,   /* image configuration defects */
	MOAT_T_SERVICES = 1u << 15,  /* unneeded services and ports */
	MOAT_T_SEGMENT = 1u << 16, /* workloads of different sensitivity kept apart (namespaces) */
	MOAT_T_NODE = 1u << 17,	   /* orchestrator node trust: node identity, kubelet authn/z */
};

/* One control of a compliance framework. */
struct moat_control {
	const char *framework; /* "nist-800-190", "pci", "hipaa", "gdpr" */
	const char *id;	       /* "NIST-800-190:4.4.3" */
	const char *title;
	unsigned themes; /* checks with any of these themes serve it */
};

/* The controls of one framework ("nist-800-190", "pci", "hipaa", "gdpr"),
 * NULL for another name; *ret_n set. */
const struct moat_control *moat_controls(const char *framework, size_t *ret_n);
/* True when a check with these themes serves control. */
bool moat_control_serves(const struct moat_control *control, unsigned themes);
/* The control ids a check with these themes maps to, across all
 * frameworks in the order above, into out (NULL-ended, at most cap-1
 * entries; static strings). Returns the count. */
size_t moat_controls_of(unsigned themes, const char **out, size_t cap);

/* Most controls one check can map to (the size callers give out[]). */
#define MOAT_CONTROLS_MAX 64

#endif
