/* The vCPU state the guest can change from ring 3, which a snapshot keeps and a restore
 * puts back, and the guest pages dirtied since the last look.  Ring 3 cannot change
 * control or descriptor-table registers, MSRs or XCR0: those are hv_setup()'s, and a
 * state (which may come from a file) never carries them.  Only its exceptions touch a
 * debug register (DR6) or leave an event pending, and a restore resets both then. */
#include "kvm/kvm_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#define STATE_VERSION 2u
#define NSEGS 4
#define MXCSR_RESERVED 0xffff0000u
#define DR6_RESET 0xffff0ff0u
#define DR7_RESET 0x400u
/* Offsets in the (standard-format) XSAVE area. */
#define XSAVE_MXCSR 24
#define XSAVE_XSTATE_BV 512
#define XSAVE_XCOMP_BV 520

/* A data segment register as ring 3 can load it: a null selector or one of the GDT's
 * ring-3 descriptors, and a base (which only FS and GS use in 64-bit mode). */
struct seg_state {
	uint64_t base;
	uint16_t selector;
	uint16_t pad[3];
};

struct state_blob {
	uint32_t version;
	uint32_t pad;
	uint64_t xcr0;                /* in force when taken; 0 when XSAVE was not enabled */
	struct seg_state seg[NSEGS];  /* DS, ES, FS, GS */
	struct kvm_xsave xsave;       /* x87, SSE, AVX, AVX-512 */
};

_Static_assert(sizeof(struct state_blob) <= HV_STATE_SIZE, "HV_STATE_SIZE too small");

static const char *const seg_names[NSEGS] = { "DS", "ES", "FS", "GS" };

static struct kvm_segment *seg_of(struct kvm_sregs *s, int i)
{
	struct kvm_segment *segs[NSEGS] = { &s->ds, &s->es, &s->fs, &s->gs };

	return segs[i];
}

enum hl_err hv_get_state(struct hv_vm *vm, struct hv_state *st, struct hl_diag *d)
{
	struct state_blob b;
	struct kvm_sregs s;

	memset(&b, 0, sizeof b);
	b.version = STATE_VERSION;
	b.xcr0 = vm->xcr0;
	/* Segment registers set since the last run are still in the run area. */
	if (vm->run->kvm_dirty_regs & KVM_SYNC_X86_SREGS)
		s = vm->run->s.regs.sregs;
	else if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s) < 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot read the vCPU's segment registers: %s",
			       strerror(errno));
	for (int i = 0; i < NSEGS; i++)
		b.seg[i] = (struct seg_state){ .base = seg_of(&s, i)->base,
					       .selector = seg_of(&s, i)->selector };
	if (ioctl(vm->vcpu_fd, KVM_GET_XSAVE, &b.xsave) < 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot read the vCPU's FPU state: %s",
			       strerror(errno));
	memset(st, 0, sizeof *st);
	memcpy(st->bytes, &b, sizeof b);
	return HL_OK;
}

/* Rebuilds segment i from what ring 3 could have loaded: the GDT's own descriptor for
 * the selector, or a null segment. */
static enum hl_err load_seg(const struct hv_vm *vm, struct kvm_sregs *s, int i,
			    const struct seg_state *ss, struct hl_diag *d)
{
	struct kvm_segment *seg = seg_of(s, i);
	uint16_t index = ss->selector & ~3u;
	bool has_base = i >= 2;

	if (index == 0)
		*seg = (struct kvm_segment){ .selector = ss->selector, .unusable = 1 };
	else if (index == SEL_UDATA)
		*seg = vm->sregs.ds;
	else if (index == SEL_UCODE)
		*seg = vm->sregs.cs;
	else
		return hl_fail(d, HL_E_INVALID, "vCPU state: %s selector 0x%x is not one ring 3 "
			       "can load", seg_names[i], ss->selector);
	if (has_base && (uint64_t)((int64_t)(ss->base << 16) >> 16) != ss->base)
		return hl_fail(d, HL_E_INVALID, "vCPU state: %s base 0x%llx is not canonical",
			       seg_names[i], (unsigned long long)ss->base);
	seg->selector = ss->selector;
	seg->base = has_base ? ss->base : 0;
	return HL_OK;
}

/* The XSAVE area in the standard format, with features KVM supports and a valid MXCSR:
 * a state from another machine names what this one lacks before KVM refuses it. */
static enum hl_err check_xsave(const struct hv_vm *vm, const struct state_blob *b,
			       struct hl_diag *d)
{
	const uint8_t *x = (const uint8_t *)b->xsave.region;
	uint64_t xstate_bv, xcomp_bv;
	uint32_t mxcsr;

	memcpy(&mxcsr, x + XSAVE_MXCSR, sizeof mxcsr);
	memcpy(&xstate_bv, x + XSAVE_XSTATE_BV, sizeof xstate_bv);
	memcpy(&xcomp_bv, x + XSAVE_XCOMP_BV, sizeof xcomp_bv);
	if (mxcsr & MXCSR_RESERVED)
		return hl_fail(d, HL_E_INVALID, "vCPU state has MXCSR 0x%x with reserved bits set",
			       mxcsr);
	if (xcomp_bv != 0)
		return hl_fail(d, HL_E_INVALID, "vCPU state has its XSAVE area in the compacted "
			       "format (XCOMP_BV 0x%llx)", (unsigned long long)xcomp_bv);
	if (xstate_bv & ~vm->xfeatures)
		return hl_fail(d, HL_E_INVALID, "vCPU state holds CPU state 0x%llx (saved with "
			       "XCR0 0x%llx) that this KVM does not offer (0x%llx)",
			       (unsigned long long)xstate_bv, (unsigned long long)b->xcr0,
			       (unsigned long long)vm->xfeatures);
	return HL_OK;
}

/* After a run that ended in an exception, a signal or a shutdown: no event pending (the
 * timer may have cut an exception's delivery short), debug registers as at reset (a #DB
 * sets DR6).  A run that ended at a port of ring 3 leaves neither. */
static enum hl_err clean_up(struct hv_vm *vm, struct hl_diag *d)
{
	struct kvm_vcpu_events none;
	struct kvm_debugregs dr = { .dr6 = DR6_RESET, .dr7 = DR7_RESET };

	memset(&none, 0, sizeof none);
	if (ioctl(vm->vcpu_fd, KVM_SET_VCPU_EVENTS, &none) < 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot clear the vCPU's pending events: %s",
			       strerror(errno));
	if (ioctl(vm->vcpu_fd, KVM_SET_DEBUGREGS, &dr) < 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot reset the vCPU's debug registers: %s",
			       strerror(errno));
	vm->unclean = false;
	return HL_OK;
}

enum hl_err hv_set_state(struct hv_vm *vm, const struct hv_state *st, struct hl_diag *d)
{
	struct state_blob b;
	struct kvm_sregs s = vm->sregs;
	enum hl_err err = HL_OK;

	memcpy(&b, st->bytes, sizeof b);
	if (b.version != STATE_VERSION)
		return hl_fail(d, HL_E_INVALID, "vCPU state has version %u, expected %u",
			       b.version, STATE_VERSION);
	for (int i = 0; i < NSEGS && err == HL_OK; i++)
		err = load_seg(vm, &s, i, &b.seg[i], d);
	if (err == HL_OK)
		err = check_xsave(vm, &b, d);
	if (err != HL_OK)
		return err;
	/* The segment registers travel in the run area like the others, and KVM loads and
	 * checks them at the next KVM_RUN (hv_run() names them when it refuses): one
	 * system call fewer at every restore. */
	vm->run->s.regs.sregs = s;
	vm->run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
	if (ioctl(vm->vcpu_fd, KVM_SET_XSAVE, &b.xsave) < 0)
		return hl_fail(d, HL_E_INVALID, "KVM refuses the vCPU state's FPU state: %s",
			       strerror(errno));
	return vm->unclean ? clean_up(vm, d) : HL_OK;
}

uint64_t hv_dirty_words(uint64_t mem_size)
{
	return (mem_size / HL_PAGE_SIZE + 63) / 64;
}

enum hl_err hv_dirty_log(struct hv_vm *vm, uint64_t *bitmap, struct hl_diag *d)
{
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = bitmap };

	if (ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot read the VM's dirty pages: %s",
			       strerror(errno));
	return HL_OK;
}

enum hl_err hv_dirty_clear(struct hv_vm *vm, uint64_t *bitmap, struct hl_diag *d)
{
	struct kvm_clear_dirty_log clear = {
		.slot = 0,
		.num_pages = (uint32_t)(vm->mem_size / HL_PAGE_SIZE),
		.first_page = 0,
		.dirty_bitmap = bitmap,
	};

	if (vm->manual_clear && ioctl(vm->vm_fd, KVM_CLEAR_DIRTY_LOG, &clear) < 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot clear the VM's dirty pages: %s",
			       strerror(errno));
	return HL_OK;
}
