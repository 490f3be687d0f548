/* The user's snapshot key, which authenticates the snapshots this user's hlrun saves, so
 * that a manifest's cache runs only when this user made it (hlrun(1), SNAPSHOTS). */
#include "core/snapshot_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* $XDG_STATE_HOME/hlrun, or $HOME/.local/state/hlrun; false when neither is set (or it is
 * relative, which the XDG specification tells to ignore). */
static bool key_dir(char *dir, size_t len)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	if (state != NULL && state[0] == '/')
		n = snprintf(dir, len, "%s/hlrun", state);
	else if (home != NULL && home[0] == '/')
		n = snprintf(dir, len, "%s/.local/state/hlrun", home);
	else
		return false;
	return n > 0 && (size_t)n < len;
}

/* Makes dir and its missing parents, each mode 0700. */
static int make_dirs(char *dir)
{
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* A new key, written exclusively: when two runs race, one makes it and both read it. */
static enum hl_err make_key(const char *dir, const char *path, struct hl_diag *d)
{
	uint8_t key[SNAP_KEY_SIZE];
	char copy[PATH_MAX];
	int fd;

	snprintf(copy, sizeof copy, "%s", dir);
	if (make_dirs(copy) != 0)
		return hl_fail(d, HL_E_USAGE, "%s: cannot make the snapshot key's directory: %s",
			       dir, strerror(errno));
	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
		return hl_fail(d, HL_E_INTERNAL, "cannot draw a snapshot key: %s",
			       strerror(errno));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return HL_OK;
	if (fd < 0 || write(fd, key, sizeof key) != (ssize_t)sizeof key || fsync(fd) != 0) {
		int e = errno;

		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return hl_fail(d, HL_E_USAGE, "%s: cannot make a snapshot key: %s", path,
			       strerror(e));
	}
	return close(fd) == 0 ? HL_OK : hl_fail(d, HL_E_USAGE, "%s: cannot make a snapshot "
						 "key: %s", path, strerror(errno));
}

/* Reads the key at path: the user's own regular file, readable by no one else, of
 * exactly SNAP_KEY_SIZE bytes; otherwise it authenticates nothing. */
static enum hl_err read_key(const char *path, uint8_t key[SNAP_KEY_SIZE], bool *found,
			    struct hl_diag *d)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	enum hl_err err = HL_OK;
	struct stat st;

	*found = false;
	if (fd < 0)
		return errno == ENOENT ? HL_OK : hl_fail(d, HL_E_USAGE, "%s: cannot read the "
							  "snapshot key: %s", path,
							  strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0 || st.st_size != SNAP_KEY_SIZE)
		err = hl_fail(d, HL_E_USAGE, "%s: not a snapshot key: it must be a regular file "
			      "of %d bytes, the user's own and mode 0600", path, SNAP_KEY_SIZE);
	else if (read(fd, key, SNAP_KEY_SIZE) != SNAP_KEY_SIZE)
		err = hl_fail(d, HL_E_USAGE, "%s: cannot read the snapshot key: %s", path,
			      strerror(errno));
	else
		*found = true;
	close(fd);
	return err;
}

enum hl_err snap_key(bool create, uint8_t key[SNAP_KEY_SIZE], bool *found,
		     struct hl_diag *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	enum hl_err err;

	*found = false;
	if (!key_dir(dir, sizeof dir))
		return HL_OK;
	snprintf(path, sizeof path, "%s/snapshot.key", dir);
	err = read_key(path, key, found, d);
	if (err == HL_OK && !*found && create) {
		err = make_key(dir, path, d);
		if (err == HL_OK)
			err = read_key(path, key, found, d);
	}
	return err;
}
