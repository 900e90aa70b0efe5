#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "alloc.h"
#include "error.h"
#include "guard.h"
#include "output.h"
#include "recover.h"

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pending_snapshots(struct pending_list *out, const struct graft_repo *r)
{
	git_reference_iterator *it = NULL;
	const char *name;
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
	return 0;
}

void pending_list_release(struct pending_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		free(list->names[i]);
	free(list->names);
	list->names = NULL;
	list->nr = list->alloc = 0;
}

void pending_warn(const struct pending_list *pending)
{
	size_t i;

	for (i = 0; i < pending->nr; i++)
		out_warning("an interrupted upgrade of %s is pending (%s%s)",
			    pending->names[i], SNAPSHOT_REF_PREFIX,
			    pending->names[i]);
	if (pending->nr)
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

int guard_no_pending(const struct graft_repo *r)
{
	struct pending_list pending = PENDING_LIST_INIT;
	int rc;

	if ((rc = pending_snapshots(&pending, r)) < 0)
		return rc;
	if (pending.nr) {
		rc = graft_error("an interrupted upgrade of '%s' is pending (%s%s)",
				 pending.names[0], SNAPSHOT_REF_PREFIX,
				 pending.names[0]);
		graft_error_hint("run 'git graft rollback' to restore the state from before it");
	}
	pending_list_release(&pending);
	return rc;
}

int guard_mutation(struct oplock *lock, const struct graft_repo *r)
{
	int rc;

	if ((rc = oplock_acquire(lock, r)) < 0)
		return rc;
	if ((rc = recover_stale(r)) < 0 || (rc = guard_no_pending(r)) < 0 ||
	    (rc = repo_check_state(r)) < 0) {
		oplock_release(lock);
		return rc;
	}
	return 0;
}
