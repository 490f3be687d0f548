/* The KVM backend: device, VM, vCPU and guest memory lifetime. */
#include "kvm/kvm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define KVM_API_EXPECTED 12

static enum hl_err open_device(const char *path, int *fd, struct hl_diag *d)
{
	*fd = open(path, O_RDWR | O_CLOEXEC);
	if (*fd >= 0)
		return HL_OK;
	switch (errno) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		return hl_fail(d, HL_E_NOKVM,
			       "%s: no KVM on this host (%s); load kvm_intel or kvm_amd (kvm_pvm "
			       "on a CPU without virtualisation), or run inside a VM with nested "
			       "virtualisation", path, strerror(errno));
	case EACCES:
	case EPERM:
		return hl_fail(d, HL_E_NOKVM,
			       "%s: %s; add your user to the group that owns it (often 'kvm')",
			       path, strerror(errno));
	default:
		return hl_fail(d, HL_E_NOKVM, "%s: %s", path, strerror(errno));
	}
}

static enum hl_err check_api(struct hv_vm *vm, const char *path, struct hl_diag *d)
{
	vm->api_version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (vm->api_version < 0)
		return hl_fail(d, HL_E_NOKVM, "%s: cannot read the KVM API version: %s", path,
			       strerror(errno));
	if (vm->api_version != KVM_API_EXPECTED)
		return hl_fail(d, HL_E_NOKVM, "%s: KVM API version %d, need %d", path,
			       vm->api_version, KVM_API_EXPECTED);
	/* Registers and segment registers travel in the run area; without that, every
	 * call would cost two more system calls and every restore one more. */
	if ((ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) &
	     (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) != (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS))
		return hl_fail(d, HL_E_NOKVM, "%s: KVM lacks KVM_CAP_SYNC_REGS (Linux 4.17 or "
			       "later needed)", path);
	/* The guest's x87/SSE/AVX state travels in snapshots and restores as XSAVE data. */
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) <= 0)
		return hl_fail(d, HL_E_NOKVM, "%s: KVM lacks KVM_CAP_XSAVE", path);
	return HL_OK;
}

/* Ring 3 cannot reach an MSR (rdmsr and wrmsr fault there); where KVM offers an MSR
 * filter, even ring 0 cannot: hlrun's entry code never touches one.  KVM refuses a
 * deny-all filter without a range, so it gets one that denies MSR 0 as well.
 *
 * Installed first, before any memslot: KVM waits for an SRCU grace period after the
 * new filter, and within microseconds of the memslot changes' own grace periods SRCU
 * takes its slow path, which measured 13-22 ms (a cold run's whole cost ten times
 * over) on about half of all runs; first, it costs microseconds. */
static enum hl_err deny_msrs(struct hv_vm *vm, struct hl_diag *d)
{
	static uint8_t deny[1];
	struct kvm_msr_filter none = {
		.flags = KVM_MSR_FILTER_DEFAULT_DENY,
		.ranges = { { .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE, .nmsrs = 1,
			      .base = 0, .bitmap = deny } },
	};

	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0)
		return HL_OK;
	if (ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &none) < 0)
		return hl_fail(d, HL_E_INTERNAL, "cannot deny the guest every MSR: %s",
			       strerror(errno));
	return HL_OK;
}

enum hl_err hv_create_vm(struct hv_vm *vm, struct hl_diag *d)
{
	const char *path = vm->path;
	enum hl_err err;
	int mmap_size;

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return hl_fail(d, HL_E_NOKVM, "%s: cannot create a VM: %s", path, strerror(errno));
	err = deny_msrs(vm, d);
	if (err != HL_OK)
		return err;
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return hl_fail(d, HL_E_NOKVM, "%s: cannot create a vCPU: %s", path,
			       strerror(errno));
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < 0)
		return hl_fail(d, HL_E_INTERNAL, "%s: cannot read the size of the vCPU run area: "
			       "%s", path, strerror(errno));
	if (mmap_size < (int)sizeof(struct kvm_run))
		return hl_fail(d, HL_E_INTERNAL, "%s: bad vCPU mmap size %d", path, mmap_size);
	vm->run_size = (size_t)mmap_size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return hl_fail(d, HL_E_INTERNAL, "%s: cannot map the vCPU run area: %s", path,
			       strerror(errno));
	}
	return HL_OK;
}

enum hl_err hv_open(const char *path, struct hv_vm **out, struct hl_diag *d)
{
	struct hv_vm *vm;
	enum hl_err err;

	*out = NULL;
	if (path == NULL)
		path = "/dev/kvm";
	vm = calloc(1, sizeof *vm);
	if (vm == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	vm->vm_fd = -1;
	vm->vcpu_fd = -1;
	vm->path = path;
	err = open_device(path, &vm->kvm_fd, d);
	if (err == HL_OK)
		err = check_api(vm, path, d);
	if (err == HL_OK)
		hv_identify(vm);
	if (err != HL_OK) {
		hv_destroy(vm);
		return err;
	}
	*out = vm;
	return HL_OK;
}

void hv_destroy(struct hv_vm *vm)
{
	if (vm == NULL)
		return;
	if (vm->run != NULL)
		munmap(vm->run, vm->run_size);
	if (vm->sys != NULL)
		munmap(vm->sys, vm->sys_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm);
}

int hv_fd(const struct hv_vm *vm, enum hv_fd which)
{
	return which == HV_FD_VCPU ? vm->vcpu_fd : vm->vm_fd;
}

int hv_api_version(const struct hv_vm *vm)
{
	return vm->api_version;
}

const char *hv_describe(const struct hv_vm *vm)
{
	return vm->describe;
}

/* Asks KVM to leave the dirty log as it is when it is read, and to write-protect a page
 * again only when hv_dirty_clear() says so (KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, Linux 5.8;
 * without "initially set", every page starts clean).  Only on PVM, where it was
 * measured to pay: there a write to a page protected again exits (about 6.5 us), and
 * leaving the pages a batch call writes unprotected brings an Echo call from 52 us to
 * about 20 us.  On the test VM's nested SVM the same made each Echo call's run and
 * restore about 5 times slower (medians of five batches of 100 calls: run 1.11-1.73 ms
 * against 0.22-0.39 ms, restore 1.06-1.66 ms against 0.13-0.23 ms), so other KVMs
 * clear the log as they read it.  False where it is not used. */
static bool enable_manual_clear(struct hv_vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
				      .args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE } };
	int have;

	if (vm->kind != HV_KIND_PVM)
		return false;
	have = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	return have > 0 && (have & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE) != 0 &&
	       ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) == 0;
}

enum hl_err hv_set_memory(struct hv_vm *vm, void *host, uint64_t size, bool log_dirty,
			  struct hl_diag *d)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.flags = log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0,
		.guest_phys_addr = 0,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (size == 0 || size % HL_PAGE_SIZE != 0 || (uintptr_t)host % HL_PAGE_SIZE != 0)
		return hl_fail(d, HL_E_INTERNAL, "guest memory of %llu bytes at %p is not "
			       "page-aligned", (unsigned long long)size, host);
	if (log_dirty)
		vm->manual_clear = enable_manual_clear(vm);
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return hl_fail(d, errno == ENOMEM ? HL_E_NOKVM : HL_E_INTERNAL,
			       "cannot give the VM %llu bytes of memory: %s",
			       (unsigned long long)size, strerror(errno));
	vm->mem = host;
	vm->mem_size = size;
	return HL_OK;
}

/* Slots 0 and 1 are guest memory and ring 0's. */
#define WINDOW_SLOT 2u

enum hl_err hv_map_windows(struct hv_vm *vm, const struct hv_boot *b, struct hl_diag *d)
{
	uint64_t floor = vm->sys_gpa + vm->sys_size;

	if (b->nwindows == 0)
		return HL_OK;
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0)
		return hl_fail(d, HL_E_NOKVM, "%s: this KVM, %s, cannot map memory read-only "
			       "(no KVM_CAP_READONLY_MEM), which mapping a file needs", vm->path,
			       vm->describe);
	for (size_t i = 0; i < b->nwindows; i++) {
		const struct hv_window *w = &b->windows[i];
		struct kvm_userspace_memory_region slot = {
			.slot = WINDOW_SLOT + (uint32_t)i,
			.flags = KVM_MEM_READONLY,
			.guest_phys_addr = w->addr,
			.memory_size = w->size,
			.userspace_addr = (uint64_t)(uintptr_t)w->host,
		};

		if (w->addr < floor || w->size == 0 || w->addr % HL_PAGE_SIZE != 0 ||
		    w->size % HL_PAGE_SIZE != 0 || (uintptr_t)w->host % HL_PAGE_SIZE != 0)
			return hl_fail(d, HL_E_INTERNAL, "window %zu is malformed or lies below "
				       "ring 0's memory", i);
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
			return hl_fail(d, errno == ENOMEM ? HL_E_NOKVM : HL_E_INTERNAL,
				       "cannot give the VM %llu bytes of read-only memory at 0x%llx: "
				       "%s", (unsigned long long)w->size,
				       (unsigned long long)w->addr, strerror(errno));
	}
	return HL_OK;
}
