/* UTF-8, the one way cli/ reads and writes it: what is well-formed (RFC 3629; Unicode,
 * table 3-7) and how a code point is spelt. */
#include "cli/cli_internal.h"

size_t cli_utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[CLI_UTF8_MAX + 1] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 :
		     s[0] >= 0xe0 && s[0] <= 0xef ? 3 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	uint32_t c;

	if (len == 0 || len > n)
		return 0;
	c = len == 1 ? s[0] : s[0] & (0x7fu >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = c;
	return len;
}

size_t cli_utf8_put(uint8_t *out, uint32_t cp)
{
	static const uint8_t lead[CLI_UTF8_MAX + 1] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	size_t k = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

	for (size_t i = k - 1; i > 0; i--, cp >>= 6)
		out[i] = (uint8_t)(0x80 | (cp & 0x3f));
	out[0] = (uint8_t)(lead[k] | cp);
	return k;
}
