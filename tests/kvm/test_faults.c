/* KVM suite: the system failing under hlrun.  Each call hlrun's modules make for memory,
 * to KVM, for mappings, the timer, files and randomness is made to fail in turn, the
 * first, then the second, ... until a run goes through untouched: every failure must
 * come back as an error value of the right class with a message (never a crash or a
 * hang), and release every descriptor and every block hlrun allocated.  KVMs unlike the
 * machines' own are faked too: too old, of an unknown kind, or reporting exits hlrun
 * never sees here (a halt, a shutdown, MMIO, an entry or emulation failure), each
 * reported as what it is.
 *
 * The binary is linked with -Wl,--wrap for each function below (Makefile): calls from
 * hlrun's own objects come here first; the C library's and other libraries' own calls do
 * not. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/core.h"
#include "target/target.h"
#include "guests/include/hlrun_abi.h"
#include "loader/loader.h"
#include "tests/guests/paths.h"

/* More failure points than any function has in one scenario: a loop that reaches it
 * means a fault that never stops firing. */
#define MAX_NTH 4000

#ifdef HLRUN_COVERAGE
void __gcov_dump(void);
#endif

/* ---- The faults -------------------------------------------------------------------- */

#define FAULTS(X)                                                                          \
	X(malloc) X(calloc) X(realloc) X(strdup) X(ioctl) X(mmap) X(open) X(openat)       \
	X(read) X(pread) X(write) X(memfd_create) X(fcntl) X(fork) X(pipe2) X(socketpair)          \
	X(timer_create) X(timer_settime) X(sigaction) X(pthread_sigmask) X(getrandom)     \
	X(mkdir)

enum fault {
#define AS_ENUM(f) F_##f,
	FAULTS(AS_ENUM)
#undef AS_ENUM
	F_NONE,
};

static const char *const fault_names[] = {
#define AS_NAME(f) #f,
	FAULTS(AS_NAME)
#undef AS_NAME
};

static struct {
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
} plan = { .fn = F_NONE, .fired = &(bool){ false }, .vcpu_fd = -1 };

static bool fail_now(enum fault fn)
{
	if (plan.fn != fn || *plan.fired || ++plan.seen != plan.nth)
		return false;
	*plan.fired = true;
	return true;
}

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

/* The blocks hlrun's objects allocated and have not freed, while the scenario runs: an
 * open-addressing set of addresses. */
#define LIVE_SLOTS (1u << 16)
static struct {
	bool on;
	size_t count;
	void *slot[LIVE_SLOTS];
} live;

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

/* ---- The scenario: everything hlrun does in one process -------------------------- */

struct scene {
	char dir[40];      /* scratch: the manifest, a file to read, the snapshot, the key */
	char manifest[64];
	char snap[64];
	char file[64];
};

static void scene_files(struct scene *sc)
{
	FILE *f;

	strcpy(sc->dir, "/tmp/hlrun-faults.XXXXXX");
	cr_assert_not_null(mkdtemp(sc->dir));
	snprintf(sc->manifest, sizeof sc->manifest, "%s/m.yaml", sc->dir);
	snprintf(sc->snap, sizeof sc->snap, "%s/s.snap", sc->dir);
	snprintf(sc->file, sizeof sc->file, "%s/data.txt", sc->dir);
	f = fopen(sc->file, "w");
	cr_assert_not_null(f);
	fputs("file contents", f);
	cr_assert_eq(fclose(f), 0);
	f = fopen(sc->manifest, "w");
	cr_assert_not_null(f);
	fprintf(f, "guest: %s/" GUEST "\n"
		   "memory: {heap: 1MiB, stack: 64KiB, input: 64KiB, output: 64KiB}\n"
		   "limits: {timeout: 20s, max_output: 4KiB}\n"
		   "host_functions: [HostPrint, GetRandom, GetTimeNs, GetEnv, ReadFile]\n"
		   "env: [FAULT_VAR]\nfiles: [%s]\n", getcwd((char[256]){ 0 }, 256), sc->file);
	cr_assert_eq(fclose(f), 0);
	setenv("FAULT_VAR", "set", 1);
}

static void scene_remove(const struct scene *sc)
{
	char key[96];

	snprintf(key, sizeof key, "%s/hlrun/snapshot.key", sc->dir);
	unlink(key);
	snprintf(key, sizeof key, "%s/hlrun", sc->dir);
	rmdir(key);
	unlink(sc->snap);
	unlink(sc->file);
	unlink(sc->manifest);
	cr_assert_eq(rmdir(sc->dir), 0, "%s is not empty", sc->dir);
}

static struct hl_value str(const char *s)
{
	return (struct hl_value){ .type = HL_T_STRING, .len = (uint32_t)strlen(s),
				  .data = (const uint8_t *)s };
}

/* Calls fn(arg) and checks a successful result against want (a string or bytes), or
 * that it is a result at all (want NULL). */
static enum hl_err call(struct sbx *s, const struct ldr_guest *g, const char *fn,
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

/* TriggerException crashes the guest, as it should; the restore after it cleans up. */
static enum hl_err crash(struct sbx *s, const struct ldr_guest *g, struct hl_diag *d)
{
	enum hl_err err = call(s, g, "TriggerException", str(""), NULL, d);

	if (err == HL_E_CRASH && strstr(d->msg, "TriggerException: invalid opcode") != NULL)
		return HL_OK;
	return err != HL_OK ? err : hl_fail(d, HL_E_GUEST, "TriggerException returned");
}

/* Batch mode on sandbox s: one line, long enough that its buffer is allocated and then
 * grows twice.  A line
 * that fails (its answer an error) fails the batch, with the line's message in d. */
static enum hl_err batch(struct sbx *s, const struct ldr_guest *g, FILE *out,
			 struct hl_diag *d)
{
	static char line[16384];
	char *captured = NULL;
	size_t ncaptured = 0;
	struct cli_batch_opts o = { .limit = 64 << 10, .captured = &captured,
				    .ncaptured = &ncaptured };
	int n = snprintf(line, sizeof line, "{\"function\":\"Echo\",\"args\":[\"%0*d\"]}\n",
			 9000, 0);
	FILE *in = fmemopen(line, (size_t)n, "r");
	enum hl_err err;

	o.capture = open_memstream(&captured, &ncaptured);
	if (in == NULL || o.capture == NULL)
		err = hl_fail(d, HL_E_INTERNAL, "batch streams: %s", strerror(errno));
	else
		err = cli_batch_run(s, g, in, out, &o, d);
	if (in != NULL)
		fclose(in);
	if (o.capture != NULL)
		fclose(o.capture);
	free(captured);
	return err;
}

/* The manifest resolved into its guest and configuration, a sandbox that calls every host
 * function, crashes, restores, saves a snapshot; then a sandbox from that snapshot, which
 * answers a batch. */
static enum hl_err scenario(const struct scene *sc, struct hl_diag *d)
{
	const struct tgt_request req = { .path = sc->manifest, .no_seccomp = true,
					 .save_path = sc->snap };
	struct tgt *tg = NULL;
	const struct ldr_guest *g = NULL;
	struct sbx *s = NULL, *t = NULL;
	struct sbx_snapshot *snap = NULL;
	struct sbx_config cfg;
	FILE *out = fopen("/dev/null", "w");
	struct hl_value n16 = { .type = HL_T_U32, .u.u32 = 16 };
	enum hl_err err;

	if (out == NULL)
		return hl_fail(d, HL_E_INTERNAL, "/dev/null: %s", strerror(errno));
	err = tgt_resolve(&req, &tg, d);
	if (err == HL_OK) {
		g = tgt_guest(tg);
		cfg = *tgt_config(tg);
		cfg.print_to = out;
		err = sbx_create(g, &cfg, &s, NULL, d);
	}
	if (err == HL_OK)
		err = call(s, g, "Echo", str("hi"), "hi", d);
	if (err == HL_OK)
		err = call(s, g, "PrintOutput", str("printed"), NULL, d);
	if (err == HL_OK)
		err = call(s, g, "Random", n16, NULL, d);
	if (err == HL_OK)
		err = call(s, g, "GetEnv", str("FAULT_VAR"), "set", d);
	if (err == HL_OK)
		err = call(s, g, "ReadFile", str(sc->file), "file contents", d);
	if (err == HL_OK)
		err = call(s, g, "GetTime", n16, NULL, d);
	if (err == HL_OK)
		err = crash(s, g, d);
	if (err == HL_OK)
		err = sbx_restore(s, NULL, d);
	if (err == HL_OK)
		err = sbx_save(s, d);
	if (err == HL_OK)
		err = sbx_snapshot_open(sc->snap, &snap, d);
	if (err == HL_OK) {
		cfg.save_path = NULL;
		err = sbx_create_from(snap, &cfg, &t, NULL, d);
	}
	if (err == HL_OK)
		err = call(t, sbx_snapshot_guest(snap), "Echo", str("again"), "again", d);
	if (err == HL_OK)
		err = batch(t, sbx_snapshot_guest(snap), out, d);
	sbx_destroy(t);
	sbx_snapshot_close(snap);
	sbx_destroy(s);
	tgt_free(tg);
	fclose(out);
	return err;
}

/* ---- Running it in a child, one fault at a time --------------------------------------- */

struct report {
	bool fired;
	enum hl_err err;
	int fds_before, fds_after;
	size_t leaked; /* blocks hlrun's objects allocated and did not free */
	char msg[HL_DIAG_MSG];
};

static int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (dir == NULL)
		return -1;
	while (readdir(dir) != NULL)
		n++;
	closedir(dir);
	return n;
}

/* Runs the scenario in a child that fails the nth call to fn; the child's own scratch
 * directory is its XDG_STATE_HOME, so that a snapshot key is made each time. */
static struct report run_child(enum fault fn, unsigned long nth)
{
	struct report r = { 0 };
	int p[2], ws;
	pid_t pid;

	plan.fired = __real_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				 -1, 0);
	cr_assert_neq(plan.fired, MAP_FAILED);
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct scene sc;
		struct hl_diag d = { 0 };

		close(p[0]);
		/* The helper that publishes a snapshot is orphaned on purpose: it comes
		 * back here, to be waited for, not to Criterion's runner. */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		scene_files(&sc);
		setenv("XDG_STATE_HOME", sc.dir, 1);
		r.fds_before = open_fds();
		plan.fn = fn;
		plan.nth = nth;
		live.on = true;
		r.err = scenario(&sc, &d);
		live.on = false;
		r.leaked = live.count;
		r.fired = *plan.fired;
		plan.fn = F_NONE;
		r.fds_after = open_fds();
		while (waitpid(-1, NULL, 0) > 0)
			;
		memcpy(r.msg, d.msg, sizeof r.msg);
		scene_remove(&sc);
#ifdef HLRUN_COVERAGE
		__gcov_dump(); /* _exit would lose the child's counts */
#endif
		_exit(__real_write(p[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
	}
	close(p[1]);
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
		  "%s #%lu: the child died (status 0x%x)",
		  fn == F_NONE ? "no fault" : fault_names[fn], nth, ws);
	cr_assert_eq(__real_read(p[0], &r, sizeof r), (ssize_t)sizeof r);
	close(p[0]);
	munmap(plan.fired, 4096);
	return r;
}

static bool in(enum hl_err err, unsigned allowed)
{
	return (allowed >> err & 1) != 0;
}

#define CLASS(e) (1u << (e))

/* Fails each call to fn in turn; each failure must end in a class of allowed and a
 * message holding want (when not NULL).  Returns how many failures it made. */
static unsigned long each_failure(enum fault fn, unsigned allowed, const char *want)
{
	unsigned long nth;

	for (nth = 1; nth <= MAX_NTH; nth++) {
		struct report r;

		r = run_child(fn, nth);
		cr_assert_eq(r.fds_after, r.fds_before, "%s #%lu: %d descriptors before, %d "
			     "after (%s)", fault_names[fn], nth, r.fds_before, r.fds_after,
			     r.msg);
		cr_assert_eq(r.leaked, 0, "%s #%lu: %zu blocks leaked (%s)", fault_names[fn],
			     nth, r.leaked, r.msg);
		if (!r.fired) {
			cr_assert_eq(r.err, HL_OK, "%s: no fault, yet: %s", fault_names[fn],
				     r.msg);
			return nth - 1;
		}
		if (r.err == HL_OK)
			continue; /* a failure hlrun works around, with the right results */
		cr_assert(in(r.err, allowed), "%s #%lu: class %d: %s", fault_names[fn], nth,
			  r.err, r.msg);
		cr_assert_neq(r.msg[0], '\0', "%s #%lu: no message", fault_names[fn], nth);
		if (want != NULL)
			cr_assert(strstr(r.msg, want) != NULL, "%s #%lu: \"%s\" not in: %s",
				  fault_names[fn], nth, want, r.msg);
	}
	cr_assert_fail("%s: still failing after %d calls", fault_names[fn], MAX_NTH);
	return nth;
}

Test(faults, the_scenario_runs_without_faults)
{
	struct report r = run_child(F_NONE, 0);

	cr_assert_eq(r.err, HL_OK, "%s", r.msg);
	cr_assert(!r.fired);
	cr_assert_eq(r.fds_after, r.fds_before);
	cr_assert_eq(r.leaked, 0, "%zu blocks leaked", r.leaked);
}

#define MEMORY CLASS(HL_E_INTERNAL)
#define SYSTEM (CLASS(HL_E_INTERNAL) | CLASS(HL_E_NOKVM) | CLASS(HL_E_USAGE))
/* ReadFile's failures are the guest's to handle: simpleguest returns them as its error. */
#define READFILE CLASS(HL_E_GUEST)

struct fault_case {
	enum fault fn;
	unsigned allowed;
	char want[32];
};

ParameterizedTestParameters(faults, each_failure_is_an_error_value)
{
	static struct fault_case cases[] = {
		{ F_malloc, MEMORY, "out of memory" },
		{ F_calloc, MEMORY, "out of memory" },
		{ F_realloc, MEMORY, "out of memory" },
		{ F_strdup, MEMORY, "out of memory" },
		{ F_ioctl, SYSTEM | CLASS(HL_E_INVALID), "" },
		{ F_mmap, SYSTEM, "" },
		{ F_open, SYSTEM | CLASS(HL_E_INVALID) | READFILE, "Permission denied" },
		{ F_openat, SYSTEM | CLASS(HL_E_INVALID) | READFILE, "Permission denied" },
		{ F_read, SYSTEM | CLASS(HL_E_INVALID) | READFILE, "" },
		{ F_pread, CLASS(HL_E_INVALID), "while it was read" },
		{ F_write, SYSTEM, "" },
		{ F_memfd_create, SYSTEM, "" },
		{ F_fcntl, SYSTEM, "" },
		{ F_fork, SYSTEM, "" },
		{ F_pipe2, SYSTEM, "" },
		{ F_socketpair, SYSTEM, "" },
		{ F_timer_create, SYSTEM, "timer_create" },
		{ F_timer_settime, SYSTEM, "timer_settime" },
		{ F_sigaction, SYSTEM, "sigaction" },
		{ F_pthread_sigmask, SYSTEM, "" },
		{ F_getrandom, SYSTEM, "" },
		{ F_mkdir, SYSTEM, "" },
	};

	return cr_make_param_array(struct fault_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct fault_case *c, faults, each_failure_is_an_error_value)
{
	unsigned long n = each_failure(c->fn, c->allowed, c->want[0] ? c->want : NULL);

	cr_assert_gt(n, 0, "%s: hlrun never calls it in the scenario", fault_names[c->fn]);
}

/* ---- KVMs other than the machines' own ------------------------------------------------ */

struct kvm_case {
	char what[24];
	unsigned long request, arg;
	int value, error;
	char msg[96];
};

ParameterizedTestParameters(faults, a_kvm_hlrun_cannot_use)
{
	static struct kvm_case cases[] = {
		{ "API version 11", KVM_GET_API_VERSION, 0, 11, 0,
		  "/dev/kvm: KVM API version 11, need 12" },
		{ "no SYNC_REGS", KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS, 0, 0,
		  "/dev/kvm: KVM lacks KVM_CAP_SYNC_REGS (Linux 4.17 or later needed)" },
		{ "SYNC_REGS without regs", KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS, 2, 0,
		  "/dev/kvm: KVM lacks KVM_CAP_SYNC_REGS (Linux 4.17 or later needed)" },
		{ "no XSAVE", KVM_CHECK_EXTENSION, KVM_CAP_XSAVE, 0, 0,
		  "/dev/kvm: KVM lacks KVM_CAP_XSAVE" },
		{ "run area too small", KVM_GET_VCPU_MMAP_SIZE, 0, 64, 0,
		  "/dev/kvm: bad vCPU mmap size 64" },
		/* As without hardware virtualisation: exit 5, a KVM that cannot run VMs. */
		{ "no VM", KVM_CREATE_VM, 0, -1, ENODEV,
		  "/dev/kvm: cannot create a VM: No such device" },
		{ "no vCPU", KVM_CREATE_VCPU, 0, -1, EINVAL,
		  "/dev/kvm: cannot create a vCPU: Invalid argument" },
	};

	return cr_make_param_array(struct kvm_case, cases, sizeof cases / sizeof cases[0]);
}

/* A KVM too old or too strange for hlrun is named as such, with what it lacks. */
ParameterizedTest(struct kvm_case *c, faults, a_kvm_hlrun_cannot_use)
{
	struct ldr_guest *g;
	struct sbx *s = NULL;
	struct sbx_config cfg;
	struct hl_diag d = { 0 };
	enum hl_err err;

	cr_assert_eq(ldr_open(GUEST, &g, &d), HL_OK, "%s", d.msg);
	sbx_config_default(&cfg);
	plan.answer_request = c->request;
	plan.answer_arg = c->arg;
	plan.answer_value = c->value;
	plan.answer_errno = c->error;
	err = sbx_create(g, &cfg, &s, NULL, &d);
	plan.answer_request = 0;
	cr_assert_str_eq(d.msg, c->msg, "%s", c->what);
	cr_assert_eq(err, c->request == KVM_GET_VCPU_MMAP_SIZE ? HL_E_INTERNAL : HL_E_NOKVM,
		     "%s", c->what);
	cr_assert_null(s);
	ldr_close(g);
}

/* A KVM whose module is none of those hlrun knows still runs guests; it is described as
 * of unknown kind. */
Test(faults, a_kvm_of_unknown_kind)
{
	char describe[SBX_KVM_DESCRIBE];
	struct hl_diag d = { 0 };

	plan.hide_modules = true;
	cr_assert_eq(sbx_kvm_describe(NULL, describe, sizeof describe, &d), HL_OK, "%s", d.msg);
	plan.hide_modules = false;
	cr_assert(strncmp(describe, "a KVM of unknown kind", 21) == 0, "%s", describe);
	cr_assert(strcmp(describe + 21, "") == 0 ||
		  strcmp(describe + 21, ", inside a virtual machine") == 0, "%s", describe);
}

/* ---- Races ------------------------------------------------------------------------------ */

#define RACE_DIR "build/faults-race"

/* The attacker's move: between ReadFile's check that victim.txt is a regular file and
 * its open, victim.txt becomes a symbolic link to a file outside the manifest's. */
static void swap_for_a_link(int dir, const char *path)
{
	char target[PATH_MAX];

	if (strcmp(path, "victim.txt") != 0)
		return;
	cr_assert_not_null(realpath(RACE_DIR "/secret.txt", target));
	cr_assert_eq(unlinkat(dir, "victim.txt", 0), 0);
	cr_assert_eq(symlinkat(target, dir, "victim.txt"), 0);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* ReadFile opens the last component of a path without following a link, whatever it was
 * when checked: a file swapped for a link at the last moment is refused, not read. */
Test(faults, readfile_file_swapped_for_a_link)
{
	static const char *const allow[] = { "ReadFile" };
	const char *files[] = { RACE_DIR "/allowed" };
	struct ldr_guest *g;
	struct sbx *s;
	struct sbx_config cfg;
	struct hl_diag d = { 0 };
	enum hl_err err;

	cr_assert_eq(system("rm -rf " RACE_DIR " && mkdir -p " RACE_DIR "/allowed"), 0);
	put(RACE_DIR "/allowed/victim.txt", "harmless");
	put(RACE_DIR "/secret.txt", "secret");
	cr_assert_eq(ldr_open(GUEST, &g, &d), HL_OK, "%s", d.msg);
	sbx_config_default(&cfg);
	cfg.policy.allowed = allow;
	cfg.policy.nallowed = 1;
	cfg.policy.files = files;
	cfg.policy.nfiles = 1;
	cr_assert_eq(sbx_create(g, &cfg, &s, NULL, &d), HL_OK, "%s", d.msg);
	plan.before_openat = swap_for_a_link;
	err = call(s, g, "ReadFile", str(RACE_DIR "/allowed/victim.txt"), NULL, &d);
	plan.before_openat = NULL;
	cr_assert_eq(err, HL_E_GUEST, "%s", d.msg);
	cr_assert_str_eq(d.msg, "ReadFile failed (guest error 65537): ReadFile: '"
			 RACE_DIR "/allowed/victim.txt' has a symbolic link on its path below "
			 "the manifest's files, and ReadFile follows none");
	sbx_destroy(s);
	ldr_close(g);
	cr_assert_eq(system("rm -rf " RACE_DIR), 0);
}

/* ---- Exits a KVM may report that the machines here do not -------------------------- */

#define FAKE_RIP 0x201234ull

static void fake_at(struct kvm_run *run, uint32_t reason)
{
	run->exit_reason = reason;
	run->s.regs.regs.rip = FAKE_RIP;
}

static void fake_hlt(struct kvm_run *run)
{
	fake_at(run, KVM_EXIT_HLT);
}

static void fake_shutdown(struct kvm_run *run)
{
	fake_at(run, KVM_EXIT_SHUTDOWN);
}

static void fake_mmio(struct kvm_run *run, bool write)
{
	fake_at(run, KVM_EXIT_MMIO);
	run->mmio.phys_addr = 0xfee00000;
	run->mmio.len = 4;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof run->mmio.data);
}

static void fake_mmio_read(struct kvm_run *run)
{
	fake_mmio(run, false);
}

static void fake_mmio_write(struct kvm_run *run)
{
	fake_mmio(run, true);
}

static void fake_fail_entry(struct kvm_run *run)
{
	fake_at(run, KVM_EXIT_FAIL_ENTRY);
	run->fail_entry.hardware_entry_failure_reason = 0x21;
}

static void fake_emulation(struct kvm_run *run)
{
	fake_at(run, KVM_EXIT_INTERNAL_ERROR);
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
}

static void fake_internal(struct kvm_run *run)
{
	fake_at(run, KVM_EXIT_INTERNAL_ERROR);
	run->internal.suberror = KVM_INTERNAL_ERROR_SIMUL_EX;
}

static void fake_irq_window(struct kvm_run *run)
{
	fake_at(run, KVM_EXIT_IRQ_WINDOW_OPEN);
}

static void fake_unnamed(struct kvm_run *run)
{
	fake_at(run, 4000);
}

static void fake_intr(struct kvm_run *run)
{
	fake_at(run, KVM_EXIT_INTR);
}

/* A 4-byte OUT of value to port. */
static void fake_out(struct kvm_run *run, uint16_t port, uint32_t value)
{
	fake_at(run, KVM_EXIT_IO);
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 4;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = 4096;
	memcpy((uint8_t *)run + run->io.data_offset, &value, sizeof value);
}

static void fake_other_port(struct kvm_run *run)
{
	fake_out(run, 0x6c10, 0);
}

static void fake_abort_protocol(struct kvm_run *run)
{
	fake_out(run, HL_PORT_ABORT, HL_ABORT_PROTOCOL);
}

enum { ERR_PASSES = -1 };

/* Criterion may run each case in a fresh process, where a function pointer from the
 * parameters would not hold: the cases name their exit. */
enum exit_kind {
	X_HLT, X_SHUTDOWN, X_MMIO_READ, X_MMIO_WRITE, X_FAIL_ENTRY, X_EMULATION, X_INTERNAL,
	X_IRQ_WINDOW, X_UNNAMED, X_OTHER_PORT, X_ABORT_PROTOCOL, X_INTR,
};

static void (*const fakes[])(struct kvm_run *run) = {
	[X_HLT] = fake_hlt, [X_SHUTDOWN] = fake_shutdown, [X_MMIO_READ] = fake_mmio_read,
	[X_MMIO_WRITE] = fake_mmio_write, [X_FAIL_ENTRY] = fake_fail_entry,
	[X_EMULATION] = fake_emulation, [X_INTERNAL] = fake_internal,
	[X_IRQ_WINDOW] = fake_irq_window, [X_UNNAMED] = fake_unnamed,
	[X_OTHER_PORT] = fake_other_port, [X_ABORT_PROTOCOL] = fake_abort_protocol,
	[X_INTR] = fake_intr,
};

struct exit_case {
	char what[24];
	enum exit_kind kind;
	int err; /* the class, or ERR_PASSES: the call returns its result */
	char msg[160];
};

ParameterizedTestParameters(exits, hlrun_does_not_expect)
{
	static struct exit_case cases[] = {
		{ "hlt", X_HLT, HL_E_CRASH,
		  "Echo: guest halted (hlt) at RIP 0x201234 outside the protocol" },
		{ "shutdown", X_SHUTDOWN, HL_E_CRASH,
		  "Echo: guest triple-faulted (CPU shutdown): an exception that hlrun's ring 0 "
		  "could not report" },
		{ "mmio read", X_MMIO_READ, HL_E_CRASH,
		  "Echo: guest read from physical address 0xfee00000 outside its memory (" },
		{ "mmio write", X_MMIO_WRITE, HL_E_CRASH,
		  "Echo: guest wrote to physical address 0xfee00000 outside its memory (" },
		{ "fail entry", X_FAIL_ENTRY, HL_E_NOKVM,
		  "refused to enter the guest (hardware reason 0x21); try another KVM" },
		{ "emulation", X_EMULATION, HL_E_NOKVM,
		  "could not run the guest at RIP 0x201234 (instruction emulation failed, "
		  "suberror 1); try another KVM" },
		{ "internal", X_INTERNAL, HL_E_NOKVM,
		  "could not run the guest at RIP 0x201234 (internal error, suberror 2); try "
		  "another KVM" },
		{ "irq window", X_IRQ_WINDOW, HL_E_CRASH,
		  "Echo: unexpected VM exit 'irq window open' (7) at RIP 0x201234" },
		{ "unnamed", X_UNNAMED, HL_E_CRASH,
		  "Echo: unexpected VM exit 'unnamed' (4000) at RIP 0x201234" },
		{ "other port", X_OTHER_PORT, HL_E_CRASH,
		  "Echo: guest wrote to I/O port 0x6c10 at RIP 0x201234: not part of the hlrun "
		  "ABI (protocol violation)" },
		{ "runtime refusal", X_ABORT_PROTOCOL, HL_E_CRASH,
		  "Echo: guest runtime refused the call: " },
		{ "interrupted", X_INTR, ERR_PASSES, "" },
	};

	return cr_make_param_array(struct exit_case, cases, sizeof cases / sizeof cases[0]);
}

/* The exit comes on the first KVM_RUN of a call; what it was is in the message (with the
 * KVM named where the KVM is at fault), the sandbox is poisoned, and a restore brings it
 * back.  An interrupted run that is not the timer's is resumed. */
ParameterizedTest(struct exit_case *c, exits, hlrun_does_not_expect)
{
	struct ldr_guest *g;
	struct sbx *s;
	struct sbx_config cfg;
	struct hl_diag d = { 0 };
	enum hl_err err;

	cr_assert_eq(ldr_open(GUEST, &g, &d), HL_OK, "%s", d.msg);
	sbx_config_default(&cfg);
	cfg.restore = true;
	cr_assert_eq(sbx_create(g, &cfg, &s, NULL, &d), HL_OK, "%s", d.msg);
	cr_assert_not_null(plan.run, "the vCPU's run area was not seen");
	plan.fake = fakes[c->kind];
	plan.fake_run = 1;
	err = call(s, g, "Echo", str("hi"), "hi", &d);
	plan.fake = NULL;
	if (c->err == ERR_PASSES) {
		cr_assert_eq(err, HL_OK, "%s: %s", c->what, d.msg);
		cr_assert_eq(plan.runs, 2, "%s: %lu runs", c->what, plan.runs);
	} else {
		cr_assert_eq(err, (enum hl_err)c->err, "%s: class %d: %s", c->what, err, d.msg);
		cr_assert(strstr(d.msg, c->msg) != NULL, "%s: \"%s\" not in: %s", c->what,
			  c->msg, d.msg);
		cr_assert(sbx_poisoned(s), "%s", c->what);
		cr_assert_eq(sbx_restore(s, NULL, &d), HL_OK, "%s: %s", c->what, d.msg);
		cr_assert_eq(call(s, g, "Echo", str("hi"), "hi", &d), HL_OK, "%s: %s", c->what,
			     d.msg);
	}
	sbx_destroy(s);
	ldr_close(g);
}
