#ifndef GRAFT_SNAPSHOT_RESTORE_H
#define GRAFT_SNAPSHOT_RESTORE_H

#include <stddef.h>

#include "pathlist.h"
#include "repo.h"
#include "snapshot/snapshot.h"

/* What snapshot_restore changed (for messages, tests and the benchmark). */
struct snapshot_restore_stats {
	int refs_moved;		/* HEAD or its branch had to be moved back */
	int index_rewritten;	/* the index file was written */
	int index_rebuilt;	/* ...from scratch: it was missing or unreadable */
	size_t written;		/* work tree files written */
	size_t removed;		/* work tree files removed */
};

/*
 * Put the repository back to the snapshot (snapshot.h): its
 * config, info/exclude and info/attributes; HEAD and its branch; the
 * index (entries, modes, intent-to-add, skip-worktree and
 * assume-unchanged); every tracked and untracked file with its bytes and
 * permission bits as in W and M; empty directories and FIFOs; and, one by
 * one, the nested repositories, the dependency's checkout among them.
 * What is not in the snapshot and not ignored (by the ignore rules of
 * the snapshot, put back first) is removed: files, directories, FIFOs,
 * sockets, repositories the commands created; in a dependency's
 * checkout, ignored files that were not there before go too. Ignored
 * files that were there stay as they are; a dependency's that changed
 * are named in a warning. A merge, rebase or the like the upgrade left in
 * progress is forgotten (there was none at snapshot time); nothing here
 * resets. Refs other than HEAD and its branch are left as they are.
 *
 * Every write stays beneath the work tree and never follows a symlink
 * (worktree.h). Only paths that differ are touched: cost is a scan and
 * the index's tree, plus what the upgrade changed and what was dirty or
 * untracked at snapshot time. changed, when not NULL, is what a watch
 * (watch.h) saw change in the work tree since the snapshot's scan: then
 * only those paths, and those whose index entry changed, are scanned.
 * Files are replaced by rename, never half-written, and what was written
 * is made durable before this
 * returns. It can be run again after a crash: the ref is the caller's to
 * delete (snapshot_delete_ref) once this succeeded. stats may be NULL.
 */
int snapshot_restore(const struct graft_repo *r, const struct snapshot *snap,
		     const struct path_list *changed,
		     struct snapshot_restore_stats *stats);

#endif
