/* KVM suite: SIGINT and SIGTERM from outside stop the guest as a time limit would: the
 * call is answered (one line on standard error, or its JSON answer), what was done is
 * flushed, and hlrun then ends by the same signal, as a shell expects.  A second signal
 * ends it at once; a signal ignored when hlrun starts stays ignored. */
#include "tests/kvm/harness.h"

#include <signal.h>

#define DIR "build/signals-test"

/* A running hlrun: its pid, and pipes to its standard input, output and error. */
struct child {
	pid_t pid;
	int in, out, err;
	char errbuf[4096];
	size_t errlen;
};

static void start(struct child *c, bool ignore_sigint, const char *const *argv)
{
	int in[2], out[2], err[2];

	cr_assert(pipe(in) == 0 && pipe(out) == 0 && pipe(err) == 0);
	c->pid = fork();
	cr_assert_geq(c->pid, 0);
	if (c->pid == 0) {
		signal(SIGINT, ignore_sigint ? SIG_IGN : SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		for (int fd = 3; fd < 64; fd++)
			close(fd);
		execv(hlrun_bin(), (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	*c = (struct child){ c->pid, in[1], out[0], err[0], "", 0 };
}

/* Waits until hlrun has /dev/kvm open: its handlers, installed first thing, are in place
 * then, however slow its start (the test VM's emulation). */
static void wait_for_kvm(const struct child *c)
{
	char dir[64], link[96], target[64];

	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)c->pid);
	for (int tries = 0; tries < 2000; tries++) {
		for (int fd = 3; fd < 32; fd++) {
			ssize_t n;

			snprintf(link, sizeof link, "%s/%d", dir, fd);
			n = readlink(link, target, sizeof target - 1);
			if (n > 0 && (target[n] = '\0', strcmp(target, "/dev/kvm") == 0))
				return;
		}
		usleep(10000);
	}
	cr_assert_fail("hlrun did not open /dev/kvm within 20 s");
}

/* Reads standard error until it holds text. */
static void wait_for(struct child *c, const char *text)
{
	ssize_t n;

	while (strstr(c->errbuf, text) == NULL &&
	       (n = read(c->err, c->errbuf + c->errlen, sizeof c->errbuf - 1 - c->errlen)) > 0) {
		c->errlen += (size_t)n;
		c->errbuf[c->errlen] = '\0';
	}
	cr_assert_not_null(strstr(c->errbuf, text), "no '%s' in: %s", text, c->errbuf);
}

/* Closes standard input, reads both outputs to their end, waits for hlrun, and asserts
 * that signo ended it (0: SIGINT or SIGTERM); *out is what it printed. */
static void finish(struct child *c, int signo, char *out, size_t cap)
{
	size_t got = 0;
	ssize_t n;
	int status;

	close(c->in);
	while (got + 1 < cap && (n = read(c->out, out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	while ((n = read(c->err, c->errbuf + c->errlen, sizeof c->errbuf - 1 - c->errlen)) > 0)
		c->errlen += (size_t)n;
	c->errbuf[c->errlen] = '\0';
	close(c->out);
	close(c->err);
	cr_assert_eq(waitpid(c->pid, &status, 0), c->pid);
	cr_assert(WIFSIGNALED(status) && (WTERMSIG(status) == signo ||
					  (signo == 0 && (WTERMSIG(status) == SIGINT ||
							  WTERMSIG(status) == SIGTERM))),
		  "status 0x%x, not killed by signal %d; stderr: %s", status, signo, c->errbuf);
}

/* A small file to map, so that hostileguest's KeepReading prints "reading" and loops;
 * one for each test, as they run side by side and put_file() rewrites it. */
static const char *mapped(const char *test)
{
	static char spec[128];
	char path[96];

	snprintf(path, sizeof path, DIR "/%s.txt", test);
	put_file(path, "x\n");
	snprintf(spec, sizeof spec, "f=%s", path);
	return spec;
}

Test(signals, sigint_stops_the_call_with_one_line)
{
	const char *argv[] = { "hlrun", "--map", mapped("sigint"), HOSTILE, "KeepReading", "f",
			       NULL };
	struct child c;
	char out[256];

	start(&c, false, argv);
	wait_for(&c, "reading\n");
	kill(c.pid, SIGINT);
	finish(&c, SIGINT, out, sizeof out);
	cr_assert_str_eq(out, "");
	cr_assert_str_eq(c.errbuf, "reading\nhlrun: " HOSTILE ": KeepReading: interrupted by "
				   "SIGINT\n");
}

Test(signals, sigterm_answers_in_json)
{
	const char *argv[] = { "hlrun", "--json", "--map", mapped("json"), HOSTILE,
			       "KeepReading", "f", NULL };
	struct child c;
	char out[512];

	start(&c, false, argv);
	wait_for_kvm(&c);
	kill(c.pid, SIGTERM);
	finish(&c, SIGTERM, out, sizeof out);
	cr_assert_not_null(strstr(out, "\"ok\":false,\"error\":{\"class\":\"terminated\","
				       "\"status\":143,\"message\":\""), "%s", out);
	cr_assert_not_null(strstr(out, "terminated by SIGTERM\""), "%s", out);
}

/* The call under way is answered, the lines after it are not; the answers before it were
 * flushed as they came. */
Test(signals, a_batch_answers_the_call_under_way_and_ends)
{
	const char *argv[] = { "hlrun", "--batch", "--stats", GUEST, NULL };
	const char *in = "{\"function\":\"Echo\",\"args\":[\"a\"]}\n{\"function\":\"Spin\"}\n"
			 "{\"function\":\"Echo\",\"args\":[\"b\"]}\n";
	struct child c;
	char out[1024];

	start(&c, false, argv);
	cr_assert_eq(write(c.in, in, strlen(in)), (ssize_t)strlen(in));
	wait_for(&c, "stats: call 1:");
	usleep(1000000); /* well into Spin, even under emulation */
	kill(c.pid, SIGINT);
	finish(&c, SIGINT, out, sizeof out);
	cr_assert_str_eq(out, "{\"ok\":true,\"type\":\"string\",\"value\":\"a\"}\n"
			      "{\"ok\":false,\"error\":{\"class\":\"interrupted\",\"status\":130,"
			      "\"message\":\"Spin: interrupted by SIGINT\"}}\n");
	cr_assert_not_null(strstr(c.errbuf, "hlrun: " GUEST ": line 2: Spin: interrupted by "
				  "SIGINT\n"), "%s", c.errbuf);
}

Test(signals, a_batch_waiting_for_input_ends)
{
	const char *argv[] = { "hlrun", "--batch", GUEST, NULL };
	const char *in = "{\"function\":\"Echo\",\"args\":[\"a\"]}\n";
	struct child c;
	char out[256];
	ssize_t n;

	start(&c, false, argv);
	cr_assert_eq(write(c.in, in, strlen(in)), (ssize_t)strlen(in));
	n = read(c.out, out, sizeof out - 1);
	cr_assert_gt(n, 0);
	out[n] = '\0';
	cr_assert_str_eq(out, "{\"ok\":true,\"type\":\"string\",\"value\":\"a\"}\n");
	kill(c.pid, SIGTERM);
	finish(&c, SIGTERM, out, sizeof out);
	cr_assert_str_eq(c.errbuf, "hlrun: " GUEST ": terminated by SIGTERM while waiting for "
				   "line 2\n");
}

/* Two signals before hlrun could act on the first: the second to reach its handler ends
 * it at once, by that signal (the kernel may run either handler first), with no line. */
Test(signals, a_second_signal_ends_hlrun_at_once)
{
	const char *argv[] = { "hlrun", "--map", mapped("second"), HOSTILE, "KeepReading", "f",
			       NULL };
	struct child c;
	char out[256];

	start(&c, false, argv);
	wait_for(&c, "reading\n");
	kill(c.pid, SIGSTOP);
	kill(c.pid, SIGINT);
	kill(c.pid, SIGTERM);
	kill(c.pid, SIGCONT);
	finish(&c, 0, out, sizeof out);
	cr_assert_str_eq(c.errbuf, "reading\n");
}

/* A background job's SIGINT is ignored, and hlrun leaves it so. */
Test(signals, an_ignored_sigint_stays_ignored)
{
	const char *argv[] = { "hlrun", "--map", mapped("ignored"), HOSTILE, "KeepReading", "f",
			       NULL };
	struct child c;
	char out[256];
	int status;

	start(&c, true, argv);
	wait_for(&c, "reading\n");
	kill(c.pid, SIGINT);
	usleep(300000);
	cr_assert_eq(waitpid(c.pid, &status, WNOHANG), 0, "hlrun ended on an ignored SIGINT: "
		     "status 0x%x, stderr: %s", status, c.errbuf);
	kill(c.pid, SIGTERM);
	finish(&c, SIGTERM, out, sizeof out);
	cr_assert_not_null(strstr(c.errbuf, "KeepReading: terminated by SIGTERM\n"), "%s",
			   c.errbuf);
}

/* Stopped from outside, the guest leaves a core file as a time limit would. */
Test(signals, sigint_dumps_core, .timeout = 60)
{
	const char *core = DIR "/interrupted.core";
	const char *argv[] = { "hlrun", "--core", core, "--map", mapped("core"), HOSTILE,
			       "KeepReading", "f", NULL };
	struct child c;
	char out[256];
	struct stat st;

	unlink(core);
	start(&c, false, argv);
	wait_for(&c, "reading\n");
	kill(c.pid, SIGINT);
	finish(&c, SIGINT, out, sizeof out);
	cr_assert_not_null(strstr(c.errbuf, "KeepReading: interrupted by SIGINT; core dumped "
				  "to " DIR "/interrupted.core\n"), "%s", c.errbuf);
	cr_assert_eq(stat(core, &st), 0);
	cr_assert_gt(st.st_size, 0);
}

/* A signal also ends the wait for a manifest's host process, which says "waiting" on
 * hlrun's standard error once it has the call, and then never answers. */
Test(signals, sigterm_stops_the_wait_for_a_host_process)
{
	const char *argv[] = { "hlrun", DIR "/silent.yaml", "RetString", "Hang", NULL };
	struct child c;
	char out[256];

	put_file(DIR "/silent.sh", "#!/bin/sh\nread -r line\necho waiting >&2\nexec sleep 30\n");
	cr_assert_eq(chmod(DIR "/silent.sh", 0755), 0);
	put_file(DIR "/silent.yaml", "guest: ../../tests/guests/bin/bridgeguest.elf\n"
				     "host_process:\n  command: [./silent.sh]\n  timeout: 60s\n"
				     "  functions:\n    Hang: {returns: string}\n");
	start(&c, false, argv);
	wait_for(&c, "waiting\n");
	kill(c.pid, SIGTERM);
	finish(&c, SIGTERM, out, sizeof out);
	cr_assert_str_eq(out, "");
	cr_assert_str_eq(c.errbuf, "waiting\nhlrun: " DIR "/silent.yaml: RetString: terminated "
				   "by SIGTERM\n");
}
