/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tar.c - one pass over a tar stream, read as the container engines read it.
 *
 * The order of checks follows Go's archive/tar Reader.Next and Docker's
 * pkg/archive Unpack, so that every archive they accept yields the same
 * entries here (docs/internals/tar-reading.md).
 */
#include <errno.h>
#include <string.h>

#include "moat/error.h"
#include "tar.h"

/* Go caps PAX and GNU long-name records at 1 MiB (maxSpecialFileSize). */
#define META_MAX (1u << 20)

/* Offsets in a header block (Go's format.go). */
#define OFF_NAME 0
#define OFF_MODE 100
#define OFF_UID 108
#define OFF_GID 116
#define OFF_SIZE 124
#define OFF_MTIME 136
#define OFF_TYPE 156
#define OFF_LINK 157
#define OFF_DEVMAJOR 329
#define OFF_DEVMINOR 337
#define OFF_PREFIX 345
#define OFF_GNU_ATIME 345
#define OFF_GNU_CTIME 357
#define OFF_STAR_ATIME 476
#define OFF_STAR_CTIME 488

/* The numeric fields of one header. */
struct header {
	const uint8_t *block;
	enum tar_format format;
	char type;
	int64_t size;
	int64_t mode;
	int64_t uid;
	int64_t gid;
	int64_t mtime;
	int64_t dev_major;
	int64_t dev_minor;
};

void moat_tar_init(struct moat_tar *tar, struct moat_reader *in, const struct moat_limits *limits,
		   const char *what)
{
	memset(tar, 0, sizeof(*tar));
	tar->in = in;
	tar->limits = limits;
	tar->what = what ? what : "tar";
	moat_buf_init(&tar->path, limits->path_bytes + 1);
	moat_buf_init(&tar->link, limits->path_bytes + 1);
	moat_buf_init(&tar->raw, META_MAX + 512);
	moat_buf_init(&tar->gnu_name, META_MAX + 1);
	moat_buf_init(&tar->gnu_link, META_MAX + 1);
	moat_buf_init(&tar->pax_data, META_MAX + 1);
}

void moat_tar_release(struct moat_tar *tar)
{
	moat_buf_release(&tar->path);
	moat_buf_release(&tar->link);
	moat_buf_release(&tar->raw);
	moat_buf_release(&tar->gnu_name);
	moat_buf_release(&tar->gnu_link);
	moat_buf_release(&tar->pax_data);
}

/* Drop the last component of out (which holds components joined by '/'). */
static void pop_component(struct moat_buf *out)
{
	char *slash = memrchr(out->data, '/', out->len);

	out->len = slash ? (size_t)(slash - (char *)out->data) : 0;
}

int moat_tar_clean(const char *in, size_t len, struct moat_buf *out, bool *ret_dot,
		   struct moat_error *err)
{
	struct moat_slice rest = moat_slice_make(in, len);
	struct moat_slice comp;
	bool rooted = len && in[0] == '/';
	bool clamped = false;
	int r;

	moat_buf_reset(out);
	if (memchr(in, '\0', len))
		return moat_error_set(err, MOAT_E_FORMAT, "path with a NUL byte");
	while (moat_slice_split(&rest, '/', &comp)) {
		if (comp.len == 0 || moat_slice_eq_str(comp, "."))
			continue;
		if (moat_slice_eq_str(comp, "..")) {
			if (out->len)
				pop_component(out);
			else
				clamped = true;
			continue;
		}
		if (out->len && (r = moat_buf_putc(out, '/')) < 0)
			goto out_limit;
		if ((r = moat_buf_append(out, comp.ptr, comp.len)) < 0)
			goto out_limit;
	}
	if ((r = moat_buf_append(out, "", 0)) < 0) /* NUL-terminates, even when empty */
		goto out_limit;
	if (ret_dot)
		*ret_dot = out->len == 0 && !rooted && !clamped;
	return 0;
out_limit:
	return moat_error_set(err, r, "path longer than %zu bytes", out->max - 1);
}

static bool header_only(char type)
{
	return type >= MOAT_TAR_HARDLINK && type <= MOAT_TAR_FIFO;
}

static uint64_t padding(uint64_t size)
{
	return (TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK;
}

/* Read up to len bytes; *ret_got says how many arrived before the end. */
static int read_some(struct moat_tar *tar, uint8_t *buf, size_t len, size_t *ret_got,
		     struct moat_error *err)
{
	*ret_got = 0;
	while (*ret_got < len) {
		ssize_t n = moat_read(tar->in, buf + *ret_got, len - *ret_got, err);

		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		*ret_got += (size_t)n;
	}
	return 0;
}

/* Skip the unread data of the current entry (a short stream is an error),
 * then its padding: the stream may end anywhere in the padding, which Go
 * takes as the end of the archive. */
static int skip_rest(struct moat_tar *tar, struct moat_error *err)
{
	uint8_t pad[TAR_BLOCK];
	size_t want = (size_t)tar->pad_left;
	size_t got;
	int r;

	if (tar->data_left) {
		r = moat_read_skip(tar->in, tar->data_left, err);
		if (r < 0)
			return moat_error_prefix(err, "%s: %s: ", tar->what,
						 (const char *)tar->path.data);
	}
	tar->data_left = 0;
	tar->pad_left = 0;
	if ((r = read_some(tar, pad, want, &got, err)) < 0)
		return r;
	if (got < want)
		tar->done = true;
	return 0;
}

static bool all_zero(const uint8_t *block)
{
	for (size_t i = 0; i < TAR_BLOCK; i++)
		if (block[i])
			return false;
	return true;
}

/* A full block: 1, or 0 when the stream ends before its first byte. */
static int read_full_block(struct moat_tar *tar, uint8_t *block, struct moat_error *err)
{
	size_t got;
	int r;

	if ((r = read_some(tar, block, TAR_BLOCK, &got, err)) < 0)
		return r;
	if (got == 0)
		return 0;
	if (got < TAR_BLOCK)
		return moat_error_set(err, MOAT_E_TRUNCATED, "%s: truncated header after entry %llu",
				      tar->what, (unsigned long long)tar->entries);
	return 1;
}

/* Next header block: 1 with the block, 0 at the end of the archive. One zero
 * block ends it when the stream ends or a second zero block follows. */
static int read_block(struct moat_tar *tar, uint8_t *block, struct moat_error *err)
{
	int r = read_full_block(tar, block, err);

	if (r <= 0 || !all_zero(block))
		return r;
	r = read_full_block(tar, block, err);
	if (r <= 0 || all_zero(block))
		return r < 0 ? r : 0;
	return moat_error_set(err, MOAT_E_FORMAT, "%s: a header after the end-of-archive block "
			      "(after entry %llu)", tar->what, (unsigned long long)tar->entries);
}

static bool numeric(const uint8_t *block, size_t off, size_t len, int64_t *ret)
{
	return tar_parse_numeric(block + off, len, ret);
}

/* The numbers Go parses for this format; any bad one makes the header bad. */
static const char *parse_numbers(struct header *h)
{
	const uint8_t *b = h->block;
	int64_t ignored;

	if (!numeric(b, OFF_SIZE, 12, &h->size))
		return "size";
	if (!numeric(b, OFF_MODE, 8, &h->mode))
		return "mode";
	if (!numeric(b, OFF_UID, 8, &h->uid) || !numeric(b, OFF_GID, 8, &h->gid))
		return "uid/gid";
	if (!numeric(b, OFF_MTIME, 12, &h->mtime))
		return "mtime";
	if (h->format == TAR_V7)
		return NULL;
	if (!numeric(b, OFF_DEVMAJOR, 8, &h->dev_major) ||
	    !numeric(b, OFF_DEVMINOR, 8, &h->dev_minor))
		return "device number";
	if (h->format == TAR_STAR && (!numeric(b, OFF_STAR_ATIME, 12, &ignored) ||
				      !numeric(b, OFF_STAR_CTIME, 12, &ignored)))
		return "atime/ctime";
	return NULL;
}

static bool ascii(struct moat_slice s)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] >= 0x80)
			return false;
	return true;
}

/* The path prefix field, which only ustar and star headers have. GNU headers
 * hold atime/ctime there; Go reads it as a prefix only when those do not
 * parse (archives written by Go before 1.8) and it is ASCII. */
static struct moat_slice header_prefix(const struct header *h)
{
	const uint8_t *b = h->block;
	int64_t t;

	switch (h->format) {
	case TAR_USTAR:
		return tar_field_string(b + OFF_PREFIX, 155);
	case TAR_STAR:
		return tar_field_string(b + OFF_PREFIX, 131);
	case TAR_GNU:
		if ((b[OFF_GNU_ATIME] && !numeric(b, OFF_GNU_ATIME, 12, &t)) ||
		    (b[OFF_GNU_CTIME] && !numeric(b, OFF_GNU_CTIME, 12, &t))) {
			struct moat_slice prefix = tar_field_string(b + OFF_PREFIX, 155);

			if (ascii(prefix))
				return prefix;
		}
		return moat_slice_make("", 0);
	default:
		return moat_slice_make("", 0);
	}
}

/* The name before cleaning: GNU long name over PAX path over the header. */
static int raw_name(struct moat_tar *tar, const struct header *h, struct moat_error *err)
{
	struct moat_slice name = tar_field_string(h->block + OFF_NAME, 100);
	struct moat_slice prefix = header_prefix(h);
	struct moat_buf *raw = &tar->raw;

	moat_buf_reset(raw);
	if (tar->gnu_name.len)
		moat_buf_append(raw, tar->gnu_name.data, tar->gnu_name.len);
	else if (tar->pax_pending && tar->pax.path.len)
		moat_buf_append(raw, tar->pax.path.ptr, tar->pax.path.len);
	else if (prefix.len)
		moat_buf_appendf(raw, "%.*s/%.*s", (int)prefix.len, (const char *)prefix.ptr,
				 (int)name.len, (const char *)name.ptr);
	else
		moat_buf_append(raw, name.ptr, name.len);
	if (moat_buf_append(raw, "", 0) < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: entry name too long", tar->what);
	return 0;
}

/* The link target before cleaning, with the same precedence as the name. */
static struct moat_slice raw_link(const struct moat_tar *tar, const struct header *h)
{
	if (tar->gnu_link.len)
		return moat_slice_make(tar->gnu_link.data, tar->gnu_link.len);
	if (tar->pax_pending && tar->pax.linkpath.len)
		return tar->pax.linkpath;
	return tar_field_string(h->block + OFF_LINK, 100);
}

static void forget_pending(struct moat_tar *tar)
{
	moat_buf_reset(&tar->gnu_name);
	moat_buf_reset(&tar->gnu_link);
	tar->pax_pending = false;
}

static int entry_error(struct moat_tar *tar, int code, const char *why, struct moat_error *err)
{
	return moat_error_set(err, code, "%s: entry %llu '%.200s': %s", tar->what,
			      (unsigned long long)tar->entries, (const char *)tar->raw.data, why);
}

/* PAX values replace header ones (empty values keep the header's). */
static int apply_pax(struct moat_tar *tar, struct header *h, struct moat_error *err)
{
	const char *bad;

	if (!tar->pax_pending)
		return 0;
	if ((bad = tar_pax_check(&tar->pax)))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: entry %llu '%.200s': bad PAX %s value",
				      tar->what, (unsigned long long)tar->entries,
				      (const char *)tar->raw.data, bad);
	if (tar_pax_sparse(&tar->pax))
		return entry_error(tar, MOAT_E_UNSUPPORTED,
				   "GNU sparse map (sparse files are not read)", err);
	if (tar->pax.size.len)
		tar_parse_int(tar->pax.size, &h->size);
	if (tar->pax.uid.len)
		tar_parse_int(tar->pax.uid, &h->uid);
	if (tar->pax.gid.len)
		tar_parse_int(tar->pax.gid, &h->gid);
	return 0;
}

/* Link target of a link entry: hard links cleaned like names, symlinks kept. */
static int entry_link(struct moat_tar *tar, const struct header *h, struct moat_tar_entry *e,
		      struct moat_error *err)
{
	struct moat_slice link = raw_link(tar, h);
	int r;

	moat_buf_reset(&tar->link);
	if (h->type == MOAT_TAR_HARDLINK) {
		r = moat_tar_clean((const char *)link.ptr, link.len, &tar->link, NULL, err);
		if (r < 0)
			return moat_error_prefix(err, "%s: hard link '%.200s': ", tar->what,
						 (const char *)tar->raw.data);
		if (tar->link.len == 0)
			return entry_error(tar, MOAT_E_FORMAT, "hard link to the root", err);
	} else {
		if (link.len == 0)
			return entry_error(tar, MOAT_E_FORMAT, "symlink with an empty target", err);
		if (moat_buf_append(&tar->link, link.ptr, link.len) < 0 ||
		    moat_buf_append(&tar->link, "", 0) < 0)
			return entry_error(tar, MOAT_E_LIMIT, "symlink target too long", err);
	}
	e->link = (const char *)tar->link.data;
	e->link_len = tar->link.len;
	return 0;
}

/* Turn a header into an entry: 1 when it is one, 0 when the engine would skip
 * it (the root directory), or a negative code when it would refuse it. */
static int fill_entry(struct moat_tar *tar, struct header *h, struct moat_tar_entry *e,
		      struct moat_error *err)
{
	bool dot;
	int r;

	if ((r = raw_name(tar, h, err)) < 0)
		return r;
	if ((r = apply_pax(tar, h, err)) < 0)
		return r;
	if (h->type == '\0')
		h->type = tar->raw.len && tar->raw.data[tar->raw.len - 1] == '/' ? MOAT_TAR_DIR
										   : MOAT_TAR_FILE;
	if (header_only(h->type))
		h->size = 0;
	if (h->size < 0)
		return entry_error(tar, MOAT_E_FORMAT, "negative size", err);
	tar->data_left = (uint64_t)h->size;
	tar->pad_left = padding((uint64_t)h->size);
	r = moat_tar_clean((const char *)tar->raw.data, tar->raw.len, &tar->path, &dot, err);
	if (r < 0)
		return moat_error_prefix(err, "%s: entry %llu: ", tar->what,
					 (unsigned long long)tar->entries);
	/* Docker skips "." before it looks at the type. */
	if (tar->path.len == 0 && (dot || h->type == MOAT_TAR_DIR))
		return 0;
	if (h->type != MOAT_TAR_FILE && !header_only(h->type))
		return entry_error(tar, MOAT_E_UNSUPPORTED,
				   "entry type not unpacked by container engines", err);
	if (tar->path.len == 0)
		return entry_error(tar, MOAT_E_FORMAT, "a non-directory at the root", err);
	memset(e, 0, sizeof(*e));
	e->type = h->type;
	if ((h->type == MOAT_TAR_SYMLINK || h->type == MOAT_TAR_HARDLINK) &&
	    (r = entry_link(tar, h, e, err)) < 0)
		return r;
	e->path = (const char *)tar->path.data;
	e->path_len = tar->path.len;
	e->size = (uint64_t)h->size;
	e->mode = (uint32_t)(h->mode & 07777);
	e->uid = (uint32_t)h->uid;
	e->gid = (uint32_t)h->gid;
	e->mtime = h->mtime;
	if (h->type == MOAT_TAR_CHAR || h->type == MOAT_TAR_BLOCK) {
		e->dev_major = (uint32_t)h->dev_major;
		e->dev_minor = (uint32_t)h->dev_minor;
	}
	return 1;
}

/* Data of a 'x', 'g', 'L' or 'K' header into buf; then its padding. */
static int read_meta(struct moat_tar *tar, uint64_t size, struct moat_buf *buf,
		     struct moat_error *err)
{
	int r;

	if (size > META_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: metadata entry %llu of %llu bytes "
				      "(over Go's 1 MiB limit)", tar->what,
				      (unsigned long long)tar->entries, (unsigned long long)size);
	moat_buf_reset(buf);
	if ((r = moat_buf_reserve(buf, (size_t)size + 1)) < 0)
		return moat_error_set(err, r, "%s: metadata entry too large", tar->what);
	if ((r = moat_read_full(tar->in, buf->data, (size_t)size, err)) < 0)
		return moat_error_prefix(err, "%s: metadata entry %llu: ", tar->what,
					 (unsigned long long)tar->entries);
	buf->len = (size_t)size;
	buf->data[size] = '\0';
	tar->pad_left = padding(size);
	return 0;
}

static int read_pax(struct moat_tar *tar, uint64_t size, bool global, struct moat_error *err)
{
	struct tar_pax pax;
	const char *bad;
	int r;

	if ((r = read_meta(tar, size, &tar->pax_data, err)) < 0)
		return r;
	bad = tar_pax_parse(moat_slice_make(tar->pax_data.data, tar->pax_data.len), &pax);
	if (bad)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: PAX header (entry %llu): %s",
				      tar->what, (unsigned long long)tar->entries, bad);
	if (global) {
		/* Go returns a global header as an entry of its own, dropping what was
		 * pending; the engines then ignore it. */
		forget_pending(tar);
		return 0;
	}
	tar->pax = pax; /* each 'x' replaces the one before */
	tar->pax_pending = true;
	return 0;
}

/* A GNU long name or link: up to the first NUL; empty means "none". */
static int read_long(struct moat_tar *tar, uint64_t size, struct moat_buf *buf,
		     struct moat_error *err)
{
	int r = read_meta(tar, size, buf, err);

	if (r == 0)
		buf->len = strnlen((const char *)buf->data, buf->len);
	return r;
}

/* One header: 1 with an entry, 0 for a header that is not one (metadata, the
 * root), or a negative code. */
static int read_header(struct moat_tar *tar, const uint8_t *block, struct moat_tar_entry *e,
		       struct moat_error *err)
{
	struct header h = { .block = block, .type = (char)block[OFF_TYPE] };
	const char *bad;
	uint64_t data;
	int r;

	if (!tar_block_format(block, &h.format))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: bad header checksum after entry %llu",
				      tar->what, (unsigned long long)tar->entries);
	if (++tar->entries > tar->limits->entries_per_layer * 2)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %llu entries", tar->what,
				      (unsigned long long)tar->limits->entries_per_layer);
	if ((bad = parse_numbers(&h)))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: entry %llu: bad %s field", tar->what,
				      (unsigned long long)tar->entries, bad);
	data = header_only(h.type) ? 0 : (uint64_t)h.size;
	if (!header_only(h.type) && h.size < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: entry %llu: negative size",
				      tar->what, (unsigned long long)tar->entries);
	switch (h.type) {
	case 'x':
	case 'g':
		return read_pax(tar, data, h.type == 'g', err);
	case 'L':
		return read_long(tar, data, &tar->gnu_name, err);
	case 'K':
		return read_long(tar, data, &tar->gnu_link, err);
	default:
		r = fill_entry(tar, &h, e, err);
		forget_pending(tar);
		return r;
	}
}

int moat_tar_next(struct moat_tar *tar, struct moat_tar_entry *ret_entry, struct moat_error *err)
{
	uint8_t block[TAR_BLOCK];
	int r;

	for (;;) {
		if (tar->done)
			return 0;
		if ((r = skip_rest(tar, err)) < 0)
			return r;
		if (tar->done)
			return 0;
		r = read_block(tar, block, err);
		if (r <= 0) {
			tar->done = r == 0;
			return r;
		}
		r = read_header(tar, block, ret_entry, err);
		if (r != 0)
			return r;
	}
}

ssize_t moat_tar_read(struct moat_tar *tar, void *buf, size_t len, struct moat_error *err)
{
	ssize_t n;

	if (len > tar->data_left)
		len = (size_t)tar->data_left;
	if (len == 0)
		return 0;
	n = moat_read(tar->in, buf, len, err);
	if (n == 0)
		return moat_error_set(err, MOAT_E_TRUNCATED, "%s: %s: data ends early", tar->what,
				      (const char *)tar->path.data);
	if (n > 0)
		tar->data_left -= (uint64_t)n;
	return n;
}

static ssize_t data_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	return moat_tar_read(ctx, buf, len, err);
}

struct moat_reader moat_tar_data_reader(struct moat_tar *tar)
{
	return (struct moat_reader){ data_read, tar };
}
