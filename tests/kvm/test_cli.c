/* KVM suite: hlrun as a user runs it, one test per simpleguest function, type and exit
 * status (stdout, stderr and exit status checked). */
#include "tests/kvm/harness.h"

#include "guests/include/hlrun_abi.h"

#include <sys/stat.h>

#define OK(name, expected, ...)                                                   \
	Test(cli, name)                                                           \
	{                                                                         \
		struct outcome o = hlrun(GUEST, __VA_ARGS__, NULL);               \
		expect_ok(o, expected);                                           \
		outcome_free(&o);                                                 \
	}

OK(echo_string, "hello\n", "Echo", "hello")
OK(echo_string_with_spaces, "hello from a micro-VM\n", "Echo", "hello from a micro-VM")
OK(echo_empty_string, "\n", "Echo", "")
OK(echo_bytes_verbatim, "raw", "EchoBytes", "raw")
OK(echo_i32_min, "-2147483648\n", "EchoI32", "-2147483648")
OK(echo_i32_hex, "2147483647\n", "EchoI32", "0x7fffffff")
OK(echo_u32_max, "4294967295\n", "EchoU32", "4294967295")
OK(echo_i64_min, "-9223372036854775808\n", "EchoI64", "-9223372036854775808")
OK(echo_u64_max, "18446744073709551615\n", "EchoU64", "0xFFFFFFFFFFFFFFFF")
OK(echo_f32_shortest, "0.1\n", "EchoF32", "0.1")
OK(echo_f32_max, "3.4028235e+38\n", "EchoF32", "3.4028235e38")
OK(echo_f64_shortest, "0.1\n", "EchoF64", "0.1")
OK(echo_f64_third, "0.3333333333333333\n", "EchoF64", "0.3333333333333333")
OK(echo_f64_negative_zero, "-0\n", "EchoF64", "-0")
OK(echo_f64_inf, "-inf\n", "EchoF64", "-inf")
OK(echo_f64_nan, "nan\n", "EchoF64", "nan")
OK(echo_bool_true, "true\n", "EchoBool", "true")
OK(echo_bool_false, "false\n", "EchoBool", "false")
OK(add, "5\n", "Add", "2", "3")
OK(add_negative_operands, "-21\n", "Add", "-5", "-0x10")
OK(add_wraps, "-2147483648\n", "Add", "2147483647", "1")
OK(stack_within_limit, "10\n", "StackOverflow", "10")
OK(malloc_within_heap, "1000000\n", "Malloc", "1000000")
OK(get_static_starts_at_zero, "0\n", "GetStatic")
OK(add_to_static, "5\n", "AddToStatic", "5")

/* The same with words that come before GUEST: options, then GUEST. */
#define OK_WITH(name, expected, ...)                                              \
	Test(cli, name)                                                           \
	{                                                                         \
		struct outcome o = hlrun(__VA_ARGS__, NULL);                      \
		expect_ok(o, expected);                                           \
		outcome_free(&o);                                                 \
	}

OK_WITH(double_dash_ends_options, "-x\n", "--", GUEST, "Echo", "-x")

Test(cli, large_output_exact_bytes)
{
	struct outcome o = hlrun(GUEST, "LargeOutput", "100000", NULL);

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(o.out_len, 100000);
	for (size_t i = 0; i < o.out_len; i++)
		cr_assert_eq(o.out[i], 'a' + (char)(i % 26), "byte %zu", i);
	outcome_free(&o);
}

Test(cli, echo_string_from_stdin)
{
	struct outcome o = hlrun_in("hi", 2, GUEST, "Echo", "-", NULL);

	expect_ok(o, "hi\n");
	outcome_free(&o);
}

Test(cli, echo_bytes_from_stdin_binary_safe)
{
	static const char data[] = { 'a', 0, '\n', (char)0xff, 'z' };
	struct outcome o = hlrun_in(data, sizeof data, GUEST, "EchoBytes", "-", NULL);

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(o.out_len, sizeof data);
	cr_assert_eq(memcmp(o.out, data, sizeof data), 0);
	outcome_free(&o);
}

Test(cli, scalar_from_stdin_with_newline)
{
	struct outcome o = hlrun_in("40\n", 3, GUEST, "Add", "-", "2", NULL);

	expect_ok(o, "42\n");
	outcome_free(&o);
}

Test(cli, echo_bytes_from_file)
{
	static const char data[] = { 0, 1, 2, 'x', 0 };
	char path[] = "/tmp/hlrun-bytes-XXXXXX", arg[64];
	int fd = mkstemp(path);
	struct outcome o;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, sizeof data), (ssize_t)sizeof data);
	close(fd);
	snprintf(arg, sizeof arg, "@%s", path);
	o = hlrun(GUEST, "EchoBytes", arg, NULL);
	unlink(path);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(o.out_len, sizeof data);
	cr_assert_eq(memcmp(o.out, data, sizeof data), 0);
	outcome_free(&o);
}

#define FAIL(name, status, ...)                                                   \
	Test(cli, name)                                                           \
	{                                                                         \
		struct outcome o = hlrun(GUEST, __VA_ARGS__);                     \
		expect_fail(&o, status, FAIL_WORDS_##name, NULL);                 \
		outcome_free(&o);                                                 \
	}

#define FAIL_WITH(name, status, ...)                                              \
	Test(cli, name)                                                           \
	{                                                                         \
		struct outcome o = hlrun(__VA_ARGS__);                            \
		expect_fail(&o, status, FAIL_WORDS_##name, NULL);                 \
		outcome_free(&o);                                                 \
	}

#define FAIL_WORDS_fail_returns_guest_error "Fail", "guest error 1", "oops"
FAIL(fail_returns_guest_error, 1, "Fail", "oops", NULL)
#define FAIL_WORDS_bad_i32 "argument 2", "'x'", "i32"
FAIL(bad_i32, 2, "Add", "2", "x", NULL)
#define FAIL_WORDS_i32_overflow "argument 1", "i32", "2147483647"
FAIL(i32_overflow, 2, "EchoI32", "2147483648", NULL)
#define FAIL_WORDS_negative_unsigned "argument 1", "u32"
FAIL(negative_unsigned, 2, "EchoU32", "-1", NULL)
#define FAIL_WORDS_bad_bool "argument 1", "bool", "true or false"
FAIL(bad_bool, 2, "EchoBool", "yes", NULL)
#define FAIL_WORDS_f32_overflow "argument 1", "f32"
FAIL(f32_overflow, 2, "EchoF32", "1e39", NULL)
#define FAIL_WORDS_wrong_count "Add takes 2 arguments, got 1", "Add(i32, i32) -> i32"
FAIL(wrong_count, 2, "Add", "1", NULL)
#define FAIL_WORDS_unknown_function "no function 'Nope'", "Echo", "AddToStatic"
FAIL(unknown_function, 2, "Nope", NULL)
/* A guest with more exports than a message holds: whole names only, in --list's order,
 * and a count of the rest that adds up to what --list prints. */
Test(cli, unknown_function_lists_whole_names)
{
	struct outcome all = hlrun("--list", HOSTILE, NULL), o = hlrun(HOSTILE, "Nope", NULL);
	const char *p = strstr(o.err, "it exports: "), *line = all.out;
	unsigned shown = 0, more = 0, total = 0;

	cr_assert(all.status == 0 && o.status == 2 && p != NULL, "%s%s", all.err, o.err);
	for (const char *c = all.out; *c; c++)
		total += *c == '\n';
	for (p += strlen("it exports: "); sscanf(p, "and %u more (hlrun --list", &more) != 1;
	     shown++) {
		size_t len = strcspn(p, ", ");

		cr_assert(*p != '\0' && strncmp(line, p, len) == 0 && line[len] == '(',
			  "'%.*s' is not the next export --list prints: %s", (int)len, p, o.err);
		line = strchr(line, '\n') + 1;
		p += len + strspn(p + len, ", ");
	}
	cr_assert_eq(shown + more, total, "%u shown, %u more, --list: %u", shown, more, total);
	outcome_free(&o);
	outcome_free(&all);
}

#define FAIL_WORDS_unknown_option "unknown option --bogus; try 'hlrun --help'"
FAIL_WITH(unknown_option, 2, "--bogus", GUEST, "Echo", "x", NULL)
#define FAIL_WORDS_bad_timeout "bad duration", "soon"
FAIL_WITH(bad_timeout, 2, "--timeout", "soon", GUEST, "Echo", "x", NULL)
#define FAIL_WORDS_trigger_exception "TriggerException", "invalid opcode (#UD)", \
	"trigger_exception", "RIP 0x"
FAIL(trigger_exception, 4, "TriggerException", NULL)
#define FAIL_WORDS_null_deref "NullDeref", "null pointer dereference", "address 0x0", \
	"null_deref"
FAIL(null_deref, 4, "NullDeref", NULL)
#define FAIL_WORDS_stack_overflow "StackOverflow", "stack overflow", "recurse", \
	"524288 bytes", "--stack"
FAIL(stack_overflow, 4, "StackOverflow", "100000", NULL)
#define FAIL_WORDS_abort "Abort", "aborted with code 7", "boom"
FAIL(abort, 4, "Abort", "7", "boom", NULL)
#define FAIL_WORDS_heap_exhausted "Malloc", "guest error 3", "heap exhausted"
FAIL(heap_exhausted, 1, "Malloc", "100000000", NULL)
#define FAIL_WORDS_result_too_big "LargeOutput", "output buffer"
FAIL(result_too_big, 4, "LargeOutput", "5000000", NULL)

Test(cli, second_stdin_argument_is_refused)
{
	struct outcome o = hlrun_in("1", 1, GUEST, "Add", "-", "-", NULL);

	expect_fail(&o, 2, "argument 2", "only once", NULL);
	outcome_free(&o);
}

Test(cli, string_with_nul_from_stdin_is_refused)
{
	struct outcome o = hlrun_in("a\0b", 3, GUEST, "Echo", "-", NULL);

	expect_fail(&o, 2, "NUL", NULL);
	outcome_free(&o);
}

Test(cli, timeout_stops_a_spinning_guest)
{
	double noop = noop_seconds();
	struct outcome o = hlrun("--timeout", "1s", GUEST, "Spin", NULL);

	expect_fail(&o, 124, "Spin", "timed out after 1000 ms", NULL);
	expect_timely(o, 1.0, noop);
	outcome_free(&o);
	noop = noop_seconds();
	o = hlrun("--timeout", "300ms", GUEST, "Spin", NULL);
	expect_fail(&o, 124, "Spin", "timed out after 300 ms", NULL);
	expect_timely(o, 0.3, noop);
	outcome_free(&o);
}

Test(cli, missing_guest_is_invalid)
{
	struct outcome o = hlrun("/nonexistent/guest.elf", "Echo", "x", NULL);

	expect_fail(&o, 3, "/nonexistent/guest.elf", "No such file", NULL);
	outcome_free(&o);
}

Test(cli, non_elf_guest_is_invalid)
{
	struct outcome o = hlrun("Makefile", "Echo", "x", NULL);

	expect_fail(&o, 3, "Makefile:", "(not an ELF guest, so read as a manifest)", NULL);
	outcome_free(&o);
}

/* A binary file that is no guest, snapshot or manifest is never read as YAML, unless -m
 * says it is a manifest. */
Test(cli, binary_file_is_no_manifest)
{
	char path[] = "/tmp/hlrun-wasm-XXXXXX";
	int fd = mkstemp(path);
	struct outcome o;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "\0asm\1\0\0\0", 8), 8);
	close(fd);
	o = hlrun(path, "Run", NULL);
	expect_fail(&o, 3, path, ": not an ELF guest, snapshot or manifest (it is a WebAssembly "
		    "module)", NULL);
	outcome_free(&o);
	o = hlrun("-m", path, "Run", NULL);
	expect_fail(&o, 3, path, ":1:1: NUL byte in the manifest", NULL);
	outcome_free(&o);
	unlink(path);
}

/* Runs a copy of simpleguest whose ABI note claims version. */
static struct outcome run_with_abi(char version)
{
	static const char note[] = { 6, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0,
				     'h', 'l', 'r', 'u', 'n', 0, 0, 0 };
	char path[] = "/tmp/hlrun-abi-XXXXXX";
	struct outcome o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c", "cat " GUEST,
								    NULL });
	char *hit;
	int fd;

	hit = memmem(o.out, o.out_len, note, sizeof note);
	cr_assert_not_null(hit, "no ABI note in " GUEST);
	cr_assert_eq(hit[sizeof note], HL_ABI_VERSION);
	hit[sizeof note] = version;
	fd = mkstemp(path);
	cr_assert_eq(write(fd, o.out, o.out_len), (ssize_t)o.out_len);
	close(fd);
	outcome_free(&o);
	o = hlrun(path, "Echo", "x", NULL);
	unlink(path);
	return o;
}

/* A guest built against the SDK of ABI 1, whose guests ran in ring 0, is refused before
 * any VM exists, with the way out. */
Test(cli, older_abi_version_is_refused)
{
	struct outcome o = run_with_abi(1);

	expect_fail(&o, 3, "built for hlrun ABI version 1, this hlrun runs version 2: "
		    "rebuild the guest against the current SDK", NULL);
	outcome_free(&o);
}

Test(cli, newer_abi_version_is_refused)
{
	struct outcome o = run_with_abi(99);

	expect_fail(&o, 3, "built for hlrun ABI version 99, newer than this hlrun's (version "
		    "2): run it with a newer hlrun", NULL);
	outcome_free(&o);
}

/* Without /dev/kvm (hidden by a private mount namespace): exit 5 with a hint, while
 * --list still works because it only reads the ELF. */
Test(cli, no_kvm_exits_5_with_hint)
{
	struct outcome o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"unshare --mount sh -c 'mount -t tmpfs none /dev && exec \"$0\" " GUEST
		" Echo hi' \"$0\"", hlrun_bin(), NULL });

	expect_fail(&o, 5, "/dev/kvm", "no KVM", "kvm_amd", "kvm_pvm", NULL);
	/* The hint is for whoever installed hlrun, who has no test VM. */
	cr_assert_null(strstr(o.err, "tests/"), "%s", o.err);
	outcome_free(&o);
}

Test(cli, list_needs_no_kvm)
{
	struct outcome o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"unshare --mount sh -c 'mount -t tmpfs none /dev && exec \"$0\" --list " GUEST
		"' \"$0\"", hlrun_bin(), NULL });

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "Echo(string) -> string\n") != NULL, "%s", o.out);
	cr_assert(strstr(o.out, "Add(i32, i32) -> i32\n") != NULL, "%s", o.out);
	cr_assert(strstr(o.out, "Spin() -> void\n") != NULL, "%s", o.out);
	cr_assert(strstr(o.out, "Abort(i32, string) -> void\n") != NULL, "%s", o.out);
	outcome_free(&o);
}

/* A reader that quits early kills hlrun with SIGPIPE, as any command: status 141. */
Test(cli, closed_stdout_is_sigpipe)
{
	struct outcome o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"{ \"$0\" " GUEST " LargeOutput 1000000; echo \"status $?\" >&2; } | "
		"head -c 1 >/dev/null", hlrun_bin(), NULL });

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.err, "status 141\n");
	outcome_free(&o);
}

Test(cli, write_error_on_stdout_is_internal_error)
{
	struct outcome o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"exec \"$0\" " GUEST " Echo hi >/dev/full", hlrun_bin(), NULL });

	cr_assert_eq(o.status, 125, "status %d: %s", o.status, o.err);
	cr_assert(strstr(o.err, "hlrun: standard output: No space left") != NULL, "%s", o.err);
	outcome_free(&o);
}

/* The size options change what the guest gets. */
OK_WITH(bigger_heap_fits_a_large_malloc, "50000000\n", "--heap", "64MiB", GUEST, "Malloc",
	"50000000")
OK(negative_infinity_is_an_operand, "-inf\n", "EchoF32", "-inf")

#define FAIL_WORDS_small_heap "Malloc", "heap exhausted"
FAIL_WITH(small_heap, 1, "--heap", "64KiB", GUEST, "Malloc", "100000", NULL)
#define FAIL_WORDS_small_stack "stack overflow", "16384 bytes"
FAIL_WITH(small_stack, 4, "--stack=16KiB", GUEST, "StackOverflow", "8", NULL)
#define FAIL_WORDS_small_output "LargeOutput", "output buffer", "--output-size"
FAIL_WITH(small_output, 4, "--output-size", "8K", GUEST, "LargeOutput", "10000", NULL)
#define FAIL_WORDS_size_out_of_bounds "heap of 1024 bytes is out of range"
FAIL_WITH(size_out_of_bounds, 2, "--heap", "1K", GUEST, "Echo", "x", NULL)

Test(cli, argument_larger_than_input_buffer)
{
	static char big[20000];
	struct outcome o;

	memset(big, 'a', sizeof big - 1);
	o = hlrun("--input-size", "16KiB", GUEST, "Echo", big, NULL);
	expect_fail(&o, 2, "Echo", "input buffer (16384 bytes)", "--input-size", NULL);
	outcome_free(&o);
	o = hlrun_in(big, sizeof big - 1, "--input-size", "16KiB", GUEST, "Echo", "-", NULL);
	expect_fail(&o, 2, "standard input", "--input-size", NULL);
	outcome_free(&o);
}

Test(cli, stack_overflow_depth_scales_with_stack)
{
	struct outcome o = hlrun("--stack", "1MiB", GUEST, "StackOverflow", "200", NULL);

	expect_ok(o, "200\n");
	outcome_free(&o);
	o = hlrun("--stack", "256KiB", GUEST, "StackOverflow", "200", NULL);
	expect_fail(&o, 4, "stack overflow", NULL);
	outcome_free(&o);
}

/* The kernel's view of a running hlrun: its seccomp mode (2 = filter) once the guest
 * runs, and 0 with --no-seccomp.  The mode is polled until it is 2, at most polls times
 * (hlrun is in the guest well before the last poll). */
static char seccomp_mode(const char *extra, int polls)
{
	char script[512];
	struct outcome o;
	char mode;

	snprintf(script, sizeof script,
		 "\"$0\" %s -t 120s " GUEST " Spin & pid=$!; i=0; m=; "
		 "while [ $i -lt %d ]; do m=$(sed -n 's/^Seccomp:\t//p' /proc/$pid/status); "
		 "[ \"$m\" = 2 ] && break; i=$((i+1)); sleep 0.2; done; "
		 "kill $pid; wait $pid; echo \"mode=$m\"", extra, polls);
	o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c", script, hlrun_bin(), NULL });
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_not_null(strstr(o.out, "mode="), "%s", o.out);
	mode = strstr(o.out, "mode=")[5];
	outcome_free(&o);
	return mode;
}

Test(cli, seccomp_filter_is_in_force, .timeout = 120)
{
	cr_assert_eq(seccomp_mode("", 100), '2');
	cr_assert_eq(seccomp_mode("--no-seccomp", 10), '0');
}

/* The buffers' bounds, exactly: with 4 KiB buffers, a call message (16-byte header,
 * "Echo" padded to 8, an 8-byte value header, the string and its NUL padded to 8) and a
 * result (16 + 8 + the bytes padded to 8) of exactly 4096 bytes go through; one byte
 * more of argument or result does not. */
Test(cli, buffers_hold_exactly_their_size)
{
	static char arg[4065];
	struct outcome o;

	memset(arg, 'a', 4063);
	o = hlrun("--input-size", "4KiB", GUEST, "Echo", arg, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(o.out_len, 4064);
	outcome_free(&o);
	arg[4063] = 'a';
	o = hlrun("--input-size", "4KiB", GUEST, "Echo", arg, NULL);
	expect_fail(&o, 2, "Echo: arguments take 4104 bytes, more than the input buffer (4096 "
		    "bytes); raise --input-size", NULL);
	outcome_free(&o);
	o = hlrun("--output-size", "4KiB", GUEST, "LargeOutput", "4072", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(o.out_len, 4072);
	outcome_free(&o);
	o = hlrun("--output-size", "4KiB", GUEST, "LargeOutput", "4073", NULL);
	expect_fail(&o, 4, "LargeOutput: result does not fit the output buffer", "4104 bytes",
		    "4096 bytes", "--output-size", NULL);
	outcome_free(&o);
}
