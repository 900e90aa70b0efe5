#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "fileio.h"
#include "ops/upgrade_stage.h"
#include "pathlist.h"
#include "report.h"
#include "snapshot/scan.h"
#include "snapshot/snapshot_meta.h"
#include "snapshot/treediff.h"
#include "strbuf.h"
#include "worktree.h"

struct stage_ctx {
	const struct upgrade_stage *s;
	git_repository *repo;
	struct scan after;
	struct meta_list records;
	struct path_list flagged;	/* flagged before or now */
	git_tree *w, *i;		/* the snapshot's work tree and index */
	struct worktree wt;
	struct path_list read;		/* with a watch: what the scan read */
};

static int is_below(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return !strncmp(path, dir, len) && (path[len] == '\0' || path[len] == '/');
}

/* The entry at path in tree: 0 and *out (NULL when there is none). */
static int entry_at(git_tree_entry **out, const git_tree *tree, const char *path)
{
	int rc = git_tree_entry_bypath(out, tree, path);

	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		*out = NULL;
		return 0;
	}
	return rc < 0 ? graft_error_git(GRAFT_EFATAL, "cannot read the snapshot") : 0;
}

/* Whether the index entry at path is what the snapshot's index had. */
static int index_kept(struct stage_ctx *c, const char *path, int *kept)
{
	const git_index_entry *e = git_index_get_bypath(c->s->index, path, 0);
	git_tree_entry *te = NULL;
	int rc = entry_at(&te, c->i, path);

	*kept = 1;
	if (rc == 0)
		*kept = (!e && !te) ||
			(e && te && git_oid_equal(&e->id, git_tree_entry_id(te)) &&
			 e->mode == (uint32_t)git_tree_entry_filemode(te));
	git_tree_entry_free(te);
	return rc;
}

/* Whether the file at path is what the snapshot holds of it. */
static int file_kept(struct stage_ctx *c, const char *path, int *kept)
{
	const struct meta_record *m = meta_find(&c->records, META_FLAGGED, path);
	git_tree_entry *te = NULL;
	struct stat st;
	git_oid id;
	int rc, there = 0;

	*kept = 1;
	if ((rc = entry_at(&te, c->w, path)) < 0 ||
	    (rc = worktree_lstat(&c->wt, path, &st)) < 0)
		goto done;
	there = rc == 0;
	rc = 0;
	if (!there || (m && m->state == 'D') || !te) {
		*kept = !there && (!te || (m && m->state == 'D'));
		goto done;
	}
	if (git_repository_hashfile(&id, c->repo, path, GIT_OBJECT_BLOB, NULL) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot read '%s'", path);
		goto done;
	}
	*kept = git_oid_equal(&id, git_tree_entry_id(te));
done:
	git_tree_entry_free(te);
	return rc;
}

static int refuse_flagged_change(const char *path, const struct meta_record *m)
{
	int rc = graft_error("the upgrade changed '%s', which is marked %s: git-graft cannot tell its change from yours",
			     path, m && (m->flags & SCAN_ASSUME_UNCHANGED) ?
			     "assume-unchanged" : "skip-worktree");

	graft_error_hint("clear the flag (git update-index --no-skip-worktree, --no-assume-unchanged), commit or stash your own change to it, and upgrade again");
	return rc;
}

/* Every flagged file, before or now: unchanged, or the upgrade fails. */
static int check_flagged(struct stage_ctx *c)
{
	size_t i;
	int rc = 0;

	/* with a watch, those it saw unchanged are: no need to hash them */
	for (i = 0; i < c->records.nr; i++)
		if (c->records.items[i].kind == META_FLAGGED &&
		    (!c->read.nr ||
		     path_list_covers(&c->read, c->records.items[i].path)))
			path_list_add(&c->flagged, c->records.items[i].path);
	for (i = 0; i < c->after.items_nr; i++)
		if (c->after.items[i].kind == SCAN_FLAGGED)
			path_list_add(&c->flagged, c->after.items[i].path);
	path_list_sort(&c->flagged);
	for (i = 0; i < c->flagged.nr && rc == 0; i++) {
		const char *path = c->flagged.items[i];
		int kept_index, kept_file;

		if ((rc = index_kept(c, path, &kept_index)) < 0 ||
		    (rc = file_kept(c, path, &kept_file)) < 0)
			break;
		if (!kept_index || !kept_file)
			rc = refuse_flagged_change(path, meta_find(&c->records,
								   META_FLAGGED, path));
	}
	return rc;
}

static int stage_path(struct stage_ctx *c, const char *path)
{
	git_index *idx = c->s->index;
	struct stat st;
	int rc = worktree_lstat(&c->wt, path, &st);

	if (rc < 0)
		return rc;
	if (rc == 0 ? git_index_add_bypath(idx, path) < 0 :
	    (git_index_get_bypath(idx, path, 0) &&
	     git_index_remove_bypath(idx, path) < 0))
		return graft_error_git(GRAFT_EFATAL, "cannot stage %s", path);
	return 0;
}

/* A file of the user's the commands staged (git add -f) goes out again. */
static int keep_out(struct stage_ctx *c, const struct scan_entry *e)
{
	git_index *idx = c->s->index;

	if (!scan_entry_untracked(e) && git_index_get_bypath(idx, e->path, 0) &&
	    git_index_remove_bypath(idx, e->path) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot unstage %s", e->path);
	/* left where it was, untracked as it was: nothing to say */
	if (!scan_entry_untracked(e) || !path_list_has(&c->s->prior->paths, e->path))
		graft_warning("'%s' was in the work tree before the upgrade, untracked or ignored: it is not committed",
			      e->path);
	return 0;
}

static int stage_entry(struct stage_ctx *c, const struct scan_entry *e)
{
	size_t len = strlen(e->path);
	int is_new = scan_entry_untracked(e) || e->staged == 'A';

	if (c->s->dep_path && is_below(e->path, c->s->dep_path))
		return 0;
	/* a repository is not a file: git add would make it a gitlink */
	if (len && e->path[len - 1] == '/') {
		if (!path_list_has(&c->s->prior->paths, e->path))
			graft_warning("'%s' is a repository the upgrade created; it is not committed",
				      e->path);
		return 0;
	}
	if (path_list_has(&c->flagged, e->path))
		return 0;
	if (is_new && prior_files_has(c->s->prior, &c->wt, e->path))
		return keep_out(c, e);
	if (scan_entry_untracked(e) || e->unstaged != '.')
		return stage_path(c, e->path);
	return 0;
}

/* The flags of the user's skip-worktree and assume-unchanged entries, kept. */
static int keep_flags(struct stage_ctx *c)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < c->flagged.nr && rc == 0; i++) {
		const char *path = c->flagged.items[i];
		const struct meta_record *m = meta_find(&c->records, META_FLAGGED, path);
		const git_index_entry *e = git_index_get_bypath(c->s->index, path, 0);
		git_index_entry copy;

		if (!e)
			continue;
		copy = *e;
		copy.flags &= ~(uint16_t)GIT_INDEX_ENTRY_VALID;
		copy.flags_extended &= ~(uint16_t)GIT_INDEX_ENTRY_SKIP_WORKTREE;
		if (m && (m->flags & SCAN_ASSUME_UNCHANGED))
			copy.flags |= GIT_INDEX_ENTRY_VALID;
		if (m && (m->flags & SCAN_SKIP_WORKTREE))
			copy.flags_extended |= GIT_INDEX_ENTRY_SKIP_WORKTREE;
		if (git_index_add(c->s->index, &copy) < 0)
			rc = graft_error_git(GRAFT_EFATAL, "cannot keep the flags of '%s'",
					     path);
	}
	return rc;
}

static int note_read(const char *path, const git_tree_entry *old,
		     const git_tree_entry *new, void *payload)
{
	(void)old;
	(void)new;
	path_list_add(payload, path);
	return 0;
}

static int is_rules_file(const char *path)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;

	return !strcmp(name, ".gitignore") || !strcmp(name, ".gitattributes");
}

/* Whether the git directory's config, exclude or attributes changed. */
static int gitdir_files_changed(struct stage_ctx *c, int *changed)
{
	struct strbuf path = STRBUF_INIT, name = STRBUF_INIT, cur = STRBUF_INIT;
	git_buf kept = GIT_BUF_INIT;
	size_t i;
	int rc = 0, missing, cur_missing;

	*changed = 0;
	for (i = 0; snapshot_gitdir_files[i] && !*changed && rc == 0; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s%s", c->s->r->commondir, snapshot_gitdir_files[i]);
		strbuf_reset(&name);
		strbuf_addf(&name, SNAPSHOT_GITDIR_PREFIX "%s", snapshot_gitdir_files[i]);
		if ((rc = snapshot_meta_blob(&kept, &missing, c->s->r, c->s->snap,
					     name.buf)) < 0 ||
		    (rc = file_read(path.buf, &cur, &cur_missing)) < 0)
			break;
		*changed = missing != cur_missing ||
			   (!missing && (cur.len != kept.size ||
					 memcmp(cur.buf, kept.ptr, cur.len)));
	}
	strbuf_release(&path);
	strbuf_release(&name);
	strbuf_release(&cur);
	git_buf_dispose(&kept);
	return rc;
}

/*
 * Whether what the watch saw is enough: not when the commands changed an
 * ignore or attributes file, since what they created in a directory that
 * was ignored (and so not watched) may be untracked now.
 */
static int watch_enough(struct stage_ctx *c, int *enough)
{
	size_t i;
	int changed, rc;

	*enough = 0;
	for (i = 0; i < c->s->changed->nr; i++)
		if (is_rules_file(c->s->changed->items[i]))
			return 0;
	if ((rc = gitdir_files_changed(c, &changed)) < 0)
		return rc;
	*enough = !changed;
	return 0;
}

/*
 * What the commands changed: with a watch, what it saw and what changed
 * in the index since the snapshot; else all of the work tree.
 */
static int scan_after(struct stage_ctx *c)
{
	const struct upgrade_stage *s = c->s;
	git_oid cur;
	size_t i;
	int rc, enough = 0;

	if (s->changed && (rc = watch_enough(c, &enough)) < 0)
		return rc;
	if (!enough)
		return scan_worktree(&c->after, s->r, SCAN_DETAILS);
	for (i = 0; i < s->changed->nr; i++)
		path_list_add(&c->read, s->changed->items[i]);
	if ((rc = scan_index_tree_resolved(&cur, s->r)) < 0 ||
	    (rc = treediff_oid(c->repo, &s->snap->index_tree, &cur, note_read,
			       &c->read)) < 0)
		return rc;
	path_list_sort(&c->read);
	return scan_worktree_paths(&c->after, s->r, SCAN_DETAILS |
				   (s->snap->attributes_seen ? 0 :
				    SCAN_NO_OTHER_ATTRIBUTES), &c->read);
}

static int stage_ctx_init(struct stage_ctx *c, const struct upgrade_stage *s)
{
	int rc;

	memset(c, 0, sizeof(c[0]));
	c->s = s;
	c->repo = s->r->repo;
	if ((rc = worktree_open(&c->wt, s->r->workdir)) < 0 ||
	    (rc = scan_after(c)) < 0 ||
	    (rc = snapshot_read_meta(&c->records, s->r, s->snap)) < 0)
		return rc;
	if (git_tree_lookup(&c->w, c->repo, &s->snap->worktree_tree) < 0 ||
	    git_tree_lookup(&c->i, c->repo, &s->snap->index_tree) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the snapshot");
	return 0;
}

static void stage_ctx_release(struct stage_ctx *c)
{
	scan_release(&c->after);
	path_list_release(&c->read);
	meta_release(&c->records);
	path_list_release(&c->flagged);
	git_tree_free(c->w);
	git_tree_free(c->i);
	worktree_close(&c->wt);
}

int upgrade_stage_changes(const struct upgrade_stage *s)
{
	struct stage_ctx c;
	size_t i;
	int rc;

	if ((rc = stage_ctx_init(&c, s)) == 0 && (rc = check_flagged(&c)) == 0) {
		for (i = 0; i < c.after.nr && rc == 0; i++)
			rc = stage_entry(&c, &c.after.entries[i]);
		if (rc == 0)
			rc = keep_flags(&c);
	}
	stage_ctx_release(&c);
	return rc;
}
