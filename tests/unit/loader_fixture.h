/* The guest ELF of the loader's unit tests (tests/unit/test_loader*.c): its file layout,
 * a valid guest built in memory, serialised and parsed, and edits of its fields that
 * the tables of malformed and borderline guests are made of.  static inline: each test
 * binary uses only some of these. */
#ifndef TESTS_UNIT_LOADER_FIXTURE_H
#define TESTS_UNIT_LOADER_FIXTURE_H

#include <criterion/criterion.h>
#include <elf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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

static inline Elf64_Phdr phdr(uint32_t type, uint32_t flags, uint64_t off, uint64_t addr,
			      uint64_t filesz, uint64_t memsz)
{
	return (Elf64_Phdr){ .p_type = type, .p_flags = flags, .p_offset = off,
			     .p_vaddr = addr, .p_paddr = addr, .p_filesz = filesz,
			     .p_memsz = memsz, .p_align = type == PT_NOTE ? 4 : 0x1000 };
}

static inline Elf64_Shdr shdr(uint32_t name, uint32_t type, uint64_t flags, uint64_t addr,
			      uint64_t off, uint64_t size)
{
	return (Elf64_Shdr){ .sh_name = name, .sh_type = type, .sh_flags = flags,
			     .sh_addr = addr, .sh_offset = off, .sh_size = size,
			     .sh_addralign = 1 };
}

static inline Elf64_Sym sym(uint32_t name, unsigned type, uint16_t shndx, uint64_t value,
			    uint64_t size)
{
	return (Elf64_Sym){ .st_name = name, .st_info = ELF64_ST_INFO(STB_GLOBAL, type),
			    .st_shndx = shndx, .st_value = value, .st_size = size };
}

static inline void build_headers(struct image *m)
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
static inline struct image *build(void)
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
static inline uint8_t *serialize(const struct image *m)
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

static inline enum hl_err parse(const struct image *m, struct ldr_guest **g,
				struct hl_diag *d)
{
	uint8_t *f = serialize(m);
	enum hl_err err = ldr_parse(f, m->len, "t.elf", g, d);

	free(f);
	return err;
}

/* A valid guest, parsed; the test must ldr_close() it. */
static inline struct ldr_guest *valid_guest(void)
{
	struct image *m = build();
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };

	cr_assert_eq(parse(m, &g, &d), HL_OK, "valid guest rejected: %s", d.msg);
	free(m);
	return g;
}

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
/* The most edits a case makes. */
#define MAX_EDITS 4

/* A valid guest with edits (MAX_EDITS of them, or fewer ended by a zero width) made; the
 * caller frees it. */
static inline struct image *edited(const struct edit *edits)
{
	struct image *m = build();

	for (size_t i = 0; i < MAX_EDITS && edits[i].width != 0; i++) {
		const struct edit *e = &edits[i];

		if (e->fill)
			memset((uint8_t *)m + e->off, (int)e->value, e->width);
		else
			memcpy((uint8_t *)m + e->off, &e->value, e->width);
	}
	return m;
}

#endif
