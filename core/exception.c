/* Describing a CPU exception the guest reported: vector, error code, RIP, CR2, symbol. */
#include "core/core_internal.h"

#include <stdio.h>

#define PF_PRESENT 1u
#define PF_WRITE 2u
#define PF_FETCH 16u

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

/* "in fn+0x12" when the guest's symbols name the address. */
static void where(const struct sbx *s, uint64_t rip, char *buf, size_t len)
{
	uint64_t off;
	const char *sym = ldr_symbol_at(s->guest, rip, &off);

	if (sym != NULL)
		snprintf(buf, len, " in %s+0x%llx", sym, (unsigned long long)off);
	else
		buf[0] = '\0';
}

static enum hl_err page_fault(struct sbx *s, const struct hv_regs *r, const char *at,
			      struct hl_diag *d)
{
	uint64_t err = r->rsi, cr2 = r->r9;
	const char *access = err & PF_FETCH ? "execution of" : err & PF_WRITE ? "write to" :
					       "read of";
	const char *why = err & PF_PRESENT ? "not permitted" : "not mapped";
	const struct sbx_layout *l = &s->layout;

	if (cr2 >= l->stack_guard && cr2 < l->stack_guard + 4096)
		return hl_fail(d, HL_E_CRASH, "%s: stack overflow at RIP 0x%llx%s: the stack of "
			       "%llu bytes is exhausted; raise --stack", s->phase,
			       (unsigned long long)r->r8, at, (unsigned long long)l->stack_size);
	if (cr2 < 4096)
		return hl_fail(d, HL_E_CRASH, "%s: null pointer dereference: page fault (#PF) at "
			       "RIP 0x%llx%s: %s address 0x%llx (%s)", s->phase,
			       (unsigned long long)r->r8, at, access, (unsigned long long)cr2,
			       why);
	return hl_fail(d, HL_E_CRASH, "%s: page fault (#PF) at RIP 0x%llx%s: %s address 0x%llx "
		       "(%s, error code 0x%llx)", s->phase, (unsigned long long)r->r8, at,
		       access, (unsigned long long)cr2, why, (unsigned long long)err);
}

enum hl_err sbx_exception(struct sbx *s, const struct hv_regs *r, struct hl_diag *d)
{
	uint64_t vec = r->rdi;
	const char *name = vec < 32 && vector_names[vec] ? vector_names[vec] : NULL;
	char at[128];

	where(s, r->r8, at, sizeof at);
	if (vec == 14)
		return page_fault(s, r, at, d);
	if (name == NULL)
		return hl_fail(d, HL_E_CRASH, "%s: CPU exception vector %llu at RIP 0x%llx%s "
			       "(error code 0x%llx)", s->phase, (unsigned long long)vec,
			       (unsigned long long)r->r8, at, (unsigned long long)r->rsi);
	return hl_fail(d, HL_E_CRASH, "%s: %s at RIP 0x%llx%s (error code 0x%llx)", s->phase,
		       name, (unsigned long long)r->r8, at, (unsigned long long)r->rsi);
}
