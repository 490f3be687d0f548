/* Unit tests of the target layer's files to map: the manifest's map, then --map's, a
 * --map NAME replacing the manifest's; each file a regular file, checked before any VM
 * exists; at most 16 together. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/target.h"
#include "tests/guests/paths.h"
#include "tests/unit/tmpdir_fixture.h"


TestSuite(target_map, .init = make_dir, .fini = remove_dir);

/* The path of name in the test's directory, in one of 8 buffers used in turn. */
static const char *in_dir(const char *name)
{
	static char path[8][96];
	static int next;
	char *p = path[next++ % 8];

	snprintf(p, sizeof path[0], "%s/%s", dir, name);
	return p;
}

/* Writes text to the file name in the test's directory; returns its path. */
static const char *put(const char *name, const char *text)
{
	const char *p = in_dir(name);
	FILE *f = fopen(p, "wb");

	cr_assert_not_null(f, "%s", p);
	cr_assert_eq(fputs(text, f) >= 0, true, "%s", p);
	cr_assert_eq(fclose(f), 0);
	return p;
}

/* A manifest m.yaml naming simpleguest (by absolute path), then text. */
static const char *manifest(const char *text)
{
	char buf[1024], cwd[256];

	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	cr_assert_lt((size_t)snprintf(buf, sizeof buf, "guest: %s/" GUEST "\n%s", cwd, text),
		     sizeof buf);
	return put("m.yaml", buf);
}

static enum hl_err resolve(const struct tgt_request *req, struct tgt **t, struct hl_diag *d)
{
	memset(d, 0, sizeof *d);
	*t = NULL;
	return tgt_resolve(req, t, d);
}

/* Resolves req, which must succeed, and checks its maps: n of them, names and paths. */
static void assert_maps(const struct tgt_request *req, size_t n, const char *const *names,
			const char *const *paths)
{
	const struct sbx_config *c;
	struct tgt *t;
	struct hl_diag d;

	cr_assert_eq(resolve(req, &t, &d), HL_OK, "%s", d.msg);
	c = tgt_config(t);
	cr_assert_eq(c->nmaps, n, "%zu maps", c->nmaps);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_eq(c->maps[i].name, names[i], "map %zu", i);
		cr_assert_str_eq(c->maps[i].path, paths[i], "map %zu", i);
	}
	tgt_free(t);
}

/* Resolves req, which must fail with err and the message msg. */
static void assert_fails(const struct tgt_request *req, enum hl_err err, const char *msg)
{
	struct tgt *t;
	struct hl_diag d;

	cr_assert_eq(resolve(req, &t, &d), err, "%s", d.msg);
	cr_assert_eq(d.err, err);
	cr_assert_str_eq(d.msg, msg);
	cr_assert_null(t);
}

Test(target_map, none_without_a_map)
{
	struct tgt_request req = { .path = GUEST };

	assert_maps(&req, 0, NULL, NULL);
	req.path = manifest("");
	assert_maps(&req, 0, NULL, NULL);
}

/* An ELF takes --map's files, in order; PATH is what follows the first '='. */
Test(target_map, an_elf_takes_the_options)
{
	const char *a = put("a.bin", "a"), *eq = put("b=c", "b");
	char spec_a[128], spec_eq[128];
	const char *specs[] = { spec_a, spec_eq };
	const char *const names[] = { "first", "B" }, *const paths[] = { a, eq };
	struct tgt_request req = { .path = GUEST, .maps = specs, .nmaps = 2 };

	snprintf(spec_a, sizeof spec_a, "first=%s", a);
	snprintf(spec_eq, sizeof spec_eq, "B=%s", eq);
	assert_maps(&req, 2, names, paths);
}

/* The manifest's maps (paths relative to it), then --map's with other names. */
Test(target_map, the_manifest_then_the_options)
{
	const char *a = put("a.bin", "a"), *b = put("b.bin", "b"), *c = put("c.bin", "c");
	char spec[128];
	const char *specs[] = { spec };
	const char *const names[] = { "a", "b", "c" }, *const paths[] = { a, b, c };
	struct tgt_request req = { .path = manifest("map: {a: a.bin, b: b.bin}\n") };

	snprintf(spec, sizeof spec, "c=%s", c);
	assert_maps(&req, 2, names, paths);
	req.maps = specs;
	req.nmaps = 1;
	assert_maps(&req, 3, names, paths);
}

/* A --map NAME the manifest maps too replaces the manifest's, in its place (the guest
 * finds the files at the same addresses), and the manifest's file is then not even
 * looked at. */
Test(target_map, an_option_replaces_the_manifest_map_of_its_name)
{
	const char *b = put("b.bin", "b"), *other = put("other.bin", "o");
	char spec[128];
	const char *specs[] = { spec };
	const char *const names[] = { "a", "b" }, *const paths[] = { other, b };
	struct tgt_request req = { .path = manifest("map: {a: missing.bin, b: b.bin}\n"),
				   .maps = specs, .nmaps = 1 };

	snprintf(spec, sizeof spec, "a=%s", other);
	assert_maps(&req, 2, names, paths);
}

/* A file that is missing, or no regular file, is the target's mistake, named with the
 * reason, whichever of the manifest and the options names it. */
Test(target_map, each_file_must_be_a_regular_file)
{
	const char *fifo = in_dir("fifo");
	const char *specs[1];
	char spec[128], want[256];
	struct tgt_request req = { .path = GUEST, .maps = specs, .nmaps = 1 };

	specs[0] = "x=/nonexistent/f";
	assert_fails(&req, HL_E_INVALID,
		     "cannot map /nonexistent/f as x: No such file or directory");
	snprintf(spec, sizeof spec, "d=%s", dir);
	specs[0] = spec;
	snprintf(want, sizeof want, "cannot map %s as d: a directory, not a regular file", dir);
	assert_fails(&req, HL_E_INVALID, want);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	snprintf(spec, sizeof spec, "p=%s", fifo);
	snprintf(want, sizeof want, "cannot map %s as p: a FIFO, not a regular file", fifo);
	assert_fails(&req, HL_E_INVALID, want);
	specs[0] = "null=/dev/null";
	assert_fails(&req, HL_E_INVALID,
		     "cannot map /dev/null as null: a character device, not a regular file");
	/* The manifest's, by its path joined to the manifest's directory. */
	req = (struct tgt_request){ .path = manifest("map: {m: gone.bin}\n") };
	snprintf(want, sizeof want, "cannot map %s/gone.bin as m: No such file or directory",
		 dir);
	assert_fails(&req, HL_E_INVALID, want);
}

/* --list boots nothing and maps nothing: a missing file does not stop it. */
Test(target_map, guest_only_checks_no_file)
{
	const char *specs[] = { "x=/nonexistent/f" };
	struct tgt_request req = { .path = GUEST, .guest_only = true, .maps = specs,
				   .nmaps = 1 };
	struct tgt *t;
	struct hl_diag d;

	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_null(tgt_config(t));
	tgt_free(t);
}

/* 16 files at most, the manifest's and the options' together; a --map that replaces
 * one of the manifest's adds none. */
Test(target_map, at_most_16_together)
{
	const char *f = put("f.bin", "f");
	char text[512] = "map:\n", replace[128], extra[128];
	const char *specs[] = { replace };
	const struct sbx_config *c;
	struct tgt_request req = { .maps = specs, .nmaps = 1 };
	struct tgt *t;
	struct hl_diag d;

	for (int i = 0; i < HL_MAX_MAPS; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "  m%d: f.bin\n", i);
	req.path = manifest(text);
	snprintf(replace, sizeof replace, "m3=%s", f);
	snprintf(extra, sizeof extra, "extra=%s", f);
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	c = tgt_config(t);
	cr_assert_eq(c->nmaps, HL_MAX_MAPS);
	cr_assert_str_eq(c->maps[2].name, "m2");
	cr_assert_str_eq(c->maps[3].name, "m3");
	cr_assert_str_eq(c->maps[3].path, f, "replaced in its place");
	cr_assert_str_eq(c->maps[4].name, "m4");
	cr_assert_str_eq(c->maps[HL_MAX_MAPS - 1].name, "m15");
	tgt_free(t);
	specs[0] = extra;
	assert_fails(&req, HL_E_USAGE,
		     "more than 16 files to map (the manifest's and --map's)");
}

/* What the command line parser lets through is checked again: a request is the library's
 * interface. */
Test(target_map, the_request_is_checked)
{
	static char specs[HL_MAX_MAPS + 1][24];
	const char *ptrs[HL_MAX_MAPS + 1];
	struct tgt_request req = { .path = GUEST, .maps = ptrs, .nmaps = HL_MAX_MAPS + 1 };

	for (int i = 0; i <= HL_MAX_MAPS; i++) {
		snprintf(specs[i], sizeof specs[i], "m%d=/etc/hostname", i);
		ptrs[i] = specs[i];
	}
	assert_fails(&req, HL_E_USAGE, "more than 16 --map options");
	req.nmaps = 1;
	ptrs[0] = "1x=/etc/hostname";
	assert_fails(&req, HL_E_USAGE, "option --map 1x=/etc/hostname: not NAME=PATH");
	ptrs[0] = "x=";
	assert_fails(&req, HL_E_USAGE, "option --map x=: not NAME=PATH");
}
