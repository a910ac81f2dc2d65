/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db-load.c - walk an input of `moat db build --from PATH` and feed every
 * document in it to the parser moat_feed_sniff() picks.
 *
 * PATH is a directory (walked recursively in name order, so builds are
 * reproducible; dot-files and symlinked directories skipped), a single
 * feed file (optionally gzip or zstd compressed), a tar archive (.tar,
 * .tar.gz/.tgz, .tar.zst/.tzst) read as a stream through image/tar.c, or a
 * .zip (OSV's all.zip) read through base/zip.c. Every
 * document is bounded (MOAT_DBB_MAX_DOC_BYTES) and so is the total
 * decompressed size of an archive. Documents no parser recognises are
 * counted and skipped; a parse error stops the load: a DB is never built
 * from part of a feed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "base/buf.h"
#include "base/reader.h"
#include "base/zip.h"
#include "image/tar.h"
#include "moat/error.h"
#include "vuln/feed.h"
#include "db-build-int.h"

#define DZ_IN_BYTES ((size_t)256 * 1024)
/* Longest "archive:member" name used in messages and source records. */
#define LOAD_NAME_MAX (PATH_MAX + MOAT_LIMIT_PATH_BYTES + 2)

typedef int (*feed_fn)(const uint8_t *data, size_t len, const char *origin,
		       const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
		       struct moat_error *err);

static const struct {
	const char *name;
	feed_fn parse;
} parsers[] = {
	{ "osv", moat_feed_osv },
	{ "debian-tracker", moat_feed_debian_tracker },
	{ "alpine-secdb", moat_feed_alpine_secdb },
	{ "nvd", moat_feed_nvd },
	{ "kev", moat_feed_kev },
	{ "epss", moat_feed_epss },
};

struct loader {
	struct moat_feed_walker *w;
	const char *origin;             /* the --from path */
	struct moat_buf doc;
	uint64_t visited;
	struct moat_error *err;
};

/* ---- decompression as a moat_reader ---- */

enum codec { CODEC_NONE, CODEC_GZIP, CODEC_ZSTD };

struct dz {
	struct moat_reader *src;
	enum codec codec;
	uint8_t *in;
	size_t in_pos;
	size_t in_len;
	bool src_eof;
	size_t zret;                    /* last ZSTD_decompressStream() result; 0 = frame done */
	struct inflate_state *gz;
	ZSTD_DCtx *zs;
	uint64_t out_total;
	const char *what;
};

static int dz_fill(struct dz *d, struct moat_error *err)
{
	ssize_t n;

	if (d->in_pos < d->in_len || d->src_eof)
		return 0;
	n = moat_read(d->src, d->in, DZ_IN_BYTES, err);
	if (n < 0)
		return (int)n;
	d->in_pos = 0;
	d->in_len = (size_t)n;
	d->src_eof = n == 0;
	return 0;
}

/* gzip members may follow each other; zero padding after the last is fine. */
static int dz_gzip(struct dz *d, uint8_t *buf, size_t len, size_t *ret_n, struct moat_error *err)
{
	struct inflate_state *s = d->gz;
	int r;

	if (s->block_state == ISAL_BLOCK_FINISH) {
		if (d->in_len - d->in_pos >= 2 && d->in[d->in_pos] == 0x1f &&
		    d->in[d->in_pos + 1] == 0x8b) {
			isal_inflate_reset(s);
			s->crc_flag = ISAL_GZIP;
		} else {
			for (; d->in_pos < d->in_len; d->in_pos++)
				if (d->in[d->in_pos])
					return moat_error_set(err, MOAT_E_FORMAT,
							      "%s: data after the gzip stream", d->what);
			*ret_n = 0;
			return 0;
		}
	}
	s->next_in = d->in + d->in_pos;
	s->avail_in = (uint32_t)(d->in_len - d->in_pos);
	s->next_out = buf;
	s->avail_out = (uint32_t)len;
	r = isal_inflate(s);
	if (r != ISAL_DECOMP_OK)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: corrupt gzip data (isa-l error %d)",
				      d->what, r);
	d->in_pos = d->in_len - s->avail_in;
	*ret_n = len - s->avail_out;
	return 0;
}

static int dz_zstd(struct dz *d, uint8_t *buf, size_t len, size_t *ret_n, struct moat_error *err)
{
	ZSTD_inBuffer in = { d->in, d->in_len, d->in_pos };
	ZSTD_outBuffer out = { buf, len, 0 };
	size_t r = ZSTD_decompressStream(d->zs, &out, &in);

	if (ZSTD_isError(r))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: corrupt zstd data: %s", d->what,
				      ZSTD_getErrorName(r));
	d->zret = r;
	d->in_pos = in.pos;
	*ret_n = out.pos;
	return 0;
}

static ssize_t dz_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct dz *d = ctx;
	size_t n = 0;
	int r;

	if (len > (1u << 30))
		len = 1u << 30;
	while (n == 0) {
		size_t before;

		r = dz_fill(d, err);
		if (r < 0)
			return r;
		if (d->in_pos == d->in_len && d->src_eof) {
			if ((d->codec == CODEC_GZIP && d->gz->block_state != ISAL_BLOCK_FINISH) ||
			    (d->codec == CODEC_ZSTD && d->zret != 0))
				return moat_error_set(err, MOAT_E_TRUNCATED,
						      "%s: compressed stream ends early", d->what);
			return 0;
		}
		before = d->in_pos;
		r = d->codec == CODEC_GZIP ? dz_gzip(d, buf, len, &n, err)
					   : dz_zstd(d, buf, len, &n, err);
		if (r < 0)
			return r;
		if (n == 0 && d->in_pos == before && d->codec == CODEC_GZIP &&
		    d->gz->block_state == ISAL_BLOCK_FINISH)
			continue; /* trailing padding consumed */
		if (n == 0 && d->in_pos == before)
			return moat_error_set(err, MOAT_E_FORMAT, "%s: decompressor made no progress",
					      d->what);
	}
	d->out_total += n;
	if (d->out_total > MOAT_DBB_MAX_ARCHIVE_BYTES)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: decompresses to over %llu bytes",
				      d->what, (unsigned long long)MOAT_DBB_MAX_ARCHIVE_BYTES);
	return (ssize_t)n;
}

static int dz_open(struct dz *d, struct moat_reader *src, enum codec codec, const char *what,
		   struct moat_error *err)
{
	memset(d, 0, sizeof(*d));
	d->src = src;
	d->codec = codec;
	d->what = what;
	d->in = malloc(DZ_IN_BYTES);
	if (!d->in)
		return moat_error_set(err, -ENOMEM, "out of memory");
	if (codec == CODEC_GZIP) {
		d->gz = calloc(1, sizeof(*d->gz));
		if (!d->gz)
			return moat_error_set(err, -ENOMEM, "out of memory");
		isal_inflate_init(d->gz);
		d->gz->crc_flag = ISAL_GZIP;
	} else {
		d->zs = ZSTD_createDCtx();
		if (!d->zs)
			return moat_error_set(err, -ENOMEM, "out of memory");
		/* Bound the window so a frame cannot demand gigabytes of buffer. */
		ZSTD_DCtx_setParameter(d->zs, ZSTD_d_windowLogMax, 27);
	}
	return 0;
}

static void dz_close(struct dz *d)
{
	free(d->in);
	free(d->gz);
	ZSTD_freeDCtx(d->zs);
}

/* ---- documents ---- */

/* The feed's own date (KEV dateReleased, EPSS score_date, NVD timestamp) or NULL. */
static const char *feed_date(const char *feed, const struct moat_buf *doc, char *out, size_t len)
{
	if (moat_feed_date(feed, doc->data, doc->len, out, len, NULL) < 0 || !out[0])
		return NULL;
	return out;
}

/* Parse one whole document held in ld->doc; name names it in messages. */
static int load_doc(struct loader *ld, const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	struct moat_feed_stats st = { 0 };
	const char *feed = moat_feed_sniff(base, ld->doc.data, ld->doc.len);
	char date[80];
	int r;

	if (++ld->visited > MOAT_DBB_MAX_FILES)
		return moat_error_set(ld->err, MOAT_E_LIMIT, "%s: more than %u files", ld->origin,
				      MOAT_DBB_MAX_FILES);
	for (size_t i = 0; feed && i < sizeof(parsers) / sizeof(parsers[0]); i++) {
		if (strcmp(feed, parsers[i].name) != 0)
			continue;
		r = !ld->w->source ? 0 : ld->w->source(ld->w->ctx, feed, ld->origin,
				feed_date(feed, &ld->doc, date, sizeof(date)), ld->err);
		if (r == 0)
			r = parsers[i].parse(ld->doc.data, ld->doc.len, name, ld->w->sink, &st,
					     ld->err);
		/* Parsers name the document; make sure, for errors from elsewhere. */
		if (r < 0 && ld->err && !strstr(ld->err->msg, base))
			moat_error_prefix(ld->err, "%s: ", name);
		ld->w->files++;
		ld->w->records += st.records;
		ld->w->skipped += st.skipped;
		return r;
	}
	ld->w->ignored++;
	return 0;
}

/* Room to ask for next: 1 MiB steps, never past the document bound. */
static size_t chunk(size_t have)
{
	size_t left = (size_t)MOAT_DBB_MAX_DOC_BYTES + 1 - have;

	return left < (1u << 20) ? left : (1u << 20);
}

/* Read all of r into ld->doc (bounded). */
static int slurp(struct loader *ld, struct moat_reader *r, const char *name)
{
	moat_buf_reset(&ld->doc);
	for (;;) {
		ssize_t n;

		if (ld->doc.len == MOAT_DBB_MAX_DOC_BYTES)
			return moat_error_set(ld->err, MOAT_E_LIMIT, "%s: document over %llu bytes",
					      name, (unsigned long long)MOAT_DBB_MAX_DOC_BYTES);
		if (moat_buf_reserve(&ld->doc, chunk(ld->doc.len)) < 0)
			return moat_error_set(ld->err, -ENOMEM, "%s: out of memory", name);
		n = moat_read(r, ld->doc.data + ld->doc.len, ld->doc.cap - ld->doc.len - 1, ld->err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		ld->doc.len += (size_t)n;
	}
	ld->doc.data[ld->doc.len] = '\0';
	return 0;
}

static int load_tar(struct loader *ld, struct moat_reader *in, const char *name)
{
	char member[LOAD_NAME_MAX];
	struct moat_limits limits;
	struct moat_tar tar;
	struct moat_tar_entry e;
	int r;

	moat_limits_default(&limits);
	moat_tar_init(&tar, in, &limits, name);
	while ((r = moat_tar_next(&tar, &e, ld->err)) == 1) {
		struct moat_reader data;

		if (e.type != MOAT_TAR_FILE)
			continue;
		snprintf(member, sizeof(member), "%s:%s", name, e.path);
		if (e.size > MOAT_DBB_MAX_DOC_BYTES) {
			r = moat_error_set(ld->err, MOAT_E_LIMIT, "%s: document over %llu bytes",
					   member, (unsigned long long)MOAT_DBB_MAX_DOC_BYTES);
			break;
		}
		data = moat_tar_data_reader(&tar);
		r = slurp(ld, &data, member);
		if (r == 0)
			r = load_doc(ld, member);
		if (r < 0)
			break;
	}
	moat_tar_release(&tar);
	return r < 0 ? r : 0;
}

/* A zip (OSV publishes <ecosystem>/all.zip): mapped, entries extracted one
 * at a time under a shared byte budget (base/zip.c refuses overlapping
 * entries and bombs). */
static int load_zip(struct loader *ld, int fd, const char *name)
{
	struct moat_zip_limits limits = {
		.max_entries = MOAT_DBB_MAX_FILES,
		.max_total = MOAT_DBB_MAX_ARCHIVE_BYTES,
	};
	char member[LOAD_NAME_MAX];
	struct moat_zip *zip = NULL;
	struct stat st;
	void *map;
	int r;

	if (fstat(fd, &st) < 0)
		return moat_error_set(ld->err, -errno, "%s: %s", name, strerror(errno));
	if (st.st_size == 0)
		return moat_error_set(ld->err, MOAT_E_FORMAT, "%s: empty zip", name);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return moat_error_set(ld->err, -errno, "%s: mmap: %s", name, strerror(errno));
	r = moat_zip_open(map, (size_t)st.st_size, &limits, name, &zip, ld->err);
	for (size_t i = 0; r == 0 && i < moat_zip_count(zip); i++) {
		const struct moat_zip_entry *e = moat_zip_entry(zip, i);

		if (e->is_dir || !e->name_safe)
			continue;
		snprintf(member, sizeof(member), "%s:%.*s", name, (int)e->name.len,
			 (const char *)e->name.ptr);
		r = moat_zip_extract(zip, i, MOAT_DBB_MAX_DOC_BYTES, &ld->doc, ld->err);
		if (r == 0)
			r = load_doc(ld, member);
	}
	moat_zip_close(zip);
	munmap(map, (size_t)st.st_size);
	return r;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s);
	size_t m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool is_tar_name(const char *name)
{
	return has_suffix(name, ".tar") || has_suffix(name, ".tar.gz") || has_suffix(name, ".tgz") ||
	       has_suffix(name, ".tar.zst") || has_suffix(name, ".tzst");
}

/* A file: compressed or not (by magic), a tar archive or a document (by name). */
static int load_file(struct loader *ld, const char *path)
{
	struct moat_fd_reader fr;
	struct moat_reader raw;
	struct moat_reader in;
	struct dz dz = { 0 };
	uint8_t magic[4] = { 0 };
	enum codec codec = CODEC_NONE;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return moat_error_set(ld->err, -errno, "%s: %s", path, strerror(errno));
	if (has_suffix(path, ".zip")) {
		r = load_zip(ld, fd, path);
		close(fd);
		return r;
	}
	if (pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic)) {
		if (magic[0] == 0x1f && magic[1] == 0x8b)
			codec = CODEC_GZIP;
		else if (!memcmp(magic, "\x28\xb5\x2f\xfd", 4))
			codec = CODEC_ZSTD;
	}
	moat_fd_reader_init(&fr, fd, 0, UINT64_MAX);
	raw = moat_fd_reader(&fr);
	in = raw;
	r = 0;
	if (codec != CODEC_NONE) {
		r = dz_open(&dz, &raw, codec, path, ld->err);
		in = (struct moat_reader){ dz_read, &dz, NULL };
	}
	if (r == 0 && is_tar_name(path))
		r = load_tar(ld, &in, path);
	else if (r == 0) {
		r = slurp(ld, &in, path);
		if (r == 0)
			r = load_doc(ld, path);
	}
	if (codec != CODEC_NONE)
		dz_close(&dz);
	close(fd);
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_path(struct loader *ld, const char *path, unsigned depth);

/* Entries of a directory in name order, dot-files skipped. */
static int load_dir(struct loader *ld, const char *path, unsigned depth)
{
	char child[PATH_MAX];
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	size_t cap = 0;
	DIR *dir;
	int r = 0;

	if (depth > MOAT_DBB_MAX_DEPTH)
		return moat_error_set(ld->err, MOAT_E_LIMIT, "%s: directories nested over %u deep",
				      path, MOAT_DBB_MAX_DEPTH);
	dir = opendir(path);
	if (!dir)
		return moat_error_set(ld->err, -errno, "%s: %s", path, strerror(errno));
	while (r == 0 && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!nn) {
				r = moat_error_set(ld->err, -ENOMEM, "out of memory");
				break;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			r = moat_error_set(ld->err, -ENOMEM, "out of memory");
		else
			n++;
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && r == 0; i++) {
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, names[i]) >= sizeof(child))
			r = moat_error_set(ld->err, -ENAMETOOLONG, "%s/%s: path too long", path,
					   names[i]);
		else
			r = load_path(ld, child, depth + 1);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int load_path(struct loader *ld, const char *path, unsigned depth)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return moat_error_set(ld->err, -errno, "%s: %s", path, strerror(errno));
	/* A symlink given on the command line is followed; inside a tree, only
	 * to files, so a link cannot make the walk loop. */
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) < 0)
			return moat_error_set(ld->err, -errno, "%s: %s", path, strerror(errno));
		if (S_ISDIR(st.st_mode) && depth > 0)
			return 0;
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(ld, path, depth);
	if (S_ISREG(st.st_mode))
		return load_file(ld, path);
	return 0;
}

int moat_feed_load(const char *path, struct moat_feed_walker *w, struct moat_error *err)
{
	struct loader ld = { .w = w, .origin = path, .err = err };
	int r;

	moat_buf_init(&ld.doc, MOAT_DBB_MAX_DOC_BYTES + 1);
	r = load_path(&ld, path, 0);
	moat_buf_release(&ld.doc);
	return r;
}

static int dbb_source_cb(void *ctx, const char *feed, const char *origin, const char *date,
			 struct moat_error *err)
{
	return moat_dbb_source(ctx, feed, origin, date, err);
}

int moat_dbb_load(struct moat_dbb *dbb, const char *path, struct moat_error *err)
{
	struct moat_adv_sink sink = moat_dbb_sink(dbb);
	struct moat_feed_walker w = { .sink = &sink, .source = dbb_source_cb, .ctx = dbb };
	int r = moat_feed_load(path, &w, err);

	dbb->stats.files += w.files;
	dbb->stats.ignored += w.ignored;
	return r;
}
