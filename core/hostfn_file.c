/* ReadFile: reads a host file for the guest, confined to the files granted (the manifest's
 * files, --dir).  Each entry is resolved and opened once, before the guest runs; a guest's
 * path is made absolute and freed of `.` and `..` as written, matched against the entries,
 * and then opened one component at a time from the entry's directory descriptor,
 * following no symbolic link.
 * Nothing is resolved by name after a check, so another process that renames or swaps
 * files meanwhile cannot lead a read outside the entries. */
#include "core/core_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One entry of policy.files, opened before the guest runs. */
struct sbx_file_root {
	int dirfd;        /* the entry, or for a file entry its directory (O_PATH) */
	char *name;       /* a file entry's last component; NULL for a directory */
	char *written;    /* the entry as written, made absolute and normalised */
	char *real;       /* its real path */
	int error;        /* with dirfd -1: why the entry could not be opened */
};

int sbx_normalize_path(const char *cwd, const char *path, char *out, size_t cap)
{
	size_t n = 0;
	const char *p = path;

	if (cap < 2)
		return -1;
	if (path[0] != '/' && sbx_normalize_path("/", cwd, out, cap) == 0)
		n = strcmp(out, "/") == 0 ? 0 : strlen(out);
	else if (path[0] != '/')
		return -1;
	while (*p != '\0') {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && out[--n] != '/')
				;
		} else if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (n + 1 + len + 1 > cap)
				return -1;
			out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
		p += *p == '/';
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return 0;
}

static void free_root(struct sbx_file_root *r)
{
	if (r->dirfd >= 0)
		close(r->dirfd);
	free(r->name);
	free(r->written);
	free(r->real);
}

void sbx_files_close(struct sbx *s)
{
	for (size_t i = 0; i < s->nroots; i++)
		free_root(&s->roots[i]);
	free(s->roots);
	free(s->cwd);
	s->roots = NULL;
	s->nroots = 0;
	s->cwd = NULL;
}

/* Opens entry e into r.  An entry that does not resolve (it need not exist) is left
 * closed, dirfd -1, with the reason in r->error for ReadFile to report. */
static enum hl_err open_root(const char *cwd, const char *e, struct sbx_file_root *r,
			     struct hl_diag *d)
{
	char norm[PATH_MAX];
	struct stat st;
	char *slash;

	*r = (struct sbx_file_root){ .dirfd = -1, .error = ENAMETOOLONG };
	if (sbx_normalize_path(cwd, e, norm, sizeof norm) != 0)
		return HL_OK;
	r->written = strdup(norm);
	r->real = realpath(e, NULL);
	r->error = errno;
	if (r->written == NULL || (r->real == NULL && errno == ENOMEM))
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	if (r->real == NULL)
		return HL_OK;
	if (stat(r->real, &st) != 0) {
		r->error = errno;
		return HL_OK;
	}
	if (S_ISDIR(st.st_mode)) {
		r->dirfd = open(r->real, O_PATH | O_DIRECTORY | O_CLOEXEC);
		r->error = errno;
		return HL_OK;
	}
	slash = strrchr(r->real, '/');
	r->name = strdup(slash + 1);
	if (r->name == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	*slash = '\0';
	r->dirfd = open(slash == r->real ? "/" : r->real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r->error = errno;
	*slash = '/';
	return HL_OK;
}

enum hl_err sbx_files_open(struct sbx *s, struct hl_diag *d)
{
	const struct sbx_policy *p = &s->cfg.policy;
	enum hl_err err = HL_OK;

	if (p->nfiles == 0)
		return HL_OK;
	s->cwd = getcwd(NULL, 0);
	if (s->cwd == NULL)
		return hl_fail(d, HL_E_INTERNAL, "cannot read the working directory: %s",
			       strerror(errno));
	s->roots = calloc(p->nfiles, sizeof *s->roots);
	if (s->roots == NULL)
		return hl_fail(d, HL_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < p->nfiles && err == HL_OK; i++, s->nroots++)
		err = open_root(s->cwd, p->files[i], &s->roots[i], d);
	return err;
}

/* The part of norm below root ("" for root itself), or NULL when norm is not root and
 * does not lie below it, a whole component at a time: "/data" holds "/data/x" but not
 * "/database". */
static const char *below(const char *norm, const char *root)
{
	size_t n = strlen(root);

	if (strncmp(norm, root, n) != 0)
		return NULL;
	if (norm[n] == '\0')
		return norm + n;
	if (norm[n] == '/')
		return norm + n + 1;
	return n == 1 ? norm + 1 : NULL; /* the root directory "/" */
}

/* The entry that holds norm and the rest of the path below it, or NULL.  An open entry
 * comes first; else a closed one whose path as written holds norm (for its error). */
static const struct sbx_file_root *find_root(const struct sbx *s, const char *norm,
					     const char **rest)
{
	for (size_t i = 0; i < s->nroots; i++) {
		const struct sbx_file_root *r = &s->roots[i];

		if (r->dirfd < 0)
			continue;
		*rest = below(norm, r->written);
		if (*rest == NULL && r->real != NULL)
			*rest = below(norm, r->real);
		if (*rest != NULL && (r->name == NULL || **rest == '\0'))
			return r;
	}
	for (size_t i = 0; i < s->nroots; i++) {
		const struct sbx_file_root *r = &s->roots[i];

		if (r->dirfd < 0 && r->written != NULL &&
		    (*rest = below(norm, r->written)) != NULL)
			return r;
	}
	return NULL;
}

static enum hl_err deny(struct sbx_host_out *o, const char *path)
{
	char q[HL_QUOTE_MAX + 1];

	return sbx_host_refuse(o, HL_ERR_HOST_DENIED, "ReadFile: '%s' is outside the "
			       "files granted (by the manifest's files or --dir)", hl_quote(path, q));
}

static enum hl_err cannot(struct sbx_host_out *o, const char *path, int e)
{
	char q[HL_QUOTE_MAX + 1];

	if (e == ELOOP)
		return sbx_host_refuse(o, HL_ERR_HOST_DENIED, "ReadFile: '%s' has a symbolic "
				       "link on its path below a granted file, and ReadFile "
				       "follows none", hl_quote(path, q));
	return sbx_host_refuse(o, HL_ERR_HOST_FAILED, "ReadFile: cannot read '%s': %s",
			       hl_quote(path, q), strerror(e));
}

static enum hl_err not_regular(struct sbx_host_out *o, const char *path)
{
	char q[HL_QUOTE_MAX + 1];

	return sbx_host_refuse(o, HL_ERR_HOST_FAILED, "ReadFile: '%s' is not a regular file",
			       hl_quote(path, q));
}

/* Opens directory name below dirfd without following a symbolic link: *fd, or an errno
 * (ELOOP for a symbolic link). */
static int open_dir(int dirfd, const char *name, int *fd)
{
	struct stat st;

	*fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	if (errno == ENOTDIR && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return ELOOP;
	return errno;
}

/* Walks the directories of rest from the root's descriptor; leaves the last component's
 * directory in *fd (to be closed when it is not the root's) and its name in *last.
 * Returns 0 or an errno. */
static int walk(const struct sbx_file_root *r, char *rest, int *fd, const char **last)
{
	char *name = rest, *slash;
	int cur = r->dirfd;

	if (r->name != NULL) {
		*fd = cur;
		*last = r->name;
		return 0;
	}
	while ((slash = strchr(name, '/')) != NULL) {
		int next, e;

		*slash = '\0';
		e = open_dir(cur, name, &next);
		if (cur != r->dirfd)
			close(cur);
		if (e != 0)
			return e;
		cur = next;
		name = slash + 1;
	}
	*fd = cur;
	*last = name;
	return 0;
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
			return cannot(o, path, errno);
		got += (size_t)r;
	}
	o->val.data = buf;
	o->val.len = (uint32_t)got;
	return HL_OK;
}

/* Opens and reads name below dirfd.  Its type is checked before the open, so that a
 * device or FIFO is not opened, and again on the descriptor, which is what is read: no
 * symbolic link is followed, O_NONBLOCK keeps a FIFO swapped in meanwhile from hanging
 * the open, O_NOCTTY a terminal from becoming hlrun's. */
static enum hl_err read_at(struct sbx *s, int dirfd, const char *name, const char *path,
			   struct sbx_host_out *o, struct hl_diag *d)
{
	char q[HL_QUOTE_MAX + 1];
	struct stat st;
	enum hl_err err;
	int fd;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return cannot(o, path, errno);
	if (S_ISLNK(st.st_mode))
		return cannot(o, path, ELOOP);
	if (!S_ISREG(st.st_mode))
		return not_regular(o, path);
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return cannot(o, path, errno);
	if (fstat(fd, &st) != 0)
		err = cannot(o, path, errno);
	else if (!S_ISREG(st.st_mode))
		err = not_regular(o, path);
	else if (sbx_host_reply_size(HL_T_BYTES, (uint64_t)st.st_size) > s->layout.output_size)
		err = sbx_host_refuse(o, HL_ERR_HOST_FAILED, "ReadFile: '%s' has %llu bytes, "
				      "more than the output buffer (%llu bytes) holds; raise "
				      "--output-size", hl_quote(path, q),
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
	const char *path = (const char *)args[0].data, *rest, *last;
	const struct sbx_file_root *r;
	char norm[PATH_MAX], *walked;
	enum hl_err err;
	int fd, e;

	if (s->cwd == NULL || sbx_normalize_path(s->cwd, path, norm, sizeof norm) != 0 ||
	    (r = find_root(s, norm, &rest)) == NULL)
		return deny(o, path);
	if (r->dirfd < 0)
		return cannot(o, path, r->error);
	if (*rest == '\0' && r->name == NULL)
		return not_regular(o, path);
	walked = strdup(rest);
	if (walked == NULL)
		return hl_fail(d, HL_E_INTERNAL, "ReadFile: out of memory");
	e = walk(r, walked, &fd, &last);
	if (e != 0) {
		err = cannot(o, path, e);
	} else {
		err = read_at(s, fd, last, path, o, d);
		if (fd != r->dirfd)
			close(fd);
	}
	free(walked);
	return err;
}
