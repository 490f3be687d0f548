/* Guest libc: doubles for the snprintf family, converted exactly (big-integer digits). */
#include "format.h"

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
		hl_fmt_put(o, x->d[0]);
	else if (x->dp <= 0)
		hl_fmt_put(o, '0');
	for (long i = 0; !l->exp && i < x->dp; i++)
		hl_fmt_put(o, dec_digit(x, i));
	if (l->point)
		hl_fmt_put(o, '.');
	for (long i = 0; i < l->prec; i++)
		hl_fmt_put(o, dec_digit(x, first + i));
	if (!l->exp)
		return;
	hl_fmt_put(o, l->upper ? 'E' : 'e');
	hl_fmt_put(o, e < 0 ? '-' : '+');
	e = e < 0 ? -e : e;
	if (e >= 100)
		hl_fmt_put(o, (char)('0' + e / 100));
	hl_fmt_put(o, (char)('0' + e / 10 % 10));
	hl_fmt_put(o, (char)('0' + e % 10));
}

void hl_fmt_float(struct out *o, const struct spec *s, double v)
{
	union {
		double d;
		uint64_t u;
	} bits = { v };
	unsigned exp = (unsigned)(bits.u >> 52) & 0x7ff;
	uint64_t mant = bits.u & ((1ull << 52) - 1);
	const char *sign = hl_fmt_sign_prefix(s, bits.u >> 63);
	bool upper = s->conv == 'F' || s->conv == 'E' || s->conv == 'G';
	struct out count = { NULL, 0, 0 };
	struct layout l;
	struct dec x;
	size_t right;

	if (exp == 0x7ff) {
		right = hl_fmt_field_start(o, s, sign, 3, false);
		hl_fmt_put_s(o, mant != 0 ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"),
			     3);
		hl_fmt_put_n(o, ' ', right);
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
	right = hl_fmt_field_start(o, s, sign, count.len, true);
	emit_float(o, &l);
	hl_fmt_put_n(o, ' ', right);
}
