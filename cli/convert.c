/* Converting command-line arguments to the guest's declared parameter types. */
#include "cli/cli.h"
#include "cli/cli_internal.h"
#include "common/units.h"

#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_argmem_free(struct cli_argmem *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->blocks[i]);
	m->n = 0;
}

/* Reads all of fd, at most limit bytes, into a new block owned by m. */
static enum hl_err slurp(int fd, const char *what, uint64_t limit, struct cli_argmem *m,
			 uint8_t **data, uint64_t *len, struct hl_diag *d)
{
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap + 1), *bigger;
	ssize_t r;

	while (buf != NULL) {
		if (n == cap) {
			if (n > limit)
				break;
			cap *= 2;
			bigger = realloc(buf, cap + 1);
			if (bigger == NULL)
				break;
			buf = bigger;
		}
		/* SIGINT or SIGTERM, before this read or during it (EINTR), ends it. */
		if (sbx_interrupted() != 0) {
			free(buf);
			return hl_fail(d, sbx_interrupt_class(sbx_interrupted()),
				       "%s: %s while it was read", what,
				       sbx_interrupt_words(sbx_interrupted()));
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return hl_fail(d, HL_E_USAGE, "%s: %s", what, strerror(errno));
		}
		if (r == 0) {
			buf[n] = 0;
			m->blocks[m->n++] = buf;
			*data = buf;
			*len = n;
			return n > limit ? hl_fail(d, HL_E_USAGE, "%s has more than %llu bytes, "
						   "the input buffer size; raise --input-size",
						   what, (unsigned long long)limit)
					 : HL_OK;
		}
		n += (size_t)r;
	}
	free(buf);
	if (n > limit)
		return hl_fail(d, HL_E_USAGE, "%s has more than %llu bytes, the input buffer size; "
			       "raise --input-size", what, (unsigned long long)limit);
	return hl_fail(d, HL_E_INTERNAL, "out of memory reading %s", what);
}

static enum hl_err read_file(const char *path, uint64_t limit, struct cli_argmem *m,
			     uint8_t **data, uint64_t *len, struct hl_diag *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	enum hl_err err;

	if (fd < 0)
		return hl_fail(d, HL_E_USAGE, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return hl_fail(d, HL_E_USAGE, "%s: is a directory", path);
	}
	err = slurp(fd, path, limit, m, data, len, d);
	close(fd);
	return err;
}

/* Decimal or 0x hex, optional sign; the whole text must be the number.  Digits are read
 * here rather than by strtoull, which would also skip spaces and a second "0x". */
static bool parse_int(const char *s, bool is_signed, int64_t *sv, uint64_t *uv, bool *neg)
{
	const char *p = s;
	unsigned base = 10;

	*neg = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		return false;
	for (*uv = 0; *p != '\0'; p++) {
		/* A non-digit (-1) becomes too large for any base. */
		unsigned dv = (unsigned)hl_hex_digit(*p);

		if (dv >= base || __builtin_mul_overflow(*uv, base, uv) ||
		    __builtin_add_overflow(*uv, dv, uv))
			return false;
	}
	if (!is_signed)
		return true;
	if (*neg ? *uv > (uint64_t)INT64_MAX + 1 : *uv > (uint64_t)INT64_MAX)
		return false;
	*sv = *neg ? (int64_t)(0 - *uv) : (int64_t)*uv;
	return true;
}

static enum hl_err bad(struct hl_diag *d, const struct hl_export *e, int i,
		       const char *shown, uint32_t type, const char *why)
{
	char what[24] = "result";

	if (i >= 0)
		snprintf(what, sizeof what, "argument %d", i + 1);
	/* "an i32", "an f64", but "a u32", "a bool". */
	return hl_fail(d, HL_E_USAGE, "%s: %s: '%s' is not %s %s (%s)", e->name, what, shown,
		       type == HL_T_I32 || type == HL_T_I64 || type == HL_T_F32 ||
		       type == HL_T_F64 ? "an" : "a", hlw_type_name(type), why);
}

static enum hl_err to_int(const struct hl_export *e, int i, const char *s,
			  const char *shown, struct hl_value *v, struct hl_diag *d)
{
	bool is_signed = v->type == HL_T_I32 || v->type == HL_T_I64, neg;
	int64_t sv = 0;
	uint64_t uv = 0;

	switch (v->type) {
	case HL_T_I32:
		if (!parse_int(s, true, &sv, &uv, &neg) || sv < INT32_MIN || sv > INT32_MAX)
			return bad(d, e, i, shown, v->type, "decimal or 0x hex, -2147483648 to "
				   "2147483647");
		v->u.i32 = (int32_t)sv;
		return HL_OK;
	case HL_T_I64:
		if (!parse_int(s, true, &sv, &uv, &neg))
			return bad(d, e, i, shown, v->type, "decimal or 0x hex, -2^63 to 2^63-1");
		v->u.i64 = sv;
		return HL_OK;
	default:
		break;
	}
	if (!parse_int(s, is_signed, &sv, &uv, &neg) || (neg && uv != 0))
		return bad(d, e, i, shown, v->type, v->type == HL_T_U32 ?
			   "decimal or 0x hex, 0 to 4294967295" :
			   "decimal or 0x hex, 0 to 18446744073709551615");
	if (v->type == HL_T_U32 && uv > UINT32_MAX)
		return bad(d, e, i, shown, v->type, "decimal or 0x hex, 0 to 4294967295");
	if (v->type == HL_T_U32)
		v->u.u32 = (uint32_t)uv;
	else
		v->u.u64 = uv;
	return HL_OK;
}

static enum hl_err to_float(const struct hl_export *e, int i, const char *s,
			    const char *shown, struct hl_value *v, struct hl_diag *d)
{
	char *end;
	double x;
	float f = 0;

	errno = 0;
	if (v->type == HL_T_F32) {
		f = strtof(s, &end);
		x = f;
	} else {
		x = strtod(s, &end);
	}
	if (end == s || *end != '\0' || isspace((unsigned char)s[0]) ||
	    (errno == ERANGE && isinf(x)))
		return bad(d, e, i, shown, v->type, "a decimal or 0x hex number, inf or nan, within "
			   "range");
	if (v->type == HL_T_F32)
		v->u.f32 = f;
	else
		v->u.f64 = x;
	return HL_OK;
}

enum hl_err cli_convert_text(const struct hl_export *e, int i, const char *s,
			     const char *shown, struct hl_value *v, struct hl_diag *d)
{
	switch (v->type) {
	case HL_T_F32:
	case HL_T_F64:
		return to_float(e, i, s, shown, v, d);
	case HL_T_BOOL:
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
			return bad(d, e, i, shown, v->type, "true or false");
		v->u.b = s[0] == 't';
		return HL_OK;
	default:
		return to_int(e, i, s, shown, v, d);
	}
}

/* A scalar read from stdin may end with a newline ("\n" or "\r\n"), as `echo` writes it. */
static void chomp(uint8_t *data, uint64_t *len)
{
	if (*len == 0 || data[*len - 1] != '\n')
		return;
	data[--*len] = 0;
	if (*len > 0 && data[*len - 1] == '\r')
		data[--*len] = 0;
}

static enum hl_err convert_one(const struct hl_export *e, int i, const char *arg,
			       uint64_t limit, bool *stdin_used, struct hl_value *v,
			       struct cli_argmem *m, struct hl_diag *d)
{
	uint8_t *data = (uint8_t *)(uintptr_t)arg;
	uint64_t len = strlen(arg);
	enum hl_err err = HL_OK;
	char what[64];

	v->type = e->params[i];
	if (strcmp(arg, "-") == 0) {
		if (*stdin_used)
			return hl_fail(d, HL_E_USAGE, "%s: argument %d: standard input ('-') can "
				       "be read only once", e->name, i + 1);
		*stdin_used = true;
		snprintf(what, sizeof what, "argument %d (standard input)", i + 1);
		err = slurp(STDIN_FILENO, what, limit, m, &data, &len, d);
		if (err == HL_OK && v->type != HL_T_STRING && v->type != HL_T_BYTES)
			chomp(data, &len);
	} else if (v->type == HL_T_BYTES && arg[0] == '@') {
		err = read_file(arg + 1, limit, m, &data, &len, d);
	}
	if (err != HL_OK)
		return err;
	if (v->type != HL_T_BYTES)
		err = cli_no_nul(e, i, data, len, d);
	if (err != HL_OK)
		return err;
	if (v->type != HL_T_STRING && v->type != HL_T_BYTES)
		return cli_convert_text(e, i, (const char *)data, (const char *)data, v, d);
	if (len > UINT32_MAX)
		return hl_fail(d, HL_E_USAGE, "%s: argument %d: %llu bytes is too long", e->name,
			       i + 1, (unsigned long long)len);
	v->data = data;
	v->len = (uint32_t)len;
	return HL_OK;
}

enum hl_err cli_no_nul(const struct hl_export *e, int i, const uint8_t *data, size_t len,
		       struct hl_diag *d)
{
	if (memchr(data, 0, len) == NULL)
		return HL_OK;
	return hl_fail(d, HL_E_USAGE, "%s: argument %d: holds a NUL byte, which only a bytes "
		       "parameter accepts (this one is %s)", e->name, i + 1,
		       hlw_type_name(e->params[i]));
}

enum hl_err cli_wrong_count(const struct hl_export *e, size_t got, struct hl_diag *d)
{
	char sig[256];

	cli_signature(e, sig, sizeof sig);
	return hl_fail(d, HL_E_USAGE, "%s takes %u argument%s, got %zu: %s", e->name,
		       e->nparams, e->nparams == 1 ? "" : "s", got, sig);
}

enum hl_err cli_convert(const struct hl_export *e, char **args, int nargs, uint64_t limit,
			struct hl_value *vals, struct cli_argmem *m, struct hl_diag *d)
{
	bool stdin_used = false;
	enum hl_err err;

	if (nargs != e->nparams)
		return cli_wrong_count(e, (size_t)nargs, d);
	for (int i = 0; i < nargs; i++) {
		vals[i] = (struct hl_value){ 0 };
		err = convert_one(e, i, args[i], limit, &stdin_used, &vals[i], m, d);
		if (err != HL_OK)
			return err;
	}
	return HL_OK;
}
