#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "crashpoint.h"
#include "deps/dep_checkout.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "fileio.h"
#include "formats/names.h"
#include "ident.h"
#include "ops/commit.h"
#include "ops/guard.h"
#include "ops/history.h"
#include "ops/rollback.h"
#include "ops/rollback_commit.h"
#include "ops/rollback_tree.h"
#include "report.h"
#include "signals.h"
#include "snapshot/scan.h"
#include "snapshot/snapshot.h"
#include "strbuf.h"

/* How many paths an error lists before "... and N more". */
#define PATHS_SHOWN 10

struct rollback_commit {
	struct project *p;
	const char *name;
	struct committed_upgrade upgrade;	/* what is undone */
	git_commit *head, *upgrade_commit, *base;
	git_tree *head_tree, *tree;	/* HEAD's, the rollback's */
	struct rollback_tree plan;
	struct dep dep;
	int moves_dep;			/* the plan changes dep's gitlink */
	git_oid dep_target;
	struct scan scan;
	git_signature *author, *committer;
	struct commit_setup commit;	/* hooks, signing */
	struct snapshot snap;
	struct rollback_commit_result *out;
};

/* A list of paths for an error message, one a line, tab-indented. */
static void add_path_list(struct strbuf *sb, char *const *paths, size_t nr)
{
	size_t i;

	for (i = 0; i < nr && i < PATHS_SHOWN; i++)
		strbuf_addf(sb, "\n\t%s", paths[i]);
	if (nr > PATHS_SHOWN)
		strbuf_addf(sb, "\n\t... and %zu more", nr - PATHS_SHOWN);
}

static int find_upgrade(struct rollback_commit *u)
{
	struct committed_upgrades list = COMMITTED_UPGRADES_INIT;
	git_repository *repo = u->p->repo.repo;
	git_oid head;
	int rc;

	if ((rc = history_committed_upgrades(&list, &u->p->repo, u->name, 1)) < 0)
		return rc;
	if (!list.nr) {
		rc = graft_error("there is no committed upgrade of %s to roll back",
				 u->name);
		graft_error_hint("'git graft log %s' shows its upgrades and rollbacks",
				 u->name);
		return rc;
	}
	/* the list's only entry, strings and all, becomes ours */
	u->upgrade = list.items[0];
	list.nr = 0;
	committed_upgrades_release(&list);
	if (git_reference_name_to_id(&head, repo, "HEAD") < 0 ||
	    git_commit_lookup(&u->head, repo, &head) < 0 ||
	    git_commit_lookup(&u->upgrade_commit, repo, &u->upgrade.commit) < 0 ||
	    git_commit_tree(&u->head_tree, u->head) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the history");
	if (git_oid_is_zero(&u->upgrade.base)) {
		char id[8];

		return graft_error("the upgrade of %s in %s has no parent to go back to",
				   u->name, short_id(id, &u->upgrade.commit));
	}
	if (git_commit_lookup(&u->base, repo, &u->upgrade.base) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the history");
	return 0;
}

static int make_plan(struct rollback_commit *u)
{
	struct strbuf msg = STRBUF_INIT;
	char id[8];
	int rc;

	if ((rc = rollback_tree_make(&u->plan, u->p->repo.repo, u->head, u->base,
				   u->upgrade_commit, u->name)) < 0)
		return rc;
	short_id(id, &u->upgrade.commit);
	if (u->plan.conflicts_nr) {
		strbuf_addf(&msg, "commits after the upgrade of %s (%s) changed what it changed:",
			    u->name, id);
		add_path_list(&msg, u->plan.conflicts, u->plan.conflicts_nr);
		rc = graft_error("%s", msg.buf);
		if (u->upgrade.commits > 1)
			graft_error_hint("to undo it anyway, merge by hand with 'git revert %.7s..%s' (its %zu commits), then run 'git graft sync %s'",
					 git_oid_tostr_s(&u->upgrade.base), id,
					 u->upgrade.commits, u->name);
		else
			graft_error_hint("to undo it anyway, merge by hand with 'git revert %s', then run 'git graft sync %s'",
					 id, u->name);
		strbuf_release(&msg);
		return rc;
	}
	if (git_tree_lookup(&u->tree, u->p->repo.repo, &u->plan.tree) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the rollback's tree");
	return 0;
}

/* `git status --short` shows "unchanged" as a space, not porcelain v2's '.' */
static char short_status(char c)
{
	return c == '.' ? ' ' : c;
}

/* The index and tracked files must be as HEAD has them. */
static int check_clean(struct rollback_commit *u)
{
	const struct scan *s = &u->scan;
	struct strbuf list = STRBUF_INIT;
	size_t i, shown = 0;
	int rc;

	if ((rc = scan_worktree(&u->scan, &u->p->repo, SCAN_DETAILS)) < 0)
		return rc;
	if (!s->staged && !s->unstaged && !s->conflicted)
		return 0;
	for (i = 0; i < s->nr; i++) {
		const struct scan_entry *e = &s->entries[i];

		if (scan_entry_untracked(e))
			continue;
		if (shown++ < PATHS_SHOWN)
			strbuf_addf(&list, "\n\t%c%c %s", short_status(e->staged),
				    short_status(e->unstaged), e->path);
	}
	if (shown > PATHS_SHOWN)
		strbuf_addf(&list, "\n\t... and %zu more", shown - PATHS_SHOWN);
	rc = graft_error("the index or tracked files have uncommitted changes; the rollback's commit would take them along:%s",
			 list.buf);
	graft_error_hint("commit or stash them first; untracked files may stay");
	strbuf_release(&list);
	return rc;
}

static const struct rollback_tree_change *find_change(const struct rollback_commit *u,
					       const char *path)
{
	size_t i;

	for (i = 0; i < u->plan.nr; i++)
		if (!strcmp(u->plan.changes[i].path, path))
			return &u->plan.changes[i];
	return NULL;
}

/*
 * What is in the way of putting path back, which HEAD does not track:
 * anything at path itself (untracked or ignored, a file or a
 * directory), or something other than a directory where a directory
 * above it must be, unless the rollback removes that file anyway. NULL
 * when nothing is; otherwise the path found there (caller frees).
 */
static char *in_the_way(const struct rollback_commit *u, const char *path)
{
	struct strbuf full = STRBUF_INIT;
	const char *slash;
	struct stat st;
	char *found = NULL;

	for (slash = strchr(path, '/'); slash && !found;
	     slash = strchr(slash + 1, '/')) {
		const struct rollback_tree_change *ch;

		strbuf_reset(&full);
		strbuf_addstr(&full, u->p->repo.workdir);
		strbuf_add(&full, path, (size_t)(slash - path));
		if (lstat(full.buf, &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		ch = find_change(u, full.buf + strlen(u->p->repo.workdir));
		if (!ch || ch->mode || !ch->head_mode)
			found = xstrndup(path, (size_t)(slash - path));
	}
	if (!found) {
		strbuf_reset(&full);
		strbuf_addf(&full, "%s%s", u->p->repo.workdir, path);
		if (lstat(full.buf, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
			found = xstrdup(path);
	}
	strbuf_release(&full);
	return found;
}

/*
 * Files the rollback creates must not overwrite untracked ones (git
 * checkout refuses the same way); submodules appearing or going away
 * are more than a rollback does on its own.
 */
static int check_paths(struct rollback_commit *u)
{
	char **blocked = NULL;
	size_t i, nr = 0, alloc = 0;
	struct strbuf msg = STRBUF_INIT;
	int rc = 0;

	for (i = 0; i < u->plan.nr; i++) {
		const struct rollback_tree_change *ch = &u->plan.changes[i];
		char *found;

		if ((ch->mode == GIT_FILEMODE_COMMIT) !=
		    (ch->head_mode == GIT_FILEMODE_COMMIT)) {
			rc = graft_error("the upgrade of %s replaced a submodule at %s (or made one); a rollback does not bring it back or remove it",
					 u->name, ch->path);
			graft_error_hint("undo the upgrade by hand, e.g. with 'git revert'");
			goto done;
		}
		if (!ch->mode || ch->head_mode)
			continue;
		if ((found = in_the_way(u, ch->path))) {
			ALLOC_GROW(blocked, nr + 1, alloc);
			blocked[nr++] = found;
		}
	}
	if (nr) {
		strbuf_addstr(&msg, "untracked files would be overwritten by the rollback:");
		add_path_list(&msg, blocked, nr);
		rc = graft_error("%s", msg.buf);
		graft_error_hint("move or remove them, then run the rollback again");
	}
done:
	for (i = 0; i < nr; i++)
		free(blocked[i]);
	free(blocked);
	strbuf_release(&msg);
	return rc;
}

/*
 * The dependency must be where graft.lock says, without changes of its
 * own, and have the commit it goes back to.
 */
static int check_dep(struct rollback_commit *u)
{
	const struct rollback_tree_change *ch;
	const struct lock_entry *locked;
	git_oid head, want;
	char a[8], b[8];
	int dirty = 0, rc;

	if ((rc = dep_load(&u->dep, &u->p->repo, u->name)) < 0)
		return rc;
	ch = find_change(u, u->dep.path);
	if (!ch || ch->mode != GIT_FILEMODE_COMMIT)
		return 0;
	u->moves_dep = 1;
	git_oid_cpy(&u->dep_target, &ch->id);
	if (!u->dep.repo) {
		rc = graft_error("%s is not checked out", u->dep.shown);
		graft_error_hint("'git graft resolve' clones it and checks it out");
		return rc;
	}
	if ((rc = dep_head(&head, &u->dep)) < 0)
		return rc;
	locked = lock_find(&u->p->lock, u->name);
	if (locked && git_oid_fromstr(&want, locked->commit) == 0 &&
	    (rc == 1 || !git_oid_equal(&head, &want))) {
		graft_error_clear();
		rc = graft_error("%s is not checked out at its locked commit %s (%s)",
				 u->dep.shown, short_id(a, &want), locked->ref);
		graft_error_hint("'git graft sync %s' checks it out at the locked commit",
				 u->name);
		return rc;
	}
	graft_error_clear();
	if ((rc = dep_is_dirty(&dirty, &u->dep)) < 0)
		return rc;
	if (dirty) {
		rc = graft_error("%s has changes of its own that are not committed",
				 u->dep.shown);
		graft_error_hint("commit or discard them in %s first", u->dep.shown);
		return rc;
	}
	if (!dep_has_commit(&u->dep, &u->dep_target)) {
		rc = graft_error("commit %s, where the rollback puts %s back, is not in its repository",
				 short_id(b, &u->dep_target), u->name);
		graft_error_hint("'git graft fetch %s' gets what its source has now",
				 u->name);
	}
	return rc;
}

static void fill_trailers(struct rollback_commit *u)
{
	struct graft_trailers *t = &u->out->t;
	const struct graft_trailers *up = &u->upgrade.t;
	char hex[GIT_OID_HEXSZ + 1];

	t->action = GRAFT_ACTION_ROLLBACK;
	t->dependency = xstrdup(up->dependency);
	/* from what the upgrade went to, back to what it came from */
	t->from_ref = xstrdup(up->to_ref);
	t->from_commit = xstrdup(up->to_commit);
	t->to_ref = xstrdup(up->from_ref);
	t->to_commit = xstrdup(up->from_commit);
	t->reverts = xstrdup(git_oid_tostr(hex, sizeof(hex), &u->upgrade.commit));
	git_oid_cpy(&u->out->reverted, &u->upgrade.commit);
	u->out->reverted_commits = u->upgrade.commits;
}

static int take_snapshot(struct rollback_commit *u)
{
	const struct graft_trailers *t = &u->out->t;
	struct snapshot_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.dep = u->name;
	spec.from_ref = t->from_ref;
	git_oid_fromstr(&spec.from, t->from_commit);
	spec.to_ref = t->to_ref;
	git_oid_fromstr(&spec.to, t->to_commit);
	spec.sig = u->committer;
	spec.dep_path = u->dep.path;
	return snapshot_create(&u->snap, &u->p->repo, &spec, &u->scan);
}

/* Record a gitlink in the index, as `git update-index --cacheinfo` does. */
static int stage_gitlink(git_index *idx, const char *path, const git_oid *id)
{
	git_index_entry e;

	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_COMMIT;
	e.path = path;
	git_oid_cpy(&e.id, id);
	if (git_index_add(idx, &e) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot stage %s", path);
	return 0;
}

/*
 * The files the rollback changes, in the work tree and the index; no
 * other path is touched. Submodule work trees are never written by a
 * checkout: their gitlinks are set in the index, and the dependency is
 * moved on its own.
 */
static int write_files(struct rollback_commit *u)
{
	git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
	git_index *idx = u->p->index;
	char **paths = xcalloc(u->plan.nr + 1, sizeof(*paths));
	git_oid written;
	size_t i, n = 0;
	int rc = 0;

	for (i = 0; i < u->plan.nr; i++)
		if (u->plan.changes[i].mode != GIT_FILEMODE_COMMIT &&
		    u->plan.changes[i].head_mode != GIT_FILEMODE_COMMIT)
			paths[n++] = u->plan.changes[i].path;
	/*
	 * Forced, since what is there is HEAD's own (the tree is clean),
	 * and check_paths made sure no untracked file is overwritten.
	 * No paths would mean all of them.
	 */
	co.checkout_strategy = GIT_CHECKOUT_FORCE |
			       GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH |
			       GIT_CHECKOUT_DONT_WRITE_INDEX;
	co.paths.strings = paths;
	co.paths.count = n;
	co.baseline = u->head_tree;
	if (n && git_checkout_tree(u->p->repo.repo, (const git_object *)u->tree,
				   &co) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot write the files the rollback changes");
		goto done;
	}
	for (i = 0; i < u->plan.nr && rc == 0; i++)
		if (u->plan.changes[i].mode == GIT_FILEMODE_COMMIT)
			rc = stage_gitlink(idx, u->plan.changes[i].path,
					   &u->plan.changes[i].id);
	if (rc < 0)
		goto done;
	/* the index must now hold exactly the tree that is committed */
	if (git_index_write_tree(&written, idx) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the index back");
		goto done;
	}
	if (!git_oid_equal(&written, &u->plan.tree)) {
		rc = graft_error_code(GRAFT_EFATAL, "the index does not hold the rollback's tree after the checkout");
		goto done;
	}
	rc = project_write_index(u->p);
done:
	free(paths);
	return rc;
}

static int make_commit(struct rollback_commit *u)
{
	struct strbuf msg = STRBUF_INIT;
	struct commit_request req;
	int rc;

	trailers_format_message(&msg, &u->out->t);
	/* fails if HEAD moved meanwhile: the parent must be where it is */
	req = (struct commit_request){
		.index = u->p->index, .parent = u->head, .author = u->author,
		.committer = u->committer, .message = msg.buf,
		.update_ref = "HEAD",
	};
	if ((rc = commit_create(&u->out->commit, &u->commit, &req)) < 0)
		graft_error_prefix("cannot commit the rollback");
	strbuf_release(&msg);
	return rc;
}

/*
 * After a failure: everything back as the snapshot has it. The failure
 * stays the error; if going back fails too, that is said after it and
 * the snapshot is kept for `git graft rollback`.
 */
static int go_back(struct rollback_commit *u, int rc)
{
	return rollback_after_failure(&u->p->repo, &u->snap, rc, "rollback",
				     u->p->index, NULL);
}

/*
 * Snapshot, files and index, dependency, commit; interrupts wait until
 * it is all done or undone.
 */
static int carry_out(struct rollback_commit *u)
{
	sigset_t held;
	int rc;

	signals_hold(&held);
	if ((rc = take_snapshot(u)) < 0)
		goto done;
	crash_point("undo-after-snapshot");
	if ((rc = write_files(u)) == 0)
		crash_point("undo-after-files");
	if (rc < 0 ||
	    (u->moves_dep && (rc = dep_checkout(&u->dep, &u->dep_target)) < 0) ||
	    /* on disk before the branch moves (see the upgrade's commit_last) */
	    (rc = syncfs_path(u->p->repo.workdir)) < 0 ||
	    (rc = make_commit(u)) < 0) {
		rc = go_back(u, rc);
		goto done;
	}
	crash_point("undo-after-commit");
	if (snapshot_delete_ref(&u->p->repo, &u->snap) < 0) {
		graft_warning("the rollback of %s is committed, but its snapshot ref could not be deleted: %s",
			      u->name, graft_error_message());
		graft_error_clear();
	}
	commit_post_hook(&u->commit, u->p->index, u->author);
done:
	signals_release(&held);
	return rc;
}

int rollback_commit_run(struct rollback_commit_result *out, struct project *p, const char *name,
	     const struct commit_options *opts)
{
	struct rollback_commit u;
	int rc;

	*out = (struct rollback_commit_result)ROLLBACK_COMMIT_RESULT_INIT;
	memset(&u, 0, sizeof(u));
	u.p = p;
	u.name = name;
	u.out = out;
	u.dep = (struct dep)DEP_INIT;
	u.scan = (struct scan)SCAN_INIT;
	u.snap = (struct snapshot)SNAPSHOT_INIT;
	if ((rc = find_upgrade(&u)) == 0 &&
	    (rc = make_plan(&u)) == 0 &&
	    (rc = check_clean(&u)) == 0 &&
	    (rc = snapshot_check_sizes(&p->repo, &u.scan, "rollback")) == 0 &&
	    (rc = check_paths(&u)) == 0 &&
	    (rc = check_dep(&u)) == 0 &&
	    (rc = ident_resolve(&u.author, &u.committer, p->repo.repo)) == 0 &&
	    (rc = commit_setup(&u.commit, &p->repo, COMMIT_LIKE_REVERT, opts,
			       u.committer)) == 0) {
		fill_trailers(&u);
		rc = carry_out(&u);
	}
	if (rc < 0)
		rollback_commit_result_release(out);
	trailers_release(&u.upgrade.t);
	git_commit_free(u.head);
	git_commit_free(u.upgrade_commit);
	git_commit_free(u.base);
	git_tree_free(u.head_tree);
	git_tree_free(u.tree);
	rollback_tree_release(&u.plan);
	dep_release(&u.dep);
	scan_release(&u.scan);
	git_signature_free(u.author);
	git_signature_free(u.committer);
	commit_setup_release(&u.commit);
	snapshot_release(&u.snap);
	return rc;
}

void rollback_commit_result_release(struct rollback_commit_result *res)
{
	trailers_release(&res->t);
	*res = (struct rollback_commit_result)ROLLBACK_COMMIT_RESULT_INIT;
}
