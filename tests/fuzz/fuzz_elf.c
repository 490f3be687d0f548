/* libFuzzer target: the guest ELF loader (ldr_parse, ldr_load, ldr_symbol_at) on hostile
 * files, checking what loader/loader.h promises about every guest it accepts. */
#include <string.h>

#include "common/page.h"
#include "loader/loader.h"
#include "tests/fuzz/fuzz.h"

#define ZERO_CHECK (64u << 10) /* bytes of each zero-filled tail that are checked */
/* Images are loaded only up to this end: ldr_load() zero-fills up to 64 MiB, and a few
 * inputs with a huge .bss would take most of the fuzzer's time. */
#define LOAD_MAX ((uint64_t)HL_IMAGE_BASE + (2u << 20))

/* Whether [addr, addr + n) lies in the file-backed part of an executable segment. */
static int in_code(const struct ldr_guest *g, uint64_t addr)
{
	for (size_t i = 0; i < ldr_nsegments(g); i++) {
		const struct ldr_segment *s = ldr_segment(g, i);

		if ((s->flags & LDR_X) && addr >= s->vaddr && addr - s->vaddr < s->filesz)
			return 1;
	}
	return 0;
}

static void check_segments(const struct ldr_guest *g, size_t size)
{
	uint64_t image_end = ldr_image_end(g);
	size_t n = ldr_nsegments(g);

	CHECK(n >= 1 && n <= LDR_MAX_SEGMENTS);
	CHECK(ldr_segment(g, n) == NULL);
	CHECK(image_end % HL_PAGE_SIZE == 0);
	CHECK(image_end > HL_IMAGE_BASE && image_end <= (uint64_t)HL_IMAGE_BASE + HL_IMAGE_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct ldr_segment *s = ldr_segment(g, i);

		CHECK(s->memsz > 0 && s->filesz <= s->memsz);
		CHECK(s->vaddr >= HL_IMAGE_BASE && s->memsz <= image_end - s->vaddr);
		CHECK(s->offset <= size && s->filesz <= size - s->offset);
		CHECK((s->flags & ~(LDR_R | LDR_W | LDR_X)) == 0);
		CHECK((s->flags & (LDR_W | LDR_X)) != (LDR_W | LDR_X));
		/* No two segments share a page. */
		for (size_t j = 0; j < i; j++) {
			const struct ldr_segment *t = ldr_segment(g, j);
			uint64_t s_lo = s->vaddr / HL_PAGE_SIZE;
			uint64_t s_hi = (s->vaddr + s->memsz - 1) / HL_PAGE_SIZE;
			uint64_t t_lo = t->vaddr / HL_PAGE_SIZE;
			uint64_t t_hi = (t->vaddr + t->memsz - 1) / HL_PAGE_SIZE;

			CHECK(s_hi < t_lo || t_hi < s_lo);
		}
	}
	CHECK(in_code(g, ldr_entry(g)));
}

static void check_exports(const struct ldr_guest *g)
{
	size_t n = ldr_nexports(g);

	CHECK(n >= 1 && n <= HL_MAX_EXPORTS);
	CHECK(ldr_export(g, n) == NULL);
	for (size_t i = 0; i < n; i++) {
		const struct hl_export *e = ldr_export(g, i);

		CHECK(memchr(e->name, '\0', sizeof e->name) != NULL);
		CHECK(is_ident(e->name));
		CHECK(ldr_find(g, e->name) == e); /* names are unique */
		CHECK(e->ret <= HL_T_MAX);
		CHECK(e->nparams <= HL_MAX_PARAMS);
		for (unsigned k = 0; k < e->nparams; k++)
			CHECK(e->params[k] >= 1 && e->params[k] <= HL_T_MAX);
		CHECK(in_code(g, e->fn));
	}
}

/* A symbol name, if any, is a NUL-terminated string inside the file copy g owns. */
static void check_symbol(const struct ldr_guest *g, uint64_t addr)
{
	uint64_t off = UINT64_MAX;
	const char *name = ldr_symbol_at(g, addr, &off);
	size_t len;
	const uint8_t *bytes = ldr_bytes(g, &len);

	if (name == NULL)
		return;
	CHECK((const uint8_t *)name >= bytes && (const uint8_t *)name < bytes + len);
	CHECK(memchr(name, '\0', len - (size_t)((const uint8_t *)name - bytes)) != NULL);
	CHECK(off <= addr);
	CHECK(ldr_symbol_at(g, addr, NULL) == name);
}

static void check_load(const struct ldr_guest *g, const uint8_t *data)
{
	struct hl_diag d = { 0 };
	uint64_t end = ldr_image_end(g);
	uint8_t small[16], *mem;

	/* Memory too small for the image is refused before anything is written. */
	CHECK(ldr_load(g, small, sizeof small, &d) == HL_E_INTERNAL);
	if (end > LOAD_MAX)
		return;
	mem = malloc(end);
	CHECK(mem != NULL);
	CHECK(ldr_load(g, mem, end - 1, &d) == HL_E_INTERNAL);
	CHECK(ldr_load(g, mem, end, &d) == HL_OK);
	for (size_t i = 0; i < ldr_nsegments(g); i++) {
		const struct ldr_segment *s = ldr_segment(g, i);
		uint64_t tail = s->memsz - s->filesz;

		CHECK(memcmp(mem + s->vaddr, data + s->offset, s->filesz) == 0);
		for (uint64_t k = 0; k < tail && k < ZERO_CHECK; k++)
			CHECK(mem[s->vaddr + s->filesz + k] == 0);
	}
	free(mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_diag d = { 0 };
	struct ldr_guest *g = (struct ldr_guest *)(uintptr_t)1; /* NULL after a failure */
	enum hl_err err = ldr_parse(data, size, "f.elf", &g, &d);
	const uint8_t *bytes;
	size_t len;

	if (err != HL_OK) {
		CHECK(g == NULL);
		CHECK(err == HL_E_INVALID || err == HL_E_INTERNAL);
		CHECK(d.err == err && strncmp(d.msg, "f.elf: ", 7) == 0);
		CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
		return 0;
	}
	CHECK(g != NULL);
	bytes = ldr_bytes(g, &len);
	CHECK(len == size && bytes != data && memcmp(bytes, data, size) == 0);
	check_segments(g, size);
	check_exports(g);
	check_load(g, data);

	/* Addresses a crash report might name: the edges of the image and of each segment,
	 * the entry, each handler, and one taken from the input. */
	check_symbol(g, 0);
	check_symbol(g, UINT64_MAX);
	check_symbol(g, HL_IMAGE_BASE);
	check_symbol(g, ldr_entry(g));
	check_symbol(g, ldr_image_end(g));
	for (size_t i = 0; i < ldr_nsegments(g); i++) {
		const struct ldr_segment *s = ldr_segment(g, i);

		check_symbol(g, s->vaddr);
		check_symbol(g, s->vaddr + s->memsz - 1);
		check_symbol(g, s->vaddr + s->memsz);
	}
	for (size_t i = 0; i < ldr_nexports(g); i++) {
		check_symbol(g, ldr_export(g, i)->fn);
		check_symbol(g, ldr_export(g, i)->fn + 1);
	}
	if (size >= 8) {
		uint64_t a;

		memcpy(&a, data + size - 8, sizeof a);
		check_symbol(g, a);
	}
	ldr_close(g);
	return 0;
}
