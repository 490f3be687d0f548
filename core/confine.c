/* hlrun confines itself in two stages of seccomp filters, which stack.  Before it reads
 * any input, the process may make only the system calls that reading its target,
 * building sandboxes and saving snapshots need: no exec, no network, no namespaces, no
 * other process.  Once a sandbox's VM is built and before any guest code runs, a second
 * filter keeps only what running the vCPU and serving the host functions the policy
 * allows need.  Anything else kills the process (SIGSYS). */
#include "core/core_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

/* Both stages: the run loop, the timer and its signal, memory for messages and host
 * replies, HostPrint and error output, GetTimeNs, ReadFile's reads, and the way out:
 * releasing the VM, restoring signals, exiting. */
static const int allowed_syscalls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(close),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(brk), SCMP_SYS(mmap),
	SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(mprotect),
	SCMP_SYS(futex), SCMP_SYS(clock_gettime),
	SCMP_SYS(timer_settime), SCMP_SYS(timer_delete), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigtimedwait),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill), SCMP_SYS(exit),
	SCMP_SYS(exit_group),
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer stops the process at exit with a ptrace helper that lists
	 * /proc/self/task with the legacy getdents(2); a report duplicates descriptors. */
	SCMP_SYS(clone), SCMP_SYS(ptrace), SCMP_SYS(prctl), SCMP_SYS(wait4),
	SCMP_SYS(sched_yield), SCMP_SYS(getdents), SCMP_SYS(getdents64), SCMP_SYS(sigaltstack),
	SCMP_SYS(getppid), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(getrlimit),
	SCMP_SYS(prlimit64), SCMP_SYS(dup), SCMP_SYS(fcntl),
#endif
#ifdef HLRUN_COVERAGE
	/* gcov writes its counts at exit into each .gcda file, locked (opened below). */
	SCMP_SYS(fcntl),
#endif
};

/* The first stage only: opening the target, /dev/kvm, ReadFile's entries, a snapshot's
 * temporary file and key (and making its directory); memory files and their seals; the
 * timer; random bytes; the snapshot helper (a double fork over a socket pair, which
 * renames or removes the file); installing the second stage. */
static const int setup_syscalls[] = {
	SCMP_SYS(openat), SCMP_SYS(readlink), SCMP_SYS(getcwd), SCMP_SYS(access),
	SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(statx),
	SCMP_SYS(mkdir), SCMP_SYS(pread64), SCMP_SYS(memfd_create), SCMP_SYS(ftruncate),
	SCMP_SYS(fcntl), SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(timer_create),
	SCMP_SYS(getrandom), SCMP_SYS(wait4), SCMP_SYS(pipe2), SCMP_SYS(dup2), SCMP_SYS(dup3),
	SCMP_SYS(close_range), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(unlink),
	SCMP_SYS(unlinkat), SCMP_SYS(fsync), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(set_robust_list), SCMP_SYS(seccomp),
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer's tracer, a process of its own that dies alone when it is killed,
	 * leaving hlrun waiting for it: see allow_open_read_only(). */
	SCMP_SYS(open),
#endif
};

/* fork, but no new namespace; socketpair of Unix sockets only; prctl only as libseccomp
 * installs a filter; ioctl only KVM's requests (on any descriptor: the VMs are not made
 * yet) and the terminal query stdio makes, never one that could push input into a
 * terminal. */
static int allow_setup_with_arguments(scmp_filter_ctx ctx)
{
	const scmp_datum_t ns = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
				CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				  SCMP_A0(SCMP_CMP_MASKED_EQ, ns, 0));

	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
				      SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				      SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff00, HV_IOCTL_TYPE << 8));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, TCGETS));
	return rc;
}

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

/* Files open for reading only, and only for ReadFile (read_file): it may not create or
 * write anything.  LeakSanitizer reads /proc/self/task with the legacy open(2), so
 * sanitizer builds allow that as well; coverage builds open their .gcda files as gcov
 * does, read-write and created if need be (but never exclusively or truncated). */
static int allow_open_read_only(scmp_filter_ctx ctx, bool read_file)
{
	const scmp_datum_t mask = O_ACCMODE | O_CREAT | O_TRUNC;
	int rc = 0;

	if (read_file)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
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

/* allowed_syscalls; and clone3, whose flags a filter cannot read, failing as if the
 * kernel had none, so that the C library (or a sanitizer's runtime) falls back to clone. */
static int allow_both_stages(scmp_filter_ctx ctx)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);

	for (size_t i = 0; i < sizeof allowed_syscalls / sizeof allowed_syscalls[0] && rc == 0;
	     i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_syscalls[i], 0);
	return rc;
}

/* Loads the filter ctx holds (rc: how building it went) and releases it. */
static enum hl_err load(scmp_filter_ctx ctx, int rc, struct hl_diag *d)
{
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot install the seccomp filter: %s "
			       "(--no-seccomp runs without it)", strerror(-rc));
	return HL_OK;
}

enum hl_err sbx_confine_process(struct hl_diag *d)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = ctx == NULL ? -ENOMEM : 0;

	if (rc == 0)
		rc = allow_both_stages(ctx);
	for (size_t i = 0; i < sizeof setup_syscalls / sizeof setup_syscalls[0] && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, setup_syscalls[i], 0);
	if (rc == 0)
		rc = allow_setup_with_arguments(ctx);
	return load(ctx, rc, d);
}

/* GetRandom's getrandom and ReadFile's opens are allowed only when the policy allows the
 * host function; saving a snapshot's fsync and sendto only when saving. */
enum hl_err sbx_confine(struct sbx *s, struct hl_diag *d)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = ctx == NULL ? -ENOMEM : 0;

	if (rc == 0)
		rc = allow_both_stages(ctx);
	if (rc == 0)
		rc = allow_ioctls(ctx, s->vm);
	if (rc == 0 && sbx_allows(s, "GetRandom"))
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getrandom), 0);
	if (rc == 0)
		rc = allow_open_read_only(ctx, sbx_allows(s, "ReadFile"));
	if (rc == 0 && s->cfg.save_path != NULL)
		rc = allow_save(ctx);
	return load(ctx, rc, d);
}
