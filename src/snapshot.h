#ifndef GRAFT_SNAPSHOT_H
#define GRAFT_SNAPSHOT_H

#include <stddef.h>
#include <time.h>

#include <git2.h>

#include "repo.h"
#include "scan.h"

/*
 * Snapshots: the whole state of a repository, kept in git objects under
 * refs/graft/snapshots/<dep> before an upgrade changes anything, and put
 * back exactly when it fails (DESIGN §4).
 *
 * Layout. Three commits, after git stash's:
 *
 *   W  the snapshot, target of the ref; parents HEAD, I and, only when
 *      the index has intent-to-add entries, A. Its tree is the work tree
 *      as git sees it: every tracked file as it is on disk (deleted ones
 *      absent, modes and symlinks as git records them) and every
 *      untracked, not ignored, file. Gitlinks keep their index value:
 *      submodules are never looked into.
 *   I  parent HEAD; its tree is the index (`git write-tree`: staged
 *      content, modes, gitlinks; intent-to-add entries left out, as git
 *      leaves them out of every tree).
 *   A  parent HEAD; a tree listing the intent-to-add (`git add -N`)
 *      entries as empty blobs with their modes.
 *
 * W's message records what the snapshot is for, in trailers:
 *
 *   graft: snapshot before upgrading meta-kb v1.5.0 -> v2.0.0
 *
 *   Graft-Snapshot: 1
 *   Graft-Dependency: meta-kb
 *   Graft-From: v1.5.0 <40-hex commit>
 *   Graft-To: v2.0.0 <40-hex commit>
 *   Graft-Head: refs/heads/main          ("(detached)" when detached)
 *   Graft-Time: 2026-01-31T10:30:00Z
 *   Graft-Pid: 4242
 *
 * What is not kept: ignored files (out of git's view, and out of scope
 * by design), empty directories (git does not see them: an empty one the
 * upgrade makes stays, an empty one it fills goes with what it put
 * there), untracked nested repositories (never removed either), the
 * contents of submodules (.graft/<dep> is the dependency module's to move
 * back), and index flags other than intent-to-add (skip-worktree,
 * assume-unchanged) on entries the upgrade changed.
 */

/* What an upgrade tells snapshot_create; strings must be single lines. */
struct snapshot_spec {
	const char *dep;
	const char *from_ref;
	git_oid from;
	const char *to_ref;
	git_oid to;
	const git_signature *sig;	/* author and committer of W, I, A;
					 * required (see ident_resolve) */
};

struct snapshot {
	char *dep;
	char *from_ref, *to_ref;
	git_oid from, to;	/* zero when the message named none */
	char *head_ref;		/* branch HEAD was on; NULL when detached */
	git_oid head;		/* the commit HEAD was at (W's first parent) */
	git_oid commit;		/* W, what the ref points at */
	git_oid index_tree;	/* I's tree */
	git_oid worktree_tree;	/* W's tree */
	git_oid ita_tree;	/* A's tree; zero when there was none */
	time_t time;
	long pid;
};

#define SNAPSHOT_INIT { NULL, NULL, NULL, {{0}}, {{0}}, NULL, {{0}}, {{0}}, \
			{{0}}, {{0}}, {{0}}, 0, 0 }

/*
 * Refuse (GRAFT_EFAIL, naming the file) an untracked file of scan larger
 * than graft.snapshotMaxFileSize (default 100 MiB; 0: no limit). Keeping
 * one means compressing all of it into .git before anything may start:
 * for a disk image or a dump left in the work tree, minutes and
 * gigabytes. It is refused rather than left out of the snapshot and lost
 * to a restore. command ("upgrade", "rollback") is for the hint.
 */
int snapshot_check_sizes(const struct graft_repo *r, const struct scan *scan,
			 const char *command);

/*
 * Take the snapshot for spec->dep and create its ref. Touches neither the
 * work tree nor the index file. scan is a scan_worktree() of the current
 * state the caller already made (it decides with it whether the tree is
 * clean enough to upgrade); NULL scans here.
 *
 * Refused: a repository without a work tree, an unborn HEAD, a merge,
 * rebase or other git operation in progress, index conflicts, an
 * existing snapshot ref for the dependency.
 *
 * Crash safety: every object is written and fsync'd first (as one pack
 * when there are many: one fsync instead of thousands), then the ref's
 * reflog is created, then the ref itself (fsync'd). Until the ref exists
 * nothing refers to the new objects; on any failure there is no ref and
 * no reflog, only unreachable objects for gc. When this returns 0 the
 * snapshot is durable and the work tree may be touched. libgit2's fsync
 * of objects, refs and the index stays on for the rest of the process:
 * whatever an upgrade writes after its snapshot must be as durable.
 *
 * Cost: one scan of the work tree (what `git status` sees), the index's
 * tree (the cache tree makes it cheap) and objects for what is modified
 * or untracked; trees are rebuilt only along the paths that changed.
 */
int snapshot_create(struct snapshot *out, const struct graft_repo *r,
		    const struct snapshot_spec *spec, const struct scan *scan);

/*
 * The pending snapshot of dep, from its ref and W's message. Returns 0,
 * 1 when dep has no snapshot ref, or a negative error (including a ref
 * that does not point at a snapshot this version can read).
 */
int snapshot_read(struct snapshot *out, const struct graft_repo *r,
		  const char *dep);

/* What snapshot_restore changed (for messages, tests and the benchmark). */
struct snapshot_restore_stats {
	int refs_moved;		/* HEAD or its branch had to be moved back */
	int index_rewritten;	/* the index file was written */
	int index_rebuilt;	/* ...from scratch: it was missing or unreadable */
	size_t written;		/* work tree files written */
	size_t removed;		/* work tree files removed */
};

/*
 * Put the repository back to the snapshot: HEAD and its branch, the index
 * (entries, modes, intent-to-add), every tracked and untracked file and
 * its mode as in W; files that are not in W and not ignored are removed,
 * and so are the directories that leaves empty. Ignored files stay as
 * they are, unless a path the snapshot needs runs through them (a file
 * that became a directory holding ignored files gives way to the file).
 * Submodule work trees (.graft/<dep>) are not touched; their gitlinks in
 * the index are restored. A merge, rebase or the like the upgrade left in
 * progress is forgotten (there was none at snapshot time); nothing here
 * resets. Refs other than HEAD and its branch are left as they are.
 *
 * Only paths that differ are touched: cost is a work tree scan and the
 * index's tree (cheap from the cache tree), plus what the upgrade changed
 * and what was dirty or untracked at snapshot time. The index is loaded
 * and written only when it differs (rebuilt from I when it was deleted,
 * is unreadable or has conflicts). Files are replaced by rename, never
 * half-written, and what was written (files, the directories whose
 * entries changed, the index, moved refs) is fsync'd before this
 * returns. It can be run again after a crash: the ref is the caller's to
 * delete (snapshot_delete_ref) once this succeeded. stats may be NULL.
 */
int snapshot_restore(const struct graft_repo *r, const struct snapshot *snap,
		     struct snapshot_restore_stats *stats);

/*
 * Delete the snapshot's ref and its reflog, refusing (GRAFT_EFATAL) if
 * the ref no longer points at snap->commit.
 */
int snapshot_delete_ref(const struct graft_repo *r,
			const struct snapshot *snap);

/*
 * Whether the upgrade the snapshot was taken for was in fact committed
 * (a crash after the commit, before the ref was deleted): HEAD is a
 * commit whose first parent is snap->head and whose trailers say
 * "Graft-Action: upgrade" (or "rollback": undoing a committed upgrade
 * works on a snapshot too) and "Graft-Dependency: <snap->dep>". Then the
 * caller only deletes the stale ref. Sets *committed to 0 or 1.
 */
int snapshot_is_committed(int *committed, const struct graft_repo *r,
			  const struct snapshot *snap);

/*
 * The gitlink the snapshot's index recorded at path (the dependency's
 * commit before the upgrade): 0 and *out set, 1 when path is not a
 * gitlink there, or a negative error.
 */
int snapshot_gitlink(git_oid *out, const struct graft_repo *r,
		     const struct snapshot *snap, const char *path);

/* "refs/graft/snapshots/<dep>"; caller frees. */
char *snapshot_ref_name(const char *dep);

void snapshot_release(struct snapshot *snap);

#endif
