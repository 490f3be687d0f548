/* The sandbox's deadline: a per-thread POSIX timer whose signal kicks the vCPU out. */
#include "core/core_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define KICK_SIGNAL SIGALRM

/* glibc before 2.35 names the thread-id member of struct sigevent only internally. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* The signal only has to interrupt KVM_RUN; the handler has nothing to do. */
static void on_kick(int signo)
{
	(void)signo;
}

/* The signal that asked the sandboxes to stop (sbx_interrupt()), and whether a timer's
 * kick signal is blocked and handled, so that raising it stops the run under way or the
 * next one (without a timer, its default action would end the process). */
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t kick_ready;

void sbx_interrupt(int signo)
{
	if (stop_signal == 0)
		stop_signal = signo;
	if (kick_ready)
		raise(KICK_SIGNAL);
}

int sbx_interrupted(void)
{
	return stop_signal;
}

enum hl_err sbx_interrupt_class(int signo)
{
	return signo == SIGTERM ? HL_E_TERMINATED : HL_E_INTERRUPTED;
}

const char *sbx_interrupt_words(int signo)
{
	return signo == SIGTERM ? "terminated by SIGTERM" : "interrupted by SIGINT";
}

uint64_t sbx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

enum hl_err sbx_timer_init(struct sbx_timer *t, struct hv_vm *vm, struct hl_diag *d)
{
	struct sigaction sa = { .sa_handler = on_kick };
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = KICK_SIGNAL };
	sigset_t set, old;

	*t = (struct sbx_timer){ 0 };
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	/* Blocked outside KVM_RUN, so a tick that arrives between two runs stays pending
	 * and stops the next run at once. */
	if (pthread_sigmask(SIG_BLOCK, &set, &old) != 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot block SIGALRM");
	t->blocked = !sigismember(&old, KICK_SIGNAL);
	if (sigaction(KICK_SIGNAL, &sa, &t->old_action) < 0)
		return hl_fail(d, HL_E_INTERNAL, "sigaction: %s", strerror(errno));
	ev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &ev, &t->id) < 0)
		return hl_fail(d, HL_E_INTERNAL, "timer_create: %s", strerror(errno));
	t->created = true;
	kick_ready = 1;
	return hv_set_kick_signal(vm, KICK_SIGNAL, d);
}

/* Drops a tick that is pending.  KVM_RUN unblocks the signal only while it runs, so a
 * tick that stopped a run stays pending afterwards and would stop every later run at
 * once. */
static void drop_pending_tick(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, KICK_SIGNAL);
	while (sigtimedwait(&set, NULL, &zero) == KICK_SIGNAL)
		;
}

void sbx_timer_fini(struct sbx_timer *t)
{
	sigset_t set;

	if (t->created) {
		kick_ready = 0;
		timer_delete(t->id);
		t->created = false;
		drop_pending_tick();
		sigaction(KICK_SIGNAL, &t->old_action, NULL);
	}
	if (t->blocked) {
		sigemptyset(&set);
		sigaddset(&set, KICK_SIGNAL);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		t->blocked = false;
	}
}

void sbx_timer_spec(uint64_t ms, struct itimerspec *its)
{
	*its = (struct itimerspec){ .it_value = { .tv_sec = (time_t)(ms / 1000),
						  .tv_nsec = (long)(ms % 1000) * 1000000 } };
}

enum hl_err sbx_timer_arm(struct sbx_timer *t, uint64_t ms, struct hl_diag *d)
{
	struct itimerspec its;

	/* Without a deadline, calls make no system call for it: a timer that was never
	 * armed since it was last disarmed has no tick to drop, unless an interruption
	 * raised one. */
	if (ms == 0 && !t->armed && stop_signal == 0)
		return HL_OK;
	sbx_timer_spec(ms, &its);
	t->deadline_ns = ms != 0 ? sbx_now_ns() + ms * 1000000 : 0;
	if (timer_settime(t->id, 0, &its, NULL) < 0)
		return hl_fail(d, HL_E_INTERNAL, "timer_settime: %s", strerror(errno));
	t->armed = ms != 0;
	/* Disarmed, no new tick can come; a tick of the deadline just passed may wait. */
	if (ms == 0)
		drop_pending_tick();
	return HL_OK;
}

bool sbx_timer_expired(const struct sbx_timer *t)
{
	return t->deadline_ns != 0 && sbx_now_ns() >= t->deadline_ns;
}
