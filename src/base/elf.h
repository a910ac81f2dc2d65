/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elf.h - a bounded ELF reader over bytes in memory (ELF32/ELF64, little and
 * big endian), for the catalogers that read Go and Rust binaries.
 *
 * moat_elf_parse() checks the identification, the file header and that the
 * section and program header tables lie inside the file; each entry is then
 * decoded on demand and checked on its own (a section whose bytes run past
 * the end of the file is reported, never read). Nothing is allocated: the
 * struct borrows the bytes, which must outlive it.
 */
#ifndef MOAT_ELF_H
#define MOAT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_error;

#define MOAT_ELF_HEADER_MAX 64u     /* bytes of an ELF64 file header */
/* Extended numbering allows ~4G sections; real binaries have < 100, huge
 * C++ objects ~100k. More is a hostile file. */
#define MOAT_ELF_MAX_SECTIONS (1u << 20)

enum {
	MOAT_ELF_PT_LOAD = 1,
	MOAT_ELF_PF_X = 1,
	MOAT_ELF_PF_W = 2,
	MOAT_ELF_SHT_NOBITS = 8,
};

struct moat_elf {
	const uint8_t *data;        /* the whole file, borrowed */
	size_t len;
	bool is64;
	bool big_endian;
	uint16_t type;              /* e_type: 2 executable, 3 shared object / PIE */
	uint16_t machine;           /* e_machine */
	uint64_t shoff;             /* section header table (0 when there is none) */
	uint32_t shnum;             /* sections, after extended numbering */
	uint32_t shentsize;
	uint32_t shstrndx;          /* section of section names, 0 = none */
	uint64_t phoff;
	uint32_t phnum;
	uint32_t phentsize;
};

struct moat_elf_section {
	const char *name;           /* in data (NUL-terminated there), "" when unnamed */
	uint32_t type;
	uint64_t flags;
	uint64_t addr;
	uint64_t offset;            /* offset + size <= len unless type is NOBITS */
	uint64_t size;
};

struct moat_elf_segment {
	uint32_t type;
	uint32_t flags;
	uint64_t offset;            /* offset + filesz <= len */
	uint64_t vaddr;
	uint64_t filesz;
	uint64_t memsz;
};

/* True when p starts with "\x7fELF" (len may be short). */
bool moat_elf_is_magic(const void *p, size_t len);

/* Check the header and the table bounds of data[0..len) and fill *ret_elf.
 * `what` names the input in messages ("usr/bin/x: section header table at
 * 123 past the end of the 100-byte file"). Returns 0 or MOAT_E_FORMAT /
 * MOAT_E_UNSUPPORTED / MOAT_E_LIMIT; *ret_elf is written only on success. */
int moat_elf_parse(const void *data, size_t len, const char *what, struct moat_elf *ret_elf,
		   struct moat_error *err);

/* Decode section i (< elf->shnum). Returns 0, or MOAT_E_FORMAT when its
 * bytes or name lie outside the file. */
int moat_elf_section(const struct moat_elf *elf, uint32_t i, struct moat_elf_section *ret_sec,
		     struct moat_error *err);
/* The first valid section called name: 0 and *ret_sec, or MOAT_E_NOTFOUND. */
int moat_elf_find_section(const struct moat_elf *elf, const char *name,
			  struct moat_elf_section *ret_sec);
/* Section bytes (NULL for NOBITS or empty sections). */
const uint8_t *moat_elf_section_data(const struct moat_elf *elf,
				     const struct moat_elf_section *sec);

/* Decode program header i (< elf->phnum): 0 or MOAT_E_FORMAT. */
int moat_elf_segment(const struct moat_elf *elf, uint32_t i, struct moat_elf_segment *ret_seg,
		     struct moat_error *err);
/* The file offset of [vaddr, vaddr + len) when one PT_LOAD segment holds all
 * of it in file bytes: 0 and *ret_offset, or MOAT_E_NOTFOUND. */
int moat_elf_vaddr_to_offset(const struct moat_elf *elf, uint64_t vaddr, uint64_t len,
			     uint64_t *ret_offset);

/* Unaligned loads in either byte order (p must hold the bytes). */
static inline uint16_t moat_load_u16(const uint8_t *p, bool big_endian)
{
	return big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t moat_load_u32(const uint8_t *p, bool big_endian)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[big_endian ? i : 3 - i] << (8 * (3 - i));
	return v;
}

static inline uint64_t moat_load_u64(const uint8_t *p, bool big_endian)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[big_endian ? i : 7 - i] << (8 * (7 - i));
	return v;
}

#endif
