/* Writing a message that quotes text hlrun does not control (a guest's error or abort
 * text, a file's contents or name) to a terminal: nothing in it may act on the terminal
 * or forge a line. */
#include "cli/cli.h"
#include "cli/cli_internal.h"

bool cli_acts(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void cli_put_message(FILE *f, const char *msg)
{
	const unsigned char *p = (const unsigned char *)msg;
	size_t n = 0;
	uint32_t cp;

	while (p[n] != '\0')
		n++;
	for (size_t i = 0; i < n;) {
		size_t len = cli_utf8_seq(p + i, n - i, &cp);

		if (len == 1 && p[i] >= 0x20 && p[i] != 0x7f) {
			fputc(p[i], f);
		} else if (len > 1 && !cli_acts(cp)) {
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
