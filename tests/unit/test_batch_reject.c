/* Unit tests of batch mode's line format: lines it refuses (bad JSON, bad calls, bad
 * arguments), each with its exact message and the id the answer still carries. */
#include "tests/unit/test_batch.h"

TestSuite(batch, .init = open_guest, .fini = close_guest);

/* ---- Lines that do not parse --------------------------------------------------------- */

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
