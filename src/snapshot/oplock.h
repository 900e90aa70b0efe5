#ifndef GRAFT_OPLOCK_H
#define GRAFT_OPLOCK_H

#include "repo.h"

/*
 * The operation lock: one git-graft mutation at a time per worktree.
 * $GIT_DIR/graft/op.lock holds the pid of its owner, who also keeps an
 * flock(2) on it for as long as it runs. The kernel drops that flock when
 * the owner dies however it dies, so a lock left by a dead process is
 * recognised without guessing from pids, and taken over with a warning.
 */
struct oplock {
	char *path;
	int fd;		/* -1 when not held */
};

#define OPLOCK_INIT { .fd = -1 }

/*
 * Take the lock, or fail at once (GRAFT_EFATAL, exit 128) naming the pid
 * of the git-graft that holds it. Once it is taken, the operation can no
 * longer be stopped half-way by a reader closing git-graft's output
 * (`git graft upgrade ... | head -1`): SIGPIPE is ignored from then on,
 * so a write fails with EPIPE instead of the signal killing git-graft.
 */
int oplock_acquire(struct oplock *lock, const struct graft_repo *r);
/*
 * Release and remove the lock, removing first the lock files of git that
 * nothing holds (lockfiles.h); harmless when not held.
 */
void oplock_release(struct oplock *lock, const struct graft_repo *r);

/*
 * 1 once this process has taken the lock: from then until it exits it
 * is changing the repository, and the exit status is the operation's,
 * whatever became of its output (cmd/output.c).
 */
int oplock_was_taken(void);

/*
 * Whether process pid holds the operation lock of one of r's worktrees
 * (the main one or a linked one: refs, and so snapshots, are shared by
 * all worktrees, locks are not), so that what it started is still under
 * way. 1 or 0; looking takes no lock a holder would notice.
 */
int oplock_held_by(const struct graft_repo *r, long pid);

#endif
