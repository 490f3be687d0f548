/* hlrun: run one function of an untrusted guest ELF in a KVM micro-VM and print its typed
 * result.  parse -> resolve -> boot -> call -> print -> exit status; the only place that
 * prints the final error and decides the exit status. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/core.h"
#include "loader/loader.h"
#include "target/target.h"

#define HLRUN_VERSION "0.2.0"

struct run {
	struct cli_opts opts;
	bool parsed;                   /* the command line was understood */
	struct tgt *target;
	const struct ldr_guest *guest; /* the target's */
	struct sbx *sbx;
	struct cli_argmem argmem;
	struct hl_value args[HL_MAX_PARAMS];
	struct hl_diag diag;
	uint64_t t_start, t_elf;
	struct sbx_stats stats;
	uint64_t call_ns;
};

/* The exports, as many whole names as fit in half a message; the rest are counted and
 * left to --list. */
static enum hl_err unknown_function(struct run *r)
{
	char list[HL_DIAG_MSG / 2];
	size_t n = 0, i, count = ldr_nexports(r->guest);

	list[0] = '\0';
	for (i = 0; i < count; i++) {
		const char *name = ldr_export(r->guest, i)->name;

		if (n + strlen(name) + 3 > sizeof list)
			break;
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", name);
	}
	if (i < count)
		return hl_fail(&r->diag, HL_E_USAGE, "%s: no function '%s'; it exports: %s and "
			       "%zu more (hlrun --list shows them all)", r->opts.guest,
			       r->opts.function, list, count - i);
	return hl_fail(&r->diag, HL_E_USAGE, "%s: no function '%s'; it exports: %s",
		       r->opts.guest, r->opts.function, list);
}

/* The one error line.  Messages quote guest-controlled text (error values, abort
 * messages) and file contents, so whatever a terminal could act on is escaped: a guest
 * can neither forge a second "hlrun:" line nor send terminal escapes. */
static void print_error(const char *msg)
{
	fputs("hlrun: ", stderr);
	cli_put_message(stderr, msg);
	fputc('\n', stderr);
}

static void print_stats(const struct run *r)
{
	const struct sbx_stats *s = &r->stats;

	if (s->kvm[0] != '\0')
		fprintf(stderr, "hlrun: stats: kvm %s\n", s->kvm);
	if (tgt_cache_ignored(r->target) != NULL)
		fprintf(stderr, "hlrun: stats: snapshot cache not used: %s\n",
			tgt_cache_ignored(r->target));
	fprintf(stderr, "hlrun: stats: elf %.3f ms, open-kvm %.3f ms, create-vm %.3f ms, "
		"load %.3f ms, init %.3f ms, call %.3f ms, total %.3f ms\n",
		(double)(r->t_elf - r->t_start) / 1e6, (double)s->open_ns / 1e6,
		(double)s->create_ns / 1e6, (double)s->load_ns / 1e6, (double)s->init_ns / 1e6,
		(double)r->call_ns / 1e6, (double)(sbx_now_ns() - r->t_start) / 1e6);
}

/* The version, and which KVM this host offers: what a bug report needs. */
static void print_version(struct run *r)
{
	char kvm[SBX_KVM_DESCRIBE];

	printf("hlrun %s (guest ABI %u)\n", HLRUN_VERSION, HL_ABI_VERSION);
	if (sbx_kvm_describe(NULL, kvm, sizeof kvm, &r->diag) == HL_OK)
		printf("KVM: %s\n", kvm);
	else
		printf("KVM: none: %s\n", r->diag.msg);
}

/* The command line's choices, as the target layer takes them. */
static void request(const struct cli_opts *o, struct tgt_request *req)
{
	*req = (struct tgt_request){
		.path = o->guest, .manifest = o->manifest, .guest_only = o->list,
		.heap = o->heap, .stack = o->stack, .input_size = o->input_size,
		.output_size = o->output_size, .timeout_ms = o->timeout_ms,
		.allow = o->allow, .nallow = (size_t)o->nallow, .no_seccomp = o->no_seccomp,
		.batch = o->batch, .save_path = o->save_snapshot,
	};
}

static enum hl_err create_sandbox(struct run *r, const struct sbx_config *cfg)
{
	struct sbx_snapshot *snap = tgt_snapshot(r->target);

	if (snap != NULL)
		return sbx_create_from(snap, cfg, &r->sbx, &r->stats, &r->diag);
	return sbx_create(r->guest, cfg, &r->sbx, &r->stats, &r->diag);
}

static enum hl_err call(struct run *r, const struct sbx_config *c)
{
	const struct hl_export *e = ldr_find(r->guest, r->opts.function);
	struct sbx_config cfg = *c;
	struct hl_value result;
	uint64_t t;
	enum hl_err err;

	if (e == NULL)
		return unknown_function(r);
	err = cli_convert(e, r->opts.args, r->opts.nargs, cfg.input_size, r->args, &r->argmem,
			  &r->diag);
	if (err != HL_OK)
		return err;
	err = sbx_check_call_size(e->name, r->args, e->nparams, cfg.input_size, &r->diag);
	if (err != HL_OK)
		return err;
	err = create_sandbox(r, &cfg);
	if (err != HL_OK)
		return err;
	t = sbx_now_ns();
	err = sbx_call(r->sbx, e, r->args, e->nparams, &result, &r->diag);
	r->call_ns = sbx_now_ns() - t;
	if (err == HL_OK)
		cli_print(stdout, &result);
	return err;
}

/* --save-snapshot: the sandbox right after init, to a file. */
static enum hl_err save(struct run *r, const struct sbx_config *cfg)
{
	enum hl_err err = create_sandbox(r, cfg);

	if (err == HL_OK)
		err = sbx_save(r->sbx, &r->diag);
	return err;
}

/* --batch: one sandbox answers every line of standard input; HostPrint's output is
 * captured per call into its answer, so that standard output stays JSON Lines. */
static enum hl_err batch(struct run *r, const struct sbx_config *c)
{
	struct sbx_config cfg = *c;
	char *captured = NULL, *init_output = NULL;
	size_t ncaptured = 0;
	uint64_t t;
	struct cli_batch_opts bo = { .keep_state = r->opts.keep_state, .stats = r->opts.stats,
				     .limit = c->input_size, .captured = &captured,
				     .ncaptured = &ncaptured };
	enum hl_err err;

	bo.capture = open_memstream(&captured, &ncaptured);
	if (bo.capture == NULL)
		return hl_fail(&r->diag, HL_E_INTERNAL, "cannot capture output: %s",
			       strerror(errno));
	cfg.print_to = bo.capture;
	err = create_sandbox(r, &cfg);
	t = sbx_now_ns();
	if (err == HL_OK && fflush(bo.capture) == 0 && ncaptured > 0) {
		/* The initialisation's output goes with the first answer, not as its call's. */
		init_output = malloc(ncaptured);
		if (init_output == NULL)
			err = hl_fail(&r->diag, HL_E_INTERNAL, "out of memory");
		else
			memcpy(init_output, captured, ncaptured);
		bo.init_output = init_output;
		bo.ninit_output = ncaptured;
		rewind(bo.capture);
	}
	if (err == HL_OK)
		err = cli_batch_run(r->sbx, r->guest, stdin, stdout, &bo, &r->diag);
	r->call_ns = sbx_now_ns() - t;
	fclose(bo.capture);
	free(captured);
	free(init_output);
	return err;
}

static enum hl_err run(struct run *r, int argc, char **argv)
{
	const struct sbx_config *cfg;
	struct tgt_request req;
	enum hl_err err = cli_parse(argc, argv, &r->opts, &r->diag);

	if (err != HL_OK)
		return err;
	r->parsed = true;
	if (r->opts.help) {
		cli_help(stdout);
		return HL_OK;
	}
	if (r->opts.version) {
		print_version(r);
		return HL_OK;
	}
	/* Confined before the first byte of input is read: the target, arguments. */
	if (!r->opts.no_seccomp && (err = sbx_confine_process(&r->diag)) != HL_OK)
		return err;
	request(&r->opts, &req);
	err = tgt_resolve(&req, &r->target, &r->diag);
	r->t_elf = sbx_now_ns();
	if (err != HL_OK)
		return err;
	r->guest = tgt_guest(r->target);
	cfg = tgt_config(r->target);
	if (r->opts.list)
		cli_list(stdout, r->guest);
	else if (r->opts.check)
		printf("%s: ok\n", r->opts.guest);
	else if (r->opts.save_snapshot != NULL)
		err = save(r, cfg);
	else if (r->opts.batch)
		err = batch(r, cfg);
	else
		err = call(r, cfg);
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
	if (r.opts.stats && r.guest != NULL && !r.opts.list && !r.opts.check)
		print_stats(&r);
	sbx_destroy(r.sbx);
	tgt_free(r.target);
	cli_argmem_free(&r.argmem);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (err == HL_OK)
			err = hl_fail(&r.diag, HL_E_INTERNAL, "standard output: %s",
				      strerror(errno));
	}
	if (err != HL_OK) {
		print_error(r.diag.msg);
		if (err == HL_E_USAGE && !r.parsed)
			cli_usage(stderr);
	}
	fclose(stdout);
	return cli_exit_status(err);
}
