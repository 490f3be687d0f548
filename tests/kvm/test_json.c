/* KVM suite: --json, every outcome of every mode as one JSON object on standard output
 * (hlrun(1), JSON OUTPUT), and --stats, as text and in the JSON. */
#include "tests/kvm/harness.h"

#include <sys/stat.h>
#include <unistd.h>

#define PRINTGUEST "tests/guests/bin/printguest.elf"
#define DIR "build/json-test"

/* Whether s starts with the string literal lit. */
#define starts_with(s, lit) (strncmp((s), (lit), sizeof(lit) - 1) == 0)

/* Asserts status, exact stdout and exact stderr. */
static void expect(struct outcome o, int status, const char *out, const char *err)
{
	cr_assert_eq(o.status, status, "status %d, not %d; stderr: %s", o.status, status, o.err);
	cr_assert_str_eq(o.out, out);
	cr_assert_str_eq(o.err, err);
	outcome_free(&o);
}

/* A failure: its one line on standard error, and the same message in the JSON error of
 * class cls on standard output (messages here hold nothing JSON escapes). */
static void expect_json_error(struct outcome o, int status, const char *cls, const char *word)
{
	char want[1024];
	size_t n = strlen(o.err);

	cr_assert_eq(o.status, status, "status %d, not %d; stderr: %s", o.status, status, o.err);
	cr_assert(n > 8 && strncmp(o.err, "hlrun: ", 7) == 0 && o.err[n - 1] == '\n' &&
		  strchr(o.err, '\n') == o.err + n - 1, "stderr: %s", o.err);
	cr_assert(strstr(o.err, word) != NULL, "'%s' not in: %s", word, o.err);
	cr_assert_null(strpbrk(o.err, "\"\\"), "%s", o.err);
	snprintf(want, sizeof want, "{\"ok\":false,\"error\":{\"class\":\"%s\",\"status\":%d,"
		 "\"message\":\"%.*s\"}}\n", cls, status, (int)(n - 8), o.err + 7);
	cr_assert_str_eq(o.out, want);
	outcome_free(&o);
}

/* What printguest prints during its initialisation. */
static const char *init_output(void)
{
	static char init[601];

	memset(init, 'i', 600);
	return init;
}

/* ---- A call --------------------------------------------------------------------------- */

Test(json, a_result_is_one_object_as_in_batch_mode)
{
	expect(hlrun("--json", GUEST, "Add", "2", "3", NULL), 0,
	       "{\"ok\":true,\"type\":\"i32\",\"value\":5}\n", "");
	expect(hlrun("--json", GUEST, "Echo", "a \"q\"\n", NULL), 0,
	       "{\"ok\":true,\"type\":\"string\",\"value\":\"a \\\"q\\\"\\n\"}\n", "");
	expect(hlrun("--json", GUEST, "EchoBytes", "raw", NULL), 0,
	       "{\"ok\":true,\"type\":\"bytes\",\"value\":\"cmF3\"}\n", "");
	expect(hlrun("--json", GUEST, "EchoF64", "-inf", NULL), 0,
	       "{\"ok\":true,\"type\":\"f64\",\"value\":\"-inf\"}\n", "");
	expect(hlrun("--json", GUEST, "EchoBool", "false", NULL), 0,
	       "{\"ok\":true,\"type\":\"bool\",\"value\":false}\n", "");
	expect(hlrun("--json", GUEST, "EchoU64", "18446744073709551615", NULL), 0,
	       "{\"ok\":true,\"type\":\"u64\",\"value\":18446744073709551615}\n", "");
}

/* What the guest prints goes into the answer, apart from the result; stdout stays one
 * object whatever --print-to says. */
Test(json, the_guests_output_is_in_the_answer)
{
	char want[1024];

	expect(hlrun("--json", GUEST, "PrintOutput", "hey", NULL), 0,
	       "{\"ok\":true,\"type\":\"i32\",\"value\":3,\"output\":\"hey\"}\n", "");
	expect(hlrun("--json", "--print-to", "stdout", GUEST, "PrintOutput", "hey", NULL), 0,
	       "{\"ok\":true,\"type\":\"i32\",\"value\":3,\"output\":\"hey\"}\n", "");
	snprintf(want, sizeof want, "{\"ok\":true,\"type\":\"i32\",\"value\":2,\"output\":"
		 "\"cc\",\"init_output\":\"%s\"}\n", init_output());
	expect(hlrun("--json", PRINTGUEST, "Print", "2", NULL), 0, want, "");
}

/* Every class of failure: the same line on standard error, and its class, status and
 * message in the JSON. */
Test(json, each_failure_is_an_error_object)
{
	expect_json_error(hlrun("--json", GUEST, "Fail", "oops", NULL), 1, "guest", "oops");
	expect_json_error(hlrun("--json", GUEST, "Add", "2", "x", NULL), 2, "usage", "i32");
	expect_json_error(hlrun("--json", GUEST, "Nope", NULL), 2, "usage", "no function");
	expect_json_error(hlrun("--json", "--bogus", GUEST, "Echo", NULL), 2, "usage",
			  "unknown option --bogus; try 'hlrun --help'");
	expect_json_error(hlrun("--bogus", "--json", GUEST, "Echo", NULL), 2, "usage",
			  "unknown option --bogus");
	expect_json_error(hlrun("--json", "tests/kvm/help.txt", "Echo", "x", NULL), 3, "invalid",
			  "help.txt");
	expect_json_error(hlrun("--json", GUEST, "TriggerException", NULL), 4, "crash",
			  "invalid opcode");
	expect_json_error(hlrun("--json", "-t", "300ms", GUEST, "Spin", NULL), 124, "timeout",
			  "timed out after 300 ms");
	expect_json_error(run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"unshare --mount sh -c 'mount -t tmpfs none /dev && exec \"$0\" --json " GUEST
		" Echo hi' \"$0\"", hlrun_bin(), NULL }), 5, "nokvm", "/dev/kvm");
}

/* What a failing call printed is in its error too. */
Test(json, a_failure_keeps_what_was_printed)
{
	static const char m[] = "guest: ../../" GUEST "\nhost_functions: [HostPrint]\n"
				"limits: {max_output: 10}\n";

	put_file(DIR "/ten.yaml", m);
	expect(hlrun("--json", DIR "/ten.yaml", "PrintTimes", "ab", "5", NULL), 0,
	       "{\"ok\":true,\"type\":\"i32\",\"value\":10,\"output\":\"ababababab\"}\n", "");
	expect(hlrun("--json", DIR "/ten.yaml", "PrintTimes", "ab", "6", NULL), 1,
	       "{\"ok\":false,\"error\":{\"class\":\"guest\",\"status\":1,\"message\":\"" DIR
	       "/ten.yaml: PrintTimes failed (guest error 65540): HostPrint: output limit of 10 "
	       "bytes (max_output) reached\"},\"output\":\"ababababab\"}\n",
	       "hlrun: " DIR "/ten.yaml: PrintTimes failed (guest error 65540): HostPrint: output "
	       "limit of 10 bytes (max_output) reached\n");
}

/* What an initialisation that fails printed is its answer's init_output. */
Test(json, a_failed_initialisation_keeps_what_it_printed)
{
	static const char m[] = "guest: ../../tests/guests/bin/badinitguest.elf\n"
				"host_functions: [GetEnv, HostPrint]\nenv: [BADINIT]\n"
				"limits: {max_output: 1000}\n";
	char want[1200];
	struct outcome o;

	put_file(DIR "/badinit.yaml", m);
	o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c", "BADINIT=flood exec \"$0\" "
		"--json -t 1s " DIR "/badinit.yaml Ok", hlrun_bin(), NULL });
	cr_assert_eq(o.status, 124, "%s", o.err);
	cr_assert(starts_with(o.out, "{\"ok\":false,\"error\":{\"class\":\"timeout\","), "%s",
		  o.out);
	strcpy(want, "\"},\"init_output\":\"");
	memset(want + strlen(want), 'f', 1000);
	strcpy(want + strlen("\"},\"init_output\":\"") + 1000, "\"}\n");
	cr_assert(o.out_len > strlen(want) &&
		  strcmp(o.out + o.out_len - strlen(want), want) == 0, "%s", o.out);
	outcome_free(&o);
}

/* Messages are escaped as JSON needs, and so is what a terminal would act on. */
Test(json, an_error_message_is_escaped)
{
	expect(hlrun("--json", "--print-to", "stdout", GUEST, "Fail", "a\"b\\c\x7f\xc2\x9b\xe2\x80\xae",
		     NULL), 1, "{\"ok\":false,\"error\":{\"class\":\"guest\",\"status\":1,\"message\":"
	       "\"" GUEST ": Fail failed (guest error 1): a\\\"b\\\\c\\u007f\\u009b\\u202e\"}}\n",
	       "hlrun: " GUEST ": Fail failed (guest error 1): a\"b\\c\\x7f\\xc2\\x9b\\xe2\\x80"
	       "\\xae\n");
}

/* A batch that fails before its first answer, even in reading its input, answers with
 * the error. */
Test(json, a_batch_that_cannot_read_its_input)
{
	expect_json_error(run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"exec \"$0\" --json --batch " GUEST " </", hlrun_bin(), NULL }), 125,
		"internal", "standard input: Is a directory");
}

/* ---- --list, --check, --save-snapshot, --version ------------------------------------ */

/* The exports, in --list's order, each with its types. */
Test(json, list)
{
	struct outcome text = hlrun("--list", GUEST, NULL), o = hlrun("--json", "-l", GUEST, NULL);
	size_t lines = 0, names = 0;

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.err, "");
	cr_assert(starts_with(o.out, "{\"ok\":true,\"functions\":[{\"name\":\"Echo\",\"params\":"
			      "[\"string\"],\"returns\":\"string\"},{\"name\":\"EchoBytes\","),
		  "%s", o.out);
	cr_assert(strstr(o.out, ",{\"name\":\"Abort\",\"params\":[\"i32\",\"string\"],"
			 "\"returns\":\"void\"},") != NULL, "%s", o.out);
	cr_assert(strstr(o.out, ",{\"name\":\"Spin\",\"params\":[],\"returns\":\"void\"},") !=
		  NULL, "%s", o.out);
	cr_assert_eq(strcmp(o.out + o.out_len - 4, "}]}\n"), 0, "%s", o.out);
	for (const char *p = text.out; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	for (const char *p = o.out; (p = strstr(p, "{\"name\":")) != NULL; p++)
		names++;
	cr_assert_eq(names, lines);
	cr_assert_gt(lines, 20);
	outcome_free(&o);
	outcome_free(&text);
}

/* The configuration a run would have, merged and checked, and the exports; the values of
 * variables, which may be secrets, never. */
Test(json, check_reports_the_configuration)
{
	struct outcome list = hlrun("--json", "--list", GUEST, NULL), o;
	const char *functions = list.out + strlen("{\"ok\":true,");
	char want[8192];

	cr_assert_eq(list.status, 0, "%s", list.err);
	snprintf(want, sizeof want, "{\"ok\":true,\"kind\":\"manifest\",\"snapshot\":false,"
		 "\"memory\":{\"heap\":1048576,\"stack\":262144,\"input\":65536,\"output\":65536},"
		 "\"limits\":{\"timeout_ms\":5000,\"max_output\":1048576},\"host_functions\":"
		 "[\"HostPrint\",\"GetTimeNs\"],\"env\":[],\"files\":[],\"maps\":{},"
		 "\"host_process\":null,\"print_to\":\"stderr\",%s",
		 functions);
	expect(hlrun("--json", "--check", "examples/simpleguest.yaml", NULL), 0, want, "");
	snprintf(want, sizeof want, "{\"ok\":true,\"kind\":\"elf\",\"snapshot\":false,"
		 "\"memory\":{\"heap\":8388608,\"stack\":524288,\"input\":4194304,\"output\":"
		 "4194304},\"limits\":{\"timeout_ms\":2000,\"max_output\":16777216},"
		 "\"host_functions\":[\"HostPrint\",\"GetEnv\",\"ReadFile\"],\"env\":[\"TOKEN\"],"
		 "\"files\":[\"data\"],\"maps\":{\"doc\":\"README.md\"},\"host_process\":"
		 "null,\"print_to\":\"stdout\",%s", functions);
	o = hlrun("--json", "--check", "--env", "TOKEN=secret", "--dir", "data", "-t2s",
		  "--print-to", "stdout", "--map", "doc=README.md", GUEST, NULL);
	cr_assert_null(strstr(o.out, "secret"), "%s", o.out);
	expect(o, 0, want, "");
	/* Each host function once, however often it is allowed. */
	o = hlrun("--json", "--check", "--allow", "HostPrint", "--allow=GetTimeNs", "--allow",
		  "GetTimeNs", GUEST, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, ",\"host_functions\":[\"HostPrint\",\"GetTimeNs\"],") != NULL,
		  "%s", o.out);
	outcome_free(&o);
	outcome_free(&list);
	o = hlrun("--json", "--check", DIR "/missing.yaml", NULL);
	expect_json_error(o, 3, "invalid", "missing.yaml");
}

Test(json, save_snapshot_then_check_it)
{
	const char *snap = DIR "/print.snap";
	char want[1024];
	struct outcome o;

	mkdir("build", 0755);
	mkdir(DIR, 0755);
	unlink(snap);
	snprintf(want, sizeof want, "{\"ok\":true,\"snapshot\":\"%s\",\"init_output\":\"%s\"}\n",
		 snap, init_output());
	expect(hlrun("--json", "--save-snapshot", snap, PRINTGUEST, NULL), 0, want, "");
	o = hlrun("--json", "--check", snap, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(starts_with(o.out, "{\"ok\":true,\"kind\":\"snapshot\",\"snapshot\":true,"),
		  "%s", o.out);
	outcome_free(&o);
	expect(hlrun("--json", snap, "Print", "1", NULL), 0,
	       "{\"ok\":true,\"type\":\"i32\",\"value\":1,\"output\":\"c\"}\n", "");
}

Test(json, version)
{
	struct outcome o = hlrun("--json", "--version", NULL);

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(starts_with(o.out, "{\"ok\":true,\"version\":\"0.2.0\",\"abi\":2,\"kvm\":\""),
		  "%s", o.out);
	cr_assert_str_eq(o.out + o.out_len - 3, "\"}\n");
	outcome_free(&o);
	o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"unshare --mount sh -c 'mount -t tmpfs none /dev && exec \"$0\" --json -V' "
		"\"$0\"", hlrun_bin(), NULL });
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(starts_with(o.out, "{\"ok\":true,\"version\":\"0.2.0\",\"abi\":2,\"kvm\":null,"
			      "\"no_kvm\":\"/dev/kvm: no KVM on this host"), "%s", o.out);
	outcome_free(&o);
}

/* A batch answers in JSON Lines anyway; with --json, a failure before its first call is
 * a JSON line too. */
Test(json, batch_failure_before_the_first_call)
{
	expect_json_error(hlrun_in("", 0, "--json", "--batch", DIR "/missing.elf", NULL), 3,
			  "invalid", "missing.elf");
	expect(hlrun_in("{\"function\":\"Add\",\"args\":[1,2]}\n", 32, "--json", "--batch",
			GUEST, NULL), 0, "{\"ok\":true,\"type\":\"i32\",\"value\":3}\n", "");
}

/* ---- --stats ------------------------------------------------------------------------ */

Test(stats, reports_every_phase)
{
	struct outcome o = hlrun("--stats", GUEST, "Echo", "x", NULL);

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.out, "x\n");
	for (const char *const *w = (const char *const[]){ "hlrun: stats:", "open-kvm",
			"create-vm", "load", "init", "call", "total", NULL }; *w; w++)
		cr_assert(strstr(o.err, *w) != NULL, "'%s' not in: %s", *w, o.err);
	outcome_free(&o);
}

/* A run that fails still reports the phases it went through, before its error line. */
Test(stats, also_when_the_call_fails)
{
	struct outcome o = hlrun("--stats", GUEST, "TriggerException", NULL);
	const char *err_line;

	cr_assert_eq(o.status, 4, "%s", o.err);
	cr_assert_eq(strncmp(o.err, "hlrun: stats: kvm ", 18), 0, "%s", o.err);
	err_line = strchr(o.err, '\n') + 1;
	cr_assert_eq(strncmp(err_line, "hlrun: stats: elf ", 18), 0, "%s", o.err);
	err_line = strchr(err_line, '\n') + 1;
	cr_assert(strstr(err_line, "hlrun: " GUEST ": TriggerException: invalid opcode") ==
		  err_line, "%s", o.err);
	outcome_free(&o);
}


/* With --json, the stats go into the answer, success or failure, and not to standard
 * error. */
Test(stats, in_the_json_not_on_standard_error)
{
	static const char *const keys[] = { "\"kvm\":\"", "\"elf_ms\":", "\"open_kvm_ms\":",
					    "\"create_vm_ms\":", "\"load_ms\":", "\"init_ms\":",
					    "\"call_ms\":", "\"total_ms\":" };
	struct outcome o = hlrun("--json", "--stats", GUEST, "Echo", "x", NULL);
	const char *stats;

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.err, "");
	stats = "{\"ok\":true,\"type\":\"string\",\"value\":\"x\",\"stats\":{";
	cr_assert(strncmp(o.out, stats, strlen(stats)) == 0, "%s", o.out);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		cr_assert(strstr(o.out, keys[i]) != NULL, "%s not in %s", keys[i], o.out);
	cr_assert_str_eq(o.out + o.out_len - 3, "}}\n");
	outcome_free(&o);
	o = hlrun("--json", "--stats", GUEST, "TriggerException", NULL);
	cr_assert_eq(o.status, 4, "%s", o.err);
	cr_assert_null(strstr(o.err, "stats"), "%s", o.err);
	stats = "{\"ok\":false,\"error\":{\"class\":\"crash\",";
	cr_assert(strncmp(o.out, stats, strlen(stats)) == 0, "%s", o.out);
	cr_assert(strstr(o.out, "},\"stats\":{\"kvm\":\"") != NULL, "%s", o.out);
	outcome_free(&o);
	/* A run that stops before any KVM has none to name. */
	o = hlrun("--json", "--stats", GUEST, "Add", "1", "x", NULL);
	cr_assert_eq(o.status, 2, "%s", o.err);
	cr_assert(strstr(o.out, "},\"stats\":{\"kvm\":null,\"elf_ms\":") != NULL, "%s", o.out);
	outcome_free(&o);
}

/* A batch's answers are what batch mode defines: its stats stay on standard error. */
Test(stats, a_batch_keeps_them_on_standard_error)
{
	struct outcome o = hlrun_in("{\"function\":\"Add\",\"args\":[1,2]}\n", 32, "--json",
				    "--stats", "--batch", GUEST, NULL);

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.out, "{\"ok\":true,\"type\":\"i32\",\"value\":3}\n");
	cr_assert(strstr(o.err, "hlrun: stats: call 1: run ") != NULL, "%s", o.err);
	cr_assert(strstr(o.err, "hlrun: stats: elf ") != NULL, "%s", o.err);
	outcome_free(&o);
}
