/* KVM suite: a manifest's host process.  Every type goes both ways as declared; every
 * way the process can fail (an error, exiting, a signal, silence, garbage, a reply too
 * long, a closed output, a program that cannot run) is an error value for the guest or a
 * clear failure of hlrun, never a hang; the call's own time limit still holds; the
 * process ends with hlrun; --check starts nothing. */
#include "tests/kvm/harness.h"

#include <signal.h>
#include <sys/wait.h>

#define DIR "build/bridge-test"
#define BRIDGE_GUEST "../../tests/guests/bin/bridgeguest.elf"

/* A host process in sh that answers each call by its function's name, the request's
 * id cut out of the line as sh can. */
static const char script[] =
	"#!/bin/sh\n"
	"while IFS= read -r line; do\n"
	"  id=${line#*\\\"id\\\":}; id=${id%%,*}\n"
	"  ok() { printf '{\"id\":%s,\"result\":%s}\\n' \"$id\" \"$1\"; }\n"
	"  case $line in\n"
	"  *'\"function\":\"I32\"'*) ok -2147483648 ;;\n"
	"  *'\"function\":\"U32\"'*) ok 4294967295 ;;\n"
	"  *'\"function\":\"I64\"'*) ok '\"-9223372036854775808\"' ;;\n"
	"  *'\"function\":\"U64\"'*) ok 18446744073709551615 ;;\n"
	"  *'\"function\":\"F32\"'*) ok 1.5 ;;\n"
	"  *'\"function\":\"F64\"'*) ok '\"-inf\"' ;;\n"
	"  *'\"function\":\"Bool\"'*) ok true ;;\n"
	"  *'\"function\":\"Str\"'*) ok '\"h\\u00e9llo \\\"q\\\"\"' ;;\n"
	"  *'\"function\":\"Bytes\"'*) ok '\"AAEC/w==\"' ;;\n"
	"  *'\"function\":\"Void\"'*) ok null ;;\n"
	"  *'\"function\":\"Echo\"'*) a=${line#*\\\"args\\\":[}; ok \"${a%]\\}}\" ;;\n"
	"  *'\"function\":\"Mix\"'*) ok \"\\\"$(printf '%s' \"$line\" | "
	"sed 's/[\\\\\"]/\\\\&/g')\\\"\" ;;\n"
	"  *'\"function\":\"Fail\"'*) printf '{\"id\":%s,\"error\":\"no luck\"}\\n' \"$id\" ;;\n"
	"  *'\"function\":\"Exit\"'*) exit 3 ;;\n"
	"  *'\"function\":\"Kill\"'*) kill -9 $$ ;;\n"
	"  *'\"function\":\"Hang\"'*) exec sleep 30 ;;\n"
	"  *'\"function\":\"Slow\"'*) sleep 3; ok '\"late\"' ;;\n"
	"  *'\"function\":\"Close\"'*) exec sleep 30 >&- ;;\n"
	"  *'\"function\":\"Garbage\"'*) echo 'this is no JSON' ;;\n"
	"  *'\"function\":\"OtherId\"'*) ok '\"x\"' | sed 's/:[0-9]*,/:99,/' ;;\n"
	"  *'\"function\":\"WrongType\"'*) ok 42 ;;\n"
	"  *'\"function\":\"Both\"'*) printf '{\"id\":%s,\"result\":\"a\",\"error\":\"b\"}\\n' "
	"\"$id\" ;;\n"
	"  *'\"function\":\"Long\"'*) printf '{\"id\":%s,\"result\":\"' \"$id\"; "
	"head -c 3000 /dev/zero | tr '\\0' a; echo '\"}' ;;\n"
	"  *'\"function\":\"Pid\"'*) echo $$ >\"$0.pid\"; ok '\"'$$'\"' ;;\n"
	"  *) printf '{\"id\":%s,\"error\":\"unexpected %s\"}\\n' \"$id\" \"$line\" ;;\n"
	"  esac\n"
	"done\n";

/* Every function the script serves, as the manifest declares them. */
static const char functions[] =
	"  functions:\n"
	"    I32: {returns: i32}\n    U32: {returns: u32}\n    I64: {returns: i64}\n"
	"    U64: {returns: u64}\n    F32: {returns: f32}\n    F64: {returns: f64}\n"
	"    Bool: {returns: bool}\n    Str: {returns: string}\n    Bytes: {returns: bytes}\n"
	"    Void: {}\n    Echo: {params: [string], returns: string}\n"
	"    Mix: {params: [i32, u32, i64, u64, f32, f64, bool, string, bytes], "
	"returns: string}\n"
	"    Fail: {returns: string}\n    Exit: {returns: string}\n"
	"    Kill: {returns: string}\n    Hang: {returns: string}\n"
	"    Slow: {returns: string}\n    Close: {returns: string}\n"
	"    Garbage: {returns: string}\n    OtherId: {returns: string}\n"
	"    WrongType: {returns: string}\n    Both: {returns: string}\n"
	"    Long: {returns: string}\n    Pid: {returns: string}\n";

/* DIR/name.yaml, a manifest for bridgeguest whose host process is the script above
 * (DIR/name.sh), with extra lines in host_process and the lines of limits (each "" or
 * lines; limits "" is a time limit of 20 s). */
static const char *manifest(const char *name, const char *process, const char *limits)
{
	static char path[128];
	char file[64], *text;

	snprintf(file, sizeof file, "%s.sh", name);
	put_in(DIR, file, script);
	snprintf(path, sizeof path, DIR "/%s.sh", name);
	cr_assert_eq(chmod(path, 0755), 0);
	cr_assert(asprintf(&text, "guest: " BRIDGE_GUEST "\nlimits:\n%s"
			   "host_process:\n  command: [./%s.sh]\n%s%s",
			   limits[0] ? limits : "  timeout: 20s\n", name, process, functions) > 0);
	snprintf(file, sizeof file, "%s.yaml", name);
	snprintf(path, sizeof path, "%s", put_in(DIR, file, text));
	free(text);
	return path;
}

/* The answer to a call of RetI32 once gone.sh has exited. */
#define GONE_LINE                                                                        \
	"{\"ok\":false,\"error\":{\"class\":\"guest\",\"status\":1,\"message\":\"RetI32 "     \
	"failed (guest error 65540): I32: host process " DIR "/./gone.sh exited with status " \
	"5\"}}\n"

/* One call of bridgeguest's export fn with up to two arguments. */
static struct outcome call(const char *m, const char *fn, const char *a, const char *b)
{
	return hlrun(m, fn, a, b, NULL);
}

Test(bridge, every_return_type_arrives_as_declared)
{
	static const struct {
		const char *export, *function, *out;
	} cases[] = {
		{ "RetI32", "I32", "-2147483648\n" },
		{ "RetU32", "U32", "4294967295\n" },
		{ "RetI64", "I64", "-9223372036854775808\n" },
		{ "RetU64", "U64", "18446744073709551615\n" },
		{ "RetF32", "F32", "1.5\n" },
		{ "RetF64", "F64", "-inf\n" },
		{ "RetBool", "Bool", "true\n" },
		{ "RetString", "Str", "h\xc3\xa9llo \"q\"\n" },
		{ "RetBytes", "Bytes", "\x00\x01\x02\xff" },
		{ "RetVoid", "Void", "0\n" },
	};
	const char *m = manifest("types", "", "");

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct outcome o = call(m, cases[i].export, cases[i].function, NULL);
		size_t n = strlen(cases[i].out) + (i == 8 ? 4 : 0);

		cr_assert_eq(o.status, 0, "%s: status %d: %s", cases[i].export, o.status, o.err);
		cr_assert_eq(o.out_len, n, "%s: %zu bytes: %s", cases[i].export, o.out_len, o.out);
		cr_assert_eq(memcmp(o.out, cases[i].out, n), 0, "%s: %s", cases[i].export, o.out);
		cr_assert_str_eq(o.err, "");
		outcome_free(&o);
	}
}

Test(bridge, every_parameter_type_is_sent_as_json)
{
	const char *m = manifest("params", "", "");
	struct outcome o = hlrun(m, "Mix", "-7", "4294967295", "-9223372036854775808",
				 "18446744073709551615", "0.25", "nan", "true", "a\"b\\c\n",
				 "\x01\x02", NULL);

	expect_ok(o, "{\"id\":1,\"function\":\"Mix\",\"args\":[-7,4294967295,"
		  "-9223372036854775808,18446744073709551615,0.25,\"nan\",true,"
		  "\"a\\\"b\\\\c\\n\",\"AQI=\"]}\n");
	outcome_free(&o);
}

Test(bridge, a_large_string_goes_both_ways)
{
	const char *m = manifest("large", "", "");
	size_t n = 100000; /* one argument may have 128 KiB; a pipe holds 64 */
	char *big = malloc(n + 2);
	struct outcome o;

	memset(big, 'x', n);
	big[n] = '\0';
	o = call(m, "Relay", "Echo", big);
	big[n] = '\n';
	big[n + 1] = '\0';
	expect_ok(o, big);
	outcome_free(&o);
	free(big);
}

Test(bridge, an_error_reply_is_the_guests_error)
{
	struct outcome o = call(manifest("error", "", ""), "RetString", "Fail", NULL);

	expect_fail(&o, 1, "RetString failed (guest error 65540): Fail: no luck\n", NULL);
	outcome_free(&o);
}

/* Each way the process can go wrong, as the guest's error. */
Test(bridge, a_misbehaving_process_is_an_error_for_the_guest)
{
	static const struct {
		const char *function, *words;
	} cases[] = {
		{ "Exit", "Exit: host process " DIR "/./exit.sh exited with status 3" },
		{ "Kill", "Kill: host process " DIR "/./exit.sh was killed by signal 9 (KILL)" },
		{ "Close", "Close: host process " DIR "/./exit.sh closed its standard output" },
		{ "Garbage", "Garbage: host process " DIR "/./exit.sh answered garbage: line is not "
			     "valid JSON: " },
		{ "OtherId", "OtherId: host process " DIR "/./exit.sh answered garbage: \"id\" is not 1, "
			     "the request's" },
		{ "WrongType", "WrongType: host process " DIR "/./exit.sh answered garbage: result: "
			       "expected string, got a number" },
		{ "Both", "Both: host process " DIR "/./exit.sh answered garbage: both \"result\" and "
			  "\"error\"" },
		{ "Long", "Long: host process " DIR "/./exit.sh replied with more than 1024 bytes (its "
			  "max_reply)" },
	};
	const char *m = manifest("exit", "  max_reply: 1KiB\n", "");

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct outcome o = call(m, "RetString", cases[i].function, NULL);

		expect_fail(&o, 1, "RetString failed (guest error 65540): ", cases[i].words,
			    NULL);
		outcome_free(&o);
	}
}

/* Runs hlrun --batch on manifest m, giving it input only once file has appeared (and
 * a moment more), and returns its exit status; its standard output goes to out, its
 * standard error to DIR/batch_after.err. */
static int batch_after(const char *m, const char *file, const char *input, char *out,
		       size_t cap)
{
	const char *argv[] = { hlrun_bin(), "--batch", m, NULL };
	int in[2], from[2], status, tries = 0;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	cr_assert(pipe(in) == 0 && pipe(from) == 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int err = open(DIR "/batch_after.err", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(in[0], 0);
		dup2(from[1], 1);
		dup2(err, 2);
		close(in[1]);
		close(from[0]);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(in[0]);
	close(from[1]);
	while (access(file, F_OK) != 0 && tries++ < 2000)
		usleep(10000);
	usleep(200000);
	cr_assert_eq(write(in[1], input, strlen(input)), (ssize_t)strlen(input));
	close(in[1]);
	while (got + 1 < cap && (n = read(from[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(from[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Asserts that the file at path holds exactly text. */
static void expect_file(const char *path, const char *text)
{
	char buf[1024];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	cr_assert_str_eq(buf, text);
}

/* A program that has ended before the first call: the write to it fails, and the guest
 * hears how it ended; so does every later call, at once. */
Test(bridge, a_process_gone_before_the_call_is_an_error_for_the_guest)
{
	const char line[] = "{\"function\":\"RetI32\",\"args\":[\"I32\"]}\n";
	char *text = NULL, input[2 * sizeof line], out[1024];

	unlink(DIR "/gone.sh.done");
	put_in(DIR, "gone.sh", "#!/bin/sh\n: >\"$0.done\"\nexit 5\n");
	cr_assert_eq(chmod(DIR "/gone.sh", 0755), 0);
	cr_assert(asprintf(&text, "guest: " BRIDGE_GUEST "\nhost_process:\n  command: "
			   "[./gone.sh]\n%s", functions) > 0);
	put_in(DIR, "gone.yaml", text);
	free(text);
	snprintf(input, sizeof input, "%s%s", line, line);
	cr_assert_eq(batch_after(DIR "/gone.yaml", DIR "/gone.sh.done", input, out, sizeof out),
		     1);
	cr_assert_str_eq(out, GONE_LINE GONE_LINE);
	text = NULL;
	cr_assert(asprintf(&text, "hlrun: " DIR "/gone.yaml: 2 of the batch's lines failed; the "
			   "first, line 1: RetI32 failed (guest error 65540): I32: host process "
			   DIR "/./gone.sh exited with status 5\n") > 0);
	expect_file(DIR "/batch_after.err", text);
	free(text);
}

Test(bridge, silence_ends_at_the_process_timeout)
{
	const char *m = manifest("silent", "  timeout: 300ms\n", "");
	struct outcome o = call(m, "RetString", "Hang", NULL);

	expect_fail(&o, 1, "Hang: host process " DIR "/./silent.sh did not answer within 300 ms (its "
		    "timeout)", NULL);
	cr_assert_geq(o.seconds, 0.3);
	/* Then up to a second for the process to end once its input closes: a process
	 * that stays is left to SIGTERM, when hlrun ends. */
	cr_assert_lt(o.seconds, 10.0, "took %.3f s", o.seconds);
	outcome_free(&o);
}

Test(bridge, the_calls_time_limit_holds_while_the_process_works)
{
	const char *m = manifest("deadline", "", "  timeout: 400ms\n");
	struct outcome o = hlrun(m, "RetString", "Hang", NULL);

	cr_assert_eq(o.status, 124, "status %d: %s", o.status, o.err);
	cr_assert_str_eq(o.err, "hlrun: " DIR "/deadline.yaml: RetString: timed out after 400 "
			 "ms (waiting for host function Hang)\n");
	outcome_free(&o);
}

/* Batch mode: one process for every line.  A late reply to a call that timed out is
 * passed over; after the process has ended, each call says so at once. */
Test(bridge, a_batch_keeps_one_process_and_recovers_from_a_late_reply)
{
	const char *m = manifest("batch", "  timeout: 2s\n", "");
	const char in[] = "{\"id\":1,\"function\":\"RetString\",\"args\":[\"Slow\"]}\n"
			  "{\"id\":2,\"function\":\"Relay\",\"args\":[\"Echo\",\"after\"]}\n"
			  "{\"id\":3,\"function\":\"RetString\",\"args\":[\"Exit\"]}\n"
			  "{\"id\":4,\"function\":\"RetI32\",\"args\":[\"I32\"]}\n";
	struct outcome o = hlrun_in(in, sizeof in - 1, "--batch", m, NULL);

	cr_assert_eq(o.status, 1, "status %d: %s", o.status, o.err);
	cr_assert_str_eq(o.out,
		"{\"id\":1,\"ok\":false,\"error\":{\"class\":\"guest\",\"status\":1,"
		"\"message\":\"RetString failed (guest error 65540): Slow: host process " DIR
		"/./batch.sh did not answer within 2000 ms (its timeout)\"}}\n"
		"{\"id\":2,\"ok\":true,\"type\":\"string\",\"value\":\"after\"}\n"
		"{\"id\":3,\"ok\":false,\"error\":{\"class\":\"guest\",\"status\":1,"
		"\"message\":\"RetString failed (guest error 65540): Exit: host process " DIR
		"/./batch.sh exited with status 3\"}}\n"
		"{\"id\":4,\"ok\":false,\"error\":{\"class\":\"guest\",\"status\":1,"
		"\"message\":\"RetI32 failed (guest error 65540): I32: host process " DIR
		"/./batch.sh exited with status 3\"}}\n");
	outcome_free(&o);
}

Test(bridge, a_program_that_cannot_run_is_named)
{
	const char *m = manifest("missing", "", "");
	char *text = NULL;
	struct outcome o;

	cr_assert(asprintf(&text, "guest: " BRIDGE_GUEST "\nhost_process:\n  command: "
			   "[./no-such-bridge, --flag]\n%s", functions) > 0);
	m = put_in(DIR, "missing.yaml", text);
	free(text);
	o = hlrun(m, "RetI32", "I32", NULL);
	cr_assert_eq(o.status, 3, "status %d: %s", o.status, o.err);
	cr_assert_str_eq(o.err, "hlrun: host process " DIR "/./no-such-bridge: No such file or "
			 "directory\n");
	outcome_free(&o);
}

Test(bridge, check_starts_nothing)
{
	const char *m = manifest("check", "  timeout: 1500ms\n  max_reply: 2KiB\n", "");
	struct outcome o;

	unlink(DIR "/check.sh.pid");
	o = hlrun("--check", m, NULL);
	expect_ok(o, DIR "/check.yaml: ok\n");
	outcome_free(&o);
	o = hlrun("--check", "--json", m, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_not_null(strstr(o.out, ",\"host_process\":{\"command\":[\"" DIR "/./check.sh\"],"
				      "\"timeout_ms\":1500,\"max_reply\":2048,\"functions\":["
				      "{\"name\":\"I32\",\"params\":[],\"returns\":\"i32\"},"), "%s",
			   o.out);
	cr_assert_not_null(strstr(o.out, "{\"name\":\"Void\",\"params\":[],\"returns\":"
				      "\"void\"},{\"name\":\"Echo\",\"params\":[\"string\"],"
				      "\"returns\":\"string\"},"), "%s", o.out);
	outcome_free(&o);
	cr_assert_eq(access(DIR "/check.sh.pid", F_OK), -1);
	o = call(m, "RetString", "Pid", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(access(DIR "/check.sh.pid", F_OK), 0);
	outcome_free(&o);
}

/* Whether process pid is gone (or a zombie nobody has reaped yet). */
static bool gone(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return true;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state == 'Z';
}

Test(bridge, the_process_ends_with_hlrun)
{
	const char *m = manifest("ends", "  timeout: 200ms\n", "");
	const char in[] = "{\"function\":\"RetString\",\"args\":[\"Pid\"]}\n"
			  "{\"function\":\"RetString\",\"args\":[\"Hang\"]}\n";
	struct outcome o = hlrun_in(in, sizeof in - 1, "--batch", m, NULL);
	pid_t pid;
	int tries = 0;

	cr_assert_eq(o.status, 1, "status %d: %s", o.status, o.err);
	cr_assert_not_null(strstr(o.out, "\"value\":\""), "%s", o.out);
	pid = (pid_t)atoi(strstr(o.out, "\"value\":\"") + 9);
	cr_assert_gt(pid, 1, "%s", o.out);
	/* It was left sleeping; SIGTERM came with hlrun's end. */
	while (!gone(pid) && tries++ < 100)
		usleep(50000);
	cr_assert(gone(pid), "process %d still runs", (int)pid);
	outcome_free(&o);
}

Test(bridge, the_example_bridge_serves_its_manifest)
{
	struct outcome o = hlrun("examples/bridge.yaml", "AskHost", "Upper", "hello, world",
				 NULL);

	expect_ok(o, "HELLO, WORLD\n");
	outcome_free(&o);
	o = hlrun("examples/bridge.yaml", "AskHost", "Lookup", "sea", NULL);
	expect_fail(&o, 1, "AskHost failed (guest error 65540): Lookup: KeyError: \"no colour "
		    "for 'sea'\"\n", NULL);
	outcome_free(&o);
}

/* DIR/name.yaml: snapshot DIR/snap.snap, served by snap.sh, with functions as given. */
static const char *from_snapshot(const char *name, const char *fns)
{
	static char path[128];
	char file[64], *text = NULL;

	cr_assert(asprintf(&text, "snapshot: snap.snap\nhost_process:\n  command: [./snap.sh]\n"
			   "%s", fns) > 0);
	snprintf(file, sizeof file, "%s.yaml", name);
	snprintf(path, sizeof path, "%s", put_in(DIR, file, text));
	free(text);
	return path;
}

/* A snapshot records the host process's functions with their types: without them, or
 * with other types, it does not run; with more, it does. */
Test(bridge, a_snapshot_records_the_host_process_functions)
{
	const char *m = manifest("snap", "", "");
	char other[sizeof functions + 32];
	struct outcome o;

	unlink(DIR "/snap.snap");
	o = hlrun("--save-snapshot", DIR "/snap.snap", m, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	outcome_free(&o);
	o = hlrun(DIR "/snap.snap", "RetI32", "I32", NULL);
	cr_assert_eq(o.status, 3, "status %d: %s", o.status, o.err);
	cr_assert_str_eq(o.err, "hlrun: " DIR "/snap.snap: the snapshot was saved with host "
			 "process function I32()->i32, which no host_process in force "
			 "declares\n");
	outcome_free(&o);
	o = hlrun(from_snapshot("same", functions), "RetI32", "I32", NULL);
	expect_ok(o, "-2147483648\n");
	outcome_free(&o);
	snprintf(other, sizeof other, "%s    More: {params: [bool]}\n", functions);
	o = hlrun(from_snapshot("more", other), "RetI32", "I32", NULL);
	expect_ok(o, "-2147483648\n");
	outcome_free(&o);
	snprintf(other, sizeof other, "%s", functions);
	strstr(other, "returns: i32")[9] = 'u';
	o = hlrun("--check", from_snapshot("other", other), NULL);
	cr_assert_eq(o.status, 3, "status %d: %s", o.status, o.err);
	cr_assert_str_eq(o.err, "hlrun: " DIR "/other.yaml: the snapshot was saved with host "
			 "process function I32()->i32, which the host_process in force declares "
			 "as I32()->u32\n");
	outcome_free(&o);
}
