/* State shared by the files of the loader: the guest and the context of one parse. */
#ifndef LOADER_LOADER_INTERNAL_H
#define LOADER_LOADER_INTERNAL_H

#include <gelf.h>

#include "loader/loader.h"

/* Most program headers of any type; far more than a linker script produces. */
#define LDR_MAX_PHDRS 64

/* A function symbol; name is the offset of its NUL-terminated name in the file bytes. */
struct ldr_sym {
	uint64_t value;
	uint64_t size;
	size_t name;
};

struct ldr_guest {
	char *name;
	uint8_t *bytes;
	size_t len;
	uint64_t entry;
	uint64_t image_end;
	struct ldr_segment seg[LDR_MAX_SEGMENTS];
	size_t nseg;
	struct hl_export *exports;
	size_t nexports;
	struct ldr_sym *syms;
	size_t nsyms;
};

/* A PT_NOTE's bytes in the file. */
struct ldr_note_range {
	size_t index;   /* program header index, for messages */
	uint64_t offset;
	uint64_t size;
	uint64_t align; /* 4 or 8 */
};

/* One parse: what the checks learn, in the order check() in guest.c runs them. */
struct ldr_ctx {
	struct ldr_guest *g;
	const char *name;
	struct hl_diag *d;
	Elf *elf;
	Elf64_Ehdr eh;
	size_t seg_phdr[LDR_MAX_SEGMENTS]; /* program header index of g->seg[i] */
	struct ldr_note_range notes[LDR_MAX_PHDRS];
	size_t nnotes;
	size_t shnum;
	size_t shstrndx;
	GElf_Shdr exports;   /* valid when have_exports */
	int have_exports;
	GElf_Shdr symtab;    /* valid when symtab_ndx != 0 */
	size_t symtab_ndx;
};

/* Records HL_E_INVALID with the message "NAME: " and the formatted text; returns it. */
enum hl_err ldr_fail(const struct ldr_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether [off, off + size) lies inside the file, without overflow. */
int ldr_in_file(const struct ldr_ctx *c, uint64_t off, uint64_t size);

/* elf.c: the ELF header, read from the raw bytes before libelf sees them. */
enum hl_err ldr_check_header(struct ldr_ctx *c);
/* elf.c: program headers (filling g->seg and c->notes) and the entry point. */
enum hl_err ldr_check_segments(struct ldr_ctx *c);
/* sections.c: section headers, names and ranges; finds the exports and symbol tables. */
enum hl_err ldr_check_sections(struct ldr_ctx *c);
/* sections.c: the function symbols of .symtab into g->syms. */
enum hl_err ldr_read_symbols(struct ldr_ctx *c);
/* exports.c: the hlrun ABI note. */
enum hl_err ldr_check_note(struct ldr_ctx *c);
/* exports.c: the export table into g->exports. */
enum hl_err ldr_check_exports(struct ldr_ctx *c);

#endif
