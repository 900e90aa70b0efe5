#ifndef GRAFT_UPGRADE_STATE_H
#define GRAFT_UPGRADE_STATE_H

#include <stddef.h>

#include <git2.h>

#include "formats/trailers.h"
#include "repo.h"
#include "snapshot/prior.h"

/*
 * A stopped upgrade (`upgrade --stop-on-failure`): what `upgrade
 * --continue`, `--skip` and `--abort` need, kept in the per-worktree git
 * directory as $GIT_DIR/graft/stopped while the repository stays as the
 * failing command left it. The snapshot ref stays too: until the upgrade
 * is committed or aborted, it is what everything goes back to.
 *
 * The file is written atomically (fileio.h) and holds records "<key>
 * <value>" each ended by a NUL byte, so that a value (a path, a message)
 * may hold any other byte. It is the whole truth about the upgrade but
 * for what git holds (the snapshot, the commits of a series, the stash):
 * --continue rebuilds from it what the upgrade had in memory, among it
 * the files that were there before the upgrade, which its commits never
 * take, by path and inode as prior.h tells them.
 *
 * While `upgrade --continue` runs, the file names its pid: should it die,
 * the upgrade is an interrupted one, which `git graft rollback` (or
 * --abort) puts back; it is not continued, since what the dead run did
 * half-way cannot be told.
 */

#define UPGRADE_STATE_FILE "graft/stopped"

enum upgrade_step {
	UPGRADE_STEP_MIGRATION,
	UPGRADE_STEP_VERIFY,
};

struct upgrade_state {
	char *dep;
	git_oid snapshot;	/* W of refs/graft/snapshots/<dep> */
	char *from_ref, *to_ref;
	git_oid from, to;
	int downgrade;
	size_t change;		/* which change stopped, from 0... */
	size_t changes;		/* ...of how many */
	char *change_ref;
	enum upgrade_step step;	/* which of its commands */
	char *command;		/* that command's name */
	char *failure;		/* the message it failed with */

	/* the options the upgrade runs with */
	int skip_migration, skip_verify, stepwise, commit_per_change;
	int has_timeout;
	unsigned timeout;
	int no_verify, gpg_sign;	/* as struct commit_options */
	char *gpg_key;

	int stashed;		/* --autostash: the stash entry it made */
	git_oid stash;
	/* the commands left out so far, for the commit's trailers */
	struct graft_skipped *skipped;
	size_t skipped_nr, skipped_alloc;
	git_oid head;		/* HEAD: the snapshot's, or the newest commit
				 * of the series made so far */
	size_t committed;	/* commits of the series made so far */
	git_oid dep_at;		/* where .graft/<dep> is checked out */
	struct prior_files prior;
	long pid;		/* the git-graft continuing it; 0: stopped */
};

#define UPGRADE_STATE_INIT { .prior = PRIOR_FILES_INIT }

/* Write (or replace) r's stop state. */
int upgrade_state_write(const struct graft_repo *r,
			const struct upgrade_state *st);

/* r's stop state: 0, 1 when there is none, or an error naming the file. */
int upgrade_state_read(struct upgrade_state *out, const struct graft_repo *r);

/*
 * The stop state for dep's snapshot W in any worktree of r (this one
 * first): 0 and *here set (1: in r's worktree), or 1 when none is. A
 * state that cannot be read is none, with a warning.
 */
int upgrade_state_find(struct upgrade_state *out, int *here,
		       const struct graft_repo *r, const char *dep,
		       const git_oid *snapshot);

/* Remove r's stop state, durably; none is fine. */
int upgrade_state_remove(const struct graft_repo *r);

/*
 * Forget, with a warning, a stop state whose snapshot ref is gone or is
 * another snapshot's: what it would continue is not there any more.
 */
int upgrade_state_clear_stale(const struct graft_repo *r);

/* "migration" or "verification" */
const char *upgrade_step_name(enum upgrade_step step);

void upgrade_state_release(struct upgrade_state *st);

#endif
