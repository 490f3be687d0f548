/* The snapshot file (hlrun(1), SNAPSHOTS): a sandbox after its init, saved so that later
 * runs start from it without loading the guest or running init again.  A snapshot file is
 * hostile input, like a guest ELF: snap_parse() checks every size and offset before use.
 *
 * Layout, all integers little-endian, every offset from the start of the file:
 *
 *   struct snap_header        at 0
 *   the guest ELF             [elf_offset, +elf_size)       the file it was made from
 *   allowed host functions    [names_offset, +names_size)   NUL-terminated names
 *   vCPU state                [vcpu_offset, +vcpu_size)     kvm/'s struct hv_state
 *   extents                   [extents_offset, +nextents * sizeof(struct snap_extent))
 *   memory data               page-aligned, from data_offset to file_size
 *
 * Guest memory not covered by an extent is zero.  Each extent's data is page-aligned in
 * the file, so it can be mapped MAP_PRIVATE straight into guest memory. */
#ifndef CORE_SNAPSHOT_INTERNAL_H
#define CORE_SNAPSHOT_INTERNAL_H

#include <stdint.h>

#include "common/diag.h"
#include "common/page.h"
#include "common/sha256.h"
#include "core/core.h"

#define SNAP_MAGIC SBX_SNAPSHOT_MAGIC
#define SNAP_MAGIC_SIZE SBX_SNAPSHOT_MAGIC_SIZE
#define SNAP_VERSION 2u
/* Host functions recorded: hlrun's own that were allowed, by name, and a host
 * process's, by signature (sbx_extern_signature()). */
#define SNAP_MAX_NAMES (16 + SBX_MAX_EXTERNS)
/* Names and signatures are short: this bounds what a hostile names section makes hlrun
 * copy. */
#define SNAP_NAMES_MAX_BYTES (SNAP_MAX_NAMES * SBX_SIGNATURE_MAX)
/* Runs of saved pages.  Each is a mapping of its own in guest memory and in the restore
 * baseline: twice this stays far below vm.max_map_count (65530 by default). */
#define SNAP_MAX_EXTENTS 16384u

struct snap_header {
	uint8_t magic[SNAP_MAGIC_SIZE];
	uint32_t version;      /* SNAP_VERSION */
	uint32_t abi_version;  /* HL_ABI_VERSION of the hlrun that wrote it */
	uint64_t file_size;    /* the whole file, a multiple of HL_PAGE_SIZE */
	/* The sandbox's sizes in bytes, as configured (each within the bounds of core.h). */
	uint64_t heap_size, stack_size, input_size, output_size;
	uint64_t mem_size;     /* guest memory: what core's layout gives for these sizes */
	uint64_t dispatch;     /* the guest's call entry, reported by its init */
	uint64_t elf_offset, elf_size;
	uint64_t names_offset, names_size;
	uint64_t vcpu_offset, vcpu_size;
	uint64_t extents_offset, nextents;
	uint64_t data_offset;  /* where memory data starts, page-aligned */
	uint8_t guest_sha256[HL_SHA256_SIZE]; /* of the embedded ELF */
	/* Of the policy it was saved under (host functions, variables, files, limits,
	 * sizes): a cache serves only that policy. */
	uint8_t policy_sha256[HL_SHA256_SIZE];
	/* HMAC-SHA-256 of the whole file, this field zero, under its maker's snapshot key;
	 * zero when it was saved without one. */
	uint8_t mac[HL_SHA256_SIZE];
	uint8_t reserved[32];  /* zero */
};

/* guest-physical pages [gpa, gpa + pages * HL_PAGE_SIZE) hold the file's bytes
 * [offset, offset + pages * HL_PAGE_SIZE). */
struct snap_extent {
	uint64_t gpa;
	uint64_t pages;
	uint64_t offset;
};

/* A validated snapshot.  Everything but the memory data is copied out of the file, so a
 * file changed after snap_parse() cannot change what was checked. */
struct snap_file {
	struct snap_header h;
	struct ldr_guest *guest;       /* parsed from the embedded ELF */
	const char *names[SNAP_MAX_NAMES];
	size_t nnames;
	uint8_t *vcpu;                 /* vcpu_size bytes */
	struct snap_extent *extents;   /* nextents of them */
	char *blob;                    /* owns the names */
};

/* Validates the len bytes at buf as a snapshot file named path (for messages):
 * magic, version, ABI version, every offset and size against the file and each other
 * (overflow included), page alignment, extents sorted, inside mem_size and not
 * overlapping, the embedded ELF (through the loader) and its SHA-256, mem_size and
 * dispatch against the layout core computes for that guest and those sizes, the sizes
 * against core's bounds, names that hlrun provides, vcpu_size.  On success *out owns
 * copies of everything but the memory data; release it with snap_free().  Errors:
 * HL_E_INVALID naming what is wrong and the values involved. */
enum hl_err snap_parse(const uint8_t *buf, size_t len, const char *path,
		       struct snap_file **out, struct hl_diag *d);

void snap_free(struct snap_file *f);

/* Stores in out the HMAC-SHA-256 of the len bytes of a snapshot file at buf (at least a
 * header) under key, its mac field taken as zero. */
#define SNAP_KEY_SIZE 32
void snap_mac(const uint8_t *buf, size_t len, const uint8_t key[SNAP_KEY_SIZE],
	      uint8_t out[HL_SHA256_SIZE]);

/* The user's snapshot key: SNAP_KEY_SIZE random bytes in $XDG_STATE_HOME/hlrun/
 * snapshot.key ($HOME/.local/state when XDG_STATE_HOME is not set), a regular file of the
 * user's that no one else may read or write.  With create, one is made when there is
 * none (its directories mode 0700, the file 0600).  *found tells whether key holds one.
 * Errors: HL_E_USAGE when the file is there but not such a key (the message names it
 * and what is wrong), or cannot be made; HL_E_INTERNAL. */
enum hl_err snap_key(bool create, uint8_t key[SNAP_KEY_SIZE], bool *found,
		     struct hl_diag *d);

/* A file being written (a snapshot, a core file): its temporary file beside the final
 * path, and the helper process, started with it, that alone can put it in place or
 * remove it. */
struct snap_out;

/* Creates path's temporary file (mode 0600) and starts the helper: before confinement,
 * so that hlrun itself needs no right to create, rename or remove files after it.  An
 * exclusive file is published only where no file of its name is (link(2)); otherwise it
 * replaces one (rename(2)).  what names the file in messages ("snapshot").  Errors:
 * HL_E_USAGE when path's directory cannot take the file (the message names path and
 * why), HL_E_INTERNAL. */
enum hl_err snap_out_open(const char *path, const char *what, bool exclusive,
			  struct snap_out **out, struct hl_diag *d);

/* The temporary file's descriptor, to write it. */
int snap_out_fd(const struct snap_out *o);

/* Has the helper put the written file in place.  Errors: HL_E_USAGE naming path and why
 * (an exclusive file whose name is taken: EEXIST). */
enum hl_err snap_out_publish(struct snap_out *o, struct hl_diag *d);

/* Removes the temporary file unless snap_write() published it, and lets the helper go.
 * Accepts NULL. */
void snap_out_close(struct snap_out *o);

/* What snap_write() saves. */
struct snap_source {
	const uint8_t *elf;            /* the guest ELF's bytes */
	size_t elf_size;
	const char *const *names;      /* allowed host functions */
	size_t nnames;
	const void *vcpu;              /* vcpu_size bytes of vCPU state */
	uint64_t vcpu_size;
	uint64_t heap_size, stack_size, input_size, output_size, mem_size, dispatch;
	const uint8_t *mem;            /* guest memory, mem_size bytes */
	const struct snap_extent *runs; /* pages of mem to save: gpa and pages (offset unused) */
	size_t nruns;
	uint8_t policy_sha256[HL_SHA256_SIZE];
	const uint8_t *key;            /* SNAP_KEY_SIZE bytes the file is MACed with, or NULL */
};

/* Merges runs (n of them, sorted by address, each gpa and pages) across the smallest gaps
 * between them until at most max remain; the pages in a closed gap are saved too, as the
 * zeros or leftovers they are.  Returns the new count. */
size_t snap_coalesce(struct snap_extent *runs, size_t n, size_t max);

/* Writes a snapshot of src into o's temporary file, syncs it, and has the helper rename
 * it over the final path.  Errors: HL_E_USAGE when the file cannot be written or
 * published (the message names it and the reason), HL_E_INTERNAL otherwise. */
enum hl_err snap_write(struct snap_out *o, const struct snap_source *src,
		       struct hl_diag *d);

#endif
