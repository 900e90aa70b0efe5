/*
 * Reading a snapshot back (snapshot.h), and what a pending one tells:
 * whether its upgrade was committed after all, the gitlinks it recorded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "alloc.h"
#include "error.h"
#include "formats/trailers.h"
#include "report.h"
#include "snapshot/snapshot.h"
#include "strbuf.h"

char *snapshot_ref_name(const char *dep)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s%s", SNAPSHOT_REF_PREFIX, dep);
	return strbuf_detach(&sb);
}

char *snapshot_attempt_ref_name(const char *dep)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s%s", ATTEMPT_REF_PREFIX, dep);
	return strbuf_detach(&sb);
}

void snapshot_release(struct snapshot *snap)
{
	free(snap->dep);
	free(snap->from_ref);
	free(snap->to_ref);
	free(snap->head_ref);
	free(snap->worktree);
	*snap = (struct snapshot)SNAPSHOT_INIT;
}

static int parent_tree(git_oid *out, git_commit *w, unsigned n)
{
	git_commit *parent = NULL;

	if (git_commit_parent(&parent, w, n) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read a parent");
	*out = *git_commit_tree_id(parent);
	git_commit_free(parent);
	return 0;
}

static int not_a_snapshot(const char *refname)
{
	return graft_error_code(GRAFT_EFATAL,
				"%s does not point at a git-graft snapshot this version can read",
				refname);
}

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

static int parse_trailers(struct snapshot *snap, int *unborn,
			  const char *message, const char *refname)
{
	git_message_trailer_array trailers = { 0 };
	int rc = 0;
	size_t i;

	if (git_message_trailers(&trailers, message) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read %s", refname);
	for (i = 0; i < trailers.count && rc == 0; i++) {
		const char *key = trailers.trailers[i].key;
		const char *value = trailers.trailers[i].value;

		if (!strcmp(key, "Graft-Snapshot"))
			snap->format = !strcmp(value, "1") ? 1 :
				       !strcmp(value, SNAPSHOT_FORMAT) ? 2 : 0;
		else if (!strcmp(key, "Graft-Unborn"))
			*unborn = 1;
		else if (!strcmp(key, "Graft-Dependency") && !snap->dep)
			snap->dep = xstrdup(value);
		else if (!strcmp(key, "Graft-From") && !snap->from_ref)
			rc = parse_ref_trailer(value, &snap->from_ref, &snap->from);
		else if (!strcmp(key, "Graft-To") && !snap->to_ref)
			rc = parse_ref_trailer(value, &snap->to_ref, &snap->to);
		else if (!strcmp(key, "Graft-Head") && !snap->head_ref &&
			 strcmp(value, SNAPSHOT_DETACHED))
			snap->head_ref = xstrdup(value);
		else if (!strcmp(key, "Graft-Time") &&
			 parse_time(value, &snap->time) < 0)
			rc = -1;
		else if (!strcmp(key, "Graft-Pid"))
			snap->pid = strtol(value, NULL, 10);
		else if (!strcmp(key, "Graft-Worktree") && !snap->worktree) {
			if (!repo_worktree_id_valid(value))
				rc = -1;
			else
				snap->worktree = xstrdup(value);
		}
	}
	git_message_trailer_array_free(&trailers);
	if (rc < 0 || !snap->format || !snap->dep)
		return not_a_snapshot(refname);
	return 0;
}

/*
 * W's parents: format 1 has HEAD, I and perhaps A; format 2 has HEAD
 * (unless it was unborn), I, A, M and, for an attempt, the snapshot.
 */
static int read_commit(struct snapshot *snap, git_commit *w,
		       const char *refname)
{
	unsigned n = git_commit_parentcount(w), first;
	int rc, unborn = 0;

	if ((rc = parse_trailers(snap, &unborn, git_commit_message(w),
				 refname)) < 0)
		return rc;
	first = unborn ? 0 : 1;
	if ((snap->format == 1 && n != 2 && n != 3) ||
	    (snap->format == 2 && n < first + 3))
		return not_a_snapshot(refname);
	snap->commit = *git_commit_id(w);
	snap->worktree_tree = *git_commit_tree_id(w);
	snap->attributes_seen = 1;
	if (!unborn)
		snap->head = *git_commit_parent_id(w, 0);
	if ((rc = parent_tree(&snap->index_tree, w, first)) < 0 ||
	    (n > first + 1 &&
	     (rc = parent_tree(&snap->ita_tree, w, first + 1)) < 0) ||
	    (snap->format == 2 &&
	     (rc = parent_tree(&snap->meta_tree, w, first + 2)) < 0))
		graft_error_prefix("cannot read the snapshot %s", refname);
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

/*
 * libgit2 ignores a failure to remove the lock it deleted refname under;
 * left, it would make every later upgrade of the dependency fail. Only
 * git-graft writes refs/graft/, and it holds the operation lock.
 */
static void remove_leftover_lock(const struct graft_repo *r, const char *refname)
{
	struct strbuf lock = STRBUF_INIT;

	strbuf_addf(&lock, "%s%s.lock", r->commondir, refname);
	if (unlink(lock.buf) < 0 && errno != ENOENT)
		graft_warning("cannot remove '%s': %s; the next git-graft command removes it",
			      lock.buf, strerror(errno));
	strbuf_release(&lock);
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
	else
		remove_leftover_lock(r, refname);
done:
	git_reference_free(ref);
	free(refname);
	return rc;
}

/*
 * Whether message is that of git-graft's commit for dep: an upgrade, or
 * a rollback of a committed one, which works on a snapshot too. *pos and
 * *len are its Graft-Series, 0 without one.
 */
static int names_commit_of(const char *message, const char *dep,
			   unsigned *pos, unsigned *len)
{
	git_message_trailer_array trailers = { 0 };
	int action = 0, same_dep = 0;
	size_t i;

	*pos = *len = 0;
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
		else if (!strcmp(key, "Graft-Series") &&
			 trailers_parse_series(value, pos, len) < 0)
			*pos = *len = 0;
	}
	git_message_trailer_array_free(&trailers);
	return action && same_dep;
}

/*
 * The commit that was HEAD before head, the last of a series of len
 * commits for snap->dep, was made: the first parent of the series' first
 * commit. 1 when the series is not whole.
 */
static int series_base(git_oid *out, git_commit *head,
		       const struct snapshot *snap, unsigned len)
{
	git_commit *c = head, *parent = NULL;
	unsigned k, pos, n;
	int rc = 0;

	for (k = len; k > 1 && rc == 0; k--) {
		if (git_commit_parentcount(c) < 1) {
			rc = 1;
			break;
		}
		if (git_commit_parent(&parent, c, 0) < 0)
			rc = graft_error_git(GRAFT_EFATAL, "cannot read the history");
		else if (!names_commit_of(git_commit_message(parent), snap->dep,
					  &pos, &n) || pos != k - 1 || n != len)
			rc = 1;
		if (c != head)
			git_commit_free(c);
		c = parent;
		parent = NULL;
	}
	if (rc == 0 && git_commit_parentcount(c) < 1)
		rc = 1;
	if (rc == 0)
		*out = *git_commit_parent_id(c, 0);
	if (c != head)
		git_commit_free(c);
	return rc;
}

int snapshot_taken_here(const struct snapshot *snap,
			const struct graft_repo *r)
{
	char *here;
	int same;

	if (!snap->worktree)
		return 1;
	here = repo_worktree_id(r);
	same = here && !strcmp(here, snap->worktree);
	free(here);
	return same;
}

char *snapshot_worktree_path(const struct snapshot *snap,
			     const struct graft_repo *r)
{
	return snap->worktree ? repo_worktree_path(r, snap->worktree) : NULL;
}

int snapshot_is_committed(int *committed, const struct graft_repo *r,
			  const struct snapshot *snap)
{
	git_commit *head = NULL;
	git_oid id, base;
	unsigned pos, len;
	int rc;

	*committed = 0;
	rc = git_reference_name_to_id(&id, r->repo, "HEAD");
	if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) {
		git_error_clear();
		return 0;
	}
	if (rc < 0 || git_commit_lookup(&head, r->repo, &id) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read HEAD");
	rc = 0;
	if (!git_oid_equal(&id, &snap->head) &&
	    git_commit_parentcount(head) >= 1 &&
	    names_commit_of(git_commit_message(head), snap->dep, &pos, &len)) {
		if (!len)
			*committed = git_oid_equal(git_commit_parent_id(head, 0),
						   &snap->head);
		else if (pos == len &&
			 (rc = series_base(&base, head, snap, len)) == 0)
			*committed = git_oid_equal(&base, &snap->head);
	}
	git_commit_free(head);
	return rc < 0 ? rc : 0;
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

int snapshot_read_nested(struct snapshot *out, const struct graft_repo *r,
			 const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_commit *w = NULL;
	int rc;

	*out = (struct snapshot)SNAPSHOT_INIT;
	git_oid_tostr(hex, sizeof(hex), id);
	if (git_commit_lookup(&w, r->repo, id) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the snapshot %s of '%s'",
				       hex, r->workdir);
	rc = read_commit(out, w, hex);
	git_commit_free(w);
	if (rc < 0)
		snapshot_release(out);
	return rc;
}

/* The blob at path in tree, into out; *missing (0 returned) when none. */
int snapshot_meta_blob(git_buf *out, int *missing, const struct graft_repo *r,
		       const struct snapshot *snap, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int rc = 0;

	*missing = 0;
	if (git_oid_is_zero(&snap->meta_tree)) {
		*missing = 1;
		return 0;
	}
	if (git_tree_lookup(&tree, r->repo, &snap->meta_tree) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the snapshot's records");
	rc = git_tree_entry_bypath(&entry, tree, path);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		*missing = 1;
		rc = 0;
	} else if (rc < 0 || git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
		   git_blob_lookup(&blob, r->repo, git_tree_entry_id(entry)) < 0 ||
		   git_buf_set(out, git_blob_rawcontent(blob),
			       (size_t)git_blob_rawsize(blob)) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read '%s' of the snapshot",
				     path);
	}
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	return rc;
}

int snapshot_read_meta(struct meta_list *out, const struct graft_repo *r,
		       const struct snapshot *snap)
{
	git_buf data = GIT_BUF_INIT;
	int missing, rc;

	*out = (struct meta_list)META_LIST_INIT;
	if ((rc = snapshot_meta_blob(&data, &missing, r, snap,
				     SNAPSHOT_RECORDS)) == 0 && !missing)
		rc = meta_decode(out, data.ptr, data.size);
	git_buf_dispose(&data);
	return rc;
}
