#ifndef GRAFT_PRIOR_H
#define GRAFT_PRIOR_H

#include <stddef.h>
#include <time.h>

#include "pathlist.h"
#include "snapshot/scan.h"
#include "worktree.h"

/*
 * The files that were in the work tree, untracked or ignored, before an
 * upgrade: the user's, never the upgrade's, wherever the commands moved
 * them. They are told by path and by identity: the inode of each such
 * file and of each ignored directory, so that `mv src lib` or an ignore
 * rule taken away does not make one look new. A file created since has
 * its birth time (statx) after the start, which tells it from an old
 * file whose inode number was reused.
 */
struct prior_files {
	struct path_list paths;		/* untracked before, sorted */
	unsigned long *inodes;		/* of untracked and ignored files and
					 * ignored directories, sorted */
	size_t nr, alloc;
	struct timespec started;
};

#define PRIOR_FILES_INIT { .paths = PATH_LIST_INIT }

/* Note what scan (with SCAN_DETAILS) found untracked or ignored, now. */
void prior_files_from_scan(struct prior_files *p, const struct scan *scan);

/*
 * Whether the file at path was there before: it or a directory above it
 * (any but the top) is one of p's.
 */
int prior_files_has(const struct prior_files *p, struct worktree *wt,
		    const char *path);

void prior_files_release(struct prior_files *p);

#endif
