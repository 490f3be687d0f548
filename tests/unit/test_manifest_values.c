/* Unit tests of the manifest parser, manifests it accepts: every field of a valid one,
 * the defaults, guest, file and map paths joined to the manifest's directory, and the
 * values of sizes, durations, hashes and maps up to their bounds.  Malformed manifests
 * are in test_manifest.c. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
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
		"files: [./data, /etc/hostname, 'a b']\n"
		"print_to: stdout\n"
		"core: crash.core\n"
		"map:\n"
		"  data: x.bin\n"
		"  Host_name2: /etc/hostname\n");

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
	cr_assert_eq(m->print_to, TGT_STREAM_STDOUT);
	cr_assert_str_eq(m->core, "dir/crash.core");
	cr_assert_eq(m->nmaps, 2);
	cr_assert_str_eq(m->maps[0].name, "data");
	cr_assert_str_eq(m->maps[0].path, "dir/x.bin");
	cr_assert_eq(m->maps[0].path, m->map_paths[0]);
	cr_assert_str_eq(m->maps[1].name, "Host_name2");
	cr_assert_str_eq(m->maps[1].path, "/etc/hostname");
	cr_assert_eq(m->maps[1].path, m->map_paths[1]);
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
	cr_assert_eq(m->print_to, TGT_STREAM_UNSET);
	cr_assert_null(m->core);
	cr_assert_eq(m->nhost_functions, 0);
	cr_assert_null(m->host_functions);
	cr_assert_eq(m->nenv, 0);
	cr_assert_null(m->env);
	cr_assert_eq(m->nfiles, 0);
	cr_assert_null(m->files);
	cr_assert_null(m->snapshot);
	cr_assert_eq(m->nmaps, 0);
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
					 "host_functions: [], env: [], files: [], map: {}}");

	cr_assert_str_eq(m->guest, "./g");
	cr_assert_eq(m->heap, 0);
	cr_assert_eq(m->timeout_ms, 0);
	cr_assert_eq(m->nhost_functions, 0);
	cr_assert_eq(m->nenv, 0);
	cr_assert_eq(m->nfiles, 0);
	cr_assert_eq(m->nmaps, 0);
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

	snprintf(text, sizeof text, "guest: %s\nfiles: [%s]\nmap: {f: %s}\n", c->written,
		 c->written, c->written);
	m = parse_ok(c->manifest, text);
	cr_assert_str_eq(m->guest, c->want, "%s + %s", c->manifest, c->written);
	cr_assert_eq(m->nfiles, 1);
	cr_assert_str_eq(m->files[0], c->want, "%s + %s", c->manifest, c->written);
	cr_assert_eq(m->nmaps, 1);
	cr_assert_str_eq(m->maps[0].path, c->want, "%s + %s", c->manifest, c->written);
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
	/* ENV_257 of test_manifest.c without its last entry. */
	static const char text[] = "guest: g\nenv: [" T100("a") T100("b") T10("c0") T10("c1")
		T10("c2") T10("c3") T10("c4") "c50, c51, c52, c53, c54, c55]\n";
	struct mf_manifest *m = parse_ok("m.yaml", text);

	cr_assert_eq(m->nenv, MF_MAX_ENTRIES);
	cr_assert_str_eq(m->env[0], "a00");
	cr_assert_str_eq(m->env[255], "c55");
	mf_free(m);
}

/* 16 files to map, names of 1 to 31 characters, paths written in any of YAML's ways;
 * a name is NUL-padded to its array, as the PEB copies it whole. */
Test(manifest, accepts_16_maps)
{
	static const char text[] = "guest: g\nmap:\n"
		"  a0: x\n  a1: 'a b'\n  a2: \"c=d\"\n  a3: ./e\n  a4: ../f\n  a5: /g\n"
		"  a6: h\n  a7: i\n  a8: j\n  a9: k\n  b0: l\n  b1: m\n  b2: n\n  _: o\n"
		"  Z9: p\n  ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcd: q\n";
	static const char *const paths[HL_MAX_MAPS] = {
		"d/x", "d/a b", "d/c=d", "d/./e", "d/../f", "/g", "d/h", "d/i", "d/j", "d/k",
		"d/l", "d/m", "d/n", "d/o", "d/p", "d/q",
	};
	struct mf_manifest *m = parse_ok("d/m.yaml", text);
	const char *last = "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcd";

	cr_assert_eq(m->nmaps, HL_MAX_MAPS);
	for (size_t i = 0; i < HL_MAX_MAPS; i++)
		cr_assert_str_eq(m->maps[i].path, paths[i], "map %zu", i);
	cr_assert_str_eq(m->maps[0].name, "a0");
	cr_assert_str_eq(m->maps[13].name, "_");
	for (size_t i = 1; i < HL_MAP_NAME_MAX; i++)
		cr_assert_eq(m->maps[13].name[i], '\0', "byte %zu", i);
	cr_assert_str_eq(m->maps[15].name, last);
	cr_assert_eq(m->maps[15].name[HL_MAP_NAME_MAX - 1], '\0');
	mf_free(m);
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
