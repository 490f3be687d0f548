/* Unit tests of the guest libc's heap (guests/libc/malloc.c): malloc, free, calloc and
 * realloc on an arena of 64 KiB, alignment, exhaustion, coalescing, a random stress, and
 * misuse that must end in hl_libc_panic() with the right message.  test_libc.h says how
 * the library is built for the host. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "tests/unit/test_libc.h"

#define OVERHEAD 16 /* HL_HEAP_BLOCK_OVERHEAD */

static _Alignas(16) unsigned char arena[1 << 16];

static void heap_setup(void)
{
	memset(arena, 0xa5, sizeof arena);
	hlt_hl_heap_init(arena, sizeof arena);
}

TestSuite(heap, .init = heap_setup);

static int in_arena(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)arena;

	return a >= lo + OVERHEAD && a + n <= lo + sizeof arena;
}

Test(heap, starts_with_everything_free)
{
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
	cr_assert_not_null(hlt_malloc(sizeof arena - OVERHEAD));
	cr_assert_eq(hlt_hl_heap_free_bytes(), 0);
}

Test(heap, unaligned_and_tiny_arenas)
{
	hlt_hl_heap_init(arena + 3, 1000); /* starts at arena + 16, 987 bytes down to 976 */
	cr_assert_eq(hlt_hl_heap_free_bytes(), 976);
	hlt_hl_heap_init(arena + 1, 20);
	cr_assert_eq(hlt_hl_heap_free_bytes(), 0);
	cr_assert_null(hlt_malloc(1));
}

Test(heap, blocks_are_aligned_and_inside)
{
	for (size_t n = 0; n <= 200; n++) {
		unsigned char *p = hlt_malloc(n);

		cr_assert_not_null(p, "n=%zu", n);
		cr_assert_eq((uintptr_t)p % 16, 0, "n=%zu", n);
		cr_assert(in_arena(p, n), "n=%zu", n);
	}
}

Test(heap, exhaustion_and_recovery)
{
	void *p[64];

	/* 1000 bytes + header round up to 1024: exactly 64 blocks. */
	for (size_t i = 0; i < 64; i++)
		cr_assert_not_null(p[i] = hlt_malloc(1000), "block %zu", i);
	cr_assert_null(hlt_malloc(1));
	cr_assert_eq(hlt_hl_heap_free_bytes(), 0);
	hlt_free(p[10]);
	cr_assert_eq(hlt_hl_heap_free_bytes(), 1024);
	cr_assert_eq(hlt_malloc(1000), p[10]);
	for (size_t i = 0; i < 64; i++)
		hlt_free(p[i]);
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
}

Test(heap, absurd_sizes_fail)
{
	size_t sizes[] = { SIZE_MAX, SIZE_MAX - 15, SIZE_MAX / 2, sizeof arena - OVERHEAD + 1 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		cr_assert_null(hlt_malloc(sizes[i]), "size %zu", sizes[i]);
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
	hlt_free(NULL);
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
}

ParameterizedTestParameters(heap, coalesces_in_any_free_order)
{
	static size_t strides[] = { 1, 63, 37, 5 }; /* all coprime to 64 */

	return cr_make_param_array(size_t, strides, sizeof strides / sizeof strides[0]);
}

ParameterizedTest(size_t *stride, heap, coalesces_in_any_free_order)
{
	void *p[64];

	for (size_t i = 0; i < 64; i++)
		cr_assert_not_null(p[i] = hlt_malloc(1000));
	for (size_t i = 0; i < 64; i++)
		hlt_free(p[i * *stride % 64]);
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
	cr_assert_not_null(hlt_malloc(sizeof arena - OVERHEAD));
}

Test(heap, calloc_checks_overflow_and_zeroes)
{
	unsigned char *p;

	cr_assert_null(hlt_calloc(SIZE_MAX / 2 + 1, 2));
	cr_assert_null(hlt_calloc((size_t)1 << 33, (size_t)1 << 33));
	cr_assert_null(hlt_calloc(SIZE_MAX, SIZE_MAX));
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
	p = hlt_calloc(10, 100);
	cr_assert_not_null(p);
	for (size_t i = 0; i < 1000; i++)
		cr_assert_eq(p[i], 0, "byte %zu", i);
	cr_assert_not_null(hlt_calloc(0, 5));
}

Test(heap, realloc_keeps_content)
{
	unsigned char *p = hlt_realloc(NULL, 100), *q, *r;
	size_t before;

	cr_assert_not_null(p);
	for (size_t i = 0; i < 100; i++)
		p[i] = (unsigned char)i;
	q = hlt_realloc(p, 5000);
	cr_assert_not_null(q);
	for (size_t i = 0; i < 100; i++)
		cr_assert_eq(q[i], i, "byte %zu", i);
	/* Shrinking stays in place and frees the tail: 5024-byte block down to 80. */
	before = hlt_hl_heap_free_bytes();
	r = hlt_realloc(q, 50);
	cr_assert_eq(r, q);
	cr_assert_eq(hlt_hl_heap_free_bytes(), before + 5024 - 80);
	for (size_t i = 0; i < 50; i++)
		cr_assert_eq(r[i], i, "byte %zu", i);
	/* A failed growth leaves the block as it was. */
	cr_assert_null(hlt_realloc(r, sizeof arena));
	for (size_t i = 0; i < 50; i++)
		cr_assert_eq(r[i], i, "byte %zu", i);
	cr_assert_eq(hlt_realloc(r, 0), r);
	hlt_free(r);
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
}

struct live {
	unsigned char *p;
	size_t n;
	unsigned char fill;
};

static uint32_t rng(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

static void check_live(const struct live *b)
{
	for (size_t i = 0; i < b->n; i++)
		cr_assert_eq(b->p[i], b->fill, "block %p byte %zu", (void *)b->p, i);
}

static void check_disjoint(const struct live *slots, size_t nslots, size_t self)
{
	const struct live *b = &slots[self];

	cr_assert_eq((uintptr_t)b->p % 16, 0);
	cr_assert(in_arena(b->p, b->n));
	for (size_t i = 0; i < nslots; i++)
		if (i != self && slots[i].p != NULL)
			cr_assert(b->p + b->n <= slots[i].p || slots[i].p + slots[i].n <= b->p,
				  "blocks %zu and %zu overlap", self, i);
}

/* Random malloc, realloc and free with a fixed seed: blocks stay disjoint and intact,
 * and once all are freed the heap is one block again. */
Test(heap, random_stress)
{
	struct live slots[128] = { 0 };
	uint32_t seed = 12345;

	for (int it = 0; it < 20000; it++) {
		struct live *b = &slots[rng(&seed) % 128];
		size_t n = 1 + rng(&seed) % 3000;
		unsigned char *p;

		if (b->p != NULL)
			check_live(b);
		if (b->p != NULL && rng(&seed) % 3 == 0) {
			p = hlt_realloc(b->p, n);
			if (p == NULL)
				continue;
			b->p = p;
			b->n = n < b->n ? n : b->n;
			check_live(b);
		} else if (b->p != NULL) {
			hlt_free(b->p);
			b->p = NULL;
			continue;
		} else if ((b->p = hlt_malloc(n)) == NULL) {
			continue;
		}
		b->n = n;
		b->fill = (unsigned char)it;
		check_disjoint(slots, 128, (size_t)(b - slots));
		memset(b->p, b->fill, n);
	}
	for (size_t i = 0; i < 128; i++) {
		if (slots[i].p != NULL)
			check_live(&slots[i]);
		hlt_free(slots[i].p);
	}
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
	cr_assert_not_null(hlt_malloc(sizeof arena - OVERHEAD));
}

/* ---- Heap misuse ends in hl_libc_panic() with the right message ---------------------- */

static void double_free(void)
{
	void *p = hlt_malloc(10);

	hlt_free(p);
	hlt_free(p);
}

static void double_free_after_merge(void)
{
	void *a = hlt_malloc(10), *b = hlt_malloc(10);

	hlt_free(b); /* b lies below a: the tail of the heap is handed out first */
	hlt_free(a);
	hlt_free(a);
}

static void corrupt_header(void)
{
	unsigned char *p = hlt_malloc(10);

	memset(p - 8, 0, 4);
	hlt_free(p);
}

static void pointer_inside_block(void)
{
	unsigned char *p = hlt_malloc(100);

	memset(p, 0, 100);
	hlt_free(p + 32);
}

static void pointer_outside_heap(void)
{
	static _Alignas(16) char elsewhere[32];

	hlt_free(elsewhere + 16);
}

static void realloc_after_free(void)
{
	void *p = hlt_malloc(10);

	hlt_free(p);
	hlt_realloc(p, 20);
}

struct panic_case {
	void (*misuse)(void);
	const char *msg;
};

static const struct panic_case panic_cases[] = {
	{ double_free, "free: block already freed" },
	{ double_free_after_merge, "free: block already freed" },
	{ corrupt_header, "free: corrupt block header" },
	{ pointer_inside_block, "free: corrupt block header" },
	{ pointer_outside_heap, "free: pointer not from the heap" },
	{ realloc_after_free, "free: block already freed" },
};

ParameterizedTestParameters(heap, misuse_panics)
{
	static size_t idx[NELEMS(panic_cases)];

	return index_params(idx, NELEMS(panic_cases));
}

ParameterizedTest(size_t *i, heap, misuse_panics, .signal = SIGABRT)
{
	const struct panic_case *c = &panic_cases[*i];

	expected_panic = c->msg;
	c->misuse();
}
