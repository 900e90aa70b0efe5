#ifndef GRAFT_OPS_ROLLBACK_H
#define GRAFT_OPS_ROLLBACK_H

#include <git2.h>

#include "repo.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_restore.h"

/*
 * Going back to a snapshot: at once when an upgrade fails, and through
 * `git graft rollback` when one was cut short and left its ref behind.
 */

/*
 * Put everything back as snap has it. First what is there now, as the
 * commands (and anyone else) left it, is kept as an attempt under
 * refs/graft/attempts/<dep> (snapshot.h): nothing is overwritten or
 * removed before a copy of it is in git's objects. Then
 * snapshot_restore (the git directory's config, HEAD, index, files,
 * nested repositories, .graft/<dep> among them), the upgrade's autostash
 * entry dropped (the snapshot holds those changes), and last the ref is
 * deleted. Until that last step the ref stays, so a failure here can be
 * retried. changed, when not NULL, is what a watch saw change since the
 * snapshot's scan (snapshot_restore). stats may be NULL.
 */
int rollback_to_snapshot(const struct graft_repo *r, const struct snapshot *snap,
		     const struct path_list *changed,
		     struct snapshot_restore_stats *stats);

/*
 * After an operation that took snap failed with rc (its message set):
 * rollback_to_snapshot, then the failure's message with a hint that
 * everything is back as it was before the <what> ("upgrade",
 * "rollback") of snap->dep, and GRAFT_EFAIL (or rc, for a signal):
 * whatever the cause, nothing changed. If going back fails too: GRAFT_EROLLBACK,
 * with both messages and a hint that the snapshot is kept for `git graft
 * rollback`. index, when not NULL, is the repository's index in memory,
 * which the restore reads too: it is read again from its file first,
 * since the failed operation may have changed it without writing it.
 */
int rollback_after_failure(const struct graft_repo *r,
			  const struct snapshot *snap, int rc,
			  const char *what, git_index *index,
			  const struct path_list *changed);

/*
 * Delete the refs of snapshots whose upgrade was committed, with a
 * warning each: they are no interrupted upgrade. Commands that change
 * the repository call this before refusing to work over a snapshot.
 */
int rollback_drop_committed(const struct graft_repo *r);

/*
 * Put back the state from before the pending upgrade of dep, and forget
 * this worktree's stop state of it, or one that cannot be read. If the
 * upgrade had been committed (a crash after the commit, before the
 * snapshot ref was deleted), it is finished (its autostash brought back)
 * and the ref deleted, and *committed set. 1 when dep has no snapshot;
 * GRAFT_EROLLBACK when putting back or finishing failed (the snapshot
 * stays for the next rollback).
 */
int rollback_abort(const struct graft_repo *r, const char *dep, int *committed);

#endif
