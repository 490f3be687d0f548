/* The wire format's codec, shared by the host and the guest SDK (freestanding). */
#include "hlwire.h"

#define ALIGN8(x) (((x) + 7u) & ~(uint64_t)7u)

static const char *const type_names[] = {
	[HL_T_VOID] = "void", [HL_T_I32] = "i32", [HL_T_U32] = "u32", [HL_T_I64] = "i64",
	[HL_T_U64] = "u64", [HL_T_F32] = "f32", [HL_T_F64] = "f64", [HL_T_BOOL] = "bool",
	[HL_T_STRING] = "string", [HL_T_BYTES] = "bytes",
};

const char *hlw_type_name(uint32_t type)
{
	return type <= HL_T_MAX ? type_names[type] : "?";
}

const char *hlw_strerror(enum hlw_status st)
{
	switch (st) {
	case HLW_OK: return "no error";
	case HLW_E_SHORT: return "message shorter than its header or declared size";
	case HLW_E_MAGIC: return "bad magic number";
	case HLW_E_KIND: return "unknown message kind or wrong shape for its kind";
	case HLW_E_SIZE: return "declared size is inconsistent";
	case HLW_E_NAME: return "missing, unterminated or invalid name";
	case HLW_E_COUNT: return "too many values";
	case HLW_E_TYPE: return "unknown value type";
	case HLW_E_LEN: return "value length wrong for its type or past the end";
	case HLW_E_BOOL: return "bool other than 0 or 1";
	case HLW_E_STRING: return "string without its NUL or with an inner NUL";
	case HLW_E_TRAILING: return "bytes after the last value";
	case HLW_E_PADDING: return "non-zero padding byte";
	case HLW_E_NOSPACE: return "message does not fit the buffer";
	}
	return "unknown status";
}

/* Fixed data length of a scalar type, 0 for string and bytes, -1 for invalid types. */
static int scalar_len(uint32_t type)
{
	switch (type) {
	case HL_T_I32: case HL_T_U32: case HL_T_F32: return 4;
	case HL_T_I64: case HL_T_U64: case HL_T_F64: return 8;
	case HL_T_BOOL: return 1;
	case HL_T_STRING: case HL_T_BYTES: return 0;
	default: return -1;
	}
}

/* Bytes a value's data occupies on the wire before padding (a string's NUL included). */
static uint64_t data_len(const struct hl_value *v)
{
	int n = scalar_len(v->type);

	if (n > 0)
		return (uint64_t)n;
	return (uint64_t)v->len + (v->type == HL_T_STRING);
}

/* Padding is zero so that one message has exactly one encoding. */
static int zero_padded(const uint8_t *p, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

uint64_t hlw_size(const struct hl_message *m)
{
	uint64_t size = sizeof(struct hl_msg_hdr);

	if (m->nvals > HL_MAX_VALS)
		return UINT64_MAX;
	if (m->name_len > 0)
		size += ALIGN8((uint64_t)m->name_len + 1);
	for (unsigned i = 0; i < m->nvals; i++) {
		if (scalar_len(m->vals[i].type) < 0)
			return UINT64_MAX;
		size += sizeof(struct hl_val_hdr) + ALIGN8(data_len(&m->vals[i]));
	}
	return size;
}

static void put_scalar(uint8_t *dst, const struct hl_value *v)
{
	switch (v->type) {
	case HL_T_I32: case HL_T_U32: case HL_T_F32:
		__builtin_memcpy(dst, &v->u.u32, 4);
		break;
	case HL_T_BOOL:
		*dst = v->u.b ? 1 : 0;
		break;
	default:
		__builtin_memcpy(dst, &v->u.u64, 8);
		break;
	}
}

enum hlw_status hlw_encode(uint8_t *buf, uint64_t cap, const struct hl_message *m,
			   uint64_t *size)
{
	struct hl_msg_hdr h = { HL_MSG_MAGIC, m->kind, 0, m->name_len, m->nvals };
	uint64_t need = hlw_size(m), off = sizeof h;

	if (m->nvals > HL_MAX_VALS)
		return HLW_E_COUNT;
	if (need == UINT64_MAX || need > UINT32_MAX)
		return need == UINT64_MAX ? HLW_E_TYPE : HLW_E_NOSPACE;
	if (need > cap)
		return HLW_E_NOSPACE;
	h.size = (uint32_t)need;
	__builtin_memset(buf, 0, need);
	__builtin_memcpy(buf, &h, sizeof h);
	if (m->name_len > 0) {
		__builtin_memcpy(buf + off, m->name, m->name_len);
		off += ALIGN8((uint64_t)m->name_len + 1);
	}
	for (unsigned i = 0; i < m->nvals; i++) {
		const struct hl_value *v = &m->vals[i];
		struct hl_val_hdr vh = { v->type, (uint32_t)data_len(v) };

		if (v->type == HL_T_STRING || v->type == HL_T_BYTES) {
			vh.len = v->len;
			if (v->len > 0)
				__builtin_memcpy(buf + off + sizeof vh, v->data, v->len);
		} else {
			put_scalar(buf + off + sizeof vh, v);
		}
		__builtin_memcpy(buf + off, &vh, sizeof vh);
		off += sizeof vh + ALIGN8(data_len(v));
	}
	*size = need;
	return HLW_OK;
}

bool hlw_ident_char(uint8_t c, uint64_t pos)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (pos > 0 && c >= '0' && c <= '9');
}

bool hlw_is_ident(const uint8_t *s, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (!hlw_ident_char(s[i], i))
			return false;
	return n > 0;
}

static enum hlw_status get_scalar(struct hl_value *v, const uint8_t *p)
{
	switch (v->type) {
	case HL_T_I32: case HL_T_U32: case HL_T_F32:
		__builtin_memcpy(&v->u.u32, p, 4);
		return HLW_OK;
	case HL_T_BOOL:
		if (*p > 1)
			return HLW_E_BOOL;
		v->u.b = *p == 1;
		return HLW_OK;
	default:
		__builtin_memcpy(&v->u.u64, p, 8);
		return HLW_OK;
	}
}

/* Decodes the value at *off (within size bytes of buf) and advances *off. */
static enum hlw_status get_value(const uint8_t *buf, uint64_t size, uint64_t *off,
				 struct hl_value *v)
{
	struct hl_val_hdr vh;
	int fixed;
	uint64_t dlen;

	if (size - *off < sizeof vh)
		return HLW_E_LEN;
	__builtin_memcpy(&vh, buf + *off, sizeof vh);
	*off += sizeof vh;
	fixed = scalar_len(vh.type);
	if (fixed < 0 || vh.type == HL_T_VOID)
		return HLW_E_TYPE;
	if (fixed > 0 && vh.len != (uint32_t)fixed)
		return HLW_E_LEN;
	v->type = vh.type;
	v->len = fixed > 0 ? 0 : vh.len;
	v->data = buf + *off;
	dlen = (uint64_t)vh.len + (vh.type == HL_T_STRING);
	if (ALIGN8(dlen) > size - *off)
		return HLW_E_LEN;
	if (vh.type == HL_T_STRING) {
		if (buf[*off + vh.len] != 0)
			return HLW_E_STRING;
		for (uint32_t i = 0; i < vh.len; i++)
			if (buf[*off + i] == 0)
				return HLW_E_STRING;
	} else if (fixed > 0) {
		enum hlw_status st = get_scalar(v, buf + *off);

		if (st != HLW_OK)
			return st;
		v->data = 0;
	}
	if (!zero_padded(buf + *off, dlen, ALIGN8(dlen)))
		return HLW_E_PADDING;
	*off += ALIGN8(dlen);
	return HLW_OK;
}

static int is_type(const struct hl_value *v, uint32_t type)
{
	return v->type == type;
}

/* The shape each kind allows. */
static enum hlw_status check_shape(const struct hl_message *m)
{
	switch (m->kind) {
	case HL_MSG_CALL:
	case HL_MSG_HOSTCALL:
		return m->name_len > 0 ? HLW_OK : HLW_E_NAME;
	case HL_MSG_RESULT:
	case HL_MSG_REPLY:
		return m->name_len == 0 && m->nvals <= 1 ? HLW_OK : HLW_E_KIND;
	case HL_MSG_ERROR:
		return m->name_len == 0 && m->nvals == 2 && is_type(&m->vals[0], HL_T_I32) &&
		       is_type(&m->vals[1], HL_T_STRING) ? HLW_OK : HLW_E_KIND;
	case HL_MSG_ABORT:
		return m->name_len == 0 && m->nvals == 1 && is_type(&m->vals[0], HL_T_STRING)
			       ? HLW_OK : HLW_E_KIND;
	default:
		return HLW_E_KIND;
	}
}

enum hlw_status hlw_decode(const uint8_t *buf, uint64_t cap, struct hl_message *m)
{
	struct hl_msg_hdr h;
	uint64_t off = sizeof h;
	enum hlw_status st;

	if (cap < sizeof h)
		return HLW_E_SHORT;
	__builtin_memcpy(&h, buf, sizeof h);
	if (h.magic != HL_MSG_MAGIC)
		return HLW_E_MAGIC;
	if (h.kind < HL_MSG_CALL || h.kind > HL_MSG_ABORT)
		return HLW_E_KIND;
	if (h.size > cap)
		return HLW_E_SHORT;
	if (h.size < sizeof h || h.size % 8 != 0)
		return HLW_E_SIZE;
	if (h.nvals > HL_MAX_VALS)
		return HLW_E_COUNT;
	m->kind = h.kind;
	m->name = 0;
	m->name_len = h.name_len;
	m->nvals = h.nvals;
	if (h.name_len > 0) {
		uint64_t padded = ALIGN8((uint64_t)h.name_len + 1);

		if (h.name_len >= HL_NAME_MAX || padded > h.size - off ||
		    buf[off + h.name_len] != 0 || !hlw_is_ident(buf + off, h.name_len))
			return HLW_E_NAME;
		if (!zero_padded(buf + off, (uint64_t)h.name_len + 1, padded))
			return HLW_E_PADDING;
		m->name = (const char *)(buf + off);
		off += padded;
	}
	for (unsigned i = 0; i < h.nvals; i++) {
		st = get_value(buf, h.size, &off, &m->vals[i]);
		if (st != HLW_OK)
			return st;
	}
	if (off != h.size)
		return HLW_E_TRAILING;
	return check_shape(m);
}
