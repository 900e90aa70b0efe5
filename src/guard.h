#ifndef GRAFT_GUARD_H
#define GRAFT_GUARD_H

#include <stddef.h>

#include "oplock.h"
#include "repo.h"

/*
 * What every command that changes the repository checks before it does:
 * it takes the operation lock, and refuses while an interrupted upgrade
 * waits under refs/graft/snapshots/ (restored by `git graft rollback`),
 * while an upgrade is stopped (upgrade_state.h: `git graft upgrade
 * --continue`, `--skip` or `--abort` go on from there), or while git
 * itself is in the middle of a merge, rebase or the like.
 *
 * A snapshot ref is there while its upgrade (or rollback) runs, too: it
 * is running, not interrupted, while the git-graft its message names
 * (Graft-Pid), or the one continuing it as its stop state says, holds an
 * operation lock (oplock_held_by), in this worktree or another. It is
 * stopped while a worktree's stop state names it and no git-graft
 * continues it; a stop state naming a git-graft that died is an
 * interrupted upgrade.
 *
 * Refs are shared by all worktrees, but a snapshot is the state of the
 * worktree it was taken in (Graft-Worktree): only there is it rolled
 * back, continued or found committed. Another worktree is told where.
 */

enum pending_state {
	PENDING_INTERRUPTED,		/* here, or where is not known */
	PENDING_INTERRUPTED_ELSEWHERE,	/* in another worktree */
	PENDING_STOPPED_HERE,
	PENDING_STOPPED_ELSEWHERE,
};

/* The dependency names with a snapshot ref, sorted. */
struct pending_list {
	char **names;
	long *running;	/* per name: the pid of the git-graft running its
			 * upgrade, or 0 when it is not running */
	enum pending_state *state;	/* per name, when not running */
	char **where;	/* per name: the other worktree's path, or NULL
			 * (here, or that worktree is gone) */
	size_t nr, alloc;
};

#define PENDING_LIST_INIT { .names = NULL }

/* Whether pending snapshot i waits in another worktree. */
int pending_elsewhere(const struct pending_list *list, size_t i);

/*
 * The error (GRAFT_EFAIL) for pending snapshot i, not running: how to go
 * on with it, and where.
 */
int pending_refuse(const struct pending_list *list, size_t i);

/* Keep in list only the entries keep says yes to, in order. */
void pending_list_filter(struct pending_list *list,
			 int (*keep)(const struct pending_list *, size_t,
				     const void *),
			 const void *data);

int pending_snapshots(struct pending_list *out, const struct graft_repo *r);
void pending_list_release(struct pending_list *list);

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
 * oplock_acquire, then lockfiles_clear_stale, recover_stale (the
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
