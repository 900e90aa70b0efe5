#ifndef GRAFT_TREEDIFF_H
#define GRAFT_TREEDIFF_H

#include <git2.h>

/*
 * What differs between two trees, file by file, reading only the
 * subtrees that differ: a subtree with the same id on both sides is
 * equal and is never loaded. libgit2's tree-to-tree diff reads every
 * tree of both sides, which on a large repository costs most of a
 * restore's time and memory for a handful of changes.
 *
 * For each path whose entry differs, cb gets the old and the new entry
 * (NULL where the path is absent on that side). Trees are descended
 * into, never reported; a gitlink is a leaf like a file. A path that is
 * a file on one side and a directory on the other is reported as the
 * file deleted or added, and every file below the directory added or
 * deleted. Paths come in git's tree order. A non-zero return from cb
 * stops the walk and is returned.
 */
typedef int (*treediff_cb)(const char *path, const git_tree_entry *old,
			   const git_tree_entry *new, void *payload);

/* old and new may be NULL: the empty tree. */
int treediff(git_repository *repo, const git_tree *old, const git_tree *new,
	     treediff_cb cb, void *payload);

/* The same from tree ids; a NULL or zero id is the empty tree. */
int treediff_oid(git_repository *repo, const git_oid *old,
		 const git_oid *new, treediff_cb cb, void *payload);

/* A treediff_cb that adds each path to the path_list payload. */
int treediff_add_path(const char *path, const git_tree_entry *old,
		      const git_tree_entry *new, void *payload);

#endif
