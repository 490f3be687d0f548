/* The sandbox's guest memory layout: PEB, image, buffers, stack, heap; each region a user
 * page range of its own, with a guard page after it. */
#include "core/core_internal.h"

#include "common/page.h"

static void add_region(struct sbx_layout *l, uint64_t addr, uint64_t size, unsigned flags)
{
	l->regions[l->nregions++] = (struct hv_region){ addr, size, flags };
}

/* Places size bytes at *next (page-aligned), followed by one unmapped guard page. */
static uint64_t place(uint64_t *next, uint64_t size)
{
	uint64_t at = *next;

	*next = at + hl_page_up(size) + HL_PAGE_SIZE;
	return at;
}

/* The PEB, each segment and the four buffers: room for the most a guest may have. */
_Static_assert(1 + LDR_MAX_SEGMENTS + 4 <= SBX_MAX_REGIONS, "too few layout regions");

static void add_segments(const struct ldr_guest *g, struct sbx_layout *l)
{
	size_t n = ldr_nsegments(g);

	for (size_t i = 0; i < n; i++) {
		const struct ldr_segment *s = ldr_segment(g, i);
		uint64_t start = hl_page_down(s->vaddr);
		unsigned flags = 0;

		if (s->flags & LDR_W)
			flags |= HV_MAP_WRITE;
		if (s->flags & LDR_X)
			flags |= HV_MAP_EXEC;
		add_region(l, start, hl_page_up(s->vaddr + s->memsz) - start, flags);
	}
}

void sbx_layout(const struct ldr_guest *g, const struct sbx_config *cfg,
		struct sbx_layout *l)
{
	uint64_t next;

	*l = (struct sbx_layout){ 0 };
	/* The loader keeps the image inside [HL_IMAGE_BASE, HL_IMAGE_BASE + HL_IMAGE_MAX)
	 * and the config's sizes are bounded, so nothing below can overflow. */
	add_region(l, HL_PEB_ADDR, HL_PAGE_SIZE, 0);
	add_segments(g, l);
	next = hl_page_up(ldr_image_end(g)) + HL_PAGE_SIZE;
	l->input_size = hl_page_up(cfg->input_size);
	l->input = place(&next, l->input_size);
	l->output_size = hl_page_up(cfg->output_size);
	l->output = place(&next, l->output_size);
	/* place() left a guard after the output buffer: it is the stack's guard. */
	l->stack_guard = next - HL_PAGE_SIZE;
	l->stack_size = hl_page_up(cfg->stack_size);
	l->stack = place(&next, l->stack_size);
	/* 2 MiB alignment lets the heap use large pages: fewer tables to build. */
	l->heap = hl_align_up(next, HL_HUGE_PAGE_SIZE);
	l->heap_size = hl_page_up(cfg->heap_size);
	l->mem_size = l->heap + l->heap_size;
	add_region(l, l->input, l->input_size, HV_MAP_WRITE);
	add_region(l, l->output, l->output_size, HV_MAP_WRITE);
	add_region(l, l->stack, l->stack_size, HV_MAP_WRITE);
	add_region(l, l->heap, l->heap_size, HV_MAP_WRITE);
}
