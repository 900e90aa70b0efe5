#ifndef GRAFT_UPGRADE_H
#define GRAFT_UPGRADE_H

#include <git2.h>

#include "deps/dep_changes.h"
#include "deps/deps.h"
#include "formats/config.h"
#include "ops/commit.h"
#include "ops/project.h"
#include "snapshot/snapshot.h"
#include "strbuf.h"

/*
 * The atomic upgrade of one dependency (docs/design.md): plan it from the
 * target commit's graft.ini, then snapshot, move, run the changes'
 * commands, lock, commit, and delete the snapshot ref; on any failure
 * after the snapshot, go back to it.
 */

struct upgrade_opts {
	const char *to;		/* --to; NULL: the newest commit of the ref */
	int skip_migration;
	int skip_verify;
	int autostash;
	int has_timeout;	/* --timeout given: */
	unsigned timeout;	/* every command's limit instead of its own */
	int quiet;		/* --quiet: the commands' output is not shown */
	int allow_downgrade;	/* to an ancestor of the locked commit, or aside */
	struct commit_options commit;	/* hooks and signing */
	/* a failing migration or verification stops, not restores */
	int stop_on_failure;
	/* the dependency at each change's commit for its commands */
	int stepwise;
	/* a commit for each change, the last one also moving graft.lock */
	int commit_per_change;
};

/* What an upgrade of one dependency would do. */
struct upgrade_plan {
	const char *name;
	const struct graft_dependency *decl;
	struct dep dep;
	char *from_ref, *to_ref;
	git_oid from, to;
	int up_to_date;			/* from == to: nothing to do */
	int downgrade;			/* to is no step forward (see upgrade_plan) */
	struct graft_config target_cfg;	/* graft.ini at the target */
	struct dep_change_list changes;	/* in from..to, oldest first */
};

#define UPGRADE_PLAN_INIT { .dep = DEP_INIT, .target_cfg = GRAFT_CONFIG_INIT, \
			    .changes = DEP_CHANGE_LIST_INIT }

/*
 * Plan the upgrade of name in p: it must be declared, locked and cloned;
 * the target is opts->to or the newest known commit of the ref it
 * tracks, fetched only when unknown; opts->to may use git's revision
 * syntax (v2.0.0^, main~2), and is then recorded as the commit's full
 * id. Every change in the range must resolve: one whose ref names no
 * commit is an error, since whether it lies in the range cannot be told.
 * A target that is no step forward is refused unless
 * opts->allow_downgrade: an ancestor of the locked commit, or one that
 * does not descend from it with no change in between (no migration
 * runs backwards). Changes nothing.
 */
int upgrade_plan(struct upgrade_plan *plan, struct project *p,
		 const char *name, const struct upgrade_opts *opts);
void upgrade_plan_release(struct upgrade_plan *plan);

/* The command name names in the target's graft.ini; NULL for NULL. */
const struct graft_command *upgrade_plan_command(const struct upgrade_plan *plan,
						  const char *name);

/*
 * With --stepwise, where the dependency is for change i's commands: at
 * its commit, but the last change's at the target, where the upgrade
 * ends.
 */
const git_oid *upgrade_step_commit(const struct upgrade_plan *plan, size_t i);
const char *upgrade_step_ref(const struct upgrade_plan *plan, size_t i);

/*
 * The subject of the upgrade's commit, or with i, of the commit of
 * change *i of a series (--commit-per-change), in sb.
 */
const char *upgrade_commit_subject(struct strbuf *sb,
				   const struct upgrade_plan *plan,
				   const size_t *i);

struct upgrade_outcome {
	int committed;		/* commit is the upgrade's commit */
	git_oid commit;		/* (the last one, of a series) */
	size_t commits;		/* how many it made */
	int stash_kept;		/* --autostash: the changes stayed in the stash */
	int stopped;		/* --stop-on-failure: it stopped (upgrade_state.h) */
};

/*
 * Carry the plan out; p was opened with PROJECT_MUTATE. Returns 0 once
 * committed (or when up to date); otherwise everything is as it was and
 * the error says what failed: GRAFT_EFAIL, or GRAFT_EHUP, GRAFT_EINT,
 * GRAFT_EQUIT or GRAFT_ETERM when that signal stopped it. GRAFT_EROLLBACK
 * when going back failed too: the snapshot ref is then kept for `git
 * graft rollback`.
 *
 * With opts->stop_on_failure, a migration or verification that fails
 * (exits non-zero, is killed, runs past its timeout) stops the upgrade
 * instead: the repository stays as the command left it, the snapshot ref
 * stays, and the stop is recorded (upgrade_state.h); GRAFT_EFAIL with
 * out->stopped set and hints to go on. Anything else (an interrupt, a
 * write, the commit) goes back to the snapshot as without it.
 */
int upgrade_run(struct upgrade_outcome *out, struct project *p,
		struct upgrade_plan *plan, const struct upgrade_opts *opts);

struct upgrade_state;

/*
 * The plan of the upgrade st stopped: its range and changes, read again
 * from the target's graft.ini; they must be those it stopped in.
 */
int upgrade_plan_resume(struct upgrade_plan *plan, struct project *p,
			const struct upgrade_state *st);

/* What `upgrade --continue` and `--skip` do with a stopped upgrade. */
enum upgrade_resume_how {
	/* run the stopped change's verification, then the changes after it */
	UPGRADE_CONTINUE,
	/* leave the rest of the stopped change out (Graft-Skipped), go on */
	UPGRADE_SKIP,
};

/*
 * Go on with the upgrade st stopped, planned by upgrade_plan_resume, and
 * commit it as upgrade_run does; p was opened with PROJECT_RESUME, opts
 * are st's. Refused, with nothing changed and the upgrade still stopped,
 * when HEAD or the dependency's checkout moved since it stopped or the
 * index has unmerged paths. From then on it goes as upgrade_run:
 * committed, stopped again, or back to the snapshot; if git-graft dies
 * meanwhile, it is an interrupted upgrade.
 */
int upgrade_resume(struct upgrade_outcome *out, struct project *p,
		   struct upgrade_plan *plan, const struct upgrade_opts *opts,
		   struct upgrade_state *st, enum upgrade_resume_how how);

#endif
