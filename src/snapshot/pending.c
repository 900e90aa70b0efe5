#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "alloc.h"
#include "error.h"
#include "snapshot/oplock.h"
#include "snapshot/pending.h"
#include "snapshot/snapshot.h"
#include "snapshot/upgrade_state.h"

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Whether the git-graft that took the pending snapshot of list->names[i]
 * (or one continuing its upgrade) still runs it, or it is stopped, and
 * in which worktree. A snapshot that cannot be read has no one running
 * it that this version knows of.
 */
static void classify(struct pending_list *list, size_t i,
		     const struct graft_repo *r)
{
	struct snapshot snap = SNAPSHOT_INIT;
	struct upgrade_state st = UPGRADE_STATE_INIT;
	int here = 1;

	if (snapshot_read(&snap, r, list->names[i]) != 0) {
		graft_error_clear();
		return;
	}
	if (oplock_held_by(r, snap.pid)) {
		list->running[i] = snap.pid;
	} else if (upgrade_state_find(&st, &here, r, list->names[i],
				      &snap.commit) == 0) {
		if (st.pid && oplock_held_by(r, st.pid))
			list->running[i] = st.pid;
		else if (!st.pid)
			list->state[i] = here ? PENDING_STOPPED_HERE :
				PENDING_STOPPED_ELSEWHERE;
		else
			here = snapshot_taken_here(&snap, r);
		upgrade_state_release(&st);
	} else {
		here = snapshot_taken_here(&snap, r);
	}
	if (!list->running[i] && !here) {
		if (list->state[i] == PENDING_INTERRUPTED)
			list->state[i] = PENDING_INTERRUPTED_ELSEWHERE;
		list->where[i] = snapshot_worktree_path(&snap, r);
	}
	snapshot_release(&snap);
}

int pending_elsewhere(const struct pending_list *list, size_t i)
{
	return !list->running[i] &&
	       (list->state[i] == PENDING_INTERRUPTED_ELSEWHERE ||
		list->state[i] == PENDING_STOPPED_ELSEWHERE);
}

void pending_list_filter(struct pending_list *list,
			 int (*keep)(const struct pending_list *, size_t,
				     const void *),
			 const void *data)
{
	size_t i, n = 0;

	for (i = 0; i < list->nr; i++) {
		if (!keep(list, i, data)) {
			free(list->names[i]);
			free(list->where[i]);
			continue;
		}
		list->names[n] = list->names[i];
		list->running[n] = list->running[i];
		list->state[n] = list->state[i];
		list->where[n++] = list->where[i];
	}
	list->nr = n;
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
	out->state = xcalloc(out->nr + 1, sizeof(*out->state));
	out->where = xcalloc(out->nr + 1, sizeof(*out->where));
	for (i = 0; i < out->nr; i++)
		classify(out, i, r);
	return 0;
}

void pending_list_release(struct pending_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->names[i]);
		free(list->where[i]);
	}
	free(list->names);
	free(list->running);
	free(list->state);
	free(list->where);
	*list = (struct pending_list)PENDING_LIST_INIT;
}
