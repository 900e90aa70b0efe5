#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "deps/deps.h"
#include "deps/gitmodules.h"
#include "error.h"
#include "formats/names.h"
#include "strbuf.h"

char *dep_checkout_path(const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", DEPS_DIR, name);
	return strbuf_detach(&sb);
}

const char *dep_submodule_name(const struct dep *d)
{
	return d->submodule ? d->submodule : d->name;
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
int dep_open_repo(struct dep *d)
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
	    (rc = dep_open_repo(d)) < 0) {
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
