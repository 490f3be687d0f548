/* The KVM backend: running the vCPU, naming its exits (ring 0's exception reports among
 * them), registers and the kick signal. */
#include "kvm/kvm_internal.h"
#include "kvm/ring0.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq window open",
	[KVM_EXIT_SHUTDOWN] = "shutdown",
	[KVM_EXIT_FAIL_ENTRY] = "fail entry",
	[KVM_EXIT_INTR] = "interrupted",
	[KVM_EXIT_SET_TPR] = "set tpr",
	[KVM_EXIT_TPR_ACCESS] = "tpr access",
	[KVM_EXIT_NMI] = "nmi",
	[KVM_EXIT_INTERNAL_ERROR] = "internal error",
	[KVM_EXIT_OSI] = "osi",
	[KVM_EXIT_WATCHDOG] = "watchdog",
	[KVM_EXIT_EPR] = "epr",
	[KVM_EXIT_SYSTEM_EVENT] = "system event",
	[KVM_EXIT_IOAPIC_EOI] = "ioapic eoi",
	[KVM_EXIT_HYPERV] = "hyperv",
};

static const char *exit_name(uint32_t reason)
{
	if (reason < sizeof exit_names / sizeof exit_names[0] && exit_names[reason] != NULL)
		return exit_names[reason];
	return "unnamed";
}

/* Port I/O: report an OUT's first element; answer an IN with all ones. */
static void decode_io(struct hv_vm *vm, struct hv_exit *ex)
{
	const struct kvm_run *run = vm->run;
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;
	uint8_t *data = (uint8_t *)vm->run + run->io.data_offset;

	ex->kind = HV_EXIT_IO;
	ex->port = run->io.port;
	ex->size = run->io.size;
	ex->count = run->io.count;
	ex->is_write = run->io.direction == KVM_EXIT_IO_OUT;
	if (run->io.data_offset > vm->run_size || bytes > vm->run_size - run->io.data_offset ||
	    ex->size > sizeof ex->value)
		return;
	if (ex->is_write)
		memcpy(&ex->value, data, ex->size);
	else
		memset(data, 0xff, bytes);
}

static struct hv_regs regs_of(const struct kvm_regs *k)
{
	return (struct hv_regs){
		.rax = k->rax, .rbx = k->rbx, .rcx = k->rcx, .rdx = k->rdx,
		.rsi = k->rsi, .rdi = k->rdi, .rsp = k->rsp, .rbp = k->rbp,
		.r8 = k->r8, .r9 = k->r9, .r10 = k->r10, .r11 = k->r11,
		.r12 = k->r12, .r13 = k->r13, .r14 = k->r14, .r15 = k->r15,
		.rip = k->rip, .rflags = k->rflags,
	};
}

/* PVM runs `syscall` in ring 3 even with EFER.SCE clear: RCX holds the address after it
 * and the fetch at LSTAR (R0_SYSCALL) faults.  Reported as hardware does: #UD at the
 * instruction. */
static void as_hardware_syscall(const struct hv_vm *vm, struct hv_fault *f)
{
	uint64_t at = f->regs.rcx - 2;

	if (f->vector != 14 || f->cr2 != vm->ring0_addr + R0_SYSCALL ||
	    f->regs.rip != f->cr2 || f->regs.rcx < 2 || at >= vm->mem_size - 1 ||
	    vm->mem[at] != 0x0f || vm->mem[at + 1] != 0x05)
		return;
	f->vector = 6;
	f->error_code = 0;
	f->cr2 = 0;
	f->regs.rip = at;
}

/* A report of ring 0's entry code: a 4-byte write to HV_RING0_PORT from the code's own
 * page (which ring 3 cannot execute, and whose port the I/O bitmap keeps closed to it)
 * naming the frame at the top of one of the two exception stacks.  The frame is read
 * from ring 0's memory, which the guest cannot write; the registers it did not save are
 * still the guest's. */
static bool decode_report(struct hv_vm *vm, struct hv_exit *ex)
{
	const uint64_t code = vm->ring0_addr + R0_CODE;
	const uint64_t top = HL_PAGE_SIZE - HV_FRAME_WORDS * 8;
	const uint64_t *w;
	struct hv_fault *f = &ex->fault;

	if (vm->sys == NULL || ex->port != HV_RING0_PORT || !ex->is_write || ex->size != 4 ||
	    ex->count != 1 || ex->rip <= code ||
	    ex->rip > code + hv_ring0_code_size)
		return false;
	if (ex->value != vm->ring0_addr + R0_IST1 + top &&
	    ex->value != vm->ring0_addr + R0_IST2 + top)
		return false;
	w = (const uint64_t *)(const void *)(vm->sys + (ex->value - vm->ring0_addr));
	if (w[HV_FRAME_VECTOR] >= 32)
		return false;
	f->vector = (unsigned)w[HV_FRAME_VECTOR];
	f->user = (w[HV_FRAME_CS] & 3) == 3;
	f->error_code = w[HV_FRAME_ERROR];
	f->cr2 = w[HV_FRAME_CR2];
	f->regs = regs_of(&vm->run->s.regs.regs);
	f->regs.rax = w[HV_FRAME_RAX];
	f->regs.rdx = w[HV_FRAME_RDX];
	f->regs.rip = w[HV_FRAME_RIP];
	f->regs.rsp = w[HV_FRAME_RSP];
	f->regs.rflags = w[HV_FRAME_RFLAGS];
	as_hardware_syscall(vm, f);
	ex->kind = HV_EXIT_EXCEPTION;
	return true;
}

static void decode_exit(struct hv_vm *vm, struct hv_exit *ex)
{
	struct kvm_run *run = vm->run;

	ex->reason = run->exit_reason;
	ex->name = exit_name(run->exit_reason);
	ex->rip = run->s.regs.regs.rip;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		decode_io(vm, ex);
		decode_report(vm, ex);
		break;
	case KVM_EXIT_HLT:
		ex->kind = HV_EXIT_HLT;
		break;
	case KVM_EXIT_SHUTDOWN:
		ex->kind = HV_EXIT_SHUTDOWN;
		break;
	case KVM_EXIT_MMIO:
		ex->kind = HV_EXIT_MMIO;
		ex->addr = run->mmio.phys_addr;
		ex->size = (uint8_t)run->mmio.len;
		ex->is_write = run->mmio.is_write;
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof run->mmio.data);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		ex->kind = HV_EXIT_FAIL_ENTRY;
		ex->reason = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		ex->kind = HV_EXIT_INTERNAL;
		ex->reason = run->internal.suberror;
		if (ex->reason == KVM_INTERNAL_ERROR_EMULATION)
			ex->name = "instruction emulation failed";
		break;
	case KVM_EXIT_INTR:
		ex->kind = HV_EXIT_INTERRUPTED;
		break;
	default:
		ex->kind = HV_EXIT_OTHER;
		break;
	}
}

enum hl_err hv_run(struct hv_vm *vm, struct hv_exit *ex, struct hl_diag *d)
{
	memset(ex, 0, sizeof *ex);
	vm->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
		if (errno == EINVAL && (vm->run->kvm_dirty_regs & KVM_SYNC_X86_SREGS))
			return hl_fail(d, HL_E_INVALID, "KVM refuses the vCPU's segment registers: "
				       "%s", strerror(errno));
		/* KVM could not fault in the host page behind a guest access (the page
		 * fault in the host failed); the guest's registers are not saved. */
		if (errno == EFAULT) {
			ex->kind = HV_EXIT_HOST_FAULT;
			ex->name = "host memory fault";
			vm->unclean = true;
			return HL_OK;
		}
		if (errno != EINTR && errno != EAGAIN)
			return hl_fail(d, HL_E_INTERNAL, "KVM_RUN: %s", strerror(errno));
		/* A signal stopped the vCPU before or during the run; the registers in
		 * the run area are not refreshed then. */
		vm->run->kvm_dirty_regs = 0;
		ex->kind = HV_EXIT_INTERRUPTED;
		ex->name = "interrupted";
		vm->unclean = true;
		return HL_OK;
	}
	vm->run->kvm_dirty_regs = 0;
	decode_exit(vm, ex);
	if (ex->kind != HV_EXIT_IO)
		vm->unclean = true;
	return HL_OK;
}

/* Registers travel in the run area (KVM_CAP_SYNC_REGS): setting them before a call costs
 * no system call; KVM loads them on the next KVM_RUN. */
enum hl_err hv_set_regs(struct hv_vm *vm, const struct hv_regs *r, struct hl_diag *d)
{
	struct kvm_regs *k = &vm->run->s.regs.regs;

	(void)d;
	*k = (struct kvm_regs){
		.rax = r->rax, .rbx = r->rbx, .rcx = r->rcx, .rdx = r->rdx,
		.rsi = r->rsi, .rdi = r->rdi, .rsp = r->rsp, .rbp = r->rbp,
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
		.r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
		.rip = r->rip, .rflags = r->rflags,
	};
	vm->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	return HL_OK;
}

enum hl_err hv_get_regs(struct hv_vm *vm, struct hv_regs *r, struct hl_diag *d)
{
	struct kvm_regs k;

	if (ioctl(vm->vcpu_fd, KVM_GET_REGS, &k) < 0)
		return hl_fail(d, HL_E_INTERNAL, "KVM_GET_REGS: %s", strerror(errno));
	*r = regs_of(&k);
	return HL_OK;
}

enum hl_err hv_set_kick_signal(struct hv_vm *vm, int signo, struct hl_diag *d)
{
	/* The kernel's sigset is 64 bits on x86-64; glibc's sigset_t is larger. */
	struct {
		struct kvm_signal_mask hdr;
		uint8_t set[8];
	} mask;
	sigset_t cur;

	if (pthread_sigmask(SIG_BLOCK, NULL, &cur) != 0 || sigdelset(&cur, signo) != 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot read the signal mask");
	mask.hdr.len = sizeof mask.set;
	memcpy(mask.set, &cur, sizeof mask.set);
	if (ioctl(vm->vcpu_fd, KVM_SET_SIGNAL_MASK, &mask) < 0)
		return hl_fail(d, HL_E_INTERNAL, "KVM_SET_SIGNAL_MASK: %s", strerror(errno));
	return HL_OK;
}
