/* SPDX-License-Identifier: Apache-2.0 */
/*
 * controls.c - the control table of the four compliance frameworks: each
 * control with the check themes it covers (controls.h). The reasons for
 * each row are in docs/comply.md ("Compliance templates").
 */
#include <string.h>

#include "controls.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct moat_control controls[] = {
	/* NIST SP 800-190, Application Container Security Guide, section 4 (risks) */
	{"nist-800-190", "NIST-800-190:4.1.1", "Image vulnerabilities", MOAT_T_VULN},
	{"nist-800-190", "NIST-800-190:4.1.2", "Image configuration defects", MOAT_T_IMGCONF},
	{"nist-800-190", "NIST-800-190:4.1.4", "Embedded clear text secrets", MOAT_T_SECRETS},
	{"nist-800-190", "NIST-800-190:4.1.5", "Use of untrusted images", MOAT_T_IMAGE},
	{"nist-800-190", "NIST-800-190:4.2.1", "Insecure connections to registries", MOAT_T_CRYPTO},
	{"nist-800-190", "NIST-800-190:4.2.2", "Stale images in registries", MOAT_T_INVENTORY},
	{"nist-800-190", "NIST-800-190:4.3.1", "Unbounded administrative access", MOAT_T_ACCESS},
	{"nist-800-190", "NIST-800-190:4.3.2", "Unauthorized access",
	 MOAT_T_ACCESS | MOAT_T_CRYPTO},
	{"nist-800-190", "NIST-800-190:4.3.3", "Poorly separated inter-container network traffic",
	 MOAT_T_NET},
	{"nist-800-190", "NIST-800-190:4.3.4", "Mixing of workload sensitivity levels",
	 MOAT_T_SEGMENT},
	{"nist-800-190", "NIST-800-190:4.3.5", "Orchestrator node trust", MOAT_T_NODE},
	{"nist-800-190", "NIST-800-190:4.4.1", "Vulnerabilities within the runtime software",
	 MOAT_T_VULN},
	{"nist-800-190", "NIST-800-190:4.4.2", "Unbounded network access from containers",
	 MOAT_T_NET | MOAT_T_SERVICES},
	{"nist-800-190", "NIST-800-190:4.4.3", "Insecure container runtime configurations",
	 MOAT_T_PRIV | MOAT_T_CONFIG | MOAT_T_RESOURCE},
	{"nist-800-190", "NIST-800-190:4.4.5", "Rogue containers", MOAT_T_INVENTORY | MOAT_T_LOG},
	{"nist-800-190", "NIST-800-190:4.5.1", "Large attack surface",
	 MOAT_T_HOST | MOAT_T_SERVICES},
	{"nist-800-190", "NIST-800-190:4.5.4", "Improper user access rights", MOAT_T_ACCESS},
	{"nist-800-190", "NIST-800-190:4.5.5", "Host OS file system tampering",
	 MOAT_T_FILES | MOAT_T_AUDIT},
	/* PCI DSS v4.0 requirements */
	{"pci", "PCI-DSS-4.0:1.3.1", "Inbound traffic to the CDE is restricted", MOAT_T_NET},
	{"pci", "PCI-DSS-4.0:2.2.1", "Configuration standards are implemented",
	 MOAT_T_CONFIG | MOAT_T_IMGCONF | MOAT_T_HOST},
	{"pci", "PCI-DSS-4.0:2.2.3", "Functions with different security levels do not interfere",
	 MOAT_T_RESOURCE | MOAT_T_SEGMENT},
	{"pci", "PCI-DSS-4.0:2.2.4", "Only necessary services, protocols and daemons are enabled",
	 MOAT_T_SERVICES},
	{"pci", "PCI-DSS-4.0:2.2.6", "System security parameters prevent misuse",
	 MOAT_T_PRIV | MOAT_T_CONFIG},
	{"pci", "PCI-DSS-4.0:2.2.7", "Non-console administrative access is encrypted",
	 MOAT_T_CRYPTO},
	{"pci", "PCI-DSS-4.0:4.2.1", "Strong cryptography protects data in transit", MOAT_T_CRYPTO},
	{"pci", "PCI-DSS-4.0:6.3.3", "Security patches are installed", MOAT_T_VULN},
	{"pci", "PCI-DSS-4.0:7.2.2", "Access is assigned on least privilege",
	 MOAT_T_ACCESS | MOAT_T_PRIV | MOAT_T_NODE},
	{"pci", "PCI-DSS-4.0:8.3.2", "Authentication factors are protected", MOAT_T_SECRETS},
	{"pci", "PCI-DSS-4.0:10.2.1", "Audit logs are enabled and active",
	 MOAT_T_AUDIT | MOAT_T_LOG},
	{"pci", "PCI-DSS-4.0:11.5.2", "A change-detection mechanism is deployed",
	 MOAT_T_AUDIT | MOAT_T_FILES | MOAT_T_IMAGE},
	{"pci", "PCI-DSS-4.0:12.5.1", "An inventory of system components is maintained",
	 MOAT_T_INVENTORY},
	/* HIPAA Security Rule, 45 CFR 164 */
	{"hipaa", "HIPAA:164.308(a)(1)(ii)(B)", "Risk management",
	 MOAT_T_CONFIG | MOAT_T_HOST | MOAT_T_SERVICES | MOAT_T_INVENTORY},
	{"hipaa", "HIPAA:164.308(a)(1)(ii)(D)", "Information system activity review",
	 MOAT_T_AUDIT | MOAT_T_LOG},
	{"hipaa", "HIPAA:164.308(a)(4)", "Information access management",
	 MOAT_T_ACCESS | MOAT_T_SEGMENT},
	{"hipaa", "HIPAA:164.308(a)(5)(ii)(B)", "Protection from malicious software",
	 MOAT_T_IMAGE | MOAT_T_VULN},
	{"hipaa", "HIPAA:164.308(a)(7)", "Contingency plan (availability)", MOAT_T_RESOURCE},
	{"hipaa", "HIPAA:164.312(a)(1)", "Access control",
	 MOAT_T_ACCESS | MOAT_T_PRIV | MOAT_T_NET},
	{"hipaa", "HIPAA:164.312(a)(2)(iv)", "Encryption and decryption", MOAT_T_SECRETS},
	{"hipaa", "HIPAA:164.312(b)", "Audit controls", MOAT_T_AUDIT | MOAT_T_LOG},
	{"hipaa", "HIPAA:164.312(c)(1)", "Integrity", MOAT_T_FILES | MOAT_T_IMAGE | MOAT_T_IMGCONF},
	{"hipaa", "HIPAA:164.312(d)", "Person or entity authentication",
	 MOAT_T_CRYPTO | MOAT_T_NODE},
	{"hipaa", "HIPAA:164.312(e)(1)", "Transmission security", MOAT_T_CRYPTO},
	/* GDPR */
	{"gdpr", "GDPR:Art.5(1)(f)", "Integrity and confidentiality",
	 MOAT_T_ACCESS | MOAT_T_CRYPTO | MOAT_T_IMAGE},
	{"gdpr", "GDPR:Art.25(2)", "Data protection by default", MOAT_T_PRIV | MOAT_T_CONFIG},
	{"gdpr", "GDPR:Art.32(1)(a)", "Encryption of personal data",
	 MOAT_T_CRYPTO | MOAT_T_SECRETS},
	{"gdpr", "GDPR:Art.32(1)(b)", "Confidentiality, integrity, availability and resilience",
	 MOAT_T_PRIV | MOAT_T_NET | MOAT_T_ACCESS | MOAT_T_FILES | MOAT_T_HOST | MOAT_T_SERVICES |
		 MOAT_T_IMGCONF | MOAT_T_SEGMENT | MOAT_T_NODE},
	{"gdpr", "GDPR:Art.32(1)(c)", "Restore availability in a timely manner", MOAT_T_RESOURCE},
	{"gdpr", "GDPR:Art.32(1)(d)", "Regular testing and evaluation",
	 MOAT_T_VULN | MOAT_T_INVENTORY},
	{"gdpr", "GDPR:Art.33", "Breach detection and notification", MOAT_T_AUDIT | MOAT_T_LOG},
};

static const char *const frameworks[] = {"nist-800-190", "pci", "hipaa", "gdpr"};

const struct moat_control *moat_controls(const char *framework, size_t *ret_n)
{
	size_t first = N(controls), n = 0;

	for (size_t i = 0; framework && i < N(controls); i++) {
		if (strcmp(controls[i].framework, framework) != 0)
			continue;
		if (first == N(controls))
			first = i;
		n++;
	}
	*ret_n = n;
	return n ? &controls[first] : NULL;
}

bool moat_control_serves(const struct moat_control *control, unsigned themes)
{
	return (control->themes & themes) != 0;
}

size_t moat_controls_of(unsigned themes, const char **out, size_t cap)
{
	size_t n = 0;

	for (size_t f = 0; f < N(frameworks); f++)
		for (size_t i = 0; i < N(controls); i++)
			if (!strcmp(controls[i].framework, frameworks[f]) &&
			    moat_control_serves(&controls[i], themes) && n + 1 < cap)
				out[n++] = controls[i].id;
	if (cap)
		out[n] = NULL;
	return n;
}
