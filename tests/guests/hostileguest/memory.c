/* hostileguest, memory: writes and executes where the guest may not, addresses outside
 * its memory, and the exhaustion of heap and stack. */
#include "hostile.h"

/* ---- Memory permissions -------------------------------------------------------------- */

static int write_code(const struct hl_value *a, struct hl_value *r)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)write_code;

	(void)a;
	(void)r;
	LAUNDER(p);
	*p = 0xc3;
	return 0;
}
HL_EXPORT(WriteCode, write_code, HL_T_VOID);

static void call_at(void *code)
{
	void (*fn)(void) = (void (*)(void))(uintptr_t)code;

	LAUNDER(fn);
	fn();
}

static int exec_heap(const struct hl_value *a, struct hl_value *r)
{
	uint8_t *code = malloc(16);

	(void)a;
	(void)r;
	if (code == NULL)
		return hl_error(12, "no heap for the code");
	code[0] = 0xc3; /* ret */
	call_at(code);
	return 0;
}
HL_EXPORT(ExecHeap, exec_heap, HL_T_VOID);

static int exec_stack(const struct hl_value *a, struct hl_value *r)
{
	volatile uint8_t code[16] = { 0xc3 };

	(void)a;
	(void)r;
	call_at((void *)(uintptr_t)code);
	return 0;
}
HL_EXPORT(ExecStack, exec_stack, HL_T_VOID);

static uint8_t data_code[16] = { 0xc3 };

static int exec_data(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	call_at(data_code);
	return 0;
}
HL_EXPORT(ExecData, exec_data, HL_T_VOID);

static int write_peb(const struct hl_value *a, struct hl_value *r)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)HL_PEB_ADDR;

	(void)a;
	(void)r;
	LAUNDER(p);
	*p = 0;
	return 0;
}
HL_EXPORT(WritePeb, write_peb, HL_T_VOID);

static const uint32_t constant = 42;

static int write_rodata(const struct hl_value *a, struct hl_value *r)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)&constant;

	(void)a;
	(void)r;
	LAUNDER(p);
	*p = 0;
	return 0;
}
HL_EXPORT(WriteRodata, write_rodata, HL_T_VOID);

/* Ring 0 is hlrun's: its pages are mapped, but for the supervisor only. */
static int read_ring0(const struct hl_value *a, struct hl_value *r)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)HL_HOST_AREA;

	(void)a;
	LAUNDER(p);
	r->u.u64 = *p;
	return 0;
}
HL_EXPORT(ReadRing0, read_ring0, HL_T_U64);

/* The IDT, one page above the GDT. */
static int write_ring0(const struct hl_value *a, struct hl_value *r)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(HL_HOST_AREA + HL_PAGE_SIZE);

	(void)a;
	(void)r;
	LAUNDER(p);
	*p = 0;
	return 0;
}
HL_EXPORT(WriteRing0, write_ring0, HL_T_VOID);

/* The exception entry code, two pages above the GDT. */
static int exec_ring0(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	call_at((void *)(uintptr_t)(HL_HOST_AREA + 2 * HL_PAGE_SIZE));
	return 0;
}
HL_EXPORT(ExecRing0, exec_ring0, HL_T_VOID);

/* Bytes [off, off + len) of the input buffer (which 0) or the output buffer (1) as this
 * call finds them: what hlrun wrote there for an earlier call must be gone after a
 * restore.  The fourth argument, ignored, lengthens the call's own message.  Copied out
 * first, since the result goes to the output buffer. */
static int buffer_peek(const struct hl_value *a, struct hl_value *r)
{
	static uint8_t copy[4096];
	uint32_t which = a[0].u.u32, off = a[1].u.u32, len = a[2].u.u32;
	uint64_t at = which == 0 ? PEB->input_addr : PEB->output_addr;
	uint64_t size = which == 0 ? PEB->input_size : PEB->output_size;

	if (which > 1 || len > sizeof copy || off > size || len > size - off)
		return hl_error(22, "BufferPeek: no such range");
	memcpy(copy, (const void *)(uintptr_t)(at + off), len);
	return hl_ret_bytes(r, copy, len);
}
HL_EXPORT(BufferPeek, buffer_peek, HL_T_BYTES, HL_T_U32, HL_T_U32, HL_T_U32, HL_T_STRING);

/* ---- Addresses outside guest memory ------------------------------------------------- */

static uint64_t read_at(uint64_t addr)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)addr;

	LAUNDER(p);
	return *p;
}

static void write_at(uint64_t addr, uint64_t value)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)addr;

	LAUNDER(p);
	*p = value;
}

static int read_outside(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.u64 = read_at(FAR_AWAY);
	return 0;
}
HL_EXPORT(ReadOutside, read_outside, HL_T_U64);

static int write_outside(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	write_at(FAR_AWAY, 1);
	return 0;
}
HL_EXPORT(WriteOutside, write_outside, HL_T_VOID);

static int read_past_heap(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.u64 = read_at(PEB->memory_size);
	return 0;
}
HL_EXPORT(ReadPastHeap, read_past_heap, HL_T_U64);

static int write_past_heap(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	write_at(PEB->memory_size, 1);
	return 0;
}
HL_EXPORT(WritePastHeap, write_past_heap, HL_T_VOID);

static int touch_guard(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.u64 = read_at(PEB->stack_top - PEB->stack_size - 8);
	return 0;
}
HL_EXPORT(TouchGuard, touch_guard, HL_T_U64);

static int non_canonical(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.u64 = read_at(0x8000000000000000ull);
	return 0;
}
HL_EXPORT(NonCanonical, non_canonical, HL_T_U64);

/* ---- Resources ----------------------------------------------------------------------- */

static int heap_exhaust(const struct hl_value *a, struct hl_value *r)
{
	size_t total = 0, size = 1u << 20;
	unsigned blocks = 0;

	(void)a;
	(void)r;
	while (size >= 16) {
		void *p = malloc(size);

		if (p == NULL) {
			size /= 2;
			continue;
		}
		total += size;
		blocks++;
	}
	return hl_error(12, "heap exhausted after %zu bytes in %u blocks", total, blocks);
}
HL_EXPORT(HeapExhaust, heap_exhaust, HL_T_I32);

/* Overwrites a block's header, then frees it. */
static int heap_corrupt(const struct hl_value *a, struct hl_value *r)
{
	uint8_t *p = malloc(64);

	(void)a;
	(void)r;
	if (p == NULL)
		return hl_error(12, "no heap");
	memset(p - HL_HEAP_BLOCK_OVERHEAD, 0xa5, HL_HEAP_BLOCK_OVERHEAD);
	free(p);
	return 0;
}
HL_EXPORT(HeapCorrupt, heap_corrupt, HL_T_VOID);

static int double_free(const struct hl_value *a, struct hl_value *r)
{
	void *p = malloc(64);

	(void)a;
	(void)r;
	LAUNDER(p);
	free(p);
	LAUNDER(p);
	free(p);
	return 0;
}
HL_EXPORT(DoubleFree, double_free, HL_T_VOID);

static volatile int32_t depth_limit = 0x7fffffff;

static int32_t dive(int32_t depth)
{
	volatile uint8_t frame[1024];

	frame[0] = (uint8_t)depth;
	frame[sizeof frame - 1] = (uint8_t)depth;
	if (depth >= depth_limit)
		return frame[0];
	return dive(depth + 1) + frame[sizeof frame - 1];
}

static int deep_recursion(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.i32 = dive(0);
	return 0;
}
HL_EXPORT(DeepRecursion, deep_recursion, HL_T_I32);

/* A null pointer written three calls deep (inner, middle, outer, none inlined or left by
 * a tail call): what a core file's backtrace must show, in that order. */
static volatile int32_t *volatile nowhere;

__attribute__((noinline)) static int32_t inner(int32_t x)
{
	*nowhere = x;
	return x + 1;
}

__attribute__((noinline)) static int32_t middle(int32_t x)
{
	return inner(x * 2) + 1;
}

__attribute__((noinline)) static int32_t outer(int32_t x)
{
	return middle(x + 3) + 1;
}

static int deep_fault(const struct hl_value *a, struct hl_value *r)
{
	r->u.i32 = outer(a[0].u.i32);
	return 0;
}
HL_EXPORT(DeepFault, deep_fault, HL_T_I32, HL_T_I32);

/* ---- Frames larger than the guard page ---------------------------------------------
 * Each is written at its far end only: without the probes of -fstack-clash-protection it
 * would step over the unmapped page below the stack into the output buffer. */

__attribute__((noinline)) static int32_t vla_frame(int32_t kib)
{
	volatile uint8_t frame[(size_t)kib * 1024];

	frame[0] = 1;
	return frame[0] - 1 + kib;
}

static int big_frame(const struct hl_value *a, struct hl_value *r)
{
	int32_t kib = a[0].u.i32;

	if (kib < 1 || kib > 65536)
		return hl_error(22, "%d KiB: give 1 to 65536", kib);
	r->u.i32 = vla_frame(kib);
	return 0;
}
HL_EXPORT(BigFrame, big_frame, HL_T_I32, HL_T_I32);

__attribute__((noinline)) static int32_t fixed_frame(void)
{
	volatile uint8_t frame[20 << 10];

	frame[0] = 20;
	return frame[0];
}

static int huge_frame(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.i32 = fixed_frame();
	return 0;
}
HL_EXPORT(HugeFrame, huge_frame, HL_T_I32);
