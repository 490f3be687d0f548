/* simpleguest: the sample guest, one function per feature (hlrun-guest(7) shows how). */
#include "hlguest.h"

static int32_t counter;
static int32_t inits; /* how often init ran in this memory: 1, also from a snapshot */

void hl_guest_init(void)
{
	inits++;
}

static int echo(const struct hl_value *a, struct hl_value *r)
{
	return hl_ret_bytes(r, a[0].data, a[0].len);
}
HL_EXPORT(Echo, echo, HL_T_STRING, HL_T_STRING);
HL_EXPORT(EchoBytes, echo, HL_T_BYTES, HL_T_BYTES);

/* The first n bytes of data (all of it when shorter): a large input, a small output. */
static int head(const struct hl_value *a, struct hl_value *r)
{
	int32_t n = a[1].u.i32;

	if (n < 0)
		return hl_error(2, "negative length %d", n);
	return hl_ret_bytes(r, a[0].data, (uint32_t)n < a[0].len ? (uint32_t)n : a[0].len);
}
HL_EXPORT(Head, head, HL_T_BYTES, HL_T_BYTES, HL_T_I32);

/* The scalar echoes copy the whole value; the runtime sets the declared type. */
static int echo_scalar(const struct hl_value *a, struct hl_value *r)
{
	r->u = a[0].u;
	return 0;
}
HL_EXPORT(EchoI32, echo_scalar, HL_T_I32, HL_T_I32);
HL_EXPORT(EchoU32, echo_scalar, HL_T_U32, HL_T_U32);
HL_EXPORT(EchoI64, echo_scalar, HL_T_I64, HL_T_I64);
HL_EXPORT(EchoU64, echo_scalar, HL_T_U64, HL_T_U64);
HL_EXPORT(EchoF32, echo_scalar, HL_T_F32, HL_T_F32);
HL_EXPORT(EchoF64, echo_scalar, HL_T_F64, HL_T_F64);
HL_EXPORT(EchoBool, echo_scalar, HL_T_BOOL, HL_T_BOOL);

static int add(const struct hl_value *a, struct hl_value *r)
{
	/* Wraps like the two's-complement machine it runs on, without C's overflow UB. */
	r->u.i32 = (int32_t)((uint32_t)a[0].u.i32 + (uint32_t)a[1].u.i32);
	return 0;
}
HL_EXPORT(Add, add, HL_T_I32, HL_T_I32, HL_T_I32);

static int print_output(const struct hl_value *a, struct hl_value *r)
{
	int32_t n = hl_host_print(hl_arg_string(a, 0));

	if (n < 0)
		return hl_propagate();
	r->u.i32 = n;
	return 0;
}
HL_EXPORT(PrintOutput, print_output, HL_T_I32, HL_T_STRING);

static int fail(const struct hl_value *a, struct hl_value *r)
{
	(void)r;
	return hl_error(1, "%s", hl_arg_string(a, 0));
}
HL_EXPORT(Fail, fail, HL_T_VOID, HL_T_STRING);

static int do_abort(const struct hl_value *a, struct hl_value *r)
{
	(void)r;
	hl_abort(a[0].u.i32, "%s", hl_arg_string(a, 1));
}
HL_EXPORT(Abort, do_abort, HL_T_VOID, HL_T_I32, HL_T_STRING);

static int trigger_exception(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	__asm__ volatile("ud2");
	return 0;
}
HL_EXPORT(TriggerException, trigger_exception, HL_T_VOID);

static int null_deref(const struct hl_value *a, struct hl_value *r)
{
	volatile int32_t *p = NULL;

	(void)a;
	/* Hide the constant so the compiler emits the load instead of a trap. */
	__asm__("" : "+r"(p));
	r->u.i32 = *p;
	return 0;
}
HL_EXPORT(NullDeref, null_deref, HL_T_I32);

/* Each level keeps a 4 KiB frame alive so depth maps to stack use; the compiler must
 * assume the empty asm reads all of it, or clang keeps only the two bytes used. */
static int32_t recurse(int32_t depth)
{
	volatile uint8_t frame[4096];

	frame[0] = (uint8_t)depth;
	frame[sizeof frame - 1] = (uint8_t)depth;
	__asm__ volatile("" : : "r"(frame) : "memory");
	if (depth <= 1)
		return frame[0];
	return recurse(depth - 1) + frame[sizeof frame - 1] - (uint8_t)depth + 1;
}

static int stack_overflow(const struct hl_value *a, struct hl_value *r)
{
	r->u.i32 = recurse(a[0].u.i32);
	return 0;
}
HL_EXPORT(StackOverflow, stack_overflow, HL_T_I32, HL_T_I32);

static int do_malloc(const struct hl_value *a, struct hl_value *r)
{
	int32_t n = a[0].u.i32;
	uint8_t *p;

	if (n < 0)
		return hl_error(2, "cannot allocate a negative size (%d)", n);
	p = malloc((size_t)n);
	if (p == NULL)
		return hl_error(3, "heap exhausted: cannot allocate %d bytes", n);
	for (int32_t i = 0; i < n; i += 4096)
		p[i] = 1;
	free(p);
	r->u.i32 = n;
	return 0;
}
HL_EXPORT(Malloc, do_malloc, HL_T_I32, HL_T_I32);

static int spin(const struct hl_value *a, struct hl_value *r)
{
	volatile int forever = 1;

	(void)a;
	(void)r;
	while (forever)
		__asm__ volatile("pause");
	return 0;
}
HL_EXPORT(Spin, spin, HL_T_VOID);

static int large_output(const struct hl_value *a, struct hl_value *r)
{
	/* The result is copied to the output buffer after the handler returns, so the
	 * block lives until the next call frees it. */
	static uint8_t *last;
	int32_t n = a[0].u.i32;

	if (n < 0)
		return hl_error(2, "negative size %d", n);
	free(last);
	last = malloc((size_t)n + 1);
	if (last == NULL)
		return hl_error(3, "heap exhausted: cannot allocate %d bytes", n);
	for (int32_t i = 0; i < n; i++)
		last[i] = (uint8_t)('a' + i % 26);
	return hl_ret_bytes(r, last, (uint32_t)n);
}
HL_EXPORT(LargeOutput, large_output, HL_T_BYTES, HL_T_I32);

static int get_static(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.i32 = counter;
	return 0;
}
HL_EXPORT(GetStatic, get_static, HL_T_I32);

static int add_to_static(const struct hl_value *a, struct hl_value *r)
{
	counter += a[0].u.i32;
	r->u.i32 = counter;
	return 0;
}
HL_EXPORT(AddToStatic, add_to_static, HL_T_I32, HL_T_I32);

/* ---- Host functions: each wrapper's error is passed on with hl_propagate() ------------ */

/* A result of heap memory is copied out after the handler returns: the block lives until
 * the next such result replaces it. */
static void *keep_result(void *p)
{
	static void *last;

	free(last);
	last = p;
	return p;
}

static int get_time(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	return hl_get_time_ns(&r->u.u64) != 0 ? hl_propagate() : 0;
}
HL_EXPORT(GetTime, get_time, HL_T_U64);

static int random_bytes(const struct hl_value *a, struct hl_value *r)
{
	uint32_t n = a[0].u.u32;
	uint8_t *buf = keep_result(malloc((size_t)n + 1));

	if (buf == NULL)
		return hl_error(3, "heap exhausted: cannot allocate %u bytes", n);
	if (hl_get_random(n, buf) != 0)
		return hl_propagate();
	return hl_ret_bytes(r, buf, n);
}
HL_EXPORT(Random, random_bytes, HL_T_BYTES, HL_T_U32);

static int get_env(const struct hl_value *a, struct hl_value *r)
{
	char *value;

	if (hl_get_env(hl_arg_string(a, 0), &value) != 0)
		return hl_propagate();
	return hl_ret_string(r, keep_result(value));
}
HL_EXPORT(GetEnv, get_env, HL_T_STRING, HL_T_STRING);

static int read_file(const struct hl_value *a, struct hl_value *r)
{
	void *data;
	uint32_t len;

	if (hl_read_file(hl_arg_string(a, 0), &data, &len) != 0)
		return hl_propagate();
	return hl_ret_bytes(r, keep_result(data), len);
}
HL_EXPORT(ReadFile, read_file, HL_T_BYTES, HL_T_STRING);

/* HostPrint(s) n times; the total of bytes printed, or the first failure. */
static int print_times(const struct hl_value *a, struct hl_value *r)
{
	int32_t total = 0;

	for (int32_t i = 0; i < a[1].u.i32; i++) {
		int32_t n = hl_host_print(hl_arg_string(a, 0));

		if (n < 0)
			return hl_propagate();
		total = (int32_t)((uint32_t)total + (uint32_t)n);
	}
	r->u.i32 = total;
	return 0;
}
HL_EXPORT(PrintTimes, print_times, HL_T_I32, HL_T_STRING, HL_T_I32);

/* Calls any host function by name without arguments: 0, or the host's error. */
static int call_host(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value ret;

	if (hl_call_host(hl_arg_string(a, 0), NULL, 0, &ret) != 0)
		return hl_propagate();
	if (ret.type == HL_T_STRING || ret.type == HL_T_BYTES)
		free((void *)(uintptr_t)ret.data);
	r->u.i32 = 0;
	return 0;
}
HL_EXPORT(CallHost, call_host, HL_T_I32, HL_T_STRING);

/* Calls host function name with one string, text, and returns the string it answers:
 * what a manifest's host process serves (examples/bridge.yaml). */
static int ask_host(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value ret;

	if (hl_call_host(hl_arg_string(a, 0), &a[1], 1, &ret) != 0)
		return hl_propagate();
	if (ret.type != HL_T_STRING) {
		if (ret.type == HL_T_BYTES)
			free((void *)(uintptr_t)ret.data);
		return hl_error(2, "%s returned %s, not a string", hl_arg_string(a, 0),
				hlw_type_name(ret.type));
	}
	return hl_ret_string(r, keep_result((void *)(uintptr_t)ret.data));
}
HL_EXPORT(AskHost, ask_host, HL_T_STRING, HL_T_STRING, HL_T_STRING);

static int init_count(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.i32 = inits;
	return 0;
}
HL_EXPORT(InitCount, init_count, HL_T_I32);

/* The file the host mapped as name (hlrun --map NAME=PATH): how many lines it has.  The
 * guest reads it in place; nothing is copied. */
static int count_lines(const struct hl_value *a, struct hl_value *r)
{
	const char *name = hl_arg_string(a, 0);
	uint64_t size, lines = 0;
	const char *p = hl_mapped(name, &size);

	if (p == NULL)
		return hl_error(2, "no file is mapped as %s", name);
	for (uint64_t i = 0; i < size; i++)
		lines += p[i] == '\n';
	r->u.u64 = lines;
	return 0;
}
HL_EXPORT(CountLines, count_lines, HL_T_U64, HL_T_STRING);

/* At most len bytes of the file mapped as name, from offset. */
static int read_mapped(const struct hl_value *a, struct hl_value *r)
{
	const char *name = hl_arg_string(a, 0);
	uint64_t size, offset = a[1].u.u64;
	uint32_t len = a[2].u.u32;
	const uint8_t *p = hl_mapped(name, &size);

	if (p == NULL)
		return hl_error(2, "no file is mapped as %s", name);
	if (offset > size)
		return hl_error(34, "offset %llu is past the end of %s (%llu bytes)",
				(unsigned long long)offset, name, (unsigned long long)size);
	if (len > size - offset)
		len = (uint32_t)(size - offset);
	return hl_ret_bytes(r, p + offset, len);
}
HL_EXPORT(ReadMapped, read_mapped, HL_T_BYTES, HL_T_STRING, HL_T_U64, HL_T_U32);

/* Three parameters: value limited to [lo, hi]. */
static int clamp(const struct hl_value *a, struct hl_value *r)
{
	int32_t v = a[0].u.i32, lo = a[1].u.i32, hi = a[2].u.i32;

	if (lo > hi)
		return hl_error(22, "empty range [%d, %d]", lo, hi);
	r->u.i32 = v < lo ? lo : v > hi ? hi : v;
	return 0;
}
HL_EXPORT(Clamp, clamp, HL_T_I32, HL_T_I32, HL_T_I32, HL_T_I32);

/* Twelve parameters, the most the ABI allows, of one type. */
static int sum12(const struct hl_value *a, struct hl_value *r)
{
	uint64_t sum = 0;

	for (int i = 0; i < 12; i++)
		sum += (uint64_t)a[i].u.i64;
	r->u.i64 = (int64_t)sum;
	return 0;
}
HL_EXPORT(Sum12, sum12, HL_T_I64, HL_T_I64, HL_T_I64, HL_T_I64, HL_T_I64, HL_T_I64, HL_T_I64,
	  HL_T_I64, HL_T_I64, HL_T_I64, HL_T_I64, HL_T_I64, HL_T_I64);

/* Twelve parameters of every type, each written back as the guest received it. */
static int describe(const struct hl_value *a, struct hl_value *r)
{
	static char out[1024];
	int n = snprintf(out, sizeof out, "%d %u %lld %llu %g %g %s %s ", a[0].u.i32,
			 a[1].u.u32, (long long)a[2].u.i64, (unsigned long long)a[3].u.u64,
			 (double)a[4].u.f32, a[5].u.f64, a[6].u.b ? "true" : "false",
			 hl_arg_string(a, 7));

	for (uint32_t i = 0; i < a[8].len && n > 0 && (size_t)n + 3 < sizeof out; i++)
		n += snprintf(out + n, sizeof out - (size_t)n, "%02x", a[8].data[i]);
	if (n > 0 && (size_t)n < sizeof out)
		snprintf(out + n, sizeof out - (size_t)n, " %d %llu %s", a[9].u.i32,
			 (unsigned long long)a[10].u.u64, hl_arg_string(a, 11));
	return hl_ret_string(r, out);
}
HL_EXPORT(Describe, describe, HL_T_STRING, HL_T_I32, HL_T_U32, HL_T_I64, HL_T_U64, HL_T_F32,
	  HL_T_F64, HL_T_BOOL, HL_T_STRING, HL_T_BYTES, HL_T_I32, HL_T_U64, HL_T_STRING);
