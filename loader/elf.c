/* The guest loader: ELF header, program headers and entry point: what is mapped where.
 * Each rule of the ELF gABI and the x86-64 psABI that a guest can break is one check with
 * one message, in the order the fields appear. */
#include "loader/loader_internal.h"

#include <inttypes.h>
#include <string.h>

#include "common/page.h"

#define IMAGE_END ((uint64_t)HL_IMAGE_BASE + HL_IMAGE_MAX)

/* Where a table of n entries of size bytes at off lies: after the ELF header, aligned to
 * the class's word (the gABI: an object file's structures are), inside the file. */
static enum hl_err check_table(struct ldr_ctx *c, const char *kind, uint64_t off,
			       unsigned n, size_t size)
{
	if (off < sizeof(Elf64_Ehdr))
		return ldr_fail(c, "%s headers at offset %#" PRIx64 " overlap the ELF header",
				kind, off);
	if (off % 8 != 0)
		return ldr_fail(c, "%s headers at offset %#" PRIx64 " are not 8-byte aligned",
				kind, off);
	if (!ldr_in_file(c, off, (uint64_t)n * size))
		return ldr_fail(c, "%s headers (%u at offset %#" PRIx64 ") extend beyond the end "
				"of the file (%zu bytes)", kind, n, off, c->g->len);
	return HL_OK;
}

/* The program header and section header tables: sizes, counts and ranges. */
static enum hl_err check_tables(struct ldr_ctx *c)
{
	const Elf64_Ehdr *eh = &c->eh;
	enum hl_err err;

	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return ldr_fail(c, "bad program header size %u (expected %zu)", eh->e_phentsize,
				sizeof(Elf64_Phdr));
	if (eh->e_phnum == 0)
		return ldr_fail(c, "no program headers");
	if (eh->e_phnum > LDR_MAX_PHDRS)
		return ldr_fail(c, "too many program headers (%u, at most %d)", eh->e_phnum,
				LDR_MAX_PHDRS);
	err = check_table(c, "program", eh->e_phoff, eh->e_phnum, sizeof(Elf64_Phdr));
	if (err != HL_OK)
		return err;
	if (eh->e_shnum == 0 && eh->e_shoff == 0)
		return HL_OK;
	/* Section counts that do not fit the header live in section 0; guests never
	 * need that many, and refusing it keeps libelf from reading them first. */
	if (eh->e_shnum == 0 || eh->e_shstrndx == SHN_XINDEX)
		return ldr_fail(c, "extended section numbering is not supported");
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return ldr_fail(c, "bad section header size %u (expected %zu)", eh->e_shentsize,
				sizeof(Elf64_Shdr));
	err = check_table(c, "section", eh->e_shoff, eh->e_shnum, sizeof(Elf64_Shdr));
	if (err != HL_OK)
		return err;
	if (eh->e_shstrndx == SHN_UNDEF || eh->e_shstrndx >= eh->e_shnum)
		return ldr_fail(c, "section name table index %u out of range (%u sections)",
				eh->e_shstrndx, eh->e_shnum);
	return HL_OK;
}

enum hl_err ldr_check_header(struct ldr_ctx *c)
{
	const uint8_t *b = c->g->bytes;
	size_t len = c->g->len;
	Elf64_Ehdr *eh = &c->eh;

	if (len < EI_NIDENT || memcmp(b, ELFMAG, SELFMAG) != 0)
		return ldr_fail(c, "not an ELF file");
	if (b[EI_CLASS] != ELFCLASS64)
		return ldr_fail(c, "not a 64-bit ELF file (class %u)", b[EI_CLASS]);
	if (b[EI_DATA] != ELFDATA2LSB)
		return ldr_fail(c, "not a little-endian ELF file (data encoding %u)", b[EI_DATA]);
	if (b[EI_VERSION] != EV_CURRENT)
		return ldr_fail(c, "unknown ELF identification version %u", b[EI_VERSION]);
	/* The x86-64 psABI: System V's ABI, which GNU tools may also mark as GNU's. */
	if (b[EI_OSABI] != ELFOSABI_SYSV && b[EI_OSABI] != ELFOSABI_GNU)
		return ldr_fail(c, "built for OS ABI %u, not System V or GNU (%u or %u)",
				b[EI_OSABI], ELFOSABI_SYSV, ELFOSABI_GNU);
	if (b[EI_ABIVERSION] != 0)
		return ldr_fail(c, "unknown OS ABI version %u", b[EI_ABIVERSION]);
	if (len < sizeof *eh)
		return ldr_fail(c, "truncated ELF header (%zu bytes, need %zu)", len, sizeof *eh);
	/* The host is x86-64 like the file, so the header reads as it is stored. */
	memcpy(eh, b, sizeof *eh);
	if (eh->e_version != EV_CURRENT)
		return ldr_fail(c, "unknown ELF version %u", eh->e_version);
	if (eh->e_machine != EM_X86_64)
		return ldr_fail(c, "built for machine %u, not x86-64 (%u)", eh->e_machine,
				EM_X86_64);
	if (eh->e_type != ET_EXEC)
		return ldr_fail(c, "not a static executable (ELF type %u, need %u; "
				"position-independent executables are not supported)", eh->e_type,
				ET_EXEC);
	if (eh->e_flags != 0)
		return ldr_fail(c, "processor flags %#" PRIx32 " set; x86-64 defines none",
				eh->e_flags);
	if (eh->e_ehsize != sizeof *eh)
		return ldr_fail(c, "bad ELF header size %u (expected %zu)", eh->e_ehsize,
				sizeof *eh);
	return check_tables(c);
}

static const char *ptype_name(uint32_t type)
{
	switch (type) {
	case PT_DYNAMIC: return "PT_DYNAMIC";
	case PT_INTERP: return "PT_INTERP";
	case PT_SHLIB: return "PT_SHLIB";
	case PT_PHDR: return "PT_PHDR";
	case PT_TLS: return "PT_TLS";
	case PT_GNU_EH_FRAME: return "PT_GNU_EH_FRAME";
	case PT_GNU_RELRO: return "PT_GNU_RELRO";
	case PT_GNU_PROPERTY: return "PT_GNU_PROPERTY";
	default: return NULL;
	}
}

/* The host maps each page with one segment's permissions, so segments may not even
 * share a page. */
static enum hl_err check_overlap(struct ldr_ctx *c, size_t i, uint64_t vaddr, uint64_t end)
{
	for (size_t j = 0; j < c->g->nseg; j++) {
		const struct ldr_segment *s = &c->g->seg[j];
		uint64_t s_end = s->vaddr + s->memsz;
		uint64_t lo = hl_page_down(vaddr) > hl_page_down(s->vaddr) ?
			hl_page_down(vaddr) : hl_page_down(s->vaddr);
		uint64_t hi = hl_page_up(end) < hl_page_up(s_end) ?
			hl_page_up(end) : hl_page_up(s_end);

		if (vaddr < s_end && s->vaddr < end)
			return ldr_fail(c, "segments %zu and %zu overlap ([%#" PRIx64 ", %#" PRIx64
					") and [%#" PRIx64 ", %#" PRIx64 "))", c->seg_phdr[j], i,
					s->vaddr, s_end, vaddr, end);
		if (lo < hi)
			return ldr_fail(c, "segments %zu and %zu share the page at %#" PRIx64,
					c->seg_phdr[j], i, lo);
	}
	return HL_OK;
}

/* Checks PT_LOAD header i and appends it to g->seg. */
static enum hl_err add_load(struct ldr_ctx *c, size_t i, const GElf_Phdr *ph)
{
	struct ldr_guest *g = c->g;
	uint64_t end;
	enum hl_err err;

	if (g->nseg == LDR_MAX_SEGMENTS)
		return ldr_fail(c, "too many loadable segments (more than %d)", LDR_MAX_SEGMENTS);
	if (ph->p_memsz == 0)
		return ldr_fail(c, "segment %zu is empty (memory size 0)", i);
	if (ph->p_filesz > ph->p_memsz)
		return ldr_fail(c, "segment %zu: file size %#" PRIx64 " exceeds memory size %#"
				PRIx64, i, ph->p_filesz, ph->p_memsz);
	if (!ldr_in_file(c, ph->p_offset, ph->p_filesz))
		return ldr_fail(c, "segment %zu: file bytes [%#" PRIx64 ", +%#" PRIx64 ") extend "
				"beyond the end of the file (%zu bytes)", i, ph->p_offset,
				ph->p_filesz, g->len);
	if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &end) ||
	    ph->p_vaddr < HL_IMAGE_BASE || end > IMAGE_END)
		return ldr_fail(c, "segment %zu: [%#" PRIx64 ", +%#" PRIx64 ") lies outside the "
				"guest image window [%#x, %#" PRIx64 ")", i, ph->p_vaddr,
				ph->p_memsz, HL_IMAGE_BASE, IMAGE_END);
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return ldr_fail(c, "segment %zu is writable and executable", i);
	err = check_overlap(c, i, ph->p_vaddr, end);
	if (err != HL_OK)
		return err;
	/* The gABI: loadable segments are sorted by address. */
	if (g->nseg > 0 && ph->p_vaddr < g->seg[g->nseg - 1].vaddr)
		return ldr_fail(c, "segment %zu at %#" PRIx64 " comes after segment %zu at %#"
				PRIx64 ": loadable segments must be in ascending address order",
				i, ph->p_vaddr, c->seg_phdr[g->nseg - 1], g->seg[g->nseg - 1].vaddr);
	/* The gABI: p_align is 0, 1 or a power of two, and the address and file offset of
	 * a loadable segment agree modulo the page size and modulo p_align. */
	if (ph->p_align > 1 && (ph->p_align & (ph->p_align - 1)) != 0)
		return ldr_fail(c, "segment %zu: alignment %#" PRIx64 " is not a power of 2", i,
				ph->p_align);
	if ((ph->p_vaddr - ph->p_offset) %
	    (ph->p_align > HL_PAGE_SIZE ? ph->p_align : HL_PAGE_SIZE))
		return ldr_fail(c, "segment %zu: address %#" PRIx64 " and file offset %#" PRIx64
				" differ modulo the page size or its alignment (%#" PRIx64 ")", i,
				ph->p_vaddr, ph->p_offset, ph->p_align);
	c->seg_phdr[g->nseg] = i;
	g->seg[g->nseg++] = (struct ldr_segment){
		.vaddr = ph->p_vaddr,
		.memsz = ph->p_memsz,
		.filesz = ph->p_filesz,
		.offset = ph->p_offset,
		.flags = ph->p_flags & (LDR_R | LDR_W | LDR_X),
	};
	if (hl_page_up(end) > g->image_end)
		g->image_end = hl_page_up(end);
	return HL_OK;
}

static enum hl_err add_note(struct ldr_ctx *c, size_t i, const GElf_Phdr *ph)
{
	/* The gABI aligns notes to 4 bytes; GNU tools to 8 in 64-bit files. */
	if (ph->p_align != 4 && ph->p_align != 8)
		return ldr_fail(c, "note segment %zu: alignment %#" PRIx64 " (need 4 or 8)", i,
				ph->p_align);
	if (!ldr_in_file(c, ph->p_offset, ph->p_filesz))
		return ldr_fail(c, "note segment %zu: [%#" PRIx64 ", +%#" PRIx64 ") extends "
				"beyond the end of the file (%zu bytes)", i, ph->p_offset,
				ph->p_filesz, c->g->len);
	c->notes[c->nnotes++] = (struct ldr_note_range){
		.index = i,
		.offset = ph->p_offset,
		.size = ph->p_filesz,
		.align = ph->p_align,
	};
	return HL_OK;
}

/* The entry point must be code that the file provides. */
static enum hl_err check_entry(struct ldr_ctx *c)
{
	uint64_t e = c->eh.e_entry;

	for (size_t j = 0; j < c->g->nseg; j++) {
		const struct ldr_segment *s = &c->g->seg[j];

		if (e < s->vaddr || e - s->vaddr >= s->memsz)
			continue;
		if (!(s->flags & LDR_X))
			return ldr_fail(c, "entry point %#" PRIx64 " is in segment %zu, which is "
					"not executable", e, c->seg_phdr[j]);
		if (e - s->vaddr >= s->filesz)
			return ldr_fail(c, "entry point %#" PRIx64 " is in the zero-filled part of "
					"segment %zu", e, c->seg_phdr[j]);
		c->g->entry = e;
		return HL_OK;
	}
	return ldr_fail(c, "entry point %#" PRIx64 " is not inside any segment", e);
}

enum hl_err ldr_check_segments(struct ldr_ctx *c)
{
	enum hl_err err = HL_OK;
	GElf_Phdr ph;

	for (size_t i = 0; i < c->eh.e_phnum && err == HL_OK; i++) {
		if (gelf_getphdr(c->elf, (int)i, &ph) == NULL)
			return ldr_fail(c, "cannot read program header %zu (libelf: %s)", i,
					elf_errmsg(-1));
		switch (ph.p_type) {
		case PT_NULL:
			break;
		case PT_GNU_STACK:
			if (ph.p_flags & PF_X)
				err = ldr_fail(c, "segment %zu asks for an executable stack", i);
			break;
		case PT_LOAD:
			err = add_load(c, i, &ph);
			break;
		case PT_NOTE:
			err = add_note(c, i, &ph);
			break;
		default:
			if (ptype_name(ph.p_type) != NULL)
				err = ldr_fail(c, "segment %zu has unsupported type %s (%#" PRIx32
					       ")", i, ptype_name(ph.p_type), ph.p_type);
			else
				err = ldr_fail(c, "segment %zu has unsupported type %#" PRIx32, i,
					       ph.p_type);
		}
	}
	if (err != HL_OK)
		return err;
	if (c->g->nseg == 0)
		return ldr_fail(c, "no loadable segments");
	return check_entry(c);
}
