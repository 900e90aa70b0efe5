#ifndef GRAFT_DEPS_H
#define GRAFT_DEPS_H

#include <git2.h>

#include "repo.h"

/*
 * Dependencies as git submodules, with libgit2 only.
 *
 * Dependency <name> has its work tree at .graft/<name>, registered in
 * .gitmodules and recorded in the superproject's index as a gitlink, with
 * its repository in <git dir>/modules/<submodule name> and a ".git" file
 * in the work tree pointing there: the layout `git submodule add` makes,
 * so plain git sees ordinary submodules. The git dir is the per-worktree
 * one, as git's own (a linked worktree has its own checkouts).
 *
 * Submodules are always found by path, never by name: the ones git-graft
 * adds are named <name>, but a user's existing submodule may be named
 * ".graft/<name>" or anything else, and is used as it is.
 *
 * The dependency's repository has the remote "origin". Clone and fetch
 * bring the source's branches as refs/remotes/origin/<branch> and all its
 * tags; refs/remotes/origin/HEAD follows the source's default branch.
 *
 * Unless said otherwise, the functions here and in the dep_*.h files
 * return 0 or a negative GRAFT_E* code with the message set
 * (graft_error*): GRAFT_EFAIL for what the user can fix (unknown ref,
 * unreachable source, dirty work tree), GRAFT_EFATAL for unexpected
 * libgit2 or file system failures. Functions that look
 * something up return 1, also with a message set, when it is not there.
 * Strings returned through char ** are the caller's to free.
 *
 * A struct dep owns its strings and repository (dep_release frees them);
 * the graft_repo it belongs to must outlive it. A command opens the
 * superproject's index once and passes it in: nothing in src/deps/
 * writes it.
 *
 * This file finds a dependency (dep_load); the others of src/deps/ each
 * do one thing with it:
 *
 *   dep_clone.h      clone it, attach its surviving repository, fetch
 *   dep_refs.h       what a ref or revision names in it
 *   dep_checkout.h   its HEAD and work tree: read, check out, reflog
 *   dep_gitlink.h    its gitlink in the superproject's index
 *   dep_changes.h    its graft.ini at a commit, the changes in a range
 *   dep_gitconfig.h  its submodule.<name>.* keys in .git/config
 *   dep_remove.h     delete its files
 *
 * and beside them: gitmodules.h (.gitmodules), transfer.h, protocol.h
 * and credential.h (what a clone or fetch needs around libgit2).
 */

#define DEPS_DIR ".graft"
#define DEP_REMOTE "origin"
/* where clone and fetch keep the source's branches */
#define DEP_REMOTE_REFS "refs/remotes/" DEP_REMOTE "/"

struct dep {
	char *name;
	char *path;		/* ".graft/<name>", relative to the work tree */
	char *shown;		/* path as messages show it: from the cwd */
	char *submodule;	/* its name in .gitmodules; NULL: not there */
	char *gitmodules_url;	/* its url in .gitmodules, or NULL */
	git_repository *repo;	/* NULL while not cloned */
	const struct graft_repo *owner;
	/* what dep_clone created, for dep_undo_clone */
	int created_worktree, created_deps_dir, created_repo;
};

#define DEP_INIT { .name = NULL }

/* ".graft/<name>", where dependency name is checked out; caller frees. */
char *dep_checkout_path(const char *name);

/*
 * Look up dependency name (checked with name_check first) in r: its
 * .gitmodules entry by path, and its repository if it is cloned. The
 * dependency does not need to be declared anywhere.
 */
int dep_load(struct dep *d, const struct graft_repo *r, const char *name);
void dep_release(struct dep *d);

/* The name in .gitmodules: the one found there, else the dependency's. */
const char *dep_submodule_name(const struct dep *d);
/* workdir + path, with no trailing '/'. */
char *dep_worktree_dir(const struct dep *d);
/* <git dir>/modules/<submodule name, or name>, with no trailing '/'. */
char *dep_modules_dir(const struct dep *d);

/*
 * Open the repository of the work tree .graft/<name> into d->repo;
 * 1 when there is none.
 */
int dep_open_repo(struct dep *d);

#endif
