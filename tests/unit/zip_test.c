/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zip_test.c - the zip reader on Debian's real jars (checked entry by entry
 * against Python's zipfile module, an independent reader), on a war built by
 * the JDK's `jar` tool around a real jar, on a ZIP64 archive written by Python,
 * and on hostile archives crafted here: overlapping entries, a ratio bomb,
 * lying sizes, ZIP64 records that lie, truncated directories, local headers
 * that disagree, unsafe names, bad CRCs.
 */
#include <errno.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/digest.h"
#include "base/zip.h"
#include "harness.h"
#include "test-io.h"
#include "moat/error.h"

/* Jars Debian ships (scripts/setup installs their packages). */
static const char *const real_jars[] = {
	"/usr/share/java/commons-lang3.jar",
	"/usr/share/java/jackson-core.jar",
	"/usr/share/java/guava.jar",
};

#define PY_LIST "python3 -c 'import zipfile,sys,hashlib\n" \
	"z=zipfile.ZipFile(sys.argv[1])\n" \
	"for i in z.infolist():\n" \
	"  d=z.read(i)\n" \
	"  print(i.filename, i.file_size, \"%%08x\" %% i.CRC, \"sha256:\"+hashlib.sha256(d).hexdigest(), sep=\"\\t\")' "

/* Our listing in the reference format, every entry extracted. */
static int our_listing(const uint8_t *data, size_t len, struct moat_buf *out)
{
	struct moat_zip *zip;
	struct moat_buf ent;
	struct moat_error err = { 0 };
	char digest[MOAT_DIGEST_STR_MAX];
	int r = moat_zip_open(data, len, NULL, "jar", &zip, &err);

	if (r < 0) {
		printf("# %s\n", err.msg);
		return r;
	}
	moat_buf_init(&ent, 0);
	moat_buf_reset(out);
	for (size_t i = 0; i < moat_zip_count(zip) && r == 0; i++) {
		const struct moat_zip_entry *e = moat_zip_entry(zip, i);

		r = moat_zip_extract(zip, i, 64u << 20, &ent, &err);
		if (r < 0) {
			printf("# %s\n", err.msg);
			break;
		}
		moat_sha256_str(ent.data, ent.len, digest);
		moat_buf_appendf(out, "%.*s\t%llu\t%08x\t%s\n", (int)e->name.len,
				 (const char *)e->name.ptr, (unsigned long long)e->usize, e->crc32,
				 digest);
	}
	moat_buf_release(&ent);
	moat_zip_close(zip);
	return r;
}

static void compare_with_python(const char *path, const uint8_t *data, size_t len)
{
	struct moat_buf want, got;
	char cmd[4096];

	moat_buf_init(&want, 0);
	moat_buf_init(&got, 0);
	snprintf(cmd, sizeof(cmd), PY_LIST "'%s'", path);
	CHECK_INT(test_run(cmd, &want), 0);
	CHECK_INT(our_listing(data, len, &got), 0);
	CHECK(want.len > 0);
	CHECK_INT(got.len, want.len);
	CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
	printf("# %s: %zu bytes of listing match\n", path, got.len);
	moat_buf_release(&want);
	moat_buf_release(&got);
}

static void test_zip__real_jars(void)
{
	struct moat_buf jar;

	moat_buf_init(&jar, 0);
	for (size_t i = 0; i < sizeof(real_jars) / sizeof(real_jars[0]); i++) {
		int r = test_read_file(real_jars[i], &jar);

		if (r < 0)
			printf("# %s missing: run scripts/setup\n", real_jars[i]);
		CHECK_INT(r, 0);
		if (r == 0)
			compare_with_python(real_jars[i], jar.data, jar.len);
	}
	moat_buf_release(&jar);
}

static char tmpdir[] = "/tmp/moat-zip-test-XXXXXX";

/* A war made by the JDK's jar tool (deflate, data descriptors) holding a real
 * jar: the nested jar must come out byte for byte. */
static void test_zip__war_from_jar_tool(void)
{
	struct moat_buf war, orig, out;
	struct moat_zip *zip = NULL;
	struct moat_error err = { 0 };
	char cmd[1024], path[512];
	long i;

	moat_buf_init(&war, 0);
	moat_buf_init(&orig, 0);
	moat_buf_init(&out, 0);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p w/WEB-INF/lib && cp -L %s w/WEB-INF/lib/commons-lang3.jar && "
		 "jar cf app.war -C w . >/dev/null 2>&1", tmpdir, real_jars[0]);
	CHECK_INT(test_run(cmd, &out), 0);
	snprintf(path, sizeof(path), "%s/app.war", tmpdir);
	CHECK_INT(test_read_file(path, &war), 0);
	CHECK_INT(test_read_file(real_jars[0], &orig), 0);
	CHECK_INT(moat_zip_open(war.data, war.len, NULL, "app.war", &zip, &err), 0);
	if (zip) {
		i = moat_zip_find(zip, MOAT_SLICE_LIT("WEB-INF/lib/commons-lang3.jar"));
		CHECK(i >= 0);
		CHECK_INT(moat_zip_extract(zip, (size_t)i, 64u << 20, &out, &err), 0);
		CHECK_INT(out.len, orig.len);
		CHECK(out.len == orig.len && memcmp(out.data, orig.data, out.len) == 0);
		moat_zip_close(zip);
	}
	compare_with_python(path, war.data, war.len);
	moat_buf_release(&war);
	moat_buf_release(&orig);
	moat_buf_release(&out);
}

/* More than 65535 entries: Python writes the ZIP64 end records. */
static void test_zip__zip64_from_python(void)
{
	struct moat_buf z, out;
	char cmd[1024], path[512];

	moat_buf_init(&z, 0);
	moat_buf_init(&out, 0);
	snprintf(path, sizeof(path), "%s/many.zip", tmpdir);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import zipfile,sys\n"
		 "with zipfile.ZipFile(sys.argv[1], \"w\", zipfile.ZIP_DEFLATED) as z:\n"
		 "  [z.writestr(\"d/%%d\" %% i, str(i)) for i in range(70000)]' %s", path);
	CHECK_INT(test_run(cmd, &out), 0);
	CHECK_INT(test_read_file(path, &z), 0);
	/* the 16-bit EOCD count is 0xffff: the count must come from ZIP64 */
	CHECK(z.len > 22 && z.data[z.len - 22 + 10] == 0xff && z.data[z.len - 22 + 11] == 0xff);
	compare_with_python(path, z.data, z.len);
	moat_buf_release(&z);
	moat_buf_release(&out);
}

/* ---- a small writer for hostile archives ---- */

struct zb {
	struct moat_buf out;
	struct moat_buf cd;
	uint16_t n;
};

static void put16(struct moat_buf *b, uint32_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	moat_buf_append(b, x, 2);
}

static void put32(struct moat_buf *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void put64(struct moat_buf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

/* Add an entry with method and already-encoded data; usize is what the
 * headers declare. Returns the local header's offset. */
static uint32_t zb_add(struct zb *z, const char *name, uint16_t method, const void *data,
		       size_t len, uint32_t usize, uint32_t crc)
{
	uint32_t off = (uint32_t)z->out.len;
	struct moat_buf *bs[2] = { &z->out, &z->cd };

	for (int k = 0; k < 2; k++) {
		struct moat_buf *b = bs[k];

		put32(b, k ? 0x02014b50 : 0x04034b50);
		if (k)
			put16(b, 20);
		put16(b, 20);
		put16(b, 0);
		put16(b, method);
		put32(b, 0);
		put32(b, crc);
		put32(b, (uint32_t)len);
		put32(b, usize);
		put16(b, (uint32_t)strlen(name));
		put16(b, 0);
		if (k) {
			put16(b, 0);
			put16(b, 0);
			put16(b, 0);
			put32(b, 0);
			put32(b, off);
		}
		moat_buf_append(b, name, strlen(name));
	}
	moat_buf_append(&z->out, data, len);
	z->n++;
	return off;
}

static uint32_t zb_stored(struct zb *z, const char *name, const char *text)
{
	size_t len = strlen(text);

	return zb_add(z, name, 0, text, len, (uint32_t)len, crc32_gzip_refl(0, (const uint8_t *)text, len));
}

static void zb_init(struct zb *z)
{
	moat_buf_init(&z->out, 0);
	moat_buf_init(&z->cd, 0);
	z->n = 0;
}

/* Central directory and end record; count overrides the entry count if set. */
static void zb_finish(struct zb *z, uint16_t count)
{
	uint32_t cd_off = (uint32_t)z->out.len;

	moat_buf_append(&z->out, z->cd.data, z->cd.len);
	put32(&z->out, 0x06054b50);
	put16(&z->out, 0);
	put16(&z->out, 0);
	put16(&z->out, count ? count : z->n);
	put16(&z->out, count ? count : z->n);
	put32(&z->out, (uint32_t)z->cd.len);
	put32(&z->out, cd_off);
	put16(&z->out, 0);
}

/* ZIP64 end record + locator + EOCD full of 0xff, claiming count entries. */
static void zb_finish64(struct zb *z, uint64_t count, uint64_t locator_target)
{
	uint64_t cd_off = z->out.len;
	uint64_t rec;

	moat_buf_append(&z->out, z->cd.data, z->cd.len);
	rec = z->out.len;
	put32(&z->out, 0x06064b50);
	put64(&z->out, 44);
	put16(&z->out, 45);
	put16(&z->out, 45);
	put32(&z->out, 0);
	put32(&z->out, 0);
	put64(&z->out, count);
	put64(&z->out, count);
	put64(&z->out, z->cd.len);
	put64(&z->out, cd_off);
	put32(&z->out, 0x07064b50);
	put32(&z->out, 0);
	put64(&z->out, locator_target == UINT64_MAX ? rec : locator_target);
	put32(&z->out, 1);
	put32(&z->out, 0x06054b50);
	put16(&z->out, 0);
	put16(&z->out, 0);
	put16(&z->out, 0xffff);
	put16(&z->out, 0xffff);
	put32(&z->out, 0xffffffff);
	put32(&z->out, 0xffffffff);
	put16(&z->out, 0);
}

static void zb_release(struct zb *z)
{
	moat_buf_release(&z->out);
	moat_buf_release(&z->cd);
}

/* Open z and return the code; on success also extract entry 0. */
static int try_open(struct zb *z, int *ret_extract)
{
	struct moat_zip *zip = NULL;
	struct moat_error err = { 0 };
	struct moat_buf out;
	int r = moat_zip_open(z->out.data, z->out.len, NULL, "hostile.zip", &zip, &err);

	if (r < 0)
		printf("# open: %s\n", err.msg);
	if (r == 0 && ret_extract) {
		moat_buf_init(&out, 0);
		*ret_extract = moat_zip_extract(zip, 0, 1u << 30, &out, &err);
		if (*ret_extract < 0)
			printf("# extract: %s\n", err.msg);
		moat_buf_release(&out);
	}
	moat_zip_close(zip);
	return r;
}

static void test_zip__overlapping_entries(void)
{
	struct zb z;
	size_t cd_len;

	/* two central entries for one local header */
	zb_init(&z);
	zb_stored(&z, "a.txt", "hello");
	cd_len = z.cd.len;
	moat_buf_append(&z.cd, z.cd.data, cd_len);
	z.n = 2;
	zb_finish(&z, 0);
	CHECK_INT(try_open(&z, NULL), MOAT_E_FORMAT);
	zb_release(&z);

	/* Fifield's overlap: the second entry's header sits inside the first's data */
	zb_init(&z);
	{
		struct zb inner;

		zb_init(&inner);
		zb_stored(&inner, "x", "payload");
		zb_add(&z, "outer", 0, inner.out.data, inner.out.len, (uint32_t)inner.out.len,
		       crc32_gzip_refl(0, inner.out.data, inner.out.len));
		/* central entry for "x" pointing into outer's data (30 + 5 bytes in) */
		put32(&z.cd, 0x02014b50);
		put16(&z.cd, 20);
		put16(&z.cd, 20);
		put16(&z.cd, 0);
		put16(&z.cd, 0);
		put32(&z.cd, 0);
		put32(&z.cd, crc32_gzip_refl(0, (const uint8_t *)"payload", 7));
		put32(&z.cd, 7);
		put32(&z.cd, 7);
		put16(&z.cd, 1);
		put16(&z.cd, 0);
		put16(&z.cd, 0);
		put16(&z.cd, 0);
		put16(&z.cd, 0);
		put32(&z.cd, 0);
		put32(&z.cd, 30 + 5);
		moat_buf_append(&z.cd, "x", 1);
		z.n = 2;
		zb_release(&inner);
	}
	zb_finish(&z, 0);
	CHECK_INT(try_open(&z, NULL), MOAT_E_FORMAT);
	zb_release(&z);
}

/* Raw deflate of len zero bytes with ISA-L. */
static size_t deflate_zeros(size_t len, uint8_t **ret)
{
	uint8_t *in = calloc(1, len);
	uint8_t *out = malloc(len / 4 + 1024);
	struct isal_zstream s;

	isal_deflate_stateless_init(&s);
	s.next_in = in;
	s.avail_in = (uint32_t)len;
	s.next_out = out;
	s.avail_out = (uint32_t)(len / 4 + 1024);
	s.end_of_stream = 1;
	s.gzip_flag = 0;
	CHECK_INT(isal_deflate_stateless(&s), 0);
	free(in);
	*ret = out;
	return s.total_out;
}

static void test_zip__ratio_bomb_and_lies(void)
{
	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	uint32_t crc = crc32_gzip_refl(0, zeros, big);
	uint8_t *def;
	size_t n = deflate_zeros(big, &def);
	struct zb z;
	int x = 0;

	printf("# 64 MiB of zeros deflate to %zu bytes\n", n);
	/* honest bomb: real deflate data, true sizes, ratio far past the limit */
	zb_init(&z);
	zb_add(&z, "zeros", 8, def, n, (uint32_t)big, crc);
	zb_finish(&z, 0);
	CHECK_INT(try_open(&z, &x), 0);
	CHECK_INT(x, MOAT_E_LIMIT);
	zb_release(&z);

	/* the same data declaring 1 MiB: inflating must stop, not overrun */
	zb_init(&z);
	zb_add(&z, "zeros", 8, def, n, 1u << 20, crc);
	zb_finish(&z, 0);
	CHECK_INT(try_open(&z, &x), 0);
	CHECK_INT(x, MOAT_E_FORMAT);
	zb_release(&z);

	/* stored entry whose declared sizes differ */
	zb_init(&z);
	zb_add(&z, "s", 0, "abc", 3, 1000, 0);
	zb_finish(&z, 0);
	CHECK_INT(try_open(&z, &x), 0);
	CHECK_INT(x, MOAT_E_FORMAT);
	zb_release(&z);
	free(zeros);
	free(def);
}

static void test_zip__zip64_lies(void)
{
	struct zb z;

	/* 2^40 entries claimed */
	zb_init(&z);
	zb_stored(&z, "a", "1");
	zb_finish64(&z, 1ull << 40, UINT64_MAX);
	CHECK_INT(try_open(&z, NULL), MOAT_E_LIMIT);
	zb_release(&z);

	/* 3 entries claimed, the directory holds one */
	zb_init(&z);
	zb_stored(&z, "a", "1");
	zb_finish64(&z, 3, UINT64_MAX);
	CHECK_INT(try_open(&z, NULL), MOAT_E_FORMAT);
	zb_release(&z);

	/* the truth works */
	zb_init(&z);
	zb_stored(&z, "a", "1");
	zb_finish64(&z, 1, UINT64_MAX);
	CHECK_INT(try_open(&z, NULL), 0);
	zb_release(&z);

	/* locator pointing far outside the buffer, record not where it falls back to */
	zb_init(&z);
	zb_stored(&z, "a", "1");
	zb_finish64(&z, 1, 1ull << 50);
	z.out.data[z.out.len - 22 - 20 - 56] ^= 0xff; /* break the record's signature */
	CHECK_INT(try_open(&z, NULL), MOAT_E_FORMAT);
	zb_release(&z);
}

static void test_zip__truncated_and_mismatched(void)
{
	struct moat_buf jar;
	struct moat_zip *zip = NULL;
	struct moat_error err = { 0 };
	struct zb z;
	int x = 0;
	size_t cd;

	moat_buf_init(&jar, 0);
	CHECK_INT(test_read_file(real_jars[0], &jar), 0);
	/* cut 100 bytes out of the middle of the central directory */
	cd = jar.data[jar.len - 22 + 16] | jar.data[jar.len - 22 + 17] << 8 |
	     (size_t)jar.data[jar.len - 22 + 18] << 16 | (size_t)jar.data[jar.len - 22 + 19] << 24;
	CHECK(cd + 1000 < jar.len);
	memmove(jar.data + cd + 500, jar.data + cd + 600, jar.len - cd - 600);
	CHECK_INT(moat_zip_open(jar.data, jar.len - 100, NULL, "cut.jar", &zip, &err),
		  MOAT_E_FORMAT);
	printf("# %s\n", err.msg);
	/* a file cut before its end record */
	CHECK_INT(moat_zip_open(jar.data, cd + 10, NULL, "short.jar", &zip, &err), MOAT_E_FORMAT);
	printf("# %s\n", err.msg);
	/* a launcher script in front (Spring Boot's executable jars) is fine */
	CHECK_INT(test_read_file(real_jars[0], &jar), 0);
	{
		struct moat_buf pre;

		moat_buf_init(&pre, 0);
		moat_buf_append_str(&pre, "#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n");
		moat_buf_append(&pre, jar.data, jar.len);
		CHECK_INT(moat_zip_open(pre.data, pre.len, NULL, "exec.jar", &zip, &err), 0);
		if (zip) {
			long i = moat_zip_find(zip, MOAT_SLICE_LIT("META-INF/MANIFEST.MF"));

			CHECK(i >= 0);
			CHECK_INT(moat_zip_extract(zip, (size_t)i, 1u << 20, &jar, &err), 0);
			CHECK(jar.len > 10 && memcmp(jar.data, "Manifest-Version", 16) == 0);
			moat_zip_close(zip);
		}
		moat_buf_release(&pre);
	}
	moat_buf_release(&jar);

	/* local name differs from the central one */
	zb_init(&z);
	zb_stored(&z, "a.txt", "hello");
	z.out.data[30] = 'b';
	zb_finish(&z, 0);
	CHECK_INT(try_open(&z, NULL), MOAT_E_FORMAT);
	zb_release(&z);

	/* a flipped data byte fails the CRC */
	zb_init(&z);
	zb_stored(&z, "a.txt", "hello");
	z.out.data[30 + 5] ^= 1;
	zb_finish(&z, 0);
	CHECK_INT(try_open(&z, &x), 0);
	CHECK_INT(x, MOAT_E_FORMAT);
	zb_release(&z);
}

static void test_zip__names_and_limits(void)
{
	static const struct {
		const char *name;
		bool safe;
	} names[] = {
		{ "ok/name.txt", true }, { "../etc/passwd", false }, { "/abs", false },
		{ "a/../b", false },     { "a\\b", false },          { "a/./b", false },
		{ "..x/y", true },
	};
	struct moat_zip *zip = NULL;
	struct moat_error err = { 0 };
	struct moat_zip_limits lim = { .max_total = 8 };
	struct moat_buf out;
	struct zb z;

	zb_init(&z);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		zb_stored(&z, names[i].name, "12345");
	zb_finish(&z, 0);
	CHECK_INT(moat_zip_open(z.out.data, z.out.len, &lim, "n.zip", &zip, &err), 0);
	if (zip) {
		moat_buf_init(&out, 0);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			CHECK_INT(moat_zip_entry(zip, i)->name_safe, names[i].safe);
		CHECK_INT(moat_zip_find(zip, MOAT_SLICE_LIT("../etc/passwd")), -1);
		CHECK_INT(moat_zip_find(zip, MOAT_SLICE_LIT("ok/name.txt")), 0);
		/* 5 bytes fit the 8-byte budget, the next 5 do not */
		CHECK_INT(moat_zip_extract(zip, 0, 100, &out, &err), 0);
		CHECK_INT(moat_zip_extract(zip, 1, 100, &out, &err), MOAT_E_LIMIT);
		CHECK_INT(moat_zip_extract(zip, 1, 4, &out, &err), MOAT_E_LIMIT);
		moat_buf_release(&out);
		moat_zip_close(zip);
	}
	lim = (struct moat_zip_limits){ .max_entries = 3 };
	CHECK_INT(moat_zip_open(z.out.data, z.out.len, &lim, "n.zip", &zip, &err), MOAT_E_LIMIT);
	zb_release(&z);
}

int main(void)
{
	char cmd[128];
	struct moat_buf out;

	if (!mkdtemp(tmpdir))
		return 1;
	MOAT_RUN(test_zip__real_jars);
	MOAT_RUN(test_zip__war_from_jar_tool);
	MOAT_RUN(test_zip__zip64_from_python);
	MOAT_RUN(test_zip__overlapping_entries);
	MOAT_RUN(test_zip__ratio_bomb_and_lies);
	MOAT_RUN(test_zip__zip64_lies);
	MOAT_RUN(test_zip__truncated_and_mismatched);
	MOAT_RUN(test_zip__names_and_limits);
	moat_buf_init(&out, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	test_run(cmd, &out);
	moat_buf_release(&out);
	return moat_test_done();
}
