/* Unit tests of the snapshot reader (snap_parse, core/snapshot_file.c): one corruption of
 * a valid snapshot per rule of the reader, each refused as invalid with a message naming
 * the fault. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/snapshot_fixture.h"

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
enum names { NAMES_KEEP, NAMES_TWICE, NAMES_81, NAMES_13130 };

/* The bounds the messages below name. */
_Static_assert(SNAP_MAX_NAMES == 80 && SNAP_NAMES_MAX_BYTES == 13120,
	       "the bounds of the names section changed: update the cases");

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
	static const size_t count[] = { [NAMES_TWICE] = 2, [NAMES_81] = 81,
					[NAMES_13130] = 1313 };

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
		/* Heap and input buffer of 4 GiB each, with the fixture's 16 KiB stack and
		 * 12 KiB output buffer; 28 KiB less is 8 GiB, which only the layout refuses. */
		{ "sizes over 8 GiB", NAMES_KEEP,
		  { { HF(heap_size), SET, 4ull << 30 }, { HF(input_size), SET, 4ull << 30 } },
		  LEN_KEEP, 0, "heap_size, stack_size, input_size and output_size total "
			       "8589963264, more than 8589934592" },
		{ "sizes of 8 GiB", NAMES_KEEP,
		  { { HF(heap_size), SET, 4ull << 30 },
		    { HF(input_size), SET, (4ull << 30) - (28u << 10) } },
		  LEN_KEEP, 0, "does not match the layout of this guest with these sizes (0x" },
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
		  "host function name 0 (\"hostPrint\") is neither one hlrun provides nor a "
		  "signature" },
		{ "empty name", NAMES_KEEP, { { AT_NAMES, 0, 1, SET, 0 } }, LEN_KEEP, 0,
		  "host function name 0 (\"\") is neither one hlrun provides nor a signature" },
		{ "escape in name", NAMES_KEEP, { { AT_NAMES, 10, 1, SET, 0x1b } }, LEN_KEEP, 0,
		  "host function name 1 (\"?etTimeNs\") is neither one hlrun provides nor a "
		  "signature" },
		{ "name twice", NAMES_TWICE, { { 0 } }, LEN_KEEP, 0,
		  "host function name 1 (\"HostPrint\") duplicates name 0" },
		{ "81 names", NAMES_81, { { 0 } }, LEN_KEEP, 0,
		  "more than 80 host function names" },
		{ "13130 bytes of names", NAMES_13130, { { 0 } }, LEN_KEEP, 0,
		  "host function names take 13130 bytes, at most 13120" },
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
	char names[13200];
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
