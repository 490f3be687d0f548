/* What the pieces of test_wire share: building messages and values, encoding them into a
 * buffer of their exact size, checking that decoded data points inside the buffer, and the
 * valid base messages that the malformed cases and the fuzzer edit. */
#ifndef TESTS_UNIT_TEST_WIRE_H
#define TESTS_UNIT_TEST_WIRE_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guests/include/hlwire.h"

/* ---- Building messages ------------------------------------------------------------------- */

/* A value of each scalar type.  Floats by bit pattern, so that NaN payloads and -0.0 are
 * exact. */
#define SCALAR(name, ctype, htype, field)                                                \
	static inline struct hl_value name(ctype x)                                      \
	{                                                                                \
		return (struct hl_value){ .type = htype, .u.field = x };                 \
	}

SCALAR(v_i32, int32_t, HL_T_I32, i32)
SCALAR(v_u32, uint32_t, HL_T_U32, u32)
SCALAR(v_i64, int64_t, HL_T_I64, i64)
SCALAR(v_u64, uint64_t, HL_T_U64, u64)
SCALAR(v_f32, uint32_t, HL_T_F32, u32)
SCALAR(v_f64, uint64_t, HL_T_F64, u64)
SCALAR(v_bool, bool, HL_T_BOOL, b)
#undef SCALAR

static inline struct hl_value v_str(const char *s)
{
	return (struct hl_value){ .type = HL_T_STRING, .len = (uint32_t)strlen(s),
				  .data = (const uint8_t *)s };
}

static inline struct hl_value v_bytes(const void *p, uint32_t n)
{
	return (struct hl_value){ .type = HL_T_BYTES, .len = n, .data = p };
}

static inline struct hl_message msg(uint32_t kind, const char *name)
{
	struct hl_message m = { .kind = kind, .name = name };

	m.name_len = name ? (uint16_t)strlen(name) : 0;
	return m;
}

static inline void add(struct hl_message *m, struct hl_value v)
{
	m->vals[m->nvals++] = v;
}

static const uint8_t blob[9] = { 0, 1, 0, 0xff, 0, 'x', 0, 0, 0 };

/* Values of every type with extreme contents; sample(i) for i in 0..8 covers every type. */
static inline struct hl_value sample(unsigned i)
{
	switch (i % 20) {
	case 0: return v_i32(INT32_MIN);
	case 1: return v_u32(UINT32_MAX);
	case 2: return v_i64(INT64_MIN);
	case 3: return v_u64(UINT64_MAX);
	case 4: return v_f32(0x80000000u);           /* -0.0f */
	case 5: return v_f64(0x7ff0000000000001ull); /* signalling NaN */
	case 6: return v_bool(true);
	case 7: return v_str("");
	case 8: return v_bytes(blob, sizeof blob);
	case 9: return v_i32(INT32_MAX);
	case 10: return v_f32(0x7fc00001u);          /* quiet NaN with a payload */
	case 11: return v_f64(0xfff0000000000000ull); /* -inf */
	case 12: return v_bool(false);
	case 13: return v_str("seven77");            /* its NUL fills the 8 bytes exactly */
	case 14: return v_bytes(blob, 0);
	case 15: return v_f32(0x7f800000u);           /* inf */
	case 16: return v_f64(0x8000000000000000ull); /* -0.0 */
	case 17: return v_i64(INT64_MAX);
	case 18: return v_str("eight888");
	default: return v_u64(0);
	}
}

/* Encodes m into a buffer of exactly hlw_size(m) bytes. */
static inline uint8_t *encode(const struct hl_message *m, uint64_t *size)
{
	uint64_t need = hlw_size(m);
	uint8_t *buf;

	cr_assert_neq(need, UINT64_MAX);
	cr_assert_eq(need % 8, 0, "size %llu", (unsigned long long)need);
	buf = malloc(need);
	cr_assert_not_null(buf);
	cr_assert_eq(hlw_encode(buf, need, m, size), HLW_OK);
	cr_assert_eq(*size, need);
	return buf;
}

/* Fails unless the n bytes at p lie inside the size bytes at buf: what a decoded message
 * points to. */
static inline void assert_inside(const void *p, uint64_t n, const uint8_t *buf,
				 uint64_t size)
{
	const uint8_t *q = p;

	cr_assert(q >= buf && q <= buf + size && n <= (uint64_t)(buf + size - q),
		  "%llu bytes at %p outside the buffer", (unsigned long long)n, p);
}

/* ---- Valid base messages, which the malformed cases and the fuzzer edit ---------------- */

enum base {
	B_CALL,     /* CALL "Add"(i32 7, string "hi"): name 16, values 24 and 40, size 56 */
	B_I32,      /* RESULT i32 7: value 16, data 24, size 32 */
	B_BOOL,     /* RESULT bool true: value 16, data 24, size 32 */
	B_STR,      /* RESULT string "abc": value 16, data 24, size 32 */
	B_BYTES,    /* RESULT bytes "abc": value 16, data 24, size 32 */
	B_ERROR,    /* ERROR i32 5, string "bad": values 16 and 32, size 48 */
	B_ABORT,    /* ABORT string "oops": value 16, size 32 */
	B_TWO,      /* RESULT i32 1, i32 2 */
	B_ABORT0,   /* ABORT with no value */
	B_LONGNAME, /* CALL with a name of HL_NAME_MAX characters, size 80 */
	B_ERR_SWAP, /* ERROR string "bad", i32 5 */
	B_ERR_ONE,  /* ERROR i32 5 */
	B_MANY,     /* CALL "Many" with 16 values of every type */
	B_NBASES
};

static inline struct hl_message base_msg(enum base b)
{
	struct hl_message m = msg(HL_MSG_RESULT, NULL);

	switch (b) {
	case B_CALL: m = msg(HL_MSG_CALL, "Add"); add(&m, v_i32(7)); add(&m, v_str("hi")); break;
	case B_I32: add(&m, v_i32(7)); break;
	case B_BOOL: add(&m, v_bool(true)); break;
	case B_STR: add(&m, v_str("abc")); break;
	case B_BYTES: add(&m, v_bytes("abc", 3)); break;
	case B_ERROR: m.kind = HL_MSG_ERROR; add(&m, v_i32(5)); add(&m, v_str("bad")); break;
	case B_ABORT: m.kind = HL_MSG_ABORT; add(&m, v_str("oops")); break;
	case B_TWO: add(&m, v_i32(1)); add(&m, v_i32(2)); break;
	case B_ABORT0: m.kind = HL_MSG_ABORT; break;
	case B_LONGNAME:
		m = msg(HL_MSG_CALL, "N2345678901234567890123456789012345678901234567890123456");
		break;
	case B_ERR_SWAP: m.kind = HL_MSG_ERROR; add(&m, v_str("bad")); add(&m, v_i32(5)); break;
	case B_ERR_ONE: m.kind = HL_MSG_ERROR; add(&m, v_i32(5)); break;
	default:
		m = msg(HL_MSG_CALL, "Many");
		for (unsigned i = 0; i < HL_MAX_VALS; i++)
			add(&m, sample(i + 3));
	}
	return m;
}

static inline uint8_t *encode_base(enum base b, uint64_t *size)
{
	struct hl_message m = base_msg(b);

	return encode(&m, size);
}

/* Header field offsets. */
enum { H_MAGIC = 0, H_KIND = 4, H_SIZE = 8, H_NAMELEN = 12, H_NVALS = 14 };

#endif
