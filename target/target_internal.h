/* State shared by the files of the target layer. */
#ifndef TARGET_TARGET_INTERNAL_H
#define TARGET_TARGET_INTERNAL_H

#include "target/manifest.h"
#include "target/target.h"

struct tgt {
	enum tgt_kind kind;
	struct mf_manifest *mf;       /* NULL unless a manifest was named */
	struct ldr_guest *elf;        /* the guest ELF, unless a snapshot is the guest */
	struct sbx_snapshot *snap;    /* the snapshot to start from, or NULL */
	struct sbx_snapshot *cache;   /* a manifest's snapshot beside its guest, unused */
	const char *cache_ignored;    /* why the cache does not serve */
	const struct ldr_guest *guest; /* elf, or the snapshot's guest */
	const char **allowed;         /* the host functions of cfg.policy */
	const char **env;             /* cfg.policy's variables */
	const char **files;           /* cfg.policy's files */
	struct sbx_map maps[HL_MAX_MAPS]; /* cfg's maps */
	struct sbx_config cfg;
	bool configured;
	struct tgt_process process;   /* the manifest's host process; argv NULL: none */
};

/* Merges the defaults, the snapshot's sizes, the manifest and req's options into t->cfg,
 * checks it, and picks the cache when it fits.  Errors: as tgt_resolve(). */
enum hl_err tgt_configure(struct tgt *t, const struct tgt_request *req, struct hl_diag *d);

#endif
