/* SPDX-License-Identifier: Apache-2.0 */
/* tar.c - one pass over a tar stream; headers checked, names made safe. */
#include <errno.h>
#include <string.h>

#include "base/slice.h"
#include "moat/error.h"
#include "tar.h"

#define BLOCK 512u
/* PAX records beyond a path and a few numbers are not needed; cap their size. */
#define PAX_MAX (1u << 20)

struct ustar {
	char name[100];
	char mode[8];
	char uid[8];
	char gid[8];
	char size[12];
	char mtime[12];
	char chksum[8];
	char typeflag;
	char linkname[100];
	char magic[6];
	char version[2];
	char uname[32];
	char gname[32];
	char devmajor[8];
	char devminor[8];
	char prefix[155];
	char pad[12];
};
_Static_assert(sizeof(struct ustar) == BLOCK, "ustar header is one block");

void moat_tar_init(struct moat_tar *tar, struct moat_reader *in, const struct moat_limits *limits,
		   const char *what)
{
	memset(tar, 0, sizeof(*tar));
	tar->in = in;
	tar->limits = limits;
	tar->what = what ? what : "tar";
	tar->pax_size = UINT64_MAX;
	moat_buf_init(&tar->path, limits->path_bytes + 1);
	moat_buf_init(&tar->link, limits->path_bytes + 1);
	moat_buf_init(&tar->long_path, limits->path_bytes + 1);
	moat_buf_init(&tar->long_link, limits->path_bytes + 1);
}

void moat_tar_release(struct moat_tar *tar)
{
	moat_buf_release(&tar->path);
	moat_buf_release(&tar->link);
	moat_buf_release(&tar->long_path);
	moat_buf_release(&tar->long_link);
}

int moat_path_normalize(const char *in, size_t len, struct moat_buf *out, struct moat_error *err)
{
	struct moat_slice rest = moat_slice_make(in, len);
	struct moat_slice comp;
	int r;

	moat_buf_reset(out);
	if (len && in[0] == '/')
		return moat_error_set(err, MOAT_E_UNSAFE_PATH, "absolute path '%.*s'",
				      (int)(len > 200 ? 200 : len), in);
	if (memchr(in, '\0', len))
		return moat_error_set(err, MOAT_E_FORMAT, "path with a NUL byte");
	while (moat_slice_split(&rest, '/', &comp)) {
		if (comp.len == 0 || moat_slice_eq_str(comp, "."))
			continue;
		if (moat_slice_eq_str(comp, ".."))
			return moat_error_set(err, MOAT_E_UNSAFE_PATH, "path '%.*s' contains '..'",
					      (int)(len > 200 ? 200 : len), in);
		if (out->len && (r = moat_buf_putc(out, '/')) < 0)
			goto out_limit;
		if ((r = moat_buf_append(out, comp.ptr, comp.len)) < 0)
			goto out_limit;
	}
	if ((r = moat_buf_append(out, "", 0)) < 0) /* NUL-terminates, even when empty */
		goto out_limit;
	return 0;
out_limit:
	return moat_error_set(err, r, "path longer than %zu bytes", out->max - 1);
}

/* Octal (space/NUL padded) or GNU base-256 number. */
static bool parse_number(const char *field, size_t len, uint64_t *ret)
{
	const uint8_t *p = (const uint8_t *)field;
	uint64_t v = 0;
	size_t i = 0;

	if (len && (p[0] & 0x80)) {
		if (p[0] != 0x80)
			return false; /* negative base-256 values are never valid sizes here */
		for (i = 1; i < len; i++) {
			if (v >> 56)
				return false;
			v = (v << 8) | p[i];
		}
		*ret = v;
		return true;
	}
	while (i < len && (p[i] == ' ' || p[i] == '\0'))
		i++;
	if (i == len) {
		*ret = 0;
		return true;
	}
	for (; i < len && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60)
			return false;
		v = (v << 3) | (uint64_t)(p[i] - '0');
	}
	for (; i < len; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return false;
	*ret = v;
	return true;
}

static bool checksum_ok(const uint8_t *block, const struct ustar *h)
{
	uint64_t want;
	uint64_t sum_unsigned = 0;
	int64_t sum_signed = 0;

	if (!parse_number(h->chksum, sizeof(h->chksum), &want))
		return false;
	for (size_t i = 0; i < BLOCK; i++) {
		uint8_t c = (i >= 148 && i < 156) ? ' ' : block[i];

		sum_unsigned += c;
		sum_signed += (int8_t)c;
	}
	return want == sum_unsigned || (int64_t)want == sum_signed;
}

static bool all_zero(const uint8_t *block)
{
	for (size_t i = 0; i < BLOCK; i++)
		if (block[i])
			return false;
	return true;
}

static int skip_rest(struct moat_tar *tar, struct moat_error *err)
{
	int r = moat_read_skip(tar->in, tar->data_left + tar->pad_left, err);

	tar->data_left = 0;
	tar->pad_left = 0;
	return r;
}

/* Read the data of a GNU long-name entry or PAX header into buf. */
static int read_meta(struct moat_tar *tar, uint64_t size, uint64_t max, struct moat_buf *buf,
		     struct moat_error *err)
{
	int r;

	if (size > max)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: metadata entry of %llu bytes",
				      tar->what, (unsigned long long)size);
	moat_buf_reset(buf);
	if ((r = moat_buf_reserve(buf, (size_t)size)) < 0)
		return moat_error_set(err, r, "%s: metadata entry too large", tar->what);
	if ((r = moat_read_full(tar->in, buf->data, (size_t)size, err)) < 0)
		return r;
	buf->len = (size_t)size;
	buf->data[size] = '\0';
	return moat_read_skip(tar->in, (BLOCK - size % BLOCK) % BLOCK, err);
}

/* Apply PAX records "LEN key=value\n" we care about. */
static int parse_pax(struct moat_tar *tar, struct moat_slice in, struct moat_error *err)
{
	while (in.len) {
		long sp = moat_slice_find(in, ' ');
		uint64_t rec_len;
		struct moat_slice rec, kv, key;

		if (sp <= 0 || !moat_slice_to_u64(moat_slice_make(in.ptr, (size_t)sp), &rec_len) ||
		    rec_len <= (uint64_t)sp + 1 || rec_len > in.len || in.ptr[rec_len - 1] != '\n')
			return moat_error_set(err, MOAT_E_FORMAT, "%s: bad PAX record", tar->what);
		rec = moat_slice_make(in.ptr, (size_t)rec_len);
		in.ptr += rec_len;
		in.len -= rec_len;
		kv = moat_slice_make(rec.ptr + sp + 1, rec.len - (size_t)sp - 2);
		if (!moat_slice_split(&kv, '=', &key))
			continue;
		if (moat_slice_eq_str(key, "path")) {
			moat_buf_reset(&tar->long_path);
			if (moat_buf_append(&tar->long_path, kv.ptr, kv.len) < 0)
				return moat_error_set(err, MOAT_E_LIMIT, "%s: PAX path too long", tar->what);
		} else if (moat_slice_eq_str(key, "linkpath")) {
			moat_buf_reset(&tar->long_link);
			if (moat_buf_append(&tar->long_link, kv.ptr, kv.len) < 0)
				return moat_error_set(err, MOAT_E_LIMIT, "%s: PAX linkpath too long", tar->what);
		} else if (moat_slice_eq_str(key, "size")) {
			if (!moat_slice_to_u64(kv, &tar->pax_size))
				return moat_error_set(err, MOAT_E_FORMAT, "%s: bad PAX size", tar->what);
		}
	}
	return 0;
}

static void copy_field(struct moat_buf *buf, const char *field, size_t len)
{
	size_t n = strnlen(field, len);

	moat_buf_append(buf, field, n); /* cannot exceed path_bytes: fields are < 256 */
}

/* Name of a plain ustar header: prefix "/" name. */
static void header_name(const struct ustar *h, struct moat_buf *out)
{
	moat_buf_reset(out);
	if (!memcmp(h->magic, "ustar", 5) && h->prefix[0]) {
		copy_field(out, h->prefix, sizeof(h->prefix));
		moat_buf_putc(out, '/');
	}
	copy_field(out, h->name, sizeof(h->name));
	if (!out->data)
		moat_buf_append(out, "", 0);
}

static int fill_entry(struct moat_tar *tar, const struct ustar *h, struct moat_tar_entry *e,
		      struct moat_error *err)
{
	struct moat_buf raw;
	uint64_t mode = 0, uid = 0, gid = 0, mtime = 0, size = 0;
	int r;

	if (!parse_number(h->size, sizeof(h->size), &size) ||
	    !parse_number(h->mode, sizeof(h->mode), &mode) ||
	    !parse_number(h->uid, sizeof(h->uid), &uid) ||
	    !parse_number(h->gid, sizeof(h->gid), &gid) ||
	    !parse_number(h->mtime, sizeof(h->mtime), &mtime))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: entry %llu: bad numeric field",
				      tar->what, (unsigned long long)tar->entries);
	if (tar->pax_size != UINT64_MAX)
		size = tar->pax_size;
	moat_buf_init(&raw, tar->limits->path_bytes + 1);
	if (tar->long_path.len)
		moat_buf_append(&raw, tar->long_path.data, tar->long_path.len);
	else
		header_name(h, &raw);
	r = moat_path_normalize((const char *)raw.data, raw.len, &tar->path, err);
	moat_buf_release(&raw);
	if (r < 0)
		return moat_error_prefix(err, "%s: ", tar->what);

	memset(e, 0, sizeof(*e));
	e->type = h->typeflag;
	if (h->typeflag == '\0' || h->typeflag == '7')
		e->type = MOAT_TAR_FILE;
	moat_buf_reset(&tar->link);
	if (e->type == MOAT_TAR_SYMLINK || e->type == MOAT_TAR_HARDLINK) {
		if (tar->long_link.len)
			moat_buf_append(&tar->link, tar->long_link.data, tar->long_link.len);
		else
			copy_field(&tar->link, h->linkname, sizeof(h->linkname));
		if (!tar->link.data)
			moat_buf_append(&tar->link, "", 0);
		if (e->type == MOAT_TAR_HARDLINK) {
			struct moat_buf norm;

			moat_buf_init(&norm, tar->limits->path_bytes + 1);
			r = moat_path_normalize((const char *)tar->link.data, tar->link.len, &norm, err);
			if (r == 0) {
				moat_buf_reset(&tar->link);
				moat_buf_append(&tar->link, norm.data, norm.len);
			}
			moat_buf_release(&norm);
			if (r < 0)
				return moat_error_prefix(err, "%s: hardlink %s: ", tar->what,
							 (const char *)tar->path.data);
		}
		e->link = (const char *)tar->link.data;
		e->link_len = tar->link.len;
	}
	/* Links and directories carry no data, whatever the size field says. */
	if (e->type == MOAT_TAR_SYMLINK || e->type == MOAT_TAR_HARDLINK || e->type == MOAT_TAR_DIR ||
	    e->type == MOAT_TAR_CHAR || e->type == MOAT_TAR_BLOCK || e->type == MOAT_TAR_FIFO)
		e->size = e->type == MOAT_TAR_DIR ? size : 0;
	else
		e->size = size;
	e->path = (const char *)tar->path.data;
	e->path_len = tar->path.len;
	e->mode = (uint32_t)(mode & 07777);
	e->uid = (uint32_t)uid;
	e->gid = (uint32_t)gid;
	e->mtime = (int64_t)mtime;
	tar->data_left = size;
	tar->pad_left = (BLOCK - size % BLOCK) % BLOCK;
	moat_buf_reset(&tar->long_path);
	moat_buf_reset(&tar->long_link);
	tar->pax_size = UINT64_MAX;
	return 0;
}

int moat_tar_next(struct moat_tar *tar, struct moat_tar_entry *ret_entry, struct moat_error *err)
{
	uint8_t block[BLOCK];
	const struct ustar *h = (const struct ustar *)block;
	int r;

	if (tar->done)
		return 0;
	if ((r = skip_rest(tar, err)) < 0)
		return r;
	for (;;) {
		uint64_t size;
		ssize_t n = 0;
		size_t got = 0;

		/* A clean end of stream before any header is the end of the archive. */
		while (got < BLOCK) {
			n = moat_read(tar->in, block + got, BLOCK - got, err);
			if (n < 0)
				return (int)n;
			if (n == 0)
				break;
			got += (size_t)n;
		}
		if (got == 0) {
			tar->done = true;
			return 0;
		}
		if (got < BLOCK)
			return moat_error_set(err, MOAT_E_TRUNCATED, "%s: truncated header after entry %llu",
					      tar->what, (unsigned long long)tar->entries);
		if (all_zero(block)) {
			tar->done = true;
			return 0;
		}
		if (!checksum_ok(block, h))
			return moat_error_set(err, MOAT_E_FORMAT, "%s: bad header checksum after entry %llu",
					      tar->what, (unsigned long long)tar->entries);
		if (++tar->entries > tar->limits->entries_per_layer * 2)
			return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %llu entries", tar->what,
					      (unsigned long long)tar->limits->entries_per_layer);
		if (!parse_number(h->size, sizeof(h->size), &size))
			return moat_error_set(err, MOAT_E_FORMAT, "%s: bad size field", tar->what);
		switch (h->typeflag) {
		case 'L':
			r = read_meta(tar, size, tar->limits->path_bytes, &tar->long_path, err);
			if (r == 0)
				tar->long_path.len = strnlen((char *)tar->long_path.data, tar->long_path.len);
			break;
		case 'K':
			r = read_meta(tar, size, tar->limits->path_bytes, &tar->long_link, err);
			if (r == 0)
				tar->long_link.len = strnlen((char *)tar->long_link.data, tar->long_link.len);
			break;
		case 'x': {
			struct moat_buf pax;

			moat_buf_init(&pax, PAX_MAX + 1);
			r = read_meta(tar, size, PAX_MAX, &pax, err);
			if (r == 0)
				r = parse_pax(tar, moat_slice_make(pax.data, pax.len), err);
			moat_buf_release(&pax);
			break;
		}
		case 'g': /* global PAX header: nothing in it changes what we read */
		case 'V': /* volume label */
			r = moat_read_skip(tar->in, size + (BLOCK - size % BLOCK) % BLOCK, err);
			break;
		default:
			r = fill_entry(tar, h, ret_entry, err);
			if (r == 0 && ret_entry->path_len == 0 && ret_entry->type == MOAT_TAR_DIR)
				continue; /* the root directory itself: nothing to record */
			return r < 0 ? r : 1;
		}
		if (r < 0)
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
