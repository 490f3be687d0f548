/* Unit tests of the wire codec: malformed messages, each a valid base message with an
 * edit, which the decoder must refuse with the right status; nonzero padding; and the
 * exact bounds of a decode. */
#include "tests/unit/test_wire.h"

/* ---- Malformed messages: a valid base message, then edits ------------------------------ */

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
