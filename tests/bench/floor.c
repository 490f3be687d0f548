/* floor: the least a "start a VM, run something in ring 3, exit" process can cost: the
 * ring-3 minivm, one `out`, then exit.  The lower bound hlrun's cold start is compared
 * with.  Exits 0 after checking the write, 1 with a message otherwise. */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>

#include "tests/bench/minivm.h"

/* mov al,42; out 0x10,al */
static const uint8_t code[] = { 0xb0, 0x2a, 0xe6, MINIVM_PORT };

int main(void)
{
	struct minivm m;
	uint8_t value;

	minivm_create(&m, code, sizeof code);
	minivm_run(&m);
	value = minivm_out_byte(&m);
	if (value != 42)
		errx(1, "the guest wrote %u, not 42", value);
	minivm_destroy(&m);
	return EXIT_SUCCESS;
}
