#ifndef GRAFT_CONFIG_H
#define GRAFT_CONFIG_H

#include <stddef.h>

#include "formats/diag.h"

/*
 * graft.ini: a consumer's dependencies and commands, and a dependency's
 * metadata, changes and commands (docs/design.md). One file may hold both.
 */

#define CONFIG_FILE "graft.ini"

struct graft_dependency {
	char *name;
	char *source;
	char *ref;		/* NULL: the remote's HEAD */
	int line;
};

/* One NAME=value line of a command's env. */
struct graft_env_var {
	char *name;		/* a shell variable name, never GRAFT_* */
	char *value;		/* as written: nothing removed or expanded */
	int line;
};

struct graft_command {
	char *name;
	char *run;		/* a shell script; lines joined with '\n' */
	char *description;	/* may be NULL */
	char *working_dir;	/* relative to the consumer's root, or NULL */
	int timeout;		/* seconds, 0 for none */
	struct graft_env_var *env;	/* in the order of the file */
	size_t env_nr, env_alloc;
	int line;
};

struct graft_change {
	char *ref;
	char *type;		/* may be NULL */
	char *description;	/* may be NULL */
	char *migration;	/* a command name, or NULL */
	char *verify;		/* a command name, or NULL */
	int line;
};

struct graft_config {
	char *name;		/* [metadata] name, or NULL */
	char *description;	/* [metadata] description, or NULL */
	struct graft_dependency *deps;
	size_t deps_nr, deps_alloc;
	struct graft_command *commands;
	size_t commands_nr, commands_alloc;
	struct graft_change *changes;	/* in the order of the file */
	size_t changes_nr, changes_alloc;
};

#define GRAFT_CONFIG_INIT { .name = NULL }

/*
 * Parse and validate a graft.ini held in buf. label names it in
 * diagnostics ("graft.ini", or "meta-kb@v2.0.0:graft.ini" for a blob).
 * Every problem goes to diags; returns 0 if there was none, GRAFT_EFAIL
 * otherwise. Invalid sections are left out of cfg.
 */
int config_parse(struct graft_config *cfg, const char *label,
		 const char *buf, size_t len, struct diag_list *diags);

/* Read and parse path; a missing file is an empty configuration. */
int config_read_file(struct graft_config *cfg, const char *path,
		     const char *label, struct diag_list *diags);

void config_release(struct graft_config *cfg);

const struct graft_dependency *config_find_dependency(
	const struct graft_config *cfg, const char *name);
const struct graft_command *config_find_command(
	const struct graft_config *cfg, const char *name);
const struct graft_change *config_find_change(
	const struct graft_config *cfg, const char *ref);

/* The commented graft.ini `git graft init` writes. */
extern const char config_template[];

#endif
