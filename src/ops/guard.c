#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "alloc.h"
#include "error.h"
#include "ops/guard.h"
#include "ops/rollback.h"
#include "report.h"
#include "snapshot/lockfiles.h"
#include "snapshot/oplock.h"
#include "snapshot/snapshot.h"
#include "snapshot/upgrade_state.h"

/* Where the other worktree pending snapshot i waits in is, for a message. */
static const char *worktree_shown(const struct pending_list *pending,
				  size_t i)
{
	return pending->where[i] ? pending->where[i] : "removed since";
}

void pending_warn(const struct pending_list *pending)
{
	size_t i, interrupted = 0;

	for (i = 0; i < pending->nr; i++) {
		if (pending->running[i]) {
			graft_warning("an upgrade of %s is running (pid %ld)",
				      pending->names[i], pending->running[i]);
			continue;
		}
		switch (pending->state[i]) {
		case PENDING_STOPPED_HERE:
			graft_warning("the upgrade of %s is stopped (--stop-on-failure)",
				      pending->names[i]);
			graft_hint("'git graft upgrade --continue' goes on once it is fixed; '--skip' and '--abort' are the other ways out");
			continue;
		case PENDING_STOPPED_ELSEWHERE:
			graft_warning("an upgrade of %s is stopped in another worktree (%s)",
				      pending->names[i], worktree_shown(pending, i));
			continue;
		case PENDING_INTERRUPTED_ELSEWHERE:
			graft_warning("an interrupted upgrade of %s is pending in another worktree (%s)",
				      pending->names[i], worktree_shown(pending, i));
			continue;
		case PENDING_INTERRUPTED:
			break;
		}
		graft_warning("an interrupted upgrade of %s is pending (%s%s)",
			      pending->names[i], SNAPSHOT_REF_PREFIX,
			      pending->names[i]);
		interrupted++;
	}
	if (interrupted)
		graft_hint("'git graft rollback' restores the state from before it");
}

int guard_warn_pending(const struct graft_repo *r)
{
	struct pending_list pending = PENDING_LIST_INIT;
	int rc;

	if ((rc = pending_snapshots(&pending, r)) == 0)
		pending_warn(&pending);
	pending_list_release(&pending);
	return rc;
}

/* GRAFT_EFATAL, naming the pid, while a pending snapshot's upgrade runs. */
static int refuse_running(const struct pending_list *pending)
{
	size_t i;
	int rc;

	for (i = 0; i < pending->nr; i++) {
		if (!pending->running[i])
			continue;
		rc = graft_error_code(GRAFT_EFATAL, "an upgrade of %s is running (pid %ld)",
				      pending->names[i], pending->running[i]);
		graft_error_hint("wait for it to finish");
		return rc;
	}
	return 0;
}

/*
 * An interrupted upgrade of another worktree: its snapshot is that
 * worktree's state, and would overwrite this one's.
 */
static int refuse_elsewhere(const struct pending_list *pending, size_t i)
{
	const char *name = pending->names[i];
	int rc;

	rc = graft_error("an interrupted upgrade of %s is pending in another worktree (%s): its snapshot is that worktree's state",
			 name, worktree_shown(pending, i));
	if (pending->where[i])
		graft_error_hint("run 'git graft rollback %s' in that worktree",
				 name);
	else
		graft_error_hint("with that worktree gone, 'git update-ref -d %s%s' forgets it ('git show %s%s' first, to see what it kept)",
				 SNAPSHOT_REF_PREFIX, name, SNAPSHOT_REF_PREFIX, name);
	return rc;
}

int pending_refuse(const struct pending_list *pending, size_t i)
{
	const char *name = pending->names[i];
	int rc;

	switch (pending->state[i]) {
	case PENDING_STOPPED_HERE:
		rc = graft_error("the upgrade of %s is stopped: finish it first",
				 name);
		graft_error_hint("'git graft status' shows where it stopped");
		graft_error_hint("'git graft upgrade --continue' goes on once it is fixed, '--skip' without the rest of its change");
		graft_error_hint("'git graft upgrade --abort' puts everything back as it was before it");
		return rc;
	case PENDING_STOPPED_ELSEWHERE:
		rc = graft_error("an upgrade of %s is stopped in another worktree (%s)", name,
				 worktree_shown(pending, i));
		graft_error_hint("continue or abort it there ('git graft upgrade --continue' or '--abort'); 'git worktree list' shows the worktrees");
		return rc;
	case PENDING_INTERRUPTED_ELSEWHERE:
		return refuse_elsewhere(pending, i);
	case PENDING_INTERRUPTED:
		break;
	}
	rc = graft_error("an interrupted upgrade of '%s' is pending (%s%s)",
			 name, SNAPSHOT_REF_PREFIX, name);
	graft_error_hint("run 'git graft rollback' to restore the state from before it");
	return rc;
}

/* Refuse any pending snapshot, but the one stopped here if resuming. */
static int no_pending(const struct graft_repo *r, int resuming)
{
	struct pending_list pending = PENDING_LIST_INIT;
	size_t i;
	int rc;

	if ((rc = pending_snapshots(&pending, r)) < 0)
		return rc;
	if ((rc = refuse_running(&pending)) == 0)
		for (i = 0; i < pending.nr && rc == 0; i++)
			if (!resuming ||
			    pending.state[i] != PENDING_STOPPED_HERE)
				rc = pending_refuse(&pending, i);
	pending_list_release(&pending);
	return rc;
}

int guard_no_pending(const struct graft_repo *r)
{
	return no_pending(r, 0);
}

int guard_none_running(const struct graft_repo *r)
{
	struct pending_list pending = PENDING_LIST_INIT;
	int rc;

	if ((rc = pending_snapshots(&pending, r)) == 0)
		rc = refuse_running(&pending);
	pending_list_release(&pending);
	return rc;
}

static int guard(struct oplock *lock, const struct graft_repo *r,
		 int resuming)
{
	int rc;

	if ((rc = oplock_acquire(lock, r)) < 0)
		return rc;
	if ((rc = lockfiles_clear_stale(r)) < 0 ||
	    (rc = rollback_drop_committed(r)) < 0 ||
	    (rc = upgrade_state_clear_stale(r)) < 0 ||
	    (rc = no_pending(r, resuming)) < 0 ||
	    (rc = repo_check_state(r)) < 0) {
		oplock_release(lock, r);
		return rc;
	}
	return 0;
}

int guard_mutation(struct oplock *lock, const struct graft_repo *r)
{
	return guard(lock, r, 0);
}

int guard_resume(struct oplock *lock, const struct graft_repo *r)
{
	return guard(lock, r, 1);
}
