/* Guest libc: the heap, an address-ordered first-fit free list with coalescing. */
#include <stdbool.h>
#include <stdint.h>

#include "hlguest_libc.h"

#define ALIGN 16u
#define MAGIC_USED 0x44455355u /* "USED" in memory */
#define MAGIC_FREE 0x45455246u /* "FREE" in memory */

/* In front of every block; its size keeps payloads 16-byte aligned. */
struct hdr {
	size_t size;    /* the whole block, header included, a multiple of ALIGN */
	uint32_t magic; /* MAGIC_USED or MAGIC_FREE: catches double and wild frees */
	uint32_t unused;
};

/* A free block keeps the list link in what would be its payload. */
struct free_blk {
	struct hdr h;
	struct free_blk *next;
};

_Static_assert(sizeof(struct hdr) == HL_HEAP_BLOCK_OVERHEAD, "header size is public");

#define HDR sizeof(struct hdr)
#define MIN_BLOCK ((sizeof(struct free_blk) + ALIGN - 1) / ALIGN * ALIGN)

/* The guest is single-threaded and has one heap. */
static struct {
	uintptr_t base;
	uintptr_t end;
	struct free_blk *free; /* ascending addresses, never two adjacent blocks */
} heap;

void hl_heap_init(void *base, size_t size)
{
	uintptr_t start = ((uintptr_t)base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
	uintptr_t skip = start - (uintptr_t)base;

	heap.free = NULL;
	heap.base = heap.end = start;
	if (size < skip || (size - skip) / ALIGN * ALIGN < MIN_BLOCK)
		return;
	heap.end = start + (size - skip) / ALIGN * ALIGN;
	heap.free = (struct free_blk *)start;
	heap.free->h.size = heap.end - start;
	heap.free->h.magic = MAGIC_FREE;
	heap.free->next = NULL;
}

/* The block size that holds n bytes, or 0 when n cannot fit in any heap. */
static size_t block_size(size_t n)
{
	if (n > SIZE_MAX - HDR - ALIGN)
		return 0;
	n = (n + HDR + ALIGN - 1) / ALIGN * ALIGN;
	return n < MIN_BLOCK ? MIN_BLOCK : n;
}

/* The header of block p after checking that it is one this heap handed out. */
static struct hdr *used_block(void *p)
{
	uintptr_t a = (uintptr_t)p;
	struct hdr *h;

	if (a < heap.base + HDR || a >= heap.end || (a - heap.base) % ALIGN != 0)
		hl_libc_panic("free: pointer not from the heap");
	h = (struct hdr *)(a - HDR);
	if (h->magic == MAGIC_FREE)
		hl_libc_panic("free: block already freed");
	if (h->magic != MAGIC_USED || h->size < MIN_BLOCK || h->size % ALIGN != 0 ||
	    h->size > heap.end - (uintptr_t)h)
		hl_libc_panic("free: corrupt block header");
	return h;
}

/* Puts block h into the free list, merged with whichever neighbours are free. */
static void release(struct hdr *h)
{
	struct free_blk *b = (struct free_blk *)h, *prev = NULL, *next = heap.free;
	uintptr_t a = (uintptr_t)h;

	while (next != NULL && (uintptr_t)next < a) {
		prev = next;
		next = next->next;
	}
	/* A free block that overlaps h means h was freed already, inside a merged block. */
	if ((prev != NULL && (uintptr_t)prev + prev->h.size > a) ||
	    (next != NULL && a + h->size > (uintptr_t)next))
		hl_libc_panic("free: block overlaps a free block");
	h->magic = MAGIC_FREE;
	b->next = next;
	if (next != NULL && a + h->size == (uintptr_t)next) {
		h->size += next->h.size;
		b->next = next->next;
	}
	if (prev != NULL && (uintptr_t)prev + prev->h.size == a) {
		prev->h.size += h->size;
		prev->next = b->next;
	} else if (prev != NULL) {
		prev->next = b;
	} else {
		heap.free = b;
	}
}

/* Cuts the tail of block h beyond size bytes off as a free block, if it is big enough
 * to be one. */
static void trim(struct hdr *h, size_t size)
{
	struct hdr *tail;

	if (h->size - size < MIN_BLOCK)
		return;
	tail = (struct hdr *)((uintptr_t)h + size);
	tail->size = h->size - size;
	h->size = size;
	release(tail);
}

void *malloc(size_t n)
{
	size_t need = block_size(n);
	struct free_blk **link = &heap.free, *b;
	struct hdr *h;

	if (need == 0)
		return NULL;
	for (; (b = *link) != NULL; link = &b->next) {
		if (b->h.size < need)
			continue;
		/* Hand out the tail of a larger block: the list link stays where it is. */
		if (b->h.size - need >= MIN_BLOCK) {
			b->h.size -= need;
			h = (struct hdr *)((uintptr_t)b + b->h.size);
			h->size = need;
		} else {
			*link = b->next;
			h = &b->h;
		}
		h->magic = MAGIC_USED;
		return (void *)((uintptr_t)h + HDR);
	}
	return NULL;
}

void free(void *p)
{
	if (p != NULL)
		release(used_block(p));
}

void *calloc(size_t n, size_t m)
{
	size_t bytes;
	void *p;

	if (__builtin_mul_overflow(n, m, &bytes))
		return NULL;
	p = malloc(bytes);
	return p != NULL ? memset(p, 0, bytes) : NULL;
}

void *realloc(void *p, size_t n)
{
	size_t need = block_size(n);
	struct hdr *h;
	void *q;

	if (p == NULL)
		return malloc(n);
	h = used_block(p);
	if (need == 0)
		return NULL;
	if (need <= h->size) {
		trim(h, need);
		return p;
	}
	q = malloc(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, h->size - HDR);
	release(h);
	return q;
}

size_t hl_heap_free_bytes(void)
{
	size_t total = 0;

	for (const struct free_blk *b = heap.free; b != NULL; b = b->next)
		total += b->h.size;
	return total;
}
