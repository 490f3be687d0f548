/* The KVM backend: the CPU the guest sees, and which KVM this is.  The vCPU's CPUID table
 * is what KVM supports minus what a guest without a kernel, in ring 3, has no use for;
 * XCR0 enables the x87, SSE, AVX and AVX-512 state that KVM offers.  PVM's table hides
 * extensions that run all the same, so guests are built for a fixed instruction set
 * instead of probing CPUID (hlrun-guest(7), CPU). */
#include "kvm/kvm_internal.h"

#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define CPUID_MAX 512

#define LEAF1_ECX_XSAVE (1u << 26)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define XCR0_X87_SSE 0x3ull
#define XCR0_AVX 0x4ull
#define XCR0_AVX512 0xe0ull /* opmask, ZMM_Hi256, Hi16_ZMM: all or none */
/* KVM's own paravirtual leaves: for a guest kernel, which there is none of. */
#define LEAF_KVM_FIRST 0x40000000u
#define LEAF_KVM_LAST 0x400000ffu

/* Features that only a kernel could use, or that would promise what the vCPU lacks:
 * virtualisation extensions, MONITOR/MWAIT, the x2APIC and its TSC deadline timer (there
 * is no APIC).  All are ECX bits. */
static const struct {
	uint32_t function;
	uint32_t ecx;
} hidden[] = {
	{ 1, (1u << 3) | (1u << 5) | (1u << 6) | (1u << 21) | (1u << 24) },
	{ 0x80000001u, 1u << 2 },
};

struct cpuid_table {
	struct kvm_cpuid2 head;
	struct kvm_cpuid_entry2 entries[CPUID_MAX];
};

static struct kvm_cpuid_entry2 *find(struct cpuid_table *t, uint32_t function,
				     uint32_t index)
{
	for (uint32_t i = 0; i < t->head.nent; i++)
		if (t->entries[i].function == function && t->entries[i].index == index)
			return &t->entries[i];
	return NULL;
}

/* Drops KVM's leaves and hides the features above. */
static void filter(struct cpuid_table *t)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->head.nent; i++) {
		uint32_t f = t->entries[i].function;

		if (f < LEAF_KVM_FIRST || f > LEAF_KVM_LAST)
			t->entries[n++] = t->entries[i];
	}
	t->head.nent = n;
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
		struct kvm_cpuid_entry2 *e = find(t, hidden[i].function, 0);

		if (e != NULL)
			e->ecx &= ~hidden[i].ecx;
	}
}

/* The XSAVE features KVM supports (leaf 0xd, which PVM lists although it hides XSAVE
 * itself), and the XCR0 enabling those a guest may use where XSAVE is offered. */
static void choose_xcr0(struct hv_vm *vm, struct cpuid_table *t)
{
	struct kvm_cpuid_entry2 *one = find(t, 1, 0), *xs = find(t, 0xd, 0);

	vm->xcr0 = 0;
	vm->xfeatures = xs != NULL ? (xs->eax | (uint64_t)xs->edx << 32) : XCR0_X87_SSE;
	vm->xfeatures |= XCR0_X87_SSE;
	if (one == NULL || !(one->ecx & LEAF1_ECX_XSAVE) || xs == NULL)
		return;
	vm->xcr0 = XCR0_X87_SSE;
	if (vm->xfeatures & XCR0_AVX)
		vm->xcr0 |= XCR0_AVX;
	if ((vm->xcr0 & XCR0_AVX) && (vm->xfeatures & XCR0_AVX512) == XCR0_AVX512)
		vm->xcr0 |= XCR0_AVX512;
}

enum hl_err hv_cpu_setup(struct hv_vm *vm, struct hl_diag *d)
{
	struct cpuid_table *t = calloc(1, sizeof *t);
	enum hl_err err = HL_OK;

	if (t == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	t->head.nent = CPUID_MAX;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, t) < 0)
		err = hl_fail(d, HL_E_NOKVM, "%s: cannot read the CPUID KVM supports: %s",
			      vm->path, strerror(errno));
	if (err == HL_OK) {
		filter(t);
		choose_xcr0(vm, t);
		if (ioctl(vm->vcpu_fd, KVM_SET_CPUID2, t) < 0)
			err = hl_fail(d, HL_E_NOKVM, "%s: KVM refuses the vCPU's CPUID table: %s",
				      vm->path, strerror(errno));
	}
	free(t);
	return err;
}

void hv_identify(struct hv_vm *vm)
{
	static const struct {
		const char *module;
		const char *name;
		enum hv_kind kind;
	} kinds[] = {
		{ "kvm_pvm", "PVM", HV_KIND_PVM },
		{ "kvm_intel", "Intel VMX", HV_KIND_VMX },
		{ "kvm_amd", "AMD SVM", HV_KIND_SVM },
	};
	unsigned a, b, c = 0, dx;
	const char *inside = "";
	char path[64];

	if (__get_cpuid(1, &a, &b, &c, &dx) && (c & LEAF1_ECX_HYPERVISOR))
		inside = ", inside a virtual machine";
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		snprintf(path, sizeof path, "/sys/module/%s", kinds[i].module);
		if (access(path, F_OK) == 0) {
			vm->kind = kinds[i].kind;
			snprintf(vm->describe, sizeof vm->describe, "%s (%s)%s", kinds[i].name,
				 kinds[i].module, inside);
			return;
		}
	}
	vm->kind = HV_KIND_UNKNOWN;
	snprintf(vm->describe, sizeof vm->describe, "a KVM of unknown kind%s", inside);
}
