/* KVM suite: the host functions through the sandbox API: each allowed and denied, unknown
 * and mistyped calls, max_output, GetEnv's list, ReadFile's confinement (.., symbolic
 * links, directories, sizes), and the policy checks of sbx_create(). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "loader/loader.h"
#include "tests/guests/paths.h"

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
static void setup(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	sbx_config_default(&f->cfg);
	f->cfg.policy.allowed = all_fns;
	f->cfg.policy.nallowed = sizeof all_fns / sizeof all_fns[0];
	f->out = open_memstream(&f->printed, &f->printed_len);
	cr_assert_not_null(f->out);
	f->cfg.print_to = f->out;
}

static void start(struct fixture *f)
{
	cr_assert_eq(ldr_open(GUEST, &f->guest, &f->d), HL_OK, "%s", f->d.msg);
	cr_assert_eq(sbx_create(f->guest, &f->cfg, &f->sbx, NULL, &f->d), HL_OK, "%s",
		     f->d.msg);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void finish(struct fixture *f)
{
	sbx_destroy(f->sbx);
	ldr_close(f->guest);
	fclose(f->out);
	free(f->printed);
	if (f->dir[0] != '\0')
		cr_assert_eq(nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* What HostPrint has written so far. */
static const char *printed(struct fixture *f)
{
	cr_assert_eq(fflush(f->out), 0);
	return f->printed;
}

static enum hl_err call(struct fixture *f, const char *fn, const struct hl_value *args,
			uint16_t n, struct hl_value *res)
{
	const struct hl_export *e = ldr_find(f->guest, fn);

	cr_assert_not_null(e, "no export %s", fn);
	return sbx_call(f->sbx, e, args, n, res, &f->d);
}

/* sbx_call() copies its arguments with memcpy, so even none come from a real array. */
static enum hl_err call0(struct fixture *f, const char *fn, struct hl_value *res)
{
	struct hl_value none[1] = { 0 };

	return call(f, fn, none, 0, res);
}

static struct hl_value str(const char *s)
{
	return (struct hl_value){ .type = HL_T_STRING, .len = (uint32_t)strlen(s),
				  .data = (const uint8_t *)s };
}

static enum hl_err call_str(struct fixture *f, const char *fn, const char *s,
			    struct hl_value *res)
{
	struct hl_value arg = str(s);

	return call(f, fn, &arg, 1, res);
}

static enum hl_err call_u32(struct fixture *f, const char *fn, uint32_t v,
			    struct hl_value *res)
{
	struct hl_value arg = { .type = HL_T_U32, .u.u32 = v };

	return call(f, fn, &arg, 1, res);
}

/* The guest function fn propagated the host's error code and message. */
static void expect_error(struct fixture *f, enum hl_err err, const char *fn, int32_t code,
			 const char *host_msg)
{
	char want[HL_DIAG_MSG];

	snprintf(want, sizeof want, "%s failed (guest error %d): %s", fn, code, host_msg);
	cr_assert_eq(err, HL_E_GUEST, "%s", f->d.msg);
	cr_assert_str_eq(f->d.msg, want);
}

static void expect_denied(struct fixture *f, enum hl_err err, const char *fn,
			  const char *host_fn)
{
	char msg[200];

	snprintf(msg, sizeof msg, "%s is not allowed by the manifest (host_functions) or "
		 "--allow %s", host_fn, host_fn);
	expect_error(f, err, fn, E_DENIED, msg);
}

static void expect_bytes(const struct hl_value *res, const void *data, size_t len)
{
	cr_assert_eq(res->type, HL_T_BYTES);
	cr_assert_eq(res->len, len);
	cr_assert_eq(memcmp(res->data, data, len), 0);
}

/* ---- The allow-list -------------------------------------------------------------------- */

struct denied_case {
	char fn[16];
};

ParameterizedTestParameters(hostfn, denied_with_empty_allow_list)
{
	static struct denied_case cases[] = {
		{ "HostPrint" }, { "GetTimeNs" }, { "GetRandom" }, { "GetEnv" }, { "ReadFile" },
	};

	return cr_make_param_array(struct denied_case, cases, sizeof cases / sizeof cases[0]);
}

/* Denial comes before the argument check: CallHost passes no arguments at all. */
ParameterizedTest(struct denied_case *c, hostfn, denied_with_empty_allow_list)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	f.cfg.policy.nallowed = 0;
	start(&f);
	expect_denied(&f, call_str(&f, "CallHost", c->fn, &res), "CallHost", c->fn);
	cr_assert_eq(f.printed_len, 0);
	finish(&f);
}

Test(hostfn, unknown_function)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	start(&f);
	expect_error(&f, call_str(&f, "CallHost", "NoSuchFunction", &res), "CallHost",
		     E_UNKNOWN, "NoSuchFunction: no such host function");
	finish(&f);
}

Test(hostfn, wrong_arguments_name_the_signature)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	start(&f);
	expect_error(&f, call_str(&f, "CallHost", "GetRandom", &res), "CallHost", E_BADARGS,
		     "GetRandom: wrong arguments (); its signature is GetRandom(u32) -> bytes");
	expect_error(&f, call_str(&f, "CallHost", "HostPrint", &res), "CallHost", E_BADARGS,
		     "HostPrint: wrong arguments (); its signature is HostPrint(string) -> i32");
	cr_assert_eq(call_str(&f, "CallHost", "GetTimeNs", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.u.i32, 0);
	finish(&f);
}

/* ---- HostPrint and max_output ---------------------------------------------------------- */

Test(hostfn, print_allowed_writes_exactly)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	start(&f);
	cr_assert_eq(call_str(&f, "PrintOutput", "hello, host\n", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.u.i32, 12);
	cr_assert_str_eq(printed(&f), "hello, host\n");
	finish(&f);
}

Test(hostfn, print_denied_writes_nothing)
{
	static const char *const only_time[] = { "GetTimeNs" };
	struct fixture f;
	struct hl_value res;

	setup(&f);
	f.cfg.policy.allowed = only_time;
	f.cfg.policy.nallowed = 1;
	start(&f);
	expect_denied(&f, call_str(&f, "PrintOutput", "leak", &res), "PrintOutput",
		      "HostPrint");
	cr_assert_str_eq(printed(&f), "");
	finish(&f);
}

/* The limit holds for everything the sandbox's guest prints, across calls, until
 * sbx_reset_output() starts a new budget (batch mode, before each call). */
Test(hostfn, max_output_allows_up_to_the_limit_then_refuses)
{
	struct fixture f;
	struct hl_value res, args[2] = { str("0123456789"), { .type = HL_T_I32, .u.i32 = 10 } };

	setup(&f);
	f.cfg.policy.max_output = 100;
	start(&f);
	cr_assert_eq(call(&f, "PrintTimes", args, 2, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.u.i32, 100);
	cr_assert_eq(strlen(printed(&f)), 100);
	expect_error(&f, call_str(&f, "PrintOutput", "x", &res), "PrintOutput", E_FAILED,
		     "HostPrint: output limit of 100 bytes (max_output) reached");
	cr_assert_eq(strlen(printed(&f)), 100);
	sbx_reset_output(f.sbx);
	args[1].u.i32 = 11;
	expect_error(&f, call(&f, "PrintTimes", args, 2, &res), "PrintTimes", E_FAILED,
		     "HostPrint: output limit of 100 bytes (max_output) reached");
	cr_assert_eq(strlen(printed(&f)), 200);
	sbx_reset_output(f.sbx);
	cr_assert_eq(call_str(&f, "PrintOutput", "x", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(strlen(printed(&f)), 201);
	finish(&f);
}

Test(hostfn, max_output_refused_print_writes_nothing)
{
	struct fixture f;
	struct hl_value res, args[2] = { str("0123456789"), { .type = HL_T_I32, .u.i32 = 11 } };

	setup(&f);
	f.cfg.policy.max_output = 100;
	start(&f);
	expect_error(&f, call(&f, "PrintTimes", args, 2, &res), "PrintTimes", E_FAILED,
		     "HostPrint: output limit of 100 bytes (max_output) reached");
	cr_assert_str_eq(printed(&f), "0123456789012345678901234567890123456789"
		"012345678901234567890123456789012345678901234567890123456789");
	finish(&f);
}

Test(hostfn, max_output_counts_only_what_was_written)
{
	struct fixture f;
	struct hl_value res, args[2] = { str("12"), { .type = HL_T_I32, .u.i32 = 3 } };

	setup(&f);
	f.cfg.policy.max_output = 5;
	start(&f);
	expect_error(&f, call_str(&f, "PrintOutput", "123456", &res), "PrintOutput", E_FAILED,
		     "HostPrint: output limit of 5 bytes (max_output) reached");
	cr_assert_str_eq(printed(&f), "");
	/* 2 + 2 bytes fit, the third print of 2 does not: it writes nothing. */
	expect_error(&f, call(&f, "PrintTimes", args, 2, &res), "PrintTimes", E_FAILED,
		     "HostPrint: output limit of 5 bytes (max_output) reached");
	cr_assert_str_eq(printed(&f), "1212");
	args[0] = str("");
	args[1].u.i32 = 100;
	cr_assert_eq(call(&f, "PrintTimes", args, 2, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.u.i32, 0);
	cr_assert_str_eq(printed(&f), "1212");
	finish(&f);
}

/* ---- GetTimeNs ------------------------------------------------------------------------- */

Test(hostfn, time_is_the_hosts_monotonic_clock_and_increases)
{
	struct fixture f;
	struct hl_value r1, r2;
	uint64_t before, after;

	setup(&f);
	start(&f);
	before = sbx_now_ns();
	cr_assert_eq(call0(&f, "GetTime", &r1), HL_OK, "%s", f.d.msg);
	cr_assert_eq(call0(&f, "GetTime", &r2), HL_OK, "%s", f.d.msg);
	after = sbx_now_ns();
	cr_assert_eq(r1.type, HL_T_U64);
	cr_assert_lt(before, r1.u.u64);
	cr_assert_lt(r1.u.u64, r2.u.u64);
	cr_assert_lt(r2.u.u64, after);
	finish(&f);
}

Test(hostfn, time_denied)
{
	static const char *const only_print[] = { "HostPrint" };
	struct fixture f;
	struct hl_value res;

	setup(&f);
	f.cfg.policy.allowed = only_print;
	f.cfg.policy.nallowed = 1;
	start(&f);
	expect_denied(&f, call0(&f, "GetTime", &res), "GetTime", "GetTimeNs");
	finish(&f);
}

/* ---- GetRandom ------------------------------------------------------------------------- */

Test(hostfn, random_zero_bytes)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	start(&f);
	cr_assert_eq(call_u32(&f, "Random", 0, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.type, HL_T_BYTES);
	cr_assert_eq(res.len, 0);
	finish(&f);
}

Test(hostfn, random_calls_differ)
{
	struct fixture f;
	struct hl_value res;
	uint8_t first[16], zero[16] = { 0 };

	setup(&f);
	start(&f);
	cr_assert_eq(call_u32(&f, "Random", 16, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.len, 16);
	memcpy(first, res.data, 16);
	cr_assert_neq(memcmp(first, zero, 16), 0);
	cr_assert_eq(call_u32(&f, "Random", 16, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.len, 16);
	cr_assert_neq(memcmp(first, res.data, 16), 0);
	finish(&f);
}

Test(hostfn, random_bounds)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	start(&f);
	cr_assert_eq(call_u32(&f, "Random", 65536, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.len, 65536);
	expect_error(&f, call_u32(&f, "Random", 65537, &res), "Random", E_BADARGS,
		     "GetRandom: 65537 bytes is out of range (0 to 65536)");
	finish(&f);
}

Test(hostfn, random_reply_must_fit_the_output_buffer)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	f.cfg.output_size = 16 << 10;
	start(&f);
	expect_error(&f, call_u32(&f, "Random", 65536, &res), "Random", E_FAILED,
		     "GetRandom: a reply of 65560 bytes does not fit the output buffer (16384 "
		     "bytes); raise --output-size");
	finish(&f);
}

Test(hostfn, random_denied)
{
	static const char *const only_print[] = { "HostPrint" };
	struct fixture f;
	struct hl_value res;

	setup(&f);
	f.cfg.policy.allowed = only_print;
	f.cfg.policy.nallowed = 1;
	start(&f);
	expect_denied(&f, call_u32(&f, "Random", 16, &res), "Random", "GetRandom");
	finish(&f);
}

/* ---- GetEnv ---------------------------------------------------------------------------- */

static const char *const test_env[] = { "HLRUN_TEST_SET", "HLRUN_TEST_UNSET",
					"HLRUN_TEST_EMPTY" };

static void env_setup(struct fixture *f)
{
	setup(f);
	cr_assert_eq(setenv("HLRUN_TEST_SET", "value one=1", 1), 0);
	cr_assert_eq(setenv("HLRUN_TEST_EMPTY", "", 1), 0);
	cr_assert_eq(setenv("HLRUN_TEST_UNLISTED", "hidden", 1), 0);
	cr_assert_eq(unsetenv("HLRUN_TEST_UNSET"), 0);
	f->cfg.policy.env = test_env;
	f->cfg.policy.nenv = 3;
}

Test(hostfn, env_listed_and_set)
{
	struct fixture f;
	struct hl_value res;

	env_setup(&f);
	start(&f);
	cr_assert_eq(call_str(&f, "GetEnv", "HLRUN_TEST_SET", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.type, HL_T_STRING);
	cr_assert_str_eq((const char *)res.data, "value one=1");
	cr_assert_eq(call_str(&f, "GetEnv", "HLRUN_TEST_EMPTY", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.len, 0);
	finish(&f);
}

Test(hostfn, env_listed_but_unset)
{
	struct fixture f;
	struct hl_value res;

	env_setup(&f);
	start(&f);
	expect_error(&f, call_str(&f, "GetEnv", "HLRUN_TEST_UNSET", &res), "GetEnv", E_FAILED,
		     "GetEnv: variable 'HLRUN_TEST_UNSET' is not set");
	finish(&f);
}

Test(hostfn, env_unlisted_names_are_refused_exactly)
{
	struct fixture f;
	struct hl_value res;

	env_setup(&f);
	start(&f);
	expect_error(&f, call_str(&f, "GetEnv", "HLRUN_TEST_UNLISTED", &res), "GetEnv",
		     E_DENIED, "GetEnv: variable 'HLRUN_TEST_UNLISTED' is not listed in the "
		     "manifest's env");
	expect_error(&f, call_str(&f, "GetEnv", "HLRUN_TEST_SE", &res), "GetEnv", E_DENIED,
		     "GetEnv: variable 'HLRUN_TEST_SE' is not listed in the manifest's env");
	expect_error(&f, call_str(&f, "GetEnv", "HLRUN_TEST_SET=", &res), "GetEnv", E_DENIED,
		     "GetEnv: variable 'HLRUN_TEST_SET=' is not listed in the manifest's env");
	expect_error(&f, call_str(&f, "GetEnv", "PATH", &res), "GetEnv", E_DENIED,
		     "GetEnv: variable 'PATH' is not listed in the manifest's env");
	finish(&f);
}

Test(hostfn, env_denied)
{
	static const char *const only_print[] = { "HostPrint" };
	struct fixture f;
	struct hl_value res;

	env_setup(&f);
	f.cfg.policy.allowed = only_print;
	f.cfg.policy.nallowed = 1;
	start(&f);
	expect_denied(&f, call_str(&f, "GetEnv", "HLRUN_TEST_SET", &res), "GetEnv", "GetEnv");
	finish(&f);
}

/* ---- ReadFile -------------------------------------------------------------------------- */

static void put_file(const char *dir, const char *rel, const void *data, size_t len)
{
	char path[160];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	cr_assert_eq(close(fd), 0);
}

static void put_dir(const char *dir, const char *rel)
{
	char path[160];

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	cr_assert_eq(mkdir(path, 0755), 0, "%s: %s", path, strerror(errno));
}

static void put_link(const char *dir, const char *rel, const char *target)
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
static void tree_setup(struct fixture *f)
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

static enum hl_err read_rel(struct fixture *f, const char *rel, struct hl_value *res)
{
	char path[160];

	snprintf(path, sizeof path, "%s/%s", f->dir, rel);
	return call_str(f, "ReadFile", path, res);
}

/* ReadFile of DIR/rel was refused as outside the files. */
static void expect_outside(struct fixture *f, const char *rel)
{
	char msg[240];
	struct hl_value res;
	enum hl_err err = read_rel(f, rel, &res);

	snprintf(msg, sizeof msg, "ReadFile: '%s/%s' is outside the manifest's files", f->dir,
		 rel);
	expect_error(f, err, "ReadFile", E_DENIED, msg);
}

Test(hostfn, read_inside_the_directory)
{
	struct fixture f;
	struct hl_value res;

	tree_setup(&f);
	start(&f);
	cr_assert_eq(read_rel(&f, "data/inner.txt", &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "inner\n", 6);
	cr_assert_eq(read_rel(&f, "data/sub/deep.txt", &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "deep", 4);
	cr_assert_eq(read_rel(&f, "data/sub/../inner.txt", &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "inner\n", 6);
	cr_assert_eq(read_rel(&f, "data/./sub//deep.txt", &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "deep", 4);
	finish(&f);
}

/* ReadFile of DIR/rel was refused for a symbolic link on its path. */
static void expect_symlink(struct fixture *f, const char *rel)
{
	char msg[240];
	struct hl_value res;
	enum hl_err err = read_rel(f, rel, &res);

	snprintf(msg, sizeof msg, "ReadFile: '%s/%s' has a symbolic link on its path below the "
		 "manifest's files, and ReadFile follows none", f->dir, rel);
	expect_error(f, err, "ReadFile", E_DENIED, msg);
}

/* Below an entry no symbolic link is followed, not even one that stays inside: what a
 * link points to may change between any check and the open. */
Test(hostfn, read_follows_no_symlink_below_an_entry)
{
	struct fixture f;

	tree_setup(&f);
	put_link(f.dir, "data/sublink", "sub");
	start(&f);
	expect_symlink(&f, "data/ilink");
	expect_symlink(&f, "data/sublink/deep.txt");
	finish(&f);
}

/* An entry that is itself a symbolic link is resolved once, when hlrun starts, and
 * matches as written and as resolved. */
Test(hostfn, read_below_an_entry_that_is_a_symlink)
{
	struct fixture f;
	struct hl_value res;
	char entry[128], abs[PATH_MAX];

	tree_setup(&f);
	put_link(f.dir, "datalink", "data");
	snprintf(entry, sizeof entry, "%s/datalink", f.dir);
	f.files[0] = entry;
	f.cfg.policy.nfiles = 1;
	start(&f);
	cr_assert_eq(read_rel(&f, "datalink/inner.txt", &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "inner\n", 6);
	cr_assert_not_null(realpath(f.data, abs));
	strcat(abs, "/sub/deep.txt");
	cr_assert_eq(call_str(&f, "ReadFile", abs, &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "deep", 4);
	/* `..` is taken as written: it leaves the link, not the directory it names. */
	expect_outside(&f, "datalink/../secret.txt");
	finish(&f);
}

Test(hostfn, read_the_allowed_file_itself)
{
	struct fixture f;
	struct hl_value res;

	tree_setup(&f);
	start(&f);
	cr_assert_eq(read_rel(&f, "allowed.txt", &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "allowed", 7);
	finish(&f);
}

Test(hostfn, read_by_absolute_path_of_a_relative_entry)
{
	struct fixture f;
	struct hl_value res;
	char abs[PATH_MAX];

	tree_setup(&f);
	start(&f);
	cr_assert_not_null(realpath(f.data, abs));
	strcat(abs, "/inner.txt");
	cr_assert_eq(call_str(&f, "ReadFile", abs, &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "inner\n", 6);
	finish(&f);
}

Test(hostfn, read_outside_is_refused)
{
	struct fixture f;

	tree_setup(&f);
	start(&f);
	expect_outside(&f, "secret.txt");
	expect_outside(&f, "database/x.txt"); /* "data" does not hold "database" */
	expect_outside(&f, "");                /* the tree's directory itself */
	finish(&f);
}

Test(hostfn, read_dotdot_escape_is_refused)
{
	struct fixture f;

	tree_setup(&f);
	start(&f);
	expect_outside(&f, "data/../secret.txt");
	expect_outside(&f, "data/sub/../../secret.txt");
	expect_outside(&f, "data/..");
	finish(&f);
}

Test(hostfn, read_symlink_escape_is_refused)
{
	struct fixture f;

	tree_setup(&f);
	start(&f);
	expect_symlink(&f, "data/link");
	expect_symlink(&f, "data/abslink");
	finish(&f);
}

Test(hostfn, read_missing_file_inside_says_so_outside_does_not)
{
	struct fixture f;
	struct hl_value res;
	char msg[240];
	enum hl_err err;

	tree_setup(&f);
	start(&f);
	err = read_rel(&f, "data/missing.txt", &res);
	snprintf(msg, sizeof msg, "ReadFile: cannot read '%s/data/missing.txt': No such file "
		 "or directory", f.dir);
	expect_error(&f, err, "ReadFile", E_FAILED, msg);
	/* Outside, a missing file and a present one look the same. */
	expect_outside(&f, "missing.txt");
	expect_outside(&f, "data/../missing.txt");
	expect_outside(&f, "nodir/missing.txt");
	finish(&f);
}

/* An entry that does not exist when hlrun starts allows nothing, not even once it is
 * made; what is below it fails with the reason.  An entry that exists beside it still
 * works. */
Test(hostfn, read_below_an_entry_missing_at_start)
{
	struct fixture f;
	struct hl_value res;
	char entry[128], msg[240];

	tree_setup(&f);
	snprintf(entry, sizeof entry, "%s/later", f.dir);
	f.files[0] = entry;
	start(&f);
	put_dir(f.dir, "later");
	put_file(f.dir, "later/x.txt", "x", 1);
	snprintf(msg, sizeof msg, "ReadFile: cannot read '%s/later/x.txt': No such file or "
		 "directory", f.dir);
	expect_error(&f, read_rel(&f, "later/x.txt", &res), "ReadFile", E_FAILED, msg);
	snprintf(msg, sizeof msg, "ReadFile: cannot read '%s/later': No such file or "
		 "directory", f.dir);
	expect_error(&f, read_rel(&f, "later", &res), "ReadFile", E_FAILED, msg);
	expect_outside(&f, "lateral");
	cr_assert_eq(read_rel(&f, "allowed.txt", &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "allowed", 7);
	finish(&f);
}

Test(hostfn, read_directory_is_refused)
{
	struct fixture f;
	struct hl_value res;
	char msg[240];
	enum hl_err err;

	tree_setup(&f);
	start(&f);
	err = read_rel(&f, "data/sub", &res);
	snprintf(msg, sizeof msg, "ReadFile: '%s/data/sub' is not a regular file", f.dir);
	expect_error(&f, err, "ReadFile", E_FAILED, msg);
	err = read_rel(&f, "data", &res);
	snprintf(msg, sizeof msg, "ReadFile: '%s/data' is not a regular file", f.dir);
	expect_error(&f, err, "ReadFile", E_FAILED, msg);
	finish(&f);
}

/* The FIFO lives in /tmp, a tmpfs in the test VM: the repository's 9p share has none. */
Test(hostfn, read_fifo_is_refused_without_blocking)
{
	struct fixture f;
	struct hl_value res;
	char dir[64] = "/tmp/hlrun-hostfn.XXXXXX", path[96], msg[160];
	const char *files[1] = { dir };
	enum hl_err err;

	setup(&f);
	cr_assert_not_null(mkdtemp(dir), "%s: %s", dir, strerror(errno));
	snprintf(path, sizeof path, "%s/fifo", dir);
	cr_assert_eq(mkfifo(path, 0644), 0, "%s: %s", path, strerror(errno));
	f.cfg.policy.files = files;
	f.cfg.policy.nfiles = 1;
	start(&f);
	err = call_str(&f, "ReadFile", path, &res);
	snprintf(msg, sizeof msg, "ReadFile: '%s' is not a regular file", path);
	expect_error(&f, err, "ReadFile", E_FAILED, msg);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(rmdir(dir), 0);
	finish(&f);
}

/* With a 16 KiB output buffer a reply holds 16384 - 16 (header) - 8 (value) bytes. */
Test(hostfn, read_size_is_bounded_by_the_output_buffer)
{
	static char big[16361];
	struct fixture f;
	struct hl_value res;
	char msg[240];
	enum hl_err err;

	memset(big, 'b', sizeof big);
	tree_setup(&f);
	f.cfg.output_size = 16 << 10;
	put_file(f.dir, "data/fits.bin", big, 16360);
	put_file(f.dir, "data/big.bin", big, 16361);
	start(&f);
	cr_assert_eq(read_rel(&f, "data/fits.bin", &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, big, 16360);
	err = read_rel(&f, "data/big.bin", &res);
	snprintf(msg, sizeof msg, "ReadFile: '%s/data/big.bin' has 16361 bytes, more than the "
		 "output buffer (16384 bytes) holds; raise --output-size", f.dir);
	expect_error(&f, err, "ReadFile", E_FAILED, msg);
	finish(&f);
}

/* A file larger than a reply can describe at all (4 GiB and more, sparse here) is
 * refused the same way, not wrapped around to a small size. */
Test(hostfn, read_of_a_file_past_4_gib)
{
	struct fixture f;
	struct hl_value res;
	char path[160], msg[240];
	int fd;

	tree_setup(&f);
	snprintf(path, sizeof path, "%s/data/huge.bin", f.dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, (4ll << 30) + 10), 0, "%s", strerror(errno));
	close(fd);
	start(&f);
	snprintf(msg, sizeof msg, "ReadFile: '%s/data/huge.bin' has 4294967306 bytes, more than "
		 "the output buffer (4194304 bytes) holds; raise --output-size", f.dir);
	expect_error(&f, read_rel(&f, "data/huge.bin", &res), "ReadFile", E_FAILED, msg);
	finish(&f);
}

/* HostPrint's stream refusing what it is given (a full disk, unbuffered) is hlrun's
 * failure, not the guest's. */
Test(hostfn, print_to_a_stream_that_fails)
{
	struct fixture f;
	struct hl_value res;

	setup(&f);
	fclose(f.out);
	free(f.printed);
	f.printed = NULL;
	f.out = fopen("/dev/full", "w");
	cr_assert_not_null(f.out);
	setvbuf(f.out, NULL, _IONBF, 0);
	f.cfg.print_to = f.out;
	start(&f);
	cr_assert_eq(call_str(&f, "PrintOutput", "lost", &res), HL_E_INTERNAL);
	cr_assert_str_eq(f.d.msg, "HostPrint: cannot write to standard output");
	cr_assert(sbx_poisoned(f.sbx));
	finish(&f);
}

Test(hostfn, read_empty_file)
{
	struct fixture f;
	struct hl_value res;

	tree_setup(&f);
	put_file(f.dir, "data/empty", "", 0);
	start(&f);
	cr_assert_eq(read_rel(&f, "data/empty", &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.type, HL_T_BYTES);
	cr_assert_eq(res.len, 0);
	finish(&f);
}

Test(hostfn, read_with_no_files_is_refused)
{
	struct fixture f;

	tree_setup(&f);
	f.cfg.policy.nfiles = 0;
	start(&f);
	expect_outside(&f, "data/inner.txt");
	finish(&f);
}

Test(hostfn, read_denied)
{
	static const char *const only_print[] = { "HostPrint" };
	struct fixture f;
	struct hl_value res;

	tree_setup(&f);
	f.cfg.policy.allowed = only_print;
	f.cfg.policy.nallowed = 1;
	start(&f);
	expect_denied(&f, read_rel(&f, "data/inner.txt", &res), "ReadFile", "ReadFile");
	finish(&f);
}

/* ---- Policy checks of sbx_create() ----------------------------------------------------- */

static void expect_bad_policy(struct fixture *f, const char *msg)
{
	cr_assert_eq(ldr_open(GUEST, &f->guest, &f->d), HL_OK, "%s", f->d.msg);
	cr_assert_eq(sbx_create(f->guest, &f->cfg, &f->sbx, NULL, &f->d), HL_E_USAGE);
	cr_assert_null(f->sbx);
	cr_assert_str_eq(f->d.msg, msg);
	finish(f);
}

Test(hostfn, policy_max_output_bounds)
{
	struct fixture f;

	setup(&f);
	f.cfg.policy.max_output = 0;
	expect_bad_policy(&f, "max_output of 0 bytes is out of range (1 to 4294967296)");
	setup(&f);
	f.cfg.policy.max_output = SBX_MAX_MAX_OUTPUT + 1;
	expect_bad_policy(&f, "max_output of 4294967297 bytes is out of range (1 to "
			  "4294967296)");
}

Test(hostfn, policy_lists_must_exist)
{
	static const char *const with_null[] = { "HLRUN_TEST_SET", NULL };
	struct fixture f;

	setup(&f);
	f.cfg.policy.nenv = 2;
	expect_bad_policy(&f, "policy: env has 2 entries but no list");
	setup(&f);
	f.cfg.policy.nfiles = 1;
	expect_bad_policy(&f, "policy: files has 1 entries but no list");
	setup(&f);
	f.cfg.policy.env = with_null;
	f.cfg.policy.nenv = 2;
	expect_bad_policy(&f, "policy: entry 2 of env is NULL");
}

Test(hostfn, policy_allows_only_known_functions)
{
	static const char *const bogus[] = { "HostPrint", "ReadFiles" };
	struct fixture f;

	setup(&f);
	f.cfg.policy.allowed = bogus;
	f.cfg.policy.nallowed = 2;
	expect_bad_policy(&f, "no host function named 'ReadFiles' to allow (there are "
			  "HostPrint, GetTimeNs, GetRandom, GetEnv and ReadFile)");
	cr_assert(sbx_host_function_exists("ReadFile"));
	cr_assert_not(sbx_host_function_exists("ReadFiles"));
	cr_assert_not(sbx_host_function_exists(""));
}

/* ---- ReadFile against a racing host process -------------------------------------------- */

/* Swaps DIR/allowed/sub (a directory holding f = "ok") with DIR/allowed/alt (a symbolic
 * link to DIR/outside, whose f is "SECRET") as fast as it can, until killed. */
static pid_t start_swapper(const char *dir)
{
	char sub[128], alt[128];
	pid_t pid;

	snprintf(sub, sizeof sub, "%s/allowed/sub", dir);
	snprintf(alt, sizeof alt, "%s/allowed/alt", dir);
	cr_assert_eq(renameat2(AT_FDCWD, sub, AT_FDCWD, alt, RENAME_EXCHANGE), 0, "%s: %s",
		     sub, strerror(errno));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		for (;;)
			if (renameat2(AT_FDCWD, sub, AT_FDCWD, alt, RENAME_EXCHANGE) != 0)
				_exit(1);
	return pid;
}

/* A guest reads a file below an allowed directory in a loop while another process swaps
 * a directory on its path for a symbolic link that leads outside.  Resolving the path,
 * then opening it by name, reads the outside file within a few hundred tries; nothing
 * may ever leak.  In /tmp: the test VM's 9p share cannot exchange names atomically. */
Test(hostfn, read_races_with_a_symlink_swap_and_leaks_nothing, .timeout = 300)
{
	struct fixture f;
	struct hl_value res, args[3];
	char dir[64] = "/tmp/hlrun-race.XXXXXX", allowed[96], target[96], report[64];
	const char *files[1] = { allowed };
	const struct hl_export *e;
	unsigned ok = 0;
	pid_t pid;
	int ws;

	setup(&f);
	cr_assert_not_null(mkdtemp(dir), "%s: %s", dir, strerror(errno));
	snprintf(f.dir, sizeof f.dir, "%s", dir);
	put_dir(dir, "allowed");
	put_dir(dir, "allowed/sub");
	put_dir(dir, "outside");
	put_file(dir, "allowed/sub/f", "ok", 2);
	put_file(dir, "outside/f", "SECRET", 6);
	put_link(dir, "allowed/alt", "../outside");
	snprintf(allowed, sizeof allowed, "%s/allowed", dir);
	snprintf(target, sizeof target, "%s/allowed/sub/f", dir);
	f.cfg.policy.files = files;
	f.cfg.policy.nfiles = 1;
	cr_assert_eq(ldr_open(HOSTILE, &f.guest, &f.d), HL_OK, "%s",
		     f.d.msg);
	cr_assert_eq(sbx_create(f.guest, &f.cfg, &f.sbx, NULL, &f.d), HL_OK, "%s", f.d.msg);
	e = ldr_find(f.guest, "ReadFileRace");
	cr_assert_not_null(e);
	args[0] = str(target);
	args[1] = str("ok");
	args[2] = (struct hl_value){ .type = HL_T_I32, .u.i32 = 2000 };
	pid = start_swapper(dir);
	cr_assert_eq(sbx_call(f.sbx, e, args, 3, &res, &f.d), HL_OK, "%s", f.d.msg);
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(WIFSIGNALED(ws), "the swapper stopped: %d", ws);
	cr_assert_eq(res.type, HL_T_STRING);
	snprintf(report, sizeof report, "%.*s", (int)res.len, (const char *)res.data);
	cr_assert_eq(sscanf(report, "ok %u", &ok), 1, "read outside the files: '%s'", report);
	/* The race was run: some reads found the directory in place. */
	cr_assert_gt(ok, 0, "%s", report);
	finish(&f);
}
