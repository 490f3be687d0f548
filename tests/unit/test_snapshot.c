/* Unit tests of the snapshot file format (core/snapshot_file.c): a snapshot of
 * simpleguest written and read back field by field, one corruption per rule of the reader,
 * caller mistakes refused by the writer, and the fuzz seeds, generated here. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "core/snapshot_internal.h"
#include "tests/guests/paths.h"

#define SEEDS "tests/fuzz/corpus/snapshot"
/* Distinct sizes, so that a field written in the place of another shows. */
#define HEAP (64u << 10)
#define STACK (16u << 10)
#define INPUT (8u << 10)
#define OUTPUT (12u << 10)
#define NRUNS 3

/* Everything a snapshot is made of, and a directory to write it in. */
struct fixture {
	uint8_t *elf;
	size_t elf_size;
	struct ldr_guest *g;
	struct sbx_layout l;
	uint8_t *mem;
	uint8_t vcpu[HV_STATE_SIZE];
	const char *names[SNAP_MAX_NAMES + 1];
	struct snap_extent runs[NRUNS];
	struct snap_source src;
	char dir[32];
	char path[64];
};

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *b;

	cr_assert_not_null(f, "%s: cannot open (run make first?)", path);
	cr_assert_eq(fstat(fileno(f), &st), 0);
	*len = (size_t)st.st_size;
	b = malloc(*len + 1);
	cr_assert_not_null(b);
	cr_assert_eq(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

/* Guest memory: each byte tells its address, so data from the wrong place shows. */
static uint8_t pattern(uint64_t gpa)
{
	return (uint8_t)(gpa * 7 + (gpa >> 12) * 13 + 1);
}

/* A snapshot source for the guest ELF at elf_path with a heap of heap bytes: three runs
 * (image, input, heap), two host functions, a patterned vCPU state. */
static struct fixture *setup_heap(const char *elf_path, uint64_t heap)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	struct sbx_config cfg = { .heap_size = heap, .stack_size = STACK, .input_size = INPUT,
				  .output_size = OUTPUT };
	struct hl_diag d = { 0 };

	cr_assert_not_null(fx);
	fx->elf = read_all(elf_path, &fx->elf_size);
	cr_assert_eq(ldr_parse(fx->elf, fx->elf_size, elf_path, &fx->g, &d), HL_OK, "%s",
		     d.msg);
	sbx_layout(fx->g, &cfg, &fx->l);
	fx->mem = malloc(fx->l.mem_size);
	cr_assert_not_null(fx->mem);
	for (uint64_t a = 0; a < fx->l.mem_size; a++)
		fx->mem[a] = pattern(a);
	for (size_t i = 0; i < HV_STATE_SIZE; i++)
		fx->vcpu[i] = (uint8_t)(0xa5 ^ i);
	fx->names[0] = "HostPrint";
	fx->names[1] = "GetTimeNs";
	fx->runs[0] = (struct snap_extent){ HL_IMAGE_BASE, 2, 0 };
	fx->runs[1] = (struct snap_extent){ fx->l.input, 1, 0 };
	fx->runs[2] = (struct snap_extent){ fx->l.heap, 3, 0 };
	fx->src = (struct snap_source){
		.elf = fx->elf, .elf_size = fx->elf_size, .names = fx->names, .nnames = 2,
		.vcpu = fx->vcpu, .vcpu_size = HV_STATE_SIZE, .heap_size = heap,
		.stack_size = STACK, .input_size = INPUT, .output_size = OUTPUT,
		.mem_size = fx->l.mem_size, .dispatch = ldr_entry(fx->g), .mem = fx->mem,
		.runs = fx->runs, .nruns = NRUNS,
	};
	cr_assert(sbx_in_code(fx->g, fx->src.dispatch));
	strcpy(fx->dir, "/tmp/hlrun-snap-XXXXXX");
	cr_assert_not_null(mkdtemp(fx->dir));
	snprintf(fx->path, sizeof fx->path, "%s/t.snap", fx->dir);
	return fx;
}

static struct fixture *setup(const char *elf_path)
{
	return setup_heap(elf_path, HEAP);
}

/* Entries of dir other than . and .. */
static int entries(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(dp);
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

static void teardown(struct fixture *fx)
{
	unlink(fx->path);
	cr_assert_eq(rmdir(fx->dir), 0, "%s is not empty (%d entries)", fx->dir,
		     entries(fx->dir));
	ldr_close(fx->g);
	free(fx->mem);
	free(fx->elf);
	free(fx);
}

/* Saves src to path as the sandbox does: the temporary file and its helper, the file. */
static enum hl_err save_to(const char *path, const struct snap_source *src,
			   struct hl_diag *d)
{
	struct snap_out *o;
	enum hl_err err = snap_out_open(path, &o, d);

	if (err == HL_OK)
		err = snap_write(o, src, d);
	snap_out_close(o);
	return err;
}

/* The bytes snap_write() makes of fx->src; the caller frees them. */
static uint8_t *write_file(struct fixture *fx, size_t *len)
{
	struct hl_diag d = { 0 };
	uint8_t *b;

	cr_assert_eq(save_to(fx->path, &fx->src, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(entries(fx->dir), 1, "temporary file left behind");
	b = read_all(fx->path, len);
	cr_assert_eq(unlink(fx->path), 0);
	return b;
}

static struct snap_file *parse_ok(const uint8_t *b, size_t len)
{
	struct snap_file *f = NULL;
	struct hl_diag d = { 0 };

	cr_assert_eq(snap_parse(b, len, "t.snap", &f, &d), HL_OK, "%s", d.msg);
	cr_assert_not_null(f);
	return f;
}

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
 * One more is refused by the writer (writer_refuses) and the reader (corrupt). */
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

/* ---- Mistakes of the writer's caller: HL_E_INTERNAL, and no file ------------------------ */

enum src_bug {
	RUNS_UNSORTED, RUN_OUTSIDE, RUN_ZERO, RUN_UNALIGNED, RUN_HUGE, NAME_UNKNOWN, NAME_TWICE,
	NAME_NULL, SIXTY_FIVE_NAMES, VCPU_SIZE, NO_ELF, NO_MEM, DISPATCH, MEM_SIZE, HEAP_SIZE,
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
	case SIXTY_FIVE_NAMES:
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
		{ "unknown name", NAME_UNKNOWN, "host function name 1 (\"Exec\") is not one" },
		{ "name twice", NAME_TWICE, "host function name 1 (\"HostPrint\") duplicates "
					    "name 0" },
		{ "NULL name", NAME_NULL, "snapshot source: name 1 is NULL" },
		{ "65 names", SIXTY_FIVE_NAMES, "bytes, 3 runs, 65 names)" },
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

/* ---- Corrupted files: HL_E_INVALID and a message naming the fault ---------------------- */

/* Where an edit's offset counts from. */
enum base { AT_FILE, AT_ELF, AT_NAMES, AT_EXTENTS };
/* SET, ADD or XOR value into the field; COPY or SWAP it with the field at offset value
 * (from the same base). */
enum op { END, SET, ADD, XOR, COPY, SWAP };

struct edit {
	enum base base;
	uint32_t off;
	uint32_t width;
	enum op op;
	uint64_t value;
};

#define HF(f) AT_FILE, offsetof(struct snap_header, f), sizeof(((struct snap_header *)0)->f)
#define HOFF(f) offsetof(struct snap_header, f)
#define EXT(i, f) AT_EXTENTS, (i) * 24 + offsetof(struct snap_extent, f), 8
#define EOFF(i, f) ((i) * 24 + offsetof(struct snap_extent, f))

/* The length handed to snap_parse(): the file's, or set, cut or grown by value. */
enum len_op { LEN_KEEP, LEN_SET, LEN_CUT, LEN_GROW };
/* A names section to lay the file out again with. */
enum names { NAMES_KEEP, NAMES_TWICE, NAMES_65, NAMES_4100 };

/* No pointers: Criterion may run each case in a fresh process image. */
struct bad_case {
	char what[40];
	enum names names;
	struct edit edits[2];
	enum len_op len_op;
	uint64_t len_value;
	char msg[160]; /* expected in the message, after "t.snap: " */
};

/* The names section for n: count names of "HostPrint\0" in buf. */
static size_t names_for(enum names n, char *buf)
{
	static const size_t count[] = { [NAMES_TWICE] = 2, [NAMES_65] = 65,
					[NAMES_4100] = 410 };

	for (size_t i = 0; i < count[n]; i++)
		memcpy(buf + i * 10, "HostPrint", 10);
	return count[n] * 10;
}

/* The file v (len bytes) laid out again as snap_write() does, with another names
 * section; *out_len is the new length. */
static uint8_t *relayout(const uint8_t *v, const char *names, size_t nsize, size_t *out_len)
{
	struct snap_header h, n;
	uint8_t *out;

	memcpy(&h, v, sizeof h);
	n = h;
	n.names_size = nsize;
	n.vcpu_offset = n.names_offset + nsize;
	n.extents_offset = n.vcpu_offset + h.vcpu_size;
	n.data_offset = hl_page_up(n.extents_offset + h.nextents * 24);
	n.file_size = n.data_offset + (h.file_size - h.data_offset);
	out = calloc(1, n.file_size);
	cr_assert_not_null(out);
	memcpy(out, &n, sizeof n);
	memcpy(out + n.elf_offset, v + h.elf_offset, h.elf_size);
	memcpy(out + n.names_offset, names, nsize);
	memcpy(out + n.vcpu_offset, v + h.vcpu_offset, h.vcpu_size);
	for (size_t i = 0; i < h.nextents; i++) {
		struct snap_extent e;

		memcpy(&e, v + h.extents_offset + i * sizeof e, sizeof e);
		e.offset = e.offset - h.data_offset + n.data_offset;
		memcpy(out + n.extents_offset + i * sizeof e, &e, sizeof e);
	}
	memcpy(out + n.data_offset, v + h.data_offset, h.file_size - h.data_offset);
	*out_len = n.file_size;
	return out;
}

static void apply_edit(uint8_t *b, const struct edit *e)
{
	struct snap_header h;
	uint64_t base, x = 0, y = 0;
	uint8_t *p, *q;

	memcpy(&h, b, sizeof h);
	base = e->base == AT_ELF ? h.elf_offset : e->base == AT_NAMES ? h.names_offset :
	       e->base == AT_EXTENTS ? h.extents_offset : 0;
	p = b + base + e->off;
	q = b + base + e->value;
	if (e->op == SWAP || e->op == COPY) {
		uint8_t t[24];

		cr_assert_leq(e->width, sizeof t);
		memcpy(t, p, e->width);
		memcpy(p, q, e->width);
		if (e->op == SWAP)
			memcpy(q, t, e->width);
		return;
	}
	cr_assert_leq(e->width, 8);
	memcpy(&x, p, e->width);
	y = e->op == SET ? e->value : e->op == ADD ? x + e->value : x ^ e->value;
	memcpy(p, &y, e->width);
}

ParameterizedTestParameters(snapshot, reader_rejects)
{
	static struct bad_case cases[] = {
		/* The header. */
		{ "bad magic", NAMES_KEEP, { { HF(magic[0]), SET, 'X' } }, LEN_KEEP, 0,
		  "not an hlrun snapshot (bad magic)" },
		{ "magic's last byte", NAMES_KEEP, { { HF(magic[7]), SET, 0 } }, LEN_KEEP, 0,
		  "not an hlrun snapshot (bad magic)" },
		{ "version 7", NAMES_KEEP, { { HF(version), SET, 7 } }, LEN_KEEP, 0,
		  "snapshot format version 7, this hlrun reads version 2: save it again with this "
		  "hlrun" },
		{ "version 0", NAMES_KEEP, { { HF(version), SET, 0 } }, LEN_KEEP, 0,
		  "snapshot format version 0, this hlrun reads version 2: save it again with this "
		  "hlrun" },
		{ "ABI version 7", NAMES_KEEP, { { HF(abi_version), SET, 7 } }, LEN_KEEP, 0,
		  "made for hlrun ABI version 7, this hlrun runs version 2: save it again with this "
		  "hlrun" },
		{ "empty file", NAMES_KEEP, { { 0 } }, LEN_SET, 0,
		  "truncated: 0 bytes, less than the 272-byte snapshot header" },
		{ "magic only", NAMES_KEEP, { { 0 } }, LEN_SET, 8,
		  "truncated: 8 bytes, less than the 272-byte snapshot header" },
		{ "header - 1", NAMES_KEEP, { { 0 } }, LEN_SET, 271,
		  "truncated: 271 bytes, less than the 272-byte snapshot header" },
		{ "header only", NAMES_KEEP, { { 0 } }, LEN_SET, 272, "truncated: header says " },
		{ "file_size - 1", NAMES_KEEP, { { 0 } }, LEN_CUT, 1, "truncated: header says " },
		{ "file_size - 4096", NAMES_KEEP, { { 0 } }, LEN_CUT, 4096,
		  "truncated: header says " },
		{ "file_size too big", NAMES_KEEP, { { HF(file_size), ADD, 4096 } }, LEN_KEEP, 0,
		  "truncated: header says " },
		{ "trailing page", NAMES_KEEP, { { 0 } }, LEN_GROW, 4096,
		  "trailing bytes: header says " },
		{ "file_size too small", NAMES_KEEP, { { HF(file_size), ADD, -4096ull } },
		  LEN_KEEP, 0, "trailing bytes: header says " },
		{ "file_size not paged", NAMES_KEEP, { { HF(file_size), ADD, -1ull } }, LEN_CUT, 1,
		  "is not a multiple of 4096" },
		{ "reserved[0]", NAMES_KEEP, { { HF(reserved[0]), SET, 1 } }, LEN_KEEP, 0,
		  "reserved byte 0 is 0x01, not zero" },
		{ "reserved[31]", NAMES_KEEP, { { HF(reserved[31]), SET, 0x80 } }, LEN_KEEP, 0,
		  "reserved byte 31 is 0x80, not zero" },
		/* Sections. */
		{ "ELF beyond file", NAMES_KEEP, { { HF(elf_size), SET, 0x10000000 } }, LEN_KEEP,
		  0, "guest ELF [0x110, +0x10000000) extends beyond the end of the file (" },
		{ "ELF size wraps", NAMES_KEEP, { { HF(elf_size), SET, UINT64_MAX } }, LEN_KEEP, 0,
		  "guest ELF [0x110, +0xffffffffffffffff) extends beyond the end of the file" },
		{ "ELF offset wraps", NAMES_KEEP, { { HF(elf_offset), SET, 0xfffffffffffff000 } },
		  LEN_KEEP, 0, "guest ELF [0xfffffffffffff000, +0x" },
		{ "names beyond file", NAMES_KEEP, { { HF(names_offset), SET, 1ull << 40 } },
		  LEN_KEEP, 0, "host function name list [0x10000000000, +0x14) extends beyond" },
		{ "vCPU offset wraps", NAMES_KEEP, { { HF(vcpu_offset), SET, UINT64_MAX } },
		  LEN_KEEP, 0, "vCPU state [0xffffffffffffffff, +0x2000) extends beyond the end" },
		{ "extents beyond file", NAMES_KEEP, { { HF(extents_offset), SET, 0x40000000 } },
		  LEN_KEEP, 0, "extent table [0x40000000, +0x48) extends beyond the end" },
		{ "ELF overlaps header", NAMES_KEEP, { { HF(elf_offset), SET, 16 } }, LEN_KEEP, 0,
		  "guest ELF at 0x10 overlaps the header (272 bytes)" },
		{ "names overlap header", NAMES_KEEP, { { HF(names_offset), SET, 0 } }, LEN_KEEP,
		  0, "host function name list at 0x0 overlaps the header (272 bytes)" },
		{ "names overlap ELF", NAMES_KEEP, { { HF(names_offset), SET, 0x120 } }, LEN_KEEP,
		  0, "host function name list [0x120, +0x14) overlaps guest ELF [0x110, +0x" },
		{ "vCPU overlaps names", NAMES_KEEP,
		  { { HF(vcpu_offset), COPY, HOFF(names_offset) } }, LEN_KEEP, 0,
		  "vCPU state [0x" },
		{ "extents overlap vCPU", NAMES_KEEP, { { HF(extents_offset), ADD, -8ull } },
		  LEN_KEEP, 0, "overlaps vCPU state [0x" },
		{ "data_offset unaligned", NAMES_KEEP, { { HF(data_offset), ADD, 8 } }, LEN_KEEP,
		  0, "is not a page boundary in [0x" },
		{ "data_offset in metadata", NAMES_KEEP, { { HF(data_offset), SET, 0x1000 } },
		  LEN_KEEP, 0, "data_offset 0x1000 is not a page boundary in [0x" },
		{ "data_offset past file", NAMES_KEEP,
		  { { HF(data_offset), SET, 0x7ffffffffffff000 } }, LEN_KEEP, 0,
		  "data_offset 0x7ffffffffffff000 is not a page boundary" },
		{ "too many extents", NAMES_KEEP, { { HF(nextents), SET, SNAP_MAX_EXTENTS + 1 } },
		  LEN_KEEP, 0, "16385 extents, at most 16384" },
		{ "extents overflow", NAMES_KEEP, { { HF(nextents), SET, 1ull << 62 } }, LEN_KEEP,
		  0, "4611686018427387904 extents, at most 16384" },
		{ "extent table past file", NAMES_KEEP, { { HF(nextents), SET, SNAP_MAX_EXTENTS } },
		  LEN_KEEP, 0, "extent table [0x" },
		/* Sizes. */
		{ "heap too small", NAMES_KEEP, { { HF(heap_size), SET, 4095 } }, LEN_KEEP, 0,
		  "heap_size 4095 outside [4096, 4294967296]" },
		{ "stack zero", NAMES_KEEP, { { HF(stack_size), SET, 0 } }, LEN_KEEP, 0,
		  "stack_size 0 outside [4096, 4294967296]" },
		{ "input too big", NAMES_KEEP, { { HF(input_size), SET, (4ull << 30) + 1 } },
		  LEN_KEEP, 0, "input_size 4294967297 outside [4096, 4294967296]" },
		{ "output huge", NAMES_KEEP, { { HF(output_size), SET, UINT64_MAX } }, LEN_KEEP, 0,
		  "output_size 18446744073709551615 outside" },
		{ "vCPU size", NAMES_KEEP, { { HF(vcpu_size), SET, 8191 } }, LEN_KEEP, 0,
		  "vCPU state of 8191 bytes, this hlrun's is 8192" },
		/* The guest, its hash, mem_size and dispatch. */
		{ "ELF magic", NAMES_KEEP, { { AT_ELF, 0, 1, SET, 'X' } }, LEN_KEEP, 0,
		  "snapshot's guest: not an ELF file" },
		{ "ELF cut", NAMES_KEEP, { { HF(elf_size), SET, 0x800 } }, LEN_KEEP, 0,
		  "snapshot's guest: " },
		{ "ELF empty", NAMES_KEEP, { { HF(elf_size), SET, 0 } }, LEN_KEEP, 0,
		  "snapshot's guest: not an ELF file" },
		{ "code byte changed", NAMES_KEEP, { { AT_ELF, 0x1000, 1, XOR, 0xff } }, LEN_KEEP,
		  0, "SHA-256 of the guest ELF is " },
		{ "hash changed", NAMES_KEEP, { { HF(guest_sha256[31]), XOR, 1 } }, LEN_KEEP, 0,
		  "SHA-256 of the guest ELF is " },
		{ "mem_size + page", NAMES_KEEP, { { HF(mem_size), ADD, 4096 } }, LEN_KEEP, 0,
		  "does not match the layout of this guest with these sizes (0x" },
		{ "mem_size - page", NAMES_KEEP, { { HF(mem_size), ADD, -4096ull } }, LEN_KEEP, 0,
		  "does not match the layout of this guest with these sizes (0x" },
		{ "heap grew", NAMES_KEEP, { { HF(heap_size), ADD, 2u << 20 } }, LEN_KEEP, 0,
		  "does not match the layout of this guest with these sizes (0x" },
		{ "dispatch zero", NAMES_KEEP, { { HF(dispatch), SET, 0 } }, LEN_KEEP, 0,
		  "dispatch address 0x0 is not in the guest's code" },
		{ "dispatch in PEB", NAMES_KEEP, { { HF(dispatch), SET, 0x1000 } }, LEN_KEEP, 0,
		  "dispatch address 0x1000 is not in the guest's code" },
		/* Host function names ("HostPrint\0GetTimeNs\0"). */
		{ "names unterminated", NAMES_KEEP, { { AT_NAMES, 19, 1, SET, 'x' } }, LEN_KEEP, 0,
		  "host function names do not end with a NUL" },
		{ "unknown name", NAMES_KEEP, { { AT_NAMES, 0, 1, SET, 'h' } }, LEN_KEEP, 0,
		  "host function name 0 (\"hostPrint\") is not one hlrun provides" },
		{ "empty name", NAMES_KEEP, { { AT_NAMES, 0, 1, SET, 0 } }, LEN_KEEP, 0,
		  "host function name 0 (\"\") is not one hlrun provides" },
		{ "escape in name", NAMES_KEEP, { { AT_NAMES, 10, 1, SET, 0x1b } }, LEN_KEEP, 0,
		  "host function name 1 (\"?etTimeNs\") is not one hlrun provides" },
		{ "name twice", NAMES_TWICE, { { 0 } }, LEN_KEEP, 0,
		  "host function name 1 (\"HostPrint\") duplicates name 0" },
		{ "65 names", NAMES_65, { { 0 } }, LEN_KEEP, 0,
		  "more than 64 host function names" },
		{ "4100 bytes of names", NAMES_4100, { { 0 } }, LEN_KEEP, 0,
		  "host function names take 4100 bytes, at most 4096" },
		/* Extents: image (2 pages), input (1), heap (3). */
		{ "no pages", NAMES_KEEP, { { EXT(1, pages), SET, 0 } }, LEN_KEEP, 0,
		  "extent 1 has no pages" },
		{ "gpa unaligned", NAMES_KEEP, { { EXT(0, gpa), ADD, 8 } }, LEN_KEEP, 0,
		  "extent 0: guest address 0x200008 or file offset 0x" },
		{ "offset unaligned", NAMES_KEEP, { { EXT(2, offset), ADD, 1 } }, LEN_KEEP, 0,
		  "is not page-aligned" },
		{ "beyond memory", NAMES_KEEP, { { EXT(2, pages), SET, 1ull << 40 } }, LEN_KEEP, 0,
		  "extent 2: 1099511627776 page(s) at 0x" },
		{ "pages overflow", NAMES_KEEP, { { EXT(2, pages), SET, 1ull << 60 } }, LEN_KEEP,
		  0, "extent 2: 1152921504606846976 page(s) at 0x" },
		{ "gpa wraps", NAMES_KEEP, { { EXT(2, gpa), SET, 0xfffffffffffff000 } }, LEN_KEEP,
		  0, "extent 2: 3 page(s) at 0xfffffffffffff000 extend beyond guest memory" },
		{ "gpa past memory", NAMES_KEEP, { { EXT(1, gpa), ADD, 1ull << 32 } }, LEN_KEEP,
		  0, "extent 1: 1 page(s) at 0x" },
		{ "unsorted", NAMES_KEEP, { { AT_EXTENTS, EOFF(1, gpa), 24, SWAP, EOFF(2, gpa) } },
		  LEN_KEEP, 0, "extent 2 at 0x" },
		{ "overlapping", NAMES_KEEP,
		  { { EXT(1, gpa), COPY, EOFF(0, gpa) }, { EXT(1, gpa), ADD, 4096 } }, LEN_KEEP,
		  0, "extent 1 at 0x201000 overlaps or precedes the one before it (which ends at "
		     "0x202000): extents must be sorted by address" },
		{ "same address", NAMES_KEEP, { { EXT(1, gpa), COPY, EOFF(0, gpa) } }, LEN_KEEP,
		  0, "extent 1 at 0x200000 overlaps or precedes the one before it" },
		{ "data before data_offset", NAMES_KEEP, { { EXT(0, offset), ADD, -4096ull } },
		  LEN_KEEP, 0, "lies before data_offset (0x" },
		{ "data overlapping", NAMES_KEEP, { { EXT(1, offset), COPY, EOFF(0, offset) } },
		  LEN_KEEP, 0, "lies before the end of the previous extent's data (0x" },
		{ "data past file", NAMES_KEEP, { { EXT(2, offset), ADD, 1u << 20 } }, LEN_KEEP, 0,
		  "extent 2: data [0x" },
		{ "data wraps", NAMES_KEEP, { { EXT(2, offset), SET, 0xfffffffffffff000 } },
		  LEN_KEEP, 0, "extent 2: data [0xfffffffffffff000, +0x3000) extends beyond the "
			       "end of the file" },
		/* The padding after the table, read as one more extent. */
		{ "extent of padding", NAMES_KEEP, { { HF(nextents), ADD, 1 } }, LEN_KEEP, 0,
		  "extent 3 has no pages" },
	};

	return cr_make_param_array(struct bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_case *c, snapshot, reader_rejects)
{
	struct fixture *fx = setup(GUEST);
	struct snap_file *f = (struct snap_file *)&f; /* must become NULL */
	struct hl_diag d = { 0 };
	char names[4200];
	size_t len, n;
	uint8_t *b = write_file(fx, &len), *cut;

	if (c->names != NAMES_KEEP) {
		uint8_t *v = b;

		b = relayout(v, names, names_for(c->names, names), &len);
		free(v);
	}
	for (size_t i = 0; i < 2 && c->edits[i].op != END; i++)
		apply_edit(b, &c->edits[i]);
	n = c->len_op == LEN_SET ? c->len_value : c->len_op == LEN_CUT ? len - c->len_value :
	    c->len_op == LEN_GROW ? len + c->len_value : len;
	/* Exactly n bytes, so that the sanitizer build sees any read past them. */
	cut = calloc(1, n ? n : 1);
	cr_assert_not_null(cut);
	memcpy(cut, b, n < len ? n : len);
	cr_assert_eq(snap_parse(cut, n, "t.snap", &f, &d), HL_E_INVALID,
		     "%s: accepted or wrong class (%s)", c->what, d.msg);
	cr_assert_eq(d.err, HL_E_INVALID, "%s", c->what);
	cr_assert_null(f, "%s: *out not cleared", c->what);
	cr_assert_eq(strncmp(d.msg, "t.snap: ", 8), 0, "%s: message \"%s\" lacks the name",
		     c->what, d.msg);
	cr_assert_not_null(strstr(d.msg, c->msg), "%s: message \"%s\" lacks \"%s\"", c->what,
			   d.msg, c->msg);
	free(cut);
	free(b);
	teardown(fx);
}

/* The test's own layout of the valid file is snap_write()'s: relayout() is sound. */
Test(snapshot, relayout_matches_the_writer)
{
	struct fixture *fx = setup(GUEST);
	size_t len, len2;
	uint8_t *b = write_file(fx, &len), *b2;

	b2 = relayout(b, "HostPrint\0GetTimeNs", 20, &len2);
	cr_assert_eq(len2, len);
	cr_assert_eq(memcmp(b, b2, len), 0);
	free(b);
	free(b2);
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
