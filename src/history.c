#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "history.h"

int history_walk(const struct graft_repo *r, history_fn fn, void *payload)
{
	git_revwalk *walker = NULL;
	git_oid oid;
	int rc = 0, err;

	if (git_repository_head_unborn(r->repo) == 1)
		return 0;
	if (git_revwalk_new(&walker, r->repo) < 0 ||
	    git_revwalk_push_head(walker) < 0 ||
	    git_revwalk_simplify_first_parent(walker) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot walk the history");
		goto done;
	}
	while (rc == 0) {
		struct graft_trailers t = GRAFT_TRAILERS_INIT;
		git_commit *c = NULL;
		int parsed;

		if ((err = git_revwalk_next(&oid, walker)) == GIT_ITEROVER)
			break;
		if (err < 0 || git_commit_lookup(&c, r->repo, &oid) < 0) {
			rc = graft_error_git(GRAFT_EFATAL, "cannot read the history");
			break;
		}
		parsed = trailers_parse(&t, git_commit_message(c));
		if (parsed < 0)
			rc = parsed;
		else if (parsed == 0)
			rc = fn(c, &t, payload);
		if (parsed == 0)
			trailers_release(&t);
		git_commit_free(c);
	}
	if (rc > 0)
		rc = 0;
	git_error_clear();
done:
	git_revwalk_free(walker);
	return rc;
}

void history_format_date(char *buf, size_t size, git_time_t time, int offset)
{
	time_t t = (time_t)time + (time_t)offset * 60;
	int a = offset < 0 ? -offset : offset;
	struct tm tm;

	gmtime_r(&t, &tm);
	if (!strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm))
		buf[0] = '\0';
	snprintf(buf + strlen(buf), size - strlen(buf), "%c%02d:%02d",
		 offset < 0 ? '-' : '+', a / 60, a % 60);
}

struct undoable_walk {
	struct undoable_list *out;
	const char *name;
	size_t max;
	/* commits later rollbacks undid, met before the upgrades themselves */
	git_oid *reverted;
	size_t reverted_nr, reverted_alloc;
};

static int was_reverted(const struct undoable_walk *w, const git_oid *id)
{
	size_t i;

	for (i = 0; i < w->reverted_nr; i++)
		if (git_oid_equal(&w->reverted[i], id))
			return 1;
	return 0;
}

static int collect_undoable(const git_commit *c, const struct graft_trailers *t,
			    void *payload)
{
	struct undoable_walk *w = payload;
	struct undoable *u;

	if (w->name && strcmp(w->name, t->dependency))
		return 0;
	if (t->action == GRAFT_ACTION_ROLLBACK) {
		/* trailers_parse checked it is 40 hex digits */
		ALLOC_GROW(w->reverted, w->reverted_nr + 1, w->reverted_alloc);
		git_oid_fromstr(&w->reverted[w->reverted_nr++], t->reverts);
		return 0;
	}
	if (was_reverted(w, git_commit_id(c)))
		return 0;
	ALLOC_GROW(w->out->items, w->out->nr + 1, w->out->alloc);
	u = &w->out->items[w->out->nr++];
	u->commit = *git_commit_id(c);
	u->time = git_commit_time(c);
	u->offset = git_commit_time_offset(c);
	/* the walk releases t: keep a copy (of what undoing it needs) */
	u->t = (struct graft_trailers)GRAFT_TRAILERS_INIT;
	u->t.action = t->action;
	u->t.dependency = xstrdup(t->dependency);
	u->t.from_ref = xstrdup(t->from_ref);
	u->t.from_commit = xstrdup(t->from_commit);
	u->t.to_ref = xstrdup(t->to_ref);
	u->t.to_commit = xstrdup(t->to_commit);
	return w->max && w->out->nr >= w->max;
}

int history_undoable(struct undoable_list *out, const struct graft_repo *r,
		     const char *name, size_t max)
{
	struct undoable_walk w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.out = out;
	w.name = name;
	w.max = max;
	if ((rc = history_walk(r, collect_undoable, &w)) < 0)
		undoable_list_release(out);
	free(w.reverted);
	return rc;
}

void undoable_list_release(struct undoable_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		trailers_release(&list->items[i].t);
	free(list->items);
	memset(list, 0, sizeof(*list));
}
