/* The command line: options, usage and help, and the exit-status table. */
#include "cli/cli.h"
#include "common/units.h"

#include <string.h>
#include <strings.h>

static const struct {
	enum hl_err err;
	int status;
	const char *meaning;
} exit_table[] = {
	{ HL_OK, 0, "the function returned; its result was printed" },
	{ HL_E_GUEST, 1, "the guest function returned an error" },
	{ HL_E_USAGE, 2, "usage error: options, function name, argument count or types" },
	{ HL_E_INVALID, 3, "the guest or its configuration is invalid" },
	{ HL_E_CRASH, 4, "the guest crashed, aborted or broke the protocol" },
	{ HL_E_NOKVM, 5, "no usable KVM: none, or one that cannot run the guest" },
	{ HL_E_TIMEOUT, 124, "the time limit elapsed" },
	{ HL_E_INTERNAL, 125, "internal error in hlrun" },
};

int cli_exit_status(enum hl_err err)
{
	for (size_t i = 0; i < sizeof exit_table / sizeof exit_table[0]; i++)
		if (exit_table[i].err == err)
			return exit_table[i].status;
	return 125;
}

void cli_usage(FILE *f)
{
	fputs("usage: hlrun [-t DURATION] [--heap SIZE] [--stack SIZE] [--input-size SIZE]\n"
	      "             [--output-size SIZE] [--allow NAME]... [--stats]\n"
	      "             GUEST|MANIFEST|SNAPSHOT FUNCTION [ARG...]\n"
	      "       hlrun [OPTIONS] -m MANIFEST FUNCTION [ARG...]\n"
	      "       hlrun [OPTIONS] --batch [--keep-state] GUEST|MANIFEST|SNAPSHOT\n"
	      "       hlrun [OPTIONS] --save-snapshot FILE GUEST|MANIFEST\n"
	      "       hlrun --list GUEST|MANIFEST|SNAPSHOT\n"
	      "       hlrun --check GUEST|MANIFEST|SNAPSHOT\n"
	      "       hlrun --help | --version\n", f);
}

void cli_help(FILE *f)
{
	cli_usage(f);
	fputs("\nRun FUNCTION of the guest ELF GUEST, of the guest a YAML MANIFEST names, or of\n"
	      "a SNAPSHOT saved after the guest's init, in a KVM micro-VM and print its result.\n"
	      "Each ARG is converted to the type the guest declares for it; an ARG of '-' is\n"
	      "read from standard input, a bytes ARG of '@FILE' from FILE.  Options override\n"
	      "the manifest.\n\n"
	      "  -m, --manifest FILE     the manifest, even if it does not look like one\n"
	      "      --batch             run one call per JSON line of standard input, answer\n"
	      "                          each with a JSON line; memory is restored after each\n"
	      "      --keep-state        with --batch: keep memory from call to call\n"
	      "      --save-snapshot FILE  run the guest's init and save the VM to FILE\n"
	      "      --allow NAME        let the guest call host function NAME (repeatable)\n"
	      "      --check             validate the manifest and its guest, run nothing\n"
	      "  -t, --timeout DURATION  stop the guest after DURATION (e.g. 500ms, 2s, 1m)\n"
	      "      --heap SIZE         guest heap (default 8MiB; SIZE e.g. 65536, 64KiB, 1M)\n"
	      "      --stack SIZE        guest stack (default 512KiB)\n"
	      "      --input-size SIZE   buffer for the call's arguments (default 4MiB)\n"
	      "      --output-size SIZE  buffer for the result (default 4MiB)\n"
	      "  -l, --list              print the exported functions and their types\n"
	      "      --stats             print the KVM and the time of each phase to\n"
	      "                          standard error\n"
	      "      --no-seccomp        UNSAFE, for debugging: do not confine hlrun itself\n"
	      "  -h, --help              print this help\n"
	      "  -V, --version           print the version and which KVM this host has\n\n"
	      "Exit status:\n", f);
	for (size_t i = 0; i < sizeof exit_table / sizeof exit_table[0]; i++)
		fprintf(f, "  %3d  %s\n", exit_table[i].status, exit_table[i].meaning);
	fputs("  141  (killed by SIGPIPE) standard output was closed early, as by | head\n"
	      "  159  (killed by SIGSYS) hlrun broke its own seccomp filter: a bug in hlrun\n"
	      "\nSee hlrun(1).\n", f);
}

/* An operand such as "-5", "-.5", "-inf", "-nan" or "-" is not an option. */
static bool is_option(const char *a)
{
	if (a[0] != '-' || a[1] == '\0' || (a[1] >= '0' && a[1] <= '9') || a[1] == '.')
		return false;
	return strcasecmp(a, "-inf") != 0 && strcasecmp(a, "-infinity") != 0 &&
	       strcasecmp(a, "-nan") != 0;
}

/* Takes an option's value: "--name=value", or the next argument. */
static enum hl_err value_of(const char *opt, const char *eq, int argc, char **argv, int *i,
			    const char **val, struct hl_diag *d)
{
	if (eq != NULL) {
		*val = eq + 1;
		return HL_OK;
	}
	if (*i + 1 >= argc)
		return hl_fail(d, HL_E_USAGE, "option %s needs a value", opt);
	*val = argv[++*i];
	return HL_OK;
}

static enum hl_err option(const char *a, int argc, char **argv, int *i, struct cli_opts *o,
			  struct hl_diag *d)
{
	const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	const char *val = NULL;
	enum hl_err err;

#define IS(s) (len == strlen(s) && strncmp(a, s, len) == 0)
	if (IS("-t") || IS("--timeout")) {
		err = value_of(a, eq, argc, argv, i, &val, d);
		return err != HL_OK ? err : hl_parse_duration(val, &o->timeout_ms, d);
	}
	if (IS("-m") || IS("--manifest")) {
		err = value_of(a, eq, argc, argv, i, &val, d);
		if (err == HL_OK && o->manifest)
			return hl_fail(d, HL_E_USAGE, "option %s given twice", a);
		o->guest = val;
		o->manifest = true;
		return err;
	}
	if (IS("--allow")) {
		err = value_of(a, eq, argc, argv, i, &val, d);
		if (err == HL_OK && o->nallow == CLI_MAX_ALLOW)
			return hl_fail(d, HL_E_USAGE, "more than %d --allow options", CLI_MAX_ALLOW);
		if (err == HL_OK)
			o->allow[o->nallow++] = val;
		return err;
	}
	if (IS("--save-snapshot")) {
		err = value_of(a, eq, argc, argv, i, &val, d);
		o->save_snapshot = val;
		return err;
	}
	if (IS("--heap") || IS("--stack") || IS("--input-size") || IS("--output-size")) {
		uint64_t *dst = IS("--heap") ? &o->heap : IS("--stack") ? &o->stack :
				IS("--input-size") ? &o->input_size : &o->output_size;

		err = value_of(a, eq, argc, argv, i, &val, d);
		return err != HL_OK ? err : hl_parse_size(val, dst, d);
	}
	if (eq != NULL)
		return hl_fail(d, HL_E_USAGE, "option %.*s takes no value", (int)len, a);
	if (IS("-l") || IS("--list"))
		o->list = true;
	else if (IS("--check"))
		o->check = true;
	else if (IS("--no-seccomp"))
		o->no_seccomp = true;
	else if (IS("--batch"))
		o->batch = true;
	else if (IS("--keep-state"))
		o->keep_state = true;
	else if (IS("--stats"))
		o->stats = true;
	else if (IS("-h") || IS("--help"))
		o->help = true;
	else if (IS("-V") || IS("--version"))
		o->version = true;
	else
		return hl_fail(d, HL_E_USAGE, "unknown option %s", a);
#undef IS
	return HL_OK;
}

enum hl_err cli_parse(int argc, char **argv, struct cli_opts *o, struct hl_diag *d)
{
	bool options_done = false;
	int nops = 0;
	enum hl_err err;

	*o = (struct cli_opts){ 0 };
	/* Operands are compacted to the front of argv, in order. */
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];

		if (!options_done && strcmp(a, "--") == 0) {
			options_done = true;
		} else if (!options_done && is_option(a)) {
			err = option(a, argc, argv, &i, o, d);
			if (err != HL_OK)
				return err;
		} else {
			argv[1 + nops++] = a;
		}
	}
	if (o->help || o->version)
		return HL_OK;
	if (o->list + o->check + o->batch + (o->save_snapshot != NULL) > 1)
		return hl_fail(d, HL_E_USAGE, "--list, --check, --batch and --save-snapshot "
			       "exclude each other");
	if (o->keep_state && !o->batch)
		return hl_fail(d, HL_E_USAGE, "--keep-state needs --batch");
	/* With -m, the manifest is not an operand: operands start at FUNCTION. */
	if (!o->manifest) {
		if (nops < 1)
			return hl_fail(d, HL_E_USAGE, "missing GUEST or MANIFEST");
		o->guest = argv[1];
		argv++;
		nops--;
	}
	if (o->list || o->check || o->batch || o->save_snapshot != NULL)
		return nops == 0 ? HL_OK : hl_fail(d, HL_E_USAGE, "%s takes no FUNCTION or ARG",
						    o->list ? "--list" : o->check ? "--check" :
						    o->batch ? "--batch" : "--save-snapshot");
	if (nops < 1)
		return hl_fail(d, HL_E_USAGE, "missing FUNCTION (hlrun --list %s shows them)",
			       o->guest);
	o->function = argv[1];
	o->args = argv + 2;
	o->nargs = nops - 1;
	return HL_OK;
}
