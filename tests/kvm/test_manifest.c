/* KVM suite: hlrun driven by manifests: the example, --check, hashes, host functions
 * allowed and denied, env and files permissions, sizes and command-line overrides. */
#include "tests/kvm/harness.h"

#include <sys/stat.h>

#define DIR "build/manifest-test"
#define GUEST_FROM_DIR "../../" GUEST

/* Writes text to DIR/name and returns the path (static storage, one per call site). */
static const char *put(const char *name, const char *text)
{
	static char paths[16][256];
	static int next;
	char *path = paths[next++ % 16];
	FILE *f;

	mkdir("build", 0755);
	mkdir(DIR, 0755);
	snprintf(path, 256, DIR "/%s", name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fputs(text, f) >= 0, 1);
	cr_assert_eq(fclose(f), 0);
	return path;
}

static const char *manifest(const char *name, const char *body)
{
	char text[4096];

	snprintf(text, sizeof text, "guest: " GUEST_FROM_DIR "\n%s", body);
	return put(name, text);
}

Test(manifest, example_runs_echo)
{
	struct outcome o = hlrun("examples/simpleguest.yaml", "Echo", "hello", NULL);

	expect_ok(o, "hello\n");
	outcome_free(&o);
	o = hlrun("-m", "examples/simpleguest.yaml", "Add", "2", "3", NULL);
	expect_ok(o, "5\n");
	outcome_free(&o);
}

Test(manifest, check_and_list)
{
	struct outcome o = hlrun("--check", "examples/simpleguest.yaml", NULL);

	expect_ok(o, "examples/simpleguest.yaml: ok\n");
	outcome_free(&o);
	o = hlrun("--list", "examples/simpleguest.yaml", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "Echo(string) -> string\n") != NULL, "%s", o.out);
	outcome_free(&o);
}

/* --check checks the sizes in force, the command line's too: an option out of bounds
 * is the usage error (exit 2) the run would meet. */
Test(manifest, check_checks_the_options)
{
	struct outcome o = hlrun("--check", "--heap", "1", "examples/simpleguest.yaml", NULL);

	expect_fail(&o, 2, "heap of 1 bytes is out of range (4096 to 4294967296)", NULL);
	outcome_free(&o);
	o = hlrun("--check", "--output-size", "5G", GUEST, NULL);
	expect_fail(&o, 2, "output buffer of 5368709120 bytes is out of range", NULL);
	outcome_free(&o);
	o = hlrun("--check", "--stack", "4G", GUEST, NULL);
	expect_ok(o, GUEST ": ok\n");
	outcome_free(&o);
}

/* The four sizes in force, the command line's and the manifest's, may total 8 GiB: more
 * is the usage error (exit 2) that names each of them, the run's and --check's alike. */
#define OVER_8GIB "hlrun: memory sizes total 9664200704 bytes (heap 4294967296, stack "     \
	"524288, input buffer 4294967296, output buffer 1073741824), more than the maximum " \
	"(8589934592 bytes); lower one of them\n"

static void expect_over_8gib(struct outcome *o)
{
	cr_assert_eq(o->status, 2, "status %d, not 2; stderr: %s", o->status, o->err);
	cr_assert_str_eq(o->err, OVER_8GIB);
	cr_assert_eq(o->out_len, 0, "stdout: %s", o->out);
	outcome_free(o);
}

Test(manifest, options_total_at_most_8gib)
{
	struct outcome o = hlrun("--heap", "4GiB", "--input-size", "4GiB", "--output-size",
				 "1GiB", GUEST, "Echo", "hi", NULL);

	expect_over_8gib(&o);
	o = hlrun("--check", "--heap", "4GiB", "--input-size", "4GiB", "--output-size", "1GiB",
		  GUEST, NULL);
	expect_over_8gib(&o);
	/* 4 GiB + 3 GiB + 1 GiB - 512 KiB + the default stack's 512 KiB: 8 GiB exactly. */
	o = hlrun("--check", "--heap", "4GiB", "--input-size", "3GiB", "--output-size",
		  "1047552KiB", GUEST, NULL);
	expect_ok(o, GUEST ": ok\n");
	outcome_free(&o);
}

Test(manifest, memory_total_at_most_8gib)
{
	const char *m = manifest("over8g.yaml", "memory:\n  heap: 4GiB\n  input: 4GiB\n"
				 "  output: 1GiB\n");
	char ok[64];
	struct outcome o = hlrun(m, "Echo", "hi", NULL);

	expect_over_8gib(&o);
	o = hlrun("--check", m, NULL);
	expect_over_8gib(&o);
	/* The command line's smaller heap brings the total under the cap. */
	o = hlrun("--check", "--heap", "1MiB", m, NULL);
	snprintf(ok, sizeof ok, "%s: ok\n", m);
	expect_ok(o, ok);
	outcome_free(&o);
}

Test(manifest, check_reports_position)
{
	const char *m = manifest("bad.yaml", "memory:\n  hep: 1MiB\n");
	struct outcome o = hlrun("--check", m, NULL);

	expect_fail(&o, 3, "bad.yaml:3:3:", "hep", "heap", NULL);
	outcome_free(&o);
}

Test(manifest, missing_guest_names_the_manifest_line)
{
	const char *m = put("noguest.yaml", "guest: nowhere.elf\n");
	struct outcome o = hlrun(m, "Echo", "x", NULL);

	expect_fail(&o, 3, "noguest.yaml:1:8: guest", "nowhere.elf", NULL);
	outcome_free(&o);
}

static void guest_sha256(char out[65])
{
	struct outcome o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"sha256sum " GUEST " | cut -c1-64", NULL });

	cr_assert_eq(o.status, 0);
	cr_assert_eq(o.out_len, 65, "%s", o.out);
	memcpy(out, o.out, 64);
	out[64] = '\0';
	outcome_free(&o);
}

Test(manifest, sha256_match_and_mismatch)
{
	char sum[65], body[256];
	const char *m;
	struct outcome o;

	guest_sha256(sum);
	snprintf(body, sizeof body, "sha256: %s\n", sum);
	m = manifest("hash.yaml", body);
	o = hlrun(m, "Echo", "ok", NULL);
	expect_ok(o, "ok\n");
	outcome_free(&o);
	sum[0] = sum[0] == '0' ? '1' : '0';
	snprintf(body, sizeof body, "sha256: %s\n", sum);
	m = manifest("badhash.yaml", body);
	o = hlrun(m, "Echo", "ok", NULL);
	expect_fail(&o, 3, "badhash.yaml:1:8:", "SHA-256", sum, NULL);
	outcome_free(&o);
}

Test(manifest, host_functions_default_to_none)
{
	const char *m = manifest("none.yaml", "");
	struct outcome o = hlrun(m, "PrintOutput", "x", NULL);

	expect_fail(&o, 1, "HostPrint", "not allowed by the manifest", NULL);
	outcome_free(&o);
	o = hlrun("--allow", "HostPrint", "--print-to", "stdout", m, "PrintOutput", "x", NULL);
	expect_ok(o, "x1\n");
	outcome_free(&o);
}

Test(manifest, unknown_allow_is_usage_error)
{
	struct outcome o = hlrun("--allow", "Launch", GUEST, "Echo", "x", NULL);

	expect_fail(&o, 2, "--allow Launch", "no such host function", NULL);
	outcome_free(&o);
}

Test(manifest, get_env_needs_permission_and_listing)
{
	const char *listed = manifest("env.yaml", "host_functions: [GetEnv]\n"
				      "env: [HLRUN_TEST_VAR]\n");
	const char *denied = manifest("noenv.yaml", "env: [HLRUN_TEST_VAR]\n");
	struct outcome o;

	setenv("HLRUN_TEST_VAR", "visible", 1);
	setenv("HLRUN_SECRET", "hidden", 1);
	o = hlrun(listed, "GetEnv", "HLRUN_TEST_VAR", NULL);
	expect_ok(o, "visible\n");
	outcome_free(&o);
	o = hlrun(listed, "GetEnv", "HLRUN_SECRET", NULL);
	expect_fail(&o, 1, "GetEnv", "HLRUN_SECRET", NULL);
	cr_assert(strstr(o.err, "hidden") == NULL, "%s", o.err);
	outcome_free(&o);
	o = hlrun(denied, "GetEnv", "HLRUN_TEST_VAR", NULL);
	expect_fail(&o, 1, "GetEnv", "not allowed by the manifest", NULL);
	outcome_free(&o);
}

Test(manifest, read_file_inside_outside_and_escapes)
{
	const char *m = manifest("files.yaml", "host_functions: [ReadFile]\nfiles: [data]\n");
	char inside[300], dotdot[300], link[300];
	struct outcome o;

	mkdir(DIR "/data", 0755);
	put("data/hello.txt", "file contents");
	put("secret.txt", "top secret");
	unlink(DIR "/data/link");
	cr_assert_eq(symlink("../secret.txt", DIR "/data/link"), 0);
	snprintf(inside, sizeof inside, DIR "/data/hello.txt");
	snprintf(dotdot, sizeof dotdot, DIR "/data/../secret.txt");
	snprintf(link, sizeof link, DIR "/data/link");
	o = hlrun(m, "ReadFile", inside, NULL);
	expect_ok(o, "file contents");
	outcome_free(&o);
	for (const char *const *p = (const char *const[]){ DIR "/secret.txt", dotdot, link,
							   NULL }; *p; p++) {
		o = hlrun(m, "ReadFile", *p, NULL);
		expect_fail(&o, 1, "ReadFile", NULL);
		cr_assert(strstr(o.err, "top secret") == NULL, "%s", o.err);
		outcome_free(&o);
	}
}

Test(manifest, sizes_take_effect_and_options_override)
{
	const char *m = manifest("small.yaml", "memory:\n  heap: 64KiB\n  stack: 16KiB\n"
				 "  input: 8KiB\n  output: 8KiB\nlimits:\n  timeout: 60s\n");
	static char big[10000];
	struct outcome o;
	double noop;

	o = hlrun(m, "Malloc", "100000", NULL);
	expect_fail(&o, 1, "heap exhausted", NULL);
	outcome_free(&o);
	o = hlrun("--heap", "1MiB", m, "Malloc", "100000", NULL);
	expect_ok(o, "100000\n");
	outcome_free(&o);
	o = hlrun(m, "StackOverflow", "8", NULL);
	expect_fail(&o, 4, "stack overflow", NULL);
	outcome_free(&o);
	o = hlrun(m, "LargeOutput", "10000", NULL);
	expect_fail(&o, 4, "output buffer", NULL);
	outcome_free(&o);
	memset(big, 'a', sizeof big - 1);
	o = hlrun(m, "Echo", big, NULL);
	expect_fail(&o, 2, "input buffer", NULL);
	outcome_free(&o);
	noop = noop_seconds();
	o = hlrun("--timeout", "1s", m, "Spin", NULL);
	expect_fail(&o, 124, "timed out after 1000 ms", NULL);
	expect_timely(o, 1.0, noop);
	outcome_free(&o);
}

Test(manifest, max_output_is_enforced)
{
	const char *m = manifest("quiet.yaml", "host_functions: [HostPrint]\n"
				 "limits:\n  max_output: 100\nprint_to: stdout\n");
	struct outcome o = hlrun(m, "PrintTimes", "0123456789", "5", NULL);

	expect_ok(o, "0123456789" "0123456789" "0123456789" "0123456789" "0123456789" "50\n");
	outcome_free(&o);
	o = hlrun(m, "PrintTimes", "0123456789", "20", NULL);
	cr_assert_eq(o.status, 1, "%s", o.err);
	cr_assert(strstr(o.err, "max_output") != NULL, "%s", o.err);
	cr_assert_eq(o.out_len, 100, "%zu bytes printed", o.out_len);
	outcome_free(&o);
}

/* One budget for the whole run: printguest prints 600 bytes during its initialisation,
 * so a call may add 400 of a max_output of 1000, not 1000 of its own. */
Test(manifest, max_output_covers_the_initialisation_and_the_call)
{
	const char *m = put("print.yaml", "guest: ../../tests/guests/bin/printguest.elf\n"
			    "host_functions: [HostPrint]\nlimits: {max_output: 1000}\n"
			    "print_to: stdout\n");
	struct outcome o = hlrun(m, "Print", "400", NULL);

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(o.out_len, 600 + 400 + 4, "%zu bytes on stdout", o.out_len);
	cr_assert_str_eq(o.out + 1000, "400\n");
	outcome_free(&o);
	o = hlrun(m, "Print", "401", NULL);
	cr_assert_eq(o.status, 1, "status %d: %s", o.status, o.err);
	cr_assert(strstr(o.err, "Print failed (guest error 65540): HostPrint: output limit of 1000 "
			 "bytes (max_output) reached") != NULL, "%s", o.err);
	cr_assert_eq(o.out_len, 600, "%zu bytes on stdout", o.out_len);
	outcome_free(&o);
}

/* --check reports each kind of malformed manifest with its position and exits 3. */
Test(manifest, check_rejects_malformed_manifests)
{
	static const struct {
		const char *text, *where, *what;
	} cases[] = {
		{ "guest: [a]\n", "m0.yaml:1:8:", "guest" },
		{ "guest: g.elf\nguest: h.elf\n", "m1.yaml:2:1:", "duplicate key 'guest'" },
		{ "guest: g.elf\nmemory:\n  heap: 1K\n", "m2.yaml:3:9:", "out of range" },
		{ "guest: g.elf\nlimits:\n  timeout: soon\n", "m3.yaml:3:12:", "bad duration" },
		{ "guest: g.elf\nhost_functions: [Exec]\n", "m4.yaml:2:18:", "Exec" },
		{ "guest: &x g.elf\nfiles: [*x]\n", "m5.yaml:1:8:",
		  "anchors and aliases are not allowed" },
		{ "guest: g.elf\n  bad: [\n", "m6.yaml:", "malformed YAML" },
		{ "guest: g.elf\nextra: 1\n", "m7.yaml:2:1:", "unknown key 'extra'" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char name[16];
		struct outcome o;

		snprintf(name, sizeof name, "m%zu.yaml", i);
		o = hlrun("--check", put(name, cases[i].text), NULL);
		expect_fail(&o, 3, cases[i].where, cases[i].what, NULL);
		outcome_free(&o);
	}
}
