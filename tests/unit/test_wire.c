/* Unit tests of the wire codec (guests/wire/hlwire.c): round trips, the exact layout,
 * sizes and encoding errors, and the names of statuses and types.  The other pieces:
 * test_wire_reject.c (malformed messages the decoder refuses), test_wire_fuzz.c (random
 * mutations of valid messages). */
#include "tests/unit/test_wire.h"

/* ---- Messages in one expression, for tables of them -------------------------------------- */

/* m with the n values at v added. */
static struct hl_message with(struct hl_message m, const struct hl_value *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		add(&m, v[i]);
	return m;
}

/* A message of kind and name (NULL for none) with the values given.  sizeof does not
 * evaluate its operand: each value is computed once. */
#define MSG_WITH(kind, name, ...)                                                         \
	with(msg((kind), (name)), (const struct hl_value[]){ __VA_ARGS__ },              \
	     sizeof (const struct hl_value[]){ __VA_ARGS__ } / sizeof (struct hl_value))

/* ---- Comparing decoded messages -------------------------------------------------------- */

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

/* Host calls, errors and aborts, with the values each carries: a host call any, an error
 * an i32 code and a string, an abort a string; at the extremes and empty. */
Test(wire, hostcall_error_and_abort_round_trip)
{
	const struct hl_message ms[] = {
		MSG_WITH(HL_MSG_HOSTCALL, "HostPrint", v_str("hello, world\n"),
			 v_bytes(blob, sizeof blob), v_i64(-1)),
		MSG_WITH(HL_MSG_ERROR, NULL, v_i32(INT32_MIN), v_str("division by zero")),
		MSG_WITH(HL_MSG_ERROR, NULL, v_i32(0), v_str("")),
		MSG_WITH(HL_MSG_ABORT, NULL, v_str("assertion failed: x < 3")),
		MSG_WITH(HL_MSG_ABORT, NULL, v_str("")),
	};

	for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
		assert_round_trip(&ms[i]);
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

/* The exact bytes of one message: pins the layout the malformed cases
 * (test_wire_reject.c) edit. */
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

/* Messages that cannot be encoded, whatever the buffer: what hlw_size says, the capacity
 * offered, and the status hlw_encode returns without writing anything (*size included). */
Test(wire, unencodable_messages_are_refused)
{
	/* Types that do not exist. */
	const struct hl_value bad[] = { { .type = HL_T_VOID }, { .type = HL_T_MAX + 1 },
					{ .type = 0xffffffffu } };
	/* 4 GiB - 1 bytes: the message's size does not fit the header's 32-bit size field,
	 * whatever the capacity; the data is never read. */
	const struct hl_value huge[] = {
		{ .type = HL_T_BYTES, .len = UINT32_MAX, .data = blob },
		{ .type = HL_T_STRING, .len = UINT32_MAX, .data = blob },
	};
	struct {
		const char *what;
		struct hl_message m;
		uint64_t size, cap;
		enum hlw_status want;
	} c[] = {
		/* hlwire.h: "the status describing why m is not encodable"; HLW_E_COUNT is "too
		 * many values".  The 17 values are added below. */
		{ "17 values", msg(HL_MSG_CALL, "F"), UINT64_MAX, 1024, HLW_E_COUNT },
		{ "type void", MSG_WITH(HL_MSG_CALL, "F", v_i32(1), bad[0]), UINT64_MAX, 256,
		  HLW_E_TYPE },
		{ "type HL_T_MAX + 1", MSG_WITH(HL_MSG_CALL, "F", v_i32(1), bad[1]), UINT64_MAX,
		  256, HLW_E_TYPE },
		{ "type 0xffffffff", MSG_WITH(HL_MSG_CALL, "F", v_i32(1), bad[2]), UINT64_MAX,
		  256, HLW_E_TYPE },
		{ "bytes of 4 GiB - 1", MSG_WITH(HL_MSG_RESULT, NULL, huge[0]),
		  16 + 8 + (1ull << 32), UINT64_MAX, HLW_E_NOSPACE },
		{ "a string of 4 GiB - 1", MSG_WITH(HL_MSG_RESULT, NULL, huge[1]),
		  16 + 8 + (1ull << 32), UINT64_MAX, HLW_E_NOSPACE },
	};
	uint8_t buf[1024];

	for (unsigned i = 0; i < HL_MAX_VALS; i++)
		add(&c[0].m, v_i32((int32_t)i));
	c[0].m.nvals = HL_MAX_VALS + 1;
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		uint64_t size = 7;
		enum hlw_status st;

		cr_assert_eq(hlw_size(&c[i].m), c[i].size, "%s", c[i].what);
		st = hlw_encode(buf, c[i].cap, &c[i].m, &size);
		cr_assert_eq(st, c[i].want, "%s: got %s", c[i].what, hlw_strerror(st));
		cr_assert_eq(size, 7, "%s", c[i].what);
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
