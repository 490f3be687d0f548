/* hlrun's ring 0 inside the guest, as its assembly (ring0_entry.S), the C that maps it
 * (ring0.c) and the C that reads its reports (vcpu.c) share it.  Plain constants: no C
 * below them, so that the assembler can include this file. */
#ifndef KVM_RING0_H
#define KVM_RING0_H

/* The port the exception entry code writes to, with EAX = the frame's address.  The TSS
 * I/O permission bitmap never opens it to ring 3, and the host takes a write to it as a
 * report only from the entry code's own page. */
#define HV_RING0_PORT 0x6cf0

/* The frame an exception entry leaves on its IST stack, in 8-byte words from the
 * reported address up: what it saved, then what the CPU pushed. */
#define HV_FRAME_CR2 0
#define HV_FRAME_RDX 1
#define HV_FRAME_RAX 2
#define HV_FRAME_VECTOR 3
#define HV_FRAME_ERROR 4
#define HV_FRAME_RIP 5
#define HV_FRAME_CS 6
#define HV_FRAME_RFLAGS 7
#define HV_FRAME_RSP 8
#define HV_FRAME_SS 9
#define HV_FRAME_WORDS 10

#endif
