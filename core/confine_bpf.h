/* hlrun's seccomp filters as BPF programs, compiled when hlrun is built: core/confine_gen.c
 * builds them with libseccomp from its rules and writes them as C (the build's
 * gen/confine_bpf.c); core/confine.c installs them.  Nothing builds a filter at run
 * time. */
#ifndef CORE_CONFINE_BPF_H
#define CORE_CONFINE_BPF_H

#include <stddef.h>
#include <stdint.h>

#include <linux/filter.h>

#include "kvm/kvm.h"

/* The longest program the generator accepts and the installer copies. */
#define CF_MAX_INSNS 1024

/* An instruction whose constant is a descriptor known only at run time: its k is set to
 * that descriptor before the program is installed. */
struct cf_patch {
	uint16_t insn;
	enum hv_fd fd;
};

struct cf_prog {
	const struct sock_filter *insns;
	size_t len;
	const struct cf_patch *patches;
	size_t npatches;
};

/* The second stage's variants, indexed by these bits: what the policy allows (GetRandom,
 * ReadFile), whether a snapshot is being saved, and whether the caller serves host
 * functions (struct sbx_extern). */
enum {
	CF_RUN_GETRANDOM = 1,
	CF_RUN_READ_FILE = 2,
	CF_RUN_SAVE = 4,
	CF_RUN_EXTERN = 8,
	CF_RUN_VARIANTS = 16
};

/* The first stage, installed before any input is read; it has no patches. */
extern const struct cf_prog cf_setup;

/* The second stage, installed with each sandbox before any guest code runs. */
extern const struct cf_prog cf_run[CF_RUN_VARIANTS];

#endif
