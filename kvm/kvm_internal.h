/* State shared by the files of the KVM backend. */
#ifndef KVM_KVM_INTERNAL_H
#define KVM_KVM_INTERNAL_H

#include <linux/kvm.h>

#include "common/page.h"
#include "kvm/kvm.h"

/* Ring 0's pages, by offset from hv_boot.ring0_addr in virtual memory and from the start
 * of ring 0's memory (vm->sys) alike; the pages between are guards, never mapped. */
#define R0_GDT 0x0000u   /* GDT, then the TSS and its I/O permission bitmap */
#define R0_IDT 0x1000u
#define R0_CODE 0x2000u  /* ring0_entry.S */
/* A guard page where LSTAR points.  With EFER.SCE clear, hardware refuses `syscall` with
 * #UD; PVM jumps to LSTAR in ring 3 all the same, and the fetch fault here is reported
 * as the #UD that hardware raises (vcpu.c). */
#define R0_SYSCALL 0x3000u
#define R0_IST1 0x4000u  /* every vector's stack (one page, grows down from +0x1000) */
#define R0_IST2 0x6000u  /* the double fault's stack */
#define R0_TABLES HV_RING0_SIZE /* page tables, never mapped */

/* The guest-visible descriptor-table layout: ring 0's code and data, ring 3's data and
 * code (DPL 3), the TSS. */
#define SEL_KCODE 0x08u
#define SEL_KDATA 0x10u
#define SEL_UDATA 0x18u
#define SEL_UCODE 0x20u
#define SEL_TSS 0x28u

/* Which KVM serves the device (hv_identify()). */
enum hv_kind { HV_KIND_UNKNOWN, HV_KIND_PVM, HV_KIND_VMX, HV_KIND_SVM };

struct hv_vm {
	const char *path;   /* the device, for messages; the caller's string */
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	int api_version;
	enum hv_kind kind;
	char describe[96];  /* hv_describe() */
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;       /* guest physical memory, owned by the caller */
	uint64_t mem_size;
	bool manual_clear;  /* its dirty log is cleared by hv_dirty_clear(), not by reading */
	/* Ring 0 (hv_setup()): its memory, owned here, at guest-physical sys_gpa and mapped
	 * at virtual ring0_addr; the registers that enter ring 3; the XCR0 in force (0:
	 * XSAVE is not enabled) and the XSAVE features KVM supports. */
	uint8_t *sys;
	uint64_t sys_size;
	uint64_t sys_gpa;
	uint64_t ring0_addr;
	struct kvm_sregs sregs;
	uint64_t xcr0;
	uint64_t xfeatures;
	/* The last run did not end at a port of ring 3: an exception, a signal, a shutdown.
	 * It may have left an event pending or a debug register (DR6) set. */
	bool unclean;
};

/* ring0_entry.S: the exception entry code, its size, and each vector's entry as an offset
 * into it. */
extern const uint8_t hv_ring0_code[];
extern const uint32_t hv_ring0_code_size;
extern const uint16_t hv_ring0_entry[32];

/* Gives the vCPU its CPUID table (kvm/cpu.c) and sets vm->xcr0 and vm->xfeatures.
 * Errors: HL_E_NOKVM when KVM refuses the table, HL_E_INTERNAL. */
enum hl_err hv_cpu_setup(struct hv_vm *vm, struct hl_diag *d);

/* Gives the VM b's windows, each a read-only memory slot of its own, once ring 0's memory
 * is mapped (kvm/vm.c).  Errors: HL_E_INTERNAL when a window is malformed or lies below
 * ring 0's memory, HL_E_NOKVM when KVM has no read-only slots or refuses one. */
enum hl_err hv_map_windows(struct hv_vm *vm, const struct hv_boot *b, struct hl_diag *d);

/* Fills vm->kind and vm->describe (kvm/cpu.c). */
void hv_identify(struct hv_vm *vm);

/* Builds the page tables into [tables, tables + size) of ring 0's memory, which lies at
 * guest-physical address gpa: each region as user pages, each window as read-only user
 * pages, ring 0's pages (at ring0_addr
 * in virtual memory, backed from sys_gpa) supervisor-only (kvm/paging.c).  Returns 0, or
 * -1 when the area is too small. */
int hv_build_page_tables(uint8_t *tables, uint64_t gpa, uint64_t size,
			 const struct hv_boot *b, uint64_t sys_gpa);

#endif
