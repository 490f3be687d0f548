/* The fault-injection suites' wrappers (tests/kvm/faults.h): each function of FAULT_WRAPS
 * (Makefile), when the plan says so, fails as the system would, with the errno it would
 * give, or answers for KVM; otherwise it calls the real one.  The allocators also keep
 * the set of blocks still live. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/kvm/faults.h"

const char *const fault_names[F_NONE] = {
#define AS_NAME(f) #f,
	FAULTS(AS_NAME)
#undef AS_NAME
};

struct fault_plan plan = { .fn = F_NONE, .fired = &(bool){ false }, .vcpu_fd = -1 };

struct live_blocks live;

static bool fail_now(enum fault fn)
{
	if (plan.fn != fn || *plan.fired || ++plan.seen != plan.nth)
		return false;
	*plan.fired = true;
	return true;
}

/* ---- The wrappers ----------------------------------------------------------------------- */

/* Declared for -Wmissing-prototypes: only the linker calls them, for their functions. */
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
void __wrap_free(void *p);
int __wrap_ioctl(int fd, unsigned long request, ...);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __wrap_open(const char *path, int flags, ...);
int __wrap_openat(int dir, const char *path, int flags, ...);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __wrap_memfd_create(const char *name, unsigned flags);
int __wrap_fcntl(int fd, int cmd, ...);
pid_t __wrap_fork(void);
int __wrap_pipe2(int fds[2], int flags);
int __wrap_socketpair(int domain, int type, int protocol, int fds[2]);
int __wrap_timer_create(clockid_t clock, struct sigevent *ev, timer_t *t);
int __wrap_timer_settime(timer_t t, int flags, const struct itimerspec *v,
			 struct itimerspec *old);
int __wrap_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
int __wrap_pthread_sigmask(int how, const sigset_t *set, sigset_t *old);
ssize_t __wrap_getrandom(void *buf, size_t n, unsigned flags);
int __wrap_mkdir(const char *path, mode_t mode);
int __wrap_access(const char *path, int mode);

#define FAIL_AS(fn, e, ret)                       \
	do {                                      \
		if (fail_now(F_##fn)) {           \
			errno = (e);              \
			return (ret);             \
		}                                 \
	} while (0)

/* live's slot for p, where the search for a free one or for p starts. */
static size_t slot_of(const void *p)
{
	return ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ull >> 48;
}

static void *track(void *p)
{
	if (p == NULL || !live.on)
		return p;
	for (size_t i = slot_of(p), n = 0; n < LIVE_SLOTS; i = (i + 1) % LIVE_SLOTS, n++)
		if (live.slot[i] == NULL || live.slot[i] == (void *)-1) {
			live.slot[i] = p;
			live.count++;
			return p;
		}
	abort(); /* more live blocks than the set holds */
}

static void untrack(const void *p)
{
	if (p == NULL || !live.on)
		return;
	for (size_t i = slot_of(p), n = 0; n < LIVE_SLOTS && live.slot[i] != NULL;
	     i = (i + 1) % LIVE_SLOTS, n++)
		if (live.slot[i] == p) {
			live.slot[i] = (void *)-1;
			live.count--;
			return;
		}
}

void *__wrap_malloc(size_t n)
{
	FAIL_AS(malloc, ENOMEM, NULL);
	return track(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t size)
{
	FAIL_AS(calloc, ENOMEM, NULL);
	return track(__real_calloc(n, size));
}

void *__wrap_realloc(void *p, size_t n)
{
	void *q;

	FAIL_AS(realloc, ENOMEM, NULL);
	q = __real_realloc(p, n);
	if (q != NULL) {
		untrack(p);
		track(q);
	}
	return q;
}

char *__wrap_strdup(const char *s)
{
	FAIL_AS(strdup, ENOMEM, NULL);
	return track(__real_strdup(s));
}

/* Frees count whatever hlrun frees, also what the C library allocated for it (realpath,
 * getcwd, asprintf), which was never tracked. */
void __wrap_free(void *p)
{
	untrack(p);
	__real_free(p);
}

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	int r;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request == KVM_RUN && plan.calling && plan.fake != NULL &&
	    ++plan.runs == plan.fake_run) {
		/* KVM takes the registers hlrun left in the run area and stops at once;
		 * then the made-up exit. */
		plan.run->immediate_exit = 1;
		r = __real_ioctl(fd, request, arg);
		plan.run->immediate_exit = 0;
		if (r != -1 || errno != EINTR)
			return r;
		plan.fake(plan.run);
		return 0;
	}
	if (request == plan.answer_request &&
	    (request != KVM_CHECK_EXTENSION || (unsigned long)arg == plan.answer_arg)) {
		errno = plan.answer_errno;
		return plan.answer_value;
	}
	FAIL_AS(ioctl, EIO, -1);
	r = __real_ioctl(fd, request, arg);
	if (request == KVM_CREATE_VCPU)
		plan.vcpu_fd = r;
	return r;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	FAIL_AS(mmap, ENOMEM, MAP_FAILED);
	p = __real_mmap(addr, len, prot, flags, fd, off);
	if (fd >= 0 && fd == plan.vcpu_fd && p != MAP_FAILED)
		plan.run = p;
	return p;
}

int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	FAIL_AS(open, EACCES, -1);
	return __real_open(path, flags, mode);
}

int __wrap_openat(int dir, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	FAIL_AS(openat, EACCES, -1);
	if (plan.before_openat != NULL)
		plan.before_openat(dir, path);
	return __real_openat(dir, path, flags, mode);
}

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
	FAIL_AS(read, EIO, -1);
	return __real_read(fd, buf, n);
}

ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off)
{
	FAIL_AS(pread, EIO, -1);
	return __real_pread(fd, buf, n, off);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	FAIL_AS(write, ENOSPC, -1);
	return __real_write(fd, buf, n);
}

int __wrap_memfd_create(const char *name, unsigned flags)
{
	FAIL_AS(memfd_create, EMFILE, -1);
	return __real_memfd_create(name, flags);
}

int __wrap_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	FAIL_AS(fcntl, EINVAL, -1);
	return __real_fcntl(fd, cmd, arg);
}

pid_t __wrap_fork(void)
{
	FAIL_AS(fork, EAGAIN, -1);
	return __real_fork();
}

int __wrap_pipe2(int fds[2], int flags)
{
	FAIL_AS(pipe2, EMFILE, -1);
	return __real_pipe2(fds, flags);
}

int __wrap_socketpair(int domain, int type, int protocol, int fds[2])
{
	FAIL_AS(socketpair, EMFILE, -1);
	return __real_socketpair(domain, type, protocol, fds);
}

int __wrap_timer_create(clockid_t clock, struct sigevent *ev, timer_t *t)
{
	FAIL_AS(timer_create, EAGAIN, -1);
	return __real_timer_create(clock, ev, t);
}

int __wrap_timer_settime(timer_t t, int flags, const struct itimerspec *v,
			 struct itimerspec *old)
{
	FAIL_AS(timer_settime, EINVAL, -1);
	return __real_timer_settime(t, flags, v, old);
}

int __wrap_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	FAIL_AS(sigaction, EINVAL, -1);
	return __real_sigaction(sig, act, old);
}

int __wrap_pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	if (fail_now(F_pthread_sigmask))
		return EINVAL;
	return __real_pthread_sigmask(how, set, old);
}

ssize_t __wrap_getrandom(void *buf, size_t n, unsigned flags)
{
	FAIL_AS(getrandom, EAGAIN, -1);
	return __real_getrandom(buf, n, flags);
}

int __wrap_mkdir(const char *path, mode_t mode)
{
	FAIL_AS(mkdir, EACCES, -1);
	return __real_mkdir(path, mode);
}

int __wrap_access(const char *path, int mode)
{
	if (plan.hide_modules && strncmp(path, "/sys/module/", 12) == 0) {
		errno = ENOENT;
		return -1;
	}
	return __real_access(path, mode);
}

/* ---- Calls into a sandbox ------------------------------------------------------------- */

enum hl_err call(struct sbx *s, const struct ldr_guest *g, const char *fn,
		 struct hl_value arg, const char *want, struct hl_diag *d)
{
	const struct hl_export *e = ldr_find(g, fn);
	struct hl_value res;
	enum hl_err err;

	if (e == NULL)
		return hl_fail(d, HL_E_USAGE, "no export %s", fn);
	plan.calling = true;
	plan.runs = 0;
	err = sbx_call(s, e, &arg, e->nparams, &res, d);
	plan.calling = false;
	if (err == HL_OK && want != NULL &&
	    (res.len != strlen(want) || memcmp(res.data, want, res.len) != 0))
		return hl_fail(d, HL_E_GUEST, "%s: wrong result", fn);
	return err;
}
