/* What a file is, and opening it: a guest ELF, a snapshot, or a manifest naming one, its
 * pin checked and its cache opened. */
#include "target/target_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sha256.h"

#define SNIFF_SIZE 4096 /* bytes read to tell the kinds apart */

/* Formats often given by mistake, named when the file is refused. */
static const struct {
	const char *magic;
	size_t len;
	const char *what;
} other_formats[] = {
	{ "\0asm", 4, "a WebAssembly module" },
	{ "!<arch>\n", 8, "an ar archive" },
	{ "\x1f\x8b", 2, "gzip data" },
	{ "PK\3\4", 4, "a zip archive" },
	{ "MZ", 2, "a PE or DOS executable" },
	{ "\xcf\xfa\xed\xfe", 4, "a Mach-O executable" },
};

/* YAML is text: a C0 control other than tab, line feed and carriage return, or DEL, is
 * never in a manifest. */
static bool is_binary(const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') || b[i] == 0x7f)
			return true;
	return false;
}

/* What the file at path is, from its first bytes: a guest ELF and a snapshot by their
 * magic, a manifest when it is text.  A file that opens but cannot be read (a directory)
 * is the manifest reader's to explain. */
static enum hl_err sniff(const char *path, enum tgt_kind *kind, struct hl_diag *d)
{
	unsigned char b[SNIFF_SIZE];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	ssize_t n;
	size_t len = 0;

	*kind = TGT_ELF;
	if (fd < 0)
		return hl_fail(d, HL_E_INVALID, "%s: %s", path, strerror(errno));
	while (len < sizeof b && (n = read(fd, b + len, sizeof b - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len >= 4 && memcmp(b, "\177ELF", 4) == 0)
		return HL_OK;
	if (len >= SBX_SNAPSHOT_MAGIC_SIZE &&
	    memcmp(b, SBX_SNAPSHOT_MAGIC, SBX_SNAPSHOT_MAGIC_SIZE) == 0) {
		*kind = TGT_SNAPSHOT;
		return HL_OK;
	}
	*kind = TGT_MANIFEST;
	if (!is_binary(b, len))
		return HL_OK;
	for (size_t i = 0; i < sizeof other_formats / sizeof other_formats[0]; i++)
		if (len >= other_formats[i].len &&
		    memcmp(b, other_formats[i].magic, other_formats[i].len) == 0)
			return hl_fail(d, HL_E_INVALID, "%s: not an ELF guest, snapshot or "
				       "manifest (it is %s)", path, other_formats[i].what);
	return hl_fail(d, HL_E_INVALID, "%s: not an ELF guest, snapshot or manifest (it is "
		       "binary, and a manifest is text)", path);
}

/* Refuses what the manifest pins when its SHA-256 differs: the guest ELF file, or when
 * the manifest names a snapshot alone, the whole snapshot file, memory image included,
 * since that is what runs. */
static enum hl_err check_pin(const struct tgt *t, struct hl_diag *d)
{
	const struct mf_manifest *m = t->mf;
	bool in_snapshot = m->guest == NULL;
	uint8_t sum[HL_SHA256_SIZE];
	char got[2 * HL_SHA256_SIZE + 1], want[2 * HL_SHA256_SIZE + 1];
	size_t len;

	if (!m->has_sha256)
		return HL_OK;
	if (in_snapshot) {
		sbx_snapshot_sha256(t->snap, sum);
	} else {
		const uint8_t *bytes = ldr_bytes(t->guest, &len);

		hl_sha256(bytes, len, sum);
	}
	if (memcmp(sum, m->sha256, sizeof sum) == 0)
		return HL_OK;
	hl_sha256_hex(sum, got);
	hl_sha256_hex(m->sha256, want);
	return hl_fail(d, HL_E_INVALID, "%s:%d:%d: %s has SHA-256 %s, the manifest requires %s",
		       m->path, in_snapshot ? m->snapshot_line : m->guest_line,
		       in_snapshot ? m->snapshot_col : m->guest_col,
		       in_snapshot ? m->snapshot : m->guest, got, want);
}

/* Reads the manifest: the policy, which is trusted as the user's own words are. */
static enum hl_err read_manifest(struct tgt *t, const struct tgt_request *req,
				 struct hl_diag *d)
{
	bool not_yaml;
	enum hl_err err = mf_load(req->path, &t->mf, &not_yaml, d);

	if (err == HL_E_INVALID && not_yaml && !req->manifest) {
		size_t n = strlen(d->msg);

		/* A text file that is no YAML mapping: say why it was read as YAML at all. */
		snprintf(d->msg + n, sizeof d->msg - n, " (not an ELF guest, so read as a "
			 "manifest)");
	}
	if (err != HL_OK || t->mf->command == NULL)
		return err;
	t->process = (struct tgt_process){
		.argv = t->mf->command,
		.timeout_ms = t->mf->process_timeout_ms ? t->mf->process_timeout_ms :
							  TGT_DEFAULT_PROCESS_TIMEOUT_MS,
		.max_reply = t->mf->max_reply ? t->mf->max_reply : TGT_DEFAULT_MAX_REPLY,
		.fns = t->mf->functions,
	};
	return HL_OK;
}

/* The manifest's guest: its snapshot alone, or its ELF with the snapshot as a cache. */
static enum hl_err open_manifest(struct tgt *t, struct hl_diag *d)
{
	const struct mf_manifest *m = t->mf;
	struct hl_diag ignored = { 0 };
	enum hl_err err;

	if (m->guest == NULL) {
		err = sbx_snapshot_open(m->snapshot, &t->snap, d);
		if (err != HL_OK)
			return hl_prefix(d, "%s:%d:%d: snapshot", m->path, m->snapshot_line,
					 m->snapshot_col);
		t->guest = sbx_snapshot_guest(t->snap);
		return check_pin(t, d);
	}
	err = ldr_open(m->guest, &t->elf, d);
	if (err != HL_OK)
		return hl_prefix(d, "%s:%d:%d: guest", m->path, m->guest_line, m->guest_col);
	t->guest = t->elf;
	err = check_pin(t, d);
	/* A snapshot beside the guest is a cache: missing or broken, the guest boots. */
	if (err == HL_OK && m->snapshot != NULL &&
	    sbx_snapshot_open(m->snapshot, &t->cache, &ignored) != HL_OK)
		t->cache = NULL;
	return err;
}

/* The guest, or the snapshot, of the file that tgt_open() told apart. */
static enum hl_err open_target(struct tgt *t, const struct tgt_request *req,
			       struct hl_diag *d)
{
	enum hl_err err;

	switch (t->kind) {
	case TGT_ELF:
		err = ldr_open(req->path, &t->elf, d);
		t->guest = t->elf;
		return err;
	case TGT_SNAPSHOT:
		err = sbx_snapshot_open(req->path, &t->snap, d);
		t->guest = err == HL_OK ? sbx_snapshot_guest(t->snap) : NULL;
		return err;
	case TGT_MANIFEST:
		break;
	}
	return open_manifest(t, d);
}

enum hl_err tgt_open(const struct tgt_request *req, struct tgt **out, struct hl_diag *d)
{
	struct tgt *t = calloc(1, sizeof *t);
	enum hl_err err = HL_OK;

	*out = NULL;
	if (t == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	t->kind = TGT_MANIFEST;
	if (!req->manifest)
		err = sniff(req->path, &t->kind, d);
	if (err == HL_OK && t->kind == TGT_MANIFEST)
		err = read_manifest(t, req, d);
	if (err != HL_OK) {
		tgt_free(t);
		return err;
	}
	*out = t;
	return HL_OK;
}

enum hl_err tgt_finish(struct tgt *t, const struct tgt_request *req, struct hl_diag *d)
{
	enum hl_err err = open_target(t, req, d);

	if (err == HL_OK && !req->guest_only)
		err = tgt_configure(t, req, d);
	return err;
}

const struct tgt_process *tgt_process(const struct tgt *t)
{
	return t->process.argv != NULL ? &t->process : NULL;
}

enum hl_err tgt_resolve(const struct tgt_request *req, struct tgt **out, struct hl_diag *d)
{
	enum hl_err err = tgt_open(req, out, d);

	if (err == HL_OK)
		err = tgt_finish(*out, req, d);
	if (err != HL_OK) {
		tgt_free(*out);
		*out = NULL;
	}
	return err;
}

void tgt_free(struct tgt *t)
{
	if (t == NULL)
		return;
	ldr_close(t->elf);
	sbx_snapshot_close(t->snap);
	sbx_snapshot_close(t->cache);
	mf_free(t->mf);
	free(t->allowed);
	free(t->env);
	free(t->files);
	free(t);
}

enum tgt_kind tgt_kind(const struct tgt *t)
{
	return t->kind;
}

const struct ldr_guest *tgt_guest(const struct tgt *t)
{
	return t->guest;
}

struct sbx_snapshot *tgt_snapshot(const struct tgt *t)
{
	return t->snap;
}

const struct sbx_config *tgt_config(const struct tgt *t)
{
	return t->configured ? &t->cfg : NULL;
}

const char *tgt_cache_ignored(const struct tgt *t)
{
	return t->cache_ignored;
}
