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

bool cli_format_scalar(char *buf, size_t len, const struct hl_value *v)
{
	switch (v->type) {
	case HL_T_I32:
		snprintf(buf, len, "%d", v->u.i32);
		return true;
	case HL_T_U32:
		snprintf(buf, len, "%u", v->u.u32);
		return true;
	case HL_T_I64:
		snprintf(buf, len, "%lld", (long long)v->u.i64);
		return true;
	case HL_T_U64:
		snprintf(buf, len, "%llu", (unsigned long long)v->u.u64);
		return true;
	case HL_T_F32:
		cli_format_float(buf, len, v->u.f32, true);
		return true;
	case HL_T_F64:
		cli_format_float(buf, len, v->u.f64, false);
		return true;
	case HL_T_BOOL:
		snprintf(buf, len, "%s", v->u.b ? "true" : "false");
		return true;
	default:
		return false;
	}
}

void cli_print(FILE *out, const struct hl_value *v)
{
	char text[CLI_SCALAR_MAX];

	if (cli_format_scalar(text, sizeof text, v)) {
		fprintf(out, "%s\n", text);
	} else if (v->type == HL_T_STRING) {
		fwrite(v->data, 1, v->len, out);
		fputc('\n', out);
	} else if (v->type == HL_T_BYTES) {
		fwrite(v->data, 1, v->len, out);
	}
}

void cli_signature(const struct hl_export *e, char *buf, size_t len)
{
	sbx_signature(e->name, e->params, e->nparams, e->ret, false, buf, len);
}

void cli_list(FILE *out, const struct ldr_guest *g)
{
	char sig[256];

	for (size_t i = 0; i < ldr_nexports(g); i++) {
		cli_signature(ldr_export(g, i), sig, sizeof sig);
		fprintf(out, "%s\n", sig);
	}
}
