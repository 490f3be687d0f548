/* The snapshot source of the snapshot file format's unit tests
 * (tests/unit/test_snapshot*.c): simpleguest (or another guest ELF) in patterned guest
 * memory with three runs, two host functions and a vCPU state, a directory to write it
 * in, and writing and parsing it.  static inline: each test binary uses only some of
 * these. */
#ifndef TESTS_UNIT_SNAPSHOT_FIXTURE_H
#define TESTS_UNIT_SNAPSHOT_FIXTURE_H

#include <criterion/criterion.h>
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

static inline uint8_t *read_all(const char *path, size_t *len)
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
static inline uint8_t pattern(uint64_t gpa)
{
	return (uint8_t)(gpa * 7 + (gpa >> 12) * 13 + 1);
}

/* A snapshot source for the guest ELF at elf_path with a heap of heap bytes: three runs
 * (image, input, heap), two host functions, a patterned vCPU state. */
static inline struct fixture *setup_heap(const char *elf_path, uint64_t heap)
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

static inline struct fixture *setup(const char *elf_path)
{
	return setup_heap(elf_path, HEAP);
}

/* Entries of dir other than . and .. */
static inline int entries(const char *dir)
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

static inline void teardown(struct fixture *fx)
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
static inline enum hl_err save_to(const char *path, const struct snap_source *src,
				  struct hl_diag *d)
{
	struct snap_out *o;
	enum hl_err err = snap_out_open(path, "snapshot", false, &o, d);

	if (err == HL_OK)
		err = snap_write(o, src, d);
	snap_out_close(o);
	return err;
}

/* The bytes snap_write() makes of fx->src; the caller frees them. */
static inline uint8_t *write_file(struct fixture *fx, size_t *len)
{
	struct hl_diag d = { 0 };
	uint8_t *b;

	cr_assert_eq(save_to(fx->path, &fx->src, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(entries(fx->dir), 1, "temporary file left behind");
	b = read_all(fx->path, len);
	cr_assert_eq(unlink(fx->path), 0);
	return b;
}

static inline struct snap_file *parse_ok(const uint8_t *b, size_t len)
{
	struct snap_file *f = NULL;
	struct hl_diag d = { 0 };

	cr_assert_eq(snap_parse(b, len, "t.snap", &f, &d), HL_OK, "%s", d.msg);
	cr_assert_not_null(f);
	return f;
}

#endif
