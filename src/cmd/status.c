#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_changes.h"
#include "deps/dep_checkout.h"
#include "deps/dep_clone.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "formats/names.h"
#include "ops/guard.h"
#include "ops/integrity.h"
#include "ops/project.h"
#include "paths.h"
#include "report.h"
#include "snapshot/snapshot.h"
#include "snapshot/upgrade_state.h"

static const char *const status_usage[] = {
	"git graft status [--json] [--fetch] [<name>]",
	NULL,
};

/* Everything status knows about one dependency. */
struct dep_status {
	const char *name;
	const struct graft_dependency *decl;	/* NULL: only in graft.lock */
	const struct lock_entry *locked;	/* NULL: not locked */
	git_oid locked_id;
	struct dep_integrity integrity;	/* checkout and gitlink against the lock */
	int dirty;
	char *ref;		/* the tracked ref, or NULL */
	int has_latest;
	git_oid latest;
	size_t ahead;		/* commits from locked to latest */
	int changes_known;
	size_t changes;		/* declared changes from locked to latest */
	int has_attempt;	/* refs/graft/attempts/<name> keeps one */
	git_oid attempt;
	char **warnings, **hints;
	size_t warnings_nr, warnings_alloc, hints_nr, hints_alloc;
};

static void add_warning(struct dep_status *s, const char *hint,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_warning(struct dep_status *s, const char *hint,
			const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ALLOC_GROW(s->warnings, s->warnings_nr + 1, s->warnings_alloc);
	s->warnings[s->warnings_nr++] = strbuf_detach(&sb);
	ALLOC_GROW(s->hints, s->hints_nr + 1, s->hints_alloc);
	s->hints[s->hints_nr++] = hint ? xstrdup(hint) : NULL;
}

static void status_release(struct dep_status *s)
{
	size_t i;

	for (i = 0; i < s->warnings_nr; i++) {
		free(s->warnings[i]);
		free(s->hints[i]);
	}
	free(s->warnings);
	free(s->hints);
	free(s->ref);
}

/* The newest known commit of the tracked ref, and what lies before it. */
static int inspect_latest(struct dep_status *s, struct dep *d)
{
	struct graft_config cfg = GRAFT_CONFIG_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	struct dep_change_list changes = DEP_CHANGE_LIST_INIT;
	size_t behind;
	int rc;

	if (!s->decl)
		return 0;
	rc = dep_tracked_ref(&s->ref, d, s->decl->ref);
	if (rc == 0)
		rc = dep_resolve(&s->latest, d, s->ref);
	if (rc == 1) {
		add_warning(s, NULL, "%s", graft_error_message());
		graft_error_clear();
		return 0;
	}
	if (rc < 0)
		return rc;
	s->has_latest = 1;
	if (!s->locked)
		return 0;
	/* a hand-edited or not yet fetched lock: say so, count nothing */
	if (!dep_has_commit(d, &s->locked_id)) {
		add_warning(s, "'git graft fetch' gets what the source has; 'git graft apply' locks a commit it has",
			    "graft.lock has %s for %s, which is not in its repository",
			    s->locked->commit, s->name);
		return 0;
	}
	if (git_graph_ahead_behind(&s->ahead, &behind, d->repo, &s->latest,
				   &s->locked_id) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot compare commits of %s",
				       s->name);
	/* a dependency's broken graft.ini leaves the count unknown */
	if (dep_read_config(&cfg, &diags, d, &s->latest) == 0 &&
	    dep_changes_between(&changes, d, &cfg, &s->locked_id,
				&s->latest) == 0) {
		s->changes_known = 1;
		s->changes = changes.nr;
	}
	if (diags.nr)
		add_warning(s, NULL, "the graft.ini of %s at %s has problems: %s",
			    s->name, s->ref, diags.items[0].message);
	graft_error_clear();
	dep_change_list_release(&changes);
	diag_list_release(&diags);
	config_release(&cfg);
	return 0;
}

/* What is not as declared and locked, in status's words. */
static void warn_integrity(struct dep_status *s, const char *path)
{
	const struct dep_integrity *in = &s->integrity;
	char a[8], b[8];

	if (s->decl && !s->locked)
		add_warning(s, "'git graft resolve' clones and locks it",
			    "%s is declared in graft.ini but not resolved", s->name);
	if (!s->decl)
		add_warning(s, "'git graft remove' removes it",
			    "%s is in graft.lock but graft.ini does not declare it",
			    s->name);
	if (in->problems & INTEGRITY_NOT_CLONED) {
		add_warning(s, "'git graft resolve' clones it",
			    "%s is locked but %s is not checked out", s->name, path);
		return;
	}
	if (in->problems & INTEGRITY_CHECKOUT)
		add_warning(s, "'git graft sync' checks the locked commit out",
			    "%s is checked out at %s, not at its locked commit %s",
			    path, in->has_head ? short_id(a, &in->head) : "nothing",
			    short_id(b, &s->locked_id));
	if (in->problems & INTEGRITY_GITLINK)
		add_warning(s, "'git graft sync' records the locked commit",
			    "the index records %s for %s, not its locked commit %s",
			    in->has_gitlink ? short_id(a, &in->gitlink) : "nothing",
			    path, short_id(b, &s->locked_id));
	if (s->locked && s->dirty)
		add_warning(s, NULL, "%s has changes that are not committed", path);
}

/* git clones from .gitmodules, git-graft from graft.ini: they must agree. */
static void check_source(struct dep_status *s, const struct dep *d)
{
	char *url;

	if (!s->decl || !d->gitmodules_url)
		return;
	url = source_gitmodules_url(s->decl->source);
	if (strcmp(url, d->gitmodules_url))
		add_warning(s, "'git clone --recurse-submodules' uses the one in .gitmodules; make them the same",
			    "graft.ini has the source '%s' for %s, but .gitmodules has '%s'",
			    s->decl->source, s->name, d->gitmodules_url);
	free(url);
}

/* The failed attempt at upgrading it that git-graft keeps, if any. */
static void find_attempt(struct dep_status *s, const struct project *p)
{
	char *ref = snapshot_attempt_ref_name(s->name);

	s->has_attempt = git_reference_name_to_id(&s->attempt, p->repo.repo, ref) == 0;
	git_error_clear();
	free(ref);
}

static int inspect(struct dep_status *s, struct project *p, int fetch)
{
	struct dep d = DEP_INIT;
	int rc;

	if (s->locked)
		git_oid_fromstr(&s->locked_id, s->locked->commit);
	if ((rc = dep_load(&d, &p->repo, s->name)) < 0)
		return rc;
	check_source(s, &d);
	/* an unreachable source leaves what was fetched before to show */
	if (d.repo && fetch && s->decl &&
	    (rc = dep_fetch(&d, s->decl->source)) < 0) {
		if (is_interrupt(rc))
			goto done;
		add_warning(s, NULL, "%s", graft_error_message());
		graft_error_clear();
	}
	if ((rc = dep_integrity_check(&s->integrity, &d, p->index,
				      s->locked ? &s->locked_id : NULL)) < 0)
		goto done;
	if (s->integrity.cloned &&
	    ((rc = dep_is_dirty(&s->dirty, &d)) < 0 ||
	     (rc = inspect_latest(s, &d)) < 0))
		goto done;
	warn_integrity(s, d.shown);
	find_attempt(s, p);
done:
	dep_release(&d);
	return rc;
}

static void print_human(const struct dep_status *s)
{
	char id[8];
	size_t i;

	if (s->locked)
		graft_result("%s: %s at %s, consumed %s", s->name, s->locked->ref,
			     short_id(id, &s->locked_id), s->locked->consumed_at);
	else
		graft_result("%s: not resolved", s->name);
	if (s->has_latest && s->locked &&
	    git_oid_equal(&s->latest, &s->locked_id))
		graft_result("  up to date with %s", s->ref);
	else if (s->has_latest && s->locked && s->changes_known)
		graft_result("  update: %s is at %s, %zu commit%s and %zu declared change%s ahead",
			     s->ref, short_id(id, &s->latest), s->ahead,
			     s->ahead == 1 ? "" : "s", s->changes,
			     s->changes == 1 ? "" : "s");
	else if (s->has_latest && s->locked)
		graft_result("  update: %s is at %s, %zu commit%s ahead", s->ref,
			     short_id(id, &s->latest), s->ahead,
			     s->ahead == 1 ? "" : "s");
	else if (s->has_latest)
		graft_result("  %s is at %s", s->ref, short_id(id, &s->latest));
	if (s->has_attempt)
		graft_result("  a failed attempt at upgrading it is kept: %s%s (%s)",
			     ATTEMPT_REF_PREFIX, s->name, short_id(id, &s->attempt));
	for (i = 0; i < s->warnings_nr; i++) {
		out_warning("%s", s->warnings[i]);
		if (s->hints[i])
			out_hint("%s", s->hints[i]);
	}
}

static json_t *json_commit(const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1], short_hex[8];

	git_oid_tostr(hex, sizeof(hex), id);
	return json_pack("{s:s, s:s}", "commit", hex, "short",
			 short_id(short_hex, id));
}

static json_t *to_json(const struct dep_status *s, const char *path)
{
	json_t *o = json_object(), *warnings = json_array(), *j;
	size_t i;

	json_object_set_new(o, "name", json_text(s->name));
	json_object_set_new(o, "path", json_text(path));
	json_object_set_new(o, "declared", json_boolean(s->decl != NULL));
	json_object_set_new(o, "source", json_text(s->decl ? s->decl->source :
						   s->locked->source));
	json_object_set_new(o, "ref", json_text(s->decl ? s->decl->ref : NULL));
	j = json_null();
	if (s->locked) {
		j = json_commit(&s->locked_id);
		json_object_set_new(j, "ref", json_text(s->locked->ref));
		json_object_set_new(j, "consumed_at",
				    json_text(s->locked->consumed_at));
	}
	json_object_set_new(o, "locked", j);
	j = json_null();
	if (s->integrity.has_head) {
		j = json_commit(&s->integrity.head);
		json_object_set_new(j, "dirty", json_boolean(s->dirty));
	}
	json_object_set_new(o, "checkout", j);
	json_object_set_new(o, "at_locked_commit",
			    json_boolean(s->locked && s->integrity.has_head &&
					 git_oid_equal(&s->integrity.head,
						       &s->locked_id)));
	j = json_null();
	if (s->has_latest) {
		j = json_commit(&s->latest);
		json_object_set_new(j, "ref", json_text(s->ref));
		json_object_set_new(j, "commits_ahead",
				    s->locked ? json_integer((json_int_t)s->ahead) :
				    json_null());
		json_object_set_new(j, "changes",
				    s->changes_known ?
				    json_integer((json_int_t)s->changes) :
				    json_null());
	}
	json_object_set_new(o, "latest", j);
	json_object_set_new(o, "update_available",
			    json_boolean(s->has_latest && s->locked &&
					 !git_oid_equal(&s->latest,
							&s->locked_id)));
	for (i = 0; i < s->warnings_nr; i++)
		json_array_append_new(warnings, json_text(s->warnings[i]));
	json_object_set_new(o, "attempt", s->has_attempt ?
			    json_commit(&s->attempt) : json_null());
	json_object_set_new(o, "warnings", warnings);
	return o;
}

/* Declared dependencies in graft.ini's order, then ones only locked. */
static size_t collect(struct dep_status **out, const struct project *p,
		      const char *only)
{
	struct dep_status *list = xcalloc(p->cfg.deps_nr + p->lock.nr + 1,
					  sizeof(*list));
	size_t nr = 0, i;

	for (i = 0; i < p->cfg.deps_nr; i++) {
		const char *name = p->cfg.deps[i].name;

		if (only && strcmp(only, name))
			continue;
		list[nr].name = name;
		list[nr].decl = &p->cfg.deps[i];
		list[nr++].locked = lock_find(&p->lock, name);
	}
	for (i = 0; i < p->lock.nr; i++) {
		const char *name = p->lock.entries[i].name;

		if ((only && strcmp(only, name)) ||
		    config_find_dependency(&p->cfg, name))
			continue;
		list[nr].name = name;
		list[nr++].locked = &p->lock.entries[i];
	}
	*out = list;
	return nr;
}

/*
 * --fetch changes only the dependencies' repositories, so it is skipped
 * (with a warning) rather than refused while an upgrade waits to be
 * rolled back: status must still show that state.
 */
static int may_fetch(struct project *p, const struct pending_list *pending)
{
	int rc;

	if (pending->nr) {
		out_warning(pending->running[0] ?
			    "not fetching while an upgrade is running" :
			    pending->state[0] == PENDING_STOPPED_HERE ||
			    pending->state[0] == PENDING_STOPPED_ELSEWHERE ?
			    "not fetching while an upgrade is stopped" :
			    "not fetching while an interrupted upgrade is pending");
		return 0;
	}
	if ((rc = guard_mutation(&p->oplock, &p->repo)) < 0)
		return rc;
	return 1;
}

/*
 * The upgrade stopped in this worktree, as `git status` tells of a rebase:
 * where it stopped, why, and the ways on.
 */
static void print_stopped(const struct upgrade_state *st)
{
	struct strbuf msg = STRBUF_INIT;
	const char *line, *end;

	strbuf_addf(&msg, "You are currently upgrading %s from %s to %s, stopped at change %s (%zu of %zu):\n",
		    st->dep, st->from_ref, st->to_ref, st->change_ref,
		    st->change + 1, st->changes);
	for (line = st->failure; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		strbuf_addf(&msg, "  %.*s\n", (int)(end - line), line);
	}
	if (st->step == UPGRADE_STEP_MIGRATION)
		strbuf_addstr(&msg, "  (do what the migration did not, then run \"git graft upgrade --continue\": the verification runs next)\n");
	else
		strbuf_addstr(&msg, "  (fix what it found, then run \"git graft upgrade --continue\": it runs again)\n");
	strbuf_addf(&msg, "  (use \"git graft upgrade --skip\" to go on without the rest of change %s)\n",
		    st->change_ref);
	strbuf_addstr(&msg, "  (use \"git graft upgrade --abort\" to put everything back as it was before the upgrade)\n\n");
	out_sanitized(stdout, msg.buf);
	strbuf_release(&msg);
}

static json_t *stopped_json(const struct upgrade_state *st)
{
	char from[GIT_OID_HEXSZ + 1], to[GIT_OID_HEXSZ + 1];

	if (!st)
		return json_null();
	return json_pack("{s:o, s:{s:o, s:s}, s:{s:o, s:s}, s:{s:o, s:I, s:I}, s:s, s:o, s:o, s:I}",
		"dependency", json_text(st->dep),
		"from", "ref", json_text(st->from_ref),
		"commit", git_oid_tostr(from, sizeof(from), &st->from),
		"to", "ref", json_text(st->to_ref),
		"commit", git_oid_tostr(to, sizeof(to), &st->to),
		"change", "ref", json_text(st->change_ref),
		"position", (json_int_t)st->change + 1,
		"of", (json_int_t)st->changes,
		"step", upgrade_step_name(st->step),
		"command", json_text(st->command),
		"error", json_text(st->failure),
		"commits", (json_int_t)st->committed);
}

/* Whether print_stopped did not already tell of pending snapshot i. */
static int not_stopped_here(const struct pending_list *pending, size_t i,
			    const void *unused)
{
	(void)unused;
	return pending->running[i] || pending->state[i] != PENDING_STOPPED_HERE;
}

static int print_json(struct dep_status *list, size_t nr,
		      const struct pending_list *pending,
		      const struct upgrade_state *stopped)
{
	json_t *root = json_object(), *deps = json_array(), *p = json_array();
	json_t *running = json_array(), *elsewhere = json_array();
	json_t *interrupted_elsewhere = json_array();
	struct strbuf path = STRBUF_INIT;
	size_t i;

	for (i = 0; i < pending->nr; i++) {
		if (pending->running[i]) {
			json_array_append_new(running, json_pack("{s:o, s:I}",
				"dependency", json_text(pending->names[i]),
				"pid", (json_int_t)pending->running[i]));
			continue;
		}
		switch (pending->state[i]) {
		case PENDING_INTERRUPTED:
			json_array_append_new(p, json_text(pending->names[i]));
			break;
		case PENDING_INTERRUPTED_ELSEWHERE:
			json_array_append_new(interrupted_elsewhere,
				json_pack("{s:o, s:o}",
					  "dependency", json_text(pending->names[i]),
					  "worktree", json_text(pending->where[i])));
			break;
		case PENDING_STOPPED_ELSEWHERE:
			json_array_append_new(elsewhere,
					      json_text(pending->names[i]));
			break;
		case PENDING_STOPPED_HERE:
			break;
		}
	}
	for (i = 0; i < nr; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", DEPS_DIR, list[i].name);
		json_array_append_new(deps, to_json(&list[i], path.buf));
	}
	strbuf_release(&path);
	json_object_set_new(root, "pending_upgrades", p);
	json_object_set_new(root, "running_upgrades", running);
	json_object_set_new(root, "stopped_upgrade", stopped_json(stopped));
	json_object_set_new(root, "stopped_elsewhere", elsewhere);
	json_object_set_new(root, "interrupted_elsewhere", interrupted_elsewhere);
	json_object_set_new(root, "dependencies", deps);
	return output_json(root);
}

int cmd_status(int argc, char **argv)
{
	struct project p;
	struct pending_list pending = PENDING_LIST_INIT;
	struct upgrade_state st = UPGRADE_STATE_INIT;
	struct dep_status *list = NULL;
	int json = 0, fetch = 0, stopped = 0, rc;
	size_t nr = 0, i;
	const struct option_spec options[] = {
		OPT_BOOL(0, "json", &json, "print everything as JSON"),
		OPT_BOOL(0, "fetch", &fetch, "fetch the dependencies first"),
		OPT_END(),
	};

	project_init(&p);
	argc = parse_options(argc, argv, options, status_usage, 0);
	if (argc > 1)
		usage_error(status_usage, options, "status takes at most one name");
	if ((argc && (rc = name_check(argv[0], "dependency name")) < 0) ||
	    (rc = project_open(&p, 0)) < 0 ||
	    (rc = pending_snapshots(&pending, &p.repo)) < 0)
		goto done;
	nr = collect(&list, &p, argc ? argv[0] : NULL);
	if (argc && !nr) {
		char *q = name_quoted(argv[0]);

		rc = graft_error("there is no dependency %s", q);
		project_hint_declared(&p);
		free(q);
		goto done;
	}
	for (i = 0; i < pending.nr; i++)
		if (!pending.running[i] && pending.state[i] == PENDING_STOPPED_HERE)
			stopped = 1;
	if (stopped && (rc = upgrade_state_read(&st, &p.repo)) != 0) {
		if (rc < 0)
			goto done;
		stopped = 0;
	}
	if (fetch && (rc = fetch = may_fetch(&p, &pending)) < 0)
		goto done;
	if (!json && stopped) {
		print_stopped(&st);
		pending_list_filter(&pending, not_stopped_here, NULL);
	}
	if (!json)
		pending_warn(&pending);
	for (i = 0; i < nr; i++) {
		if ((rc = inspect(&list[i], &p, fetch)) < 0)
			goto done;
		if (!json)
			print_human(&list[i]);
	}
	if (!json && !nr)
		graft_result("No dependencies; 'git graft add <name> <source>' adds one");
	rc = json ? print_json(list, nr, &pending, stopped ? &st : NULL) : 0;
done:
	upgrade_state_release(&st);
	for (i = 0; i < nr; i++)
		status_release(&list[i]);
	free(list);
	pending_list_release(&pending);
	project_close(&p);
	return graft_error_report(rc);
}
