/* Batch mode's JSON reader: checks one line strictly, then walks and decodes its values. */
#include "cli/cli_internal.h"
#include "common/units.h"

#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

/* The text being read, as untrusted bytes; pos advances as it is read. */
struct reader {
	const uint8_t *s;
	size_t len, pos;
	struct hl_diag *d;
};

static enum hl_err syntax(struct reader *r, const char *what)
{
	if (r->pos >= r->len)
		return hl_fail(r->d, HL_E_USAGE, "line is not valid JSON: %s at end of line", what);
	return hl_fail(r->d, HL_E_USAGE, "line is not valid JSON: %s at byte %zu", what,
		       r->pos + 1);
}

/* The byte at pos, or -1 at the end: every look at the text goes through here. */
static int peek(const struct reader *r)
{
	return r->pos < r->len ? r->s[r->pos] : -1;
}

static void skip_space(struct reader *r)
{
	while (peek(r) == ' ' || peek(r) == '\t' || peek(r) == '\n' || peek(r) == '\r')
		r->pos++;
}

/* Four hex digits at pos as a UTF-16 code unit, or -1 with pos at the first byte that
 * is not one (or at the end). */
static long hex4(struct reader *r)
{
	long u = 0;

	for (int i = 0; i < 4; i++, r->pos++) {
		int dv = peek(r) < 0 ? -1 : hl_hex_digit((char)peek(r));

		if (dv < 0)
			return -1;
		u = u * 16 + dv;
	}
	return u;
}

/* A \uXXXX escape whose backslash is at `at` (pos is after the 'u'); a high surrogate
 * must be followed by an escaped low one, and the pair is one code point. */
static enum hl_err unicode_escape(struct reader *r, size_t at, uint32_t *cp)
{
	long hi = hex4(r), lo = -1;

	if (hi < 0)
		return syntax(r, "bad \\u escape");
	if (hi < 0xd800 || hi > 0xdfff) {
		*cp = (uint32_t)hi;
		return HL_OK;
	}
	if (hi <= 0xdbff && peek(r) == '\\' && r->pos + 1 < r->len && r->s[r->pos + 1] == 'u') {
		r->pos += 2;
		lo = hex4(r);
		if (lo < 0)
			return syntax(r, "bad \\u escape");
	}
	if (lo < 0xdc00 || lo > 0xdfff) {
		r->pos = at;
		return syntax(r, "lone surrogate in \\u escape");
	}
	*cp = 0x10000 + (uint32_t)((hi - 0xd800) << 10) + (uint32_t)(lo - 0xdc00);
	return HL_OK;
}

/* The escape whose backslash is at pos, as the code point it stands for. */
static enum hl_err escape(struct reader *r, uint32_t *cp)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	size_t at = r->pos++;
	int c = peek(r);
	const char *p = c > 0 ? strchr(from, c) : NULL;

	if (c == 'u') {
		r->pos++;
		return unicode_escape(r, at, cp);
	}
	if (c < 0)
		return syntax(r, "unterminated string");
	if (p == NULL) {
		r->pos = at;
		return syntax(r, "bad escape");
	}
	r->pos++;
	*cp = (uint8_t)to[p - from];
	return HL_OK;
}

/* The string whose opening quote is at pos: checks it and, when out is not NULL,
 * decodes it there.  *n is the decoded length, never more than the text's.  Plain bytes
 * are taken in runs, which keeps reading a large argument cheap. */
static enum hl_err read_string(struct reader *r, uint8_t *out, size_t *n)
{
	uint8_t one[CLI_UTF8_MAX];
	size_t k = 0, step;
	uint32_t cp = 0;
	enum hl_err err;

	for (r->pos++; peek(r) != '"'; k += step) {
		step = json_plain_len(r->s + r->pos, r->len - r->pos);
		if (step > 0) {
			if (out != NULL)
				memcpy(out + k, r->s + r->pos, step);
			r->pos += step;
			continue;
		}
		if (peek(r) < 0)
			return syntax(r, "unterminated string");
		if (peek(r) < 0x20)
			return syntax(r, "control character in a string");
		if (peek(r) == '\\') {
			err = escape(r, &cp);
			if (err != HL_OK)
				return err;
			step = cli_utf8_put(one, cp);
			if (out != NULL)
				memcpy(out + k, one, step);
			continue;
		}
		step = cli_utf8_seq(r->s + r->pos, r->len - r->pos, NULL);
		if (step == 0)
			return syntax(r, "invalid UTF-8 in a string");
		if (out != NULL)
			memcpy(out + k, r->s + r->pos, step);
		r->pos += step;
	}
	r->pos++;
	*n = k;
	return HL_OK;
}

static bool digits(struct reader *r)
{
	size_t at = r->pos;

	while (peek(r) >= '0' && peek(r) <= '9')
		r->pos++;
	return r->pos > at;
}

static enum hl_err read_number(struct reader *r)
{
	if (peek(r) == '-')
		r->pos++;
	if (peek(r) == '0') {
		r->pos++;
		if (peek(r) >= '0' && peek(r) <= '9')
			return syntax(r, "leading zero in a number");
	} else if (!digits(r)) {
		return syntax(r, "bad number");
	}
	if (peek(r) == '.') {
		r->pos++;
		if (!digits(r))
			return syntax(r, "bad number");
	}
	if (peek(r) == 'e' || peek(r) == 'E') {
		r->pos++;
		if (peek(r) == '+' || peek(r) == '-')
			r->pos++;
		if (!digits(r))
			return syntax(r, "bad number");
	}
	return HL_OK;
}

static enum hl_err read_word(struct reader *r, const char *word)
{
	size_t n = strlen(word), left = r->len - r->pos;

	/* A word the line ends in the middle of is reported at the end, as any other. */
	if (left < n && memcmp(r->s + r->pos, word, left) == 0)
		r->pos = r->len;
	if (left < n || memcmp(r->s + r->pos, word, n) != 0)
		return syntax(r, "expected a value");
	r->pos += n;
	return HL_OK;
}

/* json_check's state: the brackets still open, and what may come next. */
struct checker {
	struct reader r;
	uint8_t open[JSON_MAX_DEPTH];
	int depth;
	enum { WANT_VALUE, WANT_KEY, AFTER_VALUE, DONE } state;
};

/* Opens an array or object at pos; an empty one closes at once. */
static enum hl_err open_container(struct checker *c, uint8_t bracket)
{
	uint8_t close = bracket == '{' ? '}' : ']';

	if (c->depth == JSON_MAX_DEPTH)
		return syntax(&c->r, "arrays and objects nested more than " STR(JSON_MAX_DEPTH)
			      " deep");
	c->open[c->depth++] = bracket;
	c->r.pos++;
	skip_space(&c->r);
	if (peek(&c->r) == close) {
		c->r.pos++;
		c->depth--;
		c->state = AFTER_VALUE;
	} else {
		c->state = bracket == '{' ? WANT_KEY : WANT_VALUE;
	}
	return HL_OK;
}

static enum hl_err check_value(struct checker *c)
{
	int ch = peek(&c->r);
	size_t n;

	c->state = AFTER_VALUE;
	if (ch == '{' || ch == '[')
		return open_container(c, (uint8_t)ch);
	if (ch == '"')
		return read_string(&c->r, NULL, &n);
	if (ch == '-' || (ch >= '0' && ch <= '9'))
		return read_number(&c->r);
	return read_word(&c->r, ch == 't' ? "true" : ch == 'f' ? "false" : "null");
}

static enum hl_err check_key(struct checker *c)
{
	size_t n;
	enum hl_err err;

	if (peek(&c->r) != '"')
		return syntax(&c->r, "expected a string key");
	err = read_string(&c->r, NULL, &n);
	if (err != HL_OK)
		return err;
	skip_space(&c->r);
	if (peek(&c->r) != ':')
		return syntax(&c->r, "expected ':'");
	c->r.pos++;
	c->state = WANT_VALUE;
	return HL_OK;
}

static enum hl_err check_after(struct checker *c)
{
	bool object;

	if (c->depth == 0) {
		c->state = DONE;
		return c->r.pos == c->r.len ? HL_OK : syntax(&c->r, "trailing characters");
	}
	object = c->open[c->depth - 1] == '{';
	if (peek(&c->r) == ',') {
		c->r.pos++;
		c->state = object ? WANT_KEY : WANT_VALUE;
	} else if (peek(&c->r) == (object ? '}' : ']')) {
		c->r.pos++;
		c->depth--;
	} else {
		return syntax(&c->r, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	return HL_OK;
}

/* Iterative, with the open brackets in a fixed array: a hostile line cannot exhaust the
 * stack or make this allocate. */
enum hl_err json_check(const char *s, size_t len, struct hl_diag *d)
{
	struct checker c = { .r = { (const uint8_t *)s, len, 0, d }, .state = WANT_VALUE };
	enum hl_err err = HL_OK;

	while (err == HL_OK && c.state != DONE) {
		skip_space(&c.r);
		if (c.state == WANT_VALUE)
			err = check_value(&c);
		else if (c.state == WANT_KEY)
			err = check_key(&c);
		else
			err = check_after(&c);
	}
	return err;
}

/* Moves pos past the array or object that opens there, in a checked text. */
static void skip_container(struct reader *r)
{
	int depth = 0;
	size_t n;

	do {
		if (peek(r) == '"') {
			read_string(r, NULL, &n);
			continue;
		}
		if (peek(r) == '{' || peek(r) == '[')
			depth++;
		else if (peek(r) == '}' || peek(r) == ']')
			depth--;
		r->pos++;
	} while (depth > 0 && r->pos < r->len);
}

struct json_span json_at(const char *s, size_t len, size_t pos)
{
	struct reader r = { (const uint8_t *)s, len, pos, NULL };
	struct json_span v;
	size_t n;

	skip_space(&r);
	v.start = r.pos;
	v.kind = peek(&r) == '{' ? JSON_OBJECT : peek(&r) == '[' ? JSON_ARRAY :
		 peek(&r) == '"' ? JSON_STRING : peek(&r) == 'n' ? JSON_NULL :
		 peek(&r) == 't' || peek(&r) == 'f' ? JSON_BOOL : JSON_NUMBER;
	if (v.kind == JSON_OBJECT || v.kind == JSON_ARRAY)
		skip_container(&r);
	else if (v.kind == JSON_STRING)
		read_string(&r, NULL, &n);
	else if (v.kind == JSON_NUMBER)
		read_number(&r);
	else
		read_word(&r, peek(&r) == 't' ? "true" : peek(&r) == 'f' ? "false" : "null");
	v.end = r.pos;
	return v;
}

bool json_next(const char *s, size_t len, const struct json_span *in, size_t *pos,
	       struct json_span *key, struct json_span *val)
{
	struct reader r = { (const uint8_t *)s, len, *pos ? *pos : in->start + 1, NULL };

	skip_space(&r);
	if (peek(&r) == ',')
		r.pos++;
	skip_space(&r);
	/* Nested brackets are skipped whole, so the next one here closes *in. */
	if (r.pos + 1 >= in->end)
		return false;
	if (in->kind == JSON_OBJECT) {
		*key = json_at(s, len, r.pos);
		r.pos = key->end;
		skip_space(&r);
		r.pos++; /* the ':' */
	}
	*val = json_at(s, len, r.pos);
	*pos = val->end;
	return true;
}

size_t json_decode(const char *s, const struct json_span *str, uint8_t *out)
{
	struct reader r = { (const uint8_t *)s, str->end, str->start, NULL };
	size_t n = 0;

	read_string(&r, out, &n);
	return n;
}

const char *json_kind_name(enum json_kind kind)
{
	static const char *const names[] = { "null", "a boolean", "a number", "a string",
					     "an array", "an object" };

	return names[kind];
}

size_t json_plain_len(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}
