#ifndef GRAFT_LOCKFILES_H
#define GRAFT_LOCKFILES_H

#include "repo.h"

/*
 * Lock files (<file>.lock) that a git-graft killed half-way left behind:
 * git's and libgit2's protocol takes a lock by creating one and gives it
 * up by renaming or removing it, so a process that dies holding one
 * leaves it, and every later git-graft and git fails on it.
 *
 * Called with the operation lock held, so no other git-graft runs. A
 * lock file is stale when no process has it open (git and libgit2 keep
 * a lock's file open while they hold it) and it is still there, the same
 * file, a tenth of a second later (a git that just closed it renames it
 * at once). Those of what
 * git-graft itself writes are looked at: the index, HEAD, its branch,
 * packed-refs, config, refs/stash, refs/graft/ and the reflogs of those
 * refs in the repository, and the index, HEAD and HEAD's reflog of each
 * repository under modules/ (the dependencies). Each
 * stale one is removed with a warning.
 */
int lockfiles_clear_stale(const struct graft_repo *r);

#endif
