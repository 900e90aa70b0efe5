#ifndef GRAFT_GLOBAL_OPTIONS_H
#define GRAFT_GLOBAL_OPTIONS_H

/*
 * The options before the command, taken as git takes its own and applied
 * in their order: -v/--version, -h, --help, -p/--paginate,
 * -P/--no-pager, -C <path> (each one relative to the one before, as in
 * git) and --color[=<when>]/--no-color, which every command takes again
 * after its name, parsed by the same code (options.h) so that a bad
 * value gets the same message in either place.
 *
 * Returns the index in argv of the command, or -1 when there is none to
 * run, with *exit_code set: 0 after --version, -h or --help; 129 after a
 * usage error, printed with git-graft's usage; 128 when -C cannot change
 * to its directory.
 */
int parse_global_options(int argc, char **argv, int *exit_code);

#endif
