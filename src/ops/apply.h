#ifndef GRAFT_OPS_APPLY_H
#define GRAFT_OPS_APPLY_H

#include <stddef.h>

#include <git2.h>

#include "ops/project.h"

/*
 * `git graft apply`: a dependency moved to a commit of the user's
 * choosing, then locked and staged there, as one change: a failure
 * puts it back where it was. None of the commands its changes declare
 * is run (that is `git graft upgrade`).
 */

struct apply_opts {
	const char *to;		/* the branch, tag, commit or revision */
	int force;		/* discard uncommitted changes in it */
};

/* What apply did, for the command to say. */
struct apply_outcome {
	char *ref;		/* what graft.lock records of opts->to now */
	git_oid target;
	int was_locked;		/* it had a lock entry before, which said: */
	char *old_ref;
	git_oid old;
	/* changes between the two that declare commands, none run */
	size_t skipped_commands;
};

#define APPLY_OUTCOME_INIT { .ref = NULL }

/*
 * Apply opts to dependency name of p (opened to change it): it must be
 * declared and registered in .gitmodules; a repository whose work tree
 * is gone is checked out again. A revision not known yet is fetched
 * once. p's lock, edits and index are written.
 */
int apply_dep(struct apply_outcome *out, struct project *p, const char *name,
	      const struct apply_opts *opts);
void apply_outcome_release(struct apply_outcome *out);

#endif
