/* Sizes and durations as people write them, shared by the command line and the
 * manifest. */
#ifndef COMMON_UNITS_H
#define COMMON_UNITS_H

#include <stdint.h>

#include "common/diag.h"

#define HL_MAX_DURATION_MS (24ull * 3600 * 1000)

/* Parses a duration: a decimal number with an optional unit ms, s (default), m or h, e.g.
 * "1.5s", "250ms"; rounded up to whole milliseconds, more than zero, at most
 * HL_MAX_DURATION_MS.  Errors: HL_E_USAGE with a message that quotes s. */
enum hl_err hl_parse_duration(const char *s, uint64_t *ms, struct hl_diag *d);

/* Parses a size: a whole number of bytes with an optional unit K, KiB, M, MiB, G or GiB
 * (powers of 1024), e.g. "64KiB"; not zero.  Errors: HL_E_USAGE (malformed, zero or
 * overflowing); callers enforce their own bounds. */
enum hl_err hl_parse_size(const char *s, uint64_t *bytes, struct hl_diag *d);

/* The value of a hexadecimal digit (either case), or -1. */
int hl_hex_digit(char c);

#endif
