#ifndef GRAFT_FILEIO_H
#define GRAFT_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

/*
 * Read the whole file at path into out. When missing is not NULL, a file
 * that does not exist sets *missing and returns 0 with out empty;
 * otherwise that is an error too. A symbolic link is refused. Errors
 * name the path.
 */
int file_read(const char *path, struct strbuf *out, int *missing);

/*
 * Replace path with data so that a reader, a crash or a full disk sees the
 * old file or the new one, never a mix: a temporary file in the same
 * directory, written in full, fsync'd, renamed over path, and the
 * directory fsync'd. The file keeps the mode of the one it replaces (new
 * files get 0666 less the umask). A file with no write permission at all
 * is refused: rename would replace it, but its owner asked for it to stay.
 */
int file_write_atomic(const char *path, const void *data, size_t len);

/* fsync the directory holding path, so a rename in it is durable. */
int fsync_parent_dir(const char *path);

/*
 * Flush everything written to the file system holding path (syncfs(2)):
 * one call instead of an fsync for each of thousands of files.
 */
int syncfs_path(const char *path);

/* fsync the directory at path. */
int fsync_dir(const char *path);

/*
 * Create the directory path (absolute) and whatever is missing above it,
 * each new one made durable by an fsync of its parent. An existing
 * directory is fine.
 */
int mkdir_durable(const char *path);

/* fsync the file (or directory) at path, then the directory holding it. */
int fsync_path(const char *path);

/*
 * Write all of buf to fd, going on after short writes and EINTR.
 * 0, or -1 with errno set.
 */
int write_in_full(int fd, const void *buf, size_t len);

/* Append everything left to read from fd to out. 0, or -1 with errno set. */
int read_in_full(int fd, struct strbuf *out);

/*
 * The target of the symlink name in the directory dirfd, of any length,
 * into out. 0, or -1 with errno set.
 */
int readlink_at(int dirfd, const char *name, struct strbuf *out);

/* 1 if path exists (without following a final symlink), else 0. */
int path_exists(const char *path);

/* 1 if path is a symbolic link (lstat), else 0. */
int path_is_symlink(const char *path);

#endif
