/* What a run runs: the file named on the command line (a guest ELF, a snapshot, or a
 * manifest naming either) resolved with the command line's options into the guest and
 * one complete, checked sandbox configuration.  The only module that tells the three
 * formats apart, and the only place where options, manifest and snapshot are merged. */
#ifndef TARGET_TARGET_H
#define TARGET_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "core/core.h"
#include "loader/loader.h"

/* A manifest's host_process: the defaults and bounds of each call's timeout and of a
 * reply line. */
#define TGT_DEFAULT_PROCESS_TIMEOUT_MS 10000
#define TGT_DEFAULT_MAX_REPLY (8ull << 20)
#define TGT_MAX_REPLY (1ull << 30)

/* What the file named turned out to be. */
enum tgt_kind {
	TGT_ELF,      /* a guest ELF: the defaults, then the options */
	TGT_SNAPSHOT, /* a snapshot file: its sizes, then the options that may change */
	TGT_MANIFEST, /* a manifest naming a guest ELF (and maybe a snapshot as its cache),
		       * or a snapshot alone */
};

/* Where the guest's HostPrint writes. */
enum tgt_stream { TGT_STREAM_UNSET, TGT_STREAM_STDERR, TGT_STREAM_STDOUT };

/* The command line's choices; 0, NULL and false mean "not given". */
struct tgt_request {
	const char *path;         /* the file to run */
	bool manifest;            /* read path as a manifest, whatever its first bytes */
	bool guest_only;          /* find the guest alone (--list): no configuration */
	uint64_t heap, stack, input_size, output_size; /* bytes */
	uint64_t timeout_ms;
	const char *const *allow; /* host functions allowed beyond the manifest's */
	size_t nallow;
	const char *const *env;   /* variables GetEnv may read beyond the manifest's, each
				   * "NAME" (the host's value) or "NAME=VALUE"; they allow
				   * GetEnv, and a NAME here replaces the manifest's */
	size_t nenv;
	const char *const *dirs;  /* paths ReadFile may read beyond the manifest's files,
				   * relative to the working directory; they allow ReadFile */
	size_t ndirs;
	enum tgt_stream print_to; /* overrides the manifest's; stderr when neither says */
	const char *core_path;    /* --core's file, over the manifest's core */
	const char *const *maps;  /* files to map beyond the manifest's, each "NAME=PATH"
				   * (sbx_map_split()); a NAME here replaces the
				   * manifest's */
	size_t nmaps;
	bool no_seccomp;
	bool batch;
	const char *save_path;    /* --save-snapshot's file */
};

struct tgt;

/* Resolves req: reads what path names (each file hostile input, each checked in full:
 * the guest ELF, the snapshot, the manifest, a manifest's sha256 pin), then merges the
 * defaults, a snapshot's fixed sizes, the manifest and the options, in that order, into
 * one configuration and checks it as the sandbox would.  A manifest's snapshot beside its
 * guest is a cache, used only when it fits that configuration exactly.  On success *out is
 * the caller's, to release with tgt_free() after every sandbox made with it.  Errors:
 * HL_E_INVALID naming the file and what is wrong with it (a file that is no guest ELF,
 * snapshot or manifest among them), HL_E_USAGE for options that do not apply or are out
 * of bounds, HL_E_INTERNAL.  The same as tgt_open() and then tgt_finish(). */
enum hl_err tgt_resolve(const struct tgt_request *req, struct tgt **out, struct hl_diag *d);

/* The first half of tgt_resolve(): tells what path is from its first bytes and, for a
 * manifest, reads it, but no guest and no snapshot.  A manifest is the user's policy,
 * trusted as the command line is (it may name a program to run, tgt_process()): hlrun
 * reads it before confining itself, and every guest byte after.  Errors: as
 * tgt_resolve() for the manifest and the first bytes. */
enum hl_err tgt_open(const struct tgt_request *req, struct tgt **out, struct hl_diag *d);

/* The second half: reads the guest ELF or snapshot of t (from tgt_open() with the same
 * req), checks the pin and merges the configuration.  On failure t stays the caller's to
 * free.  Errors: as tgt_resolve(). */
enum hl_err tgt_finish(struct tgt *t, const struct tgt_request *req, struct hl_diag *d);

/* A manifest's host_process, with its defaults filled in. */
struct tgt_process {
	char *const *argv;         /* the program and its arguments, NULL-terminated */
	uint64_t timeout_ms;       /* each call's */
	uint64_t max_reply;        /* bytes of a reply line */
	const struct hl_export *fns; /* the functions it serves (cfg.externs.fns) */
};

/* The manifest's host process, or NULL when it names none.  Owned by t. */
const struct tgt_process *tgt_process(const struct tgt *t);

/* Releases t and everything it owns.  Accepts NULL. */
void tgt_free(struct tgt *t);

enum tgt_kind tgt_kind(const struct tgt *t);

/* The guest that runs: the ELF's, or the snapshot's (owned by t). */
const struct ldr_guest *tgt_guest(const struct tgt *t);

/* The snapshot to start from (the file named, the manifest's, or its cache when it
 * serves), or NULL to boot the guest ELF.  Owned by t. */
struct sbx_snapshot *tgt_snapshot(const struct tgt *t);

/* The configuration, checked; its strings belong to t or to req.  NULL after
 * req->guest_only. */
const struct sbx_config *tgt_config(const struct tgt *t);

/* Why the manifest's snapshot cache does not serve (for --stats), or NULL. */
const char *tgt_cache_ignored(const struct tgt *t);

#endif
