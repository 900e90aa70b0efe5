#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "alloc.h"
#include "error.h"
#include "guard.h"
#include "lockfiles.h"
#include "oplock.h"
#include "output.h"
#include "recover.h"
#include "snapshot.h"

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The pid of the git-graft still running the upgrade that took dep's
 * snapshot, or 0. A snapshot that cannot be read has no one running it
 * that this version knows of.
 */
static long running_pid(const struct graft_repo *r, const char *dep)
{
	struct snapshot snap = SNAPSHOT_INIT;
	long pid = 0;

	if (snapshot_read(&snap, r, dep) != 0)
		graft_error_clear();
	else if (oplock_held_by(r, snap.pid))
		pid = snap.pid;
	snapshot_release(&snap);
	return pid;
}

int pending_snapshots(struct pending_list *out, const struct graft_repo *r)
{
	git_reference_iterator *it = NULL;
	const char *name;
	size_t i;
	int rc;

	if (git_reference_iterator_glob_new(&it, r->repo,
					    SNAPSHOT_REF_PREFIX "*") < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot list %s refs",
				       SNAPSHOT_REF_PREFIX);
	while ((rc = git_reference_next_name(&name, it)) == 0) {
		ALLOC_GROW(out->names, out->nr + 1, out->alloc);
		out->names[out->nr++] = xstrdup(name + strlen(SNAPSHOT_REF_PREFIX));
	}
	git_reference_iterator_free(it);
	if (rc != GIT_ITEROVER)
		return graft_error_git(GRAFT_EFATAL, "cannot list %s refs",
				       SNAPSHOT_REF_PREFIX);
	git_error_clear();
	if (out->nr > 1)
		qsort(out->names, out->nr, sizeof(*out->names), by_string);
	out->running = xcalloc(out->nr + 1, sizeof(*out->running));
	for (i = 0; i < out->nr; i++)
		out->running[i] = running_pid(r, out->names[i]);
	return 0;
}

void pending_list_release(struct pending_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		free(list->names[i]);
	free(list->names);
	free(list->running);
	list->names = NULL;
	list->running = NULL;
	list->nr = list->alloc = 0;
}

void pending_warn(const struct pending_list *pending)
{
	size_t i, interrupted = 0;

	for (i = 0; i < pending->nr; i++) {
		if (pending->running[i]) {
			out_warning("an upgrade of %s is running (pid %ld)",
				    pending->names[i], pending->running[i]);
			continue;
		}
		out_warning("an interrupted upgrade of %s is pending (%s%s)",
			    pending->names[i], SNAPSHOT_REF_PREFIX,
			    pending->names[i]);
		interrupted++;
	}
	if (interrupted)
		out_hint("'git graft rollback' restores the state from before it");
}

int guard_warn_pending(const struct graft_repo *r)
{
	struct pending_list pending = PENDING_LIST_INIT;
	int rc;

	if ((rc = pending_snapshots(&pending, r)) == 0)
		pending_warn(&pending);
	pending_list_release(&pending);
	return rc;
}

/* GRAFT_EFATAL, naming the pid, while a pending snapshot's upgrade runs. */
static int refuse_running(const struct pending_list *pending)
{
	size_t i;
	int rc;

	for (i = 0; i < pending->nr; i++) {
		if (!pending->running[i])
			continue;
		rc = graft_error_code(GRAFT_EFATAL, "an upgrade of %s is running (pid %ld)",
				      pending->names[i], pending->running[i]);
		graft_error_hint("wait for it to finish");
		return rc;
	}
	return 0;
}

int guard_no_pending(const struct graft_repo *r)
{
	struct pending_list pending = PENDING_LIST_INIT;
	int rc;

	if ((rc = pending_snapshots(&pending, r)) < 0)
		return rc;
	if (pending.nr && (rc = refuse_running(&pending)) == 0) {
		rc = graft_error("an interrupted upgrade of '%s' is pending (%s%s)",
				 pending.names[0], SNAPSHOT_REF_PREFIX,
				 pending.names[0]);
		graft_error_hint("run 'git graft rollback' to restore the state from before it");
	}
	pending_list_release(&pending);
	return rc;
}

int guard_none_running(const struct graft_repo *r)
{
	struct pending_list pending = PENDING_LIST_INIT;
	int rc;

	if ((rc = pending_snapshots(&pending, r)) == 0)
		rc = refuse_running(&pending);
	pending_list_release(&pending);
	return rc;
}

int guard_mutation(struct oplock *lock, const struct graft_repo *r)
{
	int rc;

	if ((rc = oplock_acquire(lock, r)) < 0)
		return rc;
	if ((rc = lockfiles_clear_stale(r)) < 0 ||
	    (rc = recover_stale(r)) < 0 || (rc = guard_no_pending(r)) < 0 ||
	    (rc = repo_check_state(r)) < 0) {
		oplock_release(lock);
		return rc;
	}
	return 0;
}
