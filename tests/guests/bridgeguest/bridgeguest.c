/* bridgeguest: a TEST guest that calls the host process's functions (hlrun-manifest(5),
 * host_process) with every type, for tests/kvm/test_bridge.c.  Not an example. */
#include "hlguest.h"

/* The last string or bytes a host function returned, freed when the next replaces it. */
static void *keep(const void *p)
{
	static void *last;

	free(last);
	last = (void *)(uintptr_t)p;
	return last;
}

/* Calls host function fn with the n values at args; its value, of type t, in *v. */
static int call(const char *fn, const struct hl_value *args, uint16_t n, uint32_t t,
		struct hl_value *v)
{
	if (hl_call_host(fn, args, n, v) != 0)
		return hl_propagate();
	if (v->type == HL_T_STRING || v->type == HL_T_BYTES)
		keep(v->data);
	if (v->type != t)
		return hl_error(2, "%s returned type %u, not %u", fn, v->type, t);
	return 0;
}

/* RetT(string fn) -> T: what host function fn, of no parameters, returns. */
#define RET(NAME, T, FIELD)                                                             \
	static int ret_##NAME(const struct hl_value *a, struct hl_value *r)             \
	{                                                                              \
		struct hl_value v;                                                     \
		int rc = call(hl_arg_string(a, 0), NULL, 0, (T), &v);                  \
                                                                                       \
		if (rc == 0)                                                           \
			r->u.FIELD = v.u.FIELD;                                        \
		return rc;                                                             \
	}                                                                              \
	HL_EXPORT(Ret##NAME, ret_##NAME, (T), HL_T_STRING)

RET(I32, HL_T_I32, i32);
RET(U32, HL_T_U32, u32);
RET(I64, HL_T_I64, i64);
RET(U64, HL_T_U64, u64);
RET(F32, HL_T_F32, f32);
RET(F64, HL_T_F64, f64);
RET(Bool, HL_T_BOOL, b);

static int ret_string(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value v;
	int rc = call(hl_arg_string(a, 0), NULL, 0, HL_T_STRING, &v);

	return rc != 0 ? rc : hl_ret_string(r, (const char *)v.data);
}
HL_EXPORT(RetString, ret_string, HL_T_STRING, HL_T_STRING);

static int ret_bytes(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value v;
	int rc = call(hl_arg_string(a, 0), NULL, 0, HL_T_BYTES, &v);

	return rc != 0 ? rc : hl_ret_bytes(r, v.data, v.len);
}
HL_EXPORT(RetBytes, ret_bytes, HL_T_BYTES, HL_T_STRING);

/* RetVoid(string fn) -> i32: 0 once host function fn, void, has returned. */
static int ret_void(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value v;
	int rc = call(hl_arg_string(a, 0), NULL, 0, HL_T_VOID, &v);

	r->u.i32 = 0;
	return rc;
}
HL_EXPORT(RetVoid, ret_void, HL_T_I32, HL_T_STRING);

/* Relay(string fn, string s) -> string: host function fn of one string. */
static int relay(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value v;
	int rc = call(hl_arg_string(a, 0), &a[1], 1, HL_T_STRING, &v);

	return rc != 0 ? rc : hl_ret_string(r, (const char *)v.data);
}
HL_EXPORT(Relay, relay, HL_T_STRING, HL_T_STRING, HL_T_STRING);

/* Mix(...) -> string: host function Mix with one argument of every type. */
static int mix(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value v;
	int rc = call("Mix", a, 9, HL_T_STRING, &v);

	return rc != 0 ? rc : hl_ret_string(r, (const char *)v.data);
}
HL_EXPORT(Mix, mix, HL_T_STRING, HL_T_I32, HL_T_U32, HL_T_I64, HL_T_U64, HL_T_F32, HL_T_F64,
	  HL_T_BOOL, HL_T_STRING, HL_T_BYTES);
