/* The manifest: reading the file, the YAML stream around its one document, paths. */
#include "target/manifest_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void free_list(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

void mf_free(struct mf_manifest *m)
{
	if (m == NULL)
		return;
	free(m->path);
	free(m->guest);
	free(m->snapshot);
	free(m->core);
	free_list(m->host_functions, m->nhost_functions);
	free_list(m->env, m->nenv);
	free_list(m->files, m->nfiles);
	for (size_t i = 0; i < m->nmaps; i++)
		free(m->map_paths[i]);
	free_list(m->command, m->ncommand);
	free(m);
}

char *mf_join(const char *manifest, const char *path)
{
	const char *slash = strrchr(manifest, '/');
	const char *dir = ".";
	size_t dlen = 1, plen = strlen(path), sep;
	char *s;

	if (path[0] == '/')
		return strdup(path);
	if (slash != NULL) {
		dir = manifest;
		dlen = slash == manifest ? 1 : (size_t)(slash - manifest);
	}
	sep = dir[dlen - 1] != '/';
	s = malloc(dlen + sep + plen + 1);
	if (s == NULL)
		return NULL;
	memcpy(s, dir, dlen);
	if (sep)
		s[dlen] = '/';
	memcpy(s + dlen + sep, path, plen + 1);
	return s;
}

/* Parses the stream: exactly one document whose root is the top-level mapping. */
static enum hl_err parse_stream(struct mf_parser *p)
{
	enum hl_err err = mf_next(p); /* STREAM-START */

	if (err == HL_OK)
		err = mf_next(p);
	if (err != HL_OK)
		return err;
	if (p->ev.type == YAML_STREAM_END_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "the manifest is empty");
	err = mf_next(p); /* the root node, after DOCUMENT-START */
	if (err == HL_OK)
		err = mf_parse_top(p);
	if (err == HL_OK)
		err = mf_next(p); /* DOCUMENT-END */
	if (err == HL_OK)
		err = mf_next(p);
	if (err != HL_OK)
		return err;
	if (p->ev.type != YAML_STREAM_END_EVENT)
		return mf_fail_at(p, p->ev.start_mark, "more than one document (a manifest is "
				  "one mapping)");
	return HL_OK;
}

static enum hl_err parse(const char *buf, size_t len, const char *path,
			 struct mf_manifest **out, bool *not_yaml, struct hl_diag *d)
{
	struct mf_parser p = { .buf = buf, .len = len, .path = path, .d = d };
	const char *nul = memchr(buf, '\0', len);
	enum hl_err err;

	*out = NULL;
	if (len > MF_MAX_SIZE)
		return hl_fail(d, HL_E_INVALID, "%s: the manifest is larger than 64 KiB", path);
	if (nul != NULL)
		return mf_fail_at(&p, mf_mark_at(&p, (size_t)(nul - buf)),
				  "NUL byte in the manifest");
	p.m = calloc(1, sizeof *p.m);
	if (p.m == NULL || (p.m->path = strdup(path)) == NULL) {
		free(p.m);
		return mf_nomem(&p);
	}
	if (!yaml_parser_initialize(&p.yp)) {
		mf_free(p.m);
		return mf_nomem(&p);
	}
	yaml_parser_set_input_string(&p.yp, (const unsigned char *)buf, len);
	/* No guessing UTF-16 from a byte-order mark: a manifest is UTF-8. */
	yaml_parser_set_encoding(&p.yp, YAML_UTF8_ENCODING);
	err = parse_stream(&p);
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.yp);
	if (err != HL_OK) {
		mf_free(p.m);
		if (not_yaml != NULL)
			*not_yaml = p.not_yaml;
		return err;
	}
	*out = p.m;
	return HL_OK;
}

enum hl_err mf_parse(const char *buf, size_t len, const char *path, struct mf_manifest **out,
		     struct hl_diag *d)
{
	return parse(buf, len, path, out, NULL, d);
}

/* Reads at most MF_MAX_SIZE + 1 bytes of fd into buf, so that a longer file shows. */
static enum hl_err read_all(int fd, const char *path, char *buf, size_t *len,
			    struct hl_diag *d)
{
	*len = 0;
	while (*len <= MF_MAX_SIZE) {
		ssize_t n = read(fd, buf + *len, MF_MAX_SIZE + 1 - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hl_fail(d, HL_E_INVALID, "%s: cannot read: %s", path,
				       strerror(errno));
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	if (*len > MF_MAX_SIZE)
		return hl_fail(d, HL_E_INVALID, "%s: the manifest is larger than 64 KiB", path);
	return HL_OK;
}

enum hl_err mf_load(const char *path, struct mf_manifest **out, bool *not_yaml,
		    struct hl_diag *d)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	enum hl_err err;
	struct stat st;
	char *buf = NULL;
	size_t len;

	*out = NULL;
	*not_yaml = false;
	if (fd < 0)
		return hl_fail(d, HL_E_INVALID, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		err = hl_fail(d, HL_E_INVALID, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = hl_fail(d, HL_E_INVALID, "%s: %s", path, S_ISDIR(st.st_mode) ?
			      "is a directory, not a manifest" : "not a regular file");
		goto out;
	}
	if (st.st_size > (off_t)MF_MAX_SIZE) {
		err = hl_fail(d, HL_E_INVALID, "%s: the manifest is larger than 64 KiB", path);
		goto out;
	}
	buf = malloc(MF_MAX_SIZE + 1);
	if (buf == NULL) {
		err = hl_fail(d, HL_E_INTERNAL, "%s: out of memory", path);
		goto out;
	}
	err = read_all(fd, path, buf, &len, d);
	if (err == HL_OK)
		err = parse(buf, len, path, out, not_yaml, d);
out:
	free(buf);
	close(fd);
	return err;
}
