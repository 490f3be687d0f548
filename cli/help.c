/* --help, and the one table that maps error classes to exit statuses. */
#include "cli/cli.h"

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
	{ HL_E_INTERRUPTED, 130, "SIGINT stopped the guest (hlrun ends by that signal)" },
	{ HL_E_TERMINATED, 143, "SIGTERM stopped the guest (hlrun ends by that signal)" },
};

int cli_exit_status(enum hl_err err)
{
	for (size_t i = 0; i < sizeof exit_table / sizeof exit_table[0]; i++)
		if (exit_table[i].err == err)
			return exit_table[i].status;
	return 125;
}

void cli_help(FILE *f)
{
	fputs("usage: hlrun [OPTIONS] GUEST|MANIFEST|SNAPSHOT FUNCTION [ARG...]\n"
	      "       hlrun [OPTIONS] -m MANIFEST FUNCTION [ARG...]\n"
	      "       hlrun [OPTIONS] --batch [--keep-state] GUEST|MANIFEST|SNAPSHOT\n"
	      "       hlrun [OPTIONS] --save-snapshot FILE GUEST|MANIFEST|SNAPSHOT\n"
	      "       hlrun [--json] --list GUEST|MANIFEST|SNAPSHOT\n"
	      "       hlrun [OPTIONS] --check GUEST|MANIFEST|SNAPSHOT\n"
	      "       hlrun --help | --version\n"
	      "\nRun FUNCTION of the guest ELF GUEST, of the guest a YAML MANIFEST names, or of\n"
	      "a SNAPSHOT saved after the guest's init, in a KVM micro-VM and print its result.\n"
	      "Options come first: every word after FUNCTION is an ARG, converted to the type\n"
	      "the guest declares for it; an ARG of '-' is read from standard input, a bytes\n"
	      "ARG of '@FILE' from FILE.  What the guest prints goes to standard error.\n"
	      "Options override the manifest.\n\n"
	      "  -m, --manifest FILE     the manifest, even if it does not look like one\n"
	      "      --batch             run one call per JSON line of standard input, answer\n"
	      "                          each with a JSON line; memory is restored after each\n"
	      "      --keep-state        with --batch: keep memory from call to call\n"
	      "      --save-snapshot FILE  run the guest's init and save the VM to FILE\n"
	      "      --check             validate the guest and its configuration, run nothing\n"
	      "  -l, --list              print the exported functions and their types\n"
	      "      --json              print the outcome, result or error, as one JSON object\n"
	      "  -t, --timeout DURATION  stop the guest after DURATION (e.g. 500ms, 2s, 1m)\n"
	      "      --heap SIZE         guest heap (default 8MiB; SIZE e.g. 65536, 64KiB, 1M)\n"
	      "      --stack SIZE        guest stack (default 512KiB)\n"
	      "      --input-size SIZE   buffer for the call's arguments (default 4MiB)\n"
	      "      --output-size SIZE  buffer for the result (default 4MiB)\n"
	      "      --allow NAME        let the guest call host function NAME (repeatable)\n"
	      "      --env NAME[=VALUE]  let GetEnv read variable NAME, or give it VALUE\n"
	      "                          (repeatable; allows GetEnv)\n"
	      "      --dir PATH          let ReadFile read PATH, a directory and everything\n"
	      "                          below it, or a file (repeatable; allows ReadFile)\n"
	      "      --map NAME=PATH     map file PATH read-only into the guest, which finds\n"
	      "                          it by NAME (repeatable; at most 16)\n"
	      "      --print-to STREAM   where the guest's HostPrint writes: stderr (the\n"
	      "                          default) or stdout\n"
	      "      --core FILE         when the guest crashes or times out, write its ELF\n"
	      "                          core to FILE (a new file) for gdb GUEST FILE\n"
	      "      --stats             print the KVM and the time of each phase to\n"
	      "                          standard error (into the JSON with --json)\n"
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
