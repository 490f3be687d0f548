/* The sandbox: a guest loaded into a KVM micro-VM, initialised once, then called by
 * function name with typed values; host functions served; faults, aborts, protocol
 * violations and timeouts turned into errors.  core owns the guest memory layout. */
#ifndef CORE_CORE_H
#define CORE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/diag.h"
#include "common/units.h"
#include "guests/include/hlwire.h"
#include "loader/loader.h"

/* Defaults and bounds of the sizes, documented in hlrun(1). */
#define SBX_DEFAULT_HEAP (8ull << 20)
#define SBX_DEFAULT_STACK (512ull << 10)
#define SBX_DEFAULT_INPUT (4ull << 20)
#define SBX_DEFAULT_OUTPUT (4ull << 20)
#define SBX_MIN_SIZE (4ull << 10)
#define SBX_MAX_SIZE (4ull << 30)
#define SBX_MAX_TOTAL (8ull << 30) /* heap + stack + input + output */
#define SBX_MAX_TIMEOUT_MS HL_MAX_DURATION_MS
#define SBX_DEFAULT_MAX_OUTPUT (16ull << 20)
#define SBX_MAX_MAX_OUTPUT (4ull << 30)
#define SBX_KVM_DESCRIBE 96           /* bytes of sbx_kvm_describe()'s text */

/* What the guest may reach on the host, through host functions.  Every string array is
 * the caller's and must outlive the sandbox. */
struct sbx_policy {
	const char *const *allowed; /* host functions the guest may call */
	size_t nallowed;
	const char *const *env;     /* environment variables GetEnv may read: "NAME" gives
				     * the host's value, "NAME=VALUE" gives VALUE */
	size_t nenv;
	const char *const *files;   /* files, or directories whose contents, ReadFile may read */
	size_t nfiles;
	uint64_t max_output;        /* bytes HostPrint may write in init and in each call;
				     * within [1, MAX] */
};

/* A host file mapped into the guest (hlrun --map NAME=PATH): read-only and not
 * executable, at HL_MAP_BASE and up, named in the PEB for every call but not during
 * init.  Only pages the guest reads cost anything: the file is not copied. */
struct sbx_map {
	char name[HL_MAP_NAME_MAX]; /* [A-Za-z_][A-Za-z0-9_]* */
	const char *path;           /* a regular file (the caller's string) */
};

/* Splits spec, "NAME=PATH", into *m (m->path points into spec).  False unless NAME is an
 * identifier shorter than HL_MAP_NAME_MAX and PATH is not empty. */
bool sbx_map_split(const char *spec, struct sbx_map *m);

/* The index of the map named name among the n of maps, or -1. */
ptrdiff_t sbx_map_find(const struct sbx_map *maps, size_t n, const char *name);

/* Whether the len bytes at name may name a mapped file. */
bool sbx_map_name_ok(const char *name, size_t len);

/* Checks, without opening it, that m's file exists and is a regular file, as the sandbox
 * does again when it maps it.  Errors: HL_E_INVALID naming the file and why. */
enum hl_err sbx_map_check_file(const struct sbx_map *m, struct hl_diag *d);

/* What a host function answers: its value, or an error value for the guest. */
#define SBX_HOST_MSG 400
struct sbx_host_out {
	struct hl_value val; /* the result when code is 0; type preset to the declared one */
	void *owned;         /* heap memory val.data points into, freed after the reply */
	int32_t code;        /* non-zero: reply with this HL_ERR_HOST_* code and msg */
	char msg[SBX_HOST_MSG];
};

/* Makes o an error reply with code and a printf-style message; returns HL_OK, since the
 * host call itself was served. */
enum hl_err sbx_host_refuse(struct sbx_host_out *o, int32_t code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Most host functions a caller may serve (struct sbx_extern). */
#define SBX_MAX_EXTERNS 64

/* The longest signature of one, as a snapshot records it ("Name(t1,t2)->t"), with its
 * NUL: a name, twelve parameters and a return type. */
#define SBX_SIGNATURE_MAX (HL_NAME_MAX + 8 * (HL_MAX_PARAMS + 1) + 4)

/* Host functions that the caller serves rather than hlrun (hlrun's host process,
 * cli/bridge.c), declared as guest exports are: name, return and parameter types (fn is
 * unused).  Declaring one allows it.  While serve() waits, the vCPU does not run: the
 * wait counts against the call's time limit, and serve() must end it by deadline_ns. */
struct sbx_extern {
	const struct hl_export *fns; /* at most SBX_MAX_EXTERNS, names unique and none of
				      * hlrun's own; the caller's */
	size_t nfns;
	/* Serves a call of fns[i] with args of its declared types, before deadline_ns
	 * (CLOCK_MONOTONIC; 0: no deadline).  Fills o with a value of the declared type
	 * (data it points to stays valid until the next serve(); o->owned is freed by the
	 * sandbox) or an error value for the guest, and returns HL_OK; or returns an error
	 * that ends the guest's call: HL_E_TIMEOUT once deadline_ns has passed,
	 * HL_E_INTERRUPTED or HL_E_TERMINATED after sbx_interrupt(), HL_E_INTERNAL.  Under
	 * cfg.seccomp it may wait with ppoll(2) and reap its own child with waitid(2), beside
	 * reading and writing descriptors it opened before.  NULL: every call is answered
	 * with an error (--check builds configurations that nothing serves). */
	enum hl_err (*serve)(void *ctx, size_t i, const struct hl_value *args,
			     uint64_t deadline_ns, struct sbx_host_out *o, struct hl_diag *d);
	void *ctx;
};

struct sbx_config {
	uint64_t heap_size;   /* bytes; each within [SBX_MIN_SIZE, SBX_MAX_SIZE] */
	uint64_t stack_size;
	uint64_t input_size;
	uint64_t output_size;
	uint64_t timeout_ms;  /* per call and for init; 0 means none */
	const char *kvm_path; /* NULL: /dev/kvm */
	FILE *print_to;       /* where HostPrint writes (the caller's stream) */
	/* Confine the whole process with seccomp before guest code runs.  It cannot be
	 * undone: a process that creates more sandboxes must not set it. */
	bool seccomp;
	/* Track the pages each call writes, so that sbx_restore() can put the sandbox back
	 * to its state after init (batch mode, snapshots). */
	bool restore;
	/* The snapshot file sbx_save() writes, or NULL.  Its temporary file is created, and
	 * the helper process that renames it into place started, before confinement: then
	 * hlrun itself may create, rename or remove no file. */
	const char *save_path;
	/* The ELF core file written when the guest first crashes or times out while it runs
	 * (an exception, an abort, a protocol violation, the time limit), or NULL: its
	 * memory and its registers there, for gdb with the guest's ELF.  Prepared as
	 * save_path is, and published only where no file of its name is. */
	const char *core_path;
	const char *core_name; /* the guest ELF's file name, which gdb matches, or NULL */
	const struct sbx_map *maps; /* at most HL_MAX_MAPS, names unique; the caller's */
	size_t nmaps;
	struct sbx_policy policy;
	struct sbx_extern externs;
};

/* Fills cfg with the defaults above: no timeout, /dev/kvm, HostPrint to stderr and
 * allowed (as in Hyperlight), no other host function, no variable, no file,
 * SBX_DEFAULT_MAX_OUTPUT. */
void sbx_config_default(struct sbx_config *cfg);

/* Time spent in each phase of sbx_create() or sbx_create_from(), in nanoseconds, and
 * the KVM it ran on. */
struct sbx_stats {
	uint64_t open_ns;   /* opening /dev/kvm and checking it */
	uint64_t create_ns; /* VM, vCPU, guest memory, ring 0 and page tables, the timer */
	uint64_t load_ns;   /* copying the guest's segments or setting the snapshot's vCPU
			     * state, installing the seccomp filter */
	uint64_t init_ns;   /* running the guest's init (0 from a snapshot) */
	char kvm[SBX_KVM_DESCRIBE]; /* which KVM (sbx_kvm_describe()); "" before opening */
};

/* Checks cfg's sizes, timeout, maps and policy against the bounds above.  Errors:
 * HL_E_USAGE naming the setting, its value and its bounds. */
enum hl_err sbx_config_check(const struct sbx_config *cfg, struct hl_diag *d);

/* Confines the whole process, for good, to the system calls that reading a target,
 * building sandboxes and saving snapshots need: no exec, no network, no namespaces, no
 * other process; a sandbox with cfg.seccomp narrows that further.  Call it before reading
 * any input.  Errors: HL_E_INTERNAL. */
enum hl_err sbx_confine_process(struct hl_diag *d);

/* Writes the signature of function name, of the nparams types at params returning ret,
 * into buf (cap bytes with the NUL, cut to fit): "Name(t1, t2) -> t" as messages show
 * it, or when compact "Name(t1,t2)->t", as a snapshot records a host process's
 * functions.  Returns its whole length, as snprintf() does. */
size_t sbx_signature(const char *name, const uint8_t *params, unsigned nparams, uint8_t ret,
		     bool compact, char *buf, size_t cap);

/* Whether hlrun provides a host function of this name (allowed or not). */
bool sbx_host_function_exists(const char *name);

/* The name of host function i, in hlrun's table order; NULL when i is past the last. */
const char *sbx_host_function_name(size_t i);

struct sbx;

/* Creates a sandbox for guest g (which must outlive it): checks cfg, opens KVM, lays out
 * and maps guest memory and cfg's files, loads g, enters long mode and runs the guest's
 * init.  stats may be NULL.  Errors: HL_E_USAGE (cfg out of bounds, mapped files larger
 * than their window), HL_E_INVALID (a file to map is missing, unreadable or not a
 * regular file), HL_E_NOKVM, HL_E_CRASH (init crashed or broke the protocol),
 * HL_E_TIMEOUT, HL_E_INTERNAL. */
enum hl_err sbx_create(const struct ldr_guest *g, const struct sbx_config *cfg,
		       struct sbx **out, struct sbx_stats *stats, struct hl_diag *d);

/* Releases the VM, its memory and the timer; restores the signal state.  Accepts NULL. */
void sbx_destroy(struct sbx *s);

/* Checks that the call message for fn with these arguments fits an input buffer of
 * input_size bytes.  Lets callers reject oversized arguments before any VM exists; the
 * sandbox checks the same with its own buffer.  Errors: HL_E_USAGE naming the bytes
 * needed and the buffer's size. */
enum hl_err sbx_check_call_size(const char *fn, const struct hl_value *args, uint16_t nargs,
				uint64_t input_size, struct hl_diag *d);

/* Calls guest function fn, whose export e the caller looked up (ldr_find) and whose
 * arguments match e's parameter types.  On success *result holds the typed result
 * (HL_T_VOID for void); its string or bytes point into guest memory and stay valid until
 * the next call or sbx_destroy().  Errors: HL_E_GUEST (the function returned an error:
 * the message carries its code and text), HL_E_USAGE (arguments do not fit the input
 * buffer), HL_E_CRASH, HL_E_TIMEOUT, HL_E_INVALID (a mapped file shrank while the guest
 * read it), HL_E_INTERNAL.  After HL_E_CRASH, HL_E_TIMEOUT or HL_E_INVALID the sandbox is
 * poisoned: further calls fail with HL_E_INTERNAL. */
enum hl_err sbx_call(struct sbx *s, const struct hl_export *e, const struct hl_value *args,
		     uint16_t nargs, struct hl_value *result, struct hl_diag *d);

/* Starts a new max_output budget for what the guest prints.  Without it, one budget
 * covers the guest's initialisation and every call: a run's output is bounded as a
 * whole.  Batch mode gives each call its own. */
void sbx_reset_output(struct sbx *s);

/* Puts memory and the vCPU back to their state after init (cfg.restore must be set) and
 * lifts the poison of a crash or timeout.  The cost follows the pages written since the
 * last restore; *pages (may be NULL) receives their number.  Errors: HL_E_INTERNAL (the
 * sandbox stays poisoned). */
enum hl_err sbx_restore(struct sbx *s, uint64_t *pages, struct hl_diag *d);

/* Whether a crash or timeout left the sandbox unusable until sbx_restore(). */
bool sbx_poisoned(const struct sbx *s);

/* Saves s as it was after init (cfg.restore and cfg.save_path must have been set) to the
 * snapshot file, atomically, with the policy it was made under and a MAC under the
 * user's snapshot key (made now when there is none; without HOME or XDG_STATE_HOME the
 * file has no MAC).  Errors: HL_E_USAGE (the file cannot be written), HL_E_INTERNAL. */
enum hl_err sbx_save(const struct sbx *s, struct hl_diag *d);

/* A snapshot file, validated and mapped.  Its first bytes are the magic below (no NUL),
 * which tells it apart from a guest ELF or a manifest. */
struct sbx_snapshot;

#define SBX_SNAPSHOT_MAGIC "\177HLSNAP\n"
#define SBX_SNAPSHOT_MAGIC_SIZE 8

/* Reads the snapshot file path (hostile input, like a guest ELF) once into a sealed copy
 * in memory and validates that: what is checked is what runs, whatever happens to the
 * file.  Errors: HL_E_INVALID naming what is wrong
 * (truncated, another format or ABI version, a size or offset out of bounds, a bad
 * embedded guest), HL_E_INTERNAL. */
enum hl_err sbx_snapshot_open(const char *path, struct sbx_snapshot **out,
			      struct hl_diag *d);

/* Releases the snapshot; sandboxes made from it must be destroyed first.  Accepts NULL. */
void sbx_snapshot_close(struct sbx_snapshot *snap);

/* The guest the snapshot was made from (owned by the snapshot). */
const struct ldr_guest *sbx_snapshot_guest(const struct sbx_snapshot *snap);

/* Sets cfg's four memory sizes to the snapshot's, which cannot change. */
void sbx_snapshot_sizes(const struct sbx_snapshot *snap, struct sbx_config *cfg);

/* Whether the snapshot may serve as a cache for guest g under cfg: saved from the same
 * ELF file, with cfg's memory sizes and a policy (host functions, variables, files,
 * limits) digesting to cfg's, and authenticated by the user's snapshot key.  When not,
 * *why says which failed. */
bool sbx_snapshot_fits(const struct sbx_snapshot *snap, const struct ldr_guest *g,
		       const struct sbx_config *cfg, const char **why);

/* The SHA-256 of the whole snapshot file, as read (what a manifest's sha256 pins). */
void sbx_snapshot_sha256(const struct sbx_snapshot *snap, uint8_t out[32]);

/* Checks cfg, with the snapshot's memory sizes, as sbx_create_from() does before it creates
 * anything.  Errors: HL_E_USAGE as sbx_config_check(), HL_E_INVALID when cfg's policy does
 * not allow a host function the snapshot was saved with. */
enum hl_err sbx_snapshot_check(const struct sbx_snapshot *snap, const struct sbx_config *cfg,
			       struct hl_diag *d);

/* Creates a sandbox in the state the snapshot saved, without loading the guest or running
 * its init: the memory image of the sealed copy is mapped copy-on-write.  cfg's
 * sizes are replaced by the snapshot's.  Errors: as sbx_create(), and HL_E_INVALID when
 * cfg's policy does not allow a host function the snapshot was saved with, or KVM refuses
 * the saved vCPU state. */
enum hl_err sbx_create_from(const struct sbx_snapshot *snap, const struct sbx_config *cfg,
			    struct sbx **out, struct sbx_stats *stats, struct hl_diag *d);

/* Opens the KVM device (path NULL means "/dev/kvm") and writes to buf which KVM serves it
 * (kvm/'s hv_describe(), at most SBX_KVM_DESCRIBE bytes with the NUL).  Errors:
 * HL_E_NOKVM with the reason and a hint, HL_E_INTERNAL. */
enum hl_err sbx_kvm_describe(const char *path, char *buf, size_t len, struct hl_diag *d);

/* Asks this process's sandboxes to stop their guests because signal signo (SIGINT or
 * SIGTERM) arrived, as their time limit would: the run under way, or the next one, ends
 * with HL_E_INTERRUPTED (SIGINT) or HL_E_TERMINATED (SIGTERM) and poisons its sandbox.
 * The first signal counts.  Async-signal-safe: meant for the caller's signal handler. */
void sbx_interrupt(int signo);

/* The signal sbx_interrupt() was first given, or 0. */
int sbx_interrupted(void);

/* The error class of an interruption by signo: HL_E_INTERRUPTED or HL_E_TERMINATED. */
enum hl_err sbx_interrupt_class(int signo);

/* What happened, for messages: "interrupted by SIGINT" or "terminated by SIGTERM". */
const char *sbx_interrupt_words(int signo);

/* CLOCK_MONOTONIC in nanoseconds, the clock of every timing hlrun reports. */
uint64_t sbx_now_ns(void);

#endif
