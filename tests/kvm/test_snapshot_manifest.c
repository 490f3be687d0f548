/* KVM suite: a manifest that names a snapshot file instead of the guest: the host
 * functions it was saved with, its sha256 pin, which covers the memory image, and
 * snapshots that are no snapshot file. */
#include "tests/kvm/harness.h"

#include <sys/stat.h>

#include "tests/kvm/snapshot_fixture.h"

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
