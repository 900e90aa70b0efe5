#ifndef GRAFT_AUTOSTASH_H
#define GRAFT_AUTOSTASH_H

#include <git2.h>

#include "repo.h"
#include "snapshot.h"

/*
 * `upgrade --autostash`: uncommitted changes to tracked files are put
 * aside as an ordinary stash entry (refs/stash, what `git stash push`
 * makes; untracked files stay where they are) once the snapshot holds
 * them, and brought back after the upgrade's commit, as
 * `git rebase --autostash` does. The snapshot, not the stash, is what a
 * failed upgrade goes back to: the entry is then dropped.
 */

/*
 * Stash the index and the tracked files of r and reset them to HEAD.
 * *out is the stash commit. The stash message names dep, so that a
 * rollback after a crash can tell the entry is the upgrade's own.
 */
int autostash_save(git_oid *out, const struct graft_repo *r, const char *dep,
		   const git_signature *sig);

/*
 * Bring the stashed changes back on top of the upgrade's commit, staged
 * changes staged again, and drop the entry. When they conflict with what
 * the upgrade changed, nothing is applied, the entry stays and *kept is
 * set (the caller tells the user); 0 is returned either way.
 */
int autostash_pop(int *kept, const struct graft_repo *r, const git_oid *stash);

/*
 * Drop the newest stash entry if it is the autostash of the upgrade snap
 * was taken for (after the snapshot is back, it is a copy of what the
 * snapshot holds). Nothing when there is none.
 */
int autostash_drop_for(const struct graft_repo *r, const struct snapshot *snap);

#endif
