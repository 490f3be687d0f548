/* hlrun: run one function of an untrusted guest ELF in a KVM micro-VM and print its typed
 * result.  parse -> open (a manifest) -> start its host process -> confine -> resolve ->
 * boot -> call -> print -> exit status; the only place that prints the final error and
 * decides the exit status. */
#include <errno.h>
#include <signal.h>
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
	struct cli_bridge *bridge;     /* the manifest's host process, or NULL */
	const struct ldr_guest *guest; /* the target's */
	struct sbx *sbx;
	struct cli_argmem argmem;
	struct hl_value args[HL_MAX_PARAMS];
	struct hl_diag diag;
	uint64_t t_start, t_elf;
	struct sbx_stats stats;
	uint64_t call_ns;
	/* What the guest prints, captured for JSON answers (--json, --batch): during its
	 * initialisation, then during the call. */
	FILE *capture;
	char *captured, *init_output;
	size_t ncaptured, ninit_output;
	bool answered;   /* a JSON answer went out */
	/* What the guest prints on standard error goes through guest_err, which notes
	 * whether it left a line open, so that hlrun's own lines start on lines of their
	 * own. */
	FILE *guest_err;
	bool line_open;
};

/* The exports, as many whole names as fit in half a message; the rest are counted and
 * left to --list. */
static enum hl_err unknown_function(struct run *r)
{
	char list[HL_DIAG_MSG / 2];
	size_t n = 0, i, count = ldr_nexports(r->guest);

	if (cli_is_option(r->opts.function))
		return hl_fail(&r->diag, HL_E_USAGE, "%s: no function '%s' (options go before "
			       "the guest: hlrun [OPTIONS] GUEST FUNCTION [ARG...])", r->opts.guest,
			       r->opts.function);
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

/* Ends a line the guest's output left open on standard error. */
static void own_line(struct run *r)
{
	if (r->line_open)
		fputc('\n', stderr);
	r->line_open = false;
}

/* The one error line, written at once, on a line of its own.  Messages quote
 * guest-controlled text (error values, abort messages) and file contents, so whatever a
 * terminal could act on is escaped: a guest cannot forge a second "hlrun:" line inside
 * the message or send terminal escapes through it. */
static void print_error(struct run *r, const char *msg)
{
	char line[4 * HL_DIAG_MSG + 16];
	FILE *f = fmemopen(line, sizeof line, "w");
	long n;

	own_line(r);
	if (f == NULL)
		f = stderr;
	fputs("hlrun: ", f);
	cli_put_message(f, msg);
	fputc('\n', f);
	if (f != stderr) {
		n = ftell(f);
		fclose(f);
		fwrite(line, 1, n > 0 ? (size_t)n : 0, stderr);
	}
}

/* The guest's output on standard error passes through here (fopencookie(3)). */
static ssize_t guest_err_write(void *cookie, const char *buf, size_t n)
{
	struct run *r = cookie;
	size_t w = fwrite(buf, 1, n, stderr);

	if (w > 0)
		r->line_open = buf[w - 1] != '\n';
	return w == n ? (ssize_t)n : -1;
}

static void get_stats(const struct run *r, struct cli_stats *s)
{
	*s = (struct cli_stats){
		.kvm = r->stats.kvm, .cache_ignored = tgt_cache_ignored(r->target),
		.elf_ns = r->t_elf - r->t_start, .open_ns = r->stats.open_ns,
		.create_ns = r->stats.create_ns, .load_ns = r->stats.load_ns,
		.init_ns = r->stats.init_ns, .call_ns = r->call_ns,
		.total_ns = sbx_now_ns() - r->t_start,
	};
}

/* The members of this run's JSON answer: what the guest printed, and --stats. */
static struct cli_answer answer(struct run *r, struct cli_printed *p, struct cli_stats *s)
{
	struct cli_answer a = { 0 };

	*p = (struct cli_printed){ .init = r->init_output, .ninit = r->ninit_output };
	if (r->capture != NULL && fflush(r->capture) == 0) {
		p->call = r->captured;
		p->ncall = r->ncaptured;
	}
	a.printed = p;
	if (r->opts.stats && !r->opts.batch && r->guest != NULL) {
		get_stats(r, s);
		a.stats = s;
	}
	r->answered = true;
	return a;
}

/* The version, and which KVM this host offers: what a bug report needs. */
static void print_version(struct run *r)
{
	char kvm[SBX_KVM_DESCRIBE];
	bool ok = sbx_kvm_describe(NULL, kvm, sizeof kvm, &r->diag) == HL_OK;

	if (r->opts.json) {
		cli_json_version(stdout, HLRUN_VERSION, HL_ABI_VERSION, ok ? kvm : NULL,
				 r->diag.msg);
		return;
	}
	printf("hlrun %s (guest ABI %u)\n", HLRUN_VERSION, HL_ABI_VERSION);
	if (ok)
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
		.allow = o->allow, .nallow = (size_t)o->nallow,
		.env = o->env, .nenv = (size_t)o->nenv, .dirs = o->dirs, .ndirs = (size_t)o->ndirs,
		.print_to = o->print_to == NULL ? TGT_STREAM_UNSET :
			    strcmp(o->print_to, "stdout") == 0 ? TGT_STREAM_STDOUT :
								 TGT_STREAM_STDERR,
		.core_path = o->core, .maps = o->maps, .nmaps = (size_t)o->nmaps,
		.no_seccomp = o->no_seccomp,
		.batch = o->batch, .save_path = o->save_snapshot,
	};
}

/* HostPrint's output goes to memory, for a JSON answer, instead of cfg's stream. */
static enum hl_err capture(struct run *r, struct sbx_config *cfg)
{
	r->capture = open_memstream(&r->captured, &r->ncaptured);
	if (r->capture == NULL)
		return hl_fail(&r->diag, HL_E_INTERNAL, "cannot capture output: %s",
			       strerror(errno));
	cfg->print_to = r->capture;
	return HL_OK;
}

/* The guest's output goes to standard error through guest_err_write(). */
static enum hl_err guest_to_stderr(struct run *r, struct sbx_config *cfg)
{
	r->guest_err = fopencookie(r, "w", (cookie_io_functions_t){ .write = guest_err_write });
	if (r->guest_err == NULL || setvbuf(r->guest_err, NULL, _IONBF, 0) != 0)
		return hl_fail(&r->diag, HL_E_INTERNAL, "cannot pass on the guest's output: %s",
			       strerror(errno));
	cfg->print_to = r->guest_err;
	return HL_OK;
}

/* The sandbox, booted or resumed; what its initialisation printed into a capture, even
 * when it failed, is kept apart from what the calls print. */
static enum hl_err create_sandbox(struct run *r, const struct sbx_config *c)
{
	struct sbx_snapshot *snap = tgt_snapshot(r->target);
	struct sbx_config cfg = *c;
	enum hl_err err = r->opts.json || r->opts.batch ? capture(r, &cfg) :
			  cfg.print_to == stderr ? guest_to_stderr(r, &cfg) : HL_OK;

	cfg.externs.serve = r->bridge != NULL ? cli_bridge_serve : NULL;
	cfg.externs.ctx = r->bridge;

	if (err == HL_OK && snap != NULL)
		err = sbx_create_from(snap, &cfg, &r->sbx, &r->stats, &r->diag);
	else if (err == HL_OK)
		err = sbx_create(r->guest, &cfg, &r->sbx, &r->stats, &r->diag);
	if (r->capture == NULL || fflush(r->capture) != 0 || r->ncaptured == 0)
		return err;
	r->init_output = malloc(r->ncaptured);
	if (r->init_output == NULL)
		return hl_fail(&r->diag, HL_E_INTERNAL, "out of memory");
	memcpy(r->init_output, r->captured, r->ncaptured);
	r->ninit_output = r->ncaptured;
	rewind(r->capture);
	fflush(r->capture);
	return err;
}

static enum hl_err call(struct run *r, const struct sbx_config *cfg)
{
	const struct hl_export *e = ldr_find(r->guest, r->opts.function);
	struct hl_value result;
	struct cli_printed p;
	struct cli_stats st;
	struct cli_answer a;
	uint64_t t;
	enum hl_err err;

	if (e == NULL)
		return unknown_function(r);
	err = cli_convert(e, r->opts.args, r->opts.nargs, cfg->input_size, r->args,
			  &r->argmem, &r->diag);
	if (err != HL_OK)
		return err;
	err = sbx_check_call_size(e->name, r->args, e->nparams, cfg->input_size, &r->diag);
	if (err != HL_OK)
		return err;
	err = create_sandbox(r, cfg);
	if (err != HL_OK)
		return err;
	t = sbx_now_ns();
	err = sbx_call(r->sbx, e, r->args, e->nparams, &result, &r->diag);
	r->call_ns = sbx_now_ns() - t;
	if (err != HL_OK)
		return err;
	if (r->opts.json) {
		a = answer(r, &p, &st);
		cli_json_result(stdout, &a, &result);
	} else {
		cli_print(stdout, &result);
	}
	return HL_OK;
}

/* --save-snapshot: the sandbox right after init, to a file. */
static enum hl_err save(struct run *r, const struct sbx_config *cfg)
{
	struct cli_printed p;
	struct cli_stats st;
	struct cli_answer a;
	enum hl_err err = create_sandbox(r, cfg);

	if (err == HL_OK)
		err = sbx_save(r->sbx, &r->diag);
	if (err == HL_OK && r->opts.json) {
		a = answer(r, &p, &st);
		cli_json_saved(stdout, &a, r->opts.save_snapshot);
	}
	return err;
}

/* --batch: one sandbox answers every line of standard input; HostPrint's output is
 * captured per call into its answer, so that standard output stays JSON Lines. */
static enum hl_err batch(struct run *r, const struct sbx_config *cfg)
{
	struct cli_batch_opts bo = { .keep_state = r->opts.keep_state, .stats = r->opts.stats,
				     .limit = cfg->input_size, .captured = &r->captured,
				     .ncaptured = &r->ncaptured, .answered = &r->answered };
	uint64_t t;
	enum hl_err err = create_sandbox(r, cfg);

	if (err != HL_OK)
		return err;
	bo.capture = r->capture;
	bo.init_output = r->init_output;
	bo.ninit_output = r->ninit_output;
	t = sbx_now_ns();
	err = cli_batch_run(r->sbx, r->guest, stdin, stdout, &bo, &r->diag);
	r->call_ns = sbx_now_ns() - t;
	return err;
}

/* --list and --check. */
static void describe(struct run *r, const struct sbx_config *cfg)
{
	static const char *const kinds[] = { [TGT_ELF] = "elf", [TGT_SNAPSHOT] = "snapshot",
					     [TGT_MANIFEST] = "manifest" };
	const struct tgt_process *p = tgt_process(r->target);
	struct cli_check c = { .kind = kinds[tgt_kind(r->target)],
			       .from_snapshot = tgt_snapshot(r->target) != NULL, .cfg = cfg,
			       .guest = r->guest };

	if (p != NULL) {
		c.command = p->argv;
		c.process_timeout_ms = p->timeout_ms;
		c.max_reply = p->max_reply;
	}

	r->answered = r->opts.json;
	if (r->opts.list && r->opts.json)
		cli_json_list(stdout, r->guest);
	else if (r->opts.list)
		cli_list(stdout, r->guest);
	else if (r->opts.json)
		cli_json_check(stdout, &c);
	else
		printf("%s: ok\n", r->opts.guest);
}

static enum hl_err run(struct run *r, int argc, char **argv)
{
	const struct tgt_process *p;
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
	request(&r->opts, &req);
	/* Only a manifest, the user's policy, is read before hlrun confines itself: it may
	 * name a program to start, which a confined hlrun could not.  The guest, a
	 * snapshot and the arguments are read after. */
	err = tgt_open(&req, &r->target, &r->diag);
	if (err == HL_OK && (p = tgt_process(r->target)) != NULL && !r->opts.list &&
	    !r->opts.check)
		err = cli_bridge_start(p->argv, p->timeout_ms, p->max_reply, p->fns, &r->bridge,
				       &r->diag);
	if (err == HL_OK && !r->opts.no_seccomp)
		err = sbx_confine_process(&r->diag);
	if (err == HL_OK)
		err = tgt_finish(r->target, &req, &r->diag);
	r->t_elf = sbx_now_ns();
	if (err != HL_OK)
		return err;
	r->guest = tgt_guest(r->target);
	cfg = tgt_config(r->target);
	if (r->opts.list || r->opts.check)
		describe(r, cfg);
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

/* The failure: its one line on standard error, and with --json its answer, unless one
 * went out already (a batch's). */
static void report(struct run *r, enum hl_err err)
{
	static const char try_help[] = "; try 'hlrun --help'";
	struct cli_printed p;
	struct cli_stats st;
	struct cli_answer a;
	size_t n = strlen(r->diag.msg);

	if (err == HL_E_USAGE && !r->parsed) {
		n = n < sizeof r->diag.msg - sizeof try_help ? n :
							       sizeof r->diag.msg - sizeof try_help;
		memcpy(r->diag.msg + n, try_help, sizeof try_help);
	}
	/* A batch that failed before its first answer: its initialisation's output, which
	 * the first answer would have carried, goes where the guest's output goes. */
	if (!r->opts.json && !r->answered && r->ninit_output > 0) {
		FILE *to = tgt_config(r->target)->print_to;

		fwrite(r->init_output, 1, r->ninit_output, to);
		r->line_open = to == stderr && r->init_output[r->ninit_output - 1] != '\n';
	}
	print_error(r, r->diag.msg);
	if (r->opts.json && !r->answered) {
		a = answer(r, &p, &st);
		cli_json_error(stdout, &a, err, r->diag.msg);
	}
}

/* SIGINT and SIGTERM stop the guest as its time limit would (sbx_interrupt()), so that
 * hlrun still answers and says why; a second one, of either kind, ends hlrun at once. */
static void on_stop_signal(int signo)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	if (sbx_interrupted() == 0) {
		sbx_interrupt(signo);
		return;
	}
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	raise(signo);
}

/* Without SA_RESTART, so that a read that waits for input returns.  A signal ignored
 * when hlrun starts (a background job's SIGINT) stays ignored. */
static void catch_stop_signals(void)
{
	static const int signals[] = { SIGINT, SIGTERM };
	struct sigaction sa = { .sa_handler = on_stop_signal }, old;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
		if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(signals[i], &sa, NULL);
}

/* Ends hlrun by the signal that stopped it, as a shell expects of a command it
 * interrupted (so that a script's loop stops too); returns only if that fails. */
static void end_by_signal(int signo)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t set;

	sigaction(signo, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, signo);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(signo);
}

int main(int argc, char **argv)
{
	static struct run r;
	struct cli_stats st;
	enum hl_err err;
	int out_errno;

	catch_stop_signals();
	r.t_start = sbx_now_ns();
	err = run(&r, argc, argv);
	if (r.opts.stats && (!r.opts.json || r.opts.batch) && r.guest != NULL && !r.opts.list &&
	    !r.opts.check) {
		own_line(&r);
		get_stats(&r, &st);
		cli_print_stats(stderr, &st);
	}
	if (err != HL_OK)
		report(&r, err);
	sbx_destroy(r.sbx);
	cli_bridge_stop(r.bridge);
	tgt_free(r.target);
	cli_argmem_free(&r.argmem);
	if (r.capture != NULL)
		fclose(r.capture);
	if (r.guest_err != NULL)
		fclose(r.guest_err);
	free(r.captured);
	free(r.init_output);
	/* errno only when this flush fails: an earlier failure leaves just the error flag. */
	out_errno = fflush(stdout) != 0 ? errno : ferror(stdout) ? EIO : 0;
	if (out_errno != 0 && err == HL_OK) {
		err = hl_fail(&r.diag, HL_E_INTERNAL, "standard output: %s", strerror(out_errno));
		print_error(&r, r.diag.msg);
	}
	fclose(stdout);
	if (sbx_interrupted() != 0)
		end_by_signal(sbx_interrupted());
	return cli_exit_status(err);
}
