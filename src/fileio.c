#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"

int file_read(const char *path, struct strbuf *out, int *missing)
{
	int fd;

	strbuf_reset(out);
	if (missing)
		*missing = 0;
	/*
	 * A file committed as a symbolic link could make git-graft read
	 * (and quote in its errors) whatever the link points at, outside
	 * the repository too: as git does for .gitmodules, refuse it.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT && missing) {
			*missing = 1;
			return 0;
		}
		if (errno == ELOOP)
			return graft_error("'%s' is a symbolic link; git-graft reads it only as a file",
					   path);
		return graft_error("cannot open '%s': %s", path, strerror(errno));
	}
	if (read_in_full(fd, out) < 0) {
		int err = errno;

		close(fd);
		return graft_error("cannot read '%s': %s", path, strerror(err));
	}
	close(fd);
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int fsync_parent_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd, rc = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		rc = graft_error("cannot sync directory '%s': %s", dir,
				 strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int syncfs_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || syncfs(fd) < 0)
		rc = graft_error("cannot sync '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = graft_error("cannot sync directory '%s': %s", path,
				 strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int mkdir_durable(const char *path)
{
	struct stat st;
	char *parent;
	int rc;

	if (!lstat(path, &st)) {
		if (S_ISDIR(st.st_mode))
			return 0;
		return graft_error("cannot create the directory '%s': a file is in the way",
				   path);
	}
	if (errno != ENOENT)
		return graft_error("cannot read '%s': %s", path, strerror(errno));
	parent = dir_of(path);
	rc = strcmp(parent, path) ? mkdir_durable(parent) : 0;
	if (rc == 0 && mkdir(path, 0777) < 0 && errno != EEXIST)
		rc = graft_error("cannot create the directory '%s': %s", path,
				 strerror(errno));
	if (rc == 0)
		rc = fsync_dir(parent);
	free(parent);
	return rc;
}

int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = graft_error("cannot sync '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc ? rc : fsync_parent_dir(path);
}

int write_in_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int read_in_full(int fd, struct strbuf *out)
{
	char chunk[65536];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			return 0;
		strbuf_add(out, chunk, (size_t)n);
	}
}

int readlink_at(int dirfd, const char *name, struct strbuf *out)
{
	size_t size = 256;

	for (;;) {
		ssize_t n;

		strbuf_reset(out);
		strbuf_grow(out, size);
		n = readlinkat(dirfd, name, out->buf, size);
		if (n < 0)
			return -1;
		if ((size_t)n < size) {
			strbuf_setlen(out, (size_t)n);
			return 0;
		}
		size *= 2;
	}
}

static mode_t target_mode(const char *path, int *readonly)
{
	struct stat st;
	mode_t mask;

	*readonly = 0;
	if (!lstat(path, &st) && S_ISREG(st.st_mode)) {
		*readonly = !(st.st_mode & 0222);
		return st.st_mode & 07777;
	}
	mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

int file_write_atomic(const char *path, const void *data, size_t len)
{
	char *dir = dir_of(path);
	const char *base = strrchr(path, '/');
	char *tmp;
	size_t tmplen;
	int fd, readonly, rc = 0;
	mode_t mode = target_mode(path, &readonly);

	if (readonly) {
		free(dir);
		rc = graft_error("cannot write '%s': the file is read-only",
				 path);
		graft_error_hint("make it writable (chmod u+w) if git-graft should update it");
		return rc;
	}
	base = base ? base + 1 : path;
	tmplen = strlen(dir) + strlen(base) + 16;
	tmp = xmalloc(tmplen);
	snprintf(tmp, tmplen, "%s/.%s.XXXXXX", dir, base);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = graft_error("cannot create a temporary file next to '%s': %s",
				 path, strerror(errno));
		goto done;
	}
	if (fchmod(fd, mode) < 0 || write_in_full(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		rc = graft_error("cannot write '%s': %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		goto done;
	}
	if (close(fd) < 0) {
		rc = graft_error("cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, path) < 0) {
		rc = graft_error("cannot replace '%s': %s", path, strerror(errno));
		unlink(tmp);
		goto done;
	}
	rc = fsync_parent_dir(path);
done:
	free(tmp);
	free(dir);
	return rc;
}

int path_exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

int path_is_symlink(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISLNK(st.st_mode);
}
