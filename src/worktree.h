#ifndef GRAFT_WORKTREE_H
#define GRAFT_WORKTREE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <git2.h>

#include "strbuf.h"

/*
 * Writing into a work tree without ever leaving it: the one place where
 * a restore, an autostash and a rollback change files.
 *
 * Every path is relative to the top of the work tree and resolved
 * beneath it through directory file descriptors, never through a
 * symbolic link: with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
 * where the kernel has it, component by component with O_NOFOLLOW
 * otherwise (and for paths longer than PATH_MAX), afresh for each call.
 * A process that swaps a directory for a symlink while a restore runs
 * cannot redirect a write, a rename or an unlink out of the tree: the
 * name is looked up in a directory already opened as a directory. (One
 * that moves a directory out of the tree, in the instant between its
 * lookup and the write into it, takes that one write with it: no
 * descriptor-based lookup can prevent that.) Paths must be what git
 * records: no empty, "." or ".." component.
 *
 * Files are replaced by rename from a temporary file in the same
 * directory, never written in place. Where a path needs a directory and
 * finds a file or a symlink, that goes (the caller has decided the path
 * is to be written). Nothing is fsync'd one by one: worktree_sync flushes
 * everything written with one syncfs(2).
 */

struct worktree {
	int root_fd;
	char *root;		/* absolute, ends in '/'; for messages */
	mode_t umask;
	/* the directory of the last path resolved, open until the next */
	struct strbuf dir;
	int dir_fd;
	unsigned tmp_counter;
	/* what was changed, for worktree_sync and the caller's stats */
	size_t written, removed;
	int dirs_changed;
};

#define WORKTREE_INIT { .root_fd = -1, .dir = STRBUF_INIT, .dir_fd = -1 }

int worktree_open(struct worktree *wt, const char *root);
void worktree_close(struct worktree *wt);

/* The permissions git gives a new file (executable or not) or directory. */
mode_t worktree_default_perms(const struct worktree *wt, int type_dir,
			      int executable);

/*
 * lstat of path. 0, or 1 when there is nothing there (nor a directory on
 * the way to it: a file or symlink in place of one counts as nothing).
 */
int worktree_lstat(struct worktree *wt, const char *path, struct stat *st);

/*
 * The birth time of what is at path, where the file system keeps one:
 * 0 and *born set, 1 when it keeps none (or nothing is there).
 */
int worktree_birth_time(struct worktree *wt, const char *path,
			struct timespec *born);

/* The content of the regular file at path (never through a symlink). */
int worktree_read_file(struct worktree *wt, const char *path,
		       struct strbuf *out);
/* The target of the symlink at path. */
int worktree_read_link(struct worktree *wt, const char *path,
		       struct strbuf *out);

/*
 * Make path the regular file holding data, with exactly the permission
 * bits perms (the umask does not apply).
 */
int worktree_write_file(struct worktree *wt, const char *path,
			const void *data, size_t len, mode_t perms);
/* Make path a symlink to target. */
int worktree_write_symlink(struct worktree *wt, const char *path,
			   const char *target);
/* Make path a FIFO with permissions perms, unless it is one already. */
int worktree_make_fifo(struct worktree *wt, const char *path, mode_t perms);
/*
 * Make path a directory (its leading directories too), then give it
 * exactly perms. A file or symlink in its way goes.
 */
int worktree_make_dir(struct worktree *wt, const char *path, mode_t perms);
/* Set the permission bits of what is at path (never through a symlink). */
int worktree_chmod(struct worktree *wt, const char *path, mode_t perms);

/*
 * Remove whatever is at path, a whole directory tree included, at any
 * depth. Nothing there is not an error.
 */
int worktree_remove(struct worktree *wt, const char *path);
/*
 * Move what is at from to to (made as worktree_write_file makes a path;
 * nothing may be at to).
 */
int worktree_rename(struct worktree *wt, const char *from, const char *to);

/* Remove the directory at path if it is empty: 0 removed, 1 not. */
int worktree_remove_empty_dir(struct worktree *wt, const char *path);

/*
 * What the work tree should hold at path for the blob id of mode (as a
 * tree or the index records them): the blob through the checkout
 * filters of repo for path (the attributes and config repo reads now),
 * or as it is when raw or when it is a symlink's target. Into out.
 */
int worktree_checkout_content(git_buf *out, git_repository *repo,
			      const char *path, const git_oid *id,
			      git_filemode_t mode, int raw);

/*
 * Put data (worktree_checkout_content's) at path as git checks out mode:
 * a symlink when mode is a link and symlinks is set, else a regular file
 * with permissions perms.
 */
int worktree_put(struct worktree *wt, const char *path, const git_buf *data,
		 git_filemode_t mode, int symlinks, mode_t perms);

/*
 * Whether path holds exactly data as worktree_put would put it: the same
 * type, bytes and (for a regular file) permission bits perms. Sets *same.
 */
int worktree_holds(int *same, struct worktree *wt, const char *path,
		   const git_buf *data, git_filemode_t mode, int symlinks,
		   mode_t perms);

/*
 * Make what was written and removed durable: one syncfs(2) of the work
 * tree's file system, when anything changed.
 */
int worktree_sync(struct worktree *wt);

#endif
