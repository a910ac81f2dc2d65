/* SPDX-License-Identifier: Apache-2.0 */
/*
 * misconfig.c - the check catalogue (ids, severities, references to the
 * equivalent upstream rules) and the finding list. docs/config-checks.md
 * documents each row; tests/unit/misconfig_test.c keeps the two in step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "misconfig-int.h"
#include "moat/error.h"

#define H(x) "hadolint:" x
#define T(x) "trivy:" x
#define C(x) "cis-docker:" x

static const struct moat_check_info checks[] = {
	{"MOAT-DF-001",
	 "medium",
	 "Base image not pinned to a tag or digest",
	 "Name a version tag (debian:12.5) or a digest (@sha256:...) in FROM.",
	 {H("DL3006"), T("DS001")}},
	{"MOAT-DF-002",
	 "medium",
	 "Base image uses the latest tag",
	 "Replace :latest with a version tag or a digest.",
	 {H("DL3007"), T("DS001")}},
	{"MOAT-DF-003",
	 "low",
	 "FROM --platform with a fixed value",
	 "Drop --platform or use $BUILDPLATFORM/$TARGETPLATFORM.",
	 {H("DL3029")}},
	{"MOAT-DF-004",
	 "high",
	 "Two stages with the same name",
	 "Give every FROM ... AS name a unique name.",
	 {H("DL3024"), T("DS012")}},
	{"MOAT-DF-005",
	 "medium",
	 "Reserved stage name",
	 "Do not name a stage scratch or context.",
	 {H("DL3063")}},
	{"MOAT-DF-006",
	 "high",
	 "COPY --from names no earlier stage",
	 "Define the stage before the COPY, or name an image.",
	 {H("DL3022")}},
	{"MOAT-DF-007",
	 "high",
	 "COPY --from names its own stage",
	 "Copy from an earlier stage.",
	 {H("DL3023"), T("DS006")}},
	{"MOAT-DF-008",
	 "high",
	 "Instruction before the first FROM",
	 "Only ARG (and comments) may come before FROM.",
	 {H("DL3061")}},
	{"MOAT-DF-009",
	 "high",
	 "Unknown instruction",
	 "Fix the instruction keyword; the builder rejects it.",
	 {NULL}},
	{"MOAT-DF-010",
	 "high",
	 "Last USER of a stage is root",
	 "Switch to an unprivileged user (USER app) after the steps that need root.",
	 {H("DL3002"), T("DS002"), C("4.1")}},
	{"MOAT-DF-011",
	 "medium",
	 "No USER: the image runs as root",
	 "Create a user and add USER to the final stage.",
	 {T("DS002"), C("4.1")}},
	{"MOAT-DF-012",
	 "medium",
	 "sudo in RUN",
	 "RUN already runs as root; drop sudo (and use USER to change user).",
	 {H("DL3004"), T("DS010")}},
	{"MOAT-DF-020",
	 "low",
	 "apt-get install without -y",
	 "Add -y (or --yes) so the build never waits for input.",
	 {H("DL3014"), T("DS021")}},
	{"MOAT-DF-021",
	 "low",
	 "apt-get install without --no-install-recommends",
	 "Add --no-install-recommends: fewer packages, smaller attack surface.",
	 {H("DL3015"), T("DS029")}},
	{"MOAT-DF-022",
	 "low",
	 "apt lists left in the image",
	 "End the RUN with rm -rf /var/lib/apt/lists/* (or use a cache mount).",
	 {H("DL3009")}},
	{"MOAT-DF-023",
	 "low",
	 "apt-get upgrade in the build",
	 "Use an updated base image instead of upgrading in place.",
	 {T("DS024")}},
	{"MOAT-DF-024",
	 "low",
	 "apt instead of apt-get",
	 "apt has no stable CLI for scripts; use apt-get or apt-cache.",
	 {H("DL3027")}},
	{"MOAT-DF-025",
	 "medium",
	 "Package index update alone in its RUN",
	 "Update and install in the same RUN, or a cached update installs stale packages.",
	 {T("DS017")}},
	{"MOAT-DF-026",
	 "low",
	 "apk add without --no-cache",
	 "Use apk add --no-cache.",
	 {H("DL3019"), T("DS025")}},
	{"MOAT-DF-027",
	 "low",
	 "pip install without --no-cache-dir",
	 "Add --no-cache-dir or set PIP_NO_CACHE_DIR=1.",
	 {H("DL3042")}},
	{"MOAT-DF-028",
	 "low",
	 "npm install without npm cache clean",
	 "Add npm cache clean --force in the same RUN, or use a cache mount.",
	 {NULL}},
	{"MOAT-DF-029",
	 "low",
	 "yarn install without yarn cache clean",
	 "Add yarn cache clean in the same RUN.",
	 {H("DL3060")}},
	{"MOAT-DF-030", "low", "yum install without -y", "Add -y.", {H("DL3030")}},
	{"MOAT-DF-031",
	 "low",
	 "yum cache left in the image",
	 "End the RUN with yum clean all.",
	 {H("DL3032"), T("DS015")}},
	{"MOAT-DF-032",
	 "low",
	 "dnf cache left in the image",
	 "End the RUN with dnf clean all.",
	 {H("DL3040"), T("DS019")}},
	{"MOAT-DF-033",
	 "low",
	 "zypper install without -n",
	 "Add -n (--non-interactive) or -y.",
	 {H("DL3034")}},
	{"MOAT-DF-034",
	 "low",
	 "zypper cache left in the image",
	 "End the RUN with zypper clean.",
	 {H("DL3036"), T("DS020")}},
	{"MOAT-DF-035",
	 "low",
	 "zypper dist-upgrade in the build",
	 "Use an updated base image instead.",
	 {H("DL3035")}},
	{"MOAT-DF-036",
	 "medium",
	 "SSH server or sudo installed",
	 "Do not ship sshd or sudo in an image: use docker exec and USER.",
	 {C("4.3")}},
	{"MOAT-DF-040",
	 "low",
	 "ADD for a local file that is not an archive",
	 "Use COPY; ADD only to unpack a local tar archive.",
	 {H("DL3020"), T("DS005"), C("4.9")}},
	{"MOAT-DF-041",
	 "medium",
	 "ADD from a URL",
	 "Download with curl/wget and verify a checksum, or ADD --checksum=sha256:...",
	 {C("4.9")}},
	{"MOAT-DF-042",
	 "high",
	 "Remote script piped into a shell",
	 "Download the script, verify its checksum or signature, then run it.",
	 {NULL}},
	{"MOAT-DF-043",
	 "low",
	 "Both wget and curl in one stage",
	 "Use one download tool.",
	 {H("DL4001"), T("DS014")}},
	{"MOAT-DF-044",
	 "low",
	 "Pipe in RUN without pipefail",
	 "Use SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] so a failing download fails the "
	 "build.",
	 {H("DL4006")}},
	{"MOAT-DF-045",
	 "high",
	 "TLS certificate checks turned off",
	 "Remove -k/--insecure/--no-check-certificate/--trusted-host; fix the CA bundle instead.",
	 {NULL}},
	{"MOAT-DF-046",
	 "high",
	 "Password set during the build",
	 "Do not bake passwords into layers; lock the account or use a secret at run time.",
	 {NULL}},
	{"MOAT-DF-050",
	 "high",
	 "Secret in ENV",
	 "Pass secrets at run time or with RUN --mount=type=secret; ENV stays in the image.",
	 {C("4.10")}},
	{"MOAT-DF-051",
	 "medium",
	 "Secret passed as a build ARG",
	 "Build args are kept in the image history; use RUN --mount=type=secret.",
	 {C("4.10")}},
	{"MOAT-DF-052",
	 "critical",
	 "Credential in the Dockerfile",
	 "Remove the credential, rotate it, and pass it as a build secret.",
	 {C("4.10")}},
	{"MOAT-DF-053",
	 "medium",
	 "Secret file copied into the image",
	 "Do not COPY keys or credential files; use build secrets and .dockerignore.",
	 {C("4.10")}},
	{"MOAT-DF-060",
	 "medium",
	 "WORKDIR is a relative path",
	 "Use an absolute path in WORKDIR.",
	 {H("DL3000"), T("DS009")}},
	{"MOAT-DF-061",
	 "low",
	 "cd in RUN instead of WORKDIR",
	 "Use WORKDIR to change directory.",
	 {H("DL3003"), T("DS013")}},
	{"MOAT-DF-062",
	 "high",
	 "World-writable permissions",
	 "Grant the least permission needed (e.g. 755/644) and the right owner.",
	 {NULL}},
	{"MOAT-DF-063",
	 "medium",
	 "COPY of several sources to a non-directory",
	 "End the destination with /.",
	 {H("DL3021"), T("DS011")}},
	{"MOAT-DF-064",
	 "low",
	 "COPY to a relative path without WORKDIR",
	 "Set WORKDIR first or use an absolute destination.",
	 {H("DL3045")}},
	{"MOAT-DF-070",
	 "medium",
	 "Several CMD in one stage",
	 "Keep one CMD per stage; only the last takes effect.",
	 {H("DL4003"), T("DS016")}},
	{"MOAT-DF-071",
	 "medium",
	 "Several ENTRYPOINT in one stage",
	 "Keep one ENTRYPOINT per stage; only the last takes effect.",
	 {H("DL4004"), T("DS007")}},
	{"MOAT-DF-072",
	 "medium",
	 "Several HEALTHCHECK in one stage",
	 "Keep one HEALTHCHECK per stage; only the last takes effect.",
	 {H("DL3012"), T("DS023")}},
	{"MOAT-DF-073",
	 "low",
	 "No HEALTHCHECK",
	 "Add HEALTHCHECK so the engine can tell a hung container from a healthy one.",
	 {T("DS026"), C("4.6")}},
	{"MOAT-DF-074",
	 "low",
	 "CMD or ENTRYPOINT in shell form",
	 "Use the JSON form so the process gets signals (PID 1) and no shell is needed.",
	 {H("DL3025")}},
	{"MOAT-DF-075",
	 "high",
	 "Sensitive port exposed",
	 "Do not expose remote-administration ports (SSH, Telnet, RDP, VNC, Docker API).",
	 {T("DS004")}},
	{"MOAT-DF-076",
	 "high",
	 "EXPOSE port out of range",
	 "Ports are 0-65535.",
	 {H("DL3011"), T("DS008")}},
	{"MOAT-DF-077",
	 "low",
	 "MAINTAINER is deprecated",
	 "Use LABEL org.opencontainers.image.authors=...",
	 {H("DL4000"), T("DS022")}},
	{"MOAT-DF-078",
	 "high",
	 "ONBUILD with ONBUILD, FROM or MAINTAINER",
	 "These cannot be triggers; remove them.",
	 {H("DL3043")}},
	{"MOAT-DF-079",
	 "low",
	 "Interactive or host command in RUN",
	 "ssh, vim, shutdown, service, ps, free, top, kill, mount, ifconfig make no sense in a "
	 "build.",
	 {H("DL3001")}},
	{"MOAT-DF-080",
	 "low",
	 "useradd with a high UID without -l",
	 "Add -l (--no-log-init): a large UID bloats /var/log/faillog and lastlog.",
	 {H("DL3046")}},
	{"MOAT-IMG-001",
	 "high",
	 "Image runs as root",
	 "Set USER to an unprivileged user in the image.",
	 {T("DS002"), C("4.1")}},
	{"MOAT-IMG-002",
	 "high",
	 "Image exposes a sensitive port",
	 "Do not expose remote-administration ports.",
	 {T("DS004")}},
	{"MOAT-IMG-003",
	 "low",
	 "Image has no HEALTHCHECK",
	 "Add HEALTHCHECK to the image.",
	 {T("DS026"), C("4.6")}},
	{"MOAT-IMG-004",
	 "high",
	 "Secret in the image environment",
	 "Remove the variable from the image; pass it at run time.",
	 {C("4.10")}},
	{"MOAT-IMG-005",
	 "medium",
	 "Base image tag is latest or missing",
	 "Build from a versioned base image tag or digest.",
	 {H("DL3007"), T("DS001")}},
	{"MOAT-IMG-010",
	 "high",
	 "setuid or setgid file added by an application layer",
	 "Remove the setuid/setgid bit (chmod u-s,g-s) unless the program needs it.",
	 {C("4.8")}},
	{"MOAT-IMG-011",
	 "medium",
	 "World-writable file or directory",
	 "Remove write permission for others (chmod o-w), or set the sticky bit on directories.",
	 {NULL}},
	{"MOAT-IMG-012",
	 "low",
	 "Package manager cache left in the image",
	 "Clean the cache in the RUN that filled it.",
	 {H("DL3009")}},
	{"MOAT-IMG-013",
	 "high",
	 "SSH server installed",
	 "Remove openssh-server/dropbear; use docker exec.",
	 {C("4.3")}},
	{"MOAT-IMG-014",
	 "medium",
	 "sudo installed",
	 "Remove sudo; containers switch users with USER.",
	 {C("4.3")}},
};

const struct moat_check_info *moat_checks(size_t *ret_n)
{
	*ret_n = sizeof(checks) / sizeof(checks[0]);
	return checks;
}

const struct moat_check_info *moat_check_find(const char *id)
{
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (!strcmp(checks[i].id, id))
			return &checks[i];
	return NULL;
}

bool moat_check_listed(const struct moat_check_info *c, const char *list)
{
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ", \t");

		if (n == strlen(c->id) && !strncmp(p, c->id, n))
			return true;
		for (size_t r = 0; r < 4 && c->references[r]; r++)
			if (!strncmp(c->references[r], "hadolint:", 9) &&
			    strlen(c->references[r] + 9) == n &&
			    !strncmp(p, c->references[r] + 9, n))
				return true;
		p += n;
		p += strspn(p, ", \t");
	}
	return false;
}

int mc_add(struct moat_arena *arena, struct moat_misconfig_list *out,
	   const struct moat_misconfig *f)
{
	if (out->count == out->cap) {
		size_t n = out->cap ? out->cap * 2 : 16;

		out->items = moat_arena_grow(arena, out->items, out->count, n, sizeof(*out->items));
		if (!out->items) {
			out->count = out->cap = 0;
			return MOAT_E_LIMIT;
		}
		out->cap = n;
	}
	out->items[out->count++] = *f;
	return 0;
}

char *mc_vprintf(struct moat_arena *arena, const char *fmt, va_list ap)
{
	char small[512];
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return NULL;
	/* messages quote Dockerfile text: keep them readable */
	if ((size_t)n >= sizeof(small))
		memcpy(small + sizeof(small) - 4, "...", 4);
	return moat_arena_strdup(arena, small);
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int cmp(const void *a, const void *b)
{
	const struct moat_misconfig *x = a, *y = b;
	int c = strcmp(nz(x->file), nz(y->file));

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	c = strcmp(x->check->id, y->check->id);
	return c ? c : strcmp(nz(x->path), nz(y->path));
}

void moat_misconfig_sort(struct moat_misconfig_list *list)
{
	if (list->count > 1)
		qsort(list->items, list->count, sizeof(*list->items), cmp);
}
