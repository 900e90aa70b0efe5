#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "crashpoint.h"
#include "deps/dep_checkout.h"
#include "deps/dep_clone.h"
#include "deps/deps.h"
#include "error.h"
#include "ident.h"
#include "ops/rollback.h"
#include "report.h"
#include "snapshot/autostash.h"
#include "snapshot/pending.h"
#include "snapshot/upgrade_state.h"
#include "strbuf.h"

/*
 * A snapshot of the first format did not look into the dependency's
 * checkout: its gitlink in the snapshot's index says where it was. The
 * checkout is forced, since whatever the upgrade left in it is the
 * upgrade's; a work tree a migration deleted is attached again.
 */
static int restore_dep_checkout(struct dep *d, const git_oid *old)
{
	git_oid cur;
	int rc, attached = 0;

	if (!d->repo) {
		/* 1: no repository to attach, so no checkout to move */
		if ((rc = dep_attach(d)) != 0)
			return rc;
		attached = 1;
	}
	if ((rc = dep_head(&cur, d)) < 0)
		return rc;
	if (attached || rc == 1 || !git_oid_equal(&cur, old))
		return dep_checkout(d, old);
	return 0;
}

/*
 * The dependency back where the snapshot had it: a snapshot of the
 * first format checks it out here. Either way the two reflog entries of
 * its move to the target and back go, as if it never moved.
 */
static int restore_dep(const struct graft_repo *r, const struct snapshot *snap)
{
	struct dep d = DEP_INIT;
	git_oid old, cur;
	int rc;

	if ((rc = dep_load(&d, r, snap->dep)) < 0)
		goto done;
	/* 1: the snapshot had no gitlink there, so nothing to go back to */
	if ((rc = snapshot_gitlink(&old, r, snap, d.path)) != 0)
		goto done;
	if (snap->format == 1 && (rc = restore_dep_checkout(&d, &old)) != 0)
		goto done;
	if (!d.repo || git_oid_is_zero(&snap->to) || dep_head(&cur, &d) != 0 ||
	    !git_oid_equal(&cur, &old))
		goto done;
	rc = dep_forget_round_trip(&d, &old, &snap->to);
done:
	dep_release(&d);
	if (rc == 1) {
		graft_error_clear();
		rc = 0;
	}
	return rc;
}

/*
 * Who the attempt's commits are by: whoever is configured, else the
 * author of the snapshot (a restore must not fail for want of a name).
 */
static int attempt_signature(git_signature **out, const struct graft_repo *r,
			     const struct snapshot *snap)
{
	git_commit *w = NULL;
	int rc = 0;

	if (ident_resolve(NULL, out, r->repo) == 0)
		return 0;
	graft_error_clear();
	if (git_commit_lookup(&w, r->repo, &snap->commit) < 0 ||
	    git_signature_now(out, git_commit_committer(w)->name,
			      git_commit_committer(w)->email) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot sign the attempt");
	git_commit_free(w);
	return rc;
}

/* What is there now, kept under refs/graft/attempts/<dep>. */
static int keep_attempt(const struct graft_repo *r, const struct snapshot *snap,
			const struct path_list *changed)
{
	struct snapshot_spec spec;
	struct snapshot attempt = SNAPSHOT_INIT;
	git_signature *sig = NULL;
	char *dep_path = NULL;
	int rc;

	if ((rc = attempt_signature(&sig, r, snap)) < 0)
		return rc;
	memset(&spec, 0, sizeof(spec));
	spec.dep = snap->dep;
	spec.from_ref = snap->from_ref;
	spec.from = snap->from;
	spec.to_ref = snap->to_ref;
	spec.to = snap->to;
	spec.sig = sig;
	spec.dep_path = dep_path = dep_checkout_path(snap->dep);
	spec.kind = SNAPSHOT_ATTEMPT;
	spec.before = snap;
	spec.changed = changed;
	rc = snapshot_create(&attempt, r, &spec, NULL);
	if (rc < 0)
		graft_error_prefix("cannot keep what the %s of %s left before putting it back",
				   "upgrade", snap->dep);
	snapshot_release(&attempt);
	git_signature_free(sig);
	free(dep_path);
	return rc;
}

int rollback_to_snapshot(const struct graft_repo *r, const struct snapshot *snap,
		     const struct path_list *changed,
		     struct snapshot_restore_stats *stats)
{
	int rc;

	/* a snapshot of the first format cannot carry the rest over */
	if (snap->format < 2)
		changed = NULL;
	if ((rc = keep_attempt(r, snap, changed)) < 0)
		return rc;
	crash_point("after-attempt");
	if ((rc = snapshot_restore(r, snap, changed, stats)) < 0 ||
	    (rc = restore_dep(r, snap)) < 0 ||
	    (rc = autostash_drop_for(r, snap)) < 0)
		return rc;
	return snapshot_delete_ref(r, snap);
}

/*
 * The message that tells where the attempt at upgrading dep is kept and
 * how to see what it changed, as hints.
 */
static void rollback_hint_attempt(const struct snapshot *snap)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), &snap->commit);
	graft_error_hint("what the %s left is kept under %s%s; 'git diff %.12s %s%s' shows what it changed",
			 "upgrade", ATTEMPT_REF_PREFIX, snap->dep, hex,
			 ATTEMPT_REF_PREFIX, snap->dep);
}

int rollback_after_failure(const struct graft_repo *r,
			  const struct snapshot *snap, int rc,
			  const char *what, git_index *index,
			  const struct path_list *changed)
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
	if (rollback_to_snapshot(r, snap, changed, NULL) == 0) {
		graft_error_restore(&saved);
		graft_error_hint("everything is back as it was before the %s of %s",
				 what, snap->dep);
		rollback_hint_attempt(snap);
		/* however it failed, nothing changed: 1, or the signal's */
		return graft_code_signal(rc) ? rc : GRAFT_EFAIL;
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

/*
 * The upgrade of snap was committed before its git-graft stopped: bring
 * its autostash back if that had not been done yet, then delete the ref.
 */
static int finish_committed(const struct graft_repo *r,
			    const struct snapshot *snap)
{
	int kept = 0, rc;

	/* a drop cut short leaves a ref the pop does not find: it goes */
	if ((rc = autostash_pop_for(&kept, r, snap)) < 0 ||
	    (!kept && (rc = autostash_drop_for(r, snap)) < 0))
		return rc;
	if (kept) {
		graft_warning("your uncommitted changes from before the upgrade of %s are kept in the stash",
			      snap->dep);
		graft_hint("'git stash pop' brings them back once you have looked at the upgrade; 'git stash drop' forgets them");
	}
	return snapshot_delete_ref(r, snap);
}

/*
 * The pending snapshot of dep. If its upgrade had been committed (a
 * crash after the commit, before the ref was deleted), it is only
 * finished (finish_committed) and *committed set; otherwise
 * rollback_to_snapshot. 1 when dep has no snapshot.
 */
static int rollback_pending(const struct graft_repo *r, const char *dep,
			    int *committed)
{
	struct snapshot snap = SNAPSHOT_INIT;
	int rc;

	*committed = 0;
	if ((rc = snapshot_read(&snap, r, dep)) != 0)
		return rc;
	if (!snapshot_taken_here(&snap, r))
		rc = graft_error("the snapshot of %s was taken in another worktree: it is restored there",
				 dep);
	else if ((rc = snapshot_is_committed(committed, r, &snap)) == 0) {
		rc = *committed ? finish_committed(r, &snap) :
			rollback_to_snapshot(r, &snap, NULL, NULL);
		/*
		 * Half put back, or not at all: the snapshot is still there
		 * and the next rollback finishes the job, as after an
		 * upgrade whose rollback failed.
		 */
		if (rc < 0 && !graft_code_signal(rc))
			rc = GRAFT_EROLLBACK;
	}
	snapshot_release(&snap);
	return rc;
}

int rollback_drop_committed(const struct graft_repo *r)
{
	struct pending_list pending = PENDING_LIST_INIT;
	size_t i;
	int rc;

	if ((rc = pending_snapshots(&pending, r)) < 0)
		return rc;
	for (i = 0; i < pending.nr; i++) {
		struct snapshot snap = SNAPSHOT_INIT;
		int committed = 0;

		/*
		 * its git-graft is at work, or it is another worktree's:
		 * HEAD here says nothing of whether that one committed
		 */
		if (pending.running[i] || pending_elsewhere(&pending, i))
			continue;
		if ((rc = snapshot_read(&snap, r, pending.names[i])) == 0 &&
		    (rc = snapshot_is_committed(&committed, r, &snap)) == 0 &&
		    committed && (rc = finish_committed(r, &snap)) == 0)
			graft_warning("the upgrade of '%s' was committed before git-graft stopped; removed its leftover %s%s",
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

int rollback_abort(const struct graft_repo *r, const char *dep, int *committed)
{
	struct upgrade_state st = UPGRADE_STATE_INIT;
	int rc = rollback_pending(r, dep, committed), found;

	if (rc < 0)
		return rc;
	found = upgrade_state_read(&st, r);
	if (found < 0)
		graft_error_clear();
	if (found < 0 || (found == 0 && !strcmp(st.dep, dep))) {
		int removed = upgrade_state_remove(r);

		if (removed < 0)
			rc = removed;
	}
	upgrade_state_release(&st);
	return rc;
}
