/* KVM suite: the matrix of misbehaving guests.  Each hostileguest function misbehaves in
 * one way; hlrun must end the run with the documented exit status (4 crash or protocol
 * violation, 1 guest error value, 124 timeout), one "hlrun: " line naming what happened,
 * and nothing on standard output: never a partial result printed as valid. */
#include "tests/kvm/harness.h"

#include <sys/stat.h>

#define HOSTILE "guests/bin/hostileguest.elf"
#define TEST_DIR "build/hostile-test"

/* Emulation makes everything slow; the bound only proves the timeout stops the guest. */
#define TIMEOUT_BOUND_S 15.0

/* Runs FN of the hostile guest with a 5 s limit and checks status and words. */
#define HOSTILE_CASE(suite, name, fn, status, ...)                                  \
	Test(suite, name, .timeout = 60)                                            \
	{                                                                           \
		struct outcome o = hlrun("-t", "5s", HOSTILE, fn, NULL);            \
		expect_fail(&o, status, fn, __VA_ARGS__, NULL);                     \
		expect_one_line(&o);                                                \
		outcome_free(&o);                                                   \
	}

/* stderr is exactly one line: one newline, at its end, and no other control
 * characters (a guest must not forge lines or drive the terminal). */
static void expect_one_line(const struct outcome *o)
{
	cr_assert_gt(o->err_len, 0);
	cr_assert_eq(o->err[o->err_len - 1], '\n', "stderr: %s", o->err);
	for (size_t i = 0; i + 1 < o->err_len; i++) {
		unsigned char c = (unsigned char)o->err[i];

		cr_assert(c >= 0x20 && c != 0x7f, "control character 0x%02x at byte %zu of "
			  "stderr: %s", c, i, o->err);
	}
}

/* ---- Memory permissions: code read-only, data no-execute ----------------------------- */

HOSTILE_CASE(memory, write_code, "WriteCode", 4, "page fault (#PF)", "write to",
	     "not permitted", "write_code")
HOSTILE_CASE(memory, exec_heap, "ExecHeap", 4, "page fault (#PF)", "execution of",
	     "not permitted")
HOSTILE_CASE(memory, exec_stack, "ExecStack", 4, "page fault (#PF)", "execution of",
	     "not permitted")
HOSTILE_CASE(memory, exec_data, "ExecData", 4, "page fault (#PF)", "execution of",
	     "not permitted")
HOSTILE_CASE(memory, write_peb, "WritePeb", 4, "page fault (#PF)", "write to address 0x1000",
	     "not permitted")
HOSTILE_CASE(memory, write_rodata, "WriteRodata", 4, "page fault (#PF)", "write to",
	     "not permitted", "write_rodata")
HOSTILE_CASE(memory, read_host_page_tables, "ReadPageTables", 4, "page fault (#PF)",
	     "read of address 0x3000", "not mapped")

/* ---- Addresses outside guest memory, the stack guard ------------------------------- */

HOSTILE_CASE(memory, read_far_virtual, "ReadOutside", 4, "page fault (#PF)",
	     "read of address 0x10000000000", "not mapped")
HOSTILE_CASE(memory, write_far_virtual, "WriteOutside", 4, "page fault (#PF)",
	     "write to address 0x10000000000", "not mapped")
/* Default layout: guest memory ends at 20 MiB with the heap. */
HOSTILE_CASE(memory, read_past_heap, "ReadPastHeap", 4, "page fault (#PF)",
	     "read of address 0x1400000", "not mapped")
HOSTILE_CASE(memory, write_past_heap, "WritePastHeap", 4, "page fault (#PF)",
	     "write to address 0x1400000", "not mapped")
HOSTILE_CASE(memory, touch_stack_guard, "TouchGuard", 4, "stack overflow", "touch_guard",
	     "524288 bytes")
HOSTILE_CASE(memory, non_canonical_address, "NonCanonical", 4,
	     "general protection fault (#GP)", "non_canonical")
/* The guest maps guest-physical 3 GiB into its own page tables and touches it. */
HOSTILE_CASE(memory, read_physical_outside, "ReadPhysOutside", 4,
	     "read from physical address 0xc0000000 outside its memory", "20971520 bytes")
HOSTILE_CASE(memory, write_physical_outside, "WritePhysOutside", 4,
	     "wrote to physical address 0xc0000000 outside its memory", "20971520 bytes")

/* ---- CPU exceptions ---------------------------------------------------------------- */

HOSTILE_CASE(cpu, divide_by_zero, "DivZero", 4, "divide error (#DE)", "div_zero", "RIP 0x")
HOSTILE_CASE(cpu, int3, "Int3", 4, "breakpoint (#BP)", "do_int3")
HOSTILE_CASE(cpu, ud2, "Ud2", 4, "invalid opcode (#UD)", "do_ud2")
HOSTILE_CASE(cpu, int_beyond_idt, "IntBeyondIdt", 4, "general protection fault (#GP)",
	     "int_beyond_idt", "error code 0x802")
HOSTILE_CASE(cpu, wrmsr_bogus, "Privileged", 4, "general protection fault (#GP)",
	     "privileged")
HOSTILE_CASE(cpu, rdmsr_bogus, "RdmsrBogus", 4, "general protection fault (#GP)",
	     "rdmsr_bogus")
HOSTILE_CASE(cpu, single_step, "SingleStep", 4, "debug exception (#DB)", "single_step")
HOSTILE_CASE(cpu, bad_stack_pointer, "BadStackPointer", 4, "page fault (#PF)",
	     "write to address 0xfffffffffffffff8", "not mapped", "bad_stack_pointer")
HOSTILE_CASE(cpu, hlt_interrupts_off, "Hlt", 4, "guest halted (hlt)", "outside the protocol")
HOSTILE_CASE(cpu, hlt_interrupts_on, "HltSti", 4, "guest halted (hlt)",
	     "outside the protocol")
HOSTILE_CASE(cpu, exception_report_lie, "ExceptionPortLie", 4, "CPU exception vector 1000")

/* ---- Broken IDT, GDT, page tables: triple fault ------------------------------------- */

HOSTILE_CASE(cpu, corrupt_idt, "CorruptIdt", 4, "triple-faulted", "CPU shutdown")
HOSTILE_CASE(cpu, corrupt_gdt, "CorruptGdt", 4, "triple-faulted", "CPU shutdown")
HOSTILE_CASE(cpu, corrupt_page_tables, "CorruptPageTables", 4, "triple-faulted",
	     "CPU shutdown")

/* After a shutdown KVM has reset the vCPU (on AMD it re-initialises the VMCB), so the
 * RIP it reports is the reset vector 0xfff0, not where the guest failed: a message that
 * names it points the user at an address the guest never ran. */
Test(cpu, triple_fault_names_no_reset_vector, .timeout = 60)
{
	struct outcome o = hlrun("-t", "5s", HOSTILE, "CorruptIdt", NULL);

	expect_fail(&o, 4, "triple-faulted", NULL);
	cr_expect(strstr(o.err, "0xfff0") == NULL, "names the reset vector: %s", o.err);
	outcome_free(&o);
}

/* CR3 at guest-physical memory that does not exist: KVM retries the walk inside KVM_RUN
 * forever, without an exit; only the timeout ends it. */
Test(cpu, page_tables_outside_memory_times_out, .timeout = 60)
{
	struct outcome o = hlrun("-t", "5s", HOSTILE, "PageTablesOutside", NULL);

	expect_fail(&o, 124, "PageTablesOutside", "timed out after 5000 ms", NULL);
	expect_one_line(&o);
	cr_assert_lt(o.seconds, TIMEOUT_BOUND_S, "took %.2f s", o.seconds);
	outcome_free(&o);
}

Test(cpu, spin_with_interrupts_off_times_out, .timeout = 60)
{
	struct outcome o = hlrun("-t", "5s", HOSTILE, "SpinCli", NULL);

	expect_fail(&o, 124, "SpinCli", "timed out after 5000 ms", NULL);
	expect_one_line(&o);
	cr_assert_lt(o.seconds, TIMEOUT_BOUND_S, "took %.2f s", o.seconds);
	cr_assert_geq(o.seconds, 5.0, "took %.2f s", o.seconds);
	outcome_free(&o);
}

/* ---- Ports that are not part of the ABI --------------------------------------------- */

HOSTILE_CASE(ports, out_to_port_0x80, "BadPortOut", 4, "wrote to I/O port 0x80",
	     "not part of the hlrun ABI", "protocol violation")
HOSTILE_CASE(ports, in_from_port_0x60, "BadPortIn", 4, "read from I/O port 0x60",
	     "not part of the hlrun ABI", "protocol violation")
HOSTILE_CASE(ports, out32_to_unknown_port, "BadPortWide", 4, "wrote to I/O port 0x6c04",
	     "protocol violation")
HOSTILE_CASE(ports, in_from_done_port, "InFromDonePort", 4, "read from I/O port 0x6c00",
	     "(4-byte access)", "protocol violation")
HOSTILE_CASE(ports, out16_to_done_port, "Out16ToDonePort", 4, "wrote to I/O port 0x6c00",
	     "(2-byte access)", "protocol violation")
/* KVM hands `rep outsl` to user space one element at a time, exactly like `out`: the
 * first element reads as DONE, and the output buffer holds no result. */
HOSTILE_CASE(ports, string_out_to_done_port, "OutsToDonePort", 4, "protocol violation")

/* ---- Lies in the result message ----------------------------------------------------- */

HOSTILE_CASE(lies, result_too_long, "ResultTooLong", 4, "malformed result message",
	     "shorter than its header or declared size", "protocol violation")
HOSTILE_CASE(lies, result_size_max, "ResultSizeMax", 4, "malformed result message",
	     "shorter than its header or declared size", "protocol violation")
HOSTILE_CASE(lies, result_bad_offset, "ResultBadOffset", 4, "malformed result message",
	     "value length", "past the end", "protocol violation")
HOSTILE_CASE(lies, result_length_wraps, "ResultLenWraps", 4, "malformed result message",
	     "value length", "past the end", "protocol violation")
HOSTILE_CASE(lies, result_wrong_type, "ResultWrongType", 4,
	     "result is not the declared string", "protocol violation")
HOSTILE_CASE(lies, result_unknown_type_tag, "ResultUnknownType", 4,
	     "malformed result message", "unknown value type", "protocol violation")
HOSTILE_CASE(lies, result_unterminated_string, "ResultUnterminatedString", 4,
	     "malformed result message", "string without its NUL", "protocol violation")
HOSTILE_CASE(lies, result_void_with_value, "ResultVoidWithValue", 4,
	     "result is not the declared void", "protocol violation")
HOSTILE_CASE(lies, result_missing_value, "ResultMissing", 4,
	     "result is not the declared i32", "protocol violation")
HOSTILE_CASE(lies, result_of_wrong_kind, "ResultWrongKind", 4,
	     "result is not the declared void", "protocol violation")
HOSTILE_CASE(lies, result_bool_of_two, "ResultBadBool", 4, "malformed result message",
	     "bool other than 0 or 1", "protocol violation")
HOSTILE_CASE(lies, done_with_garbage, "DoneGarbage", 4, "malformed result message",
	     "bad magic number", "protocol violation")
HOSTILE_CASE(lies, error_message_unterminated, "ErrorUnterminated", 4,
	     "malformed result message", "string without its NUL", "protocol violation")

/* A guest's error text must not forge a second "hlrun:" line or send terminal control
 * sequences: the status is right, stderr must stay one line. */
HOSTILE_CASE(lies, error_message_with_newline, "ErrorNewline", 1, "guest error 5", "first")
HOSTILE_CASE(lies, abort_message_with_newline, "AbortNewline", 4, "aborted with code 6",
	     "first")

/* ---- Lies on the host-call and abort ports ------------------------------------------ */

HOSTILE_CASE(lies, host_call_garbage, "HostCallGarbage", 4, "malformed host call",
	     "bad magic number", "protocol violation")
HOSTILE_CASE(lies, host_call_too_long, "HostCallTooLong", 4, "malformed host call",
	     "shorter than its header or declared size", "protocol violation")
HOSTILE_CASE(lies, host_call_bad_length, "HostCallBadLen", 4, "malformed host call",
	     "value length", "protocol violation")
HOSTILE_CASE(lies, host_call_bad_name, "HostCallBadName", 4, "malformed host call",
	     "invalid name", "protocol violation")
HOSTILE_CASE(lies, host_call_too_many_values, "HostCallTooManyValues", 4,
	     "malformed host call", "too many values", "protocol violation")
HOSTILE_CASE(lies, host_call_wrong_kind, "HostCallWrongKind", 4, "malformed host call",
	     "not a host call", "protocol violation")
HOSTILE_CASE(lies, host_call_unknown, "HostCallUnknown", 1, "guest error 65538",
	     "NoSuchFunction: no such host function")
HOSTILE_CASE(lies, host_call_wrong_types, "HostCallWrongTypes", 1, "guest error 65539",
	     "wrong arguments (i32)", "HostPrint(string) -> i32")
HOSTILE_CASE(lies, host_call_denied, "HostCallDenied", 1, "guest error 65537",
	     "GetEnv is not allowed")
HOSTILE_CASE(lies, abort_without_message, "AbortNoMessage", 4, "aborted with code 1234",
	     "(no message)")

/* A 1 MiB abort message is cut: the line stays bounded. */
Test(lies, abort_long_message_is_bounded, .timeout = 60)
{
	struct outcome o = hlrun("-t", "5s", HOSTILE, "AbortLongMessage", NULL);

	expect_fail(&o, 4, "AbortLongMessage", "aborted with code 77", "AAAA", NULL);
	expect_one_line(&o);
	cr_assert_lt(o.err_len, 4096, "stderr of %zu bytes", o.err_len);
	outcome_free(&o);
}

/* ---- Floods ------------------------------------------------------------------------- */

HOSTILE_CASE(flood, huge_result, "HugeResult", 4, "does not fit the output buffer",
	     "8388632 bytes", "4194304 bytes", "--output-size")

/* HostPrint forever against max_output 1000: the host refuses past the limit, the guest
 * ignores that and spins on, and only the timeout ends the run. */
Test(flood, print_flood_stops_at_max_output, .timeout = 60)
{
	static const char manifest[] = "guest: ../../guests/bin/hostileguest.elf\n"
				       "host_functions: [HostPrint]\n"
				       "limits: {max_output: 1000}\n";
	const char *path = TEST_DIR "/flood.yaml";
	struct outcome o;
	FILE *f;

	mkdir("build", 0755);
	mkdir(TEST_DIR, 0755);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(manifest, 1, sizeof manifest - 1, f), sizeof manifest - 1);
	cr_assert_eq(fclose(f), 0);
	o = hlrun("-t", "5s", path, "PrintFlood", NULL);
	cr_assert_eq(o.status, 124, "status %d; stderr: %s", o.status, o.err);
	cr_assert_leq(o.out_len, 1000, "%zu bytes on stdout", o.out_len);
	for (size_t i = 0; i < o.out_len; i++)
		cr_assert(o.out[i] == 'p' || o.out[i] == '\n', "byte %zu", i);
	cr_assert_eq(strncmp(o.err, "hlrun: ", 7), 0, "stderr: %s", o.err);
	cr_assert(strstr(o.err, "PrintFlood: timed out after 5000 ms") != NULL, "%s", o.err);
	expect_one_line(&o);
	cr_assert_lt(o.seconds, TIMEOUT_BOUND_S, "took %.2f s", o.seconds);
	outcome_free(&o);
}

/* Without a manifest the default max_output (16 MiB) bounds the flood. */
Test(flood, print_flood_default_limit, .timeout = 60)
{
	struct outcome o = hlrun("-t", "5s", HOSTILE, "PrintFlood", NULL);

	cr_assert_eq(o.status, 124, "status %d; stderr: %s", o.status, o.err);
	cr_assert_leq(o.out_len, 16u << 20, "%zu bytes on stdout", o.out_len);
	cr_assert(strstr(o.err, "PrintFlood: timed out after 5000 ms") != NULL, "%s", o.err);
	expect_one_line(&o);
	cr_assert_lt(o.seconds, TIMEOUT_BOUND_S, "took %.2f s", o.seconds);
	outcome_free(&o);
}

/* ---- Resources ----------------------------------------------------------------------- */

HOSTILE_CASE(resources, heap_exhausted, "HeapExhaust", 1, "guest error 12",
	     "heap exhausted after")
HOSTILE_CASE(resources, heap_corrupted, "HeapCorrupt", 4, "guest heap corrupted",
	     "corrupt block header")
HOSTILE_CASE(resources, double_free, "DoubleFree", 4, "guest heap corrupted",
	     "already freed")
HOSTILE_CASE(resources, deep_recursion, "DeepRecursion", 4, "stack overflow", "dive",
	     "524288 bytes", "--stack")
