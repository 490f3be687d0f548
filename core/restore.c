/* Putting a sandbox back to its state after init: the pages written since (the guest's,
 * from KVM's dirty log, and hlrun's own, recorded by core/memory.c) are copied back from
 * a baseline, and the vCPU's state is set again.  The cost follows the pages a call
 * dirtied, not the size of guest memory. */
#include "core/core_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/page.h"

enum hl_err sbx_track_init(struct sbx *s, struct hl_diag *d)
{
	s->nwords = hv_dirty_words(s->layout.mem_size);
	s->dirty = calloc(s->nwords, sizeof *s->dirty);
	s->host_dirty = calloc(s->nwords, sizeof *s->host_dirty);
	if (s->dirty == NULL || s->host_dirty == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	return HL_OK;
}

/* Copies the pages set in bits, word w of the bitmap, from one mapping to the other. */
static uint64_t copy_pages(uint8_t *to, const uint8_t *from, uint64_t w, uint64_t bits)
{
	uint64_t n = 0;

	while (bits != 0) {
		uint64_t off = (w * 64 + (uint64_t)__builtin_ctzll(bits)) * HL_PAGE_SIZE;

		memcpy(to + off, from + off, HL_PAGE_SIZE);
		bits &= bits - 1;
		n++;
	}
	return n;
}

/* Reads KVM's log into s->dirty and adds hlrun's own writes, which it then forgets. */
static enum hl_err collect_dirty(struct sbx *s, struct hl_diag *d)
{
	enum hl_err err = hv_dirty_log(s->vm, s->dirty, d);

	if (err != HL_OK)
		return err;
	for (uint64_t w = 0; w < s->nwords; w++) {
		s->dirty[w] |= s->host_dirty[w];
		s->host_dirty[w] = 0;
	}
	return HL_OK;
}

enum hl_err sbx_take_baseline(struct sbx *s, struct hl_diag *d)
{
	enum hl_err err = collect_dirty(s, d);

	if (err != HL_OK)
		return err;
	s->saved = malloc(s->nwords * sizeof *s->saved);
	if (s->saved == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	memcpy(s->saved, s->dirty, s->nwords * sizeof *s->saved);
	/* Untouched pages of the baseline read as zero and cost nothing. */
	err = sbx_map_zero(s->layout.mem_size, PROT_READ | PROT_WRITE, &s->base, d);
	if (err != HL_OK)
		return err;
	for (uint64_t w = 0; w < s->nwords; w++)
		copy_pages(s->base, s->mem, w, s->saved[w]);
	return hv_get_state(s->vm, &s->base_state, d);
}

enum hl_err sbx_restore(struct sbx *s, uint64_t *pages, struct hl_diag *d)
{
	uint64_t n = 0;
	enum hl_err err;

	if (s->base == NULL)
		return hl_fail(d, HL_E_INTERNAL, "sandbox was created without restore");
	err = collect_dirty(s, d);
	for (uint64_t w = 0; err == HL_OK && w < s->nwords; w++)
		n += copy_pages(s->mem, s->base, w, s->dirty[w]);
	if (err == HL_OK)
		err = hv_set_state(s->vm, &s->base_state, d);
	if (err != HL_OK)
		return err;
	s->poisoned = false;
	if (pages != NULL)
		*pages = n;
	return HL_OK;
}

bool sbx_poisoned(const struct sbx *s)
{
	return s->poisoned;
}
