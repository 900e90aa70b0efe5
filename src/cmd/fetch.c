#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_clone.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "formats/names.h"
#include "ops/project.h"
#include "report.h"

static const char *const fetch_usage[] = {
	"git graft fetch [-q] [<name>...]",
	NULL,
};

/* Every name given must be declared, before anything is fetched. */
static int check_names(struct project *p, int argc, char **argv)
{
	const struct graft_dependency *d;
	int i, rc;

	for (i = 0; i < argc; i++)
		if ((rc = name_check(argv[i], "dependency name")) < 0 ||
		    (rc = project_declared(&d, p, argv[i])) < 0)
			return rc;
	return 0;
}

/* Fetch, then print where the tracked ref is now. */
static int fetch_one(struct project *p, const struct graft_dependency *decl)
{
	const struct lock_entry *locked = lock_find(&p->lock, decl->name);
	struct dep d = DEP_INIT;
	char *ref = NULL, hex[GIT_OID_HEXSZ + 1], id[8];
	git_oid newest, at;
	int attached, rc;

	if ((rc = project_checkout_dep(&d, p, decl->name, &attached)) < 0 ||
	    (rc = dep_fetch(&d, decl->source)) < 0 ||
	    (rc = dep_tracked_ref(&ref, &d, decl->ref)) != 0 ||
	    (rc = dep_resolve(&newest, &d, ref)) != 0)
		goto done;
	git_oid_tostr(hex, sizeof(hex), &newest);
	if (!locked) {
		graft_result("%s: %s is at %s (not locked yet)", decl->name, ref, hex);
		goto done;
	}
	git_oid_fromstr(&at, locked->commit);
	if (git_oid_equal(&at, &newest))
		graft_result("%s: %s is at %s, the locked commit", decl->name,
			     ref, hex);
	else
		graft_result("%s: %s is at %s (locked: %s)", decl->name, ref, hex,
			     short_id(id, &at));
done:
	if (rc == 1)
		rc = GRAFT_EFAIL;
	free(ref);
	dep_release(&d);
	return rc;
}

int cmd_fetch(int argc, char **argv)
{
	struct project p;
	int quiet = 0, failed = 0, i, rc;
	size_t n;
	const struct option_spec options[] = {
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_END(),
	};

	project_init(&p);
	argc = parse_options(argc, argv, options, fetch_usage, 0);
	output_set_quiet(quiet);
	/*
	 * Only the dependencies' own repositories change, but an upgrade
	 * running at the same time reads them: take the lock like any
	 * command that writes.
	 */
	if ((rc = project_open(&p, PROJECT_MUTATE)) < 0 ||
	    (rc = check_names(&p, argc, argv)) < 0)
		goto done;
	n = argc ? (size_t)argc : p.cfg.deps_nr;
	for (i = 0; (size_t)i < n; i++) {
		const struct graft_dependency *d = argc ?
			config_find_dependency(&p.cfg, argv[i]) : &p.cfg.deps[i];

		if ((rc = fetch_one(&p, d)) < 0) {
			if (is_interrupt(rc))
				goto done;
			graft_error_report(rc);
			failed = 1;
		}
	}
	rc = failed ? GRAFT_EFAIL : 0;
done:
	project_close(&p);
	return graft_error_report(rc);
}
