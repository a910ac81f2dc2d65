/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-vulndb.c - the compiled DB reader on arbitrary bytes: open from
 * memory, then walk every package's entries, every vulnerability record and
 * its lists, and look a few names up. The first byte chooses whether the
 * checksum is verified: with it, almost every mutated input stops at the
 * checksum (which must reject, never crash); without it the mutations reach
 * the section table and the records, which is where the parsing is.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"
#include "vuln/vulndb.h"

#define FUZZ_MAX_INPUT (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct moat_vulndb *db)
{
	const struct moat_vulndb_info *in = moat_vulndb_info(db);
	struct moat_vulndb_cursor cur;
	struct moat_vulndb_entry e;
	struct moat_vulndb_vuln v;
	struct moat_error err = { 0 };

	for (uint64_t i = 0; i < in->n_packages; i++) {
		if (moat_vulndb_package_at(db, i, &cur, &err) < 0)
			continue;
		while (moat_vulndb_next(&cur, &e))
			if (moat_vulndb_vuln_at(db, e.vuln_index, &v, &err) == 0 && v.id)
				moat_vulndb_vuln(db, v.id, &v, &err);
		moat_vulndb_cursor_error(&cur, &err);
	}
	for (uint64_t i = 0; i < in->n_vulns; i++) {
		if (moat_vulndb_vuln_at(db, i, &v, &err) < 0)
			continue;
		for (size_t k = 0; k <= v.n_aliases && k < 64; k++)
			moat_vulndb_vuln_alias(db, &v, k);
		for (size_t k = 0; k <= v.n_cwes && k < 64; k++)
			moat_vulndb_vuln_cwe(db, &v, k);
		for (size_t k = 0; k <= v.n_references && k < 64; k++)
			moat_vulndb_vuln_reference(db, &v, k);
	}
	moat_vulndb_find(db, "Go", "stdlib", &cur);
	while (moat_vulndb_next(&cur, &e))
		;
	moat_vulndb_find(db, "Debian:12", "openssl", &cur);
	moat_vulndb_vuln(db, "CVE-2022-27664", &v, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_vulndb *db = NULL;
	struct moat_error err = { 0 };
	bool verify;
	uint8_t *copy;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	verify = data[0] & 1;
	/* An exact-size copy, so ASan catches any read past the end. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (moat_vulndb_open_mem(copy, size - 1, "fuzz.db", verify, &db, &err) == 0) {
		walk(db);
		moat_vulndb_close(db);
	}
	free(copy);
	return 0;
}
