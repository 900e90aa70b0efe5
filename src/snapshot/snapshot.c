/*
 * Taking a snapshot (snapshot.h): the objects of W, I, A and M for the
 * work tree and each repository nested in it, then the ref.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "gitconfig.h"
#include "iso8601.h"
#include "snapshot/filters.h"
#include "snapshot/objsink.h"
#include "snapshot/snapshot.h"
#include "snapshot/treebuild.h"
#include "snapshot/treediff.h"
#include "snapshot/watch.h"
#include "strbuf.h"
#include "worktree.h"

/*
 * From this many new blobs on, the snapshot's objects are written as one
 * pack: one file and a few fsyncs instead of two fsyncs an object. Below
 * it loose objects are cheaper than a new pack every lookup must search.
 */
#define PACK_MIN_BLOBS 64
/*
 * A file larger than this is streamed to a loose object instead of being
 * held in memory for the pack.
 */
#define PACK_MAX_BLOB_SIZE (16 * 1024 * 1024)
/* Repositories nested deeper than this are refused, not followed. */
#define MAX_NESTING 8

/* One repository being snapshotted: the work tree, or one nested in it. */
struct create_ctx {
	const struct graft_repo *r;
	git_repository *repo;
	const struct snapshot_spec *spec;
	const struct scan *scan;
	const char *path;		/* in the top work tree: "" or "dir/" */
	int depth;
	int keep_ignored;		/* the dependency's checkout: list them */
	int filters;			/* a checkout filter may apply (filters.h) */
	const struct path_list *read;	/* an attempt's scan looked at these only */
	int filemode;			/* core.filemode */
	struct worktree wt;
	struct tree_updates worktree;	/* I -> W */
	struct tree_updates ita;	/* the A tree */
	struct tree_updates meta;	/* the M tree */
	struct meta_list records;
	size_t blobs;			/* files to store */
};

static int create_repository(struct snapshot *out, struct create_ctx *c);

static int is_attributes_file(const char *path)
{
	const char *slash = strrchr(path, '/');

	return !strcmp(slash ? slash + 1 : path, ".gitattributes");
}

static int check_line(const char *what, const char *s)
{
	if (s && strpbrk(s, "\r\n"))
		return graft_error("cannot take a snapshot: the %s '%s' spans lines",
				   what, s);
	return 0;
}

/* Mode git would record for a file of st, or 0 for what it would not. */
static git_filemode_t file_mode(const struct create_ctx *c,
				const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return GIT_FILEMODE_LINK;
	if (!S_ISREG(st->st_mode))
		return 0;
	if (c->filemode && (st->st_mode & S_IXUSR))
		return GIT_FILEMODE_BLOB_EXECUTABLE;
	return GIT_FILEMODE_BLOB;
}

static int lstat_path(struct create_ctx *c, const char *path, struct stat *st)
{
	int rc = worktree_lstat(&c->wt, path, st);

	if (rc == 1)
		return graft_error("cannot take a snapshot: '%s%s' went away while it was read",
				   c->path, path);
	return rc;
}

static void note_perms(struct create_ctx *c, const char *path,
		       const struct stat *st)
{
	if (S_ISREG(st->st_mode) &&
	    (st->st_mode & 07777) != worktree_default_perms(&c->wt, 0,
							   st->st_mode & S_IXUSR))
		meta_add(&c->records, META_PERMS, path)->mode = st->st_mode;
}

struct carry_over {
	struct create_ctx *c;
	const struct path_list *read;	/* what the scan looked at */
};

static int carry_path(const char *path, const git_tree_entry *old,
		      const git_tree_entry *new, void *payload)
{
	struct carry_over *co = payload;
	struct tree_update *u;

	(void)old;
	if (path_list_covers(co->read, path))
		return 0;
	u = tree_updates_add(&co->c->worktree, path,
			     new ? git_tree_entry_filemode(new) : 0);
	if (new)
		u->id = *git_tree_entry_id(new);
	u->stored = 1;
	return 0;
}

/*
 * An attempt that read only what changed (read): elsewhere the work tree
 * is as the snapshot found it, dirty and untracked files too, so what W
 * held beyond the index there is carried over.
 */
static int carry_over_unchanged(struct create_ctx *c, const struct path_list *read)
{
	const struct snapshot *before = c->spec->before;
	struct carry_over co = { c, read };

	return treediff_oid(c->repo, &before->index_tree, &before->worktree_tree,
			    carry_path, &co);
}

/* The files of the scan that W must hold as they are on disk. */
static int plan_files(struct create_ctx *c)
{
	size_t i;
	int rc;

	for (i = 0; i < c->scan->nr; i++) {
		const struct scan_entry *e = &c->scan->entries[i];
		size_t len = strlen(e->path);
		git_filemode_t mode;
		struct stat st;

		if (e->unstaged == 'D') {
			tree_updates_add(&c->worktree, e->path, 0);
			continue;
		}
		if (e->unstaged == '.')
			continue;
		/* a nested repository has a snapshot of its own */
		if (scan_entry_untracked(e) && len && e->path[len - 1] == '/')
			continue;
		if ((rc = lstat_path(c, e->path, &st)) < 0)
			return rc;
		if (scan_entry_untracked(e)) {
			mode = file_mode(c, &st);
			note_perms(c, e->path, &st);
		} else {
			mode = (git_filemode_t)e->worktree_mode;
		}
		if (!mode)
			continue;
		if (e->unstaged == 'A')
			tree_updates_add(&c->ita, e->path, mode);
		tree_updates_add(&c->worktree, e->path, mode)->size = st.st_size;
		c->blobs++;
	}
	return 0;
}

/*
 * A skip-worktree or assume-unchanged entry: its flags, and its file as it
 * is on disk when that may differ from the index (git status never looks).
 */
static int plan_flagged(struct create_ctx *c, const struct scan_item *it)
{
	struct meta_record *m = meta_add(&c->records, META_FLAGGED, it->path);
	git_filemode_t mode;
	struct stat st;
	int rc;

	m->flags = it->flags;
	m->state = it->state == 'D' ? 'D' : '.';
	if (it->state != 'M')
		return 0;
	if ((rc = lstat_path(c, it->path, &st)) < 0)
		return rc;
	if (!(mode = file_mode(c, &st)))
		return 0;
	tree_updates_add(&c->worktree, it->path, mode)->size = st.st_size;
	c->blobs++;
	return 0;
}

/* What .git says in a nested repository: a gitfile's text, or NULL. */
static char *read_gitfile(struct create_ctx *c, const char *dir)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	struct stat st;

	strbuf_addf(&path, "%s/.git", dir);
	if (worktree_lstat(&c->wt, path.buf, &st) != 0 || !S_ISREG(st.st_mode) ||
	    worktree_read_file(&c->wt, path.buf, &text) < 0) {
		graft_error_clear();
		strbuf_release(&path);
		strbuf_release(&text);
		return NULL;
	}
	strbuf_release(&path);
	return strbuf_detach(&text);
}

/* Whether path (no trailing '/') is the dependency's checkout. */
static int is_dep_checkout(const struct create_ctx *c, const char *path)
{
	return !c->depth && c->spec->dep_path && !strcmp(path, c->spec->dep_path);
}

/*
 * The nested repository at path, in which nothing changed since the
 * snapshot the attempt is taken after: its record there says it all.
 */
static int reuse_nested(struct create_ctx *c, const char *path)
{
	const struct meta_record *kept;
	struct meta_list before = META_LIST_INIT;
	struct meta_record *m;
	int rc;

	if ((rc = snapshot_read_meta(&before, c->r, c->spec->before)) < 0)
		return rc;
	if ((kept = meta_find(&before, META_NESTED, path))) {
		m = meta_add(&c->records, META_NESTED, path);
		m->id = kept->id;
		m->flags = kept->flags;
		m->ino = kept->ino;
		m->gitfile = kept->gitfile ? xstrdup(kept->gitfile) : NULL;
	}
	meta_release(&before);
	return 0;
}

/*
 * The scan of a nested repository, shown ("dir/") from the top; with a
 * watch, its directories and its git directory are watched from there.
 */
static int scan_nested(struct scan *out, const struct graft_repo *nested,
		       struct watch *watch, const char *shown, unsigned flags)
{
	struct strbuf git = STRBUF_INIT, as = STRBUF_INIT;
	static const char *const git_dirs[] = { "", "logs/", "refs/heads/" };
	char *outer;
	size_t i;
	int rc;

	if (!watch)
		return scan_worktree(out, nested, flags);
	outer = watch_set_prefix(watch, shown);
	rc = scan_worktree_watched(out, nested, flags, watch);
	free(watch_set_prefix(watch, outer));
	free(outer);
	/* HEAD, the index, branches, reflogs: what moves without a file */
	for (i = 0; rc == 0 && i < sizeof(git_dirs) / sizeof(*git_dirs); i++) {
		strbuf_reset(&git);
		strbuf_addf(&git, "%s%s", nested->gitdir, git_dirs[i]);
		strbuf_reset(&as);
		strbuf_addf(&as, "%s.git/%s", shown, git_dirs[i]);
		watch_add_path(watch, git.buf, as.buf);
	}
	strbuf_release(&git);
	strbuf_release(&as);
	return rc;
}

/* The repository nested at it->path: its snapshot, and a record of it. */
static int plan_nested(struct create_ctx *c, const struct scan_item *it)
{
	struct create_ctx sub;
	struct graft_repo nested = GRAFT_REPO_INIT;
	struct snapshot snap = SNAPSHOT_INIT;
	struct scan scan = SCAN_INIT;
	struct strbuf path = STRBUF_INIT, shown = STRBUF_INIT;
	struct meta_record *m;
	struct stat st;
	int rc;

	strbuf_addstr(&path, it->path);
	if (path.len && path.buf[path.len - 1] == '/')
		strbuf_setlen(&path, path.len - 1);
	strbuf_addf(&shown, "%s%s/", c->path, path.buf);
	if (c->depth >= MAX_NESTING) {
		rc = graft_error("cannot take a snapshot: the repository '%s' is nested more than %d deep",
				 shown.buf, MAX_NESTING);
		goto done;
	}
	if (c->read && !path_list_has_below(c->read, shown.buf)) {
		rc = reuse_nested(c, path.buf);
		goto done;
	}
	memset(&sub, 0, sizeof(sub));
	sub.keep_ignored = is_dep_checkout(c, path.buf);
	if ((rc = repo_open_nested(&nested, c->r, path.buf)) < 0 ||
	    (rc = scan_nested(&scan, &nested, c->spec->watch, shown.buf,
			      SCAN_DETAILS |
			      (sub.keep_ignored ? SCAN_IGNORED_ALL : 0))) < 0 ||
	    (c->spec->kind == SNAPSHOT_BEFORE &&
	     (rc = snapshot_check_sizes(&nested, &scan, "upgrade")) < 0))
		goto done;
	sub.r = &nested;
	sub.repo = nested.repo;
	sub.spec = c->spec;
	sub.scan = &scan;
	sub.path = shown.buf;
	sub.depth = c->depth + 1;
	if ((rc = create_repository(&snap, &sub)) < 0)
		goto done;
	m = meta_add(&c->records, META_NESTED, path.buf);
	m->id = snap.commit;
	if (sub.keep_ignored)
		m->flags = META_NESTED_DEPENDENCY;
	m->gitfile = read_gitfile(c, path.buf);
	if (worktree_lstat(&c->wt, path.buf, &st) == 0)
		m->ino = (unsigned long)st.st_ino;
done:
	if (rc < 0)
		graft_error_prefix("cannot keep the repository '%s'", shown.buf);
	snapshot_release(&snap);
	scan_release(&scan);
	repo_close(&nested);
	strbuf_release(&path);
	strbuf_release(&shown);
	return rc;
}

/* A .gitignore or .gitattributes its own rules hide: kept in M as it is. */
static int plan_hidden_rules(struct create_ctx *c, const char *path)
{
	struct strbuf name = STRBUF_INIT, data = STRBUF_INIT;
	struct tree_update *u;
	int rc = worktree_read_file(&c->wt, path, &data);

	if (rc < 0)
		goto done;
	strbuf_addf(&name, SNAPSHOT_HIDDEN_PREFIX "%s", path);
	u = tree_updates_add(&c->meta, name.buf, GIT_FILEMODE_BLOB);
	if (git_blob_create_from_buffer(&u->id, c->repo, data.buf, data.len) < 0)
		rc = graft_error_git(GRAFT_EFAIL, "cannot store '%s'", path);
done:
	strbuf_release(&name);
	strbuf_release(&data);
	return rc;
}

static void plan_ignored(struct create_ctx *c, const struct scan_item *it)
{
	struct meta_record *m = meta_add(&c->records, META_IGNORED, it->path);

	m->mode = it->mode;
	m->ino = it->ino;
	m->size = it->size;
	m->mtime_ns = it->mtime_ns;
}

/* The items of the scan: records, and the snapshots of nested repositories. */
static int plan_items(struct create_ctx *c)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < c->scan->items_nr && rc == 0; i++) {
		const struct scan_item *it = &c->scan->items[i];

		switch (it->kind) {
		case SCAN_PERMS:
			meta_add(&c->records, META_PERMS, it->path)->mode = it->mode;
			break;
		case SCAN_EMPTY_DIR:
			meta_add(&c->records, META_EMPTY_DIR, it->path)->mode = it->mode;
			break;
		case SCAN_SPECIAL:
			/* a socket or device cannot be made again: left alone */
			if (S_ISFIFO(it->mode))
				meta_add(&c->records, META_FIFO, it->path)->mode = it->mode;
			break;
		case SCAN_FLAGGED:
			rc = plan_flagged(c, it);
			break;
		case SCAN_NESTED:
			rc = plan_nested(c, it);
			break;
		case SCAN_HIDDEN_RULES:
			rc = plan_hidden_rules(c, it->path);
			break;
		case SCAN_IGNORED:
			if (c->keep_ignored)
				plan_ignored(c, it);
			break;
		}
	}
	return rc;
}

/*
 * A file read through the work tree's directories (and its clean
 * filters, when any may apply): at a path too long for libgit2 to open,
 * or where no filter applies, when libgit2's attribute lookups for each
 * path are a cost for nothing.
 */
static int store_read(struct create_ctx *c, struct tree_update *u)
{
	git_filter_list *filters = NULL;
	struct strbuf data = STRBUF_INIT;
	git_buf clean = GIT_BUF_INIT;
	int rc;

	if (u->mode == GIT_FILEMODE_LINK)
		rc = worktree_read_link(&c->wt, u->path, &data);
	else
		rc = worktree_read_file(&c->wt, u->path, &data);
	if (rc < 0)
		goto done;
	if (u->mode != GIT_FILEMODE_LINK && c->filters &&
	    (git_filter_list_load(&filters, c->repo, NULL, u->path,
				  GIT_FILTER_TO_ODB, GIT_FILTER_DEFAULT) < 0 ||
	     (filters && git_filter_list_apply_to_buffer(&clean, filters, data.buf,
							 data.len) < 0))) {
		rc = graft_error_git(GRAFT_EFAIL,
				     "cannot take a snapshot: cannot store '%s%s'",
				     c->path, u->path);
		goto done;
	}
	if (git_blob_create_from_buffer(&u->id, c->repo,
					filters ? clean.ptr : data.buf,
					filters ? clean.size : data.len) < 0)
		rc = graft_error_git(GRAFT_EFAIL,
				     "cannot take a snapshot: cannot store '%s%s'",
				     c->path, u->path);
done:
	git_filter_list_free(filters);
	git_buf_dispose(&clean);
	strbuf_release(&data);
	return rc;
}

/*
 * Store the work tree files of the updates. large selects the pass:
 * files too large to hold in memory go first, straight to disk.
 */
static int store_blobs(struct create_ctx *c, struct objsink *sink, int large)
{
	size_t i, top = strlen(c->r->workdir);
	int rc;

	for (i = 0; i < c->worktree.nr; i++) {
		struct tree_update *u = &c->worktree.items[i];

		if (!u->mode || u->stored || (u->size > PACK_MAX_BLOB_SIZE) != large)
			continue;
		/* a large one is streamed, through libgit2 */
		if ((!c->filters && !large) || top + strlen(u->path) >= PATH_MAX) {
			if ((rc = store_read(c, u)) < 0)
				return rc;
		} else if (git_blob_create_from_workdir(&u->id, c->repo, u->path) < 0) {
			return graft_error_git(GRAFT_EFAIL,
					       "cannot take a snapshot: cannot store '%s%s'",
					       c->path, u->path);
		}
		objsink_note(sink, &u->id);
	}
	return 0;
}

static int store_ita_blobs(struct create_ctx *c, struct objsink *sink)
{
	git_oid empty;
	size_t i;

	if (!c->ita.nr)
		return 0;
	if (git_blob_create_from_buffer(&empty, c->repo, "", 0) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot write the empty blob");
	objsink_note(sink, &empty);
	for (i = 0; i < c->ita.nr; i++)
		c->ita.items[i].id = empty;
	return 0;
}

/*
 * A file stored through a clean filter (core.autocrlf, eol, ident) comes
 * back through the smudge filter: when that would not give back its
 * bytes (mixed line endings, a file checked out under other settings),
 * its bytes are kept as they are too, under raw/ in M.
 */
static int store_raw(struct create_ctx *c, struct objsink *sink,
		     const struct tree_update *u)
{
	git_filter_list *filters = NULL;
	git_buf back = GIT_BUF_INIT;
	struct strbuf disk = STRBUF_INIT, name = STRBUF_INIT;
	struct tree_update *raw;
	int rc = 0;

	if (git_filter_list_load(&filters, c->repo, NULL, u->path,
				 GIT_FILTER_TO_WORKTREE, GIT_FILTER_DEFAULT) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot read the attributes of '%s%s'",
				       c->path, u->path);
	if (!filters)
		return 0;
	git_filter_list_free(filters);
	if ((rc = worktree_checkout_content(&back, c->repo, u->path, &u->id,
					    u->mode, 0)) < 0 ||
	    (rc = worktree_read_file(&c->wt, u->path, &disk)) < 0)
		goto done;
	if (back.size == disk.len && !memcmp(back.ptr, disk.buf, disk.len))
		goto done;
	strbuf_addf(&name, SNAPSHOT_RAW_PREFIX "%s", u->path);
	raw = tree_updates_add(&c->meta, name.buf, GIT_FILEMODE_BLOB);
	if (git_blob_create_from_buffer(&raw->id, c->repo, disk.buf, disk.len) < 0)
		rc = graft_error_git(GRAFT_EFAIL, "cannot store '%s%s'", c->path,
				     u->path);
	else
		objsink_note(sink, &raw->id);
done:
	git_buf_dispose(&back);
	strbuf_release(&disk);
	strbuf_release(&name);
	return rc;
}

static int store_raw_blobs(struct create_ctx *c, struct objsink *sink)
{
	size_t i;
	int rc = 0;

	if (!c->filters)
		return 0;
	for (i = 0; i < c->worktree.nr && rc == 0; i++) {
		const struct tree_update *u = &c->worktree.items[i];

		if (!u->stored && (u->mode == GIT_FILEMODE_BLOB ||
				   u->mode == GIT_FILEMODE_BLOB_EXECUTABLE))
			rc = store_raw(c, sink, u);
	}
	return rc;
}

/*
 * The repository's config, info/exclude and info/attributes, which
 * commands may change too and which decide what a file's bytes and
 * ignoredness are: kept under gitdir/ in M.
 */
static int store_gitdir_files(struct create_ctx *c, struct objsink *sink)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT, name = STRBUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; snapshot_gitdir_files[i] && rc == 0; i++) {
		struct tree_update *u;
		int missing;

		strbuf_reset(&path);
		strbuf_addf(&path, "%s%s", c->r->commondir, snapshot_gitdir_files[i]);
		if ((rc = file_read(path.buf, &data, &missing)) < 0 || missing)
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, SNAPSHOT_GITDIR_PREFIX "%s", snapshot_gitdir_files[i]);
		u = tree_updates_add(&c->meta, name.buf, GIT_FILEMODE_BLOB);
		if (git_blob_create_from_buffer(&u->id, c->repo, data.buf, data.len) < 0)
			rc = graft_error_git(GRAFT_EFAIL, "cannot store '%s'", path.buf);
		else
			objsink_note(sink, &u->id);
	}
	strbuf_release(&path);
	strbuf_release(&data);
	strbuf_release(&name);
	return rc;
}

static int store_records(struct create_ctx *c, struct objsink *sink)
{
	struct strbuf data = STRBUF_INIT;
	struct tree_update *u;
	int rc = 0;

	meta_sort(&c->records);
	meta_encode(&c->records, &data);
	u = tree_updates_add(&c->meta, SNAPSHOT_RECORDS, GIT_FILEMODE_BLOB);
	if (git_blob_create_from_buffer(&u->id, c->repo, data.buf, data.len) < 0)
		rc = graft_error_git(GRAFT_EFAIL, "cannot store the snapshot's records");
	else
		objsink_note(sink, &u->id);
	strbuf_release(&data);
	return rc;
}

static void add_ref_trailer(struct strbuf *sb, const char *key,
			    const char *ref, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	strbuf_addf(sb, "%s: %s", key, ref && *ref ? ref : "-");
	if (!git_oid_is_zero(id))
		strbuf_addf(sb, " %s", git_oid_tostr(hex, sizeof(hex), id));
	strbuf_addch(sb, '\n');
}

static void snapshot_message(struct strbuf *sb, const struct create_ctx *c,
			     const struct snapshot *s)
{
	const struct snapshot_spec *spec = c->spec;
	int attempt = spec->kind == SNAPSHOT_ATTEMPT;
	char when[32];

	strbuf_addf(sb, "graft: %s", attempt ? "attempt at upgrading" :
		    "snapshot before upgrading");
	strbuf_addf(sb, " %s %s -> %s%s%s%s\n\n", s->dep,
		    s->from_ref ? s->from_ref : "-", s->to_ref ? s->to_ref : "-",
		    *c->path ? " (" : "", c->path, *c->path ? ")" : "");
	strbuf_addstr(sb, "Graft-Snapshot: " SNAPSHOT_FORMAT "\n");
	if (attempt)
		strbuf_addstr(sb, "Graft-Kind: attempt\n");
	strbuf_addf(sb, "Graft-Dependency: %s\n", s->dep);
	add_ref_trailer(sb, "Graft-From", s->from_ref, &s->from);
	add_ref_trailer(sb, "Graft-To", s->to_ref, &s->to);
	strbuf_addf(sb, "Graft-Head: %s\n", s->head_ref ? s->head_ref : SNAPSHOT_DETACHED);
	if (git_oid_is_zero(&s->head))
		strbuf_addstr(sb, "Graft-Unborn: yes\n");
	iso8601_format(when, sizeof(when), s->time);
	strbuf_addf(sb, "Graft-Time: %s\nGraft-Pid: %ld\n", when, s->pid);
	if (s->worktree)
		strbuf_addf(sb, "Graft-Worktree: %s\n", s->worktree);
}

static int make_commit(git_oid *out, struct create_ctx *c,
		       struct objsink *sink, const char *message,
		       const git_oid *tree_id, const git_commit **parents,
		       size_t nparents)
{
	git_tree *tree = NULL;
	int rc = 0;

	if (git_tree_lookup(&tree, c->repo, tree_id) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read a tree");
	if (git_commit_create(out, c->repo, NULL, c->spec->sig, c->spec->sig,
			      NULL, message, tree, nparents, parents) < 0)
		rc = graft_error_git(GRAFT_EFAIL, "cannot write the snapshot commit");
	else
		objsink_note(sink, out);
	git_tree_free(tree);
	return rc;
}

/* A commit of tree with HEAD (if any) as its parent; *out looked up. */
static int make_side_commit(git_commit **out, struct create_ctx *c,
			    struct objsink *sink, git_commit *head,
			    const char *what, const git_oid *tree)
{
	const git_commit *parents[1] = { head };
	struct strbuf msg = STRBUF_INIT;
	git_oid id;
	int rc;

	strbuf_addf(&msg, "graft: %s before upgrading %s\n", what, c->spec->dep);
	rc = make_commit(&id, c, sink, msg.buf, tree, parents, head ? 1 : 0);
	strbuf_release(&msg);
	if (rc == 0 && git_commit_lookup(out, c->repo, &id) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot read a commit");
	return rc;
}

/* I, A, M, then W with all of them (and the snapshot, for an attempt). */
static int make_commits(struct snapshot *snap, struct create_ctx *c,
			struct objsink *sink)
{
	git_commit *head = NULL, *sides[3] = { NULL, NULL, NULL }, *before = NULL;
	const git_commit *parents[5];
	struct strbuf msg = STRBUF_INIT;
	size_t n = 0, i;
	int rc = 0;

	if (!git_oid_is_zero(&snap->head) &&
	    git_commit_lookup(&head, c->repo, &snap->head) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read HEAD's commit");
	if ((rc = make_side_commit(&sides[0], c, sink, head, "index",
				   &snap->index_tree)) < 0 ||
	    (rc = make_side_commit(&sides[1], c, sink, head, "intent-to-add entries",
				   &snap->ita_tree)) < 0 ||
	    (rc = make_side_commit(&sides[2], c, sink, NULL, "records",
				   &snap->meta_tree)) < 0)
		goto done;
	if (head)
		parents[n++] = head;
	for (i = 0; i < 3; i++)
		parents[n++] = sides[i];
	if (!c->depth && c->spec->kind == SNAPSHOT_ATTEMPT) {
		if (git_commit_lookup(&before, c->repo, &c->spec->before->commit) < 0) {
			rc = graft_error_git(GRAFT_EFATAL, "cannot read the snapshot");
			goto done;
		}
		parents[n++] = before;
	}
	snapshot_message(&msg, c, snap);
	rc = make_commit(&snap->commit, c, sink, msg.buf, &snap->worktree_tree,
			 parents, n);
done:
	git_commit_free(head);
	for (i = 0; i < 3; i++)
		git_commit_free(sides[i]);
	git_commit_free(before);
	strbuf_release(&msg);
	return rc;
}

/* The trees and commits of the snapshot, all objects durable on return. */
static int write_objects(struct snapshot *snap, struct create_ctx *c)
{
	struct objsink sink;
	int rc;

	/* large files first, streamed to loose objects */
	objsink_open(&sink, c->repo, 0);
	rc = store_blobs(c, &sink, 1);
	objsink_close(&sink);
	if (rc < 0)
		return rc;
	if ((rc = objsink_open(&sink, c->repo, c->blobs >= PACK_MIN_BLOBS)) < 0)
		goto done;
	if ((rc = store_blobs(c, &sink, 0)) < 0 ||
	    (rc = store_ita_blobs(c, &sink)) < 0 ||
	    (rc = store_raw_blobs(c, &sink)) < 0 ||
	    (rc = store_gitdir_files(c, &sink)) < 0 ||
	    (rc = store_records(c, &sink)) < 0 ||
	    (rc = tree_build(&snap->worktree_tree, c->repo, &snap->index_tree,
			     &c->worktree, objsink_note_cb, &sink)) < 0 ||
	    (rc = tree_build(&snap->ita_tree, c->repo, NULL, &c->ita,
			     objsink_note_cb, &sink)) < 0 ||
	    (rc = tree_build(&snap->meta_tree, c->repo, NULL, &c->meta,
			     objsink_note_cb, &sink)) < 0 ||
	    (rc = make_commits(snap, c, &sink)) < 0)
		goto done;
	rc = objsink_flush(&sink);
done:
	objsink_close(&sink);
	return rc;
}

/*
 * Restoring cleans up git's state and resets nothing: there must be no
 * operation of the user's in progress, nor conflicts, in the work tree
 * or any repository nested in it.
 */
static int refuse_state(const struct create_ctx *c)
{
	int rc;

	if ((rc = repo_check_state(c->r)) < 0)
		return rc;
	if (c->scan->conflicted) {
		rc = graft_error("cannot take a snapshot: the index has %zu conflicted path%s",
				 c->scan->conflicted,
				 c->scan->conflicted == 1 ? "" : "s");
		graft_error_hint("resolve them (git add) or discard them first");
	}
	return rc;
}

/* HEAD, its branch and who took the snapshot, when; zero head when unborn. */
static int fill_identity(struct snapshot *snap, const struct create_ctx *c)
{
	const struct snapshot_spec *spec = c->spec;
	git_reference *head = NULL;
	int rc;

	if ((rc = check_line("dependency name", spec->dep)) < 0 ||
	    (rc = check_line("ref", spec->from_ref)) < 0 ||
	    (rc = check_line("ref", spec->to_ref)) < 0)
		return rc;
	snap->format = 2;
	snap->dep = xstrdup(spec->dep);
	snap->from_ref = spec->from_ref ? xstrdup(spec->from_ref) : NULL;
	snap->to_ref = spec->to_ref ? xstrdup(spec->to_ref) : NULL;
	snap->from = spec->from;
	snap->to = spec->to;
	snap->time = time(NULL);
	snap->pid = (long)getpid();
	snap->worktree = repo_worktree_id(c->r);
	rc = git_reference_lookup(&head, c->repo, "HEAD");
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read HEAD");
	if (git_reference_type(head) == GIT_REFERENCE_SYMBOLIC)
		snap->head_ref = xstrdup(git_reference_symbolic_target(head));
	git_reference_free(head);
	rc = git_reference_name_to_id(&snap->head, c->repo, "HEAD");
	if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) {
		git_error_clear();
		memset(&snap->head, 0, sizeof(snap->head));
		return 0;
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot resolve HEAD");
	return 0;
}

/* Whether a nested repository's snapshot was planned for path already. */
static int planned_nested(const struct create_ctx *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->records.nr; i++)
		if (c->records.items[i].kind == META_NESTED &&
		    !strcmp(c->records.items[i].path, path))
			return 1;
	return 0;
}

/*
 * What an attempt's scan did not look at is as the snapshot had it, but
 * the dependency's checkout, which the upgrade moved: kept each time.
 */
static int plan_unread(struct create_ctx *c)
{
	struct scan_item dep;
	int rc;

	if ((rc = carry_over_unchanged(c, c->read)) < 0 || !c->spec->dep_path ||
	    planned_nested(c, c->spec->dep_path))
		return rc;
	memset(&dep, 0, sizeof(dep));
	dep.path = (char *)c->spec->dep_path;
	dep.kind = SCAN_NESTED;
	return plan_nested(c, &dep);
}

/*
 * Whether a checkout filter may apply: with a .gitattributes the scan
 * saw (one that read some paths only cannot tell).
 */
static int decide_filters(struct create_ctx *c)
{
	git_index *index = NULL;
	size_t i;
	int saw = c->read && c->spec->before->attributes_seen, rc;

	for (i = 0; !saw && i < c->scan->nr; i++)
		saw = scan_entry_untracked(&c->scan->entries[i]) &&
		      is_attributes_file(c->scan->entries[i].path);
	for (i = 0; !saw && i < c->scan->items_nr; i++)
		saw = c->scan->items[i].kind == SCAN_HIDDEN_RULES &&
		      is_attributes_file(c->scan->items[i].path);
	if ((rc = repo_index(&index, c->r)) < 0)
		return rc;
	rc = filters_possible(&c->filters, c->r, index, saw);
	git_index_free(index);
	return rc;
}

static int create_repository(struct snapshot *out, struct create_ctx *c)
{
	int attempt = c->spec->kind == SNAPSHOT_ATTEMPT, rc;
	git_config *cfg = NULL;

	*out = (struct snapshot)SNAPSHOT_INIT;
	c->filemode = 1;
	if ((rc = worktree_open(&c->wt, c->r->workdir)) < 0)
		return rc;
	/* an attempt keeps whatever the commands left, conflicts too */
	if ((!attempt && (rc = refuse_state(c)) < 0) ||
	    (rc = fill_identity(out, c)) < 0)
		goto done;
	if (git_repository_config_snapshot(&cfg, c->repo) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
		goto done;
	}
	if ((rc = gitconfig_get_bool(cfg, "core.filemode", &c->filemode)) < 0 ||
	    (rc = decide_filters(c)) < 0 ||
	    (rc = (attempt ? scan_index_tree_resolved :
		   scan_index_tree)(&out->index_tree, c->r)) < 0 ||
	    (rc = plan_files(c)) < 0 || (rc = plan_items(c)) < 0 ||
	    (c->read && (rc = plan_unread(c)) < 0))
		goto done;
	rc = write_objects(out, c);
done:
	git_config_free(cfg);
	tree_updates_release(&c->worktree);
	tree_updates_release(&c->ita);
	tree_updates_release(&c->meta);
	meta_release(&c->records);
	worktree_close(&c->wt);
	if (rc < 0)
		snapshot_release(out);
	return rc;
}

/*
 * The directories of refname and of its reflog, made here and fsync'd
 * into their parents (libgit2 makes them without), so that the ref and
 * its log survive a power cut once they are written.
 */
static int ref_dirs_durable(const struct graft_repo *r, const char *refname)
{
	struct strbuf dir = STRBUF_INIT;
	const char *slash = strrchr(refname, '/');
	int rc;

	strbuf_addf(&dir, "%s%.*s", r->commondir, (int)(slash - refname), refname);
	rc = mkdir_durable(dir.buf);
	strbuf_reset(&dir);
	strbuf_addf(&dir, "%slogs/%.*s", r->commondir, (int)(slash - refname),
		    refname);
	if (rc == 0)
		rc = mkdir_durable(dir.buf);
	strbuf_release(&dir);
	return rc;
}

/*
 * A snapshot ref that failed to be written whole (its file renamed into
 * place, the sync of its directory failed): gone again, with its reflog,
 * so that no next command takes it for an interrupted upgrade.
 */
static void undo_ref(git_repository *repo, const char *refname,
		     const git_oid *commit)
{
	git_reference *ref = NULL;

	if (git_reference_lookup(&ref, repo, refname) == 0 &&
	    git_reference_type(ref) == GIT_REFERENCE_DIRECT &&
	    git_oid_equal(git_reference_target(ref), commit))
		git_reference_delete(ref);
	git_reference_free(ref);
	if (git_reflog_delete(repo, refname) < 0)
		git_error_clear();
	git_error_clear();
}

/*
 * Point refname at the snapshot, with a reflog entry. A snapshot ref is
 * new (refused if it exists); an attempt ref moves, its reflog keeping
 * the earlier ones. The ref is written (and fsync'd, file and directory,
 * by libgit2) only once everything it points at is durable.
 */
static int create_ref(const struct create_ctx *c, const struct snapshot *snap,
		      const char *refname)
{
	struct strbuf msg = STRBUF_INIT, logdir = STRBUF_INIT;
	git_reference *ref = NULL;
	int attempt = c->spec->kind == SNAPSHOT_ATTEMPT, rc = 0;

	strbuf_addf(&msg, "graft: %s %s %s -> %s (pid %ld)",
		    attempt ? "attempt at upgrading" : "snapshot before upgrading",
		    snap->dep, snap->from_ref ? snap->from_ref : "-",
		    snap->to_ref ? snap->to_ref : "-", snap->pid);
	if ((rc = ref_dirs_durable(c->r, refname)) < 0)
		goto done;
	/* the reflog entry names who took the snapshot */
	if (git_repository_set_ident(c->repo, c->spec->sig->name,
				     c->spec->sig->email) < 0 ||
	    git_reference_ensure_log(c->repo, refname) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot create the reflog of %s",
				     refname);
		goto done;
	}
	strbuf_addf(&logdir, "%slogs/%s", c->r->commondir, refname);
	if ((rc = fsync_path(logdir.buf)) < 0)
		goto done;
	if (git_reference_create(&ref, c->repo, refname, &snap->commit, attempt,
				 msg.buf) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot create %s", refname);
		if (!attempt)
			undo_ref(c->repo, refname, &snap->commit);
	}
done:
	git_reference_free(ref);
	strbuf_release(&msg);
	strbuf_release(&logdir);
	return rc;
}

static int refuse_existing(const struct graft_repo *r, const char *refname,
			   const char *dep)
{
	git_reference *ref = NULL;
	int rc = git_reference_lookup(&ref, r->repo, refname);

	git_reference_free(ref);
	if (rc == 0) {
		rc = graft_error("a snapshot of '%s' already exists (%s)", dep,
				 refname);
		graft_error_hint("run 'git graft rollback' to restore it first");
	} else if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = 0;
	} else {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read %s", refname);
	}
	return rc;
}

/* What an attempt reads: what changed, and where the index changed. */
static int attempt_paths(struct path_list *out, const struct graft_repo *r,
			 const struct snapshot_spec *spec)
{
	git_oid cur;
	size_t i;
	int rc;

	for (i = 0; i < spec->changed->nr; i++)
		path_list_add(out, spec->changed->items[i]);
	if ((rc = scan_index_tree_resolved(&cur, r)) == 0 &&
	    (rc = treediff_oid(r->repo, &spec->before->index_tree, &cur,
			       treediff_add_path, out)) == 0)
		path_list_sort(out);
	return rc;
}

int snapshot_create(struct snapshot *out, const struct graft_repo *r,
		    const struct snapshot_spec *spec, const struct scan *scan)
{
	struct path_list read = PATH_LIST_INIT;
	struct scan own_scan = SCAN_INIT;
	struct create_ctx c;
	char *refname = spec->kind == SNAPSHOT_ATTEMPT ?
			snapshot_attempt_ref_name(spec->dep) :
			snapshot_ref_name(spec->dep);
	int rc;

	*out = (struct snapshot)SNAPSHOT_INIT;
	if (!r->workdir) {
		rc = graft_error("cannot take a snapshot of a bare repository");
		goto done;
	}
	if (spec->kind == SNAPSHOT_BEFORE &&
	    (rc = refuse_existing(r, refname, spec->dep)) < 0)
		goto done;
	if (!scan && spec->changed) {
		if ((rc = attempt_paths(&read, r, spec)) < 0 ||
		    (rc = scan_worktree_paths(&own_scan, r, SCAN_DETAILS |
					      (spec->before->attributes_seen ? 0 :
					       SCAN_NO_OTHER_ATTRIBUTES),
					      &read)) < 0)
			goto done;
		scan = &own_scan;
	} else if (!scan) {
		if ((rc = scan_worktree(&own_scan, r, SCAN_DETAILS)) < 0)
			goto done;
		scan = &own_scan;
	}
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.repo = r->repo;
	c.spec = spec;
	c.scan = scan;
	c.path = "";
	c.read = spec->changed ? &read : NULL;
	if ((rc = create_repository(out, &c)) < 0)
		goto done;
	out->attributes_seen = scan->attributes_seen ||
			       (spec->before && spec->before->attributes_seen);
	if (spec->kind == SNAPSHOT_BEFORE && git_oid_is_zero(&out->head)) {
		rc = graft_error("cannot take a snapshot: the current branch has no commit yet");
		goto done;
	}
	rc = create_ref(&c, out, refname);
done:
	if (rc < 0)
		snapshot_release(out);
	scan_release(&own_scan);
	path_list_release(&read);
	free(refname);
	return rc;
}

/* The default of graft.snapshotMaxFileSize; see snapshot_check_sizes. */
#define SNAPSHOT_MAX_FILE_SIZE (100LL << 20)

int snapshot_check_sizes(const struct graft_repo *r, const struct scan *scan,
			 const char *command)
{
	git_config *cfg = NULL;
	long long limit = SNAPSHOT_MAX_FILE_SIZE;
	struct stat st;
	size_t i;
	int rc;

	if (git_repository_config_snapshot(&cfg, r->repo) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the configuration");
	rc = gitconfig_get_size(cfg, "graft.snapshotMaxFileSize", &limit);
	git_config_free(cfg);
	if (rc < 0 || !limit)
		return rc < 0 ? rc : 0;
	for (i = 0; i < scan->nr; i++) {
		const struct scan_entry *e = &scan->entries[i];
		struct strbuf full = STRBUF_INIT;
		int too_large;

		if (!scan_entry_untracked(e))
			continue;
		strbuf_addf(&full, "%s%s", r->workdir, e->path);
		too_large = !lstat(full.buf, &st) && S_ISREG(st.st_mode) &&
			    st.st_size > limit;
		strbuf_release(&full);
		if (!too_large)
			continue;
		rc = graft_error("the untracked file '%s' is too large to snapshot (%lld MiB; graft.snapshotMaxFileSize is %lld MiB)",
				 e->path, (long long)st.st_size >> 20, limit >> 20);
		graft_error_hint("move it out of the work tree, or list it in .gitignore: the %s leaves ignored files alone",
				 command);
		graft_error_hint("or keep it in the snapshot anyway: git -c graft.snapshotMaxFileSize=0 graft %s ...",
				 command);
		return rc;
	}
	return 0;
}
