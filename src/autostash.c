#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "alloc.h"
#include "autostash.h"
#include "error.h"
#include "strbuf.h"

/* "graft: autostash before upgrading <dep>"; libgit2 adds "On <branch>: ". */
static void stash_message(struct strbuf *sb, const char *dep)
{
	strbuf_addf(sb, "graft: autostash before upgrading %s", dep);
}

int autostash_save(git_oid *out, const struct graft_repo *r, const char *dep,
		   const git_signature *sig)
{
	struct strbuf msg = STRBUF_INIT;
	int rc = 0;

	stash_message(&msg, dep);
	if (git_stash_save(out, r->repo, sig, msg.buf, GIT_STASH_DEFAULT) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot put the uncommitted changes aside");
	strbuf_release(&msg);
	return rc;
}

struct stash_find {
	const git_oid *want;
	size_t index;
	int found;
};

static int find_stash(size_t index, const char *message, const git_oid *id,
		      void *payload)
{
	struct stash_find *f = payload;

	(void)message;
	if (!git_oid_equal(id, f->want))
		return 0;
	f->index = index;
	f->found = 1;
	return 1;
}

static int stash_index(size_t *index, int *found, const struct graft_repo *r,
		       const git_oid *stash)
{
	struct stash_find f = { stash, 0, 0 };
	int rc = git_stash_foreach(r->repo, find_stash, &f);

	if (rc < 0 && rc != 1 && rc != GIT_EUSER)
		return graft_error_git(GRAFT_EFATAL, "cannot read the stash");
	git_error_clear();
	*index = f.index;
	*found = f.found;
	return 0;
}

static int merge_conflicts(int *conflicts, git_repository *repo,
			   const git_tree *base, const git_tree *ours,
			   const git_tree *theirs)
{
	git_index *merged = NULL;

	if (git_merge_trees(&merged, repo, base, ours, theirs, NULL) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot merge the autostash");
	*conflicts = git_index_has_conflicts(merged);
	git_index_free(merged);
	return 0;
}

/*
 * libgit2's stash apply leaves conflict markers in the files and the
 * entry dropped, where `git rebase --autostash` leaves the work tree
 * clean and the entry in the stash. Find out first: the stash's index
 * (its second parent) and its work tree, each merged onto HEAD from the
 * commit the stash was made on.
 */
static int would_conflict(int *conflicts, const struct graft_repo *r,
			  const git_oid *stash)
{
	git_commit *w = NULL, *base = NULL, *index = NULL, *head = NULL;
	git_tree *w_tree = NULL, *base_tree = NULL, *index_tree = NULL;
	git_tree *head_tree = NULL;
	git_oid head_id;
	int rc = 0;

	*conflicts = 0;
	if (git_commit_lookup(&w, r->repo, stash) < 0 ||
	    git_commit_parent(&base, w, 0) < 0 ||
	    git_commit_parent(&index, w, 1) < 0 ||
	    git_reference_name_to_id(&head_id, r->repo, "HEAD") < 0 ||
	    git_commit_lookup(&head, r->repo, &head_id) < 0 ||
	    git_commit_tree(&w_tree, w) < 0 ||
	    git_commit_tree(&base_tree, base) < 0 ||
	    git_commit_tree(&index_tree, index) < 0 ||
	    git_commit_tree(&head_tree, head) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the autostash");
	if (rc == 0)
		rc = merge_conflicts(conflicts, r->repo, base_tree, head_tree,
				     index_tree);
	if (rc == 0 && !*conflicts)
		rc = merge_conflicts(conflicts, r->repo, base_tree, head_tree,
				     w_tree);
	git_tree_free(head_tree);
	git_tree_free(index_tree);
	git_tree_free(base_tree);
	git_tree_free(w_tree);
	git_commit_free(head);
	git_commit_free(index);
	git_commit_free(base);
	git_commit_free(w);
	return rc;
}

int autostash_pop(int *kept, const struct graft_repo *r, const git_oid *stash)
{
	git_stash_apply_options opts = GIT_STASH_APPLY_OPTIONS_INIT;
	size_t index = 0;
	int found = 0, rc;

	*kept = 0;
	if ((rc = stash_index(&index, &found, r, stash)) < 0)
		return rc;
	if (!found)
		return graft_error("the autostash entry is gone from the stash");
	if ((rc = would_conflict(kept, r, stash)) < 0 || *kept)
		return rc;
	opts.flags = GIT_STASH_APPLY_REINSTATE_INDEX;
	rc = git_stash_apply(r->repo, index, &opts);
	if (rc == GIT_ECONFLICT || rc == GIT_EMERGECONFLICT) {
		git_error_clear();
		*kept = 1;
		return 0;
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot bring the uncommitted changes back");
	if (git_stash_drop(r->repo, index) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot drop the autostash entry");
	return 0;
}

struct stash_top {
	int found;
	git_oid id;
	char *message;
};

static int read_top(size_t index, const char *message, const git_oid *id,
		    void *payload)
{
	struct stash_top *top = payload;

	if (index != 0)
		return 1;
	top->found = 1;
	git_oid_cpy(&top->id, id);
	top->message = xstrdup(message ? message : "");
	return 1;
}

/* The stash commit's message ends with ours, and its parent is snap->head. */
static int is_autostash_of(const struct graft_repo *r, const struct stash_top *top,
			   const struct snapshot *snap, int *yes)
{
	struct strbuf want = STRBUF_INIT;
	git_commit *commit = NULL;
	size_t len;

	*yes = 0;
	stash_message(&want, snap->dep);
	len = strlen(top->message);
	if (len >= want.len && !strcmp(top->message + len - want.len, want.buf)) {
		if (git_commit_lookup(&commit, r->repo, &top->id) < 0) {
			strbuf_release(&want);
			return graft_error_git(GRAFT_EFATAL, "cannot read the stash");
		}
		*yes = git_commit_parentcount(commit) >= 1 &&
		       git_oid_equal(git_commit_parent_id(commit, 0), &snap->head);
		git_commit_free(commit);
	}
	strbuf_release(&want);
	return 0;
}

int autostash_drop_for(const struct graft_repo *r, const struct snapshot *snap)
{
	struct stash_top top = { 0, {{0}}, NULL };
	int ours = 0, rc;

	rc = git_stash_foreach(r->repo, read_top, &top);
	if (rc < 0 && rc != GIT_EUSER && rc != GIT_ENOTFOUND) {
		free(top.message);
		return graft_error_git(GRAFT_EFATAL, "cannot read the stash");
	}
	git_error_clear();
	rc = 0;
	if (top.found && (rc = is_autostash_of(r, &top, snap, &ours)) == 0 &&
	    ours && git_stash_drop(r->repo, 0) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot drop the autostash entry");
	free(top.message);
	return rc;
}
