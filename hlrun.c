/* hlrun: run one function of an untrusted guest ELF in a KVM micro-VM and print its typed
 * result.  parse -> load -> boot -> call -> print -> exit status; the only place that
 * prints the final error and decides the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/sha256.h"
#include "core/core.h"
#include "core/manifest.h"
#include "loader/loader.h"

#define HLRUN_VERSION "0.2.0"

struct run {
	struct cli_opts opts;
	struct mf_manifest *mf;      /* NULL when GUEST is an ELF file or a snapshot */
	const char **allowed;        /* host functions allowed: manifest's, then --allow's */
	struct ldr_guest *elf;       /* the guest ELF, unless started from a snapshot */
	struct sbx_snapshot *snap;   /* the snapshot file, if that is the target */
	struct sbx_snapshot *cache;  /* the manifest's snapshot beside its guest, if valid */
	const char *cache_ignored;   /* why that cache does not serve, for --stats */
	const struct ldr_guest *guest; /* elf or the snapshot's guest */
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
	if (r->cache_ignored != NULL)
		fprintf(stderr, "hlrun: stats: snapshot cache not used: %s\n", r->cache_ignored);
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

enum target_kind { TARGET_ELF, TARGET_SNAPSHOT, TARGET_MANIFEST };

/* A guest ELF starts with the ELF magic, a snapshot with its own; anything else is taken
 * for a manifest. */
static enum target_kind target_kind(const char *path)
{
	unsigned char magic[SBX_SNAPSHOT_MAGIC_SIZE];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	enum target_kind kind = TARGET_ELF; /* unreadable: let the loader say why */
	ssize_t n;

	if (fd >= 0) {
		n = read(fd, magic, sizeof magic);
		if (n == (ssize_t)sizeof magic &&
		    memcmp(magic, SBX_SNAPSHOT_MAGIC, SBX_SNAPSHOT_MAGIC_SIZE) == 0)
			kind = TARGET_SNAPSHOT;
		else if (n < 4 || memcmp(magic, "\177ELF", 4) != 0)
			kind = TARGET_MANIFEST;
		close(fd);
	}
	return kind;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* Refuses what the manifest pins when its SHA-256 differs: the guest ELF file, or when
 * the manifest names a snapshot alone, the whole snapshot file, memory image included,
 * since that is what runs. */
static enum hl_err check_hash(struct run *r)
{
	const struct mf_manifest *m = r->mf;
	bool in_snapshot = m->guest == NULL;
	uint8_t sum[32];
	char got[65], want[65];
	size_t len;

	if (!m->has_sha256)
		return HL_OK;
	if (in_snapshot) {
		sbx_snapshot_sha256(r->snap, sum);
	} else {
		const uint8_t *bytes = ldr_bytes(r->guest, &len);

		hl_sha256(bytes, len, sum);
	}
	if (memcmp(sum, m->sha256, sizeof sum) == 0)
		return HL_OK;
	hex(sum, sizeof sum, got);
	hex(m->sha256, sizeof sum, want);
	return hl_fail(&r->diag, HL_E_INVALID, "%s:%d:%d: %s has SHA-256 %s, the manifest "
		       "requires %s", m->path, in_snapshot ? m->snapshot_line : m->guest_line,
		       in_snapshot ? m->snapshot_col : m->guest_col,
		       in_snapshot ? m->snapshot : m->guest, got, want);
}

/* The manifest names a snapshot and no guest: the snapshot is the guest. */
static enum hl_err open_manifest_snapshot(struct run *r)
{
	const struct mf_manifest *m = r->mf;
	enum hl_err err = sbx_snapshot_open(m->snapshot, &r->snap, &r->diag);

	if (err != HL_OK)
		return hl_prefix(&r->diag, "%s:%d:%d: snapshot", m->path, m->snapshot_line,
				 m->snapshot_col);
	r->guest = sbx_snapshot_guest(r->snap);
	return check_hash(r);
}

/* Loads the guest: an ELF, a snapshot, or through the manifest that names it. */
static enum hl_err open_target(struct run *r)
{
	enum target_kind kind = r->opts.manifest ? TARGET_MANIFEST : target_kind(r->opts.guest);
	enum hl_err err;

	if (kind == TARGET_ELF) {
		err = ldr_open(r->opts.guest, &r->elf, &r->diag);
		r->guest = r->elf;
		return err;
	}
	if (kind == TARGET_SNAPSHOT) {
		err = sbx_snapshot_open(r->opts.guest, &r->snap, &r->diag);
		r->guest = err == HL_OK ? sbx_snapshot_guest(r->snap) : NULL;
		return err;
	}
	err = mf_load(r->opts.guest, &r->mf, &r->diag);
	if (err == HL_E_INVALID && !r->opts.manifest &&
	    (strstr(r->diag.msg, "top level must be a mapping") != NULL ||
	     strstr(r->diag.msg, "malformed YAML") != NULL)) {
		size_t n = strlen(r->diag.msg);

		/* A file that is neither: say why it was read as YAML at all. */
		snprintf(r->diag.msg + n, sizeof r->diag.msg - n, " (not an ELF guest, so read "
			 "as a manifest)");
	}
	if (err != HL_OK)
		return err;
	if (r->mf->guest == NULL)
		return open_manifest_snapshot(r);
	err = ldr_open(r->mf->guest, &r->elf, &r->diag);
	r->guest = r->elf;
	if (err != HL_OK)
		return hl_prefix(&r->diag, "%s:%d:%d: guest", r->mf->path, r->mf->guest_line,
				 r->mf->guest_col);
	err = check_hash(r);
	/* A snapshot beside the guest is a cache: missing or broken, the guest boots. */
	if (err == HL_OK && r->mf->snapshot != NULL) {
		struct hl_diag ignored = { 0 };

		if (sbx_snapshot_open(r->mf->snapshot, &r->cache, &ignored) != HL_OK)
			r->cache = NULL;
	}
	return err;
}

/* The manifest's allow-list (or HostPrint alone without a manifest), then --allow's. */
static enum hl_err set_policy(struct run *r, struct sbx_policy *p)
{
	static const char *const plain[] = { "HostPrint" };
	const char *const *base = r->mf ? (const char *const *)r->mf->host_functions : plain;
	size_t nbase = r->mf ? r->mf->nhost_functions : 1;

	r->allowed = calloc(nbase + (size_t)r->opts.nallow + 1, sizeof *r->allowed);
	if (r->allowed == NULL)
		return hl_fail(&r->diag, HL_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < nbase; i++)
		r->allowed[i] = base[i];
	for (int i = 0; i < r->opts.nallow; i++) {
		if (!sbx_host_function_exists(r->opts.allow[i]))
			return hl_fail(&r->diag, HL_E_USAGE, "--allow %s: no such host function",
				       r->opts.allow[i]);
		r->allowed[nbase + (size_t)i] = r->opts.allow[i];
	}
	p->allowed = r->allowed;
	p->nallowed = nbase + (size_t)r->opts.nallow;
	if (r->mf != NULL) {
		p->env = (const char *const *)r->mf->env;
		p->nenv = r->mf->nenv;
		p->files = (const char *const *)r->mf->files;
		p->nfiles = r->mf->nfiles;
		if (r->mf->max_output != 0)
			p->max_output = r->mf->max_output;
	}
	return HL_OK;
}

static void set_size(uint64_t *dst, uint64_t from_manifest, uint64_t from_cli)
{
	if (from_manifest != 0)
		*dst = from_manifest;
	if (from_cli != 0)
		*dst = from_cli;
}

/* Defaults, then the manifest, then the command line; a snapshot's sizes are its own. */
static enum hl_err configure(struct run *r, struct sbx_config *cfg)
{
	const struct mf_manifest none = { 0 };
	const struct mf_manifest *m = r->mf ? r->mf : &none;
	const struct cli_opts *o = &r->opts;
	enum hl_err err;

	sbx_config_default(cfg);
	cfg->seccomp = !o->no_seccomp;
	cfg->restore = o->batch || o->save_snapshot != NULL;
	cfg->save_path = o->save_snapshot;
	if (r->snap != NULL) {
		if (o->heap || o->stack || o->input_size || o->output_size)
			return hl_fail(&r->diag, HL_E_USAGE, "%s: a snapshot's memory sizes are "
				       "fixed when it is saved (--heap, --stack, --input-size and "
				       "--output-size do not apply)", o->guest);
		sbx_snapshot_sizes(r->snap, cfg);
	}
	set_size(&cfg->heap_size, m->heap, r->opts.heap);
	set_size(&cfg->stack_size, m->stack, r->opts.stack);
	set_size(&cfg->input_size, m->input, r->opts.input_size);
	set_size(&cfg->output_size, m->output, r->opts.output_size);
	set_size(&cfg->timeout_ms, m->timeout_ms, r->opts.timeout_ms);
	err = set_policy(r, &cfg->policy);
	/* The cache serves only the guest and settings it was saved with, and only when
	 * this user's hlrun made it; otherwise the guest boots from its (pinned) ELF. */
	if (err == HL_OK && r->cache != NULL && !o->save_snapshot &&
	    sbx_snapshot_fits(r->cache, r->guest, cfg, &r->cache_ignored)) {
		r->snap = r->cache;
		r->cache = NULL;
	}
	return err;
}

static enum hl_err create_sandbox(struct run *r, const struct sbx_config *cfg)
{
	if (r->snap != NULL)
		return sbx_create_from(r->snap, cfg, &r->sbx, &r->stats, &r->diag);
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
	struct sbx_config cfg;
	enum hl_err err = cli_parse(argc, argv, &r->opts, &r->diag);

	if (err != HL_OK)
		return err;
	if (r->opts.help) {
		cli_help(stdout);
		return HL_OK;
	}
	if (r->opts.version) {
		print_version(r);
		return HL_OK;
	}
	err = open_target(r);
	r->t_elf = sbx_now_ns();
	if (err != HL_OK)
		return err;
	if (r->opts.list) {
		cli_list(stdout, r->guest);
		return HL_OK;
	}
	err = configure(r, &cfg);
	if (err != HL_OK)
		return err;
	if (r->opts.check) {
		err = r->snap != NULL ? sbx_snapshot_check(r->snap, &cfg, &r->diag) :
					sbx_config_check(&cfg, &r->diag);
		if (err == HL_OK)
			printf("%s: ok\n", r->opts.guest);
		else if (err != HL_E_USAGE)
			hl_prefix(&r->diag, "%s", r->opts.guest);
		return err;
	}
	if (r->opts.save_snapshot != NULL)
		err = save(r, &cfg);
	else if (r->opts.batch)
		err = batch(r, &cfg);
	else
		err = call(r, &cfg);
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
	ldr_close(r.elf);
	sbx_snapshot_close(r.snap);
	sbx_snapshot_close(r.cache);
	mf_free(r.mf);
	free(r.allowed);
	cli_argmem_free(&r.argmem);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (err == HL_OK)
			err = hl_fail(&r.diag, HL_E_INTERNAL, "standard output: %s",
				      strerror(errno));
	}
	if (err != HL_OK) {
		print_error(r.diag.msg);
		if (err == HL_E_USAGE && r.guest == NULL)
			cli_usage(stderr);
	}
	fclose(stdout);
	return cli_exit_status(err);
}
