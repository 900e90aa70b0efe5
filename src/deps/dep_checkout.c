#include "deps/dep_checkout.h"
#include "error.h"
#include "fileio.h"
#include "strbuf.h"

int dep_head(git_oid *out, struct dep *d)
{
	int rc = git_reference_name_to_id(out, d->repo, "HEAD");

	if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) {
		git_error_clear();
		graft_error("%s has no commit checked out", d->shown);
		return 1;
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read HEAD of %s",
				       d->shown);
	return 0;
}

int dep_is_dirty(int *dirty, struct dep *d)
{
	git_status_options so = GIT_STATUS_OPTIONS_INIT;
	git_status_list *list = NULL;

	/* tracked files only: untracked ones survive a checkout */
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&list, d->repo, &so) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the status of %s",
				       d->shown);
	*dirty = git_status_list_entrycount(list) > 0;
	git_status_list_free(list);
	return 0;
}

/*
 * libgit2 1.5 renames the index it writes and a reflog it rewrites into
 * place without an fsync: sync the file in the dependency's git
 * directory named name, and that directory, before anything relies on it.
 */
static int sync_gitdir_file(struct dep *d, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	int rc;

	strbuf_addf(&path, "%s%s", git_repository_path(d->repo), name);
	rc = fsync_path(path.buf);
	if (rc == 0)
		rc = fsync_parent_dir(path.buf);
	strbuf_release(&path);
	return rc;
}

int dep_checkout(struct dep *d, const git_oid *commit)
{
	git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
	git_commit *c = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int rc = 0;

	git_oid_tostr(hex, sizeof(hex), commit);
	if (git_commit_lookup(&c, d->repo, commit) < 0) {
		git_error_clear();
		rc = graft_error("commit %s is not in the repository of %s",
				 hex, d->name);
		graft_error_hint("'git graft fetch %s' gets what its source has now",
				 d->name);
		return rc;
	}
	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	if (git_checkout_tree(d->repo, (const git_object *)c, &co) < 0 ||
	    git_repository_set_head_detached(d->repo, commit) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot check %s out at %s",
				     d->shown, hex);
	else
		rc = sync_gitdir_file(d, "index");
	git_commit_free(c);
	return rc;
}

/* The reflog entry at i moved HEAD from old to new. */
static int is_move(const git_reflog *log, size_t i, const git_oid *old,
		   const git_oid *new)
{
	const git_reflog_entry *e = git_reflog_entry_byindex(log, i);

	return e && git_oid_equal(git_reflog_entry_id_old(e), old) &&
	       git_oid_equal(git_reflog_entry_id_new(e), new);
}

int dep_forget_round_trip(struct dep *d, const git_oid *from,
			  const git_oid *to)
{
	git_reflog *log = NULL;
	int rc = 0;

	if (git_reflog_read(&log, d->repo, "HEAD") < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the reflog of %s",
				       d->shown);
	/* index 0 is the newest entry: the move back */
	if (git_reflog_entrycount(log) < 2 || !is_move(log, 0, to, from) ||
	    !is_move(log, 1, from, to))
		goto done;
	if (git_reflog_drop(log, 0, 1) < 0 || git_reflog_drop(log, 0, 1) < 0 ||
	    git_reflog_write(log) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot write the reflog of %s",
				     d->shown);
	else
		rc = sync_gitdir_file(d, "logs/HEAD");
done:
	git_reflog_free(log);
	return rc;
}
