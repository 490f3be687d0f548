/* ReadFile: reads a host file for the guest, confined to the manifest's files by the
 * real path, so that neither `..` nor a symbolic link leads outside them. */
#include "core/core_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Guest-chosen text quoted in a message is cut here, so the message keeps its end. */
#define QUOTE_MAX 200

/* True when the real path is root or lies below it, a whole component at a time:
 * "/data" holds "/data/x" but not "/database". */
static bool below(const char *path, const char *root)
{
	size_t n = strlen(root);

	if (strncmp(path, root, n) != 0)
		return false;
	return path[n] == '\0' || path[n] == '/' || (n > 0 && root[n - 1] == '/');
}

/* True when the real path lies within an entry of policy.files.  The entries are
 * resolved on every call, so there is no cache to keep in step with the file system; one
 * that does not resolve allows nothing. */
static bool inside(const struct sbx_policy *p, const char *real)
{
	bool ok = false;

	for (size_t i = 0; i < p->nfiles && !ok; i++) {
		char *root = realpath(p->files[i], NULL);

		ok = root != NULL && below(real, root);
		free(root);
	}
	return ok;
}

/* For a path that does not resolve: true when the place it names (its resolved directory
 * and its last component) lies inside the files.  Only then may the guest learn why it
 * failed; outside, the reason would tell what exists there. */
static bool parent_inside(const struct sbx_policy *p, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	char *dir, *real = NULL, *joined = NULL;
	bool ok = false;

	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return false;
	if (slash == NULL)
		dir = strdup(".");
	else
		dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (dir != NULL)
		real = realpath(dir, NULL);
	if (real != NULL && asprintf(&joined, "%s%s%s", real,
				     real[strlen(real) - 1] == '/' ? "" : "/", base) >= 0) {
		ok = inside(p, joined);
		free(joined);
	}
	free(real);
	free(dir);
	return ok;
}

static enum hl_err deny(struct sbx_host_out *o, const char *path)
{
	return sbx_host_refuse(o, HL_ERR_HOST_DENIED, "ReadFile: '%.*s' is outside the "
			       "manifest's files", QUOTE_MAX, path);
}

/* Reads up to size bytes of fd into a new buffer that o owns; a file that shrank since
 * fstat gives what it still has, one that grew only its first size bytes. */
static enum hl_err read_fd(int fd, size_t size, const char *path, struct sbx_host_out *o,
			   struct hl_diag *d)
{
	uint8_t *buf = malloc(size + 1);
	size_t got = 0;

	if (buf == NULL)
		return hl_fail(d, HL_E_INTERNAL, "ReadFile: out of memory for %zu bytes", size);
	o->owned = buf;
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);

		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sbx_host_refuse(o, HL_ERR_HOST_FAILED, "ReadFile: cannot read "
					       "'%.*s': %s", QUOTE_MAX, path, strerror(errno));
		got += (size_t)r;
	}
	o->val.data = buf;
	o->val.len = (uint32_t)got;
	return HL_OK;
}

/* Opens the resolved path: O_NOFOLLOW refuses a symbolic link swapped in since it was
 * resolved, O_NONBLOCK keeps a FIFO from hanging the open. */
static enum hl_err read_real(struct sbx *s, const char *real, const char *path,
			     struct sbx_host_out *o, struct hl_diag *d)
{
	struct stat st;
	int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	enum hl_err err;

	if (fd < 0)
		return sbx_host_refuse(o, HL_ERR_HOST_FAILED, "ReadFile: cannot open '%.*s': %s",
				       QUOTE_MAX, path, strerror(errno));
	if (fstat(fd, &st) != 0)
		err = sbx_host_refuse(o, HL_ERR_HOST_FAILED, "ReadFile: cannot stat '%.*s': %s",
				      QUOTE_MAX, path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		err = sbx_host_refuse(o, HL_ERR_HOST_FAILED, "ReadFile: '%.*s' is not a regular "
				      "file", QUOTE_MAX, path);
	else if (sbx_host_reply_size(HL_T_BYTES, (uint64_t)st.st_size) > s->layout.output_size)
		err = sbx_host_refuse(o, HL_ERR_HOST_FAILED, "ReadFile: '%.*s' has %llu bytes, "
				      "more than the output buffer (%llu bytes) holds; raise "
				      "--output-size", QUOTE_MAX, path,
				      (unsigned long long)st.st_size,
				      (unsigned long long)s->layout.output_size);
	else
		err = read_fd(fd, (size_t)st.st_size, path, o, d);
	close(fd);
	return err;
}

enum hl_err sbx_host_read_file(struct sbx *s, const struct hl_value *args,
			       struct sbx_host_out *o, struct hl_diag *d)
{
	const struct sbx_policy *p = &s->cfg.policy;
	const char *path = (const char *)args[0].data;
	char *real = realpath(path, NULL);
	enum hl_err err;
	int e = errno;

	if (real == NULL && e == ENOMEM)
		return hl_fail(d, HL_E_INTERNAL, "ReadFile: out of memory");
	if (real == NULL)
		return parent_inside(p, path) ?
			sbx_host_refuse(o, HL_ERR_HOST_FAILED, "ReadFile: cannot read '%.*s': %s",
					QUOTE_MAX, path, strerror(e)) :
			deny(o, path);
	err = inside(p, real) ? read_real(s, real, path, o, d) : deny(o, path);
	free(real);
	return err;
}
