/* piperound: the floor of the bridge rows: one request line and its reply between two
 * processes over two pipes, as hlrun and a manifest's host process exchange them.  A
 * forked child answers each line of REQUEST bytes with one of REPLY bytes (newlines
 * included); each round trip, from writing the request to reading the reply's newline,
 * is timed alone.  Both sides block in plain read and write: the least such a call
 * can cost.
 *
 *   usage: piperound N WARMUP REQUEST REPLY
 *   prints: piperound_ns median=M min=M p90=P mean=A n=N clock_ns=C
 * clock_ns is the median cost of reading the clock itself, as in roundtrip.  A pipe, the
 * fork or the child failing exits 1 with a message; a usage error exits 2. */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/bench/stats.h"

/* A pipe's default capacity: a longer line would also measure the pipe's refills. */
#define MAX_LINE 65536

static size_t parse_count(const char *s, size_t min, size_t max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		errx(2, "%s must be a number from %zu to %zu (got '%s')", what, min, max,
		     s);
	return (size_t)v;
}

/* n - 1 bytes of c and a newline, allocated. */
static char *make_line(size_t n, char c)
{
	char *p = malloc(n);

	if (p == NULL)
		err(1, "cannot allocate a line of %zu bytes", n);
	memset(p, c, n - 1);
	p[n - 1] = '\n';
	return p;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno != EINTR)
			err(1, "write");
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
	}
}

/* Reads one line, which must be of len bytes with its newline, into buf; false at the
 * end of input before its first byte.  One line at most is in flight: no read can take
 * bytes of the next. */
static bool read_line(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got == 0 || buf[got - 1] != '\n') {
		ssize_t r;

		if (got == len)
			errx(1, "a line longer than %zu bytes", len);
		r = read(fd, buf + got, len - got);
		if (r < 0 && errno != EINTR)
			err(1, "read");
		if (r == 0 && got == 0)
			return false;
		if (r == 0)
			errx(1, "the input ends in mid-line");
		if (r > 0)
			got += (size_t)r;
	}
	if (got != len)
		errx(1, "a line of %zu bytes, expected %zu", got, len);
	return true;
}

/* Forks the child that answers each request with the reply until its input ends;
 * *to and *from become the parent's ends of its two pipes. */
static pid_t start_child(size_t req_len, const char *reply, size_t reply_len, int *to,
			 int *from)
{
	int down[2], up[2];
	pid_t pid;

	if (pipe(down) != 0 || pipe(up) != 0)
		err(1, "pipe");
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		char *buf = malloc(req_len);

		close(down[1]);
		close(up[0]);
		if (buf == NULL)
			err(1, "cannot allocate %zu bytes", req_len);
		while (read_line(down[0], buf, req_len))
			write_all(up[1], reply, reply_len);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	*to = down[1];
	*from = up[0];
	return pid;
}

int main(int argc, char **argv)
{
	size_t n, warmup, req_len, reply_len;
	char *req, *reply, *buf;
	struct sample_stats s;
	uint64_t *v, clock;
	int to, from, st;
	pid_t pid;

	if (argc != 5)
		errx(2, "usage: piperound N WARMUP REQUEST REPLY");
	n = parse_count(argv[1], 1, 100000000, "N");
	warmup = parse_count(argv[2], 0, 100000000, "WARMUP");
	req_len = parse_count(argv[3], 1, MAX_LINE, "REQUEST");
	reply_len = parse_count(argv[4], 1, MAX_LINE, "REPLY");
	v = calloc(n, sizeof *v);
	if (v == NULL)
		err(1, "cannot allocate %zu samples", n);
	req = make_line(req_len, 'q');
	reply = make_line(reply_len, 'r');
	buf = malloc(reply_len);
	if (buf == NULL)
		err(1, "cannot allocate %zu bytes", reply_len);
	pid = start_child(req_len, reply, reply_len, &to, &from);
	for (size_t i = 0; i < warmup + n; i++) {
		uint64_t t0 = now_ns();

		write_all(to, req, req_len);
		if (!read_line(from, buf, reply_len))
			errx(1, "the answering child closed its output");
		if (i >= warmup)
			v[i - warmup] = now_ns() - t0;
	}
	close(to);
	if (waitpid(pid, &st, 0) != pid)
		err(1, "waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		errx(1, "the answering child failed (wait status %#x)", (unsigned)st);
	sample_stats(v, n, &s);
	clock = clock_cost_ns(v, n);
	printf("piperound_ns median=%" PRIu64 " min=%" PRIu64 " p90=%" PRIu64 " mean=%" PRIu64
	       " n=%zu clock_ns=%" PRIu64 "\n", s.median, s.min, s.p90, s.mean, n, clock);
	free(v);
	free(req);
	free(reply);
	free(buf);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return 0;
}
