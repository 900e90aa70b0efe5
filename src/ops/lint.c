#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "fileio.h"
#include "ops/lint.h"
#include "strbuf.h"

/* The lines of run scripts inih would drop, waiting to be told. */
struct dropped {
	int *lines;
	size_t nr, alloc;
};

static void report_dropped(struct lint_result *res, const char *label,
			   struct dropped *d)
{
	size_t i;

	for (i = 0; i < d->nr; i++)
		diag_add(&res->problems, label, d->lines[i],
			 "inih reads a line starting with ';' as a comment, even inside a 'run' script, and drops it; put what it holds at the end of the line before, with no space before the ';'");
	d->nr = 0;
}

/*
 * An indented line starting with ';' between the lines of a run value:
 * inih takes it for a comment, then goes on with the value, so the
 * script runs without it. The reader (inidoc.h) accepts INI comments
 * there, as everywhere; in a script, such a line is a mistake.
 */
static void check_run_comments(struct lint_result *res, const char *label,
			       const char *buf, size_t len)
{
	struct dropped d = { NULL, 0, 0 };
	const char *line = buf, *end = buf + len, *nl, *start, *stop;
	int lineno = 0, in_value = 0, in_run = 0;

	for (; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		lineno++;
		for (start = line; start < nl && isspace((unsigned char)*start); start++)
			;
		if (start == nl)
			continue;
		if (*start == ';' || *start == '#') {
			if (in_run && start > line && *start == ';') {
				ALLOC_GROW(d.lines, d.nr + 1, d.alloc);
				d.lines[d.nr++] = lineno;
			}
			continue;
		}
		if (in_value && start > line) {
			report_dropped(res, label, &d);
			continue;
		}
		d.nr = 0;
		in_value = *start != '[';
		for (stop = start; stop < nl && *stop != '=' && *stop != ':'; stop++)
			;
		while (stop > start && isspace((unsigned char)stop[-1]))
			stop--;
		in_run = in_value && stop - start == 3 && !memcmp(start, "run", 3);
	}
	free(d.lines);
}

/* Each change's commit, in the repository as a consumer's clone has it. */
static int resolve_changes(struct lint_result *res, const struct graft_repo *r,
			   const char *label)
{
	char name[] = "this repository";
	struct dep d = DEP_INIT;
	size_t i;
	int rc = 0;

	d.name = d.shown = name;
	d.repo = r->repo;
	d.owner = r;
	res->changes = xcalloc(res->cfg.changes_nr + 1, sizeof(*res->changes));
	res->changes_nr = res->cfg.changes_nr;
	for (i = 0; i < res->cfg.changes_nr && rc >= 0; i++) {
		struct lint_change *c = &res->changes[i];

		c->change = &res->cfg.changes[i];
		rc = dep_resolve(&c->commit, &d, c->change->ref);
		if (rc == 0) {
			c->resolved = 1;
			continue;
		}
		if (rc == 1)
			diag_add(&res->problems, label, c->change->line,
				 "change '%s' names no tag, branch or commit of this repository; consumers' upgrades stop at it (tag the release, or fetch the tags: a shallow clone has none)",
				 c->change->ref);
		else if (rc == GRAFT_EFAIL)
			diag_add(&res->problems, label, c->change->line,
				 "change '%s': %s", c->change->ref,
				 graft_error_message());
		if (rc != GRAFT_EFATAL) {
			graft_error_clear();
			rc = 0;
		}
	}
	return rc;
}

/* Oldest first: each change's commit is the previous one's or after it. */
static int check_order(struct lint_result *res, const struct graft_repo *r,
		       const char *label)
{
	const struct lint_change *prev = NULL;
	size_t i;
	int after, before;

	for (i = 0; i < res->changes_nr; i++) {
		const struct lint_change *c = &res->changes[i];

		if (!c->resolved)
			continue;
		if (!prev || git_oid_equal(&prev->commit, &c->commit)) {
			prev = c;
			continue;
		}
		after = git_graph_descendant_of(r->repo, &c->commit, &prev->commit);
		before = after == 0 ?
			 git_graph_descendant_of(r->repo, &prev->commit, &c->commit) : 0;
		if (after < 0 || before < 0)
			return graft_error_git(GRAFT_EFATAL, "cannot compare the commits of '%s' and '%s'",
					       prev->change->ref, c->change->ref);
		if (before)
			diag_add(&res->problems, label, c->change->line,
				 "change '%s' is declared after '%s' (line %d), but its commit comes before that one's; declare the changes oldest first",
				 c->change->ref, prev->change->ref,
				 prev->change->line);
		else if (!after)
			diag_add(&res->problems, label, c->change->line,
				 "change '%s' does not descend from '%s' (line %d): the changes a graft.ini declares follow one line of history, oldest first",
				 c->change->ref, prev->change->ref,
				 prev->change->line);
		prev = c;
	}
	return 0;
}

/* A breaking change says how to migrate across it and how to check. */
static void check_breaking(struct lint_result *res, const char *label)
{
	size_t i;

	for (i = 0; i < res->cfg.changes_nr; i++) {
		const struct graft_change *c = &res->cfg.changes[i];

		if (!c->type || strcasecmp(c->type, "breaking"))
			continue;
		if (!c->migration)
			diag_add(&res->problems, label, c->line,
				 "change '%s' is breaking but names no migration: consumers would upgrade across it with nothing to run",
				 c->ref);
		if (!c->verify)
			diag_add(&res->problems, label, c->line,
				 "change '%s' is breaking but names no verify command: nothing would check the migration worked",
				 c->ref);
	}
}

int lint_run(struct lint_result *out, const struct graft_repo *r,
	     const char *label)
{
	struct strbuf buf = STRBUF_INIT;
	char *path = repo_path(r, CONFIG_FILE);
	int missing, rc;

	if ((rc = file_read(path, &buf, &missing)) < 0) {
		diag_add(&out->problems, label, 0, "%s", graft_error_message());
		graft_error_clear();
		rc = 0;
		goto done;
	}
	if (missing) {
		diag_add(&out->problems, label, 0,
			 "there is none at the top of the work tree; 'git graft init' writes one to start from");
		goto done;
	}
	config_parse(&out->cfg, label, buf.buf, buf.len, &out->problems);
	check_run_comments(out, label, buf.buf, buf.len);
	check_breaking(out, label);
	if ((rc = resolve_changes(out, r, label)) == 0)
		rc = check_order(out, r, label);
	diag_sort(&out->problems);
done:
	strbuf_release(&buf);
	free(path);
	return rc;
}

void lint_result_release(struct lint_result *res)
{
	config_release(&res->cfg);
	diag_list_release(&res->problems);
	free(res->changes);
	memset(res, 0, sizeof(*res));
}
