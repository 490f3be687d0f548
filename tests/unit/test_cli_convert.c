/* Unit tests of cli/'s argument conversion: integers, floats and bools. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "tests/unit/test_cli.h"

/* ---- Helpers ------------------------------------------------------------------------- */

/* Converts "true" (bool) and text (type), so that errors name argument 2. */
static enum hl_err convert2(uint8_t type, const char *text, struct hl_value *v,
			    struct hl_diag *d)
{
	struct hl_export e = export_of("F", HL_T_VOID, 2, (const uint8_t[]){ HL_T_BOOL, type });
	char first[] = "true", second[64];
	char *args[] = { first, second };
	struct hl_value vals[2];
	struct cli_argmem m = { 0 };
	enum hl_err err;

	cr_assert_lt(strlen(text), sizeof second);
	strcpy(second, text);
	err = cli_convert(&e, args, 2, 1024, vals, &m, d);
	cr_assert_eq(m.n, 0);
	if (err == HL_OK) {
		cr_assert_eq(vals[0].type, HL_T_BOOL);
		cr_assert_eq(vals[0].u.b, true);
		*v = vals[1];
	}
	return err;
}

/* The start of the message for argument 2 of F, text, not of type type. */
static void assert_bad_arg(const struct hl_diag *d, uint8_t type, const char *text)
{
	char want[160];
	const char *article = type == HL_T_I32 || type == HL_T_I64 || type == HL_T_F32 ||
			      type == HL_T_F64 ? "an" : "a";

	snprintf(want, sizeof want, "F: argument 2: '%s' is not %s %s (", text, article,
		 hlw_type_name(type));
	cr_assert_eq(d->err, HL_E_USAGE);
	cr_assert_eq(strncmp(d->msg, want, strlen(want)), 0, "got \"%s\", want \"%s...\"",
		     d->msg, want);
}

static uint64_t int_bits(const struct hl_value *v)
{
	switch (v->type) {
	case HL_T_I32: return (uint64_t)(int64_t)v->u.i32;
	case HL_T_U32: return v->u.u32;
	case HL_T_I64: return (uint64_t)v->u.i64;
	default: return v->u.u64;
	}
}

/* ---- Integers ------------------------------------------------------------------------ */

struct int_ok {
	uint8_t type;
	char text[48];
	uint64_t want; /* sign-extended for signed types */
};

ParameterizedTestParameters(cli, int_accepts)
{
	static struct int_ok cases[] = {
		{ HL_T_I32, "0", 0 },
		{ HL_T_I32, "-0", 0 },
		{ HL_T_I32, "42", 42 },
		{ HL_T_I32, "+42", 42 },
		{ HL_T_I32, "-5", (uint64_t)-5 },
		{ HL_T_I32, "08", 8 },
		{ HL_T_I32, "007", 7 },
		{ HL_T_I32, "2147483647", INT32_MAX },
		{ HL_T_I32, "-2147483648", (uint64_t)(int64_t)INT32_MIN },
		{ HL_T_I32, "0x7fffffff", INT32_MAX },
		{ HL_T_I32, "0X7FFFFFFF", INT32_MAX },
		{ HL_T_I32, "0xAbC", 0xabc },
		{ HL_T_I32, "-0x80000000", (uint64_t)(int64_t)INT32_MIN },
		{ HL_T_I32, "-0x10", (uint64_t)-16 },
		{ HL_T_U32, "0", 0 },
		{ HL_T_U32, "-0", 0 },
		{ HL_T_U32, "-0x0", 0 },
		{ HL_T_U32, "4294967295", UINT32_MAX },
		{ HL_T_U32, "0xffffffff", UINT32_MAX },
		{ HL_T_U32, "0XFFFFFFFF", UINT32_MAX },
		{ HL_T_U32, "08", 8 },
		{ HL_T_I64, "0", 0 },
		{ HL_T_I64, "9223372036854775807", INT64_MAX },
		{ HL_T_I64, "-9223372036854775808", (uint64_t)INT64_MIN },
		{ HL_T_I64, "0x7fffffffffffffff", INT64_MAX },
		{ HL_T_I64, "-0x8000000000000000", (uint64_t)INT64_MIN },
		{ HL_T_I64, "-1", UINT64_MAX },
		{ HL_T_U64, "0", 0 },
		{ HL_T_U64, "-0", 0 },
		{ HL_T_U64, "18446744073709551615", UINT64_MAX },
		{ HL_T_U64, "0xffffffffffffffff", UINT64_MAX },
		{ HL_T_U64, "0XFFFFFFFFFFFFFFFF", UINT64_MAX },
		{ HL_T_U64, "00000000000000000000000000000001", 1 },
	};

	return cr_make_param_array(struct int_ok, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct int_ok *c, cli, int_accepts)
{
	struct hl_diag d = { 0 };
	struct hl_value v;

	cr_assert_eq(convert2(c->type, c->text, &v, &d), HL_OK, "%s '%s': %s",
		     hlw_type_name(c->type), c->text, d.msg);
	cr_assert_eq(v.type, c->type);
	cr_assert_eq(int_bits(&v), c->want, "%s '%s': got %#llx", hlw_type_name(c->type),
		     c->text, (unsigned long long)int_bits(&v));
}

struct bad_arg {
	uint8_t type;
	char text[48];
};

ParameterizedTestParameters(cli, int_rejects)
{
	static struct bad_arg cases[] = {
		{ HL_T_I32, "2147483648" }, { HL_T_I32, "-2147483649" },
		{ HL_T_I32, "0x80000000" }, { HL_T_I32, "-0x80000001" },
		{ HL_T_I32, "0xffffffff" }, { HL_T_I32, "" }, { HL_T_I32, " 1" },
		{ HL_T_I32, "1 " }, { HL_T_I32, "\t1" }, { HL_T_I32, "1x" },
		{ HL_T_I32, "0x" }, { HL_T_I32, "0xg" }, { HL_T_I32, "0x 1" },
		{ HL_T_I32, "0x-1" }, { HL_T_I32, "0x0x10" }, { HL_T_I32, "--1" },
		{ HL_T_I32, "-+1" }, { HL_T_I32, "+-1" }, { HL_T_I32, "+" },
		{ HL_T_I32, "1.0" }, { HL_T_I32, "1e3" },
		{ HL_T_I32, "99999999999999999999999" },
		/* Only digits of the base: 'a' is no decimal digit, 'g' no hexadecimal one. */
		{ HL_T_I32, "9a" }, { HL_T_I32, "1:" }, { HL_T_I32, "0x1g" },
		{ HL_T_I32, "0x1G" },
		{ HL_T_U64, "10a" }, { HL_T_I64, "-9a" },
		{ HL_T_U32, "4294967296" }, { HL_T_U32, "0x100000000" }, { HL_T_U32, "-1" },
		{ HL_T_U32, "-0x1" }, { HL_T_U32, "" }, { HL_T_U32, "1x" }, { HL_T_U32, "0x" },
		{ HL_T_U32, "--1" }, { HL_T_U32, " 1" },
		{ HL_T_I64, "9223372036854775808" }, { HL_T_I64, "-9223372036854775809" },
		{ HL_T_I64, "0x8000000000000000" }, { HL_T_I64, "18446744073709551616" },
		{ HL_T_I64, "" }, { HL_T_I64, "1 " }, { HL_T_I64, "--1" },
		{ HL_T_U64, "18446744073709551616" }, { HL_T_U64, "0x10000000000000000" },
		{ HL_T_U64, "-1" }, { HL_T_U64, "-18446744073709551615" },
		{ HL_T_U64, "99999999999999999999999999999999" }, { HL_T_U64, "0x" },
		{ HL_T_U64, "1x" }, { HL_T_U64, "" },
	};

	return cr_make_param_array(struct bad_arg, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_arg *c, cli, int_rejects)
{
	struct hl_diag d = { 0 };
	struct hl_value v = { 0 };

	cr_assert_eq(convert2(c->type, c->text, &v, &d), HL_E_USAGE,
		     "%s '%s' accepted as %#llx", hlw_type_name(c->type), c->text,
		     (unsigned long long)int_bits(&v));
	assert_bad_arg(&d, c->type, c->text);
}

Test(cli, int_message_is_complete)
{
	struct hl_diag d = { 0 };
	struct hl_value v;

	cr_assert_eq(convert2(HL_T_I32, "1x", &v, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "F: argument 2: '1x' is not an i32 (decimal or 0x hex, "
		       "-2147483648 to 2147483647)");
	cr_assert_eq(convert2(HL_T_U64, "-1", &v, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "F: argument 2: '-1' is not a u64 (decimal or 0x hex, 0 to "
		       "18446744073709551615)");
}

/* ---- Floats and bools ---------------------------------------------------------------- */

struct float_ok {
	uint8_t type;
	char text[40];
	double want; /* converted to float for f32; NaN matches any NaN */
};

ParameterizedTestParameters(cli, float_accepts)
{
	static struct float_ok cases[] = {
		{ HL_T_F32, "0.1", 0.1 },
		{ HL_T_F32, "-1e-3", -1e-3 },
		{ HL_T_F32, "1", 1 },
		{ HL_T_F32, "-0", -0.0 },
		{ HL_T_F32, "inf", INFINITY },
		{ HL_T_F32, "-inf", -INFINITY },
		{ HL_T_F32, "infinity", INFINITY },
		{ HL_T_F32, "nan", NAN },
		{ HL_T_F32, "1e38", 1e38 },
		{ HL_T_F32, "3.4028235e38", 3.4028234663852886e38 },
		{ HL_T_F32, "16777217", 16777216 },
		{ HL_T_F64, "0.1", 0.1 },
		{ HL_T_F64, "-1e-3", -1e-3 },
		{ HL_T_F64, "-0", -0.0 },
		{ HL_T_F64, "inf", INFINITY },
		{ HL_T_F64, "-inf", -INFINITY },
		{ HL_T_F64, "nan", NAN },
		{ HL_T_F64, "1e39", 1e39 },
		{ HL_T_F64, "1e308", 1e308 },
		{ HL_T_F64, "1.7976931348623157e308", 1.7976931348623157e308 },
		{ HL_T_F64, "5e-324", 5e-324 },
		{ HL_T_F64, "42", 42 },
	};

	return cr_make_param_array(struct float_ok, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct float_ok *c, cli, float_accepts)
{
	struct hl_diag d = { 0 };
	struct hl_value v;
	float want32 = (float)c->want;

	cr_assert_eq(convert2(c->type, c->text, &v, &d), HL_OK, "'%s': %s", c->text, d.msg);
	cr_assert_eq(v.type, c->type);
	if (isnan(c->want))
		cr_assert(c->type == HL_T_F32 ? isnan(v.u.f32) : isnan(v.u.f64), "'%s'",
			  c->text);
	else if (c->type == HL_T_F32)
		cr_assert_eq(memcmp(&v.u.f32, &want32, 4), 0, "'%s': %a", c->text, v.u.f32);
	else
		cr_assert_eq(memcmp(&v.u.f64, &c->want, 8), 0, "'%s': %a", c->text, v.u.f64);
}

ParameterizedTestParameters(cli, float_rejects)
{
	static struct bad_arg cases[] = {
		{ HL_T_F32, "1e39" }, { HL_T_F32, "-1e39" }, { HL_T_F32, "abc" },
		{ HL_T_F32, "" }, { HL_T_F32, " 1" }, { HL_T_F32, "1 " }, { HL_T_F32, "\t1" },
		{ HL_T_F32, "1.5x" }, { HL_T_F32, "--1" }, { HL_T_F32, "1e" },
		{ HL_T_F64, "1e309" }, { HL_T_F64, "-1e309" }, { HL_T_F64, "abc" },
		{ HL_T_F64, "" }, { HL_T_F64, " 1" }, { HL_T_F64, "1 " }, { HL_T_F64, "\n1" },
		{ HL_T_F64, "1,5" }, { HL_T_F64, "." }, { HL_T_F64, "--0" },
	};

	return cr_make_param_array(struct bad_arg, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_arg *c, cli, float_rejects)
{
	struct hl_diag d = { 0 };
	struct hl_value v = { 0 };

	cr_assert_eq(convert2(c->type, c->text, &v, &d), HL_E_USAGE, "%s '%s' accepted",
		     hlw_type_name(c->type), c->text);
	assert_bad_arg(&d, c->type, c->text);
}

Test(cli, bool_accepts_true_and_false_only)
{
	static const char *const bad[] = { "True", "FALSE", "1", "0", "yes", "", "true ",
					   " false", "t" };
	struct hl_diag d = { 0 };
	struct hl_value v;

	cr_assert_eq(convert2(HL_T_BOOL, "true", &v, &d), HL_OK);
	cr_assert_eq(v.type, HL_T_BOOL);
	cr_assert_eq(v.u.b, true);
	cr_assert_eq(convert2(HL_T_BOOL, "false", &v, &d), HL_OK);
	cr_assert_eq(v.u.b, false);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(convert2(HL_T_BOOL, bad[i], &v, &d), HL_E_USAGE, "'%s'", bad[i]);
		assert_bad_arg(&d, HL_T_BOOL, bad[i]);
	}
	cr_assert_str_eq(d.msg, "F: argument 2: 't' is not a bool (true or false)");
}
