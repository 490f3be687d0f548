/* The KVM backend: one VM with one vCPU in 64-bit long mode, guest memory given by the
 * caller, and every VM exit turned into an event.  The only module that sees
 * <linux/kvm.h>; it knows nothing of guests, ELF files or the wire protocol. */
#ifndef KVM_KVM_H
#define KVM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"

struct hv_vm;

/* Opens the KVM device (path NULL means "/dev/kvm") and checks its API version (12) and
 * the capabilities hlrun relies on.  On success *out owns the descriptor (O_CLOEXEC);
 * release it with hv_destroy().  Errors: HL_E_NOKVM when the device is missing, not
 * permitted or too old (the message carries a hint); HL_E_INTERNAL otherwise. */
enum hl_err hv_open(const char *path, struct hv_vm **out, struct hl_diag *d);

/* Creates the VM and its one vCPU on an opened device.  Errors: HL_E_NOKVM when KVM
 * refuses (for example no hardware virtualisation), HL_E_INTERNAL otherwise. */
enum hl_err hv_create_vm(struct hv_vm *vm, struct hl_diag *d);

/* Releases everything hv_open() and later calls acquired.  Accepts NULL. */
void hv_destroy(struct hv_vm *vm);

/* For a seccomp filter: the ioctls that running, reading and restoring the vCPU and
 * reading the dirty log make once the VM is set up, each with its descriptor.  Fills at
 * most max entries of out and returns how many there are. */
struct hv_ioctl {
	int fd;
	unsigned long request;
};
size_t hv_run_ioctls(const struct hv_vm *vm, struct hv_ioctl *out, size_t max);

/* KVM_GET_API_VERSION as reported by the device. */
int hv_api_version(const struct hv_vm *vm);

/* Makes [host, host + size) the guest's physical memory starting at guest address 0.  The
 * caller keeps ownership of the mapping and must keep it alive until hv_destroy().  size
 * must be a multiple of 4096.  With log_dirty, KVM records each page the guest writes
 * (see hv_dirty_log()).  Errors: HL_E_INTERNAL (or HL_E_NOKVM for ENOMEM/EPERM). */
enum hl_err hv_set_memory(struct hv_vm *vm, void *host, uint64_t size, bool log_dirty,
			  struct hl_diag *d);

/* 64-bit words of a bitmap with one bit per 4 KiB page of mem_size bytes. */
uint64_t hv_dirty_words(uint64_t mem_size);

/* Stores in bitmap (hv_dirty_words() words, one bit per page) the pages the guest wrote
 * since the last call (or since hv_set_memory() with log_dirty), and starts a new round.
 * Pages hlrun itself writes are not recorded.  On AMD, every page of the guest's page
 * tables that a walk reads counts as written.  Errors: HL_E_INTERNAL. */
enum hl_err hv_dirty_log(struct hv_vm *vm, uint64_t *bitmap, struct hl_diag *d);

/* A guest-virtual range to map (identity: virtual = physical) with its permissions. */
#define HV_MAP_WRITE 1u
#define HV_MAP_EXEC 2u
struct hv_region {
	uint64_t addr; /* page-aligned */
	uint64_t size; /* page-aligned, non-zero */
	unsigned flags;
};

/* Where long mode's host-built structures go in guest memory: one page for the GDT and
 * TSS at sys_addr (which the caller must also list as a read-only region, since the CPU
 * reads both through virtual addresses), page tables at pt_addr (never mapped for the
 * guest), and the stack used for exceptions (TSS IST1). */
struct hv_boot {
	uint64_t sys_addr;
	uint64_t pt_addr;
	uint64_t pt_size;
	uint64_t ist_top;
	const struct hv_region *regions;
	size_t nregions;
};

/* Bytes of page tables that hv_setup_long_mode() needs for these regions (4 KiB and
 * 2 MiB pages, one PML4), or 0 if a region is malformed or overlaps another. */
uint64_t hv_page_tables_size(const struct hv_region *regions, size_t n);

/* Writes the GDT, TSS and page tables into guest memory (set by hv_set_memory()) and puts
 * the vCPU in 64-bit long mode: paging with NX and write protection, SSE enabled.  Pages
 * not in any region are not present.  Errors: HL_E_INTERNAL (bad layout, ioctl failure). */
enum hl_err hv_setup_long_mode(struct hv_vm *vm, const struct hv_boot *b, struct hl_diag *d);

/* The registers the host reads and writes around an exit. */
struct hv_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

enum hl_err hv_get_regs(struct hv_vm *vm, struct hv_regs *r, struct hl_diag *d);
enum hl_err hv_set_regs(struct hv_vm *vm, const struct hv_regs *r, struct hl_diag *d);

/* The rest of the vCPU's state, which a snapshot keeps and a restore puts back: control,
 * segment and descriptor-table registers, EFER, the x87/SSE state, debug registers and
 * the system-call MSRs.  Opaque to callers; a fixed size, so it can be stored in a file
 * (hv_set_state() lets KVM refuse a state that is not valid). */
#define HV_STATE_SIZE 2048
struct hv_state {
	uint8_t bytes[HV_STATE_SIZE];
};

/* Reads and writes that state.  Errors: HL_E_INTERNAL, or for hv_set_state() HL_E_INVALID
 * when KVM refuses the state (the message names which part). */
enum hl_err hv_get_state(struct hv_vm *vm, struct hv_state *st, struct hl_diag *d);
enum hl_err hv_set_state(struct hv_vm *vm, const struct hv_state *st, struct hl_diag *d);

/* Why the vCPU stopped. */
enum hv_exit_kind {
	HV_EXIT_IO,          /* port I/O: port, size, direction, value */
	HV_EXIT_HLT,         /* hlt */
	HV_EXIT_SHUTDOWN,    /* triple fault */
	HV_EXIT_MMIO,        /* access to a guest-physical address outside memory */
	HV_EXIT_FAIL_ENTRY,  /* hardware refused to enter the guest */
	HV_EXIT_INTERNAL,    /* KVM could not emulate or handle the guest */
	HV_EXIT_INTERRUPTED, /* the kick signal arrived (see hv_set_kick_signal()) */
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
};

/* Runs the vCPU until it exits and describes the exit in *ex.  An I/O IN exit is answered
 * with all ones, as by an absent device.  Errors: HL_E_INTERNAL when KVM_RUN fails. */
enum hl_err hv_run(struct hv_vm *vm, struct hv_exit *ex, struct hl_diag *d);

/* Arranges that signo interrupts hv_run(): the signal must be blocked in the calling
 * thread and have a handler; it is unblocked only while the guest runs, so a signal that
 * arrives between two runs still stops the next one at once (no lost wake-up). */
enum hl_err hv_set_kick_signal(struct hv_vm *vm, int signo, struct hl_diag *d);

#endif
