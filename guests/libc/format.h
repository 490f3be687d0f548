/* Guest libc, private to the snprintf family: a conversion's spec, the output that
 * counts every byte, and what format.c (integers, strings, parsing) shares with
 * format_float.c (doubles). */
#ifndef GUESTS_LIBC_FORMAT_H
#define GUESTS_LIBC_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

#include "hlguest_libc.h"

/* GCC's <limits.h> needs the C library's under -nostdinc; its predefined macro does not. */
#define INT_MAX __INT_MAX__

#define F_MINUS 1u
#define F_ZERO 2u
#define F_SPACE 4u
#define F_PLUS 8u
#define F_ALT 16u

enum length { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_T, L_J };

struct spec {
	unsigned flags;
	size_t width;
	int prec; /* -1 when none was given */
	enum length len;
	char conv;
};

/* The output: every byte is counted, only those that fit before the NUL are stored. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

/* Stores c if it fits before the NUL; counts it either way. */
void hl_fmt_put(struct out *o, char c);
/* c, n times. */
void hl_fmt_put_n(struct out *o, char c, size_t n);
/* The n bytes at s. */
void hl_fmt_put_s(struct out *o, const char *s, size_t n);
/* Writes the padding and prefix (sign, "0x") that come before a body of len bytes;
 * returns the spaces that must follow the body.  zero_ok: the '0' flag applies. */
size_t hl_fmt_field_start(struct out *o, const struct spec *s, const char *prefix,
			  size_t len, bool zero_ok);
/* "-" when negative, else "+" or " " as the flags ask, or "". */
const char *hl_fmt_sign_prefix(const struct spec *s, bool negative);
/* A double in the form s->conv names: e, f, g, or E, F, G. */
void hl_fmt_float(struct out *o, const struct spec *s, double v);

#endif
