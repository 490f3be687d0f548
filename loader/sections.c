/* The guest loader: section headers, their names and ranges, and the symbol table. */
#include "loader/loader_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Reads the header of section ndx into *sh. */
static enum hl_err get_shdr(struct ldr_ctx *c, size_t ndx, GElf_Shdr *sh)
{
	Elf_Scn *scn = elf_getscn(c->elf, ndx);

	if (scn == NULL || gelf_getshdr(scn, sh) == NULL)
		return ldr_fail(c, "cannot read section header %zu (libelf: %s)", ndx,
				elf_errmsg(-1));
	return HL_OK;
}

/* Section ndx, called what in messages, must be a string table inside the file whose
 * last byte is NUL: then every offset below its size starts a terminated string. */
static enum hl_err get_strtab(struct ldr_ctx *c, size_t ndx, const char *what, GElf_Shdr *sh)
{
	enum hl_err err = get_shdr(c, ndx, sh);

	if (err != HL_OK)
		return err;
	if (sh->sh_type != SHT_STRTAB)
		return ldr_fail(c, "%s (section %zu) has type %" PRIu32 ", not SHT_STRTAB", what,
				ndx, sh->sh_type);
	if (!ldr_in_file(c, sh->sh_offset, sh->sh_size))
		return ldr_fail(c, "%s (section %zu) extends beyond the end of the file", what,
				ndx);
	if (sh->sh_size == 0 || c->g->bytes[sh->sh_offset + sh->sh_size - 1] != '\0')
		return ldr_fail(c, "%s (section %zu) is not NUL-terminated", what, ndx);
	return HL_OK;
}

/* Checks section ndx and remembers it if it is the export table or the symbol table. */
static enum hl_err check_section(struct ldr_ctx *c, size_t ndx, const GElf_Shdr *names)
{
	const char *name;
	GElf_Shdr sh;
	enum hl_err err = get_shdr(c, ndx, &sh);

	if (err != HL_OK)
		return err;
	if (sh.sh_type != SHT_NOBITS && !ldr_in_file(c, sh.sh_offset, sh.sh_size))
		return ldr_fail(c, "section %zu: [%#" PRIx64 ", +%#" PRIx64 ") extends beyond the "
				"end of the file (%zu bytes)", ndx, sh.sh_offset, sh.sh_size,
				c->g->len);
	if (sh.sh_name >= names->sh_size)
		return ldr_fail(c, "section %zu: name offset %" PRIu32 " beyond the section name "
				"table (%" PRIu64 " bytes)", ndx, sh.sh_name, names->sh_size);
	name = elf_strptr(c->elf, c->shstrndx, sh.sh_name);
	if (name == NULL)
		return ldr_fail(c, "section %zu: cannot read its name (libelf: %s)", ndx,
				elf_errmsg(-1));
	if (strcmp(name, HL_EXPORTS_SECTION) == 0) {
		if (c->have_exports)
			return ldr_fail(c, "more than one %s section", HL_EXPORTS_SECTION);
		c->exports = sh;
		c->have_exports = 1;
	}
	if (sh.sh_type == SHT_SYMTAB) {
		if (c->symtab_ndx != 0)
			return ldr_fail(c, "more than one symbol table");
		c->symtab = sh;
		c->symtab_ndx = ndx;
	}
	return HL_OK;
}

enum hl_err ldr_check_sections(struct ldr_ctx *c)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr names;
	enum hl_err err;

	/* A file without sections has no export table, which ldr_check_exports() reports. */
	if (c->eh.e_shnum == 0)
		return HL_OK;
	if (elf_getshdrnum(c->elf, &c->shnum) != 0 || elf_getshdrstrndx(c->elf, &c->shstrndx) != 0)
		return ldr_fail(c, "malformed section headers (libelf: %s)", elf_errmsg(-1));
	if (c->shnum != c->eh.e_shnum || c->shstrndx != c->eh.e_shstrndx)
		return ldr_fail(c, "libelf reads %zu sections and name table %zu, the header says "
				"%u and %u", c->shnum, c->shstrndx, c->eh.e_shnum,
				c->eh.e_shstrndx);
	err = get_strtab(c, c->shstrndx, "section name table", &names);
	while (err == HL_OK && (scn = elf_nextscn(c->elf, scn)) != NULL)
		err = check_section(c, elf_ndxscn(scn), &names);
	return err;
}

/* Keeps the function symbols defined in the file; strs is the symbol string table. */
static enum hl_err keep_functions(struct ldr_ctx *c, Elf_Data *data, size_t n,
				  const GElf_Shdr *strs)
{
	struct ldr_guest *g = c->g;
	GElf_Sym sym;

	g->syms = calloc(n, sizeof *g->syms);
	if (g->syms == NULL)
		return hl_fail(c->d, HL_E_INTERNAL, "%s: out of memory", c->name);
	for (size_t i = 0; i < n; i++) {
		if (gelf_getsym(data, (int)i, &sym) == NULL)
			return ldr_fail(c, "cannot read symbol %zu (libelf: %s)", i,
					elf_errmsg(-1));
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF)
			continue;
		if (sym.st_name >= strs->sh_size)
			return ldr_fail(c, "symbol %zu: name offset %" PRIu32 " beyond its string "
					"table (%" PRIu64 " bytes)", i, sym.st_name, strs->sh_size);
		g->syms[g->nsyms++] = (struct ldr_sym){
			.value = sym.st_value,
			.size = sym.st_size,
			.name = (size_t)strs->sh_offset + sym.st_name,
		};
	}
	return HL_OK;
}

enum hl_err ldr_read_symbols(struct ldr_ctx *c)
{
	const GElf_Shdr *sh = &c->symtab;
	Elf_Data *data;
	GElf_Shdr strs;
	enum hl_err err;
	size_t n;

	if (c->symtab_ndx == 0)
		return HL_OK;
	if (sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_size % sizeof(Elf64_Sym) != 0)
		return ldr_fail(c, "symbol table: entry size %" PRIu64 " and size %" PRIu64 " "
				"(entries of %zu bytes expected)", sh->sh_entsize, sh->sh_size,
				sizeof(Elf64_Sym));
	if (sh->sh_link == 0 || sh->sh_link >= c->shnum)
		return ldr_fail(c, "symbol table: string table index %" PRIu32 " out of range "
				"(%zu sections)", sh->sh_link, c->shnum);
	err = get_strtab(c, sh->sh_link, "symbol string table", &strs);
	if (err != HL_OK)
		return err;
	n = (size_t)(sh->sh_size / sizeof(Elf64_Sym));
	if (n == 0)
		return HL_OK;
	data = elf_getdata(elf_getscn(c->elf, c->symtab_ndx), NULL);
	if (data == NULL || data->d_size != sh->sh_size)
		return ldr_fail(c, "cannot read the symbol table (libelf: %s)", elf_errmsg(-1));
	return keep_functions(c, data, n, &strs);
}
