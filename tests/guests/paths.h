/* The guests the tests run, by their paths from the top of the tree, where tests run. */
#ifndef TESTS_GUESTS_PATHS_H
#define TESTS_GUESTS_PATHS_H

#define GUEST "guests/bin/simpleguest.elf"          /* the example: every type and host call */
#define HOSTILE "tests/guests/bin/hostileguest.elf" /* misbehaves in every way */

#endif
