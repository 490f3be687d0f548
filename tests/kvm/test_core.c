/* KVM suite: --core.  A guest that crashes or times out leaves an ELF core file that gdb
 * opens with the guest's ELF, showing where it stopped and how it got there; nothing is
 * written otherwise, and never over a file. */
#include "tests/kvm/harness.h"

#include <sys/stat.h>
#include <unistd.h>

#define DIR "build/core-test"

/* A fresh path in DIR. */
static const char *fresh(const char *name)
{
	static char path[4][96];
	static int next;
	char *p = path[next++ % 4];

	mkdir("build", 0755);
	mkdir(DIR, 0755);
	snprintf(p, sizeof path[0], DIR "/%s", name);
	unlink(p);
	return p;
}

/* gdb's backtrace of core with elf, in batch mode: what a person would see. */
static struct outcome backtrace(const char *elf, const char *core)
{
	return run_argv(NULL, 0, (const char *const[]){ "sh", "-c",
		"exec gdb -nx -batch -ex bt \"$0\" \"$1\" 2>&1", elf, core, NULL });
}

/* Asserts that each of the n frames names its function, in order from the innermost. */
static void expect_frames(const struct outcome *bt, const char *const *fns, size_t n)
{
	char want[64];
	const char *frame, *next, *fn;

	cr_assert_eq(bt->status, 0, "gdb: %s", bt->out);
	cr_assert_null(strstr(bt->out, "warning"), "%s", bt->out);
	for (size_t i = 0; i < n; i++) {
		snprintf(want, sizeof want, "\n#%zu ", i);
		frame = strstr(bt->out, want);
		cr_assert_not_null(frame, "no frame %zu: %s", i, bt->out);
		next = strstr(frame + 1, "\n#");
		fn = strstr(frame, fns[i]);
		cr_assert(fn != NULL && (next == NULL || fn < next), "frame %zu is not %s: %s", i,
			  fns[i], bt->out);
	}
}

/* A fault three calls deep: the message says where the core went, and gdb shows the
 * faulting function and the calls that led to it. */
Test(core, a_fault_three_calls_deep, .timeout = 120)
{
	static const char *const fns[] = { "inner", "middle", "outer", "deep_fault" };
	const char *core = fresh("deep.core");
	struct outcome o = hlrun("--core", core, HOSTILE, "DeepFault", "5", NULL), bt;
	struct stat st;

	expect_fail(&o, 4, "DeepFault: null pointer dereference", "in inner+",
		    "; core dumped to " DIR "/deep.core", NULL);
	outcome_free(&o);
	cr_assert_eq(stat(core, &st), 0, "%s: %s", core, strerror(errno));
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	bt = backtrace(HOSTILE, core);
	expect_frames(&bt, fns, 4);
	cr_assert(strstr(bt.out, "inner (x=x@entry=16)") != NULL, "%s", bt.out);
	outcome_free(&bt);
}

/* A timeout and an abort leave their core too, where the guest was. */
Test(core, a_timeout_and_an_abort, .timeout = 120)
{
	static const char *const spin[] = { "spin" }, *const abrt[] = { "hl_port_out", "hl_abort",
									  "do_abort" };
	const char *t = fresh("spin.core"), *a = fresh("abort.core");
	struct outcome o = hlrun("--core", t, "-t", "300ms", GUEST, "Spin", NULL), bt;

	expect_fail(&o, 124, "timed out after 300 ms; core dumped to " DIR "/spin.core", NULL);
	outcome_free(&o);
	bt = backtrace(GUEST, t);
	expect_frames(&bt, spin, 1);
	outcome_free(&bt);
	o = hlrun("--core", a, GUEST, "Abort", "7", "boom", NULL);
	expect_fail(&o, 4, "aborted with code 7: boom; core dumped to " DIR "/abort.core", NULL);
	outcome_free(&o);
	bt = backtrace(GUEST, a);
	expect_frames(&bt, abrt, 3);
	outcome_free(&bt);
}

/* Nothing is written when the guest does not crash, nor over a file that exists, which
 * is refused before anything runs; a manifest's core is relative to it, and the option
 * wins. */
Test(core, only_a_new_file_and_only_for_a_crash)
{
	const char *ok = fresh("ok.core"), *taken = fresh("taken.core"), *m = fresh("m.yaml");
	const char *from_m = fresh("from-manifest.core");
	struct outcome o = hlrun("--core", ok, GUEST, "Echo", "hi", NULL);
	struct stat st;

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.out, "hi\n");
	outcome_free(&o);
	cr_assert_neq(stat(ok, &st), 0, "%s written by a run that did not crash", ok);
	put_file(taken, "mine");
	o = hlrun("--core", taken, GUEST, "TriggerException", NULL);
	expect_fail(&o, 2, DIR "/taken.core: a file of that name exists; hlrun writes a core "
		    "file only as a new file", NULL);
	outcome_free(&o);
	cr_assert_eq(stat(taken, &st), 0);
	cr_assert_eq(st.st_size, 4, "%s changed", taken);
	put_file(m, "guest: ../../" GUEST "\ncore: from-manifest.core\n");
	o = hlrun(m, "NullDeref", NULL);
	expect_fail(&o, 4, "; core dumped to " DIR "/from-manifest.core", NULL);
	outcome_free(&o);
	cr_assert_eq(stat(from_m, &st), 0, "%s", from_m);
	o = hlrun("--core", fresh("over.core"), m, "NullDeref", NULL);
	expect_fail(&o, 4, "; core dumped to " DIR "/over.core", NULL);
	outcome_free(&o);
	/* No temporary file of these runs is left behind (other tests run meanwhile). */
	o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c", "ls " DIR " | grep -c -e "
		"'^ok\\.core\\.' -e '^taken\\.core\\.' -e '^from-manifest\\.core\\.' -e "
		"'^over\\.core\\.' || true", NULL });
	cr_assert_str_eq(o.out, "0\n");
	outcome_free(&o);
}

/* In a batch, the first call that crashes leaves the core file; its answer says so, and
 * the calls after it run on, restored. */
Test(core, a_batch_dumps_its_first_crash, .timeout = 120)
{
	static const char in[] = "{\"function\":\"NullDeref\",\"id\":1}\n"
				 "{\"function\":\"TriggerException\",\"id\":2}\n"
				 "{\"function\":\"Add\",\"args\":[2,3],\"id\":3}\n";
	static const char *const fns[] = { "null_deref" };
	const char *core = fresh("batch.core");
	struct outcome o = hlrun_in(in, sizeof in - 1, "--core", core, "--batch", GUEST, NULL), bt;
	const char *second;

	cr_assert_eq(o.status, 4, "%s", o.err);
	cr_assert(strstr(o.out, "(not mapped); core dumped to " DIR "/batch.core\"}}\n") != NULL,
		  "%s", o.out);
	second = strstr(o.out, "{\"id\":2,");
	cr_assert_not_null(second, "%s", o.out);
	cr_assert_null(strstr(second, "core"), "%s", o.out);
	cr_assert(strstr(o.out, "{\"id\":3,\"ok\":true,\"type\":\"i32\",\"value\":5}\n") != NULL,
		  "%s", o.out);
	outcome_free(&o);
	bt = backtrace(GUEST, core);
	expect_frames(&bt, fns, 1);
	outcome_free(&bt);
}
