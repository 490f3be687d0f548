/* Unit tests of cli/options.c: the command line as getopt_long(3) users expect it,
 * options first, every word after FUNCTION an argument. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

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

enum { LIST = 1, STATS = 2, HELP = 4, VERSION = 8, JSON = 16, CHECK = 32, MANIFEST = 64 };

/* A command line that parses, and every field of the result.  An empty guest or function
 * stands for none (NULL): split() never makes an empty word. */
struct parse_case {
	char line[48];
	char guest[8], function[8];
	char args[24]; /* the ARG operands joined by spaces */
	int nargs;
	uint64_t timeout_ms;
	unsigned flags;
};

ParameterizedTestParameters(cli, parse_accepts)
{
	static struct parse_case cases[] = {
		/* Every word after FUNCTION is an argument, options and '--' too. */
		{ "hlrun G F --timeout 1s a b", "G", "F", "--timeout 1s a b", 4, 0, 0 },
		{ "hlrun G F -x --help -- -", "G", "F", "-x --help -- -", 4, 0, 0 },
		{ "hlrun G --list", "G", "--list", "", 0, 0, 0 },
		/* Option values: attached, after '=', or the next word. */
		{ "hlrun --timeout=2s G F", "G", "F", "", 0, 2000, 0 },
		{ "hlrun -t 500ms G F x", "G", "F", "x", 1, 500, 0 },
		{ "hlrun -t1s G F", "G", "F", "", 0, 1000, 0 },
		/* Short options bundle; one with a value ends the bundle. */
		{ "hlrun -lt 2s G", "G", "", "", 0, 2000, LIST },
		{ "hlrun -lt2s G", "G", "", "", 0, 2000, LIST },
		{ "hlrun -lV", "", "", "", 0, 0, LIST | VERSION },
		/* The last of an option given twice counts. */
		{ "hlrun -t 1s --timeout=1m G F", "G", "F", "", 0, 60000, 0 },
		/* Negative numbers, infinities and NaNs are arguments like any word. */
		{ "hlrun G Add -5 -0x10 -.5 -0", "G", "Add", "-5 -0x10 -.5 -0", 4, 0, 0 },
		{ "hlrun G EchoF64 -inf -nan -INF", "G", "EchoF64", "-inf -nan -INF", 3, 0, 0 },
		/* So is '-', which is an operand wherever it stands. */
		{ "hlrun G F - x -", "G", "F", "- x -", 3, 0, 0 },
		{ "hlrun - F", "-", "F", "", 0, 0, 0 },
		/* '--' ends the options. */
		{ "hlrun -- -G F -x", "-G", "F", "-x", 1, 0, 0 },
		{ "hlrun -t 2s -- --list G F", "--list", "G", "F", 1, 2000, 0 },
		/* -m names the manifest: the first operand is FUNCTION. */
		{ "hlrun -m M F --json", "M", "F", "--json", 1, 0, MANIFEST },
		{ "hlrun -lm M", "M", "", "", 0, 0, LIST | MANIFEST },
		/* --list and --check take a guest and no function. */
		{ "hlrun --list G", "G", "", "", 0, 0, LIST },
		{ "hlrun -l G", "G", "", "", 0, 0, LIST },
		{ "hlrun --json --check G", "G", "", "", 0, 0, JSON | CHECK },
		{ "hlrun --json G F 1", "G", "F", "1", 1, 0, JSON },
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
	if (w->function[0] == '\0') {
		cr_assert_null(o.args);
	} else {
		/* The arguments are argv's own words, those right after FUNCTION. */
		int f = 1;

		while (f < c.argc && c.argv[f] != o.function)
			f++;
		cr_assert_eq(o.args, c.argv + f + 1, "%s", line);
	}
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
	cr_assert_eq(o.json, (w->flags & JSON) != 0, "%s: json", line);
	cr_assert_eq(o.check, (w->flags & CHECK) != 0, "%s: check", line);
	cr_assert_eq(o.manifest, (w->flags & MANIFEST) != 0, "%s: manifest", line);
}

struct bad_cmd {
	char line[64];
	char msg[160];
};

/* What --map says of a value without "=", a bad NAME, an empty PATH. */
#define NOT_MAP(v) "option --map " v ": not NAME=PATH"
#define BAD_NAME(v, n) "option --map " v ": NAME '" n "' is not an identifier of 1 to 31 " \
	"characters ([A-Za-z_][A-Za-z0-9_]*)"
#define NO_PATH(v) "option --map " v ": PATH is empty"

ParameterizedTestParameters(cli, parse_rejects)
{
	static struct bad_cmd cases[] = {
		{ "hlrun", "missing GUEST or MANIFEST" },
		{ "hlrun --stats -t 1s", "missing GUEST or MANIFEST" },
		{ "hlrun G", "missing FUNCTION (hlrun --list G shows them)" },
		{ "hlrun --list", "missing GUEST or MANIFEST" },
		{ "hlrun --list G F", "--list takes no FUNCTION or ARG" },
		{ "hlrun --bogus G F", "unknown option --bogus" },
		{ "hlrun --bogus=1 G F", "unknown option --bogus" },
		/* Long options are never abbreviated. */
		{ "hlrun --time 1s G F", "unknown option --time" },
		{ "hlrun -x G F", "unknown option -x" },
		{ "hlrun -lx G", "unknown option -x" },
		/* A negative number before GUEST is no option either. */
		{ "hlrun -5 G F", "unknown option -5" },
		{ "hlrun -t", "option -t needs a value" },
		{ "hlrun -lt", "option -t needs a value" },
		{ "hlrun --timeout", "option --timeout needs a value" },
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
		{ "hlrun -m a --manifest=b F", "option --manifest given twice" },
		{ "hlrun -m M", "missing FUNCTION (hlrun --list M shows them)" },
		{ "hlrun --stats=yes G F", "option --stats takes no value" },
		{ "hlrun --print-to=stdio G F",
		  "option --print-to takes stdout or stderr, not 'stdio'" },
		{ "hlrun --env 1X G F",
		  "option --env 1X: not a variable name ([A-Za-z_][A-Za-z0-9_]*)" },
		{ "hlrun --env =v G F",
		  "option --env : not a variable name ([A-Za-z_][A-Za-z0-9_]*)" },
		{ "hlrun --env A --env A=1 G F", "option --env A given twice" },
		{ "hlrun --dir= G F", "option --dir needs a path, not an empty one" },
		{ "hlrun --core= G F", "option --core needs a file, not an empty name" },
		{ "hlrun --core", "option --core needs a value" },
		{ "hlrun --dir d --dir=d G F", "option --dir d given twice" },
		/* --map NAME=PATH: NAME an identifier of 1 to 31 characters, PATH not empty,
		 * each NAME once. */
		{ "hlrun --map abc G F", NOT_MAP("abc") },
		{ "hlrun --map a= G F", NO_PATH("a=") },
		{ "hlrun --map =x G F", BAD_NAME("=x", "") },
		{ "hlrun --map= G F", NOT_MAP("") },
		{ "hlrun --map 1a=x G F", BAD_NAME("1a=x", "1a") },
		{ "hlrun --map a-b=x G F", BAD_NAME("a-b=x", "a-b") },
		{ "hlrun --map ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcde=x G F",
		  BAD_NAME("ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcde=x", "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcde") },
		{ "hlrun --map a=x --map=a=y G F", "option --map a given twice" },
		{ "hlrun --map a=x --map b=y --map a=x G F", "option --map a given twice" },
		{ "hlrun --map", "option --map needs a value" },
		{ "hlrun -t 2x G F",
		  "bad duration '2x' (use a number with ms, s, m or h, e.g. 500ms or 2s)" },
		{ "hlrun --timeout= G F",
		  "bad duration '' (use a number with ms, s, m or h, e.g. 500ms or 2s)" },
		{ "hlrun -t 0 G F", "duration '0' is zero" },
		{ "hlrun -t25h G F", "duration '25h' is longer than the maximum (24h)" },
		{ "hlrun --heap 0 G F", "size '0' is zero" },
		{ "hlrun --stack 1T G F",
		  "bad size '1T' (use bytes or a number with K, KiB, M, MiB, G or GiB, e.g. "
		  "64KiB)" },
		{ "hlrun --input-size 99999999999999999999 G F",
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

/* A failure is answered in JSON when --json is among the options, before or after the
 * bad one, but not when it is an argument. */
Test(cli, json_survives_a_bad_option)
{
	static const struct { const char *line; bool json; } cases[] = {
		{ "hlrun --json --bogus G F", true },
		{ "hlrun --bogus --json G F", true },
		{ "hlrun -t 1x -l --json G", true },
		/* Values of the options after the bad one are skipped, not taken for GUEST. */
		{ "hlrun --bogus -t 1s --json G F", true },
		{ "hlrun --bogus --timeout 1s --env A=b -lt 2 --json G", true },
		{ "hlrun --bogus -t1s --dir=d --json G", true },
		{ "hlrun --bogus --map a=b --map=c=d --json G", true },
		/* A value that looks like --json is a value. */
		{ "hlrun --bogus --save-snapshot --json G", false },
		{ "hlrun --bogus --map --json G", false },
		{ "hlrun --bogus G F --json", false },
		{ "hlrun --bogus -- --json F", false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct cmd c;
		struct cli_opts o;
		struct hl_diag d = { 0 };

		split(&c, cases[i].line);
		cr_assert_eq(cli_parse(c.argc, c.argv, &o, &d), HL_E_USAGE, "%s", cases[i].line);
		cr_assert_eq(o.json, cases[i].json, "%s", cases[i].line);
	}
}

/* ---- Grants and streams ------------------------------------------------------------- */

Test(cli, manifest_option_and_allow_list)
{
	struct cmd c;
	struct cli_opts o;

	parse_ok(&c, &o, "hlrun --allow GetEnv -m m.yaml --allow=ReadFile --heap 1M Echo x");
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

Test(cli, env_and_dir_grants_in_order)
{
	struct cmd c;
	struct cli_opts o;

	parse_ok(&c, &o, "hlrun --env HOME --env=A_1=x=y --env B= --dir d/e --dir=/ G F");
	cr_assert_eq(o.nenv, 3);
	cr_assert_str_eq(o.env[0], "HOME");
	cr_assert_str_eq(o.env[1], "A_1=x=y");
	cr_assert_str_eq(o.env[2], "B=");
	cr_assert_eq(o.ndirs, 2);
	cr_assert_str_eq(o.dirs[0], "d/e");
	cr_assert_str_eq(o.dirs[1], "/");
	cr_assert_null(o.print_to);
	parse_ok(&c, &o, "hlrun --print-to stdout --print-to=stderr G F");
	cr_assert_str_eq(o.print_to, "stderr");
	parse_ok(&c, &o, "hlrun --print-to=stdout G F");
	cr_assert_str_eq(o.print_to, "stdout");
	cr_assert_null(o.core);
	parse_ok(&c, &o, "hlrun --core a.core --core=b.core G F");
	cr_assert_str_eq(o.core, "b.core");
}

/* --map keeps each NAME=PATH as written, in order; the first '=' ends NAME, so PATH may
 * hold more, and --map=NAME=PATH is the same option. */
Test(cli, map_specs_in_order)
{
	struct cmd c;
	struct cli_opts o;
	struct sbx_map m;

	parse_ok(&c, &o, "hlrun G F");
	cr_assert_eq(o.nmaps, 0);
	parse_ok(&c, &o, "hlrun --map a=b=c --map=N_1=/p/q "
		 "--map ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcd=./x --map _=- G F y");
	cr_assert_eq(o.nmaps, 4);
	cr_assert_str_eq(o.maps[0], "a=b=c");
	cr_assert_str_eq(o.maps[1], "N_1=/p/q");
	cr_assert_str_eq(o.maps[2], "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcd=./x");
	cr_assert_str_eq(o.maps[3], "_=-");
	cr_assert_str_eq(o.guest, "G");
	cr_assert_str_eq(o.function, "F");
	cr_assert_eq(o.nargs, 1);
	cr_assert(sbx_map_split(o.maps[0], &m));
	cr_assert_str_eq(m.name, "a");
	cr_assert_str_eq(m.path, "b=c");
	cr_assert(sbx_map_split(o.maps[2], &m));
	cr_assert_str_eq(m.name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcd");
	cr_assert_str_eq(m.path, "./x");
	/* After FUNCTION, --map is an argument like any word. */
	parse_ok(&c, &o, "hlrun G F --map a=b");
	cr_assert_eq(o.nmaps, 0);
	cr_assert_eq(o.nargs, 2);
}

/* 16 --map options parse, a 17th is refused (distinct names, so that it is the count
 * that is refused). */
Test(cli, at_most_16_maps)
{
	static char values[HL_MAX_MAPS + 1][16];
	char *argv[2 * (HL_MAX_MAPS + 1) + 4];
	struct cli_opts o;
	struct hl_diag d = { 0 };
	int argc = 0;

	argv[argc++] = (char *)(uintptr_t)"hlrun";
	for (int i = 0; i <= HL_MAX_MAPS; i++) {
		snprintf(values[i], sizeof values[i], "m%d=f%d", i, i);
		argv[argc++] = (char *)(uintptr_t)"--map";
		argv[argc++] = values[i];
	}
	argv[argc++] = (char *)(uintptr_t)"G";
	argv[argc++] = (char *)(uintptr_t)"F";
	argv[argc] = NULL;
	cr_assert_eq(cli_parse(argc, argv, &o, &d), HL_E_USAGE);
	cr_assert_eq(d.err, HL_E_USAGE);
	cr_assert_str_eq(d.msg, "more than 16 --map options");
	argv[2 * HL_MAX_MAPS + 1] = (char *)(uintptr_t)"G";
	argv[2 * HL_MAX_MAPS + 2] = (char *)(uintptr_t)"F";
	argv[2 * HL_MAX_MAPS + 3] = NULL;
	cr_assert_eq(cli_parse(2 * HL_MAX_MAPS + 3, argv, &o, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(o.nmaps, HL_MAX_MAPS);
	cr_assert_str_eq(o.maps[0], "m0=f0");
	cr_assert_str_eq(o.maps[HL_MAX_MAPS - 1], "m15=f15");
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

/* Each repeatable option has its bound: one more is refused, by name. */
static void too_many(const char *opt, const char *prefix, int max, const char *msg)
{
	static char values[CLI_MAX_GRANTS + 1][16];
	char *argv[2 * (CLI_MAX_GRANTS + 1) + 4];
	struct cli_opts o;
	struct hl_diag d = { 0 };
	int argc = 0;

	argv[argc++] = (char *)(uintptr_t)"hlrun";
	for (int i = 0; i <= max; i++) {
		snprintf(values[i], sizeof values[i], "%s%d", prefix, i);
		argv[argc++] = (char *)(uintptr_t)opt;
		argv[argc++] = values[i];
	}
	argv[argc++] = (char *)(uintptr_t)"G";
	argv[argc++] = (char *)(uintptr_t)"F";
	argv[argc] = NULL;
	cr_assert_eq(cli_parse(argc, argv, &o, &d), HL_E_USAGE, "%s", opt);
	cr_assert_str_eq(d.msg, msg);
	/* One fewer parses. */
	argv[2 * max + 1] = (char *)(uintptr_t)"G";
	argv[2 * max + 2] = (char *)(uintptr_t)"F";
	argv[2 * max + 3] = NULL;
	cr_assert_eq(cli_parse(2 * max + 3, argv, &o, &d), HL_OK, "%s: %s", opt, d.msg);
}

Test(cli, too_many_repeated_options)
{
	too_many("--allow", "A", CLI_MAX_ALLOW, "more than 16 --allow options");
	too_many("--env", "V", CLI_MAX_GRANTS, "more than 256 --env options");
	too_many("--dir", "d", CLI_MAX_GRANTS, "more than 256 --dir options");
}

Test(cli, is_option_knows_every_spelling)
{
	static const char *const yes[] = { "-t", "-l", "-lt", "-t1s", "--list", "--timeout",
					   "--timeout=1s", "--json", "-h", "--print-to=stdout",
					   "--map", "--map=a=b" };
	static const char *const no[] = { "-", "--", "-5", "-x", "--bogus", "--tim", "Echo",
					  "", "list", "--ma", "--maps" };

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		cr_assert(cli_is_option(yes[i]), "%s", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		cr_assert_not(cli_is_option(no[i]), "%s", no[i]);
}
