/* libFuzzer target: argument conversion (cli_convert, hl_parse_size, hl_parse_duration,
 * and cli_parse on the same strings, with what it promises of --map).  An input is a
 * parameter count, that many type bytes, then NUL-separated argument strings.  A
 * converted argument printed by cli_print must convert back to the same value. */
#include <math.h>
#include <string.h>

#include "cli/cli.h"
#include "common/units.h"
#include "tests/fuzz/fuzz.h"

#define MAX_STRINGS (HL_MAX_PARAMS + 4)
#define LIMIT (1u << 20)

/* Floats are equal when both are NaN, or when they are equal with the same sign. */
static int same_float(double a, double b)
{
	return isnan(a) ? isnan(b) : a == b && !signbit(a) == !signbit(b);
}

static int same_value(const struct hl_value *a, const struct hl_value *b)
{
	switch (a->type) {
	case HL_T_I32: case HL_T_U32: return a->u.u32 == b->u.u32;
	case HL_T_I64: case HL_T_U64: return a->u.u64 == b->u.u64;
	case HL_T_F32: return same_float(a->u.f32, b->u.f32);
	case HL_T_F64: return same_float(a->u.f64, b->u.f64);
	case HL_T_BOOL: return a->u.b == b->u.b;
	default: return 0;
	}
}

/* Prints scalar v as hlrun prints results, converts the text back, and compares. */
static void check_round_trip(const struct hl_value *v)
{
	struct hl_export e = { .name = "R", .nparams = 1, .params = { (uint8_t)v->type } };
	struct cli_argmem mem = { 0 };
	struct hl_diag d = { 0 };
	struct hl_value back;
	char text[64] = "";
	char *arg = text;
	FILE *f = fmemopen(text, sizeof text - 1, "w");
	size_t n;

	CHECK(f != NULL);
	cli_print(f, v);
	CHECK(fclose(f) == 0);
	n = strlen(text);
	CHECK(n > 1 && text[n - 1] == '\n');
	text[n - 1] = '\0';
	if (cli_convert(&e, &arg, 1, LIMIT, &back, &mem, &d) != HL_OK) {
		fprintf(stderr, "printed '%s', which does not convert back: %s\n", text, d.msg);
		abort();
	}
	if (!same_value(v, &back)) {
		fprintf(stderr, "printed '%s', which converts back to another value\n", text);
		abort();
	}
	cli_argmem_free(&mem);
}

static void check_units(const char *s)
{
	struct hl_diag d = { 0 };
	uint64_t v = 0;

	if (hl_parse_size(s, &v, &d) == HL_OK)
		CHECK(v != 0);
	else
		CHECK(d.err == HL_E_USAGE && memchr(d.msg, '\0', sizeof d.msg) != NULL);
	d = (struct hl_diag){ 0 };
	if (hl_parse_duration(s, &v, &d) == HL_OK)
		CHECK(v >= 1 && v <= HL_MAX_DURATION_MS);
	else
		CHECK(d.err == HL_E_USAGE && memchr(d.msg, '\0', sizeof d.msg) != NULL);
}

static void convert(const struct hl_export *e, char **args, int nargs)
{
	struct hl_value vals[HL_MAX_PARAMS];
	struct cli_argmem mem = { 0 };
	struct hl_diag d = { 0 };
	char sig[256];

	cli_signature(e, sig, sizeof sig);
	CHECK(memchr(sig, '\0', sizeof sig) != NULL);
	if (cli_convert(e, args, nargs, LIMIT, vals, &mem, &d) != HL_OK) {
		CHECK(d.err == HL_E_USAGE && memchr(d.msg, '\0', sizeof d.msg) != NULL);
		cli_argmem_free(&mem);
		return;
	}
	CHECK(nargs == e->nparams && mem.n == 0);
	for (int i = 0; i < nargs; i++) {
		CHECK(vals[i].type == e->params[i]);
		if (vals[i].type == HL_T_STRING || vals[i].type == HL_T_BYTES)
			CHECK(vals[i].data == (const uint8_t *)args[i] &&
			      vals[i].len == strlen(args[i]));
		else
			check_round_trip(&vals[i]);
	}
	cli_argmem_free(&mem);
}

/* cli_parse on "hlrun STRINGS...": it only reorders argv's pointers. */
static void parse_options(char **strs, int n)
{
	char *argv[MAX_STRINGS + 1];
	struct cli_opts o;
	struct hl_diag d = { 0 };

	argv[0] = (char *)(uintptr_t)"hlrun";
	memcpy(argv + 1, strs, (size_t)n * sizeof *argv);
	if (cli_parse(n + 1, argv, &o, &d) != HL_OK) {
		CHECK(d.err == HL_E_USAGE);
		return;
	}
	if (o.help || o.version)
		return;
	CHECK(o.guest != NULL && o.nargs >= 0 && o.nargs <= n);
	/* Each --map is NAME=PATH, each NAME once. */
	CHECK(o.nmaps >= 0 && o.nmaps <= HL_MAX_MAPS);
	for (int i = 0; i < o.nmaps; i++) {
		struct sbx_map m, other;

		CHECK(sbx_map_split(o.maps[i], &m));
		for (int j = 0; j < i; j++)
			CHECK(sbx_map_split(o.maps[j], &other) && strcmp(other.name, m.name) != 0);
	}
	/* The modes that take no FUNCTION exclude each other; the others need one. */
	CHECK(o.list + o.check + o.batch + (o.save_snapshot != NULL) <= 1);
	CHECK(!o.keep_state || o.batch);
	CHECK(o.list || o.check || o.batch || o.save_snapshot != NULL ||
	      (o.function != NULL && o.args > argv && o.args + o.nargs <= argv + n + 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_export e = { .name = "F" };
	char *strs[MAX_STRINGS];
	size_t pos = 0;
	int n = 0;

	if (size == 0)
		return 0;
	e.nparams = data[pos++] % (HL_MAX_PARAMS + 1);
	for (unsigned i = 0; i < e.nparams; i++)
		e.params[i] = pos < size ? 1 + data[pos++] % HL_T_MAX : HL_T_STRING;
	e.ret = pos < size ? data[pos++] % (HL_T_MAX + 1) : HL_T_VOID;
	/* Each string in a buffer of its own size, so that reading past its NUL shows. */
	while (n < MAX_STRINGS && pos <= size) {
		const uint8_t *end = memchr(data + pos, 0, size - pos);
		size_t len = end ? (size_t)(end - (data + pos)) : size - pos;

		strs[n] = malloc(len + 1);
		CHECK(strs[n] != NULL);
		memcpy(strs[n], data + pos, len);
		strs[n][len] = '\0';
		/* Not standard input, not a file. */
		if (strcmp(strs[n], "-") == 0 || strs[n][0] == '@')
			strs[n][0] = 'x';
		n++;
		pos += len + 1;
	}
	for (int i = 0; i < n; i++)
		check_units(strs[i]);
	/* Too few strings exercise the count check; extra ones are left out. */
	convert(&e, strs, n < e.nparams ? n : e.nparams);
	parse_options(strs, n);
	for (int i = 0; i < n; i++)
		free(strs[i]);
	return 0;
}
