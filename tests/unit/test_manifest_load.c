/* Unit tests of mf_load: the manifest read from a file, its errors named with the path,
 * the size limit on files, what is no regular file, and the example of
 * hlrun-manifest(5).  What the parser accepts and refuses is in test_manifest.c and
 * test_manifest_values.c. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "target/manifest.h"
#include "tests/unit/test_manifest.h"

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

/* A fresh directory and in it m.yaml, len bytes of data: their paths go to dir and path. */
static void make_manifest(char dir[32], char path[64], const char *data, size_t len)
{
	make_dir(dir);
	snprintf(path, 64, "%s/m.yaml", dir);
	write_file(path, data, len);
}

Test(manifest, load_reads_a_file)
{
	char dir[32], path[64], want[160];
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml;
	const char text[] = "guest: g.elf\nmemory: {heap: 2MiB}\n";

	make_manifest(dir, path, text, sizeof text - 1);
	snprintf(want, sizeof want, "%s/g.elf", dir);
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

	make_manifest(dir, path, text, sizeof text - 1);
	snprintf(want, sizeof want, "%s:2:10: unknown key 'hep' in memory (did you mean "
		 "'heap'?)", path);
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

	make_manifest(dir, path, c->text, strlen(c->text));
	cr_assert_eq(mf_load(path, &m, &not_yaml, &d), HL_E_INVALID, "%s", c->text);
	cr_assert_eq(not_yaml, c->not_yaml, "%s: %s", c->text, d.msg);
	cr_assert_null(m);
	unlink(path);
	rmdir(dir);
}

/* A file of 64 KiB is read whole, whether a newline ends its comment or not; one byte
 * more is refused, read or not. */
ParameterizedTestParameters(manifest, size_limit_of_load)
{
	static char last[] = { '\n', 'x' }; /* the last byte of the 64 KiB */

	return cr_make_param_array(char, last, sizeof last);
}

ParameterizedTest(char *last, manifest, size_limit_of_load)
{
	char dir[32], path[64], want[160];
	char *buf = padded(MF_MAX_SIZE + 1);
	struct mf_manifest *m = NULL;
	struct hl_diag d = { 0 };
	bool not_yaml;

	buf[MF_MAX_SIZE - 1] = *last;
	make_manifest(dir, path, buf, MF_MAX_SIZE);
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
