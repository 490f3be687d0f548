/* Unit tests of cli/: exit statuses, options and durations. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/units.h"

/* ---- Exit statuses ------------------------------------------------------------------- */

Test(cli, exit_status_of_every_class)
{
	static const struct { enum hl_err err; int status; } table[] = {
		{ HL_OK, 0 }, { HL_E_GUEST, 1 }, { HL_E_USAGE, 2 }, { HL_E_INVALID, 3 },
		{ HL_E_CRASH, 4 }, { HL_E_NOKVM, 5 }, { HL_E_TIMEOUT, 124 },
		{ HL_E_INTERNAL, 125 },
	};

	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		cr_assert_eq(cli_exit_status(table[i].err), table[i].status, "class %d",
			     table[i].err);
	cr_assert_eq(cli_exit_status((enum hl_err)99), 125);
}

/* ---- Options ------------------------------------------------------------------------- */

/* A command line split at spaces into a mutable argv. */
struct cmd {
	char text[160];
	char *argv[24];
	int argc;
};

static void split(struct cmd *c, const char *line)
{
	cr_assert_lt(strlen(line), sizeof c->text);
	strcpy(c->text, line);
	c->argc = 0;
	for (char *w = strtok(c->text, " "); w != NULL; w = strtok(NULL, " ")) {
		cr_assert_lt(c->argc, 23);
		c->argv[c->argc++] = w;
	}
	c->argv[c->argc] = NULL;
}

/* Parses line into o, which must succeed; c holds the words that o points into. */
static void parse_ok(struct cmd *c, struct cli_opts *o, const char *line)
{
	struct hl_diag d = { 0 };

	split(c, line);
	cr_assert_eq(cli_parse(c->argc, c->argv, o, &d), HL_OK, "%s: %s", line, d.msg);
}

enum { LIST = 1, STATS = 2, HELP = 4, VERSION = 8 };

/* A command line that parses, and every field of the result.  An empty guest or function
 * stands for none (NULL): split() never makes an empty word. */
struct parse_case {
	char line[48];
	char guest[8], function[8];
	char args[24]; /* the ARG operands joined by spaces */
	int nargs;
	uint64_t timeout_ms;
	unsigned flags; /* LIST, STATS, HELP, VERSION */
};

ParameterizedTestParameters(cli, parse_accepts)
{
	static struct parse_case cases[] = {
		/* Options after operands. */
		{ "hlrun G F --timeout 1s a b", "G", "F", "a b", 2, 1000, 0 },
		{ "hlrun G --stats F a -t 3s b", "G", "F", "a b", 2, 3000, STATS },
		/* Option values; the last of an option given twice counts. */
		{ "hlrun --timeout=2s G F", "G", "F", "", 0, 2000, 0 },
		{ "hlrun -t 500ms G F x", "G", "F", "x", 1, 500, 0 },
		{ "hlrun -t 1s G F --timeout=1m", "G", "F", "", 0, 60000, 0 },
		/* Negative numbers, infinities and NaNs are operands. */
		{ "hlrun G Add -5 -0x10 -.5 -0", "G", "Add", "-5 -0x10 -.5 -0", 4, 0, 0 },
		{ "hlrun G EchoF64 -inf -nan -INF -NaN", "G", "EchoF64", "-inf -nan -INF -NaN",
		  4, 0, 0 },
		/* So is '-'. */
		{ "hlrun G F - x -", "G", "F", "- x -", 3, 0, 0 },
		/* '--' ends the options. */
		{ "hlrun G F -- -x --timeout --", "G", "F", "-x --timeout --", 3, 0, 0 },
		{ "hlrun -t 2s -- --list G F", "--list", "G", "F", 1, 2000, 0 },
		/* --list takes a guest and no function. */
		{ "hlrun --list G", "G", "", "", 0, 0, LIST },
		{ "hlrun G -l", "G", "", "", 0, 0, LIST },
		/* --help and --version need no operands. */
		{ "hlrun --help", "", "", "", 0, 0, HELP },
		{ "hlrun -h G", "", "", "", 0, 0, HELP },
		{ "hlrun -V", "", "", "", 0, 0, VERSION },
		{ "hlrun --version --stats", "", "", "", 0, 0, STATS | VERSION },
	};

	return cr_make_param_array(struct parse_case, cases, sizeof cases / sizeof cases[0]);
}

static void assert_str_or_null(const char *got, const char *want, const char *what)
{
	if (want[0] == '\0')
		cr_assert_null(got, "%s: %s", what, got);
	else
		cr_assert_str_eq(got, want, "%s", what);
}

ParameterizedTest(struct parse_case *w, cli, parse_accepts)
{
	const char *line = w->line;
	struct cmd c;
	struct cli_opts o;
	char args[160] = "";

	parse_ok(&c, &o, line);
	assert_str_or_null(o.guest, w->guest, "guest");
	assert_str_or_null(o.function, w->function, "function");
	cr_assert_eq(o.nargs, w->nargs, "%s: nargs %d", line, o.nargs);
	if (w->function[0] == '\0')
		cr_assert_null(o.args);
	else
		cr_assert_eq(o.args, c.argv + 3, "%s", line);
	for (int i = 0; i < o.nargs; i++)
		snprintf(args + strlen(args), sizeof args - strlen(args), "%s%s", i ? " " : "",
			 o.args[i]);
	cr_assert_str_eq(args, w->args, "%s", line);
	cr_assert_eq(o.timeout_ms, w->timeout_ms, "%s: %llu ms", line,
		     (unsigned long long)o.timeout_ms);
	cr_assert_eq(o.list, (w->flags & LIST) != 0, "%s: list", line);
	cr_assert_eq(o.stats, (w->flags & STATS) != 0, "%s: stats", line);
	cr_assert_eq(o.help, (w->flags & HELP) != 0, "%s: help", line);
	cr_assert_eq(o.version, (w->flags & VERSION) != 0, "%s: version", line);
}

struct bad_cmd {
	char line[64];
	char msg[112];
};

ParameterizedTestParameters(cli, parse_rejects)
{
	static struct bad_cmd cases[] = {
		{ "hlrun", "missing GUEST or MANIFEST" },
		{ "hlrun --stats -t 1s", "missing GUEST or MANIFEST" },
		{ "hlrun G", "missing FUNCTION (hlrun --list G shows them)" },
		{ "hlrun --list", "missing GUEST or MANIFEST" },
		{ "hlrun --list G F", "--list takes no FUNCTION or ARG" },
		{ "hlrun G F --list x", "--list takes no FUNCTION or ARG" },
		{ "hlrun G F --bogus", "unknown option --bogus" },
		{ "hlrun -x G F", "unknown option -x" },
		{ "hlrun G F -t5s", "unknown option -t5s" },
		{ "hlrun G F -t", "option -t needs a value" },
		{ "hlrun G F --timeout", "option --timeout needs a value" },
		{ "hlrun --list=1 G", "option --list takes no value" },
		{ "hlrun --check G F", "--check takes no FUNCTION or ARG" },
		{ "hlrun --check --list G",
		  "--list, --check, --batch and --save-snapshot exclude each other" },
		{ "hlrun --batch --save-snapshot S G",
		  "--list, --check, --batch and --save-snapshot exclude each other" },
		{ "hlrun --batch G F", "--batch takes no FUNCTION or ARG" },
		{ "hlrun --save-snapshot S G F 1", "--save-snapshot takes no FUNCTION or ARG" },
		{ "hlrun --save-snapshot", "option --save-snapshot needs a value" },
		{ "hlrun --keep-state G F", "--keep-state needs --batch" },
		{ "hlrun --batch=1 G", "option --batch takes no value" },
		{ "hlrun --batch", "missing GUEST or MANIFEST" },
		{ "hlrun -m a -m b F", "option -m given twice" },
		{ "hlrun -m M", "missing FUNCTION (hlrun --list M shows them)" },
		{ "hlrun --stats=yes G F", "option --stats takes no value" },
		{ "hlrun G F -t 2x",
		  "bad duration '2x' (use a number with ms, s, m or h, e.g. 500ms or 2s)" },
		{ "hlrun --timeout= G F",
		  "bad duration '' (use a number with ms, s, m or h, e.g. 500ms or 2s)" },
		{ "hlrun -t 0 G F", "duration '0' is zero" },
		{ "hlrun G F -t 25h", "duration '25h' is longer than the maximum (24h)" },
		{ "hlrun G F --heap 0", "size '0' is zero" },
		{ "hlrun G F --stack 1T",
		  "bad size '1T' (use bytes or a number with K, KiB, M, MiB, G or GiB, e.g. "
		  "64KiB)" },
		{ "hlrun G F --input-size 99999999999999999999",
		  "size '99999999999999999999' is too large" },
	};

	return cr_make_param_array(struct bad_cmd, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_cmd *c, cli, parse_rejects)
{
	struct cmd cmd;
	struct cli_opts o;
	struct hl_diag d = { 0 };

	split(&cmd, c->line);
	cr_assert_eq(cli_parse(cmd.argc, cmd.argv, &o, &d), HL_E_USAGE, "%s", c->line);
	cr_assert_eq(d.err, HL_E_USAGE);
	cr_assert_str_eq(d.msg, c->msg, "%s", c->line);
}

/* ---- Durations ----------------------------------------------------------------------- */

enum dur_result { DUR_OK, DUR_BAD, DUR_ZERO, DUR_LONG };

struct dur_case {
	char text[24];
	enum dur_result result;
	uint64_t ms;
};

ParameterizedTestParameters(cli, duration)
{
	static struct dur_case cases[] = {
		{ "1s", DUR_OK, 1000 },
		{ "1", DUR_OK, 1000 },
		{ "250ms", DUR_OK, 250 },
		{ "1.5s", DUR_OK, 1500 },
		{ "2m", DUR_OK, 120000 },
		{ "0.5m", DUR_OK, 30000 },
		{ "0.0001s", DUR_OK, 1 },  /* rounds up */
		{ "0.5ms", DUR_OK, 1 },
		{ "1e3ms", DUR_OK, 1000 },
		{ "1.1s", DUR_OK, 1100 },
		{ "2.007s", DUR_OK, 2007 },
		{ "86400s", DUR_OK, 86400000 },
		{ "1440m", DUR_OK, 86400000 },
		{ "86400000ms", DUR_OK, 86400000 },
		{ "86401s", DUR_LONG, 0 },
		{ "86400.001s", DUR_LONG, 0 },
		{ "86400001ms", DUR_LONG, 0 },
		{ "1441m", DUR_LONG, 0 },
		{ "0", DUR_ZERO, 0 },
		{ "0s", DUR_ZERO, 0 },
		{ "0ms", DUR_ZERO, 0 },
		{ "-1s", DUR_BAD, 0 },
		{ "-0", DUR_BAD, 0 },
		{ "+1s", DUR_BAD, 0 },
		{ " 1s", DUR_BAD, 0 },
		{ "1h", DUR_OK, 3600000 },
		{ "24h", DUR_OK, 86400000 },
		{ "25h", DUR_LONG, 0 },
		{ "s", DUR_BAD, 0 },
		{ "ms", DUR_BAD, 0 },
		{ "", DUR_BAD, 0 },
		{ "1 s", DUR_BAD, 0 },
		{ "1s ", DUR_BAD, 0 },
		{ "1sec", DUR_BAD, 0 },
		{ "1S", DUR_BAD, 0 },
		{ "nan", DUR_BAD, 0 },
		{ "inf", DUR_BAD, 0 },
		{ "infs", DUR_BAD, 0 },
		{ "1e999s", DUR_BAD, 0 },
	};

	return cr_make_param_array(struct dur_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct dur_case *c, cli, duration)
{
	struct hl_diag d = { 0 };
	uint64_t ms = 777;
	enum hl_err err = hl_parse_duration(c->text, &ms, &d);
	char want[160];

	if (c->result == DUR_OK) {
		cr_assert_eq(err, HL_OK, "'%s': %s", c->text, d.msg);
		cr_assert_eq(ms, c->ms, "'%s': got %llu ms, want %llu", c->text,
			     (unsigned long long)ms, (unsigned long long)c->ms);
		return;
	}
	if (c->result == DUR_BAD)
		snprintf(want, sizeof want, "bad duration '%s' (use a number with ms, s, m or "
			 "h, e.g. 500ms or 2s)", c->text);
	else if (c->result == DUR_ZERO)
		snprintf(want, sizeof want, "duration '%s' is zero", c->text);
	else
		snprintf(want, sizeof want, "duration '%s' is longer than the maximum (24h)",
			 c->text);
	cr_assert_eq(err, HL_E_USAGE, "'%s' accepted as %llu ms", c->text,
		     (unsigned long long)ms);
	cr_assert_str_eq(d.msg, want);
}

/* ---- Manifest options ---------------------------------------------------------------- */

Test(cli, manifest_option_and_allow_list)
{
	struct cmd c;
	struct cli_opts o;

	parse_ok(&c, &o, "hlrun --allow GetEnv -m m.yaml Echo --allow=ReadFile x --heap 1M");
	cr_assert(o.manifest);
	cr_assert_str_eq(o.guest, "m.yaml");
	cr_assert_str_eq(o.function, "Echo");
	cr_assert_eq(o.nargs, 1);
	cr_assert_str_eq(o.args[0], "x");
	cr_assert_eq(o.nallow, 2);
	cr_assert_str_eq(o.allow[0], "GetEnv");
	cr_assert_str_eq(o.allow[1], "ReadFile");
	cr_assert_eq(o.heap, 1u << 20);
}

Test(cli, check_takes_one_operand)
{
	struct cmd c;
	struct cli_opts o;

	parse_ok(&c, &o, "hlrun --check plugin.yaml");
	cr_assert(o.check);
	cr_assert_not(o.manifest);
	cr_assert_str_eq(o.guest, "plugin.yaml");
	cr_assert_null(o.function);
}

Test(cli, too_many_allow_options)
{
	char line[600] = "hlrun";
	struct cli_opts o;
	struct hl_diag d = { 0 };
	char *argv[64];
	int argc = 0;

	argv[argc++] = line;
	for (int i = 0; i <= CLI_MAX_ALLOW; i++) {
		argv[argc++] = (char *)(uintptr_t)"--allow";
		argv[argc++] = (char *)(uintptr_t)"HostPrint";
	}
	argv[argc] = NULL;
	cr_assert_eq(cli_parse(argc, argv, &o, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "more than 16 --allow options");
}

