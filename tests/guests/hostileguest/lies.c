/* hostileguest, lies: results, errors and host calls in messages built by hand, each
 * wrong in one way. */
#include "hostile.h"

/* ---- Lies in hand-built messages ----------------------------------------------------- */

/* A RESULT whose size claims more than the output buffer holds. */
static int result_too_long(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, (uint32_t)PEB->output_size + 8, 0, 1);
	put_val(OUT + 16, HL_T_I32, 4);
	memset(OUT + 24, 0, 8);
	leave_done();
}
HL_EXPORT(ResultTooLong, result_too_long, HL_T_I32);

/* A RESULT whose size is the largest a u32 holds: offset arithmetic must not wrap. */
static int result_size_max(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 0xfffffff8u, 0, 1);
	put_val(OUT + 16, HL_T_BYTES, 0xffffffe0u);
	leave_done();
}
HL_EXPORT(ResultSizeMax, result_size_max, HL_T_BYTES);

/* A bytes value whose length runs past the end of its message. */
static int result_bad_offset(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_BYTES, 4096);
	memcpy(OUT + 24, "leaked!", 8);
	leave_done();
}
HL_EXPORT(ResultBadOffset, result_bad_offset, HL_T_BYTES);

/* A value length of 0xffffffff: offset plus length overflows 32 bits. */
static int result_len_wraps(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_BYTES, 0xffffffffu);
	memset(OUT + 24, 'x', 8);
	leave_done();
}
HL_EXPORT(ResultLenWraps, result_len_wraps, HL_T_BYTES);

/* Declared -> string, but the result carries an i32. */
static int result_wrong_type(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_I32, 4);
	memset(OUT + 24, 0, 8);
	OUT[24] = 42;
	leave_done();
}
HL_EXPORT(ResultWrongType, result_wrong_type, HL_T_STRING);

/* A value of type 77, which does not exist. */
static int result_unknown_type(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, 77, 4);
	memset(OUT + 24, 0, 8);
	leave_done();
}
HL_EXPORT(ResultUnknownType, result_unknown_type, HL_T_I32);

/* A string whose terminating NUL is an 'x'. */
static int result_unterminated(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_STRING, 7);
	memcpy(OUT + 24, "partialx", 8);
	leave_done();
}
HL_EXPORT(ResultUnterminatedString, result_unterminated, HL_T_STRING);

/* Declared -> void, but the result carries a value. */
static int result_void_with_value(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_I32, 4);
	memset(OUT + 24, 0, 8);
	leave_done();
}
HL_EXPORT(ResultVoidWithValue, result_void_with_value, HL_T_VOID);

/* Declared -> i32, but the result carries none. */
static int result_missing(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 16, 0, 0);
	leave_done();
}
HL_EXPORT(ResultMissing, result_missing, HL_T_I32);

/* A well-formed host call message handed over as the call's result. */
static int result_wrong_kind(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_HOSTCALL, 48, 9, 1);
	memcpy(OUT + 16, "HostPrint\0\0\0\0\0\0", 16);
	put_val(OUT + 32, HL_T_STRING, 0);
	memset(OUT + 40, 0, 8);
	leave_done();
}
HL_EXPORT(ResultWrongKind, result_wrong_kind, HL_T_VOID);

/* A bool of value 2. */
static int result_bad_bool(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 32, 0, 1);
	put_val(OUT + 16, HL_T_BOOL, 1);
	memset(OUT + 24, 0, 8);
	OUT[24] = 2;
	leave_done();
}
HL_EXPORT(ResultBadBool, result_bad_bool, HL_T_BOOL);

static int done_garbage(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	fill_garbage(OUT, 4096);
	leave_done();
}
HL_EXPORT(DoneGarbage, done_garbage, HL_T_STRING);

/* An ERROR whose message lies about the string: no NUL. */
static int error_unterminated(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_ERROR, 48, 0, 2);
	put_val(OUT + 16, HL_T_I32, 4);
	memset(OUT + 24, 0, 8);
	OUT[24] = 7;
	put_val(OUT + 32, HL_T_STRING, 6);
	memcpy(OUT + 40, "secretx", 8); /* the 'x' stands where the NUL belongs */
	leave_done();
}
HL_EXPORT(ErrorUnterminated, error_unterminated, HL_T_VOID);

/* A legitimate error value whose message tries to forge a second line and terminal
 * control sequences. */
static int error_newline(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	return hl_error(5, "first\nhlrun: forged second line\x1b[2J\r");
}
HL_EXPORT(ErrorNewline, error_newline, HL_T_VOID);

/* The same in an abort message. */
static int abort_newline(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	hl_abort(6, "first\nhlrun: forged second line\x1b[2J");
}
HL_EXPORT(AbortNewline, abort_newline, HL_T_VOID);

/* Terminal controls that are not ASCII: CSI as UTF-8 (U+009B) and as a raw byte, a
 * right-to-left override, and a byte that is no UTF-8 at all. */
static int error_c1(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	return hl_error(7, "first\xc2\x9b" "2K\x9b" "1;1H\xe2\x80\xae" "txt.exe\xff end");
}
HL_EXPORT(ErrorC1, error_c1, HL_T_VOID);

/* Garbage on the HOSTCALL port. */
static int host_call_garbage(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	fill_garbage(OUT, 4096);
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after a garbage host call");
}
HL_EXPORT(HostCallGarbage, host_call_garbage, HL_T_VOID);

/* A host call whose size claims more than the output buffer. */
static int host_call_too_long(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_HOSTCALL, (uint32_t)PEB->output_size + 64, 9, 1);
	memcpy(OUT + 16, "HostPrint\0\0\0\0\0\0", 16);
	put_val(OUT + 32, HL_T_STRING, (uint32_t)PEB->output_size);
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after an oversized host call");
}
HL_EXPORT(HostCallTooLong, host_call_too_long, HL_T_VOID);

/* A HostPrint whose string claims 1 MiB inside a 40-byte message. */
static int host_call_bad_len(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_HOSTCALL, 40, 9, 1);
	memcpy(OUT + 16, "HostPrint\0\0\0\0\0\0", 16);
	put_val(OUT + 32, HL_T_STRING, 1u << 20);
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after a host call with a bad length");
}
HL_EXPORT(HostCallBadLen, host_call_bad_len, HL_T_VOID);

/* A host call whose name has no NUL and is not an identifier. */
static int host_call_bad_name(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_HOSTCALL, 32, 9, 0);
	memcpy(OUT + 16, "Host;rm -rf /xxx", 16);
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after a host call with a bad name");
}
HL_EXPORT(HostCallBadName, host_call_bad_name, HL_T_VOID);

/* A HostPrint call that claims 17 values, one more than the wire format allows. */
static int host_call_too_many(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_HOSTCALL, 32 + 17 * 16, 9, HL_MAX_VALS + 1);
	memcpy(OUT + 16, "HostPrint\0\0\0\0\0\0", 16);
	for (unsigned i = 0; i <= HL_MAX_VALS; i++) {
		put_val(OUT + 32 + 16 * i, HL_T_I32, 4);
		memset(OUT + 40 + 16 * i, 0, 8);
	}
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after a host call of 17 values");
}
HL_EXPORT(HostCallTooManyValues, host_call_too_many, HL_T_VOID);

/* A well-formed RESULT message on the HOSTCALL port. */
static int host_call_wrong_kind(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_RESULT, 16, 0, 0);
	port_out32(HL_PORT_HOSTCALL, 0);
	return hl_error(99, "the host resumed after a result on the host-call port");
}
HL_EXPORT(HostCallWrongKind, host_call_wrong_kind, HL_T_VOID);

static int host_call_unknown(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value ret;

	(void)a;
	(void)r;
	if (hl_call_host("NoSuchFunction", NULL, 0, &ret) != 0)
		return hl_propagate();
	return 0;
}
HL_EXPORT(HostCallUnknown, host_call_unknown, HL_T_VOID);

/* HostPrint with an i32 where a string belongs. */
static int host_call_wrong_types(const struct hl_value *a, struct hl_value *r)
{
	struct hl_value arg = { .type = HL_T_I32, .u.i32 = 7 }, ret;

	(void)a;
	(void)r;
	if (hl_call_host("HostPrint", &arg, 1, &ret) != 0)
		return hl_propagate();
	return 0;
}
HL_EXPORT(HostCallWrongTypes, host_call_wrong_types, HL_T_VOID);

/* GetEnv is not allowed without a manifest that names it. */
static int host_call_denied(const struct hl_value *a, struct hl_value *r)
{
	char *value;

	(void)a;
	(void)r;
	if (hl_get_env("HOME", &value) != 0)
		return hl_propagate();
	return 0;
}
HL_EXPORT(HostCallDenied, host_call_denied, HL_T_VOID);

/* Garbage on the ABORT port, with a code. */
static int abort_no_message(const struct hl_value *a, struct hl_value *r)
{
	(void)a;
	(void)r;
	fill_garbage(OUT, 4096);
	for (;;)
		port_out32(HL_PORT_ABORT, 1234);
	return 0;
}
HL_EXPORT(AbortNoMessage, abort_no_message, HL_T_VOID);

/* A valid abort message of 1 MiB: the host's message must stay one bounded line. */
static int abort_long_message(const struct hl_value *a, struct hl_value *r)
{
	uint32_t len = 1u << 20;

	(void)a;
	(void)r;
	put_hdr(OUT, HL_MSG_ABORT, 16 + 8 + len + 8, 0, 1);
	put_val(OUT + 16, HL_T_STRING, len);
	memset(OUT + 24, 'A', len);
	memset(OUT + 24 + len, 0, 8);
	for (;;)
		port_out32(HL_PORT_ABORT, 77);
	return 0;
}
HL_EXPORT(AbortLongMessage, abort_long_message, HL_T_VOID);
