/* State shared by the files of the KVM backend. */
#ifndef KVM_KVM_INTERNAL_H
#define KVM_KVM_INTERNAL_H

#include <linux/kvm.h>

#include "kvm/kvm.h"

struct hv_vm {
	const char *path; /* the device, for messages; the caller's string */
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	int api_version;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem; /* guest physical memory, owned by the caller */
	uint64_t mem_size;
};

#endif
