/* Unit tests of the host process's protocol (cli/bridge_reply.c): the exact request line
 * for values of every type, and reply lines, hostile text, accepted into a typed value or
 * an error value for the guest, or refused with their exact message.  The process and its
 * pipes are tests/kvm/test_bridge.c's. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_internal.h"

/* ---- Request lines ------------------------------------------------------------------- */

/* The request for a call of e with args, as the host process reads it. */
static void assert_request(uint64_t id, const struct hl_export *e, const struct hl_value *args,
			   const char *want)
{
	struct hl_diag d = { 0 };
	char *text = NULL;
	size_t len = 0;

	cr_assert_eq(cli_bridge_request(id, e, args, &text, &len, &d), HL_OK, "%s", d.msg);
	cr_assert_not_null(text);
	cr_assert_eq(len, strlen(want), "got %s", text);
	cr_assert_str_eq(text, want);
	free(text);
}

/* Twelve values, the most a call has: the bounds of each integer type, floats that JSON
 * has no number for, and a string of every kind of character the writer treats apart. */
Test(bridge, request_of_every_type)
{
	static const char str[] = "q\"b\\s\n\t\x01\x1f\x7f"  /* escaped */
		"\xc3\xa9\xf0\x9f\x98\x80"                   /* UTF-8 as it is */
		"\xc2\x9b\xe2\x80\xae"                       /* C1 CSI, bidi override */
		"\xff\xc3";                                  /* invalid: U+FFFD each */
	static const uint8_t bytes[] = { 0x00, 0x01, 0x02, 0xff };
	const struct hl_export e = {
		.name = "Mix", .ret = HL_T_VOID, .nparams = 12,
		.params = { HL_T_I32, HL_T_U32, HL_T_I64, HL_T_U64, HL_T_F32, HL_T_F64, HL_T_F64,
			    HL_T_F64, HL_T_BOOL, HL_T_STRING, HL_T_BYTES, HL_T_F64 },
	};
	const struct hl_value args[12] = {
		{ .type = HL_T_I32, .u.i32 = INT32_MIN },
		{ .type = HL_T_U32, .u.u32 = UINT32_MAX },
		{ .type = HL_T_I64, .u.i64 = INT64_MIN },
		{ .type = HL_T_U64, .u.u64 = UINT64_MAX },
		{ .type = HL_T_F32, .u.f32 = 0.1f },
		{ .type = HL_T_F64, .u.f64 = NAN },
		{ .type = HL_T_F64, .u.f64 = INFINITY },
		{ .type = HL_T_F64, .u.f64 = -INFINITY },
		{ .type = HL_T_BOOL, .u.b = true },
		{ .type = HL_T_STRING, .len = sizeof str - 1, .data = (const uint8_t *)str },
		{ .type = HL_T_BYTES, .len = sizeof bytes, .data = bytes },
		{ .type = HL_T_F64, .u.f64 = -2.5e-300 },
	};

	assert_request(7, &e, args, "{\"id\":7,\"function\":\"Mix\",\"args\":[-2147483648,"
		       "4294967295,-9223372036854775808,18446744073709551615,0.1,\"nan\",\"inf\","
		       "\"-inf\",true,\"q\\\"b\\\\s\\n\\t\\u0001\\u001f\\u007f"
		       "\xc3\xa9\xf0\x9f\x98\x80\\u009b\\u202e\xef\xbf\xbd\xef\xbf\xbd\","
		       "\"AAEC/w==\",-2.5e-300]}\n");
}

Test(bridge, request_of_empty_and_false_values)
{
	const struct hl_export e = {
		.name = "Empty_1", .ret = HL_T_STRING, .nparams = 4,
		.params = { HL_T_STRING, HL_T_BYTES, HL_T_BOOL, HL_T_F32 },
	};
	const struct hl_value args[4] = {
		{ .type = HL_T_STRING, .len = 0, .data = (const uint8_t *)"" },
		{ .type = HL_T_BYTES, .len = 0, .data = NULL },
		{ .type = HL_T_BOOL, .u.b = false },
		{ .type = HL_T_F32, .u.f32 = -INFINITY },
	};

	assert_request(1, &e, args, "{\"id\":1,\"function\":\"Empty_1\",\"args\":[\"\",\"\","
		       "false,\"-inf\"]}\n");
}

Test(bridge, request_without_arguments)
{
	const struct hl_export e = { .name = "Now", .ret = HL_T_U64 };

	assert_request(1, &e, NULL, "{\"id\":1,\"function\":\"Now\",\"args\":[]}\n");
	assert_request(UINT64_MAX, &e, NULL, "{\"id\":18446744073709551615,\"function\":"
		       "\"Now\",\"args\":[]}\n");
}

/* ---- Replies accepted ---------------------------------------------------------------- */

/* Reads line as the reply to request want, a call of Fn returning ret, into *o (its value's
 * type preset, as the core presets it); *stale says what the reader set. */
static enum hl_err reply(const char *line, uint64_t want, uint8_t ret, bool *stale,
			 struct sbx_host_out *o, struct hl_diag *d)
{
	const struct hl_export e = { .name = "Fn", .ret = ret };

	*o = (struct sbx_host_out){ .val.type = ret };
	*stale = false;
	memset(d, 0, sizeof *d);
	return cli_bridge_reply(line, strlen(line), want, &e, stale, o, d);
}

/* o as reply() preset it: nothing read into it. */
static void assert_untouched(const struct sbx_host_out *o, uint8_t ret, const char *line)
{
	cr_assert_eq(o->val.type, ret, "%s", line);
	cr_assert_eq(o->val.len, 0, "%s", line);
	cr_assert_eq(o->val.u.u64, 0, "%s", line);
	cr_assert_null(o->val.data, "%s", line);
	cr_assert_null(o->owned, "%s", line);
	cr_assert_eq(o->code, 0, "%s", line);
	cr_assert_eq(o->msg[0], '\0', "%s", line);
}

struct ok_case {
	char line[96];
	uint8_t ret;
	char want[40]; /* scalars as cli_format_scalar() writes them; data bytes */
	uint32_t len;  /* of data */
};

ParameterizedTestParameters(bridge, accepts)
{
	static struct ok_case cases[] = {
		{ "{\"id\":1,\"result\":null}", HL_T_VOID, "", 0 },
		{ "{\"\\u0069d\":1,\"r\\u0065sult\":7}", HL_T_I32, "7", 0 },
		{ "{\"id\":1,\"result\":-2147483648}", HL_T_I32, "-2147483648", 0 },
		{ "{\"id\":1,\"result\":\"0x7fffffff\"}", HL_T_I32, "2147483647", 0 },
		{ "{\"id\":1,\"result\":\"-0x80000000\"}", HL_T_I32, "-2147483648", 0 },
		{ "{\"id\":1,\"result\":4294967295}", HL_T_U32, "4294967295", 0 },
		{ "{\"id\":1,\"result\":\"0xFFFFFFFF\"}", HL_T_U32, "4294967295", 0 },
		{ "{\"id\":1,\"result\":-0}", HL_T_U32, "0", 0 },
		{ "{\"id\":1,\"result\":-9223372036854775808}", HL_T_I64, "-9223372036854775808",
		  0 },
		{ "{\"id\":1,\"result\":\"9223372036854775807\"}", HL_T_I64, "9223372036854775807",
		  0 },
		{ "{\"id\":1,\"result\":18446744073709551615}", HL_T_U64, "18446744073709551615",
		  0 },
		{ "{\"id\":1,\"result\":\"0xffffffffffffffff\"}", HL_T_U64,
		  "18446744073709551615", 0 },
		{ "{\"id\":1,\"result\":1.5}", HL_T_F32, "1.5", 0 },
		{ "{\"id\":1,\"result\":1e-3}", HL_T_F32, "0.001", 0 },
		{ "{\"id\":1,\"result\":3.4028234663852886e38}", HL_T_F32, "3.4028235e+38", 0 },
		{ "{\"id\":1,\"result\":\"inf\"}", HL_T_F32, "inf", 0 },
		{ "{\"id\":1,\"result\":\"nan\"}", HL_T_F32, "nan", 0 },
		{ "{\"id\":1,\"result\":-2.5E-3}", HL_T_F64, "-0.0025", 0 },
		{ "{\"id\":1,\"result\":1.7976931348623157e308}", HL_T_F64,
		  "1.7976931348623157e+308", 0 },
		{ "{\"id\":1,\"result\":\"0x1p-2\"}", HL_T_F64, "0.25", 0 },
		{ "{\"id\":1,\"result\":\"-inf\"}", HL_T_F64, "-inf", 0 },
		{ "{\"id\":1,\"result\":\"nan\"}", HL_T_F64, "nan", 0 },
		{ "{\"id\":1,\"result\":true}", HL_T_BOOL, "true", 0 },
		{ "{\"id\":1,\"result\":false}", HL_T_BOOL, "false", 0 },
		{ "{\"id\":1,\"result\":\"\"}", HL_T_STRING, "", 0 },
		{ "{\"id\":1,\"result\":\"a\\\"b\\\\c\\/\\n\\t\\u00e9\\ud83d\\ude00\xc3\xa9\"}",
		  HL_T_STRING, "a\"b\\c/\n\t\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9", 16 },
		{ "{\"id\":1,\"result\":\"\"}", HL_T_BYTES, "", 0 },
		{ "{\"id\":1,\"result\":\"AAEC/w==\"}", HL_T_BYTES, "\x00\x01\x02\xff", 4 },
		{ "{\"id\":1,\"result\":\"aGk\\u003d\"}", HL_T_BYTES, "hi", 2 },
		/* Keys in any order, whitespace around and between. */
		{ "{\"result\":5,\"id\":1}", HL_T_I32, "5", 0 },
		{ " \t{ \"id\" :\r1 ,\n\"result\" : \"x\" } \t", HL_T_STRING, "x", 1 },
		{ "{\"result\":null,\"id\":1}", HL_T_VOID, "", 0 },
	};

	return cr_make_param_array(struct ok_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct ok_case *c, bridge, accepts)
{
	struct sbx_host_out o;
	struct hl_diag d;
	char got[CLI_SCALAR_MAX];
	bool stale;

	cr_assert_eq(reply(c->line, 1, c->ret, &stale, &o, &d), HL_OK, "%s: %s", c->line, d.msg);
	cr_assert_eq(stale, false);
	cr_assert_eq(o.code, 0, "%s", o.msg);
	cr_assert_eq(o.val.type, c->ret);
	if (c->ret == HL_T_STRING || c->ret == HL_T_BYTES) {
		/* The data lies in o.owned; a string is NUL-terminated after its length. */
		cr_assert_not_null(o.owned);
		cr_assert_eq(o.val.data, o.owned, "%s", c->line);
		cr_assert_eq(o.val.len, c->len, "%s: %u bytes", c->line, o.val.len);
		cr_assert_arr_eq(o.val.data, c->want, c->len, "%s", c->line);
		cr_assert(c->ret == HL_T_BYTES || o.val.data[c->len] == 0, "%s", c->line);
	} else if (c->ret == HL_T_VOID) {
		assert_untouched(&o, HL_T_VOID, c->line);
	} else {
		cr_assert(cli_format_scalar(got, sizeof got, &o.val));
		cr_assert_str_eq(got, c->want, "%s", c->line);
	}
	free(o.owned);
}

/* An error reply becomes the guest's error: the function's name, then the text. */
Test(bridge, error_reply_is_the_guests_error)
{
	static const struct {
		const char *line;
		uint8_t ret;
		const char *msg;
	} cases[] = {
		{ "{\"id\":3,\"error\":\"no colour for 'sea'\"}", HL_T_STRING,
		  "Fn: no colour for 'sea'" },
		{ "{\"error\":\"\\\"x\\\" \\u00e9\\ud83d\\ude00\",\"id\":3}", HL_T_VOID,
		  "Fn: \"x\" \xc3\xa9\xf0\x9f\x98\x80" },
		{ "{\"id\":3,\"error\":\"\"}", HL_T_I32, "Fn: " },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sbx_host_out o;
		struct hl_diag d;
		bool stale;

		cr_assert_eq(reply(cases[i].line, 3, cases[i].ret, &stale, &o, &d), HL_OK, "%s",
			     d.msg);
		cr_assert_eq(stale, false);
		cr_assert_eq(o.code, HL_ERR_HOST_FAILED);
		cr_assert_str_eq(o.msg, cases[i].msg);
		cr_assert_eq(o.val.type, cases[i].ret);
		cr_assert_null(o.val.data);
		cr_assert_eq(d.err, HL_OK);
		free(o.owned);
	}
}

/* A reply to an earlier request (one that timed out) is skipped, whatever it holds. */
Test(bridge, stale_reply_sets_only_stale)
{
	static const char *const lines[] = {
		"{\"id\":4,\"result\":7}",
		"{\"id\":1,\"result\":7}",
		"{\"id\":0,\"result\":\"not a number\"}",
		"{\"error\":\"late\",\"id\":4}",
	};
	struct sbx_host_out o;
	struct hl_diag d;
	bool stale;

	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		cr_assert_eq(reply(lines[i], 5, HL_T_I32, &stale, &o, &d), HL_OK, "%s", d.msg);
		cr_assert_eq(stale, true, "%s", lines[i]);
		assert_untouched(&o, HL_T_I32, lines[i]);
		cr_assert_eq(d.err, HL_OK);
	}
	/* The reply to this request is no longer stale. */
	cr_assert_eq(reply("{\"id\":5,\"result\":7}", 5, HL_T_I32, &stale, &o, &d), HL_OK);
	cr_assert_eq(stale, false);
	cr_assert_eq(o.val.u.i32, 7);
	free(o.owned);
}

/* The largest id in 19 digits is still read. */
Test(bridge, id_of_19_digits)
{
	struct sbx_host_out o;
	struct hl_diag d;
	bool stale;

	cr_assert_eq(reply("{\"id\":9999999999999999999,\"result\":true}", 9999999999999999999u,
			   HL_T_BOOL, &stale, &o, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(stale, false);
	cr_assert_eq(o.val.u.b, true);
	cr_assert_eq(reply("{\"id\":9999999999999999998,\"result\":true}", 9999999999999999999u,
			   HL_T_BOOL, &stale, &o, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(stale, true);
}

/* ---- Replies refused ----------------------------------------------------------------- */

#define K39 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
#define NOT_INT(s, t, range) "Fn: result: '" s "' is not " t " (decimal or 0x hex, " range ")"
#define I32_RANGE "-2147483648 to 2147483647"
#define U32_RANGE "0 to 4294967295"
#define U64_RANGE "0 to 18446744073709551615"
#define NOT_FLOAT(s, t) "Fn: result: '" s "' is not " t " (a decimal or 0x hex number, " \
	"inf or nan, within range)"
#define NOT_ID "\"id\" is not 1, the request's"

struct bad_case {
	char line[112];
	uint8_t ret;
	char msg[136];
};

ParameterizedTestParameters(bridge, refuses)
{
	static struct bad_case cases[] = {
		/* Not JSON, not an object. */
		{ "", HL_T_I32, "line is not valid JSON: expected a value at end of line" },
		{ "{\"id\":1,\"result\":1", HL_T_I32, "line is not valid JSON: expected ',' or "
		  "'}' at end of line" },
		{ "{\"id\":1,\"result\":1}x", HL_T_I32, "line is not valid JSON: trailing "
		  "characters at byte 20" },
		{ "{\"id\":1,\"result\":\"\xff\"}", HL_T_STRING, "line is not valid JSON: invalid "
		  "UTF-8 in a string at byte 19" },
		{ "{\"id\":1,\"result\":\"\\ud800\"}", HL_T_STRING, "line is not valid JSON: lone "
		  "surrogate in \\u escape at byte 19" },
		{ "[1]", HL_T_I32, "a reply is an object, not an array" },
		{ "null", HL_T_I32, "a reply is an object, not null" },
		{ " \"x\" ", HL_T_I32, "a reply is an object, not a string" },
		{ "1", HL_T_I32, "a reply is an object, not a number" },
		/* The id: present, a plain whole number, this request's or an earlier one's. */
		{ "{\"result\":1}", HL_T_I32, "no \"id\"" },
		{ "{}", HL_T_VOID, "no \"id\"" },
		{ "{\"id\":1.0,\"result\":1}", HL_T_I32, NOT_ID },
		{ "{\"id\":-1,\"result\":1}", HL_T_I32, NOT_ID },
		{ "{\"id\":-0,\"result\":1}", HL_T_I32, NOT_ID },
		{ "{\"id\":\"1\",\"result\":1}", HL_T_I32, NOT_ID },
		{ "{\"id\":1e0,\"result\":1}", HL_T_I32, NOT_ID },
		{ "{\"id\":1E2,\"result\":1}", HL_T_I32, NOT_ID },
		{ "{\"id\":null,\"result\":1}", HL_T_I32, NOT_ID },
		{ "{\"id\":[1],\"result\":1}", HL_T_I32, NOT_ID },
		{ "{\"id\":2,\"result\":1}", HL_T_I32, NOT_ID },
		{ "{\"id\":18446744073709551615,\"result\":1}", HL_T_I32, NOT_ID },
		{ "{\"id\":100000000000000000001,\"result\":1}", HL_T_I32, NOT_ID },
		/* Keys. */
		{ "{\"id\":1,\"result\":1,\"extra\":0}", HL_T_I32, "unknown key \"extra\"" },
		{ "{\"ID\":1,\"result\":1}", HL_T_I32, "unknown key \"ID\"" },
		{ "{\"id\":1,\"" K39 "k\":1}", HL_T_I32, "unknown key \"" K39 "k\"" },
		{ "{\"id\":1,\"" K39 K39 "\":1}", HL_T_I32, "unknown key \"" K39 "k...\"" },
		{ "{\"id\":1,\"\\u0069d\":1,\"result\":1}", HL_T_I32, "repeated key \"id\"" },
		{ "{\"id\":1,\"id\":1,\"result\":1}", HL_T_I32, "repeated key \"id\"" },
		{ "{\"id\":1,\"result\":1,\"result\":2}", HL_T_I32, "repeated key \"result\"" },
		{ "{\"id\":1,\"error\":\"a\",\"error\":\"b\"}", HL_T_I32, "repeated key "
		  "\"error\"" },
		{ "{\"id\":1,\"result\":1,\"error\":\"x\"}", HL_T_I32, "both \"result\" and "
		  "\"error\"" },
		{ "{\"error\":null,\"id\":1,\"result\":null}", HL_T_VOID, "both \"result\" and "
		  "\"error\"" },
		{ "{\"id\":1}", HL_T_I32, "neither \"result\" nor \"error\"" },
		/* The error: a string. */
		{ "{\"id\":1,\"error\":5}", HL_T_I32, "\"error\" is a number, not a string" },
		{ "{\"id\":1,\"error\":null}", HL_T_VOID, "\"error\" is null, not a string" },
		{ "{\"id\":1,\"error\":{\"msg\":\"x\"}}", HL_T_I32, "\"error\" is an object, not "
		  "a string" },
		{ "{\"id\":1,\"error\":[\"x\"]}", HL_T_I32, "\"error\" is an array, not a string" },
		{ "{\"id\":1,\"error\":false}", HL_T_I32, "\"error\" is a boolean, not a string" },
		/* A result of the wrong JSON kind for each type. */
		{ "{\"id\":1,\"result\":true}", HL_T_I32, "result: expected i32, got a boolean" },
		{ "{\"id\":1,\"result\":null}", HL_T_U32, "result: expected u32, got null" },
		{ "{\"id\":1,\"result\":[1]}", HL_T_I64, "result: expected i64, got an array" },
		{ "{\"id\":1,\"result\":{}}", HL_T_U64, "result: expected u64, got an object" },
		{ "{\"id\":1,\"result\":false}", HL_T_F32, "result: expected f32, got a boolean" },
		{ "{\"id\":1,\"result\":null}", HL_T_F64, "result: expected f64, got null" },
		{ "{\"id\":1,\"result\":1}", HL_T_BOOL, "result: expected bool, got a number" },
		{ "{\"id\":1,\"result\":\"true\"}", HL_T_BOOL, "result: expected bool, got a "
		  "string" },
		{ "{\"id\":1,\"result\":null}", HL_T_BOOL, "result: expected bool, got null" },
		{ "{\"id\":1,\"result\":1}", HL_T_STRING, "result: expected string, got a "
		  "number" },
		{ "{\"id\":1,\"result\":[\"x\"]}", HL_T_STRING, "result: expected string, got an "
		  "array" },
		{ "{\"id\":1,\"result\":null}", HL_T_BYTES, "result: expected bytes, got null" },
		{ "{\"id\":1,\"result\":[0,1]}", HL_T_BYTES, "result: expected bytes, got an "
		  "array" },
		/* void: null alone. */
		{ "{\"id\":1,\"result\":0}", HL_T_VOID, "result: expected null for void, got a "
		  "number" },
		{ "{\"id\":1,\"result\":false}", HL_T_VOID, "result: expected null for void, got a "
		  "boolean" },
		{ "{\"id\":1,\"result\":\"\"}", HL_T_VOID, "result: expected null for void, got a "
		  "string" },
		{ "{\"id\":1,\"result\":[]}", HL_T_VOID, "result: expected null for void, got an "
		  "array" },
		{ "{\"id\":1,\"result\":{}}", HL_T_VOID, "result: expected null for void, got an "
		  "object" },
		/* Integers out of range, or not integers, given as numbers or strings. */
		{ "{\"id\":1,\"result\":2147483648}", HL_T_I32, NOT_INT("2147483648", "an i32",
		  I32_RANGE) },
		{ "{\"id\":1,\"result\":\"-2147483649\"}", HL_T_I32,
		  NOT_INT("-2147483649", "an i32", I32_RANGE) },
		{ "{\"id\":1,\"result\":1.5}", HL_T_I32, NOT_INT("1.5", "an i32", I32_RANGE) },
		{ "{\"id\":1,\"result\":1e2}", HL_T_I32, NOT_INT("1e2", "an i32", I32_RANGE) },
		{ "{\"id\":1,\"result\":\" 1\"}", HL_T_I32, NOT_INT(" 1", "an i32", I32_RANGE) },
		{ "{\"id\":1,\"result\":4294967296}", HL_T_U32, NOT_INT("4294967296", "a u32",
		  U32_RANGE) },
		{ "{\"id\":1,\"result\":-1}", HL_T_U32, NOT_INT("-1", "a u32", U32_RANGE) },
		{ "{\"id\":1,\"result\":9223372036854775808}", HL_T_I64,
		  NOT_INT("9223372036854775808", "an i64", "-2^63 to 2^63-1") },
		{ "{\"id\":1,\"result\":\"-0x8000000000000001\"}", HL_T_I64,
		  NOT_INT("-0x8000000000000001", "an i64", "-2^63 to 2^63-1") },
		{ "{\"id\":1,\"result\":18446744073709551616}", HL_T_U64,
		  NOT_INT("18446744073709551616", "a u64", U64_RANGE) },
		{ "{\"id\":1,\"result\":\"-1\"}", HL_T_U64, NOT_INT("-1", "a u64", U64_RANGE) },
		{ "{\"id\":1,\"result\":\"\"}", HL_T_U64, NOT_INT("", "a u64", U64_RANGE) },
		/* Text shown escaped, and at most 40 characters of it. */
		{ "{\"id\":1,\"result\":\"1\\n\\u001b[2J\"}", HL_T_I32, NOT_INT("1\\n\\u001b[2J",
		  "an i32", I32_RANGE) },
		{ "{\"id\":1,\"result\":\"12345678901234567890123456789012345678901\"}", HL_T_I32,
		  NOT_INT("1234567890123456789012345678901234567890...", "an i32", I32_RANGE) },
		/* Floats out of range, or no floats. */
		{ "{\"id\":1,\"result\":1e39}", HL_T_F32, NOT_FLOAT("1e39", "an f32") },
		{ "{\"id\":1,\"result\":\"-3.5e38\"}", HL_T_F32, NOT_FLOAT("-3.5e38", "an f32") },
		{ "{\"id\":1,\"result\":1e309}", HL_T_F64, NOT_FLOAT("1e309", "an f64") },
		{ "{\"id\":1,\"result\":\"-1e999\"}", HL_T_F64, NOT_FLOAT("-1e999", "an f64") },
		{ "{\"id\":1,\"result\":\"1.5x\"}", HL_T_F64, NOT_FLOAT("1.5x", "an f64") },
		/* Bytes: padded standard base64; strings: no NUL. */
		{ "{\"id\":1,\"result\":\"AAE\"}", HL_T_BYTES, "result: not padded standard "
		  "base64" },
		{ "{\"id\":1,\"result\":\"AA=A\"}", HL_T_BYTES, "result: not padded standard "
		  "base64" },
		{ "{\"id\":1,\"result\":\"AB==\"}", HL_T_BYTES, "result: not padded standard "
		  "base64" },
		{ "{\"id\":1,\"result\":\"aGk-\"}", HL_T_BYTES, "result: not padded standard "
		  "base64" },
		{ "{\"id\":1,\"result\":\"aGk=\\n\"}", HL_T_BYTES, "result: not padded standard "
		  "base64" },
		{ "{\"id\":1,\"result\":\"a\\u0000b\"}", HL_T_STRING, "result: a string holds no "
		  "NUL byte" },
		{ "{\"id\":1,\"result\":\"\\u0000\"}", HL_T_STRING, "result: a string holds no "
		  "NUL byte" },
		/* A number in a string is all number: nothing after a NUL is dropped. */
		{ "{\"id\":1,\"result\":\"1\\u00002\"}", HL_T_I32, "result: a number holds no "
		  "NUL byte" },
		{ "{\"id\":1,\"result\":\"7\\u0000junk\"}", HL_T_U64, "result: a number holds "
		  "no NUL byte" },
		{ "{\"id\":1,\"result\":\"1.5\\u0000x\"}", HL_T_F64, "result: a number holds "
		  "no NUL byte" },
	};

	return cr_make_param_array(struct bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_case *c, bridge, refuses)
{
	struct sbx_host_out o;
	struct hl_diag d;
	bool stale;

	cr_assert_eq(reply(c->line, 1, c->ret, &stale, &o, &d), HL_E_USAGE, "%s: accepted",
		     c->line);
	cr_assert_eq(d.err, HL_E_USAGE);
	cr_assert_str_eq(d.msg, c->msg, "%s: got %s", c->line, d.msg);
	cr_assert_eq(stale, false);
	/* The reader refuses the line; making that the guest's error is its caller's. */
	cr_assert_eq(o.code, 0, "%s", c->line);
	free(o.owned);
}
