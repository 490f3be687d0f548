/* Snapshots of a sandbox: saving one after init, and starting a sandbox from a snapshot
 * file, read once into a sealed copy whose memory image is mapped copy-on-write into
 * guest memory. */
#include "core/core_internal.h"
#include "core/snapshot_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct sbx_snapshot {
	int fd;             /* a sealed copy of the file (memfd): what is checked is what runs */
	const uint8_t *map; /* all of it, read-only */
	size_t len;
	struct snap_file *f;
};

/* Reads the len bytes of fd into a new memfd (*out), sealed against every change: a
 * file that is truncated or rewritten while hlrun runs from it changes nothing, and no
 * page of it is read after the checks. */
static enum hl_err sealed_copy(int fd, size_t len, const char *path, int *out,
			       struct hl_diag *d)
{
	int mfd = memfd_create("hlrun-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	uint8_t *w = MAP_FAILED;
	enum hl_err err;
	size_t got = 0;

	if (mfd < 0 || ftruncate(mfd, (off_t)len) != 0 ||
	    (w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0)) == MAP_FAILED) {
		err = hl_fail(d, HL_E_INTERNAL, "%s: cannot copy it into memory: %s", path,
			      strerror(errno));
		goto fail;
	}
	while (got < len) {
		ssize_t r = pread(fd, w + got, len - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = hl_fail(d, HL_E_INVALID, "%s: %s while it was read", path,
				      r < 0 ? strerror(errno) : "truncated");
			goto fail;
		}
		got += (size_t)r;
	}
	munmap(w, len);
	w = MAP_FAILED;
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		  F_SEAL_SEAL) != 0) {
		err = hl_fail(d, HL_E_INTERNAL, "%s: cannot seal its copy: %s", path,
			      strerror(errno));
		goto fail;
	}
	*out = mfd;
	return HL_OK;
fail:
	if (w != MAP_FAILED)
		munmap(w, len);
	if (mfd >= 0)
		close(mfd);
	return err;
}

enum hl_err sbx_snapshot_open(const char *path, struct sbx_snapshot **out, struct hl_diag *d)
{
	struct sbx_snapshot *snap = calloc(1, sizeof *snap);
	struct stat st;
	enum hl_err err = HL_OK;
	void *map;
	int fd;

	*out = NULL;
	if (snap == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	snap->fd = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0)
		err = hl_fail(d, HL_E_INVALID, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode) || st.st_size == 0)
		err = hl_fail(d, HL_E_INVALID, "%s: not a snapshot file (%s)", path,
			      S_ISREG(st.st_mode) ? "empty" : "not a regular file");
	if (err == HL_OK) {
		snap->len = (size_t)st.st_size;
		err = sealed_copy(fd, snap->len, path, &snap->fd, d);
	}
	if (fd >= 0)
		close(fd);
	if (err == HL_OK) {
		map = mmap(NULL, snap->len, PROT_READ, MAP_SHARED, snap->fd, 0);
		if (map == MAP_FAILED)
			err = hl_fail(d, HL_E_INTERNAL, "%s: cannot map it: %s", path,
				      strerror(errno));
		else
			snap->map = map;
	}
	if (err == HL_OK)
		err = snap_parse(snap->map, snap->len, path, &snap->f, d);
	if (err != HL_OK) {
		sbx_snapshot_close(snap);
		return err;
	}
	*out = snap;
	return HL_OK;
}

void sbx_snapshot_close(struct sbx_snapshot *snap)
{
	if (snap == NULL)
		return;
	snap_free(snap->f);
	if (snap->map != NULL)
		munmap((void *)(uintptr_t)snap->map, snap->len);
	if (snap->fd >= 0)
		close(snap->fd);
	free(snap);
}

const struct ldr_guest *sbx_snapshot_guest(const struct sbx_snapshot *snap)
{
	return snap->f->guest;
}

void sbx_snapshot_sizes(const struct sbx_snapshot *snap, struct sbx_config *cfg)
{
	cfg->heap_size = snap->f->h.heap_size;
	cfg->stack_size = snap->f->h.stack_size;
	cfg->input_size = snap->f->h.input_size;
	cfg->output_size = snap->f->h.output_size;
}

/* Whether a host process's function that the snapshot records, by its signature, is
 * declared in x with that same signature; if not, *why says so. */
static enum hl_err check_declared(const char *sig, const struct sbx_extern *x,
				  struct hl_diag *d)
{
	char mine[SBX_SIGNATURE_MAX];
	struct hl_export e;
	ptrdiff_t i = sbx_extern_parse(sig, &e) ? sbx_extern_find(x, e.name) : -1;

	if (i < 0)
		return hl_fail(d, HL_E_INVALID, "the snapshot was saved with host process "
			       "function %s, which no host_process in force declares", sig);
	sbx_extern_signature(&x->fns[i], mine, sizeof mine);
	if (strcmp(mine, sig) != 0)
		return hl_fail(d, HL_E_INVALID, "the snapshot was saved with host process "
			       "function %s, which the host_process in force declares as %s",
			       sig, mine);
	return HL_OK;
}

/* The snapshot's guest may have been promised host functions at its init: the policy in
 * force must allow each of hlrun's, and the host process declare each of its own with
 * the same types. */
static enum hl_err check_names(const struct snap_file *f, const struct sbx_config *c,
			       struct hl_diag *d)
{
	const struct sbx_policy *p = &c->policy;

	for (size_t i = 0; i < f->nnames; i++) {
		size_t j = 0;

		if (strchr(f->names[i], '(') != NULL) {
			if (check_declared(f->names[i], &c->externs, d) != HL_OK)
				return HL_E_INVALID;
			continue;
		}
		while (j < p->nallowed && strcmp(p->allowed[j], f->names[i]) != 0)
			j++;
		if (j == p->nallowed)
			return hl_fail(d, HL_E_INVALID, "the snapshot was saved with host function "
				       "%s allowed, which the manifest or --allow in force does not "
				       "allow", f->names[i]);
	}
	return HL_OK;
}

/* The allowed host functions, each once (a manifest and --allow may both name one), in
 * hlrun's table order. */
static size_t allowed_names(const struct sbx_policy *p, const char **names, size_t max)
{
	size_t n = 0;
	const char *name;

	for (size_t i = 0; (name = sbx_host_function_name(i)) != NULL && n < max; i++)
		for (size_t j = 0; j < p->nallowed; j++)
			if (strcmp(p->allowed[j], name) == 0) {
				names[n++] = name;
				break;
			}
	return n;
}

/* Feeds the strings of list to c, each with its NUL, after their count. */
static void digest_list(struct hl_sha256 *c, const char *const *list, size_t n)
{
	uint64_t count = n;

	hl_sha256_update(c, &count, sizeof count);
	for (size_t i = 0; i < n; i++)
		hl_sha256_update(c, list[i], strlen(list[i]) + 1);
}

/* The SHA-256 of everything a snapshot's contents may depend on beside the guest: the
 * memory sizes, the limits, and what the guest could reach during its initialisation
 * (the host process's functions included, not its command: it is the user's program).
 * Lists count in the order given: a cache saved with another order is only rebuilt. */
static void policy_digest(const struct sbx_config *c, uint8_t out[HL_SHA256_SIZE])
{
	static const char tag[] = "hlrun policy 1";
	const char *names[SNAP_MAX_NAMES];
	const uint64_t values[] = { c->heap_size, c->stack_size, c->input_size, c->output_size,
				    c->timeout_ms, c->policy.max_output };
	struct hl_sha256 h;

	hl_sha256_init(&h);
	hl_sha256_update(&h, tag, sizeof tag);
	hl_sha256_update(&h, values, sizeof values);
	digest_list(&h, names, allowed_names(&c->policy, names, SNAP_MAX_NAMES));
	digest_list(&h, c->policy.env, c->policy.nenv);
	digest_list(&h, c->policy.files, c->policy.nfiles);
	/* The host process's functions, only when there are some: caches saved before
	 * there could be stay valid. */
	for (size_t i = 0; i < c->externs.nfns; i++) {
		const struct hl_export *e = &c->externs.fns[i];

		hl_sha256_update(&h, e->name, sizeof e->name);
		hl_sha256_update(&h, &e->ret, sizeof e->ret);
		hl_sha256_update(&h, &e->nparams, sizeof e->nparams);
		hl_sha256_update(&h, e->params, sizeof e->params);
	}
	hl_sha256_final(&h, out);
}

bool sbx_snapshot_fits(const struct sbx_snapshot *snap, const struct ldr_guest *g,
		       const struct sbx_config *cfg, const char **why)
{
	const struct snap_header *h = &snap->f->h;
	size_t n, m;
	const uint8_t *a = ldr_bytes(g, &n), *b = ldr_bytes(snap->f->guest, &m);
	uint8_t digest[HL_SHA256_SIZE], key[SNAP_KEY_SIZE], mac[HL_SHA256_SIZE];
	bool found;

	*why = NULL;
	if (n != m || memcmp(a, b, n) != 0)
		*why = "it holds another guest";
	else if (h->heap_size != cfg->heap_size || h->stack_size != cfg->stack_size ||
		 h->input_size != cfg->input_size || h->output_size != cfg->output_size)
		*why = "it has other memory sizes";
	if (*why != NULL)
		return false;
	policy_digest(cfg, digest);
	if (memcmp(digest, h->policy_sha256, sizeof digest) != 0) {
		*why = "it was saved under another policy";
		return false;
	}
	if (snap_key(false, key, &found, NULL) != HL_OK || !found) {
		*why = "there is no snapshot key to check it with";
		return false;
	}
	snap_mac(snap->map, snap->len, key, mac);
	if (memcmp(mac, h->mac, sizeof mac) != 0) {
		*why = "its MAC does not verify: another user or key made it, or it was changed";
		return false;
	}
	return true;
}

void sbx_snapshot_sha256(const struct sbx_snapshot *snap, uint8_t out[HL_SHA256_SIZE])
{
	hl_sha256(snap->map, snap->len, out);
}

/* Builds a mem_size view of the snapshot: zero everywhere, the file's extents mapped
 * over it copy-on-write.  Pages are read from the file only when touched. */
static enum hl_err map_image(const struct sbx_snapshot *snap, int prot, uint8_t **out,
			     struct hl_diag *d)
{
	const struct snap_file *f = snap->f;
	uint8_t *mem;
	enum hl_err err = sbx_map_zero(f->h.mem_size, prot, &mem, d);

	*out = NULL;
	if (err != HL_OK)
		return err;
	for (uint64_t i = 0; i < f->h.nextents; i++) {
		const struct snap_extent *e = &f->extents[i];

		if (mmap(mem + e->gpa, e->pages * HL_PAGE_SIZE, prot, MAP_PRIVATE | MAP_FIXED,
			 snap->fd, (off_t)e->offset) == MAP_FAILED) {
			munmap(mem, f->h.mem_size);
			return hl_fail(d, HL_E_INTERNAL, "cannot map the snapshot's memory: %s",
				       strerror(errno));
		}
	}
	*out = mem;
	return HL_OK;
}

/* The baseline of a sandbox started from a snapshot is the file itself. */
static enum hl_err file_baseline(struct sbx *s, const struct sbx_snapshot *snap,
				 struct hl_diag *d)
{
	const struct snap_file *f = snap->f;
	enum hl_err err = sbx_track_init(s, d);

	if (err == HL_OK)
		s->saved = calloc(s->nwords, sizeof *s->saved);
	if (err == HL_OK && s->saved == NULL)
		err = hl_fail(d, HL_E_INTERNAL, "out of memory");
	if (err == HL_OK)
		err = map_image(snap, PROT_READ, &s->base, d);
	for (uint64_t i = 0; err == HL_OK && i < f->h.nextents; i++)
		for (uint64_t p = 0; p < f->extents[i].pages; p++) {
			uint64_t page = f->extents[i].gpa / HL_PAGE_SIZE + p;

			s->saved[page / 64] |= 1ull << (page % 64);
		}
	return err;
}

enum hl_err sbx_snapshot_map(struct sbx *s, const struct sbx_snapshot *snap,
			     struct hl_diag *d)
{
	enum hl_err err = map_image(snap, PROT_READ | PROT_WRITE, &s->mem, d);

	if (err == HL_OK && s->cfg.restore)
		err = file_baseline(s, snap, d);
	return err;
}

enum hl_err sbx_snapshot_resume(struct sbx *s, const struct sbx_snapshot *snap,
				struct hl_diag *d)
{
	memcpy(s->base_state.bytes, snap->f->vcpu, sizeof s->base_state.bytes);
	s->dispatch = snap->f->h.dispatch;
	return hv_set_state(s->vm, &s->base_state, d);
}

enum hl_err sbx_snapshot_check(const struct sbx_snapshot *snap, const struct sbx_config *cfg,
			       struct hl_diag *d)
{
	struct sbx_config c = *cfg;
	enum hl_err err;

	sbx_snapshot_sizes(snap, &c);
	err = sbx_config_check(&c, d);
	return err != HL_OK ? err : check_names(snap->f, &c, d);
}

enum hl_err sbx_create_from(const struct sbx_snapshot *snap, const struct sbx_config *cfg,
			    struct sbx **out, struct sbx_stats *stats, struct hl_diag *d)
{
	struct sbx_config c = *cfg;
	enum hl_err err = sbx_snapshot_check(snap, cfg, d);

	*out = NULL;
	sbx_snapshot_sizes(snap, &c);
	return err != HL_OK ? err : sbx_new(snap->f->guest, snap, &c, out, stats, d);
}

/* The runs of consecutive pages set in s->saved. */
static enum hl_err saved_runs(const struct sbx *s, struct snap_extent **runs, size_t *n,
			      struct hl_diag *d)
{
	uint64_t pages = s->layout.mem_size / HL_PAGE_SIZE;
	size_t cap = 64;

	*n = 0;
	*runs = malloc(cap * sizeof **runs);
	for (uint64_t p = 0; *runs != NULL && p < pages; p++) {
		struct snap_extent *grown;

		if (!(s->saved[p / 64] >> (p % 64) & 1))
			continue;
		if (*n > 0 && (*runs)[*n - 1].gpa / HL_PAGE_SIZE + (*runs)[*n - 1].pages == p) {
			(*runs)[*n - 1].pages++;
			continue;
		}
		if (*n == cap) {
			cap *= 2;
			grown = realloc(*runs, cap * sizeof **runs);
			if (grown == NULL) {
				free(*runs);
				*runs = NULL;
				break;
			}
			*runs = grown;
		}
		(*runs)[(*n)++] = (struct snap_extent){ .gpa = p * HL_PAGE_SIZE, .pages = 1 };
	}
	return *runs != NULL ? HL_OK : hl_fail(d, HL_E_INTERNAL, "out of memory");
}

enum hl_err sbx_save_prepare(struct sbx *s, struct hl_diag *d)
{
	bool found;
	enum hl_err err = snap_out_open(s->cfg.save_path, "snapshot", false, &s->save_out,
					d);

	if (err == HL_OK)
		err = snap_key(true, s->key, &found, d);
	s->have_key = err == HL_OK && found;
	return err;
}

void sbx_save_close(struct sbx *s)
{
	snap_out_close(s->save_out);
	s->save_out = NULL;
}

/* What the snapshot records: hlrun's host functions allowed, by name, then the host
 * process's, by signature (written into sigs). */
static size_t recorded_names(const struct sbx_config *c, const char **names,
			     char (*sigs)[SBX_SIGNATURE_MAX])
{
	size_t n = allowed_names(&c->policy, names, SNAP_MAX_NAMES - SBX_MAX_EXTERNS);

	for (size_t i = 0; i < c->externs.nfns && i < SBX_MAX_EXTERNS; i++) {
		sbx_extern_signature(&c->externs.fns[i], sigs[i], sizeof sigs[i]);
		names[n++] = sigs[i];
	}
	return n;
}

enum hl_err sbx_save(const struct sbx *s, struct hl_diag *d)
{
	char sigs[SBX_MAX_EXTERNS][SBX_SIGNATURE_MAX];
	const char *names[SNAP_MAX_NAMES];
	struct snap_source src = {
		.names = names,
		.nnames = recorded_names(&s->cfg, names, sigs),
		.vcpu = s->base_state.bytes,
		.vcpu_size = sizeof s->base_state.bytes,
		.heap_size = s->cfg.heap_size,
		.stack_size = s->cfg.stack_size,
		.input_size = s->cfg.input_size,
		.output_size = s->cfg.output_size,
		.mem_size = s->layout.mem_size,
		.dispatch = s->dispatch,
		.mem = s->base,
	};
	struct snap_extent *runs;
	enum hl_err err;

	if (s->base == NULL || s->save_out == NULL)
		return hl_fail(d, HL_E_INTERNAL, "sandbox was created without restore or a "
			       "snapshot file");
	src.elf = ldr_bytes(s->guest, &src.elf_size);
	src.key = s->have_key ? s->key : NULL;
	policy_digest(&s->cfg, src.policy_sha256);
	err = saved_runs(s, &runs, &src.nruns, d);
	if (err != HL_OK)
		return err;
	src.nruns = snap_coalesce(runs, src.nruns, SNAP_MAX_EXTENTS);
	src.runs = runs;
	err = snap_write(s->save_out, &src, d);
	free(runs);
	return err;
}
