/* KVM suite: snapshot files: saving after init, starting from one without init, sizes
 * and host functions fixed at saving, the file left untouched, hostile snapshot files. */
#include "tests/kvm/harness.h"

#include <sys/stat.h>

#include "common/sha256.h"
#include "core/snapshot_internal.h"

#define DIR "build/snapshot-test"

/* A path under DIR (static storage, one per call site). */
static const char *path(const char *name)
{
	static char paths[8][256];
	static int next;
	char *p = paths[next++ % 8];

	mkdir("build", 0755);
	mkdir(DIR, 0755);
	snprintf(p, 256, DIR "/%s", name);
	return p;
}

/* Saves GUEST (with the given options before it) to DIR/name and returns the path. */
static const char *save(const char *name, const char *opt1, const char *opt2)
{
	const char *p = path(name);
	struct outcome o;

	if (opt1 != NULL)
		o = hlrun("--save-snapshot", p, opt1, opt2, GUEST, NULL);
	else
		o = hlrun("--save-snapshot", p, GUEST, NULL);
	expect_ok(o, "");
	outcome_free(&o);
	return p;
}

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *buf;
	long n;

	cr_assert_not_null(f, "%s", p);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *p, const char *buf, size_t len)
{
	FILE *f = fopen(p, "wb");

	cr_assert_not_null(f, "%s", p);
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

Test(snapshot, save_then_call)
{
	const char *snap = save("echo.snap", NULL, NULL);
	struct outcome o = hlrun(snap, "Echo", "hello", NULL);
	size_t len;
	char *bytes = slurp(snap, &len);

	expect_ok(o, "hello\n");
	outcome_free(&o);
	o = hlrun(snap, "Add", "2", "3", NULL);
	expect_ok(o, "5\n");
	outcome_free(&o);
	cr_assert_eq(memcmp(bytes, "\177HLSNAP\n", 8), 0);
	cr_assert_eq(len % 4096, 0, "size %zu", len);
	free(bytes);
}

/* The guest counts its inits in memory: a snapshot holds the count of its one init,
 * and starting from it does not run init again. */
Test(snapshot, init_is_not_run_again)
{
	const char *snap = save("init.snap", NULL, NULL);
	struct outcome o = hlrun(GUEST, "InitCount", NULL);

	expect_ok(o, "1\n");
	outcome_free(&o);
	o = hlrun(snap, "InitCount", NULL);
	expect_ok(o, "1\n");
	outcome_free(&o);
}

/* Guest memory is a private mapping of the file: a call's writes never reach it. */
Test(snapshot, file_is_never_written)
{
	const char *snap = save("private.snap", NULL, NULL);
	size_t len1, len2;
	char *before = slurp(snap, &len1), *after;
	struct outcome o = hlrun(snap, "AddToStatic", "41", NULL);

	expect_ok(o, "41\n");
	outcome_free(&o);
	o = hlrun(snap, "AddToStatic", "1", NULL);
	expect_ok(o, "1\n");
	outcome_free(&o);
	after = slurp(snap, &len2);
	cr_assert_eq(len1, len2);
	cr_assert_eq(memcmp(before, after, len1), 0, "the snapshot file changed");
	free(before);
	free(after);
}

Test(snapshot, list_and_check)
{
	const char *snap = save("list.snap", NULL, NULL);
	struct outcome o = hlrun("--list", snap, NULL);
	char want[300];

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert(strstr(o.out, "Echo(string) -> string\n") != NULL, "%s", o.out);
	cr_assert(strstr(o.out, "Head(bytes, i32) -> bytes\n") != NULL, "%s", o.out);
	outcome_free(&o);
	o = hlrun("--check", snap, NULL);
	snprintf(want, sizeof want, "%s: ok\n", snap);
	expect_ok(o, want);
	outcome_free(&o);
}

/* Memory sizes are part of the snapshot: its heap stays as small as it was saved. */
Test(snapshot, sizes_are_fixed)
{
	const char *snap = save("small.snap", "--heap", "64KiB");
	struct outcome o = hlrun(snap, "Malloc", "1000", NULL);

	expect_ok(o, "1000\n");
	outcome_free(&o);
	o = hlrun(snap, "Malloc", "1000000", NULL);
	expect_fail(&o, 1, "Malloc failed", NULL);
	outcome_free(&o);
	o = hlrun("--heap", "1M", snap, "Echo", "x", NULL);
	expect_fail(&o, 2, "memory sizes are fixed when it is saved", "--heap", NULL);
	outcome_free(&o);
}

/* A snapshot saved with a host function allowed runs only where it still is.  Allowed
 * twice (HostPrint by default and by --allow) is recorded once. */
Test(snapshot, host_functions_must_stay_allowed)
{
	const char *snap = path("time.snap");
	struct outcome o = hlrun("--save-snapshot", snap, "--allow", "GetTimeNs", "--allow",
				 "HostPrint", GUEST, NULL);

	expect_ok(o, "");
	outcome_free(&o);
	o = hlrun(snap, "Echo", "x", NULL);
	expect_fail(&o, 3, "saved with host function GetTimeNs allowed", NULL);
	outcome_free(&o);
	o = hlrun("--allow", "GetTimeNs", snap, "GetTime", NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_gt(strtoull(o.out, NULL, 10), 0, "%s", o.out);
	outcome_free(&o);
}

Test(snapshot, failures_keep_their_status)
{
	const char *snap = save("fail.snap", NULL, NULL);
	struct outcome o = hlrun(snap, "TriggerException", NULL);

	expect_fail(&o, 4, "invalid opcode", NULL);
	outcome_free(&o);
	o = hlrun("-t", "300ms", snap, "Spin", NULL);
	expect_fail(&o, 124, "timed out after 300 ms", NULL);
	outcome_free(&o);
	o = hlrun(snap, "Fail", "oops", NULL);
	expect_fail(&o, 1, "oops", NULL);
	outcome_free(&o);
}

/* The manifest's sizes and host functions (HostPrint, GetTimeNs) go into the snapshot. */
Test(snapshot, from_a_manifest)
{
	const char *snap = path("manifest.snap");
	struct outcome o = hlrun("--save-snapshot", snap, "examples/simpleguest.yaml", NULL);

	expect_ok(o, "");
	outcome_free(&o);
	o = hlrun(snap, "Echo", "hi", NULL);
	expect_fail(&o, 3, "GetTimeNs", NULL);
	outcome_free(&o);
	o = hlrun("--allow", "GetTimeNs", snap, "Echo", "hi", NULL);
	expect_ok(o, "hi\n");
	outcome_free(&o);
	/* The example's heap is 1 MiB. */
	o = hlrun("--allow", "GetTimeNs", snap, "Malloc", "2000000", NULL);
	expect_fail(&o, 1, "Malloc failed", NULL);
	outcome_free(&o);
}

Test(snapshot, save_to_bad_path)
{
	struct outcome o = hlrun("--save-snapshot", "build/no/such/dir/x.snap", GUEST, NULL);

	expect_fail(&o, 2, "build/no/such/dir/x.snap", "No such file or directory", NULL);
	outcome_free(&o);
}

/* Damaged files: exit 3 and one line that says what is wrong. */
Test(snapshot, hostile_files)
{
	const char *snap = save("good.snap", NULL, NULL), *bad = path("bad.snap");
	size_t len;
	char *bytes = slurp(snap, &len);
	struct outcome o;
	char version;

	spit(bad, bytes, len - 4096);
	o = hlrun(bad, "Echo", "x", NULL);
	expect_fail(&o, 3, "bad.snap", "truncated", NULL);
	outcome_free(&o);
	spit(bad, bytes, 100);
	o = hlrun(bad, "Echo", "x", NULL);
	expect_fail(&o, 3, "bad.snap", NULL);
	outcome_free(&o);
	version = bytes[8];
	bytes[8] = 9; /* format version */
	spit(bad, bytes, len);
	o = hlrun(bad, "Echo", "x", NULL);
	expect_fail(&o, 3, "version 9", NULL);
	outcome_free(&o);
	bytes[8] = version;
	bytes[12] = 99; /* ABI version */
	spit(bad, bytes, len);
	o = hlrun(bad, "Echo", "x", NULL);
	expect_fail(&o, 3, "ABI", "99", NULL);
	outcome_free(&o);
	free(bytes);
}

/* Writes text to DIR/name and returns the path. */
static const char *put(const char *name, const char *text)
{
	const char *p = path(name);

	spit(p, text, strlen(text));
	return p;
}

/* A run from a snapshot has no init phase; any guest's init takes at least one exit. */
static bool booted_cold(const struct outcome *o)
{
	return strstr(o->err, ", init 0.000 ms,") == NULL;
}

/* The SHA-256 of file p, in hex. */
static void file_sha256(const char *p, char hex[65])
{
	size_t len;
	char *bytes = slurp(p, &len);
	uint8_t sum[32];

	hl_sha256(bytes, len, sum);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", sum[i]);
	free(bytes);
}

/* Overwrites 4 bytes of the snapshot's memory image, at its call entry (hl_dispatch_entry,
 * which every call runs), with int3: as an attacker who changed one function's code. */
static void tamper_code(const char *p)
{
	size_t len;
	char *bytes = slurp(p, &len);
	struct snap_header h;
	struct snap_extent e;

	cr_assert_geq(len, sizeof h);
	memcpy(&h, bytes, sizeof h);
	for (uint64_t i = 0; i < h.nextents; i++) {
		memcpy(&e, bytes + h.extents_offset + i * sizeof e, sizeof e);
		if (h.dispatch >= e.gpa && h.dispatch + 4 <= e.gpa + e.pages * 4096) {
			memset(bytes + e.offset + (h.dispatch - e.gpa), 0xcc, 4);
			spit(p, bytes, len);
			free(bytes);
			return;
		}
	}
	cr_assert_fail("no extent holds the call entry 0x%llx", (unsigned long long)h.dispatch);
}

/* A manifest names a snapshot instead of the guest; sha256 pins the whole snapshot file,
 * since its memory image is what runs. */
Test(snapshot, named_by_a_manifest)
{
	struct outcome o;
	char text[256], hex[65];

	save("m.snap", NULL, NULL);
	/* The snapshot was saved with HostPrint allowed, as without a manifest. */
	o = hlrun(put("bare.yaml", "snapshot: m.snap\n"), "Echo", "hi", NULL);
	expect_fail(&o, 3, "bare.yaml", "saved with host function HostPrint allowed", NULL);
	outcome_free(&o);
	/* --check says what the run would: no, and why. */
	o = hlrun("--check", path("bare.yaml"), NULL);
	expect_fail(&o, 3, "bare.yaml", "saved with host function HostPrint allowed", NULL);
	outcome_free(&o);
	o = hlrun(put("only.yaml", "snapshot: m.snap\nhost_functions: [HostPrint]\n"), "Echo",
		  "hi", NULL);
	expect_ok(o, "hi\n");
	outcome_free(&o);
	o = hlrun("--check", path("only.yaml"), NULL);
	expect_ok(o, DIR "/only.yaml: ok\n");
	outcome_free(&o);
	file_sha256(path("m.snap"), hex);
	snprintf(text, sizeof text, "snapshot: m.snap\nsha256: %s\nhost_functions: [HostPrint]\n",
		 hex);
	o = hlrun(put("pinned.yaml", text), "Echo", "pinned", NULL);
	expect_ok(o, "pinned\n");
	outcome_free(&o);
	hex[0] = hex[0] == '0' ? '1' : '0';
	snprintf(text, sizeof text, "snapshot: m.snap\nsha256: %s\nhost_functions: [HostPrint]\n",
		 hex);
	o = hlrun(put("wrong.yaml", text), "Echo", "x", NULL);
	expect_fail(&o, 3, "wrong.yaml:1:11: ", "m.snap has SHA-256", NULL);
	outcome_free(&o);
	o = hlrun(put("missing.yaml", "snapshot: none.snap\n"), "Echo", "x", NULL);
	expect_fail(&o, 3, "missing.yaml:1:11: snapshot: ", "none.snap", NULL);
	outcome_free(&o);
}

/* Four bytes of code changed inside a pinned snapshot: the guest ELF embedded in it is
 * untouched, so a pin on that alone let the attacker's code run with the manifest's
 * permissions.  The pin covers the file: --check and runs refuse it. */
Test(snapshot, pin_covers_the_memory_image)
{
	struct outcome o;
	char text[256], hex[65], got[65];

	save("pin.snap", NULL, NULL);
	file_sha256(path("pin.snap"), hex);
	snprintf(text, sizeof text, "snapshot: pin.snap\nsha256: %s\nhost_functions: [HostPrint]\n",
		 hex);
	tamper_code(path("pin.snap"));
	file_sha256(path("pin.snap"), got);
	o = hlrun("--check", put("pin.yaml", text), NULL);
	expect_fail(&o, 3, "pin.yaml:1:11: ", "pin.snap has SHA-256", got, hex, NULL);
	outcome_free(&o);
	o = hlrun(path("pin.yaml"), "Echo", "x", NULL);
	expect_fail(&o, 3, "pin.snap has SHA-256", NULL);
	outcome_free(&o);
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
		expect_ok(o, init);
		outcome_free(&o);
	}
	/* From the cache, init does not run again: only the call prints. */
	o = hlrun(m, "Print", "3", NULL);
	expect_ok(o, "ccc3\n");
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

/* An init that leaves 100 pages written apart from each other, more runs than the saver
 * first makes room for: the snapshot keeps every one, and a batch from it restores them
 * after a call. */
Test(snapshot, init_writes_scattered_over_many_pages)
{
	const char *m = put("scatter.yaml", "guest: ../../tests/guests/bin/badinitguest.elf\n"
					    "env: [BADINIT]\nhost_functions: [GetEnv]\n");
	const char *calls = "{\"function\":\"Scattered\"}\n{\"function\":\"Scattered\"}\n";
	struct outcome o;

	cr_assert_eq(setenv("BADINIT", "scatter", 1), 0);
	o = hlrun("--save-snapshot", path("scatter.snap"), m, NULL);
	unsetenv("BADINIT");
	expect_ok(o, "");
	outcome_free(&o);
	o = hlrun("--allow", "GetEnv", path("scatter.snap"), "Scattered", NULL);
	expect_ok(o, "100\n");
	outcome_free(&o);
	o = hlrun_in(calls, strlen(calls), "--batch", "--allow", "GetEnv", path("scatter.snap"),
		     NULL);
	expect_ok(o, "{\"ok\":true,\"type\":\"i32\",\"value\":100}\n"
		     "{\"ok\":true,\"type\":\"i32\",\"value\":100}\n");
	outcome_free(&o);
	/* Booted without BADINIT, init writes none of them. */
	o = hlrun(m, "Scattered", NULL);
	expect_ok(o, "0\n");
	outcome_free(&o);
}

/* A manifest whose snapshot is no snapshot file: an empty file, a directory. */
Test(snapshot, manifest_snapshot_that_is_no_file)
{
	struct outcome o;

	spit(path("empty.snap"), "", 0);
	o = hlrun(put("empty.yaml", "snapshot: empty.snap\n"), "Echo", "x", NULL);
	expect_fail(&o, 3, "empty.snap: not a snapshot file (empty)", NULL);
	outcome_free(&o);
	mkdir(path("dir.snap"), 0755);
	o = hlrun(put("dir.yaml", "snapshot: dir.snap\n"), "Echo", "x", NULL);
	expect_fail(&o, 3, "dir.snap: not a snapshot file (not a regular file)", NULL);
	outcome_free(&o);
}

/* Reads from fd up to and including the next newline into line (cap bytes, NUL-ended). */
static void read_answer(int fd, char *line, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(fd, line + n, 1);

		cr_assert_eq(r, 1, "answer cut short after %zu bytes: %.*s", n, (int)n, line);
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
}

/* A snapshot file truncated and rewritten while hlrun runs from it changes nothing: hlrun
 * runs from a sealed copy made when it started.  The calls after the rewrite touch pages
 * the first did not (a 4 MiB malloc), and restore every page. */
Test(snapshot, rewritten_while_running, .timeout = 120)
{
	const char *snap = save("live.snap", NULL, NULL);
	int in[2], out[2], ws;
	char answer[256], *bytes;
	size_t len;
	FILE *f;
	pid_t pid;

	bytes = slurp(snap, &len);
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(hlrun_bin(), "hlrun", "--batch", snap, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	f = fdopen(in[1], "w");
	cr_assert_not_null(f);
	fputs("{\"function\":\"Echo\",\"args\":[\"before\"]}\n", f);
	fflush(f);
	read_answer(out[0], answer, sizeof answer);
	cr_assert_str_eq(answer, "{\"ok\":true,\"type\":\"string\",\"value\":\"before\"}\n");
	/* Truncated to nothing, then the same size of garbage. */
	spit(snap, "", 0);
	memset(bytes, 0xcc, len);
	spit(snap, bytes, len);
	fputs("{\"function\":\"Malloc\",\"args\":[4194304]}\n"
	      "{\"function\":\"Echo\",\"args\":[\"after\"]}\n"
	      "{\"function\":\"InitCount\",\"args\":[]}\n", f);
	cr_assert_eq(fclose(f), 0);
	read_answer(out[0], answer, sizeof answer);
	cr_assert_str_eq(answer, "{\"ok\":true,\"type\":\"i32\",\"value\":4194304}\n");
	read_answer(out[0], answer, sizeof answer);
	cr_assert_str_eq(answer, "{\"ok\":true,\"type\":\"string\",\"value\":\"after\"}\n");
	read_answer(out[0], answer, sizeof answer);
	cr_assert_str_eq(answer, "{\"ok\":true,\"type\":\"i32\",\"value\":1}\n");
	cr_assert_eq(read(out[0], answer, 1), 0);
	close(out[0]);
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "status 0x%x", ws);
	free(bytes);
}
