#ifndef GRAFT_SCAN_H
#define GRAFT_SCAN_H

#include <stddef.h>

#include <git2.h>

#include "repo.h"
#include "strbuf.h"

/*
 * What `git status` sees: every path whose index entry differs from HEAD
 * or whose work tree file differs from the index, and every untracked,
 * not ignored, file. It is read from `git status --porcelain=v2 -z`
 * rather than libgit2's status: git compares stat data on two threads,
 * honours the untracked cache and fsmonitor, and does it in a third less
 * time on large trees (libgit2 1.5 also needs a tenth of a second just to
 * load a 100,000-entry index). The scan writes nothing: no index refresh
 * (--no-optional-locks).
 *
 * Submodules are not looked into (--ignore-submodules=all): a gitlink is
 * never reported, whatever its checkout holds.
 */

struct scan_entry {
	char *path;		/* an untracked nested repository ends in '/' */
	char staged;		/* porcelain v2 X: index against HEAD, '.' same */
	char unstaged;		/* porcelain v2 Y: work tree against index */
	unsigned index_mode;	/* 0 when not in the index */
	unsigned worktree_mode;	/* 0 when gone from the work tree */
};

/*
 * Both staged and unstaged are '?' for an untracked file. A path can be
 * listed twice: removed from the index ('D', '.') and untracked ('?').
 */
#define SCAN_UNTRACKED '?'

struct scan {
	struct scan_entry *entries;	/* sorted by path, bytewise */
	size_t nr, alloc;
	size_t staged;		/* index differs from HEAD */
	size_t unstaged;	/* work tree differs from index */
	size_t untracked;
	size_t conflicted;
	size_t intent_to_add;	/* `git add -N` entries (unstaged 'A') */
};

#define SCAN_INIT { NULL, 0, 0, 0, 0, 0, 0, 0 }

int scan_worktree(struct scan *out, const struct graft_repo *r);
void scan_release(struct scan *s);


static inline int scan_entry_untracked(const struct scan_entry *e)
{
	return e->staged == SCAN_UNTRACKED;
}

/* The index file: $GIT_INDEX_FILE (made absolute) or <gitdir>/index. */
char *scan_index_path(const struct graft_repo *r);

/*
 * The tree of the index as `git write-tree` makes it (intent-to-add
 * entries left out; the cache tree makes it cheap), without touching the
 * index file: git writes its refreshed cache tree into a copy. Fails with
 * git's message when the index has conflicts or cannot be read. A missing
 * index gives the empty tree.
 */
int scan_index_tree(git_oid *out, const struct graft_repo *r);

/*
 * Run `git <args>` on r's git dir and work tree (from the top of the work
 * tree), with the extra environment env ("NAME=value", NULL-terminated or
 * NULL), and collect its stdout in out.
 */
int scan_run_git(const struct graft_repo *r, const char *const *args,
		 const char *const *env, struct strbuf *out);

#endif
