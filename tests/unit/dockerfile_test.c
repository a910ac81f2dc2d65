/* SPDX-License-Identifier: Apache-2.0 */
/* dockerfile_test.c - the Dockerfile parser, the RUN splitter, secret shapes,
 * and the check catalogue against docs/config-checks.md. */
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/file.h"
#include "comply/df-shell.h"
#include "comply/dockerfile.h"
#include "comply/misconfig-int.h"
#include "comply/misconfig.h"
#include "detect/detect.h"
#include "harness.h"
#include "moat/error.h"

static struct moat_arena *arena;
static struct moat_error err;

static struct moat_dockerfile *parse(const char *text)
{
	struct moat_dockerfile *df = NULL;
	int r = moat_dockerfile_parse(arena, "Dockerfile", moat_slice_str(text), NULL, &df, &err);

	if (r < 0)
		printf("# parse failed: %s\n", err.msg);
	return df;
}

static int parse_err(const char *text, const struct moat_df_limits *lim)
{
	struct moat_dockerfile *df = NULL;

	memset(&err, 0, sizeof(err));
	return moat_dockerfile_parse(arena, "Dockerfile", moat_slice_str(text), lim, &df, &err);
}

static void test_dockerfile__continuation_and_comments(void)
{
	struct moat_dockerfile *df = parse("FROM debian:12\n"
					   "RUN apt-get update && \\\n"
					   "# a comment inside\n"
					   "\n"
					   "    apt-get install -y curl \\  \n"
					   "    && rm -rf /var/lib/apt/lists/*\n"
					   "  # indented comment\n"
					   "CMD [\"curl\"]\n");

	CHECK(df != NULL);
	if (!df)
		return;
	CHECK_INT(df->n_instrs, 3);
	CHECK_STR(df->instrs[1].keyword, "RUN");
	CHECK_STR(
		df->instrs[1].args,
		"apt-get update &&     apt-get install -y curl     && rm -rf /var/lib/apt/lists/*");
	CHECK_INT(df->instrs[1].line, 2);
	CHECK_INT(df->instrs[1].end_line, 6);
	CHECK_INT(df->instrs[2].line, 8);
	CHECK(df->instrs[2].json);
	CHECK_INT(df->instrs[2].argc, 1);
}

static void test_dockerfile__heredocs(void)
{
	struct moat_dockerfile *df = parse("FROM alpine:3.19\n"
					   "RUN <<EOF\n"
					   "apk add curl\n"
					   "EOF\n"
					   "COPY <<-\"END\" <<'TWO' /etc/\n"
					   "\t\tindented $HOME\n"
					   "\tEND\n"
					   "second\n"
					   "TWO\n"
					   "RUN cat <<<notaheredoc\n");

	CHECK(df != NULL);
	if (!df)
		return;
	CHECK_INT(df->n_instrs, 4);
	CHECK_INT(df->instrs[1].n_heredocs, 1);
	CHECK_STR(df->instrs[1].heredocs[0].name, "EOF");
	CHECK_STR(df->instrs[1].heredocs[0].body, "apk add curl\n");
	CHECK_INT(df->instrs[1].end_line, 4);
	CHECK_INT(df->instrs[2].n_heredocs, 2);
	CHECK(df->instrs[2].heredocs[0].strip_tabs);
	CHECK(df->instrs[2].heredocs[0].quoted);
	CHECK_STR(df->instrs[2].heredocs[0].body, "indented $HOME\n");
	CHECK_STR(df->instrs[2].heredocs[1].name, "TWO");
	CHECK_STR(df->instrs[2].heredocs[1].body, "second\n");
	CHECK_INT(df->instrs[3].line, 10);
	CHECK_INT(df->instrs[3].n_heredocs, 0);
	CHECK(parse_err("FROM a\nRUN <<EOF\nnever ends\n", NULL) == MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "Dockerfile:2: unterminated heredoc <<EOF") != NULL);
}

static void test_dockerfile__escape_directive(void)
{
	struct moat_dockerfile *df = parse("# syntax=docker/dockerfile:1.7\n"
					   "# escape=`\n"
					   "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
					   "RUN dir C:\\ `\n"
					   "    && echo done\n"
					   "WORKDIR C:\\app\n");

	CHECK(df != NULL);
	if (!df)
		return;
	CHECK_INT(df->escape, '`');
	CHECK_STR(df->syntax, "docker/dockerfile:1.7");
	CHECK_INT(df->n_instrs, 3);
	CHECK_STR(df->instrs[1].args, "dir C:\\     && echo done");
	CHECK_STR(df->instrs[2].argv[0], "C:\\app");
	/* a directive after the first instruction is a comment */
	df = parse("FROM a:1\n# escape=`\nRUN a \\\n b\n");
	CHECK(df && df->escape == '\\' && df->n_instrs == 2);
	CHECK(parse_err("# escape=x\nFROM a\n", NULL) == MOAT_E_FORMAT);
	CHECK(parse_err("# escape=`\n# escape=\\\nFROM a\n", NULL) == MOAT_E_FORMAT);
}

static void test_dockerfile__json_and_shell_forms(void)
{
	struct moat_dockerfile *df = parse("FROM a:1\n"
					   "ENTRYPOINT [\"/bin/sh\", \"-c\", \"echo \\\"hi\\\"\"]\n"
					   "CMD [not json]\n"
					   "RUN [\"a\", 1]\n"
					   "ENV A=1 B=\"two words\" C='$x'\n"
					   "ENV LEGACY some value here\n"
					   "ARG X Y=2\n"
					   "COPY --from=build --chown=1:1 a \"b c\" /d/\n");

	CHECK(df != NULL);
	if (!df)
		return;
	CHECK(df->instrs[1].json);
	CHECK_INT(df->instrs[1].argc, 3);
	CHECK_STR(df->instrs[1].argv[2], "echo \"hi\"");
	CHECK(!df->instrs[2].json);
	CHECK_STR(df->instrs[2].argv[0], "[not");
	CHECK(!df->instrs[3].json); /* an array with a number is shell form */
	CHECK_INT(df->instrs[4].n_kv, 3);
	CHECK_STR(df->instrs[4].kv[1].key, "B");
	CHECK_STR(df->instrs[4].kv[1].value, "two words");
	CHECK_STR(df->instrs[4].kv[2].value, "$x");
	CHECK_INT(df->instrs[5].n_kv, 1);
	CHECK_STR(df->instrs[5].kv[0].value, "some value here");
	CHECK_INT(df->instrs[6].n_kv, 2);
	CHECK(df->instrs[6].kv[0].value == NULL);
	CHECK_STR(moat_df_flag(&df->instrs[7], "from", NULL), "build");
	CHECK_STR(moat_df_flag(&df->instrs[7], "chown", NULL), "1:1");
	CHECK_INT(df->instrs[7].argc, 3);
	CHECK_STR(df->instrs[7].argv[1], "b c");
}

static void test_dockerfile__stages_and_args(void)
{
	struct moat_dockerfile *df =
		parse("ARG VERSION=1.22\n"
		      "ARG BASE\n"
		      "FROM --platform=$BUILDPLATFORM golang:${VERSION} AS Build\n"
		      "RUN go build\n"
		      "FROM build AS test\n"
		      "FROM ${BASE:-debian:12}\n"
		      "COPY --from=build /out /app\n"
		      "ONBUILD RUN echo later\n");

	CHECK(df != NULL);
	if (!df)
		return;
	CHECK_INT(df->n_global_args, 2);
	CHECK_INT(df->n_stages, 3);
	CHECK_STR(df->stages[0].image_expanded, "golang:1.22");
	CHECK_STR(df->stages[0].name, "build");
	CHECK_STR(df->stages[0].platform, "$BUILDPLATFORM");
	CHECK_INT(df->stages[0].count, 2);
	CHECK_INT(df->stages[1].parent, 0);
	CHECK_STR(df->stages[2].image_expanded, "debian:12");
	CHECK_INT(df->stages[2].parent, -1);
	CHECK_INT(df->instrs[0].stage, -1);
	CHECK_INT(df->instrs[6].stage, 2);
	CHECK(df->instrs[7].onbuild);
	CHECK_STR(df->instrs[7].keyword, "RUN");
}

static void test_dockerfile__expand(void)
{
	struct moat_df_kv vars[] = {{"A", "1"}, {"E", ""}, {"A", "2"}};

	CHECK_STR(moat_df_expand(arena, "$A-${A}-${B:-d}-${E:-e}-${E-f}-${A:+set}-${B:+x}", vars, 3,
				 '\\'),
		  "2-2-d-e--set-");
	CHECK_STR(moat_df_expand(arena, "\\$A ${unterminated", vars, 3, '\\'), "$A ${unterminated");
}

static void test_dockerfile__limits(void)
{
	struct moat_df_limits lim = {.instructions = 2};

	CHECK(parse_err("FROM a\nRUN b\nRUN c\n", &lim) == MOAT_E_LIMIT);
	CHECK(strstr(err.msg, "Dockerfile:3: more than 2 instructions") != NULL);
	lim = (struct moat_df_limits){.lines = 3};
	CHECK(parse_err("FROM a\n\n\n\n", &lim) == MOAT_E_LIMIT);
	lim = (struct moat_df_limits){.bytes = 8};
	CHECK(parse_err("FROM debian:12\n", &lim) == MOAT_E_LIMIT);
	CHECK(moat_dockerfile_parse(arena, "Dockerfile", moat_slice_make("FROM a\0", 7), NULL,
				    &(struct moat_dockerfile *){NULL}, &err) == MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "Dockerfile:1: NUL byte") != NULL);
}

static void test_dockerfile__shell_split(void)
{
	struct df_script sh;

	CHECK(df_shell_parse(
		      arena,
		      "DEBIAN_FRONTEND=noninteractive sudo -u root apt-get -o X=1 "
		      "install -y 'a b' && curl -fsSL https://x | bash -s -- 2>&1 >/dev/null; "
		      "echo $(wget -qO- y) # comment | not a pipe",
		      &sh) == 0);
	CHECK_INT(sh.n, 5);
	CHECK_INT(sh.cmds[0].n_env, 1);
	CHECK(df_cmd_is(&sh.cmds[0], "apt-get"));
	CHECK_STR(df_cmd_sub(&sh.cmds[0], "otc"), "install");
	CHECK(df_cmd_opt(&sh.cmds[0], "-y"));
	CHECK(df_cmd_has(&sh.cmds[0], "a b"));
	CHECK(sh.cmds[1].piped);
	CHECK(df_cmd_is(&sh.cmds[2], "bash"));
	CHECK_INT(sh.cmds[2].argc, 3); /* bash -s -- : the redirections are gone */
	CHECK(df_cmd_is(&sh.cmds[4], "wget"));
}

static void test_dockerfile__secret_shapes(void)
{
	CHECK(mc_secret_name("DB_PASSWORD"));
	CHECK(mc_secret_name("AWS_SECRET_ACCESS_KEY"));
	CHECK(mc_secret_name("api-key"));
	CHECK(mc_secret_name("GITHUB_TOKEN"));
	CHECK(!mc_secret_name("PASSWORD_FILE"));
	CHECK(!mc_secret_name("PASS_MAX_DAYS"));
	CHECK(!mc_secret_name("TOKENIZERS_PARALLELISM"));
	CHECK(!mc_secret_name("KEY_ID"));
	/* The secret scanner's rules (moat_secret_shape): their titles, their
	 * allow-lists (AWS's documented EXAMPLE key is no credential). Unset,
	 * no value is a credential (only names are checked). */
	moat_misconfig_set_credential_shape(NULL);
	CHECK(mc_credential_shape("AKIAZ4Q7WERTYUIOPXQ2") == NULL);
	moat_misconfig_set_credential_shape(moat_secret_shape);
	CHECK_STR(mc_credential_shape("AKIAZ4Q7WERTYUIOPXQ2"), "AWS access key ID");
	CHECK(mc_credential_shape("AKIAIOSFODNN7EXAMPLE") == NULL);
	CHECK(mc_credential_shape("x=ghp_R8x2Lq9Zt4Wm7Kc1Vb5Nd3Hf6Jg0Ps2Ya8Qe") != NULL);
	CHECK(mc_credential_shape("postgres://app:Qw7vLp2x9Rz@db/app") != NULL);
	CHECK(mc_credential_shape("postgres://app:$PW@db/app") == NULL);
	CHECK(mc_credential_shape("AKIAZ4Q7WERTYUIOPXQ2X") == NULL);
	CHECK(mc_credential_shape("hello") == NULL);
	/* Name-based rules are mc_secret_name's: a value alone names no rule. */
	CHECK(mc_credential_shape("password=Zq8vR3kLp2mW") == NULL);
	CHECK_STR(mc_sensitive_port(2375), "Docker API without TLS");
	CHECK(mc_sensitive_port(8080) == NULL);
}

static bool has_finding(const struct moat_misconfig_list *l, const char *id, unsigned line)
{
	for (size_t i = 0; i < l->count; i++)
		if (!strcmp(l->items[i].check->id, id) && l->items[i].line == line)
			return true;
	return false;
}

/* `# moat ignore=` and `# hadolint ignore=` right above an instruction. */
static void test_dockerfile__ignore_pragmas(void)
{
	struct moat_dockerfile *df = parse("FROM debian\n"
					   "# moat ignore=MOAT-DF-075\n"
					   "# another comment\n"
					   "EXPOSE 22\n"
					   "# hadolint ignore=DL3006, DL3007\n"
					   "FROM alpine\n"
					   "\n"
					   "EXPOSE 23\n");
	struct moat_misconfig_list out = {0};

	CHECK(df != NULL);
	if (!df)
		return;
	CHECK_STR(df->instrs[1].ignore, "MOAT-DF-075");
	CHECK_STR(df->instrs[2].ignore, "DL3006, DL3007");
	CHECK(df->instrs[3].ignore == NULL);
	CHECK(moat_misconfig_dockerfile(df, arena, &out, &err) == 0);
	CHECK(has_finding(&out, "MOAT-DF-001", 1));
	CHECK(!has_finding(&out, "MOAT-DF-075", 4));
	CHECK(!has_finding(&out, "MOAT-DF-001", 6));
	CHECK(has_finding(&out, "MOAT-DF-075", 8));
}

/* Every check in docs/config-checks.md with its severity, and no stray ids. */
static void test_dockerfile__catalogue_documented(void)
{
	const char *src = getenv("MOAT_SRC");
	char path[4096];
	struct moat_buf doc;
	size_t n;
	const struct moat_check_info *c = moat_checks(&n);

	snprintf(path, sizeof(path), "%s/docs/config-checks.md", src ? src : ".");
	moat_buf_init(&doc, 0);
	CHECK(moat_read_file(path, 1 << 20, &doc, &err) == 0);
	CHECK(n >= 30);
	for (size_t i = 0; doc.data && i < n; i++) {
		char row[128];

		snprintf(row, sizeof(row), "| %s | %s |", c[i].id, c[i].severity);
		if (!strstr((const char *)doc.data, row)) {
			printf("# docs/config-checks.md lacks the row '%s'\n", row);
			CHECK(0);
		}
		CHECK(i == 0 || strcmp(c[i - 1].id, c[i].id) < 0);
	}
	moat_buf_release(&doc);
}

int main(void)
{
	arena = moat_arena_open(64 << 20);
	moat_misconfig_set_credential_shape(moat_secret_shape); /* as moat config does */
	MOAT_RUN(test_dockerfile__continuation_and_comments);
	MOAT_RUN(test_dockerfile__heredocs);
	MOAT_RUN(test_dockerfile__escape_directive);
	MOAT_RUN(test_dockerfile__json_and_shell_forms);
	MOAT_RUN(test_dockerfile__stages_and_args);
	MOAT_RUN(test_dockerfile__expand);
	MOAT_RUN(test_dockerfile__limits);
	MOAT_RUN(test_dockerfile__shell_split);
	MOAT_RUN(test_dockerfile__secret_shapes);
	MOAT_RUN(test_dockerfile__ignore_pragmas);
	MOAT_RUN(test_dockerfile__catalogue_documented);
	moat_arena_close(arena);
	return moat_test_done();
}
