/* The sandbox's life: create (KVM, memory, ring 0, load or resume a snapshot, init), the
 * configuration's checks, destroy. */
#include "core/core_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char *const default_allowed[] = { "HostPrint" };

void sbx_config_default(struct sbx_config *cfg)
{
	*cfg = (struct sbx_config){
		.heap_size = SBX_DEFAULT_HEAP,
		.stack_size = SBX_DEFAULT_STACK,
		.input_size = SBX_DEFAULT_INPUT,
		.output_size = SBX_DEFAULT_OUTPUT,
		.print_to = stderr,
		.policy = {
			.allowed = default_allowed,
			.nallowed = 1,
			.max_output = SBX_DEFAULT_MAX_OUTPUT,
		},
	};
}

static enum hl_err check_size(const char *what, uint64_t v, struct hl_diag *d)
{
	if (v < SBX_MIN_SIZE || v > SBX_MAX_SIZE)
		return hl_fail(d, HL_E_USAGE, "%s of %llu bytes is out of range (%llu to %llu)",
			       what, (unsigned long long)v, SBX_MIN_SIZE, SBX_MAX_SIZE);
	return HL_OK;
}

/* The four sizes together.  Each is already within [SBX_MIN_SIZE, SBX_MAX_SIZE]: their sum
 * is at most 16 GiB and cannot overflow. */
static enum hl_err check_total(const struct sbx_config *c, struct hl_diag *d)
{
	uint64_t total = c->heap_size + c->stack_size + c->input_size + c->output_size;

	if (total > SBX_MAX_TOTAL)
		return hl_fail(d, HL_E_USAGE, "memory sizes total %llu bytes (heap %llu, stack "
			       "%llu, input buffer %llu, output buffer %llu), more than the "
			       "maximum (%llu bytes); lower one of them",
			       (unsigned long long)total, (unsigned long long)c->heap_size,
			       (unsigned long long)c->stack_size,
			       (unsigned long long)c->input_size,
			       (unsigned long long)c->output_size, SBX_MAX_TOTAL);
	return HL_OK;
}

enum hl_err sbx_config_check(const struct sbx_config *c, struct hl_diag *d)
{
	enum hl_err err = check_size("heap", c->heap_size, d);

	if (err == HL_OK)
		err = check_size("stack", c->stack_size, d);
	if (err == HL_OK)
		err = check_size("input buffer", c->input_size, d);
	if (err == HL_OK)
		err = check_size("output buffer", c->output_size, d);
	if (err == HL_OK)
		err = check_total(c, d);
	if (err == HL_OK && c->timeout_ms > SBX_MAX_TIMEOUT_MS)
		err = hl_fail(d, HL_E_USAGE, "timeout of %llu ms is longer than the maximum "
			      "(%llu ms)", (unsigned long long)c->timeout_ms, SBX_MAX_TIMEOUT_MS);
	if (err == HL_OK)
		err = sbx_check_maps(c, d);
	if (err == HL_OK)
		err = sbx_check_policy(c, d);
	return err;
}

static void write_peb(struct sbx *s)
{
	const struct sbx_layout *l = &s->layout;
	struct hl_peb peb = {
		.magic = HL_PEB_MAGIC,
		.abi_version = HL_ABI_VERSION,
		.input_addr = l->input,
		.input_size = l->input_size,
		.output_addr = l->output,
		.output_size = l->output_size,
		.heap_addr = l->heap,
		.heap_size = l->heap_size,
		.stack_top = l->stack + l->stack_size,
		.stack_size = l->stack_size,
		.memory_size = l->mem_size,
	};

	sbx_write(s, HL_PEB_ADDR, &peb, sizeof peb);
}

/* Points the vCPU at entry with a fresh stack and RDI = the PEB, interrupts off. */
static enum hl_err enter_at(struct sbx *s, uint64_t entry, struct hl_diag *d)
{
	struct hv_regs r = {
		.rip = entry,
		.rsp = s->layout.stack + s->layout.stack_size,
		.rdi = HL_PEB_ADDR,
		.rflags = 2,
	};

	return hv_set_regs(s->vm, &r, d);
}

bool sbx_in_code(const struct ldr_guest *g, uint64_t addr)
{
	for (size_t i = 0; i < ldr_nsegments(g); i++) {
		const struct ldr_segment *seg = ldr_segment(g, i);

		if ((seg->flags & LDR_X) && addr >= seg->vaddr && addr - seg->vaddr < seg->filesz)
			return true;
	}
	return false;
}

enum hl_err sbx_map_zero(uint64_t size, int prot, uint8_t **out, struct hl_diag *d)
{
	/* Pages cost only when touched: a large heap is free until the guest uses it. */
	void *p = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	*out = NULL;
	if (p == MAP_FAILED)
		return hl_fail(d, HL_E_INTERNAL, "cannot map %llu bytes of guest memory: %s",
			       (unsigned long long)size, strerror(errno));
	*out = p;
	return HL_OK;
}

/* Guest memory, fresh or the snapshot's image, given to KVM; then ring 0 and the page
 * tables, which kvm/ builds in memory of its own, and the mapped files. */
static enum hl_err map_memory(struct sbx *s, const struct sbx_snapshot *snap,
			      struct hl_diag *d)
{
	struct hv_window windows[HL_MAX_MAPS];
	size_t nwindows;
	struct hv_boot boot;
	enum hl_err err;

	_Static_assert(HL_MAX_MAPS <= HV_MAX_WINDOWS, "too few windows for the maps");
	sbx_layout(s->guest, &s->cfg, &s->layout);
	err = sbx_maps_open(s, windows, &nwindows, d);
	if (err != HL_OK)
		return err;
	if (snap != NULL)
		err = sbx_snapshot_map(s, snap, d);
	else
		err = sbx_map_zero(s->layout.mem_size, PROT_READ | PROT_WRITE, &s->mem, d);
	if (err == HL_OK && s->cfg.restore && snap == NULL)
		err = sbx_track_init(s, d);
	if (err == HL_OK)
		err = hv_set_memory(s->vm, s->mem, s->layout.mem_size, s->cfg.restore, d);
	if (err != HL_OK)
		return err;
	boot = (struct hv_boot){
		.ring0_addr = HL_HOST_AREA,
		.port_first = HL_PORT_FIRST,
		.nports = HL_PORT_COUNT,
		.regions = s->layout.regions,
		.nregions = s->layout.nregions,
		.windows = windows,
		.nwindows = nwindows,
	};
	return hv_setup(s->vm, &boot, d);
}

static enum hl_err load(struct sbx *s, struct hl_diag *d)
{
	enum hl_err err = sbx_load_image(s, d);

	if (err == HL_OK)
		write_peb(s);
	return err;
}

static enum hl_err run_init(struct sbx *s, struct hl_diag *d)
{
	uint32_t dispatch;
	enum hl_err err;

	s->phase = "init";
	err = enter_at(s, ldr_entry(s->guest), d);
	if (err == HL_OK)
		err = sbx_run(s, &dispatch, d);
	if (err != HL_OK)
		return err;
	if (!sbx_in_code(s->guest, dispatch)) {
		s->poisoned = true;
		return hl_fail(d, HL_E_CRASH, "guest init reported dispatch address 0x%x, which "
			       "is not in its code (protocol violation)", dispatch);
	}
	s->dispatch = dispatch;
	return HL_OK;
}

/* The one way a sandbox comes to be: KVM, memory, ring 0, the timer; then the guest
 * loaded or the snapshot's vCPU state; confinement; then, for a fresh guest, its init. */
static enum hl_err create(struct sbx *s, const struct sbx_snapshot *snap,
			  struct sbx_stats *st, struct hl_diag *d)
{
	uint64_t t0 = sbx_now_ns(), t1, t2, t3;
	/* The helper that publishes the snapshot file is forked before anything else is
	 * open. */
	enum hl_err err = s->cfg.save_path != NULL ? sbx_save_prepare(s, d) : HL_OK;

	if (err == HL_OK && s->cfg.core_path != NULL)
		err = sbx_core_prepare(s, d);

	if (err == HL_OK)
		err = hv_open(s->cfg.kvm_path, &s->vm, d);

	t1 = sbx_now_ns();
	if (err == HL_OK)
		err = hv_create_vm(s->vm, d);
	if (err == HL_OK)
		err = map_memory(s, snap, d);
	if (err == HL_OK)
		err = sbx_timer_init(&s->timer, s->vm, d);
	t2 = sbx_now_ns();
	if (err == HL_OK)
		err = snap != NULL ? sbx_snapshot_resume(s, snap, d) : load(s, d);
	if (err == HL_OK)
		err = sbx_files_open(s, d);
	/* From here on guest code runs: hlrun keeps only the system calls it needs. */
	if (err == HL_OK && s->cfg.seccomp)
		err = sbx_confine(s, d);
	t3 = sbx_now_ns();
	if (err == HL_OK && snap == NULL)
		err = run_init(s, d);
	if (err == HL_OK && s->cfg.restore && snap == NULL)
		err = sbx_take_baseline(s, d);
	if (st != NULL) {
		*st = (struct sbx_stats){ t1 - t0, t2 - t1, t3 - t2,
					  snap == NULL ? sbx_now_ns() - t3 : 0, "" };
		if (s->vm != NULL)
			snprintf(st->kvm, sizeof st->kvm, "%s", hv_describe(s->vm));
	}
	return err;
}

enum hl_err sbx_kvm_describe(const char *path, char *buf, size_t len, struct hl_diag *d)
{
	struct hv_vm *vm;
	enum hl_err err = hv_open(path, &vm, d);

	if (err == HL_OK)
		snprintf(buf, len, "%s", hv_describe(vm));
	hv_destroy(vm);
	return err;
}

enum hl_err sbx_new(const struct ldr_guest *g, const struct sbx_snapshot *snap,
		    const struct sbx_config *cfg, struct sbx **out, struct sbx_stats *stats,
		    struct hl_diag *d)
{
	struct sbx *s = calloc(1, sizeof *s);
	enum hl_err err;

	*out = NULL;
	if (s == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	s->guest = g;
	s->cfg = *cfg;
	err = create(s, snap, stats, d);
	if (err != HL_OK) {
		sbx_destroy(s);
		return err;
	}
	*out = s;
	return HL_OK;
}

enum hl_err sbx_create(const struct ldr_guest *g, const struct sbx_config *cfg,
		       struct sbx **out, struct sbx_stats *stats, struct hl_diag *d)
{
	enum hl_err err = sbx_config_check(cfg, d);

	*out = NULL;
	return err != HL_OK ? err : sbx_new(g, NULL, cfg, out, stats, d);
}

void sbx_destroy(struct sbx *s)
{
	if (s == NULL)
		return;
	sbx_timer_fini(&s->timer);
	sbx_files_close(s);
	sbx_save_close(s);
	sbx_core_close(s);
	hv_destroy(s->vm);
	sbx_maps_close(s);
	if (s->mem != NULL)
		munmap(s->mem, s->layout.mem_size);
	if (s->base != NULL)
		munmap(s->base, s->layout.mem_size);
	free(s->dirty);
	free(s->host_dirty);
	free(s->hot);
	free(s->saved);
	free(s);
}

/* Bytes of the call message, or UINT64_MAX when it cannot be encoded at all. */
static uint64_t call_size(const char *fn, const struct hl_value *args, uint16_t nargs)
{
	struct hl_message m = { .kind = HL_MSG_CALL, .name = fn };
	size_t len = strlen(fn);

	if (nargs > HL_MAX_VALS || len == 0 || len >= HL_NAME_MAX)
		return UINT64_MAX;
	m.name_len = (uint16_t)len;
	m.nvals = nargs;
	if (nargs > 0)
		memcpy(m.vals, args, nargs * sizeof *args);
	return hlw_size(&m);
}

enum hl_err sbx_check_call_size(const char *fn, const struct hl_value *args, uint16_t nargs,
				uint64_t input_size, struct hl_diag *d)
{
	uint64_t need = call_size(fn, args, nargs);

	if (need <= input_size)
		return HL_OK;
	return hl_fail(d, HL_E_USAGE, "%s: arguments take %llu bytes, more than the input "
		       "buffer (%llu bytes); raise --input-size", fn, (unsigned long long)need,
		       (unsigned long long)input_size);
}
