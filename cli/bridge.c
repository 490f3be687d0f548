/* A host process (hlrun-manifest(5), host_process): the user's own program, started
 * before hlrun confines itself, serves the host functions the manifest declares.  Each
 * call is one JSON line on its standard input, each reply one line on its standard
 * output.  The process is trusted as the manifest is, its replies are not: whatever it
 * does (dies, hangs, answers garbage or too much) becomes an error value for the guest,
 * bounded in time by the host_process timeout and the call's own. */
#include "cli/cli_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* How long hlrun, done, waits for the process to end after closing its input. */
#define GRACE_MS 1000

struct cli_bridge {
	pid_t pid;
	int pidfd;
	int to, from;          /* its standard input and output */
	const char *name;      /* the command, for messages */
	uint64_t timeout_ms, max_reply;
	const struct hl_export *fns;
	uint64_t id;           /* of the last request */
	char *buf;             /* bytes read and not yet taken: one line and what follows */
	size_t len, cap;
	bool skipping;         /* dropping the rest of an overlong line */
	char gone[96];         /* once it has ended: how, for every later call */
};

/* In the child: the pipes become standard input and output, nothing else stays open, and
 * SIGTERM follows hlrun's end.  Its own process group keeps a terminal's ^C for hlrun,
 * which stops the guest and ends the process itself.  Only exits. */
static void exec_child(char *const *argv, int in, int out, int err_pipe, pid_t parent)
{
	sigset_t none;
	int e;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	/* Above 3 first: with hlrun's standard input or output closed, a pipe may have
	 * come as 0 or 1, and a dup2() onto itself would leave it close-on-exec. */
	in = fcntl(in, F_DUPFD_CLOEXEC, 4);
	out = fcntl(out, F_DUPFD_CLOEXEC, 4);
	err_pipe = fcntl(err_pipe, F_DUPFD_CLOEXEC, 4);
	if (in < 0 || out < 0 || err_pipe < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup3(err_pipe, 3, O_CLOEXEC) < 0)
		_exit(127);
	syscall(SYS_close_range, 4u, ~0u, 0u);
	execvp(argv[0], argv);
	e = errno;
	(void)!write(3, &e, sizeof e);
	_exit(127);
}

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

/* Forks and execs; the pipe err_pipe reports exec's errno, or closes when exec works. */
static enum hl_err spawn(struct cli_bridge *b, char *const *argv, struct hl_diag *d)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, ep[2] = { -1, -1 }, e = 0;
	pid_t parent = getpid();
	enum hl_err err = HL_OK;
	ssize_t n;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		err = hl_fail(d, HL_E_INTERNAL, "host process: pipe: %s", strerror(errno));
		goto out;
	}
	b->pid = fork();
	if (b->pid < 0) {
		err = hl_fail(d, HL_E_INTERNAL, "host process: fork: %s", strerror(errno));
		goto out;
	}
	if (b->pid == 0)
		exec_child(argv, in[0], out[1], ep[1], parent);
	close(ep[1]);
	ep[1] = -1;
	while ((n = read(ep[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	if (n > 0) {
		waitpid(b->pid, NULL, 0);
		b->pid = -1;
		err = hl_fail(d, HL_E_INVALID, "host process %s: %s", argv[0], strerror(e));
		goto out;
	}
	b->to = in[1];
	b->from = out[0];
	in[1] = out[0] = -1;
	b->pidfd = (int)syscall(SYS_pidfd_open, b->pid, 0);
	if (b->pidfd < 0 || fcntl(b->to, F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(b->from, F_SETFL, O_NONBLOCK) < 0)
		err = hl_fail(d, HL_E_INTERNAL, "host process: %s", strerror(errno));
out:
	close_pair(in);
	close_pair(out);
	close_pair(ep);
	return err;
}

enum hl_err cli_bridge_start(char *const *argv, uint64_t timeout_ms, uint64_t max_reply,
			     const struct hl_export *fns, struct cli_bridge **out,
			     struct hl_diag *d)
{
	struct cli_bridge *b = calloc(1, sizeof *b);
	enum hl_err err;

	*out = NULL;
	if (b == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	*b = (struct cli_bridge){ .pid = -1, .pidfd = -1, .to = -1, .from = -1,
				  .name = argv[0], .timeout_ms = timeout_ms,
				  .max_reply = max_reply, .fns = fns };
	err = spawn(b, argv, d);
	if (err != HL_OK) {
		cli_bridge_stop(b);
		return err;
	}
	*out = b;
	return HL_OK;
}

/* Waits up to ms for the process to end and says how it ended into b->gone; "" while it
 * still runs. */
static void reap(struct cli_bridge *b, int ms)
{
	struct pollfd p = { .fd = b->pidfd, .events = POLLIN };
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	siginfo_t si = { 0 };

	if (b->pid < 0 || b->pidfd < 0 || ppoll(&p, 1, &ts, NULL) <= 0 ||
	    syscall(SYS_waitid, P_PIDFD, b->pidfd, &si, WEXITED | WNOHANG, NULL) != 0 ||
	    si.si_pid == 0)
		return;
	b->pid = -1;
	if (si.si_code == CLD_EXITED)
		snprintf(b->gone, sizeof b->gone, "exited with status %d", si.si_status);
	else
		snprintf(b->gone, sizeof b->gone, "was killed by signal %d (%s)", si.si_status,
			 sigabbrev_np(si.si_status) ? sigabbrev_np(si.si_status) : "?");
}

void cli_bridge_stop(struct cli_bridge *b)
{
	if (b == NULL)
		return;
	if (b->to >= 0)
		close(b->to);
	if (b->from >= 0)
		close(b->from);
	/* The end of its input asks it to end; PR_SET_PDEATHSIG sees to one that does
	 * not, once hlrun ends. */
	reap(b, GRACE_MS);
	if (b->pidfd >= 0)
		close(b->pidfd);
	free(b->buf);
	free(b);
}

/* The time left until deadline (CLOCK_MONOTONIC ns), as a timespec; false when none. */
static bool time_left(uint64_t deadline, struct timespec *ts)
{
	uint64_t now = sbx_now_ns(), left = deadline > now ? deadline - now : 0;

	if (left == 0)
		return false;
	*ts = (struct timespec){ (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
	return true;
}

/* Waits until fd is ready for events, the deadline passes (ETIMEDOUT) or SIGINT or
 * SIGTERM asks hlrun to stop (EINTR); those two are blocked between the check and the
 * wait, so that one that arrives in between still ends it. */
static int wait_for(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	struct timespec ts;
	sigset_t stop, old;
	int n;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	if (sbx_interrupted() != 0)
		n = -1, errno = EINTR;
	else if (!time_left(deadline, &ts))
		n = 0;
	else
		n = ppoll(&p, 1, &ts, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (n == 0)
		errno = ETIMEDOUT;
	return n > 0 ? 0 : -1;
}

/* Writes the n bytes at s; a process that is gone gives EPIPE, its SIGPIPE dropped. */
static int write_all(struct cli_bridge *b, const char *s, size_t n, uint64_t deadline)
{
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	ssize_t w = 0;
	int rc = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	while (n > 0 && rc == 0) {
		w = write(b->to, s, n);
		if (w > 0) {
			s += w;
			n -= (size_t)w;
		} else if (errno == EAGAIN) {
			rc = wait_for(b->to, POLLOUT, deadline);
		} else if (errno != EINTR) {
			rc = -1;
		}
	}
	/* The SIGPIPE of a write to a process that has ended is dropped; errno stays the
	 * write's. */
	if (rc != 0 && errno == EPIPE) {
		while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
			;
		errno = EPIPE;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Reads until b->buf holds a whole line of at most max_reply bytes; *end is its length.
 * An overlong line is dropped as it arrives (EMSGSIZE, then the rest skipped); EOF is
 * EPIPE. */
static int read_line(struct cli_bridge *b, uint64_t deadline, size_t *end)
{
	for (;;) {
		char *nl = b->len > 0 ? memchr(b->buf, '\n', b->len) : NULL;
		ssize_t r;

		if (b->skipping && nl != NULL) {
			b->len -= (size_t)(nl + 1 - b->buf);
			memmove(b->buf, nl + 1, b->len);
			b->skipping = false;
			continue;
		}
		if (nl != NULL && (size_t)(nl - b->buf) > b->max_reply) {
			b->len -= (size_t)(nl + 1 - b->buf);
			memmove(b->buf, nl + 1, b->len);
			return errno = EMSGSIZE, -1;
		}
		if (nl != NULL) {
			*end = (size_t)(nl - b->buf);
			return 0;
		}
		if (b->len > b->max_reply || b->skipping) {
			bool was = b->skipping;

			b->len = 0;
			b->skipping = true;
			if (!was)
				return errno = EMSGSIZE, -1;
		}
		if (b->cap - b->len < 4096) {
			size_t cap = b->cap * 2 > b->max_reply + 4097 ? b->max_reply + 4097 :
				     b->cap < 4096 ? 8192 : b->cap * 2;
			char *p = realloc(b->buf, cap);

			if (p == NULL)
				return errno = ENOMEM, -1;
			b->buf = p;
			b->cap = cap;
		}
		r = read(b->from, b->buf + b->len, b->cap - b->len);
		if (r > 0)
			b->len += (size_t)r;
		else if (r == 0)
			return errno = EPIPE, -1;
		else if (errno == EAGAIN && wait_for(b->from, POLLIN, deadline) != 0)
			return -1;
		else if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
}

/* Drops the line of len bytes (and its newline) from the front of b->buf. */
static void take_line(struct cli_bridge *b, size_t len)
{
	b->len -= len + 1;
	memmove(b->buf, b->buf + len + 1, b->len);
}

/* The guest's error for a call of e once the process has ended (b->gone says how). */
static enum hl_err refuse_gone(const struct cli_bridge *b, const struct hl_export *e,
			       struct sbx_host_out *o)
{
	return sbx_host_refuse(o, HL_ERR_HOST_FAILED, "%s: host process %s %s", e->name,
			       b->name, b->gone);
}

/* What a failed write or read (errno) means: the call's deadline or a signal ends the
 * call; anything of the process's own doing is an error value for the guest. */
static enum hl_err io_failed(struct cli_bridge *b, const struct hl_export *e,
			     uint64_t deadline_ns, struct sbx_host_out *o, struct hl_diag *d)
{
	int e_no = errno;

	if (e_no == EINTR)
		return hl_fail(d, sbx_interrupt_class(sbx_interrupted()), "%s",
			       sbx_interrupt_words(sbx_interrupted()));
	if (e_no == ETIMEDOUT && deadline_ns != 0 && sbx_now_ns() >= deadline_ns)
		return hl_fail(d, HL_E_TIMEOUT, "timed out waiting for the host process");
	if (e_no == ETIMEDOUT)
		return sbx_host_refuse(o, HL_ERR_HOST_FAILED, "%s: host process %s did not "
				       "answer within %llu ms (its timeout)", e->name, b->name,
				       (unsigned long long)b->timeout_ms);
	if (e_no == EMSGSIZE)
		return sbx_host_refuse(o, HL_ERR_HOST_FAILED, "%s: host process %s replied with "
				       "more than %llu bytes (its max_reply)", e->name, b->name,
				       (unsigned long long)b->max_reply);
	if (e_no != EPIPE)
		return hl_fail(d, HL_E_INTERNAL, "%s: host process %s: %s", e->name, b->name,
			       strerror(e_no));
	reap(b, 100);
	if (b->gone[0] == '\0')
		snprintf(b->gone, sizeof b->gone, "closed its standard %s",
			 b->len == 0 ? "output" : "output in mid-line");
	return refuse_gone(b, e, o);
}

enum hl_err cli_bridge_serve(void *ctx, size_t i, const struct hl_value *args,
			     uint64_t deadline_ns, struct sbx_host_out *o, struct hl_diag *d)
{
	struct cli_bridge *b = ctx;
	const struct hl_export *e = &b->fns[i];
	uint64_t mine = sbx_now_ns() + b->timeout_ms * 1000000u,
		 deadline = deadline_ns != 0 && deadline_ns < mine ? deadline_ns : mine;
	char *text = NULL;
	size_t len = 0, end;
	bool stale = true;
	enum hl_err err;

	if (b->gone[0] != '\0')
		return refuse_gone(b, e, o);
	b->id++;
	err = cli_bridge_request(b->id, e, args, &text, &len, d);
	if (err == HL_OK && write_all(b, text, len, deadline) != 0)
		err = io_failed(b, e, deadline_ns, o, d);
	free(text);
	while (err == HL_OK && o->code == 0 && stale) {
		if (read_line(b, deadline, &end) != 0)
			return io_failed(b, e, deadline_ns, o, d);
		err = cli_bridge_reply(b->buf, end, b->id, e, &stale, o, d);
		take_line(b, end);
		if (err == HL_E_USAGE)
			return sbx_host_refuse(o, HL_ERR_HOST_FAILED, "%s: host process %s answered "
					       "garbage: %s", e->name, b->name, d->msg);
	}
	return err;
}
