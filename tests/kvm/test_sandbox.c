/* KVM suite: the sandbox API itself: many calls in one process, create/destroy cycles
 * without leaking descriptors or memory, poisoning, per-call timeout, confinement while
 * saving a snapshot. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/core.h"
#include "loader/loader.h"
#include "tests/guests/paths.h"

struct fixture {
	struct ldr_guest *guest;
	struct sbx *sbx;
	struct sbx_config cfg;
	struct hl_diag d;
};

static int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	cr_assert_not_null(dir);
	while (readdir(dir) != NULL)
		n++;
	closedir(dir);
	return n;
}

/* Resident set size in KiB. */
static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%ld %ld", &pages, &resident), 2);
	fclose(f);
	return resident * 4;
}

static void boot(struct fixture *f)
{
	cr_assert_eq(ldr_open(GUEST, &f->guest, &f->d), HL_OK, "%s", f->d.msg);
	sbx_config_default(&f->cfg);
	cr_assert_eq(sbx_create(f->guest, &f->cfg, &f->sbx, NULL, &f->d), HL_OK, "%s",
		     f->d.msg);
}

static void shutdown(struct fixture *f)
{
	sbx_destroy(f->sbx);
	ldr_close(f->guest);
}

static enum hl_err call(struct fixture *f, const char *fn, const struct hl_value *args,
			uint16_t n, struct hl_value *res)
{
	const struct hl_export *e = ldr_find(f->guest, fn);

	cr_assert_not_null(e, "no export %s", fn);
	return sbx_call(f->sbx, e, args, n, res, &f->d);
}

Test(sandbox, thousand_calls_in_one_process)
{
	struct fixture f;
	struct hl_value res, arg = { .type = HL_T_I32, .u.i32 = 1 };
	int fds;
	long rss;

	boot(&f);
	fds = open_fds();
	rss = 0;
	for (int i = 1; i <= 1000; i++) {
		char text[32];
		struct hl_value s = { .type = HL_T_STRING };

		snprintf(text, sizeof text, "call %d", i);
		s.data = (const uint8_t *)text;
		s.len = (uint32_t)strlen(text);
		cr_assert_eq(call(&f, "Echo", &s, 1, &res), HL_OK, "call %d: %s", i, f.d.msg);
		cr_assert_eq(res.type, HL_T_STRING);
		cr_assert_eq(res.len, s.len);
		cr_assert_eq(memcmp(res.data, text, s.len), 0);
		cr_assert_eq(call(&f, "AddToStatic", &arg, 1, &res), HL_OK, "%s", f.d.msg);
		cr_assert_eq(res.u.i32, i);
		/* The first calls touch buffers and stack for the first time. */
		if (i == 10)
			rss = rss_kib();
	}
	cr_assert_eq(open_fds(), fds);
	/* Guest memory pages touched once stay resident; nothing may grow per call. */
	cr_assert_lt(rss_kib() - rss, 1024, "RSS grew by %ld KiB", rss_kib() - rss);
	shutdown(&f);
}

Test(sandbox, create_destroy_cycles_release_everything)
{
	struct ldr_guest *g;
	struct hl_diag d;
	struct sbx_config cfg;
	int fds = open_fds();
	long rss = 0;

	cr_assert_eq(ldr_open(GUEST, &g, &d), HL_OK, "%s", d.msg);
	sbx_config_default(&cfg);
	for (int i = 0; i < 30; i++) {
		struct sbx *s;

		cr_assert_eq(sbx_create(g, &cfg, &s, NULL, &d), HL_OK, "cycle %d: %s", i, d.msg);
		sbx_destroy(s);
		if (i == 4)
			rss = rss_kib();
	}
	cr_assert_eq(open_fds(), fds);
	cr_assert_lt(rss_kib() - rss, 2048, "RSS grew by %ld KiB", rss_kib() - rss);
	ldr_close(g);
}

Test(sandbox, crash_poisons_the_sandbox)
{
	struct fixture f;
	struct hl_value res;
	struct hl_value s = { .type = HL_T_STRING, .data = (const uint8_t *)"x", .len = 1 };

	boot(&f);
	cr_assert_eq(call(&f, "TriggerException", NULL, 0, &res), HL_E_CRASH);
	cr_assert(strstr(f.d.msg, "invalid opcode") != NULL, "%s", f.d.msg);
	cr_assert_eq(call(&f, "Echo", &s, 1, &res), HL_E_INTERNAL);
	cr_assert(strstr(f.d.msg, "poisoned") != NULL, "%s", f.d.msg);
	shutdown(&f);
}

Test(sandbox, guest_error_does_not_poison)
{
	struct fixture f;
	struct hl_value res;
	struct hl_value s = { .type = HL_T_STRING, .data = (const uint8_t *)"bad", .len = 3 };

	boot(&f);
	cr_assert_eq(call(&f, "Fail", &s, 1, &res), HL_E_GUEST);
	cr_assert(strstr(f.d.msg, "bad") != NULL, "%s", f.d.msg);
	cr_assert_eq(call(&f, "Echo", &s, 1, &res), HL_OK, "%s", f.d.msg);
	cr_assert_eq(res.len, 3);
	shutdown(&f);
}

Test(sandbox, timeout_per_call)
{
	struct fixture f;
	struct hl_value res;
	uint64_t t0;

	cr_assert_eq(ldr_open(GUEST, &f.guest, &f.d), HL_OK, "%s", f.d.msg);
	sbx_config_default(&f.cfg);
	f.cfg.timeout_ms = 300;
	cr_assert_eq(sbx_create(f.guest, &f.cfg, &f.sbx, NULL, &f.d), HL_OK, "%s", f.d.msg);
	cr_assert_eq(call(&f, "GetStatic", NULL, 0, &res), HL_OK, "%s", f.d.msg);
	t0 = sbx_now_ns();
	cr_assert_eq(call(&f, "Spin", NULL, 0, &res), HL_E_TIMEOUT, "%s", f.d.msg);
	cr_assert_geq(sbx_now_ns() - t0, 300000000ull);
	cr_assert(strstr(f.d.msg, "timed out after 300 ms") != NULL, "%s", f.d.msg);
	shutdown(&f);
}

Test(sandbox, config_out_of_bounds_is_usage_error)
{
	struct ldr_guest *g;
	struct sbx *s;
	struct hl_diag d;
	struct sbx_config cfg;

	cr_assert_eq(ldr_open(GUEST, &g, &d), HL_OK, "%s", d.msg);
	sbx_config_default(&cfg);
	cfg.heap_size = 1;
	cr_assert_eq(sbx_create(g, &cfg, &s, NULL, &d), HL_E_USAGE);
	cr_assert_null(s);
	cr_assert(strstr(d.msg, "heap of 1 bytes is out of range") != NULL, "%s", d.msg);
	ldr_close(g);
}

/* Mistakes of the API's caller are reported, not acted on: restoring or saving a sandbox
 * made for neither, HostPrint allowed with nowhere to print, more arguments than a call
 * can carry, arguments larger than the input buffer, a timeout past the maximum. */
Test(sandbox, callers_mistakes)
{
	struct fixture f;
	struct hl_value res, many[HL_MAX_VALS + 1] = { 0 };
	struct hl_value big = { .type = HL_T_BYTES, .len = 8192 };
	static uint8_t bytes[8192];
	struct sbx *s = NULL;

	boot(&f);
	cr_assert_eq(sbx_restore(f.sbx, NULL, &f.d), HL_E_INTERNAL);
	cr_assert_str_eq(f.d.msg, "sandbox was created without restore");
	cr_assert_eq(sbx_save(f.sbx, &f.d), HL_E_INTERNAL);
	cr_assert_str_eq(f.d.msg, "sandbox was created without restore or a snapshot file");
	cr_assert_eq(call(&f, "Add", many, HL_MAX_VALS + 1, &res), HL_E_USAGE);
	cr_assert_str_eq(f.d.msg, "Add: too many arguments (17)");
	shutdown(&f);

	cr_assert_eq(ldr_open(GUEST, &f.guest, &f.d), HL_OK, "%s", f.d.msg);
	sbx_config_default(&f.cfg);
	f.cfg.print_to = NULL;
	cr_assert_eq(sbx_create(f.guest, &f.cfg, &s, NULL, &f.d), HL_E_USAGE);
	cr_assert_str_eq(f.d.msg, "HostPrint is allowed but has no stream to print to");
	cr_assert_null(s);
	sbx_config_default(&f.cfg);
	f.cfg.timeout_ms = 86400001;
	cr_assert_eq(sbx_create(f.guest, &f.cfg, &s, NULL, &f.d), HL_E_USAGE);
	cr_assert_str_eq(f.d.msg, "timeout of 86400001 ms is longer than the maximum "
			 "(86400000 ms)");
	sbx_config_default(&f.cfg);
	f.cfg.input_size = 4096;
	cr_assert_eq(sbx_create(f.guest, &f.cfg, &f.sbx, NULL, &f.d), HL_OK, "%s", f.d.msg);
	big.data = bytes;
	cr_assert_eq(call(&f, "EchoBytes", &big, 1, &res), HL_E_USAGE);
	cr_assert(strstr(f.d.msg, "EchoBytes: arguments take 8") != NULL, "%s", f.d.msg);
	cr_assert(!sbx_poisoned(f.sbx));
	shutdown(&f);
}

/* ---- Confinement while saving a snapshot --------------------------------------------- */

/* In a child: a confined sandbox that will save a snapshot to DIR/x.snap, then the system
 * call op on another file; exits 0 if that call returned at all. */
/* Entries of dir other than . and .. */
static int entries_in(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(dp);
	while ((e = readdir(dp)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dp);
	return n;
}

static void confined_then(const char *dir, int op)
{
	struct ldr_guest *g;
	struct sbx *s;
	struct hl_diag d;
	struct sbx_config cfg;
	char snap[128], other[128];

	snprintf(snap, sizeof snap, "%s/x.snap", dir);
	snprintf(other, sizeof other, "%s/other", dir);
	if (ldr_open(GUEST, &g, &d) != HL_OK)
		_exit(2);
	sbx_config_default(&cfg);
	cfg.seccomp = true;
	cfg.restore = true;
	cfg.save_path = snap;
	if (sbx_create(g, &cfg, &s, NULL, &d) != HL_OK)
		_exit(3);
	switch (op) {
	case 0:
		_exit(sbx_save(s, &d) == HL_OK ? 0 : 4);
	case 1:
		(void)!open(other, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		break;
	case 2:
		(void)!rename(snap, other);
		break;
	default:
		(void)!unlink(other);
		break;
	}
	_exit(0);
}

/* With --save-snapshot, hlrun once confined may not create, rename or remove any file:
 * the temporary file was made before, and a helper process publishes it.  Saving still
 * works, and leaves nothing else behind. */
Test(sandbox, saving_needs_no_right_to_create_rename_or_remove_files, .timeout = 60)
{
	char dir[] = "/tmp/hlrun-save.XXXXXX", path[128];
	int ws, n = 0;
	struct dirent *e;
	DIR *dp;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/other", dir);
	for (int op = 0; op < 4; op++) {
		pid_t pid = fork();

		cr_assert_geq(pid, 0);
		if (pid == 0)
			confined_then(dir, op);
		cr_assert_eq(waitpid(pid, &ws, 0), pid);
		if (op == 0)
			cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "save: status 0x%x", ws);
		else
			cr_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGSYS,
				  "operation %d: status 0x%x, not killed by SIGSYS", op, ws);
		cr_assert_neq(access(path, F_OK), 0, "operation %d made %s", op, path);
	}
	/* The helper of a killed process removes its temporary file once it sees hlrun gone:
	 * soon, not at once. */
	for (int i = 0; i < 500 && entries_in(dir) > 1; i++)
		usleep(10000);
	dp = opendir(dir);
	cr_assert_not_null(dp);
	while ((e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.') {
			cr_assert_str_eq(e->d_name, "x.snap");
			n++;
		}
	closedir(dp);
	cr_assert_eq(n, 1);
	snprintf(path, sizeof path, "%s/x.snap", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(rmdir(dir), 0);
}

/* Once confined with ReadFile allowed, hlrun opens files for reading only: an existing
 * file cannot be opened for writing, appending or truncating, and reading still works. */
Test(sandbox, confined_opens_files_for_reading_only)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR, O_WRONLY | O_APPEND,
				     O_RDONLY | O_TRUNC };
	char path[] = "/tmp/hlrun-confined.XXXXXX";
	int fd = mkstemp(path), ws;

	cr_assert_geq(fd, 0);
	close(fd);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		pid_t pid = fork();

		cr_assert_geq(pid, 0);
		if (pid == 0) {
			struct ldr_guest *g;
			struct sbx *s;
			struct hl_diag d;
			struct sbx_config cfg;

			if (ldr_open(GUEST, &g, &d) != HL_OK)
				_exit(2);
			sbx_config_default(&cfg);
			cfg.seccomp = true;
			cfg.policy.allowed = (const char *const[]){ "HostPrint", "ReadFile" };
			cfg.policy.nallowed = 2;
			if (sbx_create(g, &cfg, &s, NULL, &d) != HL_OK)
				_exit(3);
			_exit(open(path, modes[i] | O_CLOEXEC) >= 0 ? 0 : 4);
		}
		cr_assert_eq(waitpid(pid, &ws, 0), pid);
		if (modes[i] == O_RDONLY)
			cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "read: status 0x%x", ws);
		else
			cr_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGSYS,
				  "mode 0%o: status 0x%x, not killed by SIGSYS", modes[i], ws);
	}
	unlink(path);
}

/* A result that breaks the protocol poisons the sandbox, as a crash does: the next call
 * is refused until a restore, after which the guest works again. */
Test(sandbox, protocol_violations_poison)
{
	static const char *const lies[] = { "ResultWrongType", "ResultMissing", "ResultWrongKind",
					    "ResultVoidWithValue", "ResultBadBool", "DoneGarbage" };
	struct fixture f;
	struct hl_value res;

	cr_assert_eq(ldr_open(HOSTILE, &f.guest, &f.d), HL_OK, "%s",
		     f.d.msg);
	sbx_config_default(&f.cfg);
	f.cfg.restore = true;
	cr_assert_eq(sbx_create(f.guest, &f.cfg, &f.sbx, NULL, &f.d), HL_OK, "%s", f.d.msg);
	for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
		cr_assert_eq(call(&f, lies[i], NULL, 0, &res), HL_E_CRASH, "%s: %s", lies[i],
			     f.d.msg);
		cr_assert(strstr(f.d.msg, "protocol violation") != NULL, "%s: %s", lies[i],
			  f.d.msg);
		cr_assert(sbx_poisoned(f.sbx), "%s did not poison", lies[i]);
		cr_assert_eq(call(&f, "InFromDonePort", NULL, 0, &res), HL_E_INTERNAL);
		cr_assert_str_eq(f.d.msg, "sandbox is poisoned by an earlier failure");
		cr_assert_eq(sbx_restore(f.sbx, NULL, &f.d), HL_OK, "%s", f.d.msg);
		cr_assert(!sbx_poisoned(f.sbx));
	}
	shutdown(&f);
}
