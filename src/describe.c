#include <stdio.h>
#include <string.h>

#include "describe.h"
#include "output.h"

json_t *describe_command_json(const struct graft_command *c)
{
	if (!c)
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o, s:o}",
			 "name", json_text(c->name), "run", json_text(c->run),
			 "description", json_text(c->description),
			 "working_dir", json_text(c->working_dir),
			 "timeout", c->timeout ? json_integer(c->timeout) :
			 json_null());
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

/* Where the values of the human output start. */
#define VALUE_COLUMN 16

/* "<indent><label>:<padding><value>", a multi-line value kept in its column. */
static void print_line(size_t indent, const char *label, const char *value,
		       const char *unset)
{
	size_t used = indent + strlen(label) + 1;

	printf("%*s%s:%*s", (int)indent, "", label,
	       (int)(used < VALUE_COLUMN ? VALUE_COLUMN - used : 1), "");
	if (value)
		out_indented(stdout, value, VALUE_COLUMN);
	else
		printf("%s%s%s", color(stdout, COLOR_DIM), unset,
		       color(stdout, COLOR_RESET));
	putchar('\n');
}

static void print_command(const char *role, const struct graft_command *c)
{
	char timeout[32];

	putchar('\n');
	print_line(0, role, c ? c->name : NULL, "(none)");
	if (!c)
		return;
	snprintf(timeout, sizeof(timeout), "%d seconds", c->timeout);
	print_line(2, "description", c->description, "(none)");
	print_line(2, "working_dir", c->working_dir, "(the project's root)");
	print_line(2, "timeout", c->timeout ? timeout : NULL, "(none)");
	/* a script keeps its lines: each indented alike, none joined */
	printf("  run:\n    ");
	out_indented(stdout, c->run, 4);
	putchar('\n');
}

void describe_change(const char *dep, const struct graft_change *ch,
		     const git_oid *commit,
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
	print_command("migration", migration);
	print_command("verify", verify);
}
