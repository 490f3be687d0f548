/* Unit tests of sbx_config_check() (no /dev/kvm needed): each bound of a sandbox's
 * configuration, the sizes' total included, accepted at its value and refused one past it,
 * with the usage error that names the setting; the files to map, their names
 * (sbx_map_split(), sbx_map_name_ok()) and their count; the host functions a caller serves
 * (externs): their names, types and count. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"

enum field { HEAP, STACK, INPUT, OUTPUT, TIMEOUT, MAX_OUTPUT };

struct bound_case {
	enum field field;
	uint64_t ok, bad;
	char msg[96];
};

static void set(struct sbx_config *c, enum field f, uint64_t v)
{
	switch (f) {
	case HEAP: c->heap_size = v; break;
	case STACK: c->stack_size = v; break;
	case INPUT: c->input_size = v; break;
	case OUTPUT: c->output_size = v; break;
	case TIMEOUT: c->timeout_ms = v; break;
	case MAX_OUTPUT: c->policy.max_output = v; break;
	}
}

#define RANGE "out of range (4096 to 4294967296)"

ParameterizedTestParameters(config, bounds)
{
	static struct bound_case cases[] = {
		{ HEAP, SBX_MIN_SIZE, SBX_MIN_SIZE - 1, "heap of 4095 bytes is " RANGE },
		{ HEAP, SBX_MAX_SIZE, SBX_MAX_SIZE + 1, "heap of 4294967297 bytes is " RANGE },
		{ STACK, SBX_MIN_SIZE, SBX_MIN_SIZE - 1, "stack of 4095 bytes is " RANGE },
		{ STACK, SBX_MAX_SIZE, SBX_MAX_SIZE + 1, "stack of 4294967297 bytes is " RANGE },
		{ INPUT, SBX_MIN_SIZE, SBX_MIN_SIZE - 1, "input buffer of 4095 bytes is " RANGE },
		{ INPUT, SBX_MAX_SIZE, SBX_MAX_SIZE + 1,
		  "input buffer of 4294967297 bytes is " RANGE },
		{ OUTPUT, SBX_MIN_SIZE, SBX_MIN_SIZE - 1, "output buffer of 4095 bytes is " RANGE },
		{ OUTPUT, SBX_MAX_SIZE, SBX_MAX_SIZE + 1,
		  "output buffer of 4294967297 bytes is " RANGE },
		{ TIMEOUT, SBX_MAX_TIMEOUT_MS, SBX_MAX_TIMEOUT_MS + 1,
		  "timeout of 86400001 ms is longer than the maximum (86400000 ms)" },
		{ MAX_OUTPUT, 1, 0, "max_output of 0 bytes is out of range (1 to " },
		{ MAX_OUTPUT, SBX_MAX_MAX_OUTPUT, SBX_MAX_MAX_OUTPUT + 1,
		  "max_output of 4294967297 bytes is out of range (1 to 4294967296" },
	};

	return cr_make_param_array(struct bound_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bound_case *c, config, bounds)
{
	struct sbx_config cfg;
	struct hl_diag d = { 0 };

	sbx_config_default(&cfg);
	set(&cfg, c->field, c->ok);
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
	set(&cfg, c->field, c->bad);
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_E_USAGE, "%s: accepted", c->msg);
	cr_assert(strstr(d.msg, c->msg) != NULL, "\"%s\" not in: %s", c->msg, d.msg);
}

/* The defaults are within every bound. */
Test(config, defaults_pass)
{
	struct sbx_config cfg;
	struct hl_diag d = { 0 };

	sbx_config_default(&cfg);
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(cfg.policy.max_output, SBX_DEFAULT_MAX_OUTPUT);
	cr_assert_eq(cfg.timeout_ms, 0);
}

/* ---- The four sizes together -------------------------------------------------------- */

#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define TOTAL_OVER(total, heap, stack, input, output)                                     \
	"memory sizes total " total " bytes (heap " heap ", stack " stack ", input buffer " \
	input ", output buffer " output "), more than the maximum (8589934592 bytes); "   \
	"lower one of them"

struct total_case {
	uint64_t heap, stack, input, output;
	char msg[240]; /* the whole message; "" when the sizes pass */
};

ParameterizedTestParameters(config, total)
{
	static struct total_case cases[] = {
		{ 4 * GiB, MiB, 3 * GiB, GiB - MiB, "" },
		{ 4 * GiB, MiB, 3 * GiB, GiB - MiB + 1,
		  TOTAL_OVER("8589934593", "4294967296", "1048576", "3221225472",
			     "1072693249") },
		{ 4 * GiB, 4 * GiB, 4 * GiB, 4 * GiB,
		  TOTAL_OVER("17179869184", "4294967296", "4294967296", "4294967296",
			     "4294967296") },
		/* Each size is checked before their total. */
		{ 4 * GiB, 4 * GiB, 4 * GiB, 4 * GiB + 1,
		  "output buffer of 4294967297 bytes is " RANGE },
	};

	return cr_make_param_array(struct total_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct total_case *c, config, total)
{
	struct sbx_config cfg;
	struct hl_diag d = { 0 };

	sbx_config_default(&cfg);
	cfg.heap_size = c->heap;
	cfg.stack_size = c->stack;
	cfg.input_size = c->input;
	cfg.output_size = c->output;
	if (c->msg[0] == '\0') {
		cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
		return;
	}
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_E_USAGE, "%s: accepted", c->msg);
	cr_assert_eq(d.err, HL_E_USAGE);
	cr_assert_str_eq(d.msg, c->msg);
}

/* ---- Files to map -------------------------------------------------------------------- */

#define NAME31 "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcd"

struct split_case {
	char spec[48];
	bool ok;
	char name[HL_MAP_NAME_MAX];
	char path[16];
};

ParameterizedTestParameters(config, map_split)
{
	static struct split_case cases[] = {
		{ "a=b", true, "a", "b" },
		{ "a=b=c", true, "a", "b=c" },
		{ "_x9=/p/q", true, "_x9", "/p/q" },
		{ "a==", true, "a", "=" },
		{ NAME31 "=f", true, NAME31, "f" },
		{ NAME31 "e=f", false, "", "" },
		{ "abc", false, "", "" },
		{ "a=", false, "", "" },
		{ "=x", false, "", "" },
		{ "=", false, "", "" },
		{ "", false, "", "" },
		{ "1a=x", false, "", "" },
		{ "a-b=x", false, "", "" },
		{ "a b=x", false, "", "" },
		{ "\xc3\xa9=x", false, "", "" },
	};

	return cr_make_param_array(struct split_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct split_case *c, config, map_split)
{
	struct sbx_map m;

	memset(&m, 'z', sizeof m);
	cr_assert_eq(sbx_map_split(c->spec, &m), c->ok, "'%s'", c->spec);
	if (!c->ok)
		return;
	/* NAME is NUL-padded to its array; PATH points into spec, after the first '='. */
	cr_assert_str_eq(m.name, c->name, "'%s'", c->spec);
	for (size_t i = strlen(c->name); i < sizeof m.name; i++)
		cr_assert_eq(m.name[i], '\0', "'%s': byte %zu", c->spec, i);
	cr_assert_eq(m.path, c->spec + strlen(c->name) + 1, "'%s'", c->spec);
	cr_assert_str_eq(m.path, c->path, "'%s'", c->spec);
}

/* Only the len bytes given are the name, of 1 to 31 of them. */
Test(config, map_name_ok_takes_a_length)
{
	cr_assert(sbx_map_name_ok("a", 1));
	cr_assert(sbx_map_name_ok("a-b", 1));
	cr_assert_not(sbx_map_name_ok("a-b", 2));
	cr_assert_not(sbx_map_name_ok("abc", 0));
	cr_assert(sbx_map_name_ok(NAME31, 31));
	cr_assert(sbx_map_name_ok(NAME31 "e", 31));
	cr_assert_not(sbx_map_name_ok(NAME31 "e", 32));
	cr_assert_not(sbx_map_name_ok("9a", 2));
	cr_assert(sbx_map_name_ok("a9", 2));
	cr_assert(sbx_map_name_ok("_", 1));
}

/* A configuration with n maps named m0, m1, ... of path "f"; the default otherwise. */
static void with_maps(struct sbx_config *cfg, struct sbx_map *maps, size_t n)
{
	sbx_config_default(cfg);
	for (size_t i = 0; i < n; i++) {
		memset(maps[i].name, 0, sizeof maps[i].name);
		snprintf(maps[i].name, sizeof maps[i].name, "m%zu", i);
		maps[i].path = "f";
	}
	cfg->maps = maps;
	cfg->nmaps = n;
}

static void check_fails(const struct sbx_config *cfg, const char *msg)
{
	struct hl_diag d = { 0 };

	cr_assert_eq(sbx_config_check(cfg, &d), HL_E_USAGE, "%s: accepted", msg);
	cr_assert_eq(d.err, HL_E_USAGE);
	cr_assert_str_eq(d.msg, msg);
}

Test(config, maps_up_to_16)
{
	struct sbx_map maps[HL_MAX_MAPS + 1];
	struct sbx_config cfg;
	struct hl_diag d = { 0 };

	with_maps(&cfg, maps, HL_MAX_MAPS);
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
	with_maps(&cfg, maps, HL_MAX_MAPS + 1);
	check_fails(&cfg, "17 files to map, more than 16");
	/* None: maps may be NULL. */
	with_maps(&cfg, NULL, 0);
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
}

Test(config, map_names_unique)
{
	struct sbx_map maps[3];
	struct sbx_config cfg;

	with_maps(&cfg, maps, 3);
	strcpy(maps[2].name, "m0");
	check_fails(&cfg, "map m0 is given twice");
	strcpy(maps[2].name, "m2");
	strcpy(maps[1].name, "m2");
	check_fails(&cfg, "map m2 is given twice");
}

Test(config, map_names_are_identifiers)
{
	struct sbx_map maps[2];
	struct sbx_config cfg;
	struct hl_diag d = { 0 };

	with_maps(&cfg, maps, 2);
	strcpy(maps[1].name, "1a");
	check_fails(&cfg, "map name '1a' is not an identifier of at most 31 characters");
	strcpy(maps[1].name, "a-b");
	check_fails(&cfg, "map name 'a-b' is not an identifier of at most 31 characters");
	memset(maps[1].name, 0, sizeof maps[1].name);
	check_fails(&cfg, "map name '' is not an identifier of at most 31 characters");
	/* 31 characters fit; 32, with no room for the NUL, do not. */
	memcpy(maps[1].name, NAME31, sizeof NAME31);
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
	maps[1].name[31] = 'e';
	check_fails(&cfg, "map name '" NAME31 "e' is not an identifier of at most 31 "
		    "characters");
}

Test(config, maps_name_a_file)
{
	struct sbx_map maps[2];
	struct sbx_config cfg;

	with_maps(&cfg, maps, 2);
	maps[1].path = NULL;
	check_fails(&cfg, "map m1 names no file");
	maps[1].path = "";
	check_fails(&cfg, "map m1 names no file");
}

/* ---- Host functions the caller serves (externs) --------------------------------------- */

#define NAME55 "N234567890123456789012345678901234567890123456789012345"
#define EXT(n, r, np, ...) { .name = n, .ret = (r), .nparams = (np), .params = { __VA_ARGS__ } }
#define FN(s) "host process function " s

struct extern_case {
	struct hl_export fns[3];
	size_t nfns;
	char msg[120]; /* the whole message; "" when the externs pass */
};

ParameterizedTestParameters(config, externs)
{
	static struct extern_case cases[] = {
		{ { EXT("Now", HL_T_U64, 0), EXT("Log", HL_T_VOID, 1, HL_T_STRING),
		    EXT(NAME55, HL_T_BYTES, 12, HL_T_I32, HL_T_U32, HL_T_I64, HL_T_U64, HL_T_F32,
			HL_T_F64, HL_T_BOOL, HL_T_STRING, HL_T_BYTES, HL_T_I32, HL_T_I32,
			HL_T_I32) }, 3, "" },
		/* Names: identifiers, none of hlrun's own, each once. */
		{ { EXT("F", 0, 0), EXT("HostPrint", HL_T_I32, 1, HL_T_STRING) }, 2,
		  FN("HostPrint: hlrun serves a host function of that name itself") },
		{ { EXT("GetTimeNs", HL_T_U64, 0) }, 1,
		  FN("GetTimeNs: hlrun serves a host function of that name itself") },
		{ { EXT("GetRandom", HL_T_BYTES, 1, HL_T_U32) }, 1,
		  FN("GetRandom: hlrun serves a host function of that name itself") },
		{ { EXT("F", 0, 0), EXT("G", 0, 0), EXT("GetEnv", HL_T_STRING, 0) }, 3,
		  FN("GetEnv: hlrun serves a host function of that name itself") },
		{ { EXT("ReadFile", HL_T_BYTES, 1, HL_T_STRING) }, 1,
		  FN("ReadFile: hlrun serves a host function of that name itself") },
		{ { EXT("A", 0, 0), EXT("B", 0, 0), EXT("A", HL_T_I32, 0) }, 3,
		  FN("A: declared twice") },
		{ { EXT("A", 0, 0), EXT("A", 0, 0) }, 2, FN("A: declared twice") },
		{ { EXT("A", 0, 0), EXT("B", 0, 0), EXT("B", 0, 0) }, 3, FN("B: declared twice") },
		{ { EXT("A", 0, 0), EXT("1a", 0, 0) }, 2,
		  FN("2: its name is not an identifier of 1 to 55 characters") },
		{ { EXT("a-b", 0, 0) }, 1,
		  FN("1: its name is not an identifier of 1 to 55 characters") },
		{ { EXT("", 0, 0) }, 1,
		  FN("1: its name is not an identifier of 1 to 55 characters") },
		/* Types: those of the wire format, void only returned, at most 12 parameters. */
		{ { EXT("F", 0, 13) }, 1, FN("F: 13 parameters, more than 12") },
		{ { EXT("F", 0, 255) }, 1, FN("F: 255 parameters, more than 12") },
		{ { EXT("F", 0, 2, HL_T_I32, HL_T_VOID) }, 1,
		  FN("F: parameter 2 has no type of the wire format") },
		{ { EXT("F", 0, 1, HL_T_VOID) }, 1,
		  FN("F: parameter 1 has no type of the wire format") },
		{ { EXT("F", 0, 3, HL_T_I32, HL_T_BYTES, HL_T_MAX + 1) }, 1,
		  FN("F: parameter 3 has no type of the wire format") },
		{ { EXT("F", HL_T_MAX + 1, 0) }, 1,
		  FN("F: its return type is none of the wire format") },
		{ { EXT("F", 255, 1, HL_T_I32) }, 1,
		  FN("F: its return type is none of the wire format") },
	};

	return cr_make_param_array(struct extern_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct extern_case *c, config, externs)
{
	struct sbx_config cfg;
	struct hl_diag d = { 0 };

	sbx_config_default(&cfg);
	cfg.externs.fns = c->fns;
	cfg.externs.nfns = c->nfns;
	if (c->msg[0] == '\0') {
		cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
		return;
	}
	check_fails(&cfg, c->msg);
}

/* A name of 56 characters has no room for its NUL. */
Test(config, extern_name_fills_its_array)
{
	struct hl_export e = { .ret = HL_T_VOID };
	struct sbx_config cfg;

	sbx_config_default(&cfg);
	memset(e.name, 'a', sizeof e.name);
	cfg.externs.fns = &e;
	cfg.externs.nfns = 1;
	check_fails(&cfg, FN("1: its name is not an identifier of 1 to 55 characters"));
}

Test(config, externs_up_to_64)
{
	struct hl_export fns[SBX_MAX_EXTERNS + 1] = { 0 };
	struct sbx_config cfg;
	struct hl_diag d = { 0 };

	sbx_config_default(&cfg);
	for (size_t i = 0; i <= SBX_MAX_EXTERNS; i++)
		snprintf(fns[i].name, sizeof fns[i].name, "f%zu", i);
	cfg.externs.fns = fns;
	cfg.externs.nfns = SBX_MAX_EXTERNS;
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
	cfg.externs.nfns = SBX_MAX_EXTERNS + 1;
	check_fails(&cfg, "65 host process functions, more than 64");
	/* None: fns may be NULL; some: they may not. */
	cfg.externs.fns = NULL;
	cfg.externs.nfns = 0;
	cr_assert_eq(sbx_config_check(&cfg, &d), HL_OK, "%s", d.msg);
	cfg.externs.nfns = 1;
	check_fails(&cfg, "policy: 1 host process functions but no list");
	cfg.externs.nfns = SBX_MAX_EXTERNS + 1;
	check_fails(&cfg, "65 host process functions, more than 64");
}
