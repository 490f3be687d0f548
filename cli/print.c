/* Printing typed results and function signatures. */
#include "cli/cli.h"
#include "cli/cli_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool reads_back(const char *text, double x, bool single)
{
	return single ? strtof(text, NULL) == (float)x : strtod(text, NULL) == x;
}

void cli_format_float(char *buf, size_t len, double x, bool single)
{
	char fixed[400];

	if (isnan(x) || isinf(x)) {
		snprintf(buf, len, "%s", isnan(x) ? "nan" : x < 0 ? "-inf" : "inf");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, x);
		if (reads_back(buf, x, single))
			break;
	}
	if (strchr(buf, 'e') == NULL)
		return;
	/* %g chose an exponent: plain digits win when they are not longer (100, not
	 * 1e+02). */
	for (int prec = 0; prec <= 17; prec++) {
		snprintf(fixed, sizeof fixed, "%.*f", prec, x);
		if (reads_back(fixed, x, single)) {
			if (strlen(fixed) <= strlen(buf) && strlen(fixed) < len)
				memcpy(buf, fixed, strlen(fixed) + 1);
			return;
		}
	}
}

static void print_float(FILE *out, double x, bool single)
{
	char buf[40];

	cli_format_float(buf, sizeof buf, x, single);
	fprintf(out, "%s\n", buf);
}

void cli_print(FILE *out, const struct hl_value *v)
{
	switch (v->type) {
	case HL_T_VOID:
		break;
	case HL_T_I32:
		fprintf(out, "%d\n", v->u.i32);
		break;
	case HL_T_U32:
		fprintf(out, "%u\n", v->u.u32);
		break;
	case HL_T_I64:
		fprintf(out, "%lld\n", (long long)v->u.i64);
		break;
	case HL_T_U64:
		fprintf(out, "%llu\n", (unsigned long long)v->u.u64);
		break;
	case HL_T_F32:
		print_float(out, v->u.f32, true);
		break;
	case HL_T_F64:
		print_float(out, v->u.f64, false);
		break;
	case HL_T_BOOL:
		fputs(v->u.b ? "true\n" : "false\n", out);
		break;
	case HL_T_STRING:
		fwrite(v->data, 1, v->len, out);
		fputc('\n', out);
		break;
	case HL_T_BYTES:
		fwrite(v->data, 1, v->len, out);
		break;
	}
}

void cli_signature(const struct hl_export *e, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s(", e->name);

	for (unsigned i = 0; i < e->nparams && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				      hlw_type_name(e->params[i]));
	if (n < len)
		snprintf(buf + n, len - n, ") -> %s", hlw_type_name(e->ret));
}

void cli_list(FILE *out, const struct ldr_guest *g)
{
	char sig[256];

	for (size_t i = 0; i < ldr_nexports(g); i++) {
		cli_signature(ldr_export(g, i), sig, sizeof sig);
		fprintf(out, "%s\n", sig);
	}
}
