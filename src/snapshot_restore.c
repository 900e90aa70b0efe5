/*
 * snapshot_restore(): putting a repository back to its snapshot while
 * touching only what differs from it.
 *
 * The index file is the stat cache that makes this cheap. After HEAD and
 * its branch are back, the tree of the current index is taken
 * (scan_index_tree(), fast thanks to the cache tree); an index that is
 * missing, unreadable or conflicted is rebuilt from I first. One scan
 * against that index (what `git status` sees) lists the paths whose file
 * differs from their index entry, the intent-to-add entries and the
 * untracked files. A path the scan does not list holds exactly what the
 * index says, so it differs from W only if its index entry does: a tree
 * diff of the index's tree against W, which skips every unchanged
 * directory, finds those. The index is then made I, loaded and written
 * only if its tree or its intent-to-add entries differ. Each listed path
 * is made what W says (written, replaced, or removed); untracked files W
 * does not have are removed last, with the scan taken again first if a
 * .gitignore changed, so that the snapshot's ignore rules decide what is
 * ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include "ident.h"
#include "scan.h"
#include "snapshot.h"
#include "strbuf.h"
#include "treediff.h"
#include "pathlist.h"

struct restore_ctx {
	const struct graft_repo *r;
	git_repository *repo;
	const struct snapshot *snap;
	struct snapshot_restore_stats *stats;
	git_tree *worktree;		/* W's tree */
	struct path_list ita;		/* A's paths, sorted */
	int filemode, symlinks;		/* core.filemode, core.symlinks */
	mode_t umask;
	struct strbuf reflog_msg;
	unsigned tmp_counter;
	int dirs_changed;		/* entries came or went: sync at the end */
};

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

static int restore_refs(struct restore_ctx *c)
{
	const struct snapshot *snap = c->snap;
	git_reference *head = NULL, *moved = NULL;
	int rc = 0;

	set_reflog_ident(c);
	if (snap->head_ref && (rc = restore_branch(c)) < 0)
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
	} else if (git_reference_type(head) != GIT_REFERENCE_DIRECT ||
		   !git_oid_equal(git_reference_target(head), &snap->head)) {
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

static int write_index(struct restore_ctx *c, git_index *idx)
{
	if (git_index_write(idx) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot write the index");
	c->stats->index_rewritten = 1;
	return 0;
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
	if ((rc = add_ita_entries(c, idx)) < 0 || (rc = write_index(c, idx)) < 0)
		goto done;
	c->stats->index_rebuilt = 1;
done:
	git_tree_free(tree);
	git_index_free(idx);
	return rc;
}

static int same_ita(const struct restore_ctx *c, const struct scan *scan)
{
	size_t i, n = 0;

	for (i = 0; i < scan->nr; i++) {
		const struct scan_entry *e = &scan->entries[i];

		if (scan_entry_untracked(e) || e->unstaged != 'A')
			continue;
		if (n >= c->ita.nr || strcmp(c->ita.items[n], e->path))
			return 0;
		n++;
	}
	return n == c->ita.nr;
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
static int fix_index(struct restore_ctx *c, const git_oid *cur_tree,
		     const struct scan *scan)
{
	struct index_deltas deltas = { NULL, 0, 0 };
	git_index *idx = NULL;
	size_t i;
	int rc = 0;

	if (git_repository_index(&idx, c->repo) < 0 || git_index_read(idx, 1) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot read the index");
	/* intent-to-add entries first: I may hold a real entry at one */
	for (i = 0; i < scan->nr && rc == 0; i++) {
		const struct scan_entry *e = &scan->entries[i];

		if (!scan_entry_untracked(e) && e->unstaged == 'A' &&
		    git_index_remove(idx, e->path, 0) < 0)
			rc = graft_error_git(GRAFT_EFAIL, "cannot restore '%s' in the index",
					     e->path);
	}
	if (rc < 0 ||
	    (rc = treediff_oid(c->repo, cur_tree, &c->snap->index_tree,
			       note_index_delta, &deltas)) < 0 ||
	    (rc = apply_index_deltas(idx, &deltas)) < 0)
		goto done;
	if ((rc = add_ita_entries(c, idx)) == 0)
		rc = write_index(c, idx);
done:
	index_deltas_release(&deltas);
	git_index_free(idx);
	return rc;
}

/* ---- the work tree ---------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

/* rm -rf, never following a symlink. */
static int remove_tree(const char *full, const char *path)
{
	if (nftw(full, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return graft_error("cannot remove the directory '%s': %s", path,
				   strerror(errno));
	return 0;
}

/* Remove the directories above path that are left empty, up to the top. */
static void prune_parents(struct restore_ctx *c, const char *path)
{
	struct strbuf dir = STRBUF_INIT;
	char *slash;

	strbuf_addstr(&dir, path);
	while ((slash = strrchr(dir.buf, '/'))) {
		char *full;
		int gone;

		strbuf_setlen(&dir, (size_t)(slash - dir.buf));
		full = repo_path(c->r, dir.buf);
		/* fails, and stops, at the first directory that is not empty */
		if ((gone = rmdir(full) == 0))
			c->dirs_changed = 1;
		free(full);
		if (!gone)
			break;
	}
	strbuf_release(&dir);
}

/* Remove the file or symlink at path, if that is what is there. */
static int remove_file(struct restore_ctx *c, const char *path)
{
	char *full = repo_path(c->r, path);
	struct stat st;
	int rc = 0;

	if (lstat(full, &st) < 0) {
		/* gone already, or a file now stands where its directory was */
		if (errno != ENOENT && errno != ENOTDIR)
			rc = graft_error("cannot read '%s': %s", path,
					 strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode))
		goto done;
	if (unlink(full) < 0) {
		rc = graft_error("cannot remove '%s': %s", path, strerror(errno));
		goto done;
	}
	c->stats->removed++;
	c->dirs_changed = 1;
	prune_parents(c, path);
done:
	free(full);
	return rc;
}

/*
 * Make every directory above path a real directory: what the upgrade put
 * in their place (a file, or a symlink that could lead out of the work
 * tree) goes.
 */
static int make_parents(struct restore_ctx *c, const char *path)
{
	struct strbuf full = STRBUF_INIT;
	const char *slash;
	size_t top = strlen(c->r->workdir);
	int rc = 0;

	strbuf_addf(&full, "%s%s", c->r->workdir, path);
	for (slash = strchr(full.buf + top, '/'); slash && rc == 0;
	     slash = strchr(slash + 1, '/')) {
		struct stat st;
		int exists;

		full.buf[slash - full.buf] = '\0';
		exists = lstat(full.buf, &st) == 0;
		if (exists && S_ISDIR(st.st_mode))
			goto next;
		if (!exists && errno != ENOENT) {
			rc = graft_error("cannot read '%s': %s", full.buf + top,
					 strerror(errno));
			goto next;
		}
		if (exists) {
			if (unlink(full.buf) < 0) {
				rc = graft_error("cannot remove '%s': %s",
						 full.buf + top, strerror(errno));
				goto next;
			}
			c->stats->removed++;
		}
		if (mkdir(full.buf, 0777) < 0)
			rc = graft_error("cannot create the directory '%s': %s",
					 full.buf + top, strerror(errno));
		else
			c->dirs_changed = 1;
next:
		full.buf[slash - full.buf] = '/';
	}
	strbuf_release(&full);
	return rc;
}

/* The target of the symlink at full. */
static int read_link(const char *full, struct strbuf *target)
{
	size_t size = 256;

	for (;;) {
		ssize_t n;

		strbuf_reset(target);
		strbuf_grow(target, size);
		n = readlink(full, target->buf, size);
		if (n < 0)
			return -1;
		if ((size_t)n < size) {
			strbuf_setlen(target, (size_t)n);
			return 0;
		}
		size *= 2;
	}
}

static int blob_equals(struct restore_ctx *c, const git_oid *id,
		       const struct strbuf *data)
{
	git_blob *blob = NULL;
	int same;

	if (git_blob_lookup(&blob, c->repo, id) < 0) {
		git_error_clear();
		return 0;
	}
	same = (size_t)git_blob_rawsize(blob) == data->len &&
	       (!data->len ||
		!memcmp(git_blob_rawcontent(blob), data->buf, data->len));
	git_blob_free(blob);
	return same;
}

/* Whether the file at path (st) already is what W records. */
static int is_current(struct restore_ctx *c, const char *path,
		      const struct stat *st, const git_tree_entry *te)
{
	git_filemode_t mode = git_tree_entry_filemode(te);
	const git_oid *id = git_tree_entry_id(te);
	git_oid oid;

	if (mode == GIT_FILEMODE_LINK && c->symlinks) {
		struct strbuf target = STRBUF_INIT;
		char *full = repo_path(c->r, path);
		int same = S_ISLNK(st->st_mode) && read_link(full, &target) == 0 &&
			   blob_equals(c, id, &target);

		strbuf_release(&target);
		free(full);
		return same;
	}
	if (!S_ISREG(st->st_mode))
		return 0;
	if (c->filemode && mode != GIT_FILEMODE_LINK &&
	    !!(st->st_mode & S_IXUSR) != (mode == GIT_FILEMODE_BLOB_EXECUTABLE))
		return 0;
	if (git_repository_hashfile(&oid, c->repo, path, GIT_OBJECT_BLOB,
				    NULL) < 0) {
		git_error_clear();
		return 0;
	}
	return git_oid_equal(&oid, id);
}

/* A unique name next to full, for a file that is then renamed over it. */
static void temp_name(struct restore_ctx *c, const char *full,
		      struct strbuf *out)
{
	const char *slash = strrchr(full, '/');

	strbuf_reset(out);
	strbuf_add(out, full, (size_t)(slash - full) + 1);
	strbuf_addf(out, ".graft-restore-%ld-%u", (long)getpid(),
		    c->tmp_counter++);
}

/*
 * Permissions for a regular file W records with mode: those of the file
 * it replaces (an upgrade should not change who may read it) with the
 * executable bits git tracks, or git's defaults for a new file.
 */
static mode_t file_perms(const struct restore_ctx *c, const struct stat *old,
			 git_filemode_t mode)
{
	int exec = mode == GIT_FILEMODE_BLOB_EXECUTABLE;
	mode_t perms;

	if (!old)
		return (exec ? 0777 : 0666) & ~c->umask;
	perms = old->st_mode & 07777;
	if (!c->filemode)
		return perms;
	if (exec)
		return perms | ((perms & 0444) >> 2);
	return perms & ~(mode_t)0111;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write data (a symlink's target when link) to a temporary file, tmp. */
static int write_temp(const char *tmp, const git_buf *data, int link,
		      mode_t perms)
{
	struct strbuf target = STRBUF_INIT;
	int fd, rc = 0;

	if (link) {
		strbuf_add(&target, data->ptr, data->size);
		rc = symlink(target.buf, tmp);
		strbuf_release(&target);
		return rc;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, data->ptr, data->size) < 0 || fchmod(fd, perms) < 0)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* The content W records for path, as the work tree holds it. */
static int checkout_content(struct restore_ctx *c, const char *path,
			    const git_oid *id, int raw, git_buf *out)
{
	git_blob_filter_options opts = GIT_BLOB_FILTER_OPTIONS_INIT;
	git_blob *blob = NULL;
	int rc = 0;

	if (git_blob_lookup(&blob, c->repo, id) < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot read the snapshot of '%s'",
				       path);
	if (raw) {
		if (git_buf_set(out, git_blob_rawcontent(blob),
				(size_t)git_blob_rawsize(blob)) < 0)
			rc = graft_error_git(GRAFT_EFATAL, "out of memory");
	} else {
		/*
		 * Filters decide about binary content themselves, as in git;
		 * with the check on, libgit2 hands binary blobs back empty.
		 */
		opts.flags &= ~(uint32_t)GIT_BLOB_FILTER_CHECK_FOR_BINARY;
		if (git_blob_filter(out, blob, path, &opts) < 0)
			rc = graft_error_git(GRAFT_EFAIL, "cannot restore '%s'",
					     path);
	}
	git_blob_free(blob);
	return rc;
}

/* Put the file W records at path in place, replacing whatever is there. */
static int write_file(struct restore_ctx *c, const char *path,
		      const git_tree_entry *te, const struct stat *old)
{
	git_filemode_t mode = git_tree_entry_filemode(te);
	int link = mode == GIT_FILEMODE_LINK && c->symlinks;
	struct strbuf tmp = STRBUF_INIT;
	git_buf data = GIT_BUF_INIT;
	char *full = repo_path(c->r, path);
	int rc;

	if ((rc = checkout_content(c, path, git_tree_entry_id(te),
				   mode == GIT_FILEMODE_LINK, &data)) < 0)
		goto done;
	temp_name(c, full, &tmp);
	if (write_temp(tmp.buf, &data, link,
		       file_perms(c, old && S_ISREG(old->st_mode) ? old : NULL,
				  mode)) < 0) {
		rc = graft_error("cannot restore '%s': %s", path, strerror(errno));
		unlink(tmp.buf);
		goto done;
	}
	if (rename(tmp.buf, full) < 0) {
		rc = graft_error("cannot restore '%s': %s", path, strerror(errno));
		unlink(tmp.buf);
		goto done;
	}
	c->stats->written++;
	c->dirs_changed = 1;
done:
	git_buf_dispose(&data);
	strbuf_release(&tmp);
	free(full);
	return rc;
}

/* Make the work tree at path what W records there. */
static int restore_path(struct restore_ctx *c, const char *path)
{
	git_tree_entry *te = NULL;
	struct stat st;
	char *full = NULL;
	int rc = git_tree_entry_bypath(&te, c->worktree, path), exists;

	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		return remove_file(c, path);
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the snapshot of '%s'",
				       path);
	rc = 0;
	/* a submodule's checkout is the dependency module's business */
	if (git_tree_entry_filemode(te) == GIT_FILEMODE_COMMIT)
		goto done;
	if (git_tree_entry_type(te) == GIT_OBJECT_TREE) {
		rc = remove_file(c, path);
		goto done;
	}
	if ((rc = make_parents(c, path)) < 0)
		goto done;
	full = repo_path(c->r, path);
	exists = lstat(full, &st) == 0;
	if (exists && S_ISDIR(st.st_mode)) {
		if ((rc = remove_tree(full, path)) < 0)
			goto done;
		c->stats->removed++;
		c->dirs_changed = 1;
		exists = 0;
	}
	if (exists && is_current(c, path, &st, te))
		goto done;
	rc = write_file(c, path, te, exists ? &st : NULL);
done:
	free(full);
	git_tree_entry_free(te);
	return rc;
}

static int is_gitignore(const char *path)
{
	const char *slash = strrchr(path, '/');

	return !strcmp(slash ? slash + 1 : path, ".gitignore");
}

/* Untracked files of a scan, but nested repositories (ending in '/'). */
static void untracked_of(const struct scan *scan, struct path_list *out)
{
	size_t i;

	for (i = 0; i < scan->nr; i++) {
		const char *path = scan->entries[i].path;
		size_t len = strlen(path);

		if (scan_entry_untracked(&scan->entries[i]) && len &&
		    path[len - 1] != '/')
			path_list_add(out, path);
	}
}

/*
 * Remove the untracked files the upgrade made: those W does not have.
 * Where W has a directory, a file in its way goes too; where it has a
 * file or a gitlink, the path was restored already or is a submodule's.
 */
static int remove_created(struct restore_ctx *c, const struct path_list *l,
			  int only_gitignore)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < l->nr && rc == 0; i++) {
		git_tree_entry *te = NULL;
		int found;

		if (only_gitignore && !is_gitignore(l->items[i]))
			continue;
		found = git_tree_entry_bypath(&te, c->worktree, l->items[i]);
		if (found == 0 && git_tree_entry_type(te) != GIT_OBJECT_TREE) {
			git_tree_entry_free(te);
			continue;
		}
		git_tree_entry_free(te);
		if (found < 0 && found != GIT_ENOTFOUND) {
			rc = graft_error_git(GRAFT_EFATAL, "cannot read the snapshot");
			break;
		}
		git_error_clear();
		rc = remove_file(c, l->items[i]);
	}
	return rc;
}

/*
 * The paths that may differ from W: those the scan lists as differing
 * from the index, and those whose index entry (cur_tree) differs from W.
 */
static int note_changed_path(const char *path, const git_tree_entry *old,
			     const git_tree_entry *new, void *payload)
{
	(void)old;
	(void)new;
	path_list_add(payload, path);
	return 0;
}

static int changed_paths(struct restore_ctx *c, const git_oid *cur_tree,
			 const struct scan *scan, struct path_list *out)
{
	size_t i;
	int rc;

	for (i = 0; i < scan->nr; i++) {
		const struct scan_entry *e = &scan->entries[i];

		if (!scan_entry_untracked(e) && e->unstaged != '.')
			path_list_add(out, e->path);
	}
	if ((rc = treediff_oid(c->repo, cur_tree, &c->snap->worktree_tree,
			       note_changed_path, out)) < 0)
		return rc;
	path_list_sort(out);
	return 0;
}

static int restore_worktree(struct restore_ctx *c, const git_oid *cur_tree,
			    const struct scan *scan)
{
	struct path_list changed = { 0 }, untracked = { 0 };
	struct scan rescan = SCAN_INIT;
	int rc, ignores_changed = 0;
	size_t i;

	untracked_of(scan, &untracked);
	if ((rc = changed_paths(c, cur_tree, scan, &changed)) < 0)
		goto done;
	for (i = 0; i < changed.nr && rc == 0; i++) {
		ignores_changed |= is_gitignore(changed.items[i]);
		rc = restore_path(c, changed.items[i]);
	}
	for (i = 0; i < untracked.nr; i++)
		ignores_changed |= is_gitignore(untracked.items[i]);
	if (rc < 0)
		goto done;
	if (ignores_changed) {
		/*
		 * What is ignored was decided by the upgrade's .gitignore
		 * files: decide again under the snapshot's, now restored.
		 */
		if ((rc = remove_created(c, &untracked, 1)) < 0 ||
		    (rc = scan_worktree(&rescan, c->r)) < 0)
			goto done;
		path_list_release(&untracked);
		untracked_of(&rescan, &untracked);
	}
	rc = remove_created(c, &untracked, 0);
done:
	path_list_release(&changed);
	path_list_release(&untracked);
	scan_release(&rescan);
	return rc;
}

/* ---- putting it together ---------------------------------------------- */

static int sync_if_present(const char *path)
{
	return path_exists(path) ? fsync_path(path) : 0;
}

/*
 * What was written reaches the disk before the caller deletes the ref:
 * the files and directories of the work tree with one syncfs(2) of its
 * file system (one flush instead of an fsync for each of a thousand
 * files; until the ref is gone, a crash here only means restoring
 * again), the index by libgit2, and the refs that moved.
 */
static int sync_changes(struct restore_ctx *c)
{
	const struct graft_repo *r = c->r;
	struct strbuf path = STRBUF_INIT;
	int rc = 0;

	if (c->stats->written || c->stats->removed || c->dirs_changed) {
		int fd = open(r->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || syncfs(fd) < 0)
			rc = graft_error("cannot sync the work tree: %s",
					 strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	if (rc < 0 || !c->stats->refs_moved)
		goto done;
	strbuf_addf(&path, "%sHEAD", r->gitdir);
	rc = sync_if_present(path.buf);
	if (rc == 0 && c->snap->head_ref) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s%s", r->commondir, c->snap->head_ref);
		rc = sync_if_present(path.buf);
	}
done:
	strbuf_release(&path);
	return rc;
}

static int read_settings(struct restore_ctx *c)
{
	git_config *cfg = NULL;
	int rc;

	c->filemode = c->symlinks = 1;
	c->umask = umask(0);
	umask(c->umask);
	if (git_repository_config_snapshot(&cfg, c->repo) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
	if ((rc = gitconfig_get_bool(cfg, "core.filemode", &c->filemode)) >= 0)
		rc = gitconfig_get_bool(cfg, "core.symlinks", &c->symlinks);
	git_config_free(cfg);
	return rc < 0 ? rc : 0;
}

static int index_exists(const struct restore_ctx *c)
{
	char *path = scan_index_path(c->r);
	int exists = path_exists(path);

	free(path);
	return exists;
}

static int restore_state(struct restore_ctx *c)
{
	struct scan scan = SCAN_INIT;
	git_oid cur_tree;
	int rc, rebuilt = 0;

	if ((rc = restore_refs(c)) < 0)
		return rc;
	/* a merge or rebase the upgrade's commands started, not the user */
	if (git_repository_state(c->repo) != GIT_REPOSITORY_STATE_NONE &&
	    git_repository_state_cleanup(c->repo) < 0)
		return graft_error_git(GRAFT_EFAIL,
				       "cannot clean up the git operation the upgrade started");
	if (!index_exists(c) || scan_index_tree(&cur_tree, c->r) < 0) {
		graft_error_clear();
		if ((rc = rebuild_index(c)) < 0)
			return rc;
		cur_tree = c->snap->index_tree;
		rebuilt = 1;
	}
	if ((rc = scan_worktree(&scan, c->r)) < 0)
		return rc;
	if (!rebuilt && (!git_oid_equal(&cur_tree, &c->snap->index_tree) ||
			 !same_ita(c, &scan)))
		rc = fix_index(c, &cur_tree, &scan);
	if (rc == 0)
		rc = restore_worktree(c, &cur_tree, &scan);
	scan_release(&scan);
	return rc;
}

int snapshot_restore(const struct graft_repo *r, const struct snapshot *snap,
		     struct snapshot_restore_stats *stats)
{
	struct snapshot_restore_stats own_stats;
	struct restore_ctx c;
	int rc;

	if (!r->workdir)
		return graft_error("cannot restore a snapshot in a bare repository");
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.repo = r->repo;
	c.snap = snap;
	c.stats = stats ? stats : &own_stats;
	memset(c.stats, 0, sizeof(*c.stats));
	strbuf_init(&c.reflog_msg);
	strbuf_addf(&c.reflog_msg, "graft: roll back the upgrade of %s", snap->dep);
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	if ((rc = read_settings(&c)) < 0 || (rc = load_ita(&c)) < 0)
		goto done;
	if (git_tree_lookup(&c.worktree, c.repo, &snap->worktree_tree) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the snapshot's files");
		goto done;
	}
	if ((rc = restore_state(&c)) == 0)
		rc = sync_changes(&c);
done:
	if (rc < 0)
		graft_error_prefix("cannot restore the snapshot of '%s'", snap->dep);
	git_tree_free(c.worktree);
	path_list_release(&c.ita);
	strbuf_release(&c.reflog_msg);
	return rc;
}
