/* Builds hlrun's seccomp filters when hlrun is built and writes them as C: the rules are
 * libseccomp's to compile, and hlrun installs the BPF as it is (core/confine.c), with no
 * filter built at run time.  The two stages:
 *
 * - Before hlrun reads any input, the process may make only the system calls that
 *   reading its target, building sandboxes and saving snapshots need: no exec, no
 *   network, no namespaces, no other process.
 * - Once a sandbox's VM is built and before any guest code runs, a second filter keeps
 *   only what running the vCPU and serving the host functions the policy allows need,
 *   one program for each combination of CF_RUN_* bits.  Its ioctl rules name the vCPU
 *   and VM descriptors, known only then: here they are placeholders, and the output
 *   lists every instruction that compares with one, for core/confine.c to fill in.
 *
 * Anything else kills the process (SIGSYS).  Usage: confine_gen OUTPUT.c; any failure
 * prints one line and exits with status 1, writing nothing. */
#include "core/confine_bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The constant a rule compares a descriptor with until it is known, distinct from every
 * system call number, flag and ioctl request in the rules (checked: a program with one
 * anywhere but in a comparison of a whole argument is refused). */
#define PLACEHOLDER_BASE 0x5ec0f000u
#define PLACEHOLDERS 2

static scmp_datum_t placeholder(enum hv_fd fd)
{
	return PLACEHOLDER_BASE + (scmp_datum_t)fd;
}

static const char *prog_name = "confine_gen";

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

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
 * or core file's temporary file and key (and making its directory); memory files and
 * their seals; the timer; random bytes; the helper of such a file (a double fork over a
 * socket pair, which renames, links or removes it); waiting for a host process and
 * reaping it; installing the second stage. */
static const int setup_syscalls[] = {
	SCMP_SYS(openat), SCMP_SYS(readlink), SCMP_SYS(getcwd), SCMP_SYS(access),
	SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(statx),
	SCMP_SYS(mkdir), SCMP_SYS(pread64), SCMP_SYS(memfd_create), SCMP_SYS(ftruncate),
	SCMP_SYS(fcntl), SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(timer_create),
	SCMP_SYS(getrandom), SCMP_SYS(wait4), SCMP_SYS(pipe2), SCMP_SYS(dup2), SCMP_SYS(dup3),
	SCMP_SYS(close_range), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(link),
	SCMP_SYS(linkat), SCMP_SYS(unlink),
	SCMP_SYS(unlinkat), SCMP_SYS(fsync), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(set_robust_list), SCMP_SYS(seccomp), SCMP_SYS(ppoll), SCMP_SYS(waitid),
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer's tracer, a process of its own that dies alone when it is killed,
	 * leaving hlrun waiting for it: see allow_open_read_only(). */
	SCMP_SYS(open),
#endif
};

/* fork, but no new namespace; socketpair of Unix sockets only; prctl only to set "no new
 * privileges" before core/confine.c installs a filter; ioctl only KVM's requests (on any descriptor: the VMs are not made
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

/* ioctl: the VM's and vCPU's own requests, each on its descriptor (a placeholder here),
 * and the terminal query stdio makes on first output. */
static int allow_ioctls(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (size_t i = 0; i < hv_run_ioctl_count && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
				      SCMP_A0(SCMP_CMP_EQ, placeholder(hv_run_ioctls[i].fd)),
				      SCMP_A1(SCMP_CMP_EQ, hv_run_ioctls[i].request));
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

/* Serving the caller's host functions (struct sbx_extern) waits for its process's pipes
 * with a deadline, and reaps the process when it has ended, to say how.  Reading and
 * writing the pipes, made before confinement, needs nothing more. */
static int allow_extern(scmp_filter_ctx ctx)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ppoll), 0);

	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(waitid), 0);
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

/* The first stage's rules (it has no variants). */
static int setup_rules(scmp_filter_ctx ctx, unsigned variant)
{
	int rc = allow_both_stages(ctx);

	(void)variant;
	for (size_t i = 0; i < sizeof setup_syscalls / sizeof setup_syscalls[0] && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, setup_syscalls[i], 0);
	if (rc == 0)
		rc = allow_setup_with_arguments(ctx);
	return rc;
}

/* The second stage's rules for the CF_RUN_* bits of variant: getrandom only where the
 * policy allows GetRandom, ReadFile's opens only where it allows ReadFile, saving a
 * snapshot's fsync and sendto only when saving, waiting for a host process only when
 * there is one. */
static int run_rules(scmp_filter_ctx ctx, unsigned variant)
{
	int rc = allow_both_stages(ctx);

	if (rc == 0)
		rc = allow_ioctls(ctx);
	if (rc == 0 && (variant & CF_RUN_GETRANDOM))
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getrandom), 0);
	if (rc == 0)
		rc = allow_open_read_only(ctx, (variant & CF_RUN_READ_FILE) != 0);
	if (rc == 0 && (variant & CF_RUN_SAVE))
		rc = allow_save(ctx);
	if (rc == 0 && (variant & CF_RUN_EXTERN))
		rc = allow_extern(ctx);
	return rc;
}

/* The program of one stage, compiled by libseccomp, in *insns (malloc'd) and *n. */
static void compile(const char *name, int (*rules)(scmp_filter_ctx, unsigned), unsigned arg,
		    struct sock_filter **insns, size_t *n)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int fd = memfd_create("bpf", MFD_CLOEXEC), rc;
	off_t size;

	if (ctx == NULL || fd < 0)
		die("%s: cannot start: %s", name, strerror(errno));
	/* A binary tree of system call numbers rather than a chain: the kernel runs the
	 * program once for every system call number when it is installed (its cache of
	 * calls always allowed), and the first stage then installs in 0.12 ms instead of
	 * 0.18 ms on PVM. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc == 0)
		rc = rules(ctx, arg);
	if (rc == 0)
		rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc != 0)
		die("%s: libseccomp: %s", name, strerror(-rc));
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof **insns != 0)
		die("%s: libseccomp wrote %lld bytes, not whole instructions", name,
		    (long long)size);
	*n = (size_t)size / sizeof **insns;
	if (*n > CF_MAX_INSNS)
		die("%s: %zu instructions, more than CF_MAX_INSNS (%d)", name, *n, CF_MAX_INSNS);
	*insns = malloc((size_t)size);
	if (*insns == NULL || pread(fd, *insns, (size_t)size, 0) != size)
		die("%s: cannot read the program back: %s", name, strerror(errno));
	close(fd);
}

/* Writes one program and its patches as C; a placeholder anywhere but as the constant of
 * a "jump if equal" is refused, as is a patched program with no comparison left to patch
 * for a descriptor its rules name, or a first stage with any. */
static void emit(FILE *out, const char *name, const struct sock_filter *insns, size_t n,
		 bool patched)
{
	size_t seen[PLACEHOLDERS] = { 0 }, npatches = 0;

	fprintf(out, "static const struct sock_filter %s_insns[%zu] = {\n", name, n);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "\t{ 0x%02x, %u, %u, 0x%08x },\n", insns[i].code, insns[i].jt,
			insns[i].jf, insns[i].k);
	fprintf(out, "};\n\n");
	for (size_t i = 0; i < n; i++) {
		uint32_t p = insns[i].k - PLACEHOLDER_BASE;

		if (insns[i].k < PLACEHOLDER_BASE || p >= PLACEHOLDERS)
			continue;
		if (!patched || insns[i].code != (BPF_JMP | BPF_JEQ | BPF_K))
			die("%s: instruction %zu (code 0x%02x) holds placeholder %u", name, i,
			    insns[i].code, p);
		if (npatches++ == 0)
			fprintf(out, "static const struct cf_patch %s_patches[] = {\n", name);
		fprintf(out, "\t{ %zu, %s },\n", i, p == HV_FD_VCPU ? "HV_FD_VCPU" : "HV_FD_VM");
		seen[p]++;
	}
	if (npatches > 0)
		fprintf(out, "};\n\n");
	for (unsigned p = 0; patched && p < PLACEHOLDERS; p++)
		if (seen[p] == 0)
			die("%s: no comparison with placeholder %u", name, p);
	fprintf(out, "#define %s_PROG { %s_insns, %zu, %s%s, %zu }\n\n", name, name, n,
		npatches > 0 ? name : "NULL", npatches > 0 ? "_patches" : "", npatches);
}

int main(int argc, char **argv)
{
	struct sock_filter *insns;
	char name[16], *tmp;
	size_t n;
	FILE *out;

	if (argc != 2)
		die("usage: confine_gen OUTPUT.c");
	if (asprintf(&tmp, "%s.tmp", argv[1]) < 0 || (out = fopen(tmp, "w")) == NULL)
		die("%s: %s", argv[1], strerror(errno));
	fprintf(out, "/* hlrun's seccomp filters, written by core/confine_gen.c when hlrun was "
		"built.  Do not edit. */\n#include \"core/confine_bpf.h\"\n\n");
	compile("setup", setup_rules, 0, &insns, &n);
	emit(out, "setup", insns, n, false);
	free(insns);
	for (unsigned v = 0; v < CF_RUN_VARIANTS; v++) {
		snprintf(name, sizeof name, "run%u", v);
		compile(name, run_rules, v, &insns, &n);
		emit(out, name, insns, n, true);
		free(insns);
	}
	fprintf(out, "const struct cf_prog cf_setup = setup_PROG;\n\n"
		"const struct cf_prog cf_run[CF_RUN_VARIANTS] = {\n");
	for (unsigned v = 0; v < CF_RUN_VARIANTS; v++)
		fprintf(out, "\trun%u_PROG,\n", v);
	fprintf(out, "};\n");
	if (fclose(out) != 0 || rename(tmp, argv[1]) != 0)
		die("%s: %s", argv[1], strerror(errno));
	free(tmp);
	return 0;
}
