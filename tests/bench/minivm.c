/* The benchmark's minimal ring-3 VM: raw KVM ioctls, deliberately none of kvm/, so that it
 * measures the cost of KVM itself and not of hlrun's backend. */
#include "tests/bench/minivm.h"

#include <err.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MINIVM_MEM (2u << 20)
/* Guest-physical (= virtual) layout inside the one 2 MiB page. */
#define GDT 0x1000u
#define PML4 0x2000u
#define PDPT 0x3000u
#define PD 0x4000u
#define CODE 0x5000u
#define TSS 0x6000u       /* 104 bytes and the 8 KiB bitmap of every port */
#define STACK_TOP 0xa000u
#define CPUID_MAX 256

static void set_cpuid(const struct minivm *m)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof *c + CPUID_MAX * sizeof c->entries[0]);

	if (c == NULL)
		err(1, "calloc");
	c->nent = CPUID_MAX;
	if (ioctl(m->kvm, KVM_GET_SUPPORTED_CPUID, c) != 0)
		err(1, "KVM_GET_SUPPORTED_CPUID");
	if (ioctl(m->vcpu, KVM_SET_CPUID2, c) != 0)
		err(1, "KVM_SET_CPUID2");
	free(c);
}

/* One user 2 MiB page mapping guest-physical 0; a GDT with ring 3's code and data and a
 * TSS whose bitmap opens MINIVM_PORT alone. */
static void write_tables(uint8_t *mem)
{
	uint64_t *gdt = (uint64_t *)(void *)(mem + GDT);
	uint8_t *tss = mem + TSS;
	const uint64_t tss_limit = 0x68 + 8192;

	((uint64_t *)(void *)(mem + PML4))[0] = PDPT | 0x7;
	((uint64_t *)(void *)(mem + PDPT))[0] = PD | 0x7;
	((uint64_t *)(void *)(mem + PD))[0] = 0x87; /* present, writable, user, 2 MiB */
	gdt[3] = 0x00cff3000000ffffull;                /* 0x18: data, DPL 3 */
	gdt[4] = 0x00affb000000ffffull;                /* 0x20: 64-bit code, DPL 3 */
	gdt[5] = tss_limit | ((uint64_t)TSS << 16) | (0x8bull << 40);
	tss[0x66] = 0x68;
	memset(tss + 0x68, 0xff, 8193);
	tss[0x68 + MINIVM_PORT / 8] &= (uint8_t)~(1u << (MINIVM_PORT % 8));
}

static void enter_ring3(const struct minivm *m, int amd)
{
	struct kvm_segment code = { .limit = 0xffffffff, .selector = 0x23, .type = 11,
				    .present = 1, .dpl = 3, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment data = { .limit = 0xffffffff, .selector = 0x1b, .type = 3,
				    .present = 1, .dpl = 3, .db = 1, .s = 1, .g = 1 };
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = CODE, .rsp = STACK_TOP, .rflags = 2 };

	if (ioctl(m->vcpu, KVM_GET_SREGS, &s) != 0)
		err(1, "KVM_GET_SREGS");
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	/* QEMU's SVM (the test VM) checks port permissions only for an "available" TSS. */
	s.tr = (struct kvm_segment){ .base = TSS, .limit = 0x68 + 8192, .selector = 0x28,
				     .type = amd ? 9 : 11, .present = 1 };
	s.gdt = (struct kvm_dtable){ .base = GDT, .limit = 0x37 };
	s.cr0 = 0x80010033; /* PG, WP, NE, ET, MP, PE */
	s.cr3 = PML4;
	s.cr4 = 0x620;      /* OSXMMEXCPT, OSFXSR, PAE */
	s.efer = 0xd00;     /* NXE, LMA, LME */
	if (ioctl(m->vcpu, KVM_SET_SREGS, &s) != 0)
		err(1, "KVM_SET_SREGS");
	if (ioctl(m->vcpu, KVM_SET_REGS, &r) != 0)
		err(1, "KVM_SET_REGS");
}

void minivm_create(struct minivm *m, const uint8_t *code, size_t len)
{
	struct kvm_userspace_memory_region slot = { .memory_size = MINIVM_MEM };
	int version, size;

	if (len > 4096)
		errx(1, "guest code of %zu bytes does not fit in one page", len);
	m->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (m->kvm < 0)
		err(1, "/dev/kvm");
	version = ioctl(m->kvm, KVM_GET_API_VERSION, 0);
	if (version != 12)
		errx(1, "KVM_GET_API_VERSION is %d, not 12", version);
	m->vm = ioctl(m->kvm, KVM_CREATE_VM, 0);
	if (m->vm < 0)
		err(1, "KVM_CREATE_VM");
	m->mem = mmap(NULL, MINIVM_MEM, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->mem == MAP_FAILED)
		err(1, "mmap guest memory");
	write_tables(m->mem);
	memcpy(m->mem + CODE, code, len);
	slot.userspace_addr = (uint64_t)(uintptr_t)m->mem;
	if (ioctl(m->vm, KVM_SET_USER_MEMORY_REGION, &slot) != 0)
		err(1, "KVM_SET_USER_MEMORY_REGION");
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
	set_cpuid(m);
	enter_ring3(m, access("/sys/module/kvm_amd", F_OK) == 0);
}

void minivm_run(struct minivm *m)
{
	if (ioctl(m->vcpu, KVM_RUN, 0) != 0)
		err(1, "KVM_RUN");
}

uint8_t minivm_out_byte(const struct minivm *m)
{
	const struct kvm_run *r = m->run;

	if (r->exit_reason != KVM_EXIT_IO)
		errx(1, "unexpected exit reason %u (wanted KVM_EXIT_IO)", r->exit_reason);
	if (r->io.direction != KVM_EXIT_IO_OUT || r->io.size != 1 || r->io.count != 1 ||
	    r->io.port != MINIVM_PORT)
		errx(1, "unexpected port access: port 0x%x, direction %u, size %u, count %u",
		     r->io.port, r->io.direction, r->io.size, r->io.count);
	if (r->io.data_offset >= m->run_size)
		errx(1, "port data offset %llu outside kvm_run (%zu bytes)",
		     (unsigned long long)r->io.data_offset, m->run_size);
	return ((const uint8_t *)r)[r->io.data_offset];
}

void minivm_destroy(struct minivm *m)
{
	munmap(m->run, m->run_size);
	close(m->vcpu);
	close(m->vm);
	munmap(m->mem, MINIVM_MEM);
	close(m->kvm);
}
