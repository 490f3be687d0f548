/* KVM smoke test of kvm/ alone: a real VM runs a few instructions in ring 3, writes to
 * the ports hv_setup() opened, and every fault arrives as ring 0's report. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "kvm/kvm.h"

#define MEM_SIZE (4u << 20)
#define RING0 0x2000u
#define CODE_ADDR 0x100000u
#define STACK_ADDR 0x101000u
#define PORT 0x3f8u
#define NPORTS 4u

struct machine {
	struct hv_vm *vm;
	uint8_t *mem;
	struct hl_diag diag;
};

static void boot(struct machine *m, const uint8_t *code, size_t len)
{
	static const struct hv_region regions[] = {
		{ CODE_ADDR, 0x1000, HV_MAP_EXEC },
		{ STACK_ADDR, 0x1000, HV_MAP_WRITE },
	};
	struct hv_boot b = { .ring0_addr = RING0, .port_first = PORT, .nports = NPORTS,
			     .regions = regions, .nregions = 2 };
	struct hv_regs r = { .rip = CODE_ADDR, .rsp = STACK_ADDR + 0x1000, .rflags = 2 };

	m->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert_neq(m->mem, MAP_FAILED);
	memcpy(m->mem + CODE_ADDR, code, len);
	cr_assert_eq(hv_open(NULL, &m->vm, &m->diag), HL_OK, "%s", m->diag.msg);
	cr_assert_eq(hv_create_vm(m->vm, &m->diag), HL_OK, "%s", m->diag.msg);
	cr_assert_eq(hv_set_memory(m->vm, m->mem, MEM_SIZE, false, &m->diag), HL_OK, "%s",
		     m->diag.msg);
	cr_assert_eq(hv_setup(m->vm, &b, &m->diag), HL_OK, "%s", m->diag.msg);
	cr_assert_eq(hv_set_regs(m->vm, &r, &m->diag), HL_OK, "%s", m->diag.msg);
}

static void halt_machine(struct machine *m)
{
	hv_destroy(m->vm);
	munmap(m->mem, MEM_SIZE);
}

static void expect_out(struct machine *m, uint16_t port, uint32_t value)
{
	struct hv_exit ex;

	cr_assert_eq(hv_run(m->vm, &ex, &m->diag), HL_OK, "%s", m->diag.msg);
	cr_assert_eq(ex.kind, HV_EXIT_IO, "exit %s (%d), vector %u at 0x%llx", ex.name, ex.kind,
		     ex.fault.vector, (unsigned long long)ex.fault.regs.rip);
	cr_assert(ex.is_write);
	cr_assert_eq(ex.port, port);
	cr_assert_eq(ex.size, 4);
	cr_assert_eq(ex.value, value);
}

/* Runs until the next exit, which must be ring 0's report of vector from ring 3. */
static struct hv_fault expect_fault(struct machine *m, unsigned vector)
{
	struct hv_exit ex;

	cr_assert_eq(hv_run(m->vm, &ex, &m->diag), HL_OK, "%s", m->diag.msg);
	cr_assert_eq(ex.kind, HV_EXIT_EXCEPTION, "exit %s (%d), port 0x%x", ex.name, ex.kind,
		     ex.port);
	cr_assert_eq(ex.fault.vector, vector, "vector %u", ex.fault.vector);
	cr_assert(ex.fault.user);
	return ex.fault;
}

Test(smoke, api_version_and_kind)
{
	struct hv_vm *vm;
	struct hl_diag d;

	cr_assert_eq(hv_open(NULL, &vm, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(hv_api_version(vm), 12);
	cr_assert(strstr(hv_describe(vm), "PVM (kvm_pvm)") != NULL ||
		  strstr(hv_describe(vm), "Intel VMX (kvm_intel)") != NULL ||
		  strstr(hv_describe(vm), "AMD SVM (kvm_amd)") != NULL, "%s", hv_describe(vm));
	cr_assert_eq(hv_create_vm(vm, &d), HL_OK, "%s", d.msg);
	hv_destroy(vm);
}

/* mov eax, 0x2a; mov dx, 0x3f8; out dx, eax; mov eax, 0xbeef; out dx, eax;
 * pcmpeqd xmm0, xmm0; movd eax, xmm0; out dx, eax; hlt.  Ring 3 reaches the host
 * through the open port, runs SSE, and may not halt. */
Test(smoke, ring3_ports_sse_and_no_hlt)
{
	static const uint8_t code[] = {
		0xb8, 0x2a, 0x00, 0x00, 0x00, 0x66, 0xba, 0xf8, 0x03, 0xef,
		0xb8, 0xef, 0xbe, 0x00, 0x00, 0xef,
		0x66, 0x0f, 0x76, 0xc0, 0x66, 0x0f, 0x7e, 0xc0, 0xef,
		0xf4,
	};
	struct machine m;
	struct hv_fault f;

	boot(&m, code, sizeof code);
	expect_out(&m, PORT, 0x2a);
	expect_out(&m, PORT, 0xbeef);
	expect_out(&m, PORT, 0xffffffff);
	f = expect_fault(&m, 13);
	cr_assert_eq(f.regs.rip, CODE_ADDR + sizeof code - 1);
	cr_assert_eq(f.error_code, 0);
	halt_machine(&m);
}

/* mov dx, 0x3fc; out dx, eax: the port just past the open ones is #GP, with every
 * register reported as the guest left it. */
Test(smoke, closed_port_faults_with_registers)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc3, 0x11, 0x00, 0x00, 0x00,       /* mov rbx, 0x11 */
		0x49, 0xc7, 0xc7, 0x22, 0x00, 0x00, 0x00,       /* mov r15, 0x22 */
		0xb8, 0x33, 0x00, 0x00, 0x00,                   /* mov eax, 0x33 */
		0x66, 0xba, 0xfc, 0x03, 0xef,                   /* mov dx, 0x3fc; out dx, eax */
	};
	struct machine m;
	struct hv_fault f;

	boot(&m, code, sizeof code);
	f = expect_fault(&m, 13);
	cr_assert_eq(f.regs.rip, CODE_ADDR + sizeof code - 1);
	cr_assert_eq(f.regs.rbx, 0x11);
	cr_assert_eq(f.regs.r15, 0x22);
	cr_assert_eq(f.regs.rax, 0x33);
	cr_assert_eq(f.regs.rdx & 0xffff, 0x3fc);
	cr_assert_eq(f.regs.rsp, STACK_ADDR + 0x1000);
	halt_machine(&m);
}

/* mov byte [0x100000], 1: code is not writable. */
Test(smoke, write_to_code_is_a_page_fault)
{
	static const uint8_t code[] = { 0xc6, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00, 0x01, 0xf4 };
	struct machine m;
	struct hv_fault f;

	boot(&m, code, sizeof code);
	f = expect_fault(&m, 14);
	cr_assert_eq(f.cr2, CODE_ADDR);
	cr_assert_eq(f.error_code, 0x7, "error code 0x%llx", (unsigned long long)f.error_code);
	cr_assert_eq(m.mem[CODE_ADDR], 0xc6);
	halt_machine(&m);
}

/* mov rax, [0x2000]: ring 0's GDT page is mapped, for the supervisor only. */
Test(smoke, ring0_is_out_of_reach)
{
	static const uint8_t code[] = { 0x48, 0x8b, 0x04, 0x25, 0x00, 0x20, 0x00, 0x00 };
	struct machine m;
	struct hv_fault f;

	boot(&m, code, sizeof code);
	f = expect_fault(&m, 14);
	cr_assert_eq(f.cr2, RING0);
	cr_assert_eq(f.error_code, 0x5, "error code 0x%llx", (unsigned long long)f.error_code);
	halt_machine(&m);
}

/* mov eax, 0x2000; mov dx, 0x6cf0; out dx, eax: a report forged from ring 3 is a #GP,
 * never a report. */
Test(smoke, forged_report_is_refused)
{
	static const uint8_t code[] = { 0xb8, 0x00, 0x20, 0x00, 0x00, 0x66, 0xba, 0xf0, 0x6c,
					0xef };
	struct machine m;
	struct hv_fault f;

	boot(&m, code, sizeof code);
	f = expect_fault(&m, 13);
	cr_assert_eq(f.regs.rip, CODE_ADDR + sizeof code - 1);
	halt_machine(&m);
}

/* syscall: #UD at the instruction, on PVM as on hardware. */
Test(smoke, syscall_is_invalid_opcode)
{
	static const uint8_t code[] = { 0x90, 0x0f, 0x05 };
	struct machine m;
	struct hv_fault f;

	boot(&m, code, sizeof code);
	f = expect_fault(&m, 6);
	cr_assert_eq(f.regs.rip, CODE_ADDR + 1, "rip 0x%llx", (unsigned long long)f.regs.rip);
	halt_machine(&m);
}

/* out dx, eax (DONE) ; mov ecx, 0x1b ... : a saved state puts ring 3 back after a fault
 * in ring 0, with the segment and SSE state it was saved with. */
Test(smoke, state_restores_ring3_after_a_fault)
{
	static const uint8_t code[] = {
		0x66, 0xba, 0xf8, 0x03,                         /* mov dx, 0x3f8 */
		0xb8, 0x01, 0x00, 0x00, 0x00,                   /* mov eax, 1 */
		0x66, 0x0f, 0x6e, 0xc0,                         /* movd xmm0, eax */
		0xef,                                           /* out dx, eax: saved here */
		0x66, 0x0f, 0x7e, 0xc0,                         /* movd eax, xmm0 */
		0xef,                                           /* out dx, eax */
		0x31, 0xc0, 0x8e, 0xd8,                         /* xor eax, eax; mov ds, eax */
		0x66, 0x0f, 0xef, 0xc0,                         /* pxor xmm0, xmm0 */
		0x0f, 0x0b,                                     /* ud2 */
	};
	struct machine m;
	struct hv_state *st = calloc(1, sizeof *st);
	struct hv_regs r = { .rip = CODE_ADDR + 14, .rsp = STACK_ADDR + 0x1000, .rflags = 2,
			     .rdx = PORT };

	cr_assert_not_null(st);
	boot(&m, code, sizeof code);
	expect_out(&m, PORT, 1);
	cr_assert_eq(hv_get_state(m.vm, st, &m.diag), HL_OK, "%s", m.diag.msg);
	expect_out(&m, PORT, 1);
	expect_fault(&m, 6);
	cr_assert_eq(hv_set_state(m.vm, st, &m.diag), HL_OK, "%s", m.diag.msg);
	cr_assert_eq(hv_set_regs(m.vm, &r, &m.diag), HL_OK, "%s", m.diag.msg);
	expect_out(&m, PORT, 1);
	expect_fault(&m, 6);
	free(st);
	halt_machine(&m);
}

/* A state may come from a snapshot file: each part that ring 3 could not have made is
 * refused before KVM sees it.  Offsets in kvm/state.c's blob: version at 0, DS's and FS's
 * selector at 24 and 56, FS's base at 48, the XSAVE area from 80 (MXCSR at +24,
 * XSTATE_BV at +512, XCOMP_BV at +520). */
struct bad_state {
	size_t off;
	uint64_t value;
	size_t size;
	char msg[64]; /* an array: Criterion runs each case in a process of its own */
};

ParameterizedTestParameters(smoke, bad_state_is_refused)
{
	static struct bad_state cases[] = {
		{ 0, 1, 4, "vCPU state has version 1, expected 2" },
		{ 24, 0x10, 2, "DS selector 0x10 is not one ring 3 can load" },
		{ 24, 0x28, 2, "DS selector 0x28 is not one ring 3 can load" },
		{ 56, 0x1b | 4, 2, "FS selector 0x1f is not one ring 3 can load" },
		{ 48, 0x0000800000000000ull, 8, "FS base 0x800000000000 is not canonical" },
		{ 80 + 24, 0x10000, 4, "MXCSR 0x10000 with reserved bits set" },
		{ 80 + 520, 1ull << 63, 8, "XSAVE area in the compacted format" },
		{ 80 + 512, 1ull << 62, 8, "that this KVM does not offer" },
	};
	return cr_make_param_array(struct bad_state, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_state *c, smoke, bad_state_is_refused)
{
	static const uint8_t code[] = { 0x66, 0xba, 0xf8, 0x03, 0xef };
	struct machine m;
	struct hv_state *st = calloc(1, sizeof *st);

	cr_assert_not_null(st);
	boot(&m, code, sizeof code);
	expect_out(&m, PORT, 0);
	cr_assert_eq(hv_get_state(m.vm, st, &m.diag), HL_OK, "%s", m.diag.msg);
	cr_assert_eq(hv_set_state(m.vm, st, &m.diag), HL_OK, "%s", m.diag.msg);
	memcpy(st->bytes + c->off, &c->value, c->size);
	cr_assert_eq(hv_set_state(m.vm, st, &m.diag), HL_E_INVALID, "%s", c->msg);
	cr_assert(strstr(m.diag.msg, c->msg) != NULL, "%s", m.diag.msg);
	free(st);
	halt_machine(&m);
}
