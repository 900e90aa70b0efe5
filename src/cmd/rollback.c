/*
 * git graft rollback: put back the state from before an upgrade that was
 * cut short (its snapshot ref is still there).
 *
 * It must work whatever the upgrade left behind: graft.ini and
 * graft.lock half-migrated, a merge a migration started. So it reads
 * neither file and does not refuse over git's own operations in
 * progress; the snapshot is the whole truth.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "error.h"
#include "guard.h"
#include "names.h"
#include "oplock.h"
#include "options.h"
#include "output.h"
#include "project.h"
#include "recover.h"
#include "repo.h"

static const char *const rollback_usage[] = {
	"git graft rollback [-q] [<name>]",
	NULL,
};

/* The pending snapshot meant: name's, or the only one. NULL: none. */
static int pick_pending(const char **out, const struct pending_list *pending,
			const char *name)
{
	size_t i;
	int rc;

	*out = NULL;
	if (name) {
		for (i = 0; i < pending->nr; i++)
			if (!strcmp(pending->names[i], name))
				*out = pending->names[i];
		return 0;
	}
	if (pending->nr == 1)
		*out = pending->names[0];
	if (pending->nr <= 1)
		return 0;
	rc = graft_error("interrupted upgrades of %zu dependencies are pending; name the one to roll back",
			 pending->nr);
	for (i = 0; i < pending->nr; i++)
		graft_error_hint("git graft rollback %s", pending->names[i]);
	return rc;
}

static int rollback_pending(const struct graft_repo *r, const char *dep)
{
	int committed, rc;

	if ((rc = recover_pending(r, dep, &committed)) < 0) {
		graft_error_hint("the snapshot is kept under %s%s; 'git graft rollback' tries again",
				 SNAPSHOT_REF_PREFIX, dep);
		return rc;
	}
	if (committed)
		project_say("The upgrade of %s had been committed; removed its leftover snapshot ref.",
			    dep);
	else
		project_say("Restored the state from before the upgrade of %s.", dep);
	return 0;
}

static int run_rollback(const char *name)
{
	struct graft_repo r = GRAFT_REPO_INIT;
	struct oplock lock = OPLOCK_INIT;
	struct pending_list pending = PENDING_LIST_INIT;
	const char *dep;
	int rc;

	if ((name && (rc = name_check(name, "dependency name")) < 0) ||
	    (rc = repo_open(&r, REPO_NEED_WORKTREE)) < 0 ||
	    (rc = oplock_acquire(&lock, &r)) < 0 ||
	    (rc = pending_snapshots(&pending, &r)) < 0 ||
	    (rc = pick_pending(&dep, &pending, name)) < 0)
		goto done;
	if (dep) {
		rc = rollback_pending(&r, dep);
	} else if (name) {
		rc = graft_error("no interrupted upgrade of '%s' is pending", name);
	} else {
		rc = graft_error("no interrupted upgrade is pending");
		graft_error_hint("'git graft rollback <name>' undoes the newest committed upgrade of <name>");
	}
done:
	pending_list_release(&pending);
	oplock_release(&lock);
	repo_close(&r);
	return rc;
}

int cmd_rollback(int argc, char **argv)
{
	int quiet = 0;
	const struct option_spec options[] = {
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, options, rollback_usage, 0);
	if (argc > 1)
		usage_error(rollback_usage, options, "too many arguments");
	output_set_quiet(quiet);
	return graft_error_report(run_rollback(argc ? argv[0] : NULL));
}
