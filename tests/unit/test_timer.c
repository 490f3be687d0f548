/* Unit tests of the deadline's timer value (core/timer.c): what timer_settime() is given
 * for a timeout of ms milliseconds, one shot and exact. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "core/core_internal.h"

struct spec_case {
	uint64_t ms;
	long long sec, nsec;
};

ParameterizedTestParameters(timer, spec)
{
	static struct spec_case cases[] = {
		{ 0, 0, 0 },
		{ 1, 0, 1000000 },
		{ 999, 0, 999000000 },
		{ 1000, 1, 0 },
		{ 1001, 1, 1000000 },
		{ 1500, 1, 500000000 },
		{ 86400000, 86400, 0 },          /* 24 h, the longest timeout */
		{ 86399999, 86399, 999000000 },
	};
	return cr_make_param_array(struct spec_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct spec_case *c, timer, spec)
{
	struct itimerspec its;

	memset(&its, 0xa5, sizeof its);
	sbx_timer_spec(c->ms, &its);
	cr_assert_eq(its.it_value.tv_sec, c->sec, "%llu ms", (unsigned long long)c->ms);
	cr_assert_eq(its.it_value.tv_nsec, c->nsec, "%llu ms", (unsigned long long)c->ms);
	cr_assert_eq(its.it_interval.tv_sec, 0, "one shot");
	cr_assert_eq(its.it_interval.tv_nsec, 0, "one shot");
}
