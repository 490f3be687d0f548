/* Unit tests of cli/'s output: results, signatures, and messages on a terminal. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tests/unit/test_cli.h"

/* ---- Printing ------------------------------------------------------------------------ */

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

/* A string gets a newline, bytes go out raw, void prints nothing. */
struct print_data_case {
	uint8_t type;
	char data[8];
	uint32_t len;
	char want[8];
	size_t want_len;
};

ParameterizedTestParameters(cli, print_string_bytes_and_void)
{
	static struct print_data_case cases[] = {
		{ HL_T_STRING, "hello", 5, "hello\n", 6 },
		{ HL_T_STRING, "", 0, "\n", 1 },
		{ HL_T_BYTES, "a\0\xff\0\nb", 6, "a\0\xff\0\nb", 6 },
		{ HL_T_VOID, "", 0, "", 0 },
	};

	return cr_make_param_array(struct print_data_case, cases,
				   sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct print_data_case *c, cli, print_string_bytes_and_void)
{
	struct hl_value v = { .type = c->type, .len = c->len,
			      .data = (const uint8_t *)c->data };
	size_t len = 99;
	char *out = printed(&v, &len);

	cr_assert_eq(len, c->want_len, "got %zu bytes, want %zu", len, c->want_len);
	cr_assert_arr_eq(out, c->want, c->want_len + 1); /* and NUL-terminated */
	free(out);
}

/* ---- Signatures ---------------------------------------------------------------------- */

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
	cr_assert_str_eq(buf, "Many(i32, u32, i64, u64, f32, f64, bool, string, bytes, i32, "
			 "u32, i64) -> bytes");
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

/* ---- Messages on a terminal ---------------------------------------------------------- */

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
