/* The smallest useful ring-3 KVM VM, for the benchmark's floor and round-trip programs:
 * what any VMM must do to run guest code in ring 3 of 64-bit long mode on every KVM (PVM
 * emulates ring 0, so a ring-0 floor would not be one there), and nothing more: CPUID,
 * one 2 MiB identity page, a GDT and a TSS whose I/O bitmap opens port 0x10, registers.
 * No IDT: the guest never faults. */
#ifndef BENCH_MINIVM_H
#define BENCH_MINIVM_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#define MINIVM_PORT 0x10

struct minivm {
	int kvm;              /* /dev/kvm */
	int vm;
	int vcpu;
	struct kvm_run *run;  /* the vCPU's shared run structure */
	size_t run_size;
	uint8_t *mem;         /* guest memory, MINIVM_MEM bytes at guest address 0 */
};

/* Creates the VM with code (at most 4096 bytes) run in ring 3 from its first byte.  These
 * are measuring tools, not a library: on any failure it prints one line naming the step
 * and exits with status 1. */
void minivm_create(struct minivm *m, const uint8_t *code, size_t len);

/* One KVM_RUN; exits with status 1 if the ioctl fails. */
void minivm_run(struct minivm *m);

/* The byte the guest wrote with the exit that minivm_run() just returned for, checked to
 * be a one-byte `out` to MINIVM_PORT.  Exits with status 1 on any other exit. */
uint8_t minivm_out_byte(const struct minivm *m);

/* Closes and unmaps everything. */
void minivm_destroy(struct minivm *m);

#endif
