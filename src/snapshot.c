#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "gitconfig.h"
#include "guard.h"
#include "packwrite.h"
#include "snapshot.h"
#include "strbuf.h"

#define SNAPSHOT_FORMAT "1"
#define DETACHED "(detached)"

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

char *snapshot_ref_name(const char *dep)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s%s", SNAPSHOT_REF_PREFIX, dep);
	return strbuf_detach(&sb);
}

void snapshot_release(struct snapshot *snap)
{
	free(snap->dep);
	free(snap->from_ref);
	free(snap->to_ref);
	free(snap->head_ref);
	*snap = (struct snapshot)SNAPSHOT_INIT;
}

/* ---- writing objects durably ------------------------------------------ */

/*
 * Where the snapshot's objects go. With a pack, the repository's object
 * database is swapped for one that writes into memory and reads through
 * to the real one; at the end what was written is packed into the real
 * one in a single fsync'd pack, and the real database is put back.
 */
struct object_sink {
	git_repository *repo;
	git_odb *disk_odb;		/* the repository's own */
	git_odb *mem_odb;		/* NULL when writing loose objects */
	git_odb_backend *mempack;	/* owned by mem_odb */
	git_oid *written;		/* objects created in memory */
	size_t nr, alloc;
};

static int sink_open(struct object_sink *s, git_repository *repo, int packed)
{
	git_buf objects = GIT_BUF_INIT;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	s->repo = repo;
	if (!packed)
		return 0;
	if (git_repository_odb(&s->disk_odb, repo) < 0 ||
	    git_repository_item_path(&objects, repo,
				     GIT_REPOSITORY_ITEM_OBJECTS) < 0 ||
	    git_odb_new(&s->mem_odb) < 0 ||
	    git_mempack_new(&s->mempack) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot set up the object database");
		goto done;
	}
	if (git_odb_add_backend(s->mem_odb, s->mempack, 1000) < 0) {
		s->mempack->free(s->mempack);
		s->mempack = NULL;
		rc = graft_error_git(GRAFT_EFATAL, "cannot set up the object database");
		goto done;
	}
	if (git_odb_add_disk_alternate(s->mem_odb, objects.ptr) < 0 ||
	    git_repository_set_odb(repo, s->mem_odb) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot set up the object database");
done:
	git_buf_dispose(&objects);
	return rc;
}

/* Remember id if it was created in memory (it did not exist on disk). */
static void sink_note(struct object_sink *s, const git_oid *id)
{
	if (!s->mempack || !s->mempack->exists(s->mempack, id))
		return;
	ALLOC_GROW(s->written, s->nr + 1, s->alloc);
	s->written[s->nr++] = *id;
}

static int by_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/*
 * Write what is in memory as one pack (fsync'd: GIT_OPT_ENABLE_FSYNC_GITDIR).
 * Files with the same content are one blob, noted once per file: a pack
 * must hold each object once.
 */
static int sink_flush(struct object_sink *s)
{
	size_t i, nr = 0;

	if (!s->mem_odb || !s->nr)
		return 0;
	qsort(s->written, s->nr, sizeof(*s->written), by_oid);
	for (i = 0; i < s->nr; i++)
		if (!nr || !git_oid_equal(&s->written[nr - 1], &s->written[i]))
			s->written[nr++] = s->written[i];
	s->nr = nr;
	return pack_write_objects(s->disk_odb, s->mem_odb, s->written, s->nr);
}

static void sink_close(struct object_sink *s)
{
	if (s->disk_odb && git_repository_set_odb(s->repo, s->disk_odb) < 0)
		git_error_clear();
	git_odb_free(s->mem_odb);
	git_odb_free(s->disk_odb);
	free(s->written);
	memset(s, 0, sizeof(*s));
}

/* ---- building trees from a few changes -------------------------------- */

/* Set path to (id, mode) in a tree, or remove it when mode is 0. */
struct tree_update {
	char *path;
	git_oid id;
	git_filemode_t mode;
	off_t size;		/* of the work tree file to store */
};

struct update_list {
	struct tree_update *items;
	size_t nr, alloc;
};

static struct tree_update *updates_add(struct update_list *l,
				       const char *path, git_filemode_t mode)
{
	struct tree_update *u;

	ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	u = &l->items[l->nr++];
	memset(u, 0, sizeof(*u));
	u->path = xstrdup(path);
	u->mode = mode;
	return u;
}

static void updates_release(struct update_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->items[i].path);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int by_update_path(const void *a, const void *b)
{
	return strcmp(((const struct tree_update *)a)->path,
		      ((const struct tree_update *)b)->path);
}

static int apply_updates(git_oid *out, int *empty, struct object_sink *sink,
			 const git_tree *base, const struct tree_update *u,
			 size_t nr, size_t skip);

/*
 * The updates u[0..nr) all lie below the entry component of bld: rebuild
 * that subtree. A file in the way of a directory is replaced by it, and
 * a directory left empty disappears, as in a work tree.
 */
static int apply_subtree(git_treebuilder *bld, struct object_sink *sink,
			 const char *component, const struct tree_update *u,
			 size_t nr, size_t skip)
{
	const git_tree_entry *existing = git_treebuilder_get(bld, component);
	git_tree *subtree = NULL;
	git_oid id;
	int empty, rc;

	if (existing && git_tree_entry_type(existing) == GIT_OBJECT_TREE &&
	    git_tree_lookup(&subtree, sink->repo, git_tree_entry_id(existing)) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read a tree");
	rc = apply_updates(&id, &empty, sink, subtree, u, nr, skip);
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
 * Only the trees along the updated paths are read and written.
 */
static int apply_updates(git_oid *out, int *empty, struct object_sink *sink,
			 const git_tree *base, const struct tree_update *u,
			 size_t nr, size_t skip)
{
	git_treebuilder *bld = NULL;
	size_t i = 0;
	int rc = 0;

	if (git_treebuilder_new(&bld, sink->repo, base) < 0)
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
		rc = apply_subtree(bld, sink, component, u + i, j - i, skip + len);
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
	else
		sink_note(sink, out);
done:
	git_treebuilder_free(bld);
	return rc;
}

static int tree_with_updates(git_oid *out, struct object_sink *sink,
			     const git_oid *base_id, struct update_list *l)
{
	git_tree *base = NULL;
	int empty, rc;

	if (base_id && git_tree_lookup(&base, sink->repo, base_id) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read a tree");
	if (l->nr > 1)
		qsort(l->items, l->nr, sizeof(*l->items), by_update_path);
	rc = apply_updates(out, &empty, sink, base, l->items, l->nr, 0);
	git_tree_free(base);
	if (rc < 0)
		return rc;
	if (empty) {
		git_treebuilder *bld = NULL;

		/* the empty tree: a work tree holding nothing git sees */
		if (git_treebuilder_new(&bld, sink->repo, NULL) < 0 ||
		    git_treebuilder_write(out, bld) < 0)
			rc = graft_error_git(GRAFT_EFAIL, "cannot write a tree");
		else
			sink_note(sink, out);
		git_treebuilder_free(bld);
	}
	return rc;
}

/* ---- taking the snapshot ---------------------------------------------- */

struct create_ctx {
	const struct graft_repo *r;
	git_repository *repo;
	const struct snapshot_spec *spec;
	const struct scan *scan;
	int filemode;			/* core.filemode */
	struct update_list worktree;	/* I -> W */
	struct update_list ita;		/* the A tree */
	size_t blobs;			/* files to store */
};

static int refuse_state(const struct create_ctx *c, git_reference **head)
{
	int rc = git_repository_head(head, c->repo);

	if (rc == GIT_EUNBORNBRANCH) {
		git_error_clear();
		return graft_error("cannot take a snapshot: the current branch has no commit yet");
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot resolve HEAD");
	/* restoring cleans up git's state: there must be none of the user's */
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

static int check_line(const char *what, const char *s)
{
	if (s && strpbrk(s, "\r\n"))
		return graft_error("cannot take a snapshot: the %s '%s' spans lines",
				   what, s);
	return 0;
}

/* Mode git would record for an untracked file, or 0 to leave it out. */
static git_filemode_t untracked_mode(const struct create_ctx *c,
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

static int stat_path(const struct create_ctx *c, const char *path,
		     struct stat *st)
{
	char *full = repo_path(c->r, path);
	int rc = 0;

	if (lstat(full, st) < 0)
		rc = graft_error("cannot take a snapshot: cannot read '%s': %s",
				 path, strerror(errno));
	free(full);
	return rc;
}

/* What W and A need, from the scan; blobs are stored later. */
static int plan_updates(struct create_ctx *c)
{
	size_t i;
	int rc;

	for (i = 0; i < c->scan->nr; i++) {
		const struct scan_entry *e = &c->scan->entries[i];
		size_t len = strlen(e->path);
		git_filemode_t mode;
		struct stat st;

		if (e->unstaged == 'D') {
			updates_add(&c->worktree, e->path, 0);
			continue;
		}
		if (e->unstaged == '.')
			continue;
		/* an untracked nested repository: git does not look inside */
		if (scan_entry_untracked(e) && len && e->path[len - 1] == '/')
			continue;
		if ((rc = stat_path(c, e->path, &st)) < 0)
			return rc;
		if (scan_entry_untracked(e))
			mode = untracked_mode(c, &st);
		else
			mode = (git_filemode_t)e->worktree_mode;
		if (!mode)
			continue;
		if (e->unstaged == 'A')
			updates_add(&c->ita, e->path, mode);
		updates_add(&c->worktree, e->path, mode)->size = st.st_size;
		c->blobs++;
	}
	return 0;
}

/*
 * Store the work tree files of the updates. large selects the pass:
 * files too large to hold in memory go first, straight to disk.
 */
static int store_blobs(struct create_ctx *c, struct object_sink *sink,
		       int large)
{
	size_t i;

	for (i = 0; i < c->worktree.nr; i++) {
		struct tree_update *u = &c->worktree.items[i];

		if (!u->mode || (u->size > PACK_MAX_BLOB_SIZE) != large)
			continue;
		if (git_blob_create_from_workdir(&u->id, c->repo, u->path) < 0)
			return graft_error_git(GRAFT_EFAIL,
					       "cannot take a snapshot: cannot store '%s'",
					       u->path);
		sink_note(sink, &u->id);
	}
	return 0;
}

static int store_ita_blobs(struct create_ctx *c, struct object_sink *sink)
{
	git_oid empty;
	size_t i;

	if (!c->ita.nr)
		return 0;
	if (git_blob_create_from_buffer(&empty, c->repo, "", 0) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot write the empty blob");
	sink_note(sink, &empty);
	for (i = 0; i < c->ita.nr; i++)
		c->ita.items[i].id = empty;
	return 0;
}

static void format_time(struct strbuf *sb, time_t t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strbuf_addstr(sb, buf);
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

static void snapshot_message(struct strbuf *sb, const struct snapshot *s)
{
	strbuf_addf(sb, "graft: snapshot before upgrading %s %s -> %s\n\n",
		    s->dep, s->from_ref ? s->from_ref : "-",
		    s->to_ref ? s->to_ref : "-");
	strbuf_addstr(sb, "Graft-Snapshot: " SNAPSHOT_FORMAT "\n");
	strbuf_addf(sb, "Graft-Dependency: %s\n", s->dep);
	add_ref_trailer(sb, "Graft-From", s->from_ref, &s->from);
	add_ref_trailer(sb, "Graft-To", s->to_ref, &s->to);
	strbuf_addf(sb, "Graft-Head: %s\n", s->head_ref ? s->head_ref : DETACHED);
	strbuf_addstr(sb, "Graft-Time: ");
	format_time(sb, s->time);
	strbuf_addf(sb, "\nGraft-Pid: %ld\n", s->pid);
}

static int make_commit(git_oid *out, struct create_ctx *c,
		       struct object_sink *sink, const char *message,
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
		sink_note(sink, out);
	git_tree_free(tree);
	return rc;
}

/* I, A when needed, then W; fills snap->commit. */
static int make_commits(struct snapshot *snap, struct create_ctx *c,
			struct object_sink *sink)
{
	git_commit *head = NULL, *index_commit = NULL, *ita_commit = NULL;
	const git_commit *parents[3];
	struct strbuf msg = STRBUF_INIT;
	git_oid id;
	int rc;

	if (git_commit_lookup(&head, c->repo, &snap->head) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read HEAD's commit");
	parents[0] = head;
	strbuf_addf(&msg, "graft: index before upgrading %s\n", snap->dep);
	if ((rc = make_commit(&id, c, sink, msg.buf, &snap->index_tree,
			      parents, 1)) < 0)
		goto done;
	if (git_commit_lookup(&index_commit, c->repo, &id) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read a commit");
		goto done;
	}
	parents[1] = index_commit;
	if (!git_oid_is_zero(&snap->ita_tree)) {
		strbuf_reset(&msg);
		strbuf_addf(&msg, "graft: intent-to-add entries before upgrading %s\n",
			    snap->dep);
		if ((rc = make_commit(&id, c, sink, msg.buf, &snap->ita_tree,
				      parents, 1)) < 0)
			goto done;
		if (git_commit_lookup(&ita_commit, c->repo, &id) < 0) {
			rc = graft_error_git(GRAFT_EFATAL, "cannot read a commit");
			goto done;
		}
		parents[2] = ita_commit;
	}
	strbuf_reset(&msg);
	snapshot_message(&msg, snap);
	rc = make_commit(&snap->commit, c, sink, msg.buf, &snap->worktree_tree,
			 parents, ita_commit ? 3 : 2);
done:
	git_commit_free(head);
	git_commit_free(index_commit);
	git_commit_free(ita_commit);
	strbuf_release(&msg);
	return rc;
}

/* The trees and commits of the snapshot, all objects durable on return. */
static int write_objects(struct snapshot *snap, struct create_ctx *c)
{
	struct object_sink sink;
	int rc;

	/* large files first, streamed to loose objects */
	sink_open(&sink, c->repo, 0);
	rc = store_blobs(c, &sink, 1);
	sink_close(&sink);
	if (rc < 0)
		return rc;
	if ((rc = sink_open(&sink, c->repo, c->blobs >= PACK_MIN_BLOBS)) < 0)
		goto done;
	if ((rc = store_blobs(c, &sink, 0)) < 0 ||
	    (rc = store_ita_blobs(c, &sink)) < 0 ||
	    (rc = tree_with_updates(&snap->worktree_tree, &sink,
				    &snap->index_tree, &c->worktree)) < 0)
		goto done;
	if (c->ita.nr &&
	    (rc = tree_with_updates(&snap->ita_tree, &sink, NULL, &c->ita)) < 0)
		goto done;
	if ((rc = make_commits(snap, c, &sink)) < 0)
		goto done;
	rc = sink_flush(&sink);
done:
	sink_close(&sink);
	return rc;
}

/*
 * libgit2 decides whether its ref backend fsyncs when the backend is set
 * up, which may be before snapshot_create turned fsync on: sync the new
 * ref and its reflog here.
 */
static int sync_ref(const struct graft_repo *r, const char *refname)
{
	struct strbuf path = STRBUF_INIT;
	int rc;

	strbuf_addf(&path, "%s%s", r->commondir, refname);
	rc = fsync_path(path.buf);
	strbuf_reset(&path);
	strbuf_addf(&path, "%slogs/%s", r->commondir, refname);
	if (!rc)
		rc = fsync_path(path.buf);
	strbuf_release(&path);
	return rc;
}

static int create_ref(const struct create_ctx *c, const struct snapshot *snap)
{
	char *refname = snapshot_ref_name(snap->dep);
	struct strbuf msg = STRBUF_INIT;
	git_reference *ref = NULL;
	int rc = 0;

	strbuf_addf(&msg, "graft: snapshot before upgrading %s %s -> %s (pid %ld)",
		    snap->dep, snap->from_ref ? snap->from_ref : "-",
		    snap->to_ref ? snap->to_ref : "-", snap->pid);
	/* the reflog entry names who took the snapshot */
	if (git_repository_set_ident(c->repo, c->spec->sig->name,
				     c->spec->sig->email) < 0 ||
	    git_reference_ensure_log(c->repo, refname) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot create the reflog of %s",
				     refname);
		goto done;
	}
	if (git_reference_create(&ref, c->repo, refname, &snap->commit, 0,
				 msg.buf) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot create %s", refname);
		if (git_reflog_delete(c->repo, refname) < 0)
			git_error_clear();
		goto done;
	}
	rc = sync_ref(c->r, refname);
done:
	git_reference_free(ref);
	strbuf_release(&msg);
	free(refname);
	return rc;
}

static int refuse_existing(const struct create_ctx *c, const char *dep)
{
	char *refname = snapshot_ref_name(dep);
	git_reference *ref = NULL;
	int rc = git_reference_lookup(&ref, c->repo, refname);

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
	free(refname);
	return rc;
}

static int fill_identity(struct snapshot *snap, const struct snapshot_spec *spec,
			 git_reference *head)
{
	int rc;

	if ((rc = check_line("dependency name", spec->dep)) < 0 ||
	    (rc = check_line("ref", spec->from_ref)) < 0 ||
	    (rc = check_line("ref", spec->to_ref)) < 0)
		return rc;
	snap->dep = xstrdup(spec->dep);
	snap->from_ref = spec->from_ref ? xstrdup(spec->from_ref) : NULL;
	snap->to_ref = spec->to_ref ? xstrdup(spec->to_ref) : NULL;
	snap->from = spec->from;
	snap->to = spec->to;
	snap->time = time(NULL);
	snap->pid = (long)getpid();
	if (git_reference_is_branch(head))
		snap->head_ref = xstrdup(git_reference_name(head));
	if (git_reference_name_to_id(&snap->head, git_reference_owner(head),
				     "HEAD") < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot resolve HEAD");
	return 0;
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

int snapshot_create(struct snapshot *out, const struct graft_repo *r,
		    const struct snapshot_spec *spec, const struct scan *scan)
{
	struct create_ctx c;
	struct scan own_scan = SCAN_INIT;
	git_reference *head = NULL;
	git_config *cfg = NULL;
	int rc;

	*out = (struct snapshot)SNAPSHOT_INIT;
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.repo = r->repo;
	c.spec = spec;
	c.filemode = 1;
	if (!r->workdir)
		return graft_error("cannot take a snapshot of a bare repository");
	if ((rc = refuse_existing(&c, spec->dep)) < 0)
		return rc;
	if (!scan) {
		if ((rc = scan_worktree(&own_scan, r)) < 0)
			return rc;
		scan = &own_scan;
	}
	c.scan = scan;
	if ((rc = refuse_state(&c, &head)) < 0 ||
	    (rc = fill_identity(out, spec, head)) < 0)
		goto done;
	if (git_repository_config_snapshot(&cfg, c.repo) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
		goto done;
	}
	if ((rc = gitconfig_get_bool(cfg, "core.filemode", &c.filemode)) < 0)
		goto done;
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	if ((rc = scan_index_tree(&out->index_tree, r)) < 0 ||
	    (rc = plan_updates(&c)) < 0 ||
	    (rc = write_objects(out, &c)) < 0)
		goto done;
	rc = create_ref(&c, out);
done:
	if (rc < 0)
		snapshot_release(out);
	else
		rc = 0;
	updates_release(&c.worktree);
	updates_release(&c.ita);
	scan_release(&own_scan);
	git_reference_free(head);
	git_config_free(cfg);
	return rc;
}

/* ---- reading a snapshot back ------------------------------------------ */

/* "<ref> [<hex>]" as add_ref_trailer wrote it. */
static int parse_ref_trailer(const char *value, char **ref, git_oid *id)
{
	const char *space = strrchr(value, ' ');

	memset(id, 0, sizeof(*id));
	if (space && strlen(space + 1) == GIT_OID_HEXSZ &&
	    git_oid_fromstr(id, space + 1) == 0) {
		*ref = xstrndup(value, (size_t)(space - value));
	} else {
		git_error_clear();
		*ref = xstrdup(value);
	}
	if (!strcmp(*ref, "-")) {
		free(*ref);
		*ref = NULL;
	}
	return 0;
}

static int parse_time(const char *value, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(value, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	*out = timegm(&tm);
	return 0;
}

static int parse_trailers(struct snapshot *snap, const char *message,
			  const char *refname)
{
	git_message_trailer_array trailers = { 0 };
	int format_ok = 0, rc = 0;
	size_t i;

	if (git_message_trailers(&trailers, message) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read %s", refname);
	for (i = 0; i < trailers.count && rc == 0; i++) {
		const char *key = trailers.trailers[i].key;
		const char *value = trailers.trailers[i].value;

		if (!strcmp(key, "Graft-Snapshot"))
			format_ok = !strcmp(value, SNAPSHOT_FORMAT);
		else if (!strcmp(key, "Graft-Dependency") && !snap->dep)
			snap->dep = xstrdup(value);
		else if (!strcmp(key, "Graft-From") && !snap->from_ref)
			rc = parse_ref_trailer(value, &snap->from_ref, &snap->from);
		else if (!strcmp(key, "Graft-To") && !snap->to_ref)
			rc = parse_ref_trailer(value, &snap->to_ref, &snap->to);
		else if (!strcmp(key, "Graft-Head") && !snap->head_ref &&
			 strcmp(value, DETACHED))
			snap->head_ref = xstrdup(value);
		else if (!strcmp(key, "Graft-Time") &&
			 parse_time(value, &snap->time) < 0)
			rc = -1;
		else if (!strcmp(key, "Graft-Pid"))
			snap->pid = strtol(value, NULL, 10);
	}
	git_message_trailer_array_free(&trailers);
	if (rc < 0 || !format_ok || !snap->dep)
		return graft_error_code(GRAFT_EFATAL,
					"%s does not point at a git-graft snapshot this version can read",
					refname);
	return 0;
}

static int read_commit(struct snapshot *snap, git_commit *w,
		       const char *refname)
{
	git_commit *index_commit = NULL, *ita_commit = NULL;
	unsigned n = git_commit_parentcount(w);
	int rc = 0;

	if (n != 2 && n != 3)
		return graft_error_code(GRAFT_EFATAL,
					"%s does not point at a git-graft snapshot this version can read",
					refname);
	if ((rc = parse_trailers(snap, git_commit_message(w), refname)) < 0)
		return rc;
	snap->commit = *git_commit_id(w);
	snap->worktree_tree = *git_commit_tree_id(w);
	snap->head = *git_commit_parent_id(w, 0);
	if (git_commit_parent(&index_commit, w, 1) < 0 ||
	    (n == 3 && git_commit_parent(&ita_commit, w, 2) < 0)) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the snapshot %s",
				     refname);
		goto done;
	}
	snap->index_tree = *git_commit_tree_id(index_commit);
	if (ita_commit)
		snap->ita_tree = *git_commit_tree_id(ita_commit);
done:
	git_commit_free(index_commit);
	git_commit_free(ita_commit);
	return rc;
}

int snapshot_read(struct snapshot *out, const struct graft_repo *r,
		  const char *dep)
{
	char *refname = snapshot_ref_name(dep);
	git_reference *ref = NULL;
	git_commit *w = NULL;
	int rc;

	*out = (struct snapshot)SNAPSHOT_INIT;
	rc = git_reference_lookup(&ref, r->repo, refname);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = 1;
		goto done;
	}
	if (rc < 0 ||
	    git_commit_lookup(&w, r->repo, git_reference_target(ref)) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read %s", refname);
		goto done;
	}
	rc = read_commit(out, w, refname);
done:
	if (rc < 0)
		snapshot_release(out);
	git_commit_free(w);
	git_reference_free(ref);
	free(refname);
	return rc;
}

int snapshot_delete_ref(const struct graft_repo *r,
			const struct snapshot *snap)
{
	char *refname = snapshot_ref_name(snap->dep);
	git_reference *ref = NULL;
	int rc = 0;

	if (git_reference_lookup(&ref, r->repo, refname) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read %s", refname);
		goto done;
	}
	if (git_reference_type(ref) != GIT_REFERENCE_DIRECT ||
	    !git_oid_equal(git_reference_target(ref), &snap->commit)) {
		rc = graft_error_code(GRAFT_EFATAL,
				      "%s has changed since it was read; not deleting it",
				      refname);
		goto done;
	}
	/* the reflog goes with it; fails if the ref moved meanwhile */
	if (git_reference_delete(ref) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot delete %s", refname);
done:
	git_reference_free(ref);
	free(refname);
	return rc;
}

/*
 * Whether message is that of git-graft's commit for dep: an upgrade, or
 * a rollback of a committed one, which works on a snapshot too.
 */
static int names_commit_of(const char *message, const char *dep)
{
	git_message_trailer_array trailers = { 0 };
	int action = 0, same_dep = 0;
	size_t i;

	if (git_message_trailers(&trailers, message) < 0) {
		git_error_clear();
		return 0;
	}
	for (i = 0; i < trailers.count; i++) {
		const char *key = trailers.trailers[i].key;
		const char *value = trailers.trailers[i].value;

		if (!strcmp(key, "Graft-Action") &&
		    (!strcmp(value, "upgrade") || !strcmp(value, "rollback")))
			action = 1;
		else if (!strcmp(key, "Graft-Dependency") && !strcmp(value, dep))
			same_dep = 1;
	}
	git_message_trailer_array_free(&trailers);
	return action && same_dep;
}

int snapshot_is_committed(int *committed, const struct graft_repo *r,
			  const struct snapshot *snap)
{
	git_commit *head = NULL;
	git_oid id;
	int rc;

	*committed = 0;
	rc = git_reference_name_to_id(&id, r->repo, "HEAD");
	if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) {
		git_error_clear();
		return 0;
	}
	if (rc < 0 || git_commit_lookup(&head, r->repo, &id) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read HEAD");
	*committed = !git_oid_equal(&id, &snap->head) &&
		     git_commit_parentcount(head) >= 1 &&
		     git_oid_equal(git_commit_parent_id(head, 0), &snap->head) &&
		     names_commit_of(git_commit_message(head), snap->dep);
	git_commit_free(head);
	return 0;
}

int snapshot_gitlink(git_oid *out, const struct graft_repo *r,
		     const struct snapshot *snap, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	int rc;

	if (git_tree_lookup(&tree, r->repo, &snap->index_tree) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the snapshot's index");
	rc = git_tree_entry_bypath(&entry, tree, path);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = 1;
	} else if (rc < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the snapshot's index");
	} else if (git_tree_entry_filemode(entry) != GIT_FILEMODE_COMMIT) {
		rc = 1;
	} else {
		*out = *git_tree_entry_id(entry);
	}
	git_tree_entry_free(entry);
	git_tree_free(tree);
	return rc;
}
