/* benchguest: the functions make bench times inside a guest, against the same code run
 * natively (tests/bench).  A test guest, not an example. */
#include "hlguest.h"

#include "compute.h"

static int compute(const struct hl_value *a, struct hl_value *r)
{
	r->u.u64 = bench_compute(a[0].u.u64);
	return 0;
}
HL_EXPORT(Compute, compute, HL_T_U64, HL_T_U64);
