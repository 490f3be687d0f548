/* Unit tests of the page-table sizing in kvm/paging.c (pure, no /dev/kvm needed).  Every
 * size includes ring 0's window: a PDPT, a directory and two page tables at most. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdlib.h>
#include <string.h>

#include "kvm/kvm.h"
#include "kvm/kvm_internal.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

Test(pagetables, one_small_region)
{
	struct hv_region r = { 0x1000, 0x1000, 0 };

	/* PML4 + PDPT + PD + two possible page tables, and ring 0's. */
	cr_assert_eq(hv_page_tables_size(&r, 1), (5 + 4) * 4096);
}

Test(pagetables, region_across_a_gigabyte_needs_two_directories)
{
	struct hv_region r = { GiB - 2 * MiB, 4 * MiB, HV_MAP_WRITE };

	cr_assert_eq(hv_page_tables_size(&r, 1), (1 + 1 + 2 + 2 + 4) * 4096);
}

struct bad_case {
	struct hv_region r[2];
	size_t n;
};

ParameterizedTestParameters(pagetables, rejected)
{
	static struct bad_case cases[] = {
		{ { { 0x1000, 0, 0 } }, 1 },                         /* empty */
		{ { { 0x1001, 0x1000, 0 } }, 1 },                    /* unaligned address */
		{ { { 0x1000, 0x1001, 0 } }, 1 },                    /* unaligned size */
		{ { { 1ull << 47, 0x1000, 0 } }, 1 },                /* beyond 48 bits */
		{ { { (1ull << 47) - 0x1000, 0x2000, 0 } }, 1 },     /* crosses 48 bits */
		{ { { 0xfffffffffffff000ull, 0x2000, 0 } }, 1 },     /* wraps */
		{ { { 0x1000, 0x2000, 0 }, { 0x2000, 0x1000, 0 } }, 2 }, /* overlap */
	};
	return cr_make_param_array(struct bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_case *c, pagetables, rejected)
{
	cr_assert_eq(hv_page_tables_size(c->r, c->n), 0);
}

/* ---- Building them ------------------------------------------------------------------ */

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define TABLES_GPA (64 * MiB)

/* The leaf entry that maps va in tables built at TABLES_GPA, or 0; *page_size is 4 KiB
 * or 2 MiB.  Every table on the way must be present and open to ring 3. */
static uint64_t walk(const uint8_t *tables, uint64_t size, uint64_t va, uint64_t *page_size)
{
	uint64_t e = TABLES_GPA | PTE_P | PTE_RW | PTE_US;

	for (int level = 39; level >= 12; level -= 9) {
		uint64_t at = (e & PTE_ADDR) - TABLES_GPA;
		const uint64_t *t = (const uint64_t *)(const void *)(tables + at);

		cr_assert_lt(at, size, "table at 0x%llx outside the area", (unsigned long long)at);
		cr_assert_eq(e & (PTE_P | PTE_RW | PTE_US), PTE_P | PTE_RW | PTE_US);
		e = t[(va >> level) & 511];
		if (!(e & PTE_P))
			return 0;
		if (level == 21 && (e & PTE_PS)) {
			*page_size = 2 * MiB;
			return e;
		}
	}
	*page_size = 4096;
	return e;
}

/* Every page of [va, va + size) maps to the same physical address with flags as given
 * (user or supervisor, writable, executable). */
static void expect_mapped(const uint8_t *tables, uint64_t area, uint64_t va, uint64_t gpa,
			  uint64_t size, unsigned flags, bool user)
{
	for (uint64_t off = 0; off < size; off += 4096) {
		uint64_t page, e = walk(tables, area, va + off, &page);

		cr_assert_neq(e, 0, "0x%llx not mapped", (unsigned long long)(va + off));
		cr_assert_eq((e & PTE_ADDR) + (va + off) % page, gpa + off, "0x%llx",
			     (unsigned long long)(va + off));
		cr_assert_eq(!!(e & PTE_US), user, "0x%llx: user", (unsigned long long)(va + off));
		cr_assert_eq(!!(e & PTE_RW), !!(flags & HV_MAP_WRITE), "0x%llx: writable",
			     (unsigned long long)(va + off));
		cr_assert_eq(!(e & PTE_NX), !!(flags & HV_MAP_EXEC), "0x%llx: executable",
			     (unsigned long long)(va + off));
	}
}

/* A guest's regions (code, data, a heap spanning 2 MiB pages) and ring 0: tables fit
 * the size hv_page_tables_size() gives (an upper bound), an area too small for them is
 * refused rather than overrun, and built, each page maps where and as it should, and
 * nothing else is mapped. */
Test(pagetables, built_within_the_area_given)
{
	static const struct hv_region regions[] = {
		{ 0x200000, 0x3000, HV_MAP_EXEC },
		{ 0x203000, 0x1000, HV_MAP_WRITE },
		{ 0x3ff000, 0x601000, HV_MAP_WRITE },
	};
	const uint64_t ring0 = 0xa00000, sys = 0xa00000;
	struct hv_boot bt = { .ring0_addr = ring0, .regions = regions, .nregions = 3 };
	uint64_t need = hv_page_tables_size(regions, 3), page, least = 0;
	uint8_t *tables = malloc(need + 4096);

	cr_assert_not_null(tables);
	cr_assert_gt(need, 0);
	/* A PML4, a PDPT, a directory, one page table for [0x200000, 0x400000) (code,
	 * data and the heap's first page) and one for ring 0: 5 pages. */
	for (uint64_t size = 0; size <= need; size += 4096) {
		int rc;

		memset(tables, 0xa5, need + 4096);
		rc = hv_build_page_tables(tables, TABLES_GPA, size, &bt, sys);
		for (uint64_t i = size; i < need + 4096; i++)
			cr_assert_eq(tables[i], 0xa5, "byte %llu written with an area of %llu",
				     (unsigned long long)i, (unsigned long long)size);
		if (rc == 0 && least == 0)
			least = size;
		cr_assert_eq(rc, least != 0 ? 0 : -1, "%llu bytes", (unsigned long long)size);
	}
	cr_assert_eq(least, 5 * 4096, "%llu", (unsigned long long)least);
	cr_assert_eq(hv_build_page_tables(tables, TABLES_GPA, need, &bt, sys), 0);
	for (size_t i = 0; i < 3; i++)
		expect_mapped(tables, need, regions[i].addr, regions[i].addr, regions[i].size,
			      regions[i].flags, true);
	cr_assert_eq(walk(tables, need, 0x400000, &page) & PTE_PS, PTE_PS,
		     "an aligned 2 MiB of the heap is one large page");
	expect_mapped(tables, need, ring0, sys, 0x2000, 0, false);                /* GDT, IDT */
	expect_mapped(tables, need, ring0 + 0x2000, sys + 0x2000, 0x1000, HV_MAP_EXEC, false);
	expect_mapped(tables, need, ring0 + 0x4000, sys + 0x4000, 0x1000, HV_MAP_WRITE, false);
	expect_mapped(tables, need, ring0 + 0x6000, sys + 0x6000, 0x1000, HV_MAP_WRITE, false);
	/* The page of `syscall`'s target and the stacks' guard pages are not mapped. */
	cr_assert_eq(walk(tables, need, ring0 + 0x3000, &page), 0);
	cr_assert_eq(walk(tables, need, ring0 + 0x5000, &page), 0);
	cr_assert_eq(walk(tables, need, ring0 + 0x7000, &page), 0);
	cr_assert_eq(walk(tables, need, 0x1ff000, &page), 0);
	cr_assert_eq(walk(tables, need, 0x204000, &page), 0);
	cr_assert_eq(walk(tables, need, ring0 + 0x8000, &page), 0);
	free(tables);
}

/* A window (a mapped file) beside the guest's regions: read-only, not executable, open to
 * ring 3, at its own address, in 2 MiB pages where it can and 4 KiB ones for its tail;
 * the page after it stays unmapped. */
Test(pagetables, windows_are_read_only_user_pages)
{
	static const struct hv_region regions[] = { { 0x200000, 0x1000, HV_MAP_EXEC } };
	static const uint8_t file[1];
	const struct hv_window windows[] = {
		{ 0x800000000ull, 0x403000, file },
		{ 0x800600000ull, 0x1000, file },
	};
	const struct hv_region as_regions[] = {
		regions[0], { windows[0].addr, windows[0].size, 0 },
		{ windows[1].addr, windows[1].size, 0 },
	};
	struct hv_boot bt = { .ring0_addr = 0xa00000, .regions = regions, .nregions = 1,
			      .windows = windows, .nwindows = 2 };
	uint64_t need = hv_page_tables_size(as_regions, 3), page;
	uint8_t *tables = malloc(need);

	cr_assert_not_null(tables);
	cr_assert_gt(need, 0);
	cr_assert_eq(hv_build_page_tables(tables, TABLES_GPA, need, &bt, 0xa00000), 0);
	for (size_t i = 0; i < 2; i++)
		expect_mapped(tables, need, windows[i].addr, windows[i].addr, windows[i].size, 0,
			      true);
	cr_assert_eq(walk(tables, need, windows[0].addr, &page) & PTE_PS, PTE_PS);
	cr_assert_eq(page, 2 * MiB);
	walk(tables, need, windows[0].addr + 0x400000, &page);
	cr_assert_eq(page, 4096, "the tail is in 4 KiB pages");
	cr_assert_eq(walk(tables, need, windows[0].addr + windows[0].size, &page), 0);
	cr_assert_eq(walk(tables, need, windows[1].addr + windows[1].size, &page), 0);
	expect_mapped(tables, need, 0x200000, 0x200000, 0x1000, HV_MAP_EXEC, true);
	free(tables);
}
