#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "deps.h"
#include "describe.h"
#include "error.h"
#include "guard.h"
#include "names.h"
#include "options.h"
#include "output.h"
#include "project.h"

static const char *const show_usage[] = {
	"git graft show [--json | --field <field>] <name>@<ref>",
	"",
	"Shows the change <ref> as the graft.ini of <name> at <ref> declares it,",
	"with its migration and verify commands spelled out. A ref that is not",
	"declared itself finds the change declared on the same commit.",
	"",
	"--field prints one value as it is, for scripts; nothing when it is not set.",
	"Fields: ref, commit (the full id), type, description, migration and verify",
	"(the command names), and migration.<key> and verify.<key> with <key> one",
	"of name, run, description, working_dir, timeout (seconds).",
	NULL,
};

/* The change's own fields, and those of each of its two commands. */
static const char *const change_fields[] = {
	"ref", "commit", "type", "description", "migration", "verify", NULL
};
static const char *const command_fields[] = {
	"name", "run", "description", "working_dir", "timeout", NULL
};
static const char *const command_roles[] = { "migration", "verify", NULL };

/* Declared changes a hint names before it says "and N more". */
#define HINT_REFS_MAX 10

struct field {
	const char *role;	/* "migration", "verify", or NULL: the change */
	const char *key;
};

struct show {
	const char *arg, *ref, *field_name;
	char *name;
	int json;
	struct field field;
	struct project p;
	struct dep dep;
	git_oid commit;
	struct graft_config cfg;	/* the dependency's graft.ini at ref */
	const struct graft_change *change;
	git_oid change_commit;		/* what the change's own ref names */
	const struct graft_command *migration, *verify;
};

static const char *find_word(const char *const *words, const char *s)
{
	for (; *words; words++)
		if (!strcmp(*words, s))
			return *words;
	return NULL;
}

static void add_field_names(struct strbuf *sb)
{
	const char *const *role, *const *key;

	for (key = change_fields; *key; key++)
		strbuf_addf(sb, "%s%s", key == change_fields ? "" : ", ", *key);
	for (role = command_roles; *role; role++)
		for (key = command_fields; *key; key++)
			strbuf_addf(sb, ", %s.%s", *role, *key);
}

/* "migration" is short for "migration.name", and so is "verify". */
static int parse_field(struct field *f, const char *s)
{
	struct strbuf names = STRBUF_INIT;
	const char *dot = strchr(s, '.');
	char *role = dot ? xstrndup(s, (size_t)(dot - s)) : NULL;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	if (dot) {
		f->role = find_word(command_roles, role);
		f->key = find_word(command_fields, dot + 1);
	} else if ((f->role = find_word(command_roles, s))) {
		f->key = "name";
	} else {
		f->key = find_word(change_fields, s);
	}
	if (!f->key || (dot && !f->role)) {
		char *q = name_quoted(s);

		add_field_names(&names);
		rc = graft_error("--field: there is no field %s", q);
		graft_error_hint("the fields are %s", names.buf);
		free(q);
	}
	strbuf_release(&names);
	free(role);
	return rc;
}

/* <name>@<ref>: a name cannot hold '@', so the first one splits them. */
static int parse_spec(struct show *s, const struct option_spec *options)
{
	const char *at = strchr(s->arg, '@');
	int rc;

	if (!at) {
		char *q = name_quoted(s->arg);

		out_error("expected <name>@<ref>, as in kb@v2.0.0, not %s", q);
		free(q);
		usage_with_options(show_usage, options, 1);
	}
	s->name = xstrndup(s->arg, (size_t)(at - s->arg));
	s->ref = at + 1;
	if ((rc = name_check(s->name, "dependency name")) < 0 ||
	    (rc = rev_check(s->ref, "ref")) < 0)
		graft_error_hint("write it as <name>@<ref>, as in kb@v2.0.0");
	return rc;
}

/* "v2.0.0, v2.1.0 and 3 more" */
static void add_change_refs(struct strbuf *sb, const struct graft_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->changes_nr && i < HINT_REFS_MAX; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", cfg->changes[i].ref);
	if (cfg->changes_nr > HINT_REFS_MAX)
		strbuf_addf(sb, " and %zu more", cfg->changes_nr - HINT_REFS_MAX);
}

/* The changes cfg declares, as a hint, or that it declares none. */
static void hint_declared(const struct graft_config *cfg, const char *where)
{
	struct strbuf sb = STRBUF_INIT;

	if (cfg->changes_nr) {
		add_change_refs(&sb, cfg);
		graft_error_hint("%s declares %s", where, sb.buf);
	} else {
		graft_error_hint("%s declares no changes", where);
	}
	strbuf_release(&sb);
}

/*
 * The graft.ini at the newest commit of the tracked ref, for hints: the
 * changes declared there are what the user most likely looks for. 0 when
 * it cannot be read; *where names it ("kb@main:graft.ini").
 */
static int read_latest(struct graft_config *cfg, struct strbuf *where,
		       struct show *s)
{
	const struct graft_dependency *decl =
		config_find_dependency(&s->p.cfg, s->name);
	struct diag_list diags = DIAG_LIST_INIT;
	struct graft_error_saved saved;
	char *tracked = NULL;
	git_oid latest;
	int found;

	graft_error_save(&saved);
	found = dep_tracked_ref(&tracked, &s->dep, decl ? decl->ref : NULL) == 0 &&
		dep_resolve(&latest, &s->dep, tracked) == 0 &&
		dep_read_config_at(cfg, &diags, &s->dep, &latest, tracked) == 0;
	graft_error_restore(&saved);
	if (found)
		strbuf_addf(where, "%s@%s:%s", s->name, tracked, CONFIG_FILE);
	free(tracked);
	diag_list_release(&diags);
	return found;
}

/* ref names nothing: hint at the changes that exist. */
static void hint_latest(struct show *s)
{
	struct graft_config cfg = GRAFT_CONFIG_INIT;
	struct strbuf where = STRBUF_INIT;

	if (read_latest(&cfg, &where, s))
		hint_declared(&cfg, where.buf);
	strbuf_release(&where);
	config_release(&cfg);
}

/*
 * ref's own graft.ini does not declare it; a newer one may, when the
 * declaration came after the tag.
 */
static void hint_declared_later(struct show *s)
{
	struct graft_config cfg = GRAFT_CONFIG_INIT;
	struct strbuf where = STRBUF_INIT;

	if (read_latest(&cfg, &where, s) && config_find_change(&cfg, s->ref))
		graft_error_hint("it was declared later: %s declares it, and 'git graft changes %s' lists it",
				 where.buf, s->name);
	strbuf_release(&where);
	config_release(&cfg);
}

static int resolve_ref(struct show *s)
{
	int rc = dep_resolve_rev(&s->commit, NULL, &s->dep, s->ref);

	if (rc == 1) {
		hint_latest(s);
		rc = GRAFT_EFAIL;
	}
	return rc;
}

/*
 * The change declared as ref; else, for a ref such as a commit id, the
 * one change declared on the same commit.
 */
static int find_change(struct show *s)
{
	struct strbuf where = STRBUF_INIT, same = STRBUF_INIT;
	const struct graft_change *found = NULL;
	size_t nr = 0, i;
	git_oid id;
	int rc = 0;

	if ((s->change = config_find_change(&s->cfg, s->ref))) {
		git_oid_cpy(&s->change_commit, &s->commit);
		return 0;
	}
	for (i = 0; i < s->cfg.changes_nr; i++) {
		rc = dep_resolve(&id, &s->dep, s->cfg.changes[i].ref);
		if (rc < 0 && rc != GRAFT_EFAIL)
			goto done;
		graft_error_clear();
		if (rc != 0 || !git_oid_equal(&id, &s->commit))
			continue;
		strbuf_addf(&same, "%s%s", nr ? ", " : "", s->cfg.changes[i].ref);
		found = &s->cfg.changes[i];
		nr++;
	}
	strbuf_addf(&where, "%s@%s:%s", s->name, s->ref, CONFIG_FILE);
	if (nr == 1) {
		s->change = found;
		git_oid_cpy(&s->change_commit, &s->commit);
		rc = 0;
	} else if (nr > 1) {
		rc = graft_error("%s declares %zu changes on the commit of '%s': %s",
				 where.buf, nr, s->ref, same.buf);
		graft_error_hint("name one of them, as in '%s@%s'", s->name,
				 found->ref);
	} else {
		rc = graft_error("%s declares no change '%s'", where.buf, s->ref);
		hint_declared(&s->cfg, "it");
		hint_declared_later(s);
	}
done:
	strbuf_release(&where);
	strbuf_release(&same);
	return rc;
}

static const struct graft_command *field_command(const struct show *s,
						 const char *role)
{
	return !strcmp(role, "migration") ? s->migration : s->verify;
}

/* A command's field; NULL when not set. buf holds a number. */
static const char *command_value(const struct graft_command *c,
				 const char *key, char *buf, size_t size)
{
	if (!c)
		return NULL;
	if (!strcmp(key, "name"))
		return c->name;
	if (!strcmp(key, "run"))
		return c->run;
	if (!strcmp(key, "description"))
		return c->description;
	if (!strcmp(key, "working_dir"))
		return c->working_dir;
	if (!c->timeout)
		return NULL;
	snprintf(buf, size, "%d", c->timeout);
	return buf;
}

/* The field's value; NULL when not set. buf holds ids and numbers. */
static const char *field_value(const struct show *s, char *buf, size_t size)
{
	const char *key = s->field.key;

	if (s->field.role)
		return command_value(field_command(s, s->field.role), key, buf,
				     size);
	if (!strcmp(key, "ref"))
		return s->change->ref;
	if (!strcmp(key, "commit"))
		return git_oid_tostr(buf, size, &s->change_commit);
	if (!strcmp(key, "type"))
		return s->change->type;
	return s->change->description;
}

/*
 * The value as it is, for scripts; on a terminal, control characters
 * are shown as '?' all the same, as a file's text must not drive it.
 */
static int print_field(const struct show *s)
{
	char buf[GIT_OID_HEXSZ + 1];
	const char *value = field_value(s, buf, sizeof(buf));

	if (!value)
		return 0;
	if (isatty(STDOUT_FILENO))
		out_sanitized(stdout, value);
	else
		fputs(value, stdout);
	putchar('\n');
	return 0;
}

static int print_json(const struct show *s)
{
	json_t *o = describe_change_json(s->change, &s->change_commit,
					 s->migration, s->verify);

	json_object_set_new(o, "dependency", json_text(s->name));
	return output_json(o);
}

static int run_show(struct show *s, const struct option_spec *options)
{
	int rc;

	if ((rc = parse_spec(s, options)) < 0 ||
	    (s->field_name && (rc = parse_field(&s->field, s->field_name)) < 0) ||
	    (rc = project_open(&s->p, 0)) < 0 ||
	    (rc = guard_warn_pending(&s->p.repo)) < 0 ||
	    (rc = project_read_dep(&s->dep, &s->p, s->name)) < 0 ||
	    (rc = resolve_ref(s)) < 0 ||
	    (rc = project_dep_config(&s->cfg, &s->dep, &s->commit, s->ref)) < 0 ||
	    (rc = find_change(s)) < 0)
		return rc;
	/* graft.ini is valid, so the commands it names are there */
	if (s->change->migration)
		s->migration = config_find_command(&s->cfg, s->change->migration);
	if (s->change->verify)
		s->verify = config_find_command(&s->cfg, s->change->verify);
	if (s->field_name)
		return print_field(s);
	if (s->json)
		return print_json(s);
	describe_change(s->name, s->change, &s->change_commit, s->migration,
				s->verify);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct show s;
	int rc;
	const struct option_spec options[] = {
		OPT_BOOL(0, "json", &s.json, "print the change as JSON"),
		OPT_STRING(0, "field", &s.field_name, "<field>",
			   "print one field's value (see the list above)"),
		OPT_END(),
	};

	memset(&s, 0, sizeof(s));
	project_init(&s.p);
	argc = parse_options(argc, argv, options, show_usage, 0);
	if (argc != 1)
		usage_error(show_usage, options, argc ?
			    "show takes one <name>@<ref>" :
			    "which change? give <name>@<ref>, as in kb@v2.0.0");
	if (s.json && s.field_name)
		usage_error(show_usage, options,
			    "--json and --field cannot be used together");
	s.arg = argv[0];
	rc = run_show(&s, options);
	config_release(&s.cfg);
	dep_release(&s.dep);
	project_close(&s.p);
	free(s.name);
	return graft_error_report(rc);
}
