/* hostileguest, cpu: exceptions, privileged instructions from ring 3, and CPU state that
 * must not carry from one call to the next. */
#include "hostile.h"

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
