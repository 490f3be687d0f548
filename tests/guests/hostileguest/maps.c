/* hostileguest, maps: what a guest may try with a file the host mapped (--map): write it,
 * run it, read past its end, and keep reading it while the host shrinks the file. */
#include "hostile.h"

/* The file mapped as the string argument; a missing one is an error, not a fault. */
#define MAPPED(a, p, size)                                                                  \
	do {                                                                                \
		(p) = (volatile const uint8_t *)hl_mapped(hl_arg_string((a), 0), &(size));  \
		if ((p) == NULL)                                                            \
			return hl_error(2, "no file is mapped as %s", hl_arg_string((a), 0)); \
	} while (0)

static int write_mapped(const struct hl_value *a, struct hl_value *r)
{
	volatile const uint8_t *p;
	uint64_t size;

	(void)r;
	MAPPED(a, p, size);
	*(volatile uint8_t *)(uintptr_t)p = 1;
	return 0;
}
HL_EXPORT(WriteMapped, write_mapped, HL_T_VOID, HL_T_STRING);

static int run_mapped(const struct hl_value *a, struct hl_value *r)
{
	volatile const uint8_t *p;
	void (*fn)(void);
	uint64_t size;

	(void)r;
	MAPPED(a, p, size);
	fn = (void (*)(void))(uintptr_t)p;
	LAUNDER(fn);
	fn();
	return 0;
}
HL_EXPORT(RunMapped, run_mapped, HL_T_VOID, HL_T_STRING);

/* Reads the first byte after the page that holds the file's last byte. */
static int read_past_mapped(const struct hl_value *a, struct hl_value *r)
{
	volatile const uint8_t *p;
	uint64_t size;

	MAPPED(a, p, size);
	r->u.u64 = p[(size + HL_PAGE_SIZE - 1) / HL_PAGE_SIZE * HL_PAGE_SIZE];
	return 0;
}
HL_EXPORT(ReadPastMapped, read_past_mapped, HL_T_U64, HL_T_STRING);

/* Prints "reading", then reads every page of the file, again and again, until the time
 * limit: the host may shrink the file meanwhile. */
static int keep_reading(const struct hl_value *a, struct hl_value *r)
{
	volatile const uint8_t *p;
	uint64_t size, sum = 0;

	MAPPED(a, p, size);
	if (hl_host_print("reading\n") < 0)
		return hl_propagate();
	for (;;) {
		for (uint64_t i = 0; i < size; i += HL_PAGE_SIZE)
			sum += p[i];
		r->u.u64 = sum;
	}
}
HL_EXPORT(KeepReading, keep_reading, HL_T_U64, HL_T_STRING);

/* The number of files the PEB named while init ran: none, as documented. */
static uint32_t maps_at_init = 0xffffffffu;

void hl_guest_init(void)
{
	maps_at_init = PEB->nmaps;
}

static int maps_at_init_fn(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.u32 = maps_at_init;
	return 0;
}
HL_EXPORT(MapsAtInit, maps_at_init_fn, HL_T_U32);
