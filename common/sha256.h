/* SHA-256 (FIPS 180-4), used to check a guest against the hash its manifest names. */
#ifndef COMMON_SHA256_H
#define COMMON_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define HL_SHA256_SIZE 32

/* Stores the SHA-256 digest of the len bytes at data (NULL allowed when len is 0) in
 * out.  Cannot fail. */
void hl_sha256(const void *data, size_t len, uint8_t out[HL_SHA256_SIZE]);

#endif
