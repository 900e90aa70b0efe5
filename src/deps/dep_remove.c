#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "deps/dep_remove.h"
#include "error.h"
#include "paths.h"
#include "report.h"
#include "strbuf.h"
#include "worktree.h"

/*
 * Delete rel below root, never through a symbolic link, then each
 * directory above it that this leaves empty, its first component
 * included: modules/ goes with the last repository in it, .graft/ with
 * the last work tree.
 */
static int remove_with_empty_parents(const char *root, const char *rel)
{
	struct worktree wt;
	char *dir, *slash;
	int rc;

	if ((rc = worktree_open(&wt, root)) < 0)
		return rc;
	if ((rc = worktree_remove(&wt, rel)) == 0) {
		dir = xstrdup(rel);
		while ((slash = strrchr(dir, '/'))) {
			*slash = '\0';
			if (worktree_remove_empty_dir(&wt, dir) != 0)
				break;
		}
		free(dir);
		/* an empty directory left behind is only untidy */
		graft_error_clear();
	}
	worktree_close(&wt);
	return rc;
}

void dep_undo_clone(struct dep *d)
{
	struct graft_error_saved saved;
	struct strbuf modules = STRBUF_INIT;
	struct worktree wt;
	char *worktree;

	/* also after a failed dep_load, which leaves d released */
	if (!d->created_repo)
		return;
	graft_error_save(&saved);
	git_repository_free(d->repo);
	d->repo = NULL;
	strbuf_addf(&modules, "modules/%s", dep_submodule_name(d));
	if (remove_with_empty_parents(d->owner->gitdir, modules.buf) < 0)
		graft_warning("%s", graft_error_message());
	/* the work tree was an empty directory before, or not there */
	if (worktree_open(&wt, d->owner->workdir) < 0 ||
	    worktree_remove(&wt, d->path) < 0 ||
	    (d->created_deps_dir &&
	     worktree_remove_empty_dir(&wt, DEPS_DIR) < 0))
		graft_warning("%s", graft_error_message());
	worktree_close(&wt);
	worktree = dep_worktree_dir(d);
	if (!d->created_worktree && mkdir(worktree, 0777) < 0)
		graft_warning("cannot recreate %s: %s", d->shown, strerror(errno));
	d->created_repo = d->created_worktree = d->created_deps_dir = 0;
	graft_error_restore(&saved);
	strbuf_release(&modules);
	free(worktree);
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
	char *modules_top = repo_git_path(d->owner, "modules"), *gitdir = NULL;
	const char *rel;
	struct stat st;
	int rc = 0;

	if (d->repo)
		gitdir = path_normalize(git_repository_path(d->repo));
	else if (!stat(modules, &st) && S_ISDIR(st.st_mode))
		gitdir = xstrdup(modules);
	git_repository_free(d->repo);
	d->repo = NULL;
	if (gitdir && is_below(gitdir, modules_top)) {
		/* below <git dir>/modules, so below the git dir */
		rel = gitdir + strlen(d->owner->gitdir);
		if ((rc = remove_with_empty_parents(d->owner->gitdir, rel)) < 0)
			goto done;
	} else if (gitdir && !is_below(gitdir, worktree)) {
		graft_warning("left the repository of %s at %s: git-graft only deletes repositories under %s",
			      d->name, gitdir, modules_top);
	}
	rc = remove_with_empty_parents(d->owner->workdir, d->path);
done:
	free(gitdir);
	free(worktree);
	free(modules);
	free(modules_top);
	return rc;
}
