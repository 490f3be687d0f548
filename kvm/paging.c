/* The KVM backend: the guest's page tables, built once by the host before the guest first
 * runs and never changed after (PVM does not show ring 3 later edits of present
 * entries): the guest's regions and windows as user pages at their own physical
 * address, ring 0's pages supervisor-only. */
#include "kvm/kvm_internal.h"

#include <string.h>

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A (1ull << 5)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* Guest addresses are limited to 48 bits (4-level paging). */
#define VA_LIMIT (1ull << 47)

static uint64_t spans(uint64_t addr, uint64_t size, unsigned shift)
{
	return ((addr + size - 1) >> shift) - (addr >> shift) + 1;
}

static int region_ok(const struct hv_region *r)
{
	return r->size != 0 && r->addr % HL_PAGE_SIZE == 0 && r->size % HL_PAGE_SIZE == 0 &&
	       r->addr < VA_LIMIT && r->size <= VA_LIMIT - r->addr;
}

/* Page directory pointer tables, directories, and at most two page tables: only a
 * range's partial first and last 2 MiB need 4 KiB pages. */
static uint64_t tables_for(uint64_t addr, uint64_t size)
{
	return spans(addr, size, 39) + spans(addr, size, 30) + 2;
}

uint64_t hv_page_tables_size(const struct hv_region *regions, size_t n)
{
	uint64_t tables = 1; /* the PML4 */

	for (size_t i = 0; i < n; i++) {
		const struct hv_region *r = &regions[i];

		if (!region_ok(r))
			return 0;
		for (size_t j = 0; j < i; j++)
			if (r->addr < regions[j].addr + regions[j].size &&
			    regions[j].addr < r->addr + r->size)
				return 0;
		tables += tables_for(r->addr, r->size);
	}
	/* Ring 0's window lies below 4 GiB and spans less than 2 MiB. */
	return (tables + 1 + 1 + 2) * HL_PAGE_SIZE;
}

struct pt_builder {
	uint8_t *mem;   /* the table area in ring 0's memory */
	uint64_t gpa;   /* its guest-physical address */
	uint64_t size;
	uint64_t used;
};

/* Returns the table that entry *e points to, allocating a zeroed one if absent.  Tables
 * are open to ring 3: each leaf decides. */
static uint64_t *next_table(struct pt_builder *b, uint64_t *e)
{
	if (!(*e & PTE_P)) {
		if (b->size - b->used < HL_PAGE_SIZE)
			return NULL;
		memset(b->mem + b->used, 0, HL_PAGE_SIZE);
		*e = (b->gpa + b->used) | PTE_P | PTE_RW | PTE_US | PTE_A;
		b->used += HL_PAGE_SIZE;
	}
	return (uint64_t *)(void *)(b->mem + ((*e & PTE_ADDR) - b->gpa));
}

static int map_page(struct pt_builder *b, uint64_t va, uint64_t gpa, int huge, uint64_t leaf)
{
	uint64_t *pml4 = (uint64_t *)(void *)b->mem;
	uint64_t *pdpt, *pd, *pt;

	pdpt = next_table(b, &pml4[(va >> 39) & 511]);
	pd = pdpt ? next_table(b, &pdpt[(va >> 30) & 511]) : NULL;
	if (pd == NULL)
		return -1;
	if (huge) {
		pd[(va >> 21) & 511] = gpa | leaf | PTE_PS;
		return 0;
	}
	pt = next_table(b, &pd[(va >> 21) & 511]);
	if (pt == NULL)
		return -1;
	pt[(va >> 12) & 511] = gpa | leaf;
	return 0;
}

/* Maps [va, va + size) to [gpa, gpa + size).  Accessed is preset so that no read writes
 * to the tables; dirty is left to the CPU, since on PVM a writable entry already marked
 * dirty makes the first read of its page count as a write in the dirty log. */
static int map_range(struct pt_builder *b, uint64_t va, uint64_t gpa, uint64_t size,
		     unsigned flags, int user)
{
	uint64_t leaf = PTE_P | PTE_A, end = va + size;

	if (flags & HV_MAP_WRITE)
		leaf |= PTE_RW;
	if (!(flags & HV_MAP_EXEC))
		leaf |= PTE_NX;
	if (user)
		leaf |= PTE_US;
	while (va < end) {
		int huge = va % HL_HUGE_PAGE_SIZE == 0 && gpa % HL_HUGE_PAGE_SIZE == 0 &&
			   end - va >= HL_HUGE_PAGE_SIZE;

		if (map_page(b, va, gpa, huge, leaf) < 0)
			return -1;
		va += huge ? HL_HUGE_PAGE_SIZE : HL_PAGE_SIZE;
		gpa += huge ? HL_HUGE_PAGE_SIZE : HL_PAGE_SIZE;
	}
	return 0;
}

int hv_build_page_tables(uint8_t *tables, uint64_t gpa, uint64_t size,
			 const struct hv_boot *bt, uint64_t sys_gpa)
{
	static const struct {
		uint64_t off;
		unsigned flags;
	} ring0[] = {
		{ R0_GDT, 0 }, { R0_IDT, 0 }, { R0_CODE, HV_MAP_EXEC },
		{ R0_IST1, HV_MAP_WRITE }, { R0_IST2, HV_MAP_WRITE },
	};
	struct pt_builder b = { tables, gpa, size, HL_PAGE_SIZE };

	if (size < HL_PAGE_SIZE)
		return -1;
	memset(tables, 0, HL_PAGE_SIZE);
	for (size_t i = 0; i < bt->nregions; i++) {
		const struct hv_region *r = &bt->regions[i];

		if (map_range(&b, r->addr, r->addr, r->size, r->flags, 1) < 0)
			return -1;
	}
	for (size_t i = 0; i < bt->nwindows; i++) {
		const struct hv_window *w = &bt->windows[i];

		if (map_range(&b, w->addr, w->addr, w->size, 0, 1) < 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof ring0 / sizeof ring0[0]; i++)
		if (map_range(&b, bt->ring0_addr + ring0[i].off, sys_gpa + ring0[i].off,
			      HL_PAGE_SIZE, ring0[i].flags, 0) < 0)
			return -1;
	return 0;
}
