/* Guest libc: the snprintf family; doubles are format_float.c's. */
#include "format.h"

void hl_fmt_put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

void hl_fmt_put_n(struct out *o, char c, size_t n)
{
	while (n-- > 0)
		hl_fmt_put(o, c);
}

void hl_fmt_put_s(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hl_fmt_put(o, s[i]);
}

size_t hl_fmt_field_start(struct out *o, const struct spec *s, const char *prefix,
			  size_t len, bool zero_ok)
{
	size_t plen = strlen(prefix);
	size_t fill = s->width > plen + len ? s->width - plen - len : 0;

	if (s->flags & F_MINUS) {
		hl_fmt_put_s(o, prefix, plen);
		return fill;
	}
	if (zero_ok && (s->flags & F_ZERO)) {
		hl_fmt_put_s(o, prefix, plen);
		hl_fmt_put_n(o, '0', fill);
	} else {
		hl_fmt_put_n(o, ' ', fill);
		hl_fmt_put_s(o, prefix, plen);
	}
	return 0;
}

const char *hl_fmt_sign_prefix(const struct spec *s, bool negative)
{
	if (negative)
		return "-";
	return s->flags & F_PLUS ? "+" : s->flags & F_SPACE ? " " : "";
}

static void format_str(struct out *o, const struct spec *s, const char *str, size_t len)
{
	size_t right = hl_fmt_field_start(o, s, "", len, false);

	hl_fmt_put_s(o, str, len);
	hl_fmt_put_n(o, ' ', right);
}

/* Integers: digits in the base the conversion names, at least prec of them. */
static void format_int(struct out *o, const struct spec *s, uintmax_t v, const char *prefix)
{
	const char *set = s->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = s->conv == 'o' ? 8 : s->conv == 'x' || s->conv == 'X' ? 16 : 10;
	char digits[24]; /* 64 bits take 22 octal digits */
	size_t n = 0, prec = s->prec < 0 ? 1 : (size_t)s->prec, zeros, right;

	for (; v != 0; v /= base)
		digits[sizeof digits - ++n] = set[v % base];
	zeros = prec > n ? prec - n : 0;
	/* '#' makes octal start with a 0 (the digits never do). */
	if (s->conv == 'o' && (s->flags & F_ALT) && zeros == 0)
		zeros = 1;
	right = hl_fmt_field_start(o, s, prefix, zeros + n, s->prec < 0);
	hl_fmt_put_n(o, '0', zeros);
	hl_fmt_put_s(o, digits + sizeof digits - n, n);
	hl_fmt_put_n(o, ' ', right);
}

static intmax_t arg_signed(enum length len, va_list *ap)
{
	switch (len) {
	case L_HH:
		return (signed char)va_arg(*ap, int);
	case L_H:
		return (short)va_arg(*ap, int);
	case L_L:
		return va_arg(*ap, long);
	case L_LL:
		return va_arg(*ap, long long);
	case L_Z: /* the signed type as wide as size_t */
	case L_T:
		return va_arg(*ap, ptrdiff_t);
	case L_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t arg_unsigned(enum length len, va_list *ap)
{
	switch (len) {
	case L_HH:
		return (unsigned char)va_arg(*ap, unsigned);
	case L_H:
		return (unsigned short)va_arg(*ap, unsigned);
	case L_L:
		return va_arg(*ap, unsigned long);
	case L_LL:
		return va_arg(*ap, unsigned long long);
	case L_Z:
		return va_arg(*ap, size_t);
	case L_T: /* the unsigned type as wide as ptrdiff_t */
		return (size_t)va_arg(*ap, ptrdiff_t);
	case L_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

/* ---- Parsing ------------------------------------------------------------------------- */

static const char *parse_num(const char *f, int *v)
{
	for (*v = 0; *f >= '0' && *f <= '9'; f++)
		*v = *v > (INT_MAX - 9) / 10 ? INT_MAX : *v * 10 + (*f - '0');
	return f;
}

static const char *parse_flags(const char *f, unsigned *flags)
{
	static const char names[] = "-0 +#"; /* in the order of the F_ bits */
	const char *p;

	for (*flags = 0; *f != '\0' && (p = strchr(names, *f)) != NULL; f++)
		*flags |= 1u << (p - names);
	return f;
}

static const char *parse_length(const char *f, enum length *len)
{
	switch (*f) {
	case 'h':
		*len = f[1] == 'h' ? L_HH : L_H;
		return f + 1 + (f[1] == 'h');
	case 'l':
		*len = f[1] == 'l' ? L_LL : L_L;
		return f + 1 + (f[1] == 'l');
	case 'z':
		*len = L_Z;
		return f + 1;
	case 't':
		*len = L_T;
		return f + 1;
	case 'j':
		*len = L_J;
		return f + 1;
	default:
		*len = L_NONE;
		return f;
	}
}

/* Parses what follows a '%' up to the conversion character, which it returns the
 * position of; '*' takes its int from the arguments. */
static const char *parse_spec(const char *f, struct spec *s, va_list *ap)
{
	int w;

	f = parse_flags(f, &s->flags);
	if (*f == '*') {
		w = va_arg(*ap, int);
		f++;
	} else {
		f = parse_num(f, &w);
	}
	/* A negative width from '*' means '-' and its magnitude. */
	if (w < 0)
		s->flags |= F_MINUS;
	s->width = w < 0 ? 0 - (size_t)w : (size_t)w;
	s->prec = -1;
	if (*f == '.' && f[1] == '*') {
		s->prec = va_arg(*ap, int);
		s->prec = s->prec < 0 ? -1 : s->prec;
		f += 2;
	} else if (*f == '.') {
		f = parse_num(f + 1, &s->prec);
	}
	f = parse_length(f, &s->len);
	s->conv = *f;
	return f;
}

/* ---- Conversions ----------------------------------------------------------------------- */

static void convert_int(struct out *o, struct spec *s, va_list *ap)
{
	const char *prefix = "";
	uintmax_t v;
	intmax_t sv;

	if (s->conv == 'd' || s->conv == 'i') {
		sv = arg_signed(s->len, ap);
		v = sv < 0 ? 0 - (uintmax_t)sv : (uintmax_t)sv;
		prefix = hl_fmt_sign_prefix(s, sv < 0);
		s->conv = 'u';
	} else if (s->conv == 'p') {
		v = (uintptr_t)va_arg(*ap, void *);
		if (v == 0) {
			format_str(o, s, "(nil)", 5);
			return;
		}
		prefix = "0x";
		s->conv = 'x';
	} else {
		v = arg_unsigned(s->len, ap);
		if ((s->flags & F_ALT) && v != 0 && s->conv != 'o')
			prefix = s->conv == 'X' ? "0X" : "0x";
	}
	format_int(o, s, v, prefix);
}

/* Converts the directive at f (its '%'); returns where the text after it starts. */
static const char *convert(struct out *o, const char *f, va_list *ap)
{
	struct spec s;
	const char *end = parse_spec(f + 1, &s, ap), *str;
	char c;

	switch (s.conv) {
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'p':
		convert_int(o, &s, ap);
		break;
	case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
		hl_fmt_float(o, &s, va_arg(*ap, double));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		format_str(o, &s, &c, 1);
		break;
	case 's':
		str = va_arg(*ap, const char *);
		str = str != NULL ? str : "(null)";
		format_str(o, &s, str, strnlen(str, s.prec < 0 ? SIZE_MAX : (size_t)s.prec));
		break;
	case '%':
		hl_fmt_put(o, '%');
		break;
	case '\0': /* the format ends inside the directive */
		hl_fmt_put_s(o, f, (size_t)(end - f));
		return end;
	default:
		hl_fmt_put_s(o, f, (size_t)(end - f) + 1);
		break;
	}
	return end + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	/* A copy, so that helpers can take its address whatever type va_list has. */
	va_copy(args, ap);
	while (*fmt != '\0') {
		if (*fmt == '%')
			fmt = convert(&o, fmt, &args);
		else
			hl_fmt_put(&o, *fmt++);
	}
	va_end(args);
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? -1 : (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
