/* Guest runtime: init (heap), call dispatch, error values, abort, host calls.  It runs in
 * ring 3 and uses no privileged instruction. */
#include "hlguest.h"

#include <stdarg.h>

#define ERR_MSG_MAX 1024

/* The runtime's state: the guest is single-threaded and owns all of it. */
static const struct hl_peb *peb;
static int32_t err_code;
static char err_msg[ERR_MSG_MAX];

extern const struct hl_export __hl_exports_start[], __hl_exports_end[];
void hl_dispatch_entry(void);
void hl_port_out(uint16_t port, uint32_t value);
__attribute__((noreturn)) void hl_stop(void);
uint64_t hl_runtime_init(const struct hl_peb *p);
void hl_dispatch(const struct hl_peb *p);

/* The ABI note the host checks before it maps anything. */
__attribute__((section(".note.hlrun"), used, aligned(4))) static const struct {
	uint32_t namesz, descsz, type;
	char name[8];
	uint32_t desc;
} abi_note = { sizeof HL_NOTE_NAME, 4, HL_NOTE_ABI, HL_NOTE_NAME, HL_ABI_VERSION };

uint64_t hl_runtime_init(const struct hl_peb *p)
{
	peb = p;
	hl_heap_init((void *)(uintptr_t)p->heap_addr, p->heap_size);
	if (hl_guest_init)
		hl_guest_init();
	return (uint64_t)(uintptr_t)hl_dispatch_entry;
}

/* Encodes m into the output buffer; a message that does not fit aborts the call. */
static void emit(const struct hl_message *m)
{
	uint8_t *out = (uint8_t *)(uintptr_t)peb->output_addr;
	uint64_t size;
	enum hlw_status st = hlw_encode(out, peb->output_size, m, &size);

	if (st == HLW_E_NOSPACE)
		hl_abort(HL_ABORT_OUTPUT_FULL, "message of %llu bytes does not fit the output "
			 "buffer of %llu bytes", (unsigned long long)hlw_size(m),
			 (unsigned long long)peb->output_size);
	if (st != HLW_OK)
		hl_abort(HL_ABORT_PROTOCOL, "cannot encode a message: %s", hlw_strerror(st));
}

__attribute__((format(printf, 2, 0)))
static void vset_error(int32_t code, const char *fmt, va_list ap)
{
	err_code = code;
	vsnprintf(err_msg, sizeof err_msg, fmt, ap);
}

int hl_error(int32_t code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset_error(code, fmt, ap);
	va_end(ap);
	return 1;
}

void hl_abort(int32_t code, const char *fmt, ...)
{
	struct hl_message m = { .kind = HL_MSG_ABORT, .nvals = 1 };
	uint8_t *out = (uint8_t *)(uintptr_t)peb->output_addr;
	uint64_t size;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof err_msg, fmt, ap);
	va_end(ap);
	m.vals[0] = (struct hl_value){ .type = HL_T_STRING, .len = (uint32_t)strlen(err_msg),
				       .data = (const uint8_t *)err_msg };
	/* An abort message that does not fit is dropped; the code still reaches the host. */
	if (hlw_encode(out, peb->output_size, &m, &size) != HLW_OK && peb->output_size >= 4)
		__builtin_memset(out, 0, 4);
	hl_port_out(HL_PORT_ABORT, (uint32_t)code);
	hl_stop();
}

void hl_libc_panic(const char *msg)
{
	hl_abort(HL_ABORT_HEAP, "%s", msg);
}

static const struct hl_export *find_export(const char *name)
{
	for (const struct hl_export *e = __hl_exports_start; e < __hl_exports_end; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static void check_call(const struct hl_message *call, const struct hl_export *e)
{
	if (e == NULL)
		hl_abort(HL_ABORT_NO_FUNCTION, "no function %s", call->name);
	if (call->nvals != e->nparams)
		hl_abort(HL_ABORT_NO_FUNCTION, "%s takes %u arguments, got %u", e->name,
			 e->nparams, call->nvals);
	for (unsigned i = 0; i < e->nparams; i++)
		if (call->vals[i].type != e->params[i])
			hl_abort(HL_ABORT_NO_FUNCTION, "%s: argument %u is %s, not %s", e->name,
				 i + 1, hlw_type_name(call->vals[i].type),
				 hlw_type_name(e->params[i]));
}

void hl_dispatch(const struct hl_peb *p)
{
	static struct hl_message call, res;
	const struct hl_export *e;
	struct hl_value ret = { 0 };
	enum hlw_status st;

	st = hlw_decode((const uint8_t *)(uintptr_t)p->input_addr, p->input_size, &call);
	if (st != HLW_OK || call.kind != HL_MSG_CALL)
		hl_abort(HL_ABORT_PROTOCOL, "bad call message: %s",
			 st != HLW_OK ? hlw_strerror(st) : "not a call");
	e = find_export(call.name);
	check_call(&call, e);
	ret.type = e->ret;
	hl_error(0, "%s returned an error without a message", e->name);
	if (((hl_handler)(uintptr_t)e->fn)(call.vals, &ret) != 0) {
		res = (struct hl_message){ .kind = HL_MSG_ERROR, .nvals = 2 };
		res.vals[0] = (struct hl_value){ .type = HL_T_I32, .u.i32 = err_code };
		res.vals[1] = (struct hl_value){ .type = HL_T_STRING,
						 .len = (uint32_t)strlen(err_msg),
						 .data = (const uint8_t *)err_msg };
	} else {
		res = (struct hl_message){ .kind = HL_MSG_RESULT, .nvals = e->ret != HL_T_VOID };
		ret.type = e->ret;
		res.vals[0] = ret;
	}
	emit(&res);
}

/* Copies a reply's string or bytes out of the output buffer, which the next message
 * overwrites. */
static int keep_data(struct hl_value *v)
{
	uint8_t *copy;

	if (v->type != HL_T_STRING && v->type != HL_T_BYTES)
		return 0;
	copy = malloc((size_t)v->len + 1);
	if (copy == NULL)
		return hl_error(HL_ERR_HOST_FAILED, "out of memory for a host reply of %u bytes",
				v->len);
	memcpy(copy, v->data, v->len);
	copy[v->len] = 0;
	v->data = copy;
	return 0;
}

int hl_call_host(const char *name, const struct hl_value *args, uint16_t nargs,
		 struct hl_value *ret)
{
	static struct hl_message m;
	enum hlw_status st;

	if (nargs > HL_MAX_VALS)
		return hl_error(HL_ERR_HOST_BADARGS, "%s: too many arguments", name);
	m = (struct hl_message){ .kind = HL_MSG_HOSTCALL, .name = name,
				 .name_len = (uint16_t)strlen(name), .nvals = nargs };
	memcpy(m.vals, args, nargs * sizeof *args);
	if (hlw_size(&m) > peb->output_size)
		return hl_error(HL_ERR_HOST_BADARGS, "%s: arguments of %llu bytes do not fit the "
				"output buffer (%llu bytes)", name,
				(unsigned long long)hlw_size(&m),
				(unsigned long long)peb->output_size);
	emit(&m);
	hl_port_out(HL_PORT_HOSTCALL, 0);
	st = hlw_decode((const uint8_t *)(uintptr_t)peb->output_addr, peb->output_size, &m);
	if (st != HLW_OK)
		hl_abort(HL_ABORT_PROTOCOL, "bad reply from host function %s: %s", name,
			 hlw_strerror(st));
	if (m.kind == HL_MSG_ERROR)
		return hl_error(m.vals[0].u.i32, "%s", (const char *)m.vals[1].data);
	if (m.kind != HL_MSG_REPLY)
		hl_abort(HL_ABORT_PROTOCOL, "host function %s: unexpected reply kind %u", name,
			 m.kind);
	*ret = m.nvals ? m.vals[0] : (struct hl_value){ .type = HL_T_VOID };
	return keep_data(ret);
}

int32_t hl_last_error(const char **message)
{
	if (message != NULL)
		*message = err_msg;
	return err_code;
}

int hl_propagate(void)
{
	return 1;
}

int32_t hl_host_print(const char *s)
{
	struct hl_value arg = { .type = HL_T_STRING, .len = (uint32_t)strlen(s),
				.data = (const uint8_t *)s };
	struct hl_value ret;

	if (hl_call_host("HostPrint", &arg, 1, &ret) != 0)
		return -1;
	return ret.type == HL_T_I32 ? ret.u.i32 : -1;
}

/* Calls name with at most one argument and checks the reply's type; the reply's string
 * or bytes (heap memory) become the caller's on success and are freed on failure. */
static int call_typed(const char *name, const struct hl_value *arg, uint32_t want,
		      struct hl_value *ret)
{
	if (hl_call_host(name, arg, arg != NULL, ret) != 0)
		return 1;
	if (ret->type == want)
		return 0;
	if (ret->type == HL_T_STRING || ret->type == HL_T_BYTES)
		free((void *)(uintptr_t)ret->data);
	return hl_error(HL_ERR_HOST_FAILED, "%s: reply is %s, not %s", name,
			hlw_type_name(ret->type), hlw_type_name(want));
}

int hl_get_time_ns(uint64_t *ns)
{
	struct hl_value ret;

	if (call_typed("GetTimeNs", NULL, HL_T_U64, &ret) != 0)
		return 1;
	*ns = ret.u.u64;
	return 0;
}

int hl_get_random(uint32_t n, void *buf)
{
	struct hl_value arg = { .type = HL_T_U32, .u.u32 = n }, ret;
	int rc = 0;

	if (call_typed("GetRandom", &arg, HL_T_BYTES, &ret) != 0)
		return 1;
	if (ret.len == n)
		memcpy(buf, ret.data, n);
	else
		rc = hl_error(HL_ERR_HOST_FAILED, "GetRandom: got %u bytes, not %u", ret.len, n);
	free((void *)(uintptr_t)ret.data);
	return rc;
}

static struct hl_value string_arg(const char *s)
{
	return (struct hl_value){ .type = HL_T_STRING, .len = (uint32_t)strlen(s),
				  .data = (const uint8_t *)s };
}

int hl_get_env(const char *name, char **value)
{
	struct hl_value arg = string_arg(name), ret;

	if (call_typed("GetEnv", &arg, HL_T_STRING, &ret) != 0)
		return 1;
	*value = (char *)(uintptr_t)ret.data;
	return 0;
}

int hl_read_file(const char *path, void **data, uint32_t *len)
{
	struct hl_value arg = string_arg(path), ret;

	if (call_typed("ReadFile", &arg, HL_T_BYTES, &ret) != 0)
		return 1;
	*data = (void *)(uintptr_t)ret.data;
	*len = ret.len;
	return 0;
}

const void *hl_mapped(const char *name, uint64_t *size)
{
	uint32_t n = peb->nmaps < HL_MAX_MAPS ? peb->nmaps : HL_MAX_MAPS;

	for (uint32_t i = 0; i < n; i++) {
		const struct hl_map *m = &peb->maps[i];

		if (strncmp(m->name, name, HL_MAP_NAME_MAX) == 0 &&
		    strlen(name) < HL_MAP_NAME_MAX) {
			*size = m->size;
			return (const void *)(uintptr_t)m->addr;
		}
	}
	return NULL;
}
