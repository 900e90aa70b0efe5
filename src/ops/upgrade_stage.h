#ifndef GRAFT_UPGRADE_STAGE_H
#define GRAFT_UPGRADE_STAGE_H

#include <git2.h>

#include "repo.h"
#include "snapshot/prior.h"
#include "snapshot/snapshot.h"

/*
 * What an upgrade's commit holds: what the upgrade changed, as `git add
 * -A` would stage it, and nothing that was the user's before it.
 *
 *  - A file that was there before, untracked or ignored, is never
 *    staged, wherever the commands moved it or whatever they did to
 *    the ignore rules; if a command staged it, it is unstaged again.
 *    It stays on disk, untracked, and a warning names it.
 *  - A skip-worktree or assume-unchanged file (flagged before the
 *    upgrade or now) is never staged from disk, since what is on disk
 *    is the user's; if the commands changed it, in the work tree or in
 *    the index, the upgrade fails naming it: git-graft cannot tell their
 *    change from the user's. Its flags stay as the snapshot had them.
 *  - A repository the commands made is named in a warning, not staged.
 *  - The dependency's checkout is the caller's (its gitlink).
 */
struct upgrade_stage {
	const struct graft_repo *r;
	git_index *index;		/* the repository's, read by the caller */
	const struct snapshot *snap;
	const struct prior_files *prior;
	const char *dep_path;
	/*
	 * What a watch saw change since the snapshot's scan (then only that
	 * and what changed in the index is looked at), or NULL: everything.
	 */
	const struct path_list *changed;
};

int upgrade_stage_changes(const struct upgrade_stage *s);

#endif
