#ifndef GRAFT_OPTIONS_H
#define GRAFT_OPTIONS_H

/*
 * Command-line options, declared as a table as git's parse-options does.
 * Every command also accepts -h (usage on stdout, exit 129), --help (the
 * man page), --color[=<when>] and --no-color. Usage errors print
 * "error: ..." and the usage on stderr and exit 129, as git does.
 */

enum option_type {
	OPTION_END,
	OPTION_BOOL,	/* int *: 1, or 0 with --no-<name> */
	OPTION_STRING,	/* const char **: points into argv */
	OPTION_UINT,	/* int *: a whole number >= 0 */
	OPTION_OPTSTRING, /* struct opt_optional *: --x, --x=<v>, --no-x, -X[<v>] */
};

/* An option whose value may be left out, as git's -S[<key-id>]. */
struct opt_optional {
	int given;		/* 1: given, 0: --no-<name>, -1: not given */
	const char *value;	/* --x=<value>; NULL when left out */
};

#define OPT_OPTIONAL_INIT { .given = -1 }

struct option_spec {
	enum option_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh;
	const char *help;
};

/*
 * v, once the compiler has made sure it is a type *, the type its
 * option_type above names: an entry whose variable has another type does
 * not compile (a negative array size), so parse_options never stores an
 * int where a long or a string is, nor a pointer where an int is. Nothing
 * of the check is left at run time.
 */
#define OPT_VALUE(type, v) \
	((v) + 0 * sizeof(char[__builtin_types_compatible_p(__typeof__(v), \
							  type) ? 1 : -1]))

#define OPT_BOOL(s, l, v, h) { .type = OPTION_BOOL, .short_name = (s), \
	.long_name = (l), .value = OPT_VALUE(int *, v), .help = (h) }
#define OPT_STRING(s, l, v, a, h) { .type = OPTION_STRING, .short_name = (s), \
	.long_name = (l), .value = OPT_VALUE(const char **, v), .argh = (a), \
	.help = (h) }
#define OPT_UINT(s, l, v, a, h) { .type = OPTION_UINT, .short_name = (s), \
	.long_name = (l), .value = OPT_VALUE(int *, v), .argh = (a), \
	.help = (h) }
#define OPT_OPTSTRING(s, l, v, a, h) { .type = OPTION_OPTSTRING, \
	.short_name = (s), .long_name = (l), \
	.value = OPT_VALUE(struct opt_optional *, v), .argh = (a), .help = (h) }
#define OPT_END() { .type = OPTION_END }

enum parse_options_flags {
	/* stop at the first argument that is not an option (for `run`) */
	PARSE_OPT_STOP_AT_NON_OPTION = 1,
};

/*
 * Parse argv[1..argc) (argv[0] is the command name). Options are removed;
 * the remaining arguments are moved to argv[0..n) and n is returned.
 */
int parse_options(int argc, char **argv, const struct option_spec *opts,
		  const char *const *usage, unsigned flags);

/*
 * --color[=<when>] and --no-color, which git-graft takes before the
 * command and every command takes after it, parsed here for both: 1 when
 * arg is one of them (colour is decided again), 0 when it is not, and
 * GRAFT_EUSAGE with the message set (error.h) when <when> is none of
 * git's words, which the caller prints with its usage.
 */
int parse_color_option(const char *arg);

/*
 * Print usage and the option table: to stdout and exit 0, or (err) to
 * stderr and exit 129. usage holds the synopsis lines, then, after an
 * empty string, lines of text printed indented below them (as in git).
 */
void usage_with_options(const char *const *usage,
			const struct option_spec *opts, int err)
	__attribute__((noreturn));

/* "error: <msg>" then the usage, exit 129. */
void usage_error(const char *const *usage, const struct option_spec *opts,
		 const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/*
 * What -h exits with after the usage: 129, as git's commands do; `git
 * graft help <command>`, which shows the same usage, sets 0.
 */
void options_set_help_status(int status);

/* Replace the process with `man git-graft`; returns only if that failed. */
void exec_man_page(void);

/* exec_man_page, or the usage on stdout (exit 0) if there is no man. */
void show_man_page(const char *const *usage, const struct option_spec *opts)
	__attribute__((noreturn));

#endif
