/* Errors as values: recording and prefixing diagnostic messages, quoting in them. */
#include "common/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum hl_err hl_fail(struct hl_diag *d, enum hl_err err, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return err;
	d->err = err;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
	return err;
}

const char *hl_quote(const char *s, char out[HL_QUOTE_MAX + 1])
{
	size_t i;

	for (i = 0; i < HL_QUOTE_MAX && s[i] != '\0'; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
	return out;
}

/* Appends at most what fits of src to buf, which holds *pos bytes, keeping a NUL. */
static void append(char *buf, size_t cap, size_t *pos, const char *src)
{
	size_t n = strlen(src);

	if (n > cap - 1 - *pos)
		n = cap - 1 - *pos;
	memcpy(buf + *pos, src, n);
	*pos += n;
	buf[*pos] = '\0';
}

enum hl_err hl_prefix(struct hl_diag *d, const char *fmt, ...)
{
	char prefix[HL_DIAG_MSG];
	char old[HL_DIAG_MSG];
	size_t pos = 0;
	va_list ap;

	if (d == NULL)
		return HL_E_INTERNAL;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, d->msg, sizeof old);
	old[sizeof old - 1] = '\0';
	d->msg[0] = '\0';
	append(d->msg, sizeof d->msg, &pos, prefix);
	append(d->msg, sizeof d->msg, &pos, ": ");
	append(d->msg, sizeof d->msg, &pos, old);
	return d->err;
}
