/* Unit tests of batch mode's line format: the size limit of string and bytes arguments, and
 * long and hostile lines (depth bombs, huge numbers and ids, truncations, NUL bytes), which
 * must be refused with a message cut to size and never read past the line's end. */
#include "tests/unit/test_batch.h"

TestSuite(batch, .init = open_guest, .fini = close_guest);

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

/* A line built of prefix, n copies of fill and suffix; the message it gets ("" when it is
 * accepted) and the id it leaves.  Sizes leave room: a string that filled its array would
 * lose its NUL. */
struct built_case {
	char prefix[48];
	char fill[8];
	uint32_t n;
	char suffix[24];
	char want[152];
	char id[CLI_BATCH_ID_MAX];
};

/* 125 x's: the longest string id, 127 bytes of JSON with its quotes. */
#define X125                                                                             \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
_Static_assert(sizeof X125 - 1 == 125, "X125 is 125 bytes");

#define DEEP "line is not valid JSON: arrays and objects nested more than 16 deep at byte "
#define SPIN_ID "{\"function\":\"Spin\",\"id\":"
#define ID_TOO_LONG "key 'id' is longer than 127 bytes of JSON"

ParameterizedTestParameters(batch, long_and_deep_lines)
{
	static struct built_case cases[] = {
		/* Depth bombs. */
		{ "{\"args\":", "[", 100000, "", DEEP "24", "" },
		{ "{\"id\":1,\"function\":\"Nope\",\"args\":", "[{\"a\":", 50000, "", DEEP "77",
		  "" },
		/* 16 levels in all is the most: the object, args, and 14 arrays inside. */
		{ "{\"id\":2,\"function\":\"EchoI32\",\"args\":[", "[", 14, "1]]]]]]]]]]]]]]]}",
		  "EchoI32: argument 1: expected i32, got an array", "2" },
		/* Huge numbers are shown cut. */
		{ "{\"function\":\"EchoU64\",\"args\":[", "9", 100000, "]}",
		  "EchoU64: argument 1: '9999999999999999999999999999999999999999...' is not a "
		  "u64 (decimal or 0x hex, 0 to 18446744073709551615)", "" },
		{ "{\"function\":\"EchoU64\",\"args\":[\"", "0", 100000, "1\"]}", "", "" },
		{ "{\"function\":\"EchoF64\",\"args\":[1", "0", 400, "]}",
		  "EchoF64: argument 1: '1000000000000000000000000000000000000000...' is not "
		  "an f64 (a decimal or 0x hex number, inf or nan, within range)", "" },
		{ "{\"function\":\"EchoF64\",\"args\":[0.", "0", 400, "1]}", "", "" },
		/* Long text is shown cut at a character: 13 three-byte characters fit in 40
		 * bytes; the 14th would not. */
		{ "{\"function\":\"", "\xe2\x82\xac", 100, "\"}",
		  "no function '\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac...'", "" },
		/* An escape is not cut in two either: 6 bytes each, 6 fit. */
		{ "{\"function\":\"Echo\",\"id\":1,\"", "\\u0001", 100, "\":0}",
		  "unknown key '\\u0001\\u0001\\u0001\\u0001\\u0001\\u0001...'", "1" },
		/* Ids of up to 127 bytes of JSON. */
		{ SPIN_ID "\"", "x", 125, "\"}", "", "\"" X125 "\"" },
		{ SPIN_ID "\"", "x", 126, "\"}", ID_TOO_LONG, "" },
		/* Escapes count as written back: 62 "\n" take 124 bytes, 63 take 126. */
		{ SPIN_ID "\"", "\\n", 62, "\"}", "",
		  "\"\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n"
		  "\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n"
		  "\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\"" },
		{ SPIN_ID "\"", "\\n", 63, "\"}", ID_TOO_LONG, "" },
		/* "\u0078" is written back as "x". */
		{ SPIN_ID "\"", "\\u0078", 125, "\"}", "", "\"" X125 "\"" },
		{ SPIN_ID, "9", 127, "}", "",
		  "999999999999999999999999999999999999999999999999999999999999999999999999"
		  "9999999999999999999999999999999999999999999999999999999" },
		{ SPIN_ID, "9", 128, "}", ID_TOO_LONG, "" },
	};

	return cr_make_param_array(struct built_case, cases, sizeof cases / sizeof cases[0]);
}

/* Parses the built line and checks the error message (or OK) and the id it leaves. */
ParameterizedTest(struct built_case *b, batch, long_and_deep_lines)
{
	struct cli_batch_call c;
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	size_t len;
	char *line = build(b->prefix, b->fill, b->n, b->suffix, &len);
	enum hl_err err = parse_n(line, len, 1 << 20, &c, &m, &d);

	if (b->want[0] == '\0') {
		cr_assert_eq(err, HL_OK, "%s (%s x %u): %s", b->prefix, b->fill, b->n, d.msg);
	} else {
		cr_assert_eq(err, HL_E_USAGE, "%s (%s x %u) accepted", b->prefix, b->fill,
			     b->n);
		cr_assert_str_eq(d.msg, b->want);
	}
	cr_assert_str_eq(c.id, b->id, "%s (%s x %u): id %s", b->prefix, b->fill, b->n, c.id);
	cli_argmem_free(&m);
	free(line);
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
