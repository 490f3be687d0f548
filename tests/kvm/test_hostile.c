/* KVM suite: the matrix of misbehaving guests.  Each hostileguest function misbehaves in
 * one way; hlrun must end the run with the documented exit status (4 crash or protocol
 * violation, 1 guest error value, 124 timeout), one "hlrun: " line naming what happened,
 * and nothing on standard output: never a partial result printed as valid. */
#include "tests/kvm/harness.h"

#include <criterion/parameterized.h>
#include <sys/stat.h>

#define TEST_DIR "build/hostile-test"

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

/* One misbehaviour that one line tells: the hostileguest function, the exit status it
 * must end with, and the words that line holds besides the function's name (the first
 * NULL ends them). */
struct hostile_case {
	const char *fn;
	int status;
	const char *words[4];
};

/* Where KVMs raise different vectors for one privileged instruction (PVM, hlrun-guest(7)),
 * the message names the instruction all the same: the rows assert that, not the vector. */
#define RING3(fn, insn, ...)                                                         \
	{ fn, 4, { insn " is not allowed in ring 3, where the guest runs", "RIP 0x", \
		   __VA_ARGS__ } }

static const struct hostile_case cases[] = {
	/* ---- Memory permissions: code read-only, data no-execute --------------------- */
	{ "WriteCode", 4, { "page fault (#PF)", "write to", "not permitted", "write_code" } },
	{ "ExecHeap", 4, { "page fault (#PF)", "execution of", "not permitted" } },
	{ "ExecStack", 4, { "page fault (#PF)", "execution of", "not permitted" } },
	{ "ExecData", 4, { "page fault (#PF)", "execution of", "not permitted" } },
	{ "WritePeb", 4, { "page fault (#PF)", "write to address 0x1000", "not permitted" } },
	{ "WriteRodata", 4,
	  { "page fault (#PF)", "write to", "not permitted", "write_rodata" } },
	/* Ring 0 is mapped, for the supervisor only: the guest can neither read, write nor
	 * run it. */
	{ "ReadRing0", 4, { "page fault (#PF)", "read of address 0x2000",
			    "not permitted: hlrun's ring 0", "read_ring0" } },
	{ "WriteRing0", 4, { "page fault (#PF)", "write to address 0x3000",
			     "not permitted: hlrun's ring 0", "write_ring0" } },
	{ "ExecRing0", 4, { "page fault (#PF)", "execution of address 0x4000",
			    "not permitted: hlrun's ring 0" } },

	/* ---- Addresses outside guest memory, the stack guard ------------------------- */
	{ "ReadOutside", 4,
	  { "page fault (#PF)", "read of address 0x10000000000", "not mapped" } },
	{ "WriteOutside", 4,
	  { "page fault (#PF)", "write to address 0x10000000000", "not mapped" } },
	/* Default layout: guest memory ends at 20 MiB with the heap. */
	{ "ReadPastHeap", 4,
	  { "page fault (#PF)", "read of address 0x1400000", "not mapped" } },
	{ "WritePastHeap", 4,
	  { "page fault (#PF)", "write to address 0x1400000", "not mapped" } },
	{ "TouchGuard", 4, { "stack overflow", "touch_guard", "524288 bytes" } },
	{ "NonCanonical", 4, { "general protection fault (#GP)", "non_canonical" } },

	/* ---- CPU exceptions ---------------------------------------------------------- */
	{ "DivZero", 4, { "divide error (#DE)", "div_zero", "RIP 0x" } },
	{ "Ud2", 4, { "invalid opcode (#UD)", "do_ud2" } },
	{ "SingleStep", 4, { "debug exception (#DB)", "single_step" } },
	{ "BadStackPointer", 4, { "page fault (#PF)", "write to address 0xfffffffffffffff8",
				  "not mapped", "bad_stack_pointer" } },

	/* ---- Ring 3: every privileged instruction faults into hlrun's ring 0 --------- */
	RING3("Cli", "cli", "general protection fault (#GP)", "do_cli+0x0"),
	RING3("Sti", "sti", "general protection fault (#GP)", "do_sti+0x0"),
	RING3("Hlt", "hlt", "general protection fault (#GP)", "do_hlt+0x0"),
	RING3("Lidt", "lidt", "general protection fault (#GP)", "do_lidt+0x0"),
	RING3("Lgdt", "lgdt", "general protection fault (#GP)", "do_lgdt+0x0"),
	RING3("MovCr0", "mov to or from a control register", "general protection fault (#GP)",
	      "do_mov_cr0+0x2"),
	RING3("MovCr3", "mov to or from a control register", "general protection fault (#GP)",
	      "do_mov_cr3+0xa"),
	RING3("MovDr7", "mov to or from a debug register", "general protection fault (#GP)",
	      "do_mov_dr7"),
	RING3("Wrmsr", "wrmsr", "general protection fault (#GP)", "do_wrmsr"),
	RING3("Rdmsr", "rdmsr", "general protection fault (#GP)", "do_rdmsr"),
	RING3("Xsetbv", "xsetbv", "general protection fault (#GP)", "do_xsetbv"),
	RING3("Swapgs", "swapgs", "general protection fault (#GP)", "do_swapgs+0x0"),
	RING3("Invlpg", "invlpg", "general protection fault (#GP)", "do_invlpg"),
	RING3("Wbinvd", "wbinvd", "general protection fault (#GP)", "do_wbinvd+0x0"),
	/* EFER.SCE is clear: #UD on hardware; PVM runs it, and hlrun reports the same #UD. */
	RING3("Syscall", "syscall", "invalid opcode (#UD)", "do_syscall+0x0"),
	/* #UD in 64-bit mode on AMD, #GP on Intel (SYSENTER_CS is 0). */
	RING3("Sysenter", "sysenter", "do_sysenter+0x0"),
	{ "IntN", 4, { "int 0x80: the guest may not raise interrupts", "int_n+0x0" } },
	/* int with an exception's vector: its gate is closed to ring 3, so it faults where it
	 * stands (#GP on hardware, #UD on PVM) instead of entering that exception's handler.
	 * The test VM's nested SVM saves RIP past the int; hlrun reports the int all the
	 * same. */
	{ "IntDebug", 4, { "int 0x1: the guest may not raise interrupts", "int_debug+0x0" } },
	{ "IntPageFault", 4,
	  { "int 0xe: the guest may not raise interrupts", "int_page_fault+0x0" } },
	{ "IntGeneral", 4,
	  { "int 0xd: the guest may not raise interrupts", "int_general+0x0" } },
	/* The breakpoint gate alone is open to ring 3, so int3 is #BP on every KVM. */
	{ "Int3", 4, { "breakpoint (#BP)", "do_int3" } },
	{ "LoadRing0Segment", 4, { "general protection fault (#GP)", "error code 0x10",
				   "load_ring0_segment" } },
	{ "IretToRing0", 4,
	  { "general protection fault (#GP)", "error code 0x8", "iret_to_ring0" } },

	/* ---- Ports that are not part of the ABI -------------------------------------- */
	/* The TSS's I/O permission bitmap opens the ABI's ports alone: any other is #GP, and
	 * the message names the port. */
	{ "BadPortOut", 4, { "general protection fault (#GP)",
			     "out to I/O port 0x80, which the hlrun ABI does not open",
			     "bad_port_out" } },
	{ "BadPortIn", 4, { "general protection fault (#GP)",
			    "in from I/O port 0x60, which the hlrun ABI does not open",
			    "bad_port_in" } },
	/* Just past the ABI's ports, 32 bits wide or 8, and just before them. */
	{ "BadPortWide", 4,
	  { "general protection fault (#GP)", "out to I/O port 0x6c0c", "bad_port_wide" } },
	{ "BadPortAfter", 4,
	  { "general protection fault (#GP)", "out to I/O port 0x6c0c", "bad_port_after" } },
	{ "BadPortBefore", 4,
	  { "general protection fault (#GP)", "in from I/O port 0x6bff", "bad_port_before" } },
	/* A report of an exception the guest made up, on ring 0's own port: refused by the
	 * bitmap, so the guest can neither forge a report nor suppress a real one. */
	{ "ForgedExceptionReport", 4, { "general protection fault (#GP)",
					"out to I/O port 0x6cf0", "forged_exception_report" } },
	/* Inside the ABI's ports, but not as the ABI uses them: a protocol violation. */
	{ "InFromDonePort", 4,
	  { "read from I/O port 0x6c00", "(4-byte access)", "protocol violation" } },
	{ "Out16ToDonePort", 4,
	  { "wrote to I/O port 0x6c00", "(2-byte access)", "protocol violation" } },
	{ "Out8ToDonePlusOne", 4,
	  { "wrote to I/O port 0x6c01", "(1-byte access)", "protocol violation" } },
	/* KVM hands `rep outsl` to user space one element at a time, exactly like `out`: the
	 * first element reads as DONE, and the output buffer holds no result. */
	{ "OutsToDonePort", 4, { "protocol violation" } },

	/* ---- Lies in the result message ---------------------------------------------- */
	{ "ResultTooLong", 4, { "malformed result message",
				"shorter than its header or declared size",
				"protocol violation" } },
	{ "ResultSizeMax", 4, { "malformed result message",
				"shorter than its header or declared size",
				"protocol violation" } },
	{ "ResultBadOffset", 4, { "malformed result message", "value length", "past the end",
				  "protocol violation" } },
	{ "ResultLenWraps", 4, { "malformed result message", "value length", "past the end",
				 "protocol violation" } },
	{ "ResultWrongType", 4, { "result is not the declared string", "protocol violation" } },
	{ "ResultUnknownType", 4,
	  { "malformed result message", "unknown value type", "protocol violation" } },
	{ "ResultUnterminatedString", 4,
	  { "malformed result message", "string without its NUL", "protocol violation" } },
	{ "ResultVoidWithValue", 4,
	  { "result is not the declared void", "protocol violation" } },
	{ "ResultMissing", 4, { "result is not the declared i32", "protocol violation" } },
	{ "ResultWrongKind", 4, { "result is not the declared void", "protocol violation" } },
	{ "ResultBadBool", 4,
	  { "malformed result message", "bool other than 0 or 1", "protocol violation" } },
	{ "DoneGarbage", 4,
	  { "malformed result message", "bad magic number", "protocol violation" } },
	{ "ErrorUnterminated", 4,
	  { "malformed result message", "string without its NUL", "protocol violation" } },
	/* A guest's error text must not forge a second "hlrun:" line or send terminal control
	 * sequences: the status is right, stderr must stay one line. */
	{ "ErrorNewline", 1, { "guest error 5", "first" } },
	{ "AbortNewline", 4, { "aborted with code 6", "first" } },
	/* Nor C1 controls, bidirectional overrides or bytes that are no UTF-8: escaped too. */
	{ "ErrorC1", 1,
	  { "guest error 7", "first\\xc2\\x9b2K\\x9b1;1H\\xe2\\x80\\xaetxt.exe\\xff end" } },

	/* ---- Lies on the host-call and abort ports ----------------------------------- */
	{ "HostCallGarbage", 4,
	  { "malformed host call", "bad magic number", "protocol violation" } },
	{ "HostCallTooLong", 4, { "malformed host call",
				  "shorter than its header or declared size",
				  "protocol violation" } },
	{ "HostCallBadLen", 4,
	  { "malformed host call", "value length", "protocol violation" } },
	{ "HostCallBadName", 4,
	  { "malformed host call", "invalid name", "protocol violation" } },
	{ "HostCallTooManyValues", 4,
	  { "malformed host call", "too many values", "protocol violation" } },
	{ "HostCallWrongKind", 4,
	  { "malformed host call", "not a host call", "protocol violation" } },
	{ "HostCallUnknown", 1,
	  { "guest error 65538", "NoSuchFunction: no such host function" } },
	{ "HostCallWrongTypes", 1,
	  { "guest error 65539", "wrong arguments (i32)", "HostPrint(string) -> i32" } },
	{ "HostCallDenied", 1, { "guest error 65537", "GetEnv is not allowed" } },
	{ "AbortNoMessage", 4, { "aborted with code 1234", "(no message)" } },

	/* ---- Floods ------------------------------------------------------------------ */
	{ "HugeResult", 4, { "does not fit the output buffer", "8388632 bytes", "4194304 bytes",
			     "--output-size" } },

	/* ---- Resources --------------------------------------------------------------- */
	{ "HeapExhaust", 1, { "guest error 12", "heap exhausted after" } },
	{ "HeapCorrupt", 4, { "guest heap corrupted", "corrupt block header" } },
	{ "DoubleFree", 4, { "guest heap corrupted", "already freed" } },
	{ "DeepRecursion", 4, { "stack overflow", "dive", "524288 bytes", "--stack" } },
};

#define NCASES (sizeof cases / sizeof cases[0])

/* Criterion may run a test in a new exec of this program, where addresses differ: the
 * parameter is an index into cases, never a pointer. */
ParameterizedTestParameters(matrix, ends_the_run_with_one_line)
{
	static size_t idx[NCASES];

	for (size_t i = 0; i < NCASES; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, NCASES);
}

/* Runs the function with a 5 s limit; checks status, empty stdout and the one line. */
ParameterizedTest(size_t *i, matrix, ends_the_run_with_one_line, .timeout = 60)
{
	const struct hostile_case *c = &cases[*i];
	struct outcome o = hlrun("-t", "5s", HOSTILE, c->fn, NULL);

	/* expect_fail stops at the first NULL: the unused words end the list. */
	expect_fail(&o, c->status, c->fn, c->words[0], c->words[1], c->words[2], c->words[3],
		    NULL);
	expect_one_line(&o);
	outcome_free(&o);
}

/* ---- Misbehaviours with more to check than the one line ------------------------------ */

/* CR3 at guest-physical memory that does not exist used to hang inside KVM_RUN until the
 * timeout; in ring 3 the mov faults at once. */
Test(ring3, page_tables_outside_memory_fault_at_once, .timeout = 60)
{
	struct outcome o = hlrun(HOSTILE, "PageTablesOutside", NULL);

	expect_fail(&o, 4, "PageTablesOutside", "general protection fault (#GP)",
		    "mov to or from a control register is not allowed in ring 3",
		    "page_tables_outside+0xa", NULL);
	expect_one_line(&o);
	cr_assert_lt(o.seconds, 1.0, "took %.2f s", o.seconds);
	outcome_free(&o);
}

/* vmcall never reaches hlrun: KVM answers it in the kernel for ring 3 (PVM: RAX = -1,
 * not permitted) or raises #GP or #UD (SVM).  Either the call returns that value, or it
 * crashes naming the instruction. */
Test(ring3, vmcall_never_reaches_hlrun, .timeout = 60)
{
	struct outcome o = hlrun("-t", "5s", HOSTILE, "Vmcall", NULL);

	if (o.status == 0) {
		expect_ok(o, "-1\n");
	} else {
		expect_fail(&o, 4, "Vmcall", "vmcall is not allowed in ring 3", "do_vmcall",
			    NULL);
		expect_one_line(&o);
	}
	outcome_free(&o);
}

/* A 1 MiB abort message is cut: the line stays bounded. */
Test(lies, abort_long_message_is_bounded, .timeout = 60)
{
	struct outcome o = hlrun("-t", "5s", HOSTILE, "AbortLongMessage", NULL);

	expect_fail(&o, 4, "AbortLongMessage", "aborted with code 77", "AAAA", NULL);
	expect_one_line(&o);
	cr_assert_lt(o.err_len, 4096, "stderr of %zu bytes", o.err_len);
	cr_assert_eq(strcmp(o.err + o.err_len - 5, "A...\n"), 0, "not marked as cut: %s",
		     o.err);
	outcome_free(&o);
}

/* ---- Floods ------------------------------------------------------------------------- */

/* HostPrint forever against max_output 1000: the host lets exactly 1000 bytes through
 * (ten prints of 100), refuses every print after, the guest ignores that and spins on,
 * and only the timeout ends the run, in time. */
Test(flood, print_flood_stops_at_max_output, .timeout = 60)
{
	static const char manifest[] = "guest: ../../tests/guests/bin/hostileguest.elf\n"
				       "host_functions: [HostPrint]\n"
				       "limits: {max_output: 1000}\nprint_to: stdout\n";
	const char *path = TEST_DIR "/flood.yaml";
	struct outcome o;
	double noop = noop_seconds();
	FILE *f;

	mkdir("build", 0755);
	mkdir(TEST_DIR, 0755);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(manifest, 1, sizeof manifest - 1, f), sizeof manifest - 1);
	cr_assert_eq(fclose(f), 0);
	o = hlrun("-t", "2s", path, "PrintFlood", "100", NULL);
	cr_assert_eq(o.status, 124, "status %d; stderr: %s", o.status, o.err);
	cr_assert_eq(o.out_len, 1000, "%zu bytes on stdout", o.out_len);
	for (size_t i = 0; i < o.out_len; i++)
		cr_assert_eq(o.out[i], i % 100 == 99 ? '\n' : 'p', "byte %zu", i);
	cr_assert_eq(strncmp(o.err, "hlrun: ", 7), 0, "stderr: %s", o.err);
	cr_assert(strstr(o.err, "PrintFlood: timed out after 2000 ms") != NULL, "%s", o.err);
	expect_one_line(&o);
	expect_timely(o, 2.0, noop);
	outcome_free(&o);
}

/* Without a manifest the default max_output, 16 MiB, bounds the flood: exactly 256
 * prints of 64 KiB get out.  The time limit leaves the test VM, whose emulated CPU may
 * print no more than 8 MiB a second on a loaded machine, room to reach the bound. */
Test(flood, print_flood_default_limit, .timeout = 60)
{
	double noop = noop_seconds();
	struct outcome o = hlrun("-t", "8s", "--print-to", "stdout", HOSTILE, "PrintFlood",
				 "65536", NULL);

	cr_assert_eq(o.status, 124, "status %d; stderr: %s", o.status, o.err);
	cr_assert_eq(o.out_len, 16u << 20, "%zu bytes on stdout", o.out_len);
	cr_assert(strstr(o.err, "PrintFlood: timed out after 8000 ms") != NULL, "%s", o.err);
	expect_one_line(&o);
	expect_timely(o, 8.0, noop);
	outcome_free(&o);
}

/* ---- Initialisation that misbehaves ------------------------------------------------- */

#define BADINIT_MANIFEST TEST_DIR "/badinit.yaml"

/* Runs badinitguest through a manifest that lets its init read BADINIT = mode, with the
 * options given (or NULL) and, unless they are --batch or --save-snapshot, its Ok. */
static struct outcome badinit(const char *mode, const char *opt1, const char *opt2)
{
	static const char manifest[] = "guest: ../../tests/guests/bin/badinitguest.elf\n"
				       "host_functions: [GetEnv, HostPrint]\n"
				       "env: [BADINIT]\nlimits: {max_output: 1000}\n"
				       "print_to: stdout\n";
	char cmd[256];
	FILE *f;

	mkdir("build", 0755);
	mkdir(TEST_DIR, 0755);
	f = fopen(BADINIT_MANIFEST, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(manifest, 1, sizeof manifest - 1, f), sizeof manifest - 1);
	cr_assert_eq(fclose(f), 0);
	snprintf(cmd, sizeof cmd, "BADINIT=%s exec \"$0\" %s %s %s %s </dev/null", mode,
		 opt1 ? opt1 : "", opt2 ? opt2 : "", BADINIT_MANIFEST,
		 opt1 != NULL && (strcmp(opt1, "--batch") == 0 ||
				  strcmp(opt1, "--save-snapshot") == 0) ? "" : "Ok");
	return run_argv(NULL, 0, (const char *const[]){ "sh", "-c", cmd, hlrun_bin(), NULL });
}

Test(init, well_behaved_without_badinit, .timeout = 60)
{
	struct outcome o = badinit("", NULL, NULL);

	expect_ok(o, "1\n");
	outcome_free(&o);
}

Test(init, crash_is_exit_4_naming_init, .timeout = 60)
{
	struct outcome o = badinit("crash", NULL, NULL);

	expect_fail(&o, 4, "badinit.yaml: init: invalid opcode (#UD)", "in hl_guest_init", NULL);
	expect_one_line(&o);
	outcome_free(&o);
}

Test(init, abort_is_exit_4_naming_init, .timeout = 60)
{
	struct outcome o = badinit("abort", NULL, NULL);

	expect_fail(&o, 4, "init: guest aborted with code 9: init gave up", NULL);
	outcome_free(&o);
}

Test(init, spin_times_out_naming_init, .timeout = 60)
{
	double noop = noop_seconds();
	struct outcome o = badinit("spin", "-t", "1s");

	expect_fail(&o, 124, "init: timed out after 1000 ms", NULL);
	expect_timely(o, 1.0, noop);
	outcome_free(&o);
}

/* HostPrint during init is bounded by max_output: exactly 1000 bytes get out. */
Test(init, flood_stops_at_max_output, .timeout = 60)
{
	struct outcome o = badinit("flood", "-t", "1s");

	cr_assert_eq(o.status, 124, "status %d: %s", o.status, o.err);
	cr_assert_eq(o.out_len, 1000, "%zu bytes on stdout", o.out_len);
	for (size_t i = 0; i < o.out_len; i++)
		cr_assert_eq(o.out[i], 'f', "byte %zu", i);
	cr_assert(strstr(o.err, "init: timed out after 1000 ms") != NULL, "%s", o.err);
	outcome_free(&o);
}

Test(init, bad_dispatch_address_is_a_protocol_violation, .timeout = 60)
{
	struct outcome o = badinit("dispatch", NULL, NULL);

	expect_fail(&o, 4, "guest init reported dispatch address 0x1000, which is not in its "
		    "code (protocol violation)", NULL);
	outcome_free(&o);
}

/* In batch mode and when saving a snapshot, a failing init ends the run before any call
 * or file. */
Test(init, crash_in_batch_and_save, .timeout = 60)
{
	struct outcome o = badinit("crash", "--batch", NULL);

	expect_fail(&o, 4, "init: invalid opcode (#UD)", NULL);
	outcome_free(&o);
	o = badinit("crash", "--save-snapshot", TEST_DIR "/badinit.snap");
	expect_fail(&o, 4, "init: invalid opcode (#UD)", NULL);
	cr_assert_neq(access(TEST_DIR "/badinit.snap", F_OK), 0);
	outcome_free(&o);
}

/* What CPUID shows the guest: no virtualisation extensions (VMX, SMX, SVM), no
 * MONITOR/MWAIT, no x2APIC or TSC deadline timer, and none of KVM's own leaves. */
static void cpuid(const char *leaf, uint32_t regs[4])
{
	struct outcome o = hlrun(HOSTILE, "CpuidRegs", leaf, NULL);

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(o.out_len, 16, "CPUID %s: %zu bytes", leaf, o.out_len);
	memcpy(regs, o.out, 16);
	outcome_free(&o);
}

Test(ring3, cpuid_hides_what_the_vcpu_lacks)
{
	enum { EAX, EBX, ECX, EDX };
	uint32_t r[4];

	cpuid("1", r);
	cr_assert_eq(r[ECX] & ((1u << 3) | (1u << 5) | (1u << 6) | (1u << 21) | (1u << 24)), 0,
		     "leaf 1 ECX 0x%08x", r[ECX]);
	cpuid("0x80000001", r);
	cr_assert_eq(r[ECX] & (1u << 2), 0, "leaf 0x80000001 ECX 0x%08x", r[ECX]);
	cpuid("0x40000000", r);
	cr_assert(memcmp(&r[EBX], "KVMKVMKVM", 9) != 0, "KVM's signature shows");
	cpuid("0x40000001", r);
	cr_assert_eq(r[EAX], 0, "KVM's feature leaf shows: EAX 0x%08x", r[EAX]);
}
