/* The fixture the host-function suites (tests/kvm/test_hostfn*.c) share: simpleguest in a
 * sandbox with every host function allowed and HostPrint into memory, calls into it with
 * their arguments, the checks of what comes back, GetEnv's variables and ReadFile's test
 * tree.  Static, as in harness.h: each suite uses only some of it, and no name here can
 * meet one of hlrun's or a library's at link time. */
#ifndef TESTS_KVM_HOSTFN_H
#define TESTS_KVM_HOSTFN_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "loader/loader.h"
#include "tests/guests/paths.h"

/* Each suite uses only some of the helpers. */
#define UNUSED __attribute__((unused))

#define TREE_ROOT "build/hostfn-test"

#define E_DENIED 65537  /* HL_ERR_HOST_DENIED */
#define E_UNKNOWN 65538 /* HL_ERR_HOST_UNKNOWN */
#define E_BADARGS 65539 /* HL_ERR_HOST_BADARGS */
#define E_FAILED 65540  /* HL_ERR_HOST_FAILED */

static const char *const all_fns[] = { "HostPrint", "GetTimeNs", "GetRandom", "GetEnv",
				       "ReadFile" };

struct fixture {
	struct ldr_guest *guest;
	struct sbx *sbx;
	struct sbx_config cfg;
	struct hl_diag d;
	FILE *out;            /* HostPrint's stream */
	char *printed;
	size_t printed_len;
	char dir[64];         /* ReadFile's test tree, when made */
	char data[96], file[96];
	const char *files[2];
};

/* Default config with every host function allowed and HostPrint into memory. */
UNUSED static void setup(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	sbx_config_default(&f->cfg);
	f->cfg.policy.allowed = all_fns;
	f->cfg.policy.nallowed = sizeof all_fns / sizeof all_fns[0];
	f->out = open_memstream(&f->printed, &f->printed_len);
	cr_assert_not_null(f->out);
	f->cfg.print_to = f->out;
}

UNUSED static void start(struct fixture *f)
{
	cr_assert_eq(ldr_open(GUEST, &f->guest, &f->d), HL_OK, "%s", f->d.msg);
	cr_assert_eq(sbx_create(f->guest, &f->cfg, &f->sbx, NULL, &f->d), HL_OK, "%s",
		     f->d.msg);
}

UNUSED static int remove_entry(const char *path, const struct stat *st, int flag,
			       struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

UNUSED static void finish(struct fixture *f)
{
	sbx_destroy(f->sbx);
	ldr_close(f->guest);
	fclose(f->out);
	free(f->printed);
	if (f->dir[0] != '\0')
		cr_assert_eq(nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* What HostPrint has written so far. */
UNUSED static const char *printed(struct fixture *f)
{
	cr_assert_eq(fflush(f->out), 0);
	return f->printed;
}

UNUSED static enum hl_err call(struct fixture *f, const char *fn, const struct hl_value *args,
			       uint16_t n, struct hl_value *res)
{
	const struct hl_export *e = ldr_find(f->guest, fn);

	cr_assert_not_null(e, "no export %s", fn);
	return sbx_call(f->sbx, e, args, n, res, &f->d);
}

/* sbx_call() copies its arguments with memcpy, so even none come from a real array. */
UNUSED static enum hl_err call0(struct fixture *f, const char *fn, struct hl_value *res)
{
	struct hl_value none[1] = { 0 };

	return call(f, fn, none, 0, res);
}

UNUSED static struct hl_value str(const char *s)
{
	return (struct hl_value){ .type = HL_T_STRING, .len = (uint32_t)strlen(s),
				  .data = (const uint8_t *)s };
}

UNUSED static enum hl_err call_str(struct fixture *f, const char *fn, const char *s,
				   struct hl_value *res)
{
	struct hl_value arg = str(s);

	return call(f, fn, &arg, 1, res);
}

UNUSED static enum hl_err call_u32(struct fixture *f, const char *fn, uint32_t v,
				   struct hl_value *res)
{
	struct hl_value arg = { .type = HL_T_U32, .u.u32 = v };

	return call(f, fn, &arg, 1, res);
}

/* The guest function fn propagated the host's error code and message. */
UNUSED static void expect_error(struct fixture *f, enum hl_err err, const char *fn,
				int32_t code, const char *host_msg)
{
	char want[HL_DIAG_MSG];

	snprintf(want, sizeof want, "%s failed (guest error %d): %s", fn, code, host_msg);
	cr_assert_eq(err, HL_E_GUEST, "%s", f->d.msg);
	cr_assert_str_eq(f->d.msg, want);
}

UNUSED static void expect_denied(struct fixture *f, enum hl_err err, const char *fn,
				 const char *host_fn)
{
	char msg[200], opt[40];

	if (strcmp(host_fn, "GetEnv") == 0 || strcmp(host_fn, "ReadFile") == 0)
		snprintf(opt, sizeof opt, "%s", host_fn[0] == 'G' ? "--env NAME" : "--dir PATH");
	else
		snprintf(opt, sizeof opt, "--allow %s", host_fn);
	snprintf(msg, sizeof msg, "%s is not allowed by the manifest (host_functions) or an "
		 "option (%s)", host_fn, opt);
	expect_error(f, err, fn, E_DENIED, msg);
}

/* ---- GetEnv's variables ---------------------------------------------------------------- */

static const char *const test_env[] = { "HLRUN_TEST_SET", "HLRUN_TEST_UNSET",
					"HLRUN_TEST_EMPTY" };

/* The environment GetEnv reads, and policy.env listing three of its names: one set, one
 * set but empty, one unset; HLRUN_TEST_UNLISTED is set but not listed. */
UNUSED static void env_policy(struct fixture *f)
{
	cr_assert_eq(setenv("HLRUN_TEST_SET", "value one=1", 1), 0);
	cr_assert_eq(setenv("HLRUN_TEST_EMPTY", "", 1), 0);
	cr_assert_eq(setenv("HLRUN_TEST_UNLISTED", "hidden", 1), 0);
	cr_assert_eq(unsetenv("HLRUN_TEST_UNSET"), 0);
	f->cfg.policy.env = test_env;
	f->cfg.policy.nenv = 3;
}

UNUSED static void env_setup(struct fixture *f)
{
	setup(f);
	env_policy(f);
}

/* ---- ReadFile's test tree -------------------------------------------------------------- */

UNUSED static void put_file(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[160];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	cr_assert_eq(close(fd), 0);
}

UNUSED static void put_dir(const char *dir, const char *rel)
{
	char path[160];

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	cr_assert_eq(mkdir(path, 0755), 0, "%s: %s", path, strerror(errno));
}

UNUSED static void put_link(const char *dir, const char *rel, const char *target)
{
	char path[160];

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	cr_assert_eq(symlink(target, path), 0, "%s: %s", path, strerror(errno));
}

/* A fresh tree under build/ (the test VM's /tmp is its own; build/ is the repository's):
 *   DIR/data/{inner.txt, sub/deep.txt, ilink -> inner.txt, link -> ../secret.txt,
 *             abslink -> /abs/DIR/secret.txt}
 *   DIR/{secret.txt, allowed.txt, database/x.txt}
 * with policy.files = { DIR/data, DIR/allowed.txt }. */
UNUSED static void tree_setup(struct fixture *f)
{
	char abs[PATH_MAX], target[PATH_MAX + 16];

	setup(f);
	mkdir("build", 0755);
	mkdir(TREE_ROOT, 0755);
	snprintf(f->dir, sizeof f->dir, "%s/XXXXXX", TREE_ROOT);
	cr_assert_not_null(mkdtemp(f->dir), "%s: %s", f->dir, strerror(errno));
	put_dir(f->dir, "data");
	put_dir(f->dir, "data/sub");
	put_dir(f->dir, "database");
	put_file(f->dir, "data/inner.txt", "inner\n", 6);
	put_file(f->dir, "data/sub/deep.txt", "deep", 4);
	put_file(f->dir, "secret.txt", "secret", 6);
	put_file(f->dir, "allowed.txt", "allowed", 7);
	put_file(f->dir, "database/x.txt", "x", 1);
	put_link(f->dir, "data/ilink", "inner.txt");
	put_link(f->dir, "data/link", "../secret.txt");
	cr_assert_not_null(realpath(f->dir, abs));
	snprintf(target, sizeof target, "%s/secret.txt", abs);
	put_link(f->dir, "data/abslink", target);
	snprintf(f->data, sizeof f->data, "%s/data", f->dir);
	snprintf(f->file, sizeof f->file, "%s/allowed.txt", f->dir);
	f->files[0] = f->data;
	f->files[1] = f->file;
	f->cfg.policy.files = f->files;
	f->cfg.policy.nfiles = 2;
}

/* ReadFile of DIR/rel, DIR the tree's directory. */
UNUSED static enum hl_err read_rel(struct fixture *f, const char *rel, struct hl_value *res)
{
	char path[160];

	snprintf(path, sizeof path, "%s/%s", f->dir, rel);
	return call_str(f, "ReadFile", path, res);
}

#undef UNUSED

#endif
