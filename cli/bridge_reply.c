/* The host process's protocol (hlrun-manifest(5)): the JSON line that asks for a call,
 * and the reading of a reply line, which is hostile text like a batch line. */
#include "cli/cli_internal.h"

#include <stdlib.h>
#include <string.h>

enum { KEY_ID, KEY_RESULT, KEY_ERROR, NKEYS };

/* A reply line, checked: the value of each of its keys. */
struct reply {
	const char *s;
	size_t len;
	struct json_span key[NKEYS];
	bool seen[NKEYS];
};

/* Reads the object's keys, decoded as batch mode decodes its own: "id", and "result"
 * or "error". */
static enum hl_err read_keys(struct reply *r, struct hl_diag *d)
{
	static const char *const names[NKEYS] = { "id", "result", "error" };
	struct json_span top = json_at(r->s, r->len, 0), k, v;
	uint8_t key[64];
	char shown[JSON_EXCERPT];
	size_t pos = 0, n;
	int i;

	if (top.kind != JSON_OBJECT)
		return hl_fail(d, HL_E_USAGE, "a reply is an object, not %s",
			       json_kind_name(top.kind));
	while (json_next(r->s, r->len, &top, &pos, &k, &v)) {
		/* A key longer than the buffer is none of the three: it is shown as
		 * written, escapes and all. */
		bool fits = k.end - k.start <= sizeof key;
		const uint8_t *text = fits ? key : (const uint8_t *)r->s + k.start + 1;

		n = fits ? json_decode(r->s, &k, key) : k.end - k.start - 2;
		for (i = 0; i < NKEYS; i++)
			if (fits && n == strlen(names[i]) && memcmp(key, names[i], n) == 0)
				break;
		if (i == NKEYS || r->seen[i])
			return hl_fail(d, HL_E_USAGE, "%s key \"%s\"", i == NKEYS ? "unknown" :
				       "repeated", json_excerpt(shown, text, n));
		r->key[i] = v;
		r->seen[i] = true;
	}
	if (!r->seen[KEY_ID])
		return hl_fail(d, HL_E_USAGE, "no \"id\"");
	if (r->seen[KEY_RESULT] == r->seen[KEY_ERROR])
		return hl_fail(d, HL_E_USAGE, r->seen[KEY_RESULT] ? "both \"result\" and \"error\"" :
			       "neither \"result\" nor \"error\"");
	return HL_OK;
}

/* The id, a whole number in plain digits; ULLONG_MAX for anything else. */
static uint64_t read_id(const struct reply *r)
{
	const struct json_span *j = &r->key[KEY_ID];
	uint64_t id = 0;

	if (j->kind != JSON_NUMBER || j->end - j->start > 19)
		return UINT64_MAX;
	for (size_t i = j->start; i < j->end; i++) {
		if (r->s[i] < '0' || r->s[i] > '9')
			return UINT64_MAX;
		id = id * 10 + (uint64_t)(r->s[i] - '0');
	}
	return id;
}

/* The string at j decoded into memory of o's (freed after the reply), NUL-terminated. */
static enum hl_err decode(const struct reply *r, const struct json_span *j,
			  struct sbx_host_out *o, size_t *n, struct hl_diag *d)
{
	uint8_t *p = malloc(j->end - j->start + 1);

	if (p == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	o->owned = p;
	*n = json_decode(r->s, j, p);
	p[*n] = '\0';
	return HL_OK;
}

/* The result, converted to e's return type as batch mode converts arguments. */
static enum hl_err read_result(const struct reply *r, const struct hl_export *e,
			       struct sbx_host_out *o, struct hl_diag *d)
{
	const struct json_span *j = &r->key[KEY_RESULT];
	char shown[JSON_EXCERPT];
	size_t n = 0, bad;
	enum hl_err err;

	o->val.type = e->ret;
	switch (e->ret) {
	case HL_T_VOID:
		return j->kind == JSON_NULL ? HL_OK :
		       hl_fail(d, HL_E_USAGE, "result: expected null for void, got %s",
			       json_kind_name(j->kind));
	case HL_T_BOOL:
		if (j->kind != JSON_BOOL)
			break;
		o->val.u.b = r->s[j->start] == 't';
		return HL_OK;
	case HL_T_STRING:
	case HL_T_BYTES:
		if (j->kind != JSON_STRING)
			break;
		err = decode(r, j, o, &n, d);
		if (err == HL_OK && e->ret == HL_T_BYTES &&
		    !json_unbase64(o->owned, n, &n, &bad))
			return hl_fail(d, HL_E_USAGE, "result: not padded standard base64");
		if (err == HL_OK && e->ret == HL_T_STRING && memchr(o->owned, 0, n) != NULL)
			return hl_fail(d, HL_E_USAGE, "result: a string holds no NUL byte");
		if (err == HL_OK && n > UINT32_MAX)
			return hl_fail(d, HL_E_USAGE, "result: %zu bytes is too long", n);
		o->val.data = o->owned;
		o->val.len = (uint32_t)n;
		return err;
	default:
		if (j->kind != JSON_NUMBER && j->kind != JSON_STRING)
			break;
		if (j->kind == JSON_STRING)
			err = decode(r, j, o, &n, d);
		else if ((o->owned = strndup(r->s + j->start, j->end - j->start)) == NULL)
			err = hl_fail(d, HL_E_INTERNAL, "out of memory");
		else
			err = HL_OK, n = j->end - j->start;
		if (err != HL_OK)
			return err;
		if (memchr(o->owned, 0, n) != NULL)
			return hl_fail(d, HL_E_USAGE, "result: a number holds no NUL byte");
		return cli_convert_text(e, -1, o->owned, json_excerpt(shown, o->owned, n),
					&o->val, d);
	}
	return hl_fail(d, HL_E_USAGE, "result: expected %s, got %s", hlw_type_name(e->ret),
		       json_kind_name(j->kind));
}

enum hl_err cli_bridge_reply(const char *line, size_t len, uint64_t want,
			     const struct hl_export *e, bool *stale, struct sbx_host_out *o,
			     struct hl_diag *d)
{
	struct reply r = { .s = line, .len = len };
	enum hl_err err = json_check(r.s, len, d);
	uint64_t id;
	size_t n;

	*stale = false;
	if (err == HL_OK)
		err = read_keys(&r, d);
	if (err != HL_OK)
		return err;
	id = read_id(&r);
	if (id < want) {
		*stale = true;
		return HL_OK;
	}
	if (id != want)
		return hl_fail(d, HL_E_USAGE, "\"id\" is not %llu, the request's",
			       (unsigned long long)want);
	if (r.seen[KEY_RESULT])
		return read_result(&r, e, o, d);
	if (r.key[KEY_ERROR].kind != JSON_STRING)
		return hl_fail(d, HL_E_USAGE, "\"error\" is %s, not a string",
			       json_kind_name(r.key[KEY_ERROR].kind));
	err = decode(&r, &r.key[KEY_ERROR], o, &n, d);
	if (err == HL_OK)
		sbx_host_refuse(o, HL_ERR_HOST_FAILED, "%s: %s", e->name, (char *)o->owned);
	return err;
}

enum hl_err cli_bridge_request(uint64_t id, const struct hl_export *e,
			       const struct hl_value *args, char **text, size_t *len,
			       struct hl_diag *d)
{
	FILE *f = open_memstream(text, len);

	if (f == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	fprintf(f, "{\"id\":%llu,\"function\":\"%s\",\"args\":[", (unsigned long long)id,
		e->name);
	for (unsigned i = 0; i < e->nparams; i++) {
		if (i > 0)
			fputc(',', f);
		json_put_value(f, &args[i]);
	}
	fputs("]}\n", f);
	if (fclose(f) != 0)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	return HL_OK;
}

