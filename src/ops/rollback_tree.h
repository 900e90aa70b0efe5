#ifndef GRAFT_OPS_ROLLBACK_TREE_H
#define GRAFT_OPS_ROLLBACK_TREE_H

#include <stddef.h>

#include <git2.h>

/*
 * The tree of a rollback commit: HEAD's tree with every path an upgrade
 * changed (from base, the commit before it, to the upgrade's commit, the
 * last of its series: the gitlink, graft.lock, what its migrations
 * edited, created or deleted) as base had it, or gone when base had
 * nothing there.
 *
 * Commits after the upgrade may have changed some of those paths too.
 * Putting the parent's version back would then throw their work away,
 * so such a path is a conflict and there is no tree; whether a path
 * changed is decided by comparing HEAD with the upgrade commit, so a
 * change that was later undone again does not count. graft.lock is the
 * exception: upgrades and rollbacks of other dependencies change it all
 * the time. It is merged entry by entry: only the dependency's own entry
 * goes back to the parent's, the others stay as HEAD has them, and it is
 * a conflict only when a later commit changed that one entry.
 */

struct rollback_tree_change {
	char *path;
	git_filemode_t mode;	/* in the rollback's tree; 0: removed */
	git_oid id;
	git_filemode_t head_mode;	/* HEAD's entry at path; 0: none */
};

struct rollback_tree {
	git_oid tree;		/* set only when there is no conflict */
	struct rollback_tree_change *changes;	/* sorted by path */
	size_t nr, alloc;
	char **conflicts;	/* paths later commits changed, sorted */
	size_t conflicts_nr, conflicts_alloc;
};

#define ROLLBACK_TREE_INIT { .changes = NULL }

/*
 * Plan undoing the upgrade of dependency dep from base to upgrade (one
 * commit, or a series: base is the first parent of its oldest commit),
 * on top of head. With
 * conflicts, 0 is returned and out->conflicts lists them. New objects
 * (the merged graft.lock, the trees) are written to the repository;
 * nothing refers to them until a commit does.
 */
int rollback_tree_make(struct rollback_tree *out, git_repository *repo,
		     const git_commit *head, const git_commit *base,
		     const git_commit *upgrade, const char *dep);
void rollback_tree_release(struct rollback_tree *plan);

#endif
