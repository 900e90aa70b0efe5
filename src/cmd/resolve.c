#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_clone.h"
#include "deps/dep_refs.h"
#include "deps/dep_remove.h"
#include "deps/deps.h"
#include "error.h"
#include "formats/names.h"
#include "iso8601.h"
#include "ops/project.h"
#include "ops/register.h"
#include "paths.h"
#include "report.h"

static const char *const resolve_usage[] = {
	"git graft resolve [-q] [-f | --force]",
	NULL,
};

struct resolve {
	struct project p;
	int force;
	int lock_changed, staged;
};

/* What resolve_one did to one dependency, for its report line. */
struct outcome {
	const char *how;	/* "cloned", "checked out", or NULL */
	int locked_now;
	struct dep_move move;
	int staged;
};

/* Clone it, check its surviving repository out, or fetch it. */
static int bring_up_to_date(struct dep *d, const struct graft_dependency *decl,
			    struct outcome *o, int *fresh)
{
	enum dep_arrival how;
	int rc;

	if ((rc = project_clone_dep(d, decl->source, &how)) < 0)
		return rc;
	*fresh = how != DEP_WAS_THERE;
	o->how = how == DEP_CLONED ? "cloned" :
		 how == DEP_ATTACHED ? "checked out" : NULL;
	/* a clone has just brought everything */
	return how == DEP_CLONED ? 0 : dep_fetch(d, decl->source);
}

/* The commit to check out: the locked one, or the tracked ref's, locked now. */
static int choose_target(struct resolve *rs, struct dep *d,
			 const struct graft_dependency *decl,
			 struct outcome *o, git_oid *target)
{
	const struct lock_entry *e = lock_find(&rs->p.lock, decl->name);
	char hex[GIT_OID_HEXSZ + 1], now[32], *ref = NULL;
	int rc;

	if (e) {
		git_oid_fromstr(target, e->commit);
		if (dep_has_commit(d, target))
			return 0;
		rc = graft_error("%s is locked at %s, which its source does not have",
				 decl->name, e->commit);
		graft_error_hint("'git graft apply %s --to <ref>' locks it at a commit the source has",
				 decl->name);
		return rc;
	}
	rc = dep_tracked_ref(&ref, d, decl->ref);
	if (rc == 0)
		rc = dep_resolve(target, d, ref);
	if (rc == 0) {
		git_oid_tostr(hex, sizeof(hex), target);
		iso8601_now(now, sizeof(now));
		rc = lock_set(&rs->p.lock, decl->name, decl->source, ref, hex, now);
	}
	if (rc == 0)
		o->locked_now = rs->lock_changed = 1;
	free(ref);
	return rc == 1 ? GRAFT_EFAIL : rc;
}

static void report(const struct graft_dependency *decl, const struct lock_entry *e,
		   const struct outcome *o)
{
	char from[8], to[8];
	git_oid target;

	git_oid_fromstr(&target, e->commit);
	short_id(to, &target);
	if (o->how && o->locked_now)
		graft_result("%s: %s, locked at %s (%s)", decl->name, o->how,
			     e->ref, to);
	else if (o->how)
		graft_result("%s: %s at the locked %s (%s)", decl->name, o->how,
			     to, e->ref);
	else if (o->locked_now)
		graft_result("%s: locked at %s (%s)", decl->name, e->ref, to);
	else if (o->move.moved && o->move.had_head)
		graft_result("%s: %s -> %s (%s)", decl->name,
			     short_id(from, &o->move.from), to, e->ref);
	else if (o->move.moved || o->staged)
		graft_result("%s: at %s (%s)", decl->name, to, e->ref);
}

static int resolve_one(struct resolve *rs, const struct graft_dependency *decl)
{
	struct dep d = DEP_INIT;
	struct dep_registration reg;
	struct outcome o;
	git_oid target;
	int fresh, rc;

	memset(&o, 0, sizeof(o));
	if ((rc = dep_load(&d, &rs->p.repo, decl->name)) < 0 ||
	    (rc = bring_up_to_date(&d, decl, &o, &fresh)) < 0 ||
	    (rc = choose_target(rs, &d, decl, &o, &target)) < 0 ||
	    (rc = project_move_dep(&o.move, &d, &target,
				   fresh ? MOVE_FRESH :
				   rs->force ? MOVE_FORCE : MOVE_SAFE)) < 0 ||
	    (rc = project_register_dep(&reg, &rs->p, &d, decl->source,
				       &target, REGISTER_KEEP_URL)) < 0) {
		if (o.locked_now)
			lock_remove(&rs->p.lock, decl->name);
		dep_undo_clone(&d);
	} else {
		o.staged = reg.staged;
		rs->staged |= reg.staged;
		report(decl, lock_find(&rs->p.lock, decl->name), &o);
	}
	dep_release(&d);
	return rc;
}

/* Lock entries graft.ini no longer declares are left, with a warning. */
static void warn_undeclared(const struct resolve *rs)
{
	size_t i;

	for (i = 0; i < rs->p.lock.nr; i++) {
		const char *name = rs->p.lock.entries[i].name;

		if (config_find_dependency(&rs->p.cfg, name))
			continue;
		out_warning("graft.lock has %s, which graft.ini does not declare",
			    name);
		out_hint("'git graft remove %s' removes it", name);
	}
}

static int finish(struct resolve *rs)
{
	int rc;

	if (rs->lock_changed && (rc = project_plan_lock(&rs->p)) < 0)
		return rc;
	if ((rc = file_edits_apply(&rs->p.edits)) < 0)
		return rc;
	if (!rs->staged && !rs->p.edits.nr)
		return 0;
	if ((rc = project_stage_edits(&rs->p)) < 0 ||
	    (rc = project_write_index(&rs->p)) < 0)
		file_edits_undo(&rs->p.edits);
	return rc;
}

int cmd_resolve(int argc, char **argv)
{
	struct resolve rs;
	int quiet = 0, failed = 0, rc = 0, err;
	size_t i;
	const struct option_spec options[] = {
		OPT_BOOL('f', "force", &rs.force,
			 "discard uncommitted changes in dependencies it moves"),
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_END(),
	};

	memset(&rs, 0, sizeof(rs));
	project_init(&rs.p);
	argc = parse_options(argc, argv, options, resolve_usage, 0);
	if (argc)
		usage_error(resolve_usage, options, "resolve takes no arguments");
	output_set_quiet(quiet);
	if ((rc = project_open(&rs.p, PROJECT_MUTATE)) < 0)
		goto done;
	for (i = 0; i < rs.p.cfg.deps_nr; i++) {
		if ((rc = resolve_one(&rs, &rs.p.cfg.deps[i])) == 0)
			continue;
		if (is_interrupt(rc))
			break;
		graft_error_report(rc);
		failed = 1;
	}
	warn_undeclared(&rs);
	/* what worked before a failure or an interrupt is kept */
	if ((err = finish(&rs)) < 0)
		rc = err;
	else if (!is_interrupt(rc))
		rc = failed ? GRAFT_EFAIL : 0;
done:
	project_close(&rs.p);
	return graft_error_report(rc);
}
