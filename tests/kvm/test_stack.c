/* KVM suite: a stack overflow is always caught, however it happens: by depth, or by one
 * frame larger than the page left unmapped below the stack, fixed or variable-length.
 * Guests are built with -fstack-clash-protection, which touches every page of a large
 * frame as it grows: without it, such a frame steps over that page into the output
 * buffer, and the guest goes on with corrupt memory and exit status 0. */
#include "tests/kvm/harness.h"

/* Exit 4, one line naming the overflow, the function, and the stack's size. */
static void expect_overflow(struct outcome o, const char *fn, const char *bytes)
{
	expect_fail(&o, 4, ": stack overflow at RIP 0x", fn, bytes, "is exhausted; raise --stack",
		    NULL);
	outcome_free(&o);
}

Test(stack, overflow_by_depth_with_4_KiB_frames)
{
	expect_overflow(hlrun("--stack", "64KiB", GUEST, "StackOverflow", "18", NULL), "recurse",
			"65536 bytes");
	expect_overflow(hlrun("--stack", "4KiB", GUEST, "StackOverflow", "3", NULL), "recurse",
			"4096 bytes");
}

Test(stack, one_fixed_frame_larger_than_the_stack)
{
	struct outcome o = hlrun("--stack", "32KiB", HOSTILE, "HugeFrame", NULL);

	expect_ok(o, "20\n");
	outcome_free(&o);
	expect_overflow(hlrun("--stack", "16KiB", HOSTILE, "HugeFrame", NULL), "fixed_frame",
			"16384 bytes");
}

Test(stack, one_variable_length_frame_larger_than_the_stack)
{
	struct outcome o = hlrun("--stack", "64KiB", HOSTILE, "BigFrame", "32", NULL);

	expect_ok(o, "32\n");
	outcome_free(&o);
	expect_overflow(hlrun("--stack", "64KiB", HOSTILE, "BigFrame", "80", NULL), "vla_frame",
			"65536 bytes");
	expect_overflow(hlrun("--stack", "64KiB", HOSTILE, "BigFrame", "65536", NULL),
			"vla_frame", "65536 bytes");
}
