/* The benchmark's minimal real-mode VM: raw KVM ioctls, deliberately none of kvm/, so
 * that it measures the cost of KVM itself and not of hlrun's backend. */
#include "tests/bench/minivm.h"

#include <err.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_PAGE 4096

/* Real mode at CS:IP = 0:0, so the code's first byte is at guest physical address 0. */
static void set_real_mode(const struct minivm *m)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(m->vcpu, KVM_GET_SREGS, &sregs) != 0)
		err(1, "KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(m->vcpu, KVM_SET_SREGS, &sregs) != 0)
		err(1, "KVM_SET_SREGS");
	memset(&regs, 0, sizeof regs);
	regs.rip = 0;
	regs.rflags = 0x2; /* bit 1 is reserved and must be set */
	if (ioctl(m->vcpu, KVM_SET_REGS, &regs) != 0)
		err(1, "KVM_SET_REGS");
}

static void add_memory(struct minivm *m, const uint8_t *code, size_t len)
{
	struct kvm_userspace_memory_region slot;

	if (len > GUEST_PAGE)
		errx(1, "guest code of %zu bytes does not fit in one page", len);
	m->mem = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (m->mem == MAP_FAILED)
		err(1, "mmap guest memory");
	memcpy(m->mem, code, len);
	memset(&slot, 0, sizeof slot);
	slot.slot = 0;
	slot.guest_phys_addr = 0;
	slot.memory_size = GUEST_PAGE;
	slot.userspace_addr = (uint64_t)(uintptr_t)m->mem;
	if (ioctl(m->vm, KVM_SET_USER_MEMORY_REGION, &slot) != 0)
		err(1, "KVM_SET_USER_MEMORY_REGION");
}

void minivm_create(struct minivm *m, const uint8_t *code, size_t len)
{
	int version, size;

	m->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (m->kvm < 0)
		err(1, "/dev/kvm");
	version = ioctl(m->kvm, KVM_GET_API_VERSION, 0);
	if (version != 12)
		errx(1, "KVM_GET_API_VERSION is %d, not 12", version);
	m->vm = ioctl(m->kvm, KVM_CREATE_VM, 0);
	if (m->vm < 0)
		err(1, "KVM_CREATE_VM");
	add_memory(m, code, len);
	m->vcpu = ioctl(m->vm, KVM_CREATE_VCPU, 0);
	if (m->vcpu < 0)
		err(1, "KVM_CREATE_VCPU");
	size = ioctl(m->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0 || (size_t)size < sizeof *m->run)
		errx(1, "KVM_GET_VCPU_MMAP_SIZE is %d, below the %zu bytes of kvm_run", size,
		     sizeof *m->run);
	m->run_size = (size_t)size;
	m->run = mmap(NULL, m->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->vcpu, 0);
	if (m->run == MAP_FAILED)
		err(1, "mmap kvm_run");
	set_real_mode(m);
}

void minivm_run(struct minivm *m)
{
	if (ioctl(m->vcpu, KVM_RUN, 0) != 0)
		err(1, "KVM_RUN");
}

uint8_t minivm_out_byte(const struct minivm *m, uint16_t *port)
{
	const struct kvm_run *r = m->run;

	if (r->exit_reason != KVM_EXIT_IO)
		errx(1, "unexpected exit reason %u (wanted KVM_EXIT_IO)", r->exit_reason);
	if (r->io.direction != KVM_EXIT_IO_OUT || r->io.size != 1 || r->io.count != 1)
		errx(1, "unexpected port access: direction %u, size %u, count %u",
		     r->io.direction, r->io.size, r->io.count);
	if (r->io.data_offset >= m->run_size)
		errx(1, "port data offset %llu outside kvm_run (%zu bytes)",
		     (unsigned long long)r->io.data_offset, m->run_size);
	*port = r->io.port;
	return ((const uint8_t *)r)[r->io.data_offset];
}

void minivm_destroy(struct minivm *m)
{
	munmap(m->run, m->run_size);
	close(m->vcpu);
	close(m->vm);
	munmap(m->mem, GUEST_PAGE);
	close(m->kvm);
}
