/* Unit tests of cli/: exit statuses, options, durations, argument conversion, printing. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/units.h"

/* ---- Exit statuses ------------------------------------------------------------------------ */

Test(cli, exit_status_of_every_class)
{
	static const struct { enum hl_err err; int status; } table[] = {
		{ HL_OK, 0 }, { HL_E_GUEST, 1 }, { HL_E_USAGE, 2 }, { HL_E_INVALID, 3 },
		{ HL_E_CRASH, 4 }, { HL_E_NOKVM, 5 }, { HL_E_TIMEOUT, 124 },
		{ HL_E_INTERNAL, 125 },
	};

	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		cr_assert_eq(cli_exit_status(table[i].err), table[i].status, "class %d",
			     table[i].err);
	cr_assert_eq(cli_exit_status((enum hl_err)99), 125);
}

/* ---- Options ---------------------------------------------------------------------------- */

/* A command line split at spaces into a mutable argv. */
struct cmd {
	char text[160];
	char *argv[24];
	int argc;
};

static void split(struct cmd *c, const char *line)
{
	cr_assert_lt(strlen(line), sizeof c->text);
	strcpy(c->text, line);
	c->argc = 0;
	for (char *w = strtok(c->text, " "); w != NULL; w = strtok(NULL, " ")) {
		cr_assert_lt(c->argc, 23);
		c->argv[c->argc++] = w;
	}
	c->argv[c->argc] = NULL;
}

struct want {
	const char *guest, *function;
	const char *args; /* the ARG operands joined by spaces */
	int nargs;
	uint64_t timeout_ms;
	bool list, stats, help, version;
};

static void assert_str_or_null(const char *got, const char *want, const char *what)
{
	if (want == NULL)
		cr_assert_null(got, "%s: %s", what, got);
	else
		cr_assert_str_eq(got, want, "%s", what);
}

/* Parses line and checks every field of the result. */
static void assert_parses(const char *line, struct want w)
{
	struct cmd c;
	struct cli_opts o;
	struct hl_diag d = { 0 };
	char args[160] = "";

	split(&c, line);
	cr_assert_eq(cli_parse(c.argc, c.argv, &o, &d), HL_OK, "%s: %s", line, d.msg);
	assert_str_or_null(o.guest, w.guest, "guest");
	assert_str_or_null(o.function, w.function, "function");
	cr_assert_eq(o.nargs, w.nargs, "%s: nargs %d", line, o.nargs);
	if (w.function == NULL)
		cr_assert_null(o.args);
	else
		cr_assert_eq(o.args, c.argv + 3, "%s", line);
	for (int i = 0; i < o.nargs; i++)
		snprintf(args + strlen(args), sizeof args - strlen(args), "%s%s", i ? " " : "",
			 o.args[i]);
	cr_assert_str_eq(args, w.args ? w.args : "", "%s", line);
	cr_assert_eq(o.timeout_ms, w.timeout_ms, "%s: %llu ms", line,
		     (unsigned long long)o.timeout_ms);
	cr_assert_eq(o.list, w.list, "%s: list", line);
	cr_assert_eq(o.stats, w.stats, "%s: stats", line);
	cr_assert_eq(o.help, w.help, "%s: help", line);
	cr_assert_eq(o.version, w.version, "%s: version", line);
}

Test(cli, options_after_operands)
{
	assert_parses("hlrun G F --timeout 1s a b",
		      (struct want){ "G", "F", "a b", 2, 1000, false, false, false, false });
	assert_parses("hlrun G --stats F a -t 3s b",
		      (struct want){ "G", "F", "a b", 2, 3000, false, true, false, false });
}

Test(cli, option_values)
{
	assert_parses("hlrun --timeout=2s G F",
		      (struct want){ "G", "F", "", 0, 2000, false, false, false, false });
	assert_parses("hlrun -t 500ms G F x",
		      (struct want){ "G", "F", "x", 1, 500, false, false, false, false });
	assert_parses("hlrun -t 1s G F --timeout=1m",
		      (struct want){ "G", "F", "", 0, 60000, false, false, false, false });
}

Test(cli, negative_numbers_are_operands)
{
	assert_parses("hlrun G Add -5 -0x10 -.5 -0",
		      (struct want){ "G", "Add", "-5 -0x10 -.5 -0", 4, 0, false, false, false,
				     false });
	assert_parses("hlrun G EchoF64 -inf -nan -INF -NaN",
		      (struct want){ "G", "EchoF64", "-inf -nan -INF -NaN", 4, 0, false, false,
				     false, false });
}

Test(cli, dash_is_an_operand)
{
	assert_parses("hlrun G F - x -",
		      (struct want){ "G", "F", "- x -", 3, 0, false, false, false, false });
}

Test(cli, double_dash_ends_options)
{
	assert_parses("hlrun G F -- -x --timeout --",
		      (struct want){ "G", "F", "-x --timeout --", 3, 0, false, false, false,
				     false });
	assert_parses("hlrun -t 2s -- --list G F",
		      (struct want){ "--list", "G", "F", 1, 2000, false, false, false, false });
}

Test(cli, list)
{
	assert_parses("hlrun --list G",
		      (struct want){ "G", NULL, "", 0, 0, true, false, false, false });
	assert_parses("hlrun G -l",
		      (struct want){ "G", NULL, "", 0, 0, true, false, false, false });
}

Test(cli, help_and_version_need_no_operands)
{
	assert_parses("hlrun --help",
		      (struct want){ NULL, NULL, "", 0, 0, false, false, true, false });
	assert_parses("hlrun -h G",
		      (struct want){ NULL, NULL, "", 0, 0, false, false, true, false });
	assert_parses("hlrun -V",
		      (struct want){ NULL, NULL, "", 0, 0, false, false, false, true });
	assert_parses("hlrun --version --stats",
		      (struct want){ NULL, NULL, "", 0, 0, false, true, false, true });
}

struct bad_cmd {
	char line[64];
	char msg[112];
};

ParameterizedTestParameters(cli, parse_rejects)
{
	static struct bad_cmd cases[] = {
		{ "hlrun", "missing GUEST or MANIFEST" },
		{ "hlrun --stats -t 1s", "missing GUEST or MANIFEST" },
		{ "hlrun G", "missing FUNCTION (hlrun --list G shows them)" },
		{ "hlrun --list", "missing GUEST or MANIFEST" },
		{ "hlrun --list G F", "--list takes no FUNCTION or ARG" },
		{ "hlrun G F --list x", "--list takes no FUNCTION or ARG" },
		{ "hlrun G F --bogus", "unknown option --bogus" },
		{ "hlrun -x G F", "unknown option -x" },
		{ "hlrun G F -t5s", "unknown option -t5s" },
		{ "hlrun G F -t", "option -t needs a value" },
		{ "hlrun G F --timeout", "option --timeout needs a value" },
		{ "hlrun --list=1 G", "option --list takes no value" },
		{ "hlrun --check G F", "--check takes no FUNCTION or ARG" },
		{ "hlrun --check --list G", "--list, --check, --batch and --save-snapshot exclude "
					    "each other" },
		{ "hlrun --batch --save-snapshot S G", "--list, --check, --batch and "
						       "--save-snapshot exclude each other" },
		{ "hlrun --batch G F", "--batch takes no FUNCTION or ARG" },
		{ "hlrun --save-snapshot S G F 1", "--save-snapshot takes no FUNCTION or ARG" },
		{ "hlrun --save-snapshot", "option --save-snapshot needs a value" },
		{ "hlrun --keep-state G F", "--keep-state needs --batch" },
		{ "hlrun --batch=1 G", "option --batch takes no value" },
		{ "hlrun --batch", "missing GUEST or MANIFEST" },
		{ "hlrun -m a -m b F", "option -m given twice" },
		{ "hlrun -m M", "missing FUNCTION (hlrun --list M shows them)" },
		{ "hlrun --stats=yes G F", "option --stats takes no value" },
		{ "hlrun G F -t 2x", "bad duration '2x' (use a number with ms, s, m or h, e.g. 500ms "
				     "or 2s)" },
		{ "hlrun --timeout= G F", "bad duration '' (use a number with ms, s, m or h, e.g. "
					  "500ms or 2s)" },
		{ "hlrun -t 0 G F", "duration '0' is zero" },
		{ "hlrun G F -t 25h", "duration '25h' is longer than the maximum (24h)" },
		{ "hlrun G F --heap 0", "size '0' is zero" },
		{ "hlrun G F --stack 1T", "bad size '1T' (use bytes or a number with K, KiB, M, "
					  "MiB, G or GiB, e.g. 64KiB)" },
		{ "hlrun G F --input-size 99999999999999999999", "size '99999999999999999999' is "
								 "too large" },
	};

	return cr_make_param_array(struct bad_cmd, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_cmd *c, cli, parse_rejects)
{
	struct cmd cmd;
	struct cli_opts o;
	struct hl_diag d = { 0 };

	split(&cmd, c->line);
	cr_assert_eq(cli_parse(cmd.argc, cmd.argv, &o, &d), HL_E_USAGE, "%s", c->line);
	cr_assert_eq(d.err, HL_E_USAGE);
	cr_assert_str_eq(d.msg, c->msg, "%s", c->line);
}

/* ---- Durations -------------------------------------------------------------------------- */

enum dur_result { DUR_OK, DUR_BAD, DUR_ZERO, DUR_LONG };

struct dur_case {
	char text[24];
	enum dur_result result;
	uint64_t ms;
};

ParameterizedTestParameters(cli, duration)
{
	static struct dur_case cases[] = {
		{ "1s", DUR_OK, 1000 },
		{ "1", DUR_OK, 1000 },
		{ "250ms", DUR_OK, 250 },
		{ "1.5s", DUR_OK, 1500 },
		{ "2m", DUR_OK, 120000 },
		{ "0.5m", DUR_OK, 30000 },
		{ "0.0001s", DUR_OK, 1 },  /* rounds up */
		{ "0.5ms", DUR_OK, 1 },
		{ "1e3ms", DUR_OK, 1000 },
		{ "1.1s", DUR_OK, 1100 },
		{ "2.007s", DUR_OK, 2007 },
		{ "86400s", DUR_OK, 86400000 },
		{ "1440m", DUR_OK, 86400000 },
		{ "86400000ms", DUR_OK, 86400000 },
		{ "86401s", DUR_LONG, 0 },
		{ "86400.001s", DUR_LONG, 0 },
		{ "86400001ms", DUR_LONG, 0 },
		{ "1441m", DUR_LONG, 0 },
		{ "0", DUR_ZERO, 0 },
		{ "0s", DUR_ZERO, 0 },
		{ "0ms", DUR_ZERO, 0 },
		{ "-1s", DUR_BAD, 0 },
		{ "-0", DUR_BAD, 0 },
		{ "+1s", DUR_BAD, 0 },
		{ " 1s", DUR_BAD, 0 },
		{ "1h", DUR_OK, 3600000 },
		{ "24h", DUR_OK, 86400000 },
		{ "25h", DUR_LONG, 0 },
		{ "s", DUR_BAD, 0 },
		{ "ms", DUR_BAD, 0 },
		{ "", DUR_BAD, 0 },
		{ "1 s", DUR_BAD, 0 },
		{ "1s ", DUR_BAD, 0 },
		{ "1sec", DUR_BAD, 0 },
		{ "1S", DUR_BAD, 0 },
		{ "nan", DUR_BAD, 0 },
		{ "inf", DUR_BAD, 0 },
		{ "infs", DUR_BAD, 0 },
		{ "1e999s", DUR_BAD, 0 },
	};

	return cr_make_param_array(struct dur_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct dur_case *c, cli, duration)
{
	struct hl_diag d = { 0 };
	uint64_t ms = 777;
	enum hl_err err = hl_parse_duration(c->text, &ms, &d);
	char want[160];

	if (c->result == DUR_OK) {
		cr_assert_eq(err, HL_OK, "'%s': %s", c->text, d.msg);
		cr_assert_eq(ms, c->ms, "'%s': got %llu ms, want %llu", c->text,
			     (unsigned long long)ms, (unsigned long long)c->ms);
		return;
	}
	if (c->result == DUR_BAD)
		snprintf(want, sizeof want, "bad duration '%s' (use a number with ms, s, m or h, "
			 "e.g. 500ms or 2s)", c->text);
	else if (c->result == DUR_ZERO)
		snprintf(want, sizeof want, "duration '%s' is zero", c->text);
	else
		snprintf(want, sizeof want, "duration '%s' is longer than the maximum (24h)",
			 c->text);
	cr_assert_eq(err, HL_E_USAGE, "'%s' accepted as %llu ms", c->text,
		     (unsigned long long)ms);
	cr_assert_str_eq(d.msg, want);
}

/* ---- Argument conversion: helpers ---------------------------------------------------------- */

static struct hl_export export_of(const char *name, uint8_t ret, int nparams,
				  const uint8_t *params)
{
	struct hl_export e = { .ret = ret, .nparams = (uint8_t)nparams };

	cr_assert_lt(strlen(name), sizeof e.name);
	strcpy(e.name, name);
	if (nparams > 0)
		memcpy(e.params, params, (size_t)nparams);
	return e;
}

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

/* ---- Integers ------------------------------------------------------------------------------ */

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
		{ HL_T_I32, "1.0" }, { HL_T_I32, "1e3" }, { HL_T_I32, "99999999999999999999999" },
		/* Only digits of the base: 'a' is no decimal digit, 'g' no hexadecimal one. */
		{ HL_T_I32, "9a" }, { HL_T_I32, "1:" }, { HL_T_I32, "0x1g" }, { HL_T_I32, "0x1G" },
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

	cr_assert_eq(convert2(c->type, c->text, &v, &d), HL_E_USAGE, "%s '%s' accepted as %#llx",
		     hlw_type_name(c->type), c->text, (unsigned long long)int_bits(&v));
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

/* ---- Floats and bools ---------------------------------------------------------------------- */

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
		cr_assert(c->type == HL_T_F32 ? isnan(v.u.f32) : isnan(v.u.f64), "'%s'", c->text);
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

/* ---- Strings, bytes, files and counts --------------------------------------------------- */

/* Converts the single argument arg of type type with the given limit. */
static enum hl_err convert1(uint8_t type, char *arg, uint64_t limit, struct hl_value *v,
			    struct cli_argmem *m, struct hl_diag *d)
{
	struct hl_export e = export_of("F", HL_T_VOID, 1, &type);

	return cli_convert(&e, &arg, 1, limit, v, m, d);
}

Test(cli, string_and_bytes_are_verbatim)
{
	char s[] = " -5 @x\tend\n", b[] = "@", dash2[] = "--";
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	cr_assert_eq(convert1(HL_T_STRING, s, 4, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.type, HL_T_STRING);
	cr_assert_eq(v.data, (const uint8_t *)s);
	cr_assert_eq(v.len, strlen(s));
	cr_assert_eq(convert1(HL_T_STRING, b, 4, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.data, (const uint8_t *)b);
	cr_assert_eq(v.len, 1);
	cr_assert_eq(convert1(HL_T_BYTES, dash2, 4, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.type, HL_T_BYTES);
	cr_assert_eq(v.data, (const uint8_t *)dash2);
	cr_assert_eq(v.len, 2);
	cr_assert_eq(m.n, 0);
}

Test(cli, empty_string_and_bytes)
{
	char s[] = "";
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	cr_assert_eq(convert1(HL_T_STRING, s, 0, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.len, 0);
	cr_assert_eq(convert1(HL_T_BYTES, s, 0, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.len, 0);
}

/* Writes len bytes of data to a new temporary file; its path goes into path. */
static void temp_file(char *path, size_t cap, const void *data, size_t len)
{
	int fd;

	cr_assert_lt((size_t)snprintf(path, cap, "/tmp/hlrun-test-cli-XXXXXX"), cap);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

Test(cli, bytes_from_file)
{
	static const uint8_t content[] = { 0, 1, 2, '@', 0, 0xff, '\n', 0 };
	char path[64], arg[80];
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	temp_file(path, sizeof path, content, sizeof content);
	snprintf(arg, sizeof arg, "@%s", path);
	cr_assert_eq(convert1(HL_T_BYTES, arg, sizeof content, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.type, HL_T_BYTES);
	cr_assert_eq(v.len, sizeof content);
	cr_assert_arr_eq(v.data, content, sizeof content);
	cr_assert_eq(m.n, 1);
	cr_assert_eq(v.data, m.blocks[0]);
	cli_argmem_free(&m);
	cr_assert_eq(m.n, 0);
	unlink(path);
}

Test(cli, bytes_from_file_larger_than_a_read)
{
	enum { N = 20000 };
	uint8_t *content = malloc(N);
	char path[64], arg[80];
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	cr_assert_not_null(content);
	for (size_t i = 0; i < N; i++)
		content[i] = (uint8_t)(i * 31 + i / 256);
	temp_file(path, sizeof path, content, N);
	snprintf(arg, sizeof arg, "@%s", path);
	cr_assert_eq(convert1(HL_T_BYTES, arg, N, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.len, N);
	cr_assert_arr_eq(v.data, content, N);
	cli_argmem_free(&m);
	cr_assert_eq(convert1(HL_T_BYTES, arg, N - 1, &v, &m, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg + strlen(path), " has more than 19999 bytes, the input buffer "
			 "size; raise --input-size");
	cr_assert_eq(strncmp(d.msg, path, strlen(path)), 0, "%s", d.msg);
	cli_argmem_free(&m);
	unlink(path);
	free(content);
}

Test(cli, bytes_file_over_the_limit)
{
	char path[64], arg[80], want[160];
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	temp_file(path, sizeof path, "abcd", 4);
	snprintf(arg, sizeof arg, "@%s", path);
	cr_assert_eq(convert1(HL_T_BYTES, arg, 3, &v, &m, &d), HL_E_USAGE);
	snprintf(want, sizeof want, "%s has more than 3 bytes, the input buffer size; raise "
		 "--input-size", path);
	cr_assert_str_eq(d.msg, want);
	cli_argmem_free(&m);
	unlink(path);
}

Test(cli, bytes_file_missing_or_a_directory)
{
	char dir[] = "/tmp/hlrun-test-cli-XXXXXX", arg[80], want[160];
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(arg, sizeof arg, "@%s/missing", dir);
	cr_assert_eq(convert1(HL_T_BYTES, arg, 100, &v, &m, &d), HL_E_USAGE);
	snprintf(want, sizeof want, "%s/missing: No such file or directory", dir);
	cr_assert_str_eq(d.msg, want);
	snprintf(arg, sizeof arg, "@%s", dir);
	cr_assert_eq(convert1(HL_T_BYTES, arg, 100, &v, &m, &d), HL_E_USAGE);
	snprintf(want, sizeof want, "%s: is a directory", dir);
	cr_assert_str_eq(d.msg, want);
	cr_assert_eq(m.n, 0);
	rmdir(dir);
}

Test(cli, at_sign_is_a_file_only_for_bytes)
{
	char arg[] = "@/nonexistent/file";
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	cr_assert_eq(convert1(HL_T_STRING, arg, 100, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.data, (const uint8_t *)arg);
	cr_assert_eq(v.len, strlen(arg));
	cr_assert_eq(m.n, 0);
}

static void assert_count_message(const struct hl_export *e, int nargs, const char *want)
{
	char a[] = "1", b[] = "2";
	char *args[] = { a, b };
	struct hl_value vals[HL_MAX_PARAMS];
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };

	cr_assert_eq(cli_convert(e, args, nargs, 100, vals, &m, &d), HL_E_USAGE, "%s", want);
	cr_assert_str_eq(d.msg, want);
	cr_assert_eq(m.n, 0);
}

Test(cli, wrong_argument_count_shows_the_signature)
{
	struct hl_export add = export_of("Add", HL_T_I32, 2, (const uint8_t[]){ HL_T_I32,
									  HL_T_I32 });
	struct hl_export one = export_of("One", HL_T_VOID, 1, (const uint8_t[]){ HL_T_STRING });
	struct hl_export zero = export_of("Zero", HL_T_U64, 0, NULL);

	assert_count_message(&add, 1, "Add takes 2 arguments, got 1: Add(i32, i32) -> i32");
	assert_count_message(&add, 0, "Add takes 2 arguments, got 0: Add(i32, i32) -> i32");
	assert_count_message(&one, 2, "One takes 1 argument, got 2: One(string) -> void");
	assert_count_message(&zero, 1, "Zero takes 0 arguments, got 1: Zero() -> u64");
}

Test(cli, every_type_in_one_call)
{
	static const uint8_t types[HL_MAX_PARAMS] = { HL_T_I32, HL_T_U32, HL_T_I64, HL_T_U64,
		HL_T_F32, HL_T_F64, HL_T_BOOL, HL_T_STRING, HL_T_BYTES, HL_T_I32, HL_T_BOOL,
		HL_T_STRING };
	char w[HL_MAX_PARAMS][24] = { "-1", "0x10", "-2", "3", "0.5", "-2.5", "false", "str",
				      "byt", "7", "true", "" };
	char *args[HL_MAX_PARAMS];
	struct hl_export e = export_of("Every", HL_T_VOID, HL_MAX_PARAMS, types);
	struct hl_value v[HL_MAX_PARAMS];
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };

	for (int i = 0; i < HL_MAX_PARAMS; i++)
		args[i] = w[i];
	cr_assert_eq(cli_convert(&e, args, HL_MAX_PARAMS, 100, v, &m, &d), HL_OK, "%s", d.msg);
	for (int i = 0; i < HL_MAX_PARAMS; i++)
		cr_assert_eq(v[i].type, types[i], "argument %d", i + 1);
	cr_assert_eq(v[0].u.i32, -1);
	cr_assert_eq(v[1].u.u32, 16);
	cr_assert_eq(v[2].u.i64, -2);
	cr_assert_eq(v[3].u.u64, 3);
	cr_assert_eq(v[4].u.f32, 0.5f);
	cr_assert_eq(v[5].u.f64, -2.5);
	cr_assert_eq(v[6].u.b, false);
	cr_assert_eq(v[7].data, (const uint8_t *)w[7]);
	cr_assert_eq(v[7].len, 3);
	cr_assert_eq(v[8].data, (const uint8_t *)w[8]);
	cr_assert_eq(v[9].u.i32, 7);
	cr_assert_eq(v[10].u.b, true);
	cr_assert_eq(v[11].len, 0);
}

/* ---- Standard input ------------------------------------------------------------------------ */

/* Makes fd 0 read the len bytes at data (each test runs in its own process). */
static void stdin_from(const void *data, size_t len)
{
	FILE *f = tmpfile();

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fflush(f), 0);
	cr_assert_eq(lseek(fileno(f), 0, SEEK_SET), 0);
	cr_assert_eq(dup2(fileno(f), STDIN_FILENO), STDIN_FILENO);
}

static enum hl_err convert_stdin(uint8_t type, uint64_t limit, struct hl_value *v,
				 struct cli_argmem *m, struct hl_diag *d)
{
	char dash[] = "-";

	return convert1(type, dash, limit, v, m, d);
}

Test(cli, stdin_string_is_verbatim)
{
	static const char in[] = "two\nlines\r\n\x01\xff trailing \n";
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	stdin_from(in, sizeof in - 1);
	cr_assert_eq(convert_stdin(HL_T_STRING, 100, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.type, HL_T_STRING);
	cr_assert_eq(v.len, sizeof in - 1);
	cr_assert_arr_eq(v.data, in, sizeof in); /* and NUL-terminated */
	cr_assert_eq(m.n, 1);
	cli_argmem_free(&m);
}

Test(cli, stdin_bytes_keep_nul)
{
	static const uint8_t in[] = { 0, 'a', 0, 0, 'b', '\n' };
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	stdin_from(in, sizeof in);
	cr_assert_eq(convert_stdin(HL_T_BYTES, sizeof in, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.type, HL_T_BYTES);
	cr_assert_eq(v.len, sizeof in);
	cr_assert_arr_eq(v.data, in, sizeof in);
	cli_argmem_free(&m);
}

Test(cli, stdin_empty_string)
{
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	stdin_from("", 0);
	cr_assert_eq(convert_stdin(HL_T_STRING, 0, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.len, 0);
	cli_argmem_free(&m);
}

Test(cli, stdin_scalar_may_end_with_newline)
{
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	stdin_from("42\n", 3);
	cr_assert_eq(convert_stdin(HL_T_I32, 100, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.type, HL_T_I32);
	cr_assert_eq(v.u.i32, 42);
	cli_argmem_free(&m);
	stdin_from("-7\r\n", 4);
	cr_assert_eq(convert_stdin(HL_T_I64, 100, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.u.i64, -7);
	cli_argmem_free(&m);
	stdin_from("true\n", 5);
	cr_assert_eq(convert_stdin(HL_T_BOOL, 100, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.u.b, true);
	cli_argmem_free(&m);
	stdin_from("1.5", 3);
	cr_assert_eq(convert_stdin(HL_T_F64, 100, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.u.f64, 1.5);
	cli_argmem_free(&m);
}

Test(cli, stdin_scalar_with_two_newlines_is_rejected)
{
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	stdin_from("42\n\n", 4);
	cr_assert_eq(convert_stdin(HL_T_I32, 100, &v, &m, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "F: argument 1: '42\n' is not an i32 (decimal or 0x hex, "
		       "-2147483648 to 2147483647)");
	cli_argmem_free(&m);
}

/* The whole text must be the number: a NUL does not end it early. */
Test(cli, stdin_scalar_with_nul_is_rejected)
{
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v = { 0 };

	stdin_from("7\0junk", 6);
	cr_expect_eq(convert_stdin(HL_T_I32, 100, &v, &m, &d), HL_E_USAGE,
		     "\"7\\0junk\" accepted as %d", v.u.i32);
	cr_expect_eq(d.err, HL_E_USAGE);
	cli_argmem_free(&m);
}

Test(cli, stdin_only_once)
{
	struct hl_export e = export_of("F", HL_T_VOID, 2, (const uint8_t[]){ HL_T_STRING,
									   HL_T_BYTES });
	char a[] = "-", b[] = "-";
	char *args[] = { a, b };
	struct hl_value vals[2];
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };

	stdin_from("x", 1);
	cr_assert_eq(cli_convert(&e, args, 2, 100, vals, &m, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "F: argument 2: standard input ('-') can be read only once");
	cli_argmem_free(&m);
}

Test(cli, stdin_string_with_nul_is_rejected)
{
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	stdin_from("ab\0cd", 5);
	cr_assert_eq(convert_stdin(HL_T_STRING, 100, &v, &m, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "F: argument 1: holds a NUL byte, which only a bytes parameter "
			 "accepts (this one is string)");
	cli_argmem_free(&m);
}

static void assert_stdin_over_limit(size_t n, uint64_t limit)
{
	char *in = malloc(n), want[160];
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	cr_assert_not_null(in);
	memset(in, 'z', n);
	stdin_from(in, n);
	cr_assert_eq(convert_stdin(HL_T_STRING, limit, &v, &m, &d), HL_E_USAGE, "%zu", n);
	snprintf(want, sizeof want, "argument 1 (standard input) has more than %llu bytes, "
		 "the input buffer size; raise --input-size", (unsigned long long)limit);
	cr_assert_str_eq(d.msg, want);
	cli_argmem_free(&m);
	free(in);
}

Test(cli, stdin_over_the_limit)
{
	assert_stdin_over_limit(10, 9);
	assert_stdin_over_limit(4097, 4096);
	assert_stdin_over_limit(100000, 5000);
}

Test(cli, stdin_exactly_at_the_limit)
{
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	stdin_from("0123456789", 10);
	cr_assert_eq(convert_stdin(HL_T_STRING, 10, &v, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.len, 10);
	cr_assert_arr_eq(v.data, "0123456789", 10);
	cli_argmem_free(&m);
}

/* ---- Printing ----------------------------------------------------------------------------- */

/* What cli_print writes for v, in a malloc'd buffer of *len bytes. */
static char *printed(const struct hl_value *v, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	cr_assert_not_null(f);
	cli_print(f, v);
	cr_assert_eq(fclose(f), 0);
	return buf;
}

struct print_case {
	uint8_t type;
	int64_t i;   /* i32, i64 */
	uint64_t u;  /* u32, u64 */
	double f;    /* f32 (converted), f64 */
	bool b;
	char want[48];
};

ParameterizedTestParameters(cli, print)
{
	static struct print_case cases[] = {
		{ HL_T_I32, -5, 0, 0, false, "-5\n" },
		{ HL_T_I32, INT32_MIN, 0, 0, false, "-2147483648\n" },
		{ HL_T_U32, 0, UINT32_MAX, 0, false, "4294967295\n" },
		{ HL_T_I64, INT64_MIN, 0, 0, false, "-9223372036854775808\n" },
		{ HL_T_U64, 0, UINT64_MAX, 0, false, "18446744073709551615\n" },
		{ HL_T_F64, 0, 0, 0.1, false, "0.1\n" },
		{ HL_T_F64, 0, 0, 1e300, false, "1e+300\n" },
		{ HL_T_F64, 0, 0, 100, false, "100\n" },
		{ HL_T_F64, 0, 0, 1234500, false, "1234500\n" },
		{ HL_T_F32, 0, 0, 0.00001f, false, "1e-05\n" },
		{ HL_T_F64, 0, 0, 0.0001, false, "0.0001\n" },
		{ HL_T_F64, 0, 0, -0.0, false, "-0\n" },
		{ HL_T_F64, 0, 0, 0.30000000000000004, false, "0.30000000000000004\n" },
		{ HL_T_F64, 0, 0, 123456789, false, "123456789\n" },
		{ HL_T_F64, 0, 0, 5e-324, false, "5e-324\n" },
		{ HL_T_F64, 0, 0, NAN, false, "nan\n" },
		{ HL_T_F64, 0, 0, -INFINITY, false, "-inf\n" },
		{ HL_T_F64, 0, 0, INFINITY, false, "inf\n" },
		{ HL_T_F32, 0, 0, 0.1, false, "0.1\n" },
		{ HL_T_F32, 0, 0, 16777216.0, false, "16777216\n" },
		{ HL_T_F32, 0, 0, 3.4028234663852886e38, false, "3.4028235e+38\n" },
		{ HL_T_F32, 0, 0, -0.0, false, "-0\n" },
		{ HL_T_F32, 0, 0, NAN, false, "nan\n" },
		{ HL_T_F32, 0, 0, -INFINITY, false, "-inf\n" },
		{ HL_T_BOOL, 0, 0, 0, true, "true\n" },
		{ HL_T_BOOL, 0, 0, 0, false, "false\n" },
	};

	return cr_make_param_array(struct print_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct print_case *c, cli, print)
{
	struct hl_value v = { .type = c->type };
	size_t len;
	char *out;

	switch (c->type) {
	case HL_T_I32: v.u.i32 = (int32_t)c->i; break;
	case HL_T_I64: v.u.i64 = c->i; break;
	case HL_T_U32: v.u.u32 = (uint32_t)c->u; break;
	case HL_T_U64: v.u.u64 = c->u; break;
	case HL_T_F32: v.u.f32 = (float)c->f; break;
	case HL_T_F64: v.u.f64 = c->f; break;
	default: v.u.b = c->b; break;
	}
	out = printed(&v, &len);
	cr_assert_eq(len, strlen(c->want), "got \"%s\", want \"%s\"", out, c->want);
	cr_assert_str_eq(out, c->want);
	free(out);
}

Test(cli, print_string_adds_a_newline)
{
	struct hl_value v = { .type = HL_T_STRING, .len = 5, .data = (const uint8_t *)"hello" };
	size_t len;
	char *out = printed(&v, &len);

	cr_assert_eq(len, 6);
	cr_assert_str_eq(out, "hello\n");
	free(out);
	v.len = 0;
	out = printed(&v, &len);
	cr_assert_eq(len, 1);
	cr_assert_str_eq(out, "\n");
	free(out);
}

Test(cli, print_bytes_raw)
{
	static const uint8_t data[] = { 'a', 0, 0xff, 0, '\n', 'b' };
	struct hl_value v = { .type = HL_T_BYTES, .len = sizeof data, .data = data };
	size_t len;
	char *out = printed(&v, &len);

	cr_assert_eq(len, sizeof data);
	cr_assert_arr_eq(out, data, sizeof data);
	free(out);
}

Test(cli, print_void_prints_nothing)
{
	struct hl_value v = { .type = HL_T_VOID };
	size_t len = 99;
	char *out = printed(&v, &len);

	cr_assert_eq(len, 0);
	free(out);
}

/* ---- Signatures ----------------------------------------------------------------------------- */

Test(cli, signatures)
{
	static const uint8_t many[HL_MAX_PARAMS] = { HL_T_I32, HL_T_U32, HL_T_I64, HL_T_U64,
		HL_T_F32, HL_T_F64, HL_T_BOOL, HL_T_STRING, HL_T_BYTES, HL_T_I32, HL_T_U32,
		HL_T_I64 };
	struct hl_export zero = export_of("Zero", HL_T_U64, 0, NULL);
	struct hl_export one = export_of("One", HL_T_VOID, 1, (const uint8_t[]){ HL_T_STRING });
	struct hl_export twelve = export_of("Many", HL_T_BYTES, HL_MAX_PARAMS, many);
	char buf[256];

	cli_signature(&zero, buf, sizeof buf);
	cr_assert_str_eq(buf, "Zero() -> u64");
	cli_signature(&one, buf, sizeof buf);
	cr_assert_str_eq(buf, "One(string) -> void");
	cli_signature(&twelve, buf, sizeof buf);
	cr_assert_str_eq(buf, "Many(i32, u32, i64, u64, f32, f64, bool, string, bytes, i32, u32, "
			 "i64) -> bytes");
}

Test(cli, signature_truncates_to_the_buffer)
{
	static const uint8_t many[HL_MAX_PARAMS] = { HL_T_STRING };
	struct hl_export e = export_of("Many", HL_T_BYTES, HL_MAX_PARAMS, many);
	char buf[32];

	memset(buf, 'X', sizeof buf);
	cli_signature(&e, buf, 8);
	cr_assert_str_eq(buf, "Many(st");
	cr_assert_eq(buf[8], 'X');
	cli_signature(&e, buf, 1);
	cr_assert_str_eq(buf, "");
	cli_signature(&e, buf, 21);
	cr_assert_str_eq(buf, "Many(string, void, v");
}

/* ---- Manifest options ----------------------------------------------------------------------- */

Test(cli, manifest_option_and_allow_list)
{
	struct cmd c;
	struct cli_opts o;
	struct hl_diag d = { 0 };

	split(&c, "hlrun --allow GetEnv -m m.yaml Echo --allow=ReadFile x --heap 1M");
	cr_assert_eq(cli_parse(c.argc, c.argv, &o, &d), HL_OK, "%s", d.msg);
	cr_assert(o.manifest);
	cr_assert_str_eq(o.guest, "m.yaml");
	cr_assert_str_eq(o.function, "Echo");
	cr_assert_eq(o.nargs, 1);
	cr_assert_str_eq(o.args[0], "x");
	cr_assert_eq(o.nallow, 2);
	cr_assert_str_eq(o.allow[0], "GetEnv");
	cr_assert_str_eq(o.allow[1], "ReadFile");
	cr_assert_eq(o.heap, 1u << 20);
}

Test(cli, check_takes_one_operand)
{
	struct cmd c;
	struct cli_opts o;
	struct hl_diag d = { 0 };

	split(&c, "hlrun --check plugin.yaml");
	cr_assert_eq(cli_parse(c.argc, c.argv, &o, &d), HL_OK, "%s", d.msg);
	cr_assert(o.check);
	cr_assert_not(o.manifest);
	cr_assert_str_eq(o.guest, "plugin.yaml");
	cr_assert_null(o.function);
}

Test(cli, too_many_allow_options)
{
	char line[600] = "hlrun";
	struct cli_opts o;
	struct hl_diag d = { 0 };
	char *argv[64];
	int argc = 0;

	argv[argc++] = line;
	for (int i = 0; i <= CLI_MAX_ALLOW; i++) {
		argv[argc++] = (char *)(uintptr_t)"--allow";
		argv[argc++] = (char *)(uintptr_t)"HostPrint";
	}
	argv[argc] = NULL;
	cr_assert_eq(cli_parse(argc, argv, &o, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "more than 16 --allow options");
}

/* ---- Messages on a terminal ------------------------------------------------------------ */

struct message_case {
	char in[48];
	char out[128];
};

ParameterizedTestParameters(cli, message_escapes_what_a_terminal_acts_on)
{
	static struct message_case cases[] = {
		{ "plain text", "plain text" },
		{ "tab\there", "tab\\x09here" },
		{ "new\nhlrun: forged", "new\\x0ahlrun: forged" },
		{ "esc\x1b[2Jclear", "esc\\x1b[2Jclear" },
		{ "del\x7f", "del\\x7f" },
		/* UTF-8 text passes; its C1 controls do not (U+009B is CSI, U+0085 NEL). */
		{ "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac" },
		{ "csi\xc2\x9b" "2J", "csi\\xc2\\x9b2J" },
		{ "nel\xc2\x85", "nel\\xc2\\x85" },
		{ "nbsp\xc2\xa0", "nbsp\xc2\xa0" },
		/* A raw C1 byte, and bytes that are no well-formed UTF-8. */
		{ "raw\x9b" "2J", "raw\\x9b2J" },
		{ "overlong\xc0\xaf", "overlong\\xc0\\xaf" },
		{ "surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80" },
		{ "past\xf4\x90\x80\x80", "past\\xf4\\x90\\x80\\x80" },
		{ "cut\xe2\x82", "cut\\xe2\\x82" },
		{ "lone\x80x", "lone\\x80x" },
		{ "4byte\xf0\x9f\x98\x80", "4byte\xf0\x9f\x98\x80" },
		/* Right-to-left override and an isolate: they reorder what is shown. */
		{ "rlo\xe2\x80\xae" "gpj", "rlo\\xe2\\x80\\xaegpj" },
		{ "fsi\xe2\x81\xa8", "fsi\\xe2\\x81\\xa8" },
		/* Each range's first and last code point, and those just outside: U+0080 to
		 * U+009F, U+061C, U+200E and U+200F, U+202A to U+202E, U+2066 to U+2069. */
		{ "\xc2\x80|\xc2\x9f|\xc2\xa0", "\\xc2\\x80|\\xc2\\x9f|\xc2\xa0" },
		{ "\xd8\x9b|\xd8\x9c|\xd8\x9d", "\xd8\x9b|\\xd8\\x9c|\xd8\x9d" },
		{ "\xe2\x80\x8d|\xe2\x80\x8e|\xe2\x80\x8f|\xe2\x80\x90",
		  "\xe2\x80\x8d|\\xe2\\x80\\x8e|\\xe2\\x80\\x8f|\xe2\x80\x90" },
		{ "\xe2\x80\xa9|\xe2\x80\xaa|\xe2\x80\xae|\xe2\x80\xaf",
		  "\xe2\x80\xa9|\\xe2\\x80\\xaa|\\xe2\\x80\\xae|\xe2\x80\xaf" },
		{ "\xe2\x81\xa5|\xe2\x81\xa6|\xe2\x81\xa9|\xe2\x81\xaa",
		  "\xe2\x81\xa5|\\xe2\\x81\\xa6|\\xe2\\x81\\xa9|\xe2\x81\xaa" },
	};
	return cr_make_param_array(struct message_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct message_case *c, cli, message_escapes_what_a_terminal_acts_on)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cli_put_message(f, c->in);
	cr_assert_eq(fclose(f), 0);
	cr_assert_str_eq(buf, c->out, "in: %s", c->in);
	free(buf);
}
