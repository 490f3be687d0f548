/* A directory of its own under /tmp for each test of a suite: make_dir and remove_dir are
 * the suite's .init and .fini, dir its path. */
#ifndef TESTS_UNIT_TMPDIR_FIXTURE_H
#define TESTS_UNIT_TMPDIR_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[32];

static void make_dir(void)
{
	strcpy(dir, "/tmp/hlrun-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[64];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

#endif
