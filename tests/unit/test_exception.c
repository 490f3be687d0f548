/* Unit tests of core/exception.c (no /dev/kvm needed): what hlrun says about a CPU
 * exception ring 0 reported, for every instruction ring 3 may not execute, the port
 * instructions, int, the vectors without a name, a double fault, a fault in ring 0, and
 * instruction bytes that run off the end of guest memory. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_internal.h"
#include "tests/guests/paths.h"

#define MEM (4u << 20)
#define RIP 0x1000u /* no symbol of the guest's is there */
#define RSP 0x7ff0u /* reported after RIP and its symbol */

struct fixture {
	struct ldr_guest *g;
	struct sbx s;
	struct hv_fault f;
	struct hl_diag d;
};

static void setup(struct fixture *fx)
{
	memset(fx, 0, sizeof *fx);
	cr_assert_eq(ldr_open(GUEST, &fx->g, &fx->d), HL_OK, "%s", fx->d.msg);
	fx->s.guest = fx->g;
	fx->s.mem = calloc(1, MEM);
	cr_assert_not_null(fx->s.mem);
	fx->s.layout.mem_size = MEM;
	fx->s.layout.stack_guard = 0x300000;
	fx->s.layout.stack_size = 0x80000;
	fx->s.phase = "Fn";
	fx->f.user = true;
	fx->f.regs.rip = RIP;
	fx->f.regs.rsp = RSP;
}

static void teardown(struct fixture *fx)
{
	free(fx->s.mem);
	ldr_close(fx->g);
}

struct insn_case {
	uint8_t bytes[8];
	size_t len;
	unsigned vector;
	char says[96]; /* what follows the error code; "" for nothing */
};

#define NOT_IN_RING3(name) ": " name " is not allowed in ring 3, where the guest runs"

ParameterizedTestParameters(exception, names_the_instruction)
{
	static struct insn_case cases[] = {
		{ { 0xfa }, 1, 13, NOT_IN_RING3("cli") },
		{ { 0xfb }, 1, 13, NOT_IN_RING3("sti") },
		{ { 0xf4 }, 1, 13, NOT_IN_RING3("hlt") },
		{ { 0x2e, 0x66, 0x48, 0xf4 }, 4, 13, NOT_IN_RING3("hlt") },
		{ { 0x0f, 0x00, 0xd0 }, 3, 13, NOT_IN_RING3("lldt") },
		{ { 0x0f, 0x00, 0xd8 }, 3, 13, NOT_IN_RING3("ltr") },
		{ { 0x0f, 0x00, 0xc0 }, 3, 13, "" },
		{ { 0x0f, 0x01, 0xc1 }, 3, 6, NOT_IN_RING3("vmcall") },
		{ { 0x0f, 0x01, 0xd9 }, 3, 6, NOT_IN_RING3("vmmcall") },
		{ { 0x0f, 0x01, 0xd1 }, 3, 13, NOT_IN_RING3("xsetbv") },
		{ { 0x0f, 0x01, 0xf8 }, 3, 6, NOT_IN_RING3("swapgs") },
		{ { 0x0f, 0x01, 0xc8 }, 3, 6, NOT_IN_RING3("monitor") },
		{ { 0x0f, 0x01, 0xc9 }, 3, 6, NOT_IN_RING3("mwait") },
		{ { 0x0f, 0x01, 0x10 }, 3, 13, NOT_IN_RING3("lgdt") },
		{ { 0x0f, 0x01, 0x18 }, 3, 13, NOT_IN_RING3("lidt") },
		{ { 0x0f, 0x01, 0x30 }, 3, 13, NOT_IN_RING3("lmsw") },
		{ { 0x0f, 0x01, 0x38 }, 3, 13, NOT_IN_RING3("invlpg") },
		{ { 0x0f, 0x01, 0x08 }, 3, 13, "" },   /* sidt: allowed */
		{ { 0x0f, 0x01, 0xe0 }, 3, 13, "" },   /* smsw: allowed */
		{ { 0x0f, 0x05, 0x90 }, 3, 6, NOT_IN_RING3("syscall") },
		{ { 0x0f, 0x06, 0x90 }, 3, 13, NOT_IN_RING3("clts") },
		{ { 0x0f, 0x07, 0x90 }, 3, 6, NOT_IN_RING3("sysret") },
		{ { 0x0f, 0x08, 0x90 }, 3, 13, NOT_IN_RING3("invd") },
		{ { 0x0f, 0x09, 0x90 }, 3, 13, NOT_IN_RING3("wbinvd") },
		{ { 0x0f, 0x20, 0xc0 }, 3, 13, NOT_IN_RING3("mov to or from a control register") },
		{ { 0x0f, 0x22, 0xd8 }, 3, 13, NOT_IN_RING3("mov to or from a control register") },
		{ { 0x0f, 0x21, 0xc0 }, 3, 13, NOT_IN_RING3("mov to or from a debug register") },
		{ { 0x0f, 0x23, 0xf8 }, 3, 13, NOT_IN_RING3("mov to or from a debug register") },
		{ { 0x0f, 0x30, 0x90 }, 3, 13, NOT_IN_RING3("wrmsr") },
		{ { 0x0f, 0x32, 0x90 }, 3, 13, NOT_IN_RING3("rdmsr") },
		{ { 0x0f, 0x34, 0x90 }, 3, 13, NOT_IN_RING3("sysenter") },
		{ { 0x0f, 0x35, 0x90 }, 3, 13, NOT_IN_RING3("sysexit") },
		{ { 0x0f, 0x0b, 0x90 }, 3, 6, "" },    /* ud2 */
		{ { 0xe4, 0x80 }, 2, 13, ": in from I/O port 0x80, which the hlrun ABI does not "
					 "open to the guest" },
		{ { 0xe7, 0x70 }, 2, 13, ": out to I/O port 0x70, which the hlrun ABI does not "
					 "open to the guest" },
		{ { 0xec, 0x90 }, 2, 13, ": in from I/O port 0x3f8, which the hlrun ABI does not "
					 "open to the guest" },
		{ { 0x66, 0xef, 0x90 }, 3, 13, ": out to I/O port 0x3f8, which the hlrun ABI does "
					       "not open to the guest" },
		{ { 0xf3, 0x6d, 0x90 }, 3, 13, ": in from I/O port 0x3f8, which the hlrun ABI does "
					       "not open to the guest" },
		{ { 0x6e, 0x90 }, 2, 13, ": out to I/O port 0x3f8, which the hlrun ABI does not "
					 "open to the guest" },
		{ { 0xcd, 0x80 }, 2, 13, ": int 0x80: the guest may not raise interrupts" },
		{ { 0x90, 0x90 }, 2, 13, "" },
		/* Only #GP and #UD are described: the same bytes under #DE are not. */
		{ { 0xfa }, 1, 0, "" },
	};

	return cr_make_param_array(struct insn_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct insn_case *c, exception, names_the_instruction)
{
	static const char *const vec[] = { [0] = "divide error (#DE)",
					   [6] = "invalid opcode (#UD)",
					   [13] = "general protection fault (#GP)" };
	struct fixture fx;
	char want[256];

	setup(&fx);
	memcpy(fx.s.mem + RIP, c->bytes, c->len);
	fx.f.vector = c->vector;
	fx.f.regs.rdx = 0xffff03f8; /* the port of in/out dx: the low 16 bits */
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	snprintf(want, sizeof want, "Fn: %s at RIP 0x1000"
		 ", RSP 0x7ff0 (error code 0x0)%s", vec[c->vector],
		 c->says);
	cr_assert_str_eq(fx.d.msg, want);
	teardown(&fx);
}

/* Instruction bytes are read from guest memory only: a RIP outside it, or an
 * instruction cut short by its end (prefixes and all), describes nothing; one that ends
 * exactly there is named. */
struct end_case {
	uint8_t bytes[16];
	size_t len;
	char says[96];
};

ParameterizedTestParameters(exception, reads_no_byte_beyond_guest_memory)
{
	static struct end_case cases[] = {
		{ { 0 }, 0, "" },                      /* RIP at the end itself */
		{ { 0xfa }, 1, NOT_IN_RING3("cli") },
		{ { 0x66 }, 1, "" },
		{ { 0x66, 0xf4 }, 2, NOT_IN_RING3("hlt") },
		{ { 0x0f }, 1, "" },
		{ { 0x0f, 0x30 }, 2, NOT_IN_RING3("wrmsr") },
		{ { 0x0f, 0x01 }, 2, "" },             /* group 7 without its ModRM */
		{ { 0x0f, 0x00 }, 2, "" },
		{ { 0x0f, 0x01, 0xc1 }, 3, NOT_IN_RING3("vmcall") },
		{ { 0xe4 }, 1, "" },
		{ { 0xcd }, 1, "" },
		{ { 0xcd, 0x03 }, 2, ": int 0x3: the guest may not raise interrupts" },
		/* Fourteen bytes to the end: the fifteen an instruction may have would cross. */
		{ { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		    0xe4 }, 14, "" },
		{ { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0xe4,
		    0x80 }, 14, ": in from I/O port 0x80, which the hlrun ABI does not open to "
				"the guest" },
	};

	return cr_make_param_array(struct end_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct end_case *c, exception, reads_no_byte_beyond_guest_memory)
{
	struct fixture fx;
	char want[256];

	setup(&fx);
	fx.f.vector = 13;
	memcpy(fx.s.mem + MEM - c->len, c->bytes, c->len);
	fx.f.regs.rip = MEM - c->len;
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	snprintf(want, sizeof want, "Fn: general protection fault (#GP) at RIP 0x%x"
		 ", RSP 0x7ff0 (error "
		 "code 0x0)%s", (unsigned)(MEM - c->len), c->says);
	cr_assert_str_eq(fx.d.msg, want);
	teardown(&fx);
}

/* Fifteen prefixes, the most an instruction may have, and no opcode: nothing named. */
Test(exception, prefixes_only)
{
	struct fixture fx;

	setup(&fx);
	memset(fx.s.mem + RIP, 0x66, 15);
	fx.s.mem[RIP + 15] = 0xfa;
	fx.f.vector = 13;
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	cr_assert_str_eq(fx.d.msg, "Fn: general protection fault (#GP) at RIP 0x1000"
			 ", RSP 0x7ff0 (error "
			 "code 0x0)");
	teardown(&fx);
}

Test(exception, vectors_without_a_name_double_faults_and_ring_0)
{
	struct fixture fx;

	setup(&fx);
	fx.f.vector = 15;
	fx.f.error_code = 7;
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	cr_assert_str_eq(fx.d.msg, "Fn: CPU exception vector 15 at RIP 0x1000"
			 ", RSP 0x7ff0 (error code 0x7)");
	fx.f.vector = 21;
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	cr_assert_str_eq(fx.d.msg, "Fn: control protection exception (#CP) at RIP 0x1000"
			 ", RSP 0x7ff0 "
			 "(error code 0x7)");
	fx.f.vector = 8;
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	cr_assert_str_eq(fx.d.msg, "Fn: double fault (#DF): an exception while the CPU "
			 "delivered another");
	fx.f.vector = 13;
	fx.f.user = false;
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_INTERNAL);
	cr_assert_str_eq(fx.d.msg, "Fn: CPU exception vector 13 in hlrun's ring 0 at RIP "
			 "0x1000 (error code 0x7): a bug in hlrun");
	teardown(&fx);
}

/* At an address in the guest's code, the symbol and the offset into it. */
Test(exception, names_the_guest_symbol)
{
	struct fixture fx;
	uint64_t at = 0x200000, off = 0;
	const char *sym = NULL;
	char want[256];

	setup(&fx);
	while (at < 0x210000 && ((sym = ldr_symbol_at(fx.g, at, &off)) == NULL || off == 0))
		at++;
	cr_assert_not_null(sym, "no symbol in the guest's first 64 KiB");
	fx.f.vector = 3;
	fx.f.regs.rip = at;
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	snprintf(want, sizeof want, "Fn: breakpoint (#BP) at RIP 0x%llx in %s+0x%llx"
		 ", RSP 0x7ff0 (error "
		 "code 0x0)", (unsigned long long)at, sym, (unsigned long long)off);
	cr_assert_str_eq(fx.d.msg, want);
	teardown(&fx);
}

/* int n through a gate closed to ring 3 is a #GP whose error code names that gate, saved
 * with RIP at the int (n * 8 + 2, as the architecture has it), or after it (n * 16 + 2, as
 * nested SVM under QEMU has it): both are reported at the int.  Nothing else moves RIP. */
struct int_case {
	uint8_t bytes[2];   /* at RIP */
	unsigned saved;     /* the RIP the CPU saved, past RIP */
	unsigned vector;
	unsigned code;
	unsigned reported;  /* the RIP reported, past RIP */
	bool named;         /* says "int 0x..." */
};

ParameterizedTestParameters(exception, int_through_a_closed_gate)
{
	static struct int_case cases[] = {
		{ { 0xcd, 0x0d }, 0, 13, 0x6a, 0, true },
		{ { 0xcd, 0x0d }, 2, 13, 0xd2, 0, true },
		{ { 0xcd, 0x0d }, 0, 13, 0xd2, 0, true },
		{ { 0xcd, 0x01 }, 2, 13, 0x0a, 0, true },
		{ { 0xcd, 0x1a }, 2, 13, 0xd2, 0, true },
		{ { 0xcd, 0x0e }, 2, 13, 0x6a, 2, false }, /* another gate */
		{ { 0xcd, 0x0d }, 2, 13, 0x6b, 2, false }, /* an external event's */
		{ { 0xcd, 0x0d }, 2, 13, 0x68, 2, false }, /* a GDT selector */
		{ { 0xcd, 0x0d }, 2, 6, 0xd2, 2, false },  /* not #GP */
		{ { 0xcd, 0x0d }, 1, 13, 0xd2, 1, false },
		{ { 0xcd, 0x0d }, 3, 13, 0xd2, 3, false },
	};

	return cr_make_param_array(struct int_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct int_case *c, exception, int_through_a_closed_gate)
{
	static const char *const vec[] = { [6] = "invalid opcode (#UD)",
					   [13] = "general protection fault (#GP)" };
	struct fixture fx;
	char want[256], says[64] = "";

	setup(&fx);
	memcpy(fx.s.mem + RIP, c->bytes, sizeof c->bytes);
	fx.f.vector = c->vector;
	fx.f.error_code = c->code;
	fx.f.regs.rip = RIP + c->saved;
	if (c->named)
		snprintf(says, sizeof says, ": int 0x%x: the guest may not raise interrupts",
			 c->bytes[1]);
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	snprintf(want, sizeof want, "Fn: %s at RIP 0x%x"
		 ", RSP 0x7ff0 (error code 0x%x)%s", vec[c->vector],
		 RIP + c->reported, c->code, says);
	cr_assert_str_eq(fx.d.msg, want);
	teardown(&fx);
}

/* The int that ends exactly at the end of guest memory is found; the RIP of a fault
 * cannot lie below the guest's first two bytes and name an int there. */
Test(exception, int_before_rip_at_the_edges)
{
	struct fixture fx;

	setup(&fx);
	fx.f.vector = 13;
	fx.f.error_code = 0xd2;
	fx.s.mem[MEM - 2] = 0xcd;
	fx.s.mem[MEM - 1] = 0x0d;
	fx.f.regs.rip = MEM;
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	cr_assert_str_eq(fx.d.msg, "Fn: general protection fault (#GP) at RIP 0x3ffffe"
			 ", RSP 0x7ff0 (error "
			 "code 0xd2): int 0xd: the guest may not raise interrupts");
	fx.s.mem[0] = 0xcd;
	fx.s.mem[1] = 0x0d;
	fx.f.regs.rip = 1;
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	cr_assert_str_eq(fx.d.msg, "Fn: general protection fault (#GP) at RIP 0x1"
			 ", RSP 0x7ff0 (error code "
			 "0xd2)");
	fx.f.regs.rip = 2;
	cr_assert_eq(sbx_exception(&fx.s, &fx.f, &fx.d), HL_E_CRASH);
	cr_assert_str_eq(fx.d.msg, "Fn: general protection fault (#GP) at RIP 0x0"
			 ", RSP 0x7ff0 (error code "
			 "0xd2): int 0xd: the guest may not raise interrupts");
	teardown(&fx);
}
