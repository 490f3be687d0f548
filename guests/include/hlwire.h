/* The wire format's codec (see hlrun_abi.h), one implementation for the host and the
 * guest SDK.  Freestanding: it needs only memcpy. */
#ifndef HLWIRE_H
#define HLWIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "hlrun_abi.h"

/* One typed value.  For strings and bytes, data points at len bytes owned by someone
 * else (the message buffer after decoding); a decoded string is NUL-terminated there. */
struct hl_value {
	uint32_t type; /* enum hl_type */
	uint32_t len;  /* string or bytes length (a string's without its NUL) */
	union {
		int32_t i32;
		uint32_t u32;
		int64_t i64;
		uint64_t u64;
		float f32;
		double f64;
		bool b;
	} u;
	const uint8_t *data;
};

struct hl_message {
	uint32_t kind;    /* enum hl_msg_kind */
	const char *name; /* calls: name_len bytes, NUL-terminated after decoding */
	uint16_t name_len;
	uint16_t nvals;
	struct hl_value vals[HL_MAX_VALS];
};

enum hlw_status {
	HLW_OK = 0,
	HLW_E_SHORT,    /* the buffer is smaller than the header or the declared size */
	HLW_E_MAGIC,    /* not a message */
	HLW_E_KIND,     /* unknown kind, or a shape the kind does not allow */
	HLW_E_SIZE,     /* declared size is wrong */
	HLW_E_NAME,     /* name missing, too long, unterminated or not an identifier */
	HLW_E_COUNT,    /* too many values */
	HLW_E_TYPE,     /* unknown value type */
	HLW_E_LEN,      /* value length wrong for its type or beyond the message */
	HLW_E_BOOL,     /* bool other than 0 or 1 */
	HLW_E_STRING,   /* string not NUL-terminated or with an inner NUL */
	HLW_E_TRAILING, /* bytes after the last value */
	HLW_E_PADDING,  /* non-zero padding byte */
	HLW_E_NOSPACE,  /* (encoding) the message does not fit the buffer */
};

/* Bytes the encoding of m needs, or UINT64_MAX when m is not encodable (bad type, too
 * many values, lengths that overflow). */
uint64_t hlw_size(const struct hl_message *m);

/* Encodes m into buf (cap bytes, 8-byte aligned) and stores its size in *size.  Copies
 * every string and bytes value.  Returns HLW_OK, HLW_E_NOSPACE, or the status describing
 * why m is not encodable. */
enum hlw_status hlw_encode(uint8_t *buf, uint64_t cap, const struct hl_message *m,
			   uint64_t *size);

/* Decodes and fully validates the message at buf, which has cap readable bytes: header,
 * magic, size, name, every value's type, length and zero padding, and the kind's shape (a
 * CALL or HOSTCALL has a name; a RESULT or REPLY at most one value; an ERROR an i32 and a
 * string; an ABORT one string).  On success m's strings and bytes point into buf. */
enum hlw_status hlw_decode(const uint8_t *buf, uint64_t cap, struct hl_message *m);

/* A short English description of a status, e.g. "string without its NUL". */
const char *hlw_strerror(enum hlw_status st);

/* The name of a type as the CLI and man pages spell it ("i32", "string", ...), or "?". */
const char *hlw_type_name(uint32_t type);

/* Whether byte c may stand at position pos of an identifier, [A-Za-z_][A-Za-z0-9_]*: what
 * function, host-function and variable names are. */
bool hlw_ident_char(uint8_t c, uint64_t pos);

/* Whether the n bytes at s are an identifier (n > 0). */
bool hlw_is_ident(const uint8_t *s, uint64_t n);

#endif
