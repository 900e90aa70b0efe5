#include <git2.h>

#include "error.h"
#include "pathlist.h"
#include "snapshot/treediff.h"
#include "strbuf.h"

struct walk {
	git_repository *repo;
	treediff_cb cb;
	void *payload;
	struct strbuf path;
};

static int walk_trees(struct walk *w, const git_tree *old, const git_tree *new);

static int lookup(git_tree **out, struct walk *w, const git_tree_entry *e)
{
	if (!e) {
		*out = NULL;
		return 0;
	}
	if (git_tree_lookup(out, w->repo, git_tree_entry_id(e)) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the tree of '%s'",
				       w->path.buf);
	return 0;
}

/* old and new have the same name and are both trees, or both not. */
static int walk_entries(struct walk *w, const git_tree_entry *old,
			const git_tree_entry *new)
{
	const git_tree_entry *e = new ? new : old;
	size_t len = w->path.len;
	git_tree *a = NULL, *b = NULL;
	int rc;

	if (old && new && git_tree_entry_filemode(old) == git_tree_entry_filemode(new) &&
	    git_oid_equal(git_tree_entry_id(old), git_tree_entry_id(new)))
		return 0;
	strbuf_addstr(&w->path, git_tree_entry_name(e));
	if (git_tree_entry_filemode(e) != GIT_FILEMODE_TREE) {
		rc = w->cb(w->path.buf, old, new, w->payload);
	} else if ((rc = lookup(&a, w, old)) == 0 && (rc = lookup(&b, w, new)) == 0) {
		strbuf_addch(&w->path, '/');
		rc = walk_trees(w, a, b);
	}
	git_tree_free(a);
	git_tree_free(b);
	strbuf_setlen(&w->path, len);
	return rc;
}

/* Entries are sorted alike on both sides (trees as "name/"): one pass. */
static int walk_trees(struct walk *w, const git_tree *old, const git_tree *new)
{
	size_t i = 0, j = 0;
	size_t ni = old ? git_tree_entrycount(old) : 0;
	size_t nj = new ? git_tree_entrycount(new) : 0;
	int rc = 0;

	while ((i < ni || j < nj) && rc == 0) {
		const git_tree_entry *a = i < ni ? git_tree_entry_byindex(old, i) : NULL;
		const git_tree_entry *b = j < nj ? git_tree_entry_byindex(new, j) : NULL;
		int cmp = !a ? 1 : !b ? -1 : git_tree_entry_cmp(a, b);

		if (cmp < 0) {
			rc = walk_entries(w, a, NULL);
			i++;
		} else if (cmp > 0) {
			rc = walk_entries(w, NULL, b);
			j++;
		} else {
			rc = walk_entries(w, a, b);
			i++;
			j++;
		}
	}
	return rc;
}

int treediff(git_repository *repo, const git_tree *old, const git_tree *new,
	     treediff_cb cb, void *payload)
{
	struct walk w;
	int rc;

	w.repo = repo;
	w.cb = cb;
	w.payload = payload;
	strbuf_init(&w.path);
	rc = walk_trees(&w, old, new);
	strbuf_release(&w.path);
	return rc;
}

int treediff_oid(git_repository *repo, const git_oid *old,
		 const git_oid *new, treediff_cb cb, void *payload)
{
	git_tree *a = NULL, *b = NULL;
	int rc = 0;

	if (old && !git_oid_is_zero(old) && git_tree_lookup(&a, repo, old) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot read a tree");
	if (rc == 0 && new && !git_oid_is_zero(new) &&
	    git_tree_lookup(&b, repo, new) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot read a tree");
	if (rc == 0)
		rc = treediff(repo, a, b, cb, payload);
	git_tree_free(a);
	git_tree_free(b);
	return rc;
}

int treediff_add_path(const char *path, const git_tree_entry *old,
		      const git_tree_entry *new, void *payload)
{
	(void)old;
	(void)new;
	path_list_add(payload, path);
	return 0;
}
