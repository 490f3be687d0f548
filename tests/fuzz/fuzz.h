/* What the libFuzzer targets share: the entry point's prototype and CHECK, which turns a
 * broken promise of the code under test into a crash that libFuzzer saves. */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guests/include/hlwire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                  \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* [A-Za-z_][A-Za-z0-9_]*: what export names and variable names must be. */
static inline int is_ident(const char *s)
{
	return hlw_is_ident((const uint8_t *)s, strlen(s));
}

#endif
