/* Unit tests of the target layer (target/): what a file is taken for, from its first
 * bytes; the one merge of defaults, a snapshot's sizes, the manifest and the options, in
 * that order; the configuration checked once; a manifest's pin and guest. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target/target.h"
#include "tests/guests/paths.h"
#include "tests/unit/tmpdir_fixture.h"

#define SNAPSHOT "tests/fuzz/corpus/snapshot/simpleguest.snap" /* HostPrint, GetTimeNs */


TestSuite(target, .init = make_dir, .fini = remove_dir);

/* Writes len bytes to the file name in the test's directory; returns its path. */
static const char *put(const char *name, const void *data, size_t len)
{
	static char path[8][96];
	static int next;
	char *p = path[next++ % 8];
	FILE *f;

	snprintf(p, sizeof path[0], "%s/%s", dir, name);
	f = fopen(p, "wb");
	cr_assert_not_null(f, "%s", p);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	return p;
}

/* A manifest naming simpleguest (by absolute path), then text. */
static const char *manifest(const char *name, const char *text)
{
	char buf[1024], cwd[256];

	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	snprintf(buf, sizeof buf, "guest: %s/" GUEST "\n%s", cwd, text);
	return put(name, buf, strlen(buf));
}

static enum hl_err resolve(const struct tgt_request *req, struct tgt **t, struct hl_diag *d)
{
	memset(d, 0, sizeof *d);
	*t = NULL;
	return tgt_resolve(req, t, d);
}

/* ---- What a file is ------------------------------------------------------------------ */

Test(target, an_elf_a_snapshot_and_a_manifest)
{
	const char *m = manifest("m.yaml", "");
	struct tgt_request req = { .path = GUEST };
	const char *const allow[] = { "GetTimeNs" };
	struct tgt *t;
	struct hl_diag d;

	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(tgt_kind(t), TGT_ELF);
	cr_assert_not_null(tgt_guest(t));
	cr_assert_null(tgt_snapshot(t));
	tgt_free(t);
	req = (struct tgt_request){ .path = SNAPSHOT, .allow = allow, .nallow = 1 };
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(tgt_kind(t), TGT_SNAPSHOT);
	cr_assert_not_null(tgt_snapshot(t));
	cr_assert_not_null(tgt_guest(t));
	tgt_free(t);
	req = (struct tgt_request){ .path = m };
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(tgt_kind(t), TGT_MANIFEST);
	cr_assert_null(tgt_snapshot(t));
	tgt_free(t);
}

struct other_case {
	char bytes[16];
	size_t len;
	char is[48];
};

/* Binary files are never read as YAML: named when common, else said to be binary. */
ParameterizedTestParameters(target, binary_files_are_no_manifest)
{
	static struct other_case cases[] = {
		{ "\0asm\1\0\0\0", 8, "a WebAssembly module" },
		{ "!<arch>\n/ \0", 11, "an ar archive" },
		{ "\x1f\x8b\x08\0", 4, "gzip data" },
		{ "PK\3\4\x14\0", 6, "a zip archive" },
		{ "MZ\x90\0\3\0", 6, "a PE or DOS executable" },
		{ "\xcf\xfa\xed\xfe\7\0", 6, "a Mach-O executable" },
		{ "guest: a\0", 9, "binary, and a manifest is text" },
		{ "guest: a\x1b[1m", 12, "binary, and a manifest is text" },
		{ "guest: a\x7f", 9, "binary, and a manifest is text" },
		{ "\177EL", 3, "binary, and a manifest is text" },
	};

	return cr_make_param_array(struct other_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct other_case *c, target, binary_files_are_no_manifest)
{
	struct tgt_request req = { .path = put("x", c->bytes, c->len) };
	struct tgt *t;
	struct hl_diag d;
	char want[192];

	snprintf(want, sizeof want, "%s: not an ELF guest, snapshot or manifest (it is %s)",
		 req.path, c->is);
	cr_assert_eq(resolve(&req, &t, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(t);
}

/* Text that is no YAML mapping is said to have been read as a manifest, unless the
 * command line said it is one; a binary file it says is one, the parser refuses. */
Test(target, text_that_is_no_manifest)
{
	const char *sh = put("run.sh", "#!/bin/sh\nexec true\n", 20);
	const char *bin = put("x.wasm", "\0asm", 4);
	struct tgt_request req = { .path = sh };
	struct tgt *t;
	struct hl_diag d;
	char want[192];

	snprintf(want, sizeof want, "%s:2:1: the top level must be a mapping, not a scalar "
		 "(not an ELF guest, so read as a manifest)", sh);
	cr_assert_eq(resolve(&req, &t, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, want);
	req.manifest = true;
	*strstr(want, " (not") = '\0';
	cr_assert_eq(resolve(&req, &t, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, want);
	req.path = bin;
	snprintf(want, sizeof want, "%s:1:1: NUL byte in the manifest", bin);
	cr_assert_eq(resolve(&req, &t, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(t);
}

/* A file that cannot be opened is named with the reason; a directory is no manifest. */
Test(target, missing_file_and_directory)
{
	struct tgt_request req = { .path = "/nonexistent/g.elf" };
	struct tgt *t;
	struct hl_diag d;
	char want[96];

	cr_assert_eq(resolve(&req, &t, &d), HL_E_INVALID);
	cr_assert_str_eq(d.msg, "/nonexistent/g.elf: No such file or directory");
	req.path = dir;
	cr_assert_eq(resolve(&req, &t, &d), HL_E_INVALID);
	snprintf(want, sizeof want, "%s: is a directory, not a manifest", dir);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(t);
}

/* ---- The merge ----------------------------------------------------------------------- */

Test(target, an_elf_alone_gets_the_defaults)
{
	struct tgt_request req = { .path = GUEST };
	struct sbx_config def;
	const struct sbx_config *c;
	struct tgt *t;
	struct hl_diag d;

	sbx_config_default(&def);
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	c = tgt_config(t);
	cr_assert_not_null(c);
	cr_assert_eq(c->heap_size, def.heap_size);
	cr_assert_eq(c->stack_size, def.stack_size);
	cr_assert_eq(c->input_size, def.input_size);
	cr_assert_eq(c->output_size, def.output_size);
	cr_assert_eq(c->timeout_ms, 0);
	cr_assert_eq(c->seccomp, true);
	cr_assert_eq(c->restore, false);
	cr_assert_null(c->save_path);
	cr_assert_eq(c->policy.nallowed, 1);
	cr_assert_str_eq(c->policy.allowed[0], "HostPrint");
	cr_assert_eq(c->policy.nenv, 0);
	cr_assert_eq(c->policy.nfiles, 0);
	cr_assert_eq(c->policy.max_output, SBX_DEFAULT_MAX_OUTPUT);
	cr_assert_null(tgt_cache_ignored(t));
	tgt_free(t);
}

/* Each setting: the default, else the manifest's, else the option's. */
Test(target, options_over_the_manifest_over_the_defaults)
{
	const char *m = manifest("m.yaml", "memory: {heap: 1MiB, stack: 64KiB, input: 16KiB, "
				 "output: 32KiB}\nlimits: {timeout: 5s, max_output: 100}\n"
				 "host_functions: [GetEnv]\nenv: [HOME]\nfiles: [/etc]\n");
	struct tgt_request req = { .path = m };
	const struct sbx_config *c;
	struct tgt *t;
	struct hl_diag d;

	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	c = tgt_config(t);
	cr_assert_eq(c->heap_size, 1u << 20);
	cr_assert_eq(c->stack_size, 64u << 10);
	cr_assert_eq(c->input_size, 16u << 10);
	cr_assert_eq(c->output_size, 32u << 10);
	cr_assert_eq(c->timeout_ms, 5000);
	cr_assert_eq(c->policy.max_output, 100);
	cr_assert_eq(c->policy.nallowed, 1);
	cr_assert_str_eq(c->policy.allowed[0], "GetEnv");
	cr_assert_eq(c->policy.nenv, 1);
	cr_assert_str_eq(c->policy.env[0], "HOME");
	cr_assert_eq(c->policy.nfiles, 1);
	cr_assert_str_eq(c->policy.files[0], "/etc");
	tgt_free(t);
	req = (struct tgt_request){ .path = m, .heap = 2u << 20, .stack = 128u << 10,
				    .input_size = 8u << 10, .output_size = 4u << 10,
				    .timeout_ms = 7, .no_seccomp = true, .batch = true };
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	c = tgt_config(t);
	cr_assert_eq(c->heap_size, 2u << 20);
	cr_assert_eq(c->stack_size, 128u << 10);
	cr_assert_eq(c->input_size, 8u << 10);
	cr_assert_eq(c->output_size, 4u << 10);
	cr_assert_eq(c->timeout_ms, 7);
	cr_assert_eq(c->seccomp, false);
	cr_assert_eq(c->restore, true);
	tgt_free(t);
}

/* --allow adds to the manifest's list, or to HostPrint without one; unknown names are
 * the command line's mistake. */
Test(target, allow_adds_to_the_list)
{
	const char *m = manifest("m.yaml", "host_functions: []\n");
	const char *const allow[] = { "GetRandom", "ReadFile" };
	const char *const bad[] = { "GetRandom", "ReadFiles" };
	struct tgt_request req = { .path = GUEST, .allow = allow, .nallow = 2 };
	const struct sbx_config *c;
	struct tgt *t;
	struct hl_diag d;

	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	c = tgt_config(t);
	cr_assert_eq(c->policy.nallowed, 3);
	cr_assert_str_eq(c->policy.allowed[0], "HostPrint");
	cr_assert_str_eq(c->policy.allowed[1], "GetRandom");
	cr_assert_str_eq(c->policy.allowed[2], "ReadFile");
	tgt_free(t);
	req.path = m;
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	c = tgt_config(t);
	cr_assert_eq(c->policy.nallowed, 2);
	cr_assert_str_eq(c->policy.allowed[0], "GetRandom");
	tgt_free(t);
	req.allow = bad;
	cr_assert_eq(resolve(&req, &t, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "--allow ReadFiles: no such host function");
	cr_assert_null(t);
}

/* --env and --dir add to the manifest's env and files and allow the host function that
 * reads them; a --env names a variable the manifest lists too, and replaces it. */
Test(target, grants_add_to_the_manifest)
{
	const char *m = manifest("m.yaml", "host_functions: [GetEnv]\nenv: [HOME, CI]\n"
				 "files: [/etc]\n");
	const char *const env[] = { "CI=x", "PATH" }, *const dirs[] = { "d" };
	struct tgt_request req = { .path = m, .env = env, .nenv = 2, .dirs = dirs, .ndirs = 1 };
	const struct sbx_policy *p;
	struct tgt *t;
	struct hl_diag d;

	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	p = &tgt_config(t)->policy;
	cr_assert_eq(p->nallowed, 2);
	cr_assert_str_eq(p->allowed[0], "GetEnv");
	cr_assert_str_eq(p->allowed[1], "ReadFile");
	cr_assert_eq(p->nenv, 3);
	cr_assert_str_eq(p->env[0], "CI=x");
	cr_assert_str_eq(p->env[1], "PATH");
	cr_assert_str_eq(p->env[2], "HOME");
	cr_assert_eq(p->nfiles, 2);
	cr_assert_str_eq(p->files[0], "/etc");
	cr_assert_str_eq(p->files[1], "d");
	tgt_free(t);
	/* Without a manifest: HostPrint, then what the grants imply. */
	req = (struct tgt_request){ .path = GUEST, .env = env, .nenv = 1 };
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	p = &tgt_config(t)->policy;
	cr_assert_eq(p->nallowed, 2);
	cr_assert_str_eq(p->allowed[0], "HostPrint");
	cr_assert_str_eq(p->allowed[1], "GetEnv");
	cr_assert_eq(p->nenv, 1);
	cr_assert_eq(p->nfiles, 0);
	tgt_free(t);
}

/* HostPrint writes to standard error unless the manifest or the option says otherwise;
 * the option wins. */
Test(target, print_to_stderr_unless_told)
{
	const char *out = manifest("out.yaml", "print_to: stdout\n");
	const char *err = manifest("err.yaml", "print_to: stderr\n");
	struct {
		const char *path;
		enum tgt_stream opt;
		FILE *want;
	} cases[] = {
		{ GUEST, TGT_STREAM_UNSET, stderr }, { GUEST, TGT_STREAM_STDOUT, stdout },
		{ out, TGT_STREAM_UNSET, stdout }, { out, TGT_STREAM_STDERR, stderr },
		{ err, TGT_STREAM_UNSET, stderr }, { err, TGT_STREAM_STDOUT, stdout },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tgt_request req = { .path = cases[i].path, .print_to = cases[i].opt };
		struct tgt *t;
		struct hl_diag d;

		cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
		cr_assert_eq(tgt_config(t)->print_to, cases[i].want, "case %zu", i);
		tgt_free(t);
	}
}

/* The core file: the option's over the manifest's (relative to it), never one that
 * exists; it carries the guest ELF's file name for gdb. */
Test(target, core_file_is_new_and_named)
{
	const char *m = manifest("core.yaml", "core: m.core\n");
	const char *taken = put("taken.core", "x", 1);
	struct tgt_request req = { .path = m };
	struct tgt *t;
	struct hl_diag d;
	char want[160];

	unlink(put("m.core", "", 0));
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	snprintf(want, sizeof want, "%s/m.core", dir);
	cr_assert_str_eq(tgt_config(t)->core_path, want);
	cr_assert_str_eq(tgt_config(t)->core_name, "simpleguest.elf");
	tgt_free(t);
	req.core_path = "other.core";
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_str_eq(tgt_config(t)->core_path, "other.core");
	tgt_free(t);
	req = (struct tgt_request){ .path = GUEST };
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_null(tgt_config(t)->core_path);
	cr_assert_str_eq(tgt_config(t)->core_name, "simpleguest.elf");
	tgt_free(t);
	req.core_path = taken;
	cr_assert_eq(resolve(&req, &t, &d), HL_E_USAGE);
	snprintf(want, sizeof want, "%s: a file of that name exists; hlrun writes a core file "
		 "only as a new file", taken);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(t);
}

/* The result is checked as the sandbox would check it, options and manifest together. */
Test(target, checked_once_merged)
{
	const char *m = manifest("m.yaml", "memory: {heap: 4KiB}\n");
	struct tgt_request req = { .path = m, .heap = 4095 };
	struct tgt *t;
	struct hl_diag d;

	cr_assert_eq(resolve(&req, &t, &d), HL_E_USAGE);
	cr_assert_str_eq(d.msg, "heap of 4095 bytes is out of range (4096 to 4294967296)");
	req.heap = 0;
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_eq(tgt_config(t)->heap_size, 4096);
	tgt_free(t);
	req.timeout_ms = SBX_MAX_TIMEOUT_MS + 1;
	cr_assert_eq(resolve(&req, &t, &d), HL_E_USAGE);
	cr_assert(strstr(d.msg, "timeout of 86400001 ms") == d.msg, "%s", d.msg);
}

/* --list needs the guest alone: options that would not do for a run do not stop it. */
Test(target, guest_only_configures_nothing)
{
	struct tgt_request req = { .path = GUEST, .guest_only = true, .heap = 1 };
	struct tgt *t;
	struct hl_diag d;

	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_not_null(tgt_guest(t));
	cr_assert_null(tgt_config(t));
	tgt_free(t);
}

/* A snapshot's sizes are its own: options that would change them are refused, the others
 * apply; it runs only with the host functions it was saved with allowed. */
Test(target, a_snapshot_keeps_its_sizes)
{
	const char *const allow[] = { "GetTimeNs" };
	struct tgt_request req = { .path = SNAPSHOT, .allow = allow, .nallow = 1,
				   .timeout_ms = 9 };
	const struct sbx_config *c;
	struct tgt *t;
	struct hl_diag d;
	char want[256];

	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	c = tgt_config(t);
	cr_assert_eq(c->heap_size, 64u << 10);
	cr_assert_eq(c->stack_size, 16u << 10);
	cr_assert_eq(c->input_size, 8u << 10);
	cr_assert_eq(c->output_size, 12u << 10);
	cr_assert_eq(c->timeout_ms, 9);
	tgt_free(t);
	req.output_size = 4096;
	cr_assert_eq(resolve(&req, &t, &d), HL_E_USAGE);
	snprintf(want, sizeof want, "%s: a snapshot's memory sizes are fixed when it is saved "
		 "(--heap, --stack, --input-size and --output-size do not apply)", SNAPSHOT);
	cr_assert_str_eq(d.msg, want);
	req.output_size = 0;
	req.nallow = 0;
	cr_assert_eq(resolve(&req, &t, &d), HL_E_INVALID);
	snprintf(want, sizeof want, "%s: the snapshot was saved with host function GetTimeNs "
		 "allowed, which the manifest or --allow in force does not allow", SNAPSHOT);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(t);
}

/* ---- A manifest's guest -------------------------------------------------------------- */

Test(target, the_pin_is_checked)
{
	const char *m = manifest("m.yaml", "sha256: "
				 "0000000000000000000000000000000000000000000000000000000000000000\n");
	struct tgt_request req = { .path = m };
	struct tgt *t;
	struct hl_diag d;
	char want[96];

	cr_assert_eq(resolve(&req, &t, &d), HL_E_INVALID);
	snprintf(want, sizeof want, "%s:1:8: ", m);
	cr_assert(strncmp(d.msg, want, strlen(want)) == 0, "%s", d.msg);
	cr_assert(strstr(d.msg, "the manifest requires 0000000000000000") != NULL, "%s", d.msg);
	cr_assert_null(t);
}

Test(target, a_missing_guest_is_named_where_the_manifest_names_it)
{
	const char *m = put("m.yaml", "memory: {heap: 1MiB}\nguest: nothing.elf\n", 39);
	struct tgt_request req = { .path = m };
	struct tgt *t;
	struct hl_diag d;
	char want[96];

	cr_assert_eq(resolve(&req, &t, &d), HL_E_INVALID);
	snprintf(want, sizeof want, "%s:2:8: guest: ", m);
	cr_assert(strncmp(d.msg, want, strlen(want)) == 0, "%s", d.msg);
	cr_assert(strstr(d.msg, "nothing.elf") != NULL, "%s", d.msg);
}

/* A snapshot named beside the guest is a cache: unreadable, the guest boots. */
Test(target, a_broken_cache_boots_the_guest)
{
	const char *m = manifest("m.yaml", "snapshot: broken.snap\n");
	struct tgt_request req = { .path = m };
	struct tgt *t;
	struct hl_diag d;

	put("broken.snap", "\177HLSNAP\n", 8);
	cr_assert_eq(resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_null(tgt_snapshot(t));
	cr_assert_eq(tgt_kind(t), TGT_MANIFEST);
	tgt_free(t);
}
