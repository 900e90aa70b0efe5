#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_changes.h"
#include "deps/dep_checkout.h"
#include "deps/dep_clone.h"
#include "deps/dep_gitlink.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "formats/names.h"
#include "iso8601.h"
#include "ops/project.h"

static const char *const apply_usage[] = {
	"git graft apply [-q] [-f | --force] <name> --to <ref>",
	NULL,
};

struct apply {
	const char *name, *to;
	char *ref;		/* what graft.lock records of to */
	int force;
	struct project p;
	const struct graft_dependency *decl;
	struct dep dep;
	struct dep_move move;
	git_oid target;
};

/* The target, from fetched data, fetching once if it is not known. */
static int resolve_target(struct apply *a)
{
	int rc = dep_resolve_rev(&a->target, &a->ref, &a->dep, a->to);

	if (rc != 1)
		return rc;
	graft_error_clear();
	if ((rc = dep_fetch(&a->dep, a->decl->source)) < 0)
		return rc;
	rc = dep_resolve_rev(&a->target, &a->ref, &a->dep, a->to);
	return rc == 1 ? GRAFT_EFAIL : rc;
}

/* Lock, stage and write; on failure the files are put back. */
static int record(struct apply *a)
{
	char hex[GIT_OID_HEXSZ + 1], now[32];
	int rc;

	git_oid_tostr(hex, sizeof(hex), &a->target);
	iso8601_now(now, sizeof(now));
	if ((rc = lock_set(&a->p.lock, a->name, a->decl->source, a->ref, hex,
			   now)) < 0 ||
	    (rc = project_plan_lock(&a->p)) < 0 ||
	    (rc = file_edits_apply(&a->p.edits)) < 0)
		return rc;
	if ((rc = dep_stage_gitlink(a->p.index, &a->dep, &a->target)) < 0 ||
	    (rc = project_stage_edits(&a->p)) < 0 ||
	    (rc = project_write_index(&a->p)) < 0)
		file_edits_undo(&a->p.edits);
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
		out_warning("%s", graft_error_message());
	graft_error_restore(&saved);
}

/* Say what apply skipped: the changes between the two commits. */
static void warn_skipped(struct apply *a, const struct lock_entry *old)
{
	struct graft_config cfg = GRAFT_CONFIG_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	struct dep_change_list changes = DEP_CHANGE_LIST_INIT;
	git_oid from;
	size_t i, with_commands = 0;

	git_oid_fromstr(&from, old->commit);
	if (dep_read_config(&cfg, &diags, &a->dep, &a->target) == 0 &&
	    dep_changes_between(&changes, &a->dep, &cfg, &from, &a->target) == 0)
		for (i = 0; i < changes.nr; i++)
			with_commands += changes.items[i].change->migration ||
					 changes.items[i].change->verify;
	graft_error_clear();
	if (with_commands) {
		out_warning("%zu change%s between %s and %s declare%s a migration or verification; none was run",
			    with_commands, with_commands == 1 ? "" : "s",
			    old->ref, a->ref, with_commands == 1 ? "s" : "");
		out_hint("'git graft changes %s --from %s --to %s' lists them",
			 a->name, old->ref, a->ref);
	}
	dep_change_list_release(&changes);
	diag_list_release(&diags);
	config_release(&cfg);
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
	if ((rc = project_move_dep(&a->move, &a->dep, &a->target, mode)) == 0 &&
	    (rc = record(a)) < 0)
		move_back(a);
	signals_release(&held);
	return rc;
}

static int run_apply(struct apply *a)
{
	const struct lock_entry *locked;
	struct lock_entry old;
	char from[8], to[8];
	int attached, rc;

	if ((rc = name_check(a->name, "dependency name")) < 0 ||
	    (rc = rev_check(a->to, "--to")) < 0 ||
	    (rc = project_open(&a->p, PROJECT_MUTATE)) < 0 ||
	    (rc = project_declared(&a->decl, &a->p, a->name)) < 0 ||
	    (rc = project_checkout_dep(&a->dep, &a->p, a->name,
					     &attached)) < 0)
		return rc;
	if (!a->dep.submodule) {
		rc = graft_error("%s is not registered in .gitmodules", a->dep.shown);
		graft_error_hint("'git graft resolve' registers it");
		return rc;
	}
	if ((rc = resolve_target(a)) < 0)
		return rc;
	/* the lock entry is replaced: keep what it said */
	locked = lock_find(&a->p.lock, a->name);
	memset(&old, 0, sizeof(old));
	if (locked) {
		old.ref = xstrdup(locked->ref);
		old.commit = xstrdup(locked->commit);
	}
	rc = move_and_record(a, attached ? MOVE_FRESH :
			     a->force ? MOVE_FORCE : MOVE_SAFE);
	if (rc == 0 && old.commit) {
		git_oid was;

		git_oid_fromstr(&was, old.commit);
		project_say("%s: %s (%s) -> %s (%s)", a->name, old.ref,
			    short_id(from, &was), a->ref, short_id(to, &a->target));
		warn_skipped(a, &old);
	} else if (rc == 0) {
		project_say("%s: locked at %s (%s)", a->name, a->ref,
			    short_id(to, &a->target));
	}
	free(old.ref);
	free(old.commit);
	return rc;
}

int cmd_apply(int argc, char **argv)
{
	struct apply a;
	int quiet = 0, rc;
	const struct option_spec options[] = {
		OPT_STRING(0, "to", &a.to, "<rev>",
			   "the branch, tag, commit or revision to move it to"),
		OPT_BOOL('f', "force", &a.force,
			 "discard uncommitted changes in the dependency"),
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_END(),
	};

	memset(&a, 0, sizeof(a));
	project_init(&a.p);
	argc = parse_options(argc, argv, options, apply_usage, 0);
	if (argc != 1)
		usage_error(apply_usage, options, argc ? "too many arguments" :
			    "apply needs the name of a dependency");
	if (!a.to)
		usage_error(apply_usage, options, "apply needs --to <ref>");
	output_set_quiet(quiet);
	a.name = argv[0];
	rc = run_apply(&a);
	dep_release(&a.dep);
	project_close(&a.p);
	free(a.ref);
	return graft_error_report(rc);
}
