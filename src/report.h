#ifndef GRAFT_REPORT_H
#define GRAFT_REPORT_H

/*
 * What an operation tells the user on its way, as opposed to the error
 * it returns (error.h): a warning, a hint, a line of progress. Modules
 * below the commands never print; they report, and the command layer
 * decides how it is shown (cmd/output.c installs the sink: colour,
 * --quiet, sanitised control bytes). Until a sink is installed, reports
 * go to standard error as plain text, so a unit test sees them too.
 */

enum report_kind {
	REPORT_RESULT,	/* what was done, on standard output ("kb: v1 -> v2") */
	REPORT_INFO,	/* what is being done, on standard error */
	REPORT_WARNING,
	REPORT_HINT,
	REPORT_ERROR,	/* a failure beside the one returned, such as
			 * that of a cleanup after it */
	REPORT_PROGRESS, /* the state of a transfer, on standard error and
			  * only on a terminal: each one redraws the line
			  * ("\r") until one ends it with "\n" */
};

typedef void (*report_sink_fn)(enum report_kind kind, const char *message);

void report_set_sink(report_sink_fn sink);

void graft_result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void graft_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void graft_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void graft_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void graft_report_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
void graft_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
