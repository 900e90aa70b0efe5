/*
 * git graft rollback: put back the state from before an upgrade that was
 * cut short (its snapshot ref is still there); with none pending, undo
 * the newest committed upgrade of a dependency with a new commit
 * (ops/rollback_commit.h). --list shows both kinds.
 *
 * An interrupted upgrade must be restored whatever it left behind:
 * graft.ini and graft.lock half-migrated, a merge a migration started.
 * So that path reads neither file and does not refuse over git's own
 * operations in progress; the snapshot is the whole truth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "error.h"
#include "formats/names.h"
#include "ops/guard.h"
#include "ops/history.h"
#include "ops/project.h"
#include "ops/rollback.h"
#include "ops/rollback_commit.h"
#include "repo.h"
#include "report.h"
#include "snapshot/lockfiles.h"
#include "snapshot/oplock.h"
#include "snapshot/snapshot.h"
#include "snapshot/upgrade_state.h"

static const char *const rollback_usage[] = {
	"git graft rollback [-q] [-S[<key-id>] | --no-gpg-sign] [<name>]",
	"git graft rollback --list [--json] [<name>]",
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

/* A snapshot is put back in the worktree it was taken in, not here. */
static int not_elsewhere(const struct pending_list *pending, const char *dep)
{
	size_t i;

	for (i = 0; dep && i < pending->nr; i++)
		if (!strcmp(pending->names[i], dep) &&
		    pending_elsewhere(pending, i))
			return pending_refuse(pending, i);
	return 0;
}

static int rollback_interrupted(const struct graft_repo *r, const char *dep)
{
	int committed, rc;

	if ((rc = rollback_abort(r, dep, &committed)) < 0) {
		graft_error_hint("the snapshot is kept under %s%s; 'git graft rollback' tries again",
				 SNAPSHOT_REF_PREFIX, dep);
		return rc;
	}
	if (committed)
		graft_result("The upgrade of %s had been committed; removed its leftover snapshot ref.",
			     dep);
	else
		graft_result("Restored the state from before the upgrade of %s.", dep);
	return 0;
}

/* Undo the newest committed upgrade of name. */
static int rollback_committed(const char *name,
			      const struct commit_options *opts)
{
	struct project p;
	struct rollback_commit_result res = ROLLBACK_COMMIT_RESULT_INIT;
	git_oid from, to;
	char a[8], b[8], c[8], d[8];
	int rc;

	project_init(&p);
	if ((rc = project_open(&p, PROJECT_MUTATE)) == 0 &&
	    (rc = rollback_commit_run(&res, &p, name, opts)) == 0) {
		git_oid_fromstr(&from, res.t.from_commit);
		git_oid_fromstr(&to, res.t.to_commit);
		if (res.reverted_commits > 1)
			graft_result("%s: %s (%s) -> %s (%s), reverting the %zu commits up to %s, committed as %s",
				     name, res.t.from_ref, short_id(a, &from),
				     res.t.to_ref, short_id(b, &to),
				     res.reverted_commits,
				     short_id(c, &res.reverted),
				     short_id(d, &res.commit));
		else
			graft_result("%s: %s (%s) -> %s (%s), reverting %s, committed as %s",
				     name, res.t.from_ref, short_id(a, &from),
				     res.t.to_ref, short_id(b, &to),
				     short_id(c, &res.reverted),
				     short_id(d, &res.commit));
	}
	rollback_commit_result_release(&res);
	project_close(&p);
	return rc;
}

static int run_rollback(const char *name, const struct commit_options *opts)
{
	struct graft_repo r = GRAFT_REPO_INIT;
	struct oplock lock = OPLOCK_INIT;
	struct pending_list pending = PENDING_LIST_INIT;
	const char *dep = NULL;
	int rc;

	/* before the lock, which its git-graft holds in its own worktree */
	if ((name && (rc = name_check(name, "dependency name")) < 0) ||
	    (rc = repo_open(&r, REPO_NEED_WORKTREE)) < 0 ||
	    (rc = guard_none_running(&r)) < 0 ||
	    (rc = oplock_acquire(&lock, &r)) < 0 ||
	    (rc = lockfiles_clear_stale(&r)) < 0 ||
	    (rc = pending_snapshots(&pending, &r)) < 0 ||
	    (rc = pick_pending(&dep, &pending, name)) < 0 ||
	    (rc = not_elsewhere(&pending, dep)) < 0)
		goto done;
	if (dep) {
		rc = rollback_interrupted(&r, dep);
	} else if (!name) {
		rc = graft_error("no interrupted upgrade is pending");
		graft_error_hint("'git graft rollback <name>' undoes the newest committed upgrade of <name>");
	}
done:
	pending_list_release(&pending);
	oplock_release(&lock, &r);
	repo_close(&r);
	/* the project takes the lock again, with the checks of any change */
	if (rc == 0 && !dep && name)
		rc = rollback_committed(name, opts);
	return rc;
}

/* ---- --list ------------------------------------------------------------ */

static json_t *ref_json(const char *ref, const git_oid *commit)
{
	char hex[GIT_OID_HEXSZ + 1];

	return json_pack("{s:o, s:o}", "ref", json_text(ref), "commit",
			 git_oid_is_zero(commit) ? json_null() :
			 json_string(git_oid_tostr(hex, sizeof(hex), commit)));
}

static json_t *ref_json_hex(const char *ref, const char *hex)
{
	return json_pack("{s:o, s:s}", "ref", json_text(ref), "commit", hex);
}

/* A snapshot that cannot be read is still listed, with what is known. */
static int read_pending(struct snapshot *snap, const struct graft_repo *r,
			const char *dep)
{
	int rc = snapshot_read(snap, r, dep);

	if (rc < 0) {
		out_warning("%s", graft_error_message());
		graft_error_clear();
	}
	return rc;
}

static void list_pending_json(json_t *out, const struct graft_repo *r,
			      const struct pending_list *pending)
{
	size_t i;

	for (i = 0; i < pending->nr; i++) {
		struct snapshot snap = SNAPSHOT_INIT;
		char *ref = snapshot_ref_name(pending->names[i]);
		int ok = read_pending(&snap, r, pending->names[i]) == 0;

		json_array_append_new(out, json_pack("{s:o, s:o, s:o, s:s, s:o, s:b, s:b, s:o}",
			"dependency", json_text(pending->names[i]),
			"from", ok ? ref_json(snap.from_ref, &snap.from) : json_null(),
			"to", ok ? ref_json(snap.to_ref, &snap.to) : json_null(),
			"ref", ref,
			"running", pending->running[i] ?
			json_integer(pending->running[i]) : json_null(),
			"stopped", !pending->running[i] &&
			(pending->state[i] == PENDING_STOPPED_HERE ||
			 pending->state[i] == PENDING_STOPPED_ELSEWHERE),
			"elsewhere", pending_elsewhere(pending, i),
			"worktree", json_text(pending->where[i])));
		snapshot_release(&snap);
		free(ref);
	}
}

static json_t *committed_json(const struct committed_upgrade *u)
{
	char hex[GIT_OID_HEXSZ + 1], date[40];

	history_format_date(date, sizeof(date), u->time, u->offset);
	return json_pack("{s:o, s:s, s:s, s:o, s:o, s:I}",
			 "dependency", json_text(u->t.dependency),
			 "commit", git_oid_tostr(hex, sizeof(hex), &u->commit),
			 "date", date,
			 "from", ref_json_hex(u->t.from_ref, u->t.from_commit),
			 "to", ref_json_hex(u->t.to_ref, u->t.to_commit),
			 "commits", (json_int_t)u->commits);
}

enum pending_kind { KIND_RUNNING, KIND_STOPPED, KIND_INTERRUPTED };

static enum pending_kind kind_of(const struct pending_list *pending, size_t i)
{
	if (pending->running[i])
		return KIND_RUNNING;
	switch (pending->state[i]) {
	case PENDING_STOPPED_HERE:
	case PENDING_STOPPED_ELSEWHERE:
		return KIND_STOPPED;
	case PENDING_INTERRUPTED:
	case PENDING_INTERRUPTED_ELSEWHERE:
		break;
	}
	return KIND_INTERRUPTED;
}

/* The pending snapshots of a kind, under heading. */
static void print_pending(const struct graft_repo *r,
			  const struct pending_list *pending,
			  enum pending_kind kind, const char *heading)
{
	size_t i;
	int shown = 0;

	for (i = 0; i < pending->nr; i++) {
		struct snapshot snap = SNAPSHOT_INIT;
		struct strbuf line = STRBUF_INIT;

		if (kind_of(pending, i) != kind)
			continue;
		if (!shown++)
			printf("%s\n", heading);
		strbuf_addf(&line, "  %s", pending->names[i]);
		if (read_pending(&snap, r, pending->names[i]) == 0)
			strbuf_addf(&line, " %s -> %s",
				    snap.from_ref ? snap.from_ref : "?",
				    snap.to_ref ? snap.to_ref : "?");
		if (kind == KIND_RUNNING)
			strbuf_addf(&line, " (pid %ld)\n", pending->running[i]);
		else if (pending_elsewhere(pending, i))
			strbuf_addf(&line, " (in another worktree: %s)\n",
				    pending->where[i] ? pending->where[i] :
				    "removed since");
		else
			strbuf_addf(&line, " (%s%s)\n", SNAPSHOT_REF_PREFIX,
				    pending->names[i]);
		out_sanitized(stdout, line.buf);
		strbuf_release(&line);
		snapshot_release(&snap);
	}
}

/* Whether u is the newest committed upgrade of its dependency. */
static int is_next(const struct committed_upgrades *list, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(list->items[j].t.dependency,
			    list->items[i].t.dependency))
			return 0;
	return 1;
}

static void print_committed(const struct committed_upgrades *list)
{
	size_t i;

	if (!list->nr)
		return;
	printf("Committed upgrades, newest first ('git graft rollback <name>' undoes the newest one of <name>):\n");
	for (i = 0; i < list->nr; i++) {
		const struct committed_upgrade *u = &list->items[i];
		struct strbuf line = STRBUF_INIT;
		char id[8], date[40];

		history_format_date(date, sizeof(date), u->time, u->offset);
		date[10] = '\0';
		strbuf_addf(&line, "  %s %s %s %s -> %s", short_id(id, &u->commit),
			    date, u->t.dependency, u->t.from_ref, u->t.to_ref);
		if (u->commits > 1)
			strbuf_addf(&line, " (%zu commits)", u->commits);
		strbuf_addf(&line, "%s\n", is_next(list, i) ? "  (next)" : "");
		out_sanitized(stdout, line.buf);
		strbuf_release(&line);
	}
}

static int is_named(const struct pending_list *pending, size_t i,
		    const void *name)
{
	return !strcmp(pending->names[i], name);
}

static int list_rollbacks(const char *name, int json)
{
	struct graft_repo r = GRAFT_REPO_INIT;
	struct pending_list pending = PENDING_LIST_INIT;
	struct committed_upgrades committed = COMMITTED_UPGRADES_INIT;
	json_t *root, *list;
	size_t i;
	int rc;

	if ((name && (rc = name_check(name, "dependency name")) < 0) ||
	    (rc = repo_open(&r, 0)) < 0 ||
	    (rc = pending_snapshots(&pending, &r)) < 0 ||
	    (rc = history_committed_upgrades(&committed, &r, name, 0)) < 0)
		goto done;
	if (name)
		pending_list_filter(&pending, is_named, name);
	if (json) {
		root = json_object();
		list = json_array();
		list_pending_json(list, &r, &pending);
		json_object_set_new(root, "pending", list);
		list = json_array();
		for (i = 0; i < committed.nr; i++)
			json_array_append_new(list, committed_json(&committed.items[i]));
		json_object_set_new(root, "committed", list);
		rc = output_json(root);
	} else if (!pending.nr && !committed.nr) {
		printf("Nothing to roll back.\n");
	} else {
		print_pending(&r, &pending, KIND_RUNNING,
			      "Upgrades running now (they cannot be rolled back until they end):");
		print_pending(&r, &pending, KIND_STOPPED,
			      "Stopped upgrades ('git graft upgrade --continue' goes on with one, '--abort' restores the state from before it):");
		print_pending(&r, &pending, KIND_INTERRUPTED,
			      "Interrupted upgrades ('git graft rollback <name>' restores the state from before them):");
		print_committed(&committed);
	}
done:
	committed_upgrades_release(&committed);
	pending_list_release(&pending);
	repo_close(&r);
	return rc;
}

int cmd_rollback(int argc, char **argv)
{
	int quiet = 0, list = 0, json = 0;
	struct opt_optional sign = OPT_OPTIONAL_INIT;
	struct commit_options commit = COMMIT_OPTIONS_INIT;
	const struct option_spec options[] = {
		OPT_BOOL(0, "list", &list, "show what can be rolled back"),
		OPT_BOOL(0, "json", &json, "with --list: print it as JSON"),
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_OPTSTRING('S', "gpg-sign", &sign, "<key-id>",
			      "sign the rollback's commit (or not: --no-gpg-sign)"),
		OPT_END(),
	};
	const char *name;

	argc = parse_options(argc, argv, options, rollback_usage, 0);
	if (argc > 1)
		usage_error(rollback_usage, options, "too many arguments");
	if (json && !list)
		usage_error(rollback_usage, options, "--json goes with --list");
	output_set_quiet(quiet);
	name = argc ? argv[0] : NULL;
	commit.gpg_sign = sign.given;
	commit.gpg_key = sign.value;
	if (list)
		return graft_error_report(list_rollbacks(name, json));
	return graft_error_report(run_rollback(name, &commit));
}
