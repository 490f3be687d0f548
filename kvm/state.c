/* The vCPU state a snapshot keeps beyond the general registers, and guest pages dirtied
 * since the last look: what saving and restoring a sandbox needs from KVM. */
#include "kvm/kvm_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#define STATE_VERSION 1u
#define MXCSR_RESERVED 0xffff0000u

/* MSRs a guest at CPL 0 may change and a restore must put back; EFER and the segment
 * bases travel in kvm_sregs.  Only these are ever written from a state. */
static const uint32_t saved_msrs[] = {
	0xc0000081, /* STAR */
	0xc0000082, /* LSTAR */
	0xc0000083, /* CSTAR */
	0xc0000084, /* SFMASK */
	0xc0000102, /* KERNEL_GS_BASE */
	0x00000174, /* SYSENTER_CS */
	0x00000175, /* SYSENTER_ESP */
	0x00000176, /* SYSENTER_EIP */
	0x00000277, /* PAT */
};
#define NMSRS (sizeof saved_msrs / sizeof saved_msrs[0])

struct state_blob {
	uint32_t version;
	uint32_t nmsrs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_debugregs dregs;
	struct kvm_msr_entry msrs[NMSRS];
};

_Static_assert(sizeof(struct state_blob) <= HV_STATE_SIZE, "HV_STATE_SIZE too small");

/* struct kvm_msrs ends in a flexible array: give it room for ours. */
struct msr_list {
	struct kvm_msrs head;
	struct kvm_msr_entry entries[NMSRS];
};

static enum hl_err vcpu_ioctl(struct hv_vm *vm, unsigned long req, void *arg, const char *what,
			      enum hl_err class, struct hl_diag *d)
{
	if (ioctl(vm->vcpu_fd, req, arg) < 0)
		return hl_fail(d, class, "cannot %s of the vCPU: %s", what, strerror(errno));
	return HL_OK;
}

static enum hl_err get_msrs(struct hv_vm *vm, struct state_blob *b, struct hl_diag *d)
{
	struct msr_list l = { .head.nmsrs = NMSRS };
	int n;

	for (size_t i = 0; i < NMSRS; i++)
		l.entries[i].index = saved_msrs[i];
	n = ioctl(vm->vcpu_fd, KVM_GET_MSRS, &l);
	if (n != (int)NMSRS)
		return hl_fail(d, HL_E_INTERNAL, "cannot read the vCPU's MSRs (%d of %zu): %s", n,
			       NMSRS, n < 0 ? strerror(errno) : "refused");
	b->nmsrs = NMSRS;
	memcpy(b->msrs, l.entries, sizeof b->msrs);
	return HL_OK;
}

enum hl_err hv_get_state(struct hv_vm *vm, struct hv_state *st, struct hl_diag *d)
{
	struct state_blob b;
	enum hl_err err;

	memset(&b, 0, sizeof b);
	b.version = STATE_VERSION;
	err = vcpu_ioctl(vm, KVM_GET_SREGS, &b.sregs, "read the special registers",
			 HL_E_INTERNAL, d);
	if (err == HL_OK)
		err = vcpu_ioctl(vm, KVM_GET_FPU, &b.fpu, "read the FPU state", HL_E_INTERNAL, d);
	if (err == HL_OK)
		err = vcpu_ioctl(vm, KVM_GET_DEBUGREGS, &b.dregs, "read the debug registers",
				 HL_E_INTERNAL, d);
	if (err == HL_OK)
		err = get_msrs(vm, &b, d);
	if (err != HL_OK)
		return err;
	memset(st, 0, sizeof *st);
	memcpy(st->bytes, &b, sizeof b);
	return HL_OK;
}

/* A state may come from a file: only our MSRs, and an MXCSR the CPU would load. */
static enum hl_err check_blob(const struct state_blob *b, struct hl_diag *d)
{
	if (b->version != STATE_VERSION || b->nmsrs != NMSRS)
		return hl_fail(d, HL_E_INVALID, "vCPU state has version %u with %u MSRs, expected "
			       "version %u with %zu", b->version, b->nmsrs, STATE_VERSION, NMSRS);
	for (size_t i = 0; i < NMSRS; i++) {
		if (b->msrs[i].index != saved_msrs[i])
			return hl_fail(d, HL_E_INVALID, "vCPU state names MSR 0x%x where 0x%x "
				       "belongs", b->msrs[i].index, saved_msrs[i]);
	}
	if (b->fpu.mxcsr & MXCSR_RESERVED)
		return hl_fail(d, HL_E_INVALID, "vCPU state has MXCSR 0x%x with reserved bits set",
			       b->fpu.mxcsr);
	return HL_OK;
}

enum hl_err hv_set_state(struct hv_vm *vm, const struct hv_state *st, struct hl_diag *d)
{
	struct state_blob b;
	struct msr_list l = { .head.nmsrs = NMSRS };
	enum hl_err err;
	int n;

	memcpy(&b, st->bytes, sizeof b);
	err = check_blob(&b, d);
	if (err == HL_OK)
		err = vcpu_ioctl(vm, KVM_SET_SREGS, &b.sregs, "set the special registers",
				 HL_E_INVALID, d);
	if (err == HL_OK)
		err = vcpu_ioctl(vm, KVM_SET_FPU, &b.fpu, "set the FPU state", HL_E_INVALID, d);
	if (err == HL_OK)
		err = vcpu_ioctl(vm, KVM_SET_DEBUGREGS, &b.dregs, "set the debug registers",
				 HL_E_INVALID, d);
	if (err != HL_OK)
		return err;
	memcpy(l.entries, b.msrs, sizeof l.entries);
	n = ioctl(vm->vcpu_fd, KVM_SET_MSRS, &l);
	if (n != (int)NMSRS)
		return hl_fail(d, HL_E_INVALID, "cannot set the vCPU's MSRs (%d of %zu): %s", n,
			       NMSRS, n < 0 ? strerror(errno) : "refused");
	return HL_OK;
}

uint64_t hv_dirty_words(uint64_t mem_size)
{
	return (mem_size / 4096 + 63) / 64;
}

enum hl_err hv_dirty_log(struct hv_vm *vm, uint64_t *bitmap, struct hl_diag *d)
{
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };

	if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot read the VM's dirty pages: %s",
			       strerror(errno));
	return HL_OK;
}
