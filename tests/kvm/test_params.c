/* KVM suite: functions with more than two parameters, up to the ABI's twelve, of mixed
 * types, called from the command line and from batch lines: each argument reaches the
 * guest converted to its own declared type and in its own position. */
#include "tests/kvm/harness.h"

/* Describe's twelve arguments, one of each type and three again, as the guest writes
 * them back: i32 u32 i64 u64 f32 f64 bool string bytes(hex) i32 u64 string. */
#define DESCRIBE_ARGS "-7", "4294967295", "-9223372036854775808", "18446744073709551615", \
	"0.5", "-2.25", "true", "two words", "abc", "0x7fffffff", "0", "last"
#define DESCRIBED "-7 4294967295 -9223372036854775808 18446744073709551615 0.5 -2.25 true " \
	"two words 616263 2147483647 0 last\n"

Test(params, three)
{
	struct outcome o = hlrun(GUEST, "Clamp", "15", "0", "10", NULL);

	expect_ok(o, "10\n");
	outcome_free(&o);
	o = hlrun(GUEST, "Clamp", "-3", "-2", "2", NULL);
	expect_ok(o, "-2\n");
	outcome_free(&o);
	o = hlrun(GUEST, "Clamp", "1", "2", "0", NULL);
	expect_fail(&o, 1, "Clamp failed (guest error 22): empty range [2, 0]", NULL);
	outcome_free(&o);
}

Test(params, twelve_of_one_type)
{
	struct outcome o = hlrun(GUEST, "Sum12", "1", "2", "3", "4", "5", "6", "7", "8", "9",
				 "10", "11", "-0x100", NULL);

	expect_ok(o, "-190\n");
	outcome_free(&o);
}

Test(params, twelve_of_every_type)
{
	struct outcome o = hlrun(GUEST, "Describe", DESCRIBE_ARGS, NULL);

	expect_ok(o, DESCRIBED);
	outcome_free(&o);
}

/* The wrong count shows the whole signature; a bad argument is named by its position,
 * the twelfth as well as the first. */
Test(params, mistakes_name_the_position)
{
	struct outcome o = hlrun(GUEST, "Sum12", "1", "2", "3", NULL);

	expect_fail(&o, 2, "Sum12 takes 12 arguments, got 3: Sum12(i64, i64, i64, i64, i64, "
		    "i64, i64, i64, i64, i64, i64, i64) -> i64", NULL);
	outcome_free(&o);
	o = hlrun(GUEST, "Describe", "-7", "4294967295", "-9223372036854775808",
		  "18446744073709551615", "0.5", "-2.25", "true", "s", "b", "1", "-1", "x", NULL);
	expect_fail(&o, 2, "argument 11", "'-1'", "u64", NULL);
	outcome_free(&o);
	o = hlrun(GUEST, "Describe", "-7", "4294967296", "0", "0", "0", "0", "false", "s", "b",
		  "1", "1", "x", NULL);
	expect_fail(&o, 2, "argument 2", "'4294967296'", "u32", NULL);
	outcome_free(&o);
}

/* The same calls as batch lines, arguments as JSON values (bytes in base64). */
Test(params, from_batch_lines)
{
	const char *in =
		"{\"function\":\"Clamp\",\"args\":[15,0,10]}\n"
		"{\"function\":\"Sum12\",\"args\":[1,2,3,4,5,6,7,8,9,10,11,\"-0x100\"]}\n"
		"{\"function\":\"Describe\",\"args\":[-7,4294967295,-9223372036854775808,"
		"18446744073709551615,0.5,-2.25,true,\"two words\",\"YWJj\",2147483647,0,"
		"\"last\"]}\n"
		"{\"function\":\"Sum12\",\"args\":[1,2]}\n";
	struct outcome o = hlrun_in(in, strlen(in), "--batch", GUEST, NULL);

	cr_assert_eq(o.status, 2, "%d %s", o.status, o.err);
	cr_assert_str_eq(o.out,
		"{\"ok\":true,\"type\":\"i32\",\"value\":10}\n"
		"{\"ok\":true,\"type\":\"i64\",\"value\":-190}\n"
		"{\"ok\":true,\"type\":\"string\",\"value\":\"-7 4294967295 -9223372036854775808 "
		"18446744073709551615 0.5 -2.25 true two words 616263 2147483647 0 last\"}\n"
		"{\"ok\":false,\"error\":{\"class\":\"usage\",\"status\":2,\"message\":\"Sum12 "
		"takes 12 arguments, got 2: Sum12(i64, i64, i64, i64, i64, i64, i64, i64, i64, "
		"i64, i64, i64) -> i64\"}}\n");
	outcome_free(&o);
}
