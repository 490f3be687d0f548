/* The JSON objects that answer a run (--json) or a batch line, and --stats' text: every
 * outcome, result or error, in one shape that a program can read. */
#include "cli/cli_internal.h"

#include <math.h>
#include <string.h>

static const char *const class_names[] = {
	[HL_E_GUEST] = "guest", [HL_E_USAGE] = "usage", [HL_E_INVALID] = "invalid",
	[HL_E_CRASH] = "crash", [HL_E_NOKVM] = "nokvm", [HL_E_TIMEOUT] = "timeout",
	[HL_E_INTERNAL] = "internal", [HL_E_INTERRUPTED] = "interrupted",
	[HL_E_TERMINATED] = "terminated",
};

static void put_cstring(FILE *out, const char *s)
{
	json_put_string(out, (const uint8_t *)s, strlen(s));
}

/* "{" and the id member, if the answer has one. */
static void open_answer(FILE *out, const struct cli_answer *a)
{
	fputc('{', out);
	if (a->id != NULL && a->id[0] != '\0')
		fprintf(out, "\"id\":%s,", a->id);
}

void json_put_value(FILE *out, const struct hl_value *v)
{
	char text[CLI_SCALAR_MAX];

	if (cli_format_scalar(text, sizeof text, v)) {
		bool finite = v->type == HL_T_F32 ? isfinite(v->u.f32) :
			      v->type != HL_T_F64 || isfinite(v->u.f64);

		if (!finite)
			fprintf(out, "\"%s\"", text);
		else
			fputs(text, out);
	} else if (v->type == HL_T_STRING) {
		json_put_string(out, v->data, v->len);
	} else if (v->type == HL_T_BYTES) {
		json_put_base64(out, v->data, v->len);
	} else {
		fputs("null", out);
	}
}

static void put_printed(FILE *out, const char *key, const char *text, size_t len)
{
	if (len == 0)
		return;
	fprintf(out, ",\"%s\":", key);
	json_put_string(out, (const uint8_t *)text, len);
}

static void put_ms(FILE *out, const char *key, uint64_t ns)
{
	fprintf(out, ",\"%s\":%.3f", key, (double)ns / 1e6);
}

static void put_stats(FILE *out, const struct cli_stats *s)
{
	fputs(",\"stats\":{\"kvm\":", out);
	if (s->kvm[0] != '\0')
		put_cstring(out, s->kvm);
	else
		fputs("null", out);
	if (s->cache_ignored != NULL) {
		fputs(",\"cache_ignored\":", out);
		put_cstring(out, s->cache_ignored);
	}
	put_ms(out, "elf_ms", s->elf_ns);
	put_ms(out, "open_kvm_ms", s->open_ns);
	put_ms(out, "create_vm_ms", s->create_ns);
	put_ms(out, "load_ms", s->load_ns);
	put_ms(out, "init_ms", s->init_ns);
	put_ms(out, "call_ms", s->call_ns);
	put_ms(out, "total_ms", s->total_ns);
	fputc('}', out);
}

/* What the guest printed and the stats, if any, and the end of the line. */
static void close_answer(FILE *out, const struct cli_answer *a)
{
	if (a->printed != NULL) {
		put_printed(out, "output", a->printed->call, a->printed->ncall);
		put_printed(out, "init_output", a->printed->init, a->printed->ninit);
	}
	if (a->stats != NULL)
		put_stats(out, a->stats);
	fputs("}\n", out);
}

void cli_json_result(FILE *out, const struct cli_answer *a, const struct hl_value *v)
{
	open_answer(out, a);
	fprintf(out, "\"ok\":true,\"type\":\"%s\",\"value\":", hlw_type_name(v->type));
	json_put_value(out, v);
	close_answer(out, a);
}

/* An err that is no error class (HL_OK included) is a bug of the caller's: it is
 * answered as an internal error rather than as a success without a value. */
void cli_json_error(FILE *out, const struct cli_answer *a, enum hl_err err, const char *msg)
{
	if (err <= HL_OK || (size_t)err >= sizeof class_names / sizeof class_names[0] ||
	    class_names[err] == NULL)
		err = HL_E_INTERNAL;
	open_answer(out, a);
	fprintf(out, "\"ok\":false,\"error\":{\"class\":\"%s\",\"status\":%d,\"message\":",
		class_names[err], cli_exit_status(err));
	put_cstring(out, msg);
	fputc('}', out);
	close_answer(out, a);
}

void cli_json_saved(FILE *out, const struct cli_answer *a, const char *file)
{
	open_answer(out, a);
	fputs("\"ok\":true,\"snapshot\":", out);
	put_cstring(out, file);
	close_answer(out, a);
}

static void put_names(FILE *out, const char *key, const char *const *names, size_t n,
		      bool to_equals)
{
	fprintf(out, "\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", out);
		json_put_string(out, (const uint8_t *)names[i],
				to_equals ? strcspn(names[i], "=") : strlen(names[i]));
	}
	fputc(']', out);
}

static void put_maps(FILE *out, const struct sbx_config *cfg)
{
	fputs("\"maps\":{", out);
	for (size_t i = 0; i < cfg->nmaps; i++) {
		fputs(i ? "," : "", out);
		put_cstring(out, cfg->maps[i].name);
		fputc(':', out);
		put_cstring(out, cfg->maps[i].path);
	}
	fputc('}', out);
}

static void put_signature(FILE *out, const struct hl_export *e)
{
	fputs("{\"name\":", out);
	put_cstring(out, e->name);
	fputs(",\"params\":[", out);
	for (unsigned j = 0; j < e->nparams; j++)
		fprintf(out, "%s\"%s\"", j ? "," : "", hlw_type_name(e->params[j]));
	fprintf(out, "],\"returns\":\"%s\"}", hlw_type_name(e->ret));
}

static void put_functions(FILE *out, const struct ldr_guest *g)
{
	fputs("\"functions\":[", out);
	for (size_t i = 0; i < ldr_nexports(g); i++) {
		fputs(i ? "," : "", out);
		put_signature(out, ldr_export(g, i));
	}
	fputc(']', out);
}

/* A manifest's host process: its command, limits and functions; null without one. */
static void put_process(FILE *out, const struct cli_check *c)
{
	const struct sbx_extern *x = &c->cfg->externs;

	fputs("\"host_process\":", out);
	if (c->command == NULL) {
		fputs("null", out);
		return;
	}
	fputs("{\"command\":[", out);
	for (size_t i = 0; c->command[i] != NULL; i++) {
		fputs(i ? "," : "", out);
		put_cstring(out, c->command[i]);
	}
	fprintf(out, "],\"timeout_ms\":%llu,\"max_reply\":%llu,\"functions\":[",
		(unsigned long long)c->process_timeout_ms, (unsigned long long)c->max_reply);
	for (size_t i = 0; i < x->nfns; i++) {
		fputs(i ? "," : "", out);
		put_signature(out, &x->fns[i]);
	}
	fputs("]}", out);
}

void cli_json_list(FILE *out, const struct ldr_guest *g)
{
	fputs("{\"ok\":true,", out);
	put_functions(out, g);
	fputs("}\n", out);
}

/* The configuration as a manifest names it; the env's values, which may be secrets, are
 * left out. */
void cli_json_check(FILE *out, const struct cli_check *c)
{
	const struct sbx_config *cfg = c->cfg;
	const struct sbx_policy *p = &cfg->policy;

	fprintf(out, "{\"ok\":true,\"kind\":\"%s\",\"snapshot\":%s,\"memory\":{\"heap\":%llu,"
		"\"stack\":%llu,\"input\":%llu,\"output\":%llu},\"limits\":{\"timeout_ms\":",
		c->kind, c->from_snapshot ? "true" : "false",
		(unsigned long long)cfg->heap_size, (unsigned long long)cfg->stack_size,
		(unsigned long long)cfg->input_size, (unsigned long long)cfg->output_size);
	if (cfg->timeout_ms != 0)
		fprintf(out, "%llu", (unsigned long long)cfg->timeout_ms);
	else
		fputs("null", out);
	fprintf(out, ",\"max_output\":%llu},", (unsigned long long)p->max_output);
	put_names(out, "host_functions", p->allowed, p->nallowed, false);
	fputc(',', out);
	put_names(out, "env", p->env, p->nenv, true);
	fputc(',', out);
	put_names(out, "files", p->files, p->nfiles, false);
	fputc(',', out);
	put_maps(out, cfg);
	fputc(',', out);
	put_process(out, c);
	fprintf(out, ",\"print_to\":\"%s\",", cfg->print_to == stdout ? "stdout" : "stderr");
	put_functions(out, c->guest);
	fputs("}\n", out);
}

void cli_json_version(FILE *out, const char *version, unsigned abi, const char *kvm,
		      const char *why)
{
	fputs("{\"ok\":true,\"version\":", out);
	put_cstring(out, version);
	fprintf(out, ",\"abi\":%u,\"kvm\":", abi);
	if (kvm != NULL) {
		put_cstring(out, kvm);
	} else {
		fputs("null,\"no_kvm\":", out);
		put_cstring(out, why);
	}
	fputs("}\n", out);
}

void cli_print_stats(FILE *f, const struct cli_stats *s)
{
	if (s->kvm[0] != '\0')
		fprintf(f, "hlrun: stats: kvm %s\n", s->kvm);
	if (s->cache_ignored != NULL)
		fprintf(f, "hlrun: stats: snapshot cache not used: %s\n", s->cache_ignored);
	fprintf(f, "hlrun: stats: elf %.3f ms, open-kvm %.3f ms, create-vm %.3f ms, load %.3f "
		"ms, init %.3f ms, call %.3f ms, total %.3f ms\n", (double)s->elf_ns / 1e6,
		(double)s->open_ns / 1e6, (double)s->create_ns / 1e6, (double)s->load_ns / 1e6,
		(double)s->init_ns / 1e6, (double)s->call_ns / 1e6, (double)s->total_ns / 1e6);
}
