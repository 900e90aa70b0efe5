#ifndef GRAFT_DEP_CHECKOUT_H
#define GRAFT_DEP_CHECKOUT_H

#include <git2.h>

#include "deps/deps.h"

/* A dependency's HEAD and work tree: read, checked out, its reflog kept tidy. */

/* The commit checked out (HEAD). 1 when there is none. */
int dep_head(git_oid *out, struct dep *d);

/* Whether tracked files in the work tree differ from HEAD (staged or not). */
int dep_is_dirty(int *dirty, struct dep *d);

/*
 * Check the work tree out at commit, forced, with a detached HEAD, as
 * `git submodule update` does. Local changes to tracked files are lost:
 * callers check dep_is_dirty first unless told to force. Untracked files
 * stay. The superproject's index is not touched (see dep_stage_gitlink).
 */
int dep_checkout(struct dep *d, const git_oid *commit);

/*
 * After a move from `from` to `to` and straight back, drop the two HEAD
 * reflog entries they wrote, if they are the newest: an upgrade that was
 * undone leaves no trace in the dependency's reflog, however often it is
 * tried. Anything else in the reflog is left alone.
 */
int dep_forget_round_trip(struct dep *d, const git_oid *from,
			  const git_oid *to);

#endif
