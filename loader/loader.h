/* The guest loader: validates a guest ELF file as hostile input, describes its segments
 * and exported functions, and copies its segments into guest memory.  It knows nothing of
 * KVM, the wire protocol or the command line. */
#ifndef LOADER_LOADER_H
#define LOADER_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "guests/include/hlrun_abi.h"

/* Largest guest file accepted, in bytes. */
#define LDR_MAX_FILE (64u << 20)
/* Most PT_LOAD segments a guest may have. */
#define LDR_MAX_SEGMENTS 16

/* A validated guest ELF; it owns a copy of the file bytes. */
struct ldr_guest;

/* Segment permissions, with the values of ELF's p_flags. */
#define LDR_R 4u
#define LDR_W 2u
#define LDR_X 1u

/* One PT_LOAD segment, all inside [HL_IMAGE_BASE, HL_IMAGE_BASE + HL_IMAGE_MAX); no two
 * share a 4 KiB page, none is both writable and executable, filesz <= memsz. */
struct ldr_segment {
	uint64_t vaddr;  /* guest address (physical = virtual) */
	uint64_t memsz;  /* bytes in memory, > 0 */
	uint64_t filesz; /* bytes copied from the file; the rest is zero-filled */
	uint64_t offset; /* where those bytes start in the file */
	unsigned flags;  /* LDR_R | LDR_W | LDR_X */
};

/* Reads the regular file at path (at most LDR_MAX_FILE bytes) and validates it as
 * ldr_parse() does.  On success *out is a guest the caller releases with ldr_close(); on
 * failure *out is NULL.  Errors: HL_E_INVALID, with a message "PATH: what is wrong", for a
 * missing, unreadable, non-regular, too large or malformed file; HL_E_INTERNAL when memory
 * runs out. */
enum hl_err ldr_open(const char *path, struct ldr_guest **out, struct hl_diag *d);

/* Validates the len bytes at buf as a guest ELF (static x86-64 executable, segments in the
 * image window, hlrun ABI note of this version, well-formed export table) and keeps a
 * copy of them: the caller keeps ownership of buf.  name (not NULL) starts every message.
 * On success *out is a guest the caller releases with ldr_close(); on failure *out is
 * NULL.  Errors: HL_E_INVALID for any malformed input; HL_E_INTERNAL when memory runs
 * out. */
enum hl_err ldr_parse(const void *buf, size_t len, const char *name, struct ldr_guest **out,
		      struct hl_diag *d);

/* Releases a guest and everything it owns.  Accepts NULL. */
void ldr_close(struct ldr_guest *g);

/* The entry point, inside the file-backed part of an executable segment. */
uint64_t ldr_entry(const struct ldr_guest *g);

/* The end of the highest segment, rounded up to a page: the guest memory the image needs. */
uint64_t ldr_image_end(const struct ldr_guest *g);

/* The PT_LOAD segments in file order, owned by g; NULL when i >= ldr_nsegments(g). */
size_t ldr_nsegments(const struct ldr_guest *g);
const struct ldr_segment *ldr_segment(const struct ldr_guest *g, size_t i);

/* The exported functions in table order; NULL when i >= ldr_nexports(g).  Each is a
 * validated copy owned by g: name NUL-terminated and unique, types in range, fn inside
 * code. */
size_t ldr_nexports(const struct ldr_guest *g);
const struct hl_export *ldr_export(const struct ldr_guest *g, size_t i);

/* The export called name, or NULL if there is none.  Owned by g. */
const struct hl_export *ldr_find(const struct ldr_guest *g, const char *name);

/* Copies each segment's file bytes to mem + vaddr and zero-fills it up to memsz; bytes of
 * mem outside the segments are left alone.  mem (mem_size bytes) stays the caller's.
 * Errors: HL_E_INTERNAL when mem_size < ldr_image_end(g). */
enum hl_err ldr_load(const struct ldr_guest *g, uint8_t *mem, uint64_t mem_size,
		     struct hl_diag *d);

/* The name of the function symbol (from .symtab, if the file has one) whose
 * [value, value + size) holds addr, or else of the nearest function symbol at or below
 * addr if that symbol has size 0 and lies in the same segment as addr; *offset (if offset
 * is not NULL) is then addr - value.  NULL when no symbol fits.  The name is owned by g. */
const char *ldr_symbol_at(const struct ldr_guest *g, uint64_t addr, uint64_t *offset);

/* The file bytes (*len of them), owned by g. */
const uint8_t *ldr_bytes(const struct ldr_guest *g, size_t *len);

#endif
