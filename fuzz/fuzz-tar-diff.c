/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-tar-diff.c - differential fuzzing of the tar reader against Go's
 * archive/tar as the engines use it (tests/tools/gotar, started once as a
 * server on a pipe). Whenever the engine accepts an input, moat must list the
 * same entries or refuse it for a documented reason; anything else aborts.
 */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tests/tools/tar_listing.h"
#include "base/reader.h"

/* Inputs beyond this are not worth a pipe round trip. */
#define FUZZ_MAX_INPUT_TAR (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern char **environ;

static FILE *to_go;
static FILE *from_go;

static void start_gotar(void)
{
	int in[2], out[2];
	pid_t pid;
	posix_spawn_file_actions_t fa;
	static char path[] = GOTAR_PATH;
	static char serve[] = "serve";
	char *argv[] = { path, serve, NULL };

	signal(SIGPIPE, SIG_IGN);
	if (pipe(in) < 0 || pipe(out) < 0)
		abort();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	if (posix_spawn(&pid, GOTAR_PATH, &fa, NULL, argv, environ) != 0) {
		fprintf(stderr, "fuzz-tar-diff: cannot start %s (build the gotar target)\n",
			GOTAR_PATH);
		abort();
	}
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	to_go = fdopen(in[1], "wb");
	from_go = fdopen(out[0], "rb");
	if (!to_go || !from_go)
		abort();
}

/* One round trip; false when the server is gone. */
static bool ask_go(const uint8_t *data, size_t size, char **ret_text)
{
	uint32_t len = (uint32_t)size;
	char *text;

	if (fwrite(&len, 4, 1, to_go) != 1 || (size && fwrite(data, size, 1, to_go) != 1) ||
	    fflush(to_go) != 0 || fread(&len, 4, 1, from_go) != 1)
		return false;
	text = malloc((size_t)len + 1);
	if (!text || (len && fread(text, len, 1, from_go) != 1)) {
		free(text);
		return false;
	}
	text[len] = '\0';
	*ret_text = text;
	return true;
}

/* Go's listing of the input, NUL-terminated (caller frees). A server that
 * died is restarted once (something else on the host may have killed it);
 * dying again on the same input is a finding. */
static char *go_listing(const uint8_t *data, size_t size)
{
	char *text;

	if (!to_go)
		start_gotar();
	if (ask_go(data, size, &text))
		return text;
	fclose(to_go);
	fclose(from_go);
	waitpid(-1, NULL, WNOHANG);
	start_gotar();
	if (ask_go(data, size, &text))
		return text;
	fprintf(stderr, "fuzz-tar-diff: the gotar server died on this input\n");
	abort();
}

static bool accepted(const char *listing)
{
	size_t n = strlen(listing);

	return n >= 4 && !strcmp(listing + n - 4, "end\n");
}

/* The documented reasons moat may refuse what the engine accepts. */
static bool allowed_refusal(const char *listing)
{
	return strstr(listing, "sparse files are not read") || strstr(listing, "too long") ||
	       strstr(listing, "bytes (over") || strstr(listing, "longer than");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_limits limits;
	struct moat_mem_reader mr;
	struct moat_reader rd;
	char *mine = NULL;
	size_t mine_len = 0;
	FILE *out;
	char *theirs;

	if (size > FUZZ_MAX_INPUT_TAR)
		return 0;
	moat_limits_default(&limits);
	rd = moat_mem_reader(&mr, data, size);
	out = open_memstream(&mine, &mine_len);
	if (!out)
		abort();
	tar_listing(out, &rd, &limits);
	fclose(out);
	theirs = go_listing(data, size);
	if (accepted(theirs) && strcmp(mine, theirs) != 0 &&
	    (accepted(mine) || !allowed_refusal(mine))) {
		fprintf(stderr, "fuzz-tar-diff: readers disagree\n--- go\n%s--- moat\n%s", theirs,
			mine);
		abort();
	}
	free(theirs);
	free(mine);
	return 0;
}
