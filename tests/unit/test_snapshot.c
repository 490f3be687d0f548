/* Unit tests of the snapshot file format (core/snapshot_file.c): a snapshot of
 * simpleguest written and read back field by field, the extents at their bounds, and the
 * fuzz seeds, generated here.  The snapshot source is snapshot_fixture.h's; the reader's
 * rules are tested in test_snapshot_reader.c, the writer's in test_snapshot_writer.c. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/snapshot_fixture.h"

#define SEEDS "tests/fuzz/corpus/snapshot"

/* ---- A valid snapshot ------------------------------------------------------------------ */

Test(snapshot, header_fields_written_and_read_back)
{
	struct fixture *fx = setup(GUEST);
	size_t len;
	uint8_t *b = write_file(fx, &len);
	struct snap_file *f = parse_ok(b, len);
	const struct snap_header *h = &f->h;
	uint8_t sum[HL_SHA256_SIZE];

	cr_assert_eq(memcmp(h->magic, SNAP_MAGIC, SNAP_MAGIC_SIZE), 0);
	cr_assert_eq(memcmp(h, b, sizeof *h), 0);
	cr_assert_eq(h->version, SNAP_VERSION);
	cr_assert_eq(h->abi_version, HL_ABI_VERSION);
	cr_assert_eq(h->file_size, len);
	cr_assert_eq(len % HL_PAGE_SIZE, 0);
	cr_assert_eq(h->heap_size, HEAP);
	cr_assert_eq(h->stack_size, STACK);
	cr_assert_eq(h->input_size, INPUT);
	cr_assert_eq(h->output_size, OUTPUT);
	cr_assert_eq(h->mem_size, fx->l.mem_size);
	cr_assert_eq(h->dispatch, ldr_entry(fx->g));
	/* Sections packed in the order the header comment lists them. */
	cr_assert_eq(h->elf_offset, sizeof *h);
	cr_assert_eq(h->elf_size, fx->elf_size);
	cr_assert_eq(h->names_offset, h->elf_offset + fx->elf_size);
	cr_assert_eq(h->names_size, sizeof "HostPrint" + sizeof "GetTimeNs");
	cr_assert_eq(h->vcpu_offset, h->names_offset + h->names_size);
	cr_assert_eq(h->vcpu_size, HV_STATE_SIZE);
	cr_assert_eq(h->extents_offset, h->vcpu_offset + HV_STATE_SIZE);
	cr_assert_eq(h->nextents, NRUNS);
	cr_assert_eq(h->data_offset, hl_page_up(h->extents_offset + NRUNS * 24));
	cr_assert_eq(len, h->data_offset + (2 + 1 + 3) * HL_PAGE_SIZE);
	hl_sha256(fx->elf, fx->elf_size, sum);
	cr_assert_eq(memcmp(h->guest_sha256, sum, sizeof sum), 0);
	for (size_t i = 0; i < sizeof h->reserved; i++)
		cr_assert_eq(h->reserved[i], 0);
	cr_assert_eq(memcmp(b + h->elf_offset, fx->elf, fx->elf_size), 0);
	snap_free(f);
	free(b);
	teardown(fx);
}

Test(snapshot, guest_names_vcpu_and_extents_read_back)
{
	struct fixture *fx = setup(GUEST);
	size_t len, elf_len;
	uint8_t *b = write_file(fx, &len);
	struct snap_file *f = parse_ok(b, len);
	const uint8_t *elf = ldr_bytes(f->guest, &elf_len);
	uint64_t at = f->h.data_offset;

	cr_assert_eq(elf_len, fx->elf_size);
	cr_assert_eq(memcmp(elf, fx->elf, elf_len), 0);
	cr_assert_eq(ldr_nexports(f->guest), ldr_nexports(fx->g));
	cr_assert_eq(f->nnames, 2);
	cr_assert_str_eq(f->names[0], "HostPrint");
	cr_assert_str_eq(f->names[1], "GetTimeNs");
	cr_assert_eq(memcmp(f->vcpu, fx->vcpu, HV_STATE_SIZE), 0);
	for (size_t i = 0; i < NRUNS; i++) {
		const struct snap_extent *e = &f->extents[i];

		cr_assert_eq(e->gpa, fx->runs[i].gpa, "extent %zu", i);
		cr_assert_eq(e->pages, fx->runs[i].pages, "extent %zu", i);
		cr_assert_eq(e->offset, at, "extent %zu: data packed in order", i);
		cr_assert_eq(memcmp(b + e->offset, fx->mem + e->gpa, e->pages * HL_PAGE_SIZE), 0,
			     "extent %zu: data", i);
		at += e->pages * HL_PAGE_SIZE;
	}
	snap_free(f);
	free(b);
	teardown(fx);
}

/* What was checked cannot change with the buffer: the parsed file owns copies. */
Test(snapshot, parsed_copy_outlives_the_buffer)
{
	struct fixture *fx = setup(GUEST);
	size_t len;
	uint8_t *b = write_file(fx, &len);
	struct snap_file *f = parse_ok(b, len);

	memset(b, 0xff, len);
	free(b);
	cr_assert_eq(f->h.nextents, NRUNS);
	cr_assert_str_eq(f->names[1], "GetTimeNs");
	cr_assert_eq(memcmp(f->vcpu, fx->vcpu, HV_STATE_SIZE), 0);
	cr_assert_eq(f->extents[2].gpa, fx->l.heap);
	snap_free(f);
	teardown(fx);
}

/* A snapshot rebuilt from what snap_parse() returned is the same file, byte for byte. */
Test(snapshot, round_trip)
{
	struct fixture *fx = setup(GUEST);
	size_t len, len2, elf_len;
	uint8_t *b = write_file(fx, &len), *b2, *mem = calloc(1, fx->l.mem_size);
	struct snap_file *f = parse_ok(b, len);
	struct snap_extent runs[NRUNS];
	struct snap_source src = {
		.elf = ldr_bytes(f->guest, &elf_len), .names = f->names, .nnames = f->nnames,
		.vcpu = f->vcpu, .vcpu_size = f->h.vcpu_size, .heap_size = f->h.heap_size,
		.stack_size = f->h.stack_size, .input_size = f->h.input_size,
		.output_size = f->h.output_size, .mem_size = f->h.mem_size,
		.dispatch = f->h.dispatch, .mem = mem, .runs = runs, .nruns = f->h.nextents,
	};

	cr_assert_not_null(mem);
	src.elf_size = elf_len;
	for (size_t i = 0; i < NRUNS; i++) {
		const struct snap_extent *e = &f->extents[i];

		memcpy(mem + e->gpa, b + e->offset, e->pages * HL_PAGE_SIZE);
		runs[i] = (struct snap_extent){ e->gpa, e->pages, 0 };
	}
	fx->src = src;
	b2 = write_file(fx, &len2);
	cr_assert_eq(len2, len);
	cr_assert_eq(memcmp(b2, b, len), 0);
	snap_free(f);
	free(b);
	free(b2);
	free(mem);
	teardown(fx);
}

Test(snapshot, no_names_and_no_extents)
{
	struct fixture *fx = setup(GUEST);
	size_t len;
	uint8_t *b;
	struct snap_file *f;

	fx->src.nnames = 0;
	fx->src.nruns = 0;
	b = write_file(fx, &len);
	f = parse_ok(b, len);
	cr_assert_eq(f->nnames, 0);
	cr_assert_eq(f->h.names_size, 0);
	cr_assert_eq(f->h.nextents, 0);
	cr_assert_eq(len, f->h.data_offset);
	snap_free(f);
	free(b);
	teardown(fx);
}

/* Extents may touch: [a, b) then [b, c). */
Test(snapshot, adjacent_extents_accepted)
{
	struct fixture *fx = setup(GUEST);
	size_t len;
	uint8_t *b;
	struct snap_file *f;

	fx->runs[1] = (struct snap_extent){ HL_IMAGE_BASE + 2 * HL_PAGE_SIZE, 1, 0 };
	b = write_file(fx, &len);
	f = parse_ok(b, len);
	cr_assert_eq(f->extents[1].gpa, f->extents[0].gpa + 2 * HL_PAGE_SIZE);
	snap_free(f);
	free(b);
	teardown(fx);
}

/* An extent may end exactly at the end of guest memory, not a page past it: the writer
 * and the reader agree. */
Test(snapshot, extent_at_the_end_of_memory)
{
	struct fixture *fx = setup(GUEST);
	size_t len;
	uint8_t *b;
	struct snap_file *f;
	struct snap_extent e;
	struct hl_diag d = { 0 };
	char want[160];
	uint64_t at;

	fx->runs[2] = (struct snap_extent){ fx->l.mem_size - HL_PAGE_SIZE, 1, 0 };
	b = write_file(fx, &len);
	f = parse_ok(b, len);
	cr_assert_eq(f->extents[2].gpa + HL_PAGE_SIZE, fx->l.mem_size);
	at = f->h.extents_offset + 2 * sizeof e;
	snap_free(f);
	memcpy(&e, b + at, sizeof e);
	e.gpa += HL_PAGE_SIZE;
	memcpy(b + at, &e, sizeof e);
	f = NULL;
	cr_assert_eq(snap_parse(b, len, "t.snap", &f, &d), HL_E_INVALID);
	snprintf(want, sizeof want, "t.snap: extent 2: 1 page(s) at 0x%llx extend beyond guest "
		 "memory (0x%llx bytes)", (unsigned long long)fx->l.mem_size,
		 (unsigned long long)fx->l.mem_size);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(f);
	free(b);
	fx->runs[2] = (struct snap_extent){ fx->l.mem_size, 1, 0 };
	cr_assert_eq(save_to(fx->path, &fx->src, &d), HL_E_INTERNAL);
	teardown(fx);
}

/* The most extents a snapshot may have, one page each: written, and read back in full.
 * One more is refused by the writer (writer_refuses, test_snapshot_writer.c) and the reader
 * (reader_rejects, test_snapshot_reader.c). */
Test(snapshot, most_extents_accepted)
{
	struct fixture *fx = setup_heap(GUEST, (uint64_t)SNAP_MAX_EXTENTS * HL_PAGE_SIZE);
	struct snap_extent *runs = calloc(SNAP_MAX_EXTENTS, sizeof *runs);
	size_t len;
	uint8_t *b;
	struct snap_file *f;

	cr_assert_not_null(runs);
	for (size_t i = 0; i < SNAP_MAX_EXTENTS; i++)
		runs[i] = (struct snap_extent){ fx->l.heap + i * HL_PAGE_SIZE, 1, 0 };
	fx->src.runs = runs;
	fx->src.nruns = SNAP_MAX_EXTENTS;
	b = write_file(fx, &len);
	f = parse_ok(b, len);
	cr_assert_eq(f->h.nextents, SNAP_MAX_EXTENTS);
	cr_assert_eq(len, f->h.data_offset + (uint64_t)SNAP_MAX_EXTENTS * HL_PAGE_SIZE);
	cr_assert_eq(f->extents[SNAP_MAX_EXTENTS - 1].gpa,
		     fx->l.heap + (SNAP_MAX_EXTENTS - 1) * (uint64_t)HL_PAGE_SIZE);
	cr_assert_eq(memcmp(b + f->extents[SNAP_MAX_EXTENTS - 1].offset,
			    fx->mem + f->extents[SNAP_MAX_EXTENTS - 1].gpa, HL_PAGE_SIZE), 0);
	snap_free(f);
	free(b);
	free(runs);
	teardown(fx);
}

/* ---- The fuzz seeds -------------------------------------------------------------------- */

/* tests/fuzz/corpus/snapshot holds snapshots of the ELF seeds, one page per run, made
 * here.  After a change to the format, write them again with
 *   HLRUN_WRITE_SEEDS=1 build/tests/unit/test_snapshot --filter 'snapshot/fuzz_seeds*'
 * otherwise this test checks that they are what the writer makes now. */
static const struct seed {
	const char *name;
	const char *elf;
	size_t nnames, nruns;
} seeds[] = {
	{ "tiny.snap", "tests/fuzz/corpus/elf/tiny.elf", 1, 2 },
	{ "tiny-bare.snap", "tests/fuzz/corpus/elf/tiny.elf", 0, 0 },
	{ "simpleguest.snap", "tests/fuzz/corpus/elf/simpleguest.elf", 2, 3 },
};

Test(snapshot, fuzz_seeds_are_current)
{
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		struct fixture *fx = setup(seeds[i].elf);
		char path[128];
		size_t len, old_len;
		uint8_t *b, *old;
		FILE *out;

		fx->src.nnames = seeds[i].nnames;
		fx->src.nruns = seeds[i].nruns;
		for (size_t r = 0; r < NRUNS; r++)
			fx->runs[r].pages = 1;
		b = write_file(fx, &len);
		snap_free(parse_ok(b, len));
		snprintf(path, sizeof path, SEEDS "/%s", seeds[i].name);
		if (getenv("HLRUN_WRITE_SEEDS") != NULL) {
			out = fopen(path, "wb");
			cr_assert_not_null(out, "%s", path);
			cr_assert_eq(fwrite(b, 1, len, out), len);
			cr_assert_eq(fclose(out), 0);
		}
		old = read_all(path, &old_len);
		cr_assert(old_len == len && memcmp(old, b, len) == 0, "%s is out of date: write "
			  "it again (see this test's comment)", path);
		free(old);
		free(b);
		teardown(fx);
	}
}
