/* KVM suite: the kvm/ module on its own.  hv_setup() takes core's description of the
 * guest's memory and ports on trust from no one: one that does not fit together is
 * refused (HL_E_INTERNAL, a bug in the caller) before anything is set up, and so is a
 * second setup of the same VM. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>
#include <sys/mman.h>

#include "guests/include/hlrun_abi.h"
#include "kvm/kvm.h"
#include "kvm/kvm_internal.h"
#include "kvm/ring0.h"

#define MEM (4ull << 20)
#define RING0 (6ull << 20) /* above guest memory, as core puts it */

struct vm_fixture {
	struct hv_vm *vm;
	void *mem;
	struct hl_diag d;
};

static void vm_up(struct vm_fixture *f)
{
	memset(f, 0, sizeof *f);
	cr_assert_eq(hv_open(NULL, &f->vm, &f->d), HL_OK, "%s", f->d.msg);
	cr_assert_eq(hv_create_vm(f->vm, &f->d), HL_OK, "%s", f->d.msg);
	f->mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(f->mem, MAP_FAILED);
	cr_assert_eq(hv_set_memory(f->vm, f->mem, MEM, false, &f->d), HL_OK, "%s", f->d.msg);
}

static void vm_down(struct vm_fixture *f)
{
	hv_destroy(f->vm);
	munmap(f->mem, MEM);
}

enum boot_bug {
	RING0_UNALIGNED, RING0_ABOVE_4G, REGION_OUTSIDE, REGION_PAST_END, REGION_ON_RING0,
	REGION_EMPTY, NO_PORTS, PORTS_PAST_64K, PORTS_WITH_RING0S, WINDOW_IN_MEMORY,
	WINDOW_HOST_UNALIGNED, WINDOWS_OVERLAP,
};

struct boot_case {
	char what[24];
	enum boot_bug bug;
	char msg[80];
};

ParameterizedTestParameters(backend, setup_refuses)
{
	static struct boot_case cases[] = {
		{ "ring 0 unaligned", RING0_UNALIGNED, "inconsistent guest layout" },
		{ "ring 0 above 4 GiB", RING0_ABOVE_4G, "inconsistent guest layout" },
		{ "region outside", REGION_OUTSIDE, "region 1 lies outside guest memory" },
		{ "region past the end", REGION_PAST_END, "region 1 lies outside guest memory" },
		{ "region on ring 0", REGION_ON_RING0, "region 1 overlaps ring 0" },
		{ "empty region", REGION_EMPTY, "inconsistent guest layout" },
		{ "no ports", NO_PORTS, "cannot open 0 port(s) from 0x6c00 to ring 3" },
		{ "ports past 64 KiB", PORTS_PAST_64K, "cannot open 32 port(s) from 0xfff0 to ring 3" },
		{ "ring 0's port", PORTS_WITH_RING0S, "cannot open 256 port(s) from 0x6c00 to ring 3" },
		{ "window in memory", WINDOW_IN_MEMORY,
		  "window 0 is malformed or lies below ring 0's memory" },
		{ "window host unaligned", WINDOW_HOST_UNALIGNED,
		  "window 1 is malformed or lies below ring 0's memory" },
		{ "windows overlap", WINDOWS_OVERLAP, "inconsistent guest layout" },
	};

	return cr_make_param_array(struct boot_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct boot_case *c, backend, setup_refuses)
{
	struct vm_fixture f;
	struct hv_region regions[2] = {
		{ 0x200000, 0x2000, HV_MAP_EXEC },
		{ 0x300000, 0x1000, HV_MAP_WRITE },
	};
	static const uint8_t file[2 * 4096] __attribute__((aligned(4096)));
	struct hv_window windows[2] = {
		{ HL_MAP_BASE, 0x1000, file },
		{ HL_MAP_BASE + 0x200000, 0x1000, file },
	};
	struct hv_boot b = { .ring0_addr = RING0, .port_first = HL_PORT_FIRST,
			     .nports = HL_PORT_COUNT, .regions = regions, .nregions = 2,
			     .windows = windows };

	switch (c->bug) {
	case RING0_UNALIGNED: b.ring0_addr += 0x800; break;
	case RING0_ABOVE_4G: b.ring0_addr = 1ull << 32; break;
	case REGION_OUTSIDE: regions[1].addr = MEM; break;
	case REGION_PAST_END: regions[1] = (struct hv_region){ MEM - 0x1000, 0x2000, 0 }; break;
	case REGION_ON_RING0:
		b.ring0_addr = 0x380000; /* a window inside guest memory, which a page hides */
		regions[1].addr = 0x387000;
		break;
	case REGION_EMPTY: regions[1].size = 0; break;
	case NO_PORTS: b.nports = 0; break;
	case PORTS_PAST_64K: b.port_first = 0xfff0, b.nports = 0x20; break;
	case PORTS_WITH_RING0S: b.nports = HV_RING0_PORT - HL_PORT_FIRST + 16; break;
	case WINDOW_IN_MEMORY: windows[0].addr = 0x400000, b.nwindows = 1; break;
	case WINDOW_HOST_UNALIGNED: windows[1].host = file + 1, b.nwindows = 2; break;
	case WINDOWS_OVERLAP: windows[1].addr = HL_MAP_BASE, b.nwindows = 2; break;
	}
	vm_up(&f);
	cr_assert_eq(hv_setup(f.vm, &b, &f.d), HL_E_INTERNAL, "%s: %s", c->what, f.d.msg);
	cr_assert_str_eq(f.d.msg, c->msg, "%s: %s", c->what, f.d.msg);
	vm_down(&f);
}

Test(backend, setup_once)
{
	struct vm_fixture f;
	struct hv_region r = { 0x200000, 0x2000, HV_MAP_EXEC };
	struct hv_boot b = { .ring0_addr = RING0, .port_first = HL_PORT_FIRST,
			     .nports = HL_PORT_COUNT, .regions = &r, .nregions = 1 };

	vm_up(&f);
	cr_assert_eq(hv_setup(f.vm, &b, &f.d), HL_OK, "%s", f.d.msg);
	cr_assert_eq(hv_setup(f.vm, &b, &f.d), HL_E_INTERNAL);
	cr_assert_str_eq(f.d.msg, "ring 0 is already set up");
	vm_down(&f);
}

/* The IDT as ring 0 leaves it: the 32 exception gates present, entering ring 0's code on
 * IST1 (the double fault on IST2); only #BP's open to ring 3 (DPL 3), so that `int n`
 * with any other vector faults where it stands instead of forging an exception report
 * (PVM refuses `int n` in ring 3 whatever the gate, hardware and the test VM do not);
 * the other 224 gates absent. */
Test(backend, idt_opens_only_the_breakpoint_to_ring3)
{
	struct vm_fixture f;
	struct hv_region r = { 0x200000, 0x2000, HV_MAP_EXEC };
	struct hv_boot b = { .ring0_addr = RING0, .port_first = HL_PORT_FIRST,
			     .nports = HL_PORT_COUNT, .regions = &r, .nregions = 1 };
	const uint8_t *idt;

	vm_up(&f);
	cr_assert_eq(hv_setup(f.vm, &b, &f.d), HL_OK, "%s", f.d.msg);
	idt = f.vm->sys + R0_IDT;
	for (unsigned v = 0; v < 256; v++) {
		const uint8_t *g = idt + 16 * v;
		uint64_t off = (uint64_t)(g[0] | g[1] << 8) | (uint64_t)(g[6] | g[7] << 8) << 16 |
			       (uint64_t)(g[8] | g[9] << 8 | g[10] << 16 | (uint32_t)g[11] << 24)
				       << 32;

		if (v >= 32) {
			cr_assert_eq(g[5] & 0x80, 0, "vector %u is present", v);
			continue;
		}
		cr_assert_eq(g[5], v == 3 ? 0xee : 0x8e, "vector %u: type 0x%x", v, g[5]);
		cr_assert_eq(g[2] | g[3] << 8, SEL_KCODE, "vector %u", v);
		cr_assert_eq(g[4], v == 8 ? 2 : 1, "vector %u: IST %u", v, g[4]);
		cr_assert_eq(off, RING0 + R0_CODE + hv_ring0_entry[v], "vector %u", v);
	}
	vm_down(&f);
}
