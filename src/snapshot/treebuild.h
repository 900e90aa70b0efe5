#ifndef GRAFT_TREEBUILD_H
#define GRAFT_TREEBUILD_H

#include <stddef.h>
#include <sys/types.h>

#include <git2.h>

/*
 * A tree made from another by a list of changes: set a path to a blob or
 * gitlink with its mode, or remove it. Only the trees along the changed
 * paths are read and written, so the cost is in proportion to the
 * changes, not to the size of the tree. A file in the way of a directory
 * is replaced by it, and a directory left empty disappears, as in a work
 * tree.
 */

struct tree_update {
	char *path;
	git_oid id;
	git_filemode_t mode;	/* 0: remove the path */
	off_t size;		/* the caller's: of the file to store */
	int stored;		/* the caller's: id is an object already */
};

struct tree_updates {
	struct tree_update *items;
	size_t nr, alloc;
};

#define TREE_UPDATES_INIT { .items = NULL }

/* A new change for path (id zero: the caller fills it in). */
struct tree_update *tree_updates_add(struct tree_updates *l, const char *path,
				     git_filemode_t mode);
void tree_updates_release(struct tree_updates *l);

/* Told of every tree written, e.g. to pack the new objects together. */
typedef void (*tree_written_cb)(const git_oid *id, void *payload);

/*
 * Write the tree base (NULL or zero: the empty tree) with the changes of
 * l applied (l is sorted here); *out is the new tree, the empty tree when
 * nothing is left. written, when not NULL, hears of each tree written.
 */
int tree_build(git_oid *out, git_repository *repo, const git_oid *base,
	       struct tree_updates *l, tree_written_cb written, void *payload);

#endif
