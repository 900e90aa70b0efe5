#ifndef GRAFT_DEP_GITLINK_H
#define GRAFT_DEP_GITLINK_H

#include <git2.h>

#include "deps/deps.h"

/*
 * The gitlink that records a dependency's commit in the superproject's
 * index, in the index the caller opened; none of these write it.
 */

/* The gitlink recorded for the dependency in idx. 1 when there is none. */
int dep_gitlink(git_oid *out, git_index *idx, const struct dep *d);
/* Record commit as the dependency's gitlink in idx. */
int dep_stage_gitlink(git_index *idx, const struct dep *d,
		      const git_oid *commit);
/* Remove the gitlink from idx; no gitlink is fine. */
int dep_unstage_gitlink(git_index *idx, const struct dep *d);

#endif
