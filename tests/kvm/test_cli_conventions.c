/* KVM suite: the command line by the conventions of its peers (getopt_long, wasmtime run):
 * options first, every word after FUNCTION an argument, bundled short options, one-line
 * usage errors; the guest's own output on standard error; --env and --dir grants. */
#include "tests/kvm/harness.h"

#include <sys/stat.h>

#define PRINTGUEST "tests/guests/bin/printguest.elf"
#define DIR "build/conventions-test"

/* Asserts status, exact stdout and exact stderr. */
static void expect(struct outcome o, int status, const char *out, const char *err)
{
	cr_assert_eq(o.status, status, "status %d, not %d; stderr: %s", o.status, status, o.err);
	cr_assert_str_eq(o.out, out);
	cr_assert_str_eq(o.err, err);
	outcome_free(&o);
}

/* ---- Options, then GUEST, FUNCTION and its arguments ------------------------------- */

Test(conventions, words_after_function_are_arguments)
{
	struct outcome o;

	expect(hlrun(GUEST, "Echo", "--help", NULL), 0, "--help\n", "");
	expect(hlrun(GUEST, "Echo", "-x", NULL), 0, "-x\n", "");
	expect(hlrun(GUEST, "Echo", "--", NULL), 0, "--\n", "");
	expect(hlrun(GUEST, "Add", "-5", "-3", NULL), 0, "-8\n", "");
	expect(hlrun(GUEST, "EchoF64", "-inf", NULL), 0, "-inf\n", "");
	o = hlrun(GUEST, "Echo", "hi", "--timeout", "5s", NULL);
	expect_fail(&o, 2, "Echo takes 1 argument, got 3", NULL);
	outcome_free(&o);
}

/* What was meant as an option after GUEST is named as such. */
Test(conventions, an_option_after_the_guest_is_no_function)
{
	struct outcome o = hlrun(GUEST, "--list", NULL);

	expect(o, 2, "", "hlrun: " GUEST ": no function '--list' (options go before the "
	       "guest: hlrun [OPTIONS] GUEST FUNCTION [ARG...])\n");
	o = hlrun(GUEST, "-t1s", "Spin", NULL);
	expect_fail(&o, 2, "no function '-t1s'", "options go before the guest", NULL);
	outcome_free(&o);
}

Test(conventions, short_options_bundle_and_take_attached_values)
{
	double noop = noop_seconds();
	struct outcome o = hlrun("-t300ms", GUEST, "Spin", NULL), list;

	expect_fail(&o, 124, "Spin", "timed out after 300 ms", NULL);
	expect_timely(o, 0.3, noop);
	outcome_free(&o);
	list = hlrun("--list", GUEST, NULL);
	cr_assert_eq(list.status, 0, "%s", list.err);
	cr_assert(strstr(list.out, "Echo(string) -> string\n") == list.out, "%s", list.out);
	expect(hlrun("-lt", "1s", GUEST, NULL), 0, list.out, "");
	expect(hlrun("-lt1s", GUEST, NULL), 0, list.out, "");
	expect(hlrun("-l", "-t1s", GUEST, NULL), 0, list.out, "");
	outcome_free(&list);
}

/* A usage error of the command line is one line on standard error, ending with where to
 * look, and nothing on standard output: not the whole usage. */
Test(conventions, a_usage_error_is_one_line_with_a_pointer_to_help)
{
	static const struct {
		const char *argv[4];
		const char *err;
	} cases[] = {
		{ { "--bogus", GUEST, "Echo" }, "unknown option --bogus" },
		{ { "--bogus=1", GUEST, "Echo" }, "unknown option --bogus" },
		{ { "--tim", "1s", GUEST }, "unknown option --tim" },
		{ { "-lx", GUEST }, "unknown option -x" },
		{ { "--list=yes", GUEST }, "option --list takes no value" },
		{ { "--timeout" }, "option --timeout needs a value" },
		{ { "-t" }, "option -t needs a value" },
		{ { GUEST }, "missing FUNCTION (hlrun --list " GUEST " shows them)" },
		{ { "--print-to", "tty", GUEST, "Echo" },
		  "option --print-to takes stdout or stderr, not 'tty'" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *const *a = cases[i].argv;
		char want[256];

		snprintf(want, sizeof want, "hlrun: %s; try 'hlrun --help'\n", cases[i].err);
		expect(hlrun(a[0], a[1], a[2], a[3], NULL), 2, "", want);
	}
}

/* --help prints tests/kvm/help.txt, exactly (tests/docs/check holds it to the parser and
 * the manual), on standard output; -h is the same. */
Test(conventions, help_and_version)
{
	struct outcome o;
	FILE *f = fopen("tests/kvm/help.txt", "r");
	char want[8192];
	size_t n;

	cr_assert_not_null(f);
	n = fread(want, 1, sizeof want - 1, f);
	cr_assert(n > 0 && n < sizeof want - 1 && feof(f));
	want[n] = '\0';
	fclose(f);
	expect(hlrun("--help", NULL), 0, want, "");
	expect(hlrun("-h", NULL), 0, want, "");
	o = hlrun("--version", NULL);
	cr_assert_eq(o.status, 0);
	cr_assert_eq(strncmp(o.out, "hlrun 0.2.0 (guest ABI 2)\nKVM: ", 31), 0, "%s", o.out);
	cr_assert(strstr(o.out, "\nKVM: PVM (kvm_pvm)") != NULL ||
		  strstr(o.out, "\nKVM: AMD SVM (kvm_amd)") != NULL ||
		  strstr(o.out, "\nKVM: Intel VMX (kvm_intel)") != NULL, "%s", o.out);
	cr_assert_eq(strchr(o.out + 31, '\n') - o.out, (long)o.out_len - 1, "%s", o.out);
	outcome_free(&o);
	/* Without a KVM (hidden by a private mount namespace), --version says so and still
	 * succeeds. */
	o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"unshare --mount sh -c 'mount -t tmpfs none /dev && exec \"$0\" --version' "
		"\"$0\"", hlrun_bin(), NULL });
	expect(o, 0, "hlrun 0.2.0 (guest ABI 2)\nKVM: none: /dev/kvm: no KVM on this host (No "
	       "such file or directory); load kvm_intel or kvm_amd (kvm_pvm on a CPU without "
	       "virtualisation), or run inside a VM with nested virtualisation\n", "");
}

/* ---- The guest's own output ------------------------------------------------------- */

/* HostPrint writes to standard error unless told otherwise, so that x=$(hlrun ...)
 * captures the result alone; the initialisation's output too. */
Test(conventions, hostprint_goes_to_standard_error)
{
	char init[601 + 2];
	struct outcome o;

	expect(hlrun(GUEST, "PrintOutput", "hey", NULL), 0, "3\n", "hey");
	expect(hlrun("--print-to", "stdout", GUEST, "PrintOutput", "hey", NULL), 0, "hey3\n",
	       "");
	expect(hlrun("--print-to=stderr", GUEST, "PrintOutput", "hey", NULL), 0, "3\n", "hey");
	memset(init, 'i', 600);
	strcpy(init + 600, "cc");
	expect(hlrun(PRINTGUEST, "Print", "2", NULL), 0, "2\n", init);
	o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"x=$(\"$0\" " GUEST " PrintOutput hey) && echo \"[$x]\"", hlrun_bin(), NULL });
	expect(o, 0, "[3]\n", "hey");
}

Test(conventions, the_manifest_can_send_hostprint_to_stdout)
{
	const char *m = put_in(DIR, "out.yaml", "guest: ../../" GUEST "\n"
			       "host_functions: [HostPrint]\nprint_to: stdout\n");

	expect(hlrun(m, "PrintOutput", "hey", NULL), 0, "hey3\n", "");
	expect(hlrun("--print-to", "stderr", m, "PrintOutput", "hey", NULL), 0, "3\n", "hey");
	m = put_in(DIR, "bad.yaml", "guest: ../../" GUEST "\nprint_to: terminal\n");
	expect(hlrun("--check", m, NULL), 3, "", "hlrun: " DIR "/bad.yaml:2:11: print_to must "
	       "be stdout or stderr, not 'terminal'\n");
}

/* ---- Grants without a manifest ----------------------------------------------------- */

/* --env lets GetEnv read one variable, the host's value or the one given, and allows
 * GetEnv; nothing else is readable. */
Test(conventions, env_grants_one_variable)
{
	const char *m = put_in(DIR, "env.yaml", "guest: ../../" GUEST "\n"
			       "host_functions: [GetEnv]\nenv: [HLRUN_TEST_GRANT]\n");
	struct outcome o;

	cr_assert_eq(setenv("HLRUN_TEST_GRANT", "from the host", 1), 0);
	cr_assert_eq(setenv("HLRUN_TEST_OTHER", "secret", 1), 0);
	expect(hlrun("--env", "HLRUN_TEST_GRANT", GUEST, "GetEnv", "HLRUN_TEST_GRANT", NULL), 0,
	       "from the host\n", "");
	expect(hlrun("--env=HLRUN_TEST_GRANT=given=1", GUEST, "GetEnv", "HLRUN_TEST_GRANT",
		     NULL), 0, "given=1\n", "");
	expect(hlrun("--env", "HLRUN_TEST_EMPTY=", GUEST, "GetEnv", "HLRUN_TEST_EMPTY", NULL),
	       0, "\n", "");
	/* Over a manifest's: the value given replaces the host's. */
	expect(hlrun(m, "GetEnv", "HLRUN_TEST_GRANT", NULL), 0, "from the host\n", "");
	expect(hlrun("--env", "HLRUN_TEST_GRANT=over", m, "GetEnv", "HLRUN_TEST_GRANT", NULL),
	       0, "over\n", "");
	o = hlrun("--env", "HLRUN_TEST_GRANT", GUEST, "GetEnv", "HLRUN_TEST_OTHER", NULL);
	expect_fail(&o, 1, "GetEnv: variable 'HLRUN_TEST_OTHER' is not granted (by the "
		    "manifest's env or --env)", NULL);
	cr_assert_null(strstr(o.err, "secret"), "%s", o.err);
	outcome_free(&o);
	o = hlrun(GUEST, "GetEnv", "HLRUN_TEST_GRANT", NULL);
	expect_fail(&o, 1, "GetEnv is not allowed by the manifest (host_functions) or an option "
		    "(--env NAME)", NULL);
	outcome_free(&o);
	o = hlrun("--env", "HLRUN-TEST", GUEST, "GetEnv", "X", NULL);
	expect_fail(&o, 2, "option --env HLRUN-TEST: not a variable name", NULL);
	outcome_free(&o);
}

/* --dir lets ReadFile read a directory and what lies below it, or one file, read-only,
 * and allows ReadFile; nothing beside it. */
Test(conventions, dir_grants_what_lies_below)
{
	struct outcome o;

	put_in(DIR, "a.txt", "not granted");
	mkdir(DIR "/data", 0755);
	put_in(DIR, "data/b.txt", "granted");
	expect(hlrun("--dir", DIR "/data", GUEST, "ReadFile", DIR "/data/b.txt", NULL), 0,
	       "granted", "");
	expect(hlrun("--dir=" DIR "/data/b.txt", GUEST, "ReadFile", DIR "/data/b.txt", NULL), 0,
	       "granted", "");
	expect(hlrun("--dir", DIR "/data", "--dir", DIR "/a.txt", GUEST, "ReadFile",
		     DIR "/a.txt", NULL), 0, "not granted", "");
	o = hlrun("--dir", DIR "/data", GUEST, "ReadFile", DIR "/data/../a.txt", NULL);
	expect_fail(&o, 1, "ReadFile: '" DIR "/data/../a.txt' is outside the files granted", NULL);
	outcome_free(&o);
	o = hlrun(GUEST, "ReadFile", DIR "/data/b.txt", NULL);
	expect_fail(&o, 1, "ReadFile is not allowed by the manifest (host_functions) or an option "
		    "(--dir PATH)", NULL);
	outcome_free(&o);
	o = hlrun("--dir", DIR "/data", "--dir", DIR "/data", GUEST, "ReadFile", "x", NULL);
	expect_fail(&o, 2, "option --dir " DIR "/data given twice", NULL);
	outcome_free(&o);
}

/* The guest's output and hlrun's own lines share standard error: hlrun's always start a
 * line of their own, after a call and after an initialisation that failed, also in a
 * batch that never answered. */
Test(conventions, hlrun_lines_start_their_own_line)
{
	const char *ten = put_in(DIR, "ten.yaml", "guest: ../../" GUEST "\n"
				 "host_functions: [HostPrint]\nlimits: {max_output: 10}\n");
	char want[1200];
	struct outcome o;

	put_in(DIR, "badinit.yaml", "guest: ../../tests/guests/bin/badinitguest.elf\n"
	    "host_functions: [GetEnv, HostPrint]\nenv: [BADINIT]\nlimits: {max_output: 1000}\n");
	expect(hlrun(ten, "PrintTimes", "ab", "6", NULL), 1, "",
	       "ababababab\nhlrun: " DIR "/ten.yaml: PrintTimes failed (guest error 65540): "
	       "HostPrint: output limit of 10 bytes (max_output) reached\n");
	memset(want, 'f', 1000);
	snprintf(want + 1000, sizeof want - 1000, "\nhlrun: " DIR "/badinit.yaml: init: timed "
		 "out after 1000 ms\n");
	for (int batch = 0; batch < 2; batch++) {
		o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c", batch ?
			"BADINIT=flood exec \"$0\" -t 1s --batch " DIR "/badinit.yaml </dev/null" :
			"BADINIT=flood exec \"$0\" -t 1s " DIR "/badinit.yaml Ok", hlrun_bin(),
			NULL });
		expect(o, 124, "", want);
	}
}
