/* SHA-256 as FIPS 180-4 specifies it, in one pass over data given in any pieces, no
 * allocation; and HMAC-SHA-256 (RFC 2104) over it. */
#include "common/sha256.h"

#include <string.h>

#define BLOCK 64

static const uint32_t k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Folds one 64-byte block into the state h (FIPS 180-4, 6.2.2). */
static void compress(uint32_t h[8], const uint8_t *block)
{
	uint32_t w[64], a[8];

	for (unsigned t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	for (unsigned t = 16; t < 64; t++) {
		uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	memcpy(a, h, sizeof a);
	for (unsigned t = 0; t < 64; t++) {
		uint32_t s1 = ror(a[4], 6) ^ ror(a[4], 11) ^ ror(a[4], 25);
		uint32_t ch = (a[4] & a[5]) ^ (~a[4] & a[6]);
		uint32_t t1 = a[7] + s1 + ch + k[t] + w[t];
		uint32_t s0 = ror(a[0], 2) ^ ror(a[0], 13) ^ ror(a[0], 22);
		uint32_t maj = (a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]);

		memmove(a + 1, a, 7 * sizeof a[0]);
		a[4] += t1;
		a[0] = t1 + s0 + maj;
	}
	for (unsigned i = 0; i < 8; i++)
		h[i] += a[i];
}

void hl_sha256_init(struct hl_sha256 *c)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->h, h0, sizeof c->h);
	c->len = 0;
	c->nbuf = 0;
}

void hl_sha256_update(struct hl_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->len += len;
	if (c->nbuf > 0) {
		size_t take = len < BLOCK - c->nbuf ? len : BLOCK - c->nbuf;

		memcpy(c->buf + c->nbuf, p, take);
		c->nbuf += take;
		p += take;
		len -= take;
		if (c->nbuf < BLOCK)
			return;
		compress(c->h, c->buf);
		c->nbuf = 0;
	}
	for (; len >= BLOCK; p += BLOCK, len -= BLOCK)
		compress(c->h, p);
	if (len > 0)
		memcpy(c->buf, p, len);
	c->nbuf = len;
}

void hl_sha256_final(struct hl_sha256 *c, uint8_t out[HL_SHA256_SIZE])
{
	uint8_t tail[2 * BLOCK] = { 0 };
	size_t tail_len = c->nbuf < BLOCK - 8 ? BLOCK : 2 * BLOCK;
	uint64_t bits = c->len * 8;

	/* Padding: 0x80, zeros, then the message length in bits, big-endian. */
	memcpy(tail, c->buf, c->nbuf);
	tail[c->nbuf] = 0x80;
	store_be32(tail + tail_len - 8, (uint32_t)(bits >> 32));
	store_be32(tail + tail_len - 4, (uint32_t)bits);
	for (size_t off = 0; off < tail_len; off += BLOCK)
		compress(c->h, tail + off);
	for (unsigned i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->h[i]);
}

void hl_sha256(const void *data, size_t len, uint8_t out[HL_SHA256_SIZE])
{
	struct hl_sha256 c;

	hl_sha256_init(&c);
	if (len > 0)
		hl_sha256_update(&c, data, len);
	hl_sha256_final(&c, out);
}

/* HMAC (RFC 2104): the key, padded to a block, XORed with ipad for the inner hash and
 * with opad for the outer one; a key longer than a block is hashed first. */
void hl_hmac_sha256_init(struct hl_hmac_sha256 *c, const void *key, size_t len)
{
	uint8_t key_block[BLOCK] = { 0 }, pad[BLOCK];

	if (len > BLOCK)
		hl_sha256(key, len, key_block);
	else if (len > 0)
		memcpy(key_block, key, len);
	for (unsigned i = 0; i < BLOCK; i++)
		pad[i] = key_block[i] ^ 0x36;
	hl_sha256_init(&c->inner);
	hl_sha256_update(&c->inner, pad, BLOCK);
	for (unsigned i = 0; i < BLOCK; i++)
		pad[i] = key_block[i] ^ 0x5c;
	hl_sha256_init(&c->outer);
	hl_sha256_update(&c->outer, pad, BLOCK);
}

void hl_hmac_sha256_update(struct hl_hmac_sha256 *c, const void *data, size_t len)
{
	hl_sha256_update(&c->inner, data, len);
}

void hl_hmac_sha256_final(struct hl_hmac_sha256 *c, uint8_t out[HL_SHA256_SIZE])
{
	uint8_t inner[HL_SHA256_SIZE];

	hl_sha256_final(&c->inner, inner);
	hl_sha256_update(&c->outer, inner, sizeof inner);
	hl_sha256_final(&c->outer, out);
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
