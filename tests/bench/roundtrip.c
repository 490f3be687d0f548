/* roundtrip: the bare cost of one ring-3 guest exit to user space and back — a guest that
 * writes to a port forever, each KVM_RUN timed alone.
 *
 *   usage: roundtrip N [WARMUP]      (WARMUP defaults to 1000)
 *   prints: roundtrip_ns median=M min=M p90=P mean=A n=N clock_ns=C
 * clock_ns is the median cost of reading the clock itself, which every sample includes
 * once; it is reported rather than subtracted. */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/bench/minivm.h"
#include "tests/bench/stats.h"

/* 1: out 0x10,al; jmp 1b */
static const uint8_t code[] = { 0xe6, MINIVM_PORT, 0xeb, 0xfc };

static size_t parse_count(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > 100000000u)
		errx(2, "%s must be a number up to 100000000 (got '%s')", what, s);
	return (size_t)v;
}

/* The exit KVM_RUN just returned for must be the guest's port write. */
static void check_exit(const struct minivm *m)
{
	(void)minivm_out_byte(m);
}

int main(int argc, char **argv)
{
	struct minivm m;
	struct sample_stats s;
	size_t n, warmup = 1000;
	uint64_t *v, clock;

	if (argc < 2 || argc > 3)
		errx(2, "usage: roundtrip N [WARMUP]");
	n = parse_count(argv[1], "N");
	if (argc == 3)
		warmup = parse_count(argv[2], "WARMUP");
	if (n == 0)
		errx(2, "N must be at least 1");
	v = calloc(n, sizeof *v);
	if (v == NULL)
		err(1, "cannot allocate %zu samples", n);
	minivm_create(&m, code, sizeof code);
	for (size_t i = 0; i < warmup; i++) {
		minivm_run(&m);
		check_exit(&m);
	}
	/* Only the ioctl is inside the clock reads; the check follows outside them. */
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		minivm_run(&m);
		v[i] = now_ns() - t0;
		check_exit(&m);
	}
	minivm_destroy(&m);
	sample_stats(v, n, &s);
	clock = clock_cost_ns(v, n);
	printf("roundtrip_ns median=%" PRIu64 " min=%" PRIu64 " p90=%" PRIu64 " mean=%" PRIu64
	       " n=%zu clock_ns=%" PRIu64 "\n", s.median, s.min, s.p90, s.mean, n, clock);
	free(v);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return 0;
}
