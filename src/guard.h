#ifndef GRAFT_GUARD_H
#define GRAFT_GUARD_H

#include <stddef.h>

#include "oplock.h"
#include "repo.h"

/*
 * What every command that changes the repository checks before it does:
 * it takes the operation lock, and refuses while an interrupted upgrade
 * waits under refs/graft/snapshots/ (restored by `git graft rollback`) or
 * while git itself is in the middle of a merge, rebase or the like.
 */

/* The dependency names with a snapshot ref, sorted. */
struct pending_list {
	char **names;
	size_t nr, alloc;
};

#define PENDING_LIST_INIT { NULL, 0, 0 }

int pending_snapshots(struct pending_list *out, const struct graft_repo *r);
void pending_list_release(struct pending_list *list);

/*
 * A warning for each pending snapshot and a hint to roll back: commands
 * that only read go on, but what they show may be half of an upgrade.
 */
void pending_warn(const struct pending_list *pending);
/* pending_snapshots, then pending_warn. */
int guard_warn_pending(const struct graft_repo *r);

/*
 * Refuse (GRAFT_EFAIL with a hint to run `git graft rollback`) when a
 * snapshot is pending.
 */
int guard_no_pending(const struct graft_repo *r);

/*
 * oplock_acquire, then recover_stale (the leftover ref of a committed
 * upgrade is no interrupted one), guard_no_pending and repo_check_state. On failure
 * the lock is released again.
 */
int guard_mutation(struct oplock *lock, const struct graft_repo *r);

#endif
