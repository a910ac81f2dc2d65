/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline-edit.c - `moat baseline edit IMAGE`: the model as JSON in a
 * private temporary file, $VISUAL / $EDITOR (default vi) on it, and the
 * result saved only if it loads as a model and nobody changed the model in
 * the meantime. A refused edit is left in the temporary file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "baseline-cli.h"
#include "moat/error.h"

static int run_editor(const char *path, struct moat_error *err)
{
	int status = 0;
	pid_t pid = fork();
	if (pid < 0)
		return moat_error_set(err, -errno, "edit: fork: %s", strerror(errno));
	if (pid == 0) {
		/* through the shell: EDITOR may carry arguments ("code --wait") */
		execl("/bin/sh", "sh", "-c", "exec $MOAT_EDITOR \"$1\"", "sh", path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return moat_error_set(err, -errno, "edit: wait: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return moat_error_set(err, MOAT_E_USAGE, "edit: the editor failed (status %d); "
				      "nothing saved, your text is in %s", status, path);
	return 0;
}

static int write_temp(const struct moat_buf *doc, char *path, size_t cap, struct moat_error *err)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	int fd;

	snprintf(path, cap, "%s/moat-baseline-XXXXXX.json", tmp);
	fd = mkstemps(path, 5);
	if (fd < 0)
		return moat_error_set(err, -errno, "edit: %s: %s", path, strerror(errno));
	if (write(fd, doc->data, doc->len) != (ssize_t)doc->len) {
		int e = errno;

		close(fd);
		unlink(path);
		return moat_error_set(err, -e, "edit: %s: %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

/* Save the edited model if the file is still what the editor started from. */
static int save(struct bl_args *a, const struct moat_bl_model *m,
		const struct moat_state_stamp *before, const char *path, struct moat_error *err)
{
	struct moat_state_stamp now;
	int fd;
	int r = moat_state_lock(a->st, a->key, &fd, err);

	if (r < 0)
		return r;
	moat_state_stamp(a->st, a->key, MOAT_BL_FILE_NAME, &now);
	if (!moat_state_stamp_equal(before, &now))
		r = moat_error_set(err, MOAT_E_USAGE, "edit: the model changed while you edited it "
				   "(the defender learned, or another edit); nothing saved, your "
				   "text is in %s", path);
	else
		r = moat_bl_write(a->st, a->key, m, err);
	moat_state_unlock(fd);
	return r;
}

int baseline_cmd_edit(struct bl_args *a, struct moat_error *err)
{
	struct moat_state_stamp before;
	struct moat_bl_model m;
	struct moat_buf doc;
	char path[4096];
	int r;

	moat_buf_init(&doc, MOAT_BL_FILE_MAX);
	moat_state_stamp(a->st, a->key, MOAT_BL_FILE_NAME, &before);
	r = baseline_load_model(a, &m, err);
	if (r == 0) {
		char image[MOAT_STATE_KEY_LEN + 8];

		snprintf(image, sizeof(image), "sha256:%s", a->key);
		r = moat_bl_save(&m, image, NULL, &doc, err);
	}
	moat_bl_model_release(&m);
	if (r == 0)
		r = write_temp(&doc, path, sizeof(path), err);
	if (r < 0) {
		moat_buf_release(&doc);
		return r;
	}
	setenv("MOAT_EDITOR", getenv("VISUAL") ? getenv("VISUAL")
			      : getenv("EDITOR") && getenv("EDITOR")[0] ? getenv("EDITOR") : "vi", 1);
	r = run_editor(path, err);
	if (r == 0)
		r = moat_read_file(path, MOAT_BL_FILE_MAX, &doc, err);
	moat_bl_model_init(&m);
	if (r == 0)
		r = moat_bl_load(&m, doc.data, doc.len, path, err);
	if (r == 0)
		r = save(a, &m, &before, path, err);
	moat_bl_model_release(&m);
	moat_buf_release(&doc);
	if (r == 0) {
		unlink(path);
		printf("%.12s: model saved\n", a->key);
	} else if (err->msg[0] && !strstr(err->msg, path)) {
		/* a load error names the file already; say it is kept */
		size_t n = strlen(err->msg);

		snprintf(err->msg + n, sizeof(err->msg) - n, " (nothing saved; your text is in %s)",
			 path);
	}
	return r;
}
