/* Unit tests of common/diag: recording, truncating and prefixing messages; quoting. */
#include <criterion/criterion.h>
#include <string.h>

#include "common/diag.h"

Test(diag, fail_records_class_and_message)
{
	struct hl_diag d;

	cr_assert_eq(hl_fail(&d, HL_E_INVALID, "%s: bad value %d", "x.elf", 7), HL_E_INVALID);
	cr_assert_eq(d.err, HL_E_INVALID);
	cr_assert_str_eq(d.msg, "x.elf: bad value 7");
}

Test(diag, fail_accepts_null)
{
	cr_assert_eq(hl_fail(NULL, HL_E_CRASH, "ignored"), HL_E_CRASH);
}

Test(diag, long_message_is_truncated_and_terminated)
{
	struct hl_diag d;
	char big[2 * HL_DIAG_MSG];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	hl_fail(&d, HL_E_USAGE, "%s", big);
	cr_assert_eq(strlen(d.msg), HL_DIAG_MSG - 1);
	/* A reader sees that it was cut. */
	cr_assert_str_eq(d.msg + HL_DIAG_MSG - 4, "...");
	cr_assert_eq(d.msg[HL_DIAG_MSG - 5], 'a');
}

/* A message that fits exactly is not marked. */
Test(diag, a_message_that_fits_is_not_marked)
{
	struct hl_diag d;
	char full[HL_DIAG_MSG];

	memset(full, 'b', sizeof full - 1);
	full[sizeof full - 1] = '\0';
	hl_fail(&d, HL_E_USAGE, "%s", full);
	cr_assert_str_eq(d.msg, full);
}

/* A prefix that pushes the message past its room cuts its end, marked. */
Test(diag, prefix_that_overflows_marks_the_cut)
{
	struct hl_diag d;
	char big[HL_DIAG_MSG];

	memset(big, 'c', sizeof big - 11);
	big[sizeof big - 11] = '\0';
	hl_fail(&d, HL_E_CRASH, "%s", big);
	cr_assert_eq(strstr(d.msg, "..."), NULL);
	hl_prefix(&d, "%s", "guest.elf");
	cr_assert_eq(strncmp(d.msg, "guest.elf: ccc", 14), 0);
	cr_assert_eq(strlen(d.msg), HL_DIAG_MSG - 1);
	cr_assert_str_eq(d.msg + HL_DIAG_MSG - 4, "...");
}

Test(diag, prefix_prepends_and_keeps_class)
{
	struct hl_diag d;

	hl_fail(&d, HL_E_NOKVM, "no device");
	cr_assert_eq(hl_prefix(&d, "%s", "/dev/kvm"), HL_E_NOKVM);
	cr_assert_str_eq(d.msg, "/dev/kvm: no device");
}

Test(diag, prefix_of_full_message_stays_bounded)
{
	struct hl_diag d;

	memset(d.msg, 'b', sizeof d.msg - 1);
	d.msg[sizeof d.msg - 1] = '\0';
	d.err = HL_E_CRASH;
	hl_prefix(&d, "pre");
	cr_assert_eq(strlen(d.msg), HL_DIAG_MSG - 1);
	cr_assert_eq(strncmp(d.msg, "pre: bbb", 8), 0);
}

/* Prefix and message that fill the buffer exactly, and by one byte more: the message
 * keeps its last byte for the NUL and writes nothing past the buffer. */
Test(diag, prefix_fills_the_buffer_exactly)
{
	struct {
		struct hl_diag d;
		char after[16];
	} s;
	size_t old = HL_DIAG_MSG - 1 - 5; /* "pre: " and the NUL leave this much */

	for (size_t extra = 0; extra < 3; extra++) {
		memset(&s, 'x', sizeof s);
		memset(s.d.msg, 'b', old + extra);
		s.d.msg[old + extra] = '\0';
		s.d.err = HL_E_CRASH;
		cr_assert_eq(hl_prefix(&s.d, "pre"), HL_E_CRASH);
		cr_assert_eq(s.d.msg[HL_DIAG_MSG - 1], '\0', "%zu more", extra);
		/* What fits exactly ends as it did; what was cut ends with "...". */
		cr_assert_eq(s.d.msg[HL_DIAG_MSG - 2], extra == 0 ? 'b' : '.', "%zu more", extra);
		cr_assert_eq(strncmp(s.d.msg, "pre: bbb", 8), 0);
		for (size_t i = 0; i < sizeof s.after; i++)
			cr_assert_eq(s.after[i], 'x', "byte %zu past the buffer written", i);
	}
}


/* Quoted text keeps printable ASCII, shows every other byte as '?', and stops at
 * HL_QUOTE_MAX bytes. */
Test(diag, quote_cuts_and_shows_only_printable_ascii)
{
	char q[HL_QUOTE_MAX + 1], long_text[HL_QUOTE_MAX + 50];

	cr_assert_str_eq(hl_quote("", q), "");
	cr_assert_str_eq(hl_quote("ReadFile ~/a.txt", q), "ReadFile ~/a.txt");
	cr_assert_str_eq(hl_quote("a\tb\nc\x1b[31md\x7f\xc3\xa9", q), "a?b?c?[31md???");
	memset(long_text, 'z', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	cr_assert_eq(hl_quote(long_text, q), q);
	cr_assert_eq(strlen(q), HL_QUOTE_MAX);
}
