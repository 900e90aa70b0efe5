#ifndef GRAFT_CMDENV_H
#define GRAFT_CMDENV_H

#include <stddef.h>

#include "formats/config.h"

/*
 * What a command declared in a graft.ini runs with, the same for `git
 * graft run` and for an upgrade's migration and verify commands
 * (docs/design.md): the directory it starts in and its environment.
 * Commands get their context from environment variables; no value is
 * ever pasted into their shell script.
 */

/*
 * The absolute directory c runs in: root (the top of the work tree) or,
 * when c has a working_dir, that directory below root. It must exist and
 * lie inside the work tree once symbolic links are followed, so that no
 * link in the tree sends a command elsewhere. what names the command in
 * messages ("kb:migrate"). The caller frees *out.
 */
int cmdenv_dir(char **out, const char *root, const struct graft_command *c,
	       const char *what);

/* Changes to the environment, as exec_cmd.env takes them. */
struct cmdenv {
	char **items;		/* "NAME=value", "NAME" to unset; NULL-ended */
	size_t nr, alloc;
};

#define CMDENV_INIT { .items = NULL }

/*
 * The variables c declares in its env (c may be NULL), then GRAFT_ROOT
 * (root without its trailing '/'); GRAFT_DEP_NAME and GRAFT_DEP_PATH
 * (absolute) for a dependency's command, when dep_name is not NULL.
 * Every other variable git-graft gives commands is unset, so a command
 * started from within another one sees its own context only.
 */
void cmdenv_init(struct cmdenv *env, const struct graft_command *c,
		 const char *root, const char *dep_name, const char *dep_path);

/* Set name to value, or unset it when value is NULL. */
void cmdenv_set(struct cmdenv *env, const char *name, const char *value);

/* The changes, for exec_cmd.env. */
const char *const *cmdenv_items(const struct cmdenv *env);

void cmdenv_release(struct cmdenv *env);

#endif
