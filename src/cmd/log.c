#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "error.h"
#include "formats/names.h"
#include "formats/trailers.h"
#include "ops/history.h"
#include "repo.h"

static const char *const log_usage[] = {
	"git graft log [<name>] [-n <count>] [--json]",
	NULL,
};

struct log_options {
	const char *name;
	int max_count;		/* 0: no limit */
	int json;
};

static void commit_date(char *buf, size_t size, const git_commit *c)
{
	history_format_date(buf, size, git_commit_time(c),
			    git_commit_time_offset(c));
}

static json_t *ref_json(const char *ref, const char *commit)
{
	return json_pack("{s:o, s:s}", "ref", json_text(ref), "commit", commit);
}

/* [{"command": "migration", "change": "v2.0.0"}, ...], of every commit */
static json_t *skipped_json(const struct history_entry *e)
{
	json_t *list = json_array();
	size_t i, j;

	for (j = 0; j < e->nr; j++)
		for (i = 0; i < e->parts[j].skipped_nr; i++)
			json_array_append_new(list, json_pack("{s:s, s:o}",
				"command",
				graft_skipped_name(e->parts[j].skipped[i].command),
				"change", json_text(e->parts[j].skipped[i].change)));
	return list;
}

/* [{"commit": ..., "change": "v2.0.0"}, ...], oldest first; null for one commit */
static json_t *series_json(const struct history_entry *e)
{
	json_t *list;
	char id[GIT_OID_HEXSZ + 1];
	size_t i;

	if (!e->t->series_len)
		return json_null();
	list = json_array();
	for (i = 0; i < e->nr; i++)
		json_array_append_new(list, json_pack("{s:s, s:o}",
			"commit", git_oid_tostr(id, sizeof(id),
						git_commit_id(e->commits[i])),
			"change", json_text(e->parts[i].change)));
	return list;
}

static json_t *entry_json(const struct history_entry *e)
{
	const struct graft_trailers *t = e->t;
	char id[GIT_OID_HEXSZ + 1], date[40];

	git_oid_tostr(id, sizeof(id), git_commit_id(e->commit));
	commit_date(date, sizeof(date), e->commit);
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "commit", id, "date", date,
			 "action", graft_action_name(t->action),
			 "dependency", json_text(t->dependency),
			 "from", ref_json(t->from_ref, t->from_commit),
			 "to", ref_json(t->to_ref, t->to_commit),
			 "reverts", t->reverts ? json_string(t->reverts) : json_null(),
			 "skipped", skipped_json(e),
			 "series", series_json(e));
}

static void print_entry(const struct history_entry *e)
{
	const struct graft_trailers *t = e->t;
	char id[8], date[40];
	size_t i, j, shown = 0;

	short_id(id, git_commit_id(e->commit));
	commit_date(date, sizeof(date), e->commit);
	date[10] = '\0';
	printf("%s%s%s %s %-8s %s %s -> %s", color(stdout, COLOR_WARNING), id,
	       color(stdout, COLOR_RESET), date, graft_action_name(t->action),
	       t->dependency, t->from_ref, t->to_ref);
	if (t->reverts)
		printf(" (reverts %.7s)", t->reverts);
	if (t->series_len) {
		printf(" (%zu commit%s:", e->nr, e->nr == 1 ? "" : "s");
		for (i = 0; i < e->nr; i++)
			printf(" %s", e->parts[i].change);
		if (e->nr < t->series_len)
			printf(", %zu of %u", e->nr, t->series_len);
		putchar(')');
	}
	for (j = 0; j < e->nr; j++)
		for (i = 0; i < e->parts[j].skipped_nr; i++)
			printf("%s%s %s", shown++ ? ", " : " (skipped: ",
			       graft_skipped_name(e->parts[j].skipped[i].command),
			       e->parts[j].skipped[i].change);
	if (shown)
		putchar(')');
	putchar('\n');
}

struct log_walk {
	const struct log_options *opt;
	json_t *list;		/* NULL: print lines */
	int shown;
};

static int show_entry(const struct history_entry *e, void *payload)
{
	struct log_walk *w = payload;

	if (w->opt->name && strcmp(w->opt->name, e->t->dependency))
		return 0;
	if (w->list)
		json_array_append_new(w->list, entry_json(e));
	else
		print_entry(e);
	w->shown++;
	return w->opt->max_count && w->shown >= w->opt->max_count;
}

static int walk(const struct graft_repo *r, const struct log_options *opt,
		json_t *list)
{
	struct log_walk w = { opt, list, 0 };

	return history_walk(r, show_entry, &w);
}

int cmd_log(int argc, char **argv)
{
	struct log_options opt = { NULL, 0, 0 };
	const struct option_spec options[] = {
		OPT_UINT('n', "max-count", &opt.max_count, "<count>",
			 "show at most <count> entries"),
		OPT_BOOL(0, "json", &opt.json, "print the history as JSON"),
		OPT_END(),
	};
	struct graft_repo repo;
	json_t *list = NULL;
	int rc;

	argc = parse_options(argc, argv, options, log_usage, 0);
	if (argc > 1)
		usage_error(log_usage, options, "too many arguments");
	if (argc == 1) {
		if (name_check(argv[0], "dependency name") < 0)
			return graft_error_report(GRAFT_EFAIL);
		opt.name = argv[0];
	}
	if ((rc = repo_open(&repo, 0)) < 0)
		return graft_error_report(rc);
	if (opt.json)
		list = json_array();
	rc = walk(&repo, &opt, list);
	if (opt.json) {
		if (rc == 0)
			rc = output_json(list);
		else
			json_decref(list);
	}
	repo_close(&repo);
	return graft_error_report(rc);
}
