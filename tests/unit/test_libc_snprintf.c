/* Unit tests of the guest libc's snprintf and vsnprintf (guests/libc/format.c), against
 * glibc's: the same bytes and return value for every conversion, flag and length, whole
 * and truncated, and for random doubles; unknown conversions printed as written.
 * test_libc.h says how the library is built for the host. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/test_libc.h"

enum arg_kind {
	A_NONE, A_INT, A_UINT, A_LONG, A_ULONG, A_LLONG, A_ULLONG, A_SIZE, A_PTRDIFF,
	A_INTMAX, A_UINTMAX, A_DOUBLE, A_STR, A_PTR, A_STAR_INT, A_STAR_STR, A_STARS_DOUBLE,
	A_MIXED,
};

/* One call: the format and the arguments that kind names (star, star2 for '*'). */
struct fmt_case {
	const char *fmt;
	enum arg_kind kind;
	long long i;
	unsigned long long u;
	double d;
	const char *s;
	int star, star2;
};

typedef int (*printf_fn)(char *buf, size_t size, const char *fmt, ...);

static int call(printf_fn fn, char *buf, size_t size, const struct fmt_case *c)
{
	switch (c->kind) {
	case A_NONE: return fn(buf, size, c->fmt);
	case A_INT: return fn(buf, size, c->fmt, (int)c->i);
	case A_UINT: return fn(buf, size, c->fmt, (unsigned)c->u);
	case A_LONG: return fn(buf, size, c->fmt, (long)c->i);
	case A_ULONG: return fn(buf, size, c->fmt, (unsigned long)c->u);
	case A_LLONG: return fn(buf, size, c->fmt, c->i);
	case A_ULLONG: return fn(buf, size, c->fmt, c->u);
	case A_SIZE: return fn(buf, size, c->fmt, (size_t)c->u);
	case A_PTRDIFF: return fn(buf, size, c->fmt, (ptrdiff_t)c->i);
	case A_INTMAX: return fn(buf, size, c->fmt, (intmax_t)c->i);
	case A_UINTMAX: return fn(buf, size, c->fmt, (uintmax_t)c->u);
	case A_DOUBLE: return fn(buf, size, c->fmt, c->d);
	case A_STR: return fn(buf, size, c->fmt, c->s);
	case A_PTR: return fn(buf, size, c->fmt, (void *)(uintptr_t)c->u);
	case A_STAR_INT: return fn(buf, size, c->fmt, c->star, (int)c->i);
	case A_STAR_STR: return fn(buf, size, c->fmt, c->star, c->s);
	case A_STARS_DOUBLE: return fn(buf, size, c->fmt, c->star, c->star2, c->d);
	case A_MIXED: return fn(buf, size, c->fmt, (int)c->i, c->s, c->d);
	}
	return -2;
}

static int via_vsnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hlt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#define I(f, v) { f, A_INT, .i = (v) }
#define U(f, v) { f, A_UINT, .u = (v) }
#define D(f, v) { f, A_DOUBLE, .d = (v) }
#define S(f, v) { f, A_STR, .s = (v) }
#define P(f, v) { f, A_PTR, .u = (v) }

static const struct fmt_case fmt_cases[] = {
	{ "plain text", .kind = A_NONE }, { "a%%b%%", .kind = A_NONE }, { "", .kind = A_NONE },
	I("%d", 0), I("%d", -1), I("%d", INT_MAX), I("%d", INT_MIN), I("%i", 42),
	I("%5d", 42), I("%-5d|", 42), I("%05d", -42), I("%+d", 7), I("% d", 7),
	I("%+d", -7), I("% 5d", 7), I("%+05d", 7), I("%.3d", 7), I("%.0d", 0),
	I("%5.0d|", 0), I("%8.3d", -7), I("%-8.3d|", -7), I("%05.2d", 3), I("%-05d|", 3),
	I("%hhd", 300), I("%hhd", -129), I("%hd", 70000), I("%hhu", -1), I("%hu", -1),
	I("%x", 0), I("%#x", 0), I("%#o", 0), I("%#.0o", 0), I("%.0x|", 0),
	I("%c", 'A'), I("%3c", 'x'), I("%-3c|", 'x'), I("%c", 0xe9),
	U("%u", UINT_MAX), U("%x", 0xdeadbeef), U("%X", 0xdeadbeef), U("%#x", 255),
	U("%#X", 255), U("%#o", 8), U("%o", 0777), U("%#.5x", 0x1f), U("%#10x", 0x1f),
	U("%#010x", 0x1f), U("%-#10x|", 0x1f),
	{ "%ld", A_LONG, .i = LONG_MIN }, { "%li", A_LONG, .i = LONG_MAX },
	{ "%lu", A_ULONG, .u = ULONG_MAX }, { "%lx", A_ULONG, .u = 0x123456789abcdef0 },
	{ "%lld", A_LLONG, .i = LLONG_MIN }, { "%+lld", A_LLONG, .i = 0 },
	{ "%llx", A_ULLONG, .u = ULLONG_MAX }, { "%#llo", A_ULLONG, .u = ULLONG_MAX },
	{ "%zu", A_SIZE, .u = SIZE_MAX }, { "%zx", A_SIZE, .u = 4096 },
	{ "%td", A_PTRDIFF, .i = -5 }, { "%zd", A_PTRDIFF, .i = -5 },
	{ "%jd", A_INTMAX, .i = INTMAX_MIN }, { "%ju", A_UINTMAX, .u = UINTMAX_MAX },
	S("%s", "hello"), S("%10s|", "hello"), S("%-10s|", "hello"), S("%.2s", "hello"),
	S("%.10s", "abc"), S("%s", NULL), S("[%s]", ""), S("[%5.1s]", "xyz"),
	S("%s", "\xe9\x80"),
	P("%p", 0x1234), P("%p", 0), P("%20p|", 0xdeadbeef), P("%-20p|", 0xdeadbeef),
	P("%p", UINTPTR_MAX),
	{ "%*d", A_STAR_INT, .star = 6, .i = 42 }, { "%*d|", A_STAR_INT, .star = -6, .i = 42 },
	{ "%.*d", A_STAR_INT, .star = 4, .i = 7 }, { "%.*d", A_STAR_INT, .star = -1, .i = 7 },
	{ "%0*d", A_STAR_INT, .star = 5, .i = -3 },
	{ "%.*s", A_STAR_STR, .star = 3, .s = "abcdef" },
	{ "%.*s", A_STAR_STR, .star = -1, .s = "abc" },
	{ "%*s|", A_STAR_STR, .star = -5, .s = "ab" },
	D("%f", 3.14159), D("%f", 0.0), D("%f", -0.0), D("%.0f", 0.5), D("%.0f", 1.5),
	D("%.0f", 2.5), D("%.0f", 0.4999), D("%.2f", 0.125), D("%.2f", 0.375),
	D("%.1f", 0.05), D("%.3f", 1e-10), D("%f", 1e20), D("%f", 1e300),
	D("%.0f", DBL_MAX), D("%.40f", 0.1), D("%.20f", 5e-324), D("%f", 123456789.987654321),
	D("%.15f", 2.0 / 3), D("%10.3f", -3.14159), D("%-10.2f|", 2.5), D("%010.2f", -3.14159),
	D("%+f", 1.0), D("% f", 1.0), D("%#.0f", 3.0), D("%.0f", 999.5), D("%.1f", 9.96),
	D("%e", 12345.678), D("%E", 0.000123), D("%.0e", 5e10), D("%.0e", 2.5),
	D("%#.0e", 1.0), D("%e", 0.0), D("%e", -0.0), D("%e", 1e-310), D("%e", DBL_MAX),
	D("%.20e", DBL_MIN), D("%e", 9.9999999), D("%.3e", 1e100), D("%12.4e", -1.5),
	D("%+.2e", 1e-5),
	D("%g", 100000), D("%g", 1000000), D("%g", 1e-4), D("%g", 1e-5), D("%g", 1.5),
	D("%#g", 1.5), D("%G", 1e-20), D("%.0g", 123), D("%.10g", 1.0 / 3), D("%g", 0.0),
	D("%g", -0.0), D("%g", 123456789), D("%g", 999999.5), D("%.3g", 0.0009995),
	D("%#.3g", 1.0), D("%g", 1e300), D("%010g", -1.5), D("%g", 5e-324),
	D("%.17g", 0.1), D("%G", 1.5e-7),
	D("%f", INFINITY), D("%F", INFINITY), D("%e", -INFINITY), D("%5f", NAN),
	D("%05f", INFINITY), D("%-6g|", -INFINITY), D("%E", NAN), D("%+f", INFINITY),
	D("%G", -NAN),
	{ "%*.*f", A_STARS_DOUBLE, .star = 10, .star2 = 3, .d = 3.14159265 },
	{ "%*.*e", A_STARS_DOUBLE, .star = 0, .star2 = -1, .d = 1.5 },
	{ "%*.*g|", A_STARS_DOUBLE, .star = -12, .star2 = 4, .d = 2.0 / 3 },
	{ "x=%d y=%s z=%.1f", A_MIXED, .i = 5, .s = "str", .d = 2.25 },
};

ParameterizedTestParameters(snprintf, matches_glibc)
{
	static size_t idx[NELEMS(fmt_cases)];

	return index_params(idx, NELEMS(fmt_cases));
}

/* Same bytes and return value as glibc, whole and truncated at every size. */
ParameterizedTest(size_t *i, snprintf, matches_glibc)
{
	const struct fmt_case *c = &fmt_cases[*i];
	char want[512], got[512];
	int n = call(snprintf, want, sizeof want, c);

	cr_assert(n >= 0 && n < (int)sizeof want, "%s: glibc returned %d", c->fmt, n);
	cr_assert_eq(call(hlt_snprintf, got, sizeof got, c), n, "%s", c->fmt);
	cr_assert_str_eq(got, want, "%s", c->fmt);
	cr_assert_eq(call(via_vsnprintf, got, sizeof got, c), n, "%s", c->fmt);
	cr_assert_str_eq(got, want, "%s", c->fmt);
	cr_assert_eq(call(hlt_snprintf, NULL, 0, c), n, "%s", c->fmt);
	for (size_t size = 1; size <= (size_t)n + 1; size++) {
		memset(got, 'Z', sizeof got);
		cr_assert_eq(call(hlt_snprintf, got, size, c), n, "%s size %zu", c->fmt, size);
		cr_assert_eq(memcmp(got, want, size - 1), 0, "%s size %zu", c->fmt, size);
		cr_assert_eq(got[size - 1], '\0', "%s size %zu", c->fmt, size);
		cr_assert_eq(got[size], 'Z', "%s size %zu", c->fmt, size);
	}
}

/* Random bit patterns (subnormals, huge values, NaNs) at random precisions. */
Test(snprintf, random_doubles_match_glibc)
{
	static const char *const fmts[] = { "%.*e", "%.*f", "%.*g", "%#.*g", "%+.*E" };
	printf_fn host = snprintf, mine = hlt_snprintf; /* formats chosen at run time */
	char want[512], got[512];
	uint64_t state = 0x9e3779b97f4a7c15ull;

	for (int it = 0; it < 20000; it++) {
		const char *fmt = fmts[it % NELEMS(fmts)];
		int prec = it / NELEMS(fmts) % 21, n;
		double d;

		state = state * 6364136223846793005ull + 1442695040888963407ull;
		memcpy(&d, &state, sizeof d);
		n = host(want, sizeof want, fmt, prec, d);
		cr_assert_eq(mine(got, sizeof got, fmt, prec, d), n, "%s %d %a", fmt, prec, d);
		cr_assert_str_eq(got, want, "%s %d %a", fmt, prec, d);
	}
}

struct literal_case {
	const char *fmt;
	const char *want;
};

static const struct literal_case literal_cases[] = {
	{ "%y", "%y" }, { "a%yb", "a%yb" }, { "%5y|", "%5y|" }, { "%hy", "%hy" },
	{ "%", "%" },   { "ab%", "ab%" },   { "%-", "%-" },     { "%.3", "%.3" },
};

ParameterizedTestParameters(snprintf, unknown_conversions_are_literal)
{
	static size_t idx[NELEMS(literal_cases)];

	return index_params(idx, NELEMS(literal_cases));
}

ParameterizedTest(size_t *i, snprintf, unknown_conversions_are_literal)
{
	const struct literal_case *c = &literal_cases[*i];
	char got[32];
	printf_fn fn = hlt_snprintf; /* unchecked: these formats are wrong on purpose */

	cr_assert_eq(fn(got, sizeof got, c->fmt), (int)strlen(c->want));
	cr_assert_str_eq(got, c->want);
}
