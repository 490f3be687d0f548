/* Sizes and durations as people write them: "64KiB", "1.5s". */
#include "common/units.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_decimal_start(const char *s)
{
	return (s[0] >= '0' && s[0] <= '9') || (s[0] == '.' && s[1] >= '0' && s[1] <= '9');
}

enum hl_err hl_parse_duration(const char *s, uint64_t *ms, struct hl_diag *d)
{
	char *end;
	double v, scale = 1000;

	/* strtod alone would also take spaces, signs, hex and "inf". */
	if (!is_decimal_start(s) || strpbrk(s, "xXpP") != NULL)
		goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v))
		goto bad;
	if (strcmp(end, "ms") == 0)
		scale = 1;
	else if (strcmp(end, "m") == 0)
		scale = 60000;
	else if (strcmp(end, "h") == 0)
		scale = 3600000;
	else if (strcmp(end, "s") != 0 && *end != '\0')
		goto bad;
	v *= scale;
	if (v > (double)HL_MAX_DURATION_MS)
		return hl_fail(d, HL_E_USAGE, "duration '%s' is longer than the maximum (24h)", s);
	/* Round up to whole milliseconds, but not a product that is a hair above an
	 * integer only because 2.007 has no exact binary form. */
	*ms = (uint64_t)ceil(v - 1e-6);
	if (*ms == 0)
		return hl_fail(d, HL_E_USAGE, "duration '%s' is zero", s);
	return HL_OK;
bad:
	return hl_fail(d, HL_E_USAGE, "bad duration '%s' (use a number with ms, s, m or h, e.g. "
		       "500ms or 2s)", s);
}

enum hl_err hl_parse_size(const char *s, uint64_t *bytes, struct hl_diag *d)
{
	static const struct {
		const char *unit;
		unsigned shift;
	} units[] = { { "", 0 }, { "K", 10 }, { "KiB", 10 }, { "M", 20 }, { "MiB", 20 },
		      { "G", 30 }, { "GiB", 30 } };
	uint64_t v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
			return hl_fail(d, HL_E_USAGE, "size '%s' is too large", s);
	if (p == s)
		goto bad;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(p, units[i].unit) != 0)
			continue;
		if (v > (UINT64_MAX >> units[i].shift))
			return hl_fail(d, HL_E_USAGE, "size '%s' is too large", s);
		if (v == 0)
			return hl_fail(d, HL_E_USAGE, "size '%s' is zero", s);
		*bytes = v << units[i].shift;
		return HL_OK;
	}
bad:
	return hl_fail(d, HL_E_USAGE, "bad size '%s' (use bytes or a number with K, KiB, M, MiB, "
		       "G or GiB, e.g. 64KiB)", s);
}

int hl_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
