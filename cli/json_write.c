/* The JSON writer of answers: strings escaped as JSON requires ('"', '\\' and the C0
 * controls), and also DEL and what cli_acts() names, so that an answer shown on a
 * terminal cannot act on it; each byte of invalid UTF-8 becomes U+FFFD. */
#include "cli/cli_internal.h"

#include <string.h>

/* The character at s (n > 0 bytes there) as it appears inside a JSON string, into out
 * (room for 7 bytes); *used is how many bytes of s it stands for. */
static size_t escape_one(const uint8_t *s, size_t n, char *out, size_t *used)
{
	static const char raw[] = "\b\f\n\r\t\"\\", name[] = "bfnrt\"\\";
	const char *p = s[0] != 0 ? strchr(raw, s[0]) : NULL;
	uint32_t cp;
	size_t k;

	*used = 1;
	if (p != NULL) {
		out[0] = '\\';
		out[1] = name[p - raw];
		return 2;
	}
	if (s[0] < 0x20 || s[0] == 0x7f)
		return (size_t)snprintf(out, 7, "\\u%04x", (unsigned)s[0]);
	k = cli_utf8_seq(s, n, &cp);
	if (k == 0) {
		memcpy(out, "\xef\xbf\xbd", 3); /* U+FFFD REPLACEMENT CHARACTER */
		return 3;
	}
	if (cli_acts(cp)) {
		*used = k;
		return (size_t)snprintf(out, 7, "\\u%04x", (unsigned)cp);
	}
	memcpy(out, s, k);
	*used = k;
	return k;
}

size_t json_escape(char *buf, size_t cap, const uint8_t *s, size_t n)
{
	char one[8];
	size_t i = 0, k = 0, used, m;

	if (cap == 0)
		return 0;
	while (i < n) {
		m = escape_one(s + i, n - i, one, &used);
		if (k + m >= cap)
			break;
		memcpy(buf + k, one, m);
		k += m;
		i += used;
	}
	buf[k] = '\0';
	return i;
}

void json_put_string(FILE *out, const uint8_t *s, size_t n)
{
	char one[8];
	const uint8_t *del;
	size_t i = 0, run, used;

	fputc('"', out);
	while (i < n) {
		/* Plain ASCII goes out in runs: guest strings may be megabytes long. */
		run = json_plain_len(s + i, n - i);
		del = memchr(s + i, 0x7f, run);
		run = del != NULL ? (size_t)(del - (s + i)) : run;
		fwrite(s + i, 1, run, out);
		i += run;
		if (i < n) {
			fwrite(one, 1, escape_one(s + i, n - i, one, &used), out);
			i += used;
		}
	}
	fputc('"', out);
}

const char *json_excerpt(char *buf, const uint8_t *t, size_t n)
{
	if (json_escape(buf, 41, t, n) < n)
		strcat(buf, "...");
	return buf;
}
