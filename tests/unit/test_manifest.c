/* Unit tests of the manifest parser: one malformed manifest per rule, each with its exact
 * message and position; every field of a valid one; paths; mf_load on files. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "target/manifest.h"

/* Parses text that must be valid; the caller frees the result. */
static struct mf_manifest *parse_ok(const char *path, const char *text)
{
	struct hl_diag d = { 0 };
	struct mf_manifest *m = NULL;

	cr_assert_eq(mf_parse(text, strlen(text), path, &m, &d), HL_OK, "%s: %s", text, d.msg);
	cr_assert_not_null(m);
	return m;
}

/* ---- Malformed manifests ---------------------------------------------------------------- */

/* 257 distinct variable names in one flow sequence: "env: [a00, a01, ..., c56]".  Each
 * entry takes 5 columns after the 6 of "env: [", so the 257th (c56) is at column 1287. */
#define T10(p) p "0, " p "1, " p "2, " p "3, " p "4, " p "5, " p "6, " p "7, " p "8, " p "9, "
#define T100(p) T10(p "0") T10(p "1") T10(p "2") T10(p "3") T10(p "4") T10(p "5") \
	T10(p "6") T10(p "7") T10(p "8") T10(p "9")
#define ENV_257 "env: [" T100("a") T100("b") T10("c0") T10("c1") T10("c2") T10("c3") \
	T10("c4") "c50, c51, c52, c53, c54, c55, c56]\n"

#define LIST_NAMES "guest, snapshot, sha256, memory, limits, host_functions, env, files"
#define HOST_NAMES "HostPrint, GetTimeNs, GetRandom, GetEnv, ReadFile"
#define BAD_SIZE(s) "bad size '" s "' (use bytes or a number with K, KiB, M, MiB, G or GiB, " \
	"e.g. 64KiB)"
#define BAD_ENV(s) "env entry '" s "' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)"

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

/* ---- Valid manifests ------------------------------------------------------------------- */

#define HASH "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789AbCdEf"

static const uint8_t hash_bytes[32] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
	0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67,
	0x89, 0xab, 0xcd, 0xef,
};

Test(manifest, full_sets_every_field)
{
	struct mf_manifest *m = parse_ok("dir/m.yaml",
		"# every key\n"
		"guest: 'bin/g.elf'\n"
		"sha256: " HASH "\n"
		"memory:\n"
		"  heap: 1MiB\n"
		"  stack: \"256KiB\"\n"
		"  input: 65536\n"
		"  output: 2M\n"
		"limits:\n"
		"  timeout: 1.5s\n"
		"  max_output: 1\n"
		"host_functions: [HostPrint, GetTimeNs, GetRandom, GetEnv, ReadFile]\n"
		"env:\n"
		"  - CI\n"
		"  - GITHUB_REF\n"
		"  - _x9\n"
		"files: [./data, /etc/hostname, 'a b']\n");

	cr_assert_str_eq(m->path, "dir/m.yaml");
	cr_assert_str_eq(m->guest, "dir/bin/g.elf");
	cr_assert_eq(m->guest_line, 2);
	cr_assert_eq(m->guest_col, 8);
	cr_assert_eq(m->has_sha256, true);
	cr_assert_arr_eq(m->sha256, hash_bytes, sizeof hash_bytes);
	cr_assert_eq(m->heap, 1u << 20);
	cr_assert_eq(m->stack, 256u << 10);
	cr_assert_eq(m->input, 65536);
	cr_assert_eq(m->output, 2u << 20);
	cr_assert_eq(m->timeout_ms, 1500);
	cr_assert_eq(m->max_output, 1);
	cr_assert_eq(m->nhost_functions, 5);
	cr_assert_str_eq(m->host_functions[0], "HostPrint");
	cr_assert_str_eq(m->host_functions[1], "GetTimeNs");
	cr_assert_str_eq(m->host_functions[2], "GetRandom");
	cr_assert_str_eq(m->host_functions[3], "GetEnv");
	cr_assert_str_eq(m->host_functions[4], "ReadFile");
	cr_assert_eq(m->nenv, 3);
	cr_assert_str_eq(m->env[0], "CI");
	cr_assert_str_eq(m->env[1], "GITHUB_REF");
	cr_assert_str_eq(m->env[2], "_x9");
	cr_assert_eq(m->nfiles, 3);
	cr_assert_str_eq(m->files[0], "dir/./data");
	cr_assert_str_eq(m->files[1], "/etc/hostname");
	cr_assert_str_eq(m->files[2], "dir/a b");
	mf_free(m);
}

Test(manifest, defaults_are_unset)
{
	struct mf_manifest *m = parse_ok("m.yaml", "guest: g.elf\n");

	cr_assert_str_eq(m->path, "m.yaml");
	cr_assert_str_eq(m->guest, "./g.elf");
	cr_assert_eq(m->guest_line, 1);
	cr_assert_eq(m->guest_col, 8);
	cr_assert_eq(m->has_sha256, false);
	cr_assert_eq(m->heap, 0);
	cr_assert_eq(m->stack, 0);
	cr_assert_eq(m->input, 0);
	cr_assert_eq(m->output, 0);
	cr_assert_eq(m->timeout_ms, 0);
	cr_assert_eq(m->max_output, 0);
	cr_assert_eq(m->nhost_functions, 0);
	cr_assert_null(m->host_functions);
	cr_assert_eq(m->nenv, 0);
	cr_assert_null(m->env);
	cr_assert_eq(m->nfiles, 0);
	cr_assert_null(m->files);
	cr_assert_null(m->snapshot);
	mf_free(m);
	mf_free(NULL);
}

/* A snapshot instead of the guest, or beside it, is resolved like the guest. */
Test(manifest, snapshot_alone_or_beside_the_guest)
{
	struct mf_manifest *m = parse_ok("d/m.yaml", "snapshot: s.snap\nlimits: {timeout: 1s}\n");

	cr_assert_null(m->guest);
	cr_assert_str_eq(m->snapshot, "d/s.snap");
	cr_assert_eq(m->snapshot_line, 1);
	cr_assert_eq(m->snapshot_col, 11);
	mf_free(m);
	m = parse_ok("m.yaml", "guest: g.elf\nmemory: {heap: 1M}\nsnapshot: /c/g.snap\n");
	cr_assert_str_eq(m->guest, "./g.elf");
	cr_assert_str_eq(m->snapshot, "/c/g.snap");
	cr_assert_eq(m->snapshot_line, 3);
	cr_assert_eq(m->heap, 1u << 20);
	mf_free(m);
}

Test(manifest, empty_sections_and_lists)
{
	struct mf_manifest *m = parse_ok("m.yaml", "{guest: g, memory: {}, limits: {}, "
					 "host_functions: [], env: [], files: []}");

	cr_assert_str_eq(m->guest, "./g");
	cr_assert_eq(m->heap, 0);
	cr_assert_eq(m->timeout_ms, 0);
	cr_assert_eq(m->nhost_functions, 0);
	cr_assert_eq(m->nenv, 0);
	cr_assert_eq(m->nfiles, 0);
	mf_free(m);
}

Test(manifest, explicit_document_markers)
{
	struct mf_manifest *m = parse_ok("m.yaml", "%YAML 1.1\n---\nguest: g\n...\n");

	cr_assert_str_eq(m->guest, "./g");
	mf_free(m);
}

Test(manifest, utf8_bom_and_text)
{
	struct mf_manifest *m = parse_ok("m.yaml", "\xef\xbb\xbfguest: gr\xc3\xbc\xc3\x9f.elf\n");

	cr_assert_str_eq(m->guest, "./gr\xc3\xbc\xc3\x9f.elf");
	mf_free(m);
}

/* ---- Paths ------------------------------------------------------------------------------ */

struct join_case {
	char manifest[32];
	char written[32];
	char want[48];
};

ParameterizedTestParameters(manifest, joins_paths)
{
	static struct join_case cases[] = {
		{ "dir/sub/m.yaml", "g.elf", "dir/sub/g.elf" },
		{ "dir/sub/m.yaml", "../g.elf", "dir/sub/../g.elf" },
		{ "dir/sub/m.yaml", "/opt/g.elf", "/opt/g.elf" },
		{ "m.yaml", "g.elf", "./g.elf" },
		{ "m.yaml", "sub/g.elf", "./sub/g.elf" },
		{ "./m.yaml", "g.elf", "./g.elf" },
		{ "/m.yaml", "g.elf", "/g.elf" },
		{ "/etc/hl/m.yaml", "g.elf", "/etc/hl/g.elf" },
		{ "dir//m.yaml", "g.elf", "dir/g.elf" },
		{ "../m.yaml", "g.elf", "../g.elf" },
	};

	return cr_make_param_array(struct join_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct join_case *c, manifest, joins_paths)
{
	char text[128];
	struct mf_manifest *m;

	snprintf(text, sizeof text, "guest: %s\nfiles: [%s]\n", c->written, c->written);
	m = parse_ok(c->manifest, text);
	cr_assert_str_eq(m->guest, c->want, "%s + %s", c->manifest, c->written);
	cr_assert_eq(m->nfiles, 1);
	cr_assert_str_eq(m->files[0], c->want, "%s + %s", c->manifest, c->written);
	mf_free(m);
}

/* ---- Values ----------------------------------------------------------------------------- */

Test(manifest, sha256_is_case_insensitive)
{
	struct mf_manifest *lo = parse_ok("m.yaml", "guest: g\nsha256: "
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
	struct mf_manifest *up = parse_ok("m.yaml", "guest: g\nsha256: "
		"\"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\"\n");

	cr_assert_eq(lo->has_sha256, true);
	cr_assert_eq(up->has_sha256, true);
	cr_assert_arr_eq(lo->sha256, hash_bytes, sizeof hash_bytes);
	cr_assert_arr_eq(up->sha256, hash_bytes, sizeof hash_bytes);
	mf_free(lo);
	mf_free(up);
}

struct value_case {
	char key[24];   /* "memory: {heap" or "limits: {timeout" */
	char text[32];
	uint64_t want;
};

ParameterizedTestParameters(manifest, values)
{
	static struct value_case cases[] = {
		{ "memory: {heap", "4096", 4096 },
		{ "memory: {heap", "65536", 65536 },
		{ "memory: {heap", "4K", 4096 },
		{ "memory: {heap", "64KiB", 65536 },
		{ "memory: {heap", "1M", 1u << 20 },
		{ "memory: {heap", "3MiB", 3u << 20 },
		{ "memory: {heap", "1G", 1u << 30 },
		{ "memory: {heap", "4GiB", 4ull << 30 },
		{ "memory: {heap", "'8MiB'", 8u << 20 },
		{ "memory: {stack", "\"512KiB\"", 512u << 10 },
		{ "memory: {input", "4194304", 4u << 20 },
		{ "memory: {output", "4M", 4u << 20 },
		{ "limits: {max_output", "1", 1 },
		{ "limits: {max_output", "16MiB", 16u << 20 },
		{ "limits: {max_output", "4G", 4ull << 30 },
		{ "limits: {timeout", "250ms", 250 },
		{ "limits: {timeout", "5s", 5000 },
		{ "limits: {timeout", "5", 5000 },
		{ "limits: {timeout", "0.5ms", 1 },
		{ "limits: {timeout", "2m", 120000 },
		{ "limits: {timeout", "24h", 86400000 },
		{ "limits: {timeout", "86400000ms", 86400000 },
		{ "memory: {heap", "4294967296", 4ull << 30 },
		{ "limits: {max_output", "4294967296", 4ull << 30 },
	};

	return cr_make_param_array(struct value_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct value_case *c, manifest, values)
{
	char text[128];
	struct mf_manifest *m;
	uint64_t got;

	snprintf(text, sizeof text, "guest: g\n%s: %s}\n", c->key, c->text);
	m = parse_ok("m.yaml", text);
	if (strcmp(c->key, "memory: {heap") == 0)
		got = m->heap;
	else if (strcmp(c->key, "memory: {stack") == 0)
		got = m->stack;
	else if (strcmp(c->key, "memory: {input") == 0)
		got = m->input;
	else if (strcmp(c->key, "memory: {output") == 0)
		got = m->output;
	else if (strcmp(c->key, "limits: {max_output") == 0)
		got = m->max_output;
	else
		got = m->timeout_ms;
	cr_assert_eq(got, c->want, "%s: %s: got %llu", c->key, c->text, (unsigned long long)got);
	mf_free(m);
}

Test(manifest, accepts_256_entries)
{
	/* ENV_257 without its last entry. */
	static const char text[] = "guest: g\nenv: [" T100("a") T100("b") T10("c0") T10("c1")
		T10("c2") T10("c3") T10("c4") "c50, c51, c52, c53, c54, c55]\n";
	struct mf_manifest *m = parse_ok("m.yaml", text);

	cr_assert_eq(m->nenv, MF_MAX_ENTRIES);
	cr_assert_str_eq(m->env[0], "a00");
	cr_assert_str_eq(m->env[255], "c55");
	mf_free(m);
}

/* A manifest of exactly n bytes: the guest, then a comment that fills the rest. */
static char *padded(size_t n)
{
	static const char head[] = "guest: g\n#";
	char *buf = malloc(n);

	cr_assert_not_null(buf);
	cr_assert_geq(n, sizeof head);
	memset(buf, 'x', n);
	memcpy(buf, head, sizeof head - 1);
	buf[n - 1] = '\n';
	return buf;
}

Test(manifest, size_limit_of_parse)
{
	char *buf = padded(MF_MAX_SIZE + 1);
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };

	cr_assert_eq(mf_parse(buf, MF_MAX_SIZE, "t.yaml", &m, &d), HL_OK, "%s", d.msg);
	cr_assert_str_eq(m->guest, "./g");
	mf_free(m);
	m = NULL;
	cr_assert_eq(mf_parse(buf, MF_MAX_SIZE + 1, "t.yaml", &m, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, "t.yaml: the manifest is larger than 64 KiB");
	cr_assert_null(m);
	free(buf);
}

/* ---- mf_load ---------------------------------------------------------------------------- */

/* A fresh directory for one test; its path goes to dir. */
static void make_dir(char dir[32])
{
	strcpy(dir, "/tmp/hlrun-test-mf-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

Test(manifest, load_reads_a_file)
{
	char dir[32], path[64], want[160];
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml;
	const char text[] = "guest: g.elf\nmemory: {heap: 2MiB}\n";

	make_dir(dir);
	snprintf(path, sizeof path, "%s/m.yaml", dir);
	snprintf(want, sizeof want, "%s/g.elf", dir);
	write_file(path, text, sizeof text - 1);
	cr_assert_eq(mf_load(path, &m, &not_yaml, &d), HL_OK, "%s", d.msg);
	cr_assert_str_eq(m->path, path);
	cr_assert_str_eq(m->guest, want);
	cr_assert_eq(m->heap, 2u << 20);
	mf_free(m);
	unlink(path);
	rmdir(dir);
}

Test(manifest, load_reports_parse_errors_with_the_path)
{
	char dir[32], path[64], want[160];
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml;
	const char text[] = "guest: g.elf\nmemory: {hep: 2MiB}\n";

	make_dir(dir);
	snprintf(path, sizeof path, "%s/m.yaml", dir);
	snprintf(want, sizeof want, "%s:2:10: unknown key 'hep' in memory (did you mean "
		 "'heap'?)", path);
	write_file(path, text, sizeof text - 1);
	cr_assert_eq(mf_load(path, &m, &not_yaml, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(m);
	cr_assert_eq(not_yaml, false);
	unlink(path);
	rmdir(dir);
}

/* What a file that was never a manifest gives: malformed YAML, or a top level that is no
 * mapping, and nothing else. */
struct shape_case {
	char text[32];
	bool not_yaml;
};

ParameterizedTestParameters(manifest, load_says_when_a_file_is_no_yaml_mapping)
{
	static struct shape_case cases[] = {
		{ "guest: g.elf\n}\n", true },
		{ "#!/bin/sh\necho hello\n", true },
		{ "- guest: g.elf\n", true },
		{ "\"guest: g.elf\n", true },
		{ "guest: g.elf\nhep: 1\n", false },
		{ "guest: [g.elf]\n", false },
		{ "", false },
	};

	return cr_make_param_array(struct shape_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct shape_case *c, manifest, load_says_when_a_file_is_no_yaml_mapping)
{
	char dir[32], path[64];
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml = !c->not_yaml;

	make_dir(dir);
	snprintf(path, sizeof path, "%s/m.yaml", dir);
	write_file(path, c->text, strlen(c->text));
	cr_assert_eq(mf_load(path, &m, &not_yaml, &d), HL_E_INVALID, "%s", c->text);
	cr_assert_eq(not_yaml, c->not_yaml, "%s: %s", c->text, d.msg);
	cr_assert_null(m);
	unlink(path);
	rmdir(dir);
}

/* A file of 64 KiB is read whole; one byte more is refused, read or not. */
Test(manifest, size_limit_of_load)
{
	char dir[32], path[64], want[160];
	char *buf = padded(MF_MAX_SIZE + 1);
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml;

	make_dir(dir);
	snprintf(path, sizeof path, "%s/m.yaml", dir);
	buf[MF_MAX_SIZE - 1] = '\n';
	write_file(path, buf, MF_MAX_SIZE);
	cr_assert_eq(mf_load(path, &m, &not_yaml, &d), HL_OK, "%s", d.msg);
	mf_free(m);
	m = NULL;
	write_file(path, buf, MF_MAX_SIZE + 1);
	snprintf(want, sizeof want, "%s: the manifest is larger than 64 KiB", path);
	cr_assert_eq(mf_load(path, &m, &not_yaml, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(m);
	free(buf);
	unlink(path);
	rmdir(dir);
}

Test(manifest, load_missing_file)
{
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml;

	cr_assert_eq(mf_load("/nonexistent/m.yaml", &m, &not_yaml, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, "/nonexistent/m.yaml: cannot open: No such file or directory");
	cr_assert_null(m);
}

Test(manifest, load_directory)
{
	char dir[32], want[160];
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml;

	make_dir(dir);
	snprintf(want, sizeof want, "%s: is a directory, not a manifest", dir);
	cr_assert_eq(mf_load(dir, &m, &not_yaml, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(m);
	rmdir(dir);
}

Test(manifest, load_fifo_is_not_a_regular_file)
{
	char dir[32], path[64], want[160];
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml;

	make_dir(dir);
	snprintf(path, sizeof path, "%s/fifo", dir);
	snprintf(want, sizeof want, "%s: not a regular file", path);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(mf_load(path, &m, &not_yaml, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(m);
	unlink(path);
	rmdir(dir);
}

Test(manifest, load_size_limit)
{
	char dir[32], path[64], want[160];
	char *buf = padded(MF_MAX_SIZE + 1);
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml;

	make_dir(dir);
	snprintf(path, sizeof path, "%s/m.yaml", dir);
	write_file(path, buf, MF_MAX_SIZE);
	cr_assert_eq(mf_load(path, &m, &not_yaml, &d), HL_OK, "%s", d.msg);
	mf_free(m);
	m = NULL;
	snprintf(want, sizeof want, "%s: the manifest is larger than 64 KiB", path);
	write_file(path, buf, MF_MAX_SIZE + 1);
	cr_assert_eq(mf_load(path, &m, &not_yaml, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(m);
	free(buf);
	unlink(path);
	rmdir(dir);
}

/* The example that man/hlrun-manifest.5 shows; run from the top of the tree. */
Test(manifest, example_parses)
{
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml;

	cr_assert_eq(mf_load("examples/simpleguest.yaml", &m, &not_yaml, &d), HL_OK, "%s", d.msg);
	cr_assert_str_eq(m->guest, "examples/../guests/bin/simpleguest.elf");
	cr_assert_eq(m->has_sha256, false);
	cr_assert_eq(m->heap, 1u << 20);
	cr_assert_eq(m->stack, 256u << 10);
	cr_assert_eq(m->input, 64u << 10);
	cr_assert_eq(m->output, 64u << 10);
	cr_assert_eq(m->timeout_ms, 5000);
	cr_assert_eq(m->max_output, 1u << 20);
	cr_assert_eq(m->nhost_functions, 2);
	cr_assert_str_eq(m->host_functions[0], "HostPrint");
	cr_assert_str_eq(m->host_functions[1], "GetTimeNs");
	cr_assert_eq(m->nenv, 0);
	cr_assert_eq(m->nfiles, 0);
	mf_free(m);
}
