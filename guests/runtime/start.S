/* Guest runtime entry points: init, call dispatch, port exits.  Ring 3 code: CPU
 * exceptions are the host's business, not the runtime's. */
#include "hlrun_abi.h"

	.section .text.start, "ax"
	.code64

/* The ELF entry: RDI = PEB, RSP = stack top (16-byte aligned).  hl_runtime_init() returns
 * the dispatch entry, which leaves through the DONE port. */
	.globl _start
_start:
	xor %ebp, %ebp
	call hl_runtime_init
	mov $HL_PORT_DONE, %dx
	out %eax, %dx
	jmp hl_stop

/* Every call: RDI = PEB, RSP = stack top.  hl_dispatch() writes the result message to the
 * output buffer; the DONE port with EAX = 0 hands it to the host. */
	.globl hl_dispatch_entry
hl_dispatch_entry:
	xor %ebp, %ebp
	call hl_dispatch
	xor %eax, %eax
	mov $HL_PORT_DONE, %dx
	out %eax, %dx
	jmp hl_stop

/* Never resumed after a final exit; should it be, loop on the DONE port instead of
 * falling into whatever follows. */
	.globl hl_stop
hl_stop:
	mov $HL_PORT_DONE, %dx
1:	out %eax, %dx
	jmp 1b

/* void hl_port_out(uint16_t port, uint32_t value): one exit to the host, which resumes
 * the guest after it (host calls). */
	.globl hl_port_out
hl_port_out:
	mov %esi, %eax
	mov %edi, %edx
	out %eax, %dx
	ret

	.section .note.GNU-stack, "", @progbits
