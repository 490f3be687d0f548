/* Unit tests of loader/ at the edges of what it accepts: each bound exactly (the guest at
 * it accepted, one past it refused) and the variants the ABI allows that the test
 * guest of loader_fixture.h does not use. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <elf.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/loader_fixture.h"

/* ---- Bounds, exactly: accepted at the bound, refused one past it ---------------------- */

struct bound_case {
	char what[48];
	struct edit at[MAX_EDITS];   /* the guest at the bound: accepted */
	struct edit past[MAX_EDITS]; /* one past it: refused with msg */
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
		  { SET(ph[0].p_memsz, TEXT_SIZE + 0x100),
		    SET(eh.e_entry, TEXT_ADDR + TEXT_SIZE - 1) },
		  { SET(ph[0].p_memsz, TEXT_SIZE + 0x100),
		    SET(eh.e_entry, TEXT_ADDR + TEXT_SIZE) },
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

/* ---- Accepted: what the ABI allows beyond the test guest ----------------------------- */

struct accept_case {
	char what[56];
	struct edit edits[MAX_EDITS];
	uint64_t data_vaddr; /* where segment 2, the data, is then */
	uint64_t image_end;
};

ParameterizedTestParameters(loader, accepts)
{
	static struct accept_case cases[] = {
		/* A segment that shares no page with another need not start on one. */
		{ "unaligned segment alone in its pages",
		  { SET(ph[2].p_vaddr, DATA_ADDR + 0x10),
		    SET(ph[2].p_offset, DATA_OFF + 0x10) },
		  DATA_ADDR + 0x10, 0x206000 },
		/* What the gABI and the psABI allow: GNU's OS ABI, segments aligned to 0 or 1
		 * (none), or to a power of two above the page size their address and offset
		 * agree modulo. */
		{ "what the ABI allows",
		  { SET(eh.e_ident[EI_OSABI], ELFOSABI_GNU), SET(ph[0].p_align, 0),
		    SET(ph[1].p_align, 1), SET(ph[2].p_align, 0x200000) },
		  DATA_ADDR, 0x205000 },
		/* Eight-byte aligned notes are walked: with a name of 6 bytes the
		 * descriptor starts at 24 instead of 20 (the first word of note[1]), the
		 * note ends at 32. */
		{ "eight-byte aligned notes",
		  { SET(ph[3].p_align, 8), SET(ph[3].p_filesz, 32), SET(note[0].desc, 0),
		    { offsetof(struct image, note[1]), 4, HL_ABI_VERSION, 0 } },
		  DATA_ADDR, 0x205000 },
	};

	return cr_make_param_array(struct accept_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct accept_case *c, loader, accepts)
{
	struct image *m = edited(c->edits);
	struct ldr_guest *g = NULL;
	struct hl_diag d = { 0 };

	cr_assert_eq(parse(m, &g, &d), HL_OK, "%s: %s", c->what, d.msg);
	cr_assert_eq(ldr_segment(g, 2)->vaddr, c->data_vaddr, "%s", c->what);
	cr_assert_eq(ldr_image_end(g), c->image_end, "%s", c->what);
	ldr_close(g);
	free(m);
}
