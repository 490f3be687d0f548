/* Unit tests of loader/: a valid guest ELF built here, and one malformation per case. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <elf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"

/* File layout of the test guest: headers, then code, read-only data (export table and
 * ABI note), data with bss, and the tables that only sections describe. */
#define PH_OFF 0x40
#define MAX_PH 20
#define TEXT_OFF 0x1000
#define TEXT_ADDR 0x201000
#define TEXT_SIZE 0x100
#define RO_OFF 0x2000
#define RO_ADDR 0x202000
#define RO_SIZE 0x100
#define NEXP 2
#define NOTE_OFF (RO_OFF + NEXP * sizeof(struct hl_export))
#define DATA_OFF 0x3000
#define DATA_ADDR 0x203000
#define DATA_FILESZ 0x100
#define DATA_MEMSZ 0x2000
#define SHSTR_OFF 0x3100
#define STR_OFF 0x3200
#define SYM_OFF 0x3300
#define SH_OFF 0x3400
#define NSH 8
#define NSYM 5
#define FILE_LEN (SH_OFF + NSH * sizeof(Elf64_Shdr))
#define FILE_CAP 0x18000 /* room for the export table of 1025 entries */

/* Section names and their offsets in SHSTR; symbol names and theirs in STRS. */
#define SHSTR "\0.text\0.hlrun.exports\0.data\0.bss\0.shstrtab\0.symtab\0.strtab"
enum { N_TEXT = 1, N_EXPORTS = 7, N_DATA = 22, N_BSS = 28, N_SHSTRTAB = 33, N_SYMTAB = 43,
       N_STRTAB = 51 };
#define STRS "\0start\0add\0tail\0counter"
enum { S_START = 1, S_ADD = 7, S_TAIL = 11, S_COUNTER = 16 };

struct note {
	uint32_t namesz, descsz, type;
	char name[8];
	uint32_t desc;
};

/* A guest before serialisation: tests change any field, then serialize() lays it out. */
struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PH];
	Elf64_Shdr sh[NSH];
	uint8_t text[TEXT_SIZE];
	struct hl_export exp[NEXP];
	struct note note[2];
	uint8_t data[DATA_FILESZ];
	char shstrtab[sizeof SHSTR];
	char strtab[sizeof STRS];
	Elf64_Sym sym[NSYM];
	size_t len; /* bytes of the serialized file */
};

static Elf64_Phdr phdr(uint32_t type, uint32_t flags, uint64_t off, uint64_t addr,
		       uint64_t filesz, uint64_t memsz)
{
	return (Elf64_Phdr){ .p_type = type, .p_flags = flags, .p_offset = off,
			     .p_vaddr = addr, .p_paddr = addr, .p_filesz = filesz,
			     .p_memsz = memsz, .p_align = type == PT_NOTE ? 4 : 0x1000 };
}

static Elf64_Shdr shdr(uint32_t name, uint32_t type, uint64_t flags, uint64_t addr,
		       uint64_t off, uint64_t size)
{
	return (Elf64_Shdr){ .sh_name = name, .sh_type = type, .sh_flags = flags,
			     .sh_addr = addr, .sh_offset = off, .sh_size = size,
			     .sh_addralign = 1 };
}

static Elf64_Sym sym(uint32_t name, unsigned type, uint16_t shndx, uint64_t value,
		     uint64_t size)
{
	return (Elf64_Sym){ .st_name = name, .st_info = ELF64_ST_INFO(STB_GLOBAL, type),
			    .st_shndx = shndx, .st_value = value, .st_size = size };
}

static void build_headers(struct image *m)
{
	memcpy(m->eh.e_ident, ELFMAG, SELFMAG);
	m->eh.e_ident[EI_CLASS] = ELFCLASS64;
	m->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	m->eh.e_ident[EI_VERSION] = EV_CURRENT;
	m->eh.e_type = ET_EXEC;
	m->eh.e_machine = EM_X86_64;
	m->eh.e_version = EV_CURRENT;
	m->eh.e_entry = TEXT_ADDR;
	m->eh.e_phoff = PH_OFF;
	m->eh.e_shoff = SH_OFF;
	m->eh.e_ehsize = sizeof(Elf64_Ehdr);
	m->eh.e_phentsize = sizeof(Elf64_Phdr);
	m->eh.e_phnum = 5;
	m->eh.e_shentsize = sizeof(Elf64_Shdr);
	m->eh.e_shnum = NSH;
	m->eh.e_shstrndx = 5;
	m->ph[0] = phdr(PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_ADDR, TEXT_SIZE, TEXT_SIZE);
	m->ph[1] = phdr(PT_LOAD, PF_R, RO_OFF, RO_ADDR, RO_SIZE, RO_SIZE);
	m->ph[2] = phdr(PT_LOAD, PF_R | PF_W, DATA_OFF, DATA_ADDR, DATA_FILESZ, DATA_MEMSZ);
	m->ph[3] = phdr(PT_NOTE, PF_R, NOTE_OFF, RO_ADDR + NOTE_OFF - RO_OFF,
			sizeof(struct note), sizeof(struct note));
	m->ph[4] = (Elf64_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };
	m->sh[1] = shdr(N_TEXT, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, TEXT_ADDR, TEXT_OFF,
			TEXT_SIZE);
	m->sh[2] = shdr(N_EXPORTS, SHT_PROGBITS, SHF_ALLOC, RO_ADDR, RO_OFF, sizeof m->exp);
	m->sh[3] = shdr(N_DATA, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, DATA_ADDR, DATA_OFF,
			DATA_FILESZ);
	m->sh[4] = shdr(N_BSS, SHT_NOBITS, SHF_ALLOC | SHF_WRITE, DATA_ADDR + DATA_FILESZ,
			DATA_OFF + DATA_FILESZ, DATA_MEMSZ - DATA_FILESZ);
	m->sh[5] = shdr(N_SHSTRTAB, SHT_STRTAB, 0, 0, SHSTR_OFF, sizeof SHSTR);
	m->sh[6] = shdr(N_SYMTAB, SHT_SYMTAB, 0, 0, SYM_OFF, sizeof m->sym);
	m->sh[6].sh_link = 7;
	m->sh[6].sh_entsize = sizeof(Elf64_Sym);
	m->sh[7] = shdr(N_STRTAB, SHT_STRTAB, 0, 0, STR_OFF, sizeof STRS);
}

/* A valid guest: code, two exports (Add, Echo), ABI note, data and bss, symbols. */
static struct image *build(void)
{
	struct image *m = calloc(1, sizeof *m);

	cr_assert_not_null(m);
	build_headers(m);
	for (size_t i = 0; i < TEXT_SIZE; i++)
		m->text[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < DATA_FILESZ; i++)
		m->data[i] = (uint8_t)(0x40 + i);
	m->exp[0] = (struct hl_export){ .name = "Add", .ret = HL_T_I32, .nparams = 2,
					.params = { HL_T_I32, HL_T_I32 }, .fn = TEXT_ADDR + 0x10 };
	m->exp[1] = (struct hl_export){ .name = "Echo", .ret = HL_T_STRING, .nparams = 1,
					.params = { HL_T_STRING }, .fn = TEXT_ADDR };
	m->note[0] = (struct note){ sizeof HL_NOTE_NAME, 4, HL_NOTE_ABI, HL_NOTE_NAME,
				    HL_ABI_VERSION };
	memcpy(m->shstrtab, SHSTR, sizeof SHSTR);
	memcpy(m->strtab, STRS, sizeof STRS);
	m->sym[1] = sym(S_START, STT_FUNC, 1, TEXT_ADDR, 0x10);
	m->sym[2] = sym(S_ADD, STT_FUNC, 1, TEXT_ADDR + 0x10, 0x20);
	m->sym[3] = sym(S_TAIL, STT_FUNC, 1, TEXT_ADDR + 0x80, 0);
	m->sym[4] = sym(S_COUNTER, STT_OBJECT, 3, DATA_ADDR, 8);
	m->len = FILE_LEN;
	return m;
}

/* The file bytes of m (FILE_CAP of them, m->len meant); the caller frees them. */
static uint8_t *serialize(const struct image *m)
{
	uint8_t *f = calloc(1, FILE_CAP);

	cr_assert_not_null(f);
	memcpy(f, &m->eh, sizeof m->eh);
	memcpy(f + PH_OFF, m->ph, sizeof m->ph);
	memcpy(f + TEXT_OFF, m->text, sizeof m->text);
	memcpy(f + RO_OFF, m->exp, sizeof m->exp);
	memcpy(f + NOTE_OFF, m->note, sizeof m->note);
	memcpy(f + DATA_OFF, m->data, sizeof m->data);
	memcpy(f + SHSTR_OFF, m->shstrtab, sizeof m->shstrtab);
	memcpy(f + STR_OFF, m->strtab, sizeof m->strtab);
	memcpy(f + SYM_OFF, m->sym, sizeof m->sym);
	memcpy(f + SH_OFF, m->sh, sizeof m->sh);
	return f;
}

static enum hl_err parse(const struct image *m, struct ldr_guest **g, struct hl_diag *d)
{
	uint8_t *f = serialize(m);
	enum hl_err err = ldr_parse(f, m->len, "t.elf", g, d);

	free(f);
	return err;
}

/* A valid guest, parsed; the test must ldr_close() it. */
static struct ldr_guest *valid_guest(void)
{
	struct image *m = build();
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };

	cr_assert_eq(parse(m, &g, &d), HL_OK, "valid guest rejected: %s", d.msg);
	free(m);
	return g;
}

/* ---- Malformed guests: one change each, its error class and message ------------------ */

/* Stores value (little-endian, width bytes) at a field of struct image, or fills it. */
struct edit {
	size_t off;
	size_t width; /* 0 ends the list */
	uint64_t value;
	int fill;     /* memset the field with value instead */
};
#define AT(field) offsetof(struct image, field), sizeof(((struct image *)0)->field)
#define SET(field, v) { AT(field), (v), 0 }
#define FILL(field, byte) { AT(field), (byte), 1 }

/* Changes that edits cannot express. */
enum change { NO_CHANGE, SEVENTEEN_LOADS, TWO_ABI_NOTES, NO_LOADS };

/* No pointers: Criterion may run each case in a fresh process image. */
struct bad_case {
	char what[40];
	struct edit edits[3];
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
	struct image *m = build();
	struct ldr_guest *g = (struct ldr_guest *)&g; /* must become NULL */
	struct hl_diag d = { 0 };

	for (size_t i = 0; i < 3 && c->edits[i].width != 0; i++) {
		const struct edit *e = &c->edits[i];

		if (e->fill)
			memset((uint8_t *)m + e->off, (int)e->value, e->width);
		else
			memcpy((uint8_t *)m + e->off, &e->value, e->width);
	}
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

/* ---- Bounds, exactly: accepted at the bound, refused one past it ---------------------- */

struct bound_case {
	char what[48];
	struct edit at[3];   /* the guest at the bound: accepted */
	struct edit past[3]; /* one past it: refused with msg */
	char msg[120];
};

#define IMAGE_END ((uint64_t)HL_IMAGE_BASE + HL_IMAGE_MAX)

ParameterizedTestParameters(loader, bounds)
{
	static struct bound_case cases[] = {
		{ "file bytes end at the file's end",
		  { SET(ph[2].p_filesz, FILE_LEN - DATA_OFF) },
		  { SET(ph[2].p_filesz, FILE_LEN - DATA_OFF + 1) },
		  "segment 2: file bytes [0x3000, +0x601) extend beyond the end of the file "
		  "(13824 bytes)" },
		{ "entry at the last byte the file provides",
		  { SET(ph[0].p_memsz, TEXT_SIZE + 0x100), SET(eh.e_entry, TEXT_ADDR + TEXT_SIZE - 1) },
		  { SET(ph[0].p_memsz, TEXT_SIZE + 0x100), SET(eh.e_entry, TEXT_ADDR + TEXT_SIZE) },
		  "entry point 0x201100 is in the zero-filled part of segment 0" },
		{ "segment ends at the image window's end",
		  { SET(ph[2].p_memsz, IMAGE_END - DATA_ADDR) },
		  { SET(ph[2].p_memsz, IMAGE_END - DATA_ADDR + 1) },
		  "segment 2: [0x203000, +0x3ffd001) lies outside the guest image window "
		  "[0x200000, 0x4200000)" },
		{ "file bytes as long as the memory",
		  { SET(ph[0].p_filesz, TEXT_SIZE), SET(ph[0].p_memsz, TEXT_SIZE) },
		  { SET(ph[0].p_filesz, TEXT_SIZE + 1), SET(ph[0].p_memsz, TEXT_SIZE) },
		  "segment 0: file size 0x101 exceeds memory size 0x100" },
		{ "64 program headers",
		  { SET(eh.e_phnum, 64) },
		  { SET(eh.e_phnum, 65) },
		  "too many program headers (65, at most 64)" },
		{ "export table ends where the file bytes do",
		  { SET(ph[1].p_filesz, NEXP * sizeof(struct hl_export)) },
		  { SET(ph[1].p_filesz, NEXP * sizeof(struct hl_export) - 1) },
		  "section .hlrun.exports [0x202000, +0xa0) is not inside the file-backed part of "
		  "a segment" },
		{ "symbol name at the string table's last byte",
		  { SET(sym[2].st_name, sizeof STRS - 1) },
		  { SET(sym[2].st_name, sizeof STRS) },
		  "symbol 2: name offset 24 beyond its string table (24 bytes)" },
	};
	return cr_make_param_array(struct bound_case, cases, sizeof cases / sizeof cases[0]);
}

static struct image *edited(const struct edit *edits)
{
	struct image *m = build();

	for (size_t i = 0; i < 3 && edits[i].width != 0; i++)
		memcpy((uint8_t *)m + edits[i].off, &edits[i].value, edits[i].width);
	return m;
}

ParameterizedTest(struct bound_case *c, loader, bounds)
{
	struct image *m = edited(c->at);
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };
	enum hl_err err = parse(m, &g, &d);

	free(m);
	cr_assert_eq(err, HL_OK, "%s: refused at the bound: %s", c->what, d.msg);
	ldr_close(g);
	g = NULL;
	m = edited(c->past);
	cr_assert_eq(parse(m, &g, &d), HL_E_INVALID, "%s: accepted one past the bound",
		     c->what);
	cr_assert_not_null(strstr(d.msg, c->msg), "%s: message \"%s\" lacks \"%s\"", c->what,
			   d.msg, c->msg);
	free(m);
}

/* ---- A valid guest ------------------------------------------------------------------- */

Test(loader, fixture_names_line_up)
{
	cr_assert_str_eq(SHSTR + N_TEXT, ".text");
	cr_assert_str_eq(SHSTR + N_EXPORTS, ".hlrun.exports");
	cr_assert_str_eq(SHSTR + N_DATA, ".data");
	cr_assert_str_eq(SHSTR + N_BSS, ".bss");
	cr_assert_str_eq(SHSTR + N_SHSTRTAB, ".shstrtab");
	cr_assert_str_eq(SHSTR + N_SYMTAB, ".symtab");
	cr_assert_str_eq(SHSTR + N_STRTAB, ".strtab");
	cr_assert_str_eq(STRS + S_START, "start");
	cr_assert_str_eq(STRS + S_ADD, "add");
	cr_assert_str_eq(STRS + S_TAIL, "tail");
	cr_assert_str_eq(STRS + S_COUNTER, "counter");
}

Test(loader, valid_guest_segments_and_entry)
{
	struct ldr_guest *g = valid_guest();
	const struct ldr_segment *s;

	cr_assert_eq(ldr_entry(g), TEXT_ADDR);
	cr_assert_eq(ldr_image_end(g), 0x205000);
	cr_assert_eq(ldr_nsegments(g), 3);
	s = ldr_segment(g, 0);
	cr_assert_eq(s->vaddr, TEXT_ADDR);
	cr_assert_eq(s->memsz, TEXT_SIZE);
	cr_assert_eq(s->filesz, TEXT_SIZE);
	cr_assert_eq(s->offset, TEXT_OFF);
	cr_assert_eq(s->flags, LDR_R | LDR_X);
	s = ldr_segment(g, 1);
	cr_assert_eq(s->vaddr, RO_ADDR);
	cr_assert_eq(s->flags, LDR_R);
	s = ldr_segment(g, 2);
	cr_assert_eq(s->vaddr, DATA_ADDR);
	cr_assert_eq(s->memsz, DATA_MEMSZ);
	cr_assert_eq(s->filesz, DATA_FILESZ);
	cr_assert_eq(s->offset, DATA_OFF);
	cr_assert_eq(s->flags, LDR_R | LDR_W);
	cr_assert_null(ldr_segment(g, 3));
	ldr_close(g);
}

Test(loader, valid_guest_exports)
{
	struct ldr_guest *g = valid_guest();
	const struct hl_export *e;

	cr_assert_eq(ldr_nexports(g), 2);
	e = ldr_export(g, 0);
	cr_assert_str_eq(e->name, "Add");
	cr_assert_eq(e->ret, HL_T_I32);
	cr_assert_eq(e->nparams, 2);
	cr_assert_eq(e->params[0], HL_T_I32);
	cr_assert_eq(e->params[1], HL_T_I32);
	cr_assert_eq(e->params[2], 0);
	cr_assert_eq(e->fn, TEXT_ADDR + 0x10);
	e = ldr_export(g, 1);
	cr_assert_str_eq(e->name, "Echo");
	cr_assert_eq(e->ret, HL_T_STRING);
	cr_assert_eq(e->nparams, 1);
	cr_assert_eq(e->params[0], HL_T_STRING);
	cr_assert_eq(e->fn, TEXT_ADDR);
	cr_assert_null(ldr_export(g, 2));
	cr_assert_eq(ldr_find(g, "Echo"), ldr_export(g, 1));
	cr_assert_eq(ldr_find(g, "Add"), ldr_export(g, 0));
	cr_assert_null(ldr_find(g, "Ad"));
	cr_assert_null(ldr_find(g, "Nope"));
	ldr_close(g);
}

Test(loader, unaligned_segment_alone_in_its_pages_is_accepted)
{
	struct image *m = build();
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };

	m->ph[2].p_vaddr = DATA_ADDR + 0x10;
	m->ph[2].p_offset = DATA_OFF + 0x10;
	cr_assert_eq(parse(m, &g, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(ldr_segment(g, 2)->vaddr, DATA_ADDR + 0x10);
	cr_assert_eq(ldr_image_end(g), 0x206000);
	ldr_close(g);
	free(m);
}

/* What the gABI and the psABI allow: GNU's OS ABI, segments aligned to 0 or 1 (none), or
 * to a power of two above the page size their address and offset agree modulo. */
Test(loader, what_the_abi_allows_is_accepted)
{
	struct image *m = build();
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };

	m->eh.e_ident[EI_OSABI] = ELFOSABI_GNU;
	m->ph[0].p_align = 0;
	m->ph[1].p_align = 1;
	m->ph[2].p_align = 0x200000;
	cr_assert_eq(parse(m, &g, &d), HL_OK, "%s", d.msg);
	ldr_close(g);
	free(m);
}

Test(loader, eight_byte_aligned_notes_are_walked)
{
	struct image *m = build();
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };

	/* Name 6 bytes: the descriptor starts at 24 instead of 20, the note ends at 32. */
	m->ph[3].p_align = 8;
	m->ph[3].p_filesz = 32;
	memcpy((uint8_t *)&m->note[0].desc, &(uint32_t){ 0 }, 4);
	memcpy((uint8_t *)&m->note[1], &(uint32_t){ HL_ABI_VERSION }, 4);
	cr_assert_eq(parse(m, &g, &d), HL_OK, "%s", d.msg);
	ldr_close(g);
	free(m);
}

Test(loader, parse_keeps_its_own_copy)
{
	struct image *m = build();
	uint8_t *f = serialize(m);
	struct ldr_guest *g = NULL;
	const uint8_t *bytes;
	size_t len;

	cr_assert_eq(ldr_parse(f, FILE_LEN, "t.elf", &g, NULL), HL_OK);
	memset(f, 0, FILE_LEN);
	bytes = ldr_bytes(g, &len);
	cr_assert_eq(len, FILE_LEN);
	cr_assert_eq(memcmp(bytes, ELFMAG, SELFMAG), 0);
	cr_assert_str_eq(ldr_export(g, 0)->name, "Add");
	ldr_close(g);
	free(f);
	free(m);
}

Test(loader, load_copies_and_zero_fills)
{
	struct ldr_guest *g = valid_guest();
	uint64_t size = ldr_image_end(g);
	uint8_t *mem = malloc(size);
	struct image *m = build();
	struct hl_diag d = { 0 };

	cr_assert_not_null(mem);
	memset(mem, 0xAA, size);
	cr_assert_eq(ldr_load(g, mem, size, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(memcmp(mem + TEXT_ADDR, m->text, TEXT_SIZE), 0);
	cr_assert_eq(memcmp(mem + RO_ADDR, m->exp, sizeof m->exp), 0);
	cr_assert_eq(memcmp(mem + RO_ADDR + sizeof m->exp, m->note, sizeof(struct note)), 0);
	cr_assert_eq(memcmp(mem + DATA_ADDR, m->data, DATA_FILESZ), 0);
	for (uint64_t a = DATA_ADDR + DATA_FILESZ; a < DATA_ADDR + DATA_MEMSZ; a++)
		cr_assert_eq(mem[a], 0, "bss byte at %#llx is %#x", (unsigned long long)a, mem[a]);
	/* Outside the segments nothing is written. */
	cr_assert_eq(mem[TEXT_ADDR - 1], 0xAA);
	cr_assert_eq(mem[TEXT_ADDR + TEXT_SIZE], 0xAA);
	cr_assert_eq(mem[RO_ADDR + RO_SIZE], 0xAA);
	cr_assert_eq(mem[HL_IMAGE_BASE], 0xAA);
	free(m);
	free(mem);
	ldr_close(g);
}

Test(loader, load_refuses_small_memory)
{
	struct ldr_guest *g = valid_guest();
	uint8_t *mem = malloc(0x205000);
	struct hl_diag d = { 0 };

	cr_assert_not_null(mem);
	cr_assert_eq(ldr_load(g, mem, 0x204fff, &d), HL_E_INTERNAL);
	cr_assert_str_eq(d.msg, "t.elf: guest memory of 0x204fff bytes is too small for the "
			 "image, which ends at 0x205000");
	free(mem);
	ldr_close(g);
}

struct sym_case {
	uint64_t addr;
	char name[8]; /* empty: no symbol */
	uint64_t offset;
};

ParameterizedTestParameters(loader, symbol_at)
{
	static struct sym_case cases[] = {
		{ TEXT_ADDR, "start", 0 },
		{ TEXT_ADDR + 0xf, "start", 0xf },
		{ TEXT_ADDR + 0x10, "add", 0 },
		{ TEXT_ADDR + 0x14, "add", 4 },
		{ TEXT_ADDR + 0x2f, "add", 0x1f },
		{ TEXT_ADDR + 0x30, "", 0 },        /* after add, before tail */
		{ TEXT_ADDR + 0x80, "tail", 0 },      /* tail has no size */
		{ TEXT_ADDR + 0x90, "tail", 0x10 },
		{ TEXT_ADDR + 0xff, "tail", 0xff - 0x80 },
		{ RO_ADDR, "", 0 },                 /* another segment than tail's */
		{ DATA_ADDR, "", 0 },               /* counter is no function */
		{ TEXT_ADDR - 1, "", 0 },
		{ 0x100, "", 0 },
		{ UINT64_MAX, "", 0 },
	};

	return cr_make_param_array(struct sym_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct sym_case *c, loader, symbol_at)
{
	struct ldr_guest *g = valid_guest();
	uint64_t off = 12345;
	const char *name = ldr_symbol_at(g, c->addr, &off);

	if (c->name[0] == '\0') {
		cr_assert_null(name, "%#llx: got %s", (unsigned long long)c->addr, name);
		cr_assert_eq(off, 12345);
	} else {
		cr_assert_not_null(name, "%#llx: no symbol", (unsigned long long)c->addr);
		cr_assert_str_eq(name, c->name);
		cr_assert_eq(off, c->offset, "%#llx: offset %#llx", (unsigned long long)c->addr,
			     (unsigned long long)off);
	}
	cr_assert_str_eq(ldr_symbol_at(g, TEXT_ADDR + 0x14, NULL), "add");
	ldr_close(g);
}

Test(loader, no_symbol_table_means_no_names)
{
	struct image *m = build();
	struct ldr_guest *g = NULL;
	uint64_t off = 7;

	m->sh[6].sh_type = SHT_PROGBITS;
	cr_assert_eq(parse(m, &g, NULL), HL_OK);
	cr_assert_null(ldr_symbol_at(g, TEXT_ADDR, &off));
	cr_assert_eq(off, 7);
	ldr_close(g);
	free(m);
}

Test(loader, close_accepts_null)
{
	ldr_close(NULL);
}

Test(loader, parse_refuses_oversized_buffer)
{
	uint8_t *big = calloc(1, (size_t)LDR_MAX_FILE + 1);
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };

	cr_assert_not_null(big);
	cr_assert_eq(ldr_parse(big, (size_t)LDR_MAX_FILE + 1, "big.elf", &g, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, "big.elf: file too large (67108865 bytes, at most 67108864)");
	cr_assert_null(g);
	free(big);
}

/* ---- ldr_open ------------------------------------------------------------------------ */

Test(loader, open_reads_a_valid_file)
{
	char path[] = "/tmp/test_loader_XXXXXX";
	struct image *m = build();
	uint8_t *f = serialize(m);
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, f, FILE_LEN), (ssize_t)FILE_LEN);
	close(fd);
	cr_assert_eq(ldr_open(path, &g, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(ldr_nexports(g), 2);
	cr_assert_eq(ldr_entry(g), TEXT_ADDR);
	ldr_close(g);
	unlink(path);
	free(f);
	free(m);
}

Test(loader, open_names_the_path_when_not_elf)
{
	char path[] = "/tmp/test_loader_XXXXXX";
	char want[sizeof path + 32];
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	cr_assert_eq(ldr_open(path, &g, &d), HL_E_INVALID);
	snprintf(want, sizeof want, "%s: not an ELF file", path);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(g);
	unlink(path);
}

Test(loader, open_missing_file)
{
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };

	cr_assert_eq(ldr_open("/nonexistent/x.elf", &g, &d), HL_E_INVALID);
	cr_assert_eq(d.err, HL_E_INVALID);
	cr_assert_str_eq(d.msg, "/nonexistent/x.elf: No such file or directory");
	cr_assert_null(g);
}

/* A file of LDR_MAX_FILE bytes is read (and found to be no ELF); one byte more is
 * refused before it is read.  Sparse files: no disk is used. */
Test(loader, open_size_limit)
{
	char path[] = "/tmp/hlrun-test-big-XXXXXX", want[160];
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, LDR_MAX_FILE), 0);
	cr_assert_eq(ldr_open(path, &g, &d), HL_E_INVALID);
	cr_assert_null(strstr(d.msg, "too large"), "%s", d.msg);
	cr_assert_eq(ftruncate(fd, LDR_MAX_FILE + 1), 0);
	snprintf(want, sizeof want, "%s: file too large (%u bytes, at most %u)", path,
		 LDR_MAX_FILE + 1, LDR_MAX_FILE);
	cr_assert_eq(ldr_open(path, &g, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(g);
	close(fd);
	unlink(path);
}

Test(loader, open_directory)
{
	char dir[] = "/tmp/test_loader_XXXXXX";
	char want[sizeof dir + 32];
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(ldr_open(dir, &g, &d), HL_E_INVALID);
	snprintf(want, sizeof want, "%s: not a regular file", dir);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(g);
	rmdir(dir);
}
