#ifndef GRAFT_SNAPSHOT_META_H
#define GRAFT_SNAPSHOT_META_H

#include <stddef.h>

#include <git2.h>

#include "strbuf.h"

/*
 * What a snapshot keeps that a git tree cannot hold: permission bits,
 * empty directories, FIFOs, the index flags of skip-worktree and
 * assume-unchanged entries, the repositories nested in the work tree
 * (each with a snapshot of its own, in its own object database) and,
 * for a dependency's checkout, every ignored file as it was.
 *
 * The records are one blob ("records" in the tree of the snapshot's
 * metadata commit), each record a line of fields separated by spaces
 * and ended by NUL bytes, the path last, so that a path may hold any
 * byte but NUL:
 *
 *   <kind> <mode> <flags> <state> <ino> <size> <mtime-ns> <id> <path>\0<gitfile>\0
 *
 * mode in octal, id a 40-hex object id or "-", gitfile empty but for a
 * nested repository whose .git is a file (what that file says).
 */

/* The format a snapshot's W commit names in its Graft-Snapshot trailer. */
#define SNAPSHOT_FORMAT "2"
/* Graft-Head when HEAD was detached. */
#define SNAPSHOT_DETACHED "(detached)"

/* The names in M's tree. */
#define SNAPSHOT_RECORDS "records"
#define SNAPSHOT_GITDIR_PREFIX "gitdir/"
#define SNAPSHOT_RAW_PREFIX "raw/"
#define SNAPSHOT_HIDDEN_PREFIX "hidden/"

/*
 * The files of the git directory (its common part) a snapshot keeps
 * under gitdir/, NULL-ended: what decides the bytes of a checked-out
 * file and what is ignored.
 */
extern const char *const snapshot_gitdir_files[];

enum meta_kind {
	META_PERMS = 'P',	/* a file or directory whose permission bits
				 * are not git's default; mode */
	META_EMPTY_DIR = 'E',	/* an empty directory; mode */
	META_FIFO = 'F',	/* a FIFO; mode */
	META_FLAGGED = 'S',	/* an index entry flagged skip-worktree or
				 * assume-unchanged; flags; state '.' a file
				 * is there (its content is in the tree), 'D'
				 * none */
	META_NESTED = 'N',	/* a nested repository; id its snapshot, ino
				 * the inode of its directory, gitfile;
				 * flags META_NESTED_DEPENDENCY for the
				 * dependency's checkout */
	META_IGNORED = 'I',	/* an ignored file or directory ("dir/") of a
				 * dependency's checkout; mode, ino, size,
				 * mtime */
};

#define META_NESTED_DEPENDENCY 1u

struct meta_record {
	char kind;		/* enum meta_kind */
	char state;
	unsigned mode;
	unsigned flags;
	unsigned long ino;
	long long size, mtime_ns;
	git_oid id;
	char *path;
	char *gitfile;		/* NULL: none */
};

struct meta_list {
	struct meta_record *items;	/* by path, then kind, once sorted */
	size_t nr, alloc;
};

#define META_LIST_INIT { .items = NULL }

/* A new record of kind for path, zeroed but for those two. */
struct meta_record *meta_add(struct meta_list *l, char kind, const char *path);
void meta_sort(struct meta_list *l);
/* The record of kind for path in a sorted list, or NULL. */
const struct meta_record *meta_find(const struct meta_list *l, char kind,
				    const char *path);

void meta_encode(const struct meta_list *l, struct strbuf *out);
/* Parse what meta_encode wrote; an error (GRAFT_EFATAL) for anything else. */
int meta_decode(struct meta_list *l, const char *buf, size_t len);
void meta_release(struct meta_list *l);

#endif
