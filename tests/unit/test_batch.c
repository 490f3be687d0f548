/* Unit tests of batch mode's line format: parsing input lines against the sample guest's
 * exports, and the exact text of answer lines. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tests/guests/paths.h"

/* Built by `make` (make check builds it before the unit tests). */

static struct ldr_guest *guest;

static void open_guest(void)
{
	struct hl_diag d = { 0 };

	cr_assert_eq(ldr_open(GUEST, &guest, &d), HL_OK, "%s (run make first)", d.msg);
}

static void close_guest(void)
{
	ldr_close(guest);
}

TestSuite(batch, .init = open_guest, .fini = close_guest);

static enum hl_err parse_n(const char *line, size_t len, uint64_t limit,
			   struct cli_batch_call *c, struct cli_argmem *m, struct hl_diag *d)
{
	memset(c, 0x5a, sizeof *c); /* the parser must set what it reports */
	return cli_batch_parse(line, len, guest, limit, c, m, d);
}

static enum hl_err parse(const char *line, struct cli_batch_call *c, struct cli_argmem *m,
			 struct hl_diag *d)
{
	return parse_n(line, strlen(line), 1024, c, m, d);
}

/* Runs print (a cli_batch_print_* call on f) and returns what it wrote, NUL-terminated,
 * in buf. */
#define CAPTURE(buf, print)                                                            \
	do {                                                                           \
		FILE *f = fmemopen(buf, sizeof buf, "w");                              \
		cr_assert_not_null(f);                                                 \
		print;                                                                 \
		cr_assert_eq(fclose(f), 0);                                            \
	} while (0)

/* The JSON value text of each argument of c, as an answer carries it, joined by spaces. */
static void values_of(const struct cli_batch_call *c, char *out, size_t cap)
{
	struct cli_batch_call bare = { 0 };
	char line[256];
	const char *prefix = "\"value\":";

	out[0] = '\0';
	for (int i = 0; i < c->e->nparams; i++) {
		CAPTURE(line, cli_batch_print_result(f, &bare, &c->args[i], NULL));
		cr_assert_not_null(strstr(line, prefix), "%s", line);
		cr_assert_eq(strcmp(line + strlen(line) - 2, "}\n"), 0, "%s", line);
		line[strlen(line) - 2] = '\0';
		snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "",
			 strstr(line, prefix) + strlen(prefix));
	}
}

/* ---- Lines that parse --------------------------------------------------------------- */

struct accept {
	char line[160];
	char id[48];      /* c->id after parsing */
	char values[112]; /* each argument as an answer would print it */
};

ParameterizedTestParameters(batch, accepts)
{
	static struct accept cases[] = {
		{ "{\"function\":\"EchoI32\",\"args\":[0]}", "", "0" },
		{ "{\"function\":\"EchoI32\",\"args\":[-2147483648]}", "", "-2147483648" },
		{ "{\"function\":\"EchoI32\",\"args\":[2147483647]}", "", "2147483647" },
		{ "{\"function\":\"EchoI32\",\"args\":[\"0x7fffffff\"]}", "", "2147483647" },
		{ "{\"function\":\"EchoI32\",\"args\":[\"-0x80000000\"]}", "", "-2147483648" },
		{ "{\"function\":\"EchoI32\",\"args\":[-0]}", "", "0" },
		{ "{\"function\":\"EchoU32\",\"args\":[4294967295]}", "", "4294967295" },
		{ "{\"function\":\"EchoU32\",\"args\":[\"0XFFFFFFFF\"]}", "", "4294967295" },
		{ "{\"function\":\"EchoI64\",\"args\":[-9223372036854775808]}", "",
		  "-9223372036854775808" },
		{ "{\"function\":\"EchoI64\",\"args\":[9223372036854775807]}", "",
		  "9223372036854775807" },
		{ "{\"function\":\"EchoI64\",\"args\":[\"-0x8000000000000000\"]}", "",
		  "-9223372036854775808" },
		{ "{\"function\":\"EchoU64\",\"args\":[18446744073709551615]}", "",
		  "18446744073709551615" },
		{ "{\"function\":\"EchoU64\",\"args\":[\"0xffffffffffffffff\"]}", "",
		  "18446744073709551615" },
		{ "{\"function\":\"EchoU64\",\"args\":[\"000000000000000000000000000000000000000"
		  "000000000001\"]}", "", "1" },
		{ "{\"function\":\"EchoF32\",\"args\":[1e-45]}", "", "1e-45" },
		{ "{\"function\":\"EchoF32\",\"args\":[0.1]}", "", "0.1" },
		{ "{\"function\":\"EchoF32\",\"args\":[-0.0]}", "", "-0" },
		{ "{\"function\":\"EchoF32\",\"args\":[3.4028235e38]}", "", "3.4028235e+38" },
		{ "{\"function\":\"EchoF32\",\"args\":[16777217]}", "", "16777216" },
		{ "{\"function\":\"EchoF32\",\"args\":[\"inf\"]}", "", "\"inf\"" },
		{ "{\"function\":\"EchoF32\",\"args\":[\"-inf\"]}", "", "\"-inf\"" },
		{ "{\"function\":\"EchoF32\",\"args\":[\"nan\"]}", "", "\"nan\"" },
		{ "{\"function\":\"EchoF64\",\"args\":[0.1]}", "", "0.1" },
		{ "{\"function\":\"EchoF64\",\"args\":[-0]}", "", "-0" },
		{ "{\"function\":\"EchoF64\",\"args\":[5e-324]}", "", "5e-324" },
		{ "{\"function\":\"EchoF64\",\"args\":[1.7976931348623157e308]}", "",
		  "1.7976931348623157e+308" },
		{ "{\"function\":\"EchoF64\",\"args\":[1E2]}", "", "100" }, /* as cli_print */
		{ "{\"function\":\"EchoF64\",\"args\":[123456789012345678]}", "",
		  "123456789012345680" },
		{ "{\"function\":\"EchoF64\",\"args\":[1e21]}", "", "1e+21" },
		{ "{\"function\":\"EchoF32\",\"args\":[1e-5]}", "", "1e-05" },
		{ "{\"function\":\"EchoF64\",\"args\":[\"0x1p-2\"]}", "", "0.25" },
		{ "{\"function\":\"EchoF64\",\"args\":[\"-infinity\"]}", "", "\"-inf\"" },
		{ "{\"function\":\"EchoBool\",\"args\":[true]}", "", "true" },
		{ "{\"function\":\"EchoBool\",\"args\":[false]}", "", "false" },
		{ "{\"function\":\"Echo\",\"args\":[\"hi\"]}", "", "\"hi\"" },
		{ "{\"function\":\"Echo\",\"args\":[\"\"]}", "", "\"\"" },
		{ "{\"function\":\"Echo\",\"args\":[\"\\u00e9\\ud83d\\ude00\xc3\xa9\"]}", "",
		  "\"\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9\"" },
		{ "{\"function\":\"Echo\",\"args\":[\"a\\\"b\\\\c\\/\\n\\t\\b\\f\\r\\u0001\\u001F"
		  "\x7f\"]}", "", "\"a\\\"b\\\\c/\\n\\t\\b\\f\\r\\u0001\\u001f\x7f\"" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"AAECAw==\"]}", "", "\"AAECAw==\"" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"\"]}", "", "\"\"" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"/+8=\"]}", "", "\"/+8=\"" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"\\u0051\\u0051==\"]}", "", "\"QQ==\"" },
		{ "{\"function\":\"Head\",\"args\":[\"AAEC\",\"0x10\"]}", "", "\"AAEC\" 16" },
		{ " {\t\"args\" : [ 1 , -2 ] ,\"function\":\"Add\" }\r", "", "1 -2" },
		{ "{\"function\":\"Spin\"}", "", "" },
		{ "{\"function\":\"Spin\",\"args\":[]}", "", "" },
		{ "{\"id\":\"x\",\"function\":\"Spin\"}", "\"x\"", "" },
		{ "{\"function\":\"Spin\",\"id\":7}", "7", "" },
		{ "{\"function\":\"Spin\",\"id\":-0}", "-0", "" },
		{ "{\"function\":\"Spin\",\"id\":123456789012345678901234567890}",
		  "123456789012345678901234567890", "" },
		{ "{\"function\":\"Spin\",\"id\":\"\"}", "\"\"", "" },
		{ "{\"function\":\"Spin\",\"id\":\"\\/\"}", "\"/\"", "" },
		{ "{\"id\":\"\\u0041\\n\\u00e9\\u001f\",\"function\":\"Spin\"}",
		  "\"A\\n\xc3\xa9\\u001f\"", "" },
		{ "{\"\\u0069d\":5,\"\\u0066unction\":\"\\u0053pin\"}", "5", "" },
	};

	return cr_make_param_array(struct accept, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct accept *a, batch, accepts)
{
	struct cli_batch_call c;
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	char values[256];

	cr_assert_eq(parse(a->line, &c, &m, &d), HL_OK, "%s: %s", a->line, d.msg);
	cr_assert_not_null(c.e);
	cr_assert_str_eq(c.id, a->id, "%s: id %s", a->line, c.id);
	values_of(&c, values, sizeof values);
	cr_assert_str_eq(values, a->values, "%s: got %s", a->line, values);
	cr_assert_eq(m.n, 1);
	cli_argmem_free(&m);
}

/* ---- Lines that do not --------------------------------------------------------------- */

struct reject {
	char line[112];
	char msg[136];
	char id[16]; /* c->id after the failure */
};

ParameterizedTestParameters(batch, rejects_bad_json)
{
	static struct reject cases[] = {
		{ "", "line is not valid JSON: expected a value at end of line", "" },
		{ " \t\r", "line is not valid JSON: expected a value at end of line", "" },
		{ "{", "line is not valid JSON: expected a string key at end of line", "" },
		{ "{\"function\":\"Add\"", "line is not valid JSON: expected ',' or '}' at end of "
		  "line", "" },
		{ "{\"args\":[1,2", "line is not valid JSON: expected ',' or ']' at end of line",
		  "" },
		{ "{\"function\":\"Add\"} x", "line is not valid JSON: trailing characters at byte "
		  "20", "" },
		{ "{\"function\":\"Add\"}{}", "line is not valid JSON: trailing characters at "
		  "byte 19", "" },
		{ "{\"function\":\"Ad", "line is not valid JSON: unterminated string at end of "
		  "line", "" },
		{ "{\"function\":\"Ad\\", "line is not valid JSON: unterminated string at end of "
		  "line", "" },
		{ "{\"function\":\"A\\x\"}", "line is not valid JSON: bad escape at byte 15", "" },
		{ "{\"function\":\"A\\U0041\"}", "line is not valid JSON: bad escape at byte 15",
		  "" },
		{ "{\"function\":\"\\u12\"}", "line is not valid JSON: bad \\u escape at byte 18",
		  "" },
		{ "{\"function\":\"\\u12", "line is not valid JSON: bad \\u escape at end of "
		  "line", "" },
		{ "{\"function\":\"\\uD800\"}", "line is not valid JSON: lone surrogate in \\u "
		  "escape at byte 14", "" },
		{ "{\"function\":\"\\udc00\"}", "line is not valid JSON: lone surrogate in \\u "
		  "escape at byte 14", "" },
		{ "{\"function\":\"\\uD800\\u0041\"}", "line is not valid JSON: lone surrogate in "
		  "\\u escape at byte 14", "" },
		{ "{\"function\":\"\\uD800\\uDBFF\"}", "line is not valid JSON: lone surrogate in "
		  "\\u escape at byte 14", "" },
		{ "{\"function\":\"\\uD800\\uZZZZ\"}", "line is not valid JSON: bad \\u escape at "
		  "byte 22", "" },
		{ "{\"function\":\"\xff\"}", "line is not valid JSON: invalid UTF-8 in a string at "
		  "byte 14", "" },
		{ "{\"function\":\"\x80\"}", "line is not valid JSON: invalid UTF-8 in a string at "
		  "byte 14", "" },
		{ "{\"function\":\"\xc0\xaf\"}", "line is not valid JSON: invalid UTF-8 in a string "
		  "at byte 14", "" },
		{ "{\"function\":\"\xe0\x9f\xbf\"}", "line is not valid JSON: invalid UTF-8 in a "
		  "string at byte 14", "" },
		{ "{\"function\":\"\xed\xa0\x80\"}", "line is not valid JSON: invalid UTF-8 in a "
		  "string at byte 14", "" },
		{ "{\"function\":\"\xf4\x90\x80\x80\"}", "line is not valid JSON: invalid UTF-8 in "
		  "a string at byte 14", "" },
		{ "{\"function\":\"a\xe2\x82\"}", "line is not valid JSON: invalid UTF-8 in a "
		  "string at byte 15", "" },
		{ "{\"function\":\"a\xf0\x9f\x98\"}", "line is not valid JSON: invalid UTF-8 in a "
		  "string at byte 15", "" },
		/* Overlong forms of each length: 4 bytes below U+10000, 3 below U+0800. */
		{ "{\"function\":\"\xf0\x8f\xbf\xbf\"}", "line is not valid JSON: invalid UTF-8 "
		  "in a string at byte 14", "" },
		{ "{\"function\":\"\xf0\x80\x80\xa2\"}", "line is not valid JSON: invalid UTF-8 "
		  "in a string at byte 14", "" },
		{ "{\"function\":\"a\x01\"}", "line is not valid JSON: control character in a "
		  "string at byte 15", "" },
		{ "{\"function\":\"a\tb\"}", "line is not valid JSON: control character in a "
		  "string at byte 15", "" },
		{ "{\"a\x1f\":1}", "line is not valid JSON: control character in a string at byte "
		  "4", "" },
		{ "{\"args\":[01]}", "line is not valid JSON: leading zero in a number at byte 11",
		  "" },
		{ "{\"args\":[-01]}", "line is not valid JSON: leading zero in a number at byte "
		  "12", "" },
		{ "{\"args\":[1.]}", "line is not valid JSON: bad number at byte 12", "" },
		{ "{\"args\":[-]}", "line is not valid JSON: bad number at byte 11", "" },
		{ "{\"args\":[1e]}", "line is not valid JSON: bad number at byte 12", "" },
		{ "{\"args\":[1e+]}", "line is not valid JSON: bad number at byte 13", "" },
		{ "{\"args\":[.5]}", "line is not valid JSON: expected a value at byte 10", "" },
		{ "{\"args\":[+1]}", "line is not valid JSON: expected a value at byte 10", "" },
		{ "{\"args\":[0x10]}", "line is not valid JSON: expected ',' or ']' at byte 11",
		  "" },
		{ "{\"args\":[Infinity]}", "line is not valid JSON: expected a value at byte 10",
		  "" },
		{ "{\"args\":[tru]}", "line is not valid JSON: expected a value at byte 10", "" },
		{ "{\"args\":[True]}", "line is not valid JSON: expected a value at byte 10", "" },
		{ "{\"args\":[nul", "line is not valid JSON: expected a value at end of line",
		  "" },
		{ "{\"args\":[1,]}", "line is not valid JSON: expected a value at byte 12", "" },
		{ "{\"args\":[1 2]}", "line is not valid JSON: expected ',' or ']' at byte 12", "" },
		{ "{,}", "line is not valid JSON: expected a string key at byte 2", "" },
		{ "{\"a\" 1}", "line is not valid JSON: expected ':' at byte 6", "" },
		{ "{\"a\":1,}", "line is not valid JSON: expected a string key at byte 8", "" },
		{ "{'a':1}", "line is not valid JSON: expected a string key at byte 2", "" },
		{ "{\"a\":1]", "line is not valid JSON: expected ',' or '}' at byte 7", "" },
		{ "[1}", "line is not valid JSON: expected ',' or ']' at byte 3", "" },
		{ "{\"id\":1,\"function\":\"Add\" \"args\":[]}", "line is not valid JSON: expected "
		  "',' or '}' at byte 26", "" },
		{ "{\"args\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", "line is not valid JSON: arrays "
		  "and objects nested more than 16 deep at byte 24", "" },
		{ "[1]", "line is an array, not a JSON object", "" },
		{ "\"x\"", "line is a string, not a JSON object", "" },
		{ "null", "line is null, not a JSON object", "" },
		{ " 1 ", "line is a number, not a JSON object", "" },
		{ "true", "line is a boolean, not a JSON object", "" },
	};

	return cr_make_param_array(struct reject, cases, sizeof cases / sizeof cases[0]);
}

static void assert_rejects(const struct reject *r)
{
	struct cli_batch_call c;
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };

	cr_assert_eq(parse(r->line, &c, &m, &d), HL_E_USAGE, "%s accepted", r->line);
	cr_assert_eq(d.err, HL_E_USAGE);
	cr_assert_str_eq(d.msg, r->msg, "%s: got \"%s\"", r->line, d.msg);
	cr_assert_str_eq(c.id, r->id, "%s: id %s", r->line, c.id);
	cli_argmem_free(&m);
}

ParameterizedTest(struct reject *r, batch, rejects_bad_json)
{
	assert_rejects(r);
}

ParameterizedTestParameters(batch, rejects_bad_calls)
{
	static struct reject cases[] = {
		{ "{\"function\":\"Spin\",\"bogus\":1}", "unknown key 'bogus'", "" },
		{ "{\"bogus\":1,\"id\":\"x\",\"function\":\"Spin\"}", "unknown key 'bogus'",
		  "\"x\"" },
		{ "{\"Function\":\"Spin\",\"id\":3}", "unknown key 'Function'", "3" },
		{ "{\"\":1}", "unknown key ''", "" },
		{ "{\"id\\u0000\":1,\"function\":\"Spin\"}", "unknown key 'id\\u0000'", "" },
		{ "{\"a\\u0001\\\"b\\n\":1}", "unknown key 'a\\u0001\\\"b\\n'", "" },
		{ "{\"function\":\"Spin\",\"function\":\"Spin\"}", "duplicate key 'function'", "" },
		{ "{\"id\":1,\"function\":\"Spin\",\"id\":2}", "duplicate key 'id'", "1" },
		{ "{\"function\":\"Spin\",\"args\":[],\"args\":[]}", "duplicate key 'args'", "" },
		{ "{\"args\":[]}", "missing key 'function'", "" },
		{ "{}", "missing key 'function'", "" },
		{ "{\"id\":\"q\"}", "missing key 'function'", "\"q\"" },
		{ "{\"function\":1}", "key 'function' must be a string, got a number", "" },
		{ "{\"function\":null}", "key 'function' must be a string, got null", "" },
		{ "{\"function\":[\"Add\"]}", "key 'function' must be a string, got an array", "" },
		{ "{\"function\":\"Nope\",\"id\":\"x\"}", "no function 'Nope'", "\"x\"" },
		{ "{\"function\":\"\"}", "no function ''", "" },
		{ "{\"function\":\"add\"}", "no function 'add'", "" },
		{ "{\"function\":\"Add\\u0000\"}", "no function 'Add\\u0000'", "" },
		{ "{\"function\":\"Ad\\nd\"}", "no function 'Ad\\nd'", "" },
		{ "{\"id\":{},\"function\":\"Spin\"}", "key 'id' must be a string or an integer, "
		  "got an object", "" },
		{ "{\"id\":[1],\"function\":\"Nope\"}", "key 'id' must be a string or an integer, "
		  "got an array", "" },
		{ "{\"id\":1.5,\"function\":\"Spin\"}", "key 'id' must be a string or an integer, "
		  "got a number with a fraction or exponent", "" },
		{ "{\"id\":1e3,\"function\":\"Spin\"}", "key 'id' must be a string or an integer, "
		  "got a number with a fraction or exponent", "" },
		{ "{\"id\":1E3,\"function\":\"Spin\"}", "key 'id' must be a string or an integer, "
		  "got a number with a fraction or exponent", "" },
		{ "{\"id\":true,\"function\":\"Spin\"}", "key 'id' must be a string or an integer, "
		  "got a boolean", "" },
		{ "{\"id\":null,\"function\":\"Spin\"}", "key 'id' must be a string or an integer, "
		  "got null", "" },
		{ "{\"bogus\":1,\"id\":{}}", "key 'id' must be a string or an integer, got an "
		  "object", "" },
		{ "{\"function\":\"Add\",\"args\":{},\"id\":1}", "key 'args' must be an array, got "
		  "an object", "1" },
		{ "{\"function\":\"Add\",\"args\":null}", "key 'args' must be an array, got null",
		  "" },
		{ "{\"function\":\"Add\",\"args\":\"1 2\"}", "key 'args' must be an array, got a "
		  "string", "" },
		{ "{\"function\":\"Add\",\"args\":[1]}", "Add takes 2 arguments, got 1: Add(i32, "
		  "i32) -> i32", "" },
		{ "{\"function\":\"Add\"}", "Add takes 2 arguments, got 0: Add(i32, i32) -> i32",
		  "" },
		{ "{\"function\":\"Add\",\"args\":[1,2,3]}", "Add takes 2 arguments, got 3: "
		  "Add(i32, i32) -> i32", "" },
		{ "{\"function\":\"Echo\",\"args\":[],\"id\":\"e\"}", "Echo takes 1 argument, got "
		  "0: Echo(string) -> string", "\"e\"" },
		{ "{\"function\":\"Spin\",\"args\":[null]}", "Spin takes 0 arguments, got 1: "
		  "Spin() -> void", "" },
	};

	return cr_make_param_array(struct reject, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct reject *r, batch, rejects_bad_calls)
{
	assert_rejects(r);
}

#define I32_RANGE "(decimal or 0x hex, -2147483648 to 2147483647)"
#define U32_RANGE "(decimal or 0x hex, 0 to 4294967295)"
#define I64_RANGE "(decimal or 0x hex, -2^63 to 2^63-1)"
#define U64_RANGE "(decimal or 0x hex, 0 to 18446744073709551615)"
#define FLOAT_RANGE "(a decimal or 0x hex number, inf or nan, within range)"
#define NOT_BASE64 "EchoBytes: argument 1: not padded standard base64 "

ParameterizedTestParameters(batch, rejects_bad_arguments)
{
	static struct reject cases[] = {
		{ "{\"function\":\"EchoI32\",\"args\":[null]}", "EchoI32: argument 1: expected "
		  "i32, got null", "" },
		{ "{\"function\":\"EchoI32\",\"args\":[true]}", "EchoI32: argument 1: expected "
		  "i32, got a boolean", "" },
		{ "{\"function\":\"EchoI32\",\"args\":[[1]]}", "EchoI32: argument 1: expected "
		  "i32, got an array", "" },
		{ "{\"function\":\"EchoI32\",\"args\":[{}]}", "EchoI32: argument 1: expected "
		  "i32, got an object", "" },
		{ "{\"function\":\"EchoU64\",\"args\":[false]}", "EchoU64: argument 1: expected "
		  "u64, got a boolean", "" },
		{ "{\"function\":\"EchoF64\",\"args\":[null]}", "EchoF64: argument 1: expected "
		  "f64, got null", "" },
		{ "{\"function\":\"EchoBool\",\"args\":[\"true\"]}", "EchoBool: argument 1: "
		  "expected bool, got a string", "" },
		{ "{\"function\":\"EchoBool\",\"args\":[1]}", "EchoBool: argument 1: expected "
		  "bool, got a number", "" },
		{ "{\"function\":\"EchoBool\",\"args\":[null]}", "EchoBool: argument 1: expected "
		  "bool, got null", "" },
		{ "{\"function\":\"Echo\",\"args\":[1]}", "Echo: argument 1: expected string, got "
		  "a number", "" },
		{ "{\"function\":\"Echo\",\"args\":[[\"a\"]]}", "Echo: argument 1: expected "
		  "string, got an array", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[[0,1]]}", "EchoBytes: argument 1: "
		  "expected bytes, got an array", "" },
		{ "{\"function\":\"Head\",\"args\":[\"AAEC\",\"x\"]}", "Head: argument 2: 'x' is "
		  "not an i32 " I32_RANGE, "" },
		{ "{\"function\":\"EchoI32\",\"args\":[1.5]}", "EchoI32: argument 1: '1.5' is not "
		  "an i32 " I32_RANGE, "" },
		{ "{\"function\":\"EchoI32\",\"args\":[1e2]}", "EchoI32: argument 1: '1e2' is not "
		  "an i32 " I32_RANGE, "" },
		{ "{\"function\":\"EchoI32\",\"args\":[2147483648]}", "EchoI32: argument 1: "
		  "'2147483648' is not an i32 " I32_RANGE, "" },
		{ "{\"function\":\"EchoI32\",\"args\":[-2147483649]}", "EchoI32: argument 1: "
		  "'-2147483649' is not an i32 " I32_RANGE, "" },
		{ "{\"function\":\"EchoU32\",\"args\":[-1]}", "EchoU32: argument 1: '-1' is not a "
		  "u32 " U32_RANGE, "" },
		{ "{\"function\":\"EchoU32\",\"args\":[4294967296]}", "EchoU32: argument 1: "
		  "'4294967296' is not a u32 " U32_RANGE, "" },
		{ "{\"function\":\"EchoI64\",\"args\":[9223372036854775808]}", "EchoI64: argument "
		  "1: '9223372036854775808' is not an i64 " I64_RANGE, "" },
		{ "{\"function\":\"EchoI64\",\"args\":[-9223372036854775809]}", "EchoI64: argument "
		  "1: '-9223372036854775809' is not an i64 " I64_RANGE, "" },
		{ "{\"function\":\"EchoU64\",\"args\":[18446744073709551616]}", "EchoU64: argument "
		  "1: '18446744073709551616' is not a u64 " U64_RANGE, "" },
		{ "{\"function\":\"EchoU64\",\"args\":[-1]}", "EchoU64: argument 1: '-1' is not a "
		  "u64 " U64_RANGE, "" },
		{ "{\"function\":\"EchoI32\",\"args\":[\" 1\"]}", "EchoI32: argument 1: ' 1' is "
		  "not an i32 " I32_RANGE, "" },
		{ "{\"function\":\"EchoI32\",\"args\":[\"1\\n\"]}", "EchoI32: argument 1: '1\\n' "
		  "is not an i32 " I32_RANGE, "" },
		{ "{\"function\":\"EchoI32\",\"args\":[\"\"]}", "EchoI32: argument 1: '' is not an "
		  "i32 " I32_RANGE, "" },
		{ "{\"function\":\"EchoF32\",\"args\":[1e39]}", "EchoF32: argument 1: '1e39' is "
		  "not an f32 " FLOAT_RANGE, "" },
		{ "{\"function\":\"EchoF32\",\"args\":[\"-1e39\"]}", "EchoF32: argument 1: '-1e39' "
		  "is not an f32 " FLOAT_RANGE, "" },
		{ "{\"function\":\"EchoF64\",\"args\":[1e400]}", "EchoF64: argument 1: '1e400' is "
		  "not an f64 " FLOAT_RANGE, "" },
		{ "{\"function\":\"EchoF64\",\"args\":[\"1,5\"]}", "EchoF64: argument 1: '1,5' is "
		  "not an f64 " FLOAT_RANGE, "" },
		{ "{\"function\":\"EchoI32\",\"args\":[\"1\\u00002\"]}", "EchoI32: argument 1: "
		  "holds a NUL byte, which only a bytes parameter accepts (this one is i32)", "" },
		{ "{\"function\":\"Echo\",\"args\":[\"a\\u0000b\"]}", "Echo: argument 1: holds a "
		  "NUL byte, which only a bytes parameter accepts (this one is string)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"abc\"]}", NOT_BASE64 "(length 3 is not "
		  "a multiple of 4)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"QQ\"]}", NOT_BASE64 "(length 2 is not "
		  "a multiple of 4)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"ab!=\"]}", NOT_BASE64 "(bad character "
		  "3)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"QUJ DQUJ\"]}", NOT_BASE64 "(bad "
		  "character 4)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"QUJ\\tQUJD\"]}", NOT_BASE64 "(bad "
		  "character 4)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"QR==\"]}", NOT_BASE64 "(bad character "
		  "2)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"QUJ=\"]}", NOT_BASE64 "(bad character "
		  "3)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"=AAA\"]}", NOT_BASE64 "(bad character "
		  "1)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"A===\"]}", NOT_BASE64 "(bad character "
		  "2)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"AB=C\"]}", NOT_BASE64 "(bad character "
		  "3)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"QQ==QQ==\"]}", NOT_BASE64 "(bad "
		  "character 3)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"-_8=\"]}", NOT_BASE64 "(bad character "
		  "1)", "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"QUJD\\u0000AAA\"]}", NOT_BASE64 "(bad "
		  "character 5)", "" },
	};

	return cr_make_param_array(struct reject, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct reject *r, batch, rejects_bad_arguments)
{
	assert_rejects(r);
}

/* ---- The size limit of string and bytes arguments ------------------------------------ */

struct limit_case {
	char line[80];
	uint64_t limit;
	char msg[112]; /* "" when the line is accepted */
};

ParameterizedTestParameters(batch, limit)
{
	static struct limit_case cases[] = {
		{ "{\"function\":\"Echo\",\"args\":[\"abcd\"]}", 3, "Echo: argument 1 has more "
		  "than 3 bytes, the input buffer size; raise --input-size" },
		{ "{\"function\":\"Echo\",\"args\":[\"abcd\"]}", 4, "" },
		{ "{\"function\":\"Echo\",\"args\":[\"\\u00e9\\u00e9\"]}", 4, "" },
		{ "{\"function\":\"Echo\",\"args\":[\"\\u00e9\\u00e9\"]}", 3, "Echo: argument 1 "
		  "has more than 3 bytes, the input buffer size; raise --input-size" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"YWJjZA==\"]}", 4, "" },
		{ "{\"function\":\"EchoBytes\",\"args\":[\"YWJjZA==\"]}", 3, "EchoBytes: argument "
		  "1 has more than 3 bytes, the input buffer size; raise --input-size" },
		{ "{\"function\":\"Echo\",\"args\":[\"\"]}", 0, "" },
		{ "{\"function\":\"EchoI32\",\"args\":[\"1234\"]}", 0, "" },
		{ "{\"function\":\"Head\",\"args\":[\"YWJj\",99999]}", 3, "" },
	};

	return cr_make_param_array(struct limit_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct limit_case *l, batch, limit)
{
	struct cli_batch_call c;
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	enum hl_err err = parse_n(l->line, strlen(l->line), l->limit, &c, &m, &d);

	if (l->msg[0] == '\0') {
		cr_assert_eq(err, HL_OK, "%s: %s", l->line, d.msg);
		cr_assert_leq(c.args[0].len, l->limit);
	} else {
		cr_assert_eq(err, HL_E_USAGE, "%s accepted with limit %llu", l->line,
			     (unsigned long long)l->limit);
		cr_assert_str_eq(d.msg, l->msg);
	}
	cli_argmem_free(&m);
}

/* ---- Long and hostile lines ---------------------------------------------------------- */

/* A line of prefix, then n copies of fill, then suffix, in a buffer of exactly its length
 * (no NUL after it: the parser must not read past len). */
static char *build(const char *prefix, const char *fill, size_t n, const char *suffix,
		   size_t *len)
{
	size_t np = strlen(prefix), nf = strlen(fill), ns = strlen(suffix);
	char *line = malloc(np + n * nf + ns);

	cr_assert_not_null(line);
	memcpy(line, prefix, np);
	for (size_t i = 0; i < n; i++)
		memcpy(line + np + i * nf, fill, nf);
	memcpy(line + np + n * nf, suffix, ns);
	*len = np + n * nf + ns;
	return line;
}

/* Parses the built line and checks the error message (want, or OK when want is NULL) and
 * the id it leaves. */
static void assert_built(const char *prefix, const char *fill, size_t n, const char *suffix,
			 const char *want, const char *id)
{
	struct cli_batch_call c;
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	size_t len;
	char *line = build(prefix, fill, n, suffix, &len);
	enum hl_err err = parse_n(line, len, 1 << 20, &c, &m, &d);

	if (want == NULL) {
		cr_assert_eq(err, HL_OK, "%s...: %s", prefix, d.msg);
	} else {
		cr_assert_eq(err, HL_E_USAGE, "%s... accepted", prefix);
		cr_assert_str_eq(d.msg, want);
	}
	cr_assert_str_eq(c.id, id, "%s...: id %s", prefix, c.id);
	cli_argmem_free(&m);
	free(line);
}

Test(batch, depth_bomb)
{
	assert_built("{\"args\":", "[", 100000, "", "line is not valid JSON: arrays and "
		     "objects nested more than 16 deep at byte 24", "");
	assert_built("{\"id\":1,\"function\":\"Nope\",\"args\":", "[{\"a\":", 50000, "",
		     "line is not valid JSON: arrays and objects nested more than 16 deep at "
		     "byte 77", "");
}

/* 16 levels in all is the most: the object, args, and 14 arrays inside. */
Test(batch, deepest_nesting_allowed)
{
	char line[128];

	snprintf(line, sizeof line, "{\"id\":2,\"function\":\"EchoI32\",\"args\":[%s1%s]}",
		 "[[[[[[[[[[[[[[", "]]]]]]]]]]]]]]");
	assert_built(line, "", 0, "", "EchoI32: argument 1: expected i32, got an array", "2");
}

Test(batch, huge_numbers_are_shown_cut)
{
	assert_built("{\"function\":\"EchoU64\",\"args\":[", "9", 100000, "]}",
		     "EchoU64: argument 1: '9999999999999999999999999999999999999999...' is not "
		     "a u64 (decimal or 0x hex, 0 to 18446744073709551615)", "");
	assert_built("{\"function\":\"EchoU64\",\"args\":[\"", "0", 100000, "1\"]}", NULL, "");
	assert_built("{\"function\":\"EchoF64\",\"args\":[1", "0", 400, "]}",
		     "EchoF64: argument 1: '1000000000000000000000000000000000000000...' is not "
		     "an f64 (a decimal or 0x hex number, inf or nan, within range)", "");
	assert_built("{\"function\":\"EchoF64\",\"args\":[0.", "0", 400, "1]}", NULL, "");
}

Test(batch, long_text_is_shown_cut_at_a_character)
{
	/* 13 three-byte characters fit in 40 bytes; the 14th would not. */
	assert_built("{\"function\":\"", "\xe2\x82\xac", 100, "\"}", "no function '\xe2\x82\xac"
		     "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2"
		     "\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac...'", "");
	/* An escape is not cut in two either: 6 bytes each, 6 fit. */
	assert_built("{\"function\":\"Echo\",\"id\":1,\"", "\\u0001", 100, "\":0}",
		     "unknown key '\\u0001\\u0001\\u0001\\u0001\\u0001\\u0001...'", "1");
}

Test(batch, id_length)
{
	static const char x125[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				   "xxx";
	char want[CLI_BATCH_ID_MAX];

	cr_assert_eq(strlen(x125), 125);
	snprintf(want, sizeof want, "\"%s\"", x125);
	assert_built("{\"function\":\"Spin\",\"id\":\"", "x", 125, "\"}", NULL, want);
	assert_built("{\"function\":\"Spin\",\"id\":\"", "x", 126, "\"}", "key 'id' is longer "
		     "than 127 bytes of JSON", "");
	/* Escapes count as written back: 62 "\n" take 124 bytes, 63 take 126. */
	assert_built("{\"function\":\"Spin\",\"id\":\"", "\\n", 62, "\"}", NULL,
		     "\"\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n"
		     "\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n"
		     "\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\"");
	assert_built("{\"function\":\"Spin\",\"id\":\"", "\\n", 63, "\"}", "key 'id' is longer "
		     "than 127 bytes of JSON", "");
	/* "\u0078" is written back as "x". */
	assert_built("{\"function\":\"Spin\",\"id\":\"", "\\u0078", 125, "\"}", NULL, want);
	assert_built("{\"function\":\"Spin\",\"id\":", "9", 127, "}", NULL,
		     "9999999999999999999999999999999999999999999999999999999999999999999999999"
		     "999999999999999999999999999999999999999999999999999999");
	assert_built("{\"function\":\"Spin\",\"id\":", "9", 128, "}", "key 'id' is longer than "
		     "127 bytes of JSON", "");
}

/* Every proper prefix of a valid line ends too early, and is reported so, without a read
 * past its end (the sanitizer build checks that). */
Test(batch, every_truncation)
{
	static const char full[] = "{\"id\":\"\\u00e9\",\"function\":\"Head\",\"args\":"
				   "[\"AAEC\",-1.5e+3,true,null,{\"k\":[]}]}";
	static const char tail[] = " at end of line";
	struct cli_batch_call c;
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };

	for (size_t n = 0; n < sizeof full - 1; n++) {
		char *line = malloc(n + 1); /* malloc(0) may return NULL */

		cr_assert_not_null(line);
		memcpy(line, full, n);
		cr_assert_eq(parse_n(line, n, 100, &c, &m, &d), HL_E_USAGE, "%zu accepted", n);
		cr_assert_eq(strncmp(d.msg, "line is not valid JSON: ", 24), 0, "%zu: %s", n,
			     d.msg);
		cr_assert_str_eq(d.msg + strlen(d.msg) - strlen(tail), tail, "%zu: %s", n,
				 d.msg);
		cr_assert_str_eq(c.id, "");
		cr_assert_eq(m.n, 0);
		free(line);
	}
	cr_assert_eq(parse_n(full, sizeof full - 1, 100, &c, &m, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "Head takes 2 arguments, got 5: Head(bytes, i32) -> bytes");
	cr_assert_str_eq(c.id, "\"\xc3\xa9\"");
	cli_argmem_free(&m);
}

Test(batch, nul_bytes_in_the_line)
{
	static const char after[] = "{\"function\":\"Spin\"}\0";
	static const char inside[] = "{\"function\":\"Sp\0in\"}";
	struct cli_batch_call c;
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };

	cr_assert_eq(parse_n(after, sizeof after - 1, 100, &c, &m, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "line is not valid JSON: trailing characters at byte 20");
	cr_assert_eq(parse_n(inside, sizeof inside - 1, 100, &c, &m, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "line is not valid JSON: control character in a string at "
			 "byte 16");
	cli_argmem_free(&m);
}

/* ---- Parsed values, exactly ---------------------------------------------------------- */

static struct hl_value parse_one(const char *line, struct cli_argmem *m)
{
	struct cli_batch_call c;
	struct hl_diag d = { 0 };

	cr_assert_eq(parse(line, &c, m, &d), HL_OK, "%s: %s", line, d.msg);
	cr_assert_eq(c.args[0].type, c.e->params[0], "%s", line);
	return c.args[0];
}

Test(batch, values_are_exact)
{
	struct cli_argmem m = { 0 };
	struct hl_value v;
	uint32_t bits;

	v = parse_one("{\"function\":\"EchoI64\",\"args\":[-9223372036854775808]}", &m);
	cr_assert_eq(v.u.i64, INT64_MIN);
	v = parse_one("{\"function\":\"EchoU64\",\"args\":[18446744073709551615]}", &m);
	cr_assert_eq(v.u.u64, UINT64_MAX);
	v = parse_one("{\"function\":\"EchoU64\",\"args\":[9007199254740993]}", &m);
	cr_assert_eq(v.u.u64, 9007199254740993ull); /* 2^53 + 1: no detour through double */
	v = parse_one("{\"function\":\"EchoF32\",\"args\":[1e-45]}", &m);
	memcpy(&bits, &v.u.f32, 4);
	cr_assert_eq(bits, 1); /* the smallest subnormal */
	v = parse_one("{\"function\":\"EchoF32\",\"args\":[-0.0]}", &m);
	cr_assert(v.u.f32 == 0 && signbit(v.u.f32));
	v = parse_one("{\"function\":\"EchoF64\",\"args\":[-0]}", &m);
	cr_assert(v.u.f64 == 0 && signbit(v.u.f64));
	v = parse_one("{\"function\":\"EchoF64\",\"args\":[\"nan\"]}", &m);
	cr_assert(isnan(v.u.f64));
	v = parse_one("{\"function\":\"EchoF64\",\"args\":[\"-inf\"]}", &m);
	cr_assert(isinf(v.u.f64) && v.u.f64 < 0);
	v = parse_one("{\"function\":\"EchoBool\",\"args\":[true]}", &m);
	cr_assert_eq(v.u.b, true);
	cli_argmem_free(&m);
}

/* Strings and bytes are decoded into the one block the line adds to m. */
Test(batch, strings_and_bytes_live_in_argmem)
{
	static const uint8_t bytes[] = { 0, 1, 2, 0xff, 0xfe };
	struct cli_batch_call c;
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	const char *line = "{\"function\":\"Head\",\"args\":[\"AAEC//4=\",3]}";
	struct hl_value v;

	cr_assert_eq(parse(line, &c, &m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(c.e, ldr_find(guest, "Head"));
	cr_assert_eq(m.n, 1);
	cr_assert_eq(c.args[0].len, sizeof bytes);
	cr_assert_arr_eq(c.args[0].data, bytes, sizeof bytes);
	cr_assert(c.args[0].data >= m.blocks[0] && c.args[0].data < m.blocks[0] + strlen(line));
	cr_assert_eq(c.args[1].u.i32, 3);
	v = parse_one("{\"function\":\"Echo\",\"args\":[\"a\\tb\\u00e9\"]}", &m);
	cr_assert_eq(m.n, 2);
	cr_assert_eq(v.len, 5);
	cr_assert_arr_eq(v.data, "a\tb\xc3\xa9", 6); /* NUL-terminated */
	cr_assert(v.data >= m.blocks[1]);
	cli_argmem_free(&m);
	cr_assert_eq(m.n, 0);
}

Test(batch, full_argmem_is_an_internal_error)
{
	struct cli_batch_call c;
	struct cli_argmem m = { .n = HL_MAX_PARAMS };
	struct hl_diag d = { 0 };

	cr_assert_eq(parse("{\"function\":\"Spin\",\"id\":1}", &c, &m, &d), HL_E_INTERNAL);
	cr_assert_str_eq(d.msg, "batch line: argument memory is full");
	cr_assert_eq(m.n, HL_MAX_PARAMS);
}

/* ---- Answer lines -------------------------------------------------------------------- */

struct result_case {
	uint8_t type;
	int64_t i;
	uint64_t u;
	double f;
	char data[16];
	uint32_t len;
	char id[16];
	char output[8];
	uint32_t noutput;
	char init[8];
	uint32_t ninit;
	char want[112];
};

ParameterizedTestParameters(batch, result_line)
{
	static struct result_case cases[] = {
		{ HL_T_VOID, .want = "{\"ok\":true,\"type\":\"void\",\"value\":null}\n" },
		{ HL_T_I32, .i = INT32_MIN, .want = "{\"ok\":true,\"type\":\"i32\",\"value\":"
		  "-2147483648}\n" },
		{ HL_T_U32, .u = UINT32_MAX, .want = "{\"ok\":true,\"type\":\"u32\",\"value\":"
		  "4294967295}\n" },
		{ HL_T_I64, .i = INT64_MIN, .want = "{\"ok\":true,\"type\":\"i64\",\"value\":"
		  "-9223372036854775808}\n" },
		{ HL_T_U64, .u = UINT64_MAX, .want = "{\"ok\":true,\"type\":\"u64\",\"value\":"
		  "18446744073709551615}\n" },
		{ HL_T_F32, .f = 1e-45, .want = "{\"ok\":true,\"type\":\"f32\",\"value\":1e-45}\n" },
		{ HL_T_F32, .f = 0.1, .want = "{\"ok\":true,\"type\":\"f32\",\"value\":0.1}\n" },
		{ HL_T_F32, .f = 3.4028234663852886e38, .want = "{\"ok\":true,\"type\":\"f32\","
		  "\"value\":3.4028235e+38}\n" },
		{ HL_T_F32, .f = -0.0, .want = "{\"ok\":true,\"type\":\"f32\",\"value\":-0}\n" },
		{ HL_T_F32, .f = INFINITY, .want = "{\"ok\":true,\"type\":\"f32\",\"value\":"
		  "\"inf\"}\n" },
		{ HL_T_F32, .f = -NAN, .want = "{\"ok\":true,\"type\":\"f32\",\"value\":"
		  "\"nan\"}\n" },
		{ HL_T_F64, .f = 0.1, .want = "{\"ok\":true,\"type\":\"f64\",\"value\":0.1}\n" },
		{ HL_T_F64, .f = 0.30000000000000004, .want = "{\"ok\":true,\"type\":\"f64\","
		  "\"value\":0.30000000000000004}\n" },
		{ HL_T_F64, .f = -0.0, .want = "{\"ok\":true,\"type\":\"f64\",\"value\":-0}\n" },
		{ HL_T_F64, .f = 1e300, .want = "{\"ok\":true,\"type\":\"f64\",\"value\":"
		  "1e+300}\n" },
		{ HL_T_F64, .f = 5e-324, .want = "{\"ok\":true,\"type\":\"f64\",\"value\":"
		  "5e-324}\n" },
		{ HL_T_F64, .f = -INFINITY, .want = "{\"ok\":true,\"type\":\"f64\",\"value\":"
		  "\"-inf\"}\n" },
		{ HL_T_F64, .f = NAN, .want = "{\"ok\":true,\"type\":\"f64\",\"value\":\"nan\"}\n" },
		{ HL_T_BOOL, .u = 1, .want = "{\"ok\":true,\"type\":\"bool\",\"value\":true}\n" },
		{ HL_T_BOOL, .u = 0, .want = "{\"ok\":true,\"type\":\"bool\",\"value\":false}\n" },
		{ HL_T_STRING, .data = "hi", .len = 2, .want = "{\"ok\":true,\"type\":\"string\","
		  "\"value\":\"hi\"}\n" },
		{ HL_T_STRING, .len = 0, .want = "{\"ok\":true,\"type\":\"string\",\"value\":"
		  "\"\"}\n" },
		{ HL_T_STRING, .data = "\"\\/\b\f\n\r\t\x01\x1f\x7f", .len = 11, .want = "{\"ok\":"
		  "true,\"type\":\"string\",\"value\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f"
		  "\x7f\"}\n" },
		{ HL_T_STRING, .data = "a\0b", .len = 3, .want = "{\"ok\":true,\"type\":\"string\","
		  "\"value\":\"a\\u0000b\"}\n" },
		{ HL_T_STRING, .data = "\xc3\xa9\xf0\x9f\x98\x80", .len = 6, .want = "{\"ok\":"
		  "true,\"type\":\"string\",\"value\":\"\xc3\xa9\xf0\x9f\x98\x80\"}\n" },
		/* Each byte that is not part of valid UTF-8 becomes U+FFFD. */
		{ HL_T_STRING, .data = "a\xff" "b\xe2\x82", .len = 5, .want = "{\"ok\":true,"
		  "\"type\":\"string\",\"value\":\"a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\"}\n" },
		{ HL_T_STRING, .data = "\xed\xa0\x80\xc0\xaf", .len = 5, .want = "{\"ok\":true,"
		  "\"type\":\"string\",\"value\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
		  "\xbd\xef\xbf\xbd\"}\n" },
		{ HL_T_BYTES, .len = 0, .want = "{\"ok\":true,\"type\":\"bytes\",\"value\":"
		  "\"\"}\n" },
		{ HL_T_BYTES, .data = { 0 }, .len = 1, .want = "{\"ok\":true,\"type\":\"bytes\","
		  "\"value\":\"AA==\"}\n" },
		{ HL_T_BYTES, .data = { 0, 1 }, .len = 2, .want = "{\"ok\":true,\"type\":\"bytes\","
		  "\"value\":\"AAE=\"}\n" },
		{ HL_T_BYTES, .data = { 0, 1, 2 }, .len = 3, .want = "{\"ok\":true,\"type\":"
		  "\"bytes\",\"value\":\"AAEC\"}\n" },
		{ HL_T_BYTES, .data = "\xff\xfe\xfd\xfc", .len = 4, .want = "{\"ok\":true,\"type\":"
		  "\"bytes\",\"value\":\"//79/A==\"}\n" },
		{ HL_T_I32, .i = 5, .id = "7", .want = "{\"id\":7,\"ok\":true,\"type\":\"i32\","
		  "\"value\":5}\n" },
		{ HL_T_VOID, .id = "\"a\\n\"", .want = "{\"id\":\"a\\n\",\"ok\":true,\"type\":"
		  "\"void\",\"value\":null}\n" },
		{ HL_T_I32, .i = 3, .output = "hi\n", .noutput = 3, .want = "{\"ok\":true,\"type\":"
		  "\"i32\",\"value\":3,\"output\":\"hi\\n\"}\n" },
		{ HL_T_VOID, .id = "1", .output = "a\0\xff", .noutput = 3, .want = "{\"id\":1,"
		  "\"ok\":true,\"type\":\"void\",\"value\":null,\"output\":\"a\\u0000\xef\xbf\xbd"
		  "\"}\n" },
		/* The first answer of a batch also carries the initialisation's output. */
		{ HL_T_I32, .i = 3, .output = "c", .noutput = 1, .init = "i\n", .ninit = 2,
		  .want = "{\"ok\":true,\"type\":\"i32\",\"value\":3,\"output\":\"c\","
		  "\"init_output\":\"i\\n\"}\n" },
		{ HL_T_I32, .i = 3, .init = "i", .ninit = 1, .want = "{\"ok\":true,\"type\":"
		  "\"i32\",\"value\":3,\"init_output\":\"i\"}\n" },
	};

	return cr_make_param_array(struct result_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct result_case *r, batch, result_line)
{
	struct cli_batch_call c = { 0 };
	struct hl_value v = { .type = r->type, .len = r->len,
			      .data = (const uint8_t *)r->data };
	struct cli_printed p;
	char out[256];

	switch (r->type) {
	case HL_T_I32: v.u.i32 = (int32_t)r->i; break;
	case HL_T_I64: v.u.i64 = r->i; break;
	case HL_T_U32: v.u.u32 = (uint32_t)r->u; break;
	case HL_T_U64: v.u.u64 = r->u; break;
	case HL_T_F32: v.u.f32 = (float)r->f; break;
	case HL_T_F64: v.u.f64 = r->f; break;
	case HL_T_BOOL: v.u.b = r->u != 0; break;
	default: break;
	}
	strcpy(c.id, r->id);
	p = (struct cli_printed){ .call = r->output, .ncall = r->noutput, .init = r->init,
				  .ninit = r->ninit };
	CAPTURE(out, cli_batch_print_result(f, &c, &v, &p));
	cr_assert_str_eq(out, r->want);
}

struct error_case {
	int err;
	char msg[40];
	char id[8];
	char output[8];
	uint32_t noutput;
	char want[160];
};

ParameterizedTestParameters(batch, error_line)
{
	static struct error_case cases[] = {
		{ HL_E_GUEST, "Fail: error 1: oops", "", "", 0, "{\"ok\":false,\"error\":{"
		  "\"class\":\"guest\",\"status\":1,\"message\":\"Fail: error 1: oops\"}}\n" },
		{ HL_E_USAGE, "no function 'x'", "3", "", 0, "{\"id\":3,\"ok\":false,\"error\":{"
		  "\"class\":\"usage\",\"status\":2,\"message\":\"no function 'x'\"}}\n" },
		{ HL_E_INVALID, "m", "", "", 0, "{\"ok\":false,\"error\":{\"class\":\"invalid\","
		  "\"status\":3,\"message\":\"m\"}}\n" },
		{ HL_E_CRASH, "m", "\"c\"", "", 0, "{\"id\":\"c\",\"ok\":false,\"error\":{\"class\":"
		  "\"crash\",\"status\":4,\"message\":\"m\"}}\n" },
		{ HL_E_NOKVM, "m", "", "", 0, "{\"ok\":false,\"error\":{\"class\":\"nokvm\","
		  "\"status\":5,\"message\":\"m\"}}\n" },
		{ HL_E_TIMEOUT, "m", "", "", 0, "{\"ok\":false,\"error\":{\"class\":\"timeout\","
		  "\"status\":124,\"message\":\"m\"}}\n" },
		{ HL_E_INTERNAL, "m", "", "", 0, "{\"ok\":false,\"error\":{\"class\":\"internal\","
		  "\"status\":125,\"message\":\"m\"}}\n" },
		{ HL_OK, "m", "", "", 0, "{\"ok\":false,\"error\":{\"class\":\"internal\","
		  "\"status\":125,\"message\":\"m\"}}\n" },
		{ 99, "m", "", "", 0, "{\"ok\":false,\"error\":{\"class\":\"internal\","
		  "\"status\":125,\"message\":\"m\"}}\n" },
		{ HL_E_GUEST, "q\"b\\s\n\x1b[31m\xff", "", "", 0, "{\"ok\":false,\"error\":{"
		  "\"class\":\"guest\",\"status\":1,\"message\":\"q\\\"b\\\\s\\n\\u001b[31m"
		  "\xef\xbf\xbd\"}}\n" },
		{ HL_E_CRASH, "", "9", "out\n", 4, "{\"id\":9,\"ok\":false,\"error\":{\"class\":"
		  "\"crash\",\"status\":4,\"message\":\"\"},\"output\":\"out\\n\"}\n" },
	};

	return cr_make_param_array(struct error_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct error_case *e, batch, error_line)
{
	struct cli_batch_call c = { 0 };
	struct cli_printed p;
	char out[256];

	strcpy(c.id, e->id);
	p = (struct cli_printed){ .call = e->output, .ncall = e->noutput };
	CAPTURE(out, cli_batch_print_error(f, &c, (enum hl_err)e->err, e->msg, &p));
	cr_assert_str_eq(out, e->want);
}

/* An answer is flushed as soon as it is written: a reader of a pipe must not wait. */
Test(batch, answers_are_flushed)
{
	struct cli_batch_call c = { .id = "1" };
	struct hl_value v = { .type = HL_T_I32, .u.i32 = 5 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	static const char want[] = "{\"id\":1,\"ok\":true,\"type\":\"i32\",\"value\":5}\n"
				   "{\"id\":1,\"ok\":false,\"error\":{\"class\":\"timeout\","
				   "\"status\":124,\"message\":\"t\"}}\n";

	cr_assert_not_null(f);
	cli_batch_print_result(f, &c, &v, NULL);
	cr_assert_eq(len, 42); /* open_memstream updates len only when f is flushed */
	cli_batch_print_error(f, &c, HL_E_TIMEOUT, "t", NULL);
	cr_assert_eq(len, sizeof want - 1);
	cr_assert_arr_eq(buf, want, sizeof want - 1);
	fclose(f);
	free(buf);
}
