/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db-write.c - merge the builder's tables and serialise them in the format
 * of vulndb-format.h, then write the file atomically.
 *
 * Merging at write time because it needs everything: a record inherits CVSS
 * (by rank), severity, KEV and EPSS from the records and rows of its CVE
 * aliases; entries with the same (ecosystem, package, vuln, range type) from
 * several affected items or feeds become one entry with the union of their
 * ranges and versions. Output order is fixed by sorting, so the same input
 * gives the same bytes (apart from the build time).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "moat/error.h"
#include "vuln/cvss.h"
#include "db-build-int.h"
#include "vulndb-format.h"

struct writer {
	struct moat_dbb *dbb;
	struct moat_buf sec[VDB_SEC_COUNT_];    /* section bodies by id */
	uint64_t n_lists;
	uint64_t n_ranges;
	struct moat_error *err;
};

/* Offset of an interned string in STRINGS, appending it on first use. */
static int wstr(struct writer *w, const char *s, uint32_t *ret_off)
{
	struct moat_buf *b = &w->sec[VDB_SEC_STRINGS];
	struct dbb_str *is;
	size_t len;

	if (!s) {
		*ret_off = 0;
		return 0;
	}
	is = dbb_str_of(s);
	if (is->gen == w->dbb->gen) {
		*ret_off = is->off;
		return 0;
	}
	len = strlen(s) + 1;
	if (b->len + len > UINT32_MAX)
		return moat_error_set(w->err, MOAT_E_LIMIT, "db build: string table over 4 GiB");
	is->off = (uint32_t)b->len;
	is->gen = w->dbb->gen;
	*ret_off = is->off;
	return moat_buf_append(b, s, len);
}

static int put_str(struct writer *w, uint8_t *rec, size_t at, const char *s)
{
	uint32_t off = 0;
	int r = wstr(w, s, &off);

	if (r == 0)
		vdb_put32(rec + at, off);
	return r;
}

/* Append strings to LISTS; store (first, count) at rec+at. */
static int put_list(struct writer *w, uint8_t *rec, size_t at, const char *const *v, uint32_t n)
{
	uint8_t cell[VDB_LIST_BYTES];
	uint32_t off = 0;
	int r = 0;

	if (w->n_lists + n > UINT32_MAX)
		return moat_error_set(w->err, MOAT_E_LIMIT, "db build: over 2^32 list items");
	vdb_put32(rec + at, n ? (uint32_t)w->n_lists : 0);
	vdb_put32(rec + at + 4, n);
	for (uint32_t i = 0; i < n && r == 0; i++) {
		r = wstr(w, v[i], &off);
		vdb_put32(cell, off);
		if (r == 0)
			r = moat_buf_append(&w->sec[VDB_SEC_LISTS], cell, sizeof(cell));
	}
	w->n_lists += n;
	return r;
}

static int cmp_str(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a || !b)
		return a ? 1 : -1;
	return strcmp(a, b);
}

static int cmp_vuln(const void *pa, const void *pb)
{
	const struct dbb_vuln *a = *(const struct dbb_vuln *const *)pa;
	const struct dbb_vuln *b = *(const struct dbb_vuln *const *)pb;

	return strcmp(a->id, b->id);
}

static bool same_key(const struct dbb_entry *a, const struct dbb_entry *b)
{
	return a->ecosystem == b->ecosystem && a->package == b->package && a->vuln == b->vuln &&
	       a->range_type == b->range_type;
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct dbb_entry *a = *(const struct dbb_entry *const *)pa;
	const struct dbb_entry *b = *(const struct dbb_entry *const *)pb;
	int c = cmp_str(a->ecosystem, b->ecosystem);

	if (c == 0)
		c = cmp_str(a->package, b->package);
	if (c == 0)
		c = strcmp(a->vuln->id, b->vuln->id);
	if (c == 0)
		c = (int)a->range_type - (int)b->range_type;
	if (c == 0)
		c = a->seq < b->seq ? -1 : a->seq > b->seq;
	return c;
}

/* Inherit from the record of one alias (or the id itself). */
static void enrich_from(struct moat_dbb *dbb, struct dbb_vuln *v, const char *id)
{
	struct dbb_vuln *o = moat_hmap_get(&dbb->vulns, id, strlen(id));
	struct dbb_kev *k = moat_hmap_get(&dbb->kev, id, strlen(id));
	struct dbb_epss *e = moat_hmap_get(&dbb->epss, id, strlen(id));

	if (o && o != v && !o->withdrawn) {
		if (o->cvss3_rank > v->cvss3_rank) {
			v->cvss3_vector = o->cvss3_vector;
			v->cvss3_source = o->cvss3_source;
			v->cvss3_score = o->cvss3_score;
			v->cvss3_rank = o->cvss3_rank;
		}
		if (o->cvss4_rank > v->cvss4_rank) {
			v->cvss4_vector = o->cvss4_vector;
			v->cvss4_source = o->cvss4_source;
			v->cvss4_score = o->cvss4_score;
			v->cvss4_rank = o->cvss4_rank;
		}
		if (o->severity_rank > v->severity_rank) {
			v->severity = o->severity;
			v->severity_rank = o->severity_rank;
		}
	}
	if (k && !v->kev) {
		v->kev = true;
		v->kev_date = k->date_added;
		v->kev_ransomware = k->ransomware;
	}
	if (e && v->epss < 0) {
		v->epss = e->probability;
		v->epss_pct = e->percentile;
	}
}

/* Severity word for a record without one, from its best CVSS v3 score
 * (FIRST's qualitative scale); NULL for none or no score. */
static const char *severity_of_score(double s)
{
	const char *word = moat_cvss_severity(s);

	return strcmp(word, "none") == 0 || strcmp(word, "unknown") == 0 ? NULL : word;
}

static int sorted_vulns(struct writer *w, struct dbb_vuln ***ret, size_t *ret_n)
{
	struct moat_dbb *dbb = w->dbb;
	struct dbb_vuln **vs = calloc(dbb->vulns.count ? dbb->vulns.count : 1,
				      sizeof(struct dbb_vuln *));
	size_t n = 0;
	bool oom = false;

	if (!vs)
		return moat_error_set(w->err, -ENOMEM, "db build: out of memory");
	for (size_t i = 0; i < dbb->vulns.cap; i++) {
		struct dbb_vuln *v = dbb->vulns.slots[i].key ? dbb->vulns.slots[i].value : NULL;

		if (!v || v->withdrawn)
			continue;
		v->kev = false;
		v->epss = -1;
		v->epss_pct = -1;
		enrich_from(dbb, v, v->id);
		for (uint32_t a = 0; a < v->aliases.n; a++)
			enrich_from(dbb, v, v->aliases.v[a]);
		if (!v->severity && v->cvss3_vector && severity_of_score(v->cvss3_score)) {
			const char *word = severity_of_score(v->cvss3_score);

			v->severity = dbb_intern(dbb, word, strlen(word), &oom);
		}
		vs[n++] = v;
	}
	if (oom) {
		free(vs);
		return moat_error_set(w->err, -ENOMEM, "db build: out of memory");
	}
	qsort(vs, n, sizeof(struct dbb_vuln *), cmp_vuln);
	for (size_t i = 0; i < n; i++)
		vs[i]->index = (uint32_t)i;
	*ret = vs;
	*ret_n = n;
	return 0;
}

static int write_vuln(struct writer *w, const struct dbb_vuln *v)
{
	uint8_t rec[VDB_VULN_BYTES] = { 0 };
	uint32_t flags = (v->kev ? VDB_VF_KEV : 0) | (v->kev_ransomware ? VDB_VF_RANSOMWARE : 0);
	const char *src = v->cvss3_vector ? v->cvss3_source : v->cvss4_source;
	int r;

	r = put_str(w, rec, VDB_V_ID, v->id);
	r = r ? r : put_str(w, rec, VDB_V_SUMMARY, v->summary);
	r = r ? r : put_str(w, rec, VDB_V_PUBLISHED, v->published);
	r = r ? r : put_str(w, rec, VDB_V_MODIFIED, v->modified);
	r = r ? r : put_str(w, rec, VDB_V_SEVERITY, v->severity);
	r = r ? r : put_str(w, rec, VDB_V_CVSS3_VECTOR, v->cvss3_vector);
	r = r ? r : put_str(w, rec, VDB_V_CVSS4_VECTOR, v->cvss4_vector);
	r = r ? r : put_str(w, rec, VDB_V_CVSS_SOURCE, src);
	r = r ? r : put_str(w, rec, VDB_V_KEV_DATE, v->kev ? v->kev_date : NULL);
	vdb_put32(rec + VDB_V_FLAGS, flags);
	vdb_putf64(rec + VDB_V_CVSS3_SCORE, v->cvss3_vector ? v->cvss3_score : -1);
	vdb_putf64(rec + VDB_V_CVSS4_SCORE, v->cvss4_vector ? v->cvss4_score : -1);
	vdb_putf64(rec + VDB_V_EPSS, v->epss);
	vdb_putf64(rec + VDB_V_EPSS_PCT, v->epss_pct);
	r = r ? r : put_list(w, rec, VDB_V_FIRST_ALIAS, v->aliases.v, v->aliases.n);
	r = r ? r : put_list(w, rec, VDB_V_FIRST_CWE, v->cwes.v, v->cwes.n);
	r = r ? r : put_list(w, rec, VDB_V_FIRST_REF, v->refs.v, v->refs.n);
	if (r == 0)
		r = moat_buf_append(&w->sec[VDB_SEC_VULNS], rec, sizeof(rec));
	if (v->kev)
		w->dbb->stats.kev_matched++;
	if (v->epss >= 0)
		w->dbb->stats.epss_matched++;
	return r;
}

static bool has_range(const struct moat_adv_range *rs, size_t n, const struct moat_adv_range *x)
{
	for (size_t i = 0; i < n; i++)
		if (rs[i].introduced == x->introduced && rs[i].fixed == x->fixed &&
		    rs[i].last_affected == x->last_affected && rs[i].limit == x->limit)
			return true;
	return false;
}

static bool has_str(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == s)
			return true;
	return false;
}

/* Write the group es[0..n) (same key) as one entry: union of ranges and versions. */
static int write_entry(struct writer *w, struct dbb_entry *const *es, size_t n)
{
	uint8_t rec[VDB_ENTRY_BYTES] = { 0 };
	const char *sev = NULL;
	const char *note = NULL;
	struct moat_buf ranges;
	struct moat_buf versions;
	size_t nr = 0;
	size_t nv = 0;
	int r = 0;

	moat_buf_init(&ranges, 0);
	moat_buf_init(&versions, 0);
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct dbb_entry *e = es[i];

		sev = sev ? sev : e->severity;
		note = note ? note : e->note;
		for (uint32_t k = 0; k < e->n_ranges && r == 0; k++) {
			if (has_range((const void *)ranges.data, nr, &e->ranges[k]))
				continue;
			r = moat_buf_append(&ranges, &e->ranges[k], sizeof(e->ranges[k]));
			nr++;
		}
		for (uint32_t k = 0; k < e->n_versions && r == 0; k++) {
			if (!e->versions[k] ||
			    has_str((const void *)versions.data, nv, e->versions[k]))
				continue;
			r = moat_buf_append(&versions, &e->versions[k], sizeof(e->versions[k]));
			nv++;
		}
	}
	if (r == 0 && w->n_ranges + nr > UINT32_MAX)
		r = moat_error_set(w->err, MOAT_E_LIMIT, "db build: over 2^32 ranges");
	vdb_put32(rec + VDB_E_VULN, es[0]->vuln->index);
	rec[VDB_E_STATUS] = es[0]->status;
	rec[VDB_E_RANGE_TYPE] = es[0]->range_type;
	vdb_put32(rec + VDB_E_FIRST_RANGE, nr ? (uint32_t)w->n_ranges : 0);
	vdb_put32(rec + VDB_E_N_RANGES, (uint32_t)nr);
	for (size_t i = 0; i < nr && r == 0; i++) {
		const struct moat_adv_range *x = (const void *)(ranges.data + i * sizeof(*x));
		uint8_t cell[VDB_RANGE_BYTES];

		r = put_str(w, cell, 0, x->introduced);
		r = r ? r : put_str(w, cell, 4, x->fixed);
		r = r ? r : put_str(w, cell, 8, x->last_affected);
		r = r ? r : put_str(w, cell, 12, x->limit);
		r = r ? r : moat_buf_append(&w->sec[VDB_SEC_RANGES], cell, sizeof(cell));
	}
	w->n_ranges += nr;
	r = r ? r : put_list(w, rec, VDB_E_FIRST_VERSION, (const void *)versions.data,
			     (uint32_t)nv);
	r = r ? r : put_str(w, rec, VDB_E_SEVERITY, sev);
	r = r ? r : put_str(w, rec, VDB_E_NOTE, note);
	r = r ? r : moat_buf_append(&w->sec[VDB_SEC_ENTRIES], rec, sizeof(rec));
	moat_buf_release(&ranges);
	moat_buf_release(&versions);
	return r;
}

static int write_package(struct writer *w, const struct dbb_entry *e, uint64_t first, uint64_t n)
{
	uint8_t rec[VDB_PACKAGE_BYTES];
	int r;

	r = put_str(w, rec, 0, e->ecosystem);
	r = r ? r : put_str(w, rec, 4, e->package);
	vdb_put32(rec + 8, (uint32_t)first);
	vdb_put32(rec + 12, (uint32_t)n);
	w->dbb->stats.n_packages++;
	return r ? r : moat_buf_append(&w->sec[VDB_SEC_PACKAGES], rec, sizeof(rec));
}

/* Entries of live records, sorted, merged per key, grouped per package. */
static int write_entries(struct writer *w)
{
	struct moat_dbb *dbb = w->dbb;
	struct dbb_entry **es = calloc(dbb->n_ents ? dbb->n_ents : 1, sizeof(struct dbb_entry *));
	size_t n = 0;
	uint64_t out = 0;
	uint64_t pkg_first = 0;
	size_t pkg_start = 0;
	int r = 0;

	if (!es)
		return moat_error_set(w->err, -ENOMEM, "db build: out of memory");
	for (size_t i = 0; i < dbb->n_ents; i++)
		if (!dbb->ents[i].vuln->withdrawn)
			es[n++] = &dbb->ents[i];
	qsort(es, n, sizeof(struct dbb_entry *), cmp_entry);
	for (size_t i = 0; i < n && r == 0;) {
		size_t j = i + 1;

		while (j < n && same_key(es[i], es[j]))
			j++;
		if (i > pkg_start && (es[i]->ecosystem != es[pkg_start]->ecosystem ||
				      es[i]->package != es[pkg_start]->package)) {
			r = write_package(w, es[pkg_start], pkg_first, out - pkg_first);
			pkg_start = i;
			pkg_first = out;
		}
		r = r ? r : write_entry(w, es + i, j - i);
		out++;
		if (out > UINT32_MAX)
			r = moat_error_set(w->err, MOAT_E_LIMIT, "db build: over 2^32 entries");
		i = j;
	}
	if (r == 0 && n)
		r = write_package(w, es[pkg_start], pkg_first, out - pkg_first);
	dbb->stats.n_entries = out;
	free(es);
	return r;
}

static int write_sources(struct writer *w)
{
	for (size_t i = 0; i < w->dbb->n_sources; i++) {
		const struct dbb_source *s = &w->dbb->sources[i];
		uint8_t rec[VDB_SOURCE_BYTES] = { 0 };
		int r;

		r = put_str(w, rec, 0, s->name);
		r = r ? r : put_str(w, rec, 4, s->origin);
		r = r ? r : put_str(w, rec, 8, s->date ? s->date : s->newest);
		vdb_put64(rec + 16, s->records);
		r = r ? r : moat_buf_append(&w->sec[VDB_SEC_SOURCES], rec, sizeof(rec));
		if (r)
			return r;
	}
	return 0;
}

static unsigned hexval(uint8_t c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/* Header + sections (each 8-aligned) into out; the checksum of it all last. */
static int assemble(struct writer *w, int64_t built, struct moat_buf *out)
{
	static const uint8_t zeros[VDB_HEADER_BYTES];
	static const uint32_t rec_size[VDB_SEC_COUNT_] = {
		0, 0, VDB_SOURCE_BYTES, VDB_PACKAGE_BYTES, VDB_ENTRY_BYTES, VDB_RANGE_BYTES,
		VDB_VULN_BYTES, VDB_LIST_BYTES,
	};
	uint8_t sha[MOAT_DIGEST_STR_MAX];
	size_t start = out->len;
	uint8_t *h;
	int r = moat_buf_append(out, zeros, VDB_HEADER_BYTES);
	unsigned ns = 0;

	for (unsigned id = 1; id < VDB_SEC_COUNT_ && r == 0; id++, ns++) {
		uint64_t off = out->len - start;
		uint8_t *rec;

		r = moat_buf_append(out, w->sec[id].data ? w->sec[id].data : zeros, w->sec[id].len);
		if (r == 0 && (out->len - start) % VDB_ALIGN)
			r = moat_buf_append(out, zeros, VDB_ALIGN - (out->len - start) % VDB_ALIGN);
		if (r)
			break;
		rec = out->data + start + VDB_H_SECTIONS + (size_t)ns * VDB_SECTION_BYTES;
		vdb_put32(rec, id);
		vdb_put32(rec + 4, rec_size[id]);
		vdb_put64(rec + 8, off);
		vdb_put64(rec + 16, w->sec[id].len);
	}
	if (r)
		return moat_error_set(w->err, r, "db build: output too large");
	h = out->data + start;
	memcpy(h + VDB_H_MAGIC, VDB_MAGIC, VDB_MAGIC_LEN);
	vdb_put32(h + VDB_H_VERSION, VDB_VERSION);
	vdb_put32(h + VDB_H_HEADER_BYTES, VDB_HEADER_BYTES);
	vdb_put64(h + VDB_H_BUILT, (uint64_t)built);
	vdb_put64(h + VDB_H_FILE_SIZE, out->len - start);
	vdb_put64(h + VDB_H_N_VULNS, w->dbb->stats.n_vulns);
	vdb_put64(h + VDB_H_N_ENTRIES, w->dbb->stats.n_entries);
	vdb_put64(h + VDB_H_N_PACKAGES, w->dbb->stats.n_packages);
	vdb_put64(h + VDB_H_N_SOURCES, w->dbb->n_sources);
	vdb_put32(h + VDB_H_N_SECTIONS, ns);
	if (vdb_checksum(h, out->len - start, (char *)sha) < 0)
		return moat_error_set(w->err, -ENOMEM, "db build: sha256 failed");
	/* "sha256:" + 64 lowercase hex -> 32 raw bytes */
	for (unsigned i = 0; i < 32; i++)
		h[VDB_H_SHA256 + i] = (uint8_t)(hexval(sha[7 + 2 * i]) << 4 | hexval(sha[8 + 2 * i]));
	return 0;
}

int moat_dbb_serialize(struct moat_dbb *dbb, int64_t built, struct moat_buf *out,
		       struct moat_error *err)
{
	struct writer w = { .dbb = dbb, .err = err };
	struct dbb_vuln **vs = NULL;
	size_t nv = 0;
	int r;

	dbb->gen++;
	dbb->stats.n_vulns = dbb->stats.n_entries = dbb->stats.n_packages = 0;
	dbb->stats.kev_matched = dbb->stats.epss_matched = 0;
	for (unsigned i = 0; i < VDB_SEC_COUNT_; i++)
		moat_buf_init(&w.sec[i], 0);
	/* Offset 0 of STRINGS is the empty string that stands for "absent". */
	r = moat_buf_putc(&w.sec[VDB_SEC_STRINGS], '\0');
	r = r ? moat_error_set(err, r, "db build: out of memory") : sorted_vulns(&w, &vs, &nv);
	if (r == 0 && nv > UINT32_MAX)
		r = moat_error_set(err, MOAT_E_LIMIT, "db build: over 2^32 records");
	for (size_t i = 0; i < nv && r == 0; i++)
		r = write_vuln(&w, vs[i]);
	dbb->stats.n_vulns = nv;
	r = r ? r : write_entries(&w);
	r = r ? r : write_sources(&w);
	r = r ? r : assemble(&w, built, out);
	if (r < 0 && err && err->code == 0)
		moat_error_set(err, r, "db build: %s", moat_strerror(r));
	for (unsigned i = 0; i < VDB_SEC_COUNT_; i++)
		moat_buf_release(&w.sec[i]);
	free(vs);
	return r;
}

/* fsync the directory holding path so the rename itself is durable. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash > path ? slash - path : 1), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int moat_dbb_write_file(const char *path, const void *data, size_t len, struct moat_error *err)
{
	char tmp[PATH_MAX];
	const uint8_t *p = data;
	int fd;
	int r = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
		return moat_error_set(err, -ENAMETOOLONG, "%s: path too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return moat_error_set(err, -errno, "%s: cannot create temp file: %s", path,
				      strerror(errno));
	while (len && r == 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = -(n < 0 ? errno : EIO);
		else {
			p += n;
			len -= (size_t)n;
		}
	}
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return moat_error_set(err, r, "%s: write failed: %s", path, strerror(-r));
	}
	sync_dir(path);
	return 0;
}

int moat_dbb_write(struct moat_dbb *dbb, const char *path, int64_t built,
		   struct moat_error *err)
{
	struct moat_buf out;
	int r;

	moat_buf_init(&out, 0);
	r = moat_dbb_serialize(dbb, built, &out, err);
	if (r == 0)
		r = moat_dbb_write_file(path, out.data, out.len, err);
	moat_buf_release(&out);
	return r;
}
