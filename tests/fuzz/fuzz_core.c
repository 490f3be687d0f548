/* libFuzzer target: the core writer (sbx_core_write), whose inputs the guest controls: its
 * memory, its registers, the layout its ELF and sizes make, the function name and the
 * guest's file name.  Each input becomes such a sandbox; the core file written for it must
 * be an ELF core that says exactly that: every region's bytes at its address (zero pages
 * as holes), the registers, the names cut to their fields. */
#include <elf.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/procfs.h>
#include <sys/reg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "tests/fuzz/fuzz.h"

#define MEM_PAGES 64
#define MAX_REGIONS 8
#define NAME_MAX_LEN 40

/* Reads the input front to back; past its end, every byte is 0. */
struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t byte(struct input *in)
{
	uint8_t b = 0;

	if (in->n > 0) {
		b = *in->p++;
		in->n--;
	}
	return b;
}

static uint64_t word(struct input *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)byte(in) << (8 * i);
	return v;
}

/* A string of up to max bytes, without NUL, into buf (max + 1 bytes). */
static void text(struct input *in, char *buf, size_t max)
{
	size_t len = byte(in) % (max + 1), i;

	for (i = 0; i < len; i++)
		buf[i] = (char)(byte(in) | 1);
	buf[i] = '\0';
}

/* Regions in order, each 1 to 4 pages after a gap of 0 to 3, inside MEM_PAGES pages. */
static void layout(struct input *in, struct sbx_layout *l)
{
	size_t want = byte(in) % MAX_REGIONS + 1;
	uint64_t page = 0;

	while (l->nregions < want) {
		uint64_t gap = byte(in) % 4, pages = byte(in) % 4 + 1;
		uint8_t flags = byte(in);

		if (page + gap + pages > MEM_PAGES)
			break;
		l->regions[l->nregions++] = (struct hv_region){
			(page + gap) * HL_PAGE_SIZE, pages * HL_PAGE_SIZE,
			(flags & 1 ? HV_MAP_WRITE : 0) | (flags & 2 ? HV_MAP_EXEC : 0)
		};
		page += gap + pages;
	}
	l->mem_size = MEM_PAGES * HL_PAGE_SIZE;
}

/* Scatters the rest of the input over memory, a few bytes a page, so that most pages
 * stay zero. */
static void scatter(struct input *in, uint8_t *mem)
{
	while (in->n >= 3) {
		uint64_t at = (uint64_t)byte(in) % MEM_PAGES * HL_PAGE_SIZE +
			      (uint64_t)byte(in) * 16;

		mem[at] = byte(in);
	}
}

static void check_notes(const uint8_t *f, size_t len, const Elf64_Phdr *ph,
			const struct hv_regs *r, const char *name, const char *phase)
{
	const uint8_t *p = f + ph->p_offset;
	struct elf_prstatus st;
	struct elf_prpsinfo info;
	const unsigned long long *g = (const unsigned long long *)st.pr_reg;
	Elf64_Nhdr h;

	CHECK(ph->p_offset <= len && ph->p_filesz <= len - ph->p_offset);
	CHECK(ph->p_filesz == 2 * (sizeof h + 8) + sizeof st + sizeof info);
	memcpy(&h, p, sizeof h);
	CHECK(h.n_namesz == 5 && h.n_type == NT_PRSTATUS && h.n_descsz == sizeof st);
	CHECK(memcmp(p + sizeof h, "CORE", 5) == 0);
	memcpy(&st, p + sizeof h + 8, sizeof st);
	CHECK(g[RIP] == r->rip && g[RSP] == r->rsp && g[RAX] == r->rax && g[R15] == r->r15 &&
	      g[EFLAGS] == r->rflags && g[RDI] == r->rdi && g[RBP] == r->rbp);
	p += sizeof h + 8 + sizeof st;
	memcpy(&h, p, sizeof h);
	CHECK(h.n_namesz == 5 && h.n_type == NT_PRPSINFO && h.n_descsz == sizeof info);
	memcpy(&info, p + sizeof h + 8, sizeof info);
	CHECK(strncmp(info.pr_fname, name, sizeof info.pr_fname) == 0);
	CHECK(info.pr_psargs[sizeof info.pr_psargs - 1] == '\0');
	CHECK(strncmp(info.pr_psargs, phase, sizeof info.pr_psargs - 1) == 0);
}

/* The file at f says what s is, with registers r. */
static void check_core(const uint8_t *f, size_t len, const struct sbx *s,
		       const struct hv_regs *r)
{
	const struct sbx_layout *l = &s->layout;
	uint64_t end = 0;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	CHECK(len >= sizeof eh);
	memcpy(&eh, f, sizeof eh);
	CHECK(memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 && eh.e_ident[EI_CLASS] == ELFCLASS64);
	CHECK(eh.e_type == ET_CORE && eh.e_machine == EM_X86_64);
	CHECK(eh.e_phnum == 1 + l->nregions && eh.e_phentsize == sizeof ph);
	CHECK(eh.e_phoff + (uint64_t)eh.e_phnum * sizeof ph <= len);
	memcpy(&ph, f + eh.e_phoff, sizeof ph);
	CHECK(ph.p_type == PT_NOTE);
	check_notes(f, len, &ph, r, s->cfg.core_name, s->phase);
	end = ph.p_offset + ph.p_filesz;
	for (size_t i = 0; i < l->nregions; i++) {
		const struct hv_region *rg = &l->regions[i];

		memcpy(&ph, f + eh.e_phoff + (1 + i) * sizeof ph, sizeof ph);
		CHECK(ph.p_type == PT_LOAD && ph.p_vaddr == rg->addr && ph.p_paddr == rg->addr);
		CHECK(ph.p_filesz == rg->size && ph.p_memsz == rg->size);
		CHECK(ph.p_offset % HL_PAGE_SIZE == 0 && ph.p_offset >= end);
		CHECK(ph.p_offset <= len && ph.p_filesz <= len - ph.p_offset);
		CHECK(((ph.p_flags & PF_W) != 0) == ((rg->flags & HV_MAP_WRITE) != 0));
		CHECK(((ph.p_flags & PF_X) != 0) == ((rg->flags & HV_MAP_EXEC) != 0));
		CHECK(memcmp(f + ph.p_offset, s->mem + rg->addr, rg->size) == 0);
		end = ph.p_offset + ph.p_filesz;
	}
	CHECK(end <= len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t mem[MEM_PAGES * HL_PAGE_SIZE];
	static struct sbx s;
	char name[NAME_MAX_LEN + 1], phase[2 * NAME_MAX_LEN + 1];
	struct input in = { data, size };
	uint64_t words[sizeof(struct hv_regs) / 8];
	struct hv_regs r;
	struct stat st;
	uint8_t *f;
	int fd;

	memset(&s, 0, sizeof s);
	memset(mem, 0, sizeof mem);
	layout(&in, &s.layout);
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		words[i] = word(&in);
	memcpy(&r, words, sizeof r);
	text(&in, name, NAME_MAX_LEN);
	text(&in, phase, 2 * NAME_MAX_LEN);
	scatter(&in, mem);
	s.mem = mem;
	s.cfg.core_name = name;
	s.phase = phase;
	fd = memfd_create("fuzz-core", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(sbx_core_write(&s, fd, &r) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size > 0);
	f = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(f != MAP_FAILED);
	check_core(f, (size_t)st.st_size, &s, &r);
	munmap(f, (size_t)st.st_size);
	close(fd);
	return 0;
}
