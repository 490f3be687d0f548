/* printguest: a TEST guest that prints during its initialisation, for the tests of
 * max_output's budgets (tests/kvm/test_hostfn.c, test_batch.c).  Not an example. */
#include "hlguest.h"

#define INIT_BYTES 600

void hl_guest_init(void)
{
	static char text[INIT_BYTES + 1];

	memset(text, 'i', INIT_BYTES);
	hl_host_print(text);
}

/* Prints n bytes of 'c' in one HostPrint; returns what HostPrint returned. */
static int print(const struct hl_value *a, struct hl_value *r)
{
	static char text[4097];
	int32_t n = a[0].u.i32, got;

	if (n < 0 || n > 4096)
		return hl_error(22, "Print: %d bytes, not 0 to 4096", n);
	memset(text, 'c', (size_t)n);
	text[n] = '\0';
	got = hl_host_print(text);
	if (got < 0)
		return hl_propagate();
	r->u.i32 = got;
	return 0;
}
HL_EXPORT(Print, print, HL_T_I32, HL_T_I32);
