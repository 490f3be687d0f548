/* The runner's own tests (tests/runner/check): a suite with one failing test. */
#include <criterion/criterion.h>

Test(runner, fails)
{
	cr_assert_eq(1 + 1, 3);
}
