#ifndef GRAFT_REPO_H
#define GRAFT_REPO_H

#include <git2.h>

/*
 * The repository a command works on, found as git finds it: from the
 * current directory upwards, or from GIT_DIR and GIT_WORK_TREE (which
 * `git --git-dir`, `git --work-tree` and `git -C` turn into the
 * environment and the current directory before running git-graft).
 */
struct graft_repo {
	git_repository *repo;
	char *workdir;		/* absolute, ends in '/'; NULL when bare */
	char *gitdir;		/* per-worktree git dir, ends in '/' */
	char *commondir;	/* shared git dir, ends in '/' */
	char *prefix;		/* cwd relative to workdir: "" or "sub/dir/" */
};

#define GRAFT_REPO_INIT { .repo = NULL }

enum repo_open_flags {
	REPO_NEED_WORKTREE = 1,
};

/*
 * Open the repository. Failures are fatal (GRAFT_EFATAL) with git's
 * wording where git has one, and a specific message and hint for what
 * libgit2 1.5 cannot open (repository extensions, index.skipHash,
 * ownership). The repository's config goes to the config hook as soon
 * as it is read.
 */
int repo_open(struct graft_repo *r, unsigned flags);

/*
 * What repo_open hands a repository's config to, before anything is
 * checked or reported of that repository: the command layer decides
 * colour and hints from it (main() installs output_setup_color). NULL,
 * as until one is installed: nothing.
 */
typedef void (*repo_config_hook_fn)(git_config *cfg);
void repo_set_config_hook(repo_config_hook_fn hook);
void repo_close(struct graft_repo *r);

/*
 * A second handle on the repository of r, with nothing cached: what a
 * restore reads after it put back a configuration the commands changed
 * (libgit2 keeps values such as core.autocrlf once it has read them).
 * The index is the one r uses ($GIT_INDEX_FILE too).
 */
int repo_reopen(struct graft_repo *out, const struct graft_repo *r);

/*
 * The repository nested in r's work tree at path (relative, no trailing
 * '/'): a submodule's checkout or a repository of its own. Its work tree
 * is that directory; the environment (GIT_DIR and the like) is not read.
 */
int repo_open_nested(struct graft_repo *out, const struct graft_repo *r,
		     const char *path);

/* workdir + rel; caller frees. */
char *repo_path(const struct graft_repo *r, const char *rel);
/* gitdir + rel (per-worktree state); caller frees. */
char *repo_git_path(const struct graft_repo *r, const char *rel);

/*
 * Which worktree r is, in the words git's refs use for it:
 * "main-worktree", or "worktrees/<id>" for a linked one ($GIT_COMMON_DIR/
 * worktrees/<id>/ is its git directory). NULL when its git directory is
 * neither. Caller frees.
 */
char *repo_worktree_id(const struct graft_repo *r);

/* Whether id is one repo_worktree_id can return (a hostile one is not). */
int repo_worktree_id_valid(const char *id);

/*
 * The top of the work tree of r's worktree id, as git records it, for
 * messages; NULL when that worktree is gone. Caller frees.
 */
char *repo_worktree_path(const struct graft_repo *r, const char *id);

/*
 * rel (relative to the top of the work tree) as a path from the current
 * directory, the way git prints paths: "../graft.ini" from a subdirectory.
 */
char *repo_display_path(const struct graft_repo *r, const char *rel);

/*
 * Write idx to its file, durably: libgit2 1.5 renames the index into
 * place without a sync, so the file and its directory are fsync'd after
 * (every caller writes it while a snapshot ref still stands, so a power
 * cut before the sync is an interrupted operation, not a lost index).
 */
int repo_write_index(git_index *idx);

/* The index, with a specific message for indexes libgit2 cannot read. */
int repo_index(git_index **out, const struct graft_repo *r);

/*
 * Refuse while git is in the middle of a merge, rebase, cherry-pick,
 * revert, am or bisect: resetting then would destroy that state.
 */
int repo_check_state(const struct graft_repo *r);

#endif
