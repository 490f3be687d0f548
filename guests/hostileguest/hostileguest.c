/* hostileguest: a TEST guest, not an example.  Each export misbehaves in one way (faults,
 * forbidden instructions and ports, lies to the host in hand-built messages, floods,
 * exhaustion) so that tests/kvm/test_hostile.c can prove hlrun ends every run with the
 * documented exit status and one clear line.  Never model a real guest on this file. */
#include "hlguest.h"

#define PEB ((const struct hl_peb *)(uintptr_t)HL_PEB_ADDR)
#define OUT ((uint8_t *)(uintptr_t)PEB->output_addr)
#define FAR_AWAY (1ull << 40)

/* ---- Helpers ------------------------------------------------------------------------- */

/* One 32-bit `out` to port; the host may resume after it (host calls). */
static void port_out32(uint16_t port, uint32_t value)
{
	__asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

/* Hands the output buffer to the host as the call's result.  The host never resumes a
 * finished call; if it did, the loop hands it over again instead of running on. */
__attribute__((noreturn)) static void leave_done(void)
{
	for (;;)
		port_out32(HL_PORT_DONE, 0);
}

/* Hides a value from the optimiser, so a deliberate fault is emitted as written. */
#define LAUNDER(x) __asm__ volatile("" : "+r"(x))

static void put_hdr(uint8_t *at, uint32_t kind, uint32_t size, uint16_t name_len,
		    uint16_t nvals)
{
	struct hl_msg_hdr h = { HL_MSG_MAGIC, kind, size, name_len, nvals };

	memcpy(at, &h, sizeof h);
}

static void put_val(uint8_t *at, uint32_t type, uint32_t len)
{
	struct hl_val_hdr v = { type, len };

	memcpy(at, &v, sizeof v);
}

/* Fills n bytes with a fixed pseudo-random pattern (the same every run). */
static void fill_garbage(uint8_t *p, size_t n)
{
	uint32_t x = 0x2545f491u;

	for (size_t i = 0; i < n; i++) {
		x = x * 1664525u + 1013904223u;
		p[i] = (uint8_t)(x >> 24);
	}
}

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

/* ---- CPU exceptions ---------------------------------------------------------------- */

static int div_zero(const struct hl_value *a, struct hl_value *r)
{
	volatile int32_t num = 1, den = 0;

	(void)a;
	r->u.i32 = num / den;
	return 0;
}
HL_EXPORT(DivZero, div_zero, HL_T_I32);

static int do_int3(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	__asm__ volatile("int3");
	return 0;
}
HL_EXPORT(Int3, do_int3, HL_T_VOID);

static int do_ud2(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	__asm__ volatile("ud2");
	return 0;
}
HL_EXPORT(Ud2, do_ud2, HL_T_VOID);

/* Vector 0x80 has no gate: #GP on hardware, #UD on PVM. */
static int int_n(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	__asm__ volatile("int $0x80");
	return 0;
}
HL_EXPORT(IntN, int_n, HL_T_VOID);

/* Single-step: the trap flag raises #DB after the next instruction. */
static int single_step(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq; nop; nop" : : : "memory", "cc");
	return 0;
}
HL_EXPORT(SingleStep, single_step, HL_T_VOID);

/* A stack pointer that points nowhere: the push faults, the report still arrives
 * because exceptions run on their own stack. */
static int bad_stack_pointer(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	__asm__ volatile("mov %%rsp, %%rbx; xor %%esp, %%esp; push %%rax; mov %%rbx, %%rsp"
			 : : : "rbx", "memory");
	return 0;
}
HL_EXPORT(BadStackPointer, bad_stack_pointer, HL_T_VOID);

/* ---- Ring 3: privileged instructions ------------------------------------------------
 * Each must fault (#GP, or #UD where a KVM says so) into hlrun's ring 0. */

#define PRIVILEGED(name, fn, ...)                                           \
	static int fn(const struct hl_value *a, struct hl_value *r)         \
	{                                                                   \
		(void)a;                                                    \
		(void)r;                                                    \
		__asm__ volatile(__VA_ARGS__);                              \
		return 0;                                                   \
	}                                                                   \
	HL_EXPORT(name, fn, HL_T_VOID)

static const struct {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed)) zero_table = { 0, 0 };

PRIVILEGED(Cli, do_cli, "cli");
PRIVILEGED(Sti, do_sti, "sti");
PRIVILEGED(Hlt, do_hlt, "hlt");
PRIVILEGED(Lidt, do_lidt, "lidt %0; ud2" : : "m"(zero_table));
PRIVILEGED(Lgdt, do_lgdt, "lgdt %0; mov $0x10, %%eax; mov %%eax, %%ds" : : "m"(zero_table)
	   : "rax", "memory");
PRIVILEGED(MovCr0, do_mov_cr0, "xor %%eax, %%eax; mov %%rax, %%cr0" : : : "rax");
PRIVILEGED(MovDr7, do_mov_dr7, "mov %0, %%dr7" : : "r"(0x1ull));
PRIVILEGED(Wrmsr, do_wrmsr, "wrmsr" : : "c"(0xc0000080u), "a"(0u), "d"(0u) : "memory");
PRIVILEGED(Rdmsr, do_rdmsr, "rdmsr" : : "c"(0xc0000080u) : "rax", "rdx");
PRIVILEGED(Xsetbv, do_xsetbv, "xsetbv" : : "c"(0u), "a"(1u), "d"(0u));
PRIVILEGED(Swapgs, do_swapgs, "swapgs");
PRIVILEGED(Syscall, do_syscall, "syscall" : : : "rcx", "r11", "memory");
PRIVILEGED(Sysenter, do_sysenter, "sysenter" : : : "memory");
PRIVILEGED(Invlpg, do_invlpg, "invlpg (%0)" : : "r"(PEB) : "memory");
PRIVILEGED(Wbinvd, do_wbinvd, "wbinvd");
/* Ring 0's data segment: DPL 0, out of ring 3's reach. */
PRIVILEGED(LoadRing0Segment, load_ring0_segment, "mov %0, %%ds" : : "r"(0x10) : "memory");

/* CR3 at a page of zeros: were it allowed, nothing would be mapped any more. */
static uint64_t zero_page[512] __attribute__((aligned(4096)));
PRIVILEGED(MovCr3, do_mov_cr3, "mov %0, %%cr3; mov (%1), %%rax"
	   : : "r"((uint64_t)(uintptr_t)zero_page), "r"(PEB) : "rax", "memory");

/* CR3 at guest-physical memory that does not exist: on a KVM that let a guest do it,
 * the page walk would retry inside KVM_RUN forever. */
PRIVILEGED(PageTablesOutside, page_tables_outside, "mov %0, %%cr3; mov (%1), %%rax"
	   : : "r"(0xc0000000ull), "r"(PEB) : "rax", "memory");

/* An iretq into ring 0's code segment, at the guest's own code: the CPU refuses a return
 * to a more privileged level. */
PRIVILEGED(IretToRing0, iret_to_ring0,
	   "mov %%rsp, %%rax\n\t"
	   "pushq $0x10\n\t"
	   "pushq %%rax\n\t"
	   "pushfq\n\t"
	   "pushq $0x08\n\t"
	   "lea 1f(%%rip), %%rax\n\t"
	   "pushq %%rax\n\t"
	   "iretq\n"
	   "1:" : : : "rax", "memory");

/* vmcall: KVM answers it in its kernel (RAX = -1: not permitted from ring 3) or it
 * faults; either way it never reaches hlrun.  Returns RAX after it. */
static int do_vmcall(const struct hl_value *a, struct hl_value *r)
{
	int64_t rax = 0;

	(void)a;
	__asm__ volatile("vmcall" : "+a"(rax) : : "memory");
	r->u.i64 = rax;
	return 0;
}
HL_EXPORT(Vmcall, do_vmcall, HL_T_I64);

/* ---- Ports that are not part of the ABI --------------------------------------------- */

PRIVILEGED(BadPortOut, bad_port_out, "outb %%al, $0x80" : : "a"(0x42));
PRIVILEGED(BadPortIn, bad_port_in, "inb $0x60, %%al" : : : "rax");
/* A 32-bit out, the ABI's size, to the port just after the ABI's. */
PRIVILEGED(BadPortWide, bad_port_wide, "outl %%eax, %%dx"
	   : : "a"(0), "d"(HL_PORT_FIRST + HL_PORT_COUNT));
/* int with the vector of an exception: only the breakpoint's gate is open to ring 3. */
PRIVILEGED(IntDebug, int_debug, "int $0x01");
PRIVILEGED(IntPageFault, int_page_fault, "int $0x0e");
PRIVILEGED(IntGeneral, int_general, "int $0x0d");
/* One byte, to the port just after the ABI's and to the one just before. */
PRIVILEGED(BadPortAfter, bad_port_after, "outb %%al, %%dx"
	   : : "a"(0), "d"(HL_PORT_FIRST + HL_PORT_COUNT));
PRIVILEGED(BadPortBefore, bad_port_before, "inb %%dx, %%al" : : "d"(HL_PORT_FIRST - 1) : "rax");
/* A made-up exception report on the port of hlrun's ring 0 (hlrun-guest(7)): vector
 * 1000, which no CPU raises, in a frame of the guest's making. */
PRIVILEGED(ForgedExceptionReport, forged_exception_report, "1: outl %%eax, %%dx; jmp 1b"
	   : : "a"(HL_HOST_AREA + 0x5000 - 80), "d"(0x6cf0), "D"(1000));

/* Inside the ABI's ports, but not as the ABI uses them. */
static int in_from_done(const struct hl_value *a, struct hl_value *r)
{
	uint32_t v;

	(void)a;
	__asm__ volatile("inl %%dx, %%eax" : "=a"(v) : "d"(HL_PORT_DONE));
	r->u.i32 = (int32_t)v;
	return 0;
}
HL_EXPORT(InFromDonePort, in_from_done, HL_T_I32);

PRIVILEGED(Out16ToDonePort, out16_to_done, "outw %%ax, %%dx" : : "a"(0), "d"(HL_PORT_DONE));
/* One byte to the second of the DONE port's four. */
PRIVILEGED(Out8ToDonePlusOne, out8_to_done_plus_one, "outb %%al, %%dx"
	   : : "a"(0), "d"(HL_PORT_DONE + 1));

/* String I/O: rep outsl of two dwords to the DONE port. */
static int outs_to_done(const struct hl_value *a, struct hl_value *r)
{
	static const uint32_t words[2];
	const void *src = words;
	uint64_t n = 2;

	(void)a;
	(void)r;
	__asm__ volatile("rep outsl" : "+S"(src), "+c"(n) : "d"(HL_PORT_DONE) : "memory");
	return 0;
}
HL_EXPORT(OutsToDonePort, outs_to_done, HL_T_VOID);

/* ---- CPU state that must not cross calls -------------------------------------------
 * Each returns what the register held when the call began, then leaves a mark in it:
 * after a restore the next call must see the state after init again. */

/* XMM15, which the compiler leaves alone in this guest. */
static int xmm_carry(const struct hl_value *a, struct hl_value *r)
{
	uint64_t before, mark = 0x1122334455667788ull;

	(void)a;
	__asm__ volatile("movq %%xmm15, %0; movq %1, %%xmm15" : "=&r"(before) : "r"(mark)
			 : "xmm15");
	r->u.u64 = before;
	return 0;
}
HL_EXPORT(XmmCarry, xmm_carry, HL_T_U64);

/* The upper half of YMM15: AVX state, which XCR0 enables where the KVM offers it. */
static int ymm_carry(const struct hl_value *a, struct hl_value *r)
{
	uint64_t before;

	(void)a;
	__asm__ volatile("vextractf128 $1, %%ymm15, %%xmm14\n\t"
			 "vmovq %%xmm14, %0\n\t"
			 "vcmpps $15, %%ymm15, %%ymm15, %%ymm15"
			 : "=r"(before) : : "xmm14", "xmm15");
	r->u.u64 = before;
	return 0;
}
HL_EXPORT(YmmCarry, ymm_carry, HL_T_U64);

/* FS's base, with wrfsbase: #UD unless the KVM lets ring 3 use it (PVM does). */
static int fs_base_carry(const struct hl_value *a, struct hl_value *r)
{
	uint64_t before, mark = 0x7000;

	(void)a;
	__asm__ volatile("rdfsbase %0; wrfsbase %1" : "=&r"(before) : "r"(mark) : "memory");
	r->u.u64 = before;
	return 0;
}
HL_EXPORT(FsBaseCarry, fs_base_carry, HL_T_U64);

/* An MSR of the caller's choosing, as the TSC (0x10) or an MTRR (0x200): a guest that could
 * write one in a call and read it in the next would carry state across the restore. */
static int write_msr(const struct hl_value *a, struct hl_value *r)
{
	uint64_t v = a[1].u.u64;

	(void)r;
	__asm__ volatile("wrmsr" : : "c"(a[0].u.u32), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
	return 0;
}
HL_EXPORT(WriteMsr, write_msr, HL_T_VOID, HL_T_U32, HL_T_U64);

static int read_msr(const struct hl_value *a, struct hl_value *r)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(a[0].u.u32));
	r->u.u64 = (uint64_t)hi << 32 | lo;
	return 0;
}
HL_EXPORT(ReadMsr, read_msr, HL_T_U64, HL_T_U32);

/* The ES selector: ring 3 may load a null one. */
static int es_carry(const struct hl_value *a, struct hl_value *r)
{
	uint16_t before;

	(void)a;
	__asm__ volatile("mov %%es, %0; mov %1, %%es" : "=&r"(before) : "r"(0) : "memory");
	r->u.u32 = before;
	return 0;
}
HL_EXPORT(EsCarry, es_carry, HL_T_U32);

/* CPUID leaf, subleaf 0: EAX, EBX, ECX and EDX, 16 bytes (what the guest is shown). */
static int cpuid_regs(const struct hl_value *a, struct hl_value *r)
{
	static uint32_t regs[4];

	__asm__ volatile("cpuid"
			 : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
			 : "a"(a[0].u.u32), "c"(0));
	r->data = (const uint8_t *)regs;
	r->len = sizeof regs;
	return 0;
}
HL_EXPORT(CpuidRegs, cpuid_regs, HL_T_BYTES, HL_T_U32);

/* The last 8 bytes of guest memory, at the top of the heap: returns them, leaves the
 * argument.  A restore must put back even the last page. */
static int heap_top_carry(const struct hl_value *a, struct hl_value *r)
{
	volatile uint64_t *top = (volatile uint64_t *)(PEB->memory_size - 8);

	r->u.u64 = *top;
	*top = a[0].u.u64;
	return 0;
}
HL_EXPORT(HeapTopCarry, heap_top_carry, HL_T_U64, HL_T_U64);

/* ---- Lies in hand-built messages ----------------------------------------------------- */

/* A RESULT whose size claims more than the output buffer holds. */
static int result_too_long(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, (uint32_t)PEB->output_size + 8, 0, 1);
	put_val(OUT + 16, HL_T_I32, 4);
	memset(OUT + 24, 0, 8);
	leave_done();
}
HL_EXPORT(ResultTooLong, result_too_long, HL_T_I32);

/* A RESULT whose size is the largest a u32 holds: offset arithmetic must not wrap. */
static int result_size_max(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 0xfffffff8u, 0, 1);
	put_val(OUT + 16, HL_T_BYTES, 0xffffffe0u);
	leave_done();
}
HL_EXPORT(ResultSizeMax, result_size_max, HL_T_BYTES);

/* A bytes value whose length runs past the end of its message. */
static int result_bad_offset(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_BYTES, 4096);
	memcpy(OUT + 24, "leaked!", 8);
	leave_done();
}
HL_EXPORT(ResultBadOffset, result_bad_offset, HL_T_BYTES);

/* A value length of 0xffffffff: offset plus length overflows 32 bits. */
static int result_len_wraps(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_BYTES, 0xffffffffu);
	memset(OUT + 24, 'x', 8);
	leave_done();
}
HL_EXPORT(ResultLenWraps, result_len_wraps, HL_T_BYTES);

/* Declared -> string, but the result carries an i32. */
static int result_wrong_type(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_I32, 4);
	memset(OUT + 24, 0, 8);
	OUT[24] = 42;
	leave_done();
}
HL_EXPORT(ResultWrongType, result_wrong_type, HL_T_STRING);

/* A value of type 77, which does not exist. */
static int result_unknown_type(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, 77, 4);
	memset(OUT + 24, 0, 8);
	leave_done();
}
HL_EXPORT(ResultUnknownType, result_unknown_type, HL_T_I32);

/* A string whose terminating NUL is an 'x'. */
static int result_unterminated(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_STRING, 7);
	memcpy(OUT + 24, "partialx", 8);
	leave_done();
}
HL_EXPORT(ResultUnterminatedString, result_unterminated, HL_T_STRING);

/* Declared -> void, but the result carries a value. */
static int result_void_with_value(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_I32, 4);
	memset(OUT + 24, 0, 8);
	leave_done();
}
HL_EXPORT(ResultVoidWithValue, result_void_with_value, HL_T_VOID);

/* Declared -> i32, but the result carries none. */
static int result_missing(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 16, 0, 0);
	leave_done();
}
HL_EXPORT(ResultMissing, result_missing, HL_T_I32);

/* A well-formed host call message handed over as the call's result. */
static int result_wrong_kind(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_HOSTCALL, 48, 9, 1);
	memcpy(OUT + 16, "HostPrint\0\0\0\0\0\0", 16);
	put_val(OUT + 32, HL_T_STRING, 0);
	memset(OUT + 40, 0, 8);
	leave_done();
}
HL_EXPORT(ResultWrongKind, result_wrong_kind, HL_T_VOID);

/* A bool of value 2. */
static int result_bad_bool(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_BOOL, 1);
	memset(OUT + 24, 0, 8);
	OUT[24] = 2;
	leave_done();
}
HL_EXPORT(ResultBadBool, result_bad_bool, HL_T_BOOL);

static int done_garbage(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	fill_garbage(OUT, 4096);
	leave_done();
}
HL_EXPORT(DoneGarbage, done_garbage, HL_T_STRING);

/* An ERROR whose message lies about the string: no NUL. */
static int error_unterminated(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_ERROR, 48, 0, 2);
	put_val(OUT + 16, HL_T_I32, 4);
	memset(OUT + 24, 0, 8);
	OUT[24] = 7;
	put_val(OUT + 32, HL_T_STRING, 6);
	memcpy(OUT + 40, "secretx", 8); /* the 'x' stands where the NUL belongs */
	leave_done();
}
HL_EXPORT(ErrorUnterminated, error_unterminated, HL_T_VOID);

/* A legitimate error value whose message tries to forge a second line and terminal
 * control sequences. */
static int error_newline(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	return hl_error(5, "first\nhlrun: forged second line\x1b[2J\r");
}
HL_EXPORT(ErrorNewline, error_newline, HL_T_VOID);

/* The same in an abort message. */
static int abort_newline(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	hl_abort(6, "first\nhlrun: forged second line\x1b[2J");
}
HL_EXPORT(AbortNewline, abort_newline, HL_T_VOID);

/* Terminal controls that are not ASCII: CSI as UTF-8 (U+009B) and as a raw byte, a
 * right-to-left override, and a byte that is no UTF-8 at all. */
static int error_c1(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	return hl_error(7, "first\xc2\x9b" "2K\x9b" "1;1H\xe2\x80\xae" "txt.exe\xff end");
}
HL_EXPORT(ErrorC1, error_c1, HL_T_VOID);

/* Garbage on the HOSTCALL port. */
static int host_call_garbage(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	fill_garbage(OUT, 4096);
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after a garbage host call");
}
HL_EXPORT(HostCallGarbage, host_call_garbage, HL_T_VOID);

/* A host call whose size claims more than the output buffer. */
static int host_call_too_long(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_HOSTCALL, (uint32_t)PEB->output_size + 64, 9, 1);
	memcpy(OUT + 16, "HostPrint\0\0\0\0\0\0", 16);
	put_val(OUT + 32, HL_T_STRING, (uint32_t)PEB->output_size);
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after an oversized host call");
}
HL_EXPORT(HostCallTooLong, host_call_too_long, HL_T_VOID);

/* A HostPrint whose string claims 1 MiB inside a 40-byte message. */
static int host_call_bad_len(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_HOSTCALL, 40, 9, 1);
	memcpy(OUT + 16, "HostPrint\0\0\0\0\0\0", 16);
	put_val(OUT + 32, HL_T_STRING, 1u << 20);
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after a host call with a bad length");
}
HL_EXPORT(HostCallBadLen, host_call_bad_len, HL_T_VOID);

/* A host call whose name has no NUL and is not an identifier. */
static int host_call_bad_name(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_HOSTCALL, 32, 9, 0);
	memcpy(OUT + 16, "Host;rm -rf /xxx", 16);
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after a host call with a bad name");
}
HL_EXPORT(HostCallBadName, host_call_bad_name, HL_T_VOID);

/* A HostPrint call that claims 17 values, one more than the wire format allows. */
static int host_call_too_many(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_HOSTCALL, 32 + 17 * 16, 9, HL_MAX_VALS + 1);
	memcpy(OUT + 16, "HostPrint\0\0\0\0\0\0", 16);
	for (unsigned i = 0; i <= HL_MAX_VALS; i++) {
		put_val(OUT + 32 + 16 * i, HL_T_I32, 4);
		memset(OUT + 40 + 16 * i, 0, 8);
	}
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after a host call of 17 values");
}
HL_EXPORT(HostCallTooManyValues, host_call_too_many, HL_T_VOID);

/* A well-formed RESULT message on the HOSTCALL port. */
static int host_call_wrong_kind(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 16, 0, 0);
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after a result on the host-call port");
}
HL_EXPORT(HostCallWrongKind, host_call_wrong_kind, HL_T_VOID);

static int host_call_unknown(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value ret;

	(void)a;
	(void)r;
	if (hl_call_host("NoSuchFunction", NULL, 0, &ret) != 0)
		return hl_propagate();
	return 0;
}
HL_EXPORT(HostCallUnknown, host_call_unknown, HL_T_VOID);

/* HostPrint with an i32 where a string belongs. */
static int host_call_wrong_types(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value arg = { .type = HL_T_I32, .u.i32 = 7 }, ret;

	(void)a;
	(void)r;
	if (hl_call_host("HostPrint", &arg, 1, &ret) != 0)
		return hl_propagate();
	return 0;
}
HL_EXPORT(HostCallWrongTypes, host_call_wrong_types, HL_T_VOID);

/* GetEnv is not allowed without a manifest that names it. */
static int host_call_denied(const struct hl_value *a, struct hl_value *r)
{
	char *value;

	(void)a;
	(void)r;
	if (hl_get_env("HOME", &value) != 0)
		return hl_propagate();
	return 0;
}
HL_EXPORT(HostCallDenied, host_call_denied, HL_T_VOID);

/* Garbage on the ABORT port, with a code. */
static int abort_no_message(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	fill_garbage(OUT, 4096);
	for (;;)
		port_out32(HL_PORT_ABORT, 1234);
	return 0;
}
HL_EXPORT(AbortNoMessage, abort_no_message, HL_T_VOID);

/* A valid abort message of 1 MiB: the host's message must stay one bounded line. */
static int abort_long_message(const struct hl_value *a, struct hl_value *r)
{
	uint32_t len = 1u << 20;

	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_ABORT, 16 + 8 + len + 8, 0, 1);
	put_val(OUT + 16, HL_T_STRING, len);
	memset(OUT + 24, 'A', len);
	memset(OUT + 24 + len, 0, 8);
	for (;;)
		port_out32(HL_PORT_ABORT, 77);
	return 0;
}
HL_EXPORT(AbortLongMessage, abort_long_message, HL_T_VOID);

/* ---- Races on the host --------------------------------------------------------------- */

/* ReadFile of path n times, while something on the host swaps a directory on that path
 * for a symbolic link: returns the first contents that are not want (what leaked), or
 * "ok N" with N the reads that succeeded. */
static int read_file_race(const struct hl_value *a, struct hl_value *r)
{
	const char *path = hl_arg_string(a, 0), *want = hl_arg_string(a, 1);
	size_t want_len = strlen(want);
	int32_t n = a[2].u.i32, ok = 0;
	static char report[32];

	for (int32_t i = 0; i < n; i++) {
		void *data;
		uint32_t len;

		if (hl_read_file(path, &data, &len) != 0)
			continue;
		if (len != want_len || memcmp(data, want, len) != 0)
			return hl_ret_bytes(r, data, len);
		free(data);
		ok++;
	}
	snprintf(report, sizeof report, "ok %d", ok);
	return hl_ret_string(r, report);
}
HL_EXPORT(ReadFileRace, read_file_race, HL_T_STRING, HL_T_STRING, HL_T_STRING, HL_T_I32);

/* ---- Floods ------------------------------------------------------------------------- */

/* HostPrint of size bytes ('p's and a newline) forever, ignoring every refusal: only the
 * timeout ends it. */
static int print_flood(const struct hl_value *a, struct hl_value *r)
{
	static char line[65537];
	int32_t size = a[0].u.i32;

	(void)r;
	if (size < 1 || size > 65536)
		return hl_error(22, "PrintFlood: %d bytes, not 1 to 65536", size);
	memset(line, 'p', (size_t)size - 1);
	line[size - 1] = '\n';
	line[size] = '\0';
	for (;;)
		(void)hl_host_print(line);
	return 0;
}
HL_EXPORT(PrintFlood, print_flood, HL_T_VOID, HL_T_I32);

/* 8 MiB of bytes (the heap region itself) against a 4 MiB output buffer. */
static int huge_result(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	return hl_ret_bytes(r, (const void *)(uintptr_t)PEB->heap_addr, 8u << 20);
}
HL_EXPORT(HugeResult, huge_result, HL_T_BYTES);

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
