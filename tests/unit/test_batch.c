/* Unit tests of batch mode's line format (hlrun(1), BATCH MODE): lines that parse against
 * the sample guest's exports, the exact values they give, and where strings and bytes live.
 * The other pieces: test_batch_reject.c (lines refused, and their messages),
 * test_batch_long.c (size limits, long and hostile lines), test_batch_answer.c (answer
 * lines). */
#include <math.h>

#include "tests/unit/test_batch.h"

TestSuite(batch, .init = open_guest, .fini = close_guest);

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
		  "\x7f\"]}", "", "\"a\\\"b\\\\c/\\n\\t\\b\\f\\r\\u0001\\u001f\\u007f\"" },
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
