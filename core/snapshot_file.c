/* The snapshot file format: snap_parse() validates a hostile file, snap_mac() computes
 * its MAC; core/snapshot_write.c saves one. */
#include "core/snapshot_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core_internal.h"
#include "kvm/kvm.h"

/* The file's integers are the host's, stored as they are: only right on little-endian. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "snapshots are little-endian");
/* No padding: every byte of the header and of an extent is a field or reserved. */
_Static_assert(sizeof(struct snap_header) == 272, "snap_header layout changed");
_Static_assert(sizeof(struct snap_extent) == 24, "snap_extent layout changed");

#define GUEST_NAME "snapshot's guest"

/* One section of the file, for the checks that relate them. */
struct section {
	const char *name;
	uint64_t off, size;
};

static enum hl_err check_header(const uint8_t *buf, uint64_t len, const char *path,
				struct snap_header *h, struct hl_diag *d)
{
	if (len >= SNAP_MAGIC_SIZE && memcmp(buf, SNAP_MAGIC, SNAP_MAGIC_SIZE) != 0)
		return hl_fail(d, HL_E_INVALID, "%s: not an hlrun snapshot (bad magic)", path);
	if (len < sizeof *h)
		return hl_fail(d, HL_E_INVALID, "%s: truncated: %" PRIu64 " bytes, less than "
			       "the %zu-byte snapshot header", path, len, sizeof *h);
	memcpy(h, buf, sizeof *h);
	if (h->version != SNAP_VERSION)
		return hl_fail(d, HL_E_INVALID, "%s: snapshot format version %" PRIu32 ", this "
			       "hlrun reads version %u: save it again with this hlrun", path,
			       h->version, SNAP_VERSION);
	if (h->abi_version != HL_ABI_VERSION)
		return hl_fail(d, HL_E_INVALID, "%s: made for hlrun ABI version %" PRIu32 ", "
			       "this hlrun runs version %u: save it again with this hlrun",
			       path, h->abi_version, HL_ABI_VERSION);
	if (h->file_size != len)
		return hl_fail(d, HL_E_INVALID, "%s: %s: header says %" PRIu64 " bytes, file "
			       "has %" PRIu64, path, h->file_size > len ? "truncated" :
			       "trailing bytes", h->file_size, len);
	if (h->file_size % HL_PAGE_SIZE != 0)
		return hl_fail(d, HL_E_INVALID, "%s: file size %" PRIu64 " is not a multiple "
			       "of %u", path, h->file_size, HL_PAGE_SIZE);
	for (size_t i = 0; i < sizeof h->reserved; i++)
		if (h->reserved[i] != 0)
			return hl_fail(d, HL_E_INVALID, "%s: reserved byte %zu is 0x%02x, not "
				       "zero", path, i, h->reserved[i]);
	return HL_OK;
}

/* s[i] lies in the file after the header and overlaps none of s[0..i). */
static enum hl_err check_section(const struct snap_header *h, const struct section *s,
				 size_t i, const char *path, struct hl_diag *d)
{
	uint64_t end;

	if (__builtin_add_overflow(s[i].off, s[i].size, &end) || end > h->file_size)
		return hl_fail(d, HL_E_INVALID, "%s: %s [0x%" PRIx64 ", +0x%" PRIx64 ") extends "
			       "beyond the end of the file (%" PRIu64 " bytes)", path, s[i].name,
			       s[i].off, s[i].size, h->file_size);
	if (s[i].off < sizeof *h)
		return hl_fail(d, HL_E_INVALID, "%s: %s at 0x%" PRIx64 " overlaps the header "
			       "(%zu bytes)", path, s[i].name, s[i].off, sizeof *h);
	for (size_t j = 0; j < i; j++)
		if (s[i].size > 0 && s[j].size > 0 && s[i].off < s[j].off + s[j].size &&
		    s[j].off < end)
			return hl_fail(d, HL_E_INVALID, "%s: %s [0x%" PRIx64 ", +0x%" PRIx64 ") "
				       "overlaps %s [0x%" PRIx64 ", +0x%" PRIx64 ")", path,
				       s[i].name, s[i].off, s[i].size, s[j].name, s[j].off,
				       s[j].size);
	return HL_OK;
}

static enum hl_err check_sections(const struct snap_header *h, const char *path,
				  struct hl_diag *d)
{
	uint64_t table, meta_end = sizeof *h;
	enum hl_err err;

	if (h->nextents > SNAP_MAX_EXTENTS)
		return hl_fail(d, HL_E_INVALID, "%s: %" PRIu64 " extents, at most %u", path,
			       h->nextents, SNAP_MAX_EXTENTS);
	if (__builtin_mul_overflow(h->nextents, sizeof(struct snap_extent), &table))
		return hl_fail(d, HL_E_INVALID, "%s: extent table of %" PRIu64 " entries is "
			       "too large", path, h->nextents);
	const struct section s[] = {
		{ "guest ELF", h->elf_offset, h->elf_size },
		{ "host function name list", h->names_offset, h->names_size },
		{ "vCPU state", h->vcpu_offset, h->vcpu_size },
		{ "extent table", h->extents_offset, table },
	};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		err = check_section(h, s, i, path, d);
		if (err != HL_OK)
			return err;
		if (s[i].off + s[i].size > meta_end)
			meta_end = s[i].off + s[i].size;
	}
	if (h->data_offset % HL_PAGE_SIZE != 0 || h->data_offset < meta_end ||
	    h->data_offset > h->file_size)
		return hl_fail(d, HL_E_INVALID, "%s: data_offset 0x%" PRIx64 " is not a page "
			       "boundary in [0x%" PRIx64 ", 0x%" PRIx64 "] (after the metadata, "
			       "inside the file)", path, h->data_offset, meta_end, h->file_size);
	return HL_OK;
}

static enum hl_err check_sizes(const struct snap_header *h, const char *path,
			       struct hl_diag *d)
{
	const struct {
		const char *name;
		uint64_t value;
	} sizes[] = {
		{ "heap_size", h->heap_size },
		{ "stack_size", h->stack_size },
		{ "input_size", h->input_size },
		{ "output_size", h->output_size },
	};
	uint64_t total;

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (sizes[i].value < SBX_MIN_SIZE || sizes[i].value > SBX_MAX_SIZE)
			return hl_fail(d, HL_E_INVALID, "%s: %s %" PRIu64 " outside [%llu, %llu]",
				       path, sizes[i].name, sizes[i].value, SBX_MIN_SIZE,
				       SBX_MAX_SIZE);
	/* Each is within SBX_MAX_SIZE now: their sum cannot overflow. */
	total = h->heap_size + h->stack_size + h->input_size + h->output_size;
	if (total > SBX_MAX_TOTAL)
		return hl_fail(d, HL_E_INVALID, "%s: heap_size, stack_size, input_size and "
			       "output_size total %" PRIu64 ", more than %llu", path, total,
			       SBX_MAX_TOTAL);
	if (h->vcpu_size != HV_STATE_SIZE)
		return hl_fail(d, HL_E_INVALID, "%s: vCPU state of %" PRIu64 " bytes, this "
			       "hlrun's is %d", path, h->vcpu_size, HV_STATE_SIZE);
	return HL_OK;
}

/* The embedded guest, its hash, and what core derives from it: mem_size and dispatch. */
static enum hl_err check_guest(const uint8_t *buf, const struct snap_header *h,
			       const char *path, struct ldr_guest **g, struct hl_diag *d)
{
	uint8_t sum[HL_SHA256_SIZE];
	char want[2 * HL_SHA256_SIZE + 1], got[2 * HL_SHA256_SIZE + 1];
	struct sbx_config cfg = { .heap_size = h->heap_size, .stack_size = h->stack_size,
				  .input_size = h->input_size, .output_size = h->output_size };
	struct sbx_layout l;
	const uint8_t *bytes;
	size_t n;
	enum hl_err err = ldr_parse(buf + h->elf_offset, h->elf_size, GUEST_NAME, g, d);

	if (err != HL_OK) {
		hl_prefix(d, "%s", path);
		return err;
	}
	/* The loader's copy is what runs, so that is what the hash must describe. */
	bytes = ldr_bytes(*g, &n);
	hl_sha256(bytes, n, sum);
	if (memcmp(sum, h->guest_sha256, sizeof sum) != 0) {
		hl_sha256_hex(h->guest_sha256, want);
		hl_sha256_hex(sum, got);
		return hl_fail(d, HL_E_INVALID, "%s: SHA-256 of the guest ELF is %s, the header "
			       "says %s", path, got, want);
	}
	sbx_layout(*g, &cfg, &l);
	if (l.mem_size != h->mem_size)
		return hl_fail(d, HL_E_INVALID, "%s: mem_size 0x%" PRIx64 " does not match the "
			       "layout of this guest with these sizes (0x%" PRIx64 ")", path,
			       h->mem_size, l.mem_size);
	if (!sbx_in_code(*g, h->dispatch))
		return hl_fail(d, HL_E_INVALID, "%s: dispatch address 0x%" PRIx64 " is not in "
			       "the guest's code", path, h->dispatch);
	return HL_OK;
}

/* Each name known to hlrun or a host process's signature, and none twice. */
static enum hl_err check_names(const struct snap_file *f, const char *path,
			       struct hl_diag *d)
{
	struct hl_export e;
	char q[HL_QUOTE_MAX + 1];

	for (size_t i = 0; i < f->nnames; i++) {
		if (!sbx_host_function_exists(f->names[i]) && !sbx_extern_parse(f->names[i], &e))
			return hl_fail(d, HL_E_INVALID, "%s: host function name %zu (\"%s\") is "
				       "neither one hlrun provides nor a signature", path, i,
				       hl_quote(f->names[i], q));
		for (size_t j = 0; j < i; j++)
			if (strcmp(f->names[i], f->names[j]) == 0)
				return hl_fail(d, HL_E_INVALID, "%s: host function name %zu "
					       "(\"%s\") duplicates name %zu", path, i,
					       hl_quote(f->names[i], q), j);
	}
	return HL_OK;
}

static enum hl_err copy_names(struct snap_file *f, const uint8_t *buf, const char *path,
			      struct hl_diag *d)
{
	uint64_t size = f->h.names_size;

	if (size == 0)
		return HL_OK;
	if (size > SNAP_NAMES_MAX_BYTES)
		return hl_fail(d, HL_E_INVALID, "%s: host function names take %" PRIu64 " bytes, "
			       "at most %u", path, size, SNAP_NAMES_MAX_BYTES);
	f->blob = malloc(size);
	if (f->blob == NULL)
		return hl_fail(d, HL_E_INTERNAL, "%s: out of memory", path);
	memcpy(f->blob, buf + f->h.names_offset, size);
	if (f->blob[size - 1] != '\0')
		return hl_fail(d, HL_E_INVALID, "%s: host function names do not end with a NUL",
			       path);
	for (size_t at = 0; at < size; at += strlen(f->blob + at) + 1) {
		if (f->nnames == SNAP_MAX_NAMES)
			return hl_fail(d, HL_E_INVALID, "%s: more than %d host function names",
				       path, SNAP_MAX_NAMES);
		f->names[f->nnames++] = f->blob + at;
	}
	return check_names(f, path, d);
}

/* Extent i: its pages inside guest memory after the previous extent's (which end at
 * *gpa_end), its data inside the file after the previous extent's (ending at
 * *data_end); both ends move past it. */
static enum hl_err check_extent(const struct snap_header *h, const struct snap_extent *e,
				size_t i, uint64_t *gpa_end, uint64_t *data_end,
				const char *path, struct hl_diag *d)
{
	uint64_t bytes, end, dend;

	if (e->pages == 0)
		return hl_fail(d, HL_E_INVALID, "%s: extent %zu has no pages", path, i);
	if (e->gpa % HL_PAGE_SIZE != 0 || e->offset % HL_PAGE_SIZE != 0)
		return hl_fail(d, HL_E_INVALID, "%s: extent %zu: guest address 0x%" PRIx64 " or "
			       "file offset 0x%" PRIx64 " is not page-aligned", path, i, e->gpa,
			       e->offset);
	if (__builtin_mul_overflow(e->pages, HL_PAGE_SIZE, &bytes) ||
	    __builtin_add_overflow(e->gpa, bytes, &end) || end > h->mem_size)
		return hl_fail(d, HL_E_INVALID, "%s: extent %zu: %" PRIu64 " page(s) at 0x%" PRIx64
			       " extend beyond guest memory (0x%" PRIx64 " bytes)", path, i,
			       e->pages, e->gpa, h->mem_size);
	if (e->gpa < *gpa_end)
		return hl_fail(d, HL_E_INVALID, "%s: extent %zu at 0x%" PRIx64 " overlaps or "
			       "precedes the one before it (which ends at 0x%" PRIx64 "): "
			       "extents must be sorted by address", path, i, e->gpa, *gpa_end);
	/* Data in the extents' order: one comparison per extent rules out overlaps. */
	if (e->offset < *data_end)
		return hl_fail(d, HL_E_INVALID, "%s: extent %zu: data at 0x%" PRIx64 " lies before "
			       "%s (0x%" PRIx64 ")", path, i, e->offset,
			       i == 0 ? "data_offset" : "the end of the previous extent's data",
			       *data_end);
	if (__builtin_add_overflow(e->offset, bytes, &dend) || dend > h->file_size)
		return hl_fail(d, HL_E_INVALID, "%s: extent %zu: data [0x%" PRIx64 ", +0x%" PRIx64
			       ") extends beyond the end of the file (%" PRIu64 " bytes)", path,
			       i, e->offset, bytes, h->file_size);
	*gpa_end = end;
	*data_end = dend;
	return HL_OK;
}

static enum hl_err copy_extents(struct snap_file *f, const uint8_t *buf, const char *path,
				struct hl_diag *d)
{
	uint64_t gpa_end = 0, data_end = f->h.data_offset;
	size_t n = f->h.nextents;
	enum hl_err err = HL_OK;

	if (n == 0)
		return HL_OK;
	f->extents = malloc(n * sizeof *f->extents);
	if (f->extents == NULL)
		return hl_fail(d, HL_E_INTERNAL, "%s: out of memory", path);
	memcpy(f->extents, buf + f->h.extents_offset, n * sizeof *f->extents);
	for (size_t i = 0; i < n && err == HL_OK; i++)
		err = check_extent(&f->h, &f->extents[i], i, &gpa_end, &data_end, path, d);
	return err;
}

/* Validates buf as a snapshot file of file_len bytes.  Only bytes before data_offset are
 * read, and only once every section is known to lie there: snap_write() checks what it
 * is about to write with the memory data not yet in buf. */
static enum hl_err parse_meta(const uint8_t *buf, uint64_t file_len, const char *path,
			      struct snap_file **out, struct hl_diag *d)
{
	struct snap_file *f = calloc(1, sizeof *f);
	enum hl_err err;

	*out = NULL;
	if (f == NULL)
		return hl_fail(d, HL_E_INTERNAL, "%s: out of memory", path);
	err = check_header(buf, file_len, path, &f->h, d);
	if (err == HL_OK)
		err = check_sections(&f->h, path, d);
	if (err == HL_OK)
		err = check_sizes(&f->h, path, d);
	if (err == HL_OK)
		err = check_guest(buf, &f->h, path, &f->guest, d);
	if (err == HL_OK)
		err = copy_names(f, buf, path, d);
	if (err == HL_OK && (f->vcpu = malloc(HV_STATE_SIZE)) == NULL)
		err = hl_fail(d, HL_E_INTERNAL, "%s: out of memory", path);
	if (err == HL_OK) {
		memcpy(f->vcpu, buf + f->h.vcpu_offset, HV_STATE_SIZE);
		err = copy_extents(f, buf, path, d);
	}
	if (err != HL_OK) {
		snap_free(f);
		return err;
	}
	*out = f;
	return HL_OK;
}

enum hl_err snap_parse(const uint8_t *buf, size_t len, const char *path,
		       struct snap_file **out, struct hl_diag *d)
{
	return parse_meta(buf, len, path, out, d);
}

void snap_free(struct snap_file *f)
{
	if (f == NULL)
		return;
	ldr_close(f->guest);
	free(f->blob);
	free(f->vcpu);
	free(f->extents);
	free(f);
}

void snap_mac(const uint8_t *buf, size_t len, const uint8_t key[SNAP_KEY_SIZE],
	      uint8_t out[HL_SHA256_SIZE])
{
	struct hl_hmac_sha256 c;
	struct snap_header h;

	memcpy(&h, buf, sizeof h);
	memset(h.mac, 0, sizeof h.mac);
	hl_hmac_sha256_init(&c, key, SNAP_KEY_SIZE);
	hl_hmac_sha256_update(&c, &h, sizeof h);
	hl_hmac_sha256_update(&c, buf + sizeof h, len - sizeof h);
	hl_hmac_sha256_final(&c, out);
}
