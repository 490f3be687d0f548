/* Unit tests of loader/: malformed guest ELFs, one change to a valid guest per case, each
 * refused with its error class and message.  A new check on the guest ELF gets its case
 * here.  The guest is loader_fixture.h's; test_loader_edges.c tests the bounds exactly and
 * what the ABI allows, test_loader_guest.c what a valid guest gives. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <elf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/loader_fixture.h"

/* Changes that edits cannot express. */
enum change { NO_CHANGE, SEVENTEEN_LOADS, TWO_ABI_NOTES, NO_LOADS };

/* No pointers: Criterion may run each case in a fresh process image. */
struct bad_case {
	char what[40];
	struct edit edits[MAX_EDITS];
	enum change change;
	char msg[160]; /* expected in the message, after "t.elf: " */
};

static void seventeen_loads(struct image *m)
{
	for (size_t i = 5; i < 19; i++)
		m->ph[i] = phdr(PT_LOAD, PF_R, 0, 0x300000 + i * 0x1000, 0, 0x1000);
	m->eh.e_phnum = 19;
}

static void two_abi_notes(struct image *m)
{
	m->note[1] = m->note[0];
	m->ph[3].p_filesz = 2 * sizeof(struct note);
}

static void no_loads(struct image *m)
{
	for (size_t i = 0; i < 3; i++)
		m->ph[i].p_type = PT_NULL;
}

static void (*const changes[])(struct image *m) = {
	[SEVENTEEN_LOADS] = seventeen_loads,
	[TWO_ABI_NOTES] = two_abi_notes,
	[NO_LOADS] = no_loads,
};

ParameterizedTestParameters(loader, rejects)
{
	static struct bad_case cases[] = {
		/* ELF header */
		{ "empty file", { SET(len, 0) }, NO_CHANGE, "not an ELF file" },
		{ "cut in e_ident", { SET(len, 10) }, NO_CHANGE, "not an ELF file" },
		{ "bad magic", { SET(eh.e_ident[1], 'X') }, NO_CHANGE, "not an ELF file" },
		{ "32-bit", { SET(eh.e_ident[EI_CLASS], ELFCLASS32) }, NO_CHANGE,
		  "not a 64-bit ELF file (class 1)" },
		{ "big-endian", { SET(eh.e_ident[EI_DATA], ELFDATA2MSB) }, NO_CHANGE,
		  "not a little-endian ELF file (data encoding 2)" },
		{ "e_ident version", { SET(eh.e_ident[EI_VERSION], 0) }, NO_CHANGE,
		  "unknown ELF identification version 0" },
		{ "FreeBSD", { SET(eh.e_ident[EI_OSABI], ELFOSABI_FREEBSD) }, NO_CHANGE,
		  "built for OS ABI 9, not System V or GNU (0 or 3)" },
		{ "OS ABI version", { SET(eh.e_ident[EI_ABIVERSION], 1) }, NO_CHANGE,
		  "unknown OS ABI version 1" },
		{ "cut in header", { SET(len, 40) }, NO_CHANGE,
		  "truncated ELF header (40 bytes, need 64)" },
		{ "e_version", { SET(eh.e_version, 2) }, NO_CHANGE, "unknown ELF version 2" },
		{ "i386", { SET(eh.e_machine, EM_386) }, NO_CHANGE,
		  "built for machine 3, not x86-64 (62)" },
		{ "PIE", { SET(eh.e_type, ET_DYN) }, NO_CHANGE,
		  "not a static executable (ELF type 3, need 2" },
		{ "object file", { SET(eh.e_type, ET_REL) }, NO_CHANGE,
		  "not a static executable (ELF type 1" },
		{ "e_flags", { SET(eh.e_flags, 1) }, NO_CHANGE,
		  "processor flags 0x1 set; x86-64 defines none" },
		{ "e_ehsize", { SET(eh.e_ehsize, 52) }, NO_CHANGE,
		  "bad ELF header size 52 (expected 64)" },
		{ "e_phentsize", { SET(eh.e_phentsize, 32) }, NO_CHANGE,
		  "bad program header size 32 (expected 56)" },
		{ "no phdrs", { SET(eh.e_phnum, 0) }, NO_CHANGE, "no program headers" },
		{ "many phdrs", { SET(eh.e_phnum, 65) }, NO_CHANGE,
		  "too many program headers (65, at most 64)" },
		{ "phdrs in the header", { SET(eh.e_phoff, 0x38) }, NO_CHANGE,
		  "program headers at offset 0x38 overlap the ELF header" },
		{ "phdrs unaligned", { SET(eh.e_phoff, 0x44) }, NO_CHANGE,
		  "program headers at offset 0x44 are not 8-byte aligned" },
		{ "cut in phdrs", { SET(len, 0x100) }, NO_CHANGE,
		  "program headers (5 at offset 0x40) extend beyond the end of the file "
		  "(256 bytes)" },
		{ "phoff beyond file", { SET(eh.e_phoff, 0x100000) }, NO_CHANGE,
		  "program headers (5 at offset 0x100000) extend beyond" },
		{ "phoff wraps", { SET(eh.e_phoff, 0xffffffffffffffc0) }, NO_CHANGE,
		  "program headers (5 at offset 0xffffffffffffffc0) extend beyond" },
		{ "e_shentsize", { SET(eh.e_shentsize, 40) }, NO_CHANGE,
		  "bad section header size 40 (expected 64)" },
		{ "shdrs in the header", { SET(eh.e_shoff, 0) }, NO_CHANGE,
		  "section headers at offset 0 overlap the ELF header" },
		{ "shdrs unaligned", { SET(eh.e_shoff, SH_OFF + 4) }, NO_CHANGE,
		  "section headers at offset 0x3404 are not 8-byte aligned" },
		{ "cut in shdrs", { SET(len, 0x3500) }, NO_CHANGE,
		  "section headers (8 at offset 0x3400) extend beyond the end of the file "
		  "(13568 bytes)" },
		{ "shoff beyond file", { SET(eh.e_shoff, 0x3500) }, NO_CHANGE,
		  "section headers (8 at offset 0x3500) extend beyond" },
		{ "shnum beyond file", { SET(eh.e_shnum, 100) }, NO_CHANGE,
		  "section headers (100 at offset 0x3400) extend beyond" },
		{ "shoff wraps", { SET(eh.e_shoff, 0xfffffffffffffff0) }, NO_CHANGE,
		  "section headers (8 at offset 0xfffffffffffffff0) extend beyond" },
		{ "extended shnum", { SET(eh.e_shnum, 0) }, NO_CHANGE,
		  "extended section numbering is not supported" },
		{ "shstrndx too big", { SET(eh.e_shstrndx, 8) }, NO_CHANGE,
		  "section name table index 8 out of range (8 sections)" },
		{ "shstrndx zero", { SET(eh.e_shstrndx, 0) }, NO_CHANGE,
		  "section name table index 0 out of range (8 sections)" },
		/* program headers */
		{ "offset+filesz wraps", { SET(ph[0].p_offset, 0xfffffffffffff000) }, NO_CHANGE,
		  "segment 0: file bytes [0xfffffffffffff000, +0x100) extend beyond the end of "
		  "the file (13824 bytes)" },
		{ "segment beyond file", { SET(ph[2].p_offset, 0x3580) }, NO_CHANGE,
		  "segment 2: file bytes [0x3580, +0x100) extend beyond" },
		{ "filesz > memsz", { SET(ph[0].p_filesz, 0x200) }, NO_CHANGE,
		  "segment 0: file size 0x200 exceeds memory size 0x100" },
		{ "empty segment", { SET(ph[2].p_filesz, 0), SET(ph[2].p_memsz, 0) }, NO_CHANGE,
		  "segment 2 is empty (memory size 0)" },
		{ "below window", { SET(ph[2].p_vaddr, 0x100000) }, NO_CHANGE,
		  "segment 2: [0x100000, +0x2000) lies outside the guest image window "
		  "[0x200000, 0x4200000)" },
		{ "across window end", { SET(ph[2].p_vaddr, 0x41ff000) }, NO_CHANGE,
		  "segment 2: [0x41ff000, +0x2000) lies outside" },
		{ "vaddr+memsz wraps", { SET(ph[2].p_vaddr, 0xfffffffffffff000) }, NO_CHANGE,
		  "segment 2: [0xfffffffffffff000, +0x2000) lies outside" },
		{ "huge memsz", { SET(ph[2].p_memsz, 0xffffffffffffff00) }, NO_CHANGE,
		  "segment 2: [0x203000, +0xffffffffffffff00) lies outside" },
		{ "overlap", { SET(ph[2].p_vaddr, 0x202080) }, NO_CHANGE,
		  "segments 1 and 2 overlap ([0x202000, 0x202100) and [0x202080, 0x204080))" },
		{ "shared page after", { SET(ph[2].p_vaddr, 0x202800) }, NO_CHANGE,
		  "segments 1 and 2 share the page at 0x202000" },
		{ "shared page before", { SET(ph[1].p_vaddr, 0x201800) }, NO_CHANGE,
		  "segments 0 and 1 share the page at 0x201000" },
		{ "W+X", { SET(ph[0].p_flags, PF_R | PF_W | PF_X) }, NO_CHANGE,
		  "segment 0 is writable and executable" },
		{ "loads out of order", { SET(ph[0].p_vaddr, 0x205000) }, NO_CHANGE,
		  "segment 1 at 0x202000 comes after segment 0 at 0x205000: loadable segments "
		  "must be in ascending address order" },
		{ "loads out of order after the first", { SET(ph[1].p_vaddr, 0x206000) },
		  NO_CHANGE, "segment 2 at 0x203000 comes after segment 1 at 0x206000" },
		{ "alignment 0x3000", { SET(ph[2].p_align, 0x3000) }, NO_CHANGE,
		  "segment 2: alignment 0x3000 is not a power of 2" },
		{ "offset off the page", { SET(ph[2].p_offset, DATA_OFF + 0x10) }, NO_CHANGE,
		  "segment 2: address 0x203000 and file offset 0x3010 differ modulo the page size "
		  "or its alignment (0x1000)" },
		{ "offset off the page, no alignment",
		  { SET(ph[2].p_offset, DATA_OFF + 0x10), SET(ph[2].p_align, 1) }, NO_CHANGE,
		  "segment 2: address 0x203000 and file offset 0x3010 differ modulo the page size "
		  "or its alignment (0x1)" },
		{ "offset off the alignment", { SET(ph[2].p_align, 0x400000) }, NO_CHANGE,
		  "segment 2: address 0x203000 and file offset 0x3000 differ modulo the page size "
		  "or its alignment (0x400000)" },
		{ "note alignment 2", { SET(ph[3].p_align, 2) }, NO_CHANGE,
		  "note segment 3: alignment 0x2 (need 4 or 8)" },
		{ "note alignment 0", { SET(ph[3].p_align, 0) }, NO_CHANGE,
		  "note segment 3: alignment 0 (need 4 or 8)" },
		{ "executable stack", { SET(ph[4].p_flags, PF_R | PF_W | PF_X) }, NO_CHANGE,
		  "segment 4 asks for an executable stack" },
		{ "PT_INTERP", { SET(ph[4].p_type, PT_INTERP) }, NO_CHANGE,
		  "segment 4 has unsupported type PT_INTERP (0x3)" },
		{ "PT_DYNAMIC", { SET(ph[4].p_type, PT_DYNAMIC) }, NO_CHANGE,
		  "segment 4 has unsupported type PT_DYNAMIC (0x2)" },
		{ "PT_TLS", { SET(ph[4].p_type, PT_TLS) }, NO_CHANGE,
		  "segment 4 has unsupported type PT_TLS (0x7)" },
		{ "unknown type", { SET(ph[4].p_type, 0x60000001) }, NO_CHANGE,
		  "segment 4 has unsupported type 0x60000001" },
		{ "17 loads", { { 0 } }, SEVENTEEN_LOADS,
		  "too many loadable segments (more than 16)" },
		{ "no loads", { { 0 } }, NO_LOADS, "no loadable segments" },
		{ "entry outside", { SET(eh.e_entry, 0x100) }, NO_CHANGE,
		  "entry point 0x100 is not inside any segment" },
		{ "entry in rodata", { SET(eh.e_entry, RO_ADDR) }, NO_CHANGE,
		  "entry point 0x202000 is in segment 1, which is not executable" },
		{ "entry past code", { SET(ph[0].p_memsz, 0x200), SET(eh.e_entry, 0x201180) },
		  NO_CHANGE, "entry point 0x201180 is in the zero-filled part of segment 0" },
		/* ABI note */
		{ "no note", { SET(ph[3].p_type, PT_NULL) }, NO_CHANGE,
		  "not an hlrun guest (no hlrun ABI note)" },
		{ "other owner", { SET(note[0].name[0], 'H') }, NO_CHANGE,
		  "not an hlrun guest (no hlrun ABI note)" },
		{ "other note type", { SET(note[0].type, 2) }, NO_CHANGE,
		  "not an hlrun guest (no hlrun ABI note)" },
		{ "ABI version 7", { SET(note[0].desc, 7) }, NO_CHANGE,
		  "built for hlrun ABI version 7, newer than this hlrun's (version 2): run it "
		  "with a newer hlrun" },
		{ "ABI version 1", { SET(note[0].desc, 1) }, NO_CHANGE,
		  "built for hlrun ABI version 1, this hlrun runs version 2: rebuild the guest "
		  "against the current SDK" },
		{ "descsz 2", { SET(note[0].descsz, 2) }, NO_CHANGE,
		  "hlrun ABI note has a 2-byte descriptor, expected 4" },
		{ "namesz huge", { SET(note[0].namesz, 0xffffffff) }, NO_CHANGE,
		  "note segment 3: note at offset 0x20a0 (name size 4294967295, descriptor size "
		  "4) extends beyond the segment" },
		{ "descsz huge", { SET(note[0].descsz, 0xfffffff0) }, NO_CHANGE,
		  "note segment 3: note at offset 0x20a0 (name size 6, descriptor size "
		  "4294967280) extends beyond the segment" },
		{ "note header cut", { SET(ph[3].p_filesz, 30) }, NO_CHANGE,
		  "note segment 3: truncated note header at offset 0x20b8" },
		{ "note beyond file", { SET(ph[3].p_offset, 0x10000) }, NO_CHANGE,
		  "note segment 3: [0x10000, +0x18) extends beyond the end of the file" },
		{ "two ABI notes", { { 0 } }, TWO_ABI_NOTES, "more than one hlrun ABI note" },
		/* sections */
		{ "section beyond file", { SET(sh[7].sh_offset, 0x10000) }, NO_CHANGE,
		  "section 7: [0x10000, +0x18) extends beyond the end of the file" },
		{ "section size wraps", { SET(sh[1].sh_size, 0xffffffffffffffff) }, NO_CHANGE,
		  "section 1: [0x1000, +0xffffffffffffffff) extends beyond" },
		{ "section name offset", { SET(sh[1].sh_name, 0x1000) }, NO_CHANGE,
		  "section 1: name offset 4096 beyond the section name table (59 bytes)" },
		{ "shstrtab unterminated", { SET(shstrtab[sizeof SHSTR - 1], 'x') }, NO_CHANGE,
		  "section name table (section 5) is not NUL-terminated" },
		{ "shstrtab type", { SET(sh[5].sh_type, SHT_PROGBITS) }, NO_CHANGE,
		  "section name table (section 5) has type 1, not SHT_STRTAB" },
		{ "shstrtab beyond file", { SET(sh[5].sh_offset, 0x35f0) }, NO_CHANGE,
		  "section name table (section 5) extends beyond the end of the file" },
		{ "two export tables", { SET(sh[1].sh_name, N_EXPORTS) }, NO_CHANGE,
		  "more than one .hlrun.exports section" },
		/* export table */
		{ "no exports section", { SET(sh[2].sh_name, N_DATA) }, NO_CHANGE,
		  "no exported functions (no .hlrun.exports section)" },
		{ "no sections", { SET(eh.e_shnum, 0), SET(eh.e_shoff, 0) }, NO_CHANGE,
		  "no exported functions (no .hlrun.exports section)" },
		{ "exports NOBITS", { SET(sh[2].sh_type, SHT_NOBITS) }, NO_CHANGE,
		  "section .hlrun.exports has type 8, not SHT_PROGBITS" },
		{ "exports size 100", { SET(sh[2].sh_size, 100) }, NO_CHANGE,
		  "section .hlrun.exports is 100 bytes, not a non-zero multiple of 80" },
		{ "exports size 0", { SET(sh[2].sh_size, 0) }, NO_CHANGE,
		  "section .hlrun.exports is 0 bytes, not a non-zero multiple of 80" },
		{ "1025 exports", { SET(sh[2].sh_size, 1025 * 80), SET(len, FILE_CAP) },
		  NO_CHANGE, "too many exported functions (1025, at most 1024)" },
		{ "exports offset mismatch", { SET(sh[2].sh_offset, RO_OFF + 0x10) }, NO_CHANGE,
		  "section .hlrun.exports at 0x202000 has file offset 0x2010, but segment 1 "
		  "holds that address at file offset 0x2000" },
		{ "exports outside segments", { SET(sh[2].sh_addr, 0x250000) }, NO_CHANGE,
		  "section .hlrun.exports [0x250000, +0xa0) is not inside the file-backed part "
		  "of a segment" },
		{ "exports past segment's file end",
		  { SET(sh[2].sh_addr, RO_ADDR + 0xc0), SET(sh[2].sh_offset, RO_OFF + 0xc0) },
		  NO_CHANGE, "section .hlrun.exports [0x2020c0, +0xa0) is not inside" },
		{ "exports address wraps", { SET(sh[2].sh_addr, 0xfffffffffffffff0) }, NO_CHANGE,
		  "section .hlrun.exports [0xfffffffffffffff0, +0xa0) is not inside" },
		{ "exports writable",
		  { SET(sh[2].sh_addr, DATA_ADDR), SET(sh[2].sh_offset, DATA_OFF),
		    SET(sh[2].sh_size, 80) },
		  NO_CHANGE, "section .hlrun.exports lies in writable segment 2" },
		{ "name unterminated", { FILL(exp[0].name, 'A') }, NO_CHANGE,
		  "export 0: name is not NUL-terminated within 56 bytes" },
		{ "empty name", { SET(exp[0].name[0], 0) }, NO_CHANGE, "export 0: empty name" },
		{ "dash in name", { SET(exp[0].name[1], '-') }, NO_CHANGE,
		  "export 0: invalid character 0x2d at position 1 of its name (after \"A\")" },
		{ "leading digit", { SET(exp[1].name[0], '1') }, NO_CHANGE,
		  "export 1: invalid character 0x31 at position 0 of its name (after \"\")" },
		{ "non-ASCII name", { SET(exp[0].name[2], 0xc3) }, NO_CHANGE,
		  "export 0: invalid character 0xc3 at position 2" },
		{ "space in name", { SET(exp[1].name[4], ' ') }, NO_CHANGE,
		  "export 1: invalid character 0x20 at position 4 of its name (after \"Echo\")" },
		{ "junk after name", { SET(exp[0].name[10], 'x') }, NO_CHANGE,
		  "export 0 (Add): nonzero bytes after the name" },
		{ "duplicate name", { { offsetof(struct image, exp[1].name), 4, 0x00646441, 0 } },
		  NO_CHANGE,
		  "export 1 (Add) duplicates export 0" },
		{ "bad return type", { SET(exp[0].ret, 10) }, NO_CHANGE,
		  "export 0 (Add): bad return type 10" },
		{ "13 params", { SET(exp[0].nparams, 13) }, NO_CHANGE,
		  "export 0 (Add): 13 parameters, at most 12" },
		{ "void param", { SET(exp[0].params[1], HL_T_VOID) }, NO_CHANGE,
		  "export 0 (Add): parameter 1 has type void" },
		{ "param type 200", { SET(exp[1].params[0], 200) }, NO_CHANGE,
		  "export 1 (Echo): parameter 0 has bad type 200" },
		{ "param type 10", { SET(exp[0].params[0], 10) }, NO_CHANGE,
		  "export 0 (Add): parameter 0 has bad type 10" },
		{ "unused param set", { SET(exp[0].params[5], HL_T_I32) }, NO_CHANGE,
		  "export 0 (Add): unused parameter slot 5 is not zero" },
		{ "reserved set", { SET(exp[1].reserved[1], 1) }, NO_CHANGE,
		  "export 1 (Echo): reserved bytes are not zero" },
		{ "fn in rodata", { SET(exp[0].fn, RO_ADDR) }, NO_CHANGE,
		  "export 0 (Add): function address 0x202000 is not in the file-backed part of "
		  "an executable segment" },
		{ "fn outside", { SET(exp[1].fn, 0x100) }, NO_CHANGE,
		  "export 1 (Echo): function address 0x100 is not in the file-backed part" },
		{ "fn past code", { SET(ph[0].p_memsz, 0x200), SET(exp[1].fn, 0x201100) },
		  NO_CHANGE,
		  "export 1 (Echo): function address 0x201100 is not in the file-backed" },
		/* symbol table */
		{ "symbol entsize", { SET(sh[6].sh_entsize, 16) }, NO_CHANGE,
		  "symbol table: entry size 16 and size 120 (entries of 24 bytes expected)" },
		{ "symtab size", { SET(sh[6].sh_size, 100) }, NO_CHANGE,
		  "symbol table: entry size 24 and size 100" },
		{ "symtab link too big", { SET(sh[6].sh_link, 8) }, NO_CHANGE,
		  "symbol table: string table index 8 out of range (8 sections)" },
		{ "symtab link zero", { SET(sh[6].sh_link, 0) }, NO_CHANGE,
		  "symbol table: string table index 0 out of range" },
		{ "symtab link to code", { SET(sh[6].sh_link, 1) }, NO_CHANGE,
		  "symbol string table (section 1) has type 1, not SHT_STRTAB" },
		{ "strtab unterminated", { SET(strtab[sizeof STRS - 1], 'x') }, NO_CHANGE,
		  "symbol string table (section 7) is not NUL-terminated" },
		{ "symbol name offset", { SET(sym[2].st_name, 0x1000) }, NO_CHANGE,
		  "symbol 2: name offset 4096 beyond its string table (24 bytes)" },
		{ "two symbol tables", { SET(sh[7].sh_type, SHT_SYMTAB) }, NO_CHANGE,
		  "more than one symbol table" },
	};

	return cr_make_param_array(struct bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_case *c, loader, rejects)
{
	struct image *m = edited(c->edits);
	struct ldr_guest *g = (struct ldr_guest *)&g; /* must become NULL */
	struct hl_diag d = { 0 };

	if (c->change != NO_CHANGE)
		changes[c->change](m);
	cr_assert_eq(parse(m, &g, &d), HL_E_INVALID, "%s: accepted or wrong class (%s)",
		     c->what, d.msg);
	cr_assert_eq(d.err, HL_E_INVALID, "%s", c->what);
	cr_assert_null(g, "%s: *out not cleared", c->what);
	cr_assert_eq(strncmp(d.msg, "t.elf: ", 7), 0, "%s: message \"%s\" lacks the name",
		     c->what, d.msg);
	cr_assert_not_null(strstr(d.msg, c->msg), "%s: message \"%s\" lacks \"%s\"", c->what,
			   d.msg, c->msg);
	free(m);
}
