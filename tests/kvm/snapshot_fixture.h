/* Helpers of the KVM suite's snapshot tests (tests/kvm/test_snapshot*.c): files under
 * DIR, snapshots of GUEST saved there, and reading, writing, hashing and tampering with
 * them.  static inline: each test binary uses only some of these. */
#ifndef TESTS_KVM_SNAPSHOT_FIXTURE_H
#define TESTS_KVM_SNAPSHOT_FIXTURE_H

#include "tests/kvm/harness.h"

#include <sys/stat.h>

#include "common/sha256.h"
#include "core/snapshot_internal.h"

#define DIR "build/snapshot-test"

/* A path under DIR (static storage, one per call site). */
static inline const char *path(const char *name)
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
static inline const char *save(const char *name, const char *opt1, const char *opt2)
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

static inline char *slurp(const char *p, size_t *len)
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

static inline void spit(const char *p, const char *buf, size_t len)
{
	FILE *f = fopen(p, "wb");

	cr_assert_not_null(f, "%s", p);
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* Writes text to DIR/name and returns the path. */
static inline const char *put(const char *name, const char *text)
{
	const char *p = path(name);

	spit(p, text, strlen(text));
	return p;
}

/* The SHA-256 of file p, in hex. */
static inline void file_sha256(const char *p, char hex[65])
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
static inline void tamper_code(const char *p)
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

#endif
