#include <stdio.h>
#include <string.h>

#include "cmd/describe.h"
#include "cmd/output.h"

json_t *describe_env_json(const struct graft_command *c)
{
	json_t *env = json_object();
	size_t i;

	for (i = 0; i < c->env_nr; i++)
		json_object_set_new(env, c->env[i].name,
				    json_text(c->env[i].value));
	return env;
}

void describe_env(struct strbuf *sb, const struct graft_command *c)
{
	size_t i;

	for (i = 0; i < c->env_nr; i++)
		strbuf_addf(sb, "%s%s=%s", i ? "\n" : "", c->env[i].name,
			    c->env[i].value);
}

json_t *describe_command_json(const struct graft_command *c)
{
	if (!c)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
			 "name", json_text(c->name), "run", json_text(c->run),
			 "description", json_text(c->description),
			 "working_dir", json_text(c->working_dir),
			 "timeout", c->timeout ? json_integer(c->timeout) :
			 json_null(),
			 "env", describe_env_json(c));
}

json_t *describe_change_json(const struct graft_change *ch,
			     const git_oid *commit,
			     const struct graft_command *migration,
			     const struct graft_command *verify)
{
	char id[GIT_OID_HEXSZ + 1];

	git_oid_tostr(id, sizeof(id), commit);
	return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o}",
			 "ref", json_text(ch->ref), "commit", id,
			 "type", json_text(ch->type),
			 "description", json_text(ch->description),
			 "migration", describe_command_json(migration),
			 "verify", describe_command_json(verify));
}

json_t *describe_diags_json(const struct diag_list *list)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < list->nr; i++) {
		const struct diag *d = &list->items[i];

		json_array_append_new(arr, json_pack("{s:o, s:i, s:o}",
						     "file", json_text(d->file),
						     "line", d->line,
						     "message",
						     json_text(d->message)));
	}
	return arr;
}

/*
 * Where the values of the human output start: past the longest label
 * ("description:") and two spaces, or further in when indented more.
 */
#define VALUE_COLUMN 16
#define LABEL_WIDTH 14

/* "<indent><label>:<padding><value>", a multi-line value kept in its column. */
static void print_line(size_t indent, const char *label, const char *value,
		       const char *unset)
{
	size_t used = indent + strlen(label) + 1;
	size_t column = indent + LABEL_WIDTH > VALUE_COLUMN ?
			indent + LABEL_WIDTH : VALUE_COLUMN;

	printf("%*s%s:%*s", (int)indent, "", label,
	       (int)(used < column ? column - used : 1), "");
	if (value)
		out_indented(stdout, value, column);
	else
		printf("%s%s%s", color(stdout, COLOR_DIM), unset,
		       color(stdout, COLOR_RESET));
	putchar('\n');
}

void describe_command(const struct graft_command *c, size_t indent)
{
	struct strbuf env = STRBUF_INIT;
	char timeout[32];

	snprintf(timeout, sizeof(timeout), "%d seconds", c->timeout);
	print_line(indent, "description", c->description, "(none)");
	print_line(indent, "working_dir", c->working_dir, "(the project's root)");
	print_line(indent, "timeout", c->timeout ? timeout : NULL, "(none)");
	describe_env(&env, c);
	print_line(indent, "env", env.len ? env.buf : NULL, "(none)");
	strbuf_release(&env);
	/* a script keeps its lines: each indented alike, none joined */
	printf("%*srun:\n%*s", (int)indent, "", (int)indent + 2, "");
	out_indented(stdout, c->run, indent + 2);
	putchar('\n');
}

static void print_command(const char *role, const struct graft_command *c)
{
	putchar('\n');
	print_line(0, role, c ? c->name : NULL, "(none)");
	if (c)
		describe_command(c, 2);
}

void describe_change(const char *dep, const struct graft_change *ch,
		     const git_oid *commit, const char *declared_in,
		     const struct graft_command *migration,
		     const struct graft_command *verify)
{
	char id[GIT_OID_HEXSZ + 1];

	git_oid_tostr(id, sizeof(id), commit);
	printf("%schange ", color(stdout, COLOR_WARNING));
	out_sanitized(stdout, ch->ref);
	printf(" of %s%s\n", dep, color(stdout, COLOR_RESET));
	print_line(0, "commit", id, NULL);
	print_line(0, "type", ch->type, "(none)");
	print_line(0, "description", ch->description, "(none)");
	if (declared_in)
		print_line(0, "declared in", declared_in, NULL);
	print_command("migration", migration);
	print_command("verify", verify);
}
