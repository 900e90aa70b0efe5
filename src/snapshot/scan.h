#ifndef GRAFT_SCAN_H
#define GRAFT_SCAN_H

#include <stddef.h>

#include <git2.h>

#include "pathlist.h"
#include "repo.h"

/*
 * What `git status --porcelain=v2 -uall --ignore-submodules=all
 * --no-renames` sees: every path whose index entry differs from HEAD or
 * whose work tree file differs from its index entry, and every
 * untracked, not ignored, file. It is worked out the way git does it,
 * on libgit2's index, trees and ignore rules:
 *
 *   - work tree against index: each entry's lstat data is compared with
 *     the stat data the index recorded (as core.fileMode, core.symlinks,
 *     core.trustCtime and core.checkStat say); only a file whose stat
 *     data differs without telling for sure, or that is racily clean
 *     (modified no earlier than the index file was), is read and hashed
 *     through its clean filters. Entries flagged assume-unchanged or
 *     skip-worktree are taken as unchanged, as in git.
 *   - index against HEAD: the tree of the index (cheap where its cache
 *     tree is valid) against HEAD's tree, skipping identical subtrees.
 *   - untracked files: the work tree's directories are read, `.git`
 *     left out; what the index does not hold is checked against the
 *     ignore rules (.gitignore files, .git/info/exclude,
 *     core.excludesFile), directories before what they hold, so that an
 *     ignored directory is never entered and a file in it is never
 *     re-included. An untracked directory holding a repository is one
 *     entry, "path/", and is not entered.
 *
 * Submodules are not looked into (--ignore-submodules=all): a gitlink
 * is reported only when it replaced a file or a file replaced it in the
 * index. Paths are compared bytewise (core.ignoreCase is not honoured),
 * and no fsmonitor or untracked cache is used. Files are hashed through
 * the filters libgit2 knows (core.autocrlf, text, eol, ident), not
 * through external filter drivers such as git-lfs's: a file behind one
 * whose stat data changed is reported as modified.
 *
 * The index file is never written, however stale its stat data. Like
 * `git write-tree`, the scan writes the trees of the directories whose
 * cache tree is out of date (those with staged changes) to the object
 * database; they are the trees scan_index_tree() then returns at once.
 */

struct scan_entry {
	char *path;		/* an untracked nested repository ends in '/' */
	char staged;		/* porcelain v2 X: index against HEAD, '.' same */
	char unstaged;		/* porcelain v2 Y: work tree against index */
	unsigned index_mode;	/* porcelain v2 mI (0 when not in the index) */
	unsigned worktree_mode;	/* porcelain v2 mW (0 when gone from the work tree) */
	unsigned long ino;	/* an untracked file's inode number, else 0 */
};

/*
 * Both staged and unstaged are '?' for an untracked file, which has no
 * modes. A path can be listed twice: removed from the index ('D', '.')
 * and untracked ('?'), in that order. A conflicted path has git's two
 * letters for its stages ("UU", "AU", "DU", ...) and the mode of stage 2.
 * An intent-to-add entry (`git add -N`) has unstaged 'A' and index mode
 * 0, or unstaged 'D' and its mode when its file is gone.
 */
#define SCAN_UNTRACKED '?'

/*
 * What a scan with SCAN_DETAILS finds besides what git status shows: the
 * rest of the state a snapshot keeps and a restore puts back.
 */
enum scan_item_kind {
	/* a file or directory whose permission bits are not git's default
	 * for it (0666 or 0777 less the umask): tracked files and every
	 * directory walked; untracked files are the snapshot's to stat */
	SCAN_PERMS,
	/* a directory that holds nothing, not ignored */
	SCAN_EMPTY_DIR,
	/* an untracked, not ignored FIFO, socket or device */
	SCAN_SPECIAL,
	/* a repository of its own: a submodule's checkout (a gitlink whose
	 * directory holds .git) or an untracked nested repository */
	SCAN_NESTED,
	/* an index entry flagged skip-worktree or assume-unchanged, which
	 * git status never looks at; state: '.' its stat data matches the
	 * index, 'M' it may differ, 'D' no file there */
	SCAN_FLAGGED,
	/* a .gitignore or .gitattributes that the ignore rules hide */
	SCAN_HIDDEN_RULES,
	/* an ignored file or directory ("path/"), in a directory that is not
	 * ignored; with SCAN_IGNORED_ALL every ignored file, however deep */
	SCAN_IGNORED,
};

struct scan_item {
	char *path;
	enum scan_item_kind kind;
	unsigned mode;		/* st_mode: type and permission bits */
	unsigned flags;		/* SCAN_FLAGGED: SCAN_SKIP_WORKTREE, SCAN_ASSUME_UNCHANGED */
	char state;		/* SCAN_FLAGGED */
	unsigned long ino;	/* SCAN_IGNORED, SCAN_NESTED */
	long long size, mtime_ns;	/* SCAN_IGNORED */
};

#define SCAN_SKIP_WORKTREE 1u
#define SCAN_ASSUME_UNCHANGED 2u

struct scan {
	struct scan_entry *entries;	/* sorted by path, bytewise */
	size_t nr, alloc;
	size_t staged;		/* index differs from HEAD */
	size_t unstaged;	/* work tree differs from index */
	size_t untracked;
	size_t conflicted;
	size_t intent_to_add;	/* `git add -N` entries (unstaged 'A') */
	struct scan_item *items;	/* SCAN_DETAILS; sorted by path, kind */
	size_t items_nr, items_alloc;
	/* the walk met a .gitattributes the index does not hold */
	int attributes_seen;
};

#define SCAN_INIT { .entries = NULL }

enum scan_flags {
	SCAN_DETAILS = 1,	/* collect the items above */
	SCAN_IGNORED_ALL = 2,	/* and every ignored file (a dependency's tree) */
	/*
	 * scan_worktree_paths: no .gitattributes the index does not hold
	 * lies outside the paths (an earlier full scan said so), so that
	 * where no filter can apply files are hashed as they are.
	 */
	SCAN_NO_OTHER_ATTRIBUTES = 4,
};

/*
 * Scan r's work tree, index and HEAD. The index is the repository's own
 * git_index, read again first if its file changed (and emptied if it is
 * gone), so that a scan and a following scan_index_tree() read it once.
 * flags: enum scan_flags.
 */
int scan_worktree(struct scan *out, const struct graft_repo *r, unsigned flags);

struct watch;
/*
 * scan_worktree, adding each directory it reads to watch (watch.h) before
 * it reads it: from then on what changes in the tree is watched.
 */
int scan_worktree_watched(struct scan *out, const struct graft_repo *r,
			  unsigned flags, struct watch *watch);

/*
 * What scan_worktree would report of paths (sorted, relative, a
 * directory without a trailing '/') and of everything below those that
 * are directories, and nothing of the rest, which is taken to be as it
 * was: neither its staged nor its unstaged changes are reported, nor
 * (with SCAN_DETAILS) its items: permission bits, flagged entries,
 * empty directories. For the paths a
 * watch (watch.h) says changed, this is what a full scan would say they
 * are, at a cost in proportion to them.
 */
int scan_worktree_paths(struct scan *out, const struct graft_repo *r,
			unsigned flags, const struct path_list *paths);
void scan_release(struct scan *s);

static inline int scan_entry_untracked(const struct scan_entry *e)
{
	return e->staged == SCAN_UNTRACKED;
}

/* The index file: $GIT_INDEX_FILE (made absolute) or <gitdir>/index. */
char *scan_index_path(const struct graft_repo *r);

/*
 * The tree of the index as `git write-tree` makes it: intent-to-add
 * entries left out, as git leaves them out of every tree. Where the
 * index's cache tree is valid it gives the tree at once; other trees are
 * written to the object database. The index file is not written. Fails
 * with libgit2's message when the index has conflicts or cannot be read.
 * A missing index gives the empty tree.
 */
int scan_index_tree(git_oid *out, const struct graft_repo *r);
/* The same with the conflicted paths left out (their stages are no tree). */
int scan_index_tree_resolved(git_oid *out, const struct graft_repo *r);

#endif
