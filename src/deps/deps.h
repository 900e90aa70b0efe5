#ifndef GRAFT_DEPS_H
#define GRAFT_DEPS_H

#include <stddef.h>

#include <git2.h>

#include "formats/config.h"
#include "formats/diag.h"
#include "repo.h"
#include "strbuf.h"

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
 * Unless said otherwise, functions return 0 or a negative GRAFT_E* code
 * with the message set (graft_error*): GRAFT_EFAIL for what the user can
 * fix (unknown ref, unreachable source, dirty work tree), GRAFT_EFATAL
 * for unexpected libgit2 or file system failures. Functions that look
 * something up return 1, also with a message set, when it is not there.
 * Strings returned through char ** are the caller's to free.
 *
 * A struct dep owns its strings and repository (dep_release frees them);
 * the graft_repo it belongs to must outlive it. A command opens the
 * superproject's index once and passes it in: nothing here writes it.
 */

#define DEPS_DIR ".graft"
#define DEP_REMOTE "origin"

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

#define DEP_INIT { NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 }

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
 * Clone source into dep_modules_dir with its work tree at .graft/<name>
 * (which may exist as an empty directory, as `git clone` leaves it), all
 * branches and tags; nothing is checked out yet. On failure everything it
 * created is removed again. d->repo is set on success.
 */
int dep_clone(struct dep *d, const char *source);
/* After a later failure: remove what dep_clone created (if anything). */
void dep_undo_clone(struct dep *d);

/*
 * When the work tree is gone (deleted, or never checked out after a
 * `git clone` of the consumer) but dep_modules_dir holds the repository:
 * connect them again (the ".git" file and core.worktree), as `git
 * submodule update` does. 0 when attached (d->repo set), 1 when there is
 * no repository to attach.
 */
int dep_attach(struct dep *d);

/* Fetch branches and tags from source into the cloned dependency. */
int dep_fetch(struct dep *d, const char *source);

/*
 * The commit ref names in the dependency, from data already fetched. A
 * ref is, in this order: a full commit id; a full ref name ("refs/...");
 * a tag; a branch of the source (refs/remotes/origin/<ref>); a local
 * branch; an abbreviated commit id (at least 4 hex digits). Annotated
 * tags are peeled. 1 when it names nothing.
 */
int dep_resolve(git_oid *out, struct dep *d, const char *ref);

/*
 * rev in the dependency: a plain name as dep_resolve takes it, else git's
 * revision syntax (v2.0.0^, main~2, v1.0.0^{commit}, main@{upstream}),
 * read by libgit2 in the dependency's repository and peeled to a commit.
 * *name (unless name is NULL) is what to record of it, in graft.lock and
 * trailers: rev itself when it is a ref name, else the commit's full id.
 * 1 when rev names nothing (with dep_resolve's message).
 */
int dep_resolve_rev(git_oid *out, char **name, struct dep *d, const char *rev);

/*
 * The source's default branch ("main"), from refs/remotes/origin/HEAD as
 * the last clone or fetch saw it. 1 when unknown.
 */
int dep_default_branch(char **out, struct dep *d);

/* declared_ref, or the default branch when it is NULL. */
int dep_tracked_ref(char **out, struct dep *d, const char *declared_ref);

/* 1 if the dependency's repository has commit, else 0. */
int dep_has_commit(struct dep *d, const git_oid *commit);

/* The commit checked out (HEAD). 1 when there is none. */
int dep_head(git_oid *out, struct dep *d);

/* Whether tracked files in the work tree differ from HEAD (staged or not). */
int dep_is_dirty(int *dirty, struct dep *d);

/*
 * Whether HEAD or a local branch holds commits that no tag and no branch
 * of the source has: work that exists only in this repository.
 */
int dep_unpublished(int *unpublished, struct dep *d);

/*
 * Check the work tree out at commit, forced, with a detached HEAD, as
 * `git submodule update` does. Local changes to tracked files are lost:
 * callers check dep_is_dirty first unless told to force. Untracked files
 * stay. The superproject's index is not touched (see dep_stage_gitlink).
 */
int dep_checkout(struct dep *d, const git_oid *commit);

/*
 * After a move from `from` to `to` and straight back, drop the two HEAD
 * reflog entries they wrote, if they are the newest: an upgrade that was
 * undone leaves no trace in the dependency's reflog, however often it is
 * tried. Anything else in the reflog is left alone.
 */
int dep_forget_round_trip(struct dep *d, const git_oid *from,
			  const git_oid *to);

/* The gitlink recorded for the dependency in idx. 1 when there is none. */
int dep_gitlink(git_oid *out, git_index *idx, const struct dep *d);
/* Record commit as the dependency's gitlink in idx (not written). */
int dep_stage_gitlink(git_index *idx, const struct dep *d,
		      const git_oid *commit);
/* Remove the gitlink from idx (not written); no gitlink is fine. */
int dep_unstage_gitlink(git_index *idx, const struct dep *d);

/*
 * The blob at path in commit's tree. *missing (and 0 returned) when the
 * tree has no such file.
 */
int dep_read_file(struct strbuf *out, int *missing, struct dep *d,
		  const git_oid *commit, const char *path);

/*
 * The dependency's graft.ini at commit, parsed; problems go to diags with
 * the label "<name>@<short id>:graft.ini". No file is an empty config.
 * Returns GRAFT_EFAIL when the file has problems.
 */
int dep_read_config(struct graft_config *cfg, struct diag_list *diags,
		    struct dep *d, const git_oid *commit);
/* The same, labelled "<name>@<ref>:graft.ini" with the ref the user gave. */
int dep_read_config_at(struct graft_config *cfg, struct diag_list *diags,
		       struct dep *d, const git_oid *commit, const char *ref);

struct dep_change {
	const struct graft_change *change; /* points into the config */
	git_oid commit;		/* what its ref resolves to */
};

struct dep_change_list {
	struct dep_change *items;
	size_t nr, alloc;
	/* declared changes whose ref names no commit, in the file's order */
	const struct graft_change **unresolved_changes;
	size_t unresolved, unresolved_alloc;
};

#define DEP_CHANGE_LIST_INIT { NULL, 0, 0, NULL, 0, 0 }

/*
 * The changes cfg declares whose commit lies in from..to (reachable from
 * to, not from from; from may be NULL), oldest first: in topological
 * order, changes on the same commit in the order of the file. A change
 * whose ref is unknown, ambiguous or not a commit goes to unresolved:
 * whether it lies in the range cannot be known.
 */
int dep_changes_between(struct dep_change_list *out, struct dep *d,
			const struct graft_config *cfg, const git_oid *from,
			const git_oid *to);
void dep_change_list_release(struct dep_change_list *list);

/*
 * Register the dependency as an active submodule in the superproject's
 * .git/config (submodule.<name>.url = url, .active = true), as `git
 * submodule add` and `git submodule init` do, so git treats it as one.
 */
int dep_config_register(struct dep *d, const char *url);
/* submodule.<submodule>.url in .git/config; 1 when it is not set. */
int dep_config_url(char **out, struct dep *d);
/* Remove every submodule.<submodule>.* key from .git/config. */
int dep_config_unregister(struct dep *d);

/*
 * Delete the work tree and the dependency's repository (only where they
 * are where git keeps them: under .graft/ and <git dir>/modules/), and
 * .graft/ itself if that leaves it empty. Closes d->repo.
 */
int dep_remove_files(struct dep *d);

#endif
