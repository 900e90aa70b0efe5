#ifndef GRAFT_DEP_REMOVE_H
#define GRAFT_DEP_REMOVE_H

#include "deps/deps.h"

/*
 * Deleting what a dependency has on disk: what a clone made, after a
 * later failure, or all of it when the dependency is removed.
 */

/* After a later failure: remove what dep_clone created (if anything). */
void dep_undo_clone(struct dep *d);

/*
 * Delete the work tree and the dependency's repository (only where they
 * are where git keeps them: under .graft/ and <git dir>/modules/), and
 * .graft/ itself if that leaves it empty. Closes d->repo.
 */
int dep_remove_files(struct dep *d);

#endif
