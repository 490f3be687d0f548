/* The KVM backend: 64-bit long mode built by the host: page tables, GDT, TSS, registers. */
#include "kvm/kvm_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#define PAGE 4096ull
#define HUGE (2ull << 20)

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* The system page: GDT at offset 0, TSS at TSS_OFF. */
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18
#define GDT_LIMIT 0x27
#define TSS_OFF 0x80
#define TSS_LIMIT 0x67
#define TSS_IST1 0x24
#define TSS_IOMAP 0x66

/* Guest addresses are limited to 48 bits (4-level paging). */
#define VA_LIMIT (1ull << 47)

static uint64_t spans(uint64_t addr, uint64_t size, unsigned shift)
{
	return ((addr + size - 1) >> shift) - (addr >> shift) + 1;
}

static int region_ok(const struct hv_region *r)
{
	return r->size != 0 && r->addr % PAGE == 0 && r->size % PAGE == 0 &&
	       r->addr < VA_LIMIT && r->size <= VA_LIMIT - r->addr;
}

uint64_t hv_page_tables_size(const struct hv_region *regions, size_t n)
{
	uint64_t tables = 1; /* the PML4 */

	for (size_t i = 0; i < n; i++) {
		const struct hv_region *r = &regions[i];

		if (!region_ok(r))
			return 0;
		for (size_t j = 0; j < i; j++)
			if (r->addr < regions[j].addr + regions[j].size &&
			    regions[j].addr < r->addr + r->size)
				return 0;
		/* Page directory pointer tables, directories, and at most two page
		 * tables: only a region's partial first and last 2 MiB need 4 KiB pages. */
		tables += spans(r->addr, r->size, 39) + spans(r->addr, r->size, 30) + 2;
	}
	return tables * PAGE;
}

struct pt_builder {
	uint8_t *mem;
	uint64_t base;  /* guest address of the table area */
	uint64_t size;
	uint64_t used;
};

/* Returns the table that entry *e points to, allocating a zeroed one if absent. */
static uint64_t *next_table(struct pt_builder *b, uint64_t *e)
{
	uint64_t gpa;

	if (!(*e & PTE_P)) {
		if (b->size - b->used < PAGE)
			return NULL;
		gpa = b->base + b->used;
		b->used += PAGE;
		memset(b->mem + gpa, 0, PAGE);
		*e = gpa | PTE_P | PTE_RW | PTE_A;
	}
	return (uint64_t *)(void *)(b->mem + (*e & PTE_ADDR));
}

static int map_page(struct pt_builder *b, uint64_t va, int huge, uint64_t leaf_flags)
{
	uint64_t *pml4 = (uint64_t *)(void *)(b->mem + b->base);
	uint64_t *pdpt, *pd, *pt;

	pdpt = next_table(b, &pml4[(va >> 39) & 511]);
	pd = pdpt ? next_table(b, &pdpt[(va >> 30) & 511]) : NULL;
	if (pd == NULL)
		return -1;
	if (huge) {
		pd[(va >> 21) & 511] = va | leaf_flags | PTE_PS;
		return 0;
	}
	pt = next_table(b, &pd[(va >> 21) & 511]);
	if (pt == NULL)
		return -1;
	pt[(va >> 12) & 511] = va | leaf_flags;
	return 0;
}

static int map_region(struct pt_builder *b, const struct hv_region *r)
{
	/* Accessed and dirty are preset so the CPU never writes to the tables. */
	uint64_t flags = PTE_P | PTE_A | PTE_D;
	uint64_t va = r->addr, end = r->addr + r->size;

	if (r->flags & HV_MAP_WRITE)
		flags |= PTE_RW;
	if (!(r->flags & HV_MAP_EXEC))
		flags |= PTE_NX;
	while (va < end) {
		int huge = va % HUGE == 0 && end - va >= HUGE;

		if (map_page(b, va, huge, flags) < 0)
			return -1;
		va += huge ? HUGE : PAGE;
	}
	return 0;
}

static void write_gdt_tss(uint8_t *sys, uint64_t sys_addr, uint64_t ist_top)
{
	uint64_t *gdt = (uint64_t *)(void *)sys;
	uint64_t tss = sys_addr + TSS_OFF;

	memset(sys, 0, PAGE);
	gdt[1] = 0x00af9b000000ffffull; /* code: 64-bit, DPL 0, accessed */
	gdt[2] = 0x00cf93000000ffffull; /* data: read/write, accessed */
	/* 64-bit TSS (busy), two slots. */
	gdt[3] = TSS_LIMIT | ((tss & 0xffffff) << 16) | (0x8bull << 40) |
		 (((tss >> 24) & 0xff) << 56);
	gdt[4] = tss >> 32;
	memcpy(sys + TSS_OFF + TSS_IST1, &ist_top, sizeof ist_top);
	sys[TSS_OFF + TSS_IOMAP] = TSS_LIMIT + 1;
}

static void set_segments(struct kvm_sregs *s, const struct hv_boot *b)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = SEL_CODE, .type = 11,
		.present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = SEL_DATA, .type = 3,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_segment tr = {
		.base = b->sys_addr + TSS_OFF, .limit = TSS_LIMIT, .selector = SEL_TSS,
		.type = 11, .present = 1, .s = 0,
	};

	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = tr;
	s->ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	s->gdt.base = b->sys_addr;
	s->gdt.limit = GDT_LIMIT;
	s->idt.base = 0;
	s->idt.limit = 0;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = b->pt_addr;
	s->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	s->efer = EFER_LME | EFER_LMA | EFER_NXE;
}

static int inside(const struct hv_vm *vm, uint64_t addr, uint64_t size)
{
	return addr <= vm->mem_size && size <= vm->mem_size - addr;
}

enum hl_err hv_setup_long_mode(struct hv_vm *vm, const struct hv_boot *b, struct hl_diag *d)
{
	struct pt_builder pt = { vm->mem, b->pt_addr, b->pt_size, PAGE };
	struct kvm_sregs sregs;
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	if (vm->mem == NULL || !inside(vm, b->sys_addr, PAGE) || b->sys_addr % PAGE ||
	    b->pt_addr % PAGE || b->pt_size < PAGE || !inside(vm, b->pt_addr, b->pt_size) ||
	    b->pt_size < hv_page_tables_size(b->regions, b->nregions) ||
	    hv_page_tables_size(b->regions, b->nregions) == 0)
		return hl_fail(d, HL_E_INTERNAL, "inconsistent long-mode layout");
	for (size_t i = 0; i < b->nregions; i++)
		if (!inside(vm, b->regions[i].addr, b->regions[i].size))
			return hl_fail(d, HL_E_INTERNAL, "region %zu lies outside guest memory", i);
	memset(vm->mem + b->pt_addr, 0, PAGE);
	for (size_t i = 0; i < b->nregions; i++)
		if (map_region(&pt, &b->regions[i]) < 0)
			return hl_fail(d, HL_E_INTERNAL, "page-table area of %llu bytes is too "
				       "small", (unsigned long long)b->pt_size);
	write_gdt_tss(vm->mem + b->sys_addr, b->sys_addr, b->ist_top);

	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return hl_fail(d, HL_E_INTERNAL, "KVM_GET_SREGS: %s", strerror(errno));
	set_segments(&sregs, b);
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return hl_fail(d, HL_E_INTERNAL, "KVM_SET_SREGS: %s", strerror(errno));
	if (ioctl(vm->vcpu_fd, KVM_SET_FPU, &fpu) < 0)
		return hl_fail(d, HL_E_INTERNAL, "KVM_SET_FPU: %s", strerror(errno));
	return HL_OK;
}
