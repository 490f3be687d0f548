/* The sandbox confines hlrun itself: once the VM is built and before any guest code runs,
 * a seccomp filter allows only the system calls that running the vCPU and serving the
 * allowed host functions need.  Anything else kills the process (SIGSYS). */
#include "core/core_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>

/* The run loop, the timer and its signal, memory for messages and host replies,
 * HostPrint and error output, GetTimeNs, GetRandom, ReadFile (read-only opens below the
 * directories opened before confinement), and the way out: releasing the VM, restoring
 * signals, exiting. */
static const int allowed_syscalls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(close),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(brk), SCMP_SYS(mmap),
	SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(mprotect),
	SCMP_SYS(futex), SCMP_SYS(clock_gettime), SCMP_SYS(getrandom),
	SCMP_SYS(timer_settime), SCMP_SYS(timer_delete), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigtimedwait),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill), SCMP_SYS(exit),
	SCMP_SYS(exit_group),
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer stops the process at exit with a ptrace helper that lists
	 * /proc/self/task with the legacy getdents(2); a report duplicates descriptors. */
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(ptrace), SCMP_SYS(prctl), SCMP_SYS(wait4),
	SCMP_SYS(sched_yield), SCMP_SYS(getdents), SCMP_SYS(getdents64), SCMP_SYS(sigaltstack),
	SCMP_SYS(getppid), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(getrlimit),
	SCMP_SYS(prlimit64), SCMP_SYS(dup), SCMP_SYS(fcntl),
#endif
#ifdef HLRUN_COVERAGE
	/* gcov writes its counts at exit into each .gcda file, locked (opened below). */
	SCMP_SYS(fcntl),
#endif
};

/* ioctl: the VM's and vCPU's own requests, and the terminal query stdio makes on first
 * output. */
static int allow_ioctls(scmp_filter_ctx ctx, const struct hv_vm *vm)
{
	struct hv_ioctl calls[16];
	size_t n = hv_run_ioctls(vm, calls, sizeof calls / sizeof calls[0]);
	int rc = n > sizeof calls / sizeof calls[0] ? -EOVERFLOW : 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)calls[i].fd),
				      SCMP_A1(SCMP_CMP_EQ, calls[i].request));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, TCGETS));
	return rc;
}

/* Files open for reading only: ReadFile may not create or write anything.  LeakSanitizer
 * reads /proc/self/task with the legacy open(2), so sanitizer builds allow that as well;
 * coverage builds open their .gcda files as gcov does, read-write and created if need be
 * (but never exclusively or truncated). */
static int allow_open_read_only(scmp_filter_ctx ctx)
{
	const scmp_datum_t mask = O_ACCMODE | O_CREAT | O_TRUNC;
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				  SCMP_A2(SCMP_CMP_MASKED_EQ, mask, O_RDONLY));
#ifdef __SANITIZE_ADDRESS__
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, mask, O_RDONLY));
#endif
#ifdef HLRUN_COVERAGE
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, mask | O_EXCL,
					      O_RDWR | O_CREAT));
#endif
	return rc;
}

/* Saving a snapshot writes the temporary file created before confinement and syncs it;
 * the helper process renames or removes it when told on a socket made before
 * (core/snapshot_write.c). */
static int allow_save(scmp_filter_ctx ctx)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fsync), 0);

	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 0);
	return rc;
}

enum hl_err sbx_confine(struct sbx *s, struct hl_diag *d)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = ctx == NULL ? -ENOMEM : 0;

	for (size_t i = 0; i < sizeof allowed_syscalls / sizeof allowed_syscalls[0] && rc == 0;
	     i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0);
	if (rc == 0)
		rc = allow_ioctls(ctx, s->vm);
	if (rc == 0)
		rc = allow_open_read_only(ctx);
	if (rc == 0 && s->cfg.save_path != NULL)
		rc = allow_save(ctx);
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot install the seccomp filter: %s "
			       "(--no-seccomp runs without it)", strerror(-rc));
	return HL_OK;
}
