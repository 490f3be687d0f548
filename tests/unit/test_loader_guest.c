/* Unit tests of loader/ on a valid guest (loader_fixture.h's): what parsing it gives
 * (segments, entry, exports, symbols), loading it into guest memory, and ldr_open() on
 * files good and bad. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <elf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/loader_fixture.h"

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
	static const struct ldr_segment want[] = {
		{ TEXT_ADDR, TEXT_SIZE, TEXT_SIZE, TEXT_OFF, LDR_R | LDR_X },
		{ RO_ADDR, RO_SIZE, RO_SIZE, RO_OFF, LDR_R },
		{ DATA_ADDR, DATA_MEMSZ, DATA_FILESZ, DATA_OFF, LDR_R | LDR_W },
	};
	struct ldr_guest *g = valid_guest();

	cr_assert_eq(ldr_entry(g), TEXT_ADDR);
	cr_assert_eq(ldr_image_end(g), 0x205000);
	cr_assert_eq(ldr_nsegments(g), 3);
	for (size_t i = 0; i < 3; i++) {
		const struct ldr_segment *s = ldr_segment(g, i);

		cr_assert_eq(s->vaddr, want[i].vaddr, "segment %zu", i);
		cr_assert_eq(s->memsz, want[i].memsz, "segment %zu", i);
		cr_assert_eq(s->filesz, want[i].filesz, "segment %zu", i);
		cr_assert_eq(s->offset, want[i].offset, "segment %zu", i);
		cr_assert_eq(s->flags, want[i].flags, "segment %zu", i);
	}
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

/* What ldr_open() refuses: the message names the path and says why. */
enum open_kind { A_SCRIPT, A_DIRECTORY, MISSING };

struct open_case {
	char what[24];
	enum open_kind kind;
	char msg[32]; /* after "PATH: " */
};

ParameterizedTestParameters(loader, open_refuses)
{
	static struct open_case cases[] = {
		{ "a shell script", A_SCRIPT, "not an ELF file" },
		{ "a directory", A_DIRECTORY, "not a regular file" },
		{ "a missing file", MISSING, "No such file or directory" },
	};

	return cr_make_param_array(struct open_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct open_case *c, loader, open_refuses)
{
	char path[] = "/tmp/test_loader_XXXXXX";
	char want[sizeof path + 32];
	struct ldr_guest *g = (struct ldr_guest *)&g; /* must become NULL */
	struct hl_diag d = { 0 };
	int fd;

	switch (c->kind) {
	case A_SCRIPT:
		fd = mkstemp(path);
		cr_assert_geq(fd, 0);
		cr_assert_eq(write(fd, "#!/bin/sh\n", 10), 10);
		close(fd);
		break;
	case A_DIRECTORY:
		cr_assert_not_null(mkdtemp(path));
		break;
	case MISSING:
		strcpy(path, "/nonexistent/x.elf");
		break;
	}
	cr_assert_eq(ldr_open(path, &g, &d), HL_E_INVALID, "%s", c->what);
	cr_assert_eq(d.err, HL_E_INVALID, "%s", c->what);
	snprintf(want, sizeof want, "%s: %s", path, c->msg);
	cr_assert_str_eq(d.msg, want, "%s", c->what);
	cr_assert_null(g, "%s: *out not cleared", c->what);
	if (c->kind != MISSING)
		cr_assert_eq(remove(path), 0, "%s", path);
}
