/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elf.c - bounded ELF header, section and program header decoding.
 *
 * Offsets follow the System V gABI (ELF32 / ELF64 file, section and program
 * headers). Every size read from the file is checked against the file size
 * with overflow-free arithmetic before any byte it points at is touched.
 */
#include <string.h>

#include "moat/error.h"
#include "elf.h"

#define ELF32_EHDR 52u
#define ELF64_EHDR 64u
#define ELF32_SHDR 40u
#define ELF64_SHDR 64u
#define ELF32_PHDR 32u
#define ELF64_PHDR 56u
#define SHN_XINDEX 0xffffu
#define PN_XNUM 0xffffu

/* [off, off + size) inside a len-byte file, without overflowing. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

bool moat_elf_is_magic(const void *p, size_t len)
{
	return len >= 4 && memcmp(p, "\x7f" "ELF", 4) == 0;
}

/* A word of the file's class: 4 bytes in ELF32, 8 in ELF64. */
static uint64_t load_word(const struct moat_elf *elf, const uint8_t *p)
{
	return elf->is64 ? moat_load_u64(p, elf->big_endian) : moat_load_u32(p, elf->big_endian);
}

static uint16_t load16(const struct moat_elf *elf, const uint8_t *p)
{
	return moat_load_u16(p, elf->big_endian);
}

static uint32_t load32(const struct moat_elf *elf, const uint8_t *p)
{
	return moat_load_u32(p, elf->big_endian);
}

/* Identification bytes: class, data encoding, version. */
static int parse_ident(const uint8_t *d, size_t len, const char *what, struct moat_elf *elf,
		       struct moat_error *err)
{
	if (!moat_elf_is_magic(d, len))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: not an ELF file", what);
	if (len < 16)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: ELF identification truncated",
				      what);
	if (d[4] != 1 && d[4] != 2)
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: ELF class %u", what, d[4]);
	if (d[5] != 1 && d[5] != 2)
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: ELF data encoding %u", what,
				      d[5]);
	elf->is64 = d[4] == 2;
	elf->big_endian = d[5] == 2;
	if (len < (elf->is64 ? ELF64_EHDR : ELF32_EHDR))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: ELF header truncated (%zu bytes)",
				      what, len);
	return 0;
}

/* The table fields of the file header, at their class-specific offsets. */
static void parse_header(const uint8_t *d, struct moat_elf *elf, uint16_t *ret_shnum,
			 uint16_t *ret_shstrndx, uint16_t *ret_phnum)
{
	size_t w = elf->is64 ? 8 : 4;
	size_t off = 24 + w; /* after e_entry */

	elf->type = load16(elf, d + 16);
	elf->machine = load16(elf, d + 18);
	elf->phoff = load_word(elf, d + off);
	elf->shoff = load_word(elf, d + off + w);
	off += 2 * w + 4 + 2; /* e_flags, e_ehsize */
	elf->phentsize = load16(elf, d + off);
	*ret_phnum = load16(elf, d + off + 2);
	elf->shentsize = load16(elf, d + off + 4);
	*ret_shnum = load16(elf, d + off + 6);
	*ret_shstrndx = load16(elf, d + off + 8);
}

/* Extended numbering keeps the real counts in section 0 (gABI "Sections"). */
static int parse_section0(struct moat_elf *elf, uint16_t shnum, uint16_t shstrndx,
			  uint16_t phnum, const char *what, struct moat_error *err)
{
	const uint8_t *s0;
	size_t w = elf->is64 ? 8 : 4;

	elf->shnum = shnum;
	elf->shstrndx = shstrndx;
	elf->phnum = phnum;
	if (elf->shoff == 0) {
		elf->shnum = 0;
		elf->shstrndx = 0;
		return 0;
	}
	if (elf->shentsize < (elf->is64 ? ELF64_SHDR : ELF32_SHDR))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: section header size %u too small",
				      what, elf->shentsize);
	if (!in_file(elf->shoff, elf->shentsize, elf->len))
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: section header table at %llu past the end of the %zu-byte file",
				      what, (unsigned long long)elf->shoff, elf->len);
	s0 = elf->data + elf->shoff;
	if (shnum == 0) {
		uint64_t n = load_word(elf, s0 + 8 + 3 * w); /* sh_size */

		if (n > MOAT_ELF_MAX_SECTIONS)
			return moat_error_set(err, MOAT_E_LIMIT, "%s: %llu sections", what,
					      (unsigned long long)n);
		elf->shnum = (uint32_t)n;
	}
	if (shstrndx == SHN_XINDEX)
		elf->shstrndx = load32(elf, s0 + 8 + 4 * w); /* sh_link */
	if (phnum == PN_XNUM)
		elf->phnum = load32(elf, s0 + 12 + 4 * w); /* sh_info */
	return 0;
}

static int check_tables(const struct moat_elf *elf, const char *what, struct moat_error *err)
{
	if (elf->shnum > 0 &&
	    !in_file(elf->shoff, (uint64_t)elf->shnum * elf->shentsize, elf->len))
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: %u section headers at %llu past the end of the %zu-byte file",
				      what, elf->shnum, (unsigned long long)elf->shoff, elf->len);
	if (elf->shstrndx >= elf->shnum && elf->shnum > 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: section name table %u of %u", what,
				      elf->shstrndx, elf->shnum);
	if (elf->phnum == 0)
		return 0;
	if (elf->phentsize < (elf->is64 ? ELF64_PHDR : ELF32_PHDR))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: program header size %u too small",
				      what, elf->phentsize);
	if (!in_file(elf->phoff, (uint64_t)elf->phnum * elf->phentsize, elf->len))
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: %u program headers at %llu past the end of the %zu-byte file",
				      what, elf->phnum, (unsigned long long)elf->phoff, elf->len);
	return 0;
}

int moat_elf_parse(const void *data, size_t len, const char *what, struct moat_elf *ret_elf,
		   struct moat_error *err)
{
	struct moat_elf elf = { .data = data, .len = len };
	uint16_t shnum, shstrndx, phnum;
	int r;

	if ((r = parse_ident(data, len, what, &elf, err)) < 0)
		return r;
	parse_header(data, &elf, &shnum, &shstrndx, &phnum);
	if ((r = parse_section0(&elf, shnum, shstrndx, phnum, what, err)) < 0)
		return r;
	if ((r = check_tables(&elf, what, err)) < 0)
		return r;
	*ret_elf = elf;
	return 0;
}

/* Raw fields of section header i; the table bounds were checked at parse. */
static void load_section(const struct moat_elf *elf, uint32_t i, uint32_t *ret_name,
			 struct moat_elf_section *sec)
{
	const uint8_t *p = elf->data + elf->shoff + (uint64_t)i * elf->shentsize;
	size_t w = elf->is64 ? 8 : 4;

	*ret_name = load32(elf, p);
	sec->type = load32(elf, p + 4);
	sec->flags = load_word(elf, p + 8);
	sec->addr = load_word(elf, p + 8 + w);
	sec->offset = load_word(elf, p + 8 + 2 * w);
	sec->size = load_word(elf, p + 8 + 3 * w);
	sec->name = "";
}

static bool section_in_file(const struct moat_elf *elf, const struct moat_elf_section *sec)
{
	return sec->type == MOAT_ELF_SHT_NOBITS || in_file(sec->offset, sec->size, elf->len);
}

/* The name at offset `name` of the section name table, NUL-terminated in it. */
static const char *section_name(const struct moat_elf *elf, uint32_t name)
{
	struct moat_elf_section strtab;
	uint32_t unused;
	const uint8_t *base;

	if (elf->shstrndx == 0)
		return "";
	load_section(elf, elf->shstrndx, &unused, &strtab);
	if (strtab.type == MOAT_ELF_SHT_NOBITS || !section_in_file(elf, &strtab) ||
	    name >= strtab.size)
		return NULL;
	base = elf->data + strtab.offset;
	if (!memchr(base + name, '\0', (size_t)(strtab.size - name)))
		return NULL;
	return (const char *)base + name;
}

int moat_elf_section(const struct moat_elf *elf, uint32_t i, struct moat_elf_section *ret_sec,
		     struct moat_error *err)
{
	struct moat_elf_section sec;
	uint32_t name;

	if (i >= elf->shnum)
		return moat_error_set(err, MOAT_E_USAGE, "section %u of %u", i, elf->shnum);
	load_section(elf, i, &name, &sec);
	if (!section_in_file(elf, &sec))
		return moat_error_set(err, MOAT_E_FORMAT,
				      "section %u: %llu bytes at %llu past the end of the %zu-byte file",
				      i, (unsigned long long)sec.size,
				      (unsigned long long)sec.offset, elf->len);
	sec.name = section_name(elf, name);
	if (!sec.name)
		return moat_error_set(err, MOAT_E_FORMAT, "section %u: name %u outside the name table",
				      i, name);
	*ret_sec = sec;
	return 0;
}

int moat_elf_find_section(const struct moat_elf *elf, const char *name,
			  struct moat_elf_section *ret_sec)
{
	struct moat_elf_section sec;

	for (uint32_t i = 1; i < elf->shnum; i++) {
		if (moat_elf_section(elf, i, &sec, NULL) == 0 && strcmp(sec.name, name) == 0) {
			*ret_sec = sec;
			return 0;
		}
	}
	return MOAT_E_NOTFOUND;
}

const uint8_t *moat_elf_section_data(const struct moat_elf *elf,
				     const struct moat_elf_section *sec)
{
	if (sec->type == MOAT_ELF_SHT_NOBITS || sec->size == 0 ||
	    !in_file(sec->offset, sec->size, elf->len))
		return NULL;
	return elf->data + sec->offset;
}

int moat_elf_segment(const struct moat_elf *elf, uint32_t i, struct moat_elf_segment *ret_seg,
		     struct moat_error *err)
{
	const uint8_t *p;
	struct moat_elf_segment seg;

	if (i >= elf->phnum)
		return moat_error_set(err, MOAT_E_USAGE, "segment %u of %u", i, elf->phnum);
	p = elf->data + elf->phoff + (uint64_t)i * elf->phentsize;
	seg.type = load32(elf, p);
	if (elf->is64) {
		seg.flags = load32(elf, p + 4);
		seg.offset = load_word(elf, p + 8);
		seg.vaddr = load_word(elf, p + 16);
		seg.filesz = load_word(elf, p + 32);
		seg.memsz = load_word(elf, p + 40);
	} else {
		seg.offset = load_word(elf, p + 4);
		seg.vaddr = load_word(elf, p + 8);
		seg.filesz = load_word(elf, p + 16);
		seg.memsz = load_word(elf, p + 20);
		seg.flags = load32(elf, p + 24);
	}
	if (!in_file(seg.offset, seg.filesz, elf->len))
		return moat_error_set(err, MOAT_E_FORMAT,
				      "segment %u: %llu bytes at %llu past the end of the %zu-byte file",
				      i, (unsigned long long)seg.filesz,
				      (unsigned long long)seg.offset, elf->len);
	*ret_seg = seg;
	return 0;
}

int moat_elf_vaddr_to_offset(const struct moat_elf *elf, uint64_t vaddr, uint64_t len,
			     uint64_t *ret_offset)
{
	struct moat_elf_segment seg;

	for (uint32_t i = 0; i < elf->phnum; i++) {
		if (moat_elf_segment(elf, i, &seg, NULL) < 0 || seg.type != MOAT_ELF_PT_LOAD)
			continue;
		if (vaddr < seg.vaddr || vaddr - seg.vaddr > seg.filesz ||
		    len > seg.filesz - (vaddr - seg.vaddr))
			continue;
		*ret_offset = seg.offset + (vaddr - seg.vaddr);
		return 0;
	}
	return MOAT_E_NOTFOUND;
}
