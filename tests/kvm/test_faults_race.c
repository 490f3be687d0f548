/* KVM suite: a file swapped under ReadFile at the worst moment, between its check and its
 * open, through tests/kvm/faults.c's openat wrapper. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "loader/loader.h"
#include "tests/guests/paths.h"
#include "tests/kvm/faults.h"

#define RACE_DIR "build/faults-race"

/* The attacker's move: between ReadFile's check that victim.txt is a regular file and
 * its open, victim.txt becomes a symbolic link to a file outside the manifest's. */
static void swap_for_a_link(int dir, const char *path)
{
	char target[PATH_MAX];

	if (strcmp(path, "victim.txt") != 0)
		return;
	cr_assert_not_null(realpath(RACE_DIR "/secret.txt", target));
	cr_assert_eq(unlinkat(dir, "victim.txt", 0), 0);
	cr_assert_eq(symlinkat(target, dir, "victim.txt"), 0);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* ReadFile opens the last component of a path without following a link, whatever it was
 * when checked: a file swapped for a link at the last moment is refused, not read. */
Test(faults, readfile_file_swapped_for_a_link)
{
	static const char *const allow[] = { "ReadFile" };
	const char *files[] = { RACE_DIR "/allowed" };
	struct ldr_guest *g;
	struct sbx *s;
	struct sbx_config cfg;
	struct hl_diag d = { 0 };
	enum hl_err err;

	cr_assert_eq(system("rm -rf " RACE_DIR " && mkdir -p " RACE_DIR "/allowed"), 0);
	put(RACE_DIR "/allowed/victim.txt", "harmless");
	put(RACE_DIR "/secret.txt", "secret");
	cr_assert_eq(ldr_open(GUEST, &g, &d), HL_OK, "%s", d.msg);
	sbx_config_default(&cfg);
	cfg.policy.allowed = allow;
	cfg.policy.nallowed = 1;
	cfg.policy.files = files;
	cfg.policy.nfiles = 1;
	cr_assert_eq(sbx_create(g, &cfg, &s, NULL, &d), HL_OK, "%s", d.msg);
	plan.before_openat = swap_for_a_link;
	err = call(s, g, "ReadFile", str(RACE_DIR "/allowed/victim.txt"), NULL, &d);
	plan.before_openat = NULL;
	cr_assert_eq(err, HL_E_GUEST, "%s", d.msg);
	cr_assert_str_eq(d.msg, "ReadFile failed (guest error 65537): ReadFile: '"
			 RACE_DIR "/allowed/victim.txt' has a symbolic link on its path below "
			 "a granted file, and ReadFile follows none");
	sbx_destroy(s);
	ldr_close(g);
	cr_assert_eq(system("rm -rf " RACE_DIR), 0);
}
