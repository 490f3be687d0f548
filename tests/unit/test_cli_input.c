/* Unit tests of cli/'s argument conversion: strings, bytes, files, counts, standard input. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "tests/unit/test_cli.h"

/* ---- Strings, bytes, files and counts ------------------------------------------------ */

/* Converts the single argument arg of type type with the given limit. */
static enum hl_err convert1(uint8_t type, char *arg, uint64_t limit, struct hl_value *v,
			    struct cli_argmem *m, struct hl_diag *d)
{
	struct hl_export e = export_of("F", HL_T_VOID, 1, &type);

	return cli_convert(&e, &arg, 1, limit, v, m, d);
}

/* Text on the command line is the argument itself, not a copy, whatever its first
 * character: '@' names a file only for bytes.  The limit bounds only what is read. */
struct verbatim_case {
	uint8_t type;
	char text[24];
	uint64_t limit;
};

ParameterizedTestParameters(cli, string_and_bytes_are_verbatim)
{
	static struct verbatim_case cases[] = {
		{ HL_T_STRING, " -5 @x\tend\n", 4 },
		{ HL_T_STRING, "@", 4 },
		{ HL_T_BYTES, "--", 4 },
		{ HL_T_STRING, "", 0 },
		{ HL_T_BYTES, "", 0 },
		{ HL_T_STRING, "@/nonexistent/file", 100 },
	};

	return cr_make_param_array(struct verbatim_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct verbatim_case *c, cli, string_and_bytes_are_verbatim)
{
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v;

	cr_assert_eq(convert1(c->type, c->text, c->limit, &v, &m, &d), HL_OK, "'%s': %s",
		     c->text, d.msg);
	cr_assert_eq(v.type, c->type);
	cr_assert_eq(v.data, (const uint8_t *)c->text, "'%s': a copy", c->text);
	cr_assert_eq(v.len, strlen(c->text));
	cr_assert_eq(m.n, 0);
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

/* ---- Standard input ------------------------------------------------------------------ */

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

/* Converts the len bytes at in, read from standard input, to an argument of type type,
 * which must succeed. */
static struct hl_value stdin_ok(uint8_t type, const void *in, size_t len, uint64_t limit,
				struct cli_argmem *m)
{
	struct hl_diag d = { 0 };
	struct hl_value v;

	stdin_from(in, len);
	cr_assert_eq(convert_stdin(type, limit, &v, m, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(v.type, type);
	return v;
}

/* What a string or bytes parameter reads from standard input: every byte as it is, NUL
 * bytes too for bytes, and a NUL after them, in one block of m. */
struct stdin_case {
	uint8_t type;
	char in[32];
	size_t len;
	uint64_t limit;
};

ParameterizedTestParameters(cli, stdin_is_verbatim)
{
	static struct stdin_case cases[] = {
		{ HL_T_STRING, "two\nlines\r\n\x01\xff trailing \n", 24, 100 },
		{ HL_T_BYTES, { 0, 'a', 0, 0, 'b', '\n' }, 6, 6 },
		{ HL_T_STRING, "", 0, 0 },
		{ HL_T_STRING, "0123456789", 10, 10 }, /* exactly at the limit */
	};

	return cr_make_param_array(struct stdin_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct stdin_case *c, cli, stdin_is_verbatim)
{
	struct cli_argmem m = { 0 };
	struct hl_value v = stdin_ok(c->type, c->in, c->len, c->limit, &m);

	cr_assert_eq(v.len, c->len);
	cr_assert_arr_eq(v.data, c->in, c->len + 1); /* and NUL-terminated */
	cr_assert_eq(m.n, 1);
	cli_argmem_free(&m);
}

/* A scalar read from standard input may end with one newline, as echo writes it. */
struct stdin_scalar {
	char in[8];
	size_t len;
	struct hl_value want;
};

ParameterizedTestParameters(cli, stdin_scalar_may_end_with_newline)
{
	static struct stdin_scalar cases[] = {
		{ "42\n", 3, { .type = HL_T_I32, .u.i32 = 42 } },
		{ "-7\r\n", 4, { .type = HL_T_I64, .u.i64 = -7 } },
		{ "true\n", 5, { .type = HL_T_BOOL, .u.b = true } },
		{ "1.5", 3, { .type = HL_T_F64, .u.f64 = 1.5 } },
	};

	return cr_make_param_array(struct stdin_scalar, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct stdin_scalar *c, cli, stdin_scalar_may_end_with_newline)
{
	struct cli_argmem m = { 0 };
	struct hl_value v = stdin_ok((uint8_t)c->want.type, c->in, c->len, 100, &m);

	switch (v.type) {
	case HL_T_I32: cr_assert_eq(v.u.i32, c->want.u.i32); break;
	case HL_T_I64: cr_assert_eq(v.u.i64, c->want.u.i64); break;
	case HL_T_BOOL: cr_assert_eq(v.u.b, c->want.u.b); break;
	default: cr_assert_eq(v.u.f64, c->want.u.f64); break;
	}
	cli_argmem_free(&m);
}

struct stdin_bad {
	uint8_t type;
	char in[8];
	size_t len;
	char msg[96];
};

ParameterizedTestParameters(cli, stdin_rejects)
{
	static struct stdin_bad cases[] = {
		/* One newline at most. */
		{ HL_T_I32, "42\n\n", 4,
		  "F: argument 1: '42\n' is not an i32 (decimal or 0x hex, -2147483648 to "
		  "2147483647)" },
		/* The whole text must be the number: a NUL does not end it early. */
		{ HL_T_I32, "7\0junk", 6,
		  "F: argument 1: holds a NUL byte, which only a bytes parameter accepts (this "
		  "one is i32)" },
		{ HL_T_STRING, "ab\0cd", 5,
		  "F: argument 1: holds a NUL byte, which only a bytes parameter accepts (this "
		  "one is string)" },
	};

	return cr_make_param_array(struct stdin_bad, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct stdin_bad *c, cli, stdin_rejects)
{
	struct cli_argmem m = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value v = { 0 };

	stdin_from(c->in, c->len);
	cr_assert_eq(convert_stdin(c->type, 100, &v, &m, &d), HL_E_USAGE,
		     "'%s' (%zu bytes) accepted", c->in, c->len);
	cr_assert_eq(d.err, HL_E_USAGE);
	cr_assert_str_eq(d.msg, c->msg);
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
