#ifndef GRAFT_GUARD_H
#define GRAFT_GUARD_H

#include <stddef.h>

#include "repo.h"
#include "snapshot/oplock.h"
#include "snapshot/pending.h"

/*
 * What every command that changes the repository checks before it does:
 * it takes the operation lock, and refuses while an interrupted upgrade
 * waits under refs/graft/snapshots/ (restored by `git graft rollback`),
 * while an upgrade is stopped (upgrade_state.h: `git graft upgrade
 * --continue`, `--skip` or `--abort` go on from there), or while git
 * itself is in the middle of a merge, rebase or the like (what pending
 * means is in snapshot/pending.h).
 */

/*
 * The error (GRAFT_EFAIL) for pending snapshot i, not running: how to go
 * on with it, and where.
 */
int pending_refuse(const struct pending_list *list, size_t i);

/*
 * A warning for each pending snapshot: commands that only read go on,
 * but what they show may be half of an upgrade. An interrupted one comes
 * with a hint to roll back; a running one says so, with its pid; a
 * stopped one with how to go on.
 */
void pending_warn(const struct pending_list *pending);
/* pending_snapshots, then pending_warn. */
int guard_warn_pending(const struct graft_repo *r);

/*
 * Refuse when a snapshot is pending: GRAFT_EFAIL with a hint to run `git
 * graft rollback` when it was interrupted, or how to go on when it is
 * stopped; GRAFT_EFATAL naming the pid (as for a held lock) while its
 * upgrade runs.
 */
int guard_no_pending(const struct graft_repo *r);

/*
 * Refuse (GRAFT_EFATAL, naming the pid) while the upgrade of a pending
 * snapshot runs: it cannot be rolled back from under its git-graft.
 */
int guard_none_running(const struct graft_repo *r);

/*
 * oplock_acquire, then lockfiles_clear_stale, rollback_drop_committed (the
 * leftover ref of a committed upgrade is no interrupted one),
 * upgrade_state_clear_stale, guard_no_pending and repo_check_state. On
 * failure the lock is released again.
 */
int guard_mutation(struct oplock *lock, const struct graft_repo *r);

/*
 * guard_mutation for `upgrade --continue` and `--skip`: the upgrade
 * stopped in this worktree is what they go on with, not in their way.
 */
int guard_resume(struct oplock *lock, const struct graft_repo *r);

#endif
