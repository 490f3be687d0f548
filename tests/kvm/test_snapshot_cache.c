/* KVM suite: a snapshot beside the guest as its cache: used while it matches the guest,
 * the sizes and the policy, authenticated by the user's snapshot key, and where that key
 * lives. */
#include "tests/kvm/harness.h"

#include <sys/stat.h>

#include "tests/kvm/snapshot_fixture.h"

/* A run from a snapshot has no init phase; any guest's init takes at least one exit. */
static bool booted_cold(const struct outcome *o)
{
	return strstr(o->err, ", init 0.000 ms,") == NULL;
}

/* Manifest name, with snapshot snap (in DIR) beside the guest as its cache.  Each test
 * has a cache of its own: Criterion runs them side by side. */
static const char *cache_manifest(const char *name, const char *snap, const char *extra)
{
	char text[1024];

	snprintf(text, sizeof text, "guest: ../../" GUEST "\nsnapshot: %s\n"
		 "memory: {heap: 2MiB}\nhost_functions: [HostPrint]\n%s", snap, extra);
	return put(name, text);
}

/* Runs Echo through manifest m with --stats: it must print word, and boot cold or not. */
static void expect_echo(const char *m, const char *word, bool cold, const char *why)
{
	struct outcome o = hlrun("--stats", m, "Echo", word, NULL);
	char want[64];

	snprintf(want, sizeof want, "%s\n", word);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.out, want);
	cr_assert_eq(booted_cold(&o), cold, "%s", o.err);
	if (why != NULL)
		cr_assert(strstr(o.err, why) != NULL, "'%s' not in: %s", why, o.err);
	outcome_free(&o);
}

/* Beside the guest, a snapshot is a cache: used while it matches, ignored otherwise. */
Test(snapshot, cache_beside_the_guest)
{
	const char *m = cache_manifest("cache.yaml", "cache.snap", "");
	struct outcome o;

	unlink(path("cache.snap"));
	expect_echo(m, "cold", true, NULL);
	o = hlrun("--save-snapshot", path("cache.snap"), m, NULL);
	expect_ok(o, "");
	outcome_free(&o);
	expect_echo(m, "warm", false, NULL);
	/* Other sizes than it was saved with: the guest boots. */
	o = hlrun("--stats", "--heap", "4MiB", m, "Echo", "other", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(booted_cold(&o), "%s", o.err);
	cr_assert(strstr(o.err, "cache not used: it has other memory sizes") != NULL, "%s",
		  o.err);
	outcome_free(&o);
	/* A damaged cache is no error either. */
	spit(path("cache.snap"), "\177HLSNAP\ngarbage", 16);
	expect_echo(m, "again", true, NULL);
}

/* --save-snapshot runs the guest's init, even when a cache that fits is at hand: what it
 * saves is made now, not copied (printguest prints 600 bytes in its init). */
Test(snapshot, saving_runs_init_despite_a_cache)
{
	const char *m = put("resave.yaml", "guest: ../../tests/guests/bin/printguest.elf\n"
					   "snapshot: resave.snap\nhost_functions: [HostPrint]\n");
	char init[601];
	struct outcome o;

	memset(init, 'i', 600);
	init[600] = '\0';
	unlink(path("resave.snap"));
	for (int i = 0; i < 2; i++) {
		o = hlrun("--save-snapshot", path("resave.snap"), m, NULL);
		cr_assert_eq(o.status, 0, "status %d: %s", o.status, o.err);
		cr_assert_str_eq(o.out, "");
		cr_assert_str_eq(o.err, init);
		outcome_free(&o);
	}
	/* From the cache, init does not run again: only the call prints. */
	o = hlrun(m, "Print", "3", NULL);
	cr_assert_eq(o.status, 0, "status %d: %s", o.status, o.err);
	cr_assert_str_eq(o.out, "3\n");
	cr_assert_str_eq(o.err, "ccc");
	outcome_free(&o);
}

/* The cache records the policy it was made under: a manifest that allows the guest other
 * host functions, variables or files, or other limits, does not use it. */
Test(snapshot, cache_serves_only_its_policy)
{
	static const char *const others[] = {
		"env: [HOME]\n", "files: [.]\n", "limits: {timeout: 5s}\n",
		"limits: {max_output: 100}\n",
	};
	const char *m = cache_manifest("policy.yaml", "policy.snap", "");
	struct outcome o = hlrun("--save-snapshot", path("policy.snap"), m, NULL);

	expect_ok(o, "");
	outcome_free(&o);
	expect_echo(m, "same", false, NULL);
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		expect_echo(cache_manifest("policy2.yaml", "policy.snap", others[i]), "other", true,
			    "cache not used: it was saved under another policy");
	o = hlrun("--allow", "GetTimeNs", "--stats", m, "Echo", "allow", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(booted_cold(&o), "%s", o.err);
	outcome_free(&o);
}

/* A cache runs only when this user's hlrun made it: four bytes of code changed in it, a
 * cache made under another key (another user's, or copied from elsewhere), and a key
 * that others can read all make the pinned guest boot from its ELF, which prints the
 * right answer instead of running the attacker's code. */
Test(snapshot, cache_must_be_authentic)
{
	char text[128], hex[65], other[256], cmd[640];
	const char *m;
	struct outcome o;

	file_sha256(GUEST, hex);
	snprintf(text, sizeof text, "sha256: %s\n", hex);
	m = cache_manifest("auth.yaml", "auth.snap", text);
	o = hlrun("--save-snapshot", path("auth.snap"), m, NULL);
	expect_ok(o, "");
	outcome_free(&o);
	expect_echo(m, "mine", false, NULL);
	tamper_code(path("auth.snap"));
	expect_echo(m, "tampered", true, "cache not used: its MAC does not verify");
	/* Saved under another user's key. */
	cr_assert_not_null(getcwd(other, sizeof other - 64));
	strcat(other, "/" DIR "/other-state");
	snprintf(cmd, sizeof cmd, "%s/hlrun/snapshot.key", other);
	unlink(cmd); /* a new key, every run */
	snprintf(cmd, sizeof cmd, "XDG_STATE_HOME=%s exec \"$0\" --save-snapshot %s %s", other,
		 path("auth.snap"), m);
	o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c", cmd, hlrun_bin(), NULL });
	cr_assert_eq(o.status, 0, "%s", o.err);
	outcome_free(&o);
	expect_echo(m, "theirs", true, "cache not used: its MAC does not verify");
	/* The user's key, made readable by others, authenticates nothing and saves nothing. */
	snprintf(cmd, sizeof cmd, "%s/hlrun/snapshot.key", other);
	cr_assert_eq(chmod(cmd, 0644), 0, "%s: %s", cmd, strerror(errno));
	snprintf(cmd, sizeof cmd, "XDG_STATE_HOME=%s exec \"$0\" --save-snapshot %s %s", other,
		 path("auth.snap"), m);
	o = run_argv(NULL, 0, (const char *const[]){ "sh", "-c", cmd, hlrun_bin(), NULL });
	expect_fail(&o, 2, "snapshot.key: not a snapshot key", "mode 0600", NULL);
	outcome_free(&o);
}

/* Runs hlrun with XDG_STATE_HOME and HOME as given (NULL: unset) and the arguments in
 * args (space-separated, no quoting needed). */
static struct outcome hlrun_env(const char *state, const char *home, const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd, "exec env -u XDG_STATE_HOME -u HOME %s%s %s%s \"$0\" %s",
		 state ? "XDG_STATE_HOME=" : "", state ? state : "", home ? "HOME=" : "",
		 home ? home : "", args);
	return run_argv(NULL, 0, (const char *const[]){ "sh", "-c", cmd, hlrun_bin(), NULL });
}

static void expect_key(char *key)
{
	struct stat st;

	cr_assert_eq(stat(key, &st), 0, "%s: %s", key, strerror(errno));
	cr_assert(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600 && st.st_size == 32,
		  "%s: mode 0%o, %lld bytes", key, st.st_mode & 0777, (long long)st.st_size);
	*strrchr(key, '/') = '\0';
	cr_assert_eq(stat(key, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700, "%s: mode 0%o", key, st.st_mode & 0777);
}

/* The key lives in $XDG_STATE_HOME/hlrun, else (unset, or relative, which the XDG
 * specification says to ignore) in $HOME/.local/state/hlrun, made 0700 and 0600.  With
 * neither, snapshots are saved without a MAC and no cache is trusted. */
Test(snapshot, where_the_key_lives)
{
	char home[256], args[512], key[320];
	const char *m = cache_manifest("keys.yaml", "keys.snap", "");
	struct outcome o;

	cr_assert_not_null(getcwd(home, sizeof home - 64));
	strcat(home, "/" DIR "/home");
	snprintf(args, sizeof args, "rm -rf %s", home);
	cr_assert_eq(system(args), 0);
	snprintf(args, sizeof args, "--save-snapshot %s %s", path("keys.snap"), m);
	o = hlrun_env(NULL, home, args);
	expect_ok(o, "");
	outcome_free(&o);
	snprintf(key, sizeof key, "%s/.local/state/hlrun/snapshot.key", home);
	expect_key(key);
	/* A relative XDG_STATE_HOME is ignored: the key under HOME serves. */
	snprintf(args, sizeof args, "--stats %s Echo rel", m);
	o = hlrun_env("relative/state", home, args);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.out, "rel\n");
	cr_assert(!booted_cold(&o), "%s", o.err);
	outcome_free(&o);
	/* No key anywhere: saved all the same, trusted by no one. */
	snprintf(args, sizeof args, "--save-snapshot %s %s", path("keys.snap"), m);
	o = hlrun_env(NULL, NULL, args);
	expect_ok(o, "");
	outcome_free(&o);
	snprintf(args, sizeof args, "--stats %s Echo none", m);
	o = hlrun_env(NULL, NULL, args);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_str_eq(o.out, "none\n");
	cr_assert(booted_cold(&o), "%s", o.err);
	cr_assert(strstr(o.err, "cache not used: there is no snapshot key to check it with") !=
		  NULL, "%s", o.err);
	outcome_free(&o);
	/* A key directory that cannot be made: the save fails, with the reason. */
	snprintf(args, sizeof args, "--save-snapshot %s %s", path("keys.snap"), m);
	o = hlrun_env("/proc/self", NULL, args);
	expect_fail(&o, 2, "/proc/self/hlrun: cannot make the snapshot key's directory", NULL);
	outcome_free(&o);
}
