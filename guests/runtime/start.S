/* Guest runtime entry points: init, call dispatch, CPU exception stubs, port exits. */
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

/* Never resumed after a final exit; halting would be a protocol violation, so loop on
 * the DONE port instead of falling into whatever follows. */
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

/* Exception stubs: push a dummy error code where the CPU pushes none, then the vector.
 * They run on the IST1 stack (set in the IDT), so a stack overflow still reports. */
.macro EXC_NOERR vec
	.globl hl_exc_\vec
hl_exc_\vec:
	pushq $0
	pushq $\vec
	jmp hl_exc_common
.endm
.macro EXC_ERR vec
	.globl hl_exc_\vec
hl_exc_\vec:
	pushq $\vec
	jmp hl_exc_common
.endm

EXC_NOERR 0
EXC_NOERR 1
EXC_NOERR 2
EXC_NOERR 3
EXC_NOERR 4
EXC_NOERR 5
EXC_NOERR 6
EXC_NOERR 7
EXC_ERR 8
EXC_NOERR 9
EXC_ERR 10
EXC_ERR 11
EXC_ERR 12
EXC_ERR 13
EXC_ERR 14
EXC_NOERR 15
EXC_NOERR 16
EXC_ERR 17
EXC_NOERR 18
EXC_NOERR 19
EXC_NOERR 20
EXC_ERR 21
EXC_NOERR 22
EXC_NOERR 23
EXC_NOERR 24
EXC_NOERR 25
EXC_NOERR 26
EXC_NOERR 27
EXC_NOERR 28
EXC_ERR 29
EXC_ERR 30
EXC_NOERR 31

/* Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS. */
hl_exc_common:
	mov 0(%rsp), %rdi
	mov 8(%rsp), %rsi
	mov 16(%rsp), %r8
	mov %cr2, %r9
	mov 40(%rsp), %r10
	mov $HL_PORT_EXCEPTION, %dx
1:	out %eax, %dx
	jmp 1b

	.section .rodata
	.balign 8
/* The stubs' addresses, in vector order, for the IDT built by hl_runtime_init(). */
	.globl hl_exc_table
hl_exc_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad hl_exc_\v
	.endr

	.section .note.GNU-stack, "", @progbits
