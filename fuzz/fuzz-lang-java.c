/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-lang-java.c - the Java cataloger. First byte: 0 reads the rest as a
 * whole .jar; 1 and 2 wrap the rest in a valid jar as META-INF/MANIFEST.MF
 * or as a pom.properties, so the text parsers get fuzzed past the zip layer.
 */
#include <isa-l/crc.h>
#include <stdlib.h>

#include "fuzz-lang-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put16(uint8_t **p, uint32_t v)
{
	(*p)[0] = (uint8_t)v;
	(*p)[1] = (uint8_t)(v >> 8);
	*p += 2;
}

static void put32(uint8_t **p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p, v >> 16);
}

/* One stored entry: local header, data, central header, end record. The
 * output starts with the path-selector byte 0 for fuzz_lang_file. */
static size_t wrap(const char *name, const uint8_t *data, size_t size, uint8_t *out)
{
	uint32_t crc = crc32_gzip_refl(0, data, size);
	size_t n = strlen(name);
	uint8_t *p = out;
	uint32_t cd = 0;
	uint32_t cd_len;

	*p++ = 0;
	for (int central = 0; central < 2; central++) {
		if (central)
			cd = (uint32_t)(p - out - 1);
		put32(&p, central ? 0x02014b50 : 0x04034b50);
		if (central)
			put16(&p, 20);
		put16(&p, 20);
		put16(&p, 0);
		put16(&p, 0);
		put32(&p, 0);
		put32(&p, crc);
		put32(&p, (uint32_t)size);
		put32(&p, (uint32_t)size);
		put16(&p, (uint32_t)n);
		put16(&p, 0);
		if (central) {
			put16(&p, 0);
			put16(&p, 0);
			put16(&p, 0);
			put32(&p, 0);
			put32(&p, 0);
		}
		memcpy(p, name, n);
		p += n;
		if (!central) {
			memcpy(p, data, size);
			p += size;
		}
	}
	cd_len = (uint32_t)(p - out - 1) - cd;
	put32(&p, 0x06054b50);
	put32(&p, 0);
	put16(&p, 1);
	put16(&p, 1);
	put32(&p, cd_len);
	put32(&p, cd);
	put16(&p, 0);
	return (size_t)(p - out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "opt/app/demo-1.0.jar" };
	static const char *const names[] = { "META-INF/MANIFEST.MF",
					     "META-INF/maven/org.example/demo/pom.properties" };
	uint8_t *buf;

	if (size < 1 || size > FUZZ_LANG_MAX_INPUT / 2)
		return 0;
	if (data[0] % 3 == 0) {
		fuzz_lang_file(paths, 1, data, size);
		return 0;
	}
	buf = malloc(size + 256);
	if (!buf)
		return 0;
	fuzz_lang_file(paths, 1, buf, wrap(names[data[0] % 3 - 1], data + 1, size - 1, buf));
	free(buf);
	return 0;
}
