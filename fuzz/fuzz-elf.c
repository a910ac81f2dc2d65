/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-elf.c - the bounded ELF reader: header, every section and segment,
 * section lookup and address mapping on arbitrary bytes. */
#include <stdint.h>
#include <string.h>

#include "base/elf.h"
#include "moat/error.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_error err = { 0 };
	struct moat_elf elf;
	struct moat_elf_section sec;
	struct moat_elf_segment seg;
	uint64_t off;
	volatile uint8_t sink = 0;

	if (size > FUZZ_MAX_INPUT || moat_elf_parse(data, size, "fuzz", &elf, &err) < 0)
		return 0;
	for (uint32_t i = 0; i < elf.shnum && i < 4096; i++) {
		const uint8_t *d;

		if (moat_elf_section(&elf, i, &sec, &err) < 0)
			continue;
		sink ^= (uint8_t)strlen(sec.name);
		d = moat_elf_section_data(&elf, &sec);
		if (d)
			sink ^= d[0] ^ d[sec.size - 1];
		if (moat_elf_vaddr_to_offset(&elf, sec.addr, sec.size, &off) == 0 && sec.size)
			sink ^= data[off] ^ data[off + sec.size - 1];
	}
	for (uint32_t i = 0; i < elf.phnum && i < 4096; i++)
		if (moat_elf_segment(&elf, i, &seg, &err) == 0 && seg.filesz)
			sink ^= data[seg.offset] ^ data[seg.offset + seg.filesz - 1];
	if (moat_elf_find_section(&elf, ".go.buildinfo", &sec) == 0)
		sink ^= (uint8_t)sec.size;
	(void)sink;
	return 0;
}
