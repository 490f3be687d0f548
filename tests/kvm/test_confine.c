/* KVM suite: hlrun's confinement in its two stages, each read from the kernel (the
 * Seccomp and Seccomp_filters fields of /proc/self/status).  The first stage, installed
 * before any input is read, lets a whole run happen (a manifest resolved, a sandbox made
 * and called, a snapshot saved) and kills what no run needs; the second, installed with
 * each sandbox, follows the policy in force: one system call each host function or
 * saving needs is killed without it and allowed with it.  Each case runs in a child; the
 * last reads the filters of hlrun itself, waiting for input and running a guest. */
#include "tests/kvm/harness.h"

#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"
#include "loader/loader.h"
#include "target/target.h"

/* The value of field ("Seccomp", "Seccomp_filters") in the status file open at fd, read
 * afresh; -1 when it is missing. */
static int status_field(int fd, const char *field)
{
	char buf[4096], key[32];
	ssize_t n;
	const char *p;

	if (lseek(fd, 0, SEEK_SET) != 0 || (n = read(fd, buf, sizeof buf - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	snprintf(key, sizeof key, "\n%s:\t", field);
	p = strstr(buf, key);
	return p == NULL ? -1 : atoi(p + strlen(key));
}

/* Runs fn in a child; returns its wait status. */
static int in_child(void (*fn)(const void *), const void *arg)
{
	pid_t pid = fork();
	int ws;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	return ws;
}

/* For the result of a fork: the new process exits at once and its parent waits for it, so
 * that no process outlives its test. */
static bool reaped(long pid)
{
	if (pid == 0)
		_exit(0);
	return pid > 0 && waitpid((pid_t)pid, NULL, 0) == pid;
}

#define EXPECT_EXIT_0(ws) \
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "status 0x%x (exit %d, signal %d)", \
		  ws, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, WIFSIGNALED(ws) ? WTERMSIG(ws) : 0)
#define EXPECT_SIGSYS(ws, what) \
	cr_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGSYS, "%s: status 0x%x, not killed " \
		  "by SIGSYS", what, ws)

/* ---- The first stage ----------------------------------------------------------------- */

/* Exits with n when cond is false: the step that failed, for the parent's message. */
static void step(bool cond, int n)
{
	if (!cond)
		_exit(n);
}

/* Everything a run does, under the first stage alone: a manifest resolved (its guest
 * read, its snapshot cache looked at), a sandbox made, called, and saved; then a sandbox
 * from that snapshot, confined in its turn. */
static void whole_run(const void *arg)
{
	const char *dir = arg;
	char manifest[96], snap[96];
	struct tgt_request req = { .path = manifest };
	struct tgt *t;
	struct sbx *s, *from;
	struct sbx_snapshot *ss;
	struct sbx_config cfg;
	struct hl_value v = { .type = HL_T_STRING, .len = 2, .data = (const uint8_t *)"hi" }, res;
	struct hl_diag d;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	FILE *f;

	snprintf(manifest, sizeof manifest, "%s/m.yaml", dir);
	snprintf(snap, sizeof snap, "%s/m.snap", dir);
	f = fopen(manifest, "w");
	step(f != NULL && fprintf(f, "guest: %s/" GUEST "\nsnapshot: m.snap\n",
				  getcwd((char[256]){ 0 }, 256)) > 0 && fclose(f) == 0, 10);
	step(status_field(fd, "Seccomp") == 0, 11);
	step(sbx_confine_process(&d) == HL_OK, 12);
	step(status_field(fd, "Seccomp") == 2 && status_field(fd, "Seccomp_filters") == 1, 13);
	req.save_path = snap;
	step(tgt_resolve(&req, &t, &d) == HL_OK, 14);
	cfg = *tgt_config(t);
	step(cfg.seccomp, 15);
	cfg.seccomp = false; /* a second sandbox follows, which this process must make */
	step(sbx_create(tgt_guest(t), &cfg, &s, NULL, &d) == HL_OK, 16);
	step(sbx_call(s, ldr_find(tgt_guest(t), "Echo"), &v, 1, &res, &d) == HL_OK, 17);
	step(sbx_save(s, &d) == HL_OK, 18);
	step(sbx_snapshot_open(snap, &ss, &d) == HL_OK, 19);
	cfg.save_path = NULL;
	cfg.seccomp = true;
	step(sbx_create_from(ss, &cfg, &from, NULL, &d) == HL_OK, 20);
	step(status_field(fd, "Seccomp_filters") == 2, 21);
	step(sbx_call(from, ldr_find(tgt_guest(t), "Echo"), &v, 1, &res, &d) == HL_OK, 22);
	_exit(0);
}

Test(confine, first_stage_lets_a_whole_run_happen, .timeout = 60)
{
	char dir[] = "/tmp/hlrun-confine.XXXXXX", cmd[64];
	int ws;

	cr_assert_not_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	ws = in_child(whole_run, dir);
	EXPECT_EXIT_0(ws);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

enum forbidden {
	EXEC, SOCKET_INET, SOCKETPAIR_INET, NEW_USER_NS, UNSHARE, PTRACE, TIOCSTI_IOCTL,
	PRCTL_DUMPABLE, KILL_PARENT,
};

struct forbidden_case {
	char what[32];
	enum forbidden call;
	bool for_sanitizers; /* allowed in sanitizer builds: LeakSanitizer's tracer needs it */
};

#ifdef __SANITIZE_ADDRESS__
#define SANITIZED true
#else
#define SANITIZED false
#endif

/* Each call would fail or do nothing harmful if it ran: only the filter's SIGSYS tells that
 * it was refused (an exec of a program that exists would die of the filter anyway). */
static void forbidden_call(const void *arg)
{
	const struct forbidden_case *c = arg;
	struct hl_diag d;
	char ch = 'x';

	step(sbx_confine_process(&d) == HL_OK, 10);
	switch (c->call) {
	case EXEC: execl("/nonexistent/true", "true", (char *)NULL); break;
	case SOCKET_INET: (void)!socket(AF_INET, SOCK_STREAM, 0); break;
	case SOCKETPAIR_INET: (void)!socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){ 0 }); break;
	case NEW_USER_NS: (void)reaped(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
		break;
	case UNSHARE: (void)!unshare(CLONE_NEWUSER); break;
	case PTRACE: (void)!ptrace(PTRACE_TRACEME, 0, 0, 0); break;
	case TIOCSTI_IOCTL: (void)!ioctl(0, TIOCSTI, &ch); break;
	case PRCTL_DUMPABLE: (void)!prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); break;
	case KILL_PARENT: (void)!kill(getppid(), 0); break;
	}
	_exit(0);
}

ParameterizedTestParameters(confine, first_stage_kills_what_no_run_needs)
{
	static struct forbidden_case cases[] = {
		{ "exec", EXEC, false }, { "an inet socket", SOCKET_INET, false },
		{ "an inet socket pair", SOCKETPAIR_INET, false },
		{ "clone into a user namespace", NEW_USER_NS, true },
		{ "unshare", UNSHARE, false }, { "ptrace", PTRACE, true },
		{ "TIOCSTI", TIOCSTI_IOCTL, false },
		{ "prctl(PR_SET_DUMPABLE)", PRCTL_DUMPABLE, true },
		{ "kill", KILL_PARENT, false },
	};

	return cr_make_param_array(struct forbidden_case, cases,
				   sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct forbidden_case *c, confine, first_stage_kills_what_no_run_needs)
{
	int ws = in_child(forbidden_call, c);

	if (SANITIZED && c->for_sanitizers)
		EXPECT_EXIT_0(ws);
	else
		EXPECT_SIGSYS(ws, c->what);
}

/* clone3 fails as a kernel without it would, so that the C library uses clone. */
static void try_clone3(const void *arg)
{
	struct hl_diag d;

	(void)arg;
	step(sbx_confine_process(&d) == HL_OK, 10);
	step(syscall(SYS_clone3, NULL, 0) == -1 && errno == ENOSYS, 11);
	step(reaped(fork()), 12);
	_exit(0);
}

Test(confine, first_stage_answers_clone3_with_enosys)
{
	int ws = in_child(try_clone3, NULL);

	EXPECT_EXIT_0(ws);
}

/* ---- The second stage ---------------------------------------------------------------- */

enum needs { OPENS, RANDOM_BYTES, SYNCS };

struct policy_case {
	char what[40];
	bool allow;        /* the policy allows what the call is for */
	enum needs call;
};

static void confined_call(const void *arg)
{
	const struct policy_case *c = arg;
	const char *const with_read[] = { "HostPrint", "ReadFile" };
	const char *const with_random[] = { "HostPrint", "GetRandom" };
	char dir[] = "/tmp/hlrun-confine2.XXXXXX", snap[64];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	struct ldr_guest *g;
	struct sbx *s;
	struct sbx_config cfg;
	struct hl_diag d;
	char byte;

	step(ldr_open(GUEST, &g, &d) == HL_OK, 10);
	sbx_config_default(&cfg);
	cfg.seccomp = true;
	if (c->allow && c->call == OPENS)
		cfg.policy.allowed = with_read, cfg.policy.nallowed = 2;
	if (c->allow && c->call == RANDOM_BYTES)
		cfg.policy.allowed = with_random, cfg.policy.nallowed = 2;
	if (c->allow && c->call == SYNCS) {
		step(mkdtemp(dir) != NULL, 11);
		snprintf(snap, sizeof snap, "%s/x.snap", dir);
		cfg.restore = true;
		cfg.save_path = snap;
	}
	step(sbx_create(g, &cfg, &s, NULL, &d) == HL_OK, 12);
	step(status_field(fd, "Seccomp") == 2 && status_field(fd, "Seccomp_filters") == 1, 13);
	switch (c->call) {
	case OPENS: step(open(GUEST, O_RDONLY | O_CLOEXEC) >= 0, 14); break;
	case RANDOM_BYTES: step(getrandom(&byte, 1, 0) == 1, 14); break;
	case SYNCS: step(fsync(fd) == 0 || errno == EINVAL, 14); break;
	}
	_exit(0);
}

ParameterizedTestParameters(confine, second_stage_follows_the_policy)
{
	static struct policy_case cases[] = {
		{ "open without ReadFile", false, OPENS },
		{ "open with ReadFile", true, OPENS },
		{ "getrandom without GetRandom", false, RANDOM_BYTES },
		{ "getrandom with GetRandom", true, RANDOM_BYTES },
		{ "fsync when not saving", false, SYNCS },
		{ "fsync when saving", true, SYNCS },
	};

	return cr_make_param_array(struct policy_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct policy_case *c, confine, second_stage_follows_the_policy,
		  .timeout = 60)
{
	int ws = in_child(confined_call, c);

	if (c->allow)
		EXPECT_EXIT_0(ws);
	else
		EXPECT_SIGSYS(ws, c->what);
}

/* ---- hlrun itself -------------------------------------------------------------------- */

/* Starts hlrun with argv (argv[0] is replaced), stdin from fd (-1: /dev/null), its output
 * discarded. */
static pid_t spawn(const char *const *argv, int fd)
{
	pid_t pid = fork();
	int null;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		dup2(fd >= 0 ? fd : null, 0);
		dup2(null, 1);
		dup2(null, 2);
		isolate_state();
		execv(hlrun_bin(), (char **)(uintptr_t)argv);
		_exit(127);
	}
	return pid;
}

/* The number of seccomp filters of process pid once it has at least want (polled for at
 * most 20 s), or what it has then. */
static int filters_of(pid_t pid, int want)
{
	char path[64];
	int n = -1;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	for (int i = 0; i < 2000 && n < want; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
		n = status_field(fd, "Seccomp") == 2 ? status_field(fd, "Seccomp_filters") : 0;
		close(fd);
		if (n < want)
			usleep(10000);
	}
	return n;
}

/* Waiting for an argument on standard input, hlrun has read its guest under the first
 * stage alone; running guest code, it is under both; with --no-seccomp, under none. */
Test(confine, both_stages_in_a_running_hlrun, .timeout = 120)
{
	const char *const waits[] = { "hlrun", GUEST, "Echo", "-", NULL };
	const char *const spins[] = { "hlrun", "-t", "60s", GUEST, "Spin", NULL };
	const char *const unsafe[] = { "hlrun", "--no-seccomp", "-t", "60s", GUEST, "Spin",
				       NULL };
	int in[2], ws;
	pid_t pid;

	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	pid = spawn(waits, in[0]);
	close(in[0]);
	cr_assert_eq(filters_of(pid, 1), 1);
	usleep(200000);
	cr_assert_eq(filters_of(pid, 1), 1, "a second filter before any sandbox");
	cr_assert_eq(write(in[1], "hi", 2), 2);
	close(in[1]);
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	EXPECT_EXIT_0(ws);

	pid = spawn(spins, -1);
	cr_assert_eq(filters_of(pid, 2), 2);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &ws, 0), pid);

	pid = spawn(unsafe, -1);
	usleep(1000000);
	cr_assert_eq(filters_of(pid, 0), 0);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
}
