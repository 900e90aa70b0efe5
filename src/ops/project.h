#ifndef GRAFT_PROJECT_H
#define GRAFT_PROJECT_H

#include <git2.h>

#include "fileedit.h"
#include "formats/config.h"
#include "formats/lock.h"
#include "repo.h"
#include "snapshot/oplock.h"
#include "strbuf.h"

/*
 * What the dependency commands share: the repository, the guard for
 * commands that change something, graft.ini and graft.lock as read (both
 * must be valid: a command never builds on a file it misreads), the
 * index, and the file edits to apply together at the end.
 */
struct project {
	struct graft_repo repo;
	struct oplock oplock;
	struct graft_config cfg;
	struct graft_lock lock;
	struct file_edits edits;
	git_index *index;	/* re-read from disk when opened */
};

enum project_flags {
	/* take the operation lock and refuse what guard_mutation refuses */
	PROJECT_MUTATE = 1,
	/* the same for `upgrade --continue` and `--skip` (guard_resume) */
	PROJECT_RESUME = 2,
};

/* An empty project, safe to close. */
void project_init(struct project *p);

/*
 * Open the repository (a work tree is needed), take the guard when
 * mutating, read graft.ini and graft.lock and the index. An invalid
 * graft.ini or graft.lock is an error naming file:line.
 */
int project_open(struct project *p, unsigned flags);
void project_close(struct project *p);

/* graft.ini as a path from the current directory (for messages). */
char *project_display(const struct project *p, const char *rel);

/* The declared dependency, or an error (with a hint) naming name. */
int project_declared(const struct graft_dependency **out,
		     const struct project *p, const char *name);

/*
 * After an error that there is no such dependency: a hint naming those
 * graft.ini declares, or saying it declares none.
 */
void project_hint_declared(const struct project *p);

struct dep;

/*
 * dep_load, then make sure it has a checkout: a work tree whose
 * repository survived is attached again (*attached set: its files are
 * all missing, so there is nothing to lose by checking it out); one that
 * was never cloned is an error pointing to 'git graft resolve'.
 */
int project_checkout_dep(struct dep *d, struct project *p, const char *name,
			 int *attached);

/* How project_clone_dep found a dependency's repository. */
enum dep_arrival {
	DEP_WAS_THERE,	/* cloned, with its work tree, already */
	DEP_ATTACHED,	/* its repository survived its work tree: connected again */
	DEP_CLONED,	/* cloned just now */
};

/*
 * d (loaded) with its repository, as `git submodule update` sees to it:
 * a repository whose work tree is gone is attached again, one never
 * cloned is cloned from source (dep_undo_clone removes it again after a
 * later failure). Then the work tree is empty until it is checked out
 * (MOVE_FRESH).
 */
int project_clone_dep(struct dep *d, const char *source,
		      enum dep_arrival *how);

/*
 * For commands that only read a dependency: name must be declared in
 * graft.ini or locked in graft.lock, and its repository there (d->repo
 * set); otherwise an error with a hint. Nothing is attached or checked
 * out.
 */
int project_read_dep(struct dep *d, const struct project *p, const char *name);

/*
 * The newest fetched commit of the ref graft.ini has d track (its `ref`,
 * else the source's default branch): the commit whose graft.ini says
 * which changes there are, for `changes` and `show` as for `upgrade`.
 * *ref is that ref (caller frees). 1, with a message and a hint, when
 * the tracked ref is not known or names no commit.
 */
int project_tracked_tip(git_oid *out, char **ref, struct dep *d,
			const struct project *p);

/*
 * The dependency's graft.ini at commit, which the user named ref. When
 * it has problems, each is reported as an error naming
 * <name>@<ref>:graft.ini:<line> and GRAFT_EFAIL returned: nothing is
 * built on a file that was misread. The caller releases cfg either way.
 */
int project_dep_config(struct graft_config *cfg, struct dep *d,
		       const git_oid *commit, const char *ref);

/* Where a dependency was before project_move_dep moved it. */
struct dep_move {
	int moved;		/* it was not at the target */
	int had_head;		/* from is set */
	git_oid from;
};

enum move_mode {
	/* refuse changes to tracked files: a checkout would lose them */
	MOVE_SAFE,
	/* discard them (--force) */
	MOVE_FORCE,
	/* the work tree was just created or re-attached and is empty: check
	 * out even if HEAD is at the target already */
	MOVE_FRESH,
};

/*
 * Check d out at target unless it is there already. MOVE_SAFE refuses a
 * work tree with changes, with a hint to commit, stash or pass --force.
 */
int project_move_dep(struct dep_move *m, struct dep *d, const git_oid *target,
		     enum move_mode mode);

/*
 * Read graft.lock again into p->lock, after something outside p (a
 * restored snapshot) changed it back. p->lock is kept as it was when
 * the file is not valid.
 */
int project_reload_lock(struct project *p);

/* Plan graft.lock as p->lock now is (deleted when it has no entry). */
int project_plan_lock(struct project *p);

/* Stage every file the edits changed. */
int project_stage_edits(struct project *p);

/* Write the index (once, at the end, after everything else worked). */
int project_write_index(struct project *p);

#endif
