/* The KVM backend: hlrun's ring 0 in the guest and the vCPU's way into ring 3: GDT, IDT,
 * TSS with its I/O permission bitmap, the exception entry code and its stacks, the page
 * tables, control and segment registers. */
#include "kvm/kvm_internal.h"
#include "kvm/ring0.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define RING0_LIMIT (1ull << 32) /* ring0_entry.S reports frames by their 32-bit address */

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* The GDT page: the descriptors, then at TSS_OFF the 64-bit TSS and its I/O permission
 * bitmap, which ends with one byte of ones the CPU may read past the last port. */
#define GDT_LIMIT (SEL_TSS + 16 - 1)
#define TSS_OFF 0x80u
#define TSS_RSP0 0x04u
#define TSS_IST1 0x24u
#define TSS_IST2 0x2cu
#define TSS_IOMAP_BASE 0x66u
#define TSS_IOMAP 0x68u
#define IOMAP_MAX (HL_PAGE_SIZE - TSS_OFF - TSS_IOMAP - 1)

#define MSR_LSTAR 0xc0000082u

#define IDT_VECTORS 256
#define TSS_BUSY 11
#define TSS_AVAILABLE 9

#define GATE_KERNEL 0x8eu /* present 64-bit interrupt gate, DPL 0 */
#define GATE_USER 0xeeu   /* the same with DPL 3: int3 from ring 3 is #BP on every KVM */
#define VEC_BP 3
#define VEC_DF 8

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
};

static uint64_t ring0_va(const struct hv_vm *vm, uint32_t off)
{
	return vm->ring0_addr + off;
}

static uint32_t iomap_bytes(const struct hv_boot *b)
{
	return ((uint32_t)b->port_first + b->nports + 7) / 8;
}

static enum hl_err check_boot(const struct hv_vm *vm, const struct hv_boot *b,
			      uint64_t tables, struct hl_diag *d)
{
	uint64_t r0 = b->ring0_addr, r0_end = r0 + HV_RING0_SIZE;
	uint32_t port_end = (uint32_t)b->port_first + b->nports;

	if (vm->mem == NULL || tables == 0 || r0 % HL_PAGE_SIZE != 0 || r0_end > RING0_LIMIT)
		return hl_fail(d, HL_E_INTERNAL, "inconsistent guest layout");
	for (size_t i = 0; i < b->nregions; i++) {
		const struct hv_region *r = &b->regions[i];

		if (r->addr > vm->mem_size || r->size > vm->mem_size - r->addr)
			return hl_fail(d, HL_E_INTERNAL, "region %zu lies outside guest memory", i);
		if (r->addr < r0_end && r0 < r->addr + r->size)
			return hl_fail(d, HL_E_INTERNAL, "region %zu overlaps ring 0", i);
	}
	if (b->nports == 0 || port_end > 0x10000 || iomap_bytes(b) > IOMAP_MAX ||
	    (HV_RING0_PORT >= b->port_first && HV_RING0_PORT < port_end))
		return hl_fail(d, HL_E_INTERNAL, "cannot open %u port(s) from 0x%x to ring 3",
			       b->nports, b->port_first);
	if (hv_ring0_code_size > HL_PAGE_SIZE)
		return hl_fail(d, HL_E_INTERNAL, "ring 0's code does not fit its page");
	return HL_OK;
}

/* Ring 0's memory: its pages at their window offsets, then the page tables, as a second
 * memory slot just above guest memory (2 MiB-aligned), never logged as dirty. */
static enum hl_err map_ring0(struct hv_vm *vm, uint64_t tables, struct hl_diag *d)
{
	struct kvm_userspace_memory_region slot;
	void *p;

	vm->sys_gpa = hl_align_up(vm->mem_size, HL_HUGE_PAGE_SIZE);
	vm->sys_size = R0_TABLES + tables;
	p = mmap(NULL, vm->sys_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return hl_fail(d, HL_E_INTERNAL, "cannot map ring 0's memory: %s", strerror(errno));
	vm->sys = p;
	slot = (struct kvm_userspace_memory_region){
		.slot = 1,
		.guest_phys_addr = vm->sys_gpa,
		.memory_size = vm->sys_size,
		.userspace_addr = (uint64_t)(uintptr_t)p,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return hl_fail(d, errno == ENOMEM ? HL_E_NOKVM : HL_E_INTERNAL,
			       "cannot give the VM ring 0's memory: %s", strerror(errno));
	return HL_OK;
}

static void put64(uint8_t *at, uint64_t v)
{
	memcpy(at, &v, sizeof v);
}

/* Ring 3 may use exactly b's ports; the bitmap's bit for every other port is set. */
static uint32_t write_gdt_tss(struct hv_vm *vm, const struct hv_boot *b)
{
	uint8_t *page = vm->sys + R0_GDT, *tss = page + TSS_OFF;
	uint64_t *gdt = (uint64_t *)(void *)page;
	uint64_t base = ring0_va(vm, R0_GDT + TSS_OFF);
	uint32_t limit = TSS_IOMAP + iomap_bytes(b);
	uint16_t iomap = TSS_IOMAP;

	gdt[SEL_KCODE / 8] = 0x00af9b000000ffffull; /* 64-bit code, DPL 0, accessed */
	gdt[SEL_KDATA / 8] = 0x00cf93000000ffffull; /* data, DPL 0, accessed */
	gdt[SEL_UDATA / 8] = 0x00cff3000000ffffull; /* data, DPL 3, accessed */
	gdt[SEL_UCODE / 8] = 0x00affb000000ffffull; /* 64-bit code, DPL 3, accessed */
	/* A busy 64-bit TSS: two slots. */
	gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x8bull << 40) |
			   ((uint64_t)(limit >> 16) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = base >> 32;
	put64(tss + TSS_RSP0, ring0_va(vm, R0_IST1) + HL_PAGE_SIZE);
	put64(tss + TSS_IST1, ring0_va(vm, R0_IST1) + HL_PAGE_SIZE);
	put64(tss + TSS_IST2, ring0_va(vm, R0_IST2) + HL_PAGE_SIZE);
	memcpy(tss + TSS_IOMAP_BASE, &iomap, sizeof iomap);
	memset(tss + TSS_IOMAP, 0xff, iomap_bytes(b) + 1);
	for (uint32_t p = b->port_first; p < (uint32_t)b->port_first + b->nports; p++)
		tss[TSS_IOMAP + p / 8] &= (uint8_t)~(1u << (p % 8));
	return limit;
}

/* Gates for the 32 exception vectors, each on IST1 but the double fault (IST2), so that
 * a fault with a broken stack still reports; the other 224 vectors are absent. */
static void write_idt(struct hv_vm *vm)
{
	struct idt_gate *idt = (struct idt_gate *)(void *)(vm->sys + R0_IDT);

	for (unsigned v = 0; v < 32; v++) {
		uint64_t a = ring0_va(vm, R0_CODE) + hv_ring0_entry[v];

		idt[v] = (struct idt_gate){
			.off_lo = (uint16_t)a, .sel = SEL_KCODE, .ist = v == VEC_DF ? 2 : 1,
			.type = v == VEC_BP ? GATE_USER : GATE_KERNEL,
			.off_mid = (uint16_t)(a >> 16), .off_hi = (uint32_t)(a >> 32),
		};
	}
}

_Static_assert(sizeof(struct idt_gate) * IDT_VECTORS == HL_PAGE_SIZE,
	       "the IDT fills a page");

static void ring3_sregs(struct hv_vm *vm, struct kvm_sregs *s, uint32_t tss_limit)
{
	const struct kvm_segment code = {
		.limit = 0xffffffff, .selector = SEL_UCODE | 3, .type = 11, .present = 1,
		.dpl = 3, .s = 1, .l = 1, .g = 1,
	};
	const struct kvm_segment data = {
		.limit = 0xffffffff, .selector = SEL_UDATA | 3, .type = 3, .present = 1,
		.dpl = 3, .db = 1, .s = 1, .g = 1,
	};

	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	/* VMX requires TR to hold a busy TSS, as `ltr` leaves it.  SVM does not check, and
	 * QEMU's emulation of it (the test VM) honours the I/O permission bitmap only for a
	 * TR that says "available", as its own `ltr` leaves it. */
	s->tr = (struct kvm_segment){ .base = ring0_va(vm, R0_GDT + TSS_OFF),
				      .limit = tss_limit, .selector = SEL_TSS,
				      .type = vm->kind == HV_KIND_SVM ? TSS_AVAILABLE : TSS_BUSY,
				      .present = 1 };
	s->ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	s->gdt.base = ring0_va(vm, R0_GDT);
	s->gdt.limit = GDT_LIMIT;
	s->idt.base = ring0_va(vm, R0_IDT);
	s->idt.limit = IDT_VECTORS * sizeof(struct idt_gate) - 1;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr2 = 0;
	s->cr3 = vm->sys_gpa + R0_TABLES;
	s->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT | (vm->xcr0 ? CR4_OSXSAVE : 0);
	s->efer = EFER_LME | EFER_LMA | EFER_NXE;
	memset(s->interrupt_bitmap, 0, sizeof s->interrupt_bitmap);
}

/* Ring 3 with its x87/SSE state reset, with XSAVE the XCR0 chosen by hv_cpu_setup(), and
 * LSTAR at R0_SYSCALL. */
static enum hl_err enter_ring3(struct hv_vm *vm, uint32_t tss_limit, struct hl_diag *d)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	struct kvm_xcrs xcrs = { .nr_xcrs = 1, .xcrs = { { .xcr = 0, .value = vm->xcr0 } } };
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry lstar;
	} msrs = { .head.nmsrs = 1,
		   .lstar = { .index = MSR_LSTAR, .data = ring0_va(vm, R0_SYSCALL) } };
	int rc;

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &vm->sregs) < 0)
		return hl_fail(d, HL_E_INTERNAL, "KVM_GET_SREGS: %s", strerror(errno));
	ring3_sregs(vm, &vm->sregs, tss_limit);
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &vm->sregs) < 0)
		return hl_fail(d, HL_E_NOKVM, "%s: KVM refuses a vCPU in ring 3 of long mode "
			       "(KVM_SET_SREGS: %s)", vm->path, strerror(errno));
	if (vm->xcr0 != 0 && ioctl(vm->vcpu_fd, KVM_SET_XCRS, &xcrs) < 0)
		return hl_fail(d, HL_E_NOKVM, "%s: KVM refuses XCR0 0x%llx (KVM_SET_XCRS: %s)",
			       vm->path, (unsigned long long)vm->xcr0, strerror(errno));
	if (ioctl(vm->vcpu_fd, KVM_SET_FPU, &fpu) < 0)
		return hl_fail(d, HL_E_INTERNAL, "KVM_SET_FPU: %s", strerror(errno));
	rc = ioctl(vm->vcpu_fd, KVM_SET_MSRS, &msrs);
	if (rc != 1)
		return hl_fail(d, HL_E_INTERNAL, "cannot set the vCPU's LSTAR (KVM_SET_MSRS: %s)",
			       rc < 0 ? strerror(errno) : "refused");
	return HL_OK;
}

/* Bytes of page tables for b's regions and windows, or 0 when they are malformed or
 * overlap. */
static uint64_t tables_size(const struct hv_boot *b)
{
	struct hv_region *all;
	uint64_t size;

	if (b->nwindows == 0)
		return hv_page_tables_size(b->regions, b->nregions);
	if (b->nwindows > HV_MAX_WINDOWS ||
	    (all = calloc(b->nregions + b->nwindows, sizeof *all)) == NULL)
		return 0;
	for (size_t i = 0; i < b->nregions; i++)
		all[i] = b->regions[i];
	for (size_t i = 0; i < b->nwindows; i++)
		all[b->nregions + i] = (struct hv_region){ b->windows[i].addr, b->windows[i].size,
							   0 };
	size = hv_page_tables_size(all, b->nregions + b->nwindows);
	free(all);
	return size;
}

enum hl_err hv_setup(struct hv_vm *vm, const struct hv_boot *b, struct hl_diag *d)
{
	uint64_t tables = tables_size(b);
	enum hl_err err = check_boot(vm, b, tables, d);
	uint32_t tss_limit;

	if (err == HL_OK && vm->sys != NULL)
		err = hl_fail(d, HL_E_INTERNAL, "ring 0 is already set up");
	if (err == HL_OK)
		err = hv_cpu_setup(vm, d);
	if (err == HL_OK)
		err = map_ring0(vm, tables, d);
	if (err == HL_OK)
		err = hv_map_windows(vm, b, d);
	if (err != HL_OK)
		return err;
	vm->ring0_addr = b->ring0_addr;
	tss_limit = write_gdt_tss(vm, b);
	write_idt(vm);
	memcpy(vm->sys + R0_CODE, hv_ring0_code, hv_ring0_code_size);
	if (hv_build_page_tables(vm->sys + R0_TABLES, vm->sys_gpa + R0_TABLES, tables, b,
				 vm->sys_gpa) < 0)
		return hl_fail(d, HL_E_INTERNAL, "page-table area of %llu bytes is too small",
			       (unsigned long long)tables);
	return enter_ring3(vm, tss_limit, d);
}
