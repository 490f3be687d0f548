/* The guest loader: reading the file, running the checks in order, and the accessors. */
#include "loader/loader_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum hl_err ldr_fail(const struct ldr_ctx *c, const char *fmt, ...)
{
	char msg[HL_DIAG_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return hl_fail(c->d, HL_E_INVALID, "%s: %s", c->name, msg);
}

int ldr_in_file(const struct ldr_ctx *c, uint64_t off, uint64_t size)
{
	uint64_t end;

	return !__builtin_add_overflow(off, size, &end) && end <= c->g->len;
}

/* The checks, each relying on those before it. */
static enum hl_err check(struct ldr_ctx *c)
{
	enum hl_err err;

	err = ldr_check_header(c);
	if (err != HL_OK)
		return err;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return hl_fail(c->d, HL_E_INTERNAL, "%s: libelf: %s", c->name, elf_errmsg(-1));
	/* libelf reads the section header table here; its range is already checked. */
	c->elf = elf_memory((char *)c->g->bytes, c->g->len);
	if (c->elf == NULL || elf_kind(c->elf) != ELF_K_ELF)
		return ldr_fail(c, "malformed ELF file (libelf: %s)", elf_errmsg(-1));
	err = ldr_check_segments(c);
	if (err == HL_OK)
		err = ldr_check_note(c);
	if (err == HL_OK)
		err = ldr_check_sections(c);
	if (err == HL_OK)
		err = ldr_check_exports(c);
	if (err == HL_OK)
		err = ldr_read_symbols(c);
	return err;
}

/* Validates bytes (len of them, malloc'ed), which the new guest owns even on failure. */
static enum hl_err parse_owned(uint8_t *bytes, size_t len, const char *name,
			       struct ldr_guest **out, struct hl_diag *d)
{
	struct ldr_ctx c = { .name = name, .d = d };
	struct ldr_guest *g;
	enum hl_err err;

	g = calloc(1, sizeof *g);
	if (g == NULL) {
		free(bytes);
		return hl_fail(d, HL_E_INTERNAL, "%s: out of memory", name);
	}
	g->bytes = bytes;
	g->len = len;
	c.g = g;
	g->name = strdup(name);
	if (g->name == NULL)
		err = hl_fail(d, HL_E_INTERNAL, "%s: out of memory", name);
	else
		err = check(&c);
	if (c.elf != NULL)
		elf_end(c.elf);
	if (err != HL_OK) {
		ldr_close(g);
		return err;
	}
	*out = g;
	return HL_OK;
}

enum hl_err ldr_parse(const void *buf, size_t len, const char *name, struct ldr_guest **out,
		      struct hl_diag *d)
{
	uint8_t *copy;

	*out = NULL;
	if (len > LDR_MAX_FILE)
		return hl_fail(d, HL_E_INVALID, "%s: file too large (%zu bytes, at most %u)",
			       name, len, LDR_MAX_FILE);
	/* One spare byte so that an empty buffer still gets a pointer of its own. */
	copy = malloc(len + 1);
	if (copy == NULL)
		return hl_fail(d, HL_E_INTERNAL, "%s: out of memory", name);
	if (len > 0)
		memcpy(copy, buf, len);
	return parse_owned(copy, len, name, out, d);
}

/* Reads the whole regular file at path into *buf (malloc'ed, *len bytes). */
static enum hl_err read_file(const char *path, uint8_t **buf, size_t *len, struct hl_diag *d)
{
	enum hl_err err = HL_OK;
	uint8_t *p = NULL;
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int fd;

	/* O_NONBLOCK: a FIFO must not hang the open; fstat() refuses it below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return hl_fail(d, HL_E_INVALID, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		err = hl_fail(d, HL_E_INVALID, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = hl_fail(d, HL_E_INVALID, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > LDR_MAX_FILE) {
		err = hl_fail(d, HL_E_INVALID, "%s: file too large (%lld bytes, at most %u)",
			      path, (long long)st.st_size, LDR_MAX_FILE);
		goto out;
	}
	p = malloc((size_t)st.st_size + 1);
	if (p == NULL) {
		err = hl_fail(d, HL_E_INTERNAL, "%s: out of memory", path);
		goto out;
	}
	/* A file that shrinks meanwhile is read as it now is; one that grows, up to its size
	 * at fstat() time. */
	while (n < (size_t)st.st_size) {
		r = read(fd, p + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = hl_fail(d, HL_E_INVALID, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
out:
	close(fd);
	if (err != HL_OK) {
		free(p);
		return err;
	}
	*buf = p;
	*len = n;
	return HL_OK;
}

enum hl_err ldr_open(const char *path, struct ldr_guest **out, struct hl_diag *d)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	enum hl_err err;

	*out = NULL;
	err = read_file(path, &bytes, &len, d);
	if (err != HL_OK)
		return err;
	return parse_owned(bytes, len, path, out, d);
}

void ldr_close(struct ldr_guest *g)
{
	if (g == NULL)
		return;
	free(g->syms);
	free(g->exports);
	free(g->bytes);
	free(g->name);
	free(g);
}

uint64_t ldr_entry(const struct ldr_guest *g)
{
	return g->entry;
}

uint64_t ldr_image_end(const struct ldr_guest *g)
{
	return g->image_end;
}

size_t ldr_nsegments(const struct ldr_guest *g)
{
	return g->nseg;
}

const struct ldr_segment *ldr_segment(const struct ldr_guest *g, size_t i)
{
	return i < g->nseg ? &g->seg[i] : NULL;
}

size_t ldr_nexports(const struct ldr_guest *g)
{
	return g->nexports;
}

const struct hl_export *ldr_export(const struct ldr_guest *g, size_t i)
{
	return i < g->nexports ? &g->exports[i] : NULL;
}

const struct hl_export *ldr_find(const struct ldr_guest *g, const char *name)
{
	for (size_t i = 0; i < g->nexports; i++)
		if (strcmp(g->exports[i].name, name) == 0)
			return &g->exports[i];
	return NULL;
}

const uint8_t *ldr_bytes(const struct ldr_guest *g, size_t *len)
{
	*len = g->len;
	return g->bytes;
}
