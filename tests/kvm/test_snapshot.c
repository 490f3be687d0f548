/* KVM suite: snapshot files: saving after init, starting from one without init, sizes
 * and host functions fixed at saving, the file left untouched, hostile snapshot files,
 * init's many scattered pages, and a file rewritten under a running hlrun.  A manifest
 * that names a snapshot is tested in test_snapshot_manifest.c, a snapshot as a guest's
 * cache in test_snapshot_cache.c. */
#include "tests/kvm/harness.h"

#include <criterion/parameterized.h>
#include <sys/stat.h>

#include "tests/kvm/snapshot_fixture.h"

/* ---- Saved, then run: each case a series of runs of hlrun ------------------------------ */

/* Stands for the case's snapshot file among a run's arguments. */
#define SNAP "<snap>"
#define MAX_RUN_ARGS 6

/* One run of hlrun: its arguments (up to an empty one), the status it must exit with,
 * and what it must print: all of standard output for status 0, else the words its one
 * line on standard error must hold. */
struct run {
	char args[MAX_RUN_ARGS][28];
	int status;
	char want[3][48];
};

/* No pointers: Criterion may run each case in a fresh process image. */
struct saved_case {
	char what[32];
	char file[16];      /* in DIR, one per case: Criterion runs them side by side */
	struct run runs[4]; /* the first saves the snapshot; an empty one ends them */
};

ParameterizedTestParameters(snapshot, saved_then_run)
{
	static struct saved_case cases[] = {
		{ "save then call", "echo.snap",
		  { { { "--save-snapshot", SNAP, GUEST }, 0, { "" } },
		    { { SNAP, "Echo", "hello" }, 0, { "hello\n" } },
		    { { SNAP, "Add", "2", "3" }, 0, { "5\n" } } } },
		/* The guest counts its inits in memory: a snapshot holds the count of its one
		 * init, and starting from it does not run init again. */
		{ "init is not run again", "init.snap",
		  { { { "--save-snapshot", SNAP, GUEST }, 0, { "" } },
		    { { GUEST, "InitCount" }, 0, { "1\n" } },
		    { { SNAP, "InitCount" }, 0, { "1\n" } } } },
		/* Memory sizes are part of the snapshot: its heap stays as small as it was
		 * saved. */
		{ "sizes are fixed", "small.snap",
		  { { { "--save-snapshot", SNAP, "--heap", "64KiB", GUEST }, 0, { "" } },
		    { { SNAP, "Malloc", "1000" }, 0, { "1000\n" } },
		    { { SNAP, "Malloc", "1000000" }, 1, { "Malloc failed" } },
		    { { "--heap", "1M", SNAP, "Echo", "x" }, 2,
		      { "memory sizes are fixed when it is saved", "--heap" } } } },
		{ "failures keep their status", "fail.snap",
		  { { { "--save-snapshot", SNAP, GUEST }, 0, { "" } },
		    { { SNAP, "TriggerException" }, 4, { "invalid opcode" } },
		    { { "-t", "300ms", SNAP, "Spin" }, 124, { "timed out after 300 ms" } },
		    { { SNAP, "Fail", "oops" }, 1, { "oops" } } } },
		/* The manifest's sizes and host functions (HostPrint, GetTimeNs) go into the
		 * snapshot; the example's heap is 1 MiB. */
		{ "from a manifest", "manifest.snap",
		  { { { "--save-snapshot", SNAP, "examples/simpleguest.yaml" }, 0, { "" } },
		    { { SNAP, "Echo", "hi" }, 3, { "GetTimeNs" } },
		    { { "--allow", "GetTimeNs", SNAP, "Echo", "hi" }, 0, { "hi\n" } },
		    { { "--allow", "GetTimeNs", SNAP, "Malloc", "2000000" }, 1,
		      { "Malloc failed" } } } },
	};

	return cr_make_param_array(struct saved_case, cases, sizeof cases / sizeof cases[0]);
}

/* The word w, or NULL (which ends expect_fail()'s words) when there is none. */
static const char *word(const char *w)
{
	return w[0] != '\0' ? w : NULL;
}

ParameterizedTest(struct saved_case *c, snapshot, saved_then_run)
{
	const char *snap = path(c->file);

	for (size_t i = 0; i < 4 && c->runs[i].args[0][0] != '\0'; i++) {
		const struct run *r = &c->runs[i];
		const char *argv[MAX_RUN_ARGS + 2] = { "hlrun" };
		struct outcome o;

		for (size_t j = 0; j < MAX_RUN_ARGS && r->args[j][0] != '\0'; j++)
			argv[j + 1] = strcmp(r->args[j], SNAP) == 0 ? snap : r->args[j];
		o = run_argv(NULL, 0, argv);
		/* Which case and run, before the checks that name neither. */
		cr_assert_eq(o.status, r->status, "%s, run %zu: status %d, not %d; stderr: %s",
			     c->what, i, o.status, r->status, o.err);
		if (r->status == 0)
			expect_ok(o, r->want[0]);
		else
			expect_fail(&o, r->status, word(r->want[0]), word(r->want[1]),
				    word(r->want[2]), NULL);
		outcome_free(&o);
	}
}

/* ---- The file -------------------------------------------------------------------------- */

/* A snapshot file is whole pages after its magic.  Guest memory is a private mapping of
 * the file: a call's writes never reach it. */
Test(snapshot, file_is_never_written)
{
	const char *snap = save("private.snap", NULL, NULL);
	size_t len1, len2;
	char *before = slurp(snap, &len1), *after;
	struct outcome o = hlrun(snap, "AddToStatic", "41", NULL);

	cr_assert_eq(memcmp(before, "\177HLSNAP\n", 8), 0);
	cr_assert_eq(len1 % 4096, 0, "size %zu", len1);
	expect_ok(o, "41\n");
	outcome_free(&o);
	o = hlrun(snap, "AddToStatic", "1", NULL);
	expect_ok(o, "1\n");
	outcome_free(&o);
	after = slurp(snap, &len2);
	cr_assert_eq(len1, len2);
	cr_assert_eq(memcmp(before, after, len1), 0, "the snapshot file changed");
	free(before);
	free(after);
}

Test(snapshot, list_and_check)
{
	const char *snap = save("list.snap", NULL, NULL);
	struct outcome o = hlrun("--list", snap, NULL);
	char want[300];

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "Echo(string) -> string\n") != NULL, "%s", o.out);
	cr_assert(strstr(o.out, "Head(bytes, i32) -> bytes\n") != NULL, "%s", o.out);
	outcome_free(&o);
	o = hlrun("--check", snap, NULL);
	snprintf(want, sizeof want, "%s: ok\n", snap);
	expect_ok(o, want);
	outcome_free(&o);
}

/* A snapshot saved with a host function allowed runs only where it still is.  Allowed
 * twice (HostPrint by default and by --allow) is recorded once. */
Test(snapshot, host_functions_must_stay_allowed)
{
	const char *snap = path("time.snap");
	struct outcome o = hlrun("--save-snapshot", snap, "--allow", "GetTimeNs", "--allow",
				 "HostPrint", GUEST, NULL);

	expect_ok(o, "");
	outcome_free(&o);
	o = hlrun(snap, "Echo", "x", NULL);
	expect_fail(&o, 3, "saved with host function GetTimeNs allowed", NULL);
	outcome_free(&o);
	o = hlrun("--allow", "GetTimeNs", snap, "GetTime", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_gt(strtoull(o.out, NULL, 10), 0, "%s", o.out);
	outcome_free(&o);
}

Test(snapshot, save_to_bad_path)
{
	struct outcome o = hlrun("--save-snapshot", "build/no/such/dir/x.snap", GUEST, NULL);

	expect_fail(&o, 2, "build/no/such/dir/x.snap", "No such file or directory", NULL);
	outcome_free(&o);
}

/* Damaged files: exit 3 and one line that says what is wrong. */
Test(snapshot, hostile_files)
{
	/* Each a copy of a good snapshot, cut short or with one byte changed. */
	static const struct {
		long len;           /* bytes kept: 0 all, less than 0 all but that many */
		int at;             /* the byte changed to value, or -1 */
		char value;
		const char *want[3];
	} damages[] = {
		{ -4096, -1, 0, { "bad.snap", "truncated" } },
		{ 100, -1, 0, { "bad.snap" } },
		{ 0, 8, 9, { "version 9" } },  /* format version */
		{ 0, 12, 99, { "ABI", "99" } }, /* ABI version */
	};
	const char *snap = save("good.snap", NULL, NULL), *bad = path("bad.snap");
	size_t len;
	char *bytes = slurp(snap, &len);

	for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++) {
		const char *const *want = damages[i].want;
		long n = damages[i].len;
		struct outcome o;
		char was = 0;

		if (damages[i].at >= 0) {
			was = bytes[damages[i].at];
			bytes[damages[i].at] = damages[i].value;
		}
		spit(bad, bytes, n > 0 ? (size_t)n : len - (size_t)-n);
		if (damages[i].at >= 0)
			bytes[damages[i].at] = was;
		o = hlrun(bad, "Echo", "x", NULL);
		expect_fail(&o, 3, want[0], want[1], want[2], NULL);
		outcome_free(&o);
	}
	free(bytes);
}

/* An init that leaves 100 pages written apart from each other, more runs than the saver
 * first makes room for: the snapshot keeps every one, and a batch from it restores them
 * after a call. */
Test(snapshot, init_writes_scattered_over_many_pages)
{
	const char *m = put("scatter.yaml", "guest: ../../tests/guests/bin/badinitguest.elf\n"
					    "env: [BADINIT]\nhost_functions: [GetEnv]\n");
	const char *calls = "{\"function\":\"Scattered\"}\n{\"function\":\"Scattered\"}\n";
	struct outcome o;

	cr_assert_eq(setenv("BADINIT", "scatter", 1), 0);
	o = hlrun("--save-snapshot", path("scatter.snap"), m, NULL);
	unsetenv("BADINIT");
	expect_ok(o, "");
	outcome_free(&o);
	o = hlrun("--allow", "GetEnv", path("scatter.snap"), "Scattered", NULL);
	expect_ok(o, "100\n");
	outcome_free(&o);
	o = hlrun_in(calls, strlen(calls), "--batch", "--allow", "GetEnv", path("scatter.snap"),
		     NULL);
	expect_ok(o, "{\"ok\":true,\"type\":\"i32\",\"value\":100}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":100}\n");
	outcome_free(&o);
	/* Booted without BADINIT, init writes none of them. */
	o = hlrun(m, "Scattered", NULL);
	expect_ok(o, "0\n");
	outcome_free(&o);
}

/* Reads from fd up to and including the next newline into line (cap bytes, NUL-ended). */
static void read_answer(int fd, char *line, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(fd, line + n, 1);

		cr_assert_eq(r, 1, "answer cut short after %zu bytes: %.*s", n, (int)n, line);
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
}

/* A snapshot file truncated and rewritten while hlrun runs from it changes nothing: hlrun
 * runs from a sealed copy made when it started.  The calls after the rewrite touch pages
 * the first did not (a 4 MiB malloc), and restore every page. */
Test(snapshot, rewritten_while_running, .timeout = 120)
{
	const char *snap = save("live.snap", NULL, NULL);
	int in[2], out[2], ws;
	char answer[256], *bytes;
	size_t len;
	FILE *f;
	pid_t pid;

	bytes = slurp(snap, &len);
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(hlrun_bin(), "hlrun", "--batch", snap, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	f = fdopen(in[1], "w");
	cr_assert_not_null(f);
	fputs("{\"function\":\"Echo\",\"args\":[\"before\"]}\n", f);
	fflush(f);
	read_answer(out[0], answer, sizeof answer);
	cr_assert_str_eq(answer, "{\"ok\":true,\"type\":\"string\",\"value\":\"before\"}\n");
	/* Truncated to nothing, then the same size of garbage. */
	spit(snap, "", 0);
	memset(bytes, 0xcc, len);
	spit(snap, bytes, len);
	fputs("{\"function\":\"Malloc\",\"args\":[4194304]}\n"
	      "{\"function\":\"Echo\",\"args\":[\"after\"]}\n"
	      "{\"function\":\"InitCount\",\"args\":[]}\n", f);
	cr_assert_eq(fclose(f), 0);
	read_answer(out[0], answer, sizeof answer);
	cr_assert_str_eq(answer, "{\"ok\":true,\"type\":\"i32\",\"value\":4194304}\n");
	read_answer(out[0], answer, sizeof answer);
	cr_assert_str_eq(answer, "{\"ok\":true,\"type\":\"string\",\"value\":\"after\"}\n");
	read_answer(out[0], answer, sizeof answer);
	cr_assert_str_eq(answer, "{\"ok\":true,\"type\":\"i32\",\"value\":1}\n");
	cr_assert_eq(read(out[0], answer, 1), 0);
	close(out[0]);
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "status 0x%x", ws);
	free(bytes);
}
