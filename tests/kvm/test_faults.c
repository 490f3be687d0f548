/* KVM suite: the system failing under hlrun.  Each call hlrun's modules make for memory,
 * to KVM, for mappings, the timer, files and randomness is made to fail in turn, the
 * first, then the second, ... until a run goes through untouched: every failure must
 * come back as an error value of the right class with a message (never a crash or a
 * hang), and release every descriptor and every block hlrun allocated.  KVMs unlike the
 * machines' own are test_faults_kvm.c's, a file swapped under ReadFile
 * test_faults_race.c's; the wrappers that make the calls fail are tests/kvm/faults.c's. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/core.h"
#include "target/target.h"
#include "loader/loader.h"
#include "tests/guests/paths.h"
#include "tests/kvm/faults.h"

/* More failure points than any function has in one scenario: a loop that reaches it
 * means a fault that never stops firing. */
#define MAX_NTH 4000

#ifdef HLRUN_COVERAGE
void __gcov_dump(void);
#endif

/* ---- The scenario: everything hlrun does in one process -------------------------- */

struct scene {
	char dir[40];      /* scratch: the manifest, a file to read, the snapshot, the key */
	char manifest[64];
	char snap[64];
	char file[64];
};

static void scene_files(struct scene *sc)
{
	FILE *f;

	strcpy(sc->dir, "/tmp/hlrun-faults.XXXXXX");
	cr_assert_not_null(mkdtemp(sc->dir));
	snprintf(sc->manifest, sizeof sc->manifest, "%s/m.yaml", sc->dir);
	snprintf(sc->snap, sizeof sc->snap, "%s/s.snap", sc->dir);
	snprintf(sc->file, sizeof sc->file, "%s/data.txt", sc->dir);
	f = fopen(sc->file, "w");
	cr_assert_not_null(f);
	fputs("file contents", f);
	cr_assert_eq(fclose(f), 0);
	f = fopen(sc->manifest, "w");
	cr_assert_not_null(f);
	fprintf(f, "guest: %s/" GUEST "\n"
		   "memory: {heap: 1MiB, stack: 64KiB, input: 64KiB, output: 64KiB}\n"
		   "limits: {timeout: 20s, max_output: 4KiB}\n"
		   "host_functions: [HostPrint, GetRandom, GetTimeNs, GetEnv, ReadFile]\n"
		   "env: [FAULT_VAR]\nfiles: [%s]\n", getcwd((char[256]){ 0 }, 256), sc->file);
	cr_assert_eq(fclose(f), 0);
	setenv("FAULT_VAR", "set", 1);
}

static void scene_remove(const struct scene *sc)
{
	char key[96];

	snprintf(key, sizeof key, "%s/hlrun/snapshot.key", sc->dir);
	unlink(key);
	snprintf(key, sizeof key, "%s/hlrun", sc->dir);
	rmdir(key);
	unlink(sc->snap);
	unlink(sc->file);
	unlink(sc->manifest);
	cr_assert_eq(rmdir(sc->dir), 0, "%s is not empty", sc->dir);
}

/* TriggerException crashes the guest, as it should; the restore after it cleans up. */
static enum hl_err crash(struct sbx *s, const struct ldr_guest *g, struct hl_diag *d)
{
	enum hl_err err = call(s, g, "TriggerException", str(""), NULL, d);

	if (err == HL_E_CRASH && strstr(d->msg, "TriggerException: invalid opcode") != NULL)
		return HL_OK;
	return err != HL_OK ? err : hl_fail(d, HL_E_GUEST, "TriggerException returned");
}

/* Batch mode on sandbox s: one line, long enough that its buffer is allocated and then
 * grows twice.  A line
 * that fails (its answer an error) fails the batch, with the line's message in d. */
static enum hl_err batch(struct sbx *s, const struct ldr_guest *g, FILE *out,
			 struct hl_diag *d)
{
	static char line[16384];
	char *captured = NULL;
	size_t ncaptured = 0;
	struct cli_batch_opts o = { .limit = 64 << 10, .captured = &captured,
				    .ncaptured = &ncaptured };
	int n = snprintf(line, sizeof line, "{\"function\":\"Echo\",\"args\":[\"%0*d\"]}\n",
			 9000, 0);
	FILE *in = fmemopen(line, (size_t)n, "r");
	enum hl_err err;

	o.capture = open_memstream(&captured, &ncaptured);
	if (in == NULL || o.capture == NULL)
		err = hl_fail(d, HL_E_INTERNAL, "batch streams: %s", strerror(errno));
	else
		err = cli_batch_run(s, g, in, out, &o, d);
	if (in != NULL)
		fclose(in);
	if (o.capture != NULL)
		fclose(o.capture);
	free(captured);
	return err;
}

/* The manifest resolved into its guest and configuration, a sandbox that calls every host
 * function, crashes, restores, saves a snapshot; then a sandbox from that snapshot, which
 * answers a batch. */
static enum hl_err scenario(const struct scene *sc, struct hl_diag *d)
{
	const struct tgt_request req = { .path = sc->manifest, .no_seccomp = true,
					 .save_path = sc->snap };
	struct tgt *tg = NULL;
	const struct ldr_guest *g = NULL;
	struct sbx *s = NULL, *t = NULL;
	struct sbx_snapshot *snap = NULL;
	struct sbx_config cfg;
	FILE *out = fopen("/dev/null", "w");
	struct hl_value n16 = { .type = HL_T_U32, .u.u32 = 16 };
	enum hl_err err;

	if (out == NULL)
		return hl_fail(d, HL_E_INTERNAL, "/dev/null: %s", strerror(errno));
	err = tgt_resolve(&req, &tg, d);
	if (err == HL_OK) {
		g = tgt_guest(tg);
		cfg = *tgt_config(tg);
		cfg.print_to = out;
		err = sbx_create(g, &cfg, &s, NULL, d);
	}
	if (err == HL_OK)
		err = call(s, g, "Echo", str("hi"), "hi", d);
	if (err == HL_OK)
		err = call(s, g, "PrintOutput", str("printed"), NULL, d);
	if (err == HL_OK)
		err = call(s, g, "Random", n16, NULL, d);
	if (err == HL_OK)
		err = call(s, g, "GetEnv", str("FAULT_VAR"), "set", d);
	if (err == HL_OK)
		err = call(s, g, "ReadFile", str(sc->file), "file contents", d);
	if (err == HL_OK)
		err = call(s, g, "GetTime", n16, NULL, d);
	if (err == HL_OK)
		err = crash(s, g, d);
	if (err == HL_OK)
		err = sbx_restore(s, NULL, d);
	if (err == HL_OK)
		err = sbx_save(s, d);
	if (err == HL_OK)
		err = sbx_snapshot_open(sc->snap, &snap, d);
	if (err == HL_OK) {
		cfg.save_path = NULL;
		err = sbx_create_from(snap, &cfg, &t, NULL, d);
	}
	if (err == HL_OK)
		err = call(t, sbx_snapshot_guest(snap), "Echo", str("again"), "again", d);
	if (err == HL_OK)
		err = batch(t, sbx_snapshot_guest(snap), out, d);
	sbx_destroy(t);
	sbx_snapshot_close(snap);
	sbx_destroy(s);
	tgt_free(tg);
	fclose(out);
	return err;
}

/* ---- Running it in a child, one fault at a time --------------------------------------- */

struct report {
	bool fired;
	enum hl_err err;
	int fds_before, fds_after;
	size_t leaked; /* blocks hlrun's objects allocated and did not free */
	char msg[HL_DIAG_MSG];
};

static int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (dir == NULL)
		return -1;
	while (readdir(dir) != NULL)
		n++;
	closedir(dir);
	return n;
}

/* Runs the scenario in a child that fails the nth call to fn; the child's own scratch
 * directory is its XDG_STATE_HOME, so that a snapshot key is made each time. */
static struct report run_child(enum fault fn, unsigned long nth)
{
	struct report r = { 0 };
	int p[2], ws;
	pid_t pid;

	plan.fired = __real_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				 -1, 0);
	cr_assert_neq(plan.fired, MAP_FAILED);
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct scene sc;
		struct hl_diag d = { 0 };

		close(p[0]);
		/* The helper that publishes a snapshot is orphaned on purpose: it comes
		 * back here, to be waited for, not to Criterion's runner. */
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		scene_files(&sc);
		setenv("XDG_STATE_HOME", sc.dir, 1);
		r.fds_before = open_fds();
		plan.fn = fn;
		plan.nth = nth;
		live.on = true;
		r.err = scenario(&sc, &d);
		live.on = false;
		r.leaked = live.count;
		r.fired = *plan.fired;
		plan.fn = F_NONE;
		r.fds_after = open_fds();
		while (waitpid(-1, NULL, 0) > 0)
			;
		memcpy(r.msg, d.msg, sizeof r.msg);
		scene_remove(&sc);
#ifdef HLRUN_COVERAGE
		__gcov_dump(); /* _exit would lose the child's counts */
#endif
		_exit(__real_write(p[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
	}
	close(p[1]);
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
		  "%s #%lu: the child died (status 0x%x)",
		  fn == F_NONE ? "no fault" : fault_names[fn], nth, ws);
	cr_assert_eq(__real_read(p[0], &r, sizeof r), (ssize_t)sizeof r);
	close(p[0]);
	munmap(plan.fired, 4096);
	return r;
}

static bool in(enum hl_err err, unsigned allowed)
{
	return (allowed >> err & 1) != 0;
}

#define CLASS(e) (1u << (e))

/* Fails each call to fn in turn; each failure must end in a class of allowed and a
 * message holding want (when not NULL).  Returns how many failures it made. */
static unsigned long each_failure(enum fault fn, unsigned allowed, const char *want)
{
	unsigned long nth;

	for (nth = 1; nth <= MAX_NTH; nth++) {
		struct report r;

		r = run_child(fn, nth);
		cr_assert_eq(r.fds_after, r.fds_before, "%s #%lu: %d descriptors before, %d "
			     "after (%s)", fault_names[fn], nth, r.fds_before, r.fds_after,
			     r.msg);
		cr_assert_eq(r.leaked, 0, "%s #%lu: %zu blocks leaked (%s)", fault_names[fn],
			     nth, r.leaked, r.msg);
		if (!r.fired) {
			cr_assert_eq(r.err, HL_OK, "%s: no fault, yet: %s", fault_names[fn],
				     r.msg);
			return nth - 1;
		}
		if (r.err == HL_OK)
			continue; /* a failure hlrun works around, with the right results */
		cr_assert(in(r.err, allowed), "%s #%lu: class %d: %s", fault_names[fn], nth,
			  r.err, r.msg);
		cr_assert_neq(r.msg[0], '\0', "%s #%lu: no message", fault_names[fn], nth);
		if (want != NULL)
			cr_assert(strstr(r.msg, want) != NULL, "%s #%lu: \"%s\" not in: %s",
				  fault_names[fn], nth, want, r.msg);
	}
	cr_assert_fail("%s: still failing after %d calls", fault_names[fn], MAX_NTH);
	return nth;
}

Test(faults, the_scenario_runs_without_faults)
{
	struct report r = run_child(F_NONE, 0);

	cr_assert_eq(r.err, HL_OK, "%s", r.msg);
	cr_assert(!r.fired);
	cr_assert_eq(r.fds_after, r.fds_before);
	cr_assert_eq(r.leaked, 0, "%zu blocks leaked", r.leaked);
}

#define MEMORY CLASS(HL_E_INTERNAL)
#define SYSTEM (CLASS(HL_E_INTERNAL) | CLASS(HL_E_NOKVM) | CLASS(HL_E_USAGE))
/* ReadFile's failures are the guest's to handle: simpleguest returns them as its error. */
#define READFILE CLASS(HL_E_GUEST)

struct fault_case {
	enum fault fn;
	unsigned allowed;
	char want[32];
};

ParameterizedTestParameters(faults, each_failure_is_an_error_value)
{
	static struct fault_case cases[] = {
		{ F_malloc, MEMORY, "out of memory" },
		{ F_calloc, MEMORY, "out of memory" },
		{ F_realloc, MEMORY, "out of memory" },
		{ F_strdup, MEMORY, "out of memory" },
		{ F_ioctl, SYSTEM | CLASS(HL_E_INVALID), "" },
		{ F_mmap, SYSTEM, "" },
		{ F_open, SYSTEM | CLASS(HL_E_INVALID) | READFILE, "Permission denied" },
		{ F_openat, SYSTEM | CLASS(HL_E_INVALID) | READFILE, "Permission denied" },
		{ F_read, SYSTEM | CLASS(HL_E_INVALID) | READFILE, "" },
		{ F_pread, CLASS(HL_E_INVALID), "while it was read" },
		{ F_write, SYSTEM, "" },
		{ F_memfd_create, SYSTEM, "" },
		{ F_fcntl, SYSTEM, "" },
		{ F_fork, SYSTEM, "" },
		{ F_pipe2, SYSTEM, "" },
		{ F_socketpair, SYSTEM, "" },
		{ F_timer_create, SYSTEM, "timer_create" },
		{ F_timer_settime, SYSTEM, "timer_settime" },
		{ F_sigaction, SYSTEM, "sigaction" },
		{ F_pthread_sigmask, SYSTEM, "" },
		{ F_getrandom, SYSTEM, "" },
		{ F_mkdir, SYSTEM, "" },
	};

	return cr_make_param_array(struct fault_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct fault_case *c, faults, each_failure_is_an_error_value)
{
	unsigned long n = each_failure(c->fn, c->allowed, c->want[0] ? c->want : NULL);

	cr_assert_gt(n, 0, "%s: hlrun never calls it in the scenario", fault_names[c->fn]);
}

