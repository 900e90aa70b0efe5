#ifndef GRAFT_DESCRIBE_H
#define GRAFT_DESCRIBE_H

#include <git2.h>
#include <jansson.h>

#include "config.h"

/*
 * A change a dependency declares, with its migration and verification
 * spelled out, as `git graft show` prints it and `git graft upgrade
 * --dry-run` plans it: the same words and the same JSON in both.
 */

/* {name, run, description, working_dir, timeout}, or null for NULL. */
json_t *describe_command_json(const struct graft_command *c);

/* {ref, commit, type, description, migration, verify}. */
json_t *describe_change_json(const struct graft_change *ch,
			     const git_oid *commit,
			     const struct graft_command *migration,
			     const struct graft_command *verify);

/* The human form on stdout: a heading, then a field a line. */
void describe_change(const char *dep, const struct graft_change *ch,
		     const git_oid *commit,
		     const struct graft_command *migration,
		     const struct graft_command *verify);

#endif
