/* libFuzzer target: the snapshot reader (snap_parse) on hostile files, checking what
 * core/snapshot_internal.h promises about every snapshot it accepts.  Seeds are made by
 * tests/unit/test_snapshot.c. */
#include <string.h>

#include "core/core_internal.h"
#include "core/snapshot_internal.h"
#include "tests/fuzz/fuzz.h"

static void check_sections(const struct snap_file *f, const uint8_t *data, size_t size)
{
	const struct snap_header *h = &f->h;
	const uint8_t *elf;
	size_t elf_len;

	CHECK(h->file_size == size && size % HL_PAGE_SIZE == 0);
	CHECK(memcmp(h, data, sizeof *h) == 0);
	CHECK(h->data_offset % HL_PAGE_SIZE == 0 && h->data_offset <= size);
	CHECK(h->elf_offset >= sizeof *h && h->elf_size <= h->data_offset - h->elf_offset);
	elf = ldr_bytes(f->guest, &elf_len);
	CHECK(elf_len == h->elf_size && memcmp(elf, data + h->elf_offset, elf_len) == 0);
	CHECK(sbx_in_code(f->guest, h->dispatch));
	CHECK(h->vcpu_size == HV_STATE_SIZE && h->vcpu_offset >= sizeof *h &&
	      h->vcpu_size <= h->data_offset - h->vcpu_offset);
	CHECK(memcmp(f->vcpu, data + h->vcpu_offset, HV_STATE_SIZE) == 0);
}

static void check_names(const struct snap_file *f, const uint8_t *data)
{
	size_t total = 0;

	CHECK(f->nnames <= SNAP_MAX_NAMES);
	for (size_t i = 0; i < f->nnames; i++) {
		CHECK(sbx_host_function_exists(f->names[i]));
		CHECK(f->names[i] == f->blob + total); /* every byte accounted for */
		total += strlen(f->names[i]) + 1;
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(f->names[i], f->names[j]) != 0);
	}
	CHECK(total == f->h.names_size);
	CHECK(total == 0 || memcmp(f->blob, data + f->h.names_offset, total) == 0);
}

static void check_extents(const struct snap_file *f)
{
	const struct snap_header *h = &f->h;
	uint64_t gpa_end = 0, data_end = h->data_offset;

	CHECK(h->nextents <= SNAP_MAX_EXTENTS);
	for (uint64_t i = 0; i < h->nextents; i++) {
		const struct snap_extent *e = &f->extents[i];

		CHECK(e->pages >= 1 && e->gpa % HL_PAGE_SIZE == 0 && e->offset % HL_PAGE_SIZE == 0);
		CHECK(e->gpa >= gpa_end && e->gpa <= h->mem_size);
		CHECK(e->pages <= (h->mem_size - e->gpa) / HL_PAGE_SIZE);
		CHECK(e->offset >= data_end && e->offset <= h->file_size);
		CHECK(e->pages <= (h->file_size - e->offset) / HL_PAGE_SIZE);
		gpa_end = e->gpa + e->pages * HL_PAGE_SIZE;
		data_end = e->offset + e->pages * HL_PAGE_SIZE;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_diag d = { 0 };
	struct snap_file *f = (struct snap_file *)(uintptr_t)1; /* NULL after a failure */
	enum hl_err err = snap_parse(data, size, "f.snap", &f, &d);

	if (err != HL_OK) {
		CHECK(f == NULL);
		CHECK(err == HL_E_INVALID || err == HL_E_INTERNAL);
		CHECK(d.err == err && strncmp(d.msg, "f.snap: ", 8) == 0);
		CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
		return 0;
	}
	CHECK(f != NULL && f->guest != NULL);
	check_sections(f, data, size);
	check_names(f, data);
	check_extents(f);
	snap_free(f);
	return 0;
}
