/* Host functions the guest may call: the table, the allow-list, the serving of one host
 * call, and every host function but ReadFile (core/hostfn_file.c). */
#include "core/core_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define MAX_RANDOM 65536u

/* A host function's signature, hlrun's own or the caller's (struct sbx_extern). */
struct sig {
	const char *name;
	uint8_t ret;
	uint8_t nparams;
	const uint8_t *params;
};

struct host_fn {
	const char *name;
	uint8_t ret;
	uint8_t nparams;
	uint8_t params[1];
	enum hl_err (*fn)(struct sbx *s, const struct hl_value *args, struct sbx_host_out *o,
			  struct hl_diag *d);
};

enum hl_err sbx_host_refuse(struct sbx_host_out *o, int32_t code, const char *fmt, ...)
{
	va_list ap;

	o->code = code;
	va_start(ap, fmt);
	vsnprintf(o->msg, sizeof o->msg, fmt, ap);
	va_end(ap);
	return HL_OK;
}

uint64_t sbx_host_reply_size(uint32_t t, uint64_t len)
{
	struct hl_message m = { .kind = HL_MSG_REPLY, .nvals = 1 };

	if (len > UINT32_MAX)
		return UINT64_MAX;
	m.vals[0] = (struct hl_value){ .type = t, .len = (uint32_t)len };
	return hlw_size(&m);
}

/* HostPrint(string) -> i32: the string goes to the configured stream unchanged, unless
 * it would take the sandbox's output past policy.max_output; then nothing is written. */
static enum hl_err host_print(struct sbx *s, const struct hl_value *args,
			      struct sbx_host_out *o, struct hl_diag *d)
{
	uint64_t n = args[0].len, max = s->cfg.policy.max_output;

	if (n > max - s->printed)
		return sbx_host_refuse(o, HL_ERR_HOST_FAILED, "HostPrint: output limit of %llu "
				       "bytes (max_output) reached", (unsigned long long)max);
	if (n > 0 && fwrite(args[0].data, 1, n, s->cfg.print_to) != n)
		return hl_fail(d, HL_E_INTERNAL, "HostPrint: cannot write the guest's output: %s",
			       strerror(errno));
	s->printed += n;
	o->val.u.i32 = (int32_t)(n > INT32_MAX ? INT32_MAX : n);
	return HL_OK;
}

/* GetTimeNs() -> u64: CLOCK_MONOTONIC in nanoseconds. */
static enum hl_err get_time_ns(struct sbx *s, const struct hl_value *args,
			       struct sbx_host_out *o, struct hl_diag *d)
{
	(void)s;
	(void)args;
	(void)d;
	o->val.u.u64 = sbx_now_ns();
	return HL_OK;
}

/* GetRandom(u32 n) -> bytes: n bytes from getrandom(2), n at most MAX_RANDOM. */
static enum hl_err get_random(struct sbx *s, const struct hl_value *args,
			      struct sbx_host_out *o, struct hl_diag *d)
{
	uint32_t n = args[0].u.u32;
	uint8_t *buf;

	(void)s;
	if (n > MAX_RANDOM)
		return sbx_host_refuse(o, HL_ERR_HOST_BADARGS, "GetRandom: %u bytes is out of "
				       "range (0 to %u)", n, MAX_RANDOM);
	buf = malloc(n + 1u);
	if (buf == NULL)
		return hl_fail(d, HL_E_INTERNAL, "GetRandom: out of memory");
	o->owned = buf;
	for (uint32_t got = 0; got < n;) {
		ssize_t r = getrandom(buf + got, n - got, 0);

		if (r < 0 && errno != EINTR)
			return hl_fail(d, HL_E_INTERNAL, "GetRandom: getrandom: %s",
				       strerror(errno));
		got += r > 0 ? (uint32_t)r : 0;
	}
	o->val.data = buf;
	o->val.len = n;
	return HL_OK;
}

static int listed(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

bool sbx_allows(const struct sbx *s, const char *name)
{
	return listed(s->cfg.policy.allowed, s->cfg.policy.nallowed, name);
}

/* The entry of the policy's env for variable name, or NULL. */
static const char *env_entry(const struct sbx_policy *p, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < p->nenv; i++)
		if (strncmp(p->env[i], name, len) == 0 &&
		    (p->env[i][len] == '\0' || p->env[i][len] == '='))
			return p->env[i];
	return NULL;
}

/* GetEnv(string name) -> string: only the variables policy.env lists by exact name; the
 * value the entry gives, or else the host's. */
static enum hl_err get_env(struct sbx *s, const struct hl_value *args,
			   struct sbx_host_out *o, struct hl_diag *d)
{
	const char *name = (const char *)args[0].data, *entry, *value;
	char q[HL_QUOTE_MAX + 1];

	(void)d;
	entry = strchr(name, '=') == NULL ? env_entry(&s->cfg.policy, name) : NULL;
	if (entry == NULL)
		return sbx_host_refuse(o, HL_ERR_HOST_DENIED, "GetEnv: variable '%s' is not "
				       "granted (by the manifest's env or --env)",
				       hl_quote(name, q));
	value = entry[strlen(name)] == '=' ? entry + strlen(name) + 1 : getenv(name);
	if (value == NULL)
		return sbx_host_refuse(o, HL_ERR_HOST_FAILED, "GetEnv: variable '%s' is not "
				       "set", hl_quote(name, q));
	o->val.data = (const uint8_t *)value;
	o->val.len = (uint32_t)strnlen(value, UINT32_MAX);
	return HL_OK;
}

/* The one list of host functions: name, signature, handler. */
static const struct host_fn host_fns[] = {
	{ "HostPrint", HL_T_I32, 1, { HL_T_STRING }, host_print },
	{ "GetTimeNs", HL_T_U64, 0, { 0 }, get_time_ns },
	{ "GetRandom", HL_T_BYTES, 1, { HL_T_U32 }, get_random },
	{ "GetEnv", HL_T_STRING, 1, { HL_T_STRING }, get_env },
	{ "ReadFile", HL_T_BYTES, 1, { HL_T_STRING }, sbx_host_read_file },
};

static const struct host_fn *find(const char *name)
{
	for (size_t i = 0; i < sizeof host_fns / sizeof host_fns[0]; i++)
		if (strcmp(host_fns[i].name, name) == 0)
			return &host_fns[i];
	return NULL;
}

bool sbx_host_function_exists(const char *name)
{
	return find(name) != NULL;
}

const char *sbx_host_function_name(size_t i)
{
	return i < sizeof host_fns / sizeof host_fns[0] ? host_fns[i].name : NULL;
}

static enum hl_err check_list(const char *what, const char *const *list, size_t n,
			      struct hl_diag *d)
{
	if (n > 0 && list == NULL)
		return hl_fail(d, HL_E_USAGE, "policy: %s has %zu entries but no list", what, n);
	for (size_t i = 0; i < n; i++)
		if (list[i] == NULL)
			return hl_fail(d, HL_E_USAGE, "policy: entry %zu of %s is NULL", i + 1,
				       what);
	return HL_OK;
}

enum hl_err sbx_check_policy(const struct sbx_config *cfg, struct hl_diag *d)
{
	const struct sbx_policy *p = &cfg->policy;
	enum hl_err err = HL_OK;

	if (p->max_output < 1 || p->max_output > SBX_MAX_MAX_OUTPUT)
		return hl_fail(d, HL_E_USAGE, "max_output of %llu bytes is out of range (1 to "
			       "%llu)", (unsigned long long)p->max_output, SBX_MAX_MAX_OUTPUT);
	err = check_list("host_functions", p->allowed, p->nallowed, d);
	if (err == HL_OK)
		err = check_list("env", p->env, p->nenv, d);
	if (err == HL_OK)
		err = check_list("files", p->files, p->nfiles, d);
	for (size_t i = 0; err == HL_OK && i < p->nallowed; i++)
		if (find(p->allowed[i]) == NULL)
			err = hl_fail(d, HL_E_USAGE, "no host function named '%s' to allow "
				      "(there are HostPrint, GetTimeNs, GetRandom, GetEnv and "
				      "ReadFile)", p->allowed[i]);
	if (err == HL_OK && cfg->print_to == NULL && listed(p->allowed, p->nallowed, "HostPrint"))
		err = hl_fail(d, HL_E_USAGE, "HostPrint is allowed but has no stream to print to");
	return err == HL_OK ? sbx_check_externs(&cfg->externs, d) : err;
}

ptrdiff_t sbx_extern_find(const struct sbx_extern *x, const char *name)
{
	for (size_t i = 0; i < x->nfns; i++)
		if (strncmp(x->fns[i].name, name, HL_NAME_MAX) == 0)
			return (ptrdiff_t)i;
	return -1;
}

size_t sbx_signature(const char *name, const uint8_t *params, unsigned nparams, uint8_t ret,
		     bool compact, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "%s(", name);

	for (unsigned i = 0; i < nparams && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i == 0 ? "" : compact ? "," : ", ",
				      hlw_type_name(params[i]));
	if (n < cap)
		n += (size_t)snprintf(buf + n, cap - n, compact ? ")->%s" : ") -> %s",
				      hlw_type_name(ret));
	return n;
}

size_t sbx_extern_signature(const struct hl_export *e, char *buf, size_t cap)
{
	return sbx_signature(e->name, e->params, e->nparams, e->ret, true, buf, cap);
}

/* The type named by the len bytes at s, or -1. */
static int type_named(const char *s, size_t len)
{
	for (int t = HL_T_VOID; t <= HL_T_MAX; t++)
		if (strlen(hlw_type_name((uint32_t)t)) == len &&
		    memcmp(hlw_type_name((uint32_t)t), s, len) == 0)
			return t;
	return -1;
}

bool sbx_extern_parse(const char *sig, struct hl_export *e)
{
	const char *open = strchr(sig, '('), *p, *arrow = strstr(sig, ")->");
	char again[SBX_SIGNATURE_MAX];
	int t;

	*e = (struct hl_export){ 0 };
	if (open == NULL || arrow == NULL || arrow < open ||
	    (size_t)(open - sig) >= HL_NAME_MAX ||
	    !hlw_is_ident((const uint8_t *)sig, (size_t)(open - sig)))
		return false;
	memcpy(e->name, sig, (size_t)(open - sig));
	for (p = open + 1; p < arrow && e->nparams < HL_MAX_PARAMS; e->nparams++) {
		size_t len = strcspn(p, ",)");

		t = type_named(p, len);
		if (t <= HL_T_VOID)
			return false;
		e->params[e->nparams] = (uint8_t)t;
		p += len + (p[len] == ',');
	}
	t = type_named(arrow + 3, strlen(arrow + 3));
	if (p != arrow || t < 0)
		return false;
	e->ret = (uint8_t)t;
	/* Only the one way sbx_extern_signature() writes it. */
	return sbx_extern_signature(e, again, sizeof again) < sizeof again &&
	       strcmp(again, sig) == 0;
}

/* One declared signature: a name that a guest can call and hlrun does not serve itself,
 * types of the wire format, void only as the return type. */
static enum hl_err check_extern(const struct sbx_extern *x, size_t i, struct hl_diag *d)
{
	const struct hl_export *e = &x->fns[i];
	size_t len = strnlen(e->name, HL_NAME_MAX);

	if (len == HL_NAME_MAX || !hlw_is_ident((const uint8_t *)e->name, len))
		return hl_fail(d, HL_E_USAGE, "host process function %zu: its name is not an "
			       "identifier of 1 to %d characters", i + 1, HL_NAME_MAX - 1);
	if (find(e->name) != NULL)
		return hl_fail(d, HL_E_USAGE, "host process function %s: hlrun serves a host "
			       "function of that name itself", e->name);
	if (sbx_extern_find(x, e->name) != (ptrdiff_t)i)
		return hl_fail(d, HL_E_USAGE, "host process function %s: declared twice", e->name);
	if (e->nparams > HL_MAX_PARAMS)
		return hl_fail(d, HL_E_USAGE, "host process function %s: %u parameters, more than "
			       "%d", e->name, e->nparams, HL_MAX_PARAMS);
	for (unsigned p = 0; p < e->nparams; p++)
		if (e->params[p] == HL_T_VOID || e->params[p] > HL_T_MAX)
			return hl_fail(d, HL_E_USAGE, "host process function %s: parameter %u has "
				       "no type of the wire format", e->name, p + 1);
	if (e->ret > HL_T_MAX)
		return hl_fail(d, HL_E_USAGE, "host process function %s: its return type is none "
			       "of the wire format", e->name);
	return HL_OK;
}

enum hl_err sbx_check_externs(const struct sbx_extern *x, struct hl_diag *d)
{
	enum hl_err err = HL_OK;

	if (x->nfns > SBX_MAX_EXTERNS)
		return hl_fail(d, HL_E_USAGE, "%zu host process functions, more than %d",
			       x->nfns, SBX_MAX_EXTERNS);
	if (x->nfns > 0 && x->fns == NULL)
		return hl_fail(d, HL_E_USAGE, "policy: %zu host process functions but no list",
			       x->nfns);
	for (size_t i = 0; err == HL_OK && i < x->nfns; i++)
		err = check_extern(x, i, d);
	return err;
}

/* Writes an error reply (code and message) into the output buffer. */
static enum hl_err reply_error(struct sbx *s, int32_t code, const char *msg, struct hl_diag *d)
{
	struct hl_message m = { .kind = HL_MSG_ERROR, .nvals = 2 };
	uint64_t size;

	m.vals[0] = (struct hl_value){ .type = HL_T_I32, .u.i32 = code };
	m.vals[1] = (struct hl_value){ .type = HL_T_STRING, .len = (uint32_t)strlen(msg),
				       .data = (const uint8_t *)msg };
	if (sbx_put_message(s, s->layout.output, s->layout.output_size, &m, &size) != HLW_OK)
		return hl_fail(d, HL_E_CRASH, "%s: output buffer of %llu bytes cannot hold a "
			       "host-call error reply", s->phase,
			       (unsigned long long)s->layout.output_size);
	return HL_OK;
}

static int types_match(const struct sig *f, const struct hl_message *m)
{
	if (m->nvals != f->nparams)
		return 0;
	for (unsigned i = 0; i < f->nparams; i++)
		if (m->vals[i].type != f->params[i])
			return 0;
	return 1;
}

/* Appends "(t1, t2)", the types of the n values at vals, to buf. */
static void put_types(char *buf, size_t cap, const struct hl_value *vals, unsigned n)
{
	size_t len = strlen(buf);

	len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "(");
	for (unsigned i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "",
					hlw_type_name(vals[i].type));
	if (len < cap)
		snprintf(buf + len, cap - len, ")");
}

static enum hl_err reply_badargs(struct sbx *s, const struct sig *f,
				 const struct hl_message *call, struct hl_diag *d)
{
	char msg[SBX_HOST_MSG];
	size_t len;

	snprintf(msg, sizeof msg, "%s: wrong arguments ", f->name);
	put_types(msg, sizeof msg, call->vals, call->nvals);
	len = strlen(msg);
	len += (size_t)snprintf(msg + len, sizeof msg - len, "; its signature is ");
	if (len < sizeof msg)
		sbx_signature(f->name, f->params, f->nparams, f->ret, false, msg + len,
			      sizeof msg - len);
	return reply_error(s, HL_ERR_HOST_BADARGS, msg, d);
}

/* Encodes the host function's answer o, a value or an error, as the reply. */
static enum hl_err reply(struct sbx *s, const struct sig *f, struct sbx_host_out *o,
			 struct hl_diag *d)
{
	struct hl_message m = { .kind = HL_MSG_REPLY, .nvals = f->ret != HL_T_VOID };
	uint64_t size;

	if (o->code != 0)
		return reply_error(s, o->code, o->msg, d);
	m.vals[0] = o->val;
	if (sbx_put_message(s, s->layout.output, s->layout.output_size, &m, &size) == HLW_OK)
		return HL_OK;
	snprintf(o->msg, sizeof o->msg, "%s: a reply of %llu bytes does not fit the output "
		 "buffer (%llu bytes); raise --output-size", f->name,
		 (unsigned long long)hlw_size(&m), (unsigned long long)s->layout.output_size);
	return reply_error(s, HL_ERR_HOST_FAILED, o->msg, d);
}

/* The option that allows host function name, for a denial to name. */
static const char *granted_by(const char *name, char *buf, size_t len)
{
	if (strcmp(name, "GetEnv") == 0)
		return "--env NAME";
	if (strcmp(name, "ReadFile") == 0)
		return "--dir PATH";
	snprintf(buf, len, "--allow %s", name);
	return buf;
}

/* Serves a call of the caller's host function i (struct sbx_extern), until the call's
 * deadline. */
static enum hl_err serve_extern(struct sbx *s, size_t i, const struct hl_message *call,
				struct hl_diag *d)
{
	const struct sbx_extern *x = &s->cfg.externs;
	const struct hl_export *e = &x->fns[i];
	const struct sig f = { e->name, e->ret, e->nparams, e->params };
	struct sbx_host_out o = { .val.type = e->ret };
	enum hl_err err = HL_OK;

	if (!types_match(&f, call))
		return reply_badargs(s, &f, call, d);
	if (x->serve == NULL)
		sbx_host_refuse(&o, HL_ERR_HOST_FAILED, "%s: no host process serves it", e->name);
	else
		err = x->serve(x->ctx, i, call->vals, s->timer.deadline_ns, &o, d);
	/* The call ends as it would with the guest running: the same words. */
	if (err == HL_E_TIMEOUT)
		err = hl_fail(d, err, "%s: timed out after %llu ms (waiting for host function %s)",
			      s->phase, (unsigned long long)s->cfg.timeout_ms, e->name);
	else if (err == HL_E_INTERRUPTED || err == HL_E_TERMINATED)
		err = hl_fail(d, err, "%s: %s", s->phase, sbx_interrupt_words(sbx_interrupted()));
	if (err == HL_OK && o.code == 0 && o.val.type != e->ret)
		err = hl_fail(d, HL_E_INTERNAL, "%s: its server answered %s, not the declared "
			      "%s", e->name, hlw_type_name(o.val.type), hlw_type_name(e->ret));
	if (err == HL_OK)
		err = reply(s, &f, &o, d);
	free(o.owned);
	return err;
}

enum hl_err sbx_host_call(struct sbx *s, struct hl_diag *d)
{
	static const struct hl_message empty;
	struct hl_message call = empty;
	struct sbx_host_out o = { .code = 0 };
	const struct host_fn *f;
	struct sig sig;
	ptrdiff_t x;
	char opt[48];
	enum hlw_status st;
	enum hl_err err;

	st = hlw_decode(s->mem + s->layout.output, s->layout.output_size, &call);
	if (st != HLW_OK || call.kind != HL_MSG_HOSTCALL)
		return hl_fail(d, HL_E_CRASH, "%s: malformed host call: %s (protocol violation)",
			       s->phase, st != HLW_OK ? hlw_strerror(st) : "not a host call");
	f = find(call.name);
	x = f == NULL ? sbx_extern_find(&s->cfg.externs, call.name) : -1;
	if (x >= 0)
		return serve_extern(s, (size_t)x, &call, d);
	if (f == NULL) {
		snprintf(o.msg, sizeof o.msg, "%s: no such host function", call.name);
		return reply_error(s, HL_ERR_HOST_UNKNOWN, o.msg, d);
	}
	if (!sbx_allows(s, f->name)) {
		snprintf(o.msg, sizeof o.msg, "%s is not allowed by the manifest (host_functions) "
			 "or an option (%s)", f->name, granted_by(f->name, opt, sizeof opt));
		return reply_error(s, HL_ERR_HOST_DENIED, o.msg, d);
	}
	sig = (struct sig){ f->name, f->ret, f->nparams, f->params };
	if (!types_match(&sig, &call))
		return reply_badargs(s, &sig, &call, d);
	o.val.type = f->ret;
	err = f->fn(s, call.vals, &o, d);
	if (err == HL_OK)
		err = reply(s, &sig, &o, d);
	free(o.owned);
	return err;
}
