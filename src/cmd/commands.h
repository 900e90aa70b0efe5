#ifndef GRAFT_COMMANDS_H
#define GRAFT_COMMANDS_H

#include <stddef.h>
#include <stdio.h>

/* The table of commands main() dispatches to, shared with `help`. */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

extern const struct command commands[];
extern const size_t commands_nr;

const struct command *command_find(const char *name);

/* The command closest to name by edit distance, or NULL if none is near. */
const struct command *command_suggest(const char *name);

/* "usage: git graft ..." and the list of commands. */
void print_main_usage(FILE *out);

#endif
