/* hlrun: run one function of an untrusted guest ELF in a KVM micro-VM and print its typed
 * result.  parse -> load -> boot -> call -> print -> exit status; the only place that
 * prints the final error and decides the exit status. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/core.h"
#include "loader/loader.h"

#define HLRUN_VERSION "0.1.0"

struct run {
	struct cli_opts opts;
	struct ldr_guest *guest;
	struct sbx *sbx;
	struct cli_argmem argmem;
	struct hl_value args[HL_MAX_PARAMS];
	struct hl_diag diag;
	uint64_t t_start, t_elf;
	struct sbx_stats stats;
	uint64_t call_ns;
};

static enum hl_err unknown_function(struct run *r)
{
	char list[HL_DIAG_MSG / 2];
	size_t n = 0;

	list[0] = '\0';
	for (size_t i = 0; i < ldr_nexports(r->guest) && n < sizeof list; i++)
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
				      ldr_export(r->guest, i)->name);
	return hl_fail(&r->diag, HL_E_USAGE, "%s: no function '%s'; it exports: %s",
		       r->opts.guest, r->opts.function, list);
}

static void print_stats(const struct run *r)
{
	const struct sbx_stats *s = &r->stats;

	fprintf(stderr, "hlrun: stats: elf %.3f ms, open-kvm %.3f ms, create-vm %.3f ms, "
		"load %.3f ms, init %.3f ms, call %.3f ms, total %.3f ms\n",
		(double)(r->t_elf - r->t_start) / 1e6, (double)s->open_ns / 1e6,
		(double)s->create_ns / 1e6, (double)s->load_ns / 1e6, (double)s->init_ns / 1e6,
		(double)r->call_ns / 1e6, (double)(sbx_now_ns() - r->t_start) / 1e6);
}

static enum hl_err call(struct run *r)
{
	const struct hl_export *e = ldr_find(r->guest, r->opts.function);
	struct sbx_config cfg;
	struct hl_value result;
	uint64_t t;
	enum hl_err err;

	if (e == NULL)
		return unknown_function(r);
	sbx_config_default(&cfg);
	cfg.timeout_ms = r->opts.timeout_ms;
	if (r->opts.heap != 0)
		cfg.heap_size = r->opts.heap;
	if (r->opts.stack != 0)
		cfg.stack_size = r->opts.stack;
	if (r->opts.input_size != 0)
		cfg.input_size = r->opts.input_size;
	if (r->opts.output_size != 0)
		cfg.output_size = r->opts.output_size;
	err = cli_convert(e, r->opts.args, r->opts.nargs, cfg.input_size, r->args, &r->argmem,
			  &r->diag);
	if (err != HL_OK)
		return err;
	if (sbx_call_size(e->name, r->args, e->nparams) > cfg.input_size)
		return hl_fail(&r->diag, HL_E_USAGE, "%s: arguments take %llu bytes, more than "
			       "the input buffer (%llu bytes); raise --input-size", e->name,
			       (unsigned long long)sbx_call_size(e->name, r->args, e->nparams),
			       (unsigned long long)cfg.input_size);
	err = sbx_create(r->guest, &cfg, &r->sbx, &r->stats, &r->diag);
	if (err != HL_OK)
		return err;
	t = sbx_now_ns();
	err = sbx_call(r->sbx, e, r->args, e->nparams, &result, &r->diag);
	r->call_ns = sbx_now_ns() - t;
	if (err == HL_OK)
		cli_print(stdout, &result);
	return err;
}

static enum hl_err run(struct run *r, int argc, char **argv)
{
	enum hl_err err = cli_parse(argc, argv, &r->opts, &r->diag);

	if (err != HL_OK)
		return err;
	if (r->opts.help) {
		cli_help(stdout);
		return HL_OK;
	}
	if (r->opts.version) {
		printf("hlrun %s (guest ABI %u)\n", HLRUN_VERSION, HL_ABI_VERSION);
		return HL_OK;
	}
	err = ldr_open(r->opts.guest, &r->guest, &r->diag);
	r->t_elf = sbx_now_ns();
	if (err != HL_OK)
		return err;
	if (r->opts.list) {
		cli_list(stdout, r->guest);
		return HL_OK;
	}
	err = call(r);
	/* Runtime failures name the guest file; the loader's messages already do. */
	if (err != HL_OK && err != HL_E_USAGE)
		hl_prefix(&r->diag, "%s", r->opts.guest);
	return err;
}

int main(int argc, char **argv)
{
	static struct run r;
	enum hl_err err;

	r.t_start = sbx_now_ns();
	err = run(&r, argc, argv);
	if (err == HL_OK && r.opts.stats && r.sbx != NULL)
		print_stats(&r);
	sbx_destroy(r.sbx);
	ldr_close(r.guest);
	cli_argmem_free(&r.argmem);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (err == HL_OK)
			err = hl_fail(&r.diag, HL_E_INTERNAL, "standard output: %s",
				      strerror(errno));
	}
	if (err != HL_OK) {
		fprintf(stderr, "hlrun: %s\n", r.diag.msg);
		if (err == HL_E_USAGE && r.guest == NULL)
			cli_usage(stderr);
	}
	fclose(stdout);
	return cli_exit_status(err);
}
