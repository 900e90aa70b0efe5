#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "cmd/describe.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_changes.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "formats/names.h"
#include "ops/guard.h"
#include "ops/project.h"

static const char *const show_usage[] = {
	"git graft show [--in <ref>] [--json | --field <field>] <name>@<ref>",
	"",
	"Shows the change <ref> of <name>, with its migration and verify commands",
	"spelled out, as an upgrade finds it: declared in the graft.ini of the",
	"newest fetched commit of the ref graft.ini tracks, or of --in <ref>",
	"(--to <ref> is the same). Without --in, a change that file does not",
	"declare is looked for in <ref>'s own graft.ini. A ref that is not",
	"declared itself finds the change declared on the same commit.",
	"",
	"--field prints one value as it is, for scripts; nothing when it is not set.",
	"Fields: ref, commit (the full id), type, description, migration and verify",
	"(the command names), and migration.<key> and verify.<key> with <key> one",
	"of name, run, description, working_dir, timeout (seconds), env (one",
	"NAME=value a line).",
	NULL,
};

/* The change's own fields, and those of each of its two commands. */
static const char *const change_fields[] = {
	"ref", "commit", "type", "description", "migration", "verify", NULL
};
static const char *const command_fields[] = {
	"name", "run", "description", "working_dir", "timeout", "env", NULL
};
static const char *const command_roles[] = { "migration", "verify", NULL };

/* Declared changes a hint names before it says "and N more". */
#define HINT_REFS_MAX 10

struct field {
	const char *role;	/* "migration", "verify", or NULL: the change */
	const char *key;
};

struct show {
	const char *arg, *ref, *in, *field_name;
	char *name;
	int json;
	struct field field;
	struct project p;
	struct dep dep;
	git_oid commit;			/* what ref names */
	struct graft_config cfg;	/* the graft.ini that declares the change */
	char *declared_ref;		/* the ref whose graft.ini that is */
	git_oid declared_commit;
	const struct graft_change *change;
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

/* "kb@main:graft.ini": a graft.ini of the dependency, for messages. */
static void add_file_label(struct strbuf *sb, const struct show *s,
			   const char *ref)
{
	strbuf_addf(sb, "%s@%s:%s", s->name, ref, CONFIG_FILE);
}

/*
 * ref names nothing: hint at the changes the graft.ini of the tracked
 * ref declares, what the user most likely looks for, if it can be read.
 */
static void hint_latest(struct show *s)
{
	struct graft_config cfg = GRAFT_CONFIG_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	struct strbuf where = STRBUF_INIT;
	struct graft_error_saved saved;
	char *tracked = NULL;
	git_oid latest;
	int found;

	graft_error_save(&saved);
	found = project_tracked_tip(&latest, &tracked, &s->dep, &s->p) == 0 &&
		dep_read_config_at(&cfg, &diags, &s->dep, &latest, tracked) == 0;
	graft_error_restore(&saved);
	if (found) {
		add_file_label(&where, s, tracked);
		hint_declared(&cfg, where.buf);
	}
	free(tracked);
	diag_list_release(&diags);
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
 * The change cfg declares as ref; else, for a ref such as a commit id,
 * the one change declared on the same commit. 1 when there is none, an
 * error when there are several. where names cfg's file.
 */
static int find_in(const struct graft_change **out, struct show *s,
		   const struct graft_config *cfg, const char *where)
{
	struct strbuf same = STRBUF_INIT;
	const struct graft_change *found = NULL;
	size_t nr = 0, i;
	git_oid id;
	int rc;

	if ((*out = config_find_change(cfg, s->ref)))
		return 0;
	for (i = 0; i < cfg->changes_nr; i++) {
		rc = dep_resolve(&id, &s->dep, cfg->changes[i].ref);
		if (rc < 0 && rc != GRAFT_EFAIL)
			goto done;
		graft_error_clear();
		if (rc != 0 || !git_oid_equal(&id, &s->commit))
			continue;
		strbuf_addf(&same, "%s%s", nr ? ", " : "", cfg->changes[i].ref);
		found = &cfg->changes[i];
		nr++;
	}
	rc = nr ? 0 : 1;
	if (nr == 1) {
		*out = found;
	} else if (nr > 1) {
		rc = graft_error("%s declares %zu changes on the commit of '%s': %s",
				 where, nr, s->ref, same.buf);
		graft_error_hint("name one of them, as in '%s@%s'", s->name,
				 found->ref);
	}
done:
	strbuf_release(&same);
	return rc;
}

/*
 * The graft.ini an upgrade reads: of --in, or of the tracked ref's
 * newest commit. 1 when the tracked ref is not known.
 */
static int find_tip(git_oid *tip, char **ref, struct show *s)
{
	int rc;

	if (!s->in)
		return project_tracked_tip(tip, ref, &s->dep, &s->p);
	rc = dep_resolve(tip, &s->dep, s->in);
	if (rc == 1)
		rc = GRAFT_EFAIL;
	if (rc < 0) {
		graft_error_prefix("--in");
		return rc;
	}
	*ref = xstrdup(s->in);
	return 0;
}

/* cfg at commit (of ref) declares the change: it is what is shown. */
static void take(struct show *s, struct graft_config *cfg, const char *ref,
		 const git_oid *commit)
{
	s->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	s->declared_ref = xstrdup(ref);
	git_oid_cpy(&s->declared_commit, commit);
}

/*
 * Find the change where an upgrade finds it: in the graft.ini of --in or
 * of the tracked ref's newest commit. Without --in, one that file does
 * not declare (or all of them, when the tracked ref is not known) is
 * looked for in ref's own graft.ini, with a warning when an upgrade to
 * the tracked ref would not run it.
 */
static int find_change(struct show *s)
{
	struct graft_config tip_cfg = GRAFT_CONFIG_INIT, own = GRAFT_CONFIG_INIT;
	struct strbuf tip_file = STRBUF_INIT, own_file = STRBUF_INIT;
	char *tip_ref = NULL;
	git_oid tip;
	int rc, tip_known;

	if ((rc = find_tip(&tip, &tip_ref, s)) < 0)
		goto done;
	tip_known = rc == 0;
	graft_error_clear();
	if (tip_known) {
		add_file_label(&tip_file, s, tip_ref);
		if ((rc = project_dep_config(&tip_cfg, &s->dep, &tip, tip_ref)) < 0 ||
		    (rc = find_in(&s->change, s, &tip_cfg, tip_file.buf)) < 0)
			goto done;
		if (rc == 0) {
			take(s, &tip_cfg, tip_ref, &tip);
			goto done;
		}
	}
	if (!s->in && (!tip_known || !git_oid_equal(&tip, &s->commit))) {
		add_file_label(&own_file, s, s->ref);
		if ((rc = project_dep_config(&own, &s->dep, &s->commit, s->ref)) < 0 ||
		    (rc = find_in(&s->change, s, &own, own_file.buf)) < 0)
			goto done;
		if (rc == 0) {
			if (tip_known)
				out_warning("%s does not declare '%s': an upgrade to %s does not run it",
					    tip_file.buf, s->change->ref, tip_ref);
			take(s, &own, s->ref, &s->commit);
			goto done;
		}
	}
	rc = graft_error("%s declares no change '%s'",
			 tip_known ? tip_file.buf : own_file.buf, s->ref);
	hint_declared(tip_known ? &tip_cfg : &own, "it");
	if (tip_known && own_file.len && own.changes_nr)
		hint_declared(&own, own_file.buf);
done:
	config_release(&tip_cfg);
	config_release(&own);
	strbuf_release(&tip_file);
	strbuf_release(&own_file);
	free(tip_ref);
	return rc;
}

static const struct graft_command *field_command(const struct show *s,
						 const char *role)
{
	return !strcmp(role, "migration") ? s->migration : s->verify;
}

/* A command's field, in buf; NULL when not set. */
static const char *command_value(const struct graft_command *c,
				 const char *key, struct strbuf *buf)
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
	if (!strcmp(key, "env")) {
		describe_env(buf, c);
		return buf->len ? buf->buf : NULL;
	}
	if (!c->timeout)
		return NULL;
	strbuf_addf(buf, "%d", c->timeout);
	return buf->buf;
}

/* The field's value; NULL when not set. buf holds what is built. */
static const char *field_value(const struct show *s, struct strbuf *buf)
{
	const char *key = s->field.key;
	char id[GIT_OID_HEXSZ + 1];

	if (s->field.role)
		return command_value(field_command(s, s->field.role), key, buf);
	if (!strcmp(key, "ref"))
		return s->change->ref;
	if (!strcmp(key, "commit")) {
		strbuf_addstr(buf, git_oid_tostr(id, sizeof(id), &s->commit));
		return buf->buf;
	}
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
	struct strbuf buf = STRBUF_INIT;
	const char *value = field_value(s, &buf);

	if (value) {
		if (isatty(STDOUT_FILENO))
			out_sanitized(stdout, value);
		else
			fputs(value, stdout);
		putchar('\n');
	}
	strbuf_release(&buf);
	return 0;
}

static int print_json(const struct show *s)
{
	json_t *o = describe_change_json(s->change, &s->commit, s->migration,
					 s->verify);
	char id[GIT_OID_HEXSZ + 1];

	git_oid_tostr(id, sizeof(id), &s->declared_commit);
	json_object_set_new(o, "dependency", json_text(s->name));
	json_object_set_new(o, "declared_in",
			    json_pack("{s:o, s:s}", "ref",
				      json_text(s->declared_ref), "commit", id));
	return output_json(o);
}

static void print_human(const struct show *s)
{
	struct strbuf where = STRBUF_INIT;
	char id[8];

	strbuf_addf(&where, "the %s of %s (%s)", CONFIG_FILE, s->declared_ref,
		    short_id(id, &s->declared_commit));
	describe_change(s->name, s->change, &s->commit, where.buf,
			s->migration, s->verify);
	strbuf_release(&where);
}

static int run_show(struct show *s, const struct option_spec *options)
{
	int rc;

	if ((rc = parse_spec(s, options)) < 0 ||
	    (s->in && (rc = ref_check(s->in, "--in")) < 0) ||
	    (s->field_name && (rc = parse_field(&s->field, s->field_name)) < 0) ||
	    (rc = project_open(&s->p, 0)) < 0 ||
	    (rc = guard_warn_pending(&s->p.repo)) < 0 ||
	    (rc = project_read_dep(&s->dep, &s->p, s->name)) < 0 ||
	    (rc = resolve_ref(s)) < 0 || (rc = find_change(s)) < 0)
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
	print_human(s);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct show s;
	int rc;
	const struct option_spec options[] = {
		OPT_STRING(0, "in", &s.in, "<ref>",
			   "the change as the graft.ini of <ref> declares it"),
		OPT_STRING(0, "to", &s.in, "<ref>", "the same as --in"),
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
	free(s.declared_ref);
	dep_release(&s.dep);
	project_close(&s.p);
	free(s.name);
	return graft_error_report(rc);
}
