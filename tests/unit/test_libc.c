/* Unit tests of the guest libc (guests/libc), memory and strings: each function against
 * glibc or against what it must return, at every alignment and length that matters.
 * snprintf is tested in test_libc_snprintf.c, the heap in test_libc_heap.c; test_libc.h
 * says how the library is built for the host. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "tests/unit/test_libc.h"

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

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

/* The three comparisons, each against the sign it must return: bytes compare unsigned,
 * NUL ends a string but not memory, n bounds memcmp and strncmp. */
enum cmp_fn { MEMCMP, STRNCMP, STRCMP };

static const char *const cmp_names[] = { "memcmp", "strncmp", "strcmp" };

struct cmp_case {
	enum cmp_fn fn;
	const char *a, *b;
	size_t n; /* unused by strcmp */
	int want; /* sign */
};

static const struct cmp_case cmp_cases[] = {
	{ MEMCMP, "abc", "abc", 3, 0 },          { MEMCMP, "abc", "abd", 3, -1 },
	{ MEMCMP, "abd", "abc", 3, 1 },          { MEMCMP, "abc", "abd", 2, 0 },
	{ MEMCMP, "a", "b", 0, 0 },              { MEMCMP, "\x80", "\x7f", 1, 1 },
	{ MEMCMP, "\x01", "\xff", 1, -1 },       { MEMCMP, "a\0b", "a\0c", 3, -1 },
	{ MEMCMP, "\xff\x00", "\xff\x01", 2, -1 },

	{ STRNCMP, "abc", "abc", 3, 0 },         { STRNCMP, "abc", "abd", 3, -1 },
	{ STRNCMP, "abc", "abd", 2, 0 },         { STRNCMP, "abc", "ab", 3, 1 },
	{ STRNCMP, "ab", "abc", 9, -1 },         { STRNCMP, "a\x80", "a\x7f", 2, 1 },
	{ STRNCMP, "x", "y", 0, 0 },             { STRNCMP, "ab\0x", "ab\0y", 4, 0 },
	{ STRNCMP, "", "", 5, 0 },               { STRNCMP, "\xe9", "e", 1, 1 },

	{ STRCMP, "", "", 0, 0 },                { STRCMP, "", "a", 0, -1 },
	{ STRCMP, "a", "", 0, 1 },               { STRCMP, "\x80", "\x01", 0, 1 },
	{ STRCMP, "\xff", "\xfe", 0, 1 },        { STRCMP, "abc", "abcd", 0, -1 },
	{ STRCMP, "same", "same", 0, 0 },        { STRCMP, "ab\0x", "ab\0y", 0, 0 },
};

ParameterizedTestParameters(string, compare)
{
	static size_t idx[NELEMS(cmp_cases)];

	return index_params(idx, NELEMS(cmp_cases));
}

ParameterizedTest(size_t *i, string, compare)
{
	const struct cmp_case *c = &cmp_cases[*i];
	int got;

	if (c->fn == MEMCMP)
		got = hlt_memcmp(c->a, c->b, c->n);
	else if (c->fn == STRNCMP)
		got = hlt_strncmp(c->a, c->b, c->n);
	else
		got = hlt_strcmp(c->a, c->b);
	cr_assert_eq(sign(got), c->want, "%s, case %zu", cmp_names[c->fn], *i);
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
