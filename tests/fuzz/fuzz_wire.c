/* libFuzzer target: the wire codec, the decoder of everything the host reads from guest
 * memory.  Each input is decoded as a message (which must stay inside the buffer and
 * re-encode to the same bytes), then read as a recipe for a valid message (which must
 * encode, decode and re-encode to itself). */
#include <string.h>

#include "guests/include/hlwire.h"
#include "tests/fuzz/fuzz.h"

/* Whether [p, p + n) lies inside [buf, buf + size), compared as integers. */
static int inside(const uint8_t *buf, uint64_t size, const void *p, uint64_t n)
{
	uintptr_t lo = (uintptr_t)buf, at = (uintptr_t)p;

	return at >= lo && at - lo <= size && n <= size - (at - lo);
}

static int is_blob(uint32_t type)
{
	return type == HL_T_STRING || type == HL_T_BYTES;
}

/* What hlwire.h promises of a message decoded from the size bytes at buf. */
static void check_inside(const uint8_t *buf, uint64_t size, const struct hl_message *m)
{
	CHECK(m->kind >= HL_MSG_CALL && m->kind <= HL_MSG_ABORT);
	CHECK(m->nvals <= HL_MAX_VALS);
	if (m->kind == HL_MSG_CALL || m->kind == HL_MSG_HOSTCALL) {
		CHECK(m->name_len > 0 && m->name_len < HL_NAME_MAX);
		CHECK(inside(buf, size, m->name, (uint64_t)m->name_len + 1));
		CHECK(m->name[m->name_len] == '\0' && strlen(m->name) == m->name_len);
	}
	for (unsigned i = 0; i < m->nvals; i++) {
		const struct hl_value *v = &m->vals[i];

		CHECK(v->type >= HL_T_I32 && v->type <= HL_T_MAX);
		if (!is_blob(v->type))
			continue;
		CHECK(inside(buf, size, v->data, (uint64_t)v->len + (v->type == HL_T_STRING)));
		if (v->type == HL_T_STRING)
			CHECK(v->data[v->len] == 0 && memchr(v->data, 0, v->len) == NULL);
	}
}

/* m encodes to exactly the size bytes at buf, and to nothing smaller. */
static void check_reencodes(const uint8_t *buf, uint64_t size, const struct hl_message *m)
{
	uint64_t need = hlw_size(m), n = 0;
	uint8_t *out;

	CHECK(need == size && size >= sizeof(struct hl_msg_hdr));
	out = malloc(need);
	CHECK(out != NULL);
	CHECK(hlw_encode(out, need - 1, m, &n) == HLW_E_NOSPACE);
	CHECK(hlw_encode(out, need, m, &n) == HLW_OK && n == need);
	CHECK(memcmp(out, buf, need) == 0);
	free(out);
}

static void decode(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct hl_message m;
	struct hl_msg_hdr h;
	enum hlw_status st;

	CHECK(buf != NULL);
	memcpy(buf, data, size);
	st = hlw_decode(buf, size, &m);
	CHECK(strcmp(hlw_strerror(st), "unknown status") != 0);
	if (st == HLW_OK) {
		memcpy(&h, buf, sizeof h);
		CHECK(h.size <= size && h.size % 8 == 0);
		CHECK(m.kind == h.kind && m.nvals == h.nvals);
		check_inside(buf, h.size, &m);
		check_reencodes(buf, h.size, &m);
	}
	free(buf);
}

/* ---- Encoding: a valid message built from the input --------------------------------- */

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t next(struct reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static void take(struct reader *r, void *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)dst)[i] = next(r);
}

static const char ident_chars[] =
	"_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* Value i of m: a type the kind allows, and contents from r.  Strings are copied to *pool
 * without NULs; bytes point into the input. */
static void make_value(struct reader *r, struct hl_message *m, unsigned i, uint8_t **pool)
{
	struct hl_value *v = &m->vals[i];
	uint8_t t = next(r);
	uint16_t len;

	*v = (struct hl_value){ .type = 1u + t % HL_T_MAX };
	if (m->kind == HL_MSG_ERROR)
		v->type = i == 0 ? HL_T_I32 : HL_T_STRING;
	if (m->kind == HL_MSG_ABORT)
		v->type = HL_T_STRING;
	switch (v->type) {
	case HL_T_I32: case HL_T_U32: case HL_T_F32:
		take(r, &v->u.u32, 4);
		break;
	case HL_T_I64: case HL_T_U64: case HL_T_F64:
		take(r, &v->u.u64, 8);
		break;
	case HL_T_BOOL:
		v->u.b = next(r) & 1;
		break;
	default:
		take(r, &len, sizeof len);
		v->len = len <= r->n ? len : (uint32_t)r->n;
		if (v->type == HL_T_BYTES) {
			v->data = r->p;
		} else {
			for (uint32_t k = 0; k < v->len; k++)
				(*pool)[k] = r->p[k] ? r->p[k] : '0';
			v->data = *pool;
			*pool += v->len;
		}
		r->p += v->len;
		r->n -= v->len;
	}
}

static void make_message(struct reader *r, struct hl_message *m, char *name, uint8_t *pool)
{
	uint8_t k = next(r), nv = next(r);

	memset(m, 0, sizeof *m);
	m->kind = HL_MSG_CALL + k % HL_MSG_ABORT;
	switch (m->kind) {
	case HL_MSG_CALL: case HL_MSG_HOSTCALL:
		m->name_len = 1 + next(r) % (HL_NAME_MAX - 1);
		for (unsigned i = 0; i < m->name_len; i++)
			name[i] = ident_chars[next(r) % (i == 0 ? 53 : 63)];
		name[m->name_len] = '\0';
		m->name = name;
		m->nvals = nv % (HL_MAX_VALS + 1);
		break;
	case HL_MSG_RESULT: case HL_MSG_REPLY:
		m->nvals = nv % 2;
		break;
	case HL_MSG_ERROR:
		m->nvals = 2;
		break;
	default:
		m->nvals = 1;
	}
	for (unsigned i = 0; i < m->nvals; i++)
		make_value(r, m, i, &pool);
}

static void check_same(const struct hl_message *a, const struct hl_message *b)
{
	CHECK(a->kind == b->kind && a->name_len == b->name_len && a->nvals == b->nvals);
	CHECK(a->name_len == 0 || memcmp(a->name, b->name, a->name_len) == 0);
	for (unsigned i = 0; i < a->nvals; i++) {
		const struct hl_value *x = &a->vals[i], *y = &b->vals[i];

		CHECK(x->type == y->type);
		switch (x->type) {
		case HL_T_I32: case HL_T_U32: case HL_T_F32:
			CHECK(x->u.u32 == y->u.u32);
			break;
		case HL_T_I64: case HL_T_U64: case HL_T_F64:
			CHECK(x->u.u64 == y->u.u64);
			break;
		case HL_T_BOOL:
			CHECK(x->u.b == y->u.b);
			break;
		default:
			CHECK(x->len == y->len);
			CHECK(x->len == 0 || memcmp(x->data, y->data, x->len) == 0);
		}
	}
}

static void encode(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	char name[HL_NAME_MAX];
	uint8_t *pool = malloc(size ? size : 1), *buf;
	struct hl_message m, back;
	uint64_t need, n = 0;

	CHECK(pool != NULL);
	make_message(&r, &m, name, pool);
	need = hlw_size(&m);
	CHECK(need != UINT64_MAX && need % 8 == 0);
	buf = malloc(need);
	CHECK(buf != NULL);
	CHECK(hlw_encode(buf, need, &m, &n) == HLW_OK && n == need);
	CHECK(hlw_decode(buf, need - 1, &back) == HLW_E_SHORT);
	CHECK(hlw_decode(buf, need, &back) == HLW_OK);
	check_inside(buf, need, &back);
	check_same(&m, &back);
	check_reencodes(buf, need, &back);
	free(buf);
	free(pool);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode(data, size);
	encode(data, size);
	return 0;
}
