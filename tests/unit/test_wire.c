/* Unit tests of the wire codec: round trips, sizes, malformed messages and fuzzing. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guests/include/hlwire.h"

/* ---- Building messages ------------------------------------------------------------------- */

static struct hl_value v_i32(int32_t x)
{
	return (struct hl_value){ .type = HL_T_I32, .u.i32 = x };
}

static struct hl_value v_u32(uint32_t x)
{
	return (struct hl_value){ .type = HL_T_U32, .u.u32 = x };
}

static struct hl_value v_i64(int64_t x)
{
	return (struct hl_value){ .type = HL_T_I64, .u.i64 = x };
}

static struct hl_value v_u64(uint64_t x)
{
	return (struct hl_value){ .type = HL_T_U64, .u.u64 = x };
}

/* Floats by bit pattern, so that NaN payloads and -0.0 are exact. */
static struct hl_value v_f32(uint32_t bits)
{
	return (struct hl_value){ .type = HL_T_F32, .u.u32 = bits };
}

static struct hl_value v_f64(uint64_t bits)
{
	return (struct hl_value){ .type = HL_T_F64, .u.u64 = bits };
}

static struct hl_value v_bool(bool b)
{
	return (struct hl_value){ .type = HL_T_BOOL, .u.b = b };
}

static struct hl_value v_str(const char *s)
{
	return (struct hl_value){ .type = HL_T_STRING, .len = (uint32_t)strlen(s),
				  .data = (const uint8_t *)s };
}

static struct hl_value v_bytes(const void *p, uint32_t n)
{
	return (struct hl_value){ .type = HL_T_BYTES, .len = n, .data = p };
}

static struct hl_message msg(uint32_t kind, const char *name)
{
	struct hl_message m = { .kind = kind, .name = name };

	m.name_len = name ? (uint16_t)strlen(name) : 0;
	return m;
}

static void add(struct hl_message *m, struct hl_value v)
{
	m->vals[m->nvals++] = v;
}

static const uint8_t blob[9] = { 0, 1, 0, 0xff, 0, 'x', 0, 0, 0 };

/* Values of every type with extreme contents; sample(i) for i in 0..8 covers every type. */
static struct hl_value sample(unsigned i)
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
static uint8_t *encode(const struct hl_message *m, uint64_t *size)
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

/* ---- Comparing decoded messages -------------------------------------------------------- */

static void assert_inside(const void *p, uint64_t n, const uint8_t *buf, uint64_t size)
{
	const uint8_t *q = p;

	cr_assert(q >= buf && q <= buf + size && n <= (uint64_t)(buf + size - q),
		  "%llu bytes at %p outside the buffer", (unsigned long long)n, p);
}

static void assert_same_value(const struct hl_value *got, const struct hl_value *want,
			      unsigned i)
{
	cr_assert_eq(got->type, want->type, "value %u", i);
	switch (want->type) {
	case HL_T_I32: case HL_T_U32: case HL_T_F32:
		cr_assert_eq(got->u.u32, want->u.u32, "value %u: %#x", i, got->u.u32);
		break;
	case HL_T_I64: case HL_T_U64: case HL_T_F64:
		cr_assert_eq(got->u.u64, want->u.u64, "value %u", i);
		break;
	case HL_T_BOOL:
		cr_assert_eq(got->u.b, want->u.b, "value %u", i);
		break;
	default:
		cr_assert_eq(got->len, want->len, "value %u: len %u", i, got->len);
		cr_assert_eq(memcmp(got->data, want->data, want->len), 0, "value %u", i);
		if (want->type == HL_T_STRING)
			cr_assert_eq(got->data[got->len], 0, "value %u: no NUL", i);
	}
}

/* Encodes m, decodes it again and compares every field. */
static void assert_round_trip(const struct hl_message *m)
{
	uint64_t size;
	uint8_t *buf = encode(m, &size);
	struct hl_message out;

	memset(&out, 0xa5, sizeof out);
	cr_assert_eq(hlw_decode(buf, size, &out), HLW_OK, "kind %u nvals %u", m->kind, m->nvals);
	cr_assert_eq(out.kind, m->kind);
	cr_assert_eq(out.name_len, m->name_len);
	cr_assert_eq(out.nvals, m->nvals);
	if (m->name_len == 0) {
		cr_assert_null(out.name);
	} else {
		assert_inside(out.name, m->name_len + 1u, buf, size);
		cr_assert_eq(memcmp(out.name, m->name, m->name_len), 0);
		cr_assert_eq(out.name[m->name_len], '\0');
	}
	for (unsigned i = 0; i < m->nvals; i++) {
		assert_same_value(&out.vals[i], &m->vals[i], i);
		if (m->vals[i].type == HL_T_STRING || m->vals[i].type == HL_T_BYTES)
			assert_inside(out.vals[i].data, out.vals[i].len, buf, size);
	}
	free(buf);
}

/* ---- Round trips ----------------------------------------------------------------------- */

Test(wire, call_with_0_to_16_values_of_every_type)
{
	static const char *const names[] = { "F", "_", "Add", "_x9", "seven77", "eight888",
		"N2345678901234567890123456789012345678901234567890123_5" /* 55: the longest */ };

	cr_assert_eq(strlen(names[6]), HL_NAME_MAX - 1);
	for (unsigned n = 0; n <= HL_MAX_VALS; n++) {
		for (unsigned start = 0; start < 20; start++) {
			struct hl_message m = msg(HL_MSG_CALL, names[(n + start) % 7]);

			for (unsigned i = 0; i < n; i++)
				add(&m, sample(start + i));
			assert_round_trip(&m);
		}
	}
}

Test(wire, hostcall_round_trips)
{
	struct hl_message m = msg(HL_MSG_HOSTCALL, "HostPrint");

	add(&m, v_str("hello, world\n"));
	add(&m, v_bytes(blob, sizeof blob));
	add(&m, v_i64(-1));
	assert_round_trip(&m);
}

Test(wire, result_and_reply_with_no_value_or_one_of_any_type)
{
	static const uint32_t kinds[] = { HL_MSG_RESULT, HL_MSG_REPLY };

	for (unsigned k = 0; k < 2; k++) {
		struct hl_message m = msg(kinds[k], NULL);

		assert_round_trip(&m);
		for (unsigned i = 0; i < 20; i++) {
			m.nvals = 0;
			add(&m, sample(i));
			assert_round_trip(&m);
		}
	}
}

Test(wire, error_round_trips)
{
	struct hl_message m = msg(HL_MSG_ERROR, NULL);

	add(&m, v_i32(INT32_MIN));
	add(&m, v_str("division by zero"));
	assert_round_trip(&m);
	m.vals[0] = v_i32(0);
	m.vals[1] = v_str("");
	assert_round_trip(&m);
}

Test(wire, abort_round_trips)
{
	struct hl_message m = msg(HL_MSG_ABORT, NULL);

	add(&m, v_str("assertion failed: x < 3"));
	assert_round_trip(&m);
	m.vals[0] = v_str("");
	assert_round_trip(&m);
}

Test(wire, extreme_scalars_keep_their_exact_bits)
{
	struct hl_message m = msg(HL_MSG_CALL, "Scalars");
	struct hl_message out;
	uint64_t size;
	uint8_t *buf;

	add(&m, v_i32(INT32_MIN));
	add(&m, v_u64(UINT64_MAX));
	add(&m, v_f64(0x8000000000000000ull));
	add(&m, v_f64(0x7ff4000000000abcull));
	add(&m, v_f32(0xff800000u));
	add(&m, v_bool(true));
	add(&m, v_bool(false));
	buf = encode(&m, &size);
	cr_assert_eq(hlw_decode(buf, size, &out), HLW_OK);
	cr_assert_eq(out.vals[0].u.i32, INT32_MIN);
	cr_assert_eq(out.vals[1].u.u64, UINT64_MAX);
	cr_assert_eq(out.vals[2].u.u64, 0x8000000000000000ull);
	cr_assert_eq(out.vals[3].u.u64, 0x7ff4000000000abcull);
	cr_assert_eq(out.vals[4].u.u32, 0xff800000u);
	cr_assert_eq(out.vals[5].u.b, true);
	cr_assert_eq(out.vals[6].u.b, false);
	free(buf);
}

/* The exact bytes of one message: pins the layout the malformed cases below edit. */
Test(wire, call_layout_is_exact)
{
	static const uint8_t want[56] = {
		0x48, 0x4c, 0x4d, 0x31, 1, 0, 0, 0, 56, 0, 0, 0, 3, 0, 2, 0, /* header */
		'A', 'd', 'd', 0, 0, 0, 0, 0,                               /* name */
		1, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0,             /* i32 7 */
		8, 0, 0, 0, 2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0, 0, 0,         /* "hi" */
	};
	struct hl_message m = msg(HL_MSG_CALL, "Add");
	uint64_t size;
	uint8_t *buf;

	add(&m, v_i32(7));
	add(&m, v_str("hi"));
	buf = encode(&m, &size);
	cr_assert_eq(size, sizeof want);
	cr_assert_arr_eq(buf, want, sizeof want);
	free(buf);
}

/* ---- Sizes and encoding errors ----------------------------------------------------------- */

struct size_case {
	struct hl_message m;
	uint64_t size;
};

Test(wire, size_is_exact_and_a_multiple_of_8)
{
	struct size_case c[14] = {
		{ msg(HL_MSG_RESULT, NULL), 16 },
		{ msg(HL_MSG_CALL, "seven77"), 24 },
		{ msg(HL_MSG_CALL, "eight888"), 32 },
		{ msg(HL_MSG_CALL, "N2345678901234567890123456789012345678901234567890123_5"), 72 },
	};
	size_t n = 4;
	struct hl_value one[] = { v_i32(1), v_bool(true), v_f64(0), v_bytes(blob, 0),
				  v_str(""), v_str("seven77"), v_str("eight888"),
				  v_bytes(blob, 8), v_bytes(blob, 9) };
	const uint64_t sizes[] = { 32, 32, 32, 24, 32, 32, 40, 32, 40 };

	for (size_t i = 0; i < 9; i++, n++) {
		c[n].m = msg(HL_MSG_RESULT, NULL);
		add(&c[n].m, one[i]);
		c[n].size = sizes[i];
	}
	c[n].m = msg(HL_MSG_CALL, "F");
	for (unsigned i = 0; i < HL_MAX_VALS; i++)
		add(&c[n].m, v_i64(i));
	c[n++].size = 16 + 8 + HL_MAX_VALS * 16;
	for (size_t i = 0; i < n; i++) {
		uint64_t size = 0;
		uint8_t *buf = encode(&c[i].m, &size);

		cr_assert_eq(hlw_size(&c[i].m), c[i].size, "case %zu: %llu", i,
			     (unsigned long long)hlw_size(&c[i].m));
		cr_assert_eq(size, c[i].size, "case %zu", i);
		free(buf);
	}
}

/* A buffer one byte too small is refused and left untouched. */
static void assert_nospace_below(const struct hl_message *m)
{
	uint64_t need = hlw_size(m), size = 12345;
	uint8_t *buf = malloc(need);

	cr_assert_not_null(buf);
	memset(buf, 0xee, need);
	cr_assert_eq(hlw_encode(buf, need - 1, m, &size), HLW_E_NOSPACE);
	cr_assert_eq(hlw_encode(buf, 0, m, &size), HLW_E_NOSPACE);
	for (uint64_t i = 0; i < need; i++)
		cr_assert_eq(buf[i], 0xee, "byte %llu written", (unsigned long long)i);
	cr_assert_eq(size, 12345);
	cr_assert_eq(hlw_encode(buf, need, m, &size), HLW_OK);
	cr_assert_eq(size, need);
	free(buf);
}

Test(wire, encode_into_one_byte_too_few_is_nospace)
{
	struct hl_message m = msg(HL_MSG_RESULT, NULL);

	assert_nospace_below(&m);
	add(&m, v_str("seven77"));
	assert_nospace_below(&m);
	m = msg(HL_MSG_CALL, "Add");
	for (unsigned i = 0; i < HL_MAX_VALS; i++)
		add(&m, sample(i));
	assert_nospace_below(&m);
}

Test(wire, too_many_values_is_count)
{
	struct hl_message m = msg(HL_MSG_CALL, "F");
	uint8_t buf[1024];
	uint64_t size;

	for (unsigned i = 0; i < HL_MAX_VALS; i++)
		add(&m, v_i32((int32_t)i));
	m.nvals = HL_MAX_VALS + 1;
	cr_assert_eq(hlw_size(&m), UINT64_MAX);
	/* hlwire.h: "the status describing why m is not encodable"; HLW_E_COUNT is "too many
	 * values". */
	cr_assert_eq(hlw_encode(buf, sizeof buf, &m, &size), HLW_E_COUNT,
		     "got %s", hlw_strerror(hlw_encode(buf, sizeof buf, &m, &size)));
}

Test(wire, bad_value_type_is_type)
{
	static const uint32_t bad[] = { HL_T_VOID, HL_T_MAX + 1, 0xffffffffu };
	uint8_t buf[256];
	uint64_t size;

	for (size_t i = 0; i < 3; i++) {
		struct hl_message m = msg(HL_MSG_CALL, "F");

		add(&m, v_i32(1));
		add(&m, (struct hl_value){ .type = bad[i] });
		cr_assert_eq(hlw_size(&m), UINT64_MAX, "type %u", bad[i]);
		cr_assert_eq(hlw_encode(buf, sizeof buf, &m, &size), HLW_E_TYPE, "type %u", bad[i]);
	}
}

/* A message whose size does not fit the header's 32-bit size field cannot be encoded,
 * whatever the buffer's capacity; the data is never read. */
Test(wire, message_over_4gib_is_nospace)
{
	static const uint32_t types[] = { HL_T_BYTES, HL_T_STRING };
	uint8_t buf[64];
	uint64_t size = 7;

	for (size_t i = 0; i < 2; i++) {
		struct hl_message m = msg(HL_MSG_RESULT, NULL);

		add(&m, (struct hl_value){ .type = types[i], .len = UINT32_MAX, .data = blob });
		cr_assert_eq(hlw_size(&m), 16 + 8 + (1ull << 32));
		cr_assert_eq(hlw_encode(buf, UINT64_MAX, &m, &size), HLW_E_NOSPACE);
		cr_assert_eq(size, 7);
	}
}

/* ---- Malformed messages: a valid base message, then edits ------------------------------ */

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

static struct hl_message base_msg(enum base b)
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

static uint8_t *encode_base(enum base b, uint64_t *size)
{
	struct hl_message m = base_msg(b);

	return encode(&m, size);
}

/* Header field offsets. */
enum { H_MAGIC = 0, H_KIND = 4, H_SIZE = 8, H_NAMELEN = 12, H_NVALS = 14 };

struct edit {
	uint16_t off;
	uint8_t width; /* 0 ends the list */
	uint64_t value;
};

#define E(off, width, value) { (off), (width), (value) }
#define E32(off, value) E(off, 4, value)
#define E16(off, value) E(off, 2, value)
#define E8(off, value) E(off, 1, value)

/* No pointers: Criterion copies the table into each test's process. */
struct bad_msg {
	char what[48];
	enum base base;
	struct edit edits[2];
	uint16_t cut;   /* bytes removed from the end of the buffer */
	uint16_t extra; /* zero bytes appended to the buffer */
	enum hlw_status want;
};

ParameterizedTestParameters(wire, rejects)
{
	static struct bad_msg cases[] = {
		{ "empty buffer", B_I32, { { 0 } }, 32, 0, HLW_E_SHORT },
		{ "buffer shorter than the header", B_I32, { { 0 } }, 17, 0, HLW_E_SHORT },
		{ "buffer shorter than the declared size", B_CALL, { { 0 } }, 8, 0, HLW_E_SHORT },
		{ "declared size past the buffer", B_I32, { E32(H_SIZE, 40) }, 0, 0, HLW_E_SHORT },
		{ "bad magic", B_I32, { E32(H_MAGIC, 0x324d4c48) }, 0, 0, HLW_E_MAGIC },
		{ "zero magic", B_CALL, { E32(H_MAGIC, 0) }, 0, 0, HLW_E_MAGIC },
		{ "kind 0", B_I32, { E32(H_KIND, 0) }, 0, 0, HLW_E_KIND },
		{ "kind 7", B_I32, { E32(H_KIND, 7) }, 0, 0, HLW_E_KIND },
		{ "kind 0xffffffff", B_CALL, { E32(H_KIND, 0xffffffff) }, 0, 0, HLW_E_KIND },
		{ "size not a multiple of 8", B_CALL, { E32(H_SIZE, 52) }, 0, 0, HLW_E_SIZE },
		{ "size smaller than the header", B_I32, { E32(H_SIZE, 8) }, 0, 0, HLW_E_SIZE },
		{ "size 0", B_I32, { E32(H_SIZE, 0) }, 0, 0, HLW_E_SIZE },
		{ "17 values", B_I32, { E16(H_NVALS, 17) }, 0, 0, HLW_E_COUNT },
		{ "65535 values", B_CALL, { E16(H_NVALS, 0xffff) }, 0, 0, HLW_E_COUNT },
		{ "name unterminated", B_CALL, { E8(19, 'x') }, 0, 0, HLW_E_NAME },
		{ "name with a bad character", B_CALL, { E8(17, '-') }, 0, 0, HLW_E_NAME },
		{ "name starting with a digit", B_CALL, { E8(16, '1') }, 0, 0, HLW_E_NAME },
		{ "name with an inner NUL", B_CALL, { E8(17, 0) }, 0, 0, HLW_E_NAME },
		{ "name_len one short of its NUL", B_CALL, { E16(H_NAMELEN, 2) }, 0, 0,
		  HLW_E_NAME },
		{ "name_len of HL_NAME_MAX", B_LONGNAME, { { 0 } }, 0, 0, HLW_E_NAME },
		{ "name_len past the end", B_CALL, { E16(H_NAMELEN, 50) }, 0, 0, HLW_E_NAME },
		{ "name_len 0xffff", B_CALL, { E16(H_NAMELEN, 0xffff) }, 0, 0, HLW_E_NAME },
		{ "value header truncated", B_I32, { E32(H_SIZE, 16) }, 16, 0, HLW_E_LEN },
		{ "value data truncated", B_I32, { E32(H_SIZE, 24) }, 8, 0, HLW_E_LEN },
		{ "more values declared than present", B_I32, { E16(H_NVALS, 2) }, 0, 0,
		  HLW_E_LEN },
		{ "value type 0 (void)", B_I32, { E32(16, HL_T_VOID) }, 0, 0, HLW_E_TYPE },
		{ "value type 10", B_I32, { E32(16, 10) }, 0, 0, HLW_E_TYPE },
		{ "value type 0xffffffff", B_CALL, { E32(40, 0xffffffff) }, 0, 0, HLW_E_TYPE },
		{ "i32 with len 8", B_I32, { E32(20, 8) }, 0, 0, HLW_E_LEN },
		{ "i32 with len 0", B_I32, { E32(20, 0) }, 0, 0, HLW_E_LEN },
		{ "bool with len 4", B_BOOL, { E32(20, 4) }, 0, 0, HLW_E_LEN },
		{ "i64 with len 4", B_I32, { E32(16, HL_T_I64) }, 0, 0, HLW_E_LEN },
		{ "bool value 2", B_BOOL, { E8(24, 2) }, 0, 0, HLW_E_BOOL },
		{ "bool value 0xff", B_BOOL, { E8(24, 0xff) }, 0, 0, HLW_E_BOOL },
		{ "string without its NUL", B_STR, { E8(27, 'x') }, 0, 0, HLW_E_STRING },
		{ "string with an inner NUL", B_STR, { E8(25, 0) }, 0, 0, HLW_E_STRING },
		{ "string whose first byte is NUL", B_STR, { E8(24, 0) }, 0, 0, HLW_E_STRING },
		{ "string whose last byte is NUL", B_STR, { E8(26, 0) }, 0, 0, HLW_E_STRING },
		{ "string len one short of its NUL", B_STR, { E32(20, 2) }, 0, 0, HLW_E_STRING },
		{ "string len 8: NUL past the end", B_STR, { E32(20, 8) }, 0, 0, HLW_E_LEN },
		{ "string len 0xffffffff", B_STR, { E32(20, 0xffffffff) }, 0, 0, HLW_E_LEN },
		{ "bytes len 9 past the end", B_BYTES, { E32(20, 9) }, 0, 0, HLW_E_LEN },
		{ "bytes len 0xffffffff", B_BYTES, { E32(20, 0xffffffff) }, 0, 0, HLW_E_LEN },
		{ "bytes len 0xfffffff9", B_BYTES, { E32(20, 0xfffffff9) }, 0, 0, HLW_E_LEN },
		{ "8 trailing bytes", B_I32, { E32(H_SIZE, 40) }, 0, 8, HLW_E_TRAILING },
		{ "a trailing value", B_CALL, { E16(H_NVALS, 1) }, 0, 0, HLW_E_TRAILING },
		{ "RESULT with 2 values", B_TWO, { { 0 } }, 0, 0, HLW_E_KIND },
		{ "REPLY with 2 values", B_TWO, { E32(H_KIND, HL_MSG_REPLY) }, 0, 0, HLW_E_KIND },
		{ "RESULT with a name", B_CALL, { E32(H_KIND, HL_MSG_RESULT) }, 0, 0, HLW_E_KIND },
		{ "REPLY with a name", B_CALL, { E32(H_KIND, HL_MSG_REPLY) }, 0, 0, HLW_E_KIND },
		{ "ERROR with a name", B_CALL, { E32(H_KIND, HL_MSG_ERROR) }, 0, 0, HLW_E_KIND },
		{ "ERROR string, i32", B_ERR_SWAP, { { 0 } }, 0, 0, HLW_E_KIND },
		{ "ERROR with a u32 code", B_ERROR, { E32(16, HL_T_U32) }, 0, 0, HLW_E_KIND },
		{ "ERROR with a bytes message", B_ERROR, { E32(32, HL_T_BYTES) }, 0, 0,
		  HLW_E_KIND },
		{ "ERROR with only a code", B_ERR_ONE, { { 0 } }, 0, 0, HLW_E_KIND },
		{ "ABORT without a string", B_ABORT0, { { 0 } }, 0, 0, HLW_E_KIND },
		{ "ABORT with bytes", B_ABORT, { E32(16, HL_T_BYTES) }, 0, 0, HLW_E_KIND },
		{ "ABORT with a name", B_CALL, { E32(H_KIND, HL_MSG_ABORT) }, 0, 0, HLW_E_KIND },
		{ "CALL without a name", B_I32, { E32(H_KIND, HL_MSG_CALL) }, 0, 0, HLW_E_NAME },
		{ "HOSTCALL without a name", B_I32, { E32(H_KIND, HL_MSG_HOSTCALL) }, 0, 0,
		  HLW_E_NAME },
	};

	return cr_make_param_array(struct bad_msg, cases, sizeof cases / sizeof cases[0]);
}

/* Copies the base message of c into a buffer of exactly the mutated length and edits it. */
static uint8_t *build_bad(const struct bad_msg *c, uint64_t *cap)
{
	uint64_t size;
	uint8_t *base = encode_base(c->base, &size), *buf;

	cr_assert_leq(c->cut, size, "%s", c->what);
	*cap = size - c->cut + c->extra;
	buf = calloc(1, *cap ? *cap : 1);
	cr_assert_not_null(buf);
	memcpy(buf, base, size - c->cut);
	for (size_t i = 0; i < 2 && c->edits[i].width != 0; i++) {
		cr_assert_leq(c->edits[i].off + c->edits[i].width, *cap, "%s", c->what);
		memcpy(buf + c->edits[i].off, &c->edits[i].value, c->edits[i].width);
	}
	free(base);
	return buf;
}

ParameterizedTest(struct bad_msg *c, wire, rejects)
{
	uint64_t cap;
	uint8_t *buf = build_bad(c, &cap);
	struct hl_message m;
	enum hlw_status st = hlw_decode(buf, cap, &m);

	cr_assert_eq(st, c->want, "%s: got %d (%s), want %d (%s)", c->what, st,
		     hlw_strerror(st), c->want, hlw_strerror(c->want));
	free(buf);
}

/* hlwire.h: hlw_decode "fully validates ... every value's type, length and padding".  The
 * encoder writes zero padding, so anything else is not a message it produced. */
Test(wire, nonzero_padding_is_rejected)
{
	static const struct { enum base base; uint16_t off; const char *what; } pads[] = {
		{ B_CALL, 21, "name padding" },
		{ B_CALL, 36, "i32 padding" },
		{ B_CALL, 51, "string padding after its NUL" },
		{ B_BOOL, 25, "bool padding" },
		{ B_BYTES, 27, "bytes padding" },
	};

	for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++) {
		uint64_t size;
		uint8_t *buf = encode_base(pads[i].base, &size);
		struct hl_message m;

		cr_assert_eq(buf[pads[i].off], 0, "%s", pads[i].what);
		buf[pads[i].off] = 0x5a;
		cr_expect_neq(hlw_decode(buf, size, &m), HLW_OK, "%s 0x5a accepted",
			      pads[i].what);
		free(buf);
	}
}

/* ---- Names of statuses and types ---------------------------------------------------------- */

Test(wire, strerror_is_distinct_and_nonempty)
{
	for (int a = HLW_OK; a <= HLW_E_NOSPACE; a++) {
		const char *s = hlw_strerror((enum hlw_status)a);

		cr_assert_not_null(s);
		cr_assert_gt(strlen(s), 0, "status %d", a);
		cr_assert_str_neq(s, hlw_strerror((enum hlw_status)99), "status %d", a);
		for (int b = HLW_OK; b < a; b++)
			cr_assert_str_neq(s, hlw_strerror((enum hlw_status)b), "%d and %d", a, b);
	}
	cr_assert_str_eq(hlw_strerror(HLW_OK), "no error");
	cr_assert_str_eq(hlw_strerror((enum hlw_status)99), "unknown status");
}

Test(wire, type_names)
{
	static const char *const names[] = { "void", "i32", "u32", "i64", "u64", "f32", "f64",
					     "bool", "string", "bytes" };

	for (uint32_t t = 0; t <= HL_T_MAX; t++)
		cr_assert_str_eq(hlw_type_name(t), names[t]);
	cr_assert_str_eq(hlw_type_name(10), "?");
	cr_assert_str_eq(hlw_type_name(0xffffffffu), "?");
}

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

/* Decoding, exactly at the bounds: a message in a buffer of its own size is read; one
 * byte less is too short; a declared size one past the buffer is refused; a value whose
 * length ends exactly at the message's end is read, one byte more runs past it. */
Test(wire, decode_bounds_are_exact)
{
	struct hl_message m = msg(HL_MSG_CALL, "Echo"), out;
	uint64_t size;
	uint8_t *buf;
	uint32_t declared, len;

	add(&m, v_str("1234567"));
	buf = encode(&m, &size);
	cr_assert_eq(hlw_decode(buf, size, &out), HLW_OK);
	cr_assert_eq(hlw_decode(buf, size - 1, &out), HLW_E_SHORT);
	memcpy(&declared, buf + 8, sizeof declared);
	cr_assert_eq(declared, size);
	declared = (uint32_t)size + 8;
	memcpy(buf + 8, &declared, sizeof declared);
	cr_assert_eq(hlw_decode(buf, size, &out), HLW_E_SHORT);
	declared = (uint32_t)size;
	memcpy(buf + 8, &declared, sizeof declared);
	/* The string's length: 7 bytes and its NUL end the message exactly. */
	memcpy(&len, buf + 24 + 4, sizeof len);
	cr_assert_eq(len, 7);
	len = 8;
	memcpy(buf + 24 + 4, &len, sizeof len);
	cr_assert_eq(hlw_decode(buf, size, &out), HLW_E_LEN);
	free(buf);
}
