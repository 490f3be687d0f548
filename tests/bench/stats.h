/* Order statistics over a sample of nanosecond timings, shared by roundtrip, piperound
 * and timeit so that all report median, percentile and mean the same way. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

struct sample_stats {
	uint64_t median; /* the mean of the two middle values when n is even */
	uint64_t min;
	uint64_t p90;    /* nearest rank: the ceil(0.9 n)-th smallest */
	uint64_t max;
	uint64_t mean;
};

/* Sorts v[0..n) in place and fills *s; n must be at least 1. */
void sample_stats(uint64_t *v, size_t n, struct sample_stats *s);

/* CLOCK_MONOTONIC in nanoseconds; exits with status 1 if the clock fails. */
uint64_t now_ns(void);

/* The median cost of one now_ns() call, from n pairs of reads that overwrite v[0..n);
 * n must be at least 1.  Each sample the tools take includes it once. */
uint64_t clock_cost_ns(uint64_t *v, size_t n);

#endif
