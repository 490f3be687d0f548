/* Putting a sandbox back to its state after init: the pages written since (the guest's,
 * from KVM's dirty log, and hlrun's own, recorded by core/memory.c) are copied back from
 * a baseline, and the vCPU's state is set again.  The cost follows the pages a call
 * dirtied, not the size of guest memory.
 *
 * A page cleared from the dirty log is write-protected again, and the guest's next write
 * to it costs an exit (about 6.5 us on PVM, against 0.34 us to copy a page).  So where
 * KVM clears the log only when told (PVM: kvm/vm.c says why only there), pages the guest
 * writes after init are left in the log, "hot", up to HOT_MAX of them: KVM reports them
 * at every restore, written or not, and they are copied back every time, but the calls
 * that write them again (a stack, an output buffer) run without those exits.  A call
 * that would take the hot pages past HOT_MAX clears them all and they are learned again.
 * Elsewhere reading the log clears it, clearing does nothing, and the hot set only
 * counts pages. */
#include "core/core_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/page.h"

/* 256 KiB: at most about 22 us of copying at every restore on PVM. */
#define HOT_MAX 64

enum hl_err sbx_track_init(struct sbx *s, struct hl_diag *d)
{
	s->nwords = hv_dirty_words(s->layout.mem_size);
	s->dirty = calloc(s->nwords, sizeof *s->dirty);
	s->host_dirty = calloc(s->nwords, sizeof *s->host_dirty);
	s->hot = calloc(s->nwords, sizeof *s->hot);
	if (s->dirty == NULL || s->host_dirty == NULL || s->hot == NULL)
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

enum hl_err sbx_take_baseline(struct sbx *s, struct hl_diag *d)
{
	enum hl_err err = hv_dirty_log(s->vm, s->dirty, d);

	if (err != HL_OK)
		return err;
	s->saved = malloc(s->nwords * sizeof *s->saved);
	if (s->saved == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	for (uint64_t w = 0; w < s->nwords; w++) {
		s->saved[w] = s->dirty[w] | s->host_dirty[w];
		s->host_dirty[w] = 0;
	}
	/* Untouched pages of the baseline read as zero and cost nothing. */
	err = sbx_map_zero(s->layout.mem_size, PROT_READ | PROT_WRITE, &s->base, d);
	if (err != HL_OK)
		return err;
	for (uint64_t w = 0; w < s->nwords; w++)
		copy_pages(s->base, s->mem, w, s->saved[w]);
	/* What init wrote is in the baseline; the calls start with no page hot. */
	err = hv_dirty_clear(s->vm, s->dirty, d);
	if (err != HL_OK)
		return err;
	return hv_get_state(s->vm, &s->base_state, d);
}

/* After a restore: the guest's fresh pages (written, not hot) become hot if they all fit;
 * if not, every page in the log is cleared and none is hot. */
static enum hl_err update_hot(struct sbx *s, uint64_t fresh, struct hl_diag *d)
{
	if (fresh == 0)
		return HL_OK;
	if (s->nhot + fresh <= HOT_MAX) {
		for (uint64_t w = 0; w < s->nwords; w++)
			s->hot[w] |= s->dirty[w];
		s->nhot += fresh;
		return HL_OK;
	}
	memset(s->hot, 0, s->nwords * sizeof *s->hot);
	s->nhot = 0;
	return hv_dirty_clear(s->vm, s->dirty, d);
}

enum hl_err sbx_restore(struct sbx *s, uint64_t *pages, struct hl_diag *d)
{
	uint64_t n = 0, fresh = 0;
	enum hl_err err;

	if (s->base == NULL)
		return hl_fail(d, HL_E_INTERNAL, "sandbox was created without restore");
	err = hv_dirty_log(s->vm, s->dirty, d);
	/* Most words are zero: a large heap costs only this walk. */
	for (uint64_t w = 0; err == HL_OK && w < s->nwords; w++) {
		uint64_t bits = s->dirty[w] | s->host_dirty[w];

		if (bits == 0)
			continue;
		if ((s->dirty[w] & ~s->hot[w]) != 0)
			fresh += (uint64_t)__builtin_popcountll(s->dirty[w] & ~s->hot[w]);
		n += copy_pages(s->mem, s->base, w, bits);
		s->host_dirty[w] = 0;
	}
	if (err == HL_OK)
		err = update_hot(s, fresh, d);
	if (err == HL_OK)
		err = hv_set_state(s->vm, &s->base_state, d);
	if (err != HL_OK)
		return err;
	s->poisoned = false;
	s->maps_shown = false;
	if (pages != NULL)
		*pages = n;
	return HL_OK;
}

bool sbx_poisoned(const struct sbx *s)
{
	return s->poisoned;
}
