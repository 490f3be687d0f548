/* timeit: runs a command N times, each run timed alone with CLOCK_MONOTONIC from spawn to
 * reaping, and prints order statistics of the whole-process times on one line.
 *
 *   usage: timeit -n N [-w WARMUP] [-i STDIN] [-o STDOUT] [-e STDERR] [-a] [-r SAMPLES]
 *                 [-s STATUS] [-k SECONDS] -- CMD [ARG...]
 *   prints: timeit_ns median=M min=M p90=P mean=A max=X n=N
 *
 * Every run reads STDIN (default /dev/null) from its start.  The measured runs' standard
 * output and error go to STDOUT and STDERR (default /dev/null), each truncated once (or,
 * with -a, appended to) and then written by the runs in turn, so that a file collects
 * every run's lines; warm-up runs write to /dev/null.  -r appends each measured run's
 * nanoseconds to SAMPLES, one a line, so that samples taken in several rounds can be
 * pooled.  A run that exits with a status other than STATUS (default 0),
 * dies of a signal or outlives SECONDS (default 120; it is then killed) makes timeit
 * name the command and exit 1.  Usage errors exit 2. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/stats.h"

extern char **environ;

struct opts {
	size_t n, warmup;
	const char *in, *out, *errf, *samples;
	bool append;
	int status;
	long limit_s;
	char **cmd;
};

static long parse_num(const char *s, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max)
		errx(2, "%s must be a number from 0 to %ld (got '%s')", what, max, s);
	return v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .n = 0, .in = "/dev/null", .out = "/dev/null",
			    .errf = "/dev/null", .limit_s = 120 };
	while ((c = getopt(argc, argv, "+n:w:i:o:e:ar:s:k:")) != -1) {
		switch (c) {
		case 'n': o->n = (size_t)parse_num(optarg, 10000000, "-n"); break;
		case 'w': o->warmup = (size_t)parse_num(optarg, 10000000, "-w"); break;
		case 'i': o->in = optarg; break;
		case 'o': o->out = optarg; break;
		case 'e': o->errf = optarg; break;
		case 'a': o->append = true; break;
		case 'r': o->samples = optarg; break;
		case 's': o->status = (int)parse_num(optarg, 255, "-s"); break;
		case 'k': o->limit_s = parse_num(optarg, 86400, "-k"); break;
		default: goto usage;
		}
	}
	if (o->n == 0 || optind >= argc || o->limit_s == 0)
		goto usage;
	o->cmd = argv + optind;
	return;
usage:
	errx(2, "usage: timeit -n N [-w WARMUP] [-i STDIN] [-o STDOUT] [-e STDERR] [-a] "
	     "[-r SAMPLES] [-s STATUS] [-k SECONDS] -- CMD [ARG...]  (N >= 1)");
}

/* The command line, for messages: at most the first 200 characters. */
static const char *cmd_text(char **cmd)
{
	static char buf[256];
	size_t used = 0;

	buf[0] = '\0';
	for (; *cmd != NULL && used < 200; cmd++) {
		int k = snprintf(buf + used, sizeof buf - used, "%s%s", used ? " " : "", *cmd);

		if (k < 0)
			break;
		used += (size_t)k < sizeof buf - used ? (size_t)k : sizeof buf - used - 1;
	}
	return buf;
}

/* Standard input opened afresh in each child; out and err duplicated from descriptors the
 * parent holds open, so that successive runs append to the same files. */
static void make_actions(posix_spawn_file_actions_t *fa, const char *in, int out, int errfd)
{
	int e = posix_spawn_file_actions_init(fa);

	if (e == 0)
		e = posix_spawn_file_actions_addopen(fa, 0, in, O_RDONLY, 0);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(fa, out, 1);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(fa, errfd, 2);
	errno = e;
	if (e != 0)
		err(1, "posix_spawn file actions");
}

static int open_output(const char *path, bool append)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);

	if (fd < 0)
		err(1, "%s", path);
	return fd;
}

/* Waits for child pid until the deadline; returns its wait status, or kills it and
 * exits 1 when the deadline passes.  SIGCHLD is blocked, so it queues for sigtimedwait. */
static int wait_child(pid_t pid, const sigset_t *chld, uint64_t deadline, char **cmd)
{
	for (;;) {
		int ws;
		uint64_t now = now_ns();
		struct timespec left;
		pid_t r = waitpid(pid, &ws, WNOHANG);

		if (r == pid)
			return ws;
		if (r < 0)
			err(1, "waitpid (%s)", cmd_text(cmd));
		if (now >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &ws, 0);
			errx(1, "%s: still running after the time limit (-k); killed", cmd_text(cmd));
		}
		left.tv_sec = (time_t)((deadline - now) / 1000000000u);
		left.tv_nsec = (long)((deadline - now) % 1000000000u);
		if (sigtimedwait(chld, NULL, &left) < 0 && errno != EAGAIN && errno != EINTR)
			err(1, "sigtimedwait");
	}
}

/* One run, timed from just before the spawn to just after the child is reaped. */
static uint64_t run_once(const struct opts *o, const posix_spawn_file_actions_t *fa,
			 const posix_spawnattr_t *attr, const sigset_t *chld, size_t run)
{
	pid_t pid;
	int ws, e;
	uint64_t t0 = now_ns(), t1;

	e = posix_spawnp(&pid, o->cmd[0], fa, attr, o->cmd, environ);
	errno = e;
	if (e != 0)
		err(1, "cannot run %s", cmd_text(o->cmd));
	ws = wait_child(pid, chld, t0 + (uint64_t)o->limit_s * 1000000000u, o->cmd);
	t1 = now_ns();
	if (WIFSIGNALED(ws))
		errx(1, "%s: killed by signal %d (run %zu)", cmd_text(o->cmd), WTERMSIG(ws), run);
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != o->status)
		errx(1, "%s: exit status %d, expected %d (run %zu)", cmd_text(o->cmd),
		     WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, o->status, run);
	return t1 - t0;
}

static void write_samples(const char *path, const uint64_t *v, size_t n)
{
	FILE *f = fopen(path, "ae");

	if (f == NULL)
		err(1, "%s", path);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%" PRIu64 "\n", v[i]);
	if (fclose(f) != 0)
		err(1, "%s", path);
}

int main(int argc, char **argv)
{
	struct opts o;
	posix_spawn_file_actions_t quiet, measured;
	posix_spawnattr_t attr;
	sigset_t chld, old;
	struct sample_stats s;
	uint64_t *v;
	int null, out, errfd;

	parse_args(argc, argv, &o);
	v = calloc(o.n, sizeof *v);
	if (v == NULL)
		err(1, "cannot allocate %zu samples", o.n);
	null = open_output("/dev/null", false);
	out = open_output(o.out, o.append);
	errfd = strcmp(o.errf, o.out) == 0 ? out : open_output(o.errf, o.append);
	make_actions(&quiet, o.in, null, null);
	make_actions(&measured, o.in, out, errfd);

	/* An inherited SIG_IGN would make the kernel reap children before waitpid can. */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &old) != 0)
		err(1, "sigprocmask");
	/* The children get the signal mask timeit started with, not the blocked SIGCHLD. */
	if (posix_spawnattr_init(&attr) != 0 || posix_spawnattr_setsigmask(&attr, &old) != 0 ||
	    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK) != 0)
		errx(1, "posix_spawnattr setup failed");

	for (size_t i = 0; i < o.warmup; i++)
		(void)run_once(&o, &quiet, &attr, &chld, i + 1);
	for (size_t i = 0; i < o.n; i++)
		v[i] = run_once(&o, &measured, &attr, &chld, o.warmup + i + 1);
	if (o.samples != NULL)
		write_samples(o.samples, v, o.n);
	sample_stats(v, o.n, &s);
	printf("timeit_ns median=%" PRIu64 " min=%" PRIu64 " p90=%" PRIu64 " mean=%" PRIu64
	       " max=%" PRIu64 " n=%zu\n", s.median, s.min, s.p90, s.mean, s.max, o.n);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return 0;
}
