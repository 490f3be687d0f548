/* hlrun's ring 0 in every guest: the entry points of the 32 CPU exception vectors.  To
 * hlrun this is data (it is never executed on the host): hv_setup() copies the
 * hv_ring0_code_size bytes at hv_ring0_code into a supervisor-only page of the guest and
 * points the IDT's gates hv_ring0_entry[vector] bytes into it.  Each entry pushes what the CPU
 * did not (a zero error code, the vector), saves the two registers it needs and the
 * faulting address, and reports the frame on HV_RING0_PORT.  Integer instructions only,
 * and few of them: PVM emulates every ring-0 instruction and cannot emulate SSE. */
#include "kvm/ring0.h"

	.section .rodata.hv_ring0, "a"
	.code64

	.globl hv_ring0_code
hv_ring0_code:

.macro ENTRY_NOERR vec
hv_entry_\vec:
	pushq $0
	pushq $\vec
	jmp report
.endm
.macro ENTRY_ERR vec
hv_entry_\vec:
	pushq $\vec
	jmp report
.endm

ENTRY_NOERR 0
ENTRY_NOERR 1
ENTRY_NOERR 2
ENTRY_NOERR 3
ENTRY_NOERR 4
ENTRY_NOERR 5
ENTRY_NOERR 6
ENTRY_NOERR 7
ENTRY_ERR 8
ENTRY_NOERR 9
ENTRY_ERR 10
ENTRY_ERR 11
ENTRY_ERR 12
ENTRY_ERR 13
ENTRY_ERR 14
ENTRY_NOERR 15
ENTRY_NOERR 16
ENTRY_ERR 17
ENTRY_NOERR 18
ENTRY_NOERR 19
ENTRY_NOERR 20
ENTRY_ERR 21
ENTRY_NOERR 22
ENTRY_NOERR 23
ENTRY_NOERR 24
ENTRY_NOERR 25
ENTRY_NOERR 26
ENTRY_NOERR 27
ENTRY_NOERR 28
ENTRY_ERR 29
ENTRY_ERR 30
ENTRY_NOERR 31

/* The IST stacks lie below 4 GiB, so ESP is the frame's whole address.  The host never
 * resumes a report; should it, the vCPU halts. */
report:
	push %rax
	push %rdx
	mov %cr2, %rax
	push %rax
	mov %esp, %eax
	mov $HV_RING0_PORT, %edx
	out %eax, %dx
1:	hlt
	jmp 1b

hv_ring0_code_end:

	.balign 4
	.globl hv_ring0_code_size
hv_ring0_code_size:
	.long hv_ring0_code_end - hv_ring0_code

	.balign 2
	.globl hv_ring0_entry
hv_ring0_entry:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.short hv_entry_\v - hv_ring0_code
	.endr

	.section .note.GNU-stack, "", @progbits
