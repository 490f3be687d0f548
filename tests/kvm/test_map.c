/* KVM suite: --map and the manifest's map.  A host file appears read-only in the guest
 * under its name, without being copied; writing or running it faults, and so does reading
 * past its end; anything but a regular file is refused; batch calls and snapshots see the
 * maps of their own run only; a file that shrinks under the guest ends the call cleanly. */
#include "tests/kvm/harness.h"

#include <signal.h>
#include <sys/resource.h>

#define DIR "build/map-test"

/* DIR/name, size bytes long, sparse: no page of it is written. */
static const char *sparse_file(const char *name, off_t size)
{
	static char path[96];
	int fd;

	snprintf(path, sizeof path, "%s", put_in(DIR, name, ""));
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert(fd >= 0 && ftruncate(fd, size) == 0 && close(fd) == 0, "%s", path);
	return path;
}

/* "--map" and "NAME=PATH" as two words. */
static const char *spec(const char *name, const char *path)
{
	static char buf[4][160];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof buf[0], "%s=%s", name, path);
	return p;
}

Test(map, the_guest_reads_the_file_in_place)
{
	const char *f = put_in(DIR, "lines.txt", "one\ntwo\nthree\n");
	struct outcome o = hlrun("--map", spec("log", f), GUEST, "CountLines", "log", NULL);

	expect_ok(o, "3\n");
	outcome_free(&o);
	o = hlrun("--map", spec("log", f), GUEST, "ReadMapped", "log", "4", "100", NULL);
	expect_ok(o, "two\nthree\n");
	outcome_free(&o);
	/* Exactly the file's bytes (bytes print as they are): the rest of its page is not
	 * part of it. */
	o = hlrun("--map", spec("log", f), GUEST, "ReadMapped", "log", "13", "100", NULL);
	expect_ok(o, "\n");
	outcome_free(&o);
}

Test(map, several_files_each_under_its_name)
{
	const char *a = put_in(DIR, "a.txt", "a\n");
	const char *b = put_in(DIR, "b.txt", "b\nb\n");
	const char *e = put_in(DIR, "empty.txt", "");
	struct outcome o = hlrun("--map", spec("a", a), "--map", spec("b", b), "--map",
				 spec("e", e), GUEST, "CountLines", "b", NULL);

	expect_ok(o, "2\n");
	outcome_free(&o);
	o = hlrun("--map", spec("a", a), "--map", spec("b", b), "--map", spec("e", e), GUEST,
		  "ReadMapped", "a", "0", "10", NULL);
	expect_ok(o, "a\n");
	outcome_free(&o);
	/* An empty file is mapped too, with nothing in it. */
	o = hlrun("--map", spec("e", e), GUEST, "CountLines", "e", NULL);
	expect_ok(o, "0\n");
	outcome_free(&o);
}

Test(map, a_name_not_mapped_is_the_guests_error)
{
	const char *f = put_in(DIR, "one.txt", "x\n");
	struct outcome o = hlrun("--map", spec("one", f), GUEST, "CountLines", "two", NULL);

	expect_fail(&o, 1, "CountLines failed (guest error 2): no file is mapped as two", NULL);
	outcome_free(&o);
	o = hlrun(GUEST, "CountLines", "one", NULL);
	expect_fail(&o, 1, "no file is mapped as one", NULL);
	outcome_free(&o);
}

/* A 1 GiB file costs the pages the guest reads, not a copy: hlrun's peak memory stays far
 * below the file's size. */
Test(map, a_large_file_is_not_copied, .timeout = 120)
{
	const char *f = sparse_file("large.bin", (off_t)1 << 30);
	struct outcome o = hlrun("--map", spec("big", f), GUEST, "ReadMapped", "big",
				 "1073741820", "16", NULL);
	struct rusage ru;

	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_eq(o.out_len, 4);
	cr_assert_eq(memcmp(o.out, "\0\0\0\0", 4), 0);
	cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
	cr_assert_lt(ru.ru_maxrss, 128 * 1024, "peak %ld KiB for a 1 GiB file", ru.ru_maxrss);
	outcome_free(&o);
}

Test(map, writing_running_or_reading_past_the_file_crashes)
{
	const char *f = put_in(DIR, "ro.txt", "read-only\n");
	struct outcome o = hlrun("--map", spec("ro", f), HOSTILE, "WriteMapped", "ro", NULL);

	expect_fail(&o, 4, "WriteMapped: page fault (#PF)", "write to address 0x800000000",
		    "(the file mapped as ro, 10 bytes at 0x800000000, is read-only)", NULL);
	outcome_free(&o);
	o = hlrun("--map", spec("ro", f), HOSTILE, "RunMapped", "ro", NULL);
	expect_fail(&o, 4, "execution of address 0x800000000",
		    "(the file mapped as ro, 10 bytes at 0x800000000, is not executable)", NULL);
	outcome_free(&o);
	o = hlrun("--map", spec("ro", f), HOSTILE, "ReadPastMapped", "ro", NULL);
	expect_fail(&o, 4, "read of address 0x800001000",
		    "(past the end of the file mapped as ro, 10 bytes at 0x800000000)", NULL);
	outcome_free(&o);
}

Test(map, init_sees_no_file)
{
	const char *f = put_in(DIR, "init.txt", "x");
	struct outcome o = hlrun("--map", spec("x", f), HOSTILE, "MapsAtInit", NULL);

	expect_ok(o, "0\n");
	outcome_free(&o);
}

/* Only regular files: the rest is refused with exit 3 before anything runs, without
 * opening it (a FIFO with no writer would block an open). */
Test(map, anything_but_a_regular_file_is_refused)
{
	/* In /tmp: the test VM's shared directory has no FIFOs. */
	char tmp[] = "/tmp/hlrun-map-XXXXXX", fifo[64];
	const struct {
		const char *path, *why;
	} cases[] = {
		{ tmp, "a directory, not a regular file" },
		{ fifo, "a FIFO, not a regular file" },
		{ "/dev/null", "a character device, not a regular file" },
		{ DIR "/missing", "No such file or directory" },
	};

	cr_assert_not_null(mkdtemp(tmp));
	snprintf(fifo, sizeof fifo, "%s/fifo", tmp);
	cr_assert_eq(mkfifo(fifo, 0600), 0, "%s", strerror(errno));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char want[160];
		struct outcome o = hlrun("--map", spec("f", cases[i].path), GUEST, "Echo", "x",
					 NULL);

		snprintf(want, sizeof want, "cannot map %s as f: %s", cases[i].path,
			 cases[i].why);
		expect_fail(&o, 3, want, NULL);
		outcome_free(&o);
		o = hlrun("--check", "--map", spec("f", cases[i].path), GUEST, NULL);
		expect_fail(&o, 3, want, NULL);
		outcome_free(&o);
	}
	unlink(fifo);
	rmdir(tmp);
}

Test(map, malformed_specs_are_usage_errors)
{
	static const char *const bad[] = { "noequals", "name=", "=path", "1x=path", "a-b=path",
					   "abcdefghijklmnopqrstuvwxyz0123456=path" };
	struct outcome o;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		o = hlrun("--map", bad[i], GUEST, "Echo", "x", NULL);
		expect_fail(&o, 2, "option --map ", bad[i], NULL);
		outcome_free(&o);
	}
	o = hlrun("--map", "a=x", "--map", "a=y", GUEST, "Echo", "x", NULL);
	expect_fail(&o, 2, "option --map a given twice", NULL);
	outcome_free(&o);
}

Test(map, the_manifests_map_and_the_command_line)
{
	const char *mf = DIR "/m.yaml";
	const char *other = put_in(DIR, "other.txt", "1\n2\n3\n4\n");
	struct outcome o;

	put_in(DIR, "beside.txt", "1\n2\n");
	put_file(mf, "guest: ../../" GUEST "\nmap:\n  notes: beside.txt\n");
	/* Relative to the manifest. */
	o = hlrun(mf, "CountLines", "notes", NULL);
	expect_ok(o, "2\n");
	outcome_free(&o);
	/* --map replaces the manifest's file of the same name. */
	o = hlrun("--map", spec("notes", other), mf, "CountLines", "notes", NULL);
	expect_ok(o, "4\n");
	outcome_free(&o);
	o = hlrun("--check", "--json", "--map", spec("more", other), mf, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	cr_assert_not_null(strstr(o.out, "\"maps\":{\"notes\":\"" DIR "/beside.txt\",\"more\":\""
				  DIR "/other.txt\"}"), "%s", o.out);
	outcome_free(&o);
}

/* Every call of a batch sees the files, also after a call that crashed and was restored;
 * with --keep-state as well. */
Test(map, every_batch_call_sees_the_files)
{
	const char *f = put_in(DIR, "batch.txt", "x\ny\n");
	const char *in = "{\"function\":\"CountLines\",\"args\":[\"f\"]}\n"
			 "{\"function\":\"NullDeref\"}\n"
			 "{\"function\":\"ReadMapped\",\"args\":[\"f\",2,9]}\n";
	const char *want = "{\"ok\":true,\"type\":\"u64\",\"value\":2}\n"
			   "{\"ok\":false,\"error\":{\"class\":\"crash\",\"status\":4,";
	const char *last = "{\"ok\":true,\"type\":\"bytes\",\"value\":\"eQo=\"}\n";

	for (int keep = 0; keep < 2; keep++) {
		struct outcome o = keep ? hlrun_in(in, strlen(in), "--batch", "--keep-state",
						   "--map", spec("f", f), GUEST, NULL) :
					  hlrun_in(in, strlen(in), "--batch", "--map",
						   spec("f", f), GUEST, NULL);

		cr_assert_eq(o.status, 4, "keep-state %d: %d %s", keep, o.status, o.err);
		cr_assert_eq(strncmp(o.out, want, strlen(want)), 0, "%s", o.out);
		cr_assert(o.out_len > strlen(last) &&
			  strcmp(o.out + o.out_len - strlen(last), last) == 0, "%s", o.out);
		outcome_free(&o);
	}
}

/* A snapshot holds neither a file's contents nor the map table: a run from it sees the
 * files of its own command line, or none. */
Test(map, a_snapshot_holds_no_mapped_file, .timeout = 120)
{
	const char *f = put_in(DIR, "secret.txt", "MAPPED-SECRET-7f3a\n");
	const char *g = put_in(DIR, "later.txt", "1\n2\n3\n");
	const char *snap = DIR "/with-map.snap";
	struct outcome o;
	char *data;
	size_t len;
	FILE *in;

	unlink(snap);
	o = hlrun("--save-snapshot", snap, "--map", spec("f", f), GUEST, NULL);
	cr_assert_eq(o.status, 0, "%s", o.err);
	outcome_free(&o);
	in = fopen(snap, "rb");
	cr_assert_not_null(in);
	data = malloc(64 << 20);
	len = fread(data, 1, 64 << 20, in);
	fclose(in);
	cr_assert(len > 0);
	cr_assert_null(memmem(data, len, "MAPPED-SECRET", 13), "the snapshot holds the file");
	cr_assert_null(memmem(data, len, "secret.txt", 10), "the snapshot names the file");
	free(data);
	o = hlrun(snap, "CountLines", "f", NULL);
	expect_fail(&o, 1, "no file is mapped as f", NULL);
	outcome_free(&o);
	o = hlrun("--map", spec("f", g), snap, "CountLines", "f", NULL);
	expect_ok(o, "3\n");
	outcome_free(&o);
}

/* The file shrinks while the guest reads it: no SIGBUS, the call ends with exit 3 and a
 * message that names the file; a guest that only spins is stopped by the time limit. */
Test(map, a_file_that_shrinks_under_the_guest, .timeout = 300)
{
	const char *f = sparse_file("shrinks.bin", 8 << 20);
	const char *map = spec("f", f);
	char buf[512] = "";
	size_t got = 0;
	int err[2], status;
	ssize_t n;
	pid_t pid;

	cr_assert_eq(pipe(err), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(err[1], 2);
		close(err[0]);
		close(err[1]);
		execl(hlrun_bin(), "hlrun", "-t", "200s", "--map", map, HOSTILE, "KeepReading",
		      "f", (char *)NULL);
		_exit(127);
	}
	close(err[1]);
	/* The guest prints "reading" once it has the file and goes round it. */
	while (got < sizeof buf - 1 && strstr(buf, "reading\n") == NULL &&
	       (n = read(err[0], buf + got, sizeof buf - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
	}
	cr_assert_not_null(strstr(buf, "reading\n"), "%s", buf);
	cr_assert_eq(truncate(f, 4096), 0, "%s", strerror(errno));
	while (got < sizeof buf - 1 && (n = read(err[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(err[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3, "status 0x%x: %s", status,
		  buf);
	cr_assert_not_null(strstr(buf, "hlrun: " HOSTILE ": KeepReading: " DIR "/shrinks.bin: "
				   "the file mapped as f shrank from 8388608 to 4096 bytes "
				   "while the guest read it\n"), "%s", buf);
}
