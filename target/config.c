/* The one merge: defaults, then a snapshot's fixed sizes, then the manifest, then the
 * command line; the result checked once, as the sandbox will have it. */
#include "target/target_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Appends name to the n names of list, unless it is there. */
static void add_once(const char **list, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i], name) == 0)
			return;
	list[(*n)++] = name;
}

/* Whether grant ("NAME" or "NAME=VALUE") is for variable name. */
static bool grants(const char *grant, const char *name)
{
	size_t len = strcspn(grant, "=");

	return len == strlen(name) && strncmp(grant, name, len) == 0;
}

/* The manifest's allow-list (or HostPrint alone without a manifest), then --allow's, then
 * what --env and --dir imply. */
static enum hl_err set_allowed(struct tgt *t, const struct tgt_request *req,
			       struct sbx_policy *p, struct hl_diag *d)
{
	static const char *const plain[] = { "HostPrint" };
	const struct mf_manifest *m = t->mf;
	const char *const *base = m ? (const char *const *)m->host_functions : plain;
	size_t nbase = m ? m->nhost_functions : 1, n = nbase;

	t->allowed = calloc(nbase + req->nallow + 3, sizeof *t->allowed);
	if (t->allowed == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < nbase; i++)
		t->allowed[i] = base[i];
	for (size_t i = 0; i < req->nallow; i++) {
		if (!sbx_host_function_exists(req->allow[i]))
			return hl_fail(d, HL_E_USAGE, "--allow %s: no such host function",
				       req->allow[i]);
		add_once(t->allowed, &n, req->allow[i]);
	}
	if (req->nenv > 0)
		add_once(t->allowed, &n, "GetEnv");
	if (req->ndirs > 0)
		add_once(t->allowed, &n, "ReadFile");
	p->allowed = t->allowed;
	p->nallowed = n;
	return HL_OK;
}

/* --env's variables, then the manifest's that --env does not name; the manifest's files,
 * then --dir's. */
static enum hl_err set_grants(struct tgt *t, const struct tgt_request *req,
			      struct sbx_policy *p, struct hl_diag *d)
{
	const struct mf_manifest none = { 0 }, *m = t->mf ? t->mf : &none;
	size_t n = 0;

	t->env = calloc(req->nenv + m->nenv + 1, sizeof *t->env);
	t->files = calloc(m->nfiles + req->ndirs + 1, sizeof *t->files);
	if (t->env == NULL || t->files == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < req->nenv; i++)
		t->env[n++] = req->env[i];
	for (size_t i = 0, j; i < m->nenv; i++) {
		for (j = 0; j < req->nenv && !grants(req->env[j], m->env[i]); j++)
			;
		if (j == req->nenv)
			t->env[n++] = m->env[i];
	}
	p->env = t->env;
	p->nenv = n;
	for (n = 0; n < m->nfiles; n++)
		t->files[n] = m->files[n];
	for (size_t i = 0; i < req->ndirs; i++)
		t->files[n++] = req->dirs[i];
	p->files = t->files;
	p->nfiles = n;
	if (m->max_output != 0)
		p->max_output = m->max_output;
	return HL_OK;
}

/* The manifest's maps, each replaced in place by the command line's of the same name,
 * then the command line's others; each file must be a regular file (--check says so
 * without booting). */
static enum hl_err set_maps(struct tgt *t, const struct tgt_request *req,
			    struct sbx_config *cfg, struct hl_diag *d)
{
	const struct mf_manifest none = { 0 }, *m = t->mf ? t->mf : &none;
	struct sbx_map cli[HL_MAX_MAPS];
	size_t n = 0;

	if (req->nmaps > HL_MAX_MAPS)
		return hl_fail(d, HL_E_USAGE, "more than %d --map options", HL_MAX_MAPS);
	for (size_t i = 0; i < req->nmaps; i++)
		if (!sbx_map_split(req->maps[i], &cli[i]))
			return hl_fail(d, HL_E_USAGE, "option --map %s: not NAME=PATH",
				       req->maps[i]);
	for (size_t i = 0; i < m->nmaps; i++) {
		ptrdiff_t j = sbx_map_find(cli, req->nmaps, m->maps[i].name);

		t->maps[n++] = j >= 0 ? cli[j] : m->maps[i];
	}
	for (size_t i = 0; i < req->nmaps; i++) {
		if (sbx_map_find(m->maps, m->nmaps, cli[i].name) >= 0)
			continue;
		if (n == HL_MAX_MAPS)
			return hl_fail(d, HL_E_USAGE, "more than %d files to map (the manifest's "
				       "and --map's)", HL_MAX_MAPS);
		t->maps[n++] = cli[i];
	}
	cfg->maps = t->maps;
	cfg->nmaps = n;
	for (size_t i = 0; i < n; i++) {
		enum hl_err err = sbx_map_check_file(&t->maps[i], d);

		if (err != HL_OK)
			return err;
	}
	return HL_OK;
}

/* The file name of the guest ELF at path (NULL: none), which a core file carries. */
static const char *core_name(const char *path)
{
	const char *slash = path != NULL ? strrchr(path, '/') : NULL;

	return slash != NULL ? slash + 1 : path;
}

/* A setting from the manifest, then from the command line; 0 in either is "not set". */
static void merge(uint64_t *dst, uint64_t from_manifest, uint64_t from_cli)
{
	if (from_manifest != 0)
		*dst = from_manifest;
	if (from_cli != 0)
		*dst = from_cli;
}

/* Checks cfg as the sandbox will: a snapshot's with the host functions it was saved
 * with.  Errors other than the options' own name the file. */
static enum hl_err check(const struct tgt *t, const struct tgt_request *req,
			 struct hl_diag *d)
{
	enum hl_err err = t->snap != NULL ? sbx_snapshot_check(t->snap, &t->cfg, d) :
					    sbx_config_check(&t->cfg, d);

	if (err != HL_OK && err != HL_E_USAGE)
		hl_prefix(d, "%s", req->path);
	return err;
}

enum hl_err tgt_configure(struct tgt *t, const struct tgt_request *req, struct hl_diag *d)
{
	const struct mf_manifest none = { 0 };
	const struct mf_manifest *m = t->mf ? t->mf : &none;
	struct sbx_config *cfg = &t->cfg;
	enum hl_err err;

	sbx_config_default(cfg);
	cfg->seccomp = !req->no_seccomp;
	cfg->restore = req->batch || req->save_path != NULL;
	cfg->save_path = req->save_path;
	if (t->snap != NULL) {
		if (req->heap || req->stack || req->input_size || req->output_size)
			return hl_fail(d, HL_E_USAGE, "%s: a snapshot's memory sizes are fixed "
				       "when it is saved (--heap, --stack, --input-size and "
				       "--output-size do not apply)", req->path);
		sbx_snapshot_sizes(t->snap, cfg);
	}
	merge(&cfg->heap_size, m->heap, req->heap);
	merge(&cfg->stack_size, m->stack, req->stack);
	merge(&cfg->input_size, m->input, req->input_size);
	merge(&cfg->output_size, m->output, req->output_size);
	merge(&cfg->timeout_ms, m->timeout_ms, req->timeout_ms);
	cfg->print_to = (req->print_to ? req->print_to : m->print_to) == TGT_STREAM_STDOUT ?
			stdout : stderr;
	cfg->core_path = req->core_path != NULL ? req->core_path : m->core;
	cfg->core_name = core_name(t->mf != NULL ? t->mf->guest :
				   t->kind == TGT_ELF ? req->path : NULL);
	/* A core file is never written over another file: say so before anything runs. */
	if (cfg->core_path != NULL && access(cfg->core_path, F_OK) == 0)
		return hl_fail(d, HL_E_USAGE, "%s: a file of that name exists; hlrun writes a "
			       "core file only as a new file", cfg->core_path);
	cfg->externs.fns = m->functions;
	cfg->externs.nfns = m->nfunctions;
	err = set_maps(t, req, cfg, d);
	if (err == HL_OK)
		err = set_allowed(t, req, &cfg->policy, d);
	if (err == HL_OK)
		err = set_grants(t, req, &cfg->policy, d);
	/* The cache serves only the guest and settings it was saved with, and only when
	 * this user's hlrun made it; otherwise the guest boots from its (pinned) ELF. */
	if (err == HL_OK && t->cache != NULL && req->save_path == NULL &&
	    sbx_snapshot_fits(t->cache, t->guest, cfg, &t->cache_ignored)) {
		t->snap = t->cache;
		t->cache = NULL;
	}
	if (err == HL_OK)
		err = check(t, req, d);
	t->configured = err == HL_OK;
	return err;
}
