/* The benchmark's "mapped file" work (tests/bench): a file's bytes summed as
 * little-endian 64-bit words.  The same source runs as a guest function over the file
 * hlrun maps (--map) and as a host program over the file it mmaps itself, so that their
 * sums must be equal and their times compare the guest's first touch of a file's pages
 * with the host's. */
#ifndef BENCHGUEST_SUM_H
#define BENCHGUEST_SUM_H

#include <stdint.h>

/* The little-endian u64 at q, spelled out byte by byte so that it reads the same on any
 * host; compilers make it one 8-byte load on x86-64. */
static inline uint64_t bench_le64(const unsigned char *q)
{
	return (uint64_t)q[0] | (uint64_t)q[1] << 8 | (uint64_t)q[2] << 16 |
	       (uint64_t)q[3] << 24 | (uint64_t)q[4] << 32 | (uint64_t)q[5] << 40 |
	       (uint64_t)q[6] << 48 | (uint64_t)q[7] << 56;
}

/* The sum, modulo 2^64, of the size / 8 little-endian u64 words at p, plus the last
 * size % 8 bytes as one more word whose missing high bytes are zero.  Reads no byte at or
 * past p + size. */
static inline uint64_t bench_sum_words(const unsigned char *p, uint64_t size)
{
	uint64_t sum = 0, tail = 0, i;

	for (i = 0; size - i >= 8; i += 8)
		sum += bench_le64(p + i);
	for (unsigned k = 0; i + k < size; k++)
		tail |= (uint64_t)p[i + k] << (8 * k);
	return sum + tail;
}

#endif
