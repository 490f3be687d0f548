/* hostileguest, ports: I/O outside the ABI's ports, and inside them not as the ABI uses
 * them. */
#include "hostile.h"

/* ---- Ports that are not part of the ABI --------------------------------------------- */

PRIVILEGED(BadPortOut, bad_port_out, "outb %%al, $0x80" : : "a"(0x42));
PRIVILEGED(BadPortIn, bad_port_in, "inb $0x60, %%al" : : : "rax");
/* A 32-bit out, the ABI's size, to the port just after the ABI's. */
PRIVILEGED(BadPortWide, bad_port_wide, "outl %%eax, %%dx"
	   : : "a"(0), "d"(HL_PORT_FIRST + HL_PORT_COUNT));
/* int with the vector of an exception: only the breakpoint's gate is open to ring 3. */
PRIVILEGED(IntDebug, int_debug, "int $0x01");
PRIVILEGED(IntPageFault, int_page_fault, "int $0x0e");
PRIVILEGED(IntGeneral, int_general, "int $0x0d");
/* One byte, to the port just after the ABI's and to the one just before. */
PRIVILEGED(BadPortAfter, bad_port_after, "outb %%al, %%dx"
	   : : "a"(0), "d"(HL_PORT_FIRST + HL_PORT_COUNT));
PRIVILEGED(BadPortBefore, bad_port_before, "inb %%dx, %%al" : : "d"(HL_PORT_FIRST - 1) : "rax");
/* A made-up exception report on the port of hlrun's ring 0 (hlrun-guest(7)): vector
 * 1000, which no CPU raises, in a frame of the guest's making. */
PRIVILEGED(ForgedExceptionReport, forged_exception_report, "1: outl %%eax, %%dx; jmp 1b"
	   : : "a"(HL_HOST_AREA + 0x5000 - 80), "d"(0x6cf0), "D"(1000));

/* Inside the ABI's ports, but not as the ABI uses them. */
static int in_from_done(const struct hl_value *a, struct hl_value *r)
{
	uint32_t v;

	(void)a;
	__asm__ volatile("inl %%dx, %%eax" : "=a"(v) : "d"(HL_PORT_DONE));
	r->u.i32 = (int32_t)v;
	return 0;
}
HL_EXPORT(InFromDonePort, in_from_done, HL_T_I32);

PRIVILEGED(Out16ToDonePort, out16_to_done, "outw %%ax, %%dx" : : "a"(0), "d"(HL_PORT_DONE));
/* One byte to the second of the DONE port's four. */
PRIVILEGED(Out8ToDonePlusOne, out8_to_done_plus_one, "outb %%al, %%dx"
	   : : "a"(0), "d"(HL_PORT_DONE + 1));

/* String I/O: rep outsl of two dwords to the DONE port. */
static int outs_to_done(const struct hl_value *a, struct hl_value *r)
{
	static const uint32_t words[2];
	const void *src = words;
	uint64_t n = 2;

	(void)a;
	(void)r;
	__asm__ volatile("rep outsl" : "+S"(src), "+c"(n) : "d"(HL_PORT_DONE) : "memory");
	return 0;
}
HL_EXPORT(OutsToDonePort, outs_to_done, HL_T_VOID);
