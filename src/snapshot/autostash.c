#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "gitconfig.h"
#include "pathlist.h"
#include "snapshot/autostash.h"
#include "snapshot/filters.h"
#include "snapshot/treediff.h"
#include "strbuf.h"
#include "worktree.h"

/* How git checks files out here: core.filemode, core.symlinks. */
struct checkout_settings {
	int filemode, symlinks;
	int filters;		/* a checkout filter may apply (filters.h) */
};

/* The part of the message that tells the upgrade's entry from others. */
static void stash_subject(struct strbuf *sb, const char *dep)
{
	strbuf_addf(sb, "graft: autostash before upgrading %s", dep);
}

/* "On <branch>: <subject>", as `git stash push -m` writes it. */
static void stash_message(struct strbuf *sb, const struct snapshot *snap)
{
	const char *branch = snap->head_ref;

	if (branch && !strncmp(branch, "refs/heads/", 11))
		branch += 11;
	strbuf_addf(sb, "On %s: ", branch ? branch : "(no branch)");
	stash_subject(sb, snap->dep);
}

/* The entry at path in tree, or NULL; git_tree_entry_free it. */
static int entry_at(git_tree_entry **out, const git_tree *tree, const char *path)
{
	int rc = git_tree_entry_bypath(out, tree, path);

	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		*out = NULL;
		return 0;
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read '%s' in a tree", path);
	return 0;
}

static int same_entry(const git_tree_entry *a, const git_tree_entry *b)
{
	if (!a || !b)
		return !a && !b;
	return git_tree_entry_filemode(a) == git_tree_entry_filemode(b) &&
	       git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b));
}

/* ---- files ------------------------------------------------------------ */

/* Remove the directories above path that are left empty, up to the top. */
static int prune_empty_parents(struct worktree *wt, const char *path)
{
	struct strbuf dir = STRBUF_INIT;
	char *slash;
	int rc = 0;

	strbuf_addstr(&dir, path);
	while ((slash = strrchr(dir.buf, '/'))) {
		strbuf_setlen(&dir, (size_t)(slash - dir.buf));
		if ((rc = worktree_remove_empty_dir(wt, dir.buf)) != 0)
			break;
	}
	strbuf_release(&dir);
	return rc < 0 ? rc : 0;
}

/*
 * Permission bits for a file of mode at path: those of the file it
 * replaces (setting aside or bringing back should not change who may
 * read it) with the executable bits of mode, or git's default.
 */
static mode_t entry_perms(struct worktree *wt, const char *path,
			  git_filemode_t mode, int filemode)
{
	int exec = mode == GIT_FILEMODE_BLOB_EXECUTABLE;
	struct stat st;
	mode_t perms;

	if (worktree_lstat(wt, path, &st) != 0 || !S_ISREG(st.st_mode)) {
		graft_error_clear();
		return worktree_default_perms(wt, 0, exec);
	}
	perms = st.st_mode & 07777;
	if (!filemode)
		return perms;
	return exec ? perms | ((perms & 0444) >> 2) : perms & ~(mode_t)0111;
}

/*
 * Make path what e says in the work tree, through the checkout filters as
 * git stash writes it: its content and mode, or no file when e is NULL.
 * Gitlinks are submodules: their checkout is not the stash's business.
 */
static int write_entry(struct worktree *wt, git_repository *repo,
		       const char *path, const git_tree_entry *e,
		       const struct checkout_settings *cs)
{
	git_filemode_t mode = e ? git_tree_entry_filemode(e) : 0;
	git_buf data = GIT_BUF_INIT;
	int rc;

	if (!e) {
		struct stat st;

		if ((rc = worktree_lstat(wt, path, &st)) != 0 || S_ISDIR(st.st_mode))
			return rc < 0 ? rc : 0;
		if ((rc = worktree_remove(wt, path)) < 0)
			return rc;
		return prune_empty_parents(wt, path);
	}
	if (mode == GIT_FILEMODE_COMMIT)
		return 0;
	if (mode == GIT_FILEMODE_TREE)
		return graft_error("'%s' is a directory on one side and a file on the other",
				   path);
	if ((rc = worktree_checkout_content(&data, repo, path, git_tree_entry_id(e),
					    mode, !cs->filters)) == 0)
		rc = worktree_put(wt, path, &data, mode, cs->symlinks,
				  entry_perms(wt, path, mode, cs->filemode));
	git_buf_dispose(&data);
	return rc;
}

/* Whether the scan found an untracked (or ignored) .gitattributes. */
static int untracked_attributes(const struct scan *scan)
{
	size_t i;

	for (i = 0; i < scan->nr; i++) {
		const char *slash = strrchr(scan->entries[i].path, '/');
		const char *name = slash ? slash + 1 : scan->entries[i].path;

		if (scan_entry_untracked(&scan->entries[i]) &&
		    !strcmp(name, ".gitattributes"))
			return 1;
	}
	for (i = 0; i < scan->items_nr; i++)
		if (scan->items[i].kind == SCAN_HIDDEN_RULES &&
		    strstr(scan->items[i].path, ".gitattributes"))
			return 1;
	return 0;
}

static int read_checkout_settings(struct checkout_settings *cs,
				  git_repository *repo)
{
	git_config *cfg = NULL;
	int rc;

	cs->filemode = cs->symlinks = 1;
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
	if ((rc = gitconfig_get_bool(cfg, "core.filemode", &cs->filemode)) >= 0)
		rc = gitconfig_get_bool(cfg, "core.symlinks", &cs->symlinks);
	git_config_free(cfg);
	return rc < 0 ? rc : 0;
}

/* ---- the index -------------------------------------------------------- */

static int set_index_entry(git_index *idx, const char *path,
			   const git_tree_entry *e)
{
	git_index_entry entry;

	if (e && git_tree_entry_filemode(e) == GIT_FILEMODE_TREE)
		return graft_error("'%s' is a directory on one side and a file on the other",
				   path);
	if (!e) {
		if (git_index_get_bypath(idx, path, 0) &&
		    git_index_remove(idx, path, 0) < 0)
			return graft_error_git(GRAFT_EFATAL, "cannot unstage '%s'", path);
		return 0;
	}
	memset(&entry, 0, sizeof(entry));
	entry.path = path;
	entry.mode = git_tree_entry_filemode(e);
	git_oid_cpy(&entry.id, git_tree_entry_id(e));
	if (git_index_add(idx, &entry) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot stage '%s'", path);
	return 0;
}

/*
 * Make each of paths what index_tree has in the index and what
 * worktree_tree has on disk, then write the index.
 */
static int set_paths(const struct graft_repo *r, const struct path_list *paths,
		     const git_tree *index_tree, const git_tree *worktree_tree,
		     int saw_attributes)
{
	struct worktree wt = WORKTREE_INIT;
	struct checkout_settings cs;
	git_index *idx = NULL;
	size_t i;
	int rc;

	if ((rc = read_checkout_settings(&cs, r->repo)) < 0 ||
	    (rc = worktree_open(&wt, r->workdir)) < 0)
		return rc;
	if (git_repository_index(&idx, r->repo) < 0 || git_index_read(idx, 0) < 0) {
		worktree_close(&wt);
		return graft_error_git(GRAFT_EFATAL, "cannot read the index");
	}
	rc = filters_possible(&cs.filters, r, idx, saw_attributes);
	for (i = 0; i < paths->nr && rc == 0; i++) {
		git_tree_entry *in_index = NULL, *on_disk = NULL;

		if ((rc = entry_at(&in_index, index_tree, paths->items[i])) == 0 &&
		    (rc = entry_at(&on_disk, worktree_tree, paths->items[i])) == 0 &&
		    (rc = set_index_entry(idx, paths->items[i], in_index)) == 0)
			rc = write_entry(&wt, r->repo, paths->items[i], on_disk, &cs);
		git_tree_entry_free(in_index);
		git_tree_entry_free(on_disk);
	}
	if (rc == 0)
		rc = repo_write_index(idx);
	if (rc == 0)
		rc = worktree_sync(&wt);
	git_index_free(idx);
	worktree_close(&wt);
	return rc;
}

/* ---- the stash entry -------------------------------------------------- */

/* W without the untracked files: the work tree as a git stash records it. */
static int tracked_worktree(git_oid *out, const struct graft_repo *r,
			    const struct scan *scan, git_tree *w)
{
	git_tree_update *updates;
	size_t i, nr = 0;
	int rc = 0;

	updates = xcalloc(scan->untracked + 1, sizeof(*updates));
	for (i = 0; i < scan->nr && rc == 0; i++) {
		const struct scan_entry *e = &scan->entries[i];
		git_tree_entry *there = NULL;

		if (!scan_entry_untracked(e) || nr == scan->untracked)
			continue;
		if ((rc = entry_at(&there, w, e->path)) == 0 && there) {
			updates[nr].action = GIT_TREE_UPDATE_REMOVE;
			updates[nr++].path = e->path;
		}
		git_tree_entry_free(there);
	}
	if (rc == 0 && git_tree_create_updated(out, r->repo, w, nr, updates) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot write the stash's tree");
	free(updates);
	return rc;
}

static int store_stash(git_oid *out, const struct graft_repo *r,
		       const git_signature *sig, const struct snapshot *snap,
		       const git_oid *tree_id)
{
	struct strbuf msg = STRBUF_INIT;
	git_commit *w = NULL, *parents[2] = { NULL, NULL };
	git_reference *ref = NULL;
	git_tree *tree = NULL;
	int rc = 0;

	stash_message(&msg, snap);
	/* W's parents are HEAD and I: a stash's are HEAD and its index */
	if (git_commit_lookup(&w, r->repo, &snap->commit) < 0 ||
	    git_commit_parent(&parents[0], w, 0) < 0 ||
	    git_commit_parent(&parents[1], w, 1) < 0 ||
	    git_tree_lookup(&tree, r->repo, tree_id) < 0 ||
	    git_commit_create(out, r->repo, NULL, sig, sig, NULL, msg.buf, tree,
			      2, (const git_commit **)parents) < 0 ||
	    /*
	     * refs/stash is logged whatever core.logAllRefUpdates says; the
	     * entry is written with the ref, by libgit2, in one step
	     */
	    git_reference_ensure_log(r->repo, "refs/stash") < 0 ||
	    git_reference_create(&ref, r->repo, "refs/stash", out, 1, msg.buf) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot make the autostash entry");
	git_reference_free(ref);
	git_tree_free(tree);
	git_commit_free(parents[1]);
	git_commit_free(parents[0]);
	git_commit_free(w);
	strbuf_release(&msg);
	return rc;
}

int autostash_check(const struct scan *scan)
{
	size_t i;
	int rc;

	for (i = 0; i < scan->nr; i++) {
		const struct scan_entry *e = &scan->entries[i];

		if (scan_entry_untracked(e))
			continue;
		if (e->unstaged == 'A' || (i + 1 < scan->nr &&
		    !strcmp(scan->entries[i + 1].path, e->path))) {
			rc = graft_error("--autostash cannot set '%s' aside: %s", e->path,
					 e->unstaged == 'A' ? "it is marked intent-to-add" :
					 "it is removed from the index but still there");
			graft_error_hint("'git add' or 'git reset' it first, or commit");
			return rc;
		}
	}
	return 0;
}

/* The tracked paths scan found changed. */
static void changed_tracked(struct path_list *out, const struct scan *scan)
{
	size_t i;

	for (i = 0; i < scan->nr; i++)
		if (!scan_entry_untracked(&scan->entries[i]))
			path_list_add(out, scan->entries[i].path);
	path_list_sort(out);
}

int autostash_save(git_oid *out, const struct graft_repo *r,
		   const git_signature *sig, const struct scan *scan,
		   const struct snapshot *snap)
{
	struct path_list paths = PATH_LIST_INIT;
	git_tree *w = NULL, *head = NULL;
	git_commit *head_commit = NULL;
	git_oid tree_id;
	int rc;

	if ((rc = autostash_check(scan)) < 0)
		return rc;
	changed_tracked(&paths, scan);
	if (git_tree_lookup(&w, r->repo, &snap->worktree_tree) < 0 ||
	    git_commit_lookup(&head_commit, r->repo, &snap->head) < 0 ||
	    git_commit_tree(&head, head_commit) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the snapshot");
		goto done;
	}
	if ((rc = tracked_worktree(&tree_id, r, scan, w)) < 0 ||
	    (rc = store_stash(out, r, sig, snap, &tree_id)) < 0)
		goto done;
	rc = set_paths(r, &paths, head, head, untracked_attributes(scan));
done:
	git_tree_free(head);
	git_commit_free(head_commit);
	git_tree_free(w);
	path_list_release(&paths);
	return rc;
}

/* ---- bringing it back ------------------------------------------------- */

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

	if (rc < 0 && rc != GIT_EUSER && rc != GIT_ENOTFOUND)
		return graft_error_git(GRAFT_EFATAL, "cannot read the stash");
	git_error_clear();
	*index = f.index;
	*found = f.found;
	return 0;
}

struct stash_trees {
	git_commit *w, *base, *index, *head;
	git_tree *w_tree, *base_tree, *index_tree, *head_tree;
};

static int read_trees(struct stash_trees *t, const struct graft_repo *r,
		      const git_oid *stash)
{
	git_oid head;

	memset(t, 0, sizeof(*t));
	if (git_commit_lookup(&t->w, r->repo, stash) < 0 ||
	    git_commit_parent(&t->base, t->w, 0) < 0 ||
	    git_commit_parent(&t->index, t->w, 1) < 0 ||
	    git_reference_name_to_id(&head, r->repo, "HEAD") < 0 ||
	    git_commit_lookup(&t->head, r->repo, &head) < 0 ||
	    git_commit_tree(&t->w_tree, t->w) < 0 ||
	    git_commit_tree(&t->base_tree, t->base) < 0 ||
	    git_commit_tree(&t->index_tree, t->index) < 0 ||
	    git_commit_tree(&t->head_tree, t->head) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the autostash");
	return 0;
}

static void release_trees(struct stash_trees *t)
{
	git_tree_free(t->head_tree);
	git_tree_free(t->index_tree);
	git_tree_free(t->base_tree);
	git_tree_free(t->w_tree);
	git_commit_free(t->head);
	git_commit_free(t->index);
	git_commit_free(t->base);
	git_commit_free(t->w);
}

/*
 * A path conflicts when the upgrade changed it (HEAD differs from the
 * stash's base there) and the stashed index or work tree do not already
 * hold what the upgrade made of it.
 */
static int conflicts(int *found, const struct stash_trees *t,
		     const struct path_list *paths)
{
	size_t i;
	int rc = 0;

	*found = 0;
	for (i = 0; i < paths->nr && rc == 0 && !*found; i++) {
		git_tree_entry *base = NULL, *ours = NULL, *index = NULL, *w = NULL;
		const char *path = paths->items[i];

		if ((rc = entry_at(&base, t->base_tree, path)) == 0 &&
		    (rc = entry_at(&ours, t->head_tree, path)) == 0 &&
		    (rc = entry_at(&index, t->index_tree, path)) == 0 &&
		    (rc = entry_at(&w, t->w_tree, path)) == 0)
			*found = !same_entry(base, ours) &&
				 !(same_entry(ours, index) && same_entry(ours, w));
		git_tree_entry_free(base);
		git_tree_entry_free(ours);
		git_tree_entry_free(index);
		git_tree_entry_free(w);
	}
	return rc;
}

/* The trees of stash, and the paths its index or work tree changed. */
static int read_stash(struct stash_trees *t, struct path_list *paths,
		      const struct graft_repo *r, const git_oid *stash)
{
	int rc;

	if ((rc = read_trees(t, r, stash)) < 0 ||
	    (rc = treediff(r->repo, t->base_tree, t->w_tree, treediff_add_path, paths)) < 0 ||
	    (rc = treediff(r->repo, t->base_tree, t->index_tree, treediff_add_path, paths)) < 0)
		return rc;
	path_list_sort(paths);
	return 0;
}

int autostash_pop(int *kept, const struct graft_repo *r, const git_oid *stash)
{
	struct path_list paths = PATH_LIST_INIT;
	struct stash_trees t;
	size_t index = 0;
	int found = 0, rc;

	*kept = 0;
	memset(&t, 0, sizeof(t));
	if ((rc = stash_index(&index, &found, r, stash)) < 0)
		return rc;
	if (!found)
		return graft_error("the autostash entry is gone from the stash");
	if ((rc = read_stash(&t, &paths, r, stash)) < 0)
		goto done;
	if ((rc = conflicts(kept, &t, &paths)) < 0 || *kept)
		goto done;
	/* no scan to tell of an untracked .gitattributes: take it as there */
	if ((rc = set_paths(r, &paths, t.index_tree, t.w_tree, 1)) == 0 &&
	    git_stash_drop(r->repo, index) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot drop the autostash entry");
done:
	release_trees(&t);
	path_list_release(&paths);
	return rc;
}

/* ---- after a failure -------------------------------------------------- */

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

/* The entry's message ends with ours, and its parent is snap->head. */
static int is_autostash_of(const struct graft_repo *r, const struct stash_top *top,
			   const struct snapshot *snap, int *yes)
{
	struct strbuf want = STRBUF_INIT;
	git_commit *commit = NULL;
	size_t len;

	*yes = 0;
	stash_subject(&want, snap->dep);
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

/* Whether commit id is the autostash of the upgrade snap was taken for. */
static int is_autostash_commit(int *yes, const struct graft_repo *r,
			       const git_oid *id, const struct snapshot *snap)
{
	struct strbuf want = STRBUF_INIT;
	struct stash_top top = { 1, {{0}}, NULL };
	git_commit *commit = NULL;
	int rc;

	*yes = 0;
	if (git_commit_lookup(&commit, r->repo, id) < 0) {
		/* a ref left to an object that was never written is not ours */
		git_error_clear();
		return 0;
	}
	strbuf_addstr(&want, git_commit_message(commit));
	strbuf_rtrim(&want);
	git_oid_cpy(&top.id, id);
	top.message = want.buf;
	rc = is_autostash_of(r, &top, snap, yes);
	git_commit_free(commit);
	strbuf_release(&want);
	return rc;
}

/*
 * Whether reflog entry e is the autostash of the upgrade snap was taken
 * for. An entry whose commit never reached the disk (the disk filled up
 * as it was made) is told by its message alone.
 */
static int is_autostash_entry(int *yes, const struct graft_repo *r,
			      const git_reflog_entry *e, const struct snapshot *snap)
{
	struct strbuf want = STRBUF_INIT;
	const char *message = git_reflog_entry_message(e);
	git_odb *odb = NULL;
	size_t len = message ? strlen(message) : 0;
	int written;

	if (git_repository_odb(&odb, r->repo) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the stash");
	written = git_odb_exists(odb, git_reflog_entry_id_new(e));
	git_odb_free(odb);
	if (written)
		return is_autostash_commit(yes, r, git_reflog_entry_id_new(e), snap);
	stash_subject(&want, snap->dep);
	*yes = len >= want.len && !strcmp(message + len - want.len, want.buf);
	strbuf_release(&want);
	return 0;
}

/*
 * Making the entry writes the reflog and refs/stash one after the other:
 * a failure or a crash in between leaves one without the other. Either
 * way, the entry goes: the reflog's newest entry if it is ours, and the
 * ref is set to what the reflog then has on top, or removed.
 */
int autostash_drop_for(const struct graft_repo *r, const struct snapshot *snap)
{
	const git_reflog_entry *top;
	git_reference *ref = NULL;
	git_reflog *log = NULL;
	git_oid at;
	int has_ref, ours_at_ref = 0, ours_on_top = 0, failed, rc = 0;

	has_ref = git_reference_name_to_id(&at, r->repo, "refs/stash") == 0;
	git_error_clear();
	/* reading a reflog that is not there makes an empty one */
	if (!has_ref && git_reference_has_log(r->repo, "refs/stash") != 1) {
		git_error_clear();
		return 0;
	}
	if (git_reflog_read(&log, r->repo, "refs/stash") < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the stash");
	top = git_reflog_entry_byindex(log, 0);
	if ((has_ref && (rc = is_autostash_commit(&ours_at_ref, r, &at, snap)) < 0) ||
	    (top && (rc = is_autostash_entry(&ours_on_top, r, top, snap)) < 0) ||
	    (!ours_at_ref && !ours_on_top))
		goto done;
	if (ours_on_top && git_reflog_drop(log, 0, 1) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot drop the autostash entry");
		goto done;
	}
	top = git_reflog_entry_byindex(log, 0);
	if (top)
		failed = git_reflog_write(log) < 0 ||
			 git_reference_create(&ref, r->repo, "refs/stash",
					      git_reflog_entry_id_new(top), 1,
					      NULL) < 0;
	else
		failed = (has_ref &&
			  git_reference_remove(r->repo, "refs/stash") < 0) ||
			 git_reflog_delete(r->repo, "refs/stash") < 0;
	if (failed)
		rc = graft_error_git(GRAFT_EFATAL, "cannot drop the autostash entry");
done:
	git_reference_free(ref);
	git_reflog_free(log);
	return rc;
}

enum on_disk { ON_DISK_NONE, ON_DISK_BLOB, ON_DISK_OTHER };

/*
 * The id of what is at path on disk, as git would hash it. *what is
 * ON_DISK_NONE when nothing is there, ON_DISK_OTHER for what no blob
 * holds (a directory, a FIFO...); out is set for ON_DISK_BLOB only.
 */
static int hash_on_disk(git_oid *out, enum on_disk *what,
			const struct graft_repo *r, const char *path)
{
	struct strbuf full = STRBUF_INIT, target = STRBUF_INIT;
	struct stat st;
	int rc = 0;

	*what = ON_DISK_BLOB;
	strbuf_addf(&full, "%s%s", r->workdir, path);
	if (lstat(full.buf, &st) < 0) {
		*what = ON_DISK_NONE;
	} else if (S_ISLNK(st.st_mode)) {
		if (readlink_at(AT_FDCWD, full.buf, &target) < 0 ||
		    git_odb_hash(out, target.buf, target.len, GIT_OBJECT_BLOB) < 0)
			rc = graft_error("cannot read the symlink '%s'", path);
	} else if (!S_ISREG(st.st_mode)) {
		*what = ON_DISK_OTHER;
	} else if (git_repository_hashfile(out, r->repo, path, GIT_OBJECT_BLOB,
					   NULL) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read '%s'", path);
	}
	strbuf_release(&target);
	strbuf_release(&full);
	return rc;
}

static int has_id(const git_tree_entry *e, const git_oid *id)
{
	return e && git_oid_equal(git_tree_entry_id(e), id);
}

/* Whether e, an entry or none, is what disk holds. */
static int holds(const git_tree_entry *e, const git_oid *disk,
		 enum on_disk what)
{
	if (what == ON_DISK_NONE)
		return !e;
	return what == ON_DISK_BLOB && has_id(e, disk);
}

/*
 * Whether path is, in the index and on disk, as HEAD has it or as the
 * stash has it: what a pop cut short leaves. Anything else is an edit
 * made since, which only a copy in the stash may replace.
 */
static int as_head_or_stash(int *yes, const struct graft_repo *r,
			    git_index *idx, const struct stash_trees *t,
			    const char *path)
{
	git_tree_entry *head = NULL, *index = NULL, *w = NULL;
	const git_index_entry *staged = git_index_get_bypath(idx, path, 0);
	enum on_disk what;
	git_oid disk;
	int rc;

	*yes = 0;
	if ((rc = entry_at(&head, t->head_tree, path)) == 0 &&
	    (rc = entry_at(&index, t->index_tree, path)) == 0 &&
	    (rc = entry_at(&w, t->w_tree, path)) == 0 &&
	    (rc = hash_on_disk(&disk, &what, r, path)) == 0)
		*yes = (holds(head, &disk, what) || holds(w, &disk, what)) &&
		       (staged ? has_id(head, &staged->id) ||
				 has_id(index, &staged->id) :
				 !head || !index);
	git_tree_entry_free(head);
	git_tree_entry_free(index);
	git_tree_entry_free(w);
	return rc;
}

static int untouched_since_pop(int *yes, const struct graft_repo *r,
			       const struct stash_trees *t,
			       const struct path_list *paths)
{
	git_index *idx = NULL;
	size_t i;
	int rc;

	*yes = 1;
	if ((rc = repo_index(&idx, r)) < 0)
		return rc;
	for (i = 0; i < paths->nr && *yes && rc == 0; i++)
		rc = as_head_or_stash(yes, r, idx, t, paths->items[i]);
	git_index_free(idx);
	return rc;
}

/*
 * The temporary files a pop cut short may have left beside the paths it
 * writes: worktree.h names them .graft-tmp-<pid>-<n>, n counting the
 * files written, and pid is that of the git-graft that took snap.
 */
static int remove_temporaries(const struct graft_repo *r,
			      const struct path_list *paths, long pid)
{
	struct worktree wt = WORKTREE_INIT;
	struct strbuf dir = STRBUF_INIT, name = STRBUF_INIT, done = STRBUF_INIT;
	size_t i, n;
	int rc;

	if ((rc = worktree_open(&wt, r->workdir)) < 0)
		return rc;
	for (i = 0; i < paths->nr && rc == 0; i++) {
		const char *slash = strrchr(paths->items[i], '/');

		strbuf_reset(&dir);
		if (slash)
			strbuf_add(&dir, paths->items[i],
				   (size_t)(slash - paths->items[i]) + 1);
		/* paths are sorted: a directory's paths come together */
		if (i > 0 && !strcmp(dir.buf, done.buf))
			continue;
		strbuf_reset(&done);
		strbuf_addstr(&done, dir.buf);
		for (n = 0; n < paths->nr && rc == 0; n++) {
			strbuf_reset(&name);
			strbuf_addf(&name, "%s.graft-tmp-%ld-%zu", dir.buf, pid, n);
			rc = worktree_remove(&wt, name.buf);
		}
	}
	worktree_close(&wt);
	strbuf_release(&dir);
	strbuf_release(&name);
	strbuf_release(&done);
	return rc;
}

int autostash_pop_for(int *kept, const struct graft_repo *r,
		      const struct snapshot *snap)
{
	struct stash_top top = { 0, {{0}}, NULL };
	struct path_list paths = PATH_LIST_INIT;
	struct stash_trees t;
	int ours = 0, untouched = 0, rc;

	*kept = 0;
	memset(&t, 0, sizeof(t));
	rc = git_stash_foreach(r->repo, read_top, &top);
	if (rc < 0 && rc != GIT_EUSER && rc != GIT_ENOTFOUND) {
		free(top.message);
		return graft_error_git(GRAFT_EFATAL, "cannot read the stash");
	}
	git_error_clear();
	if ((rc = top.found ? is_autostash_of(r, &top, snap, &ours) : 0) < 0 ||
	    !ours)
		goto done;
	if ((rc = read_stash(&t, &paths, r, &top.id)) < 0 ||
	    (rc = remove_temporaries(r, &paths, snap->pid)) < 0 ||
	    (rc = untouched_since_pop(&untouched, r, &t, &paths)) < 0)
		goto done;
	if (untouched)
		rc = autostash_pop(kept, r, &top.id);
	else
		*kept = 1;
done:
	release_trees(&t);
	path_list_release(&paths);
	free(top.message);
	return rc;
}
