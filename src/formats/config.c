#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "formats/config.h"
#include "formats/inidoc.h"
#include "formats/names.h"
#include "strbuf.h"

const char config_template[] =
	"# graft.ini: the dependencies of this repository and its commands.\n"
	"# See git-graft(1). Lines starting with '#' or ';' are comments.\n"
	"#\n"
	"# [dependency \"meta-kb\"]\n"
	"# source = ../meta-kb\n"
	"# ref = main\n"
	"#\n"
	"# [command \"test\"]\n"
	"# run = make test\n"
	"# description = Run the test suite\n"
	"#\n"
	"# A repository that others depend on declares its changes here too:\n"
	"#\n"
	"# [metadata]\n"
	"# name = meta-kb\n"
	"# description = Shared knowledge base\n"
	"#\n"
	"# [change \"v2.0.0\"]\n"
	"# type = breaking\n"
	"# description = Renamed getUserData to fetchUserData\n"
	"# migration = migrate-v2\n"
	"# verify = verify-v2\n"
	"#\n"
	"# [command \"migrate-v2\"]\n"
	"# run = sed -i 's/getUserData/fetchUserData/g' src/app.js\n";

/*
 * Keys whose values are never cut at " ;": shell scripts, and the
 * variables a command runs with.
 */
static const char *const script_keys[] = { "run", "env", NULL };

struct section_kind {
	const char *kind;
	int named;			/* [kind "name"] rather than [kind] */
	const char *const *keys;
	const char *key_list;		/* for messages */
};

static const char *const dependency_keys[] = { "source", "ref", NULL };
static const char *const command_keys[] = {
	"run", "description", "working_dir", "timeout", "env", NULL
};
static const char *const change_keys[] = {
	"type", "description", "migration", "verify", NULL
};
static const char *const metadata_keys[] = { "name", "description", NULL };

static const struct section_kind kinds[] = {
	{ "dependency", 1, dependency_keys, "source or ref" },
	{ "command", 1, command_keys,
	  "run, description, working_dir, timeout or env" },
	{ "change", 1, change_keys, "type, description, migration or verify" },
	{ "metadata", 0, metadata_keys, "name or description" },
};

#define TIMEOUT_MAX (7 * 24 * 3600)

struct parse_state {
	const char *label;
	struct diag_list *diags;
	struct graft_config *cfg;
	int errors;
};

static void problem(struct parse_state *st, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct parse_state *st, int line, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	diag_add(st->diags, st->label, line, "%s", sb.buf);
	strbuf_release(&sb);
	st->errors++;
}

/* Report the error a names.c check set, at line. */
static int check(struct parse_state *st, int line, int rc)
{
	if (rc < 0) {
		problem(st, line, "%s", graft_error_message());
		graft_error_clear();
	}
	return rc;
}

static const struct section_kind *find_kind(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		if (!strcmp(kinds[i].kind, kind))
			return &kinds[i];
	return NULL;
}

static int known_key(const struct section_kind *k, const char *key)
{
	const char *const *p;

	for (p = k->keys; *p; p++)
		if (!strcmp(*p, key))
			return 1;
	return 0;
}

static void section_label(struct strbuf *sb, const struct ini_section *s)
{
	strbuf_addf(sb, "[%s", s->kind);
	if (s->name && strlen(s->name) > 40)
		strbuf_addf(sb, " \"%.37s...\"", s->name);
	else if (s->name)
		strbuf_addf(sb, " \"%s\"", s->name);
	strbuf_addch(sb, ']');
}

/* The section's header: valid kind, valid name, not seen before. */
static int check_section(struct parse_state *st, const struct ini_doc *doc,
			 size_t idx)
{
	const struct ini_section *s = &doc->sections[idx];
	const struct section_kind *k = find_kind(s->kind);
	size_t i;

	if (!k) {
		problem(st, s->line,
			"unknown section [%s]; expected dependency, command, change or metadata",
			s->kind);
		return -1;
	}
	if (k->named && !s->name) {
		problem(st, s->line, "[%s] needs a name, as in [%s \"name\"]",
			s->kind, s->kind);
		return -1;
	}
	if (!k->named && s->name) {
		problem(st, s->line, "[%s] takes no name", s->kind);
		return -1;
	}
	if (!strcmp(s->kind, "dependency") &&
	    check(st, s->line, name_check(s->name, "dependency name")) < 0)
		return -1;
	if (!strcmp(s->kind, "command") &&
	    check(st, s->line, name_check(s->name, "command name")) < 0)
		return -1;
	if (!strcmp(s->kind, "change") &&
	    check(st, s->line, ref_check(s->name, "change ref")) < 0)
		return -1;
	for (i = 0; i < idx; i++) {
		const struct ini_section *o = &doc->sections[i];

		if (strcmp(o->kind, s->kind))
			continue;
		if ((o->name == NULL) != (s->name == NULL))
			continue;
		if (o->name && strcmp(o->name, s->name))
			continue;
		if (s->name) {
			char *q = name_quoted(s->name);

			problem(st, s->line, "duplicate %s %s (first declared at line %d)",
				s->kind, q, o->line);
			free(q);
		} else {
			problem(st, s->line, "duplicate [%s] section (first at line %d)",
				s->kind, o->line);
		}
		return -1;
	}
	return 0;
}

/* Keep the first value; a duplicate was already reported by check_keys. */
static void set_first(char **slot, const char *value)
{
	if (!*slot)
		*slot = xstrdup(value);
}

static int one_line(struct parse_state *st, const struct ini_entry *e)
{
	if (strchr(e->value, '\n')) {
		problem(st, e->line, "'%s' must be on one line", e->key);
		return -1;
	}
	return 0;
}

static int parse_timeout(struct parse_state *st, const struct ini_entry *e)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(e->value, &end, 10);
	if (!*e->value || *end || errno || n <= 0 || n > TIMEOUT_MAX) {
		problem(st, e->line,
			"timeout must be a whole number of seconds from 1 to %d, not '%s'",
			TIMEOUT_MAX, e->value);
		return 0;
	}
	return (int)n;
}

/* The variables git-graft gives commands are its own to set. */
#define GRAFT_ENV_PREFIX "GRAFT_"

static const struct graft_env_var *find_env(const struct graft_command *c,
					    const char *name)
{
	size_t i;

	for (i = 0; i < c->env_nr; i++)
		if (!strcmp(c->env[i].name, name))
			return &c->env[i];
	return NULL;
}

/* One line of env: NAME=value. */
static void parse_assignment(struct parse_state *st, struct graft_command *c,
			     const char *text, int line)
{
	const char *eq = strchr(text, '=');
	const struct graft_env_var *first;
	struct graft_env_var *v;
	char *name, *q;

	if (!eq) {
		q = name_quoted(text);
		problem(st, line, "env: expected NAME=value, not %s", q);
		free(q);
		return;
	}
	name = xstrndup(text, (size_t)(eq - text));
	if (check(st, line, env_name_check(name, "env variable name")) < 0) {
		free(name);
		return;
	}
	q = name_quoted(name);
	if (!strncmp(name, GRAFT_ENV_PREFIX, strlen(GRAFT_ENV_PREFIX))) {
		problem(st, line, "env cannot set %s: the GRAFT_* variables are git-graft's to set",
			q);
		free(name);
	} else if ((first = find_env(c, name))) {
		problem(st, line, "env sets %s twice (first at line %d)", q,
			first->line);
		free(name);
	} else {
		ALLOC_GROW(c->env, c->env_nr + 1, c->env_alloc);
		v = &c->env[c->env_nr++];
		v->name = name;
		v->value = xstrdup(eq + 1);
		v->line = line;
	}
	free(q);
}

/*
 * env: one NAME=value a line, as a multi-line value; blank lines are
 * skipped. Values are never given to a shell to read, so they are kept
 * as written: quotes stay, '$' is not expanded.
 */
static void parse_env(struct parse_state *st, struct graft_command *c,
		      const struct ini_entry *e)
{
	const char *line = e->value, *end;
	size_t n;

	for (n = 0;; n++) {
		end = strchrnul(line, '\n');
		if (end > line) {
			char *text = xstrndup(line, (size_t)(end - line));

			parse_assignment(st, c, text, e->lines[n]);
			free(text);
		}
		if (!*end)
			break;
		line = end + 1;
	}
	if (!*e->value)
		problem(st, e->line, "env is empty; write one NAME=value a line");
}

static void build_dependency(struct parse_state *st, const struct ini_doc *doc,
			     size_t idx)
{
	const struct ini_section *s = &doc->sections[idx];
	struct graft_dependency d = { 0 };
	size_t i;
	int bad_source = 0;

	for (i = 0; i < doc->entries_nr; i++) {
		const struct ini_entry *e = &doc->entries[i];

		if (e->section != idx)
			continue;
		if (!strcmp(e->key, "source")) {
			if (one_line(st, e) < 0 ||
			    check(st, e->line, source_check(e->value, "source")) < 0)
				bad_source = 1;
			else
				set_first(&d.source, e->value);
		} else if (!strcmp(e->key, "ref")) {
			if (one_line(st, e) == 0 &&
			    check(st, e->line, ref_check(e->value, "ref")) == 0)
				set_first(&d.ref, e->value);
		}
	}
	if (!d.source && !bad_source) {
		char *q = name_quoted(s->name);

		problem(st, s->line, "dependency %s has no 'source'", q);
		free(q);
	}
	if (!d.source) {
		free(d.ref);
		return;
	}
	d.name = xstrdup(s->name);
	d.line = s->line;
	ALLOC_GROW(st->cfg->deps, st->cfg->deps_nr + 1, st->cfg->deps_alloc);
	st->cfg->deps[st->cfg->deps_nr++] = d;
}

static void command_release(struct graft_command *c)
{
	size_t i;

	for (i = 0; i < c->env_nr; i++) {
		free(c->env[i].name);
		free(c->env[i].value);
	}
	free(c->env);
	free(c->name);
	free(c->run);
	free(c->description);
	free(c->working_dir);
}

static void build_command(struct parse_state *st, const struct ini_doc *doc,
			  size_t idx)
{
	const struct ini_section *s = &doc->sections[idx];
	struct graft_command c = { 0 };
	int timeout_seen = 0, env_seen = 0;
	size_t i;

	for (i = 0; i < doc->entries_nr; i++) {
		const struct ini_entry *e = &doc->entries[i];

		if (e->section != idx)
			continue;
		if (!strcmp(e->key, "run")) {
			set_first(&c.run, e->value);
		} else if (!strcmp(e->key, "description")) {
			set_first(&c.description, e->value);
		} else if (!strcmp(e->key, "working_dir")) {
			if (one_line(st, e) == 0 &&
			    check(st, e->line,
				  relpath_check(e->value, "working_dir")) == 0)
				set_first(&c.working_dir, e->value);
		} else if (!strcmp(e->key, "timeout")) {
			if (!timeout_seen++)
				c.timeout = parse_timeout(st, e);
		} else if (!strcmp(e->key, "env")) {
			if (!env_seen++)
				parse_env(st, &c, e);
		}
	}
	if (!c.run || !*c.run) {
		char *q = name_quoted(s->name);

		problem(st, s->line, "command %s has no 'run'", q);
		free(q);
		command_release(&c);
		return;
	}
	c.name = xstrdup(s->name);
	c.line = s->line;
	ALLOC_GROW(st->cfg->commands, st->cfg->commands_nr + 1,
		   st->cfg->commands_alloc);
	st->cfg->commands[st->cfg->commands_nr++] = c;
}

static void build_change(struct parse_state *st, const struct ini_doc *doc,
			 size_t idx)
{
	const struct ini_section *s = &doc->sections[idx];
	struct graft_change c = { 0 };
	size_t i;

	for (i = 0; i < doc->entries_nr; i++) {
		const struct ini_entry *e = &doc->entries[i];

		if (e->section != idx)
			continue;
		if (!strcmp(e->key, "type")) {
			if (one_line(st, e) == 0)
				set_first(&c.type, e->value);
		} else if (!strcmp(e->key, "description")) {
			set_first(&c.description, e->value);
		} else if (!strcmp(e->key, "migration")) {
			if (one_line(st, e) == 0 &&
			    check(st, e->line,
				  name_check(e->value, "migration command name")) == 0)
				set_first(&c.migration, e->value);
		} else if (!strcmp(e->key, "verify")) {
			if (one_line(st, e) == 0 &&
			    check(st, e->line,
				  name_check(e->value, "verify command name")) == 0)
				set_first(&c.verify, e->value);
		}
	}
	c.ref = xstrdup(s->name);
	c.line = s->line;
	ALLOC_GROW(st->cfg->changes, st->cfg->changes_nr + 1,
		   st->cfg->changes_alloc);
	st->cfg->changes[st->cfg->changes_nr++] = c;
}

static void build_metadata(struct parse_state *st, const struct ini_doc *doc,
			   size_t idx)
{
	size_t i;

	for (i = 0; i < doc->entries_nr; i++) {
		const struct ini_entry *e = &doc->entries[i];

		if (e->section != idx)
			continue;
		if (!strcmp(e->key, "name")) {
			if (one_line(st, e) == 0 &&
			    check(st, e->line, name_check(e->value, "name")) == 0)
				set_first(&st->cfg->name, e->value);
		} else if (!strcmp(e->key, "description")) {
			set_first(&st->cfg->description, e->value);
		}
	}
}

/* The entry before i with the same section and key, or NULL. */
static const struct ini_entry *earlier_entry(const struct ini_doc *doc,
					     size_t i)
{
	const struct ini_entry *e = &doc->entries[i];
	size_t j;

	for (j = 0; j < i; j++)
		if (doc->entries[j].section == e->section &&
		    !strcmp(doc->entries[j].key, e->key))
			return &doc->entries[j];
	return NULL;
}

/* Keys a section of its kind does not have, and keys set twice. */
static void check_keys(struct parse_state *st, const struct ini_doc *doc,
		       const char *valid)
{
	size_t i;

	for (i = 0; i < doc->entries_nr; i++) {
		const struct ini_entry *e = &doc->entries[i], *first;
		const struct ini_section *s = &doc->sections[e->section];
		const struct section_kind *k = find_kind(s->kind);
		struct strbuf sb = STRBUF_INIT;
		char *q;

		if (!valid[e->section] || !k)
			continue;
		q = name_quoted(e->key);
		if (!known_key(k, e->key)) {
			section_label(&sb, s);
			problem(st, e->line, "unknown key %s in %s; expected %s",
				q, sb.buf, k->key_list);
		} else if ((first = earlier_entry(doc, i))) {
			problem(st, e->line, "duplicate key %s (first set at line %d)",
				q, first->line);
		}
		free(q);
		strbuf_release(&sb);
	}
}

/* migration and verify must name commands of the same file */
static void check_references(struct parse_state *st)
{
	const struct graft_config *cfg = st->cfg;
	size_t i;

	for (i = 0; i < cfg->changes_nr; i++) {
		const struct graft_change *c = &cfg->changes[i];

		if (c->migration && !config_find_command(cfg, c->migration))
			problem(st, c->line,
				"change '%s' names migration '%s', but there is no [command \"%s\"]",
				c->ref, c->migration, c->migration);
		if (c->verify && !config_find_command(cfg, c->verify))
			problem(st, c->line,
				"change '%s' names verify '%s', but there is no [command \"%s\"]",
				c->ref, c->verify, c->verify);
	}
}

int config_parse(struct graft_config *cfg, const char *label,
		 const char *buf, size_t len, struct diag_list *diags)
{
	struct ini_doc doc = INI_DOC_INIT;
	struct parse_state st = { label, diags, cfg, 0 };
	char *valid;
	size_t i;

	if (ini_doc_parse(&doc, label, buf, len, script_keys, diags) < 0)
		st.errors++;
	valid = xcalloc(doc.sections_nr ? doc.sections_nr : 1, 1);
	for (i = 0; i < doc.sections_nr; i++)
		valid[i] = check_section(&st, &doc, i) == 0;
	check_keys(&st, &doc, valid);
	/* a section with a value the reader refused is left out whole */
	for (i = 0; i < doc.entries_nr; i++)
		if (doc.entries[i].invalid)
			valid[doc.entries[i].section] = 0;
	for (i = 0; i < doc.sections_nr; i++) {
		const char *kind = doc.sections[i].kind;

		if (!valid[i])
			continue;
		if (!strcmp(kind, "dependency"))
			build_dependency(&st, &doc, i);
		else if (!strcmp(kind, "command"))
			build_command(&st, &doc, i);
		else if (!strcmp(kind, "change"))
			build_change(&st, &doc, i);
		else
			build_metadata(&st, &doc, i);
	}
	check_references(&st);
	free(valid);
	ini_doc_release(&doc);
	return st.errors ? GRAFT_EFAIL : 0;
}

int config_read_file(struct graft_config *cfg, const char *path,
		     const char *label, struct diag_list *diags)
{
	struct strbuf buf = STRBUF_INIT;
	int missing, rc;

	if ((rc = diag_read_file(&buf, &missing, path, label, diags)) < 0)
		return rc;
	rc = missing ? 0 : config_parse(cfg, label, buf.buf, buf.len, diags);
	strbuf_release(&buf);
	return rc;
}

void config_release(struct graft_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->deps_nr; i++) {
		free(cfg->deps[i].name);
		free(cfg->deps[i].source);
		free(cfg->deps[i].ref);
	}
	for (i = 0; i < cfg->commands_nr; i++)
		command_release(&cfg->commands[i]);
	for (i = 0; i < cfg->changes_nr; i++) {
		free(cfg->changes[i].ref);
		free(cfg->changes[i].type);
		free(cfg->changes[i].description);
		free(cfg->changes[i].migration);
		free(cfg->changes[i].verify);
	}
	free(cfg->deps);
	free(cfg->commands);
	free(cfg->changes);
	free(cfg->name);
	free(cfg->description);
	memset(cfg, 0, sizeof(*cfg));
}

const struct graft_dependency *config_find_dependency(
	const struct graft_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->deps_nr; i++)
		if (!strcmp(cfg->deps[i].name, name))
			return &cfg->deps[i];
	return NULL;
}

const struct graft_command *config_find_command(
	const struct graft_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->commands_nr; i++)
		if (!strcmp(cfg->commands[i].name, name))
			return &cfg->commands[i];
	return NULL;
}

const struct graft_change *config_find_change(
	const struct graft_config *cfg, const char *ref)
{
	size_t i;

	for (i = 0; i < cfg->changes_nr; i++)
		if (!strcmp(cfg->changes[i].ref, ref))
			return &cfg->changes[i];
	return NULL;
}
