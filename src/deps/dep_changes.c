#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "deps/dep_changes.h"
#include "deps/dep_refs.h"
#include "error.h"
#include "strbuf.h"

/*
 * The blob at path in commit's tree. *missing (and 0 returned) when the
 * tree has no such file.
 */
static int read_file(struct strbuf *out, int *missing, struct dep *d,
		     const git_oid *commit, const char *path)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int rc = 0, err;

	strbuf_reset(out);
	*missing = 0;
	if (git_commit_lookup(&c, d->repo, commit) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot read a commit of %s",
				     d->name);
		goto done;
	}
	err = git_tree_entry_bypath(&entry, tree, path);
	if (err == GIT_ENOTFOUND ||
	    (!err && git_tree_entry_type(entry) != GIT_OBJECT_BLOB)) {
		git_error_clear();
		*missing = 1;
		goto done;
	}
	if (err < 0 ||
	    git_blob_lookup(&blob, d->repo, git_tree_entry_id(entry)) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read %s in %s", path,
				     d->name);
		goto done;
	}
	strbuf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
done:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

int dep_read_config(struct graft_config *cfg, struct diag_list *diags,
		    struct dep *d, const git_oid *commit)
{
	char hex[8];

	git_oid_tostr(hex, sizeof(hex), commit);
	return dep_read_config_at(cfg, diags, d, commit, hex);
}

int dep_read_config_at(struct graft_config *cfg, struct diag_list *diags,
		       struct dep *d, const git_oid *commit, const char *ref)
{
	struct strbuf buf = STRBUF_INIT, label = STRBUF_INIT;
	int missing, rc;

	if ((rc = read_file(&buf, &missing, d, commit, CONFIG_FILE)) == 0 &&
	    !missing) {
		strbuf_addf(&label, "%s@%s:%s", d->name, ref, CONFIG_FILE);
		rc = config_parse(cfg, label.buf, buf.buf, buf.len, diags);
	}
	strbuf_release(&buf);
	strbuf_release(&label);
	return rc;
}

struct walk_pos {
	git_oid id;
	size_t pos;	/* oldest first */
};

static int by_oid(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct walk_pos *)a)->id,
			   &((const struct walk_pos *)b)->id);
}

/* The commits of from..to with their topological position, sorted by id. */
static int walk_range(struct walk_pos **out, size_t *nr, struct dep *d,
		      const git_oid *from, const git_oid *to)
{
	git_revwalk *walk = NULL;
	struct walk_pos *list = NULL;
	size_t alloc = 0;
	git_oid id;
	int rc;

	*nr = 0;
	if (git_revwalk_new(&walk, d->repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL |
					GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(walk, to) < 0 ||
	    (from && git_revwalk_hide(walk, from) < 0)) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot walk the history of %s",
				     d->name);
		goto done;
	}
	while ((rc = git_revwalk_next(&id, walk)) == 0) {
		ALLOC_GROW(list, *nr + 1, alloc);
		git_oid_cpy(&list[*nr].id, &id);
		list[*nr].pos = *nr;
		(*nr)++;
	}
	if (rc != GIT_ITEROVER) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot walk the history of %s",
				     d->name);
		goto done;
	}
	git_error_clear();
	rc = 0;
	if (*nr > 1)
		qsort(list, *nr, sizeof(*list), by_oid);
done:
	git_revwalk_free(walk);
	if (rc < 0) {
		free(list);
		list = NULL;
		*nr = 0;
	}
	*out = list;
	return rc;
}

struct ranked_change {
	struct dep_change change;
	size_t pos, order;
};

static int by_rank(const void *a, const void *b)
{
	const struct ranked_change *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int dep_changes_between(struct dep_change_list *out, struct dep *d,
			const struct graft_config *cfg, const git_oid *from,
			const git_oid *to)
{
	struct walk_pos *range = NULL, key, *hit;
	struct ranked_change *ranked;
	size_t range_nr, nr = 0, i;
	int rc;

	if ((rc = walk_range(&range, &range_nr, d, from, to)) < 0)
		return rc;
	ranked = xcalloc(cfg->changes_nr ? cfg->changes_nr : 1, sizeof(*ranked));
	for (i = 0; i < cfg->changes_nr; i++) {
		/*
		 * A ref the dependency got wrong (unknown, ambiguous, not a
		 * commit) is its maintainers' to fix: set it aside for the
		 * caller to name, and go on with the others.
		 */
		rc = dep_resolve(&key.id, d, cfg->changes[i].ref);
		if (rc < 0 && rc != GRAFT_EFAIL)
			goto done;
		if (rc != 0) {
			graft_error_clear();
			ALLOC_GROW(out->unresolved_changes, out->unresolved + 1,
				   out->unresolved_alloc);
			out->unresolved_changes[out->unresolved++] =
				&cfg->changes[i];
			continue;
		}
		hit = range_nr ? bsearch(&key, range, range_nr, sizeof(*range),
					 by_oid) : NULL;
		if (!hit)
			continue;
		ranked[nr].change.change = &cfg->changes[i];
		git_oid_cpy(&ranked[nr].change.commit, &key.id);
		ranked[nr].pos = hit->pos;
		ranked[nr].order = i;
		nr++;
	}
	rc = 0;
	qsort(ranked, nr, sizeof(*ranked), by_rank);
	for (i = 0; i < nr; i++) {
		ALLOC_GROW(out->items, out->nr + 1, out->alloc);
		out->items[out->nr++] = ranked[i].change;
	}
done:
	free(ranked);
	free(range);
	return rc;
}

void dep_change_list_release(struct dep_change_list *list)
{
	free(list->items);
	free(list->unresolved_changes);
	memset(list, 0, sizeof(*list));
}
