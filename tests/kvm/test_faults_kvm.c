/* KVM suite: KVMs unlike the machines' own, faked through tests/kvm/faults.c's wrappers:
 * too old or lacking what hlrun needs, of an unknown kind, or reporting exits hlrun never
 * sees here (a halt, a shutdown, MMIO, an entry or emulation failure), each reported as
 * what it is. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>

#include "core/core.h"
#include "guests/include/hlrun_abi.h"
#include "loader/loader.h"
#include "tests/guests/paths.h"
#include "tests/kvm/faults.h"

/* ---- KVMs other than the machines' own ------------------------------------------------ */

struct kvm_case {
	char what[24];
	unsigned long request, arg;
	int value, error;
	char msg[96];
};

ParameterizedTestParameters(faults, a_kvm_hlrun_cannot_use)
{
	static struct kvm_case cases[] = {
		{ "API version 11", KVM_GET_API_VERSION, 0, 11, 0,
		  "/dev/kvm: KVM API version 11, need 12" },
		{ "no SYNC_REGS", KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS, 0, 0,
		  "/dev/kvm: KVM lacks KVM_CAP_SYNC_REGS (Linux 4.17 or later needed)" },
		{ "SYNC_REGS without regs", KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS, 2, 0,
		  "/dev/kvm: KVM lacks KVM_CAP_SYNC_REGS (Linux 4.17 or later needed)" },
		{ "no XSAVE", KVM_CHECK_EXTENSION, KVM_CAP_XSAVE, 0, 0,
		  "/dev/kvm: KVM lacks KVM_CAP_XSAVE" },
		{ "run area too small", KVM_GET_VCPU_MMAP_SIZE, 0, 64, 0,
		  "/dev/kvm: bad vCPU mmap size 64" },
		/* As without hardware virtualisation: exit 5, a KVM that cannot run VMs. */
		{ "no VM", KVM_CREATE_VM, 0, -1, ENODEV,
		  "/dev/kvm: cannot create a VM: No such device" },
		{ "no vCPU", KVM_CREATE_VCPU, 0, -1, EINVAL,
		  "/dev/kvm: cannot create a vCPU: Invalid argument" },
	};

	return cr_make_param_array(struct kvm_case, cases, sizeof cases / sizeof cases[0]);
}

/* A KVM too old or too strange for hlrun is named as such, with what it lacks. */
ParameterizedTest(struct kvm_case *c, faults, a_kvm_hlrun_cannot_use)
{
	struct ldr_guest *g;
	struct sbx *s = NULL;
	struct sbx_config cfg;
	struct hl_diag d = { 0 };
	enum hl_err err;

	cr_assert_eq(ldr_open(GUEST, &g, &d), HL_OK, "%s", d.msg);
	sbx_config_default(&cfg);
	plan.answer_request = c->request;
	plan.answer_arg = c->arg;
	plan.answer_value = c->value;
	plan.answer_errno = c->error;
	err = sbx_create(g, &cfg, &s, NULL, &d);
	plan.answer_request = 0;
	cr_assert_str_eq(d.msg, c->msg, "%s", c->what);
	cr_assert_eq(err, c->request == KVM_GET_VCPU_MMAP_SIZE ? HL_E_INTERNAL : HL_E_NOKVM,
		     "%s", c->what);
	cr_assert_null(s);
	ldr_close(g);
}

/* A KVM whose module is none of those hlrun knows still runs guests; it is described as
 * of unknown kind. */
Test(faults, a_kvm_of_unknown_kind)
{
	char describe[SBX_KVM_DESCRIBE];
	struct hl_diag d = { 0 };

	plan.hide_modules = true;
	cr_assert_eq(sbx_kvm_describe(NULL, describe, sizeof describe, &d), HL_OK, "%s", d.msg);
	plan.hide_modules = false;
	cr_assert(strncmp(describe, "a KVM of unknown kind", 21) == 0, "%s", describe);
	cr_assert(strcmp(describe + 21, "") == 0 ||
		  strcmp(describe + 21, ", inside a virtual machine") == 0, "%s", describe);
}

/* ---- Exits a KVM may report that the machines here do not -------------------------- */

#define FAKE_RIP 0x201234ull

enum { ERR_PASSES = -1 };

/* An exit as data, not as a function that makes it: Criterion may run each case in a
 * fresh process, where a function pointer from the parameters would not hold. */
struct exit_case {
	char what[24];
	uint32_t reason; /* KVM_EXIT_... */
	/* MMIO: whether a write; FAIL_ENTRY: the hardware's reason; INTERNAL_ERROR: the
	 * suberror; IO: the port of a 4-byte OUT. */
	uint64_t detail;
	uint32_t value;  /* IO: the value written */
	int err;         /* the class, or ERR_PASSES: the call returns its result */
	char msg[160];
};

static const struct exit_case *faking;

/* The exit of the case faking, at FAKE_RIP. */
static void fake_exit(struct kvm_run *run)
{
	run->exit_reason = faking->reason;
	run->s.regs.regs.rip = FAKE_RIP;
	switch (faking->reason) {
	case KVM_EXIT_MMIO:
		run->mmio.phys_addr = 0xfee00000;
		run->mmio.len = 4;
		run->mmio.is_write = (uint8_t)faking->detail;
		memset(run->mmio.data, 0, sizeof run->mmio.data);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		run->fail_entry.hardware_entry_failure_reason = faking->detail;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		run->internal.suberror = (uint32_t)faking->detail;
		break;
	case KVM_EXIT_IO:
		run->io.direction = KVM_EXIT_IO_OUT;
		run->io.size = 4;
		run->io.port = (uint16_t)faking->detail;
		run->io.count = 1;
		run->io.data_offset = 4096;
		memcpy((uint8_t *)run + run->io.data_offset, &faking->value,
		       sizeof faking->value);
		break;
	}
}

ParameterizedTestParameters(exits, hlrun_does_not_expect)
{
	static struct exit_case cases[] = {
		{ "hlt", KVM_EXIT_HLT, 0, 0, HL_E_CRASH,
		  "Echo: guest halted (hlt) at RIP 0x201234 outside the protocol" },
		{ "shutdown", KVM_EXIT_SHUTDOWN, 0, 0, HL_E_CRASH,
		  "Echo: guest triple-faulted (CPU shutdown): an exception that hlrun's ring 0 "
		  "could not report" },
		{ "mmio read", KVM_EXIT_MMIO, false, 0, HL_E_CRASH,
		  "Echo: guest read from physical address 0xfee00000 outside its memory (" },
		{ "mmio write", KVM_EXIT_MMIO, true, 0, HL_E_CRASH,
		  "Echo: guest wrote to physical address 0xfee00000 outside its memory (" },
		{ "fail entry", KVM_EXIT_FAIL_ENTRY, 0x21, 0, HL_E_NOKVM,
		  "refused to enter the guest (hardware reason 0x21); try another KVM" },
		{ "emulation", KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_EMULATION, 0,
		  HL_E_NOKVM,
		  "could not run the guest at RIP 0x201234 (instruction emulation failed, "
		  "suberror 1); try another KVM" },
		{ "internal", KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_SIMUL_EX, 0,
		  HL_E_NOKVM,
		  "could not run the guest at RIP 0x201234 (internal error, suberror 2); try "
		  "another KVM" },
		{ "irq window", KVM_EXIT_IRQ_WINDOW_OPEN, 0, 0, HL_E_NOKVM,
		  "stopped the guest at RIP 0x201234 with an exit hlrun does not expect ('irq "
		  "window open', 7); try another KVM" },
		{ "unnamed", 4000, 0, 0, HL_E_NOKVM,
		  "stopped the guest at RIP 0x201234 with an exit hlrun does not expect "
		  "('unnamed', 4000); try another KVM" },
		{ "other port", KVM_EXIT_IO, 0x6c10, 0, HL_E_CRASH,
		  "Echo: guest wrote to I/O port 0x6c10 at RIP 0x201234: not part of the hlrun "
		  "ABI (protocol violation)" },
		{ "runtime refusal", KVM_EXIT_IO, HL_PORT_ABORT, HL_ABORT_PROTOCOL, HL_E_CRASH,
		  "Echo: guest runtime refused the call: " },
		{ "interrupted", KVM_EXIT_INTR, 0, 0, ERR_PASSES, "" },
	};

	return cr_make_param_array(struct exit_case, cases, sizeof cases / sizeof cases[0]);
}

/* The exit comes on the first KVM_RUN of a call; what it was is in the message (with the
 * KVM named where the KVM is at fault), the sandbox is poisoned, and a restore brings it
 * back.  An interrupted run that is not the timer's is resumed. */
ParameterizedTest(struct exit_case *c, exits, hlrun_does_not_expect)
{
	struct ldr_guest *g;
	struct sbx *s;
	struct sbx_config cfg;
	struct hl_diag d = { 0 };
	enum hl_err err;

	cr_assert_eq(ldr_open(GUEST, &g, &d), HL_OK, "%s", d.msg);
	sbx_config_default(&cfg);
	cfg.restore = true;
	cr_assert_eq(sbx_create(g, &cfg, &s, NULL, &d), HL_OK, "%s", d.msg);
	cr_assert_not_null(plan.run, "the vCPU's run area was not seen");
	faking = c;
	plan.fake = fake_exit;
	plan.fake_run = 1;
	err = call(s, g, "Echo", str("hi"), "hi", &d);
	plan.fake = NULL;
	if (c->err == ERR_PASSES) {
		cr_assert_eq(err, HL_OK, "%s: %s", c->what, d.msg);
		cr_assert_eq(plan.runs, 2, "%s: %lu runs", c->what, plan.runs);
	} else {
		cr_assert_eq(err, (enum hl_err)c->err, "%s: class %d: %s", c->what, err, d.msg);
		cr_assert(strstr(d.msg, c->msg) != NULL, "%s: \"%s\" not in: %s", c->what,
			  c->msg, d.msg);
		cr_assert(sbx_poisoned(s), "%s", c->what);
		cr_assert_eq(sbx_restore(s, NULL, &d), HL_OK, "%s: %s", c->what, d.msg);
		cr_assert_eq(call(s, g, "Echo", str("hi"), "hi", &d), HL_OK, "%s: %s", c->what,
			     d.msg);
	}
	sbx_destroy(s);
	ldr_close(g);
}
