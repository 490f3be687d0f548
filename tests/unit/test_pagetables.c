/* Unit tests of the page-table sizing in kvm/paging.c (pure, no /dev/kvm needed).  Every
 * size includes ring 0's window: a PDPT, a directory and two page tables at most. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "kvm/kvm.h"

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
