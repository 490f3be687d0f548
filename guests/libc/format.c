/* Guest libc: the snprintf family, with doubles converted exactly (big-integer digits). */
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

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct out *o, char c, size_t n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_s(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
}

/* Writes the padding and prefix (sign, "0x") that come before a body of len bytes;
 * returns the spaces that must follow the body.  zero_ok: the '0' flag applies. */
static size_t field_start(struct out *o, const struct spec *s, const char *prefix, size_t len,
			  bool zero_ok)
{
	size_t plen = strlen(prefix);
	size_t fill = s->width > plen + len ? s->width - plen - len : 0;

	if (s->flags & F_MINUS) {
		put_s(o, prefix, plen);
		return fill;
	}
	if (zero_ok && (s->flags & F_ZERO)) {
		put_s(o, prefix, plen);
		put_n(o, '0', fill);
	} else {
		put_n(o, ' ', fill);
		put_s(o, prefix, plen);
	}
	return 0;
}

static const char *sign_prefix(const struct spec *s, bool negative)
{
	if (negative)
		return "-";
	return s->flags & F_PLUS ? "+" : s->flags & F_SPACE ? " " : "";
}

static void format_str(struct out *o, const struct spec *s, const char *str, size_t len)
{
	size_t right = field_start(o, s, "", len, false);

	put_s(o, str, len);
	put_n(o, ' ', right);
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
	right = field_start(o, s, prefix, zeros + n, s->prec < 0);
	put_n(o, '0', zeros);
	put_s(o, digits + sizeof digits - n, n);
	put_n(o, ' ', right);
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

/* ---- Doubles ---------------------------------------------------------------------------
 * A finite double is m x 2^e exactly.  For e >= 0 that is an integer; otherwise it equals
 * m x 5^-e x 10^e, so the digits of the integer m x 5^-e, with the decimal point -e places
 * from the right, are its exact decimal expansion.  Both integers are built in base 10^9. */

#define BILLION 1000000000u
/* (2^53 - 1) x 5^1074, the largest such integer, has 767 digits. */
#define BIG_LIMBS 86

/* The value 0.d[0]d[1]... x 10^dp; digits from n on are zeros, and d[n - 1] is not 0
 * unless the value is zero (then d is "0"). */
struct dec {
	char d[BIG_LIMBS * 9];
	int n;
	int dp;
};

/* Multiplies the base-10^9 integer limb[0..len) by base^count; returns its new length. */
static int big_mul_pow(uint32_t *limb, int len, unsigned base, int count)
{
	/* The largest powers for which limb x power + carry fits in 64 bits. */
	int step = base == 2 ? 29 : 13;

	while (count > 0) {
		int s = count < step ? count : step;
		uint64_t f = 1, carry = 0;

		for (count -= s; s > 0; s--)
			f *= base;
		for (int i = 0; i < len; i++) {
			uint64_t t = limb[i] * f + carry;

			limb[i] = (uint32_t)(t % BILLION);
			carry = t / BILLION;
		}
		for (; carry != 0; carry /= BILLION)
			limb[len++] = (uint32_t)(carry % BILLION);
	}
	return len;
}

static void dec_from_bits(struct dec *x, uint64_t mant, int e2)
{
	uint32_t limb[BIG_LIMBS];
	int len = 0, width = 1, n = 0;

	if (mant == 0) {
		x->d[0] = '0';
		x->n = x->dp = 1;
		return;
	}
	for (; mant != 0; mant /= BILLION)
		limb[len++] = (uint32_t)(mant % BILLION);
	len = e2 >= 0 ? big_mul_pow(limb, len, 2, e2) : big_mul_pow(limb, len, 5, -e2);
	/* The top limb without leading zeros, then nine digits per limb. */
	for (uint32_t t = limb[len - 1]; t >= 10; t /= 10)
		width++;
	for (int i = len - 1; i >= 0; i--, width = 9) {
		for (int j = width - 1; j >= 0; j--, limb[i] /= 10)
			x->d[n + j] = (char)('0' + limb[i] % 10);
		n += width;
	}
	x->dp = e2 >= 0 ? n : n + e2;
	while (x->d[n - 1] == '0')
		n--;
	x->n = n;
}

static char dec_digit(const struct dec *x, long i)
{
	return i >= 0 && i < x->n ? x->d[i] : '0';
}

/* Rounds to the first keep digits (keep may lie before the first or past the last),
 * ties to even as the default floating-point rounding does. */
static void dec_round(struct dec *x, long keep)
{
	bool up = false;

	if (keep >= x->n)
		return;
	if (keep >= 0) {
		char c = x->d[keep];
		bool odd = keep > 0 && (x->d[keep - 1] - '0') % 2 == 1;

		/* Digits after d[keep] are non-zero exactly when keep + 1 < n. */
		up = c > '5' || (c == '5' && (keep + 1 < x->n || odd));
	}
	x->n = keep > 0 ? (int)keep : 0;
	while (x->n > 0 && x->d[x->n - 1] == (up ? '9' : '0'))
		x->n--;
	if (up && x->n == 0) {
		x->d[x->n++] = '1';
		x->dp++;
	} else if (up) {
		x->d[x->n - 1]++;
	} else if (x->n == 0) {
		x->d[x->n++] = '0';
	}
}

/* How a rounded value is written: style %f or %e with prec digits after the point. */
struct layout {
	const struct dec *x;
	long prec; /* wider than int: %g adds up to 4 to a precision of up to INT_MAX */
	bool exp;
	bool point;
	bool upper;
};

static void layout_float(struct layout *l, struct dec *x, const struct spec *s)
{
	long prec = s->prec < 0 ? 6 : s->prec;
	int p, e;

	l->x = x;
	l->upper = s->conv == 'F' || s->conv == 'E' || s->conv == 'G';
	l->exp = s->conv == 'e' || s->conv == 'E';
	if (s->conv == 'g' || s->conv == 'G') {
		/* C: P significant digits; %e style when the exponent X is < -4 or >= P. */
		p = prec == 0 ? 1 : (int)prec;
		dec_round(x, p);
		e = x->dp - 1;
		l->exp = e < -4 || e >= p;
		prec = l->exp ? p - 1 : (long)p - 1 - e;
		while (!(s->flags & F_ALT) && prec > 0 &&
		       dec_digit(x, (l->exp ? 1 : x->dp) + prec - 1) == '0')
			prec--;
	} else {
		dec_round(x, l->exp ? prec + 1 : x->dp + prec);
	}
	l->prec = prec;
	l->point = prec > 0 || (s->flags & F_ALT);
}

static void emit_float(struct out *o, const struct layout *l)
{
	const struct dec *x = l->x;
	long first = l->exp ? 1 : x->dp;
	int e = x->dp - 1;

	if (l->exp)
		put(o, x->d[0]);
	else if (x->dp <= 0)
		put(o, '0');
	for (long i = 0; !l->exp && i < x->dp; i++)
		put(o, dec_digit(x, i));
	if (l->point)
		put(o, '.');
	for (long i = 0; i < l->prec; i++)
		put(o, dec_digit(x, first + i));
	if (!l->exp)
		return;
	put(o, l->upper ? 'E' : 'e');
	put(o, e < 0 ? '-' : '+');
	e = e < 0 ? -e : e;
	if (e >= 100)
		put(o, (char)('0' + e / 100));
	put(o, (char)('0' + e / 10 % 10));
	put(o, (char)('0' + e % 10));
}

static void format_float(struct out *o, const struct spec *s, double v)
{
	union {
		double d;
		uint64_t u;
	} bits = { v };
	unsigned exp = (unsigned)(bits.u >> 52) & 0x7ff;
	uint64_t mant = bits.u & ((1ull << 52) - 1);
	const char *sign = sign_prefix(s, bits.u >> 63);
	bool upper = s->conv == 'F' || s->conv == 'E' || s->conv == 'G';
	struct out count = { NULL, 0, 0 };
	struct layout l;
	struct dec x;
	size_t right;

	if (exp == 0x7ff) {
		right = field_start(o, s, sign, 3, false);
		put_s(o, mant != 0 ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"), 3);
		put_n(o, ' ', right);
		return;
	}
	/* Subnormals have no implicit leading 1 and the exponent of the smallest normal. */
	if (exp == 0)
		dec_from_bits(&x, mant, -1074);
	else
		dec_from_bits(&x, mant | 1ull << 52, (int)exp - 1075);
	layout_float(&l, &x, s);
	/* The body can be longer than any buffer (%.500f), so measure it by writing it to a
	 * sink that only counts, then write it for real. */
	emit_float(&count, &l);
	right = field_start(o, s, sign, count.len, true);
	emit_float(o, &l);
	put_n(o, ' ', right);
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
		prefix = sign_prefix(s, sv < 0);
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
		format_float(o, &s, va_arg(*ap, double));
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
		put(o, '%');
		break;
	case '\0': /* the format ends inside the directive */
		put_s(o, f, (size_t)(end - f));
		return end;
	default:
		put_s(o, f, (size_t)(end - f) + 1);
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
			put(&o, *fmt++);
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
