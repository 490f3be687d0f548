/* The guest loader: the hlrun ABI note and the table of exported functions. */
#include "loader/loader_internal.h"
#include "guests/include/hlwire.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct hl_export) == 80, "struct hl_export is part of the ABI");

#define NOTE_HDR 12 /* namesz, descsz, type */

static uint64_t align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/* The host is x86-64 like the file: words read as they are stored. */
static uint32_t word(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

/* Walks the notes of one PT_NOTE; sets *desc and *descsz at the hlrun ABI note. */
static enum hl_err scan_notes(struct ldr_ctx *c, const struct ldr_note_range *r,
			      const uint8_t **desc, uint32_t *descsz)
{
	const uint8_t *b = c->g->bytes + r->offset;
	uint64_t pos = 0;

	while (pos < r->size) {
		uint64_t left = r->size - pos;
		uint32_t namesz, dsz;
		uint64_t doff, next;

		if (left < NOTE_HDR)
			return ldr_fail(c, "note segment %zu: truncated note header at offset %#"
					PRIx64, r->index, r->offset + pos);
		namesz = word(b + pos);
		dsz = word(b + pos + 4);
		/* 32-bit sizes in 64-bit sums: no overflow. */
		doff = align_up(NOTE_HDR + (uint64_t)namesz, r->align);
		next = align_up(doff + dsz, r->align);
		if (next > left)
			return ldr_fail(c, "note segment %zu: note at offset %#" PRIx64
					" (name size %" PRIu32 ", descriptor size %" PRIu32
					") extends beyond the segment", r->index, r->offset + pos,
					namesz, dsz);
		if (namesz == sizeof HL_NOTE_NAME && word(b + pos + 8) == HL_NOTE_ABI &&
		    memcmp(b + pos + NOTE_HDR, HL_NOTE_NAME, sizeof HL_NOTE_NAME) == 0) {
			if (*desc != NULL)
				return ldr_fail(c, "more than one hlrun ABI note");
			*desc = b + pos + doff;
			*descsz = dsz;
		}
		pos += next;
	}
	return HL_OK;
}

enum hl_err ldr_check_note(struct ldr_ctx *c)
{
	const uint8_t *desc = NULL;
	uint32_t descsz = 0;
	enum hl_err err = HL_OK;

	for (size_t i = 0; i < c->nnotes && err == HL_OK; i++)
		err = scan_notes(c, &c->notes[i], &desc, &descsz);
	if (err != HL_OK)
		return err;
	if (desc == NULL)
		return ldr_fail(c, "not an hlrun guest (no hlrun ABI note)");
	if (descsz != sizeof(uint32_t))
		return ldr_fail(c, "hlrun ABI note has a %" PRIu32 "-byte descriptor, expected %zu",
				descsz, sizeof(uint32_t));
	if (word(desc) < HL_ABI_VERSION)
		return ldr_fail(c, "built for hlrun ABI version %" PRIu32 ", this hlrun runs "
				"version %u: rebuild the guest against the current SDK",
				word(desc), HL_ABI_VERSION);
	if (word(desc) > HL_ABI_VERSION)
		return ldr_fail(c, "built for hlrun ABI version %" PRIu32 ", newer than this "
				"hlrun's (version %u): run it with a newer hlrun", word(desc),
				HL_ABI_VERSION);
	return HL_OK;
}

/* The table is read where the guest reads it: its file bytes must be what a read-only
 * segment puts at its address. */
static enum hl_err check_placement(struct ldr_ctx *c)
{
	const GElf_Shdr *sh = &c->exports;
	uint64_t end;
	int overflow = __builtin_add_overflow(sh->sh_addr, sh->sh_size, &end);

	for (size_t j = 0; j < c->g->nseg; j++) {
		const struct ldr_segment *s = &c->g->seg[j];
		uint64_t want;

		if (overflow || sh->sh_addr < s->vaddr || end - s->vaddr > s->filesz)
			continue;
		if (s->flags & LDR_W)
			return ldr_fail(c, "section %s lies in writable segment %zu",
					HL_EXPORTS_SECTION, c->seg_phdr[j]);
		want = s->offset + (sh->sh_addr - s->vaddr);
		if (sh->sh_offset != want)
			return ldr_fail(c, "section %s at %#" PRIx64 " has file offset %#" PRIx64
					", but segment %zu holds that address at file offset %#"
					PRIx64, HL_EXPORTS_SECTION, sh->sh_addr, sh->sh_offset,
					c->seg_phdr[j], want);
		return HL_OK;
	}
	return ldr_fail(c, "section %s [%#" PRIx64 ", +%#" PRIx64 ") is not inside the "
			"file-backed part of a segment", HL_EXPORTS_SECTION, sh->sh_addr,
			sh->sh_size);
}

/* Export i's name: a NUL-padded identifier, unique among exports 0..i. */
static enum hl_err check_name(struct ldr_ctx *c, size_t i)
{
	const struct hl_export *e = &c->g->exports[i];
	const char *nul = memchr(e->name, '\0', HL_NAME_MAX);
	size_t len;

	if (nul == NULL)
		return ldr_fail(c, "export %zu: name is not NUL-terminated within %d bytes", i,
				HL_NAME_MAX);
	len = (size_t)(nul - e->name);
	if (len == 0)
		return ldr_fail(c, "export %zu: empty name", i);
	for (size_t k = 0; k < len; k++)
		if (!hlw_ident_char((uint8_t)e->name[k], k))
			return ldr_fail(c, "export %zu: invalid character 0x%02x at position "
					"%zu of its name (after \"%.*s\")", i,
					(unsigned char)e->name[k], k, (int)k, e->name);
	for (size_t k = len; k < HL_NAME_MAX; k++)
		if (e->name[k] != '\0')
			return ldr_fail(c, "export %zu (%s): nonzero bytes after the name", i,
					e->name);
	for (size_t j = 0; j < i; j++)
		if (strcmp(c->g->exports[j].name, e->name) == 0)
			return ldr_fail(c, "export %zu (%s) duplicates export %zu", i, e->name, j);
	return HL_OK;
}

/* Export i's types, reserved bytes and handler address; its name is already checked. */
static enum hl_err check_signature(struct ldr_ctx *c, size_t i)
{
	const struct hl_export *e = &c->g->exports[i];

	if (e->ret > HL_T_MAX)
		return ldr_fail(c, "export %zu (%s): bad return type %u", i, e->name, e->ret);
	if (e->nparams > HL_MAX_PARAMS)
		return ldr_fail(c, "export %zu (%s): %u parameters, at most %d", i, e->name,
				e->nparams, HL_MAX_PARAMS);
	for (size_t k = 0; k < HL_MAX_PARAMS; k++) {
		unsigned t = e->params[k];

		if (k < e->nparams && t == HL_T_VOID)
			return ldr_fail(c, "export %zu (%s): parameter %zu has type void", i,
					e->name, k);
		if (k < e->nparams && t > HL_T_MAX)
			return ldr_fail(c, "export %zu (%s): parameter %zu has bad type %u", i,
					e->name, k, t);
		if (k >= e->nparams && t != 0)
			return ldr_fail(c, "export %zu (%s): unused parameter slot %zu is not zero",
					i, e->name, k);
	}
	if (e->reserved[0] != 0 || e->reserved[1] != 0)
		return ldr_fail(c, "export %zu (%s): reserved bytes are not zero", i, e->name);
	for (size_t j = 0; j < c->g->nseg; j++) {
		const struct ldr_segment *s = &c->g->seg[j];

		if ((s->flags & LDR_X) && e->fn >= s->vaddr && e->fn - s->vaddr < s->filesz)
			return HL_OK;
	}
	return ldr_fail(c, "export %zu (%s): function address %#" PRIx64 " is not in the "
			"file-backed part of an executable segment", i, e->name, e->fn);
}

enum hl_err ldr_check_exports(struct ldr_ctx *c)
{
	const GElf_Shdr *sh = &c->exports;
	enum hl_err err;
	size_t n;

	if (!c->have_exports)
		return ldr_fail(c, "no exported functions (no %s section)", HL_EXPORTS_SECTION);
	if (sh->sh_type != SHT_PROGBITS)
		return ldr_fail(c, "section %s has type %" PRIu32 ", not SHT_PROGBITS",
				HL_EXPORTS_SECTION, sh->sh_type);
	if (sh->sh_size == 0 || sh->sh_size % sizeof(struct hl_export) != 0)
		return ldr_fail(c, "section %s is %" PRIu64 " bytes, not a non-zero multiple of "
				"%zu", HL_EXPORTS_SECTION, sh->sh_size, sizeof(struct hl_export));
	if (sh->sh_size / sizeof(struct hl_export) > HL_MAX_EXPORTS)
		return ldr_fail(c, "too many exported functions (%" PRIu64 ", at most %d)",
				sh->sh_size / sizeof(struct hl_export), HL_MAX_EXPORTS);
	err = check_placement(c);
	if (err != HL_OK)
		return err;
	n = (size_t)(sh->sh_size / sizeof(struct hl_export));
	c->g->exports = malloc(n * sizeof(struct hl_export));
	if (c->g->exports == NULL)
		return hl_fail(c->d, HL_E_INTERNAL, "%s: out of memory", c->name);
	/* In the file: a PROGBITS section, range checked by ldr_check_sections(). */
	memcpy(c->g->exports, c->g->bytes + sh->sh_offset, n * sizeof(struct hl_export));
	for (size_t i = 0; i < n && err == HL_OK; i++) {
		err = check_name(c, i);
		if (err == HL_OK)
			err = check_signature(c, i);
	}
	if (err == HL_OK)
		c->g->nexports = n;
	return err;
}
