/* The runner's own tests (tests/runner/check): a suite with one passing test. */
#include <criterion/criterion.h>

Test(runner, passes)
{
	cr_assert_eq(1 + 1, 2);
}
