/* KVM suite: ReadFile's confinement through the sandbox API: the paths of a test tree that
 * it reads and those it refuses, each with its reason (outside the files, `..`, symbolic
 * links, missing files, directories), entries that are links or missing at start, a FIFO,
 * sizes, and a host process racing it with a symbolic link.  Whether ReadFile may be
 * called at all is test_hostfn.c's; the fixture is tests/kvm/hostfn.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"
#include "loader/loader.h"
#include "tests/kvm/hostfn.h"

/* A reply of bytes, what was read (the path) named when it is not. */
static void expect_bytes(const struct hl_value *res, const void *data, size_t len,
			 const char *what)
{
	cr_assert_eq(res->type, HL_T_BYTES, "%s", what);
	cr_assert_eq(res->len, len, "%s", what);
	cr_assert_eq(memcmp(res->data, data, len), 0, "%s", what);
}

/* Why ReadFile refuses a path, as its message says it around the path. */
enum refusal { OUTSIDE, SYMLINK, MISSING, NOT_REGULAR };

static const struct {
	int32_t code;
	const char *before, *after;
} refusals[] = {
	[OUTSIDE] = { E_DENIED, "", " is outside the files granted (by the manifest's files or "
		      "--dir)" },
	[SYMLINK] = { E_DENIED, "", " has a symbolic link on its path below a granted file, "
		      "and ReadFile follows none" },
	[MISSING] = { E_FAILED, "cannot read ", ": No such file or directory" },
	[NOT_REGULAR] = { E_FAILED, "", " is not a regular file" },
};

/* ReadFile of DIR/rel was refused for why. */
static void expect_refused(struct fixture *f, const char *rel, enum refusal why)
{
	char msg[240];
	struct hl_value res;
	enum hl_err err = read_rel(f, rel, &res);

	snprintf(msg, sizeof msg, "ReadFile: %s'%s/%s'%s", refusals[why].before, f->dir, rel,
		 refusals[why].after);
	expect_error(f, err, "ReadFile", refusals[why].code, msg);
}

/* ---- The paths of the tree -------------------------------------------------------------- */

/* Each a file inside the files, and what it holds; absolute paths are the tree's resolved
 * directory and rel, for entries given relative. */
Test(hostfn, read_inside_the_files)
{
	static const struct {
		const char *rel, *holds;
		bool absolute;
	} inside[] = {
		{ "data/inner.txt", "inner\n", false },
		{ "data/sub/deep.txt", "deep", false },
		{ "data/sub/../inner.txt", "inner\n", false },
		{ "data/./sub//deep.txt", "deep", false },
		{ "data/empty", "", false },
		{ "allowed.txt", "allowed", false }, /* the allowed file itself */
		{ "data/inner.txt", "inner\n", true },
	};
	struct fixture f;
	struct hl_value res;
	char path[PATH_MAX + 64];

	tree_setup(&f);
	put_file(f.dir, "data/empty", "", 0);
	start(&f);
	for (size_t i = 0; i < sizeof inside / sizeof inside[0]; i++) {
		if (inside[i].absolute) {
			cr_assert_not_null(realpath(f.dir, path));
			strcat(path, "/");
			strcat(path, inside[i].rel);
		} else {
			snprintf(path, sizeof path, "%s/%s", f.dir, inside[i].rel);
		}
		cr_assert_eq(call_str(&f, "ReadFile", path, &res), HL_OK, "%s", f.d.msg);
		expect_bytes(&res, inside[i].holds, strlen(inside[i].holds), path);
	}
	finish(&f);
}

/* Each path of the tree that ReadFile refuses, and why. */
Test(hostfn, read_refuses_each_path_with_its_reason)
{
	static const struct {
		const char *rel;
		enum refusal why;
	} refused[] = {
		{ "secret.txt", OUTSIDE },
		{ "database/x.txt", OUTSIDE }, /* "data" does not hold "database" */
		{ "", OUTSIDE },               /* the tree's directory itself */
		{ "data/../secret.txt", OUTSIDE },
		{ "data/sub/../../secret.txt", OUTSIDE },
		{ "data/..", OUTSIDE },
		{ "data/link", SYMLINK },
		{ "data/abslink", SYMLINK },
		/* Below an entry no symbolic link is followed, not even one that stays inside:
		 * what a link points to may change between any check and the open. */
		{ "data/ilink", SYMLINK },
		{ "data/sublink/deep.txt", SYMLINK },
		/* A missing file inside says so; outside, a missing file and a present one look
		 * the same. */
		{ "data/missing.txt", MISSING },
		{ "missing.txt", OUTSIDE },
		{ "data/../missing.txt", OUTSIDE },
		{ "nodir/missing.txt", OUTSIDE },
		{ "data/sub", NOT_REGULAR },
		{ "data", NOT_REGULAR },
	};
	struct fixture f;

	tree_setup(&f);
	put_link(f.dir, "data/sublink", "sub");
	start(&f);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		expect_refused(&f, refused[i].rel, refused[i].why);
	finish(&f);
}

Test(hostfn, read_with_no_files_is_refused)
{
	struct fixture f;

	tree_setup(&f);
	f.cfg.policy.nfiles = 0;
	start(&f);
	expect_refused(&f, "data/inner.txt", OUTSIDE);
	finish(&f);
}

/* ---- Entries that are not plain directories ---------------------------------------------- */

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
	expect_bytes(&res, "inner\n", 6, "datalink/inner.txt");
	cr_assert_not_null(realpath(f.data, abs));
	strcat(abs, "/sub/deep.txt");
	cr_assert_eq(call_str(&f, "ReadFile", abs, &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "deep", 4, abs);
	/* `..` is taken as written: it leaves the link, not the directory it names. */
	expect_refused(&f, "datalink/../secret.txt", OUTSIDE);
	finish(&f);
}

/* An entry that does not exist when hlrun starts allows nothing, not even once it is
 * made; what is below it fails with the reason.  An entry that exists beside it still
 * works. */
Test(hostfn, read_below_an_entry_missing_at_start)
{
	struct fixture f;
	struct hl_value res;
	char entry[128];

	tree_setup(&f);
	snprintf(entry, sizeof entry, "%s/later", f.dir);
	f.files[0] = entry;
	start(&f);
	put_dir(f.dir, "later");
	put_file(f.dir, "later/x.txt", "x", 1);
	expect_refused(&f, "later/x.txt", MISSING);
	expect_refused(&f, "later", MISSING);
	expect_refused(&f, "lateral", OUTSIDE);
	cr_assert_eq(read_rel(&f, "allowed.txt", &res), HL_OK, "%s", f.d.msg);
	expect_bytes(&res, "allowed", 7, "allowed.txt");
	finish(&f);
}

/* ---- Files that are not what they seem ------------------------------------------------- */

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
	expect_bytes(&res, big, 16360, "data/fits.bin");
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
