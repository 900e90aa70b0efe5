/*
 * git graft upgrade: the atomic upgrade (src/upgrade.c) of each named
 * dependency, or of all of them, one after the other; with --dry-run,
 * the plans only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "error.h"
#include "options.h"
#include "output.h"
#include "project.h"
#include "upgrade.h"

static const char *const upgrade_usage[] = {
	"git graft upgrade [<options>] <name>...",
	"git graft upgrade [<options>] --all",
	NULL,
};

struct upgrade_cmd {
	struct upgrade_opts opts;
	int all, dry_run, json;
	int timeout;		/* -1: each command's own */
	char **names;
	size_t nr;
	struct project p;
	json_t *results;
	size_t upgraded, failed, up_to_date;
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
	const char *result = rc < 0 ? "failed" :
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
		"{s:o, s:s, s:o, s:o, s:o, s:b, s:o}",
		"dependency", json_text(name), "result", result,
		"from", side_json(plan->from_ref, &plan->from),
		"to", side_json(plan->to_ref, &plan->to),
		"commit", out->committed ? oid_json(&out->commit) : json_null(),
		"stashed", out->stash_kept,
		"error", rc < 0 ? json_text(graft_error_message()) : json_null()));
}

static void say_result(const struct upgrade_plan *plan,
		       const struct upgrade_outcome *out)
{
	char from[8], to[8], commit[8];

	if (plan->up_to_date)
		project_say("%s: up to date at %s (%s)", plan->name,
			    plan->to_ref, short_id(to, &plan->to));
	else
		project_say("%s: %s (%s) -> %s (%s), committed as %s", plan->name,
			    plan->from_ref, short_id(from, &plan->from),
			    plan->to_ref, short_id(to, &plan->to),
			    short_id(commit, &out->commit));
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
					      upgrade_plan_json(&plan, &c->opts));
		else
			upgrade_plan_print(&plan, &c->opts);
	} else {
		if (rc == 0)
			rc = upgrade_run(&out, &c->p, &plan, &c->opts);
		if (rc == 0 && !c->json)
			say_result(&plan, &out);
		record_result(c, name, &plan, &out, rc);
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
		if (c->nr == 1 || is_interrupt(rc) || rc == GRAFT_EROLLBACK ||
		    rc == GRAFT_EFATAL)
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
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_BOOL(0, "json", &c.json, "print the results (or plans) as JSON"),
		OPT_END(),
	};

	memset(&c, 0, sizeof(c));
	c.opts.commit = (struct commit_options)COMMIT_OPTIONS_INIT;
	c.timeout = -1;
	project_init(&c.p);
	argc = parse_options(argc, argv, options, upgrade_usage, 0);
	if (c.all && argc)
		usage_error(upgrade_usage, options, "--all takes no dependency name");
	if (!c.all && !argc)
		usage_error(upgrade_usage, options,
			    "upgrade needs the name of a dependency, or --all");
	if (c.opts.to && (c.all || argc > 1))
		usage_error(upgrade_usage, options, "--to needs exactly one dependency");
	c.opts.commit.gpg_sign = sign.given;
	c.opts.commit.gpg_key = sign.value;
	c.opts.quiet = quiet;
	c.opts.has_timeout = c.timeout >= 0;
	c.opts.timeout = c.opts.has_timeout ? (unsigned)c.timeout : 0;
	output_set_quiet(quiet || c.json);
	c.names = c.all ? NULL : argv;
	c.nr = c.all ? 0 : (size_t)argc;
	rc = run_upgrade(&c);
	if (c.all)
		free(c.names);
	project_close(&c.p);
	return graft_error_report(rc);
}
