/* Order statistics of the benchmark's timing samples, and the clock they are read with. */
#include "tests/bench/stats.h"

#include <err.h>
#include <stdlib.h>
#include <time.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void sample_stats(uint64_t *v, size_t n, struct sample_stats *s)
{
	/* A long double sum cannot overflow for any sample this tool can hold. */
	long double sum = 0;

	qsort(v, n, sizeof *v, cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += (long double)v[i];
	s->min = v[0];
	s->max = v[n - 1];
	s->median = n % 2 ? v[n / 2] : v[n / 2 - 1] / 2 + v[n / 2] / 2 +
		(v[n / 2 - 1] % 2 + v[n / 2] % 2) / 2;
	s->p90 = v[(n * 9 + 9) / 10 - 1];
	s->mean = (uint64_t)(sum / (long double)n + 0.5L);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		err(1, "clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t clock_cost_ns(uint64_t *v, size_t n)
{
	struct sample_stats s;

	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		v[i] = now_ns() - t0;
	}
	sample_stats(v, n, &s);
	return s.median;
}
