#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "autostash.h"
#include "deps.h"
#include "error.h"
#include "guard.h"
#include "output.h"
#include "recover.h"
#include "strbuf.h"

/*
 * The dependency's checkout is not part of the snapshot (submodules are
 * never looked into): its gitlink in the snapshot's index says where it
 * was. The checkout is forced, since whatever the upgrade left in it is
 * the upgrade's; a work tree a migration deleted is attached again.
 */
static int restore_dep(const struct graft_repo *r, const struct snapshot *snap)
{
	struct dep d = DEP_INIT;
	git_oid old, cur;
	int rc, attached = 0;

	if ((rc = dep_load(&d, r, snap->dep)) < 0)
		goto done;
	if (!d.repo) {
		/* 1: no repository to attach, so no checkout to move */
		if ((rc = dep_attach(&d)) != 0)
			goto done;
		attached = 1;
	}
	/* 1: the snapshot had no gitlink there, so nothing to go back to */
	if ((rc = snapshot_gitlink(&old, r, snap, d.path)) != 0 ||
	    (rc = dep_head(&cur, &d)) < 0)
		goto done;
	if (attached || rc == 1 || !git_oid_equal(&cur, &old)) {
		if ((rc = dep_checkout(&d, &old)) == 0 && !attached &&
		    !git_oid_is_zero(&snap->to) && git_oid_equal(&cur, &snap->to))
			rc = dep_forget_round_trip(&d, &old, &snap->to);
	}
done:
	dep_release(&d);
	if (rc == 1) {
		graft_error_clear();
		rc = 0;
	}
	return rc;
}

int recover_snapshot(const struct graft_repo *r, const struct snapshot *snap,
		     struct snapshot_restore_stats *stats)
{
	int rc;

	if ((rc = snapshot_restore(r, snap, stats)) < 0 ||
	    (rc = restore_dep(r, snap)) < 0 ||
	    (rc = autostash_drop_for(r, snap)) < 0)
		return rc;
	return snapshot_delete_ref(r, snap);
}

int recover_after_failure(const struct graft_repo *r,
			  const struct snapshot *snap, int rc,
			  const char *what, git_index *index)
{
	struct graft_error_saved saved;
	struct strbuf msg = STRBUF_INIT;

	graft_error_save(&saved);
	/*
	 * An index file the failed operation left unreadable is no error
	 * here: the restore finds it unreadable too, and rebuilds the index
	 * from the snapshot.
	 */
	if (index && git_index_read(index, 1) < 0)
		git_error_clear();
	if (recover_snapshot(r, snap, NULL) == 0) {
		graft_error_restore(&saved);
		graft_error_hint("everything is back as it was before the %s of %s",
				 what, snap->dep);
		return rc;
	}
	strbuf_addf(&msg, "%s\nand putting the repository back failed: %s",
		    saved.message ? saved.message : "it failed",
		    graft_error_message());
	graft_error_restore(&saved);
	graft_error_clear();
	rc = graft_error_code(GRAFT_EROLLBACK, "%s", msg.buf);
	graft_error_hint("the state from before the %s is kept under %s%s; once the cause is fixed, 'git graft rollback' restores it",
			 what, SNAPSHOT_REF_PREFIX, snap->dep);
	strbuf_release(&msg);
	return rc;
}

void recover_crash_point(const char *step)
{
	const char *at = getenv("GRAFT_TEST_CRASH_AT");

	if (at && !strcmp(at, step))
		kill(getpid(), SIGKILL);
}

int recover_pending(const struct graft_repo *r, const char *dep,
		    int *committed)
{
	struct snapshot snap = SNAPSHOT_INIT;
	int rc;

	*committed = 0;
	if ((rc = snapshot_read(&snap, r, dep)) != 0)
		return rc;
	if ((rc = snapshot_is_committed(committed, r, &snap)) == 0)
		rc = *committed ? snapshot_delete_ref(r, &snap) :
			recover_snapshot(r, &snap, NULL);
	snapshot_release(&snap);
	return rc;
}

int recover_stale(const struct graft_repo *r)
{
	struct pending_list pending = PENDING_LIST_INIT;
	size_t i;
	int rc;

	if ((rc = pending_snapshots(&pending, r)) < 0)
		return rc;
	for (i = 0; i < pending.nr; i++) {
		struct snapshot snap = SNAPSHOT_INIT;
		int committed = 0;

		/* its git-graft is at work, in another worktree */
		if (pending.running[i])
			continue;
		if ((rc = snapshot_read(&snap, r, pending.names[i])) == 0 &&
		    (rc = snapshot_is_committed(&committed, r, &snap)) == 0 &&
		    committed && (rc = snapshot_delete_ref(r, &snap)) == 0)
			out_warning("the upgrade of '%s' was committed before git-graft stopped; removed its leftover %s%s",
				    snap.dep, SNAPSHOT_REF_PREFIX, snap.dep);
		/* gone meanwhile, or unreadable: guard_no_pending tells */
		if (rc != 0) {
			graft_error_clear();
			rc = 0;
		}
		snapshot_release(&snap);
	}
	pending_list_release(&pending);
	return rc;
}
