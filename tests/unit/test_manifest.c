/* Unit tests of the manifest parser, malformed manifests: one per rule, each with its
 * exact message and position.  Valid manifests, paths and values are in
 * test_manifest_values.c, mf_load on files in test_manifest_load.c. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "core/core.h"
#include "target/manifest.h"
#include "tests/unit/test_manifest.h"

/* 257 distinct variable names in one flow sequence: "env: [a00, a01, ..., c56]".  Each
 * entry takes 5 columns after the 6 of "env: [", so the 257th (c56) is at column 1287. */
#define ENV_257 "env: [" T100("a") T100("b") T10("c0") T10("c1") T10("c2") T10("c3") \
	T10("c4") "c50, c51, c52, c53, c54, c55, c56]\n"

#define LIST_NAMES "guest, snapshot, sha256, memory, limits, host_functions, env, files, " \
	"print_to, core, map, host_process"
#define HOST_NAMES "HostPrint, GetTimeNs, GetRandom, GetEnv, ReadFile"
#define BAD_SIZE(s) "bad size '" s "' (use bytes or a number with K, KiB, M, MiB, G or GiB, " \
	"e.g. 64KiB)"
#define BAD_ENV(s) "env entry '" s "' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)"
#define BAD_MAP(s) "map name '" s "' is not an identifier of at most 31 characters " \
	"([A-Za-z_][A-Za-z0-9_]*)"
/* 16 entries of a flow mapping, 7 columns each after the 6 of "map: {": a 17th is at
 * column 119. */
#define MAP_16 "map: {a0: x, a1: x, a2: x, a3: x, a4: x, a5: x, a6: x, a7: x, a8: x, " \
	"a9: x, b0: x, b1: x, b2: x, b3: x, b4: x, b5: x, "

/* len 0: the text is a C string; else its exact length (for embedded NUL bytes). */
static const struct bad_manifest {
	const char *text;
	size_t len;
	const char *msg;
} bad[] = {
	/* The document and the top level. */
	{ "", 0, "t.yaml:1:1: the manifest is empty" },
	{ "# only a comment\n", 0, "t.yaml:2:1: the manifest is empty" },
	{ "---\n", 0, "t.yaml:2:1: the top level must be a mapping, not an empty value" },
	{ "just text\n", 0, "t.yaml:1:1: the top level must be a mapping, not a scalar" },
	{ "- guest: a.elf\n", 0, "t.yaml:1:1: the top level must be a mapping, not a sequence" },
	{ "guest: a\n---\nguest: b\n", 0, "t.yaml:2:1: more than one document (a manifest is "
					  "one mapping)" },
	{ "memory: {heap: 1MiB}\n", 0, "t.yaml:1:1: missing required key 'guest' (or "
				      "'snapshot')" },
	/* snapshot */
	{ "snapshot:\n", 0, "t.yaml:1:10: snapshot is empty" },
	{ "snapshot: {a: b}\n", 0, "t.yaml:1:11: snapshot must be a scalar, not a mapping" },
	{ "snapshot: s\nsnapshot: t\n", 0, "t.yaml:2:1: duplicate key 'snapshot' at the top "
	  "level (first on line 1)" },
	{ "snapshot: s\nmemory: {stack: 64K}\n", 0, "t.yaml:1:1: memory does not apply to a "
	  "snapshot without guest (its sizes are fixed when it is saved)" },
	{ "snapshot: s\nmemory: {heap: 64K}\n", 0, "t.yaml:1:1: memory does not apply to a "
	  "snapshot without guest (its sizes are fixed when it is saved)" },
	{ "snapshot: s\nmemory: {input: 64K}\n", 0, "t.yaml:1:1: memory does not apply to a "
	  "snapshot without guest (its sizes are fixed when it is saved)" },
	{ "snapshot: s\nmemory: {output: 64K}\n", 0, "t.yaml:1:1: memory does not apply to a "
	  "snapshot without guest (its sizes are fixed when it is saved)" },
	/* guest */
	{ "guest:\n", 0, "t.yaml:1:7: guest is empty" },
	{ "guest: \"\"\n", 0, "t.yaml:1:8: guest is empty" },
	{ "guest: [a.elf]\n", 0, "t.yaml:1:8: guest must be a scalar, not a sequence" },
	{ "guest:\n  path: a.elf\n", 0, "t.yaml:2:3: guest must be a scalar, not a mapping" },
	/* Unknown and duplicate keys. */
	{ "gust: a.elf\n", 0, "t.yaml:1:1: unknown key 'gust' at the top level (did you mean "
			      "'guest'?)" },
	{ "guest: a\nplugin: x\n", 0, "t.yaml:2:1: unknown key 'plugin' at the top level "
				      "(known keys: " LIST_NAMES ")" },
	{ "guest: a\nmemory:\n  hep: 1M\n", 0, "t.yaml:3:3: unknown key 'hep' in memory (did "
					       "you mean 'heap'?)" },
	{ "guest: a\nlimits: {timout: 5s}\n", 0, "t.yaml:2:10: unknown key 'timout' in limits "
						 "(did you mean 'timeout'?)" },
	{ "guest: a\nmemory: {size: 1M}\n", 0, "t.yaml:2:10: unknown key 'size' in memory "
					       "(known keys: heap, stack, input, output)" },
	{ "guest: a\nguest: b\n", 0, "t.yaml:2:1: duplicate key 'guest' at the top level "
				     "(first on line 1)" },
	{ "guest: a\nmemory:\n  heap: 1M\n  heap: 2M\n", 0, "t.yaml:4:3: duplicate key 'heap' "
							    "in memory (first on line 3)" },
	{ "[a]: b\n", 0, "t.yaml:1:1: a key must be a scalar, not a sequence" },
	{ "guest: a\n? {x: 1}\n: y\n", 0, "t.yaml:2:3: a key must be a scalar, not a mapping" },
	/* Wrong types of the sections. */
	{ "guest: a\nmemory: 1M\n", 0, "t.yaml:2:9: memory must be a mapping, not a scalar" },
	{ "guest: a\nmemory:\n", 0, "t.yaml:2:8: memory must be a mapping, not an empty "
				    "value" },
	{ "guest: a\nlimits: [timeout]\n", 0, "t.yaml:2:9: limits must be a mapping, not a "
					      "sequence" },
	/* Sizes. */
	{ "guest: a\nmemory: {heap: [1M]}\n", 0, "t.yaml:2:16: memory.heap must be a scalar, "
						 "not a sequence" },
	{ "guest: a\nmemory: {heap: 1T}\n", 0, "t.yaml:2:16: memory.heap: " BAD_SIZE("1T") },
	{ "guest: a\nmemory: {heap: 64 KiB}\n", 0, "t.yaml:2:16: memory.heap: "
						   BAD_SIZE("64 KiB") },
	{ "guest: a\nmemory: {heap: -1}\n", 0, "t.yaml:2:16: memory.heap: " BAD_SIZE("-1") },
	{ "guest: a\nmemory: {stack: 0}\n", 0, "t.yaml:2:17: memory.stack: size '0' is zero" },
	{ "guest: a\nmemory: {input: 1K}\n", 0, "t.yaml:2:17: memory.input '1K' is out of "
						"range (4KiB to 4GiB)" },
	{ "guest: a\nmemory: {input: 4095}\n", 0, "t.yaml:2:17: memory.input '4095' is out of "
						  "range (4KiB to 4GiB)" },
	{ "guest: a\nmemory: {output: 5GiB}\n", 0, "t.yaml:2:18: memory.output '5GiB' is out "
						   "of range (4KiB to 4GiB)" },
	/* One past each bound (the bounds themselves are accepted, see values). */
	{ "guest: a\nmemory: {heap: 4294967297}\n", 0, "t.yaml:2:16: memory.heap '4294967297' "
						       "is out of range (4KiB to 4GiB)" },
	{ "guest: a\nlimits: {max_output: 4294967297}\n", 0, "t.yaml:2:22: limits.max_output "
							     "'4294967297' is out of range "
							     "(1 to 4GiB)" },
	{ "guest: a\nlimits: {timeout: 86400001ms}\n", 0, "t.yaml:2:19: limits.timeout: "
							  "duration '86400001ms' is longer than "
							  "the maximum (24h)" },
	{ "guest: a\nmemory: {heap: 99999999999999999999}\n", 0,
	  "t.yaml:2:16: memory.heap: size '99999999999999999999' is too large" },
	{ "guest: a\nmemory: {heap: 17179869184G}\n", 0,
	  "t.yaml:2:16: memory.heap: size '17179869184G' is too large" },
	/* Limits. */
	{ "guest: a\nlimits: {timeout: fast}\n", 0, "t.yaml:2:19: limits.timeout: bad duration "
						    "'fast' (use a number with ms, s, m or h, "
						    "e.g. 500ms or 2s)" },
	{ "guest: a\nlimits: {timeout: 0s}\n", 0, "t.yaml:2:19: limits.timeout: duration '0s' "
						  "is zero" },
	{ "guest: a\nlimits: {timeout: 25h}\n", 0, "t.yaml:2:19: limits.timeout: duration "
						   "'25h' is longer than the maximum (24h)" },
	{ "guest: a\nlimits:\n  timeout: {s: 5}\n", 0, "t.yaml:3:12: limits.timeout must be a "
						       "scalar, not a mapping" },
	{ "guest: a\nlimits: {max_output: 0}\n", 0, "t.yaml:2:22: limits.max_output: size '0' "
						    "is zero" },
	{ "guest: a\nlimits: {max_output: 5G}\n", 0, "t.yaml:2:22: limits.max_output '5G' is "
						     "out of range (1 to 4GiB)" },
	/* host_functions */
	{ "guest: a\nhost_functions: HostPrint\n", 0, "t.yaml:2:17: host_functions must be a "
						      "sequence, not a scalar" },
	{ "guest: a\nhost_functions: [{HostPrint: yes}]\n", 0,
	  "t.yaml:2:18: entries of host_functions must be scalars, not a mapping" },
	{ "guest: a\nhost_functions:\n  - [HostPrint]\n", 0,
	  "t.yaml:3:5: entries of host_functions must be scalars, not a sequence" },
	{ "guest: a\nhost_functions: [HostPrint, GetTimeNS]\n", 0,
	  "t.yaml:2:29: unknown host function 'GetTimeNS' (did you mean 'GetTimeNs'?)" },
	{ "guest: a\nhost_functions: [readfile]\n", 0,
	  "t.yaml:2:18: unknown host function 'readfile' (did you mean 'ReadFile'?)" },
	{ "guest: a\nhost_functions: [Exec]\n", 0,
	  "t.yaml:2:18: unknown host function 'Exec' (known host functions: " HOST_NAMES ")" },
	{ "guest: a\nhost_functions:\n  - HostPrint\n  - GetEnv\n  - HostPrint\n", 0,
	  "t.yaml:5:5: duplicate entry 'HostPrint' in host_functions" },
	/* env */
	{ "guest: a\nenv: CI\n", 0, "t.yaml:2:6: env must be a sequence, not a scalar" },
	{ "guest: a\nenv: [HOME, 1ABC]\n", 0, "t.yaml:2:13: " BAD_ENV("1ABC") },
	{ "guest: a\nenv: [GITHUB-REF]\n", 0, "t.yaml:2:7: " BAD_ENV("GITHUB-REF") },
	{ "guest: a\nenv: ['']\n", 0, "t.yaml:2:7: " BAD_ENV("") },
	{ "guest: a\nenv: [CI, CI]\n", 0, "t.yaml:2:11: duplicate entry 'CI' in env" },
	{ "guest: a\n" ENV_257, 0, "t.yaml:2:1287: env has more than 256 entries" },
	/* files */
	{ "guest: a\nfiles: ./data\n", 0, "t.yaml:2:8: files must be a sequence, not a scalar" },
	{ "guest: a\nfiles: [data, \"\"]\n", 0, "t.yaml:2:15: files entry is empty" },
	{ "guest: a\nfiles: [data, ./data, data]\n", 0, "t.yaml:2:23: duplicate entry 'data' "
							"in files" },
	{ "guest: a\nfiles:\n  - {path: x}\n", 0, "t.yaml:3:5: entries of files must be "
						  "scalars, not a mapping" },
	/* map */
	{ "guest: a\nmap: [a, b]\n", 0, "t.yaml:2:6: map must be a mapping of names to files, "
					"not a sequence" },
	{ "guest: a\nmap: x.bin\n", 0, "t.yaml:2:6: map must be a mapping of names to files, "
				       "not a scalar" },
	{ "guest: a\nmap:\n", 0, "t.yaml:2:5: map must be a mapping of names to files, not an "
				 "empty value" },
	{ "guest: a\nmap: {[a]: x}\n", 0, "t.yaml:2:7: a name in map must be a scalar, not a "
					 "sequence" },
	{ "guest: a\nmap:\n  ? {a: b}\n  : x\n", 0, "t.yaml:3:5: a name in map must be a "
						   "scalar, not a mapping" },
	{ "guest: a\nmap: {1a: x}\n", 0, "t.yaml:2:7: " BAD_MAP("1a") },
	{ "guest: a\nmap: {ok: x, a-b: y}\n", 0, "t.yaml:2:14: " BAD_MAP("a-b") },
	{ "guest: a\nmap: {'': x}\n", 0, "t.yaml:2:7: " BAD_MAP("") },
	{ "guest: a\nmap: {ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcde: x}\n", 0,
	  "t.yaml:2:7: " BAD_MAP("ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcde") },
	{ "guest: a\nmap: {a: x, b: y, a: z}\n", 0, "t.yaml:2:19: duplicate name 'a' in map" },
	{ "guest: a\nmap:\n  a: x\n  a: y\n", 0, "t.yaml:4:3: duplicate name 'a' in map" },
	{ "guest: a\nmap: {a: ''}\n", 0, "t.yaml:2:10: map.a must name a file, not an empty "
					"string" },
	{ "guest: a\nmap:\n  a:\n", 0, "t.yaml:3:5: map.a must name a file, not an empty "
				       "string" },
	{ "guest: a\nmap: {a: [x]}\n", 0, "t.yaml:2:10: map.a must name a file, not a "
					 "sequence" },
	{ "guest: a\nmap: {a: {p: x}}\n", 0, "t.yaml:2:10: map.a must name a file, not a "
					    "mapping" },
	{ "guest: a\n" MAP_16 "b6: x}\n", 0, "t.yaml:2:119: map has more than 16 files" },
	{ "guest: a\n" MAP_16 "a0: x}\n", 0, "t.yaml:2:119: duplicate name 'a0' in map" },
	{ "guest: a\nmap: {a: x}\nmap: {b: y}\n", 0, "t.yaml:3:1: duplicate key 'map' at the "
						    "top level (first on line 2)" },
	{ "guest: a\nmap: {a: \"x\\0y\"}\n", 0, "t.yaml:2:10: NUL character in a value" },
	/* print_to */
	{ "guest: a\nprint_to: stdin\n", 0, "t.yaml:2:11: print_to must be stdout or stderr, "
					   "not 'stdin'" },
	{ "guest: a\nprint_to: STDOUT\n", 0, "t.yaml:2:11: print_to must be stdout or stderr, "
					    "not 'STDOUT'" },
	{ "guest: a\nprint_to: [stdout]\n", 0, "t.yaml:2:11: print_to must be a scalar, not a "
					      "sequence" },
	{ "guest: a\nprint_to: stdout\nprint_to: stderr\n", 0,
	  "t.yaml:3:1: duplicate key 'print_to' at the top level (first on "
	  "line 2)" },
	/* core */
	{ "guest: a\ncore: ''\n", 0, "t.yaml:2:7: core is empty" },
	{ "guest: a\ncore: [a.core]\n", 0, "t.yaml:2:7: core must be a scalar, not a sequence" },
	/* sha256 */
	{ "guest: a\nsha256: 0123abcd\n", 0, "t.yaml:2:9: sha256 must be 64 hexadecimal "
					     "digits (found 8 characters)" },
	{ "guest: a\nsha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
	  0, "t.yaml:2:9: sha256 must be 64 hexadecimal digits (character 64 is not one)" },
	{ "guest: a\nsha256: [abc]\n", 0, "t.yaml:2:9: sha256 must be a scalar, not a "
					  "sequence" },
	/* Anchors, aliases and tags. */
	{ "guest: &g a\n", 0, "t.yaml:1:8: anchors and aliases are not allowed" },
	{ "guest: a\nenv: &e [A]\nfiles: *e\n", 0, "t.yaml:2:6: anchors and aliases are not "
						   "allowed" },
	{ "guest: a\nfiles: [*x]\n", 0, "t.yaml:2:9: anchors and aliases are not allowed" },
	{ "guest: a\nmemory: &m {heap: 1M}\n", 0, "t.yaml:2:9: anchors and aliases are not "
						  "allowed" },
	{ "guest: a\nmap: &m {a: x}\n", 0, "t.yaml:2:6: anchors and aliases are not allowed" },
	{ "guest: a\nmap: {&n a: x}\n", 0, "t.yaml:2:7: anchors and aliases are not allowed" },
	{ "guest: a\nmap: {a: &p x}\n", 0, "t.yaml:2:10: anchors and aliases are not "
					   "allowed" },
	{ "guest: a\nmap: {a: *p}\n", 0, "t.yaml:2:10: anchors and aliases are not allowed" },
	{ "guest: a\nmap: {a: !!str x}\n", 0, "t.yaml:2:10: tags are not allowed "
					      "('tag:yaml.org,2002:str')" },
	{ "guest: !!str a\n", 0, "t.yaml:1:8: tags are not allowed ('tag:yaml.org,2002:str')" },
	{ "guest: a\nenv: !list [A]\n", 0, "t.yaml:2:6: tags are not allowed ('!list')" },
	/* Malformed YAML, and bytes that are not text. */
	{ "guest: a\n  memory: x\n", 0, "t.yaml:2:9: malformed YAML: mapping values are not "
					"allowed in this context" },
	{ "guest: a\nmemory\nx: 1\n", 0, "t.yaml:3:1: malformed YAML: could not find expected "
					 "':' (while scanning a simple key at line 2, column "
					 "1)" },
	{ "guest: a\nenv: [A\n", 0, "t.yaml:3:1: malformed YAML: did not find expected ',' or "
				    "']' (while parsing a flow sequence at line 2, column 6)" },
	{ "guest: 'a\n", 0, "t.yaml:2:1: malformed YAML: found unexpected end of stream (while "
			    "scanning a quoted scalar at line 1, column 8)" },
	{ "guest: a\n\tmemory: {}\n", 0, "t.yaml:2:1: malformed YAML: found a tab character "
					 "that violates indentation (while scanning a plain "
					 "scalar at line 1, column 8)" },
	{ "guest: a\nx: \x01\n", 0, "t.yaml:2:4: malformed YAML: control characters are not "
				    "allowed" },
	{ "guest: \"\xc3\x28\"\n", 0, "t.yaml:1:10: malformed YAML: invalid trailing UTF-8 "
				      "octet" },
	{ "\xff\xfeguest: a\n", 0, "t.yaml:1:1: malformed YAML: invalid leading UTF-8 octet" },
	{ "guest: a\nenv: [A]\x00\n", 18, "t.yaml:2:9: NUL byte in the manifest" },
	{ "guest: \"a\\0b\"\n", 0, "t.yaml:1:8: NUL character in a value" },
};

#define NBAD (sizeof bad / sizeof bad[0])

/* Criterion copies parameters into its test processes: an index, never a pointer. */
struct bad_index {
	size_t i;
};

ParameterizedTestParameters(manifest, rejects)
{
	static struct bad_index idx[NBAD];

	for (size_t i = 0; i < NBAD; i++)
		idx[i].i = i;
	return cr_make_param_array(struct bad_index, idx, NBAD);
}

ParameterizedTest(struct bad_index *c, manifest, rejects)
{
	const struct bad_manifest *b = &bad[c->i];
	size_t len = b->len != 0 ? b->len : strlen(b->text);
	struct mf_manifest *m = (struct mf_manifest *)1;
	struct hl_diag d = { 0 };

	cr_assert_eq(mf_parse(b->text, len, "t.yaml", &m, &d), HL_E_INVALID, "case %zu: %s",
		     c->i, b->text);
	cr_assert_eq(d.err, HL_E_INVALID);
	cr_assert_str_eq(d.msg, b->msg, "case %zu", c->i);
	cr_assert_null(m);
}

Test(manifest, table_is_large)
{
	cr_assert_geq(NBAD, 35);
}
