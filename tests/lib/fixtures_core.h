#ifndef GRAFT_TEST_FIXTURES_CORE_H
#define GRAFT_TEST_FIXTURES_CORE_H

/*
 * Fixtures for tests that must prove a repository came back exactly as it
 * was: a textual capture of its complete state, a repository holding
 * every kind of state a snapshot must keep, and the changes a migration
 * could make to it.
 */

#include "repo.h"

/*
 * Everything about the repository at dir that an upgrade could change,
 * as text that compares equal exactly when the states are the same:
 *
 *   HEAD          what .git/HEAD says (the branch, or the commit)
 *   refs          every ref and its target, but refs/graft/
 *   index         `git ls-files -s` (mode, blob, stage, path)
 *   flags         `git ls-files -v` for entries flagged skip-worktree or
 *                 assume-unchanged
 *   status        `git status --porcelain=v2 -uall --ignored`: staged and
 *                 unstaged changes, intent-to-add entries, untracked and
 *                 ignored files
 *   files         every directory, file and symlink under dir but .git:
 *                 type, permission bits, content hash or link target,
 *                 path (control and non-ASCII bytes escaped); nested
 *                 repositories' files too, but not their .git
 *   git dir       config, info/exclude and info/attributes
 *
 * Caller frees.
 */
char *repo_state(const char *dir);

/* Only the "files" part of repo_state, for the tree under dir. */
char *worktree_state(const char *dir);

/*
 * A repository at <tmp>/<name> (returned, caller frees) on branch main,
 * with a few commits and then, uncommitted: a change both staged and
 * edited again, unstaged edits, a staged new file, an intent-to-add file,
 * a deleted tracked file, a file removed from the index but kept, an
 * executable bit changed, a retargeted symlink, untracked files (one
 * executable, one a symlink, some in new nested directories), ignored
 * files (one inside an untracked directory), an ignored directory, an
 * empty directory, and paths with spaces, a newline and a non-UTF-8 byte.
 */
char *make_messy_repo(const char *name);

/*
 * What a migration could do to a messy repository: edit, delete and
 * create tracked and untracked files, create nested directories, flip
 * executable bits, replace a file by a directory and a directory by a
 * file, a symlink by a file, change .gitignore, stage some of it and
 * commit, moving the branch.
 */
void mutate_like_migration(const char *dir);

/*
 * git_libgit2_init(), then point libgit2's global, XDG and system config
 * at the test's HOME: in a test process libgit2 may have settled on the
 * real home directory before the harness changed HOME.
 */
void fixture_libgit2_init(void);

/* chdir into dir and open it as the repository of a command. */
void open_fixture_repo(struct graft_repo *r, const char *dir);

/* A file's whole content (may hold NUL bytes); *len set. Caller frees. */
char *read_file_len(const char *path, size_t *len);

#endif
