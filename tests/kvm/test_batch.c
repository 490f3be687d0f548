/* KVM suite: --batch: one JSON answer line per input line, in order; memory restored
 * after each call (or kept with --keep-state); crashes and timeouts recovered from; bad
 * lines answered without ending the batch; the exit status of the first failure. */
#include "tests/kvm/harness.h"

#include <ctype.h>
#include <stdbool.h>
#include <sys/stat.h>

static struct outcome batch(const char *input, const char *opt1, const char *opt2)
{
	if (opt2 != NULL)
		return hlrun_in(input, strlen(input), "--batch", opt1, opt2, GUEST, NULL);
	if (opt1 != NULL)
		return hlrun_in(input, strlen(input), "--batch", opt1, GUEST, NULL);
	return hlrun_in(input, strlen(input), "--batch", GUEST, NULL);
}

/* Replaces, in place, the hex digits of each "RIP 0x...", "RSP 0x..." and "+0x..." with
 * one '_': where the guest's code and stack lie changes with its build and sizes, what a
 * message says does not. */
static void redact_addresses(char *s)
{
	char *w = s;

	for (const char *r = s; *r != '\0';) {
		bool at = ((strncmp(r, "RIP 0x", 6) == 0 || strncmp(r, "RSP 0x", 6) == 0) &&
			   isxdigit((unsigned char)r[6])) ||
			  (strncmp(r, "+0x", 3) == 0 && isxdigit((unsigned char)r[3]));

		if (!at) {
			*w++ = *r++;
			continue;
		}
		while (*r != 'x')
			*w++ = *r++;
		*w++ = *r++;
		while (isxdigit((unsigned char)*r))
			r++;
		*w++ = '_';
	}
	*w = '\0';
}

/* Asserts the status, the exact answer lines, and either no stderr (status 0) or exactly
 * want_err (addresses redacted in both). */
static void expect_batch(struct outcome *o, int status, const char *want_out,
			 const char *want_err)
{
	cr_assert_eq(o->status, status, "status %d, not %d; stderr: %s", o->status, status,
		     o->err);
	redact_addresses(o->out);
	redact_addresses(o->err);
	cr_assert_str_eq(o->out, want_out);
	cr_assert_str_eq(o->err, want_err == NULL ? "" : want_err);
	outcome_free(o);
}

Test(batch, answers_in_order)
{
	struct outcome o = batch("{\"function\":\"Echo\",\"args\":[\"hello\"]}\n"
				 "{\"function\":\"Add\",\"args\":[2,3],\"id\":7}\n"
				 "\n"
				 "{\"id\":\"b\",\"function\":\"EchoBool\",\"args\":[true]}\n"
				 "{\"function\":\"EchoBytes\",\"args\":[\"AAEC/w==\"]}\n"
				 "{\"function\":\"EchoF64\",\"args\":[-0.5]}\n"
				 "{\"function\":\"EchoU64\",\"args\":[18446744073709551615]}\n",
				 NULL, NULL);

	expect_batch(&o, 0,
		     "{\"ok\":true,\"type\":\"string\",\"value\":\"hello\"}\n"
		     "{\"id\":7,\"ok\":true,\"type\":\"i32\",\"value\":5}\n"
		     "{\"id\":\"b\",\"ok\":true,\"type\":\"bool\",\"value\":true}\n"
		     "{\"ok\":true,\"type\":\"bytes\",\"value\":\"AAEC/w==\"}\n"
		     "{\"ok\":true,\"type\":\"f64\",\"value\":-0.5}\n"
		     "{\"ok\":true,\"type\":\"u64\",\"value\":18446744073709551615}\n",
		     NULL);
}

Test(batch, empty_input)
{
	struct outcome o = batch("", NULL, NULL);

	expect_batch(&o, 0, "", NULL);
}

/* Each call starts from the state after init, unless --keep-state. */
Test(batch, restores_memory_between_calls)
{
	const char *in = "{\"function\":\"AddToStatic\",\"args\":[5]}\n"
			 "{\"function\":\"AddToStatic\",\"args\":[5]}\n"
			 "{\"function\":\"GetStatic\"}\n"
			 "{\"function\":\"InitCount\"}\n";
	struct outcome o = batch(in, NULL, NULL);

	expect_batch(&o, 0,
		     "{\"ok\":true,\"type\":\"i32\",\"value\":5}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":5}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":0}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":1}\n", NULL);
	o = batch(in, "--keep-state", NULL);
	expect_batch(&o, 0,
		     "{\"ok\":true,\"type\":\"i32\",\"value\":5}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":10}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":10}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":1}\n", NULL);
}

/* A crash poisons the sandbox; it is restored and the next call succeeds. */
Test(batch, recovers_from_crashes)
{
	struct outcome o = batch("{\"function\":\"AddToStatic\",\"args\":[3]}\n"
				 "{\"function\":\"TriggerException\"}\n"
				 "{\"function\":\"GetStatic\"}\n"
				 "{\"function\":\"NullDeref\"}\n"
				 "{\"function\":\"StackOverflow\",\"args\":[100000]}\n"
				 "{\"function\":\"Echo\",\"args\":[\"alive\"]}\n",
				 "--keep-state", NULL);

	/* The crash took the kept state with it: GetStatic sees the state after init. */
	expect_batch(&o, 4,
		     "{\"ok\":true,\"type\":\"i32\",\"value\":3}\n"
		     "{\"ok\":false,\"error\":{\"class\":\"crash\",\"status\":4,\"message\":"
		     "\"TriggerException: invalid opcode (#UD) at RIP 0x_ in trigger_exception+0x_, "
		     "RSP 0x_ (error code 0x0)\"}}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":0}\n"
		     "{\"ok\":false,\"error\":{\"class\":\"crash\",\"status\":4,\"message\":"
		     "\"NullDeref: null pointer dereference: page fault (#PF) at RIP 0x_ in "
		     "null_deref+0x_, RSP 0x_: read of address 0x0 (not mapped)\"}}\n"
		     "{\"ok\":false,\"error\":{\"class\":\"crash\",\"status\":4,\"message\":"
		     "\"StackOverflow: stack overflow at RIP 0x_ in recurse+0x_, RSP 0x_: the stack of "
		     "524288 bytes is exhausted; raise --stack\"}}\n"
		     "{\"ok\":true,\"type\":\"string\",\"value\":\"alive\"}\n",
		     "hlrun: " GUEST ": 3 of the batch's lines failed; the first, line 2: "
		     "TriggerException: invalid opcode (#UD) at RIP 0x_ in trigger_exception+0x_, "
		     "RSP 0x_ (error code 0x0)\n");
}

/* The timeout applies to each call; a call that runs out is stopped and the batch goes
 * on. */
Test(batch, timeout_per_call)
{
	struct outcome o = batch("{\"function\":\"Spin\"}\n"
				 "{\"function\":\"Echo\",\"args\":[\"after\"]}\n"
				 "{\"function\":\"Spin\"}\n",
				 "-t", "300ms");

	expect_batch(&o, 124,
		     "{\"ok\":false,\"error\":{\"class\":\"timeout\",\"status\":124,\"message\":"
		     "\"Spin: timed out after 300 ms\"}}\n"
		     "{\"ok\":true,\"type\":\"string\",\"value\":\"after\"}\n"
		     "{\"ok\":false,\"error\":{\"class\":\"timeout\",\"status\":124,\"message\":"
		     "\"Spin: timed out after 300 ms\"}}\n",
		     "hlrun: " GUEST ": 2 of the batch's lines failed; the first, line 1: Spin: "
		     "timed out after 300 ms\n");
}

/* A bad line is answered with an error and the batch goes on; the status is the class
 * of the first failure. */
Test(batch, bad_lines_do_not_end_the_batch)
{
	struct outcome o = batch("not json\n"
				 "{\"function\":\"Nope\",\"id\":1}\n"
				 "{\"function\":\"Add\",\"args\":[1],\"id\":2}\n"
				 "{\"function\":\"Fail\",\"args\":[\"oops\"],\"id\":3}\n"
				 "{\"function\":\"Add\",\"args\":[1,2],\"id\":4}\n",
				 NULL, NULL);

	expect_batch(&o, 2,
		     "{\"ok\":false,\"error\":{\"class\":\"usage\",\"status\":2,\"message\":"
		     "\"line is not valid JSON: expected a value at byte 1\"}}\n"
		     "{\"id\":1,\"ok\":false,\"error\":{\"class\":\"usage\",\"status\":2,"
		     "\"message\":\"no function 'Nope'\"}}\n"
		     "{\"id\":2,\"ok\":false,\"error\":{\"class\":\"usage\",\"status\":2,"
		     "\"message\":\"Add takes 2 arguments, got 1: Add(i32, i32) -> i32\"}}\n"
		     "{\"id\":3,\"ok\":false,\"error\":{\"class\":\"guest\",\"status\":1,"
		     "\"message\":\"Fail failed (guest error 1): oops\"}}\n"
		     "{\"id\":4,\"ok\":true,\"type\":\"i32\",\"value\":3}\n",
		     "hlrun: 4 of the batch's lines failed; the first, line 1: line is not valid "
		     "JSON: expected a value at byte 1\n");
}

Test(batch, first_failure_decides_the_status)
{
	struct outcome o = batch("{\"function\":\"Fail\",\"args\":[\"x\"]}\n"
				 "{\"function\":\"TriggerException\"}\n", NULL, NULL);

	expect_batch(&o, 1,
		     "{\"ok\":false,\"error\":{\"class\":\"guest\",\"status\":1,\"message\":"
		     "\"Fail failed (guest error 1): x\"}}\n"
		     "{\"ok\":false,\"error\":{\"class\":\"crash\",\"status\":4,\"message\":"
		     "\"TriggerException: invalid opcode (#UD) at RIP 0x_ in trigger_exception+0x_, "
		     "RSP 0x_ (error code 0x0)\"}}\n",
		     "hlrun: " GUEST ": 2 of the batch's lines failed; the first, line 1: Fail "
		     "failed (guest error 1): x\n");
}

/* What the guest prints goes into its answer: standard output stays JSON Lines. */
Test(batch, output_is_captured_per_call)
{
	struct outcome o = batch("{\"function\":\"PrintOutput\",\"args\":[\"hi\\n\"]}\n"
				 "{\"function\":\"Echo\",\"args\":[\"x\"]}\n"
				 "{\"function\":\"PrintTimes\",\"args\":[\"ab\",3]}\n",
				 NULL, NULL);

	expect_batch(&o, 0,
		     "{\"ok\":true,\"type\":\"i32\",\"value\":3,\"output\":\"hi\\n\"}\n"
		     "{\"ok\":true,\"type\":\"string\",\"value\":\"x\"}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":6,\"output\":\"ababab\"}\n", NULL);
}

/* max_output applies to each call. */
Test(batch, output_limit_per_call)
{
	const char *dir = "build/batch-test";
	char manifest[256], line[256];
	FILE *f;
	struct outcome o;

	mkdir("build", 0755);
	mkdir(dir, 0755);
	snprintf(manifest, sizeof manifest, "%s/limit.yaml", dir);
	f = fopen(manifest, "w");
	cr_assert_not_null(f);
	fputs("guest: ../../" GUEST "\nlimits:\n  max_output: 10\nhost_functions: [HostPrint]\n",
	      f);
	fclose(f);
	snprintf(line, sizeof line, "{\"function\":\"PrintTimes\",\"args\":[\"abcde\",2]}\n"
				    "{\"function\":\"PrintTimes\",\"args\":[\"abcde\",2]}\n");
	o = hlrun_in(line, strlen(line), "--batch", manifest, NULL);
	expect_batch(&o, 0,
		     "{\"ok\":true,\"type\":\"i32\",\"value\":10,\"output\":\"abcdeabcde\"}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":10,\"output\":\"abcdeabcde\"}\n",
		     NULL);
}

Test(batch, large_arguments)
{
	size_t n = 1 << 20, b64 = (n + 2) / 3 * 4, pre;
	char *in = malloc(b64 + 64);
	struct outcome o;

	cr_assert_not_null(in);
	strcpy(in, "{\"function\":\"Head\",\"args\":[\"");
	pre = strlen(in);
	/* About 1 MiB of 'A' bytes: "QUFB" is the base64 of "AAA". */
	for (size_t i = 0; i < b64; i += 4)
		memcpy(in + pre + i, "QUFB", 4);
	strcpy(in + pre + b64, "\",4]}\n");
	o = hlrun_in(in, strlen(in), "--batch", "--input-size", "2M", GUEST, NULL);
	expect_batch(&o, 0, "{\"ok\":true,\"type\":\"bytes\",\"value\":\"QUFBQQ==\"}\n", NULL);
	o = hlrun_in(in, strlen(in), "--batch", "--input-size", "64K", GUEST, NULL);
	expect_batch(&o, 2,
		     "{\"ok\":false,\"error\":{\"class\":\"usage\",\"status\":2,\"message\":"
		     "\"the line is longer than 589824 bytes\"}}\n",
		     "hlrun: 1 of the batch's lines failed; the first, line 1: the line is longer "
		     "than 589824 bytes\n");
	free(in);
}

/* A line may be 8 bytes per byte of --input-size and 64 KiB more: 589824 bytes for 64
 * KiB, newline not counted.  A line of exactly that is read, one byte more is not. */
Test(batch, longest_line)
{
	const char *call = "{\"function\":\"Add\",\"args\":[1,2]}";
	size_t max = 64 * 1024 * 8 + 65536;
	char *in = malloc(max + 3);
	struct outcome o;

	cr_assert_not_null(in);
	memset(in, ' ', max + 1);
	memcpy(in, call, strlen(call));
	memcpy(in + max, "\n", 2);
	o = hlrun_in(in, max + 1, "--batch", "--input-size", "64K", GUEST, NULL);
	expect_batch(&o, 0, "{\"ok\":true,\"type\":\"i32\",\"value\":3}\n", NULL);
	memcpy(in + max, " \n", 3);
	o = hlrun_in(in, max + 2, "--batch", "--input-size", "64K", GUEST, NULL);
	expect_batch(&o, 2,
		     "{\"ok\":false,\"error\":{\"class\":\"usage\",\"status\":2,\"message\":"
		     "\"the line is longer than 589824 bytes\"}}\n",
		     "hlrun: 1 of the batch's lines failed; the first, line 1: the line is longer "
		     "than 589824 bytes\n");
	free(in);
}

Test(batch, from_a_snapshot)
{
	const char *snap = "build/batch-test/b.snap";
	const char *in = "{\"function\":\"AddToStatic\",\"args\":[5]}\n"
			 "{\"function\":\"TriggerException\"}\n"
			 "{\"function\":\"AddToStatic\",\"args\":[5]}\n"
			 "{\"function\":\"InitCount\"}\n";
	struct outcome o;

	mkdir("build", 0755);
	mkdir("build/batch-test", 0755);
	o = hlrun("--save-snapshot", snap, GUEST, NULL);
	expect_ok(o, "");
	outcome_free(&o);
	o = hlrun_in(in, strlen(in), "--batch", snap, NULL);
	/* Each call starts from the snapshot: 5, not 10; initialised once, before it. */
	expect_batch(&o, 4,
		     "{\"ok\":true,\"type\":\"i32\",\"value\":5}\n"
		     "{\"ok\":false,\"error\":{\"class\":\"crash\",\"status\":4,\"message\":"
		     "\"TriggerException: invalid opcode (#UD) at RIP 0x_ in trigger_exception+0x_, "
		     "RSP 0x_ (error code 0x0)\"}}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":5}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":1}\n",
		     "hlrun: build/batch-test/b.snap: 1 of the batch's lines failed; the first, "
		     "line 2: TriggerException: invalid opcode (#UD) at RIP 0x_ in "
		     "trigger_exception+0x_, RSP 0x_ (error code 0x0)\n");
}

/* --stats: one line per call; restoring a small call costs a few pages whatever the
 * size of guest memory: Echo's input buffer (hlrun's write), its output buffer, a page of
 * stack and the runtime's bss.  Page tables and ring 0 are not guest memory: they were 7
 * of 11 pages when the guest owned them. */
Test(batch, stats_and_restore_cost)
{
	const char *in = "{\"function\":\"Echo\",\"args\":[\"x\"]}\n"
			 "{\"function\":\"Echo\",\"args\":[\"x\"]}\n";
	struct outcome small = batch(in, "--stats", NULL);
	struct outcome big = hlrun_in(in, strlen(in), "--batch", "--stats", "--heap", "256M",
				      GUEST, NULL);
	unsigned p1 = 0, p2 = 0;
	const char *s1 = strstr(small.err, "hlrun: stats: call 2: run ");
	const char *s2 = strstr(big.err, "hlrun: stats: call 2: run ");

	cr_assert_eq(small.status, 0, "%s", small.err);
	cr_assert_eq(big.status, 0, "%s", big.err);
	cr_assert_not_null(s1, "%s", small.err);
	cr_assert_not_null(s2, "%s", big.err);
	cr_assert_eq(sscanf(strstr(s1, "ms, restore "), "ms, restore %*f ms, %u pages", &p1), 1);
	cr_assert_eq(sscanf(strstr(s2, "ms, restore "), "ms, restore %*f ms, %u pages", &p2), 1);
	cr_assert(p1 > 0 && p1 <= 4, "%u pages", p1);
	cr_assert_eq(p1, p2, "%u pages with the default heap, %u with 256 MiB", p1, p2);
	outcome_free(&small);
	outcome_free(&big);
}

#define CARRY_ANSWERS "{\"ok\":true,\"type\":\"u64\",\"value\":%llu}\n"        \
			"{\"ok\":true,\"type\":\"u64\",\"value\":%llu}\n"        \
			"{\"ok\":true,\"type\":\"u64\",\"value\":%llu}\n"        \
			"{\"ok\":true,\"type\":\"u64\",\"value\":%llu}\n"        \
			"{\"ok\":true,\"type\":\"u32\",\"value\":%u}\n"          \
			"{\"ok\":true,\"type\":\"u32\",\"value\":%u}\n"

/* The vCPU state a call leaves goes with the restore: SSE and AVX registers and segment
 * selectors, not only memory.  With --keep-state, registers carry on like memory.  Both
 * of the suite's KVMs offer AVX. */
Test(batch, registers_do_not_cross_calls)
{
	const char *in = "{\"function\":\"XmmCarry\",\"args\":[]}\n"
			 "{\"function\":\"XmmCarry\",\"args\":[]}\n"
			 "{\"function\":\"YmmCarry\",\"args\":[]}\n"
			 "{\"function\":\"YmmCarry\",\"args\":[]}\n"
			 "{\"function\":\"EsCarry\",\"args\":[]}\n"
			 "{\"function\":\"EsCarry\",\"args\":[]}\n";
	unsigned long long x1, x2, y1, y2;
	unsigned es1, es2;
	struct outcome o = hlrun_in(in, strlen(in), "--batch", HOSTILE, NULL);

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(sscanf(o.out, CARRY_ANSWERS, &x1, &x2, &y1, &y2, &es1, &es2), 6, "%s",
		     o.out);
	cr_assert_eq(x1, 0);
	cr_assert_eq(x2, 0);
	cr_assert_eq(y1, 0);
	cr_assert_eq(y2, 0);
	/* PVM shows ring 3 the host's own selectors: compare the two calls. */
	cr_assert_eq(es1, es2, "%s", o.out);
	outcome_free(&o);
	o = hlrun_in(in, strlen(in), "--batch", "--keep-state", HOSTILE, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(sscanf(o.out, CARRY_ANSWERS, &x1, &x2, &y1, &y2, &es1, &es2), 6, "%s",
		     o.out);
	cr_assert_eq(x1, 0);
	cr_assert_eq(x2, 0x1122334455667788ull);
	cr_assert_eq(y1, 0);
	cr_assert_eq(y2, UINT64_MAX);
	outcome_free(&o);
}

/* In batch mode each call has a max_output of its own, and what the initialisation
 * printed goes with the first answer as "init_output", never as a call's "output". */
Test(batch, output_budgets_per_call_and_init_output_apart)
{
	const char *in = "{\"function\":\"Print\",\"args\":[700]}\n"
			 "{\"function\":\"Print\",\"args\":[700]}\n"
			 "{\"function\":\"Print\",\"args\":[1001]}\n";
	const char *m = "build/batch-test/print.yaml";
	char want[4096], c700[701], i600[601];
	struct outcome o;
	FILE *f;

	mkdir("build", 0755);
	mkdir("build/batch-test", 0755);
	f = fopen(m, "w");
	cr_assert_not_null(f);
	fputs("guest: ../../tests/guests/bin/printguest.elf\nhost_functions: [HostPrint]\n"
	      "limits: {max_output: 1000}\n", f);
	cr_assert_eq(fclose(f), 0);
	memset(c700, 'c', 700);
	c700[700] = '\0';
	memset(i600, 'i', 600);
	i600[600] = '\0';
	snprintf(want, sizeof want,
		 "{\"ok\":true,\"type\":\"i32\",\"value\":700,\"output\":\"%s\","
		 "\"init_output\":\"%s\"}\n"
		 "{\"ok\":true,\"type\":\"i32\",\"value\":700,\"output\":\"%s\"}\n"
		 "{\"ok\":false,\"error\":{\"class\":\"guest\",\"status\":1,\"message\":\"Print "
		 "failed (guest error 65540): HostPrint: output limit of 1000 bytes (max_output) "
		 "reached\"}}\n", c700, i600, c700);
	o = hlrun_in(in, strlen(in), "--batch", m, NULL);
	expect_batch(&o, 1, want,
		     "hlrun: build/batch-test/print.yaml: 1 of the batch's lines failed; the "
		     "first, line 3: Print failed (guest error 65540): HostPrint: output limit of "
		     "1000 bytes (max_output) reached\n");
}

/* A guest cannot carry state from call to call through MSRs: it could write the TSC and
 * an MTRR in one call and read them in the next when it ran in ring 0; in ring 3 every
 * access faults.  FS's base goes with the restore: where the KVM lets ring 3 set it
 * (PVM), the next call sees it as after init; where it does not (SVM), wrfsbase faults. */
Test(batch, no_state_crosses_calls_through_msrs_or_fs_base)
{
	const char *in = "{\"function\":\"WriteMsr\",\"args\":[16,5]}\n"
			 "{\"function\":\"ReadMsr\",\"args\":[16]}\n"
			 "{\"function\":\"WriteMsr\",\"args\":[512,6]}\n"
			 "{\"function\":\"ReadMsr\",\"args\":[512]}\n";
	const char *fs = "{\"function\":\"FsBaseCarry\",\"args\":[]}\n"
			 "{\"function\":\"FsBaseCarry\",\"args\":[]}\n";
	struct outcome o = hlrun_in(in, strlen(in), "--batch", HOSTILE, NULL);
	const char *line = o.out;

	cr_assert_eq(o.status, 4, "%s", o.err);
	for (int i = 0; i < 4; i++) {
		const char *insn = i % 2 ? "rdmsr" : "wrmsr";
		char want[96];

		snprintf(want, sizeof want, "%s is not allowed in ring 3, where the guest runs",
			 insn);
		cr_assert(strncmp(line, "{\"ok\":false,\"error\":{\"class\":\"crash\"", 35) == 0,
			  "line %d: %s", i + 1, line);
		cr_assert(strstr(line, want) != NULL && strstr(line, want) < strchr(line, '\n'),
			  "line %d: %s", i + 1, line);
		line = strchr(line, '\n') + 1;
	}
	cr_assert_str_eq(line, "");
	outcome_free(&o);
	o = hlrun_in(fs, strlen(fs), "--batch", HOSTILE, NULL);
	if (o.status == 0) {
		cr_assert_str_eq(o.out, "{\"ok\":true,\"type\":\"u64\",\"value\":0}\n"
			      "{\"ok\":true,\"type\":\"u64\",\"value\":0}\n");
	} else {
		cr_assert_eq(o.status, 4, "%s", o.err);
		cr_assert(strstr(o.out, "invalid opcode (#UD)") != NULL, "%s", o.out);
		cr_assert(strstr(o.out, "in fs_base_carry") != NULL, "%s", o.out);
	}
	outcome_free(&o);
}

/* A restore puts back every page, up to the last byte of guest memory; --keep-state keeps
 * it. */
Test(batch, restore_reaches_the_last_page)
{
	const char *in = "{\"function\":\"HeapTopCarry\",\"args\":[5]}\n"
			 "{\"function\":\"HeapTopCarry\",\"args\":[6]}\n";
	struct outcome o = hlrun_in(in, strlen(in), "--batch", HOSTILE, NULL);

	expect_batch(&o, 0, "{\"ok\":true,\"type\":\"u64\",\"value\":0}\n"
			    "{\"ok\":true,\"type\":\"u64\",\"value\":0}\n", NULL);
	o = hlrun_in(in, strlen(in), "--batch", "--keep-state", HOSTILE, NULL);
	expect_batch(&o, 0, "{\"ok\":true,\"type\":\"u64\",\"value\":0}\n"
			    "{\"ok\":true,\"type\":\"u64\",\"value\":5}\n", NULL);
}

/* A call's arguments, which hlrun writes into the input buffer, are gone after the
 * restore: the next call finds zeros where they were; --keep-state keeps them.  The
 * first call sees its own 'x's there, so the place looked at is the right one. */
Test(batch, arguments_do_not_cross_calls)
{
	const char *xs = "eHh4eHh4eHg=", *zeros = "AAAAAAAAAAA="; /* 8 'x's, 8 NULs */
	char in[1024], want[256], filler[701];
	struct outcome o;

	memset(filler, 'x', sizeof filler - 1);
	filler[sizeof filler - 1] = '\0';
	snprintf(in, sizeof in, "{\"function\":\"BufferPeek\",\"args\":[0,600,8,\"%s\"]}\n"
		 "{\"function\":\"BufferPeek\",\"args\":[0,600,8,\"\"]}\n", filler);
	o = hlrun_in(in, strlen(in), "--batch", HOSTILE, NULL);
	snprintf(want, sizeof want, "{\"ok\":true,\"type\":\"bytes\",\"value\":\"%s\"}\n"
		 "{\"ok\":true,\"type\":\"bytes\",\"value\":\"%s\"}\n", xs, zeros);
	expect_batch(&o, 0, want, NULL);
	o = hlrun_in(in, strlen(in), "--batch", "--keep-state", HOSTILE, NULL);
	snprintf(want, sizeof want, "{\"ok\":true,\"type\":\"bytes\",\"value\":\"%s\"}\n"
		 "{\"ok\":true,\"type\":\"bytes\",\"value\":\"%s\"}\n", xs, xs);
	expect_batch(&o, 0, want, NULL);
}
