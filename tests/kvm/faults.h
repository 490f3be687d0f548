/* What the fault-injection suites (tests/kvm/test_faults*.c) share: the plan that
 * tests/kvm/faults.c's wrappers follow to make a call fail, answer an ioctl or a KVM_RUN
 * with a made-up value, hide a file or swap one at the worst moment; the blocks hlrun
 * allocated and has not freed; and a call into a sandbox that counts its runs.
 *
 * Each of those binaries is linked with faults.o and with -Wl,--wrap for each function of
 * FAULT_WRAPS (Makefile): calls from hlrun's own objects and the tests' go to the
 * wrappers first; the C library's and other libraries' own calls do not. */
#ifndef TESTS_KVM_FAULTS_H
#define TESTS_KVM_FAULTS_H

#include <linux/kvm.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "core/core.h"
#include "loader/loader.h"

/* The functions that can be made to fail. */
#define FAULTS(X)                                                                         \
	X(malloc) X(calloc) X(realloc) X(strdup) X(ioctl) X(mmap) X(open) X(openat)       \
	X(read) X(pread) X(write) X(memfd_create) X(fcntl) X(fork) X(pipe2) X(socketpair) \
	X(timer_create) X(timer_settime) X(sigaction) X(pthread_sigmask) X(getrandom)     \
	X(mkdir)

enum fault {
#define AS_ENUM(f) F_##f,
	FAULTS(AS_ENUM)
#undef AS_ENUM
	F_NONE,
};

extern const char *const fault_names[F_NONE];

struct fault_plan {
	enum fault fn;     /* the function to fail, or F_NONE */
	unsigned long nth; /* its call to fail, from 1 */
	unsigned long seen;
	bool *fired;       /* shared with the processes hlrun forks, which count too */
	/* A KVM_RUN after init to answer with a made-up exit instead of running it. */
	unsigned long fake_run; /* 0: none; n: the nth KVM_RUN of the call */
	unsigned long runs;
	bool calling;
	void (*fake)(struct kvm_run *run);
	int vcpu_fd;
	struct kvm_run *run;
	/* An ioctl to answer with answer_value instead of asking KVM (request 0: none);
	 * for KVM_CHECK_EXTENSION, only about answer_arg. */
	unsigned long answer_request, answer_arg;
	int answer_value, answer_errno; /* errno with a value of -1 */
	bool hide_modules; /* /sys/module/... does not exist: a KVM of unknown kind */
	/* Called before each openat hlrun makes: a file swapped at the worst moment. */
	void (*before_openat)(int dir, const char *path);
};

extern struct fault_plan plan;

/* The blocks hlrun's objects allocated and have not freed, while on: an open-addressing
 * set of addresses. */
#define LIVE_SLOTS (1u << 16)
struct live_blocks {
	bool on;
	size_t count;
	void *slot[LIVE_SLOTS];
};

extern struct live_blocks live;

/* The functions themselves, past the wrappers and their faults. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void __real_free(void *p);
int __real_ioctl(int fd, unsigned long request, void *arg);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_open(const char *path, int flags, mode_t mode);
int __real_openat(int dir, const char *path, int flags, mode_t mode);
ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __real_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_memfd_create(const char *name, unsigned flags);
int __real_fcntl(int fd, int cmd, long arg);
pid_t __real_fork(void);
int __real_pipe2(int fds[2], int flags);
int __real_socketpair(int domain, int type, int protocol, int fds[2]);
int __real_timer_create(clockid_t clock, struct sigevent *ev, timer_t *t);
int __real_timer_settime(timer_t t, int flags, const struct itimerspec *v,
			 struct itimerspec *old);
int __real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int __real_pthread_sigmask(int how, const sigset_t *set, sigset_t *old);
ssize_t __real_getrandom(void *buf, size_t n, unsigned flags);
int __real_mkdir(const char *path, mode_t mode);
int __real_access(const char *path, int mode);

static inline struct hl_value str(const char *s)
{
	return (struct hl_value){ .type = HL_T_STRING, .len = (uint32_t)strlen(s),
				  .data = (const uint8_t *)s };
}

/* Calls fn(arg) and checks a successful result against want (a string or bytes), or
 * that it is a result at all (want NULL). */
enum hl_err call(struct sbx *s, const struct ldr_guest *g, const char *fn,
		 struct hl_value arg, const char *want, struct hl_diag *d);

#endif
