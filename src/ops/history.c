#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "ops/history.h"

/* The commits of one entry being read, oldest first. */
struct series {
	git_commit **commits;
	struct graft_trailers *parts;
	size_t nr;
};

static void series_release(struct series *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		git_commit_free(s->commits[i]);
		trailers_release(&s->parts[i]);
	}
	free(s->commits);
	free(s->parts);
	memset(s, 0, sizeof(*s));
}

static int same_upgrade(const struct graft_trailers *a,
			const struct graft_trailers *b)
{
	return a->action == b->action && a->series_len == b->series_len &&
	       !strcmp(a->dependency, b->dependency) &&
	       !strcmp(a->from_ref, b->from_ref) &&
	       !strcmp(a->from_commit, b->from_commit) &&
	       !strcmp(a->to_ref, b->to_ref) &&
	       !strcmp(a->to_commit, b->to_commit);
}

/*
 * The series whose newest commit present is c, at position t->series_pos:
 * the commits before it, down to position 1, each the first parent of
 * the next. s holds c alone when they are not all there as they should
 * be. Takes c and t over.
 */
static int read_series(struct series *s, git_commit *c,
		       struct graft_trailers *t)
{
	size_t n = t->series_len ? t->series_pos : 1, i;
	int rc = 0;

	s->commits = xcalloc(n, sizeof(*s->commits));
	s->parts = xcalloc(n, sizeof(*s->parts));
	s->nr = n;
	s->commits[n - 1] = c;
	s->parts[n - 1] = *t;
	for (i = n - 1; i > 0 && rc == 0; i--) {
		git_commit *parent = NULL;
		struct graft_trailers *p = &s->parts[i - 1];

		if (git_commit_parentcount(s->commits[i]) < 1)
			break;
		if (git_commit_parent(&parent, s->commits[i], 0) < 0)
			return graft_error_git(GRAFT_EFATAL, "cannot read the history");
		s->commits[i - 1] = parent;
		if ((rc = trailers_parse(p, git_commit_message(parent))) < 0)
			return rc;
		if (rc == 1 || p->series_pos != i || !same_upgrade(p, t))
			break;
	}
	if (i > 0 || rc != 0) {
		/* not a whole series: c is an entry of its own */
		s->commits[n - 1] = NULL;
		memset(&s->parts[n - 1], 0, sizeof(s->parts[n - 1]));
		series_release(s);
		s->commits = xcalloc(1, sizeof(*s->commits));
		s->parts = xcalloc(1, sizeof(*s->parts));
		s->nr = 1;
		s->commits[0] = c;
		s->parts[0] = *t;
	}
	return 0;
}

/* Move the walk past the older commits of s, which it meets next. */
static int skip_series(git_revwalk *walker, const struct series *s)
{
	git_oid oid;
	size_t i;

	for (i = s->nr - 1; i > 0; i--)
		if (git_revwalk_next(&oid, walker) < 0 ||
		    !git_oid_equal(&oid, git_commit_id(s->commits[i - 1])))
			return graft_error_code(GRAFT_EFATAL, "cannot read the history: the first parents of %s are not walked in order",
						git_oid_tostr_s(git_commit_id(s->commits[s->nr - 1])));
	return 0;
}

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
		struct series s = { NULL, NULL, 0 };
		struct history_entry e;
		git_commit *c = NULL;
		int parsed;

		if ((err = git_revwalk_next(&oid, walker)) == GIT_ITEROVER)
			break;
		if (err < 0 || git_commit_lookup(&c, r->repo, &oid) < 0) {
			rc = graft_error_git(GRAFT_EFATAL, "cannot read the history");
			break;
		}
		parsed = trailers_parse(&t, git_commit_message(c));
		if (parsed != 0) {
			rc = parsed < 0 ? parsed : 0;
			git_commit_free(c);
			continue;
		}
		if ((rc = read_series(&s, c, &t)) == 0 &&
		    (rc = skip_series(walker, &s)) == 0) {
			e.commits = s.commits;
			e.parts = s.parts;
			e.nr = s.nr;
			e.commit = s.commits[s.nr - 1];
			e.t = &s.parts[s.nr - 1];
			rc = fn(&e, payload);
		}
		series_release(&s);
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

struct committed_upgrades_walk {
	struct committed_upgrades *out;
	const char *name;
	size_t max;
	/* commits later rollbacks undid, met before the upgrades themselves */
	git_oid *reverted;
	size_t reverted_nr, reverted_alloc;
};

static int was_reverted(const struct committed_upgrades_walk *w, const git_oid *id)
{
	size_t i;

	for (i = 0; i < w->reverted_nr; i++)
		if (git_oid_equal(&w->reverted[i], id))
			return 1;
	return 0;
}

static int collect_committed(const struct history_entry *e, void *payload)
{
	struct committed_upgrades_walk *w = payload;
	const struct graft_trailers *t = e->t;
	const git_commit *oldest = e->commits[0];
	struct committed_upgrade *u;

	if (w->name && strcmp(w->name, t->dependency))
		return 0;
	if (t->action == GRAFT_ACTION_ROLLBACK) {
		/* trailers_parse checked it is 40 hex digits */
		ALLOC_GROW(w->reverted, w->reverted_nr + 1, w->reverted_alloc);
		git_oid_fromstr(&w->reverted[w->reverted_nr++], t->reverts);
		return 0;
	}
	if (was_reverted(w, git_commit_id(e->commit)))
		return 0;
	ALLOC_GROW(w->out->items, w->out->nr + 1, w->out->alloc);
	u = &w->out->items[w->out->nr++];
	u->commit = *git_commit_id(e->commit);
	memset(&u->base, 0, sizeof(u->base));
	if (git_commit_parentcount(oldest))
		u->base = *git_commit_parent_id(oldest, 0);
	u->commits = e->nr;
	u->time = git_commit_time(e->commit);
	u->offset = git_commit_time_offset(e->commit);
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

int history_committed_upgrades(struct committed_upgrades *out, const struct graft_repo *r,
		     const char *name, size_t max)
{
	struct committed_upgrades_walk w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.out = out;
	w.name = name;
	w.max = max;
	if ((rc = history_walk(r, collect_committed, &w)) < 0)
		committed_upgrades_release(out);
	free(w.reverted);
	return rc;
}

void committed_upgrades_release(struct committed_upgrades *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		trailers_release(&list->items[i].t);
	free(list->items);
	memset(list, 0, sizeof(*list));
}
