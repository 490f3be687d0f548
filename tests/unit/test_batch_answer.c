/* Unit tests of batch mode's answer lines: the exact text of a result and of an error, and
 * each answer flushed as soon as it is written.  They need no guest. */
#include <math.h>

#include "tests/unit/test_batch.h"

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
		  "\\u007f\"}\n" },
		/* What a terminal acts on, valid UTF-8 though it is, is escaped too: DEL above,
		 * C1 controls (CSI), bidirectional overrides and isolates. */
		{ HL_T_STRING, .data = "a\xc2\x9b" "b\xe2\x80\xae" "c\xe2\x81\xa6\xd8\x9c\xc2\xa0",
		  .len = 15, .want = "{\"ok\":true,\"type\":\"string\",\"value\":\"a\\u009bb"
		  "\\u202ec\\u2066\\u061c\xc2\xa0\"}\n" },
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
