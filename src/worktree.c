#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "worktree.h"

/* Whether openat2(2) is there to use; cleared at the first ENOSYS. */
static int have_openat2 = 1;

static int fail(const char *what, const char *path)
{
	return graft_error("cannot %s '%s': %s", what, path, strerror(errno));
}

int worktree_open(struct worktree *wt, const char *root)
{
	struct strbuf root_path = STRBUF_INIT;
	size_t len = strlen(root);

	*wt = (struct worktree)WORKTREE_INIT;
	wt->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (wt->root_fd < 0)
		return graft_error("cannot open the work tree '%s': %s", root,
				   strerror(errno));
	strbuf_addstr(&root_path, root);
	if (!len || root[len - 1] != '/')
		strbuf_addch(&root_path, '/');
	wt->root = strbuf_detach(&root_path);
	wt->umask = umask(0);
	umask(wt->umask);
	return 0;
}

static void forget_dir(struct worktree *wt)
{
	if (wt->dir_fd >= 0)
		close(wt->dir_fd);
	wt->dir_fd = -1;
	strbuf_reset(&wt->dir);
}

/*
 * The directory path went (or moved): the one kept open may be it or
 * lie below it, and must not be written into.
 */
static void forget_dir_below(struct worktree *wt, const char *path)
{
	size_t len = strlen(path);

	if (wt->dir.len >= len && !memcmp(wt->dir.buf, path, len) &&
	    (wt->dir.len == len || wt->dir.buf[len] == '/'))
		forget_dir(wt);
}

void worktree_close(struct worktree *wt)
{
	forget_dir(wt);
	strbuf_release(&wt->dir);
	if (wt->root_fd >= 0)
		close(wt->root_fd);
	free(wt->root);
	*wt = (struct worktree)WORKTREE_INIT;
}

mode_t worktree_default_perms(const struct worktree *wt, int type_dir,
			      int executable)
{
	return ((type_dir || executable) ? 0777 : 0666) & ~wt->umask;
}

/* Git records no empty, "." or ".." component, nor a leading '/'. */
static int check_path(const char *path)
{
	const char *p = path;

	for (;;) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);

		if (!len || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return graft_error("refusing to write to the path '%s' in the work tree",
					   path);
		if (!*end)
			return 0;
		p = end + 1;
	}
}

/* One directory beneath the root in one call, or -1 with errno. */
static int open_beneath(int root_fd, const char *dir)
{
#ifdef SYS_openat2
	struct open_how how;
	long fd;

	if (!have_openat2 || strlen(dir) >= PATH_MAX) {
		errno = ENOSYS;
		return -1;
	}
	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		      RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, root_fd, dir, &how, sizeof(how));
	if (fd < 0 && (errno == ENOSYS || errno == E2BIG))
		have_openat2 = 0;
	return (int)fd;
#else
	(void)root_fd;
	(void)dir;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * Make the component name in dir_fd a directory: what is there instead
 * (a file, a symlink) goes. Returns the new directory's descriptor.
 */
static int replace_with_dir(struct worktree *wt, int dir_fd, const char *name,
			    const char *shown)
{
	int fd;

	if (errno != ENOENT) {
		if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT)
			return fail("remove", shown);
		wt->removed++;
	}
	if (mkdirat(dir_fd, name, 0777) < 0 && errno != EEXIST)
		return fail("create the directory", shown);
	wt->dirs_changed = 1;
	fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail("open the directory", shown);
	return fd;
}

/*
 * Open dir (len bytes of a path, no trailing '/') one component at a
 * time, each with O_NOFOLLOW, from the root. With create, missing
 * directories are made and files or symlinks in their way removed;
 * without, 1 is returned for a path that does not lead to a directory.
 */
static int walk_to_dir(struct worktree *wt, const char *dir, size_t len,
		       int create, int *out)
{
	struct strbuf name = STRBUF_INIT;
	const char *p = dir, *end = dir + len;
	int fd = dup(wt->root_fd), rc = 0;

	if (fd < 0)
		return fail("open the work tree", wt->root);
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		int next;

		if (!slash)
			slash = end;
		strbuf_reset(&name);
		strbuf_add(&name, p, (size_t)(slash - p));
		next = openat(fd, name.buf,
			      O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
				rc = fail("open the directory", dir);
				break;
			}
			if (!create) {
				rc = 1;
				break;
			}
			if ((next = replace_with_dir(wt, fd, name.buf, dir)) < 0) {
				rc = next;
				break;
			}
		}
		close(fd);
		fd = next;
		p = slash + 1;
	}
	strbuf_release(&name);
	if (rc) {
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

/*
 * The directory holding path, opened beneath the root, and the last
 * component's name in it. The descriptor is the worktree's until the
 * next call: do not close it. 1 without create when the directory is not
 * there.
 */
static int resolve_parent(struct worktree *wt, const char *path, int create,
			  int *dir_fd, const char **name)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	int rc, fd;

	if ((rc = check_path(path)) < 0)
		return rc;
	*name = slash ? slash + 1 : path;
	if (!len) {
		*dir_fd = wt->root_fd;
		return 0;
	}
	/*
	 * Resolved afresh each time: a directory kept open from one call to
	 * the next could have been moved out of the tree meanwhile.
	 */
	forget_dir(wt);
	strbuf_add(&wt->dir, path, len);
	fd = open_beneath(wt->root_fd, wt->dir.buf);
	if (fd < 0) {
		if (errno != ENOSYS && errno != ENAMETOOLONG && errno != ENOENT &&
		    errno != ENOTDIR && errno != ELOOP && errno != EXDEV &&
		    errno != EAGAIN) {
			rc = fail("open the directory", wt->dir.buf);
			strbuf_reset(&wt->dir);
			return rc;
		}
		if ((rc = walk_to_dir(wt, path, len, create, &fd)) != 0) {
			strbuf_reset(&wt->dir);
			return rc;
		}
	}
	wt->dir_fd = fd;
	*dir_fd = fd;
	return 0;
}

int worktree_lstat(struct worktree *wt, const char *path, struct stat *st)
{
	const char *name;
	int dir_fd, rc = resolve_parent(wt, path, 0, &dir_fd, &name);

	if (rc)
		return rc;
	if (fstatat(dir_fd, name, st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno == ENOENT || errno == ENOTDIR)
		return 1;
	return fail("read", path);
}

int worktree_birth_time(struct worktree *wt, const char *path,
			struct timespec *born)
{
	const char *name;
	struct statx stx;
	int dir_fd, rc = resolve_parent(wt, path, 0, &dir_fd, &name);

	if (rc)
		return rc;
	if (statx(dir_fd, name, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &stx) < 0 ||
	    !(stx.stx_mask & STATX_BTIME))
		return 1;
	born->tv_sec = stx.stx_btime.tv_sec;
	born->tv_nsec = stx.stx_btime.tv_nsec;
	return 0;
}

int worktree_read_file(struct worktree *wt, const char *path,
		       struct strbuf *out)
{
	const char *name;
	struct stat st;
	int dir_fd, fd, rc = resolve_parent(wt, path, 0, &dir_fd, &name);

	strbuf_reset(out);
	if (rc)
		return rc < 0 ? rc : graft_error("cannot read '%s': it is not there", path);
	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fail("read", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return graft_error("cannot read '%s': it is not a file", path);
	}
	rc = read_in_full(fd, out);
	close(fd);
	return rc < 0 ? fail("read", path) : 0;
}

int worktree_read_link(struct worktree *wt, const char *path,
		       struct strbuf *out)
{
	const char *name;
	int dir_fd, rc = resolve_parent(wt, path, 0, &dir_fd, &name);

	if (rc)
		return rc < 0 ? rc : graft_error("cannot read '%s': it is not there", path);
	if (readlink_at(dir_fd, name, out) < 0)
		return fail("read the symlink", path);
	return 0;
}

/* Remove the directory name in dir_fd and everything in it. */
static int remove_tree_at(struct worktree *wt, int dir_fd, const char *name,
			  const char *shown)
{
	int attempt, rc = 0;

	for (attempt = 0; attempt < 3; attempt++) {
		struct dirent *de;
		DIR *dir;
		int fd = openat(dir_fd, name,
				O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		/* a directory a command made unreadable or unwritable */
		if ((fd < 0 && errno == EACCES) ||
		    (fd >= 0 && faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) < 0)) {
			if (fchmodat(dir_fd, name, 0700, AT_SYMLINK_NOFOLLOW) < 0)
				return fail("remove the directory", shown);
			if (fd >= 0)
				close(fd);
			fd = openat(dir_fd, name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0 || !(dir = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			return fail("remove the directory", shown);
		}
		while (rc == 0 && (de = readdir(dir))) {
			struct stat st;
			int is_dir = de->d_type == DT_DIR;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (de->d_type == DT_UNKNOWN)
				is_dir = fstatat(fd, de->d_name, &st,
						 AT_SYMLINK_NOFOLLOW) == 0 &&
					 S_ISDIR(st.st_mode);
			if (is_dir)
				rc = remove_tree_at(wt, fd, de->d_name, shown);
			else if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
				rc = fail("remove a file in", shown);
		}
		closedir(dir);
		if (rc < 0)
			return rc;
		if (unlinkat(dir_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		/* something appeared meanwhile: read the directory again */
		if (errno != ENOTEMPTY && errno != EEXIST)
			break;
	}
	return fail("remove the directory", shown);
}

/* Remove whatever name in dir_fd is, st its lstat. */
static int remove_at(struct worktree *wt, int dir_fd, const char *name,
		     const struct stat *st, const char *shown)
{
	int rc = 0;

	if (S_ISDIR(st->st_mode)) {
		rc = remove_tree_at(wt, dir_fd, name, shown);
		forget_dir_below(wt, shown);
		wt->dirs_changed = 1;
	} else if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT) {
		rc = fail("remove", shown);
	}
	if (rc == 0)
		wt->removed++;
	return rc;
}

int worktree_remove(struct worktree *wt, const char *path)
{
	const char *name;
	struct stat st;
	int dir_fd, rc = resolve_parent(wt, path, 0, &dir_fd, &name);

	if (rc)
		return rc < 0 ? rc : 0;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : fail("read", path);
	return remove_at(wt, dir_fd, name, &st, path);
}

int worktree_rename(struct worktree *wt, const char *from, const char *to)
{
	const char *from_name, *to_name;
	int from_fd, to_fd, rc = resolve_parent(wt, from, 0, &from_fd, &from_name);

	if (rc)
		return rc < 0 ? rc : graft_error("cannot move '%s': it is not there", from);
	/* the next resolve may close the directory kept open */
	if ((from_fd = fcntl(from_fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return fail("move", from);
	if ((rc = resolve_parent(wt, to, 1, &to_fd, &to_name)) == 0 &&
	    renameat(from_fd, from_name, to_fd, to_name) < 0)
		rc = graft_error("cannot move '%s' to '%s': %s", from, to,
				 strerror(errno));
	close(from_fd);
	forget_dir_below(wt, from);
	wt->dirs_changed = 1;
	return rc;
}

int worktree_remove_empty_dir(struct worktree *wt, const char *path)
{
	const char *name;
	int dir_fd, rc = resolve_parent(wt, path, 0, &dir_fd, &name);

	if (rc)
		return rc < 0 ? rc : 1;
	if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0) {
		if (errno == ENOTEMPTY || errno == EEXIST || errno == ENOENT ||
		    errno == ENOTDIR || errno == EBUSY)
			return 1;
		return fail("remove the directory", path);
	}
	forget_dir_below(wt, path);
	wt->removed++;
	wt->dirs_changed = 1;
	return 0;
}

/* Clear what stands at name in dir_fd for a file: a directory tree goes. */
static int clear_for_file(struct worktree *wt, int dir_fd, const char *name,
			  const char *path)
{
	struct stat st;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : fail("read", path);
	if (!S_ISDIR(st.st_mode))
		return 0;
	return remove_at(wt, dir_fd, name, &st, path);
}

static void temp_name(struct worktree *wt, struct strbuf *out)
{
	strbuf_reset(out);
	strbuf_addf(out, ".graft-tmp-%ld-%u", (long)getpid(), wt->tmp_counter++);
}

/* Rename the temporary tmp over name, both in dir_fd. */
static int move_into_place(struct worktree *wt, int dir_fd, const char *tmp,
			   const char *name, const char *path)
{
	int rc;

	if ((rc = clear_for_file(wt, dir_fd, name, path)) < 0 ||
	    renameat(dir_fd, tmp, dir_fd, name) < 0) {
		if (!rc)
			rc = fail("write", path);
		unlinkat(dir_fd, tmp, 0);
		return rc;
	}
	wt->written++;
	wt->dirs_changed = 1;
	return 0;
}

int worktree_write_file(struct worktree *wt, const char *path,
			const void *data, size_t len, mode_t perms)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *name;
	int dir_fd, fd, rc = resolve_parent(wt, path, 1, &dir_fd, &name);

	if (rc)
		return rc;
	temp_name(wt, &tmp);
	fd = openat(dir_fd, tmp.buf,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = fail("write", path);
		goto done;
	}
	if (write_in_full(fd, data, len) < 0 || fchmod(fd, perms & 07777) < 0) {
		rc = fail("write", path);
		close(fd);
		unlinkat(dir_fd, tmp.buf, 0);
		goto done;
	}
	if (close(fd) < 0) {
		rc = fail("write", path);
		unlinkat(dir_fd, tmp.buf, 0);
		goto done;
	}
	rc = move_into_place(wt, dir_fd, tmp.buf, name, path);
done:
	strbuf_release(&tmp);
	return rc;
}

int worktree_write_symlink(struct worktree *wt, const char *path,
			   const char *target)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *name;
	int dir_fd, rc = resolve_parent(wt, path, 1, &dir_fd, &name);

	if (rc)
		return rc;
	temp_name(wt, &tmp);
	if (symlinkat(target, dir_fd, tmp.buf) < 0)
		rc = fail("write the symlink", path);
	else
		rc = move_into_place(wt, dir_fd, tmp.buf, name, path);
	strbuf_release(&tmp);
	return rc;
}

int worktree_make_fifo(struct worktree *wt, const char *path, mode_t perms)
{
	const char *name;
	struct stat st;
	int dir_fd, rc = resolve_parent(wt, path, 1, &dir_fd, &name);

	if (rc)
		return rc;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISFIFO(st.st_mode) &&
		    (rc = remove_at(wt, dir_fd, name, &st, path)) < 0)
			return rc;
	}
	if (mkfifoat(dir_fd, name, 0600) < 0 && errno != EEXIST)
		return fail("create the FIFO", path);
	wt->written++;
	wt->dirs_changed = 1;
	if (fchmodat(dir_fd, name, perms & 07777, AT_SYMLINK_NOFOLLOW) < 0)
		return fail("set the permissions of", path);
	return 0;
}

int worktree_make_dir(struct worktree *wt, const char *path, mode_t perms)
{
	const char *name;
	struct stat st;
	int dir_fd, exists, rc = resolve_parent(wt, path, 1, &dir_fd, &name);

	if (rc)
		return rc;
	exists = fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!exists && errno != ENOENT)
		return fail("read", path);
	if (exists && !S_ISDIR(st.st_mode)) {
		if (unlinkat(dir_fd, name, 0) < 0)
			return fail("remove", path);
		wt->removed++;
		exists = 0;
	}
	if (!exists) {
		if (mkdirat(dir_fd, name, 0700) < 0)
			return fail("create the directory", path);
		wt->dirs_changed = 1;
	}
	if (fchmodat(dir_fd, name, perms & 07777, AT_SYMLINK_NOFOLLOW) < 0)
		return fail("set the permissions of", path);
	return 0;
}

int worktree_chmod(struct worktree *wt, const char *path, mode_t perms)
{
	const char *name;
	int dir_fd, rc = resolve_parent(wt, path, 0, &dir_fd, &name);

	if (rc)
		return rc < 0 ? rc : 0;
	if (fchmodat(dir_fd, name, perms & 07777, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != ENOENT)
		return fail("set the permissions of", path);
	wt->dirs_changed = 1;
	return 0;
}

int worktree_checkout_content(git_buf *out, git_repository *repo,
			      const char *path, const git_oid *id,
			      git_filemode_t mode, int raw)
{
	git_blob_filter_options opts = GIT_BLOB_FILTER_OPTIONS_INIT;
	git_blob *blob = NULL;
	int rc = 0;

	if (git_blob_lookup(&blob, repo, id) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot read the content of '%s'",
				       path);
	if (raw || mode == GIT_FILEMODE_LINK) {
		if (git_buf_set(out, git_blob_rawcontent(blob),
				(size_t)git_blob_rawsize(blob)) < 0)
			rc = graft_error_git(GRAFT_EFATAL, "out of memory");
	} else {
		/*
		 * Filters decide about binary content themselves, as in git;
		 * with the check on, libgit2 hands binary blobs back empty.
		 */
		opts.flags &= ~(uint32_t)GIT_BLOB_FILTER_CHECK_FOR_BINARY;
		if (git_blob_filter(out, blob, path, &opts) < 0)
			rc = graft_error_git(GRAFT_EFAIL, "cannot check out '%s'",
					     path);
	}
	git_blob_free(blob);
	return rc;
}

int worktree_put(struct worktree *wt, const char *path, const git_buf *data,
		 git_filemode_t mode, int symlinks, mode_t perms)
{
	struct strbuf target = STRBUF_INIT;
	int rc;

	if (mode != GIT_FILEMODE_LINK || !symlinks)
		return worktree_write_file(wt, path, data->ptr, data->size, perms);
	if (memchr(data->ptr, '\0', data->size))
		return graft_error("cannot check out '%s': its symlink target holds a NUL byte",
				   path);
	strbuf_add(&target, data->ptr, data->size);
	rc = worktree_write_symlink(wt, path, target.buf);
	strbuf_release(&target);
	return rc;
}

int worktree_holds(int *same, struct worktree *wt, const char *path,
		   const git_buf *data, git_filemode_t mode, int symlinks,
		   mode_t perms)
{
	struct strbuf have = STRBUF_INIT;
	struct stat st;
	int rc = worktree_lstat(wt, path, &st);

	*same = 0;
	if (rc)
		return rc < 0 ? rc : 0;
	if (mode == GIT_FILEMODE_LINK && symlinks) {
		if (!S_ISLNK(st.st_mode))
			return 0;
		rc = worktree_read_link(wt, path, &have);
	} else {
		if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != (perms & 07777) ||
		    (size_t)st.st_size != data->size)
			return 0;
		rc = worktree_read_file(wt, path, &have);
	}
	if (rc == 0)
		*same = have.len == data->size &&
			(!have.len || !memcmp(have.buf, data->ptr, have.len));
	strbuf_release(&have);
	return rc;
}

int worktree_sync(struct worktree *wt)
{
	if (!wt->written && !wt->removed && !wt->dirs_changed)
		return 0;
	return syncfs_path(wt->root);
}
