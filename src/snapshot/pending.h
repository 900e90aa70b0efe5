#ifndef GRAFT_PENDING_H
#define GRAFT_PENDING_H

#include <stddef.h>

#include "repo.h"

/*
 * The snapshots pending under refs/graft/snapshots/, and for each
 * whether its upgrade runs, is stopped or was interrupted, and where.
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

/* Keep in list only the entries keep says yes to, in order. */
void pending_list_filter(struct pending_list *list,
			 int (*keep)(const struct pending_list *, size_t,
				     const void *),
			 const void *data);

int pending_snapshots(struct pending_list *out, const struct graft_repo *r);
void pending_list_release(struct pending_list *list);

#endif
