/* What the pieces of test_batch share: the sample guest whose exports lines are parsed
 * against, the parser as batch mode calls it, and the capture of an answer line. */
#ifndef TESTS_UNIT_TEST_BATCH_H
#define TESTS_UNIT_TEST_BATCH_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "tests/guests/paths.h"

/* The sample guest, GUEST: built by `make` (make check builds it before the unit tests). */
static struct ldr_guest *guest;

static inline void open_guest(void)
{
	struct hl_diag d = { 0 };

	cr_assert_eq(ldr_open(GUEST, &guest, &d), HL_OK, "%s (run make first)", d.msg);
}

static inline void close_guest(void)
{
	ldr_close(guest);
}

static inline enum hl_err parse_n(const char *line, size_t len, uint64_t limit,
				  struct cli_batch_call *c, struct cli_argmem *m,
				  struct hl_diag *d)
{
	memset(c, 0x5a, sizeof *c); /* the parser must set what it reports */
	return cli_batch_parse(line, len, guest, limit, c, m, d);
}

static inline enum hl_err parse(const char *line, struct cli_batch_call *c,
				struct cli_argmem *m, struct hl_diag *d)
{
	return parse_n(line, strlen(line), 1024, c, m, d);
}

/* Runs print (a cli_batch_print_* call on f) and returns what it wrote, NUL-terminated,
 * in buf. */
#define CAPTURE(buf, print)                                                            \
	do {                                                                           \
		FILE *f = fmemopen(buf, sizeof buf, "w");                              \
		cr_assert_not_null(f);                                                 \
		print;                                                                 \
		cr_assert_eq(fclose(f), 0);                                            \
	} while (0)

#endif
