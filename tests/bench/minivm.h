/* The smallest useful KVM VM for the benchmark's floor and round-trip programs: one 4 KiB
 * page of guest memory at guest address 0, one vCPU in real mode starting at address 0. */
#ifndef BENCH_MINIVM_H
#define BENCH_MINIVM_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

struct minivm {
	int kvm;              /* /dev/kvm */
	int vm;
	int vcpu;
	struct kvm_run *run;  /* the vCPU's shared run structure */
	size_t run_size;
	void *mem;            /* the guest's one page */
};

/* Creates the VM with code (at most 4096 bytes) at guest address 0, CS base 0, RIP 0.
 * These are measuring tools, not a library: on any failure it prints one line naming
 * the step and exits with status 1. */
void minivm_create(struct minivm *m, const uint8_t *code, size_t len);

/* One KVM_RUN; exits with status 1 if the ioctl fails. */
void minivm_run(struct minivm *m);

/* The byte the guest wrote with the exit that minivm_run() just returned for, checked to
 * be a one-byte `out`; its port in *port.  Exits with status 1 on any other exit. */
uint8_t minivm_out_byte(const struct minivm *m, uint16_t *port);

/* Closes and unmaps everything. */
void minivm_destroy(struct minivm *m);

#endif
