/* Unit tests of a manifest's host process in the target layer: tgt_process() with the
 * defaults filled in, or NULL without one, and the functions it serves in the
 * configuration's externs.  The parsing itself is test_manifest_process.c's. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "target/target.h"
#include "tests/guests/paths.h"
#include "tests/unit/tmpdir_fixture.h"

TestSuite(target_process, .init = make_dir, .fini = remove_dir);

/* m.yaml in the test's directory: simpleguest (by absolute path), then text.  Its path
 * goes to path. */
static void manifest(char path[96], const char *text)
{
	char cwd[256];
	FILE *f;

	cr_assert_not_null(getcwd(cwd, sizeof cwd));
	snprintf(path, 96, "%s/m.yaml", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fprintf(f, "guest: %s/" GUEST "\n%s", cwd, text);
	cr_assert_eq(fclose(f), 0);
}

Test(target_process, defaults_filled_in)
{
	struct tgt_request req = { 0 };
	const struct tgt_process *p;
	char path[96], program[96];
	struct tgt *t = NULL;
	struct hl_diag d = { 0 };

	manifest(path, "host_process:\n  command: [./srv, -v]\n"
		 "  functions: {Upper: {params: [string], returns: string}, Ping: {}}\n");
	req.path = path;
	cr_assert_eq(tgt_open(&req, &t, &d), HL_OK, "%s", d.msg);
	p = tgt_process(t);
	cr_assert_not_null(p);
	snprintf(program, sizeof program, "%s/./srv", dir);
	cr_assert_str_eq(p->argv[0], program);
	cr_assert_str_eq(p->argv[1], "-v");
	cr_assert_null(p->argv[2]);
	cr_assert_eq(p->timeout_ms, TGT_DEFAULT_PROCESS_TIMEOUT_MS);
	cr_assert_eq(p->timeout_ms, 10000);
	cr_assert_eq(p->max_reply, TGT_DEFAULT_MAX_REPLY);
	cr_assert_eq(p->max_reply, 8u << 20);
	cr_assert_str_eq(p->fns[0].name, "Upper");
	cr_assert_eq(p->fns[0].ret, HL_T_STRING);
	cr_assert_str_eq(p->fns[1].name, "Ping");
	cr_assert_eq(p->fns[1].ret, HL_T_VOID);
	tgt_free(t);
}

/* The manifest's values; the configuration, checked, has the functions as its externs. */
Test(target_process, values_and_externs)
{
	struct tgt_request req = { 0 };
	const struct sbx_config *c;
	const struct tgt_process *p;
	char path[96];
	struct tgt *t = NULL;
	struct hl_diag d = { 0 };

	manifest(path, "host_process:\n  command: [srv]\n  timeout: 2s\n  max_reply: 4KiB\n"
		 "  functions: {Now: {returns: u64}, Add: {params: [i32, i32], returns: i32}, "
		 "Log: {params: [string]}}\n");
	req.path = path;
	cr_assert_eq(tgt_resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	p = tgt_process(t);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->argv[0], "srv");
	cr_assert_null(p->argv[1]);
	cr_assert_eq(p->timeout_ms, 2000);
	cr_assert_eq(p->max_reply, 4096);
	c = tgt_config(t);
	cr_assert_not_null(c);
	cr_assert_eq(c->externs.nfns, 3);
	cr_assert_eq(c->externs.fns, p->fns);
	cr_assert_str_eq(c->externs.fns[1].name, "Add");
	cr_assert_eq(c->externs.fns[1].nparams, 2);
	cr_assert_eq(c->externs.fns[1].params[1], HL_T_I32);
	cr_assert_str_eq(c->externs.fns[2].name, "Log");
	cr_assert_eq(c->externs.fns[2].ret, HL_T_VOID);
	tgt_free(t);
}

Test(target_process, none_without_host_process)
{
	struct tgt_request req = { 0 };
	char path[96];
	struct tgt *t = NULL;
	struct hl_diag d = { 0 };

	manifest(path, "limits: {timeout: 1s}\n");
	req.path = path;
	cr_assert_eq(tgt_resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_null(tgt_process(t));
	cr_assert_eq(tgt_config(t)->externs.nfns, 0);
	tgt_free(t);
	req.path = GUEST;
	cr_assert_eq(tgt_resolve(&req, &t, &d), HL_OK, "%s", d.msg);
	cr_assert_null(tgt_process(t));
	cr_assert_eq(tgt_config(t)->externs.nfns, 0);
	tgt_free(t);
}
