/* Batch mode's line format: one JSON object per input line names a call and its
 * arguments; one JSON object per output line answers it. */
#include "cli/cli_internal.h"

#include <stdlib.h>
#include <string.h>

enum { KEY_ID, KEY_FUNCTION, KEY_ARGS, NKEYS };

static const char *const key_names[NKEYS] = { "id", "function", "args" };

/* One input line, checked, and the block that its decoded strings and numbers go into.
 * Each decoded string plus its NUL is shorter than its quoted text, and each number plus
 * its NUL fits in its text and the ',', ']' or '}' that must follow it, so len + 1 bytes
 * hold everything; take() still checks. */
struct line {
	const char *s;
	size_t len;
	uint8_t *block;
	size_t used, cap;
	struct json_span key[NKEYS]; /* the value of each known key */
	bool seen[NKEYS];
};

/* n bytes of the block, for text NUL-terminated there. */
static enum hl_err take(struct line *l, size_t n, uint8_t **p, struct hl_diag *d)
{
	if (l->cap - l->used < n)
		return hl_fail(d, HL_E_INTERNAL, "batch line: decoded text outgrew its block");
	*p = l->block + l->used;
	l->used += n;
	return HL_OK;
}

/* The string *j decoded into the block and NUL-terminated; its length in *n. */
static enum hl_err take_string(struct line *l, const struct json_span *j, uint8_t **text,
			       size_t *n, struct hl_diag *d)
{
	enum hl_err err = take(l, j->end - j->start, text, d);

	if (err != HL_OK)
		return err;
	*n = json_decode(l->s, j, *text);
	(*text)[*n] = '\0';
	l->used -= j->end - j->start - (*n + 1);
	return HL_OK;
}

static enum hl_err open_block(struct line *l, struct cli_argmem *m, struct hl_diag *d)
{
	if (m->n >= HL_MAX_PARAMS)
		return hl_fail(d, HL_E_INTERNAL, "batch line: argument memory is full");
	l->cap = l->len + 1;
	l->block = malloc(l->cap);
	if (l->block == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory reading a batch line");
	m->blocks[m->n++] = l->block;
	return HL_OK;
}

/* Notes where each known key's value is.  The first unknown or repeated key goes into
 * *bad rather than ending the walk, so that an "id" after it is still found. */
static enum hl_err find_keys(struct line *l, const struct json_span *obj,
			     struct hl_diag *bad, struct hl_diag *d)
{
	struct json_span k, v;
	size_t pos = 0, n;
	uint8_t *text = NULL;
	char shown[JSON_EXCERPT];
	enum hl_err err;
	int which;

	while (json_next(l->s, l->len, obj, &pos, &k, &v)) {
		err = take_string(l, &k, &text, &n, d);
		if (err != HL_OK)
			return err;
		for (which = 0; which < NKEYS; which++)
			if (n == strlen(key_names[which]) && memcmp(text, key_names[which], n) == 0)
				break;
		if (which < NKEYS && !l->seen[which]) {
			l->seen[which] = true;
			l->key[which] = v;
		} else if (bad->err == HL_OK) {
			hl_fail(bad, HL_E_USAGE, "%s key '%s'", which < NKEYS ? "duplicate" :
				"unknown", json_excerpt(shown, text, n));
		}
	}
	return HL_OK;
}

static bool integer_text(const struct line *l, const struct json_span *j)
{
	for (size_t i = j->start; i < j->end; i++)
		if (l->s[i] == '.' || l->s[i] == 'e' || l->s[i] == 'E')
			return false;
	return true;
}

/* The id as canonical JSON text, into id only when it is valid: a string re-encoded, an
 * integer as written. */
static enum hl_err read_id(struct line *l, char *id, struct hl_diag *d)
{
	const struct json_span *j = &l->key[KEY_ID];
	char buf[CLI_BATCH_ID_MAX];
	uint8_t *text = NULL;
	size_t n;
	bool fits;
	enum hl_err err;

	if (j->kind == JSON_STRING) {
		err = take_string(l, j, &text, &n, d);
		if (err != HL_OK)
			return err;
		buf[0] = '"';
		/* sizeof buf - 2 keeps room for the closing quote. */
		fits = json_escape(buf + 1, sizeof buf - 2, text, n) == n;
		strcat(buf, "\"");
	} else if (j->kind == JSON_NUMBER && integer_text(l, j)) {
		n = j->end - j->start;
		fits = n < sizeof buf;
		if (fits) {
			memcpy(buf, l->s + j->start, n);
			buf[n] = '\0';
		}
	} else {
		return hl_fail(d, HL_E_USAGE, "key 'id' must be a string or an integer, got %s",
			       j->kind == JSON_NUMBER ? "a number with a fraction or exponent" :
			       json_kind_name(j->kind));
	}
	if (!fits)
		return hl_fail(d, HL_E_USAGE, "key 'id' is longer than %d bytes of JSON",
			       CLI_BATCH_ID_MAX - 1);
	strcpy(id, buf);
	return HL_OK;
}

static enum hl_err find_function(struct line *l, const struct ldr_guest *g,
				 const struct hl_export **e, struct hl_diag *d)
{
	const struct json_span *j = &l->key[KEY_FUNCTION];
	char shown[JSON_EXCERPT];
	uint8_t *name = NULL;
	size_t n;
	enum hl_err err;

	if (!l->seen[KEY_FUNCTION])
		return hl_fail(d, HL_E_USAGE, "missing key 'function'");
	if (j->kind != JSON_STRING)
		return hl_fail(d, HL_E_USAGE, "key 'function' must be a string, got %s",
			       json_kind_name(j->kind));
	err = take_string(l, j, &name, &n, d);
	if (err != HL_OK)
		return err;
	/* A NUL would end the name early for ldr_find: "Add\u0000x" is not Add. */
	*e = memchr(name, 0, n) == NULL ? ldr_find(g, (const char *)name) : NULL;
	if (*e == NULL)
		return hl_fail(d, HL_E_USAGE, "no function '%s'", json_excerpt(shown, name, n));
	return HL_OK;
}

static enum hl_err wrong_kind(const struct hl_export *e, int i, enum json_kind kind,
			      struct hl_diag *d)
{
	return hl_fail(d, HL_E_USAGE, "%s: argument %d: expected %s, got %s", e->name, i + 1,
		       hlw_type_name(e->params[i]), json_kind_name(kind));
}

/* A number, or a string holding one, converted as the command line converts its text:
 * 64-bit integers stay exact and the messages are the same. */
static enum hl_err convert_scalar(struct line *l, const struct hl_export *e, int i,
				  const struct json_span *j, struct hl_value *v,
				  struct hl_diag *d)
{
	size_t n = j->end - j->start;
	char shown[JSON_EXCERPT];
	uint8_t *text = NULL;
	enum hl_err err;

	if (j->kind == JSON_STRING) {
		err = take_string(l, j, &text, &n, d);
	} else {
		err = take(l, n + 1, &text, d);
		if (err == HL_OK) {
			memcpy(text, l->s + j->start, n);
			text[n] = '\0';
		}
	}
	if (err == HL_OK)
		err = cli_no_nul(e, i, text, n, d);
	if (err != HL_OK)
		return err;
	return cli_convert_text(e, i, (const char *)text, json_excerpt(shown, text, n), v, d);
}

/* A string or bytes argument: a JSON string, holding base64 for bytes. */
static enum hl_err convert_data(struct line *l, const struct hl_export *e, int i,
				const struct json_span *j, uint64_t limit, struct hl_value *v,
				struct hl_diag *d)
{
	uint8_t *data = NULL;
	size_t n, bad;
	enum hl_err err = take_string(l, j, &data, &n, d);

	if (err != HL_OK)
		return err;
	if (v->type == HL_T_BYTES && !json_unbase64(data, n, &n, &bad))
		return bad == n ?
		       hl_fail(d, HL_E_USAGE, "%s: argument %d: not padded standard base64 "
			       "(length %zu is not a multiple of 4)", e->name, i + 1, n) :
		       hl_fail(d, HL_E_USAGE, "%s: argument %d: not padded standard base64 "
			       "(bad character %zu)", e->name, i + 1, bad + 1);
	if (v->type == HL_T_STRING)
		err = cli_no_nul(e, i, data, n, d);
	if (err != HL_OK)
		return err;
	if (n > limit)
		return hl_fail(d, HL_E_USAGE, "%s: argument %d has more than %llu bytes, the "
			       "input buffer size; raise --input-size", e->name, i + 1,
			       (unsigned long long)limit);
	if (n > UINT32_MAX)
		return hl_fail(d, HL_E_USAGE, "%s: argument %d: %zu bytes is too long", e->name,
			       i + 1, n);
	v->data = data;
	v->len = (uint32_t)n;
	return HL_OK;
}

static enum hl_err convert_arg(struct line *l, const struct hl_export *e, int i,
			       const struct json_span *j, uint64_t limit, struct hl_value *v,
			       struct hl_diag *d)
{
	*v = (struct hl_value){ .type = e->params[i] };
	switch (v->type) {
	case HL_T_BOOL:
		if (j->kind != JSON_BOOL)
			return wrong_kind(e, i, j->kind, d);
		v->u.b = l->s[j->start] == 't';
		return HL_OK;
	case HL_T_STRING:
	case HL_T_BYTES:
		if (j->kind != JSON_STRING)
			return wrong_kind(e, i, j->kind, d);
		return convert_data(l, e, i, j, limit, v, d);
	default:
		if (j->kind != JSON_NUMBER && j->kind != JSON_STRING)
			return wrong_kind(e, i, j->kind, d);
		return convert_scalar(l, e, i, j, v, d);
	}
}

static enum hl_err convert_args(struct line *l, const struct hl_export *e, uint64_t limit,
				struct hl_value *args, struct hl_diag *d)
{
	const struct json_span *list = &l->key[KEY_ARGS];
	struct json_span v;
	size_t pos = 0, count = 0;
	enum hl_err err = HL_OK;

	if (l->seen[KEY_ARGS] && list->kind != JSON_ARRAY)
		return hl_fail(d, HL_E_USAGE, "key 'args' must be an array, got %s",
			       json_kind_name(list->kind));
	while (l->seen[KEY_ARGS] && json_next(l->s, l->len, list, &pos, NULL, &v))
		count++;
	if (count != e->nparams)
		return cli_wrong_count(e, count, d);
	pos = 0;
	for (int i = 0; err == HL_OK && i < e->nparams; i++) {
		json_next(l->s, l->len, list, &pos, NULL, &v);
		err = convert_arg(l, e, i, &v, limit, &args[i], d);
	}
	return err;
}

/* Checks the whole line first, then reads the id, so that an answer to a line with any
 * later mistake (a bad key before the id, say) still carries it. */
enum hl_err cli_batch_parse(const char *line, size_t len, const struct ldr_guest *g,
			    uint64_t limit, struct cli_batch_call *c, struct cli_argmem *m,
			    struct hl_diag *d)
{
	struct line l = { .s = line, .len = len };
	struct hl_diag bad = { 0 };
	struct json_span root;
	enum hl_err err;

	c->e = NULL;
	c->id[0] = '\0';
	err = json_check(line, len, d);
	if (err != HL_OK)
		return err;
	root = json_at(line, len, 0);
	if (root.kind != JSON_OBJECT)
		return hl_fail(d, HL_E_USAGE, "line is %s, not a JSON object",
			       json_kind_name(root.kind));
	err = open_block(&l, m, d);
	if (err == HL_OK)
		err = find_keys(&l, &root, &bad, d);
	if (err == HL_OK && l.seen[KEY_ID])
		err = read_id(&l, c->id, d);
	if (err == HL_OK && bad.err != HL_OK)
		err = hl_fail(d, bad.err, "%s", bad.msg);
	if (err == HL_OK)
		err = find_function(&l, g, &c->e, d);
	if (err == HL_OK)
		err = convert_args(&l, c->e, limit, c->args, d);
	return err;
}

void cli_batch_print_result(FILE *out, const struct cli_batch_call *c,
			    const struct hl_value *v, const struct cli_printed *printed)
{
	cli_json_result(out, &(struct cli_answer){ .id = c->id, .printed = printed }, v);
	fflush(out);
}

void cli_batch_print_error(FILE *out, const struct cli_batch_call *c, enum hl_err err,
			   const char *msg, const struct cli_printed *printed)
{
	cli_json_error(out, &(struct cli_answer){ .id = c->id, .printed = printed }, err, msg);
	fflush(out);
}
