/* Unit tests of ReadFile's path normalisation (core/hostfn_file.c): absolute against the
 * working directory, `.` and `..` removed as written, nothing looked up. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "core/core_internal.h"

struct path_case {
	char cwd[24];
	char path[40];
	char want[40]; /* "" when it must not fit */
	size_t cap;    /* 0: 64 */
};

ParameterizedTestParameters(paths, normalize)
{
	static struct path_case cases[] = {
		{ "/w", "/a/b", "/a/b", 0 },
		{ "/w", "a/b", "/w/a/b", 0 },
		{ "/w/x", "../a", "/w/a", 0 },
		{ "/w", "../../../a", "/a", 0 },
		{ "/", "a", "/a", 0 },
		{ "/w", ".", "/w", 0 },
		{ "/w", "..", "/", 0 },
		{ "/w", "", "/w", 0 },
		{ "/w", "/", "/", 0 },
		{ "/w", "//a///b/", "/a/b", 0 },
		{ "/w", "/a/./b/.", "/a/b", 0 },
		{ "/w", "/a/b/../../c", "/c", 0 },
		{ "/w", "/a/..b/c", "/a/..b/c", 0 },
		{ "/w", "/a/.../c", "/a/.../c", 0 },
		{ "/w/", "a", "/w/a", 0 },
		{ "//w/./v/..", "a", "/w/a", 0 },
		{ "/w", "/abcdefgh", "/abcdefgh", 10 },
		{ "/w", "/abcdefghi", "", 10 },
		{ "/w", "abcdef", "", 8 },
		{ "/w", "/a", "", 1 },
	};
	return cr_make_param_array(struct path_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct path_case *c, paths, normalize)
{
	char out[64];
	size_t cap = c->cap ? c->cap : sizeof out;
	int rc = sbx_normalize_path(c->cwd, c->path, out, cap);

	if (c->want[0] == '\0') {
		cr_assert_eq(rc, -1, "'%s' in '%s' gave '%s'", c->path, c->cwd, out);
		return;
	}
	cr_assert_eq(rc, 0, "'%s' in '%s'", c->path, c->cwd);
	cr_assert_str_eq(out, c->want, "'%s' in '%s'", c->path, c->cwd);
}
