/* Base64 (RFC 4648, standard alphabet, padded) for batch mode's bytes: written as a
 * JSON string, and decoded strictly in place. */
#include "cli/cli_internal.h"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void json_put_base64(FILE *out, const uint8_t *s, size_t n)
{
	char q[4];
	uint32_t w;

	fputc('"', out);
	for (size_t i = 0; i < n; i += 3) {
		w = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) |
		    (i + 2 < n ? (uint32_t)s[i + 2] : 0);
		q[0] = b64[w >> 18];
		q[1] = b64[w >> 12 & 63];
		q[2] = i + 1 < n ? b64[w >> 6 & 63] : '=';
		q[3] = i + 2 < n ? b64[w & 63] : '=';
		fwrite(q, 1, 4, out);
	}
	fputc('"', out);
}

/* The inverse of b64[], by ranges: a search of the table per character made decoding
 * large arguments slow. */
static int b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* In place is safe: each group of 4 characters is read whole before its at most 3 bytes
 * are written, at or before where the group started. */
bool json_unbase64(uint8_t *s, size_t n, size_t *len, size_t *bad)
{
	size_t k = 0, pad;
	uint32_t w;
	int dv;

	if (n % 4 != 0) {
		*bad = n;
		return false;
	}
	for (size_t i = 0; i < n; i += 4) {
		pad = 0;
		if (i + 4 == n)
			pad = (size_t)(s[i + 3] == '=') + (s[i + 2] == '=' && s[i + 3] == '=');
		w = 0;
		for (size_t j = 0; j < 4 - pad; j++) {
			dv = b64_value(s[i + j]);
			if (dv < 0) {
				*bad = i + j;
				return false;
			}
			w = w << 6 | (uint32_t)dv;
		}
		w <<= 6 * pad;
		/* Canonical only: the bits the padding drops must be zero (RFC 4648, 3.5). */
		if ((w & (pad == 0 ? 0 : pad == 1 ? 0xff : 0xffff)) != 0) {
			*bad = i + 3 - pad;
			return false;
		}
		s[k++] = (uint8_t)(w >> 16);
		if (pad < 2)
			s[k++] = (uint8_t)(w >> 8);
		if (pad < 1)
			s[k++] = (uint8_t)w;
	}
	*len = k;
	return true;
}
