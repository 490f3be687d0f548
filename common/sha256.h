/* SHA-256 (FIPS 180-4), used to check a guest or snapshot against the hash its manifest
 * names, and HMAC-SHA-256 (RFC 2104), which authenticates a snapshot cache.  Nettle
 * computes both, with the CPU's SHA instructions where it has them. */
#ifndef COMMON_SHA256_H
#define COMMON_SHA256_H

#include <nettle/hmac.h>
#include <nettle/sha2.h>
#include <stddef.h>
#include <stdint.h>

#define HL_SHA256_SIZE 32

/* Stores the SHA-256 digest of the len bytes at data (NULL allowed when len is 0) in
 * out.  Cannot fail. */
void hl_sha256(const void *data, size_t len, uint8_t out[HL_SHA256_SIZE]);

/* Writes digest as 64 lowercase hexadecimal digits and a NUL to out. */
void hl_sha256_hex(const uint8_t digest[HL_SHA256_SIZE], char out[2 * HL_SHA256_SIZE + 1]);

/* The same over data given in pieces: init, update for each piece (any length), final. */
struct hl_sha256 {
	struct sha256_ctx c;
};
void hl_sha256_init(struct hl_sha256 *c);
void hl_sha256_update(struct hl_sha256 *c, const void *data, size_t len);
void hl_sha256_final(struct hl_sha256 *c, uint8_t out[HL_SHA256_SIZE]);

/* HMAC-SHA-256 with a key of len bytes (any length), over data given in pieces. */
struct hl_hmac_sha256 {
	struct hmac_sha256_ctx c;
};
void hl_hmac_sha256_init(struct hl_hmac_sha256 *c, const void *key, size_t len);
void hl_hmac_sha256_update(struct hl_hmac_sha256 *c, const void *data, size_t len);
void hl_hmac_sha256_final(struct hl_hmac_sha256 *c, uint8_t out[HL_SHA256_SIZE]);

#endif
