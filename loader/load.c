/* The guest loader: copying segments into guest memory, and naming code addresses. */
#include "loader/loader_internal.h"

#include <inttypes.h>
#include <string.h>

enum hl_err ldr_load(const struct ldr_guest *g, uint8_t *mem, uint64_t mem_size,
		     struct hl_diag *d)
{
	if (mem_size < g->image_end)
		return hl_fail(d, HL_E_INTERNAL, "%s: guest memory of %#" PRIx64 " bytes is too "
			       "small for the image, which ends at %#" PRIx64, g->name, mem_size,
			       g->image_end);
	/* Every segment ends below image_end and its file bytes lie in the file. */
	for (size_t i = 0; i < g->nseg; i++) {
		const struct ldr_segment *s = &g->seg[i];

		memcpy(mem + s->vaddr, g->bytes + s->offset, s->filesz);
		memset(mem + s->vaddr + s->filesz, 0, s->memsz - s->filesz);
	}
	return HL_OK;
}

/* The index of the segment holding addr, or nseg if none does. */
static size_t segment_of(const struct ldr_guest *g, uint64_t addr)
{
	size_t i;

	for (i = 0; i < g->nseg; i++)
		if (addr >= g->seg[i].vaddr && addr - g->seg[i].vaddr < g->seg[i].memsz)
			break;
	return i;
}

const char *ldr_symbol_at(const struct ldr_guest *g, uint64_t addr, uint64_t *offset)
{
	const struct ldr_sym *inside = NULL; /* the innermost sized symbol holding addr */
	const struct ldr_sym *below = NULL;  /* the nearest symbol at or below addr */
	const struct ldr_sym *s;

	for (size_t i = 0; i < g->nsyms; i++) {
		s = &g->syms[i];
		if (s->value > addr)
			continue;
		if (s->size > 0 && addr - s->value < s->size &&
		    (inside == NULL || s->value > inside->value))
			inside = s;
		if (below == NULL || s->value > below->value)
			below = s;
	}
	s = inside;
	/* Hand-written assembly often has no size: then the symbol reaches as far as the
	 * next one, within its segment. */
	if (s == NULL && below != NULL && below->size == 0 && segment_of(g, addr) < g->nseg &&
	    segment_of(g, addr) == segment_of(g, below->value))
		s = below;
	if (s == NULL)
		return NULL;
	if (offset != NULL)
		*offset = addr - s->value;
	return (const char *)g->bytes + s->name;
}
