/* What the unit tests of cli/ share: a guest export made from a name and types. */
#ifndef TESTS_UNIT_TEST_CLI_H
#define TESTS_UNIT_TEST_CLI_H

#include <criterion/criterion.h>
#include <string.h>

#include "cli/cli.h"

/* Inline, so that a file that includes this and does not call it is not warned of it. */
static inline struct hl_export export_of(const char *name, uint8_t ret, int nparams,
					 const uint8_t *params)
{
	struct hl_export e = { .ret = ret, .nparams = (uint8_t)nparams };

	cr_assert_lt(strlen(name), sizeof e.name);
	strcpy(e.name, name);
	if (nparams > 0)
		memcpy(e.params, params, (size_t)nparams);
	return e;
}

#endif
