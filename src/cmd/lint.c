/*
 * git graft lint: a dependency's graft.ini checked in its own repository
 * (src/lint.h), for its maintainers' CI. Exit 1 on any problem, each
 * told with graft.ini:line.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmds.h"
#include "cmd/describe.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "error.h"
#include "ops/lint.h"
#include "repo.h"

static const char *const lint_usage[] = {
	"git graft lint [--json]",
	"",
	"Check the graft.ini of the repository a dependency is developed in:",
	"its changes' refs, their order, the commands they name, and what",
	"inih would cut.",
	NULL,
};

static json_t *changes_json(const struct lint_result *res)
{
	json_t *list = json_array();
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;

	for (i = 0; i < res->changes_nr; i++) {
		const struct lint_change *c = &res->changes[i];

		json_array_append_new(list, json_pack("{s:o, s:i, s:o}",
			"ref", json_text(c->change->ref),
			"line", c->change->line,
			"commit", c->resolved ?
			json_string(git_oid_tostr(hex, sizeof(hex), &c->commit)) :
			json_null()));
	}
	return list;
}

static int print_json(const struct lint_result *res)
{
	return output_json(json_pack("{s:b, s:o, s:o}",
				     "valid", !res->problems.nr,
				     "errors", describe_diags_json(&res->problems),
				     "changes", changes_json(res)));
}

static void print_human(const struct lint_result *res, const char *label)
{
	const struct graft_config *cfg = &res->cfg;

	diag_report(&res->problems);
	if (res->problems.nr)
		return;
	printf("%s: ok (%zu change%s, %zu command%s)\n", label,
	       cfg->changes_nr, cfg->changes_nr == 1 ? "" : "s",
	       cfg->commands_nr, cfg->commands_nr == 1 ? "" : "s");
}

int cmd_lint(int argc, char **argv)
{
	int json = 0, rc;
	const struct option_spec options[] = {
		OPT_BOOL(0, "json", &json, "print the problems as JSON"),
		OPT_END(),
	};
	struct lint_result res = LINT_RESULT_INIT;
	struct graft_repo repo;
	char *label;

	argc = parse_options(argc, argv, options, lint_usage, 0);
	if (argc)
		usage_error(lint_usage, options, "lint takes no argument");
	if ((rc = repo_open(&repo, REPO_NEED_WORKTREE)) < 0)
		return graft_error_report(rc);
	label = repo_display_path(&repo, CONFIG_FILE);
	if ((rc = lint_run(&res, &repo, label)) == 0) {
		if (json)
			rc = print_json(&res);
		else
			print_human(&res, label);
		if (rc == 0 && res.problems.nr)
			rc = GRAFT_EFAIL;
	}
	lint_result_release(&res);
	free(label);
	repo_close(&repo);
	return graft_error_report(rc);
}
