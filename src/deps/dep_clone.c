#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "deps/dep_clone.h"
#include "deps/dep_remove.h"
#include "deps/protocol.h"
#include "deps/transfer.h"
#include "error.h"
#include "fileio.h"
#include "paths.h"
#include "report.h"
#include "strbuf.h"

/* 1 if dir is a directory that holds nothing, 0 if not, -1 if missing. */
static int dir_is_empty(const char *dir)
{
	struct dirent *e;
	DIR *dh = opendir(dir);
	int empty = 1;

	if (!dh)
		return errno == ENOENT ? -1 : 0;
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(dh);
	return empty;
}

/* Point the repository at modules to its work tree (core.worktree). */
static int set_core_worktree(const char *modules, const char *worktree)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL, *local = NULL;
	char *rel = path_relative(modules, worktree);
	int rc = 0;

	if (git_repository_open_ext(&repo, modules, GIT_REPOSITORY_OPEN_NO_SEARCH,
				    NULL) < 0 ||
	    git_repository_config(&cfg, repo) < 0 ||
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) < 0 ||
	    git_config_set_string(local, "core.worktree", rel) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot set up %s", modules);
	git_config_free(local);
	git_config_free(cfg);
	git_repository_free(repo);
	free(rel);
	return rc;
}

/*
 * Connect the work tree and the repository as git does: a ".git" file
 * "gitdir: <relative path>" in the one, core.worktree in the other.
 */
static int link_worktree(const char *modules, const char *worktree)
{
	struct strbuf link = STRBUF_INIT, dotgit = STRBUF_INIT;
	char *rel = path_relative(worktree, modules);
	int rc;

	strbuf_addf(&link, "gitdir: %s\n", rel);
	strbuf_addf(&dotgit, "%s/.git", worktree);
	if ((rc = file_write_atomic(dotgit.buf, link.buf, link.len)) == 0)
		rc = set_core_worktree(modules, worktree);
	strbuf_release(&link);
	strbuf_release(&dotgit);
	free(rel);
	return rc;
}

struct clone_target {
	const char *modules;
	const char *worktree;
};

/* git_clone's repository_cb: the repository goes where git keeps it. */
static int create_repository(git_repository **out, const char *path,
			     int bare, void *payload)
{
	const struct clone_target *t = payload;
	git_repository_init_options o = GIT_REPOSITORY_INIT_OPTIONS_INIT;

	(void)path;
	(void)bare;
	o.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT |
		  GIT_REPOSITORY_INIT_NO_DOTGIT_DIR |
		  GIT_REPOSITORY_INIT_RELATIVE_GITLINK;
	o.workdir_path = t->worktree;
	return git_repository_init_ext(out, t->modules, &o);
}

/*
 * A local source that is not there: say so, rather than libgit2's
 * "unsupported URL protocol".
 */
static int check_local_source(const char *url, const char *source,
			      const char *action)
{
	enum source_kind kind = source_kind(source);
	const char *path = url;
	int rc;

	if (kind == SOURCE_URL && strncmp(url, "file://", 7))
		return 0;
	if (kind == SOURCE_SCP)
		return 0;
	if (kind == SOURCE_URL)
		path = url + 7;
	if (path_exists(path))
		return 0;
	rc = graft_error("cannot %s '%s': %s does not exist", action, source,
			 path);
	if (kind == SOURCE_RELATIVE)
		graft_error_hint("a relative source is relative to the top of the repository");
	return rc;
}

/* A clone by the file transport, which copies and shows no progress. */
static int is_local(const char *url)
{
	char *name = protocol_name(url);
	int local = !strcmp(name, "file");

	free(name);
	return local;
}

int dep_clone(struct dep *d, const char *source)
{
	git_clone_options co = GIT_CLONE_OPTIONS_INIT;
	char *url = source_fetch_url(d->owner->workdir, source);
	char *modules = dep_modules_dir(d), *worktree = dep_worktree_dir(d);
	char *deps_dir = repo_path(d->owner, DEPS_DIR);
	struct clone_target target = { modules, worktree };
	struct transfer t;
	int rc, empty;

	if ((rc = check_local_source(url, source, "clone")) < 0)
		goto done;
	if (path_exists(modules)) {
		rc = graft_error("cannot clone %s: its repository %s already exists",
				 d->name, modules);
		graft_error_hint("remove it if it is stale, or run 'git graft resolve' to use it");
		goto done;
	}
	empty = dir_is_empty(worktree);
	if (empty == 0) {
		rc = graft_error("cannot clone %s: %s exists and is not empty",
				 d->name, d->shown);
		goto done;
	}
	if ((rc = transfer_begin(&t, d->owner->repo, url,
				 &co.fetch_opts.callbacks)) < 0)
		goto done;
	d->created_deps_dir = !path_exists(deps_dir);
	d->created_worktree = empty < 0;
	d->created_repo = 1;

	co.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
	co.fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
	co.repository_cb = create_repository;
	co.repository_cb_payload = &target;
	/* as git clone says it; a local clone has nothing more to show */
	graft_progress("Cloning into '%s'...\n", d->shown);
	rc = git_clone(&d->repo, url, worktree, &co);
	if ((rc = transfer_end(&t, rc, "cannot clone '%s'", source)) < 0 &&
	    rc == GRAFT_EFAIL)
		graft_error_hint("check the source, and that you can reach it ('git ls-remote %s')",
				 url);
	if (rc == 0 && is_local(url))
		graft_progress("done.\n");
	/* libgit2 links them too, but not in the form git writes */
	if (rc == 0)
		rc = link_worktree(modules, worktree);
	if (rc < 0)
		dep_undo_clone(d);
done:
	free(url);
	free(modules);
	free(worktree);
	free(deps_dir);
	return rc;
}

int dep_attach(struct dep *d)
{
	char *modules = dep_modules_dir(d), *worktree = dep_worktree_dir(d);
	struct stat st;
	int rc;

	if (d->repo) {
		rc = 0;
		goto done;
	}
	if (stat(modules, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = 1;
		graft_error("%s is not cloned", d->name);
		goto done;
	}
	if (dir_is_empty(worktree) == 0) {
		rc = graft_error("cannot check %s out: %s exists and is not a checkout of it",
				 d->name, d->shown);
		graft_error_hint("move it out of the way, then run the command again");
		goto done;
	}
	if ((rc = mkdir_durable(worktree)) < 0 ||
	    (rc = link_worktree(modules, worktree)) < 0)
		goto done;
	rc = dep_open_repo(d);
	if (rc == 1)
		rc = graft_error_code(GRAFT_EFATAL, "cannot open %s after connecting it to %s",
				      d->shown, modules);
done:
	free(modules);
	free(worktree);
	return rc;
}

/* Point refs/remotes/origin/HEAD where the source's HEAD points now. */
static int update_remote_head(struct dep *d, git_remote *remote)
{
	git_buf branch = GIT_BUF_INIT;
	git_reference *ref = NULL, *head = NULL;
	struct strbuf target = STRBUF_INIT;
	int rc = 0;

	if (git_remote_default_branch(&branch, remote) < 0 ||
	    strncmp(branch.ptr, "refs/heads/", 11)) {
		/* a source with a detached or no HEAD has no default branch */
		git_error_clear();
		goto done;
	}
	strbuf_addf(&target, "%s%s", DEP_REMOTE_REFS, branch.ptr + 11);
	if (git_reference_lookup(&ref, d->repo, target.buf) < 0) {
		git_error_clear();
		goto done;
	}
	if (git_reference_symbolic_create(&head, d->repo, DEP_REMOTE_REFS "HEAD",
					  target.buf, 1,
					  "graft: the source's default branch") < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot update %sHEAD in %s",
				     DEP_REMOTE_REFS, d->shown);
done:
	git_reference_free(head);
	git_reference_free(ref);
	git_buf_dispose(&branch);
	strbuf_release(&target);
	return rc;
}

int dep_fetch(struct dep *d, const char *source)
{
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	git_remote *remote = NULL;
	char *url = source_fetch_url(d->owner->workdir, source);
	struct strbuf action = STRBUF_INIT;
	struct transfer t;
	int rc;

	strbuf_addf(&action, "fetch %s from", d->name);
	if ((rc = check_local_source(url, source, action.buf)) < 0)
		goto done;
	rc = git_remote_lookup(&remote, d->repo, DEP_REMOTE);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = git_remote_create(&remote, d->repo, DEP_REMOTE, url);
	} else if (rc == 0 && strcmp(git_remote_url(remote), url)) {
		/* graft.ini is what counts: fetch from it, leave the config */
		rc = git_remote_set_instance_url(remote, url);
	}
	if (rc < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot set up the remote of %s",
				     d->shown);
		goto done;
	}
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL;
	fo.prune = GIT_FETCH_PRUNE;
	if ((rc = transfer_begin(&t, d->owner->repo, url, &fo.callbacks)) < 0)
		goto done;
	rc = git_remote_fetch(remote, NULL, &fo, NULL);
	if ((rc = transfer_end(&t, rc, "cannot fetch %s from '%s'", d->name,
			       source)) < 0)
		goto done;
	rc = update_remote_head(d, remote);
done:
	git_remote_free(remote);
	strbuf_release(&action);
	free(url);
	return rc;
}
