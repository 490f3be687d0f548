/* The YAML manifest (hlrun-manifest(5)): which guest, its memory sizes, its limits and
 * what it may reach on the host, read strictly from a small hostile file.  Internal to
 * target/, which alone reads manifests (tests and the fuzz target use it directly). */
#ifndef TARGET_MANIFEST_H
#define TARGET_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "target/target.h"

#define MF_MAX_SIZE (64u << 10) /* bytes of a manifest file */
#define MF_MAX_ENTRIES 256      /* entries of each sequence */
#define MF_MAX_WORDS 64         /* words of host_process.command */

/* A parsed manifest.  Every string and array is owned by it and released by mf_free().
 * Relative paths (guest, snapshot, files, core, map) are joined to the directory part
 * of path: "d/m.yaml" and "g.elf" give "d/g.elf"; a manifest without a directory part
 * ("m.yaml") gives "./g.elf"; absolute paths are kept as written. */
struct mf_manifest {
	char *path;                          /* the manifest file as given */
	char *guest;                         /* the guest's path, resolved as above; NULL
					      * when only a snapshot is named */
	int guest_line, guest_col;           /* 1-based position of the guest value */
	char *snapshot;                      /* a snapshot's path, resolved as above, or NULL */
	int snapshot_line, snapshot_col;
	bool has_sha256;
	uint8_t sha256[32];
	uint64_t heap, stack, input, output; /* bytes; 0 = not set */
	uint64_t timeout_ms;                 /* 0 = not set */
	uint64_t max_output;                 /* bytes; 0 = not set */
	char **host_functions;               /* known names, no duplicates */
	size_t nhost_functions;
	char **env;                          /* variable names, no duplicates */
	size_t nenv;
	char **files;                        /* resolved as above, no duplicates */
	size_t nfiles;
	enum tgt_stream print_to;            /* where HostPrint writes; UNSET = not set */
	char *core;                          /* the core file, resolved as above, or NULL */
	struct sbx_map maps[HL_MAX_MAPS];    /* files to map: names unique, each path
					      * resolved as above */
	char *map_paths[HL_MAX_MAPS];        /* what each path points to */
	size_t nmaps;
	/* host_process: the program that serves the functions declared (argv, NULL after
	 * the last; the program resolved as above when it holds a '/', else found in PATH),
	 * each call's timeout, the longest reply line. */
	char **command;                      /* NULL: no host process */
	size_t ncommand;
	int process_line, process_col;       /* where host_process stands */
	uint64_t process_timeout_ms;         /* 0 = not set */
	uint64_t max_reply;                  /* bytes; 0 = not set */
	struct hl_export functions[SBX_MAX_EXTERNS]; /* names unique, none of hlrun's */
	size_t nfunctions;
};

/* Reads the manifest at path (a regular file of at most MF_MAX_SIZE bytes) and parses it
 * with mf_parse().  On success *out is the caller's, to release with mf_free().  Errors:
 * HL_E_INVALID ("PATH: what is wrong" for an unreadable, non-regular or too large file,
 * else as mf_parse()), HL_E_INTERNAL (out of memory).  *not_yaml is set when the file is
 * no YAML mapping at all (malformed YAML, or a top level of another kind): what a file
 * that was never meant as a manifest gives. */
enum hl_err mf_load(const char *path, struct mf_manifest **out, bool *not_yaml,
		    struct hl_diag *d);

/* Parses the len bytes at buf (not NUL-terminated) as the manifest named path, which
 * messages quote and relative paths are joined to.  On success *out is the caller's, to
 * release with mf_free().  Errors: HL_E_INVALID, message "PATH:LINE:COLUMN: what is
 * wrong" (or "PATH: ..." when the whole input is wrong), for anything that is not a
 * valid manifest; HL_E_INTERNAL (out of memory). */
enum hl_err mf_parse(const char *buf, size_t len, const char *path, struct mf_manifest **out,
		     struct hl_diag *d);

/* Releases m and everything it owns.  Accepts NULL. */
void mf_free(struct mf_manifest *m);

#endif
