/* SPDX-License-Identifier: Apache-2.0 */
/* image_test.c - tar reader edge cases and a full read of the shared fixture. */
#include <stdio.h>
#include <stdlib.h>

#include "base/json.h"
#include "harness.h"
#include "image/image.h"
#include "image/tar.h"
#include "moat/error.h"
#include "sbom/catalog.h"
#include "vfs/fs.h"

/* Append one ustar header (+ data, padded) to buf. */
static void tar_add(struct moat_buf *buf, const char *name, char type, const char *data,
		    const char *link)
{
	uint8_t h[512] = { 0 };
	size_t len = data ? strlen(data) : 0;
	unsigned sum = 0;

	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)len); /* test data stays small */
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (uint8_t)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	moat_buf_append(buf, h, 512);
	if (len) {
		uint8_t pad[512] = { 0 };

		moat_buf_append(buf, data, len);
		moat_buf_append(buf, pad, (512 - len % 512) % 512);
	}
}

static int read_all(const struct moat_buf *buf, struct moat_error *err, int *ret_count)
{
	struct moat_limits lim;
	struct moat_mem_reader mr;
	struct moat_reader rd = moat_mem_reader(&mr, buf->data, buf->len);
	struct moat_tar tar;
	struct moat_tar_entry e;
	int r;

	moat_limits_default(&lim);
	moat_tar_init(&tar, &rd, &lim, "test.tar");
	*ret_count = 0;
	while ((r = moat_tar_next(&tar, &e, err)) == 1)
		(*ret_count)++;
	moat_tar_release(&tar);
	return r;
}

static void test_image__tar_edges(void)
{
	struct moat_buf buf;
	struct moat_error err = { 0 };
	uint8_t zeros[1024] = { 0 };
	int count;

	moat_buf_init(&buf, 0);
	tar_add(&buf, "./etc/", '5', NULL, NULL);
	tar_add(&buf, "./etc/passwd", '0', "root:x:0:0\n", NULL);
	tar_add(&buf, "etc/link", '2', NULL, "/etc/passwd");
	moat_buf_append(&buf, zeros, sizeof(zeros));
	CHECK_INT(read_all(&buf, &err, &count), 0);
	CHECK_INT(count, 3);

	/* A flipped byte breaks the header checksum. */
	buf.data[520] ^= 1;
	buf.data[0] ^= 0x40;
	CHECK_INT(read_all(&buf, &err, &count), MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "test.tar: bad header checksum") != NULL);

	/* ".." stops at the root and "/" is the root, as the engines unpack them
	 * inside their chroot: both are ordinary entries (tar-reading.md). */
	moat_buf_reset(&buf);
	tar_add(&buf, "../escape", '0', "x", NULL);
	tar_add(&buf, "/etc/passwd", '0', "x", NULL);
	CHECK_INT(read_all(&buf, &err, &count), 0);
	CHECK_INT(count, 2);

	/* Cut in the middle of an entry's data. */
	moat_buf_reset(&buf);
	tar_add(&buf, "big", '0', "0123456789", NULL);
	buf.len = 512 + 5;
	CHECK_INT(read_all(&buf, &err, &count), MOAT_E_TRUNCATED);
	moat_buf_release(&buf);
}

static const char *shared_dir(void)
{
	const char *env = getenv("MOAT_SHARED");
	static char path[4096];

	if (env)
		return env;
	snprintf(path, sizeof(path), "%s/../shared/testdata", getenv("MOAT_SRC") ? getenv("MOAT_SRC") : ".");
	return path;
}

static const struct moat_pkg *find_pkg(const struct moat_pkg_list *pkgs, const char *name)
{
	for (size_t i = 0; i < pkgs->count; i++)
		if (!strcmp(pkgs->items[i]->name, name))
			return pkgs->items[i];
	return NULL;
}

static void test_image__shared_fixture(void)
{
	char target[4200], expected_path[4200];
	struct moat_image_opts opts = { 0 };
	struct moat_image *img = NULL;
	struct moat_catalog_ctx cat = { 0 };
	struct moat_error err = { 0 };
	json_t *expected;
	json_error_t jerr;
	size_t i;
	json_t *row;

	snprintf(target, sizeof(target), "docker-archive:%s/images/tiny-bookworm-2layer.tar", shared_dir());
	snprintf(expected_path, sizeof(expected_path), "%s/images/tiny-bookworm-2layer.expected.json",
		 shared_dir());
	expected = json_load_file(expected_path, 0, &jerr);
	CHECK(expected != NULL);
	if (!expected)
		return;
	opts.target = target;
	opts.want_content = moat_catalog_want;
	CHECK_INT(moat_image_open(&opts, &img, &err), 0);
	if (!img) {
		printf("# %s\n", err.msg);
		json_decref(expected);
		return;
	}
	cat.fs = moat_image_fs(img);
	cat.arena = moat_image_arena(img);
	cat.meta = moat_image_meta(img);
	moat_limits_default(&opts.limits);
	cat.limits = &opts.limits;
	CHECK_INT(moat_catalog_run(&cat, &err), 0);
	CHECK_STR(cat.os.id, "debian");
	CHECK_STR(cat.os.version_id, "12");
	CHECK_STR(cat.meta->ref, "moat-test/tiny:1");
	CHECK_INT(cat.meta->n_layers, 2);
	CHECK_INT(cat.pkgs.count, json_array_size(json_object_get(expected, "packages")));
	json_array_foreach(json_object_get(expected, "packages"), i, row) {
		const struct moat_pkg *p = find_pkg(&cat.pkgs, moat_json_str(row, "package"));
		int layer = (int)moat_json_int(row, "introduced_in_layer", 0) - 1;

		CHECK(p != NULL);
		if (!p)
			continue;
		CHECK_STR(p->version, moat_json_str(row, "version"));
		CHECK_STR(p->source_name, moat_json_str(row, "source"));
		CHECK_STR(p->source_version, moat_json_str(row, "source_version"));
		CHECK_INT(p->layer_index, layer);
		CHECK_STR(p->layer, json_string_value(json_array_get(json_object_get(expected, "layers"), layer)));
	}
	/* The whiteout in layer 2 removed etc/motd, and history still shows it. */
	struct moat_fs_stat st;

	CHECK_INT(moat_fs_lstat(cat.fs, "etc/motd", &st, &err), MOAT_E_NOTFOUND);
	CHECK_INT(moat_fs_lstat(cat.fs, "app/settings.ini", &st, &err), 0);
	CHECK_INT(st.layer, 1);
	moat_image_close(img);
	json_decref(expected);
}

int main(void)
{
	MOAT_RUN(test_image__tar_edges);
	MOAT_RUN(test_image__shared_fixture);
	return moat_test_done();
}
