/* Host functions the guest may call, and the serving of one host call. */
#include "core/core_internal.h"

#include <string.h>

struct host_fn {
	const char *name;
	uint8_t ret;
	uint8_t nparams;
	uint8_t params[2];
	enum hl_err (*fn)(struct sbx *s, const struct hl_value *args, struct hl_value *ret,
			  struct hl_diag *d);
};

/* HostPrint(string) -> i32: the string goes to the configured stream, unchanged. */
static enum hl_err host_print(struct sbx *s, const struct hl_value *args, struct hl_value *ret,
			      struct hl_diag *d)
{
	size_t n = args[0].len;

	if (n > 0 && fwrite(args[0].data, 1, n, s->cfg.print_to) != n)
		return hl_fail(d, HL_E_INTERNAL, "HostPrint: cannot write to standard output");
	ret->type = HL_T_I32;
	ret->u.i32 = (int32_t)(n > INT32_MAX ? INT32_MAX : n);
	return HL_OK;
}

static const struct host_fn host_fns[] = {
	{ "HostPrint", HL_T_I32, 1, { HL_T_STRING }, host_print },
};

static const struct host_fn *find(const char *name)
{
	for (size_t i = 0; i < sizeof host_fns / sizeof host_fns[0]; i++)
		if (strcmp(host_fns[i].name, name) == 0)
			return &host_fns[i];
	return NULL;
}

/* Writes an error reply (code and message) into the output buffer. */
static enum hl_err reply_error(struct sbx *s, int32_t code, const char *msg, struct hl_diag *d)
{
	struct hl_message m = { .kind = HL_MSG_ERROR, .nvals = 2 };
	uint64_t size;

	m.vals[0] = (struct hl_value){ .type = HL_T_I32, .u.i32 = code };
	m.vals[1] = (struct hl_value){ .type = HL_T_STRING, .len = (uint32_t)strlen(msg),
				       .data = (const uint8_t *)msg };
	if (hlw_encode(s->mem + s->layout.output, s->layout.output_size, &m, &size) != HLW_OK)
		return hl_fail(d, HL_E_CRASH, "%s: output buffer of %llu bytes cannot hold a "
			       "host-call error reply", s->phase,
			       (unsigned long long)s->layout.output_size);
	return HL_OK;
}

static int types_match(const struct host_fn *f, const struct hl_message *m)
{
	if (m->nvals != f->nparams)
		return 0;
	for (unsigned i = 0; i < f->nparams; i++)
		if (m->vals[i].type != f->params[i])
			return 0;
	return 1;
}

enum hl_err sbx_host_call(struct sbx *s, struct hl_diag *d)
{
	static const struct hl_message empty;
	struct hl_message call = empty, reply = { .kind = HL_MSG_REPLY };
	const struct host_fn *f;
	char msg[160];
	uint64_t size;
	enum hlw_status st;
	enum hl_err err;

	st = hlw_decode(s->mem + s->layout.output, s->layout.output_size, &call);
	if (st != HLW_OK || call.kind != HL_MSG_HOSTCALL)
		return hl_fail(d, HL_E_CRASH, "%s: malformed host call: %s (protocol violation)",
			       s->phase, st != HLW_OK ? hlw_strerror(st) : "not a host call");
	f = find(call.name);
	if (f == NULL) {
		snprintf(msg, sizeof msg, "%s: no such host function", call.name);
		return reply_error(s, HL_ERR_HOST_UNKNOWN, msg, d);
	}
	if (!types_match(f, &call)) {
		snprintf(msg, sizeof msg, "%s: wrong number or types of arguments", f->name);
		return reply_error(s, HL_ERR_HOST_BADARGS, msg, d);
	}
	err = f->fn(s, call.vals, &reply.vals[0], d);
	if (err != HL_OK)
		return err;
	reply.nvals = reply.vals[0].type != HL_T_VOID;
	st = hlw_encode(s->mem + s->layout.output, s->layout.output_size, &reply, &size);
	if (st != HLW_OK)
		return reply_error(s, HL_ERR_HOST_FAILED, "reply does not fit the output buffer", d);
	return HL_OK;
}
