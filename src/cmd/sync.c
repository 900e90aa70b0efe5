#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_clone.h"
#include "deps/dep_gitlink.h"
#include "deps/dep_refs.h"
#include "deps/dep_remove.h"
#include "deps/deps.h"
#include "error.h"
#include "fileio.h"
#include "formats/names.h"
#include "ops/project.h"
#include "ops/register.h"
#include "report.h"

static const char *const sync_usage[] = {
	"git graft sync [-q] [-f | --force] [<name>...]",
	NULL,
};

/* Every name given must be locked, before anything moves. */
static int check_names(struct project *p, int argc, char **argv)
{
	int i, rc;

	for (i = 0; i < argc; i++) {
		char *q;

		if ((rc = name_check(argv[i], "dependency name")) < 0)
			return rc;
		if (lock_find(&p->lock, argv[i]))
			continue;
		q = name_quoted(argv[i]);
		if (config_find_dependency(&p->cfg, argv[i])) {
			rc = graft_error("dependency %s is not in graft.lock", q);
			graft_error_hint("'git graft resolve' locks the dependencies graft.ini declares");
		} else {
			rc = graft_error("there is no dependency %s", q);
			project_hint_declared(p);
		}
		free(q);
		return rc;
	}
	return 0;
}

/* The source to fetch a dependency from: graft.ini's, else the lock's. */
static const char *source_of(const struct project *p,
			     const struct lock_entry *e)
{
	const struct graft_dependency *d = config_find_dependency(&p->cfg,
								  e->name);

	return d ? d->source : e->source;
}

/* What sync_one did, in one line; nothing for one that was in place. */
static void report(const struct lock_entry *e, enum dep_arrival how,
		   const struct dep_move *m, const git_oid *target)
{
	char from[8], to[8];

	short_id(to, target);
	if (how != DEP_WAS_THERE)
		graft_result("%s: %s at the locked %s (%s)", e->name,
			     how == DEP_CLONED ? "cloned" : "checked out", to,
			     e->ref);
	else if (m->moved && m->had_head)
		graft_result("%s: %s -> %s (%s)", e->name,
			     short_id(from, &m->from), to, e->ref);
	else if (m->moved)
		graft_result("%s: checked out at the locked %s (%s)", e->name,
			     to, e->ref);
}

/*
 * The locked commit, fetched when the dependency does not have it yet
 * (a new graft.lock from a pull may name one), as `git submodule
 * update` does.
 */
static int find_target(struct dep *d, const char *source,
		       enum dep_arrival how, const struct lock_entry *e,
		       const git_oid *target)
{
	int rc;

	if (dep_has_commit(d, target))
		return 0;
	if (how != DEP_CLONED && (rc = dep_fetch(d, source)) < 0)
		return rc;
	if (dep_has_commit(d, target))
		return 0;
	rc = graft_error("%s is locked at %s, which its source does not have",
			 e->name, e->commit);
	graft_error_hint("'git graft apply %s --to <ref>' locks it at a commit the source has",
			 e->name);
	return rc;
}

/* Record the locked commit as the gitlink, when the index has another. */
static int stage_gitlink(struct project *p, struct dep *d,
			 const git_oid *target, int *staged)
{
	git_oid recorded;
	int rc = dep_gitlink(&recorded, p->index, d);

	graft_error_clear();
	if (rc == 0 && git_oid_equal(&recorded, target))
		return 0;
	if (!d->submodule) {
		out_warning("%s is not registered in .gitmodules; 'git graft resolve' registers it",
			    d->shown);
		return 0;
	}
	if ((rc = dep_stage_gitlink(p->index, d, target)) == 0)
		*staged = 1;
	return rc;
}

/*
 * Check one locked dependency out at its commit, cloning it first if it
 * is not there, as `git submodule update --init` does.
 */
static int sync_one(struct project *p, const struct lock_entry *e, int force,
		    int *staged)
{
	const char *source = source_of(p, e);
	struct dep d = DEP_INIT;
	struct dep_move m;
	enum dep_arrival how = DEP_WAS_THERE;
	enum move_mode mode;
	git_oid target;
	int rc;

	git_oid_fromstr(&target, e->commit);
	if ((rc = dep_load(&d, &p->repo, e->name)) < 0 ||
	    (rc = project_clone_dep(&d, source, &how)) < 0 ||
	    (rc = find_target(&d, source, how, e, &target)) < 0)
		goto done;
	mode = how != DEP_WAS_THERE ? MOVE_FRESH : force ? MOVE_FORCE : MOVE_SAFE;
	if ((rc = project_move_dep(&m, &d, &target, mode)) < 0 ||
	    (how != DEP_WAS_THERE &&
	     (rc = project_register_dep_url(p, &d, source)) < 0) ||
	    (rc = stage_gitlink(p, &d, &target, staged)) < 0)
		goto done;
	report(e, how, &m, &target);
done:
	if (rc < 0)
		dep_undo_clone(&d);
	dep_release(&d);
	return rc;
}

/*
 * Nothing to sync to: graft.ini declares dependencies, but graft.lock
 * locks none of them (it is gone, say). Declared ones missing from a
 * lock that has others are only warned about.
 */
static int check_lock(const struct project *p)
{
	char *path;
	size_t i;
	int rc, exists;

	if (!p->lock.nr && p->cfg.deps_nr) {
		path = repo_path(&p->repo, LOCK_FILE);
		exists = path_exists(path);
		free(path);
		rc = graft_error("%s, but graft.ini declares %zu dependenc%s: there is nothing to sync %s to",
				 exists ? "graft.lock locks nothing" :
				 "there is no graft.lock",
				 p->cfg.deps_nr, p->cfg.deps_nr == 1 ? "y" : "ies",
				 p->cfg.deps_nr == 1 ? "it" : "them");
		graft_error_hint("'git graft resolve' locks what graft.ini declares; "
				 "'git checkout graft.lock' brings a deleted one back");
		return rc;
	}
	for (i = 0; i < p->cfg.deps_nr; i++)
		if (!lock_find(&p->lock, p->cfg.deps[i].name))
			out_warning("%s is declared in graft.ini but not locked; 'git graft resolve' locks it",
				    p->cfg.deps[i].name);
	return 0;
}

int cmd_sync(int argc, char **argv)
{
	struct project p;
	int force = 0, quiet = 0, staged = 0, failed = 0, i, rc, err;
	size_t n;
	const struct option_spec options[] = {
		OPT_BOOL('f', "force", &force,
			 "discard uncommitted changes in the dependencies"),
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_END(),
	};

	project_init(&p);
	argc = parse_options(argc, argv, options, sync_usage, 0);
	output_set_quiet(quiet);
	if ((rc = project_open(&p, PROJECT_MUTATE)) < 0 ||
	    (rc = check_names(&p, argc, argv)) < 0 ||
	    (!argc && (rc = check_lock(&p)) < 0))
		goto done;
	n = argc ? (size_t)argc : p.lock.nr;
	for (i = 0; (size_t)i < n; i++) {
		const struct lock_entry *e = argc ? lock_find(&p.lock, argv[i]) :
						    &p.lock.entries[i];

		if ((rc = sync_one(&p, e, force, &staged)) < 0) {
			if (is_interrupt(rc))
				break;
			graft_error_report(rc);
			failed = 1;
		}
	}
	/* what moved before a failure or an interrupt is staged too */
	if (staged && (err = project_write_index(&p)) < 0)
		rc = err;
	else if (!is_interrupt(rc))
		rc = failed ? GRAFT_EFAIL : 0;
	if (!rc)
		graft_result("%zu dependenc%s at %s locked commit%s", n,
			     n == 1 ? "y" : "ies", n == 1 ? "its" : "their",
			     n == 1 ? "" : "s");
done:
	project_close(&p);
	return graft_error_report(rc);
}
