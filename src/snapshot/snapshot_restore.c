/*
 * snapshot_restore(): putting a repository back to its snapshot while
 * touching only what differs from it.
 *
 * First what decides how the rest reads: the git directory's config,
 * info/exclude and info/attributes go back, and the repository is opened
 * again so that nothing the commands set stays cached. HEAD and its
 * branch go back. The index file is the stat cache that makes the rest
 * cheap: the tree of the current index is taken (scan_index_tree(),
 * fast thanks to the cache tree); an index that is missing, unreadable
 * or conflicted is rebuilt from I first. One scan against that index
 * (what `git status` sees, and the details snapshot.h lists) gives the
 * paths whose file differs from their index entry, the untracked files
 * and the rest. A path the scan does not list holds exactly what the
 * index says, so it differs from W only if its index entry does: a tree
 * diff of the index's tree against W, which skips every unchanged
 * directory, finds those. That diff also lists every untracked file W
 * keeps; when a watch told what changed, those nothing touched are as
 * the snapshot found them and are not read back.
 *
 * The .gitignore and .gitattributes files go back before anything else,
 * and the scan is taken again if one changed, so that the snapshot's
 * ignore rules decide what is untracked and the snapshot's attributes
 * how a file's bytes are written. The index is then made I (entries,
 * intent-to-add, flags), loaded and written only if it differs. Each
 * listed path is made what W (or, for bytes no filter gives back, M's
 * raw copy) says, with its permission bits; what the snapshot does not
 * have is removed; empty directories, FIFOs and permission bits go back;
 * then each nested repository, the same way.
 *
 * All writes go through worktree.h: beneath the work tree, never through
 * a symlink.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "gitconfig.h"
#include "ident.h"
#include "pathlist.h"
#include "report.h"
#include "snapshot/filters.h"
#include "snapshot/scan.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_restore.h"
#include "snapshot/treediff.h"
#include "strbuf.h"
#include "worktree.h"

/* One repository being put back: the work tree, or one nested in it. */
struct restore_ctx {
	const struct graft_repo *r;	/* a fresh handle (repo_reopen) */
	git_repository *repo;
	const struct snapshot *snap;
	const char *path;		/* in the top work tree: "" or "dir/" */
	int depth;
	int keep_ignored;		/* the dependency's checkout */
	const struct path_list *only;	/* what a watch says changed, or NULL */
	/*
	 * ...and with it the paths whose index entry changed, sorted: what
	 * the scan looked at. Elsewhere the work tree is as the snapshot
	 * found it. Only when touched_known: not when the whole work tree
	 * was scanned.
	 */
	struct path_list touched;
	int touched_known;
	/* ...the same for the whole work tree, from the top: nested too */
	const struct path_list *changed_all;
	struct snapshot_restore_stats *stats;
	struct meta_list records;
	git_tree *worktree;		/* W's tree */
	git_tree *meta;			/* M's tree; NULL in format 1 */
	struct path_list ita;		/* A's paths, sorted */
	int filemode, symlinks;		/* core.filemode, core.symlinks */
	int filters;			/* a checkout filter may apply (filters.h) */
	git_index *index;		/* while files are restored */
	struct worktree wt;
	struct strbuf reflog_msg;
};

static int restore_repository(struct restore_ctx *c);

/* ---- HEAD and its branch ---------------------------------------------- */

/*
 * Reflog entries name who rolled back, when an identity is configured;
 * libgit2's own fallback is used otherwise (a restore must not fail for
 * want of a name).
 */
static void set_reflog_ident(struct restore_ctx *c)
{
	git_signature *who = NULL;

	if (ident_resolve(NULL, &who, c->repo) < 0) {
		graft_error_clear();
		return;
	}
	if (git_repository_set_ident(c->repo, who->name, who->email) < 0)
		git_error_clear();
	git_signature_free(who);
}

static int restore_branch(struct restore_ctx *c)
{
	const struct snapshot *snap = c->snap;
	git_reference *branch = NULL, *moved = NULL;
	int rc = git_reference_lookup(&branch, c->repo, snap->head_ref);

	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
	} else if (rc < 0) {
		return graft_error_git(GRAFT_EFATAL, "cannot read %s",
				       snap->head_ref);
	}
	rc = 0;
	if (!branch || git_reference_type(branch) != GIT_REFERENCE_DIRECT ||
	    !git_oid_equal(git_reference_target(branch), &snap->head)) {
		if (git_reference_create(&moved, c->repo, snap->head_ref,
					 &snap->head, 1, c->reflog_msg.buf) < 0)
			rc = graft_error_git(GRAFT_EFATAL, "cannot move %s back",
					     snap->head_ref);
		c->stats->refs_moved = 1;
	}
	git_reference_free(branch);
	git_reference_free(moved);
	return rc;
}

/*
 * A branch that had no commit yet: if the commands made one, it goes
 * (the attempt keeps what they did).
 */
static int restore_unborn_branch(struct restore_ctx *c)
{
	git_reference *branch = NULL;
	int rc = git_reference_lookup(&branch, c->repo, c->snap->head_ref);

	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		return 0;
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read %s", c->snap->head_ref);
	c->stats->refs_moved = 1;
	if (git_reference_delete(branch) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot remove %s again",
				     c->snap->head_ref);
	git_reference_free(branch);
	return rc;
}

static int restore_refs(struct restore_ctx *c)
{
	const struct snapshot *snap = c->snap;
	git_reference *head = NULL, *moved = NULL;
	int unborn = git_oid_is_zero(&snap->head), rc = 0;

	set_reflog_ident(c);
	if (snap->head_ref &&
	    (rc = unborn ? restore_unborn_branch(c) : restore_branch(c)) < 0)
		return rc;
	if (git_reference_lookup(&head, c->repo, "HEAD") < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read HEAD");
	if (snap->head_ref) {
		if (git_reference_type(head) != GIT_REFERENCE_SYMBOLIC ||
		    strcmp(git_reference_symbolic_target(head), snap->head_ref)) {
			c->stats->refs_moved = 1;
			if (git_reference_symbolic_create(&moved, c->repo, "HEAD",
							  snap->head_ref, 1,
							  c->reflog_msg.buf) < 0)
				rc = graft_error_git(GRAFT_EFATAL,
						     "cannot point HEAD at %s again",
						     snap->head_ref);
		}
	} else if (!unborn && (git_reference_type(head) != GIT_REFERENCE_DIRECT ||
				 !git_oid_equal(git_reference_target(head), &snap->head))) {
		c->stats->refs_moved = 1;
		if (git_repository_set_head_detached(c->repo, &snap->head) < 0)
			rc = graft_error_git(GRAFT_EFATAL, "cannot detach HEAD at its old commit");
	}
	git_reference_free(head);
	git_reference_free(moved);
	return rc;
}

/* ---- the index -------------------------------------------------------- */

static int collect_ita(const char *root, const git_tree_entry *entry,
		       void *payload)
{
	struct path_list *l = payload;
	struct strbuf path = STRBUF_INIT;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	strbuf_addf(&path, "%s%s", root, git_tree_entry_name(entry));
	path_list_add(l, path.buf);
	strbuf_release(&path);
	return 0;
}

static int load_ita(struct restore_ctx *c)
{
	git_tree *tree = NULL;
	int rc = 0;

	if (git_oid_is_zero(&c->snap->ita_tree))
		return 0;
	if (git_tree_lookup(&tree, c->repo, &c->snap->ita_tree) < 0 ||
	    git_tree_walk(tree, GIT_TREEWALK_PRE, collect_ita, &c->ita) < 0)
		rc = graft_error_git(GRAFT_EFATAL,
				     "cannot read the snapshot's intent-to-add entries");
	git_tree_free(tree);
	path_list_sort(&c->ita);
	return rc;
}

static int add_ita_entries(struct restore_ctx *c, git_index *idx)
{
	git_tree *tree = NULL;
	size_t i;
	int rc = 0;

	if (!c->ita.nr)
		return 0;
	if (git_tree_lookup(&tree, c->repo, &c->snap->ita_tree) < 0)
		return graft_error_git(GRAFT_EFATAL,
				       "cannot read the snapshot's intent-to-add entries");
	for (i = 0; i < c->ita.nr && rc == 0; i++) {
		git_tree_entry *te = NULL;
		git_index_entry entry;

		if (git_tree_entry_bypath(&te, tree, c->ita.items[i]) < 0) {
			rc = graft_error_git(GRAFT_EFATAL,
					     "cannot read the snapshot's intent-to-add entries");
			break;
		}
		memset(&entry, 0, sizeof(entry));
		entry.path = c->ita.items[i];
		entry.mode = git_tree_entry_filemode(te);
		entry.id = *git_tree_entry_id(te);
		entry.flags_extended = GIT_INDEX_ENTRY_INTENT_TO_ADD;
		if (git_index_add(idx, &entry) < 0)
			rc = graft_error_git(GRAFT_EFATAL, "cannot restore '%s' in the index",
					     entry.path);
		git_tree_entry_free(te);
	}
	git_tree_free(tree);
	return rc;
}

static unsigned entry_flags(const git_index_entry *e)
{
	return ((e->flags_extended & GIT_INDEX_ENTRY_SKIP_WORKTREE) ?
		SCAN_SKIP_WORKTREE : 0) |
	       ((e->flags & GIT_INDEX_ENTRY_VALID) ? SCAN_ASSUME_UNCHANGED : 0);
}

static int set_entry_flags(git_index *idx, const git_index_entry *e,
			   unsigned flags)
{
	git_index_entry copy = *e;

	copy.flags_extended &= ~(uint16_t)GIT_INDEX_ENTRY_SKIP_WORKTREE;
	copy.flags &= ~(uint16_t)GIT_INDEX_ENTRY_VALID;
	if (flags & SCAN_SKIP_WORKTREE)
		copy.flags_extended |= GIT_INDEX_ENTRY_SKIP_WORKTREE;
	if (flags & SCAN_ASSUME_UNCHANGED)
		copy.flags |= GIT_INDEX_ENTRY_VALID;
	if (git_index_add(idx, &copy) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot restore the flags of '%s'",
				       e->path);
	return 0;
}

/*
 * Skip-worktree and assume-unchanged where the snapshot had them, and
 * nowhere else. A format 1 snapshot did not keep them: they stay.
 */
static int restore_flags(struct restore_ctx *c, git_index *idx)
{
	size_t i, n = git_index_entrycount(idx);
	int rc = 0;

	if (c->snap->format < 2)
		return 0;
	for (i = 0; i < n && rc == 0; i++) {
		const git_index_entry *e = git_index_get_byindex(idx, i);
		const struct meta_record *m;
		unsigned want;

		if (GIT_INDEX_ENTRY_STAGE(e))
			continue;
		m = meta_find(&c->records, META_FLAGGED, e->path);
		want = m ? m->flags : 0;
		if (want != entry_flags(e))
			rc = set_entry_flags(idx, e, want);
	}
	return rc;
}

/*
 * The index as I, A and the flags say, written and fsync'd: libgit2
 * renames it into place without a sync, so the sync follows, before
 * anything that relies on it (the snapshot ref stays until then).
 */
static int write_index(struct restore_ctx *c, git_index *idx)
{
	int rc;

	if ((rc = add_ita_entries(c, idx)) < 0 || (rc = restore_flags(c, idx)) < 0)
		return rc;
	c->stats->index_rewritten = 1;
	return repo_write_index(idx);
}

/*
 * The index is missing, unreadable or conflicted: make it I again from
 * scratch. Entries whose content did not change keep their stat data.
 */
static int rebuild_index(struct restore_ctx *c)
{
	git_index *idx = NULL;
	git_tree *tree = NULL;
	int rc;

	if (git_repository_index(&idx, c->repo) < 0) {
		char *path = scan_index_path(c->r);

		/* unreadable: what it held is lost anyway, I replaces it */
		git_error_clear();
		unlink(path);
		free(path);
		if (git_repository_index(&idx, c->repo) < 0)
			return graft_error_git(GRAFT_EFAIL, "cannot read the index");
	} else if (git_index_read(idx, 1) < 0) {
		git_error_clear();
		git_index_clear(idx);
	}
	if (git_tree_lookup(&tree, c->repo, &c->snap->index_tree) < 0 ||
	    git_index_read_tree(idx, tree) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot restore the index");
		goto done;
	}
	if ((rc = write_index(c, idx)) < 0)
		goto done;
	c->stats->index_rebuilt = 1;
done:
	git_tree_free(tree);
	git_index_free(idx);
	return rc;
}

static int is_ita(const git_index_entry *e)
{
	return (e->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD) != 0;
}

/*
 * Whether the index's intent-to-add entries and its skip-worktree and
 * assume-unchanged flags are those of the snapshot (a format 1 snapshot
 * kept no flags: any will do).
 */
static int same_marks(const struct restore_ctx *c, git_index *idx)
{
	size_t i, n = git_index_entrycount(idx), ita = 0, flagged = 0;

	for (i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(idx, i);
		const struct meta_record *m;

		if (is_ita(e) && (ita >= c->ita.nr || strcmp(c->ita.items[ita++], e->path)))
			return 0;
		if (c->snap->format < 2 || !entry_flags(e))
			continue;
		m = meta_find(&c->records, META_FLAGGED, e->path);
		if (!m || m->flags != entry_flags(e))
			return 0;
		flagged++;
	}
	if (ita != c->ita.nr)
		return 0;
	for (i = 0; c->snap->format >= 2 && i < c->records.nr; i++)
		if (c->records.items[i].kind == META_FLAGGED)
			flagged--;
	return c->snap->format < 2 || flagged == 0;
}

/* The index entries to change: removals first, so that a file can replace a directory. */
struct index_delta {
	char *path;
	int removed;
	git_oid id;
	git_filemode_t mode;
};

struct index_deltas {
	struct index_delta *items;
	size_t nr, alloc;
};

static int note_index_delta(const char *path, const git_tree_entry *old,
			    const git_tree_entry *new, void *payload)
{
	struct index_deltas *l = payload;
	struct index_delta *d;

	(void)old;
	ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	d = &l->items[l->nr++];
	memset(d, 0, sizeof(*d));
	d->path = xstrdup(path);
	d->removed = !new;
	if (new) {
		git_oid_cpy(&d->id, git_tree_entry_id(new));
		d->mode = git_tree_entry_filemode(new);
	}
	return 0;
}

static void index_deltas_release(struct index_deltas *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->items[i].path);
	free(l->items);
}

static int apply_index_deltas(git_index *idx, const struct index_deltas *l)
{
	git_index_entry entry;
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < l->nr; i++) {
			const struct index_delta *d = &l->items[i];

			if (d->removed != !pass)
				continue;
			if (d->removed) {
				if (git_index_remove(idx, d->path, 0) < 0)
					return graft_error_git(GRAFT_EFAIL,
							       "cannot restore '%s' in the index",
							       d->path);
				continue;
			}
			memset(&entry, 0, sizeof(entry));
			entry.path = d->path;
			entry.mode = d->mode;
			entry.id = d->id;
			if (git_index_add(idx, &entry) < 0)
				return graft_error_git(GRAFT_EFAIL,
						       "cannot restore '%s' in the index",
						       d->path);
		}
	return 0;
}

/*
 * The index differs from I (entries whose tree is cur_tree) or in its
 * intent-to-add entries: change just those entries and write it.
 */
static int fix_index(struct restore_ctx *c, const git_oid *cur_tree)
{
	struct index_deltas deltas = { .items = NULL };
	struct path_list ita = PATH_LIST_INIT;
	git_index *idx = NULL;
	size_t i;
	int rc = 0;

	if (git_repository_index(&idx, c->repo) < 0 || git_index_read(idx, 1) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot read the index");
	/* intent-to-add entries first: I may hold a real entry at one */
	for (i = 0; i < git_index_entrycount(idx); i++)
		if (is_ita(git_index_get_byindex(idx, i)))
			path_list_add(&ita, git_index_get_byindex(idx, i)->path);
	for (i = 0; i < ita.nr && rc == 0; i++)
		if (git_index_remove(idx, ita.items[i], 0) < 0)
			rc = graft_error_git(GRAFT_EFAIL, "cannot restore '%s' in the index",
					     ita.items[i]);
	path_list_release(&ita);
	if (rc < 0 ||
	    (rc = treediff_oid(c->repo, cur_tree, &c->snap->index_tree,
			       note_index_delta, &deltas)) < 0 ||
	    (rc = apply_index_deltas(idx, &deltas)) < 0)
		goto done;
	rc = write_index(c, idx);
done:
	index_deltas_release(&deltas);
	git_index_free(idx);
	return rc;
}

/* ---- the work tree ---------------------------------------------------- */

/* ---- the work tree ---------------------------------------------------- */

static int is_rules_path(const char *path)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;

	return !strcmp(name, ".gitignore") || !strcmp(name, ".gitattributes");
}

/* Remove the directories above path left empty, but those the snapshot had. */
static int prune_parents(struct restore_ctx *c, const char *path)
{
	struct strbuf dir = STRBUF_INIT;
	char *slash;
	int rc = 0;

	strbuf_addstr(&dir, path);
	while ((slash = strrchr(dir.buf, '/'))) {
		strbuf_setlen(&dir, (size_t)(slash - dir.buf));
		if (meta_find(&c->records, META_EMPTY_DIR, dir.buf) ||
		    (rc = worktree_remove_empty_dir(&c->wt, dir.buf)) != 0)
			break;
	}
	strbuf_release(&dir);
	return rc < 0 ? rc : 0;
}

/* Remove what is at path unless it is a directory, and what that leaves empty. */
static int remove_if_file(struct restore_ctx *c, const char *path)
{
	struct stat st;
	int rc = worktree_lstat(&c->wt, path, &st);

	if (rc)
		return rc < 0 ? rc : 0;
	if (S_ISDIR(st.st_mode))
		return 0;
	if ((rc = worktree_remove(&c->wt, path)) < 0)
		return rc;
	return prune_parents(c, path);
}

/* Remove whatever is at path, a directory tree too, and empty parents. */
static int remove_all(struct restore_ctx *c, const char *path)
{
	int rc = worktree_remove(&c->wt, path);

	return rc < 0 ? rc : prune_parents(c, path);
}

/* The permission bits of a file W records with mode: M's, or git's default. */
static mode_t file_perms(const struct restore_ctx *c, const char *path,
			 git_filemode_t mode)
{
	const struct meta_record *m = meta_find(&c->records, META_PERMS, path);

	if (m && S_ISREG(m->mode))
		return m->mode & 07777;
	return worktree_default_perms(&c->wt, 0,
				      mode == GIT_FILEMODE_BLOB_EXECUTABLE);
}

static mode_t dir_perms(const struct restore_ctx *c, const char *path)
{
	const struct meta_record *m = meta_find(&c->records, META_PERMS, path);

	if (!m)
		m = meta_find(&c->records, META_EMPTY_DIR, path);
	if (m && S_ISDIR(m->mode))
		return m->mode & 07777;
	return worktree_default_perms(&c->wt, 1, 0);
}

/*
 * A tracked file whose bytes the snapshot did not need to keep was, as
 * far as git could tell, its blob checked out. Through today's filters
 * that may not be the bytes it had: the index's stat data tells the size
 * it had, and when that is the blob's own size and not the filtered one,
 * it was checked out under other settings (core.autocrlf set since, say)
 * and the blob as it is gives its bytes back.
 */
static int checked_out_unfiltered(struct restore_ctx *c, const char *path,
				  const git_tree_entry *te, const git_buf *filtered)
{
	const git_index_entry *e = c->index ?
				   git_index_get_bypath(c->index, path, 0) : NULL;
	git_blob *blob = NULL;
	int raw;

	if (!e || !git_oid_equal(&e->id, git_tree_entry_id(te)) ||
	    e->file_size == (uint32_t)filtered->size ||
	    git_blob_lookup(&blob, c->repo, git_tree_entry_id(te)) < 0) {
		git_error_clear();
		return 0;
	}
	raw = e->file_size == (uint32_t)git_blob_rawsize(blob);
	git_blob_free(blob);
	return raw;
}

/* What path must hold: M's raw bytes when it has them, or W's blob checked out. */
static int wanted_content(git_buf *out, struct restore_ctx *c, const char *path,
			  const git_tree_entry *te)
{
	struct strbuf name = STRBUF_INIT;
	git_filemode_t mode = git_tree_entry_filemode(te);
	int missing = 1, rc = 0;

	if (c->meta) {
		strbuf_addf(&name, SNAPSHOT_RAW_PREFIX "%s", path);
		rc = snapshot_meta_blob(out, &missing, c->r, c->snap, name.buf);
		strbuf_release(&name);
	}
	if (rc < 0 || !missing)
		return rc;
	if ((rc = worktree_checkout_content(out, c->repo, path,
					    git_tree_entry_id(te), mode,
					    !c->filters)) < 0 ||
	    !c->filters || mode == GIT_FILEMODE_LINK ||
	    !checked_out_unfiltered(c, path, te, out))
		return rc;
	git_buf_dispose(out);
	return worktree_checkout_content(out, c->repo, path, git_tree_entry_id(te),
					 mode, 1);
}

/* Make the work tree at path what the snapshot records there. */
static int restore_path(struct restore_ctx *c, const char *path)
{
	const struct meta_record *flagged = meta_find(&c->records, META_FLAGGED, path);
	git_tree_entry *te = NULL;
	git_buf data = GIT_BUF_INIT;
	git_filemode_t mode;
	int rc, same;

	/* a skip-worktree entry with no file (a sparse path) stays so */
	if (flagged && flagged->state == 'D')
		return remove_if_file(c, path);
	rc = git_tree_entry_bypath(&te, c->worktree, path);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		return remove_if_file(c, path);
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the snapshot of '%s'",
				       path);
	mode = git_tree_entry_filemode(te);
	/* a submodule's checkout is restored as a repository of its own */
	if (mode == GIT_FILEMODE_COMMIT)
		goto done;
	if (git_tree_entry_type(te) == GIT_OBJECT_TREE) {
		rc = remove_if_file(c, path);
		goto done;
	}
	if ((rc = wanted_content(&data, c, path, te)) < 0 ||
	    (rc = worktree_holds(&same, &c->wt, path, &data, mode, c->symlinks,
				 file_perms(c, path, mode))) < 0 || same)
		goto done;
	rc = worktree_put(&c->wt, path, &data, mode, c->symlinks,
			  file_perms(c, path, mode));
done:
	git_buf_dispose(&data);
	git_tree_entry_free(te);
	return rc;
}

/*
 * A .gitignore or .gitattributes its own rules hid: back as M keeps it,
 * or gone when it was not there.
 */
static int restore_hidden_rules(struct restore_ctx *c, const char *path)
{
	struct strbuf name = STRBUF_INIT;
	git_buf data = GIT_BUF_INIT;
	mode_t perms = file_perms(c, path, GIT_FILEMODE_BLOB);
	int missing = 1, same, rc = 0;

	strbuf_addf(&name, SNAPSHOT_HIDDEN_PREFIX "%s", path);
	if (c->meta)
		rc = snapshot_meta_blob(&data, &missing, c->r, c->snap, name.buf);
	if (rc == 0 && missing)
		rc = remove_if_file(c, path);
	else if (rc == 0 &&
		 (rc = worktree_holds(&same, &c->wt, path, &data,
				      GIT_FILEMODE_BLOB, 1, perms)) == 0 && !same)
		rc = worktree_put(&c->wt, path, &data, GIT_FILEMODE_BLOB, 1, perms);
	strbuf_release(&name);
	git_buf_dispose(&data);
	return rc;
}

static int collect_hidden_rules(const char *root, const git_tree_entry *entry,
				void *payload)
{
	struct strbuf path = STRBUF_INIT;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	strbuf_addf(&path, "%s%s", root, git_tree_entry_name(entry));
	path_list_add(payload, path.buf);
	strbuf_release(&path);
	return 0;
}

/* The hidden rules files M keeps, by path. */
static int kept_hidden_rules(struct restore_ctx *c, struct path_list *out)
{
	git_tree_entry *te = NULL;
	git_tree *tree = NULL;
	int rc = 0;

	if (!c->meta)
		return 0;
	if (git_tree_entry_bypath(&te, c->meta, "hidden") < 0) {
		git_error_clear();
		return 0;
	}
	if (git_tree_lookup(&tree, c->repo, git_tree_entry_id(te)) < 0 ||
	    git_tree_walk(tree, GIT_TREEWALK_PRE, collect_hidden_rules, out) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the snapshot's records");
	git_tree_free(tree);
	git_tree_entry_free(te);
	return rc;
}

static int note_changed_path(const char *path, const git_tree_entry *old,
			     const git_tree_entry *new, void *payload)
{
	(void)old;
	(void)new;
	path_list_add(payload, path);
	return 0;
}

/* note_differing_path's payload */
struct differing {
	struct restore_ctx *c;
	struct path_list *out;
};

/*
 * Whether the file at path may differ from W although its index entry
 * says nothing: always, unless the restore knows what was touched and
 * path is neither at, below nor above one of those.
 */
static int may_differ(const struct restore_ctx *c, const char *path)
{
	struct strbuf dir = STRBUF_INIT;
	int yes;

	if (!c->touched_known || path_list_covers(&c->touched, path))
		return 1;
	strbuf_addf(&dir, "%s/", path);
	yes = path_list_has_below(&c->touched, dir.buf);
	strbuf_release(&dir);
	return yes;
}

/*
 * A path W and the index's tree disagree on: the commands' doing, or an
 * untracked file W keeps. An untracked file nothing touched is as W has
 * it, and is not read again.
 */
static int note_differing_path(const char *path, const git_tree_entry *old,
			       const git_tree_entry *new, void *payload)
{
	struct differing *d = payload;

	(void)old;
	(void)new;
	if (may_differ(d->c, path))
		path_list_add(d->out, path);
	return 0;
}

/*
 * The paths that may differ from the snapshot: those the scan lists as
 * differing from the index, flagged entries whose file may differ, and
 * those whose index entry (cur_tree) differs from W, but for untracked
 * files nothing touched.
 */
static int changed_paths(struct restore_ctx *c, const git_oid *cur_tree,
			 const struct scan *scan, struct path_list *out)
{
	struct differing differing = { .c = c, .out = out };
	size_t i;
	int rc;

	for (i = 0; i < scan->nr; i++) {
		const struct scan_entry *e = &scan->entries[i];

		if (!scan_entry_untracked(e) && e->unstaged != '.')
			path_list_add(out, e->path);
	}
	for (i = 0; i < scan->items_nr; i++) {
		const struct scan_item *it = &scan->items[i];

		if (it->kind == SCAN_FLAGGED && it->state != '.')
			path_list_add(out, it->path);
	}
	if ((rc = treediff_oid(c->repo, cur_tree, &c->snap->worktree_tree,
			       note_differing_path, &differing)) < 0)
		return rc;
	path_list_sort(out);
	return 0;
}

/*
 * The .gitignore and .gitattributes files first, as the snapshot has
 * them: they decide what the rest is. *changed when one was touched.
 */
static int restore_rules(struct restore_ctx *c, const struct path_list *changed,
			 const struct scan *scan, int *rules_changed)
{
	struct path_list hidden = PATH_LIST_INIT;
	size_t before = c->wt.written + c->wt.removed, i;
	int rc = 0;

	for (i = 0; i < changed->nr && rc == 0; i++)
		if (is_rules_path(changed->items[i]))
			rc = restore_path(c, changed->items[i]);
	for (i = 0; i < scan->nr && rc == 0; i++)
		if (scan_entry_untracked(&scan->entries[i]) &&
		    is_rules_path(scan->entries[i].path))
			rc = restore_path(c, scan->entries[i].path);
	for (i = 0; i < scan->items_nr; i++)
		if (scan->items[i].kind == SCAN_HIDDEN_RULES)
			path_list_add(&hidden, scan->items[i].path);
	if (rc == 0)
		rc = kept_hidden_rules(c, &hidden);
	path_list_sort(&hidden);
	for (i = 0; i < hidden.nr && rc == 0; i++)
		rc = restore_hidden_rules(c, hidden.items[i]);
	path_list_release(&hidden);
	*rules_changed = c->wt.written + c->wt.removed != before;
	return rc;
}

/* The nested repository recorded with ino, if it is no longer where it was. */
static const struct meta_record *moved_repository(struct restore_ctx *c,
						  unsigned long ino)
{
	size_t i;
	struct stat st;

	for (i = 0; i < c->records.nr; i++) {
		const struct meta_record *m = &c->records.items[i];

		if (m->kind == META_NESTED && m->ino == ino &&
		    worktree_lstat(&c->wt, m->path, &st) == 1)
			return m;
	}
	return NULL;
}

/*
 * A repository at path (ending in '/') that the snapshot does not have:
 * the user's, moved by the commands, goes back where it was; one the
 * commands made goes.
 */
static int restore_created_repository(struct restore_ctx *c, const char *path,
				      unsigned long ino)
{
	char *dir = xstrndup(path, strlen(path) - 1);
	const struct meta_record *moved = moved_repository(c, ino);
	int rc;

	if (moved)
		rc = worktree_rename(&c->wt, dir, moved->path);
	else
		rc = remove_all(c, dir);
	if (rc == 0 && moved)
		rc = prune_parents(c, dir);
	free(dir);
	return rc;
}

/* Whether the snapshot's W has a file or gitlink (not a directory) at path. */
static int snapshot_has_file(struct restore_ctx *c, const char *path, int *has)
{
	git_tree_entry *te = NULL;
	int rc = git_tree_entry_bypath(&te, c->worktree, path);

	*has = rc == 0 && git_tree_entry_type(te) != GIT_OBJECT_TREE;
	git_tree_entry_free(te);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		return graft_error_git(GRAFT_EFATAL, "cannot read the snapshot");
	git_error_clear();
	return 0;
}

/* Untracked files and repositories the snapshot does not have. */
static int remove_created_files(struct restore_ctx *c, const struct scan *scan)
{
	size_t i;
	int rc = 0, has;

	for (i = 0; i < scan->nr && rc == 0; i++) {
		const struct scan_entry *e = &scan->entries[i];
		size_t len = strlen(e->path);

		if (!scan_entry_untracked(e))
			continue;
		if (len && e->path[len - 1] == '/') {
			char *dir = xstrndup(e->path, len - 1);

			if (!meta_find(&c->records, META_NESTED, dir) &&
			    (rc = snapshot_has_file(c, dir, &has)) == 0 && !has)
				rc = restore_created_repository(c, e->path, e->ino);
			free(dir);
			continue;
		}
		if ((rc = snapshot_has_file(c, e->path, &has)) == 0 && !has)
			rc = remove_if_file(c, e->path);
	}
	return rc;
}

/* A dependency's ignored file that the upgrade changed: named, left as it is. */
static int ignored_changed(const struct meta_record *m, const struct scan_item *it)
{
	return !S_ISDIR(it->mode) &&
	       (m->ino != it->ino || m->size != it->size || m->mtime_ns != it->mtime_ns);
}

/*
 * What the scan's items show the commands made: FIFOs, sockets, checkouts
 * of submodules, and in a dependency's checkout ignored files too.
 */
static int remove_created_items(struct restore_ctx *c, const struct scan *scan)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < scan->items_nr && rc == 0; i++) {
		const struct scan_item *it = &scan->items[i];
		const struct meta_record *m;

		switch (it->kind) {
		case SCAN_SPECIAL:
			if (!S_ISFIFO(it->mode) ||
			    !meta_find(&c->records, META_FIFO, it->path))
				rc = remove_all(c, it->path);
			break;
		case SCAN_NESTED:
			if (S_ISDIR(it->mode) ||
			    meta_find(&c->records, META_NESTED, it->path))
				break;
			/* a submodule checked out by the commands */
			rc = remove_all(c, it->path);
			break;
		case SCAN_IGNORED:
			if (!c->keep_ignored)
				break;
			m = meta_find(&c->records, META_IGNORED, it->path);
			if (!m) {
				size_t len = strlen(it->path);
				char *path = xstrndup(it->path,
						      it->path[len - 1] == '/' ? len - 1 : len);

				rc = remove_all(c, path);
				free(path);
			} else if (ignored_changed(m, it)) {
				graft_warning("the upgrade changed the ignored file '%s%s'; it is left as it is",
					      c->path, it->path);
			}
			break;
		default:
			break;
		}
	}
	return rc;
}

/* Empty directories the commands made go, deepest first. */
static int remove_created_dirs(struct restore_ctx *c, const struct scan *scan)
{
	size_t i;
	int rc = 0;

	for (i = scan->items_nr; i-- > 0 && rc == 0;) {
		const struct scan_item *it = &scan->items[i];

		if (it->kind != SCAN_EMPTY_DIR ||
		    meta_find(&c->records, META_EMPTY_DIR, it->path))
			continue;
		rc = worktree_remove_empty_dir(&c->wt, it->path);
		if (rc == 0)
			rc = prune_parents(c, it->path);
		else if (rc > 0)
			rc = 0;
	}
	return rc;
}

/* The snapshot's empty directories and FIFOs, where they are missing. */
static int restore_dirs_and_fifos(struct restore_ctx *c)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < c->records.nr && rc == 0; i++) {
		const struct meta_record *m = &c->records.items[i];
		struct stat st;
		int there;

		if (m->kind != META_EMPTY_DIR && m->kind != META_FIFO)
			continue;
		if ((rc = worktree_lstat(&c->wt, m->path, &st)) < 0)
			break;
		there = rc == 0 && (m->kind == META_EMPTY_DIR ? S_ISDIR(st.st_mode) :
				    S_ISFIFO(st.st_mode));
		rc = 0;
		if (there)
			continue;
		if (m->kind == META_EMPTY_DIR)
			rc = worktree_make_dir(&c->wt, m->path, m->mode);
		else
			rc = worktree_make_fifo(&c->wt, m->path, m->mode);
	}
	return rc;
}

/* The permission bits path should have, for what is there (st). */
static int wanted_perms(struct restore_ctx *c, const char *path,
			const struct stat *st, mode_t *perms)
{
	git_tree_entry *te = NULL;
	const struct meta_record *m;
	int rc;

	if (S_ISDIR(st->st_mode)) {
		*perms = dir_perms(c, path);
		return 0;
	}
	m = meta_find(&c->records, META_FIFO, path);
	if (S_ISFIFO(st->st_mode) && m) {
		*perms = m->mode & 07777;
		return 0;
	}
	rc = git_tree_entry_bypath(&te, c->worktree, path);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		*perms = file_perms(c, path, GIT_FILEMODE_BLOB);
		return 0;
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the snapshot of '%s'",
				       path);
	*perms = file_perms(c, path, git_tree_entry_filemode(te));
	git_tree_entry_free(te);
	return 0;
}

static int restore_perms_of(struct restore_ctx *c, const char *path)
{
	struct stat st;
	mode_t perms = 0;
	int rc = worktree_lstat(&c->wt, path, &st);

	if (rc || S_ISLNK(st.st_mode))
		return rc < 0 ? rc : 0;
	if ((rc = wanted_perms(c, path, &st, &perms)) < 0)
		return rc;
	if ((st.st_mode & 07777) == perms)
		return 0;
	return worktree_chmod(&c->wt, path, perms);
}

/*
 * Permission bits: every path the snapshot or the scan found with bits
 * other than git's default gets those the snapshot had.
 */
static int restore_perms(struct restore_ctx *c, const struct scan *scan)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < c->records.nr && rc == 0; i++)
		if (c->records.items[i].kind == META_PERMS)
			rc = restore_perms_of(c, c->records.items[i].path);
	for (i = 0; i < scan->items_nr && rc == 0; i++)
		if (scan->items[i].kind == SCAN_PERMS &&
		    !meta_find(&c->records, META_PERMS, scan->items[i].path))
			rc = restore_perms_of(c, scan->items[i].path);
	return rc;
}

/* ---- the git directory ------------------------------------------------ */

/*
 * config, info/exclude and info/attributes as M keeps them (a file M
 * does not have was made by the commands and goes). *changed when one
 * was written or removed. A format 1 snapshot kept none: they stay.
 */
static int restore_gitdir_files(const struct graft_repo *r,
				const struct snapshot *snap, int *changed)
{
	struct strbuf path = STRBUF_INIT, name = STRBUF_INIT, cur = STRBUF_INIT;
	git_buf kept = GIT_BUF_INIT;
	size_t i;
	int rc = 0;

	*changed = 0;
	if (snap->format < 2)
		return 0;
	for (i = 0; snapshot_gitdir_files[i] && rc == 0; i++) {
		int missing, cur_missing;

		strbuf_reset(&path);
		strbuf_addf(&path, "%s%s", r->commondir, snapshot_gitdir_files[i]);
		strbuf_reset(&name);
		strbuf_addf(&name, SNAPSHOT_GITDIR_PREFIX "%s", snapshot_gitdir_files[i]);
		if ((rc = snapshot_meta_blob(&kept, &missing, r, snap, name.buf)) < 0 ||
		    (rc = file_read(path.buf, &cur, &cur_missing)) < 0)
			break;
		if (missing && !cur_missing) {
			if (unlink(path.buf) < 0)
				rc = graft_error("cannot remove '%s': %s", path.buf,
						 strerror(errno));
			else
				rc = fsync_parent_dir(path.buf);
			*changed = 1;
		} else if (!missing && (cur_missing || cur.len != kept.size ||
					memcmp(cur.buf, kept.ptr, cur.len))) {
			char *dir = xstrndup(path.buf, (size_t)(strrchr(path.buf, '/') - path.buf));

			if ((rc = mkdir_durable(dir)) == 0)
				rc = file_write_atomic(path.buf, kept.ptr, kept.size);
			free(dir);
			*changed = 1;
		}
	}
	strbuf_release(&path);
	strbuf_release(&name);
	strbuf_release(&cur);
	git_buf_dispose(&kept);
	return rc;
}

/* ---- nested repositories ---------------------------------------------- */

/*
 * The directory of the nested repository m and its .git file, if the
 * commands removed them: what it takes to open it again.
 */
static int prepare_nested_dir(struct restore_ctx *c, const struct meta_record *m)
{
	struct strbuf gitfile = STRBUF_INIT;
	git_buf data = GIT_BUF_INIT;
	struct stat st;
	int rc = worktree_lstat(&c->wt, m->path, &st), same;

	if (rc < 0)
		return rc;
	if (rc == 1 || !S_ISDIR(st.st_mode))
		rc = worktree_make_dir(&c->wt, m->path, dir_perms(c, m->path));
	if (rc < 0 || !m->gitfile)
		return rc;
	strbuf_addf(&gitfile, "%s/.git", m->path);
	git_buf_set(&data, m->gitfile, strlen(m->gitfile));
	if ((rc = worktree_holds(&same, &c->wt, gitfile.buf, &data,
				 GIT_FILEMODE_BLOB, 1,
				 worktree_default_perms(&c->wt, 0, 0))) == 0 && !same)
		rc = worktree_put(&c->wt, gitfile.buf, &data, GIT_FILEMODE_BLOB, 1,
				  worktree_default_perms(&c->wt, 0, 0));
	strbuf_release(&gitfile);
	git_buf_dispose(&data);
	return rc;
}

static int open_nested(struct graft_repo *out, struct restore_ctx *c,
		       const struct meta_record *m, struct snapshot *snap)
{
	int rc, changed;

	if ((rc = repo_open_nested(out, c->r, m->path)) < 0)
		return rc;
	if ((rc = snapshot_read_nested(snap, out, &m->id)) < 0 ||
	    (rc = restore_gitdir_files(out, snap, &changed)) < 0 || !changed)
		return rc;
	/* its config changed: nothing of the old one may stay cached */
	repo_close(out);
	return repo_open_nested(out, c->r, m->path);
}

static int restore_nested(struct restore_ctx *c, const struct meta_record *m)
{
	struct restore_ctx sub;
	struct graft_repo nested = GRAFT_REPO_INIT;
	struct snapshot snap = SNAPSHOT_INIT;
	struct strbuf shown = STRBUF_INIT;
	int rc = 0;

	strbuf_addf(&shown, "%s%s/", c->path, m->path);
	/* nothing changed in it, nor in its git directory: as it was */
	if (c->changed_all && !path_list_has_below(c->changed_all, shown.buf))
		goto done;
	if ((rc = prepare_nested_dir(c, m)) < 0)
		goto done;
	if ((rc = open_nested(&nested, c, m, &snap)) < 0) {
		if (!m->gitfile) {
			/* its .git went with it: what it held cannot come back */
			graft_warning("the repository '%s' lost its .git during the upgrade; its files cannot be put back",
				      shown.buf);
			graft_error_clear();
			rc = 0;
		}
		goto done;
	}
	memset(&sub, 0, sizeof(sub));
	sub.r = &nested;
	sub.repo = nested.repo;
	sub.snap = &snap;
	sub.path = shown.buf;
	sub.depth = c->depth + 1;
	sub.keep_ignored = (m->flags & META_NESTED_DEPENDENCY) != 0;
	sub.stats = c->stats;
	sub.changed_all = c->changed_all;
	rc = restore_repository(&sub);
done:
	if (rc < 0)
		graft_error_prefix("cannot restore the repository '%s'", shown.buf);
	snapshot_release(&snap);
	repo_close(&nested);
	strbuf_release(&shown);
	return rc;
}

static int restore_nested_all(struct restore_ctx *c)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < c->records.nr && rc == 0; i++)
		if (c->records.items[i].kind == META_NESTED)
			rc = restore_nested(c, &c->records.items[i]);
	return rc;
}

/* ---- putting it together ---------------------------------------------- */

static int read_settings(struct restore_ctx *c)
{
	git_config *cfg = NULL;
	int rc;

	c->filemode = c->symlinks = 1;
	if (git_repository_config_snapshot(&cfg, c->repo) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
	if ((rc = gitconfig_get_bool(cfg, "core.filemode", &c->filemode)) >= 0)
		rc = gitconfig_get_bool(cfg, "core.symlinks", &c->symlinks);
	git_config_free(cfg);
	return rc < 0 ? rc : 0;
}

static int load_snapshot(struct restore_ctx *c)
{
	int rc;

	/* until decide_filters knows better */
	c->filters = 1;
	strbuf_init(&c->reflog_msg);
	strbuf_addf(&c->reflog_msg, "graft: roll back the upgrade of %s",
		    c->snap->dep);
	if ((rc = worktree_open(&c->wt, c->r->workdir)) < 0 ||
	    (rc = read_settings(c)) < 0 || (rc = load_ita(c)) < 0 ||
	    (rc = snapshot_read_meta(&c->records, c->r, c->snap)) < 0)
		return rc;
	if (git_tree_lookup(&c->worktree, c->repo, &c->snap->worktree_tree) < 0 ||
	    (!git_oid_is_zero(&c->snap->meta_tree) &&
	     git_tree_lookup(&c->meta, c->repo, &c->snap->meta_tree) < 0))
		return graft_error_git(GRAFT_EFATAL, "cannot read the snapshot's files");
	return 0;
}

static void unload_snapshot(struct restore_ctx *c)
{
	git_tree_free(c->worktree);
	git_tree_free(c->meta);
	meta_release(&c->records);
	path_list_release(&c->ita);
	worktree_close(&c->wt);
	strbuf_release(&c->reflog_msg);
}

static int index_exists(const struct restore_ctx *c)
{
	char *path = scan_index_path(c->r);
	int exists = path_exists(path);

	free(path);
	return exists;
}

static int scan_flags(const struct restore_ctx *c)
{
	return SCAN_DETAILS | (c->keep_ignored ? SCAN_IGNORED_ALL : 0);
}

/* HEAD, the git state and the index; *cur_tree the index's tree after. */
static int restore_head_and_index(struct restore_ctx *c, git_oid *cur_tree,
				  int *rebuilt)
{
	int rc;

	*rebuilt = 0;
	if ((rc = restore_refs(c)) < 0)
		return rc;
	/* a merge or rebase the upgrade's commands started, not the user */
	if (git_repository_state(c->repo) != GIT_REPOSITORY_STATE_NONE &&
	    git_repository_state_cleanup(c->repo) < 0)
		return graft_error_git(GRAFT_EFAIL,
				       "cannot clean up the git operation the upgrade started");
	if (index_exists(c) && scan_index_tree(cur_tree, c->r) == 0)
		return 0;
	graft_error_clear();
	if ((rc = rebuild_index(c)) < 0)
		return rc;
	*cur_tree = c->snap->index_tree;
	*rebuilt = 1;
	return 0;
}

static int restore_files(struct restore_ctx *c, const git_oid *cur_tree,
			 const struct scan *scan)
{
	struct path_list changed = PATH_LIST_INIT;
	size_t i;
	int rc;

	if ((rc = changed_paths(c, cur_tree, scan, &changed)) < 0)
		goto done;
	if (git_repository_index(&c->index, c->repo) < 0 ||
	    git_index_read(c->index, 0) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot read the index");
		goto done;
	}
	for (i = 0; i < changed.nr && rc == 0; i++)
		rc = restore_path(c, changed.items[i]);
	/* a snapshot of the first format kept only what git sees */
	if (rc < 0 || (rc = remove_created_files(c, scan)) < 0 ||
	    c->snap->format < 2)
		goto done;
	if ((rc = remove_created_items(c, scan)) == 0 &&
	    (rc = remove_created_dirs(c, scan)) == 0 &&
	    (rc = restore_dirs_and_fifos(c)) == 0)
		rc = restore_perms(c, scan);
done:
	git_index_free(c->index);
	c->index = NULL;
	path_list_release(&changed);
	return rc;
}

/*
 * The scan to restore from: of everything, or, when a watch told what
 * changed, of those paths and of those whose index entry changed.
 */
static int scan_for_restore(struct restore_ctx *c, const git_oid *cur_tree,
			    struct scan *scan)
{
	struct path_list *paths = &c->touched;
	size_t i;
	int rc;

	if (!c->only)
		return scan_worktree(scan, c->r, scan_flags(c));
	for (i = 0; i < c->only->nr; i++)
		path_list_add(paths, c->only->items[i]);
	if ((rc = treediff_oid(c->repo, cur_tree, &c->snap->index_tree,
			       note_changed_path, paths)) < 0)
		return rc;
	path_list_sort(paths);
	c->touched_known = 1;
	return scan_worktree_paths(scan, c->r, scan_flags(c) |
				   (c->snap->attributes_seen ? 0 :
				    SCAN_NO_OTHER_ATTRIBUTES), paths);
}

static int is_attributes_file(const char *path)
{
	const char *slash = strrchr(path, '/');

	return !strcmp(slash ? slash + 1 : path, ".gitattributes");
}

/*
 * Whether a checkout filter may apply, once the attributes files are the
 * snapshot's: tracked ones are in the index, untracked ones among the
 * paths where W differs from the index (changed) or the scan's.
 */
static int decide_filters(struct restore_ctx *c, git_index *idx,
			  const struct path_list *changed, const struct scan *scan)
{
	size_t i;
	int saw = 0;

	for (i = 0; !saw && i < changed->nr; i++)
		saw = is_attributes_file(changed->items[i]);
	for (i = 0; !saw && i < scan->nr; i++)
		saw = scan_entry_untracked(&scan->entries[i]) &&
		      is_attributes_file(scan->entries[i].path);
	return filters_possible(&c->filters, c->r, idx, saw);
}

static int read_index(git_index **out, struct restore_ctx *c)
{
	if (git_repository_index(out, c->repo) < 0 || git_index_read(*out, 0) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot read the index");
	return 0;
}

static int restore_repository(struct restore_ctx *c)
{
	struct path_list changed = PATH_LIST_INIT;
	struct scan scan = SCAN_INIT;
	git_index *idx = NULL;
	git_oid cur_tree;
	int rc, rebuilt, rules_changed = 0, same;

	if ((rc = load_snapshot(c)) < 0 ||
	    (rc = restore_head_and_index(c, &cur_tree, &rebuilt)) < 0 ||
	    (rc = scan_for_restore(c, &cur_tree, &scan)) < 0 ||
	    (rc = changed_paths(c, &cur_tree, &scan, &changed)) < 0 ||
	    (rc = restore_rules(c, &changed, &scan, &rules_changed)) < 0)
		goto done;
	if (rules_changed) {
		/*
		 * What is ignored and how files read: as the snapshot had it,
		 * for every untracked file, wherever it is.
		 */
		git_attr_cache_flush(c->repo);
		path_list_release(&c->touched);
		c->touched_known = 0;
		scan_release(&scan);
		if ((rc = scan_worktree(&scan, c->r, scan_flags(c))) < 0)
			goto done;
	}
	if ((rc = read_index(&idx, c)) < 0 ||
	    (rc = decide_filters(c, idx, &changed, &scan)) < 0) {
		git_index_free(idx);
		goto done;
	}
	same = git_oid_equal(&cur_tree, &c->snap->index_tree) && same_marks(c, idx);
	git_index_free(idx);
	if (!rebuilt && !same && (rc = fix_index(c, &cur_tree)) < 0)
		goto done;
	if ((rc = restore_files(c, &cur_tree, &scan)) < 0 ||
	    (rc = restore_nested_all(c)) < 0)
		goto done;
	rc = worktree_sync(&c->wt);
	c->stats->written += c->wt.written;
	c->stats->removed += c->wt.removed;
done:
	path_list_release(&changed);
	path_list_release(&c->touched);
	scan_release(&scan);
	unload_snapshot(c);
	return rc;
}

int snapshot_restore(const struct graft_repo *r, const struct snapshot *snap,
		     const struct path_list *changed,
		     struct snapshot_restore_stats *stats)
{
	struct snapshot_restore_stats own_stats;
	struct graft_repo fresh = GRAFT_REPO_INIT;
	struct restore_ctx c;
	int rc, config_changed;

	if (!r->workdir)
		return graft_error("cannot restore a snapshot in a bare repository");
	memset(&c, 0, sizeof(c));
	c.stats = stats ? stats : &own_stats;
	memset(c.stats, 0, sizeof(*c.stats));
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	/*
	 * A config the commands changed may linger in r's caches (libgit2
	 * keeps core.autocrlf and the like once read): then the rest is read
	 * through a fresh handle.
	 */
	if ((rc = restore_gitdir_files(r, snap, &config_changed)) < 0 ||
	    (config_changed && (rc = repo_reopen(&fresh, r)) < 0))
		goto done;
	c.r = config_changed ? &fresh : r;
	c.repo = c.r->repo;
	c.snap = snap;
	c.path = "";
	c.only = changed;
	c.changed_all = changed;
	rc = restore_repository(&c);
done:
	if (rc < 0)
		graft_error_prefix("cannot restore the snapshot of '%s'", snap->dep);
	repo_close(&fresh);
	return rc;
}
