#ifndef GRAFT_HISTORY_H
#define GRAFT_HISTORY_H

#include <stddef.h>

#include <git2.h>

#include "repo.h"
#include "trailers.h"

/*
 * The upgrades and rollbacks git-graft committed on the current branch,
 * read back from their trailers: first parents from HEAD, newest first.
 * Merged-in side branches are not walked, as their upgrades are not
 * this branch's.
 */

/*
 * Called for each git-graft commit; returns 0 to go on, 1 to stop, or a
 * negative error (which history_walk returns).
 */
typedef int (*history_fn)(const git_commit *c, const struct graft_trailers *t,
			  void *payload);

/* Walk the history; an unborn HEAD has none. */
int history_walk(const struct graft_repo *r, history_fn fn, void *payload);

/*
 * A commit time in ISO 8601 with its own offset, as `git log
 * --date=iso-strict` shows it (buf of at least 32 bytes).
 */
void history_format_date(char *buf, size_t size, git_time_t time, int offset);

/* A committed upgrade that no later rollback undid. */
struct undoable {
	git_oid commit;
	git_time_t time;	/* the commit's, with its offset in minutes */
	int offset;
	struct graft_trailers t;
};

struct undoable_list {
	struct undoable *items;
	size_t nr, alloc;
};

#define UNDOABLE_LIST_INIT { NULL, 0, 0 }

/*
 * The upgrades a rollback can still undo, newest first: those of name
 * (of every dependency when NULL) whose commit no later rollback names
 * in Graft-Reverts. The first one of a dependency is what `git graft
 * rollback <name>` undoes next; once it is, the one after it comes up.
 * max > 0 stops after that many.
 */
int history_undoable(struct undoable_list *out, const struct graft_repo *r,
		     const char *name, size_t max);
void undoable_list_release(struct undoable_list *list);

#endif
