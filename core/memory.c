/* Guest memory as hlrun writes it: the one path for every write before or between the
 * guest's runs (the image, the PEB, each message), each recording the pages it touched,
 * which KVM's dirty log does not see, so that a restore puts them back. */
#include "core/core_internal.h"

#include <string.h>

#include "common/page.h"

/* Records that hlrun wrote [gpa, gpa + len) of guest memory.  Nothing to do unless the
 * sandbox tracks pages. */
static void mark_dirty(struct sbx *s, uint64_t gpa, uint64_t len)
{
	uint64_t first, last;

	if (s->host_dirty == NULL || len == 0 || gpa >= s->layout.mem_size)
		return;
	if (len > s->layout.mem_size - gpa)
		len = s->layout.mem_size - gpa;
	first = gpa / HL_PAGE_SIZE;
	last = (gpa + len - 1) / HL_PAGE_SIZE;
	for (uint64_t p = first; p <= last; p++)
		s->host_dirty[p / 64] |= 1ull << (p % 64);
}

void sbx_write(struct sbx *s, uint64_t gpa, const void *src, uint64_t len)
{
	memcpy(s->mem + gpa, src, len);
	mark_dirty(s, gpa, len);
}

enum hlw_status sbx_put_message(struct sbx *s, uint64_t gpa, uint64_t cap,
				const struct hl_message *m, uint64_t *size)
{
	enum hlw_status st = hlw_encode(s->mem + gpa, cap, m, size);

	if (st == HLW_OK)
		mark_dirty(s, gpa, *size);
	return st;
}

enum hl_err sbx_load_image(struct sbx *s, struct hl_diag *d)
{
	enum hl_err err = ldr_load(s->guest, s->mem, s->layout.mem_size, d);

	for (size_t i = 0; err == HL_OK && i < ldr_nsegments(s->guest); i++) {
		const struct ldr_segment *seg = ldr_segment(s->guest, i);

		mark_dirty(s, seg->vaddr, seg->memsz);
	}
	return err;
}
