/* The benchmark's "guest compute" work (tests/bench): integer arithmetic on registers,
 * no memory, no calls.  The same source runs as a guest function and as a host program,
 * so that their times compare the guest's execution with native execution. */
#ifndef BENCHGUEST_COMPUTE_H
#define BENCHGUEST_COMPUTE_H

#include <stdint.h>

/* n rounds of xorshift64, summing each state modulo a prime. */
static inline uint64_t bench_compute(uint64_t n)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += x % 1000003u;
	}
	return sum;
}

#endif
