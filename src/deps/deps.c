#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cmd/output.h"
#include "deps/deps.h"
#include "deps/gitmodules.h"
#include "deps/protocol.h"
#include "deps/transfer.h"
#include "error.h"
#include "fileio.h"
#include "formats/names.h"
#include "paths.h"

#define REMOTE_REFS "refs/remotes/" DEP_REMOTE "/"

static char *strip_trailing_slashes(const char *s)
{
	size_t len = strlen(s);

	while (len > 1 && s[len - 1] == '/')
		len--;
	return xstrndup(s, len);
}

char *dep_worktree_dir(const struct dep *d)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s%s", d->owner->workdir, d->path);
	return strbuf_detach(&sb);
}

char *dep_modules_dir(const struct dep *d)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%smodules/%s", d->owner->gitdir,
		    dep_submodule_name(d));
	return strbuf_detach(&sb);
}

/*
 * The submodule whose path in .gitmodules is d->path: its name and url.
 * git reads .gitmodules from the work tree, and so does this.
 */
static int find_submodule(struct dep *d)
{
	struct gitmodules gm = GITMODULES_INIT;
	const struct gitmodules_entry *e;
	char *file = repo_path(d->owner, GITMODULES_FILE);
	int rc = gitmodules_read(&gm, file);

	if (rc < 0 || !(e = gitmodules_find_path(&gm, d->path)))
		goto done;
	if (submodule_name_check(e->name, "submodule name") < 0) {
		graft_error_prefix("%s: the submodule at %s", GITMODULES_FILE,
				   d->path);
		graft_error_hint("git refuses such a name too; rename the submodule in %s",
				 GITMODULES_FILE);
		rc = GRAFT_EFAIL;
		goto done;
	}
	d->submodule = xstrdup(e->name);
	d->gitmodules_url = e->url ? xstrdup(e->url) : NULL;
done:
	gitmodules_release(&gm);
	free(file);
	return rc;
}

/* Open the work tree's repository, if there is one; 1 if not. */
static int open_repo(struct dep *d)
{
	char *dir = dep_worktree_dir(d);
	int rc;

	rc = git_repository_open_ext(&d->repo, dir,
				     GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = 1;
	} else if (rc < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot open the repository of %s",
				     d->shown);
	}
	free(dir);
	return rc;
}

/*
 * .graft and .graft/<name> must be directories of the work tree, as git
 * requires of a submodule's path. A symbolic link there, committed by
 * someone else perhaps, would have commands check out, fetch into, clone
 * into or report on whatever it points at, outside the repository.
 */
static int refuse_symlinks(const struct dep *d)
{
	const char *rel[2] = { DEPS_DIR, d->path };
	struct stat st;
	size_t i;
	int rc = 0;

	for (i = 0; i < 2 && !rc; i++) {
		char *path = repo_path(d->owner, rel[i]);
		char *shown = repo_display_path(d->owner, rel[i]);

		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			rc = graft_error("%s is a symbolic link; git-graft does not follow it out of the repository",
					 shown);
			graft_error_hint("remove it; 'git graft resolve' then checks %s out again",
					 d->name);
		}
		free(path);
		free(shown);
	}
	return rc;
}

char *dep_checkout_path(const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", DEPS_DIR, name);
	return strbuf_detach(&sb);
}

int dep_load(struct dep *d, const struct graft_repo *r, const char *name)
{
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = name_check(name, "dependency name")) < 0)
		return rc;
	d->owner = r;
	d->name = xstrdup(name);
	d->path = dep_checkout_path(name);
	d->shown = repo_display_path(r, d->path);
	if ((rc = refuse_symlinks(d)) < 0 || (rc = find_submodule(d)) < 0 ||
	    (rc = open_repo(d)) < 0) {
		dep_release(d);
		return rc;
	}
	return 0;
}

void dep_release(struct dep *d)
{
	git_repository_free(d->repo);
	free(d->name);
	free(d->path);
	free(d->shown);
	free(d->submodule);
	free(d->gitmodules_url);
	memset(d, 0, sizeof(*d));
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP ? rmdir(path) : unlink(path))
		return errno == ENOENT ? 0 : -1;
	return 0;
}

/* Delete path and everything below it, never following symlinks. */
static int remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 :
		       graft_error("cannot remove '%s': %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return graft_error("cannot remove '%s': %s", path,
					   strerror(errno));
		return 0;
	}
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return graft_error("cannot remove '%s': %s", path, strerror(errno));
	return 0;
}

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

const char *dep_submodule_name(const struct dep *d)
{
	return d->submodule ? d->submodule : d->name;
}

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path), *slash;
	int rc = 0;

	for (slash = strchr(p + 1, '/'); ; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			rc = graft_error("cannot create '%s': %s", p, strerror(errno));
			break;
		}
		if (!slash)
			break;
		*slash = '/';
	}
	free(p);
	return rc;
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
	if (t.show_progress) {
		fputs("Cloning into '", stderr);
		out_sanitized(stderr, d->shown);
		fputs("'...\n", stderr);
	}
	rc = git_clone(&d->repo, url, worktree, &co);
	if ((rc = transfer_end(&t, rc, "cannot clone '%s'", source)) < 0 &&
	    rc == GRAFT_EFAIL)
		graft_error_hint("check the source, and that you can reach it ('git ls-remote %s')",
				 url);
	if (rc == 0 && t.show_progress && is_local(url))
		fputs("done.\n", stderr);
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

/* Remove dir's parents while they are empty, up to and including stop. */
static void remove_empty_parents(const char *dir, const char *stop)
{
	char *p = strip_trailing_slashes(dir);
	char *top = strip_trailing_slashes(stop);
	char *slash;

	while ((slash = strrchr(p, '/')) && slash > p) {
		*slash = '\0';
		if (strlen(p) < strlen(top) || rmdir(p) < 0)
			break;
	}
	free(p);
	free(top);
}

void dep_undo_clone(struct dep *d)
{
	char *modules, *worktree, *deps_dir, *modules_top;
	struct graft_error_saved saved;

	/* also after a failed dep_load, which leaves d released */
	if (!d->created_repo)
		return;
	modules = dep_modules_dir(d);
	worktree = dep_worktree_dir(d);
	deps_dir = repo_path(d->owner, DEPS_DIR);
	modules_top = repo_git_path(d->owner, "modules");
	graft_error_save(&saved);
	git_repository_free(d->repo);
	d->repo = NULL;
	remove_tree(modules);
	remove_empty_parents(modules, modules_top);
	/* the directory was empty before, or not there */
	remove_tree(worktree);
	if (!d->created_worktree && mkdir(worktree, 0777) < 0)
		out_warning("cannot recreate %s: %s", d->shown, strerror(errno));
	if (d->created_deps_dir)
		rmdir(deps_dir);
	d->created_repo = d->created_worktree = d->created_deps_dir = 0;
	graft_error_restore(&saved);
	free(modules);
	free(worktree);
	free(deps_dir);
	free(modules_top);
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
	if ((rc = mkdir_p(worktree)) < 0 ||
	    (rc = link_worktree(modules, worktree)) < 0)
		goto done;
	rc = open_repo(d);
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
	strbuf_addf(&target, "%s%s", REMOTE_REFS, branch.ptr + 11);
	if (git_reference_lookup(&ref, d->repo, target.buf) < 0) {
		git_error_clear();
		goto done;
	}
	if (git_reference_symbolic_create(&head, d->repo, REMOTE_REFS "HEAD",
					  target.buf, 1,
					  "graft: the source's default branch") < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot update %sHEAD in %s",
				     REMOTE_REFS, d->shown);
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

/* 1 if s is 4 to 39 hexadecimal digits. */
static int is_abbreviated_oid(const char *s)
{
	size_t len = strspn(s, "0123456789abcdefABCDEF");

	return !s[len] && len >= 4 && len < GIT_OID_HEXSZ;
}

/* The commit ref names, peeled; 1 when there is no such ref. */
static int resolve_refname(git_oid *out, struct dep *d, const char *refname,
			   const char *ref)
{
	git_reference *r = NULL;
	git_object *obj = NULL;
	int rc = git_reference_lookup(&r, d->repo, refname);

	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
		git_error_clear();
		return 1;
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read %s in %s",
				       refname, d->shown);
	if (git_reference_peel(&obj, r, GIT_OBJECT_COMMIT) < 0) {
		git_error_clear();
		rc = graft_error("'%s' in %s does not point to a commit", ref,
				 d->name);
	} else {
		git_oid_cpy(out, git_object_id(obj));
	}
	git_object_free(obj);
	git_reference_free(r);
	return rc;
}

static int not_found(struct dep *d, const char *ref)
{
	graft_error("'%s' is not a branch, tag or commit of %s", ref, d->name);
	graft_error_hint("'git graft fetch %s' gets what its source has now",
			 d->name);
	return 1;
}

int dep_resolve(git_oid *out, struct dep *d, const char *ref)
{
	static const char *const prefixes[] = {
		"refs/tags/", REMOTE_REFS, "refs/heads/",
	};
	struct strbuf name = STRBUF_INIT;
	git_object *obj = NULL;
	git_oid prefix;
	size_t i;
	int rc;

	if (is_full_hex_oid(ref)) {
		git_oid_fromstr(out, ref);
		if (git_object_lookup(&obj, d->repo, out, GIT_OBJECT_COMMIT) < 0) {
			git_error_clear();
			return not_found(d, ref);
		}
		git_object_free(obj);
		return 0;
	}
	if (!strncmp(ref, "refs/", 5))
		return (rc = resolve_refname(out, d, ref, ref)) == 1 ?
		       not_found(d, ref) : rc;
	for (i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		strbuf_reset(&name);
		strbuf_addf(&name, "%s%s", prefixes[i], ref);
		rc = resolve_refname(out, d, name.buf, ref);
		if (rc <= 0) {
			strbuf_release(&name);
			return rc;
		}
	}
	strbuf_release(&name);
	if (!is_abbreviated_oid(ref))
		return not_found(d, ref);
	git_oid_fromstrn(&prefix, ref, strlen(ref));
	rc = git_object_lookup_prefix(&obj, d->repo, &prefix, strlen(ref),
				      GIT_OBJECT_COMMIT);
	if (rc == GIT_EAMBIGUOUS) {
		git_error_clear();
		return graft_error("'%s' is ambiguous in %s: give more digits of the commit id",
				   ref, d->name);
	}
	if (rc < 0) {
		git_error_clear();
		return not_found(d, ref);
	}
	git_oid_cpy(out, git_object_id(obj));
	git_object_free(obj);
	return 0;
}

int dep_resolve_rev(git_oid *out, char **name, struct dep *d, const char *rev)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_object *obj = NULL, *commit = NULL;
	int rc = dep_resolve(out, d, rev);

	if (name)
		*name = NULL;
	if (rc == 0 && name) {
		git_oid_tostr(hex, sizeof(hex), out);
		/* a short id may become ambiguous: the lock keeps the full one */
		*name = xstrdup(is_abbreviated_oid(rev) &&
				!strncasecmp(hex, rev, strlen(rev)) ? hex : rev);
	}
	if (rc <= 0)
		return rc;
	/* not a plain name: git's revision syntax, as git reads it */
	if (git_revparse_single(&obj, d->repo, rev) < 0) {
		git_error_clear();
		return 1;
	}
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		git_error_clear();
		rc = graft_error("'%s' in %s does not name a commit", rev, d->name);
	} else {
		graft_error_clear();
		rc = 0;
		git_oid_cpy(out, git_object_id(commit));
		if (name)
			*name = xstrdup(git_oid_tostr(hex, sizeof(hex), out));
	}
	git_object_free(commit);
	git_object_free(obj);
	return rc;
}

int dep_default_branch(char **out, struct dep *d)
{
	git_reference *head = NULL;
	const char *target;
	int rc = git_reference_lookup(&head, d->repo, REMOTE_REFS "HEAD");

	*out = NULL;
	if (rc == 0 && git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
	    (target = git_reference_symbolic_target(head)) &&
	    !strncmp(target, REMOTE_REFS, strlen(REMOTE_REFS))) {
		*out = xstrdup(target + strlen(REMOTE_REFS));
		git_reference_free(head);
		return 0;
	}
	git_reference_free(head);
	if (rc < 0 && rc != GIT_ENOTFOUND)
		return graft_error_git(GRAFT_EFATAL, "cannot read %sHEAD in %s",
				       REMOTE_REFS, d->shown);
	git_error_clear();
	graft_error("the default branch of %s's source is not known", d->name);
	graft_error_hint("set 'ref' for it in graft.ini, or run 'git graft fetch %s'",
			 d->name);
	return 1;
}

int dep_tracked_ref(char **out, struct dep *d, const char *declared_ref)
{
	if (declared_ref) {
		*out = xstrdup(declared_ref);
		return 0;
	}
	return dep_default_branch(out, d);
}

int dep_has_commit(struct dep *d, const git_oid *commit)
{
	git_commit *c = NULL;
	int found = git_commit_lookup(&c, d->repo, commit) == 0;

	git_commit_free(c);
	git_error_clear();
	return found;
}

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

/* Append the commits the refs matching glob point to (peeled). */
static int collect_tips(git_oid **tips, size_t *nr, size_t *alloc,
			struct dep *d, const char *glob)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;
	git_object *obj;
	int err;

	if (git_reference_iterator_glob_new(&it, d->repo, glob) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot list the refs of %s",
				       d->shown);
	while ((err = git_reference_next(&ref, it)) == 0) {
		if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
			ALLOC_GROW(*tips, *nr + 1, *alloc);
			git_oid_cpy(&(*tips)[(*nr)++], git_object_id(obj));
			git_object_free(obj);
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (err != GIT_ITEROVER)
		return graft_error_git(GRAFT_EFATAL, "cannot list the refs of %s",
				       d->shown);
	git_error_clear();
	return 0;
}

int dep_unpublished(int *unpublished, struct dep *d)
{
	git_oid *published = NULL, *local = NULL, head;
	size_t published_nr = 0, published_alloc = 0;
	size_t local_nr = 0, local_alloc = 0, i;
	int rc;

	*unpublished = 0;
	if ((rc = collect_tips(&published, &published_nr, &published_alloc, d,
			       "refs/remotes/*")) < 0 ||
	    (rc = collect_tips(&published, &published_nr, &published_alloc, d,
			       "refs/tags/*")) < 0 ||
	    (rc = collect_tips(&local, &local_nr, &local_alloc, d,
			       "refs/heads/*")) < 0)
		goto done;
	if ((rc = dep_head(&head, d)) < 0)
		goto done;
	if (rc == 0) {
		ALLOC_GROW(local, local_nr + 1, local_alloc);
		git_oid_cpy(&local[local_nr++], &head);
	}
	graft_error_clear();
	for (i = 0; i < local_nr && !*unpublished; i++) {
		rc = published_nr ? git_graph_reachable_from_any(
			d->repo, &local[i], published, published_nr) : 0;
		if (rc < 0) {
			rc = graft_error_git(GRAFT_EFATAL, "cannot walk the history of %s",
					     d->shown);
			goto done;
		}
		*unpublished = !rc;
	}
	rc = 0;
done:
	free(published);
	free(local);
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
	if (git_reflog_entrycount(log) >= 2 && is_move(log, 0, to, from) &&
	    is_move(log, 1, from, to) &&
	    (git_reflog_drop(log, 0, 1) < 0 || git_reflog_drop(log, 0, 1) < 0 ||
	     git_reflog_write(log) < 0))
		rc = graft_error_git(GRAFT_EFATAL, "cannot write the reflog of %s",
				     d->shown);
	git_reflog_free(log);
	return rc;
}

int dep_gitlink(git_oid *out, git_index *idx, const struct dep *d)
{
	const git_index_entry *e = git_index_get_bypath(idx, d->path, 0);

	if (!e || e->mode != GIT_FILEMODE_COMMIT) {
		graft_error("the index has no gitlink for %s", d->shown);
		return 1;
	}
	git_oid_cpy(out, &e->id);
	return 0;
}

int dep_stage_gitlink(git_index *idx, const struct dep *d,
		      const git_oid *commit)
{
	git_index_entry e;

	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_COMMIT;
	e.path = d->path;
	git_oid_cpy(&e.id, commit);
	if (git_index_add(idx, &e) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot record %s in the index",
				       d->shown);
	return 0;
}

int dep_unstage_gitlink(git_index *idx, const struct dep *d)
{
	if (!git_index_get_bypath(idx, d->path, 0))
		return 0;
	if (git_index_remove(idx, d->path, 0) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot remove %s from the index",
				       d->shown);
	return 0;
}

int dep_read_file(struct strbuf *out, int *missing, struct dep *d,
		  const git_oid *commit, const char *path)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int rc = 0, err;

	strbuf_reset(out);
	*missing = 0;
	if (git_commit_lookup(&c, d->repo, commit) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot read a commit of %s",
				     d->name);
		goto done;
	}
	err = git_tree_entry_bypath(&entry, tree, path);
	if (err == GIT_ENOTFOUND ||
	    (!err && git_tree_entry_type(entry) != GIT_OBJECT_BLOB)) {
		git_error_clear();
		*missing = 1;
		goto done;
	}
	if (err < 0 ||
	    git_blob_lookup(&blob, d->repo, git_tree_entry_id(entry)) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read %s in %s", path,
				     d->name);
		goto done;
	}
	strbuf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
done:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

int dep_read_config(struct graft_config *cfg, struct diag_list *diags,
		    struct dep *d, const git_oid *commit)
{
	char hex[8];

	git_oid_tostr(hex, sizeof(hex), commit);
	return dep_read_config_at(cfg, diags, d, commit, hex);
}

int dep_read_config_at(struct graft_config *cfg, struct diag_list *diags,
		       struct dep *d, const git_oid *commit, const char *ref)
{
	struct strbuf buf = STRBUF_INIT, label = STRBUF_INIT;
	int missing, rc;

	if ((rc = dep_read_file(&buf, &missing, d, commit, CONFIG_FILE)) == 0 &&
	    !missing) {
		strbuf_addf(&label, "%s@%s:%s", d->name, ref, CONFIG_FILE);
		rc = config_parse(cfg, label.buf, buf.buf, buf.len, diags);
	}
	strbuf_release(&buf);
	strbuf_release(&label);
	return rc;
}

struct walk_pos {
	git_oid id;
	size_t pos;	/* oldest first */
};

static int by_oid(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct walk_pos *)a)->id,
			   &((const struct walk_pos *)b)->id);
}

/* The commits of from..to with their topological position, sorted by id. */
static int walk_range(struct walk_pos **out, size_t *nr, struct dep *d,
		      const git_oid *from, const git_oid *to)
{
	git_revwalk *walk = NULL;
	struct walk_pos *list = NULL;
	size_t alloc = 0;
	git_oid id;
	int rc;

	*nr = 0;
	if (git_revwalk_new(&walk, d->repo) < 0 ||
	    git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL |
					GIT_SORT_REVERSE) < 0 ||
	    git_revwalk_push(walk, to) < 0 ||
	    (from && git_revwalk_hide(walk, from) < 0)) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot walk the history of %s",
				     d->name);
		goto done;
	}
	while ((rc = git_revwalk_next(&id, walk)) == 0) {
		ALLOC_GROW(list, *nr + 1, alloc);
		git_oid_cpy(&list[*nr].id, &id);
		list[*nr].pos = *nr;
		(*nr)++;
	}
	if (rc != GIT_ITEROVER) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot walk the history of %s",
				     d->name);
		goto done;
	}
	git_error_clear();
	rc = 0;
	if (*nr > 1)
		qsort(list, *nr, sizeof(*list), by_oid);
done:
	git_revwalk_free(walk);
	if (rc < 0) {
		free(list);
		list = NULL;
		*nr = 0;
	}
	*out = list;
	return rc;
}

struct ranked_change {
	struct dep_change change;
	size_t pos, order;
};

static int by_rank(const void *a, const void *b)
{
	const struct ranked_change *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int dep_changes_between(struct dep_change_list *out, struct dep *d,
			const struct graft_config *cfg, const git_oid *from,
			const git_oid *to)
{
	struct walk_pos *range = NULL, key, *hit;
	struct ranked_change *ranked;
	size_t range_nr, nr = 0, i;
	int rc;

	if ((rc = walk_range(&range, &range_nr, d, from, to)) < 0)
		return rc;
	ranked = xcalloc(cfg->changes_nr ? cfg->changes_nr : 1, sizeof(*ranked));
	for (i = 0; i < cfg->changes_nr; i++) {
		/*
		 * A ref the dependency got wrong (unknown, ambiguous, not a
		 * commit) is its maintainers' to fix: set it aside for the
		 * caller to name, and go on with the others.
		 */
		rc = dep_resolve(&key.id, d, cfg->changes[i].ref);
		if (rc < 0 && rc != GRAFT_EFAIL)
			goto done;
		if (rc != 0) {
			graft_error_clear();
			ALLOC_GROW(out->unresolved_changes, out->unresolved + 1,
				   out->unresolved_alloc);
			out->unresolved_changes[out->unresolved++] =
				&cfg->changes[i];
			continue;
		}
		hit = range_nr ? bsearch(&key, range, range_nr, sizeof(*range),
					 by_oid) : NULL;
		if (!hit)
			continue;
		ranked[nr].change.change = &cfg->changes[i];
		git_oid_cpy(&ranked[nr].change.commit, &key.id);
		ranked[nr].pos = hit->pos;
		ranked[nr].order = i;
		nr++;
	}
	rc = 0;
	qsort(ranked, nr, sizeof(*ranked), by_rank);
	for (i = 0; i < nr; i++) {
		ALLOC_GROW(out->items, out->nr + 1, out->alloc);
		out->items[out->nr++] = ranked[i].change;
	}
done:
	free(ranked);
	free(range);
	return rc;
}

void dep_change_list_release(struct dep_change_list *list)
{
	free(list->items);
	free(list->unresolved_changes);
	memset(list, 0, sizeof(*list));
}

static int open_local_config(git_config **local, git_config **cfg,
			     const struct dep *d)
{
	if (git_repository_config(cfg, d->owner->repo) < 0 ||
	    git_config_open_level(local, *cfg, GIT_CONFIG_LEVEL_LOCAL) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot open the repository's config");
	return 0;
}

int dep_config_register(struct dep *d, const char *url)
{
	git_config *cfg = NULL, *local = NULL;
	struct strbuf key = STRBUF_INIT;
	int rc;

	if ((rc = open_local_config(&local, &cfg, d)) < 0)
		goto done;
	strbuf_addf(&key, "submodule.%s.url", dep_submodule_name(d));
	if (git_config_set_string(local, key.buf, url) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot set %s", key.buf);
		goto done;
	}
	strbuf_reset(&key);
	strbuf_addf(&key, "submodule.%s.active", dep_submodule_name(d));
	if (git_config_set_bool(local, key.buf, 1) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot set %s", key.buf);
done:
	strbuf_release(&key);
	git_config_free(local);
	git_config_free(cfg);
	return rc;
}

int dep_config_url(char **out, struct dep *d)
{
	git_config *cfg = NULL, *local = NULL;
	git_config_entry *e = NULL;
	struct strbuf key = STRBUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = open_local_config(&local, &cfg, d)) < 0)
		goto done;
	strbuf_addf(&key, "submodule.%s.url", dep_submodule_name(d));
	rc = git_config_get_entry(&e, local, key.buf);
	if (rc == 0) {
		*out = xstrdup(e->value ? e->value : "");
	} else if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = 1;
	} else {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read %s", key.buf);
	}
done:
	git_config_entry_free(e);
	strbuf_release(&key);
	git_config_free(local);
	git_config_free(cfg);
	return rc;
}

int dep_config_unregister(struct dep *d)
{
	git_config *cfg = NULL, *local = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	struct strbuf prefix = STRBUF_INIT;
	char **keys = NULL;
	size_t nr = 0, alloc = 0, i;
	int rc, err;

	if ((rc = open_local_config(&local, &cfg, d)) < 0)
		goto done;
	strbuf_addf(&prefix, "submodule.%s.", dep_submodule_name(d));
	if (git_config_iterator_new(&it, local) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
		goto done;
	}
	while ((err = git_config_next(&entry, it)) == 0)
		if (!strncmp(entry->name, prefix.buf, prefix.len) &&
		    !strchr(entry->name + prefix.len, '.')) {
			ALLOC_GROW(keys, nr + 1, alloc);
			keys[nr++] = xstrdup(entry->name);
		}
	if (err != GIT_ITEROVER) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
		goto done;
	}
	git_error_clear();
	for (i = 0; i < nr && !rc; i++)
		if (git_config_delete_multivar(local, keys[i], ".*") < 0)
			rc = graft_error_git(GRAFT_EFATAL, "cannot unset %s", keys[i]);
done:
	for (i = 0; i < nr; i++)
		free(keys[i]);
	free(keys);
	strbuf_release(&prefix);
	git_config_iterator_free(it);
	git_config_free(local);
	git_config_free(cfg);
	return rc;
}

/* 1 if path is below dir (both absolute; dir without a trailing '/'). */
static int is_below(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return !strncmp(path, dir, len) && path[len] == '/' && path[len + 1];
}

int dep_remove_files(struct dep *d)
{
	char *worktree = dep_worktree_dir(d), *modules = dep_modules_dir(d);
	char *modules_top = repo_git_path(d->owner, "modules");
	char *deps_dir = repo_path(d->owner, DEPS_DIR), *gitdir = NULL;
	struct stat st;
	int rc = 0;

	if (d->repo)
		gitdir = strip_trailing_slashes(git_repository_path(d->repo));
	else if (!stat(modules, &st) && S_ISDIR(st.st_mode))
		gitdir = xstrdup(modules);
	git_repository_free(d->repo);
	d->repo = NULL;
	if (gitdir && is_below(gitdir, modules_top)) {
		if ((rc = remove_tree(gitdir)) < 0)
			goto done;
		remove_empty_parents(gitdir, modules_top);
	} else if (gitdir && !is_below(gitdir, worktree)) {
		out_warning("left the repository of %s at %s: git-graft only deletes repositories under %s",
			    d->name, gitdir, modules_top);
	}
	if ((rc = remove_tree(worktree)) < 0)
		goto done;
	rmdir(deps_dir);
done:
	free(gitdir);
	free(worktree);
	free(modules);
	free(modules_top);
	free(deps_dir);
	return rc;
}
