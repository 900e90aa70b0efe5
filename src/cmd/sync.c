#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "deps.h"
#include "error.h"
#include "names.h"
#include "options.h"
#include "output.h"
#include "project.h"

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
		rc = graft_error("dependency %s is not in graft.lock", q);
		graft_error_hint("'git graft resolve' locks the dependencies graft.ini declares");
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

static int sync_one(struct project *p, const struct lock_entry *e, int force,
		    int *staged)
{
	struct dep d = DEP_INIT;
	struct dep_move m;
	enum move_mode mode;
	git_oid target, recorded;
	char from[8], to[8];
	int attached, rc;

	git_oid_fromstr(&target, e->commit);
	if ((rc = project_checkout_dep(&d, p, e->name, source_of(p, e),
					&attached)) < 0)
		goto done;
	/* a new graft.lock from a pull may name a commit not fetched yet */
	if (!dep_has_commit(&d, &target) &&
	    (rc = dep_fetch(&d, source_of(p, e))) < 0)
		goto done;
	mode = attached ? MOVE_FRESH : force ? MOVE_FORCE : MOVE_SAFE;
	if ((rc = project_move_dep(&m, &d, &target, mode)) < 0)
		goto done;
	if (m.moved)
		project_say("%s: %s -> %s (%s)", e->name,
			    m.had_head ? short_id(from, &m.from) : "nothing",
			    short_id(to, &target), e->ref);
	rc = dep_gitlink(&recorded, p->index, &d);
	graft_error_clear();
	if (rc == 0 && git_oid_equal(&recorded, &target))
		goto done;
	if (!d.submodule) {
		out_warning("%s is not registered in .gitmodules; 'git graft resolve' registers it",
			    d.shown);
		rc = 0;
		goto done;
	}
	if ((rc = dep_stage_gitlink(p->index, &d, &target)) == 0)
		*staged = 1;
done:
	dep_release(&d);
	return rc;
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
	    (rc = check_names(&p, argc, argv)) < 0)
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
done:
	project_close(&p);
	return graft_error_report(rc);
}
