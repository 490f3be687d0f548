/* hlrun confines itself in two stages of seccomp filters, which stack: the first before
 * it reads any input, the second with each sandbox, once its VM is built and before any
 * guest code runs (what each allows: core/confine_gen.c, which compiles them when hlrun
 * is built).  Here they are only installed: the second stage's comparisons with the
 * vCPU's and VM's descriptors get the descriptors, and each program is one system call. */
#include "core/core_internal.h"
#include "core/confine_bpf.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static enum hl_err install(const struct cf_prog *p, const struct hv_vm *vm,
			   struct hl_diag *d)
{
	struct sock_filter insns[CF_MAX_INSNS];
	struct sock_fprog prog = { .len = (unsigned short)p->len, .filter = insns };

	memcpy(insns, p->insns, p->len * sizeof insns[0]);
	for (size_t i = 0; i < p->npatches; i++)
		insns[p->patches[i].insn].k = (uint32_t)hv_fd(vm, p->patches[i].fd);
	/* Without "no new privileges", only a privileged process may install a filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot install the seccomp filter: %s "
			       "(--no-seccomp runs without it)", strerror(errno));
	return HL_OK;
}

enum hl_err sbx_confine_process(struct hl_diag *d)
{
	return install(&cf_setup, NULL, d);
}

enum hl_err sbx_confine(struct sbx *s, struct hl_diag *d)
{
	unsigned variant = (sbx_allows(s, "GetRandom") ? CF_RUN_GETRANDOM : 0) |
			   (sbx_allows(s, "ReadFile") ? CF_RUN_READ_FILE : 0) |
			   (s->cfg.save_path != NULL || s->cfg.core_path != NULL ? CF_RUN_SAVE :
									       0) |
			   (s->cfg.externs.nfns > 0 ? CF_RUN_EXTERN : 0);

	return install(&cf_run[variant], s->vm, d);
}
