/* Writing a message that quotes text hlrun does not control (a guest's error or abort
 * text, a file's contents or name) to a terminal: nothing in it may act on the terminal
 * or forge a line. */
#include "cli/cli.h"

/* Code points a terminal or a text renderer acts on although they are valid UTF-8: the C1
 * controls (CSI is U+009B) and the bidirectional overrides and isolates, which reorder
 * what is shown. */
static bool acts(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The length of the well-formed UTF-8 sequence at p (at most n bytes) and its code
 * point, or 0: overlong forms, surrogates and code points past U+10FFFF are not
 * well-formed (Unicode, table 3-7). */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3 :
		     p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
	uint32_t c;

	if (len == 0 || len > n)
		return 0;
	c = p[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

void cli_put_message(FILE *f, const char *msg)
{
	const unsigned char *p = (const unsigned char *)msg;
	size_t n = 0;
	uint32_t cp;

	while (p[n] != '\0')
		n++;
	for (size_t i = 0; i < n;) {
		size_t len = p[i] < 0x80 ? 1 : utf8_seq(p + i, n - i, &cp);

		if (len == 1 && p[i] >= 0x20 && p[i] != 0x7f) {
			fputc(p[i], f);
		} else if (len > 1 && !acts(cp)) {
			fwrite(p + i, 1, len, f);
		} else {
			/* A control, or a byte that is no well-formed text: each byte alone. */
			len = len == 0 ? 1 : len;
			for (size_t j = 0; j < len; j++)
				fprintf(f, "\\x%02x", p[i + j]);
		}
		i += len;
	}
}
