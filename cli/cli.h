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
	bool list, check, stats, help, version, no_seccomp;
};

/* Parses argv.  Options may appear anywhere before "--"; an operand that starts with '-'
 * followed by a digit or '.', or that is -inf, -infinity or -nan (any case), is a
 * negative number, not an option; "-" alone is an operand.  Errors: HL_E_USAGE with a message naming the bad option or value. */
enum hl_err cli_parse(int argc, char **argv, struct cli_opts *o, struct hl_diag *d);

void cli_usage(FILE *f);
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

/* Prints every export's signature, one per line. */
void cli_list(FILE *out, const struct ldr_guest *g);

#endif
