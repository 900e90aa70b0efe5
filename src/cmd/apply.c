/*
 * git graft apply: move a dependency to the revision --to names, lock
 * and stage it there, without running its changes' commands
 * (ops/apply.c).
 */
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "error.h"
#include "formats/names.h"
#include "ops/apply.h"
#include "ops/project.h"
#include "report.h"

static const char *const apply_usage[] = {
	"git graft apply [-q] [-f | --force] <name> --to <ref>",
	NULL,
};

static void say_result(const char *name, const struct apply_outcome *out)
{
	char from[8], to[8];
	size_t n = out->skipped_commands;

	short_id(to, &out->target);
	if (!out->was_locked) {
		graft_result("%s: locked at %s (%s)", name, out->ref, to);
		return;
	}
	graft_result("%s: %s (%s) -> %s (%s)", name, out->old_ref,
		     short_id(from, &out->old), out->ref, to);
	if (!n)
		return;
	out_warning("%zu change%s between %s and %s declare%s a migration or verification; none was run",
		    n, n == 1 ? "" : "s", out->old_ref, out->ref,
		    n == 1 ? "s" : "");
	out_hint("'git graft changes %s --from %s --to %s' lists them", name,
		 out->old_ref, out->ref);
}

int cmd_apply(int argc, char **argv)
{
	struct apply_opts opts;
	struct apply_outcome out = APPLY_OUTCOME_INIT;
	struct project p;
	const char *name;
	int quiet = 0, rc;
	const struct option_spec options[] = {
		OPT_STRING(0, "to", &opts.to, "<rev>",
			   "the branch, tag, commit or revision to move it to"),
		OPT_BOOL('f', "force", &opts.force,
			 "discard uncommitted changes in the dependency"),
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_END(),
	};

	memset(&opts, 0, sizeof(opts));
	project_init(&p);
	argc = parse_options(argc, argv, options, apply_usage, 0);
	if (argc != 1)
		usage_error(apply_usage, options, argc ? "too many arguments" :
			    "apply needs the name of a dependency");
	if (!opts.to)
		usage_error(apply_usage, options, "apply needs --to <ref>");
	output_set_quiet(quiet);
	name = argv[0];
	if ((rc = name_check(name, "dependency name")) < 0 ||
	    (rc = rev_check(opts.to, "--to")) < 0 ||
	    (rc = project_open(&p, PROJECT_MUTATE)) < 0 ||
	    (rc = apply_dep(&out, &p, name, &opts)) < 0)
		goto done;
	say_result(name, &out);
done:
	apply_outcome_release(&out);
	project_close(&p);
	return graft_error_report(rc);
}
