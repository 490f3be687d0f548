/* The KVM requests a confined sandbox still makes, for the second seccomp stage: a table
 * of its own, with no other code, because core/confine_gen.c links it when hlrun is
 * built. */
#include "kvm/kvm.h"

#include <linux/kvm.h>

_Static_assert(HV_IOCTL_TYPE == KVMIO, "KVM's ioctl type");

const struct hv_ioctl hv_run_ioctls[] = {
	{ HV_FD_VCPU, KVM_RUN },
	{ HV_FD_VCPU, KVM_GET_REGS },
	{ HV_FD_VCPU, KVM_GET_SREGS },
	{ HV_FD_VCPU, KVM_GET_XSAVE },
	{ HV_FD_VCPU, KVM_SET_XSAVE },
	{ HV_FD_VCPU, KVM_SET_VCPU_EVENTS },
	{ HV_FD_VCPU, KVM_SET_DEBUGREGS },
	{ HV_FD_VM, KVM_GET_DIRTY_LOG },
	{ HV_FD_VM, KVM_CLEAR_DIRTY_LOG },
};

const size_t hv_run_ioctl_count = sizeof hv_run_ioctls / sizeof hv_run_ioctls[0];
