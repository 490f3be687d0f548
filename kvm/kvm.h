/* The KVM backend: one VM with one vCPU whose guest runs in ring 3 of 64-bit long mode on
 * pages the caller gives it.  Ring 0 (GDT, IDT, TSS, the exception entry code and its
 * stacks, the page tables) belongs to this module: it lives in memory of its own, out of
 * the guest's reach, and reports every CPU exception as an exit.  The only module that
 * sees <linux/kvm.h>; it knows nothing of guests, ELF files or the wire protocol. */
#ifndef KVM_KVM_H
#define KVM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"

struct hv_vm;

/* Opens the KVM device (path NULL means "/dev/kvm"), checks its API version (12) and the
 * capabilities hlrun relies on, and notes which KVM serves it (hv_describe()).  On
 * success *out owns the descriptor (O_CLOEXEC); release it with hv_destroy().  Errors:
 * HL_E_NOKVM when the device is missing, not permitted or lacks a capability (the
 * message carries a hint); HL_E_INTERNAL otherwise. */
enum hl_err hv_open(const char *path, struct hv_vm **out, struct hl_diag *d);

/* Which KVM serves the device, for people: "PVM (kvm_pvm)", "Intel VMX (kvm_intel)" or
 * "AMD SVM (kvm_amd)", followed by ", inside a virtual machine" when this host is itself
 * a guest (nested virtualisation, or PVM's usual setting). */
const char *hv_describe(const struct hv_vm *vm);

/* Creates the VM and its one vCPU on an opened device.  Errors: HL_E_NOKVM when KVM
 * refuses (for example no hardware virtualisation), HL_E_INTERNAL otherwise. */
enum hl_err hv_create_vm(struct hv_vm *vm, struct hl_diag *d);

/* Releases everything hv_open() and later calls acquired.  Accepts NULL. */
void hv_destroy(struct hv_vm *vm);

/* For a seccomp filter: the ioctls that running, restoring and saving the vCPU and
 * reading the dirty log make once the VM is set up, each on the descriptor it names
 * (hv_fd()).  A fixed table (kvm/ioctls.c), so that the filter can be compiled when
 * hlrun is built (core/confine_gen.c) and given the descriptors when it is installed. */
enum hv_fd { HV_FD_VCPU, HV_FD_VM };
struct hv_ioctl {
	enum hv_fd fd;
	unsigned long request;
};
extern const struct hv_ioctl hv_run_ioctls[];
extern const size_t hv_run_ioctl_count;

/* The descriptor of the VM's vCPU or of the VM itself. */
int hv_fd(const struct hv_vm *vm, enum hv_fd which);

/* The type field (bits 8 to 15) of every KVM ioctl request, for a filter made before any
 * VM exists. */
#define HV_IOCTL_TYPE 0xaeu

/* KVM_GET_API_VERSION as reported by the device. */
int hv_api_version(const struct hv_vm *vm);

/* Makes [host, host + size) the guest's physical memory starting at guest address 0.  The
 * caller keeps ownership of the mapping and must keep it alive until hv_destroy().  size
 * must be a multiple of the page size.  With log_dirty, KVM records each page the guest
 * writes (see hv_dirty_log()).  Errors: HL_E_INTERNAL (or HL_E_NOKVM for ENOMEM). */
enum hl_err hv_set_memory(struct hv_vm *vm, void *host, uint64_t size, bool log_dirty,
			  struct hl_diag *d);

/* 64-bit words of a bitmap with one bit per 4 KiB page of mem_size bytes. */
uint64_t hv_dirty_words(uint64_t mem_size);

/* Stores in bitmap (hv_dirty_words() words, one bit per page) the pages of guest memory
 * the guest wrote since they were last cleared (or since hv_set_memory() with
 * log_dirty).  Where KVM clears the log only when told (hv_dirty_clear()), a page stays
 * in it, and writable without an exit, until it is cleared; elsewhere reading the log
 * clears every page.  Pages hlrun itself writes are not recorded, nor is ring 0's own
 * memory, which is never part of guest memory.  Errors: HL_E_INTERNAL. */
enum hl_err hv_dirty_log(struct hv_vm *vm, uint64_t *bitmap, struct hl_diag *d);

/* Clears the pages set in bitmap from the dirty log: KVM write-protects them again, and
 * the guest's next write to each costs an exit and puts it back in the log.  Nothing to
 * do where reading the log already cleared it.  Errors: HL_E_INTERNAL. */
enum hl_err hv_dirty_clear(struct hv_vm *vm, uint64_t *bitmap, struct hl_diag *d);

/* A range of the guest's pages, mapped for ring 3 at the same virtual and physical
 * address, with its permissions (read is implied). */
#define HV_MAP_WRITE 1u
#define HV_MAP_EXEC 2u
struct hv_region {
	uint64_t addr; /* page-aligned */
	uint64_t size; /* page-aligned, non-zero */
	unsigned flags;
};

/* Virtual addresses ring 0 occupies, from hv_boot.ring0_addr: supervisor-only pages the
 * guest can neither read nor write (GDT and TSS, IDT, entry code, two exception stacks
 * with guard pages).  The page tables are in ring 0's memory too but never mapped. */
#define HV_RING0_SIZE 0x8000u

/* Memory of the caller's, outside guest memory, that ring 3 may read but neither write
 * nor execute: a memory slot of its own, read-only to KVM as well, at the same
 * guest-physical and virtual address.  KVM reads the host pages when the guest first
 * touches each; one that cannot be read then ends hv_run() with HV_EXIT_HOST_FAULT. */
#define HV_MAX_WINDOWS 16
struct hv_window {
	uint64_t addr;    /* page-aligned, above guest memory and ring 0's memory */
	uint64_t size;    /* page-aligned, non-zero */
	const void *host; /* page-aligned, size bytes, kept mapped until hv_destroy() */
};

struct hv_boot {
	uint64_t ring0_addr;      /* page-aligned, below 4 GiB; no region may overlap
				   * [ring0_addr, ring0_addr + HV_RING0_SIZE) */
	uint16_t port_first;      /* ring 3 may use ports [port_first, port_first + nports) */
	uint16_t nports;
	const struct hv_region *regions; /* the guest's pages, inside guest memory */
	size_t nregions;
	const struct hv_window *windows; /* at most HV_MAX_WINDOWS, none overlapping */
	size_t nwindows;
};

/* Bytes of page tables that hv_setup() builds for these regions and ring 0 (4 KiB and
 * 2 MiB pages, one PML4), or 0 if a region is malformed or overlaps another.  A window
 * counts as a region without write or execute permission. */
uint64_t hv_page_tables_size(const struct hv_region *regions, size_t n);

/* Builds ring 0 in memory of its own (a second memory slot above guest memory, never
 * logged as dirty), gives the VM b's windows and puts the vCPU in ring 3 of 64-bit long
 * mode: the CPUID table of
 * what this KVM supports minus what a kernel-less guest cannot use, paging with NX and
 * write protection, x87/SSE and, where KVM offers them, AVX and AVX-512 state enabled,
 * IOPL 0, an I/O permission bitmap that opens only b's ports, and, where KVM has an MSR
 * filter, every MSR denied to the guest.  Guest memory must be
 * set (hv_set_memory()).  Call once, before the first hv_run().  Errors: HL_E_INTERNAL
 * (bad layout, ioctl failure), HL_E_NOKVM (KVM refuses the setup, or has windows but no
 * read-only memory slots). */
enum hl_err hv_setup(struct hv_vm *vm, const struct hv_boot *b, struct hl_diag *d);

/* The registers the host reads and writes around an exit. */
struct hv_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

/* Sets the general registers for the next hv_run(): where ring 3 continues.  They travel
 * in the run area: no system call.  Errors: none today. */
enum hl_err hv_set_regs(struct hv_vm *vm, const struct hv_regs *r, struct hl_diag *d);

/* Reads the general registers where the vCPU stopped: after a port exit or an
 * interrupted run, the guest's own (after a reported exception, ring 0's: use the
 * fault's).  Errors: HL_E_INTERNAL. */
enum hl_err hv_get_regs(struct hv_vm *vm, struct hv_regs *r, struct hl_diag *d);

/* The part of the vCPU's state the guest can change from ring 3, which a snapshot keeps
 * and a restore puts back: the data segment registers (with FS and GS bases) and the
 * x87/SSE/AVX state, and the XCR0 it was taken under.  Everything else (control and
 * descriptor-table registers, ring 0, CPUID, MSRs) is hlrun's and is set by hv_setup()
 * only.  Opaque to callers; a fixed size, so it can be stored in a file. */
#define HV_STATE_SIZE 8192
struct hv_state {
	uint8_t bytes[HV_STATE_SIZE];
};

/* Reads that state.  Errors: HL_E_INTERNAL. */
enum hl_err hv_get_state(struct hv_vm *vm, struct hv_state *st, struct hl_diag *d);

/* Puts the vCPU back in ring 3 with that state (which may come from a file: each part is
 * checked), and after a run that ended other than at a port, with no pending event and
 * debug registers as at reset: whatever the vCPU did since, including faulting into
 * ring 0.  The segment registers reach KVM with the next hv_run(), which fails with
 * HL_E_INVALID, naming them, if KVM refuses them.  Errors: HL_E_INVALID when the state
 * is malformed or uses CPU state this KVM does not offer (the message names which),
 * HL_E_INTERNAL. */
enum hl_err hv_set_state(struct hv_vm *vm, const struct hv_state *st, struct hl_diag *d);

/* A CPU exception, as ring 0's entry code reported it. */
struct hv_fault {
	unsigned vector;     /* 0 to 31 */
	bool user;           /* raised in ring 3; otherwise in ring 0 (a bug in hlrun) */
	uint64_t error_code; /* 0 for vectors without one */
	uint64_t cr2;        /* the faulting address of a page fault */
	struct hv_regs regs; /* the registers when it happened */
};

/* Why the vCPU stopped. */
enum hv_exit_kind {
	HV_EXIT_IO,          /* port I/O from ring 3: port, size, direction, value */
	HV_EXIT_EXCEPTION,   /* a CPU exception: fault */
	HV_EXIT_HLT,         /* hlt */
	HV_EXIT_SHUTDOWN,    /* triple fault */
	HV_EXIT_MMIO,        /* access to a guest-physical address outside memory */
	HV_EXIT_FAIL_ENTRY,  /* hardware refused to enter the guest */
	HV_EXIT_INTERNAL,    /* KVM could not emulate or handle the guest */
	HV_EXIT_INTERRUPTED, /* the kick signal arrived (see hv_set_kick_signal()) */
	HV_EXIT_HOST_FAULT,  /* KVM could not read the host memory behind a guest page (a
			      * window whose file shrank, for one); the vCPU cannot go on */
	HV_EXIT_OTHER,       /* any other exit reason */
};

struct hv_exit {
	enum hv_exit_kind kind;
	uint64_t rip;       /* guest RIP after the exit */
	uint16_t port;      /* HV_EXIT_IO */
	uint8_t size;       /* HV_EXIT_IO: 1, 2 or 4; HV_EXIT_MMIO: bytes accessed */
	uint8_t is_write;   /* HV_EXIT_IO (out), HV_EXIT_MMIO */
	uint32_t value;     /* HV_EXIT_IO out: the value written (first element) */
	uint32_t count;     /* HV_EXIT_IO: repetitions (string I/O) */
	uint64_t addr;      /* HV_EXIT_MMIO: guest-physical address */
	uint64_t reason;    /* raw KVM exit reason, or hardware/sub-error code */
	const char *name;   /* the KVM exit reason's name, for messages */
	struct hv_fault fault; /* HV_EXIT_EXCEPTION */
};

/* Runs the vCPU until it exits and describes the exit in *ex.  An I/O IN exit is answered
 * with all ones, as by an absent device.  Errors: HL_E_INTERNAL when KVM_RUN fails. */
enum hl_err hv_run(struct hv_vm *vm, struct hv_exit *ex, struct hl_diag *d);

/* Arranges that signo interrupts hv_run(): the signal must be blocked in the calling
 * thread and have a handler; it is unblocked only while the guest runs, so a signal that
 * arrives between two runs still stops the next one at once (no lost wake-up). */
enum hl_err hv_set_kick_signal(struct hv_vm *vm, int signo, struct hl_diag *d);

#endif
