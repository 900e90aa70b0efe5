#ifndef GRAFT_OPS_ROLLBACK_COMMIT_H
#define GRAFT_OPS_ROLLBACK_COMMIT_H

#include <git2.h>

#include "formats/trailers.h"
#include "ops/commit.h"
#include "ops/project.h"

/*
 * `git graft rollback <name>` with no interrupted upgrade pending: undo
 * the newest committed upgrade of name (history.h; all the commits of
 * one made one commit per change) with a new commit on top of HEAD,
 * whose tree is the one rollback_tree.h plans, and move the dependency back to
 * the commit it was at before.
 *
 * Refused, before anything changes, as an upgrade is: the tracked files
 * or the index have changes, an untracked file is where the rollback
 * puts a file back, the dependency is not checked out at its locked
 * commit or has changes of its own, no identity is configured; and when
 * later commits changed what the upgrade changed.
 *
 * The work is done on a snapshot (snapshot.h), as an upgrade's is: when
 * anything fails after it, the repository goes back to it exactly; if
 * git-graft dies, `git graft rollback` finds it pending.
 */

struct rollback_commit_result {
	git_oid commit;			/* the rollback commit */
	git_oid reverted;		/* the upgrade it undid (its last commit) */
	size_t reverted_commits;	/* how many commits that upgrade made */
	struct graft_trailers t;	/* the rollback's trailers */
};

#define ROLLBACK_COMMIT_RESULT_INIT { .t = GRAFT_TRAILERS_INIT }

/*
 * p is open with PROJECT_MUTATE. The commit is made as commit.h makes
 * one like `git revert`'s, with opts' signing.
 */
int rollback_commit_run(struct rollback_commit_result *out, struct project *p, const char *name,
	     const struct commit_options *opts);
void rollback_commit_result_release(struct rollback_commit_result *res);

#endif
