/* Test harness for the KVM suite: runs the hlrun binary as a user would and captures its
 * standard output, standard error and exit status. */
#ifndef TESTS_KVM_HARNESS_H
#define TESTS_KVM_HARNESS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/guests/paths.h"

#define MAX_ARGS 32

struct outcome {
	int status;     /* exit status, or 128 + signal */
	char *out;      /* NUL-terminated (binary content may hold NULs: use out_len) */
	size_t out_len;
	char *err;
	size_t err_len;
	double seconds; /* wall-clock time of the whole process */
};

static const char *hlrun_bin(void)
{
	const char *b = getenv("HLRUN");

	return b != NULL ? b : "./hlrun";
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	cr_assert_not_null(*buf);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Feeds input to the child's stdin while draining its stdout and stderr. */
static void pump(int in, int out, int err, const char *input, size_t in_len,
		 struct outcome *o)
{
	size_t sent = 0;
	char buf[65536];

	if (in_len == 0) {
		close(in);
		in = -1;
	}
	while (out >= 0 || err >= 0) {
		struct pollfd p[3] = { { out, POLLIN, 0 }, { err, POLLIN, 0 }, { in, POLLOUT, 0 } };

		cr_assert_geq(poll(p, 3, -1), 0);
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof buf);
			if (n <= 0) {
				close(p[i].fd);
				*(i == 0 ? &out : &err) = -1;
			} else if (i == 0) {
				append(&o->out, &o->out_len, buf, (size_t)n);
			} else {
				append(&o->err, &o->err_len, buf, (size_t)n);
			}
		}
		if (in >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(in, input + sent, in_len - sent);

			if (n > 0)
				sent += (size_t)n;
			if (n < 0 || sent == in_len) {
				close(in);
				in = -1;
			}
		}
	}
	if (in >= 0)
		close(in);
}

/* hlrun keeps the user's snapshot key under $XDG_STATE_HOME: the tests' is in build/, not
 * in the home of whoever runs them. */
static void isolate_state(void)
{
	char dir[4096];

	if (getcwd(dir, sizeof dir - 32) == NULL)
		_exit(126);
	strcat(dir, "/build/test-state");
	setenv("XDG_STATE_HOME", dir, 1);
}

/* Runs argv (NULL-terminated; argv[0] is replaced by the hlrun binary unless it is
 * "sh") with input on stdin. */
static struct outcome run_argv(const char *input, size_t in_len, const char *const *argv)
{
	struct outcome o = { 0 };
	int pin[2], pout[2], perr[2], ws;
	struct timespec t0, t1;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	cr_assert_eq(pipe2(pin, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(pout, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(perr, O_CLOEXEC), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		signal(SIGPIPE, SIG_DFL);
		isolate_state();
		/* execv's argv is not const-qualified for historical reasons only. */
		execv(strcmp(argv[0], "sh") == 0 ? "/bin/sh" : hlrun_bin(),
		      (char **)(uintptr_t)argv);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	append(&o.out, &o.out_len, "", 0);
	append(&o.err, &o.err_len, "", 0);
	pump(pin[1], pout[0], perr[0], input, in_len, &o);
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	o.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	o.status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return o;
}

static struct outcome vhlrun(const char *input, size_t len, const char *first, va_list ap)
{
	const char *argv[MAX_ARGS] = { "hlrun", first };
	int n = 2;

	while (first != NULL && n < MAX_ARGS - 1 && (argv[n] = va_arg(ap, const char *)))
		n++;
	argv[n] = NULL;
	return run_argv(input, len, argv);
}

/* hlrun(ARGS..., NULL) with no input. */
__attribute__((unused)) static struct outcome hlrun(const char *first, ...)
{
	struct outcome o;
	va_list ap;

	va_start(ap, first);
	o = vhlrun(NULL, 0, first, ap);
	va_end(ap);
	return o;
}

/* Same with input on standard input. */
__attribute__((unused)) static struct outcome hlrun_in(const char *input, size_t len, const char *first, ...)
{
	struct outcome o;
	va_list ap;

	va_start(ap, first);
	o = vhlrun(input, len, first, ap);
	va_end(ap);
	return o;
}

__attribute__((unused)) static void outcome_free(struct outcome *o)
{
	free(o->out);
	free(o->err);
}

/* Writes text to path, a file in a directory right below build/ (made if need be). */
__attribute__((unused)) static void put_file(const char *path, const char *text)
{
	char dir[256];
	FILE *f;

	snprintf(dir, sizeof dir, "%s", path);
	cr_assert_not_null(strrchr(dir, '/'), "%s", path);
	*strrchr(dir, '/') = '\0';
	mkdir("build", 0755);
	mkdir(dir, 0755);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert(fputs(text, f) >= 0 && fclose(f) == 0, "%s", path);
}

/* Writes text to dir/name (see put_file()); returns its path, one of 4 kept in turn. */
__attribute__((unused)) static const char *put_in(const char *dir, const char *name,
						  const char *text)
{
	static char path[4][160];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof path[0], "%s/%s", dir, name);
	put_file(p, text);
	return p;
}

/* How long a run that does nothing takes here and now: the yardstick for a timeout. */
__attribute__((unused)) static double noop_seconds(void)
{
	const char *argv[] = { "hlrun", GUEST, "Echo", "x", NULL };
	struct outcome o = run_argv(NULL, 0, argv);
	double s = o.seconds;

	cr_assert_eq(o.status, 0, "%s", o.err);
	free(o.out);
	free(o.err);
	return s;
}

/* A run with a time limit of limit_s seconds took at least that, and at most that plus
 * what a run that does nothing took (noop_s, measured in the same test: emulation makes
 * everything slow) twice over and half a second: a timer that fires late, say at twice
 * the limit, fails this. */
#define expect_timely(o, limit_s, noop_s)                                                \
	do {                                                                             \
		cr_assert_geq((o).seconds, (limit_s), "took %.3f s, limit %.3f s",       \
			      (o).seconds, (double)(limit_s));                          \
		cr_assert_leq((o).seconds, (limit_s) + 2 * (noop_s) + 0.5,               \
			      "took %.3f s for a limit of %.3f s, a no-op run %.3f s",   \
			      (o).seconds, (double)(limit_s), (noop_s));                \
	} while (0)

/* Asserts status, exact stdout and empty stderr. */
#define expect_ok(o, expected_out)                                                        \
	do {                                                                               \
		cr_assert_eq((o).status, 0, "status %d, stderr: %s", (o).status, (o).err); \
		cr_assert_str_eq((o).out, expected_out);                                   \
		cr_assert_str_eq((o).err, "");                                             \
	} while (0)

/* Asserts status, empty stdout, and that stderr is one "hlrun: " line containing each
 * of the given words. */
__attribute__((unused)) static void expect_fail(const struct outcome *o, int status, ...)
{
	va_list ap;
	const char *word;

	cr_assert_eq(o->status, status, "status %d, not %d; stderr: %s", o->status, status,
		     o->err);
	cr_assert_eq(strncmp(o->err, "hlrun: ", 7), 0, "stderr: %s", o->err);
	cr_assert_eq(o->out_len, 0, "stdout: %s", o->out);
	va_start(ap, status);
	while ((word = va_arg(ap, const char *)) != NULL)
		cr_assert(strstr(o->err, word) != NULL, "'%s' not in: %s", word, o->err);
	va_end(ap);
}

#endif
