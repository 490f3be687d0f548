/* Calls into the guest: encoding the call, the run loop, reading the result. */
#include "core/core_internal.h"

#include <string.h>

/* Ends a run with err and marks the sandbox unusable until restored. */
static enum hl_err poison(struct sbx *s, enum hl_err err)
{
	s->poisoned = true;
	return err;
}

static enum hl_err on_abort(struct sbx *s, uint32_t code, struct hl_diag *d)
{
	struct hl_message m;
	const uint8_t *out = s->mem + s->layout.output;
	const char *msg = "(no message)";

	if (hlw_decode(out, s->layout.output_size, &m) == HLW_OK && m.kind == HL_MSG_ABORT)
		msg = (const char *)m.vals[0].data;
	switch (code) {
	case HL_ABORT_OUTPUT_FULL:
		return hl_fail(d, HL_E_CRASH, "%s: result does not fit the output buffer: %s; "
			       "raise --output-size", s->phase, msg);
	case HL_ABORT_PROTOCOL:
	case HL_ABORT_NO_FUNCTION:
		return hl_fail(d, HL_E_CRASH, "%s: guest runtime refused the call: %s", s->phase,
			       msg);
	case HL_ABORT_HEAP:
		return hl_fail(d, HL_E_CRASH, "%s: guest heap corrupted: %s", s->phase, msg);
	default:
		return hl_fail(d, HL_E_CRASH, "%s: guest aborted with code %d: %s", s->phase,
			       (int32_t)code, msg);
	}
}

static enum hl_err on_port(struct sbx *s, const struct hv_exit *ex, uint32_t *value,
			   bool *done, struct hl_diag *d)
{
	if (!ex->is_write || ex->size != 4 || ex->count != 1)
		return hl_fail(d, HL_E_CRASH, "%s: guest %s I/O port 0x%x (%u-byte access) at RIP "
			       "0x%llx: not part of the hlrun ABI (protocol violation)", s->phase,
			       ex->is_write ? "wrote to" : "read from", ex->port, ex->size,
			       (unsigned long long)ex->rip);
	switch (ex->port) {
	case HL_PORT_DONE:
		*value = ex->value;
		*done = true;
		return HL_OK;
	case HL_PORT_HOSTCALL:
		return sbx_host_call(s, d);
	case HL_PORT_ABORT:
		return on_abort(s, ex->value, d);
	default:
		return hl_fail(d, HL_E_CRASH, "%s: guest wrote to I/O port 0x%x at RIP 0x%llx: "
			       "not part of the hlrun ABI (protocol violation)", s->phase,
			       ex->port, (unsigned long long)ex->rip);
	}
}

/* Every exit other than port I/O and the timer ends the run: a crash, or a KVM that
 * cannot run the guest. */
static enum hl_err on_other_exit(struct sbx *s, const struct hv_exit *ex, struct hl_diag *d)
{
	unsigned long long rip = ex->rip;

	switch (ex->kind) {
	case HV_EXIT_EXCEPTION:
		return sbx_exception(s, &ex->fault, d);
	case HV_EXIT_HLT:
		return hl_fail(d, HL_E_CRASH, "%s: guest halted (hlt) at RIP 0x%llx outside the "
			       "protocol", s->phase, rip);
	case HV_EXIT_SHUTDOWN:
		/* KVM resets the vCPU on a shutdown: its registers tell nothing.  Ring 0 is
		 * hlrun's and handles every exception, so this should not happen. */
		return hl_fail(d, HL_E_CRASH, "%s: guest triple-faulted (CPU shutdown): an "
			       "exception that hlrun's ring 0 could not report", s->phase);
	case HV_EXIT_MMIO:
		return hl_fail(d, HL_E_CRASH, "%s: guest %s physical address 0x%llx outside its "
			       "memory (%llu bytes) at RIP 0x%llx", s->phase,
			       ex->is_write ? "wrote to" : "read from",
			       (unsigned long long)ex->addr,
			       (unsigned long long)s->layout.mem_size, rip);
	case HV_EXIT_HOST_FAULT:
		return sbx_maps_fault(s, d);
	case HV_EXIT_FAIL_ENTRY:
		return hl_fail(d, HL_E_NOKVM, "%s: this KVM, %s, refused to enter the guest "
			       "(hardware reason 0x%llx); try another KVM", s->phase,
			       hv_describe(s->vm), (unsigned long long)ex->reason);
	case HV_EXIT_INTERNAL:
		return hl_fail(d, HL_E_NOKVM, "%s: this KVM, %s, could not run the guest at RIP "
			       "0x%llx (%s, suberror %llu); try another KVM", s->phase,
			       hv_describe(s->vm), rip, ex->name, (unsigned long long)ex->reason);
	default:
		/* No guest can cause an exit hlrun does not ask for: the KVM is at fault. */
		return hl_fail(d, HL_E_NOKVM, "%s: this KVM, %s, stopped the guest at RIP 0x%llx "
			       "with an exit hlrun does not expect ('%s', %llu); try another KVM",
			       s->phase, hv_describe(s->vm), rip, ex->name,
			       (unsigned long long)ex->reason);
	}
}

/* The guest's registers where it stopped: a reported exception's, or the vCPU's. */
static void dump_core(struct sbx *s, const struct hv_exit *ex, struct hl_diag *d)
{
	struct hv_regs r;
	struct hl_diag rd = { 0 };

	if (ex->kind == HV_EXIT_EXCEPTION)
		r = ex->fault.regs;
	sbx_dump_core(s, ex->kind == HV_EXIT_EXCEPTION ||
			 hv_get_regs(s->vm, &r, &rd) == HL_OK ? &r : NULL, d);
}

/* The run ends as a time limit would end it, for the signal that asked it to. */
static enum hl_err interrupted(const struct sbx *s, struct hl_diag *d)
{
	int signo = sbx_interrupted();

	return hl_fail(d, sbx_interrupt_class(signo), "%s: %s", s->phase,
		       sbx_interrupt_words(signo));
}

enum hl_err sbx_run(struct sbx *s, uint32_t *value, struct hl_diag *d)
{
	struct hv_exit ex;
	bool done = false;
	enum hl_err err = sbx_timer_arm(&s->timer, s->cfg.timeout_ms, d);

	ex.kind = HV_EXIT_INTERRUPTED;
	while (err == HL_OK && !done) {
		if (sbx_interrupted() != 0) {
			err = interrupted(s, d);
			break;
		}
		err = hv_run(s->vm, &ex, d);
		if (err != HL_OK)
			break;
		if (ex.kind == HV_EXIT_IO) {
			err = on_port(s, &ex, value, &done, d);
		} else if (ex.kind == HV_EXIT_INTERRUPTED) {
			if (sbx_interrupted() != 0)
				err = interrupted(s, d);
			else if (sbx_timer_expired(&s->timer))
				err = hl_fail(d, HL_E_TIMEOUT, "%s: timed out after %llu ms",
					      s->phase, (unsigned long long)s->cfg.timeout_ms);
		} else {
			err = on_other_exit(s, &ex, d);
		}
	}
	if (sbx_timer_arm(&s->timer, 0, err == HL_OK ? d : NULL) != HL_OK && err == HL_OK)
		err = HL_E_INTERNAL;
	if (err == HL_E_CRASH || err == HL_E_TIMEOUT || err == HL_E_INTERRUPTED ||
	    err == HL_E_TERMINATED)
		dump_core(s, &ex, d);
	return err == HL_OK ? HL_OK : poison(s, err);
}

static enum hl_err read_result(struct sbx *s, const struct hl_export *e,
			       struct hl_value *result, struct hl_diag *d)
{
	static const struct hl_message empty;
	struct hl_message m = empty;
	enum hlw_status st = hlw_decode(s->mem + s->layout.output, s->layout.output_size, &m);

	if (st != HLW_OK)
		return poison(s, hl_fail(d, HL_E_CRASH, "%s: malformed result message: %s "
					 "(protocol violation)", e->name, hlw_strerror(st)));
	if (m.kind == HL_MSG_ERROR)
		return hl_fail(d, HL_E_GUEST, "%s failed (guest error %d): %s", e->name,
			       m.vals[0].u.i32, (const char *)m.vals[1].data);
	if (m.kind != HL_MSG_RESULT || m.nvals != (e->ret != HL_T_VOID) ||
	    (m.nvals == 1 && m.vals[0].type != e->ret))
		return poison(s, hl_fail(d, HL_E_CRASH, "%s: result is not the declared %s "
					 "(protocol violation)", e->name,
					 hlw_type_name(e->ret)));
	*result = m.nvals ? m.vals[0] : (struct hl_value){ .type = HL_T_VOID };
	return HL_OK;
}

void sbx_reset_output(struct sbx *s)
{
	s->printed = 0;
}

enum hl_err sbx_call(struct sbx *s, const struct hl_export *e, const struct hl_value *args,
		     uint16_t nargs, struct hl_value *result, struct hl_diag *d)
{
	struct hl_message m = { .kind = HL_MSG_CALL, .name = e->name, .nvals = nargs };
	struct hv_regs r;
	uint64_t size;
	uint32_t value;
	enum hlw_status st;
	enum hl_err err;

	if (s->poisoned)
		return hl_fail(d, HL_E_INTERNAL, "sandbox is poisoned by an earlier failure");
	if (nargs > HL_MAX_VALS)
		return hl_fail(d, HL_E_USAGE, "%s: too many arguments (%u)", e->name, nargs);
	m.name_len = (uint16_t)strnlen(e->name, HL_NAME_MAX);
	if (nargs > 0)
		memcpy(m.vals, args, nargs * sizeof *args);
	err = sbx_check_call_size(e->name, args, nargs, s->layout.input_size, d);
	if (err != HL_OK)
		return err;
	st = sbx_put_message(s, s->layout.input, s->layout.input_size, &m, &size);
	if (st != HLW_OK)
		return hl_fail(d, HL_E_USAGE, "%s: arguments cannot be encoded: %s", e->name,
			       hlw_strerror(st));
	s->phase = e->name;
	sbx_maps_show(s);
	r = (struct hv_regs){ .rip = s->dispatch, .rdi = HL_PEB_ADDR, .rflags = 2,
			      .rsp = s->layout.stack + s->layout.stack_size };
	err = hv_set_regs(s->vm, &r, d);
	if (err == HL_OK)
		err = sbx_run(s, &value, d);
	return err != HL_OK ? err : read_result(s, e, result, d);
}
