/* What the unit tests of the manifest parser (tests/unit/test_manifest*.c) share: lists
 * of many variable names, and manifests of an exact size. */
#ifndef TESTS_UNIT_TEST_MANIFEST_H
#define TESTS_UNIT_TEST_MANIFEST_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "target/manifest.h"

/* Entries of a flow sequence, 5 columns each: T10("a0") is "a00, a01, ..., a09, ", and
 * T100("a") is "a00, a01, ..., a99, ". */
#define T10(p) p "0, " p "1, " p "2, " p "3, " p "4, " p "5, " p "6, " p "7, " p "8, " p "9, "
#define T100(p) T10(p "0") T10(p "1") T10(p "2") T10(p "3") T10(p "4") T10(p "5") \
	T10(p "6") T10(p "7") T10(p "8") T10(p "9")

/* A manifest of exactly n bytes: the guest, then a comment that fills the rest.  The
 * caller frees it. */
static inline char *padded(size_t n)
{
	static const char head[] = "guest: g\n#";
	char *buf = malloc(n);

	cr_assert_not_null(buf);
	cr_assert_geq(n, sizeof head);
	memset(buf, 'x', n);
	memcpy(buf, head, sizeof head - 1);
	buf[n - 1] = '\n';
	return buf;
}

#endif
