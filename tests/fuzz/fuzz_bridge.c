/* libFuzzer target: a host process's reply lines (cli_bridge_reply), read as the reply to
 * request 2 of a function of each return type.  A value accepted has the declared type,
 * its data in o.owned, and comes back the same through the writer of request lines; a
 * stale reply sets nothing; an error reply names the function; a refusal is a usage error
 * of one printable line. */
#include <math.h>
#include <string.h>

#include "cli/cli_internal.h"
#include "tests/fuzz/fuzz.h"

#define WANT 2

/* Whether a and b, of one type, are the same value (floats bit for bit, any NaN alike). */
static int same(const struct hl_value *a, const struct hl_value *b)
{
	switch (a->type) {
	case HL_T_VOID:
		return 1;
	case HL_T_F32:
		return isnan(a->u.f32) ? isnan(b->u.f32) : memcmp(&a->u.f32, &b->u.f32, 4) == 0;
	case HL_T_F64:
		return isnan(a->u.f64) ? isnan(b->u.f64) : memcmp(&a->u.f64, &b->u.f64, 8) == 0;
	case HL_T_BOOL:
		return a->u.b == b->u.b;
	case HL_T_STRING:
	case HL_T_BYTES:
		return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
	default:
		return a->u.u64 == b->u.u64;
	}
}

/* v, written as a request's argument and as a reply's result, reads back as itself. */
static void round_trip(const struct hl_export *e, const struct hl_value *v)
{
	const struct hl_export call = { .name = "Fn", .ret = HL_T_VOID, .nparams = 1,
					.params = { (uint8_t)v->type } };
	struct sbx_host_out again = { .val.type = v->type };
	struct hl_diag d = { 0 };
	char *text = NULL, *line = NULL;
	size_t len = 0, n = 0;
	bool stale = true;
	FILE *f;

	if (v->type != HL_T_VOID) {
		CHECK(cli_bridge_request(WANT, &call, v, &text, &len, &d) == HL_OK);
		CHECK(len >= 2 && text[len - 1] == '\n' && memchr(text, '\n', len - 1) == NULL);
		CHECK(json_check(text, len - 1, &d) == HL_OK);
		free(text);
	}
	f = open_memstream(&line, &n);
	CHECK(f != NULL);
	fprintf(f, "{\"id\":%d,\"result\":", WANT);
	json_put_value(f, v);
	fputc('}', f);
	CHECK(fclose(f) == 0);
	CHECK(cli_bridge_reply(line, n, WANT, e, &stale, &again, &d) == HL_OK);
	CHECK(!stale && again.code == 0 && same(v, &again.val));
	free(again.owned);
	free(line);
}

static void check_value(const struct hl_export *e, const struct sbx_host_out *o, size_t size)
{
	const struct hl_value *v = &o->val;

	CHECK(v->type == e->ret);
	if (v->type == HL_T_STRING || v->type == HL_T_BYTES) {
		CHECK(v->data != NULL && v->data == o->owned);
		CHECK(v->len <= size);
	}
	if (v->type == HL_T_STRING)
		CHECK(memchr(v->data, 0, v->len) == NULL && v->data[v->len] == 0);
	if (v->type == HL_T_VOID)
		CHECK(o->owned == NULL && v->data == NULL);
	round_trip(e, v);
}

static void check_refusal(const char *msg)
{
	CHECK(msg[0] != '\0' && strlen(msg) < HL_DIAG_MSG);
	for (const char *p = msg; *p != '\0'; p++)
		CHECK((unsigned char)*p >= 0x20);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (uint8_t t = HL_T_VOID; t <= HL_T_MAX; t++) {
		const struct hl_export e = { .name = "Fn", .ret = t };
		struct sbx_host_out o = { .val.type = t };
		struct hl_diag d = { 0 };
		bool stale = true;
		enum hl_err err = cli_bridge_reply((const char *)data, size, WANT, &e, &stale, &o,
						   &d);

		CHECK(err == HL_OK || err == HL_E_USAGE);
		CHECK(!stale || (err == HL_OK && o.owned == NULL && o.code == 0 &&
				 o.val.type == t && o.val.data == NULL && o.val.u.u64 == 0));
		if (err != HL_OK)
			check_refusal(d.msg);
		else if (o.code != 0)
			CHECK(o.code == HL_ERR_HOST_FAILED && strncmp(o.msg, "Fn: ", 4) == 0 &&
			      o.owned != NULL);
		else if (!stale)
			check_value(&e, &o, size);
		free(o.owned);
	}
	return 0;
}
