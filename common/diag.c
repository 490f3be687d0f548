/* Errors as values: recording and prefixing diagnostic messages, quoting in them. */
#include "common/diag.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A message cut to fit ends with this, so that a reader sees that it was. */
#define CUT_MARK "..."

/* Marks msg, of cap bytes, as cut: its last characters become CUT_MARK. */
static void mark_cut(char *msg, size_t cap)
{
	memcpy(msg + cap - sizeof CUT_MARK, CUT_MARK, sizeof CUT_MARK);
}

enum hl_err hl_fail(struct hl_diag *d, enum hl_err err, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d == NULL)
		return err;
	d->err = err;
	va_start(ap, fmt);
	n = vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof d->msg)
		mark_cut(d->msg, sizeof d->msg);
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

/* Appends at most what fits of src to buf, which holds *pos bytes, keeping a NUL and
 * marking a cut. */
static void append(char *buf, size_t cap, size_t *pos, const char *src)
{
	size_t n = strlen(src);
	bool cut = n > cap - 1 - *pos;

	if (cut)
		n = cap - 1 - *pos;
	memcpy(buf + *pos, src, n);
	*pos += n;
	buf[*pos] = '\0';
	if (cut)
		mark_cut(buf, cap);
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
