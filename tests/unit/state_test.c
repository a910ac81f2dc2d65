/* SPDX-License-Identifier: Apache-2.0 */
/* state_test.c - the defender's state directory: keys, modes, atomic files,
 * resolving an image by id, prefix or reference. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "defend/state.h"
#include "harness.h"
#include "moat/error.h"

#define ID_A "1111111111111111111111111111111111111111111111111111111111111111"
#define ID_B "1111111111112222222222222222222222222222222222222222222222222222"

static char root[64];

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void rm_tree(void)
{
	CHECK_INT(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_state__open_modes_files(void)
{
	struct moat_state *st = NULL;
	struct moat_error err = { 0 };
	char dir[96], key[MOAT_STATE_KEY_LEN + 1];
	enum moat_state_mode mode;
	struct moat_buf buf;

	snprintf(dir, sizeof(dir), "%s/s", root);
	CHECK_INT(moat_state_open(dir, false, &st, &err), MOAT_E_NOTFOUND);
	CHECK(strstr(err.msg, dir) != NULL);
	CHECK_INT(moat_state_open(dir, true, &st, &err), 0);
	if (!st)
		return;
	CHECK_INT(moat_state_key_of("sha256:" ID_A, key, &err), 0);
	CHECK_STR(key, ID_A);
	CHECK_INT(moat_state_key_of("sha256:xyz", key, &err), MOAT_E_FORMAT);

	/* A new image learns; a set mode is read back; nonsense in the file is an error. */
	CHECK_INT(moat_state_mode_get(st, ID_A, &mode, &err), 0);
	CHECK_INT(mode, MOAT_STATE_LEARN);
	CHECK_INT(moat_state_mode_set(st, ID_A, MOAT_STATE_ENFORCE, &err), 0);
	CHECK_INT(moat_state_mode_get(st, ID_A, &mode, &err), 0);
	CHECK_INT(mode, MOAT_STATE_ENFORCE);
	CHECK_INT(moat_state_write(st, ID_A, "mode", "loud\n", 5, &err), 0);
	CHECK_INT(moat_state_mode_get(st, ID_A, &mode, &err), MOAT_E_USAGE);
	CHECK(strstr(err.msg, "mode") != NULL);

	/* Files: absent, written, stamped, replaced, removed; names stay plain. */
	moat_buf_init(&buf, 0);
	CHECK_INT(moat_state_read(st, ID_A, "baseline.json", &buf, &err), -ENOENT);
	CHECK_INT(moat_state_read(st, ID_B, "baseline.json", &buf, &err), -ENOENT);
	CHECK_INT(moat_state_write(st, ID_A, "baseline.json", "{}", 2, &err), 0);
	struct moat_state_stamp s1, s2;
	CHECK_INT(moat_state_stamp(st, ID_A, "baseline.json", &s1), 0);
	CHECK_INT(moat_state_write(st, ID_A, "baseline.json", "{\"v\":1}", 7, &err), 0);
	CHECK_INT(moat_state_stamp(st, ID_A, "baseline.json", &s2), 0);
	CHECK(!moat_state_stamp_equal(&s1, &s2));
	CHECK_INT(moat_state_read(st, ID_A, "baseline.json", &buf, &err), 0);
	CHECK_STR((const char *)buf.data, "{\"v\":1}");
	CHECK_INT(moat_state_write(st, NULL, "netgraph.json", "[]", 2, &err), 0);
	CHECK_INT(moat_state_read(st, NULL, "netgraph.json", &buf, &err), 0);
	CHECK_INT((int)buf.len, 2);
	CHECK_INT(moat_state_write(st, ID_A, "../x", "", 0, &err), MOAT_E_USAGE);
	CHECK_INT(moat_state_write(st, "../../etc", "x", "", 0, &err), MOAT_E_USAGE);
	CHECK_INT(moat_state_remove(st, ID_A, "baseline.json", &err), 0);
	CHECK_INT(moat_state_remove(st, ID_A, "baseline.json", &err), 0);
	CHECK_INT(moat_state_stamp(st, ID_A, "baseline.json", &s1), 0);
	CHECK_INT((int)s1.ino, 0);

	int fd = -1;
	CHECK_INT(moat_state_lock(st, ID_A, &fd, &err), 0);
	CHECK(fd >= 0);
	moat_state_unlock(fd);
	moat_buf_release(&buf);
	moat_state_close(st);
}

static void test_state__resolve(void)
{
	struct moat_state *st = NULL;
	struct moat_error err = { 0 };
	char dir[96], key[MOAT_STATE_KEY_LEN + 1];

	snprintf(dir, sizeof(dir), "%s/r", root);
	CHECK_INT(moat_state_open(dir, true, &st, &err), 0);
	if (!st)
		return;
	CHECK_INT(moat_state_note_image(st, ID_A, "debian:12", &err), 0);
	CHECK_INT(moat_state_note_image(st, ID_A, "debian:12", &err), 0);
	CHECK_INT(moat_state_note_image(st, ID_A, "moat-test/app", &err), 0);
	CHECK_INT(moat_state_note_image(st, ID_B, "localhost:5000/web:1", &err), 0);

	struct moat_buf refs;
	moat_buf_init(&refs, 0);
	CHECK_INT(moat_state_refs(st, ID_A, &refs, &err), 0);
	CHECK_STR((const char *)refs.data, "debian:12\nmoat-test/app\n");
	moat_buf_release(&refs);

	CHECK_INT(moat_state_resolve(st, "docker.io/library/debian:12", key, &err), 0);
	CHECK_STR(key, ID_A);
	CHECK_INT(moat_state_resolve(st, "moat-test/app:latest", key, &err), 0);
	CHECK_STR(key, ID_A);
	CHECK_INT(moat_state_resolve(st, "localhost:5000/web:1", key, &err), 0);
	CHECK_STR(key, ID_B);
	CHECK_INT(moat_state_resolve(st, "sha256:" ID_B, key, &err), 0);
	CHECK_STR(key, ID_B);
	CHECK_INT(moat_state_resolve(st, "1111111111112", key, &err), 0);
	CHECK_STR(key, ID_B);
	/* The shared 12-digit prefix names both: refused, listing them. */
	CHECK_INT(moat_state_resolve(st, "111111111111", key, &err), MOAT_E_USAGE);
	CHECK(strstr(err.msg, "2 images") != NULL);
	CHECK_INT(moat_state_resolve(st, "debian:11", key, &err), MOAT_E_NOTFOUND);
	CHECK_INT(moat_state_resolve(st, "web:1", key, &err), MOAT_E_NOTFOUND);
	moat_state_close(st);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/moat-state-test.%ld", (long)getpid());
	if (mkdir(root, 0700) < 0)
		return 1;
	MOAT_RUN(test_state__open_modes_files);
	MOAT_RUN(test_state__resolve);
	rm_tree();
	return moat_test_done();
}
