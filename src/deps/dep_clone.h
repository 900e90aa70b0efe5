#ifndef GRAFT_DEP_CLONE_H
#define GRAFT_DEP_CLONE_H

#include "deps/deps.h"

/*
 * A dependency's repository, put in place and kept up to date from its
 * source: cloned, attached again to a work tree that was lost, fetched.
 */

/*
 * Clone source into dep_modules_dir with its work tree at .graft/<name>
 * (which may exist as an empty directory, as `git clone` leaves it), all
 * branches and tags; nothing is checked out yet. On failure everything it
 * created is removed again. d->repo is set on success; after a later
 * failure, dep_undo_clone (dep_remove.h) removes what it created.
 */
int dep_clone(struct dep *d, const char *source);

/*
 * When the work tree is gone (deleted, or never checked out after a
 * `git clone` of the consumer) but dep_modules_dir holds the repository:
 * connect them again (the ".git" file and core.worktree), as `git
 * submodule update` does. 0 when attached (d->repo set), 1 when there is
 * no repository to attach.
 */
int dep_attach(struct dep *d);

/* Fetch branches and tags from source into the cloned dependency. */
int dep_fetch(struct dep *d, const char *source);

#endif
