#ifndef GRAFT_SNAPSHOT_H
#define GRAFT_SNAPSHOT_H

#include <stddef.h>
#include <time.h>

#include <git2.h>

#include "pathlist.h"
#include "repo.h"
#include "snapshot/scan.h"
#include "snapshot/snapshot_meta.h"

/*
 * Snapshots: the whole state of a repository, kept in git objects under
 * refs/graft/snapshots/<dep> before an upgrade changes anything, and put
 * back exactly when it fails (docs/design.md).
 *
 * Layout. Four commits, after git stash's:
 *
 *   W  the snapshot, target of the ref; parents HEAD, I, A and M. Its
 *      tree is the work tree as git sees it: every tracked file as it is
 *      on disk (deleted ones absent, modes and symlinks as git records
 *      them; a skip-worktree or assume-unchanged file as it is on disk
 *      too) and every untracked, not ignored, file. Gitlinks keep their
 *      index value: nested repositories have snapshots of their own.
 *   I  parent HEAD; its tree is the index (`git write-tree`: staged
 *      content, modes, gitlinks; intent-to-add entries left out, as git
 *      leaves them out of every tree).
 *   A  parent HEAD; a tree listing the intent-to-add (`git add -N`)
 *      entries as empty blobs with their modes (the empty tree if none).
 *   M  no parent; what a tree cannot hold (snapshot_meta.h): "records",
 *      "gitdir/config", "gitdir/info/exclude" and "gitdir/info/attributes"
 *      as they were, and under "raw/" the bytes of every file W holds
 *      through a filter that would not give them back as they were.
 *
 * A repository nested in the work tree (a submodule's checkout, the
 * dependency's included, or an untracked repository of its own) gets
 * the same four commits in its own object database, with no ref; W's
 * records name it (META_NESTED). When its HEAD has no commit yet, its W,
 * I and A have no HEAD parent.
 *
 * W's message records what the snapshot is for, in trailers:
 *
 *   graft: snapshot before upgrading meta-kb v1.5.0 -> v2.0.0
 *
 *   Graft-Snapshot: 2
 *   Graft-Dependency: meta-kb
 *   Graft-From: v1.5.0 <40-hex commit>
 *   Graft-To: v2.0.0 <40-hex commit>
 *   Graft-Head: refs/heads/main          ("(detached)" when detached)
 *   Graft-Time: 2026-01-31T10:30:00Z
 *   Graft-Pid: 4242
 *
 * An attempt (SNAPSHOT_ATTEMPT) is the same, taken of what a failed
 * upgrade left, before it is put back, under refs/graft/attempts/<dep>:
 * its first parent is HEAD as the upgrade left it, and a fifth parent
 * the snapshot it started from (`git diff <W> refs/graft/attempts/<dep>`
 * shows what the attempt changed); Graft-Kind: attempt.
 *
 * What is not kept: ignored files (out of scope by design; but a
 * dependency's own ignored files are listed, so that what a failed
 * upgrade adds there goes), sockets and devices, the history of nested
 * repositories (their objects stay where they are), and anything in the
 * git directory but the index, HEAD, its branch, config, info/exclude and
 * info/attributes.
 */

#define SNAPSHOT_REF_PREFIX "refs/graft/snapshots/"
#define ATTEMPT_REF_PREFIX "refs/graft/attempts/"

enum snapshot_kind {
	SNAPSHOT_BEFORE,	/* refs/graft/snapshots/<dep> */
	SNAPSHOT_ATTEMPT,	/* refs/graft/attempts/<dep> */
};

/* What an upgrade tells snapshot_create; strings must be single lines. */
struct snapshot_spec {
	const char *dep;
	const char *from_ref;
	git_oid from;
	const char *to_ref;
	git_oid to;
	const git_signature *sig;	/* author and committer of the commits;
					 * required (see ident_resolve) */
	const char *dep_path;		/* the dependency's checkout (".graft/<dep>"),
					 * whose ignored files are listed too */
	enum snapshot_kind kind;
	/* SNAPSHOT_ATTEMPT: the snapshot it was taken after */
	const struct snapshot *before;
	/*
	 * SNAPSHOT_ATTEMPT: what a watch (watch.h) saw change since the
	 * snapshot's scan, or NULL. Then only those paths (and those whose
	 * index entry changed) are read; the rest is as the snapshot had it,
	 * nested repositories in which nothing changed too.
	 */
	const struct path_list *changed;
	/*
	 * SNAPSHOT_BEFORE: the watch the caller's scan started, or NULL:
	 * nested repositories are scanned into it as well (their work trees
	 * and git directories), so that it sees what changes in them too.
	 */
	struct watch *watch;
};

struct snapshot {
	int format;		/* 1 (no M, no nested snapshots) or 2 */
	char *dep;
	char *from_ref, *to_ref;
	git_oid from, to;	/* zero when the message named none */
	char *head_ref;		/* branch HEAD was on; NULL when detached */
	git_oid head;		/* the commit HEAD was at; zero when unborn */
	git_oid commit;		/* W, what the ref points at */
	git_oid index_tree;	/* I's tree */
	git_oid worktree_tree;	/* W's tree */
	git_oid ita_tree;	/* A's tree; zero when there was none */
	git_oid meta_tree;	/* M's tree; zero in format 1 */
	time_t time;
	long pid;
	/*
	 * The worktree it was taken in (repo_worktree_id): only there may it
	 * be restored. NULL when taken by a version that did not say.
	 */
	char *worktree;
	/*
	 * Whether the work tree had a .gitattributes the index does not
	 * hold: from the scan a snapshot was taken from; always set for one
	 * read back, which cannot tell.
	 */
	int attributes_seen;
};

#define SNAPSHOT_INIT { .format = 0 }

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
 * Take the snapshot for spec->dep (or the attempt, by spec->kind) and
 * create its ref. Touches neither the work tree nor the index file. scan
 * is a scan_worktree(SCAN_DETAILS) of the current state the caller
 * already made (it decides with it whether the tree is clean enough to
 * upgrade); NULL scans here.
 *
 * Refused: a repository without a work tree, an unborn HEAD, a merge,
 * rebase or other git operation in progress, index conflicts (in a
 * nested repository too), an existing snapshot ref for the dependency.
 *
 * Crash safety: every object, those of nested repositories first, is
 * written and fsync'd (as one pack when there are many: one fsync
 * instead of thousands), with the directories that hold them; then the
 * ref's directories and reflog, then the ref itself, each fsync'd. Until
 * the ref exists nothing refers to the new objects; on any failure there
 * is no ref and no reflog, only unreachable objects for gc. When this
 * returns 0 the snapshot is durable and the work tree may be touched.
 *
 * Cost: one scan of the work tree (what `git status` sees, plus the
 * permission bits its stat calls return), one of each nested repository,
 * the index's tree (the cache tree makes it cheap) and objects for what
 * is modified or untracked; trees are rebuilt only along the paths that
 * changed.
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

/*
 * The snapshot of a nested repository r (snapshot.h), whose W is id in
 * r's object database; 0, or an error.
 */
int snapshot_read_nested(struct snapshot *out, const struct graft_repo *r,
			 const git_oid *id);

/*
 * The blob at path in M's tree (SNAPSHOT_GITDIR_PREFIX "config", say),
 * into out; *missing and 0 when there is none.
 */
int snapshot_meta_blob(git_buf *out, int *missing, const struct graft_repo *r,
		       const struct snapshot *snap, const char *path);

/* M's records, or none for a format 1 snapshot. */
int snapshot_read_meta(struct meta_list *out, const struct graft_repo *r,
		       const struct snapshot *snap);

/*
 * Delete the snapshot's ref and its reflog, refusing (GRAFT_EFATAL) if
 * the ref no longer points at snap->commit.
 */
int snapshot_delete_ref(const struct graft_repo *r,
			const struct snapshot *snap);

/*
 * Whether snap was taken in r's worktree (or by a version that did not
 * say where): a snapshot is restored, or found committed, only there.
 */
int snapshot_taken_here(const struct snapshot *snap,
			const struct graft_repo *r);

/*
 * Where the worktree snap was taken in is, for messages: its path, or
 * NULL when it is gone (or unknown). Caller frees.
 */
char *snapshot_worktree_path(const struct snapshot *snap,
			     const struct graft_repo *r);

/*
 * Whether the upgrade the snapshot was taken for was in fact committed
 * (a crash after the commit, before the ref was deleted): HEAD is a
 * commit whose first parent is snap->head and whose trailers say
 * "Graft-Action: upgrade" (or "rollback": undoing a committed upgrade
 * works on a snapshot too) and "Graft-Dependency: <snap->dep>"; or, for
 * an upgrade made one commit per change, HEAD is the last commit of the
 * series (Graft-Series n/n) and the first parent of its first commit is
 * snap->head: a series cut short is not committed. Then the caller only
 * deletes the stale ref. Sets *committed to 0 or 1.
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
/* "refs/graft/attempts/<dep>"; caller frees. */
char *snapshot_attempt_ref_name(const char *dep);

void snapshot_release(struct snapshot *snap);

#endif
