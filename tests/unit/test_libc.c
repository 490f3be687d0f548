/* Unit tests of the guest libc (guests/libc), built for the host with every symbol
 * prefixed hlt_ (see guests/libc/libc.mk) so that it can be compared with glibc. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *hlt_memcpy(void *dst, const void *src, size_t n);
void *hlt_memmove(void *dst, const void *src, size_t n);
void *hlt_memset(void *dst, int c, size_t n);
int hlt_memcmp(const void *a, const void *b, size_t n);
void *hlt_memchr(const void *s, int c, size_t n);
size_t hlt_strlen(const char *s);
size_t hlt_strnlen(const char *s, size_t max);
int hlt_strcmp(const char *a, const char *b);
int hlt_strncmp(const char *a, const char *b, size_t n);
char *hlt_strchr(const char *s, int c);
char *hlt_strrchr(const char *s, int c);
size_t hlt_hl_strlcpy(char *dst, const char *src, size_t size);
int hlt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int hlt_snprintf(char *buf, size_t size, const char *fmt, ...);
void hlt_hl_heap_init(void *base, size_t size);
void *hlt_malloc(size_t n);
void hlt_free(void *p);
void *hlt_calloc(size_t n, size_t m);
void *hlt_realloc(void *p, size_t n);
size_t hlt_hl_heap_free_bytes(void);
_Noreturn void hlt_hl_libc_panic(const char *msg);

#define OVERHEAD 16 /* HL_HEAP_BLOCK_OVERHEAD */

/* The panic message a test expects: the right one aborts (SIGABRT), any other exits 3. */
static const char *expected_panic = "";

void hlt_hl_libc_panic(const char *msg)
{
	if (strcmp(msg, expected_panic) != 0)
		exit(3);
	abort();
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Criterion may run a test in a new exec of this program, where the parameters arrive as
 * copied bytes but addresses differ: so a parameter is an index into a file-scope table,
 * never a struct holding pointers. */
static struct criterion_test_params index_params(size_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, n);
}

/* ---- Memory and strings ------------------------------------------------------------- */

/* Every alignment of source and destination, every length up to a few words. */
Test(string, memcpy_all_alignments)
{
	unsigned char src[64], dst[80], want[80];

	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (unsigned char)(i * 7 + 0x81);
	for (size_t so = 0; so < 8; so++)
		for (size_t d = 0; d < 8; d++)
			for (size_t n = 0; n <= 48; n++) {
				memset(dst, 0xee, sizeof dst);
				memset(want, 0xee, sizeof want);
				memcpy(want + d, src + so, n);
				cr_assert_eq(hlt_memcpy(dst + d, src + so, n), dst + d);
				cr_assert_eq(memcmp(dst, want, sizeof dst), 0,
					     "so=%zu d=%zu n=%zu", so, d, n);
			}
}

/* Overlap in both directions, against glibc's memmove. */
Test(string, memmove_overlapping)
{
	unsigned char buf[96], want[96];

	for (size_t from = 0; from < 24; from++)
		for (size_t to = 0; to < 24; to++)
			for (size_t n = 0; n <= 40; n++) {
				for (size_t i = 0; i < sizeof buf; i++)
					buf[i] = want[i] = (unsigned char)(i + 0x70);
				memmove(want + to, want + from, n);
				cr_assert_eq(hlt_memmove(buf + to, buf + from, n), buf + to);
				cr_assert_eq(memcmp(buf, want, sizeof buf), 0,
					     "from=%zu to=%zu n=%zu", from, to, n);
			}
}

Test(string, memmove_small_overlap)
{
	char up[] = "0123456789", down[] = "0123456789";

	hlt_memmove(up + 2, up, 5);
	hlt_memmove(down, down + 2, 5);
	cr_assert_str_eq(up, "0101234789");
	cr_assert_str_eq(down, "2345656789");
}

Test(string, memset_uses_the_low_byte)
{
	unsigned char buf[40];

	for (size_t off = 0; off < 8; off++)
		for (size_t n = 0; n <= 24; n++) {
			memset(buf, 0x11, sizeof buf);
			cr_assert_eq(hlt_memset(buf + off, 0x1ab, n), buf + off);
			for (size_t i = 0; i < sizeof buf; i++)
				cr_assert_eq(buf[i], i >= off && i < off + n ? 0xab : 0x11,
					     "off=%zu n=%zu i=%zu", off, n, i);
		}
}

struct cmp_case {
	const char *a, *b;
	size_t n;
	int want; /* sign */
};

static const struct cmp_case memcmp_cases[] = {
	{ "abc", "abc", 3, 0 },    { "abc", "abd", 3, -1 },   { "abd", "abc", 3, 1 },
	{ "abc", "abd", 2, 0 },    { "a", "b", 0, 0 },        { "\x80", "\x7f", 1, 1 },
	{ "\x01", "\xff", 1, -1 }, { "a\0b", "a\0c", 3, -1 }, { "\xff\x00", "\xff\x01", 2, -1 },
};

ParameterizedTestParameters(string, memcmp)
{
	static size_t idx[NELEMS(memcmp_cases)];

	return index_params(idx, NELEMS(memcmp_cases));
}

ParameterizedTest(size_t *i, string, memcmp)
{
	const struct cmp_case *c = &memcmp_cases[*i];

	cr_assert_eq(sign(hlt_memcmp(c->a, c->b, c->n)), c->want);
}

static const struct cmp_case strncmp_cases[] = {
	{ "abc", "abc", 3, 0 },        { "abc", "abd", 3, -1 },   { "abc", "abd", 2, 0 },
	{ "abc", "ab", 3, 1 },         { "ab", "abc", 9, -1 },    { "a\x80", "a\x7f", 2, 1 },
	{ "x", "y", 0, 0 },            { "ab\0x", "ab\0y", 4, 0 }, { "", "", 5, 0 },
	{ "\xe9", "e", 1, 1 },
};

ParameterizedTestParameters(string, strncmp)
{
	static size_t idx[NELEMS(strncmp_cases)];

	return index_params(idx, NELEMS(strncmp_cases));
}

ParameterizedTest(size_t *i, string, strncmp)
{
	const struct cmp_case *c = &strncmp_cases[*i];

	cr_assert_eq(sign(hlt_strncmp(c->a, c->b, c->n)), c->want);
}

static const struct cmp_case strcmp_cases[] = {
	{ "", "", 0, 0 },          { "", "a", 0, -1 },          { "a", "", 0, 1 },
	{ "\x80", "\x01", 0, 1 },  { "\xff", "\xfe", 0, 1 },    { "abc", "abcd", 0, -1 },
	{ "same", "same", 0, 0 },  { "ab\0x", "ab\0y", 0, 0 },
};

ParameterizedTestParameters(string, strcmp)
{
	static size_t idx[NELEMS(strcmp_cases)];

	return index_params(idx, NELEMS(strcmp_cases));
}

ParameterizedTest(size_t *i, string, strcmp)
{
	const struct cmp_case *c = &strcmp_cases[*i];

	cr_assert_eq(sign(hlt_strcmp(c->a, c->b)), c->want);
}

Test(string, lengths)
{
	const char unterminated[4] = { 'a', 'b', 'c', 'd' };

	cr_assert_eq(hlt_strlen(""), 0);
	cr_assert_eq(hlt_strlen("abc"), 3);
	cr_assert_eq(hlt_strlen("\x80\xff"), 2);
	cr_assert_eq(hlt_strnlen("abc", 0), 0);
	cr_assert_eq(hlt_strnlen("abc", 2), 2);
	cr_assert_eq(hlt_strnlen("abc", 10), 3);
	cr_assert_eq(hlt_strnlen(unterminated, sizeof unterminated), 4);
}

Test(string, memchr)
{
	const char buf[] = "ab\x80" "cd\0ef";

	cr_assert_eq(hlt_memchr(buf, 0x80, 8), buf + 2);
	cr_assert_eq(hlt_memchr(buf, 0x180, 8), buf + 2);
	cr_assert_eq(hlt_memchr(buf, 0, 8), buf + 5);
	cr_assert_eq(hlt_memchr(buf, 'f', 8), buf + 7);
	cr_assert_null(hlt_memchr(buf, 'f', 7));
	cr_assert_null(hlt_memchr(buf, 'a', 0));
}

Test(string, strchr_and_strrchr)
{
	const char *s = "hello", *accent = "a\xe9" "b";

	cr_assert_eq(hlt_strchr(s, 'l'), s + 2);
	cr_assert_eq(hlt_strrchr(s, 'l'), s + 3);
	cr_assert_eq(hlt_strchr(s, '\0'), s + 5);
	cr_assert_eq(hlt_strrchr(s, '\0'), s + 5);
	cr_assert_null(hlt_strchr(s, 'z'));
	cr_assert_null(hlt_strrchr(s, 'z'));
	cr_assert_eq(hlt_strchr(s, 'h' + 256), s);
	cr_assert_eq(hlt_strchr(accent, 0xe9), accent + 1);
	cr_assert_eq(hlt_strrchr(accent, 0xe9), accent + 1);
}

struct lcpy_case {
	const char *src;
	size_t size;
	const char *want;
};

static const struct lcpy_case lcpy_cases[] = {
	{ "hello", 10, "hello" }, { "hello", 6, "hello" }, { "hello", 5, "hell" },
	{ "hello", 1, "" },       { "", 4, "" },           { "hello", 0, "ZZZZZZZ" },
};

ParameterizedTestParameters(string, strlcpy)
{
	static size_t idx[NELEMS(lcpy_cases)];

	return index_params(idx, NELEMS(lcpy_cases));
}

ParameterizedTest(size_t *i, string, strlcpy)
{
	const struct lcpy_case *c = &lcpy_cases[*i];
	char dst[8] = "ZZZZZZZ";

	cr_assert_eq(hlt_hl_strlcpy(dst, c->src, c->size), strlen(c->src));
	cr_assert_str_eq(dst, c->want);
}

/* ---- snprintf, against glibc --------------------------------------------------------- */

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

/* ---- Heap ---------------------------------------------------------------------------- */

static _Alignas(16) unsigned char arena[1 << 16];

static void heap_setup(void)
{
	memset(arena, 0xa5, sizeof arena);
	hlt_hl_heap_init(arena, sizeof arena);
}

TestSuite(heap, .init = heap_setup);

static int in_arena(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)arena;

	return a >= lo + OVERHEAD && a + n <= lo + sizeof arena;
}

Test(heap, starts_with_everything_free)
{
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
	cr_assert_not_null(hlt_malloc(sizeof arena - OVERHEAD));
	cr_assert_eq(hlt_hl_heap_free_bytes(), 0);
}

Test(heap, unaligned_and_tiny_arenas)
{
	hlt_hl_heap_init(arena + 3, 1000); /* starts at arena + 16, 987 bytes down to 976 */
	cr_assert_eq(hlt_hl_heap_free_bytes(), 976);
	hlt_hl_heap_init(arena + 1, 20);
	cr_assert_eq(hlt_hl_heap_free_bytes(), 0);
	cr_assert_null(hlt_malloc(1));
}

Test(heap, blocks_are_aligned_and_inside)
{
	for (size_t n = 0; n <= 200; n++) {
		unsigned char *p = hlt_malloc(n);

		cr_assert_not_null(p, "n=%zu", n);
		cr_assert_eq((uintptr_t)p % 16, 0, "n=%zu", n);
		cr_assert(in_arena(p, n), "n=%zu", n);
	}
}

Test(heap, exhaustion_and_recovery)
{
	void *p[64];

	/* 1000 bytes + header round up to 1024: exactly 64 blocks. */
	for (size_t i = 0; i < 64; i++)
		cr_assert_not_null(p[i] = hlt_malloc(1000), "block %zu", i);
	cr_assert_null(hlt_malloc(1));
	cr_assert_eq(hlt_hl_heap_free_bytes(), 0);
	hlt_free(p[10]);
	cr_assert_eq(hlt_hl_heap_free_bytes(), 1024);
	cr_assert_eq(hlt_malloc(1000), p[10]);
	for (size_t i = 0; i < 64; i++)
		hlt_free(p[i]);
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
}

Test(heap, absurd_sizes_fail)
{
	size_t sizes[] = { SIZE_MAX, SIZE_MAX - 15, SIZE_MAX / 2, sizeof arena - OVERHEAD + 1 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		cr_assert_null(hlt_malloc(sizes[i]), "size %zu", sizes[i]);
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
	hlt_free(NULL);
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
}

ParameterizedTestParameters(heap, coalesces_in_any_free_order)
{
	static size_t strides[] = { 1, 63, 37, 5 }; /* all coprime to 64 */

	return cr_make_param_array(size_t, strides, sizeof strides / sizeof strides[0]);
}

ParameterizedTest(size_t *stride, heap, coalesces_in_any_free_order)
{
	void *p[64];

	for (size_t i = 0; i < 64; i++)
		cr_assert_not_null(p[i] = hlt_malloc(1000));
	for (size_t i = 0; i < 64; i++)
		hlt_free(p[i * *stride % 64]);
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
	cr_assert_not_null(hlt_malloc(sizeof arena - OVERHEAD));
}

Test(heap, calloc_checks_overflow_and_zeroes)
{
	unsigned char *p;

	cr_assert_null(hlt_calloc(SIZE_MAX / 2 + 1, 2));
	cr_assert_null(hlt_calloc((size_t)1 << 33, (size_t)1 << 33));
	cr_assert_null(hlt_calloc(SIZE_MAX, SIZE_MAX));
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
	p = hlt_calloc(10, 100);
	cr_assert_not_null(p);
	for (size_t i = 0; i < 1000; i++)
		cr_assert_eq(p[i], 0, "byte %zu", i);
	cr_assert_not_null(hlt_calloc(0, 5));
}

Test(heap, realloc_keeps_content)
{
	unsigned char *p = hlt_realloc(NULL, 100), *q, *r;
	size_t before;

	cr_assert_not_null(p);
	for (size_t i = 0; i < 100; i++)
		p[i] = (unsigned char)i;
	q = hlt_realloc(p, 5000);
	cr_assert_not_null(q);
	for (size_t i = 0; i < 100; i++)
		cr_assert_eq(q[i], i, "byte %zu", i);
	/* Shrinking stays in place and frees the tail: 5024-byte block down to 80. */
	before = hlt_hl_heap_free_bytes();
	r = hlt_realloc(q, 50);
	cr_assert_eq(r, q);
	cr_assert_eq(hlt_hl_heap_free_bytes(), before + 5024 - 80);
	for (size_t i = 0; i < 50; i++)
		cr_assert_eq(r[i], i, "byte %zu", i);
	/* A failed growth leaves the block as it was. */
	cr_assert_null(hlt_realloc(r, sizeof arena));
	for (size_t i = 0; i < 50; i++)
		cr_assert_eq(r[i], i, "byte %zu", i);
	cr_assert_eq(hlt_realloc(r, 0), r);
	hlt_free(r);
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
}

struct live {
	unsigned char *p;
	size_t n;
	unsigned char fill;
};

static uint32_t rng(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

static void check_live(const struct live *b)
{
	for (size_t i = 0; i < b->n; i++)
		cr_assert_eq(b->p[i], b->fill, "block %p byte %zu", (void *)b->p, i);
}

static void check_disjoint(const struct live *slots, size_t nslots, size_t self)
{
	const struct live *b = &slots[self];

	cr_assert_eq((uintptr_t)b->p % 16, 0);
	cr_assert(in_arena(b->p, b->n));
	for (size_t i = 0; i < nslots; i++)
		if (i != self && slots[i].p != NULL)
			cr_assert(b->p + b->n <= slots[i].p || slots[i].p + slots[i].n <= b->p,
				  "blocks %zu and %zu overlap", self, i);
}

/* Random malloc, realloc and free with a fixed seed: blocks stay disjoint and intact,
 * and once all are freed the heap is one block again. */
Test(heap, random_stress)
{
	struct live slots[128] = { 0 };
	uint32_t seed = 12345;

	for (int it = 0; it < 20000; it++) {
		struct live *b = &slots[rng(&seed) % 128];
		size_t n = 1 + rng(&seed) % 3000;
		unsigned char *p;

		if (b->p != NULL)
			check_live(b);
		if (b->p != NULL && rng(&seed) % 3 == 0) {
			p = hlt_realloc(b->p, n);
			if (p == NULL)
				continue;
			b->p = p;
			b->n = n < b->n ? n : b->n;
			check_live(b);
		} else if (b->p != NULL) {
			hlt_free(b->p);
			b->p = NULL;
			continue;
		} else if ((b->p = hlt_malloc(n)) == NULL) {
			continue;
		}
		b->n = n;
		b->fill = (unsigned char)it;
		check_disjoint(slots, 128, (size_t)(b - slots));
		memset(b->p, b->fill, n);
	}
	for (size_t i = 0; i < 128; i++) {
		if (slots[i].p != NULL)
			check_live(&slots[i]);
		hlt_free(slots[i].p);
	}
	cr_assert_eq(hlt_hl_heap_free_bytes(), sizeof arena);
	cr_assert_not_null(hlt_malloc(sizeof arena - OVERHEAD));
}

/* ---- Heap misuse ends in hl_libc_panic() with the right message ---------------------- */

static void double_free(void)
{
	void *p = hlt_malloc(10);

	hlt_free(p);
	hlt_free(p);
}

static void double_free_after_merge(void)
{
	void *a = hlt_malloc(10), *b = hlt_malloc(10);

	hlt_free(b); /* b lies below a: the tail of the heap is handed out first */
	hlt_free(a);
	hlt_free(a);
}

static void corrupt_header(void)
{
	unsigned char *p = hlt_malloc(10);

	memset(p - 8, 0, 4);
	hlt_free(p);
}

static void pointer_inside_block(void)
{
	unsigned char *p = hlt_malloc(100);

	memset(p, 0, 100);
	hlt_free(p + 32);
}

static void pointer_outside_heap(void)
{
	static _Alignas(16) char elsewhere[32];

	hlt_free(elsewhere + 16);
}

static void realloc_after_free(void)
{
	void *p = hlt_malloc(10);

	hlt_free(p);
	hlt_realloc(p, 20);
}

struct panic_case {
	void (*misuse)(void);
	const char *msg;
};

static const struct panic_case panic_cases[] = {
	{ double_free, "free: block already freed" },
	{ double_free_after_merge, "free: block already freed" },
	{ corrupt_header, "free: corrupt block header" },
	{ pointer_inside_block, "free: corrupt block header" },
	{ pointer_outside_heap, "free: pointer not from the heap" },
	{ realloc_after_free, "free: block already freed" },
};

ParameterizedTestParameters(heap, misuse_panics)
{
	static size_t idx[NELEMS(panic_cases)];

	return index_params(idx, NELEMS(panic_cases));
}

ParameterizedTest(size_t *i, heap, misuse_panics, .signal = SIGABRT)
{
	const struct panic_case *c = &panic_cases[*i];

	expected_panic = c->msg;
	c->misuse();
}
