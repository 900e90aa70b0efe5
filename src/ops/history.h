#ifndef GRAFT_HISTORY_H
#define GRAFT_HISTORY_H

#include <stddef.h>

#include <git2.h>

#include "formats/trailers.h"
#include "repo.h"

/*
 * The upgrades and rollbacks git-graft committed on the current branch,
 * read back from their trailers: first parents from HEAD, newest first.
 * Merged-in side branches are not walked, as their upgrades are not
 * this branch's.
 *
 * An upgrade made one commit per change is one entry: its commits
 * (Graft-Series 1/n to k/n, each the first parent of the next, all of
 * the same dependency, from and to) are read together. Commits of a
 * series that is not whole in that way are entries of their own.
 */

/* One upgrade or rollback: a commit, or the commits of a series. */
struct history_entry {
	const git_commit *commit;	/* the newest of them */
	const struct graft_trailers *t;	/* its trailers */
	/* every commit, oldest first, with its trailers; nr is 1 for a
	 * commit that is no series' */
	git_commit *const *commits;
	const struct graft_trailers *parts;
	size_t nr;
};

/*
 * Called for each entry; returns 0 to go on, 1 to stop, or a negative
 * error (which history_walk returns).
 */
typedef int (*history_fn)(const struct history_entry *e, void *payload);

/* Walk the history; an unborn HEAD has none. */
int history_walk(const struct graft_repo *r, history_fn fn, void *payload);

/*
 * A commit time in ISO 8601 with its own offset, as `git log
 * --date=iso-strict` shows it (buf of at least 32 bytes).
 */
void history_format_date(char *buf, size_t size, git_time_t time, int offset);

/* A committed upgrade that no later rollback undid. */
struct committed_upgrade {
	git_oid commit;		/* the newest commit, of a series too */
	git_oid base;		/* the first parent of its oldest commit: the
				 * state before it; zero when there is none */
	size_t commits;		/* how many commits it made */
	git_time_t time;	/* the commit's, with its offset in minutes */
	int offset;
	struct graft_trailers t;
};

struct committed_upgrades {
	struct committed_upgrade *items;
	size_t nr, alloc;
};

#define COMMITTED_UPGRADES_INIT { .items = NULL }

/*
 * The upgrades a rollback can still undo, newest first: those of name
 * (of every dependency when NULL) whose commit no later rollback names
 * in Graft-Reverts. The first one of a dependency is what `git graft
 * rollback <name>` undoes next; once it is, the one after it comes up.
 * max > 0 stops after that many.
 */
int history_committed_upgrades(struct committed_upgrades *out, const struct graft_repo *r,
		     const char *name, size_t max);
void committed_upgrades_release(struct committed_upgrades *list);

#endif
