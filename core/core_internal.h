/* State shared by the files of the sandbox. */
#ifndef CORE_CORE_INTERNAL_H
#define CORE_CORE_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/core.h"
#include "kvm/kvm.h"

#define SBX_MAX_REGIONS 32

/* Where the guest's pages live in guest memory (guest physical = guest virtual); ring 0
 * is kvm/'s, in memory of its own mapped at HL_HOST_AREA. */
struct sbx_layout {
	uint64_t input, input_size;
	uint64_t output, output_size;
	uint64_t stack, stack_size;    /* grows down from stack + stack_size */
	uint64_t stack_guard;          /* the unmapped page below the stack */
	uint64_t heap, heap_size;
	uint64_t mem_size;
	struct hv_region regions[SBX_MAX_REGIONS];
	size_t nregions;
};

/* Computes the layout of guest g under cfg, whose sizes are within bounds
 * (sbx_config_check()): it cannot fail. */
void sbx_layout(const struct ldr_guest *g, const struct sbx_config *cfg,
		struct sbx_layout *l);

/* Whether addr lies in the file-backed part of one of g's executable segments. */
bool sbx_in_code(const struct ldr_guest *g, uint64_t addr);

/* The per-call deadline: a POSIX timer that sends SIGALRM to this thread, which KVM
 * unblocks only while the guest runs (see hv_set_kick_signal()). */
struct sbx_timer {
	timer_t id;
	bool created;
	bool blocked;          /* SIGALRM was unblocked before and must be again */
	struct sigaction old_action;
	uint64_t deadline_ns;  /* CLOCK_MONOTONIC; 0: none armed */
	bool armed;            /* set to a deadline since it was last disarmed */
};

enum hl_err sbx_timer_init(struct sbx_timer *t, struct hv_vm *vm, struct hl_diag *d);
void sbx_timer_fini(struct sbx_timer *t);
/* The one-shot timer value of ms milliseconds (0: disarmed), no interval. */
void sbx_timer_spec(uint64_t ms, struct itimerspec *its);
/* Arms the timer ms milliseconds from now; 0 disarms it and drops a tick left pending
 * (no system call when it was not armed). */
enum hl_err sbx_timer_arm(struct sbx_timer *t, uint64_t ms, struct hl_diag *d);
/* True once the armed deadline has passed. */
bool sbx_timer_expired(const struct sbx_timer *t);

/* A file mapped into the guest (cfg.maps, core/mapfile.c). */
struct sbx_mapped {
	int fd;        /* kept open, to tell a file that shrank */
	void *host;    /* span bytes of it, read-only; NULL for an empty file */
	uint64_t addr; /* its guest address */
	uint64_t size; /* its bytes when it was mapped */
	uint64_t span; /* size rounded up to the page */
};

struct sbx {
	const struct ldr_guest *guest;
	struct sbx_config cfg;
	struct sbx_layout layout;
	struct hv_vm *vm;
	uint8_t *mem;
	struct sbx_timer timer;
	uint64_t dispatch;        /* entry of every call, reported by init */
	const char *phase;        /* "init" or the function being called, for messages */
	bool poisoned;
	uint64_t printed;         /* bytes HostPrint wrote in this call, against max_output */
	/* Restore (cfg.restore): one bit per page in each bitmap of nwords words. */
	uint64_t nwords;
	uint64_t *dirty;          /* scratch: pages the guest wrote, from KVM's log */
	uint64_t *host_dirty;     /* pages hlrun wrote since the last look */
	uint64_t *hot;            /* pages left in KVM's log, copied back at every restore */
	uint64_t nhot;
	uint64_t *saved;          /* pages of the baseline that may be non-zero */
	uint8_t *base;            /* guest memory as it was after init (mem_size bytes) */
	struct hv_state base_state;
	/* ReadFile (cfg.policy.files): the entries, opened before the guest runs, and the
	 * working directory relative paths are read against. */
	struct sbx_file_root *roots;
	size_t nroots;
	char *cwd;
	/* Saving (cfg.save_path): the file being written, and the user's snapshot key. */
	struct snap_out *save_out;
	struct snap_out *core_out; /* cfg.core_path's file, until a crash publishes it */
	/* cfg.maps, opened and mapped before the guest runs; the PEB names them once
	 * maps_shown (sbx_maps_show()), which a restore clears. */
	struct sbx_mapped maps[HL_MAX_MAPS];
	size_t nmaps;
	bool maps_shown;
	uint8_t key[32];
	bool have_key;
};

/* Maps size bytes of zero pages with prot, private and without reserving swap: pages
 * cost host memory only once touched.  Errors: HL_E_INTERNAL. */
enum hl_err sbx_map_zero(uint64_t size, int prot, uint8_t **out, struct hl_diag *d);

/* Allocates the dirty-page bitmaps; called before guest memory is given to KVM.
 * Errors: HL_E_INTERNAL. */
enum hl_err sbx_track_init(struct sbx *s, struct hl_diag *d);

/* ---- hlrun's writes into guest memory: these three alone, each recording the pages it
 * wrote for sbx_restore(), since KVM's dirty log sees only the guest's own. */

/* Copies len bytes of src to [gpa, gpa + len), which lies inside guest memory. */
void sbx_write(struct sbx *s, uint64_t gpa, const void *src, uint64_t len);

/* Encodes m into the buffer of cap bytes at gpa (see hlw_encode()); *size is its
 * length when it fits (HLW_OK). */
enum hlw_status sbx_put_message(struct sbx *s, uint64_t gpa, uint64_t cap,
				const struct hl_message *m, uint64_t *size);

/* Copies the guest's segments to their addresses and zero-fills the rest of each (see
 * ldr_load()).  Errors: those of ldr_load(). */
enum hl_err sbx_load_image(struct sbx *s, struct hl_diag *d);

/* After init: copies every page written so far into the baseline and reads the vCPU's
 * state, for sbx_restore().  Errors: HL_E_INTERNAL. */
enum hl_err sbx_take_baseline(struct sbx *s, struct hl_diag *d);

/* Runs the vCPU from its current registers until the guest reports DONE, serving host
 * calls on the way.  Every other exit becomes an error (HL_E_CRASH, HL_E_TIMEOUT,
 * HL_E_INTERNAL) with a message that names the cause, and poisons the sandbox. */
enum hl_err sbx_run(struct sbx *s, uint32_t *value, struct hl_diag *d);

/* Serves the host call whose message is in the output buffer and writes the reply
 * there.  Errors only for failures of hlrun itself (HL_E_INTERNAL) or a reply that
 * cannot fit; a denied or malformed call is answered with an error message. */
enum hl_err sbx_host_call(struct sbx *s, struct hl_diag *d);

/* Checks cfg's policy: max_output within [1, SBX_MAX_MAX_OUTPUT], every list present
 * when its count is not 0 and without NULL entries, only known host functions allowed,
 * a stream to print to when HostPrint is, and the caller's host functions as
 * sbx_check_externs() checks them.  Errors: HL_E_USAGE. */
enum hl_err sbx_check_policy(const struct sbx_config *cfg, struct hl_diag *d);

/* Writes e's signature into buf (cap bytes with the NUL) as a snapshot records it: the
 * compact form of sbx_signature(). */
size_t sbx_extern_signature(const struct hl_export *e, char *buf, size_t cap);

/* Reads a signature written by sbx_extern_signature() into *e; false for any other
 * text. */
bool sbx_extern_parse(const char *sig, struct hl_export *e);

/* The index of the caller's host function name among x's, or -1. */
ptrdiff_t sbx_extern_find(const struct sbx_extern *x, const char *name);

/* Checks x: at most SBX_MAX_EXTERNS signatures, each an identifier hlrun does not serve
 * itself, declared once, with types of the wire format.  Errors: HL_E_USAGE. */
enum hl_err sbx_check_externs(const struct sbx_extern *x, struct hl_diag *d);

/* Bytes of a reply message carrying one value of type t and len data bytes. */
uint64_t sbx_host_reply_size(uint32_t t, uint64_t len);

/* Resolves and opens each entry of policy.files, and reads the working directory, before
 * the guest runs; an entry that does not resolve allows nothing.  Released by
 * sbx_files_close().  Errors: HL_E_INTERNAL. */
struct sbx_file_root;
enum hl_err sbx_files_open(struct sbx *s, struct hl_diag *d);
void sbx_files_close(struct sbx *s);

/* Writes to out (cap bytes) path made absolute against cwd, with empty components, `.`
 * and `..` removed as written (`..` at the root stays there), without looking at the
 * file system.  Returns 0, or -1 when it does not fit. */
int sbx_normalize_path(const char *cwd, const char *path, char *out, size_t cap);

/* ReadFile(string path) -> bytes, confined to policy.files (core/hostfn_file.c).
 * Errors only for failures of hlrun itself (HL_E_INTERNAL). */
enum hl_err sbx_host_read_file(struct sbx *s, const struct hl_value *args,
			       struct sbx_host_out *o, struct hl_diag *d);

/* Installs the seccomp filter that confines hlrun from now on, under s's policy (see
 * confine.c).  Errors: HL_E_INTERNAL. */
enum hl_err sbx_confine(struct sbx *s, struct hl_diag *d);

/* Whether the policy in force allows the host function name. */
bool sbx_allows(const struct sbx *s, const char *name);

/* Checks cfg's maps: at most HL_MAX_MAPS, each name an identifier given once, each
 * with a path.  Errors: HL_E_USAGE. */
enum hl_err sbx_check_maps(const struct sbx_config *cfg, struct hl_diag *d);

/* Opens and maps cfg.maps read-only and places each above guest memory; stores in w
 * (HL_MAX_MAPS entries) the windows KVM is to map, *nw of them.  Released by
 * sbx_maps_close().  Errors: HL_E_INVALID (a file is missing, unreadable or not a
 * regular file), HL_E_USAGE (they do not fit [HL_MAP_BASE, HL_MAP_END)). */
enum hl_err sbx_maps_open(struct sbx *s, struct hv_window *w, size_t *nw,
			  struct hl_diag *d);
void sbx_maps_close(struct sbx *s);

/* Names the mapped files in the PEB's map table, unless it already does. */
void sbx_maps_show(struct sbx *s);

/* The index of the mapped file whose pages, or the guard page after them, hold addr, or
 * -1. */
ptrdiff_t sbx_map_at(const struct sbx *s, uint64_t addr);

/* Explains an HV_EXIT_HOST_FAULT: HL_E_INVALID naming the mapped file that shrank,
 * HL_E_INTERNAL when none did. */
enum hl_err sbx_maps_fault(struct sbx *s, struct hl_diag *d);

/* Creates cfg.core_path's temporary file and its helper, before confinement.  Errors:
 * those of snap_out_open(). */
enum hl_err sbx_core_prepare(struct sbx *s, struct hl_diag *d);

/* Removes the core file's temporary file unless it was published.  Accepts none. */
void sbx_core_close(struct sbx *s);

/* Writes to fd, an empty file, the ELF core of s with the guest's registers r: header,
 * program headers (the notes, then one PT_LOAD per layout region at its guest address),
 * the notes (NT_PRSTATUS with r, NT_PRPSINFO with cfg.core_name and phase), then each
 * region's pages, those of zeros left as holes; then syncs it.  Mapped files are not
 * part of it.  Returns 0 or an errno. */
int sbx_core_write(const struct sbx *s, int fd, const struct hv_regs *r);

/* Writes the core file (cfg.core_path) of s with the guest's registers r (NULL: they
 * could not be read), once, and says at the end of d's message where it went or why it
 * did not.  Nothing without cfg.core_path or after the first. */
void sbx_dump_core(struct sbx *s, const struct hv_regs *r, struct hl_diag *d);

/* Describes a CPU exception that ring 0 reported as an HL_E_CRASH (HL_E_INTERNAL when it
 * happened in ring 0 itself). */
enum hl_err sbx_exception(struct sbx *s, const struct hv_fault *f, struct hl_diag *d);

/* Creates the sandbox for g under cfg, which the caller has checked: from snap's memory
 * image and vCPU state when snap is not NULL, else by loading g and running its init.
 * Errors: as sbx_create(). */
enum hl_err sbx_new(const struct ldr_guest *g, const struct sbx_snapshot *snap,
		    const struct sbx_config *cfg, struct sbx **out, struct sbx_stats *stats,
		    struct hl_diag *d);

/* Creates cfg.save_path's temporary file with its helper, and reads or makes the user's
 * snapshot key: before confinement.  Released by sbx_save_close().  Errors: as
 * snap_out_open() and snap_key(). */
struct snap_out;
enum hl_err sbx_save_prepare(struct sbx *s, struct hl_diag *d);
void sbx_save_close(struct sbx *s);

/* Maps snap's memory image copy-on-write as s's guest memory (s->layout is set) and, with
 * cfg.restore, makes the file the baseline restores go back to.  Errors: HL_E_INTERNAL. */
enum hl_err sbx_snapshot_map(struct sbx *s, const struct sbx_snapshot *snap,
			     struct hl_diag *d);

/* Puts s's vCPU in snap's saved state, ready for its first call.  Errors: HL_E_INVALID
 * when the saved state is refused, HL_E_INTERNAL. */
enum hl_err sbx_snapshot_resume(struct sbx *s, const struct sbx_snapshot *snap,
				struct hl_diag *d);

#endif
