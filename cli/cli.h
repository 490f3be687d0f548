/* The command line: options, typed argument conversion, result printing, usage, and the
 * one table that maps error classes to exit statuses. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/diag.h"
#include "core/core.h"

#define CLI_MAX_ALLOW 16
#define CLI_MAX_GRANTS 256 /* --env and --dir each, as many as a manifest's sequence */

struct cli_opts {
	const char *guest;    /* GUEST or MANIFEST operand (or -m's file) */
	bool manifest;        /* -m given: guest names a manifest for sure */
	const char *function;
	char **args;         /* the ARG operands, nargs of them (argv's strings) */
	int nargs;
	uint64_t timeout_ms; /* 0: none */
	/* Memory sizes in bytes; 0: the default (core.h). */
	uint64_t heap, stack, input_size, output_size;
	const char *allow[CLI_MAX_ALLOW]; /* --allow NAME, in order */
	int nallow;
	const char *env[CLI_MAX_GRANTS];  /* --env NAME or NAME=VALUE, each name once */
	int nenv;
	const char *dirs[CLI_MAX_GRANTS]; /* --dir PATH, each once */
	int ndirs;
	const char *maps[HL_MAX_MAPS];    /* --map NAME=PATH, each name once */
	int nmaps;
	const char *print_to;      /* --print-to: "stdout", "stderr" or NULL */
	const char *save_snapshot; /* --save-snapshot FILE */
	const char *core;          /* --core FILE */
	bool list, check, stats, help, version, no_seccomp, batch, keep_state, json;
};

/* Parses argv as getopt_long(3) users expect, options first: they end at the first
 * operand (GUEST, or FUNCTION after -m) or at "--", so every word after FUNCTION is an
 * ARG, whatever it looks like.  Short options bundle ("-lV") and take their value attached
 * or as the next word ("-t1s", "-t 1s"); long ones take it as "--name=value" or the next
 * word, and are never abbreviated.  "-" alone is an operand.  o->json is set when
 * "--json" is among the options even when parsing fails, so that the failure can be
 * answered in JSON.  Errors: HL_E_USAGE with a message naming the bad option or value. */
enum hl_err cli_parse(int argc, char **argv, struct cli_opts *o, struct hl_diag *d);

/* Whether word is one of the options, as written on a command line ("-t", "--list",
 * "--timeout=1s"): what a FUNCTION that is none of the guest's may have been meant as. */
bool cli_is_option(const char *word);

void cli_help(FILE *f);

/* The exit status of an error class (0 for HL_OK), as documented in hlrun(1). */
int cli_exit_status(enum hl_err err);

/* Memory that converted arguments point into (stdin and @FILE contents). */
struct cli_argmem {
	uint8_t *blocks[HL_MAX_PARAMS];
	int n;
};

void cli_argmem_free(struct cli_argmem *m);

/* Converts the string arguments to e's declared parameter types into vals (nargs must
 * equal e->nparams).  limit bounds the bytes read from stdin or a file for one argument.
 * Strings and bytes point into argv or into m.  Errors: HL_E_USAGE naming the argument's
 * position, text and type, or an unreadable @FILE or standard input. */
enum hl_err cli_convert(const struct hl_export *e, char **args, int nargs, uint64_t limit,
			struct hl_value *vals, struct cli_argmem *m, struct hl_diag *d);

/* Prints a result as hlrun(1) describes: strings on one line, numbers in decimal (floats
 * in their shortest round-trip form), bool as true/false, bytes raw, void as nothing. */
void cli_print(FILE *out, const struct hl_value *v);

/* "Name(t1, t2) -> ret" for one export, into buf. */
void cli_signature(const struct hl_export *e, char *buf, size_t len);

/* Writes msg to f with everything a terminal could act on written as \xNN escapes, one
 * per byte: ASCII controls and DEL, the C1 controls (U+0080 to U+009F, CSI among them),
 * the bidirectional formatting characters, and every byte that is not part of
 * well-formed UTF-8.  Other text, UTF-8 included, is written as it is. */
void cli_put_message(FILE *f, const char *msg);

/* Prints every export's signature, one per line. */
void cli_list(FILE *out, const struct ldr_guest *g);

/* Batch mode (hlrun(1), BATCH MODE): one JSON object per input line names a call, one
 * JSON object per output line answers it. */
#define CLI_BATCH_ID_MAX 128

struct cli_batch_call {
	const struct hl_export *e;          /* the function; NULL until the line names one */
	struct hl_value args[HL_MAX_PARAMS]; /* converted to e's parameter types */
	char id[CLI_BATCH_ID_MAX];          /* the line's "id" as JSON text; "" when none */
};

/* Parses one input line of len bytes (without its newline; need not be NUL-terminated)
 * against g's exports.  limit bounds the bytes of one string or bytes argument.  Strings
 * and bytes point into memory owned by m, valid until cli_argmem_free(m).  c->id is set
 * as soon as it is read, so the answer to a bad line still carries it.  Errors:
 * HL_E_USAGE with a message naming what is wrong (bad JSON and where, unknown key or
 * function, wrong argument count, an argument that is not of its declared type);
 * HL_E_INTERNAL when memory runs out. */
enum hl_err cli_batch_parse(const char *line, size_t len, const struct ldr_guest *g,
			    uint64_t limit, struct cli_batch_call *c, struct cli_argmem *m,
			    struct hl_diag *d);

/* What the guest printed (HostPrint) that an answer carries, any bytes: during the call,
 * as "output", and during its initialisation, as "init_output" (the batch's first answer
 * alone).  Empty parts are left out. */
struct cli_printed {
	const char *call;
	size_t ncall;
	const char *init;
	size_t ninit;
};

/* --stats: the KVM and how long each phase of a run took. */
struct cli_stats {
	const char *kvm;           /* the KVM's description; "" when none was opened */
	const char *cache_ignored; /* why a manifest's snapshot cache did not serve, or NULL */
	uint64_t elf_ns, open_ns, create_ns, load_ns, init_ns, call_ns, total_ns;
};

/* Writes s as "hlrun: stats: ..." lines, as hlrun(1) shows them. */
void cli_print_stats(FILE *f, const struct cli_stats *s);

/* What a JSON answer carries besides its result or error; every member may be NULL. */
struct cli_answer {
	const char *id;                    /* a batch line's "id", as JSON text ("": none) */
	const struct cli_printed *printed; /* what the guest printed */
	const struct cli_stats *stats;     /* --stats */
};

/* The JSON answers (hlrun(1), JSON OUTPUT), each one line on out, which the caller
 * flushes and checks.  Strings are escaped as JSON needs and so is what a terminal acts
 * on (DEL, C1 controls, bidirectional formatting); invalid UTF-8 becomes U+FFFD. */

/* {"ok":true,"type":T,"value":V} with a's members. */
void cli_json_result(FILE *out, const struct cli_answer *a, const struct hl_value *v);

/* {"ok":false,"error":{"class":C,"status":N,"message":M}} with a's members.  An err that
 * is no error class is written as internal. */
void cli_json_error(FILE *out, const struct cli_answer *a, enum hl_err err, const char *msg);

/* --save-snapshot --json: {"ok":true,"snapshot":FILE} with a's members. */
void cli_json_saved(FILE *out, const struct cli_answer *a, const char *file);

/* --list --json: {"ok":true,"functions":[{"name":N,"params":[T...],"returns":T}...]}. */
void cli_json_list(FILE *out, const struct ldr_guest *g);

/* What --check --json reports: the configuration a run would have, and the exports. */
struct cli_check {
	const char *kind;   /* "elf", "snapshot" or "manifest" */
	bool from_snapshot; /* a run would start from a snapshot */
	const struct sbx_config *cfg;
	const struct ldr_guest *guest;
	char *const *command;        /* a manifest's host process, NULL-terminated; or NULL */
	uint64_t process_timeout_ms; /* its limits */
	uint64_t max_reply;
};

/* --check --json: {"ok":true,"kind":K,"snapshot":B,"memory":{...},"limits":{...},
 * "host_functions":[...],"env":[names, never values],"files":[...],
 * "maps":{NAME:PATH,...},"host_process":{"command":[...],"timeout_ms":N,
 * "max_reply":N,"functions":[...]} or null,"print_to":S,"functions":[...]}. */
void cli_json_check(FILE *out, const struct cli_check *c);

/* --version --json: {"ok":true,"version":V,"abi":N,"kvm":K}; without a KVM (kvm NULL),
 * "kvm":null and "no_kvm" saying why. */
void cli_json_version(FILE *out, const char *version, unsigned abi, const char *kvm,
		      const char *why);

/* Writes the answer to a call that succeeded, as one line, and flushes out; printed may
 * be NULL. */
void cli_batch_print_result(FILE *out, const struct cli_batch_call *c,
			    const struct hl_value *v, const struct cli_printed *printed);

/* Writes the answer to a line that failed (err is not HL_OK), as one line, and flushes
 * out; printed as for cli_batch_print_result(), after "error". */
void cli_batch_print_error(FILE *out, const struct cli_batch_call *c, enum hl_err err,
			   const char *msg, const struct cli_printed *printed);

/* How cli_batch_run() works. */
struct cli_batch_opts {
	bool keep_state;  /* restore only after a crash or timeout, not after every call */
	bool stats;       /* a timing line per call on standard error */
	uint64_t limit;   /* the input buffer's size: bounds arguments and lines */
	FILE *capture;    /* the stream the sandbox's HostPrint writes to (open_memstream) */
	char **captured;  /* that stream's buffer and size, as open_memstream() keeps them */
	size_t *ncaptured;
	const char *init_output; /* what the guest printed during its initialisation */
	size_t ninit_output;
	bool *answered;          /* set when an answer went out; may be NULL */
};

/* Answers each line of in on out, in order, with sandbox s of guest g, restoring s after
 * each call (see struct cli_batch_opts).  Each call has a max_output budget of its own;
 * the first answer carries the initialisation's output.  Empty lines are skipped; a line that is not a
 * valid call is answered with an error and the batch goes on.  Returns HL_OK when every
 * line succeeded, otherwise the class of the first failure, with a summary in d; or
 * HL_E_INTERNAL when the sandbox cannot be restored or input cannot be read, which ends
 * the batch. */
enum hl_err cli_batch_run(struct sbx *s, const struct ldr_guest *g, FILE *in, FILE *out,
			  const struct cli_batch_opts *o, struct hl_diag *d);

/* ---- The host process (hlrun-manifest(5), host_process) -------------------------- */

struct cli_bridge;

/* Starts the user's program argv (argv[0] found as execvp(3) does, argv NULL-terminated)
 * with pipes for its standard input and output, its standard error hlrun's, in a process
 * group of its own that gets SIGTERM when hlrun ends.  Call it before hlrun confines
 * itself.  It then serves calls of fns (the caller's, which must outlive it) through
 * cli_bridge_serve(), each answered within timeout_ms and in at most max_reply bytes.
 * Errors: HL_E_INVALID when argv[0] cannot be run (naming it and why), HL_E_INTERNAL. */
enum hl_err cli_bridge_start(char *const *argv, uint64_t timeout_ms, uint64_t max_reply,
			     const struct hl_export *fns, struct cli_bridge **out,
			     struct hl_diag *d);

/* struct sbx_extern's serve() for a bridge (ctx): one request line, one reply line.  A
 * process that has ended, does not answer in time, or answers with too much or garbage
 * gives the guest an error value (HL_ERR_HOST_FAILED) naming the function, the command
 * and what happened; the call's deadline gives HL_E_TIMEOUT, a stop signal
 * HL_E_INTERRUPTED or HL_E_TERMINATED. */
enum hl_err cli_bridge_serve(void *ctx, size_t i, const struct hl_value *args,
			     uint64_t deadline_ns, struct sbx_host_out *o, struct hl_diag *d);

/* Closes the process's input, which asks it to end, and waits a moment for it to.
 * Accepts NULL. */
void cli_bridge_stop(struct cli_bridge *b);

#endif
