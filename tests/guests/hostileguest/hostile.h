/* hostileguest: a TEST guest, not an example.  Each export misbehaves in one way, so that
 * tests/kvm/test_hostile.c can prove hlrun ends every run with the documented exit status
 * and one clear line.  The exports are grouped by family, one file each: memory, cpu,
 * ports, lies (hand-built messages), floods (floods and races).  Never model a real guest
 * on these files.  This header holds what the families share. */
#ifndef HOSTILE_H
#define HOSTILE_H

#include "hlguest.h"

#define PEB ((const struct hl_peb *)(uintptr_t)HL_PEB_ADDR)
#define OUT ((uint8_t *)(uintptr_t)PEB->output_addr)
#define FAR_AWAY (1ull << 40)

/* One 32-bit `out` to port; the host may resume after it (host calls). */
static inline void port_out32(uint16_t port, uint32_t value)
{
	__asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

/* Hands the output buffer to the host as the call's result.  The host never resumes a
 * finished call; if it did, the loop hands it over again instead of running on. */
__attribute__((noreturn)) static inline void leave_done(void)
{
	for (;;)
		port_out32(HL_PORT_DONE, 0);
}

/* Hides a value from the optimiser, so a deliberate fault is emitted as written. */
#define LAUNDER(x) __asm__ volatile("" : "+r"(x))

static inline void put_hdr(uint8_t *at, uint32_t kind, uint32_t size, uint16_t name_len,
			   uint16_t nvals)
{
	struct hl_msg_hdr h = { HL_MSG_MAGIC, kind, size, name_len, nvals };

	memcpy(at, &h, sizeof h);
}

static inline void put_val(uint8_t *at, uint32_t type, uint32_t len)
{
	struct hl_val_hdr v = { type, len };

	memcpy(at, &v, sizeof v);
}

/* Fills n bytes with a fixed pseudo-random pattern (the same every run). */
static inline void fill_garbage(uint8_t *p, size_t n)
{
	uint32_t x = 0x2545f491u;

	for (size_t i = 0; i < n; i++) {
		x = x * 1664525u + 1013904223u;
		p[i] = (uint8_t)(x >> 24);
	}
}

/* An export that runs one asm statement and returns: for instructions that must fault. */
#define PRIVILEGED(name, fn, ...)                                           \
	static int fn(const struct hl_value *a, struct hl_value *r)         \
	{                                                                   \
		(void)a;                                                    \
		(void)r;                                                    \
		__asm__ volatile(__VA_ARGS__);                              \
		return 0;                                                   \
	}                                                                   \
	HL_EXPORT(name, fn, HL_T_VOID)

#endif
