#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "deps/dep_changes.h"
#include "deps/dep_checkout.h"
#include "deps/dep_clone.h"
#include "deps/dep_gitlink.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "iso8601.h"
#include "ops/apply.h"
#include "report.h"
#include "signals.h"

struct apply {
	struct project *p;
	const struct graft_dependency *decl;
	struct dep dep;
	struct dep_move move;
	struct apply_outcome *out;
};

/* The target, from fetched data, fetching once if it is not known. */
static int resolve_target(struct apply *a, const char *to)
{
	int rc = dep_resolve_rev(&a->out->target, &a->out->ref, &a->dep, to);

	if (rc != 1)
		return rc;
	graft_error_clear();
	if ((rc = dep_fetch(&a->dep, a->decl->source)) < 0)
		return rc;
	rc = dep_resolve_rev(&a->out->target, &a->out->ref, &a->dep, to);
	return rc == 1 ? GRAFT_EFAIL : rc;
}

/* Lock, stage and write; on failure the files are put back. */
static int record(struct apply *a)
{
	char hex[GIT_OID_HEXSZ + 1], now[32];
	int rc;

	git_oid_tostr(hex, sizeof(hex), &a->out->target);
	iso8601_now(now, sizeof(now));
	if ((rc = lock_set(&a->p->lock, a->decl->name, a->decl->source,
			   a->out->ref, hex, now)) < 0 ||
	    (rc = project_plan_lock(a->p)) < 0 ||
	    (rc = file_edits_apply(&a->p->edits)) < 0)
		return rc;
	if ((rc = dep_stage_gitlink(a->p->index, &a->dep, &a->out->target)) < 0 ||
	    (rc = project_stage_edits(a->p)) < 0 ||
	    (rc = project_write_index(a->p)) < 0)
		file_edits_undo(&a->p->edits);
	return rc;
}

/* Put the dependency back where it was after a failure. */
static void move_back(struct apply *a)
{
	struct graft_error_saved saved;

	if (!a->move.moved || !a->move.had_head)
		return;
	graft_error_save(&saved);
	if (dep_checkout(&a->dep, &a->move.from) < 0)
		graft_warning("%s", graft_error_message());
	graft_error_restore(&saved);
}

/*
 * Move the dependency, then lock and stage; a failure moves it back.
 * Interrupts wait until it is all done or undone.
 */
static int move_and_record(struct apply *a, enum move_mode mode)
{
	sigset_t held;
	int rc;

	signals_hold(&held);
	if ((rc = project_move_dep(&a->move, &a->dep, &a->out->target,
				   mode)) == 0 &&
	    (rc = record(a)) < 0)
		move_back(a);
	signals_release(&held);
	return rc;
}

/*
 * The changes between the old lock and the target that declare a
 * migration or verification: apply ran none of them. A graft.ini or a
 * range that cannot be read counts none, as apply changes nothing then.
 */
static size_t count_skipped(struct apply *a)
{
	struct graft_config cfg = GRAFT_CONFIG_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	struct dep_change_list changes = DEP_CHANGE_LIST_INIT;
	size_t i, n = 0;

	if (dep_read_config(&cfg, &diags, &a->dep, &a->out->target) == 0 &&
	    dep_changes_between(&changes, &a->dep, &cfg, &a->out->old,
				&a->out->target) == 0)
		for (i = 0; i < changes.nr; i++)
			n += changes.items[i].change->migration ||
			     changes.items[i].change->verify;
	graft_error_clear();
	dep_change_list_release(&changes);
	diag_list_release(&diags);
	config_release(&cfg);
	return n;
}

int apply_dep(struct apply_outcome *out, struct project *p, const char *name,
	      const struct apply_opts *opts)
{
	struct apply a;
	const struct lock_entry *locked;
	int attached, rc;

	memset(&a, 0, sizeof(a));
	a.p = p;
	a.out = out;
	if ((rc = project_declared(&a.decl, p, name)) < 0 ||
	    (rc = project_checkout_dep(&a.dep, p, name, &attached)) < 0)
		goto done;
	if (!a.dep.submodule) {
		rc = graft_error("%s is not registered in .gitmodules", a.dep.shown);
		graft_error_hint("'git graft resolve' registers it");
		goto done;
	}
	if ((rc = resolve_target(&a, opts->to)) < 0)
		goto done;
	/* the lock entry is replaced: keep what it said */
	if ((locked = lock_find(&p->lock, name))) {
		out->was_locked = 1;
		out->old_ref = xstrdup(locked->ref);
		git_oid_fromstr(&out->old, locked->commit);
	}
	rc = move_and_record(&a, attached ? MOVE_FRESH :
			     opts->force ? MOVE_FORCE : MOVE_SAFE);
	if (rc == 0 && out->was_locked)
		out->skipped_commands = count_skipped(&a);
done:
	dep_release(&a.dep);
	return rc;
}

void apply_outcome_release(struct apply_outcome *out)
{
	free(out->ref);
	free(out->old_ref);
	memset(out, 0, sizeof(*out));
}
