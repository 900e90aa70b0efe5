#ifndef GRAFT_AUTOSTASH_H
#define GRAFT_AUTOSTASH_H

#include <git2.h>

#include "repo.h"
#include "snapshot/scan.h"
#include "snapshot/snapshot.h"

/*
 * `upgrade --autostash`: uncommitted changes to tracked files are set
 * aside once the snapshot holds them and brought back after the
 * upgrade's commit, as `git rebase --autostash` does.
 *
 * The snapshot already holds the index (I) and the work tree (W), so
 * setting aside writes no new blob: a stash entry in git's own format
 * (refs/stash and its reflog, so `git stash list` and `git stash pop`
 * know it) is made of the snapshot's objects, and only the changed
 * paths are put back to HEAD, in the index and on disk. Untracked files
 * stay where they are. Bringing back touches the same paths only. The
 * snapshot, not the stash, is what a failed upgrade goes back to: the
 * entry is then dropped.
 */

/*
 * Refuse what cannot be set aside: an intent-to-add entry, a file
 * removed from the index but still on disk (it would come back
 * tracked).
 */
int autostash_check(const struct scan *scan);

/*
 * Make the stash entry for the changes of scan (which the snapshot snap
 * was taken from) and put those paths back to HEAD. *out is the stash
 * commit. Its message names snap->dep, so that a rollback after a crash
 * can tell the entry is the upgrade's own.
 */
int autostash_save(git_oid *out, const struct graft_repo *r,
		   const git_signature *sig, const struct scan *scan,
		   const struct snapshot *snap);

/*
 * Bring the stashed changes back on top of the upgrade's commit, staged
 * changes staged again, and drop the entry. When a path they change was
 * changed by the upgrade too, nothing is applied, the entry stays and
 * *kept is set (the caller tells the user); 0 is returned either way.
 */
int autostash_pop(int *kept, const struct graft_repo *r, const git_oid *stash);

/*
 * After a crash between the commit of the upgrade snap was taken for and
 * the return of its autostash: autostash_pop, if the newest stash entry
 * is that autostash. The paths it changes must be as HEAD or as the
 * entry has them (a pop cut short): otherwise, or on a conflict, the
 * entry stays and *kept is set. Nothing when the entry is not there.
 */
int autostash_pop_for(int *kept, const struct graft_repo *r,
		      const struct snapshot *snap);

/*
 * Drop the newest stash entry if it is the autostash of the upgrade snap
 * was taken for (after the snapshot is back, it is a copy of what the
 * snapshot holds). Nothing when there is none.
 */
int autostash_drop_for(const struct graft_repo *r, const struct snapshot *snap);

#endif
