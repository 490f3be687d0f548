/* floor: the least a "start a VM, run something, exit" process can cost — one page, one
 * real-mode vCPU, two port writes and hlt — the lower bound hlrun's cold start is
 * compared with.  Exits 0 after checking both writes, 1 with a message otherwise. */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>

#include "tests/bench/minivm.h"

/* mov al,1; out 0x10,al; mov al,2; out 0x11,al; hlt */
static const uint8_t code[] = { 0xb0, 0x01, 0xe6, 0x10, 0xb0, 0x02, 0xe6, 0x11, 0xf4 };

static const struct {
	uint16_t port;
	uint8_t value;
} expected[] = { { 0x10, 1 }, { 0x11, 2 } };

int main(void)
{
	struct minivm m;
	size_t seen = 0;

	minivm_create(&m, code, sizeof code);
	for (;;) {
		uint16_t port;
		uint8_t value;

		minivm_run(&m);
		if (m.run->exit_reason == KVM_EXIT_HLT)
			break;
		value = minivm_out_byte(&m, &port);
		if (seen == sizeof expected / sizeof expected[0])
			errx(1, "more port writes than the guest makes (port 0x%x)", port);
		if (port != expected[seen].port || value != expected[seen].value)
			errx(1, "write %zu: port 0x%x value %u, expected port 0x%x value %u",
			     seen + 1, port, value, expected[seen].port, expected[seen].value);
		seen++;
	}
	if (seen != sizeof expected / sizeof expected[0])
		errx(1, "the guest halted after %zu of 2 port writes", seen);
	minivm_destroy(&m);
	return EXIT_SUCCESS;
}
