/* Saving snapshot files: the header and metadata of a sandbox's state, its pages, a MAC
 * under the user's key; written into a temporary file that a helper process, started
 * before confinement, renames into place. */
#include "core/snapshot_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm/kvm.h"
#include "loader/loader.h"

struct snap_out {
	char *path;
	char *tmp;      /* the temporary file's name, beside path */
	int fd;         /* the temporary file, until written */
	int cmd;        /* to the helper: 'p' publishes; end of file removes.  A socket:
			 * sent to with MSG_NOSIGNAL, a helper gone is an error, not SIGPIPE */
	int res;        /* from the helper: 0 or the errno of its rename */
	bool exclusive; /* published beside any file of that name, never over it */
	const char *what; /* in messages: "snapshot" */
	bool published;
};

/* The helper: the one process that renames (or, exclusive, links) or removes the
 * temporary file, and only the names it was started with, whatever becomes of hlrun.
 * Waits for one command on fd 0 and answers on fd 1. */
__attribute__((noreturn)) static void helper(const char *tmp, const char *path,
					     bool exclusive)
{
	char c = 0;
	ssize_t r;
	int e;

	while ((r = read(0, &c, 1)) < 0 && errno == EINTR)
		;
	if (r == 1 && c == 'p' && (exclusive ? link(tmp, path) : rename(tmp, path)) == 0) {
		e = 0;
		if (exclusive)
			unlink(tmp);
	} else {
		e = r == 1 && c == 'p' ? errno : ECANCELED;
		unlink(tmp);
	}
	(void)!write(1, &e, sizeof e);
	_exit(0);
}

/* Forks the helper with the command socket's and the result pipe's ends on its fds 0 and
 * 1 and nothing else open; it is a grandchild, reaped here at once, so that hlrun, which
 * cannot wait once confined, leaves no zombie.  Returns 0 or an errno. */
static int start_helper(struct snap_out *o, int cmd_r, int res_w)
{
	pid_t pid = fork(), got;
	int ws;

	if (pid < 0)
		return errno;
	if (pid == 0) {
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? errno : 0);
		if (dup2(cmd_r, 0) < 0 || dup2(res_w, 1) < 0 ||
		    close_range(2, ~0u, 0) != 0)
			_exit(1);
		helper(o->tmp, o->path, o->exclusive);
	}
	while ((got = waitpid(pid, &ws, 0)) < 0 && errno == EINTR)
		;
	if (got != pid)
		return errno;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : ECHILD;
}

enum hl_err snap_out_open(const char *path, const char *what, bool exclusive,
			  struct snap_out **out, struct hl_diag *d)
{
	struct snap_out *o = calloc(1, sizeof *o);
	int cmd[2] = { -1, -1 }, res[2] = { -1, -1 };
	enum hl_err err = HL_OK;

	*out = NULL;
	if (o == NULL)
		return hl_fail(d, HL_E_INTERNAL, "%s: out of memory", path);
	o->fd = o->cmd = o->res = -1;
	o->what = what;
	o->exclusive = exclusive;
	if ((o->path = strdup(path)) == NULL || asprintf(&o->tmp, "%s.XXXXXX", path) < 0) {
		o->tmp = NULL;
		snap_out_close(o);
		return hl_fail(d, HL_E_INTERNAL, "%s: out of memory", path);
	}
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		err = hl_fail(d, HL_E_USAGE, "%s: cannot create %s: %s", path, what,
			      strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
	} else {
		int e = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cmd) != 0 ||
					pipe2(res, O_CLOEXEC) != 0 ?
				errno : start_helper(o, cmd[0], res[1]);

		if (e != 0) {
			err = hl_fail(d, HL_E_INTERNAL, "%s: cannot start the process that "
				      "publishes it: %s", path, strerror(e));
			unlink(o->tmp);
		}
	}
	o->cmd = cmd[1];
	o->res = res[0];
	for (int i = 0; i < 2; i++)
		if ((i ? res[1] : cmd[0]) >= 0)
			close(i ? res[1] : cmd[0]);
	if (err != HL_OK) {
		snap_out_close(o);
		return err;
	}
	*out = o;
	return HL_OK;
}

/* Sends the helper command c ('p', or nothing but the end of input) and reads its
 * answer: 0 or an errno. */
static int ask_helper(struct snap_out *o, char c)
{
	int e = EPIPE;
	ssize_t r;

	if (c != 0 && send(o->cmd, &c, 1, MSG_NOSIGNAL) != 1)
		return errno;
	close(o->cmd);
	o->cmd = -1;
	while ((r = read(o->res, &e, sizeof e)) < 0 && errno == EINTR)
		;
	return r == sizeof e ? e : EPIPE;
}

int snap_out_fd(const struct snap_out *o)
{
	return o->fd;
}

enum hl_err snap_out_publish(struct snap_out *o, struct hl_diag *d)
{
	int e = ask_helper(o, 'p');

	o->published = e == 0;
	if (e != 0)
		return hl_fail(d, HL_E_USAGE, "%s: cannot write %s: %s", o->path, o->what,
			       strerror(e));
	return HL_OK;
}

void snap_out_close(struct snap_out *o)
{
	if (o == NULL)
		return;
	if (o->fd >= 0)
		close(o->fd);
	if (o->cmd >= 0)
		ask_helper(o, 0);
	if (o->res >= 0)
		close(o->res);
	free(o->tmp);
	free(o->path);
	free(o);
}

/* Mistakes of the caller that would stop the header from describing src, caught before
 * anything is sized from them; parse_meta() checks the rest. */
static enum hl_err check_source(const struct snap_source *src, uint64_t *names_size,
				struct hl_diag *d)
{
	*names_size = 0;
	if (src->elf == NULL || src->elf_size > LDR_MAX_FILE || src->vcpu == NULL ||
	    src->vcpu_size != HV_STATE_SIZE || src->mem == NULL ||
	    (src->nruns > 0 && src->runs == NULL) || src->nruns > SNAP_MAX_EXTENTS ||
	    src->nnames > SNAP_MAX_NAMES || (src->nnames > 0 && src->names == NULL))
		return hl_fail(d, HL_E_INTERNAL, "snapshot source is malformed (ELF of %zu "
			       "bytes, vCPU state of %" PRIu64 " bytes, %zu runs, %zu names)",
			       src->elf_size, src->vcpu_size, src->nruns, src->nnames);
	for (size_t i = 0; i < src->nnames; i++) {
		if (src->names[i] == NULL)
			return hl_fail(d, HL_E_INTERNAL, "snapshot source: name %zu is NULL", i);
		*names_size += strnlen(src->names[i], SNAP_NAMES_MAX_BYTES) + 1;
	}
	if (*names_size > SNAP_NAMES_MAX_BYTES)
		return hl_fail(d, HL_E_INTERNAL, "snapshot source: names take more than %u "
			       "bytes", SNAP_NAMES_MAX_BYTES);
	return HL_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Bytes between the end of run a and the start of run b, which follows it. */
static uint64_t gap(const struct snap_extent *a, const struct snap_extent *b)
{
	return b->gpa - (a->gpa + a->pages * HL_PAGE_SIZE);
}

size_t snap_coalesce(struct snap_extent *runs, size_t n, size_t max)
{
	uint64_t *gaps, limit;
	size_t out = 0;

	if (n <= max || max == 0 || (gaps = malloc((n - 1) * sizeof *gaps)) == NULL)
		return n;
	for (size_t i = 0; i + 1 < n; i++)
		gaps[i] = gap(&runs[i], &runs[i + 1]);
	qsort(gaps, n - 1, sizeof *gaps, cmp_u64);
	/* Closing every gap up to the (n - max)-th smallest leaves at most max runs. */
	limit = gaps[n - max - 1];
	free(gaps);
	for (size_t i = 0; i < n; i++) {
		struct snap_extent *last = out > 0 ? &runs[out - 1] : NULL;

		if (last != NULL && gap(last, &runs[i]) <= limit)
			last->pages = (runs[i].gpa - last->gpa) / HL_PAGE_SIZE + runs[i].pages;
		else
			runs[out++] = runs[i];
	}
	return out;
}

/* The header of src's snapshot: sections packed after it, then each run's data from the
 * page-aligned data_offset; runs are whole pages, so the file ends on a page boundary. */
static enum hl_err fill_header(const struct snap_source *src, uint64_t names_size,
			       struct snap_header *h, struct hl_diag *d)
{
	uint64_t end;

	*h = (struct snap_header){ .version = SNAP_VERSION, .abi_version = HL_ABI_VERSION,
				   .heap_size = src->heap_size, .stack_size = src->stack_size,
				   .input_size = src->input_size,
				   .output_size = src->output_size, .mem_size = src->mem_size,
				   .dispatch = src->dispatch, .nextents = src->nruns };
	memcpy(h->magic, SNAP_MAGIC, SNAP_MAGIC_SIZE);
	h->elf_offset = sizeof *h;
	h->elf_size = src->elf_size;
	h->names_offset = h->elf_offset + h->elf_size;
	h->names_size = names_size;
	h->vcpu_offset = h->names_offset + names_size;
	h->vcpu_size = src->vcpu_size;
	h->extents_offset = h->vcpu_offset + h->vcpu_size;
	h->data_offset = hl_page_up(h->extents_offset + src->nruns * sizeof(struct snap_extent));
	end = h->data_offset;
	for (size_t i = 0; i < src->nruns; i++) {
		uint64_t bytes;

		if (__builtin_mul_overflow(src->runs[i].pages, HL_PAGE_SIZE, &bytes) ||
		    __builtin_add_overflow(end, bytes, &end))
			return hl_fail(d, HL_E_INTERNAL, "snapshot source: run %zu of %" PRIu64
				       " pages is too large", i, src->runs[i].pages);
	}
	h->file_size = end;
	hl_sha256(src->elf, src->elf_size, h->guest_sha256);
	memcpy(h->policy_sha256, src->policy_sha256, sizeof h->policy_sha256);
	return HL_OK;
}

/* Everything before data_offset, as parse_meta() will read it: the caller frees it. */
static uint8_t *build_meta(const struct snap_source *src, const struct snap_header *h)
{
	uint8_t *m = calloc(1, h->data_offset);
	uint64_t at = h->data_offset;

	if (m == NULL)
		return NULL;
	memcpy(m, h, sizeof *h);
	memcpy(m + h->elf_offset, src->elf, src->elf_size);
	for (size_t i = 0, o = h->names_offset; i < src->nnames; i++) {
		size_t n = strlen(src->names[i]) + 1;

		memcpy(m + o, src->names[i], n);
		o += n;
	}
	memcpy(m + h->vcpu_offset, src->vcpu, src->vcpu_size);
	for (size_t i = 0; i < src->nruns; i++) {
		struct snap_extent e = { src->runs[i].gpa, src->runs[i].pages, at };

		memcpy(m + h->extents_offset + i * sizeof e, &e, sizeof e);
		at += e.pages * HL_PAGE_SIZE;
	}
	return m;
}

/* The file's HMAC under key, as snap_mac() computes it from the file: the metadata, its
 * mac field zero, then each extent's pages from guest memory. */
static void mac_of(const uint8_t *meta, const struct snap_file *f, const uint8_t *mem,
		   const uint8_t *key, uint8_t out[HL_SHA256_SIZE])
{
	struct hl_hmac_sha256 c;

	hl_hmac_sha256_init(&c, key, SNAP_KEY_SIZE);
	hl_hmac_sha256_update(&c, meta, f->h.data_offset);
	for (uint64_t i = 0; i < f->h.nextents; i++)
		hl_hmac_sha256_update(&c, mem + f->extents[i].gpa,
				      f->extents[i].pages * HL_PAGE_SIZE);
	hl_hmac_sha256_final(&c, out);
}

/* Writes all n bytes at p, through short writes and interruptions; -1 with errno set
 * otherwise. */
static int write_all(int fd, const uint8_t *p, uint64_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w > 0) {
			p += w;
			n -= (uint64_t)w;
		} else if (w == 0 || errno != EINTR) {
			errno = w == 0 ? EIO : errno;
			return -1;
		}
	}
	return 0;
}

/* The metadata, then each extent's pages straight from guest memory; synced to disk, and
 * closed: close() can report a failed write-back, so only then is the file complete. */
static int write_file(int fd, const uint8_t *meta, const struct snap_file *f,
		      const uint8_t *mem)
{
	int rc = write_all(fd, meta, f->h.data_offset);

	for (uint64_t i = 0; rc == 0 && i < f->h.nextents; i++)
		rc = write_all(fd, mem + f->extents[i].gpa, f->extents[i].pages * HL_PAGE_SIZE);
	if (rc == 0)
		rc = fsync(fd);
	return close(fd) != 0 && rc == 0 ? -1 : rc;
}

enum hl_err snap_write(struct snap_out *o, const struct snap_source *src, struct hl_diag *d)
{
	struct snap_header h;
	struct snap_file *f = NULL;
	uint8_t *meta = NULL;
	uint64_t names_size;
	enum hl_err err = check_source(src, &names_size, d);
	int fd;

	if (err == HL_OK)
		err = fill_header(src, names_size, &h, d);
	if (err == HL_OK && (meta = build_meta(src, &h)) == NULL)
		err = hl_fail(d, HL_E_INTERNAL, "%s: out of memory", o->path);
	/* The reader's checks, on what is about to be written: a caller's mistake must not
	 * become a file that no hlrun accepts.  They also bound every run by mem_size. */
	if (err == HL_OK && (err = snap_parse(meta, h.file_size, o->path, &f, d)) ==
	    HL_E_INVALID) {
		err = HL_E_INTERNAL;
		if (d != NULL)
			d->err = err;
		hl_prefix(d, "invalid snapshot not written (a bug in hlrun)");
	}
	if (err == HL_OK && src->key != NULL) {
		mac_of(meta, f, src->mem, src->key, h.mac);
		memcpy(meta, &h, sizeof h);
	}
	if (err == HL_OK) {
		fd = o->fd;
		o->fd = -1;
		if (write_file(fd, meta, f, src->mem) != 0)
			err = hl_fail(d, HL_E_USAGE, "%s: cannot write snapshot: %s", o->path,
				      strerror(errno));
	}
	if (err == HL_OK)
		err = snap_out_publish(o, d);
	snap_free(f);
	free(meta);
	return err;
}
