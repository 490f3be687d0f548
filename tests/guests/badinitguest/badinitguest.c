/* badinitguest: a TEST guest whose initialisation misbehaves as the variable BADINIT
 * says (read with GetEnv, so a manifest must allow it): spin, crash, abort, flood
 * HostPrint, or report a dispatch address outside its code; or, harmlessly, scatter its
 * writes over 100 pages apart from each other, which a snapshot must keep.  Without it,
 * init succeeds.  tests/kvm/test_hostile.c and test_snapshot.c prove each ends the run as
 * documented.  Not an example. */
#include "hlguest.h"

#define SCATTERED 100

/* Every other page of it written by init "scatter". */
static volatile char scattered[2 * SCATTERED * 4096];

static void flood(void)
{
	static char line[101];

	memset(line, 'f', 100);
	/* Past max_output HostPrint refuses; the guest prints on regardless. */
	for (;;)
		hl_host_print(line);
}

void hl_guest_init(void)
{
	char *mode;

	if (hl_get_env("BADINIT", &mode) != 0)
		return;
	if (strcmp(mode, "spin") == 0)
		for (;;)
			__asm__ volatile("");
	if (strcmp(mode, "crash") == 0)
		__asm__ volatile("ud2");
	if (strcmp(mode, "abort") == 0)
		hl_abort(9, "init gave up");
	if (strcmp(mode, "flood") == 0)
		flood();
	if (strcmp(mode, "scatter") == 0)
		for (int i = 0; i < SCATTERED; i++)
			scattered[2 * i * 4096 + 7] = (char)(i + 1);
	if (strcmp(mode, "dispatch") == 0)
		/* The DONE port with the PEB's address as the dispatch entry: not code. */
		for (;;)
			__asm__ volatile("outl %%eax, %%dx" : : "a"(HL_PEB_ADDR), "d"(HL_PORT_DONE));
	free(mode);
}

static int ok(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.i32 = 1;
	return 0;
}
HL_EXPORT(Ok, ok, HL_T_I32);

/* How many of the pages init "scatter" wrote still hold what it wrote. */
static int count_scattered(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	r->u.i32 = 0;
	for (int i = 0; i < SCATTERED; i++)
		r->u.i32 += scattered[2 * i * 4096 + 7] == (char)(i + 1);
	return 0;
}
HL_EXPORT(Scattered, count_scattered, HL_T_I32);
