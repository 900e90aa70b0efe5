#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "snapshot/treebuild.h"

struct tree_update *tree_updates_add(struct tree_updates *l, const char *path,
				     git_filemode_t mode)
{
	struct tree_update *u;

	ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	u = &l->items[l->nr++];
	memset(u, 0, sizeof(*u));
	u->path = xstrdup(path);
	u->mode = mode;
	return u;
}

void tree_updates_release(struct tree_updates *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->items[i].path);
	free(l->items);
	*l = (struct tree_updates)TREE_UPDATES_INIT;
}

static int by_update_path(const void *a, const void *b)
{
	return strcmp(((const struct tree_update *)a)->path,
		      ((const struct tree_update *)b)->path);
}

struct build_ctx {
	git_repository *repo;
	tree_written_cb written;
	void *payload;
};

static int apply_updates(git_oid *out, int *empty, struct build_ctx *c,
			 const git_tree *base, const struct tree_update *u,
			 size_t nr, size_t skip);

/*
 * The updates u[0..nr) all lie below the entry component of bld: rebuild
 * that subtree.
 */
static int apply_subtree(git_treebuilder *bld, struct build_ctx *c,
			 const char *component, const struct tree_update *u,
			 size_t nr, size_t skip)
{
	const git_tree_entry *existing = git_treebuilder_get(bld, component);
	git_tree *subtree = NULL;
	git_oid id;
	int empty, rc;

	if (existing && git_tree_entry_type(existing) == GIT_OBJECT_TREE &&
	    git_tree_lookup(&subtree, c->repo, git_tree_entry_id(existing)) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read a tree");
	rc = apply_updates(&id, &empty, c, subtree, u, nr, skip);
	if (rc < 0)
		goto done;
	if (empty) {
		if (subtree && git_treebuilder_remove(bld, component) < 0)
			rc = graft_error_git(GRAFT_EFATAL, "cannot build a tree");
	} else if (git_treebuilder_insert(NULL, bld, component, &id,
					  GIT_FILEMODE_TREE) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot build a tree");
	}
done:
	git_tree_free(subtree);
	return rc;
}

static int apply_entry(git_treebuilder *bld, const char *name,
		       const struct tree_update *u)
{
	if (u->mode) {
		if (git_treebuilder_insert(NULL, bld, name, &u->id, u->mode) < 0)
			return graft_error_git(GRAFT_EFATAL,
					       "cannot add '%s' to a tree", u->path);
		return 0;
	}
	if (git_treebuilder_get(bld, name) &&
	    git_treebuilder_remove(bld, name) < 0)
		return graft_error_git(GRAFT_EFATAL,
				       "cannot remove '%s' from a tree", u->path);
	return 0;
}

/*
 * Write base with the updates u[0..nr) applied, sorted by path, whose
 * first skip bytes name base's directory. *empty when nothing is left.
 */
static int apply_updates(git_oid *out, int *empty, struct build_ctx *c,
			 const git_tree *base, const struct tree_update *u,
			 size_t nr, size_t skip)
{
	git_treebuilder *bld = NULL;
	size_t i = 0;
	int rc = 0;

	if (git_treebuilder_new(&bld, c->repo, base) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot build a tree");
	while (i < nr && rc == 0) {
		const char *name = u[i].path + skip;
		const char *slash = strchr(name, '/');
		size_t len, j;
		char *component;

		if (!slash) {
			rc = apply_entry(bld, name, &u[i++]);
			continue;
		}
		/* sorted: everything below "name/" follows in one run */
		len = (size_t)(slash - name) + 1;
		for (j = i + 1; j < nr && !strncmp(u[j].path + skip, name, len); j++)
			;
		component = xstrndup(name, len - 1);
		rc = apply_subtree(bld, c, component, u + i, j - i, skip + len);
		free(component);
		i = j;
	}
	if (rc < 0)
		goto done;
	*empty = git_treebuilder_entrycount(bld) == 0;
	if (*empty)
		goto done;
	if (git_treebuilder_write(out, bld) < 0)
		rc = graft_error_git(GRAFT_EFAIL, "cannot write a tree");
	else if (c->written)
		c->written(out, c->payload);
done:
	git_treebuilder_free(bld);
	return rc;
}

/* The empty tree: a work tree holding nothing git sees. */
static int write_empty_tree(git_oid *out, struct build_ctx *c)
{
	git_treebuilder *bld = NULL;
	int rc = 0;

	if (git_treebuilder_new(&bld, c->repo, NULL) < 0 ||
	    git_treebuilder_write(out, bld) < 0)
		rc = graft_error_git(GRAFT_EFAIL, "cannot write a tree");
	else if (c->written)
		c->written(out, c->payload);
	git_treebuilder_free(bld);
	return rc;
}

int tree_build(git_oid *out, git_repository *repo, const git_oid *base,
	       struct tree_updates *l, tree_written_cb written, void *payload)
{
	struct build_ctx c = { repo, written, payload };
	git_tree *base_tree = NULL;
	int empty, rc;

	if (base && !git_oid_is_zero(base) &&
	    git_tree_lookup(&base_tree, repo, base) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read a tree");
	if (l->nr > 1)
		qsort(l->items, l->nr, sizeof(*l->items), by_update_path);
	rc = apply_updates(out, &empty, &c, base_tree, l->items, l->nr, 0);
	git_tree_free(base_tree);
	if (rc < 0 || !empty)
		return rc;
	return write_empty_tree(out, &c);
}
