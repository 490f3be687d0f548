/* Unit tests of the wire codec by fuzzing: random mutations of the valid base messages are
 * decoded; the decoder must stay inside the buffer, and what it accepts must re-encode to
 * the same bytes. */
#include "tests/unit/test_wire.h"

/* ---- Fuzzing: random mutations of valid messages ------------------------------------------ */

#define FUZZ_ITERATIONS 200000
#define FUZZ_MAX 1024

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const uint32_t interesting[] = { 0, 1, 2, 3, 4, 7, 8, 9, 10, 16, 17, 55, 56, 0x7f, 0xff,
					0xffff, 0x10000, 0x7fffffff, 0xfffffff8, 0xfffffff9,
					0xffffffff };

/* One random change to the len bytes at w; returns the new length. */
static uint64_t mutate_once(uint8_t *w, uint64_t len, uint64_t *s)
{
	uint64_t r = rnd(s), n = len ? len : 1;
	uint32_t x = interesting[(r >> 8) % (sizeof interesting / sizeof interesting[0])];

	switch (r % 6) {
	case 0: w[(r >> 16) % n] ^= (uint8_t)(1u << ((r >> 40) % 8)); break;
	case 1: w[(r >> 16) % n] = (uint8_t)(r >> 40); break;
	case 2: if (len >= 4) memcpy(w + ((r >> 16) % (len / 4)) * 4, &x, 4); break;
	case 3: if (len >= 16) memcpy(w + 12 + 2 * ((r >> 16) % 2), &x, 2); break;
	case 4: x = (uint32_t)((r >> 16) % (len / 8 + 4)) * 8 + ((r >> 60) == 0 ? 4 : 0);
		if (len >= 12) memcpy(w + H_SIZE, &x, 4);
		break;
	default: return (r >> 16) % (len + 25 > FUZZ_MAX ? FUZZ_MAX : len + 25);
	}
	return len;
}

/* A random mutation of one of the bases; returns its length. */
static uint64_t mutate(uint8_t *w, uint8_t *const *bases, const uint64_t *lens, uint64_t *s)
{
	uint64_t r = rnd(s), b = r % B_NBASES, len = lens[b];

	for (size_t i = 0; i < FUZZ_MAX; i++)
		w[i] = (uint8_t)(i * 7 * ((r >> 8) & 1));
	memcpy(w, bases[b], len);
	for (uint64_t k = 0, n = 1 + (r >> 16) % 4; k < n; k++)
		len = mutate_once(w, len, s);
	return len;
}

/* Checks that a decoded message points inside buf and re-encodes to the same bytes. */
static bool reencodes(const uint8_t *buf, uint64_t cap, const struct hl_message *m)
{
	uint32_t size;
	uint64_t got;
	uint8_t *out;
	bool same;

	memcpy(&size, buf + H_SIZE, 4);
	cr_assert_leq(size, cap);
	if (m->name_len > 0)
		assert_inside(m->name, m->name_len + 1u, buf, size);
	for (unsigned i = 0; i < m->nvals; i++)
		if (m->vals[i].type == HL_T_STRING || m->vals[i].type == HL_T_BYTES)
			assert_inside(m->vals[i].data, m->vals[i].len, buf, size);
	cr_assert_eq(hlw_size(m), size);
	out = malloc(size);
	cr_assert_not_null(out);
	cr_assert_eq(hlw_encode(out, size, m, &got), HLW_OK);
	same = got == size && memcmp(out, buf, size) == 0;
	free(out);
	return same;
}

Test(wire, fuzz_decode_stays_inside_and_reencodes_exactly, .timeout = 120)
{
	uint8_t *bases[B_NBASES], w[FUZZ_MAX];
	uint64_t lens[B_NBASES], seed = 0x9e3779b97f4a7c15ull;
	uint64_t accepted = 0, rejected = 0, differ = 0, first = 0;

	for (int b = 0; b < B_NBASES; b++)
		bases[b] = encode_base((enum base)b, &lens[b]);
	for (uint64_t it = 0; it < FUZZ_ITERATIONS; it++) {
		uint64_t len = mutate(w, bases, lens, &seed);
		uint8_t *buf = malloc(len ? len : 1); /* exact: overreads hit ASan's redzone */
		struct hl_message m;
		enum hlw_status st;

		cr_assert_not_null(buf);
		memcpy(buf, w, len);
		st = hlw_decode(buf, len, &m);
		cr_assert_leq(st, HLW_E_PADDING, "iteration %llu", (unsigned long long)it);
		if (st != HLW_OK) {
			rejected++;
		} else {
			accepted++;
			if (!reencodes(buf, len, &m) && differ++ == 0)
				first = it;
		}
		free(buf);
	}
	for (int b = 0; b < B_NBASES; b++)
		free(bases[b]);
	cr_assert_gt(accepted, 1000, "only %llu accepted", (unsigned long long)accepted);
	cr_assert_gt(rejected, 100000, "only %llu rejected", (unsigned long long)rejected);
	cr_assert_eq(differ, 0, "%llu of %llu accepted messages re-encode differently "
		     "(first at iteration %llu)", (unsigned long long)differ,
		     (unsigned long long)accepted, (unsigned long long)first);
}
