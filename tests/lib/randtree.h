#ifndef GRAFT_TEST_RANDTREE_H
#define GRAFT_TEST_RANDTREE_H

/*
 * Seeded pseudo-random trees, for tests that hold the core's tree code
 * against git's: the same seed gives the same trees, so a failure
 * reproduces from the seed its message names.
 *
 * A tree is kept as nodes (a directory's children sorted by name) and
 * written to a repository with libgit2's treebuilder. Names come from a
 * small set chosen so that git's tree order matters ("a", "a-b", "a.c",
 * "a0": a directory "a" sorts as "a/", between "a.c" and "a0"); leaves
 * are files, executables, symlinks and gitlinks; every blob's content is
 * its own, so that two leaves share an id only where a test wants it.
 */

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

struct rng {
	uint64_t state;
};

void rng_seed(struct rng *r, uint64_t seed);
/* A number below n (n > 0). */
unsigned rng_below(struct rng *r, unsigned n);

struct rtree {
	char *name;
	git_filemode_t mode;	/* GIT_FILEMODE_TREE for a directory */
	git_oid id;		/* a leaf's blob or commit */
	struct rtree *kids;	/* a directory's, sorted by name */
	size_t nr, alloc;
};

/* What makes the trees: where blobs go and what is random. */
struct rtree_gen {
	git_repository *repo;
	struct rng rng;
	unsigned blobs;		/* blobs written, for unique contents */
};

void rtree_gen_init(struct rtree_gen *g, git_repository *repo, uint64_t seed);

/* A random directory (never empty) of at most depth levels below it. */
void rtree_random(struct rtree_gen *g, struct rtree *dir, int depth);

/*
 * out, a new root or what rtree_add returned (its name is kept), is made
 * a copy of in with about a third of its entries changed: new content, a
 * new mode (with or without new content), deleted, a leaf made a
 * directory or a directory a leaf, new entries; the rest, whole subtrees
 * included, left as they were.
 */
void rtree_mutate(struct rtree_gen *g, struct rtree *out, const struct rtree *in);

/* out, as for rtree_mutate, made a copy of in. */
void rtree_copy(struct rtree *out, const struct rtree *in);
/* A new blob of mode (file, executable or symlink) or a gitlink in *leaf. */
void rtree_new_leaf(struct rtree_gen *g, struct rtree *leaf, git_filemode_t mode);
/* The child of dir named name, or NULL. */
struct rtree *rtree_child(struct rtree *dir, const char *name);
/* Add a child to dir (kept sorted); its fields are the caller's to fill. */
struct rtree *rtree_add(struct rtree *dir, const char *name);
/* Remove the child of dir named name (there must be one). */
void rtree_remove(struct rtree *dir, const char *name);

/* Write dir as a tree of repo; an empty directory is left out of its parent. */
void rtree_write(git_oid *out, git_repository *repo, const struct rtree *dir);

/* Call fn for each leaf below dir with its path from dir. */
typedef void (*rtree_leaf_fn)(const char *path, const struct rtree *leaf,
			      void *payload);
void rtree_each_leaf(const struct rtree *dir, rtree_leaf_fn fn, void *payload);

void rtree_release(struct rtree *t);

#endif
