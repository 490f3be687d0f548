/* compute: benchguest's Compute run natively, the floor of the "guest compute" row.
 *
 *   usage: compute N        prints bench_compute(N), as `hlrun benchguest.elf Compute N` */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/guests/benchguest/compute.h"

int main(int argc, char **argv)
{
	char *end;
	unsigned long long n;

	if (argc != 2)
		errx(2, "usage: compute N");
	errno = 0;
	n = strtoull(argv[1], &end, 10);
	if (errno != 0 || end == argv[1] || *end != '\0')
		errx(2, "N must be a number (got '%s')", argv[1]);
	printf("%" PRIu64 "\n", bench_compute(n));
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return 0;
}
