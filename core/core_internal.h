/* State shared by the files of the sandbox. */
#ifndef CORE_CORE_INTERNAL_H
#define CORE_CORE_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>

#include "core/core.h"
#include "kvm/kvm.h"

#define SBX_MAX_REGIONS 32
#define SBX_XSTACK_SIZE (16ull << 10)

/* Where everything lives in guest memory (guest physical = guest virtual). */
struct sbx_layout {
	uint64_t pt_addr, pt_size;
	uint64_t input, input_size;
	uint64_t output, output_size;
	uint64_t xstack, xstack_size;  /* exception stack (TSS IST1) */
	uint64_t stack, stack_size;    /* grows down from stack + stack_size */
	uint64_t stack_guard;          /* the unmapped page below the stack */
	uint64_t heap, heap_size;
	uint64_t mem_size;
	struct hv_region regions[SBX_MAX_REGIONS];
	size_t nregions;
};

/* Computes the layout of guest g under cfg.  Errors: HL_E_USAGE when the sizes do not
 * fit the address space, HL_E_INVALID when the guest has too many segments. */
enum hl_err sbx_layout(const struct ldr_guest *g, const struct sbx_config *cfg,
		       struct sbx_layout *l, struct hl_diag *d);

/* The per-call deadline: a POSIX timer that sends SIGALRM to this thread, which KVM
 * unblocks only while the guest runs (see hv_set_kick_signal()). */
struct sbx_timer {
	timer_t id;
	bool created;
	bool blocked;          /* SIGALRM was unblocked before and must be again */
	struct sigaction old_action;
	uint64_t deadline_ns;  /* CLOCK_MONOTONIC; 0: none armed */
};

enum hl_err sbx_timer_init(struct sbx_timer *t, struct hv_vm *vm, struct hl_diag *d);
void sbx_timer_fini(struct sbx_timer *t);
/* Arms the timer ms milliseconds from now (0 disarms). */
enum hl_err sbx_timer_arm(struct sbx_timer *t, uint64_t ms, struct hl_diag *d);
/* True once the armed deadline has passed. */
bool sbx_timer_expired(const struct sbx_timer *t);

struct sbx {
	const struct ldr_guest *guest;
	struct sbx_config cfg;
	struct sbx_layout layout;
	struct hv_vm *vm;
	uint8_t *mem;
	struct sbx_timer timer;
	uint64_t dispatch;        /* entry of every call, reported by init */
	const char *phase;        /* "init" or the function being called, for messages */
	bool poisoned;
};

/* How a run of the guest ended when it ended well. */
enum sbx_stop {
	SBX_STOP_DONE, /* the guest left through HL_PORT_DONE; *value is EAX */
};

/* Runs the vCPU from its current registers until the guest reports DONE, serving host
 * calls on the way.  Every other exit becomes an error (HL_E_CRASH, HL_E_TIMEOUT,
 * HL_E_INTERNAL) with a message that names the cause, and poisons the sandbox. */
enum hl_err sbx_run(struct sbx *s, uint32_t *value, struct hl_diag *d);

/* Serves the host call whose message is in the output buffer and writes the reply
 * there.  Errors only for failures of hlrun itself (HL_E_INTERNAL) or a reply that
 * cannot fit; a denied or malformed call is answered with an error message. */
enum hl_err sbx_host_call(struct sbx *s, struct hl_diag *d);

/* Describes a CPU exception reported by the guest's handler as an HL_E_CRASH. */
enum hl_err sbx_exception(struct sbx *s, const struct hv_regs *r, struct hl_diag *d);

#endif
