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

#define GRAFT_REPO_INIT { NULL, NULL, NULL, NULL, NULL }

enum repo_open_flags {
	REPO_NEED_WORKTREE = 1,
};

/*
 * Open the repository. Failures are fatal (GRAFT_EFATAL) with git's
 * wording where git has one, and a specific message and hint for what
 * libgit2 1.5 cannot open (repository extensions, index.skipHash,
 * ownership). Also sets up colour from the repository's config.
 */
int repo_open(struct graft_repo *r, unsigned flags);
void repo_close(struct graft_repo *r);

/* workdir + rel; caller frees. */
char *repo_path(const struct graft_repo *r, const char *rel);
/* gitdir + rel (per-worktree state); caller frees. */
char *repo_git_path(const struct graft_repo *r, const char *rel);

/*
 * rel (relative to the top of the work tree) as a path from the current
 * directory, the way git prints paths: "../graft.ini" from a subdirectory.
 */
char *repo_display_path(const struct graft_repo *r, const char *rel);

/* The index, with a specific message for indexes libgit2 cannot read. */
int repo_index(git_index **out, const struct graft_repo *r);

/*
 * Refuse while git is in the middle of a merge, rebase, cherry-pick,
 * revert, am or bisect: resetting then would destroy that state.
 */
int repo_check_state(const struct graft_repo *r);

#endif
