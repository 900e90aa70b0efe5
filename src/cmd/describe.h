#ifndef GRAFT_DESCRIBE_H
#define GRAFT_DESCRIBE_H

#include <git2.h>
#include <jansson.h>

#include "formats/config.h"
#include "formats/diag.h"
#include "strbuf.h"

/*
 * What several commands show alike, in the same words and the same JSON:
 * a change a dependency declares, with its migration and verification
 * spelled out, as `git graft show` prints it and `git graft upgrade
 * --dry-run` plans it; the problems `validate` and `lint` find.
 */

/* {name, run, description, working_dir, timeout, env}, or null for NULL. */
json_t *describe_command_json(const struct graft_command *c);

/* A command's env as {"NAME": "value", ...}, in the order of the file. */
json_t *describe_env_json(const struct graft_command *c);

/* A command's env as its NAME=value lines, appended to sb. */
void describe_env(struct strbuf *sb, const struct graft_command *c);

/* {ref, commit, type, description, migration, verify}. */
json_t *describe_change_json(const struct graft_change *ch,
			     const git_oid *commit,
			     const struct graft_command *migration,
			     const struct graft_command *verify);

/*
 * A command's fields on stdout, a line each, indent spaces in; its run
 * script last, below its label, as many lines as it has.
 */
void describe_command(const struct graft_command *c, size_t indent);

/*
 * The human form on stdout: a heading, then a field a line; declared_in,
 * when not NULL, says which graft.ini declares the change.
 */
void describe_change(const char *dep, const struct graft_change *ch,
		     const git_oid *commit, const char *declared_in,
		     const struct graft_command *migration,
		     const struct graft_command *verify);

/*
 * The problems `validate` and `lint` find, as their JSON has them:
 * [{"file":…, "line":…, "message":…}, …]
 */
json_t *describe_diags_json(const struct diag_list *list);

#endif
