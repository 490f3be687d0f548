/* The page, in one place: its size is the ABI's HL_PAGE_SIZE (guest memory, KVM's slots
 * and dirty log, snapshot files and ELF segments all count in it); a huge page maps 2 MiB
 * with one entry.  Rounding is done in 64 bits. */
#ifndef COMMON_PAGE_H
#define COMMON_PAGE_H

#include <stdint.h>

#include "guests/include/hlrun_abi.h"

#define HL_HUGE_PAGE_SIZE (2ull << 20)

/* a rounded down to a multiple of align, a power of 2. */
static inline uint64_t hl_align_down(uint64_t a, uint64_t align)
{
	return a & ~(align - 1);
}

/* a rounded up to a multiple of align, a power of 2; the caller makes sure that it does
 * not wrap past 2^64. */
static inline uint64_t hl_align_up(uint64_t a, uint64_t align)
{
	return hl_align_down(a + align - 1, align);
}

/* a rounded to a page boundary: down, or up (without wrapping, as above). */
static inline uint64_t hl_page_down(uint64_t a)
{
	return hl_align_down(a, HL_PAGE_SIZE);
}

static inline uint64_t hl_page_up(uint64_t a)
{
	return hl_align_up(a, HL_PAGE_SIZE);
}

#endif
