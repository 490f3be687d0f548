/* Host files mapped into the guest (--map): opened and mapped read-only before the guest
 * runs, placed above guest memory as read-only windows, named in the PEB before each
 * call, and blamed when KVM cannot read their pages because a file shrank. */
#include "core/core_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/page.h"

bool sbx_map_name_ok(const char *name, size_t len)
{
	return len < HL_MAP_NAME_MAX && hlw_is_ident((const uint8_t *)name, len);
}

ptrdiff_t sbx_map_find(const struct sbx_map *maps, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(maps[i].name, name) == 0)
			return (ptrdiff_t)i;
	return -1;
}

bool sbx_map_split(const char *spec, struct sbx_map *m)
{
	const char *eq = strchr(spec, '=');
	size_t len = eq != NULL ? (size_t)(eq - spec) : 0;

	if (eq == NULL || eq[1] == '\0' || !sbx_map_name_ok(spec, len))
		return false;
	memset(m->name, 0, sizeof m->name);
	memcpy(m->name, spec, len);
	m->path = eq + 1;
	return true;
}

enum hl_err sbx_check_maps(const struct sbx_config *cfg, struct hl_diag *d)
{
	if (cfg->nmaps > HL_MAX_MAPS)
		return hl_fail(d, HL_E_USAGE, "%zu files to map, more than %d", cfg->nmaps,
			       HL_MAX_MAPS);
	for (size_t i = 0; i < cfg->nmaps; i++) {
		const struct sbx_map *m = &cfg->maps[i];

		if (!sbx_map_name_ok(m->name, strnlen(m->name, sizeof m->name)))
			return hl_fail(d, HL_E_USAGE, "map name '%.*s' is not an identifier of "
				       "at most %d characters", (int)sizeof m->name, m->name,
				       HL_MAP_NAME_MAX - 1);
		if (m->path == NULL || m->path[0] == '\0')
			return hl_fail(d, HL_E_USAGE, "map %s names no file", m->name);
		if (sbx_map_find(cfg->maps, i, m->name) >= 0)
			return hl_fail(d, HL_E_USAGE, "map %s is given twice", m->name);
	}
	return HL_OK;
}

static const char *kind_of(mode_t mode)
{
	return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" :
	       S_ISCHR(mode) ? "a character device" : S_ISBLK(mode) ? "a block device" :
	       S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

enum hl_err sbx_map_check_file(const struct sbx_map *m, struct hl_diag *d)
{
	struct stat st;

	if (stat(m->path, &st) != 0)
		return hl_fail(d, HL_E_INVALID, "cannot map %s as %s: %s", m->path, m->name,
			       strerror(errno));
	if (!S_ISREG(st.st_mode))
		return hl_fail(d, HL_E_INVALID, "cannot map %s as %s: %s, not a regular file",
			       m->path, m->name, kind_of(st.st_mode));
	return HL_OK;
}

/* Opens map m's file read-only, refusing anything but a regular file: looked at before it
 * is opened, since opening a device or a FIFO can have effects of its own, and again
 * after, in case it was replaced in between. */
static enum hl_err open_file(const struct sbx_map *m, struct sbx_mapped *out,
			     struct hl_diag *d)
{
	enum hl_err err = sbx_map_check_file(m, d);
	struct stat st;
	int fd;

	if (err != HL_OK)
		return err;
	fd = open(m->path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return hl_fail(d, HL_E_INVALID, "cannot map %s as %s: %s", m->path, m->name,
			       strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hl_fail(d, HL_E_INVALID, "cannot map %s as %s: it changed into %s "
			       "while it was opened", m->path, m->name, kind_of(st.st_mode));
	}
	out->fd = fd;
	out->size = (uint64_t)st.st_size;
	out->span = hl_page_up(out->size);
	return HL_OK;
}

/* Each file at the next 2 MiB boundary after the last one's end and a guard page. */
static enum hl_err place(struct sbx *s, size_t i, uint64_t *next, struct hl_diag *d)
{
	struct sbx_mapped *f = &s->maps[i];
	const struct sbx_map *m = &s->cfg.maps[i];

	if (*next > HL_MAP_END || f->span > HL_MAP_END - *next)
		return hl_fail(d, HL_E_USAGE, "cannot map %s as %s: %llu bytes, and the "
			       "files mapped take at most %llu GiB together", m->path, m->name,
			       (unsigned long long)f->size,
			       (unsigned long long)((HL_MAP_END - HL_MAP_BASE) >> 30));
	f->addr = *next;
	*next = hl_align_up(f->addr + f->span + HL_PAGE_SIZE, HL_HUGE_PAGE_SIZE);
	if (f->span == 0)
		return HL_OK;
	f->host = mmap(NULL, f->span, PROT_READ, MAP_PRIVATE, f->fd, 0);
	if (f->host == MAP_FAILED) {
		f->host = NULL;
		return hl_fail(d, HL_E_INVALID, "cannot map %s as %s: %s", m->path, m->name,
			       strerror(errno));
	}
	return HL_OK;
}

enum hl_err sbx_maps_open(struct sbx *s, struct hv_window *w, size_t *nw, struct hl_diag *d)
{
	uint64_t next = HL_MAP_BASE;
	enum hl_err err = HL_OK;

	*nw = 0;
	for (size_t i = 0; i < s->cfg.nmaps && err == HL_OK; i++) {
		s->maps[i].fd = -1;
		err = open_file(&s->cfg.maps[i], &s->maps[i], d);
		s->nmaps = i + 1;
		if (err == HL_OK)
			err = place(s, i, &next, d);
		if (err == HL_OK && s->maps[i].span != 0)
			w[(*nw)++] = (struct hv_window){ s->maps[i].addr, s->maps[i].span,
							 s->maps[i].host };
	}
	return err;
}

void sbx_maps_close(struct sbx *s)
{
	for (size_t i = 0; i < s->nmaps; i++) {
		if (s->maps[i].host != NULL)
			munmap(s->maps[i].host, s->maps[i].span);
		if (s->maps[i].fd >= 0)
			close(s->maps[i].fd);
	}
	s->nmaps = 0;
}

void sbx_maps_show(struct sbx *s)
{
	const size_t off = offsetof(struct hl_peb, nmaps);
	struct hl_peb peb = { .nmaps = (uint32_t)s->nmaps };

	if (s->nmaps == 0 || s->maps_shown)
		return;
	for (size_t i = 0; i < s->nmaps; i++) {
		memcpy(peb.maps[i].name, s->cfg.maps[i].name, sizeof peb.maps[i].name);
		peb.maps[i].addr = s->maps[i].addr;
		peb.maps[i].size = s->maps[i].size;
	}
	sbx_write(s, HL_PEB_ADDR + off, (const uint8_t *)&peb + off, sizeof peb - off);
	s->maps_shown = true;
}

ptrdiff_t sbx_map_at(const struct sbx *s, uint64_t addr)
{
	for (size_t i = 0; i < s->nmaps; i++)
		if (addr >= s->maps[i].addr && addr - s->maps[i].addr < s->maps[i].span +
									HL_PAGE_SIZE)
			return (ptrdiff_t)i;
	return -1;
}

enum hl_err sbx_maps_fault(struct sbx *s, struct hl_diag *d)
{
	for (size_t i = 0; i < s->nmaps; i++) {
		const struct sbx_mapped *f = &s->maps[i];
		struct stat st;

		if (fstat(f->fd, &st) == 0 && (uint64_t)st.st_size < f->size)
			return hl_fail(d, HL_E_INVALID, "%s: %s: the file mapped as %s shrank from "
				       "%llu to %llu bytes while the guest read it", s->phase,
				       s->cfg.maps[i].path, s->cfg.maps[i].name,
				       (unsigned long long)f->size,
				       (unsigned long long)st.st_size);
	}
	return hl_fail(d, HL_E_INTERNAL, "%s: KVM could not read the host memory behind a "
		       "guest page (KVM_RUN: %s)", s->phase, strerror(EFAULT));
}
