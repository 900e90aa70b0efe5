#ifndef GRAFT_OUTPUT_H
#define GRAFT_OUTPUT_H

#include <stdio.h>

#include <git2.h>
#include <jansson.h>

#include "report.h"

/*
 * Everything git-graft prints goes through here. Diagnostics go to stderr
 * with git's prefixes; the data a command was asked for goes to stdout.
 * Control characters in messages are shown as '?', as git does, so a
 * hostile name cannot drive the terminal.
 */

enum color_mode {
	COLOR_UNSET = -1,
	COLOR_NEVER = 0,
	COLOR_ALWAYS = 1,
	COLOR_AUTO = 2,
};

enum color_slot {
	COLOR_RESET,
	COLOR_ERROR,
	COLOR_WARNING,
	COLOR_HINT,
	COLOR_BOLD,
	COLOR_GOOD,
	COLOR_BAD,
	COLOR_DIM,
	COLOR_HEADER,
};

/* Parse "always", "never", "auto", "true", "false"; -1 if none of them. */
int color_mode_parse(const char *s);

/* The --color/--no-color choice of the command line (wins over config). */
void output_set_color_option(int mode);
/*
 * Decide colour from the command line, color.graft, color.ui, NO_COLOR,
 * TERM=dumb and whether each stream is a terminal, or for stdout a pager
 * (GIT_PAGER_IN_USE, as git's pager.graft or ours sets it, unless
 * color.pager is false). With cfg NULL only `git -c` values count.
 */
void output_setup_color(git_config *cfg);
/*
 * output_setup_color with the user's own config (global, XDG, system),
 * as it is decided while no repository is open.
 */
void output_setup_default_color(void);
/* Decide again for stdout, which a pager now reads. */
void output_pager_started(void);
/* The escape sequence for slot on stream, or "" without colour. */
const char *color(FILE *stream, enum color_slot slot);

void output_set_quiet(int quiet);
int output_is_quiet(void);

/*
 * Whether a write that failed with errno err counts as an error: not for
 * a closed pipe (EPIPE), whose reader stopped reading by choice (git
 * ignores those too), nor for anything once the repository is being
 * changed, from when the operation lock is taken (oplock_acquire): no
 * output lost (a full disk, EIO) changes the exit status then. The
 * operation completes or is undone as it would have been, and the exit
 * status says which.
 */
int output_write_failed(int err);

void out_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One "hint: " per line; silenced by GIT_ADVICE=0 or advice.graftHints. */
void out_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress and informational lines on stderr, silenced by --quiet. */
void out_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write s to stream with control characters (but \n and \t) as '?'. */
void out_sanitized(FILE *stream, const char *s);

/* The columns s takes on a terminal: its UTF-8 characters, not bytes. */
size_t text_width(const char *s);

/*
 * out_sanitized with indent spaces before each line after the first
 * (empty lines stay empty), so a multi-line value stays in its column.
 */
void out_indented(FILE *stream, const char *s, size_t indent);

/*
 * A JSON string for s; bytes that are not valid UTF-8 become U+FFFD so a
 * hostile name cannot make the output fail. NULL gives JSON null.
 */
json_t *json_text(const char *s);

/*
 * Print root to stdout as indented JSON followed by a newline. Takes the
 * reference (root is freed). Returns 0 or a negative error.
 */
int output_json(json_t *root);

/*
 * Print the pending error (error.h) with the prefix its code calls for
 * ("fatal:" for 128, "error:" otherwise) and its hints, clear it, and
 * return the exit status for code. Commands end with `return
 * graft_error_report(err)`.
 */
int graft_error_report(int code);

/*
 * The sink of report.h: results on standard output and the rest on
 * standard error, as out_info, out_warning, out_hint and out_error show
 * them; progress only when standard error is a terminal; --quiet mutes
 * results, information and progress.
 */
void output_report(enum report_kind kind, const char *message);

#endif
