/* KVM smoke test: a real VM in long mode runs a few instructions that write to a port. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "kvm/kvm.h"

#define MEM_SIZE (4u << 20)
#define SYS_ADDR 0x1000u
#define PT_ADDR 0x2000u
#define PT_MAX 0x10000u
#define CODE_ADDR 0x100000u
#define STACK_ADDR 0x101000u

struct machine {
	struct hv_vm *vm;
	uint8_t *mem;
	struct hl_diag diag;
};

static void boot(struct machine *m, const uint8_t *code, size_t len)
{
	static const struct hv_region regions[] = {
		{ SYS_ADDR, 0x1000, 0 },
		{ CODE_ADDR, 0x1000, HV_MAP_EXEC },
		{ STACK_ADDR, 0x1000, HV_MAP_WRITE },
	};
	struct hv_boot b = { SYS_ADDR, PT_ADDR, PT_MAX, STACK_ADDR + 0x1000, regions, 3 };
	struct hv_regs r = { .rip = CODE_ADDR, .rsp = STACK_ADDR + 0x1000, .rflags = 2 };

	m->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert_neq(m->mem, MAP_FAILED);
	memcpy(m->mem + CODE_ADDR, code, len);
	cr_assert_eq(hv_open(NULL, &m->vm, &m->diag), HL_OK, "%s", m->diag.msg);
	cr_assert_eq(hv_create_vm(m->vm, &m->diag), HL_OK, "%s", m->diag.msg);
	cr_assert_eq(hv_set_memory(m->vm, m->mem, MEM_SIZE, false, &m->diag), HL_OK, "%s", m->diag.msg);
	cr_assert_leq(hv_page_tables_size(regions, 3), PT_MAX);
	cr_assert_eq(hv_setup_long_mode(m->vm, &b, &m->diag), HL_OK, "%s", m->diag.msg);
	cr_assert_eq(hv_set_regs(m->vm, &r, &m->diag), HL_OK, "%s", m->diag.msg);
}

static void halt_machine(struct machine *m)
{
	hv_destroy(m->vm);
	munmap(m->mem, MEM_SIZE);
}

Test(smoke, api_version_is_12)
{
	struct hv_vm *vm;
	struct hl_diag d;

	cr_assert_eq(hv_open(NULL, &vm, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(hv_api_version(vm), 12);
	cr_assert_eq(hv_create_vm(vm, &d), HL_OK, "%s", d.msg);
	hv_destroy(vm);
}

/* mov eax, 0x2a; mov dx, 0x3f8; out dx, eax; mov eax, 0xbeef; out dx, eax; hlt */
Test(smoke, port_writes_then_halt)
{
	static const uint8_t code[] = {
		0xb8, 0x2a, 0x00, 0x00, 0x00, 0x66, 0xba, 0xf8, 0x03, 0xef,
		0xb8, 0xef, 0xbe, 0x00, 0x00, 0xef, 0xf4,
	};
	struct machine m;
	struct hv_exit ex;

	boot(&m, code, sizeof code);
	cr_assert_eq(hv_run(m.vm, &ex, &m.diag), HL_OK, "%s", m.diag.msg);
	cr_assert_eq(ex.kind, HV_EXIT_IO, "exit %s", ex.name);
	cr_assert_eq(ex.port, 0x3f8);
	cr_assert_eq(ex.size, 4);
	cr_assert(ex.is_write);
	cr_assert_eq(ex.value, 0x2a);
	cr_assert_eq(hv_run(m.vm, &ex, &m.diag), HL_OK, "%s", m.diag.msg);
	cr_assert_eq(ex.kind, HV_EXIT_IO);
	cr_assert_eq(ex.value, 0xbeef);
	cr_assert_eq(hv_run(m.vm, &ex, &m.diag), HL_OK, "%s", m.diag.msg);
	cr_assert_eq(ex.kind, HV_EXIT_HLT, "exit %s", ex.name);
	cr_assert_eq(ex.rip, CODE_ADDR + sizeof code);
	halt_machine(&m);
}

/* mov byte [0x100000], 1: the code page is mapped without write permission; with no IDT
 * the page fault escalates to a triple fault, which the host sees as a shutdown. */
Test(smoke, write_to_code_shuts_down)
{
	static const uint8_t code[] = { 0xc6, 0x04, 0x25, 0x00, 0x00, 0x10, 0x00, 0x01, 0xf4 };
	struct machine m;
	struct hv_exit ex;

	boot(&m, code, sizeof code);
	cr_assert_eq(hv_run(m.vm, &ex, &m.diag), HL_OK, "%s", m.diag.msg);
	cr_assert_eq(ex.kind, HV_EXIT_SHUTDOWN, "exit %s", ex.name);
	cr_assert_eq(m.mem[CODE_ADDR], 0xc6);
	halt_machine(&m);
}
