/* Describing a CPU exception that ring 0 reported: vector, error code, RIP, the guest's
 * symbol there, the faulting address, and for a privileged or port instruction, which. */
#include "core/core_internal.h"

#include <stdio.h>

#define PF_PRESENT 1u
#define PF_WRITE 2u
#define PF_FETCH 16u
#define VEC_DF 8
#define VEC_UD 6
#define VEC_GP 13
#define VEC_PF 14
#define INSN_MAX 15
#define ERR_EXT 1u
#define ERR_IDT 2u
#define OP_INT 0xcd

static const char *const vector_names[32] = {
	[0] = "divide error (#DE)",
	[1] = "debug exception (#DB)",
	[2] = "non-maskable interrupt (NMI)",
	[3] = "breakpoint (#BP)",
	[4] = "overflow (#OF)",
	[5] = "bound range exceeded (#BR)",
	[6] = "invalid opcode (#UD)",
	[7] = "device not available (#NM)",
	[8] = "double fault (#DF)",
	[10] = "invalid TSS (#TS)",
	[11] = "segment not present (#NP)",
	[12] = "stack-segment fault (#SS)",
	[13] = "general protection fault (#GP)",
	[14] = "page fault (#PF)",
	[16] = "x87 floating-point error (#MF)",
	[17] = "alignment check (#AC)",
	[18] = "machine check (#MC)",
	[19] = "SIMD floating-point exception (#XM)",
	[20] = "virtualization exception (#VE)",
	[21] = "control protection exception (#CP)",
};

/* What follows "at RIP 0x...": " in fn+0x12" when the guest's symbols name the address,
 * then the stack pointer, ", RSP 0x...". */
static void where(const struct sbx *s, uint64_t rip, uint64_t rsp, char *buf, size_t len)
{
	uint64_t off;
	const char *sym = ldr_symbol_at(s->guest, rip, &off);

	if (sym != NULL)
		snprintf(buf, len, " in %s+0x%llx, RSP 0x%llx", sym, (unsigned long long)off,
			 (unsigned long long)rsp);
	else
		snprintf(buf, len, ", RSP 0x%llx", (unsigned long long)rsp);
}

static bool is_prefix(uint8_t b)
{
	return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x26 ||
	       b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
	       (b & 0xf0) == 0x40;
}

/* Names the two-byte (0x0f) instructions that ring 3 may not execute; m points to the
 * byte after the opcode (ModRM, or the rest of the opcode), NULL past guest memory. */
static const char *privileged_0f(uint8_t op, const uint8_t *m)
{
	static const char *const group7[8] = { [2] = "lgdt", [3] = "lidt", [6] = "lmsw",
					       [7] = "invlpg" };

	switch (op) {
	case 0x00:
		if (m == NULL)
			return NULL;
		return (*m >> 3 & 7) == 2 ? "lldt" : (*m >> 3 & 7) == 3 ? "ltr" : NULL;
	case 0x01:
		if (m == NULL)
			return NULL;
		switch (*m) {
		case 0xc1: return "vmcall";
		case 0xd9: return "vmmcall";
		case 0xd1: return "xsetbv";
		case 0xf8: return "swapgs";
		case 0xc8: return "monitor";
		case 0xc9: return "mwait";
		default: return *m < 0xc0 ? group7[*m >> 3 & 7] : NULL;
		}
	case 0x05: return "syscall";
	case 0x06: return "clts";
	case 0x07: return "sysret";
	case 0x08: return "invd";
	case 0x09: return "wbinvd";
	case 0x20: case 0x22: return "mov to or from a control register";
	case 0x21: case 0x23: return "mov to or from a debug register";
	case 0x30: return "wrmsr";
	case 0x32: return "rdmsr";
	case 0x34: return "sysenter";
	case 0x35: return "sysexit";
	default: return NULL;
	}
}

/* Writes to buf what the instruction at the fault is, when ring 3 may not execute it:
 * ": out to I/O port 0x80, which ..." or ": privileged instruction cli ...".  Reads at
 * most INSN_MAX bytes of guest memory, all of them inside it. */
static void describe_insn(const struct sbx *s, const struct hv_fault *f, uint64_t rip,
			  char *buf, size_t len)
{
	uint64_t n = INSN_MAX;
	const uint8_t *p = s->mem + rip;
	const char *name = NULL;
	uint64_t i = 0;
	bool out;

	buf[0] = '\0';
	if (rip >= s->layout.mem_size)
		return;
	if (n > s->layout.mem_size - rip)
		n = s->layout.mem_size - rip;
	while (i < n && is_prefix(p[i]))
		i++;
	if (i >= n)
		return;
	switch (p[i]) {
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
		if (i + 1 < n)
			snprintf(buf, len, ": %s I/O port 0x%x, which the hlrun ABI does not open "
				 "to the guest", p[i] & 2 ? "out to" : "in from", p[i + 1]);
		return;
	case 0xec: case 0xed: case 0xee: case 0xef:
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:
		out = p[i] == 0xee || p[i] == 0xef || p[i] == 0x6e || p[i] == 0x6f;
		snprintf(buf, len, ": %s I/O port 0x%x, which the hlrun ABI does not open to "
			 "the guest", out ? "out to" : "in from", (unsigned)(f->regs.rdx & 0xffff));
		return;
	case OP_INT:
		if (i + 1 < n)
			snprintf(buf, len, ": int 0x%x: the guest may not raise interrupts",
				 p[i + 1]);
		return;
	case 0xfa: name = "cli"; break;
	case 0xfb: name = "sti"; break;
	case 0xf4: name = "hlt"; break;
	case 0x0f:
		if (i + 1 < n)
			name = privileged_0f(p[i + 1], i + 2 < n ? &p[i + 2] : NULL);
		break;
	}
	if (name != NULL)
		snprintf(buf, len, ": %s is not allowed in ring 3, where the guest runs", name);
}

/* A page fault in mapped file m's pages or in the guard page after them. */
static enum hl_err map_fault(const struct sbx *s, const struct hv_fault *f, ptrdiff_t m,
			     const char *at, const char *access, struct hl_diag *d)
{
	const struct sbx_mapped *p = &s->maps[m];
	bool past = f->cr2 - p->addr >= p->span;

	return hl_fail(d, HL_E_CRASH, "%s: page fault (#PF) at RIP 0x%llx%s: %s address 0x%llx "
		       "(%sthe file mapped as %s, %llu bytes at 0x%llx%s)", s->phase,
		       (unsigned long long)f->regs.rip, at, access, (unsigned long long)f->cr2,
		       past ? "past the end of " : "", s->cfg.maps[m].name,
		       (unsigned long long)p->size, (unsigned long long)p->addr,
		       past ? "" : f->error_code & PF_FETCH ? ", is not executable" :
		       ", is read-only");
}

static enum hl_err page_fault(struct sbx *s, const struct hv_fault *f, const char *at,
			      struct hl_diag *d)
{
	uint64_t err = f->error_code, cr2 = f->cr2;
	unsigned long long rip = f->regs.rip;
	const char *access = err & PF_FETCH ? "execution of" : err & PF_WRITE ? "write to" :
					       "read of";
	const char *why = !(err & PF_PRESENT) ? "not mapped" :
			  cr2 >= HL_HOST_AREA && cr2 < HL_HOST_AREA_END ?
			  "not permitted: hlrun's ring 0" : "not permitted";
	const struct sbx_layout *l = &s->layout;
	ptrdiff_t m = sbx_map_at(s, cr2);

	if (cr2 >= l->stack_guard && cr2 < l->stack_guard + HL_PAGE_SIZE)
		return hl_fail(d, HL_E_CRASH, "%s: stack overflow at RIP 0x%llx%s: the stack of "
			       "%llu bytes is exhausted; raise --stack", s->phase, rip, at,
			       (unsigned long long)l->stack_size);
	if (m >= 0)
		return map_fault(s, f, m, at, access, d);
	if (cr2 < HL_PAGE_SIZE)
		return hl_fail(d, HL_E_CRASH, "%s: null pointer dereference: page fault (#PF) at "
			       "RIP 0x%llx%s: %s address 0x%llx (%s)", s->phase, rip, at, access,
			       (unsigned long long)cr2, why);
	return hl_fail(d, HL_E_CRASH, "%s: page fault (#PF) at RIP 0x%llx%s: %s address 0x%llx "
		       "(%s, error code 0x%llx)", s->phase, rip, at, access,
		       (unsigned long long)cr2, why, (unsigned long long)err);
}

/* Whether the two bytes at rip are "int n" whose gate the error code names: as the
 * architecture has it (index n * 8) or as QEMU's emulated CPU has it (n * 16). */
static bool is_int_at(const struct sbx *s, uint64_t rip, uint64_t code)
{
	uint64_t gate = code & ~(uint64_t)3;

	if (rip >= s->layout.mem_size || s->layout.mem_size - rip < 2 ||
	    s->mem[rip] != OP_INT)
		return false;
	return gate == (uint64_t)s->mem[rip + 1] * 8 || gate == (uint64_t)s->mem[rip + 1] * 16;
}

/* Where the faulting instruction is.  A #GP naming an IDT gate comes from "int n" through
 * a gate closed to ring 3, saved with RIP at the int; nested SVM as QEMU emulates it saves
 * the RIP after it instead, which would name the wrong instruction. */
static uint64_t fault_rip(const struct sbx *s, const struct hv_fault *f)
{
	uint64_t rip = f->regs.rip, code = f->error_code;

	if (f->vector != VEC_GP || (code & (ERR_EXT | ERR_IDT)) != ERR_IDT ||
	    is_int_at(s, rip, code) || rip < 2 || !is_int_at(s, rip - 2, code))
		return rip;
	return rip - 2;
}

enum hl_err sbx_exception(struct sbx *s, const struct hv_fault *f, struct hl_diag *d)
{
	const char *name = vector_names[f->vector] ? vector_names[f->vector] : NULL;
	unsigned long long rip = f->regs.rip, code = f->error_code;
	char at[192], insn[160] = "";

	/* A double fault's saved RIP means nothing, and it may have begun anywhere. */
	if (f->vector == VEC_DF)
		return hl_fail(d, HL_E_CRASH, "%s: double fault (#DF): an exception while the "
			       "CPU delivered another", s->phase);
	if (!f->user)
		return hl_fail(d, HL_E_INTERNAL, "%s: CPU exception vector %u in hlrun's ring 0 "
			       "at RIP 0x%llx (error code 0x%llx): a bug in hlrun", s->phase,
			       f->vector, rip, code);
	rip = fault_rip(s, f);
	where(s, rip, f->regs.rsp, at, sizeof at);
	if (f->vector == VEC_PF)
		return page_fault(s, f, at, d);
	if (f->vector == VEC_GP || f->vector == VEC_UD)
		describe_insn(s, f, rip, insn, sizeof insn);
	if (name == NULL)
		return hl_fail(d, HL_E_CRASH, "%s: CPU exception vector %u at RIP 0x%llx%s "
			       "(error code 0x%llx)", s->phase, f->vector, rip, at, code);
	return hl_fail(d, HL_E_CRASH, "%s: %s at RIP 0x%llx%s (error code 0x%llx)%s", s->phase,
		       name, rip, at, code, insn);
}
