/* Unit tests of the snapshot writer (core/snapshot_write.c): where and how the file is
 * written, mistakes of its caller refused with no file left, and the coalescing of dirty
 * runs that keeps a snapshot within the reader's bounds. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/snapshot_fixture.h"

/* ---- Writing the file ------------------------------------------------------------------ */

Test(snapshot, write_replaces_an_existing_file)
{
	struct fixture *fx = setup(GUEST);
	struct hl_diag d = { 0 };
	FILE *old = fopen(fx->path, "w");
	size_t len;
	uint8_t *b;

	cr_assert_not_null(old);
	fputs("old contents\n", old);
	fclose(old);
	b = write_file(fx, &len);
	cr_assert_eq(memcmp(b, SNAP_MAGIC, SNAP_MAGIC_SIZE), 0);
	cr_assert_eq(save_to(fx->path, &fx->src, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(entries(fx->dir), 1);
	free(b);
	teardown(fx);
}

Test(snapshot, unwritable_path_is_a_usage_error)
{
	struct fixture *fx = setup(GUEST);
	struct hl_diag d = { 0 };

	cr_assert_eq(save_to("/nonexistent/dir/x.snap", &fx->src, &d), HL_E_USAGE);
	cr_assert_eq(d.err, HL_E_USAGE);
	cr_assert_str_eq(d.msg, "/nonexistent/dir/x.snap: cannot create snapshot: No such "
			 "file or directory");
	teardown(fx);
}

/* The rename fails (path is a directory) after the data was written: the temporary goes. */
Test(snapshot, failed_write_leaves_no_temporary)
{
	struct fixture *fx = setup(GUEST);
	struct hl_diag d = { 0 };
	char want[128];

	cr_assert_eq(mkdir(fx->path, 0700), 0);
	cr_assert_eq(save_to(fx->path, &fx->src, &d), HL_E_USAGE);
	snprintf(want, sizeof want, "%s: cannot write snapshot: Is a directory", fx->path);
	cr_assert_str_eq(d.msg, want);
	cr_assert_eq(entries(fx->dir), 1, "only the directory t.snap remains");
	cr_assert_eq(rmdir(fx->path), 0);
	teardown(fx);
}

/* An exclusive file (a core file) is published only where no file of its name is, even
 * one that appeared after it was opened; the temporary goes either way. */
Test(snapshot, exclusive_file_never_replaces_one)
{
	struct fixture *fx = setup(GUEST);
	struct hl_diag d = { 0 };
	struct snap_out *o;
	char want[160], got[8] = "";
	FILE *f;

	cr_assert_eq(snap_out_open(fx->path, "core file", true, &o, &d), HL_OK, "%s", d.msg);
	f = fopen(fx->path, "w");
	cr_assert(f != NULL && fputs("mine", f) >= 0 && fclose(f) == 0);
	cr_assert_eq(write(snap_out_fd(o), "core", 4), 4);
	cr_assert_eq(snap_out_publish(o, &d), HL_E_USAGE);
	snprintf(want, sizeof want, "%s: cannot write core file: File exists", fx->path);
	cr_assert_str_eq(d.msg, want);
	snap_out_close(o);
	f = fopen(fx->path, "r");
	cr_assert(f != NULL && fgets(got, sizeof got, f) != NULL && fclose(f) == 0);
	cr_assert_str_eq(got, "mine");
	cr_assert_eq(entries(fx->dir), 1, "the temporary file is gone");
	cr_assert_eq(unlink(fx->path), 0);
	/* With the name free, it is published, and the temporary goes too. */
	cr_assert_eq(snap_out_open(fx->path, "core file", true, &o, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(write(snap_out_fd(o), "core", 4), 4);
	cr_assert_eq(snap_out_publish(o, &d), HL_OK, "%s", d.msg);
	snap_out_close(o);
	cr_assert_eq(entries(fx->dir), 1);
	teardown(fx);
}

/* ---- Mistakes of the writer's caller: HL_E_INTERNAL, and no file ------------------------ */

enum src_bug {
	RUNS_UNSORTED, RUN_OUTSIDE, RUN_ZERO, RUN_UNALIGNED, RUN_HUGE, NAME_UNKNOWN, NAME_TWICE,
	NAME_NULL, TOO_MANY_NAMES, VCPU_SIZE, NO_ELF, NO_MEM, DISPATCH, MEM_SIZE, HEAP_SIZE,
	BAD_ELF, TOO_MANY_RUNS,
};

struct src_case {
	char what[32];
	enum src_bug bug;
	char msg[160];
};

static void apply_bug(struct fixture *fx, enum src_bug bug)
{
	struct snap_source *s = &fx->src;
	struct snap_extent t;

	switch (bug) {
	case RUNS_UNSORTED:
		t = fx->runs[1], fx->runs[1] = fx->runs[2], fx->runs[2] = t;
		break;
	case RUN_OUTSIDE: fx->runs[2].pages = 1u << 20; break;
	case RUN_ZERO: fx->runs[1].pages = 0; break;
	case RUN_UNALIGNED: fx->runs[0].gpa += 16; break;
	case RUN_HUGE: fx->runs[2].pages = 1ull << 60; break;
	case NAME_UNKNOWN: fx->names[1] = "Exec"; break;
	case NAME_TWICE: fx->names[1] = "HostPrint"; break;
	case NAME_NULL: fx->names[1] = NULL; break;
	case TOO_MANY_NAMES:
		for (size_t i = 0; i < SNAP_MAX_NAMES + 1; i++)
			fx->names[i] = "GetEnv";
		s->nnames = SNAP_MAX_NAMES + 1;
		break;
	case VCPU_SIZE: s->vcpu_size = 1024; break;
	case NO_ELF: s->elf = NULL; break;
	case NO_MEM: s->mem = NULL; break;
	case DISPATCH: s->dispatch = fx->l.heap; break;
	case MEM_SIZE: s->mem_size -= HL_PAGE_SIZE; break;
	case HEAP_SIZE: s->heap_size = 100; break;
	case BAD_ELF: s->elf_size = 100; break;
	case TOO_MANY_RUNS: s->nruns = SNAP_MAX_EXTENTS + 1; break;
	}
}

ParameterizedTestParameters(snapshot, writer_refuses)
{
	static struct src_case cases[] = {
		{ "runs unsorted", RUNS_UNSORTED, "extent 2 at 0x" },
		{ "run outside memory", RUN_OUTSIDE, "extent 2: 1048576 page(s) at 0x" },
		{ "run of no pages", RUN_ZERO, "extent 1 has no pages" },
		{ "run unaligned", RUN_UNALIGNED, "extent 0: guest address 0x200010 or file" },
		{ "run overflows", RUN_HUGE, "snapshot source: run 2 of 1152921504606846976 "
					     "pages is too large" },
		{ "unknown name", NAME_UNKNOWN, "host function name 1 (\"Exec\") is neither one" },
		{ "name twice", NAME_TWICE, "host function name 1 (\"HostPrint\") duplicates "
					    "name 0" },
		{ "NULL name", NAME_NULL, "snapshot source: name 1 is NULL" },
		{ "81 names", TOO_MANY_NAMES, "bytes, 3 runs, 81 names)" },
		{ "vCPU size", VCPU_SIZE, "vCPU state of 1024 bytes, 3 runs, 2 names)" },
		{ "no ELF", NO_ELF, "snapshot source is malformed" },
		{ "no memory", NO_MEM, "snapshot source is malformed" },
		{ "dispatch in heap", DISPATCH, "is not in the guest's code" },
		{ "mem_size", MEM_SIZE, "does not match the layout of this guest" },
		{ "heap size", HEAP_SIZE, "heap_size 100 outside [4096, 4294967296]" },
		{ "bad ELF", BAD_ELF, "snapshot's guest: " },
		{ "too many runs", TOO_MANY_RUNS, "16385 runs" },
	};

	return cr_make_param_array(struct src_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct src_case *c, snapshot, writer_refuses)
{
	struct fixture *fx = setup(GUEST);
	struct hl_diag d = { 0 };

	apply_bug(fx, c->bug);
	cr_assert_eq(save_to(fx->path, &fx->src, &d), HL_E_INTERNAL, "%s: %s", c->what,
		     d.msg);
	cr_assert_eq(d.err, HL_E_INTERNAL, "%s", c->what);
	cr_assert_not_null(strstr(d.msg, c->msg), "%s: message \"%s\" lacks \"%s\"", c->what,
			   d.msg, c->msg);
	cr_assert_eq(entries(fx->dir), 0, "%s: a file was written", c->what);
	teardown(fx);
}

/* ---- Coalescing runs ------------------------------------------------------------------- */

#define RUN(page, n) { (uint64_t)(page) * HL_PAGE_SIZE, (n), 0 }

/* The smallest gaps close first; the pages in them are saved as they are. */
Test(snapshot, coalesce_closes_the_smallest_gaps)
{
	struct snap_extent r[] = { RUN(0, 1), RUN(2, 1), RUN(10, 2), RUN(13, 1), RUN(100, 1) };

	cr_assert_eq(snap_coalesce(r, 5, 5), 5);
	cr_assert_eq(snap_coalesce(r, 5, 3), 3);
	cr_assert_eq(r[0].gpa, 0);
	cr_assert_eq(r[0].pages, 3);   /* pages 0-2: the gap of 1 page closed */
	cr_assert_eq(r[1].gpa, 10 * HL_PAGE_SIZE);
	cr_assert_eq(r[1].pages, 4);   /* pages 10-13 */
	cr_assert_eq(r[2].gpa, 100 * HL_PAGE_SIZE);
	cr_assert_eq(r[2].pages, 1);
	cr_assert_eq(snap_coalesce(r, 3, 1), 1);
	cr_assert_eq(r[0].gpa, 0);
	cr_assert_eq(r[0].pages, 101);
}

/* Every other page of 64 MiB dirty: 8192 runs become at most 16384 / 4 without losing a
 * page, and the writer keeps every snapshot under the reader's bound. */
Test(snapshot, coalesce_bounds_a_striped_memory)
{
	size_t n = 8192;
	struct snap_extent *r = calloc(n, sizeof *r);
	size_t k;

	cr_assert_not_null(r);
	for (size_t i = 0; i < n; i++)
		r[i] = (struct snap_extent)RUN(2 * i, 1);
	k = snap_coalesce(r, n, SNAP_MAX_EXTENTS / 4);
	cr_assert_leq(k, SNAP_MAX_EXTENTS / 4);
	cr_assert_eq(r[0].gpa, 0);
	cr_assert_eq(r[k - 1].gpa + r[k - 1].pages * HL_PAGE_SIZE, (2 * n - 1) * HL_PAGE_SIZE);
	for (size_t i = 0; i + 1 < k; i++)
		cr_assert_lt(r[i].gpa + r[i].pages * HL_PAGE_SIZE, r[i + 1].gpa, "run %zu", i);
	free(r);
}
