/* Unit tests of the manifest's host_process (target/manifest_process.c and its keys):
 * every field of a valid one, the program's path, the bounds accepted, and each malformed
 * host_process with its exact message and position. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "target/manifest.h"
#include "tests/unit/test_manifest.h"

/* Parses text that must be valid; the caller frees the result. */
static struct mf_manifest *parse_ok(const char *path, const char *text)
{
	struct hl_diag d = { 0 };
	struct mf_manifest *m = NULL;

	cr_assert_eq(mf_parse(text, strlen(text), path, &m, &d), HL_OK, "%s: %s", text, d.msg);
	cr_assert_not_null(m);
	return m;
}

/* The signature of m's function i: its name, return type and parameter types. */
static void assert_function(const struct mf_manifest *m, size_t i, const char *name,
			    uint8_t ret, size_t n, const uint8_t *params)
{
	const struct hl_export *e = &m->functions[i];

	cr_assert_str_eq(e->name, name, "function %zu", i);
	cr_assert_eq(e->ret, ret, "%s", name);
	cr_assert_eq(e->nparams, n, "%s", name);
	for (size_t p = 0; p < HL_MAX_PARAMS; p++)
		cr_assert_eq(e->params[p], p < n ? params[p] : 0, "%s: parameter %zu", name, p);
	cr_assert_eq(e->fn, 0, "%s", name);
}

/* ---- Valid host processes ------------------------------------------------------------ */

Test(manifest_process, full_sets_every_field)
{
	static const uint8_t mix[12] = { HL_T_I32, HL_T_U32, HL_T_I64, HL_T_U64, HL_T_F32,
		HL_T_F64, HL_T_BOOL, HL_T_STRING, HL_T_BYTES, HL_T_I32, HL_T_U32, HL_T_I64 };
	static const uint8_t one_string[] = { HL_T_STRING }, one_bool[] = { HL_T_BOOL };
	struct mf_manifest *m = parse_ok("dir/m.yaml",
		"guest: g.elf\n"
		"host_process:\n"
		"  command: [./bin/serve.py, --flag, 'a b', lib/x.py, '']\n"
		"  timeout: 250ms\n"
		"  max_reply: 1MiB\n"
		"  functions:\n"
		"    Upper: {params: [string], returns: string}\n"
		"    Mix:\n"
		"      returns: bytes\n"
		"      params: [i32, u32, i64, u64, f32, f64, bool, string, bytes, i32, u32, "
		"i64]\n"
		"    Now: {returns: u64}\n"
		"    Ping: {}\n"
		"    Take: {params: [bool], returns: void}\n"
		"    _: {params: []}\n");

	cr_assert_eq(m->ncommand, 5);
	cr_assert_str_eq(m->command[0], "dir/./bin/serve.py");
	cr_assert_str_eq(m->command[1], "--flag");
	cr_assert_str_eq(m->command[2], "a b");
	cr_assert_str_eq(m->command[3], "lib/x.py");
	cr_assert_str_eq(m->command[4], "");
	cr_assert_null(m->command[5]);
	cr_assert_eq(m->process_line, 3);
	cr_assert_eq(m->process_col, 3);
	cr_assert_eq(m->process_timeout_ms, 250);
	cr_assert_eq(m->max_reply, 1u << 20);
	cr_assert_eq(m->nfunctions, 6);
	assert_function(m, 0, "Upper", HL_T_STRING, 1, one_string);
	assert_function(m, 1, "Mix", HL_T_BYTES, 12, mix);
	assert_function(m, 2, "Now", HL_T_U64, 0, NULL);
	assert_function(m, 3, "Ping", HL_T_VOID, 0, NULL);
	assert_function(m, 4, "Take", HL_T_VOID, 1, one_bool);
	assert_function(m, 5, "_", HL_T_VOID, 0, NULL);
	mf_free(m);
}

/* timeout and max_reply left out stay unset (target/ gives the defaults); a manifest
 * without host_process has none of its fields. */
Test(manifest_process, defaults_are_unset)
{
	struct mf_manifest *m = parse_ok("m.yaml", "guest: g\nhost_process: {command: [srv], "
					 "functions: {F: {}}}\n");

	cr_assert_eq(m->ncommand, 1);
	cr_assert_str_eq(m->command[0], "srv");
	cr_assert_null(m->command[1]);
	cr_assert_eq(m->process_line, 2);
	cr_assert_eq(m->process_col, 15);
	cr_assert_eq(m->process_timeout_ms, 0);
	cr_assert_eq(m->max_reply, 0);
	cr_assert_eq(m->nfunctions, 1);
	assert_function(m, 0, "F", HL_T_VOID, 0, NULL);
	mf_free(m);
	m = parse_ok("m.yaml", "guest: g\n");
	cr_assert_null(m->command);
	cr_assert_eq(m->ncommand, 0);
	cr_assert_eq(m->process_line, 0);
	cr_assert_eq(m->nfunctions, 0);
	mf_free(m);
}

struct program_case {
	char manifest[16];
	char written[24];
	char want[32];
};

/* The program alone is joined to the manifest's directory, and only when it has a '/':
 * one without is looked up in PATH. */
ParameterizedTestParameters(manifest_process, program_path)
{
	static struct program_case cases[] = {
		{ "dir/m.yaml", "./srv", "dir/./srv" },
		{ "dir/m.yaml", "bin/srv", "dir/bin/srv" },
		{ "dir/m.yaml", "../srv", "dir/../srv" },
		{ "dir/m.yaml", "/usr/bin/env", "/usr/bin/env" },
		{ "dir/m.yaml", "python3", "python3" },
		{ "dir/m.yaml", "srv.py", "srv.py" },
		{ "m.yaml", "bin/srv", "./bin/srv" },
		{ "m.yaml", "srv", "srv" },
		{ "/etc/m.yaml", "s/p", "/etc/s/p" },
	};

	return cr_make_param_array(struct program_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct program_case *c, manifest_process, program_path)
{
	char text[128];
	struct mf_manifest *m;

	snprintf(text, sizeof text, "guest: g\nhost_process:\n  command: [%s, ./arg]\n"
		 "  functions: {F: {}}\n", c->written);
	m = parse_ok(c->manifest, text);
	cr_assert_eq(m->ncommand, 2);
	cr_assert_str_eq(m->command[0], c->want, "%s + %s", c->manifest, c->written);
	cr_assert_str_eq(m->command[1], "./arg");
	cr_assert_null(m->command[2]);
	mf_free(m);
}

/* 64 words of a command, in blocks of 10 of 5 columns ("a00, ... a59, ") and 4 more. */
#define WORDS_64 "[" T10("a0") T10("a1") T10("a2") T10("a3") T10("a4") T10("a5") \
	"b0, b1, b2, b3"
/* 64 functions in blocks of 10 of 9 columns ("f00: {}, "), as with words. */
#define F10(p) p "0: {}, " p "1: {}, " p "2: {}, " p "3: {}, " p "4: {}, " p "5: {}, " \
	p "6: {}, " p "7: {}, " p "8: {}, " p "9: {}, "
#define FUNCTIONS_64 "{" F10("f0") F10("f1") F10("f2") F10("f3") F10("f4") F10("f5") \
	"g0: {}, g1: {}, g2: {}, g3: {}"
#define NAME55 "N234567890123456789012345678901234567890123456789012345"
#define I32_12 "[i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32"

/* Each bound, accepted at its value. */
Test(manifest_process, bounds_accepted)
{
	struct mf_manifest *m = parse_ok("m.yaml", "guest: g\nhost_process:\n  command: "
		WORDS_64 "]\n  timeout: 24h\n  max_reply: 1GiB\n  functions: " FUNCTIONS_64
		"}\n");

	cr_assert_eq(m->ncommand, MF_MAX_WORDS);
	cr_assert_str_eq(m->command[63], "b3");
	cr_assert_null(m->command[64]);
	cr_assert_eq(m->process_timeout_ms, 86400000);
	cr_assert_eq(m->max_reply, 1u << 30);
	cr_assert_eq(m->nfunctions, SBX_MAX_EXTERNS);
	cr_assert_str_eq(m->functions[0].name, "f00");
	cr_assert_str_eq(m->functions[63].name, "g3");
	mf_free(m);
	m = parse_ok("m.yaml", "guest: g\nhost_process:\n  command: [s]\n  timeout: 1ms\n"
		     "  max_reply: 1\n  functions: {" NAME55 ": {params: " I32_12 "]}}\n");
	cr_assert_eq(m->process_timeout_ms, 1);
	cr_assert_eq(m->max_reply, 1);
	cr_assert_str_eq(m->functions[0].name, NAME55);
	cr_assert_eq(m->functions[0].nparams, HL_MAX_PARAMS);
	mf_free(m);
}

/* ---- Malformed host processes -------------------------------------------------------- */

#define HP "guest: a\nhost_process:\n"
#define F_OK "  functions: {F: {}}\n"
#define CMD_OK "  command: [s]\n"
#define TYPES "i32, u32, i64, u64, f32, f64, bool, string, bytes"
#define BAD_NAME(s) "host_process.functions name '" s "' is not an identifier of at most " \
	"55 characters ([A-Za-z_][A-Za-z0-9_]*)"
#define OWN(s) "host_process.functions: " s " is a host function of hlrun's own " \
	"(host_functions allows it)"

struct bad_case {
	char text[720];
	char msg[200];
};

ParameterizedTestParameters(manifest_process, rejects)
{
	static struct bad_case cases[] = {
		/* host_process itself. */
		{ "guest: a\nhost_process: [s]\n", "t.yaml:2:15: host_process must be a mapping, "
		  "not a sequence" },
		{ "guest: a\nhost_process:\n", "t.yaml:2:14: host_process must be a mapping, not "
		  "an empty value" },
		{ "guest: a\nhost_process: {}\n", "t.yaml:2:15: host_process needs a command (the "
		  "program that serves the functions)" },
		{ HP F_OK, "t.yaml:3:3: host_process needs a command (the program that serves "
		  "the functions)" },
		{ HP CMD_OK "  timeout: 1s\n", "t.yaml:3:3: host_process needs functions (the "
		  "signatures the program serves)" },
		{ HP CMD_OK F_OK "  cmd: [s]\n", "t.yaml:5:3: unknown key 'cmd' in host_process "
		  "(known keys: command, timeout, max_reply, functions)" },
		{ HP CMD_OK F_OK "  timeot: 1s\n", "t.yaml:5:3: unknown key 'timeot' in "
		  "host_process (did you mean 'timeout'?)" },
		{ HP CMD_OK F_OK "  command: [t]\n", "t.yaml:5:3: duplicate key 'command' in "
		  "host_process (first on line 3)" },
		{ "guest: a\nhost_process: {command: [s], functions: {F: {}}}\n"
		  "host_process: {command: [s], functions: {F: {}}}\n", "t.yaml:3:1: duplicate "
		  "key 'host_process' at the top level (first on line 2)" },
		/* command */
		{ HP "  command: srv\n" F_OK, "t.yaml:3:12: host_process.command must be a "
		  "sequence (the program and its arguments), not a scalar" },
		{ HP "  command: {srv: x}\n" F_OK, "t.yaml:3:12: host_process.command must be a "
		  "sequence (the program and its arguments), not a mapping" },
		{ HP "  command: []\n" F_OK, "t.yaml:3:13: host_process.command is empty: it "
		  "names the program to run" },
		{ HP "  command: ['', x]\n" F_OK, "t.yaml:3:13: host_process.command: the "
		  "program's name is empty" },
		{ HP "  command:\n    -\n    - x\n" F_OK, "t.yaml:4:6: host_process.command: the "
		  "program's name is empty" },
		{ HP "  command: [s, [x]]\n" F_OK, "t.yaml:3:16: entries of host_process.command "
		  "must be scalars, not a sequence" },
		{ HP "  command: " WORDS_64 ", b4]\n" F_OK, "t.yaml:3:329: host_process.command "
		  "has more than 64 words" },
		{ HP "  command: [\"s\\0\"]\n" F_OK, "t.yaml:3:13: NUL character in a value" },
		/* timeout and max_reply */
		{ HP CMD_OK F_OK "  timeout: 0s\n", "t.yaml:5:12: host_process.timeout: duration "
		  "'0s' is zero" },
		{ HP CMD_OK F_OK "  timeout: 86400001ms\n", "t.yaml:5:12: host_process.timeout: "
		  "duration '86400001ms' is longer than the maximum (24h)" },
		{ HP CMD_OK F_OK "  timeout: soon\n", "t.yaml:5:12: host_process.timeout: bad "
		  "duration 'soon' (use a number with ms, s, m or h, e.g. 500ms or 2s)" },
		{ HP CMD_OK F_OK "  max_reply: 0\n", "t.yaml:5:14: host_process.max_reply: size "
		  "'0' is zero" },
		{ HP CMD_OK F_OK "  max_reply: 1073741825\n", "t.yaml:5:14: host_process."
		  "max_reply '1073741825' is out of range (1 to 1GiB)" },
		{ HP CMD_OK F_OK "  max_reply: 2GiB\n", "t.yaml:5:14: host_process.max_reply "
		  "'2GiB' is out of range (1 to 1GiB)" },
		{ HP CMD_OK F_OK "  max_reply: [1M]\n", "t.yaml:5:14: host_process.max_reply must "
		  "be a scalar, not a sequence" },
		/* functions and their names */
		{ HP CMD_OK "  functions: [F]\n", "t.yaml:4:14: host_process.functions must be a "
		  "mapping of names to signatures, not a sequence" },
		{ HP CMD_OK "  functions: F\n", "t.yaml:4:14: host_process.functions must be a "
		  "mapping of names to signatures, not a scalar" },
		{ HP CMD_OK "  functions: {}\n", "t.yaml:4:15: host_process.functions is empty: "
		  "it declares the functions the program serves" },
		{ HP CMD_OK "  functions: {HostPrint: {}}\n", "t.yaml:4:15: " OWN("HostPrint") },
		{ HP CMD_OK "  functions: {F: {}, ReadFile: {returns: bytes}}\n",
		  "t.yaml:4:22: " OWN("ReadFile") },
		{ HP CMD_OK "  functions: {1a: {}}\n", "t.yaml:4:15: " BAD_NAME("1a") },
		{ HP CMD_OK "  functions: {a-b: {}}\n", "t.yaml:4:15: " BAD_NAME("a-b") },
		{ HP CMD_OK "  functions: {'': {}}\n", "t.yaml:4:15: " BAD_NAME("") },
		{ HP CMD_OK "  functions: {" NAME55 "6: {}}\n",
		  "t.yaml:4:15: " BAD_NAME(NAME55 "6") },
		{ HP CMD_OK "  functions: {[F]: {}}\n", "t.yaml:4:15: a name in "
		  "host_process.functions must be a scalar, not a sequence" },
		{ HP CMD_OK "  functions: {F: {}, G: {}, F: {returns: i32}}\n", "t.yaml:4:29: "
		  "duplicate name 'F' in host_process.functions" },
		{ HP CMD_OK "  functions:\n    G: {}\n    F: {}\n    F: {}\n", "t.yaml:7:5: "
		  "duplicate name 'F' in host_process.functions" },
		{ HP CMD_OK "  functions: " FUNCTIONS_64 ", g4: {}}\n", "t.yaml:4:587: "
		  "host_process.functions has more than 64 functions" },
		/* Signatures */
		{ HP CMD_OK "  functions: {F: [i32]}\n", "t.yaml:4:18: host_process.functions.F "
		  "must be a mapping (params, returns), not a sequence" },
		{ HP CMD_OK "  functions: {F: }\n", "t.yaml:4:18: host_process.functions.F must be "
		  "a mapping (params, returns), not an empty value" },
		{ HP CMD_OK "  functions: {F: {param: [i32]}}\n", "t.yaml:4:19: unknown key "
		  "'param' in host_process.functions.F (did you mean 'params'?)" },
		{ HP CMD_OK "  functions: {F: {return: i32}}\n", "t.yaml:4:19: unknown key "
		  "'return' in host_process.functions.F (did you mean 'returns'?)" },
		{ HP CMD_OK "  functions: {F: {args: [i32]}}\n", "t.yaml:4:19: unknown key 'args' "
		  "in host_process.functions.F (known keys: params, returns)" },
		{ HP CMD_OK "  functions: {F: {[a]: x}}\n", "t.yaml:4:19: a key must be a scalar, "
		  "not a sequence" },
		{ HP CMD_OK "  functions: {F: {params: [], params: [i32]}}\n", "t.yaml:4:31: "
		  "duplicate key 'params' in host_process.functions.F (first on line 4)" },
		{ HP CMD_OK "  functions:\n    F:\n      returns: i32\n      returns: u32\n",
		  "t.yaml:7:7: duplicate key 'returns' in host_process.functions.F (first on "
		  "line 6)" },
		/* Types */
		{ HP CMD_OK "  functions: {F: {returns: int}}\n", "t.yaml:4:28: unknown type 'int' "
		  "in host_process.functions.F.returns (did you mean 'i32'?)" },
		{ HP CMD_OK "  functions: {F: {params: [i32, strng]}}\n", "t.yaml:4:33: unknown "
		  "type 'strng' in host_process.functions.F.params (did you mean 'string'?)" },
		{ HP CMD_OK "  functions: {F: {returns: I32}}\n", "t.yaml:4:28: unknown type 'I32' "
		  "in host_process.functions.F.returns (did you mean 'i32'?)" },
		{ HP CMD_OK "  functions: {F: {returns: float64}}\n", "t.yaml:4:28: unknown type "
		  "'float64' in host_process.functions.F.returns (known types: void, " TYPES ")" },
		{ HP CMD_OK "  functions: {F: {params: [void]}}\n", "t.yaml:4:28: unknown type "
		  "'void' in host_process.functions.F.params (known types: " TYPES ")" },
		{ HP CMD_OK "  functions: {F: {params: [i32, void], returns: void}}\n",
		  "t.yaml:4:33: unknown type 'void' in host_process.functions.F.params (known "
		  "types: " TYPES ")" },
		{ HP CMD_OK "  functions: {F: {params: i32}}\n", "t.yaml:4:27: "
		  "host_process.functions.F.params must be a sequence of types, not a scalar" },
		{ HP CMD_OK "  functions: {F: {params: [[i32]]}}\n", "t.yaml:4:28: "
		  "host_process.functions.F.params must be a type, not a sequence" },
		{ HP CMD_OK "  functions: {F: {returns: [i32]}}\n", "t.yaml:4:28: "
		  "host_process.functions.F.returns must be a type, not a sequence" },
		{ HP CMD_OK "  functions: {F: {params: " I32_12 ", i32]}}\n", "t.yaml:4:88: "
		  "host_process.functions.F.params has more than 12 types" },
	};

	return cr_make_param_array(struct bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_case *c, manifest_process, rejects)
{
	struct mf_manifest *m = (struct mf_manifest *)1;
	struct hl_diag d = { 0 };

	cr_assert_eq(mf_parse(c->text, strlen(c->text), "t.yaml", &m, &d), HL_E_INVALID,
		     "accepted: %s", c->text);
	cr_assert_eq(d.err, HL_E_INVALID);
	cr_assert_str_eq(d.msg, c->msg, "%s", c->text);
	cr_assert_null(m);
}
