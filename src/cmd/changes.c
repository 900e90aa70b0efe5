#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_changes.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "formats/names.h"
#include "ops/guard.h"
#include "ops/project.h"

static const char *const changes_usage[] = {
	"git graft changes [--from <ref>] [--to <ref>] [--type <type> | --breaking] [--json] <name>",
	"",
	"Lists the changes that the graft.ini of <name> at --to declares, whose",
	"refs lie after --from and up to --to, oldest first. --from defaults to",
	"the commit graft.lock pins (all history when there is none), --to to the",
	"newest fetched commit of the ref graft.ini tracks: 'git graft fetch <name>'",
	"brings the news first. --type matches regardless of case.",
	NULL,
};

/* Columns wider than these are not padded: one long ref keeps the rest tidy. */
#define REF_COLUMN_MAX 24
#define TYPE_COLUMN_MAX 12

struct changes_options {
	const char *name, *from, *to, *type;
	int breaking, json;
};

/* One end of the range, and what messages call it. */
struct range_end {
	int set;		/* only the start may be unset: all history */
	git_oid id;
	char *label;		/* the ref as the user or a file gave it */
};

struct changes {
	struct changes_options opt;
	struct project p;
	struct dep dep;
	struct range_end from, to;
	struct graft_config cfg;	/* the dependency's graft.ini at to */
	struct dep_change_list list;
};

/* A ref from the command line; option names it in the message. */
static int resolve_given(struct range_end *end, struct dep *d,
			 const char *ref, const char *option)
{
	int rc = dep_resolve_rev(&end->id, NULL, d, ref);

	if (rc == 1)
		rc = GRAFT_EFAIL;
	if (rc < 0) {
		graft_error_prefix("%s", option);
		return rc;
	}
	end->set = 1;
	end->label = xstrdup(ref);
	return 0;
}

/* --from, or the commit graft.lock pins. */
static int resolve_from(struct changes *c)
{
	const struct lock_entry *locked;
	char id[8];

	if (c->opt.from)
		return resolve_given(&c->from, &c->dep, c->opt.from, "--from");
	if (!(locked = lock_find(&c->p.lock, c->opt.name)))
		return 0;
	git_oid_fromstr(&c->from.id, locked->commit);
	if (!dep_has_commit(&c->dep, &c->from.id)) {
		graft_error("graft.lock pins %s at %s, which %s does not have",
			    c->opt.name, short_id(id, &c->from.id), c->dep.shown);
		graft_error_hint("'git graft resolve' fetches it; or give --from <ref>");
		return GRAFT_EFAIL;
	}
	c->from.set = 1;
	c->from.label = xstrdup(locked->ref);
	return 0;
}

/* --to, or the newest fetched commit of the tracked ref. */
static int resolve_to(struct changes *c)
{
	int rc;

	if (c->opt.to)
		return resolve_given(&c->to, &c->dep, c->opt.to, "--to");
	rc = project_tracked_tip(&c->to.id, &c->to.label, &c->dep, &c->p);
	if (rc == 1) {
		graft_error_hint("or give --to <ref>");
		rc = GRAFT_EFAIL;
	}
	c->to.set = rc == 0;
	return rc;
}

static int wanted(const struct changes *c, const struct graft_change *ch)
{
	return !c->opt.type || (ch->type && !strcasecmp(ch->type, c->opt.type));
}

/* Declared, but not placed: say which, so none goes missing unseen. */
static void warn_unresolved(const struct changes *c)
{
	size_t warned = 0, i;

	for (i = 0; i < c->list.unresolved; i++) {
		const struct graft_change *ch = c->list.unresolved_changes[i];

		if (!wanted(c, ch))
			continue;
		out_warning("%s@%s:%s:%d: change '%s' names no commit of %s; it is left out",
			    c->opt.name, c->to.label, CONFIG_FILE, ch->line,
			    ch->ref, c->opt.name);
		warned++;
	}
	if (warned)
		out_hint("'git graft fetch %s' gets the tags its source has now",
			 c->opt.name);
}

/* Widen *width to fit s, up to max. */
static void fit_column(size_t *width, const char *s, size_t max)
{
	size_t w = text_width(s);

	if (w > max)
		w = max;
	if (w > *width)
		*width = w;
}

static void print_cell(const char *s, size_t width, enum color_slot slot)
{
	size_t w = text_width(s);

	fputs(color(stdout, slot), stdout);
	out_sanitized(stdout, s);
	fputs(color(stdout, COLOR_RESET), stdout);
	for (; w < width; w++)
		putchar(' ');
}

/* What calls for care stands out: breaking and security changes. */
static enum color_slot type_color(const char *type)
{
	if (!type)
		return COLOR_DIM;
	if (!strcasecmp(type, "breaking") || !strcasecmp(type, "security"))
		return COLOR_BAD;
	return COLOR_GOOD;
}

/* "v2.0.0 (0123456)": a ref, and where it pointed. */
static void add_end(struct strbuf *sb, const struct range_end *end)
{
	char id[8];

	strbuf_addf(sb, "%s (%s)", end->label, short_id(id, &end->id));
}

static void print_header(const struct changes *c, size_t shown)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s: ", c->opt.name);
	if (shown)
		strbuf_addf(&sb, "%zu ", shown);
	else
		strbuf_addstr(&sb, "no ");
	if (c->opt.type)
		strbuf_addf(&sb, "%s ", c->opt.type);
	strbuf_addstr(&sb, shown == 1 ? "change" : "changes");
	if (c->from.set) {
		strbuf_addstr(&sb, " after ");
		add_end(&sb, &c->from);
	}
	strbuf_addstr(&sb, " up to ");
	add_end(&sb, &c->to);
	out_sanitized(stdout, sb.buf);
	putchar('\n');
	strbuf_release(&sb);
}

/* What a change has the consumer run: "migration: x, verify: y". */
static void add_commands(struct strbuf *sb, const struct graft_change *ch)
{
	if (ch->migration)
		strbuf_addf(sb, "migration: %s", ch->migration);
	if (ch->verify)
		strbuf_addf(sb, "%sverify: %s", ch->migration ? ", " : "",
			    ch->verify);
}

/*
 *   v2.0.0  0123456  breaking  Renamed getUserData to fetchUserData
 *                              migration: migrate-v2, verify: verify-v2
 */
static void print_change(const struct dep_change *dc, size_t ref_width,
			 size_t type_width)
{
	const struct graft_change *ch = dc->change;
	size_t indent = 2 + ref_width + 2 + 7 + 2 + type_width + 2;
	struct strbuf commands = STRBUF_INIT;
	char id[8];

	fputs("  ", stdout);
	print_cell(ch->ref, ref_width + 2, COLOR_BOLD);
	print_cell(short_id(id, &dc->commit), 7 + 2, COLOR_WARNING);
	print_cell(ch->type ? ch->type : "-", type_width + 2,
		   type_color(ch->type));
	if (ch->description)
		out_indented(stdout, ch->description, indent);
	add_commands(&commands, ch);
	if (commands.len) {
		if (ch->description)
			printf("\n%*s", (int)indent, "");
		out_sanitized(stdout, commands.buf);
	}
	putchar('\n');
	strbuf_release(&commands);
}

static void print_human(const struct changes *c)
{
	size_t ref_width = 0, type_width = 1, shown = 0, i;

	for (i = 0; i < c->list.nr; i++) {
		const struct graft_change *ch = c->list.items[i].change;

		if (!wanted(c, ch))
			continue;
		shown++;
		fit_column(&ref_width, ch->ref, REF_COLUMN_MAX);
		if (ch->type)
			fit_column(&type_width, ch->type, TYPE_COLUMN_MAX);
	}
	print_header(c, shown);
	for (i = 0; i < c->list.nr; i++)
		if (wanted(c, c->list.items[i].change))
			print_change(&c->list.items[i], ref_width, type_width);
}

static json_t *change_json(const struct dep_change *dc)
{
	const struct graft_change *ch = dc->change;
	char id[GIT_OID_HEXSZ + 1];

	git_oid_tostr(id, sizeof(id), &dc->commit);
	return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o}",
			 "ref", json_text(ch->ref), "commit", id,
			 "type", json_text(ch->type),
			 "description", json_text(ch->description),
			 "migration", json_text(ch->migration),
			 "verify", json_text(ch->verify));
}

static int print_json(const struct changes *c)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < c->list.nr; i++)
		if (wanted(c, c->list.items[i].change))
			json_array_append_new(list, change_json(&c->list.items[i]));
	return output_json(list);
}

static int run_changes(struct changes *c)
{
	int rc;

	if ((rc = name_check(c->opt.name, "dependency name")) < 0 ||
	    (c->opt.from && (rc = rev_check(c->opt.from, "--from")) < 0) ||
	    (c->opt.to && (rc = rev_check(c->opt.to, "--to")) < 0) ||
	    (rc = project_open(&c->p, 0)) < 0 ||
	    (rc = guard_warn_pending(&c->p.repo)) < 0 ||
	    (rc = project_read_dep(&c->dep, &c->p, c->opt.name)) < 0 ||
	    (rc = resolve_from(c)) < 0 || (rc = resolve_to(c)) < 0 ||
	    (rc = project_dep_config(&c->cfg, &c->dep, &c->to.id,
				     c->to.label)) < 0 ||
	    (rc = dep_changes_between(&c->list, &c->dep, &c->cfg,
				      c->from.set ? &c->from.id : NULL,
				      &c->to.id)) < 0)
		return rc;
	warn_unresolved(c);
	if (c->opt.json)
		return print_json(c);
	print_human(c);
	return 0;
}

int cmd_changes(int argc, char **argv)
{
	struct changes c;
	int rc;
	const struct option_spec options[] = {
		OPT_STRING(0, "from", &c.opt.from, "<rev>",
			   "start after <rev> (default: the locked commit)"),
		OPT_STRING(0, "to", &c.opt.to, "<rev>",
			   "end at <rev> (default: the tracked ref)"),
		OPT_STRING(0, "type", &c.opt.type, "<type>",
			   "only changes of this type"),
		OPT_BOOL(0, "breaking", &c.opt.breaking,
			 "only breaking changes (--type breaking)"),
		OPT_BOOL(0, "json", &c.opt.json, "print the changes as JSON"),
		OPT_END(),
	};

	memset(&c, 0, sizeof(c));
	project_init(&c.p);
	argc = parse_options(argc, argv, options, changes_usage, 0);
	if (argc != 1)
		usage_error(changes_usage, options, argc ?
			    "changes takes one dependency name" :
			    "which dependency? give its name");
	if (c.opt.type && !*c.opt.type)
		usage_error(changes_usage, options,
			    "--type needs a type, as in '--type fix'");
	if (c.opt.breaking && c.opt.type && strcasecmp(c.opt.type, "breaking"))
		usage_error(changes_usage, options,
			    "--breaking and --type '%s' ask for different types",
			    c.opt.type);
	if (c.opt.breaking)
		c.opt.type = "breaking";
	c.opt.name = argv[0];
	rc = run_changes(&c);
	dep_change_list_release(&c.list);
	config_release(&c.cfg);
	free(c.from.label);
	free(c.to.label);
	dep_release(&c.dep);
	project_close(&c.p);
	return graft_error_report(rc);
}
