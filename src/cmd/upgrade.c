/*
 * git graft upgrade: the atomic upgrade (ops/upgrade.c) of each named
 * dependency, or of all of them, one after the other; with --dry-run,
 * the plans only; with --continue, --skip or --abort, what becomes of
 * an upgrade --stop-on-failure stopped (snapshot/upgrade_state.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "cmd/describe.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "error.h"
#include "formats/names.h"
#include "ops/guard.h"
#include "ops/project.h"
#include "ops/rollback.h"
#include "ops/upgrade.h"
#include "report.h"
#include "snapshot/lockfiles.h"
#include "snapshot/oplock.h"
#include "snapshot/upgrade_state.h"
#include "strbuf.h"

static const char *const upgrade_usage[] = {
	"git graft upgrade [<options>] <name>...",
	"git graft upgrade [<options>] --all",
	"git graft upgrade (--continue | --skip) [-q] [--json]",
	"git graft upgrade --abort [-q]",
	NULL,
};

struct upgrade_cmd {
	struct upgrade_opts opts;
	int all, dry_run, json;
	int timeout;		/* -1: each command's own */
	int resume_continue, resume_skip, resume_abort;
	char **names;
	size_t nr;
	struct project p;
	json_t *results;
	size_t upgraded, failed, up_to_date;
	int stopped;		/* an upgrade stopped: the others wait */
};

static json_t *oid_json(const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	return json_string(git_oid_tostr(hex, sizeof(hex), id));
}

static json_t *side_json(const char *ref, const git_oid *id)
{
	return ref ? json_pack("{s:o, s:o}", "ref", json_text(ref),
			       "commit", oid_json(id)) : json_null();
}

static void record_result(struct upgrade_cmd *c, const char *name,
			  const struct upgrade_plan *plan,
			  const struct upgrade_outcome *out, int rc)
{
	const char *result = out->stopped ? "stopped" : rc < 0 ? "failed" :
		plan->up_to_date ? "up-to-date" : "upgraded";

	if (rc < 0)
		c->failed++;
	else if (plan->up_to_date)
		c->up_to_date++;
	else
		c->upgraded++;
	if (!c->results)
		return;
	json_array_append_new(c->results, json_pack(
		"{s:o, s:s, s:o, s:o, s:o, s:I, s:b, s:o}",
		"dependency", json_text(name), "result", result,
		"from", side_json(plan->from_ref, &plan->from),
		"to", side_json(plan->to_ref, &plan->to),
		"commit", out->committed ? oid_json(&out->commit) : json_null(),
		"commits", (json_int_t)out->commits,
		"stashed", out->stash_kept,
		"error", rc < 0 ? json_text(graft_error_message()) : json_null()));
}

static void say_result(const struct upgrade_plan *plan,
		       const struct upgrade_outcome *out)
{
	char from[8], to[8], commit[8];

	if (plan->up_to_date)
		graft_result("%s: up to date at %s (%s)", plan->name,
			     plan->to_ref, short_id(to, &plan->to));
	else if (out->commits > 1)
		graft_result("%s: %s (%s) -> %s (%s), committed as %zu commits, the last %s",
			     plan->name, plan->from_ref, short_id(from, &plan->from),
			     plan->to_ref, short_id(to, &plan->to), out->commits,
			     short_id(commit, &out->commit));
	else
		graft_result("%s: %s (%s) -> %s (%s), committed as %s", plan->name,
			     plan->from_ref, short_id(from, &plan->from),
			     plan->to_ref, short_id(to, &plan->to),
			     short_id(commit, &out->commit));
}

/* What would be committed, after the changes. */
static void print_commits(const struct upgrade_plan *plan,
			  const struct upgrade_opts *opts)
{
	struct strbuf first = STRBUF_INIT, last = STRBUF_INIT;
	size_t i = 0, n = plan->changes.nr;

	if (!opts->commit_per_change || !n) {
		graft_result("%sThen %s would be locked at %s and committed as \"%s\".",
			     n ? "\n" : "", plan->name, plan->to_ref,
			     upgrade_commit_subject(&first, plan, NULL));
	} else if (n == 1) {
		graft_result("\nThen %s would be locked at %s and committed as \"%s\".",
			     plan->name, plan->to_ref,
			     upgrade_commit_subject(&first, plan, &i));
	} else {
		upgrade_commit_subject(&first, plan, &i);
		i = n - 1;
		upgrade_commit_subject(&last, plan, &i);
		graft_result("\nEach change would be committed on its own, from \"%s\" to \"%s\", which also locks %s at %s.",
			     first.buf, last.buf, plan->name, plan->to_ref);
	}
	strbuf_release(&first);
	strbuf_release(&last);
}

/* The plan in words, for --dry-run. */
static void print_plan(const struct upgrade_plan *plan,
		       const struct upgrade_opts *opts)
{
	char from[8], to[8], at[8];
	size_t i;

	graft_result("%s: %s (%s) -> %s (%s)%s", plan->name, plan->from_ref,
		     short_id(from, &plan->from), plan->to_ref,
		     short_id(to, &plan->to), plan->up_to_date ? ", up to date" : "");
	if (plan->up_to_date)
		return;
	if (!plan->changes.nr)
		graft_result("No change is declared in between: nothing would run.");
	else
		graft_result("%zu change%s, oldest first%s%s:", plan->changes.nr,
			     plan->changes.nr == 1 ? "" : "s",
			     opts->skip_migration ? "; migrations skipped" : "",
			     opts->skip_verify ? "; verifications skipped" : "");
	for (i = 0; i < plan->changes.nr; i++) {
		const struct graft_change *ch = plan->changes.items[i].change;

		putchar('\n');
		if (opts->stepwise)
			graft_result("Step %zu of %zu, with %s checked out at %s (%s):",
				     i + 1, plan->changes.nr, plan->dep.shown,
				     upgrade_step_ref(plan, i),
				     short_id(at, upgrade_step_commit(plan, i)));
		describe_change(plan->name, ch, &plan->changes.items[i].commit,
				NULL, upgrade_plan_command(plan, ch->migration),
				upgrade_plan_command(plan, ch->verify));
	}
	print_commits(plan, opts);
}

/* The plan as the JSON of --dry-run --json. */
static json_t *plan_json(const struct upgrade_plan *plan,
			 const struct upgrade_opts *opts)
{
	json_t *changes = json_array();
	size_t i;

	for (i = 0; i < plan->changes.nr; i++) {
		const struct graft_change *ch = plan->changes.items[i].change;
		json_t *o = describe_change_json(ch, &plan->changes.items[i].commit,
						 upgrade_plan_command(plan, ch->migration),
						 upgrade_plan_command(plan, ch->verify));

		if (opts->stepwise)
			json_object_set_new(o, "checkout",
					    side_json(upgrade_step_ref(plan, i),
						      upgrade_step_commit(plan, i)));
		json_array_append_new(changes, o);
	}
	return json_pack("{s:o, s:o, s:o, s:b, s:o, s:b, s:b, s:b, s:o, s:b, s:b, s:b}",
			 "dependency", json_text(plan->name),
			 "from", side_json(plan->from_ref, &plan->from),
			 "to", side_json(plan->to_ref, &plan->to),
			 "up_to_date", plan->up_to_date,
			 "changes", changes,
			 "skip_migration", opts->skip_migration,
			 "skip_verify", opts->skip_verify,
			 "autostash", opts->autostash,
			 "timeout", opts->has_timeout ?
			 json_integer(opts->timeout) : json_null(),
			 "stop_on_failure", opts->stop_on_failure,
			 "stepwise", opts->stepwise,
			 "commit_per_change", opts->commit_per_change);
}

/* Plan, then carry out or show the plan. Returns the error of this one. */
static int upgrade_one(struct upgrade_cmd *c, const char *name)
{
	struct upgrade_plan plan = UPGRADE_PLAN_INIT;
	struct upgrade_outcome out;
	int rc;

	memset(&out, 0, sizeof(out));
	rc = upgrade_plan(&plan, &c->p, name, &c->opts);
	if (rc == 0 && c->dry_run) {
		if (c->results)
			json_array_append_new(c->results,
					      plan_json(&plan, &c->opts));
		else
			print_plan(&plan, &c->opts);
	} else {
		if (rc == 0)
			rc = upgrade_run(&out, &c->p, &plan, &c->opts);
		if (rc == 0 && !c->json)
			say_result(&plan, &out);
		record_result(c, name, &plan, &out, rc);
		c->stopped = out.stopped;
	}
	upgrade_plan_release(&plan);
	return rc;
}

/* --all: what graft.ini declares, in its order. */
static void collect_all(struct upgrade_cmd *c)
{
	size_t i;

	c->nr = c->p.cfg.deps_nr;
	c->names = xcalloc(c->nr + 1, sizeof(*c->names));
	for (i = 0; i < c->nr; i++)
		c->names[i] = c->p.cfg.deps[i].name;
}

/*
 * One after the other, going on past a failure (reported at once, the
 * repository being back as it was) but not past an interrupt or a
 * rollback that failed. The first error decides the exit status.
 */
static int upgrade_each(struct upgrade_cmd *c)
{
	size_t i;
	int rc, first = 0;

	for (i = 0; i < c->nr; i++) {
		rc = upgrade_one(c, c->names[i]);
		if (rc == 0)
			continue;
		if (!first)
			first = rc;
		if (c->stopped && i + 1 < c->nr)
			graft_error_hint("the upgrades after it wait: once it is finished, 'git graft upgrade --all' goes on with them");
		if (c->nr == 1 || is_interrupt(rc) || rc == GRAFT_EROLLBACK ||
		    rc == GRAFT_EFATAL || c->stopped)
			return rc;
		if (c->json)
			graft_error_clear();
		else
			graft_error_report(rc);
	}
	if (first && !c->json)
		graft_error("%zu of %zu upgrades failed (%zu upgraded, %zu up to date); each failed one was rolled back",
			    c->failed, c->nr, c->upgraded, c->up_to_date);
	return first;
}

static int run_upgrade(struct upgrade_cmd *c)
{
	int rc;

	if ((rc = project_open(&c->p, c->dry_run ? 0 : PROJECT_MUTATE)) < 0)
		return rc;
	if (c->all)
		collect_all(c);
	if (c->json)
		c->results = json_array();
	rc = upgrade_each(c);
	if (c->results) {
		int out_rc = output_json(c->results);

		c->results = NULL;
		if (rc == 0)
			rc = out_rc;
	}
	return rc;
}

/* The options of the upgrade a stopped one was started with. */
static void opts_from_state(struct upgrade_opts *o, const struct upgrade_state *st,
			    int quiet)
{
	memset(o, 0, sizeof(*o));
	o->skip_migration = st->skip_migration;
	o->skip_verify = st->skip_verify;
	o->has_timeout = st->has_timeout;
	o->timeout = st->timeout;
	o->quiet = quiet;
	o->commit.no_verify = st->no_verify;
	o->commit.gpg_sign = st->gpg_sign;
	o->commit.gpg_key = st->gpg_key;
	o->stop_on_failure = 1;
	o->stepwise = st->stepwise;
	o->commit_per_change = st->commit_per_change;
}

static int no_stopped_upgrade(void)
{
	int rc = graft_error("no upgrade is stopped");

	graft_error_hint("'git graft upgrade --stop-on-failure <name>' stops at a failing command for you to fix it, where an upgrade would go back");
	return rc;
}

/* --continue, --skip */
static int resume(struct upgrade_cmd *c, enum upgrade_resume_how how)
{
	struct upgrade_state st = UPGRADE_STATE_INIT;
	struct upgrade_plan plan = UPGRADE_PLAN_INIT;
	struct upgrade_opts opts;
	struct upgrade_outcome out;
	int rc;

	memset(&out, 0, sizeof(out));
	if ((rc = project_open(&c->p, PROJECT_RESUME)) < 0)
		return rc;
	if ((rc = upgrade_state_read(&st, &c->p.repo)) != 0)
		return rc == 1 ? no_stopped_upgrade() : rc;
	opts_from_state(&opts, &st, c->opts.quiet);
	if (c->json)
		c->results = json_array();
	if ((rc = upgrade_plan_resume(&plan, &c->p, &st)) == 0)
		rc = upgrade_resume(&out, &c->p, &plan, &opts, &st, how);
	if (rc == 0 && !c->json)
		say_result(&plan, &out);
	if (c->results) {
		int out_rc;

		record_result(c, st.dep, &plan, &out, rc);
		out_rc = output_json(c->results);
		c->results = NULL;
		if (rc == 0)
			rc = out_rc;
	}
	upgrade_plan_release(&plan);
	upgrade_state_release(&st);
	return rc;
}

/*
 * --abort: as `git graft rollback` puts an interrupted upgrade back,
 * whatever the stopped one left (even a broken graft.ini), so neither
 * file is read.
 */
static int abort_stopped(void)
{
	struct graft_repo r = GRAFT_REPO_INIT;
	struct oplock lock = OPLOCK_INIT;
	struct upgrade_state st = UPGRADE_STATE_INIT;
	int committed = 0, rc;

	if ((rc = repo_open(&r, REPO_NEED_WORKTREE)) < 0 ||
	    (rc = guard_none_running(&r)) < 0 ||
	    (rc = oplock_acquire(&lock, &r)) < 0 ||
	    (rc = lockfiles_clear_stale(&r)) < 0 ||
	    (rc = upgrade_state_clear_stale(&r)) < 0 ||
	    (rc = upgrade_state_read(&st, &r)) < 0)
		goto done;
	if (rc == 1) {
		rc = no_stopped_upgrade();
		goto done;
	}
	if ((rc = rollback_abort(&r, st.dep, &committed)) < 0) {
		graft_error_hint("the snapshot is kept under %s%s; 'git graft upgrade --abort' tries again",
				 SNAPSHOT_REF_PREFIX, st.dep);
		goto done;
	}
	if (committed)
		graft_result("The upgrade of %s had been committed; removed its leftover snapshot ref.",
			     st.dep);
	else
		graft_result("Aborted the upgrade of %s: everything is back as it was before it.",
			     st.dep);
done:
	upgrade_state_release(&st);
	oplock_release(&lock, &r);
	repo_close(&r);
	return rc;
}

/* Any option of a new upgrade, which --continue, --skip and --abort take none of. */
static int upgrade_options_given(const struct upgrade_cmd *c,
				 const struct opt_optional *sign)
{
	const struct upgrade_opts *o = &c->opts;

	return c->all || c->dry_run || c->timeout >= 0 || o->to ||
	       o->skip_migration || o->skip_verify || o->autostash ||
	       o->allow_downgrade || o->commit.no_verify || sign->given >= 0 ||
	       o->stop_on_failure || o->stepwise || o->commit_per_change;
}

int cmd_upgrade(int argc, char **argv)
{
	struct upgrade_cmd c;
	struct opt_optional sign = OPT_OPTIONAL_INIT;
	int quiet = 0, rc;
	const struct option_spec options[] = {
		OPT_BOOL(0, "all", &c.all, "upgrade every declared dependency"),
		OPT_STRING(0, "to", &c.opts.to, "<rev>",
			   "the branch, tag, commit or revision to upgrade to"),
		OPT_BOOL('n', "dry-run", &c.dry_run, "show the plan, change nothing"),
		OPT_BOOL(0, "skip-migration", &c.opts.skip_migration,
			 "do not run the migrations"),
		OPT_BOOL(0, "skip-verify", &c.opts.skip_verify,
			 "do not run the verifications"),
		OPT_BOOL(0, "autostash", &c.opts.autostash,
			 "set uncommitted changes aside and bring them back after"),
		OPT_UINT(0, "timeout", &c.timeout, "<seconds>",
			 "the time limit of every command (0: none)"),
		OPT_BOOL(0, "allow-downgrade", &c.opts.allow_downgrade,
			 "go to an older commit of the dependency too"),
		OPT_BOOL(0, "no-verify", &c.opts.commit.no_verify,
			 "bypass the pre-commit and commit-msg hooks"),
		OPT_OPTSTRING('S', "gpg-sign", &sign, "<key-id>",
			      "sign the commit (or not: --no-gpg-sign)"),
		OPT_BOOL(0, "stop-on-failure", &c.opts.stop_on_failure,
			 "stop at a failing command for you to fix, instead of going back"),
		OPT_BOOL(0, "stepwise", &c.opts.stepwise,
			 "check the dependency out at each change's commit for its commands"),
		OPT_BOOL(0, "commit-per-change", &c.opts.commit_per_change,
			 "make a commit for each change"),
		OPT_BOOL(0, "continue", &c.resume_continue,
			 "go on with the stopped upgrade once fixed"),
		OPT_BOOL(0, "skip", &c.resume_skip,
			 "go on with the stopped upgrade without the rest of its change"),
		OPT_BOOL(0, "abort", &c.resume_abort,
			 "put everything back as it was before the stopped upgrade"),
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_BOOL(0, "json", &c.json, "print the results (or plans) as JSON"),
		OPT_END(),
	};
	int resuming;

	memset(&c, 0, sizeof(c));
	c.opts.commit = (struct commit_options)COMMIT_OPTIONS_INIT;
	c.timeout = -1;
	project_init(&c.p);
	argc = parse_options(argc, argv, options, upgrade_usage, 0);
	resuming = c.resume_continue + c.resume_skip + c.resume_abort;
	if (resuming > 1)
		usage_error(upgrade_usage, options,
			    "--continue, --skip and --abort go one at a time");
	if (resuming && (argc || upgrade_options_given(&c, &sign)))
		usage_error(upgrade_usage, options, "--%s takes no name and no option but -q%s",
			    c.resume_continue ? "continue" :
			    c.resume_skip ? "skip" : "abort",
			    c.resume_abort ? "" : " and --json");
	if (c.resume_abort && c.json)
		usage_error(upgrade_usage, options, "--abort takes no --json");
	if (c.all && argc)
		usage_error(upgrade_usage, options, "--all takes no dependency name");
	if (!c.all && !argc && !resuming)
		usage_error(upgrade_usage, options,
			    "upgrade needs the name of a dependency, or --all");
	if (c.opts.to && (c.all || argc > 1))
		usage_error(upgrade_usage, options, "--to needs exactly one dependency");
	c.opts.commit.gpg_sign = sign.given;
	c.opts.commit.gpg_key = sign.value;
	c.opts.quiet = quiet;
	c.opts.has_timeout = c.timeout >= 0;
	c.opts.timeout = c.opts.has_timeout ? (unsigned)c.timeout : 0;
	/*
	 * --json prints no result line (the JSON says it), but what goes to
	 * stderr stays: each command's output, and the line before it
	 */
	output_set_quiet(quiet);
	c.names = c.all ? NULL : argv;
	c.nr = c.all ? 0 : (size_t)argc;
	if (c.resume_abort)
		rc = abort_stopped();
	else if (resuming)
		rc = resume(&c, c.resume_skip ? UPGRADE_SKIP : UPGRADE_CONTINUE);
	else
		rc = run_upgrade(&c);
	if (c.all)
		free(c.names);
	project_close(&c.p);
	return graft_error_report(rc);
}
