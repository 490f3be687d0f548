/* Crash dumps (--core): an ELF core file of the guest, its pages and its registers where
 * it stopped, which gdb opens beside the guest's ELF.  The file is prepared before
 * confinement (core/snapshot_write.c's helper) and published only where no file of its
 * name is, once per sandbox. */
#include "core/core_internal.h"
#include "core/snapshot_internal.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/reg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/page.h"

/* The notes, each a header, its name "CORE" padded to 8 bytes and its descriptor: the
 * registers (NT_PRSTATUS), and what ran (NT_PRPSINFO). */
#define NOTE_HEAD (sizeof(Elf64_Nhdr) + 8)
#define NOTES_SIZE (2 * NOTE_HEAD + sizeof(struct elf_prstatus) + sizeof(struct elf_prpsinfo))

_Static_assert(sizeof(struct elf_prstatus) % 4 == 0 && sizeof(struct elf_prpsinfo) % 4 == 0,
	       "notes stay 4-byte aligned");

/* One note into p; returns the bytes it took. */
static size_t put_note(uint8_t *p, uint32_t type, const void *desc, size_t len)
{
	Elf64_Nhdr h = { 5, (Elf64_Word)len, type };

	memcpy(p, &h, sizeof h);
	memcpy(p + sizeof h, "CORE\0\0\0", 8);
	memcpy(p + NOTE_HEAD, desc, len);
	return NOTE_HEAD + len;
}

static void fill_notes(const struct sbx *s, const struct hv_regs *r, uint8_t *notes)
{
	struct elf_prstatus st;
	struct elf_prpsinfo info;
	unsigned long long *g = (unsigned long long *)st.pr_reg;

	memset(&st, 0, sizeof st);
	memset(&info, 0, sizeof info);
	st.pr_pid = 1;
	g[R15] = r->r15, g[R14] = r->r14, g[R13] = r->r13, g[R12] = r->r12;
	g[RBP] = r->rbp, g[RBX] = r->rbx, g[R11] = r->r11, g[R10] = r->r10;
	g[R9] = r->r9, g[R8] = r->r8, g[RAX] = r->rax, g[RCX] = r->rcx, g[RDX] = r->rdx;
	g[RSI] = r->rsi, g[RDI] = r->rdi, g[ORIG_RAX] = ~0ull, g[RIP] = r->rip;
	g[EFLAGS] = r->rflags, g[RSP] = r->rsp;
	info.pr_pid = 1;
	info.pr_sname = 'R';
	/* gdb holds the program name against the ELF's file name (up to 16 bytes: unlike a
	 * C string, the field need not end in NUL); the command it shows is the phase,
	 * "init" or the function. */
	if (s->cfg.core_name != NULL)
		memcpy(info.pr_fname, s->cfg.core_name,
		       strnlen(s->cfg.core_name, sizeof info.pr_fname));
	snprintf(info.pr_psargs, sizeof info.pr_psargs, "%s", s->phase);
	notes += put_note(notes, NT_PRSTATUS, &st, sizeof st);
	put_note(notes, NT_PRPSINFO, &info, sizeof info);
}

/* Writes n bytes at off (lseek and write: the second seccomp stage has no pwrite); 0 or
 * an errno. */
static int put(int fd, const void *p, size_t n, uint64_t off)
{
	const uint8_t *b = p;

	if (lseek(fd, (off_t)off, SEEK_SET) < 0)
		return errno;
	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static bool zero_page(const uint8_t *p)
{
	static const uint8_t zero[HL_PAGE_SIZE];

	return memcmp(p, zero, HL_PAGE_SIZE) == 0;
}

/* A region's pages at off, all but the zero ones, which stay holes of the file. */
static int put_region(int fd, const uint8_t *mem, const struct hv_region *rg, uint64_t off)
{
	int e = 0;

	for (uint64_t p = 0; p < rg->size && e == 0; p += HL_PAGE_SIZE)
		if (!zero_page(mem + rg->addr + p))
			e = put(fd, mem + rg->addr + p, HL_PAGE_SIZE, off + p);
	return e;
}

int sbx_core_write(const struct sbx *s, int fd, const struct hv_regs *r)
{
	const struct sbx_layout *l = &s->layout;
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT, ELFOSABI_NONE },
		.e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
		.e_phoff = sizeof eh, .e_ehsize = sizeof eh, .e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = (Elf64_Half)(1 + l->nregions),
	};
	uint64_t notes_off = sizeof eh + (1 + l->nregions) * sizeof(Elf64_Phdr);
	uint64_t off = hl_page_up(notes_off + NOTES_SIZE);
	Elf64_Phdr ph = { .p_type = PT_NOTE, .p_offset = notes_off, .p_filesz = NOTES_SIZE,
			  .p_align = 4 };
	uint8_t notes[NOTES_SIZE];
	struct stat st;
	int e = put(fd, &eh, sizeof eh, 0);

	fill_notes(s, r, notes);
	if (e == 0)
		e = put(fd, &ph, sizeof ph, sizeof eh);
	for (size_t i = 0; i < l->nregions && e == 0; i++) {
		const struct hv_region *rg = &l->regions[i];

		ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = off, .p_vaddr = rg->addr,
				   .p_paddr = rg->addr, .p_filesz = rg->size,
				   .p_memsz = rg->size, .p_align = HL_PAGE_SIZE,
				   .p_flags = PF_R | (rg->flags & HV_MAP_WRITE ? PF_W : 0) |
					      (rg->flags & HV_MAP_EXEC ? PF_X : 0) };
		e = put(fd, &ph, sizeof ph, sizeof eh + (1 + i) * sizeof ph);
		if (e == 0)
			e = put_region(fd, s->mem, rg, off);
		off += rg->size;
	}
	if (e == 0)
		e = put(fd, notes, sizeof notes, notes_off);
	/* The file's length covers the last region, holes included. */
	if (e == 0 && fstat(fd, &st) != 0)
		e = errno;
	if (e == 0 && (uint64_t)st.st_size < off)
		e = put(fd, "", 1, off - 1);
	if (e == 0 && fsync(fd) != 0)
		e = errno;
	return e;
}

enum hl_err sbx_core_prepare(struct sbx *s, struct hl_diag *d)
{
	return snap_out_open(s->cfg.core_path, "core file", true, &s->core_out, d);
}

void sbx_core_close(struct sbx *s)
{
	snap_out_close(s->core_out);
	s->core_out = NULL;
}

void sbx_dump_core(struct sbx *s, const struct hv_regs *r, struct hl_diag *d)
{
	struct hl_diag pd = { 0 };
	size_t n;
	int e;

	if (s->core_out == NULL)
		return;
	e = r != NULL ? sbx_core_write(s, snap_out_fd(s->core_out), r) : EIO;
	n = strnlen(d->msg, sizeof d->msg);
	if (e == 0 && snap_out_publish(s->core_out, &pd) == HL_OK)
		snprintf(d->msg + n, sizeof d->msg - n, "; core dumped to %s", s->cfg.core_path);
	else
		snprintf(d->msg + n, sizeof d->msg - n, "; no core file: %s",
			 e != 0 ? strerror(e) : pd.msg);
	sbx_core_close(s);
}
