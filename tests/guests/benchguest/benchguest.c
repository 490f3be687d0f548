/* benchguest: the functions make bench times inside a guest, against the same code run
 * natively (tests/bench).  A test guest, not an example. */
#include "hlguest.h"

#include "compute.h"
#include "sum.h"

static int compute(const struct hl_value *a, struct hl_value *r)
{
	r->u.u64 = bench_compute(a[0].u.u64);
	return 0;
}
HL_EXPORT(Compute, compute, HL_T_U64, HL_T_U64);

/* The file mapped as name (hlrun --map NAME=PATH) summed in place, as tests/bench/mapsum
 * sums it on the host. */
static int sum_mapped(const struct hl_value *a, struct hl_value *r)
{
	const char *name = hl_arg_string(a, 0);
	uint64_t size;
	const unsigned char *p = hl_mapped(name, &size);

	if (p == NULL)
		return hl_error(2, "no file is mapped as %s", name);
	r->u.u64 = bench_sum_words(p, size);
	return 0;
}
HL_EXPORT(SumMapped, sum_mapped, HL_T_U64, HL_T_STRING);

/* The size of the file mapped as name, none of whose pages it touches: the same process
 * as SumMapped's but for the summing and the first touch of the pages. */
static int mapped_size(const struct hl_value *a, struct hl_value *r)
{
	const char *name = hl_arg_string(a, 0);
	uint64_t size;

	if (hl_mapped(name, &size) == NULL)
		return hl_error(2, "no file is mapped as %s", name);
	r->u.u64 = size;
	return 0;
}
HL_EXPORT(MappedSize, mapped_size, HL_T_U64, HL_T_STRING);
