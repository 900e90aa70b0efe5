#ifndef GRAFT_ERROR_H
#define GRAFT_ERROR_H

#include <signal.h>

/* Below every other code: see GRAFT_EHUP... */
#define GRAFT_ESIGNAL_BASE (-1000)

/*
 * Functions return 0 on success or one of these negative codes, having
 * set a message with graft_error*(). The command layer prints the message
 * once and turns the code into the exit status (graft_exit_status), so
 * the exit codes (docs/design.md) are decided where the failure is known.
 */
enum graft_status {
	GRAFT_OK = 0,
	GRAFT_EFAIL = -1,	/* operation failed, nothing changed */
	GRAFT_EINTEGRITY = -2,	/* a checkout differs from graft.lock */
	GRAFT_EROLLBACK = -3,	/* an upgrade failed and so did its rollback */
	GRAFT_EFATAL = -128,	/* not a repository, lock held, libgit2 error */
	GRAFT_EUSAGE = -129,	/* bad command line */
	/*
	 * Interrupted by a signal, after putting back what was begun: exit
	 * status 128 + the signal, as a shell reports a process the signal
	 * ended. Codes of their own (GRAFT_ESIGNAL_BASE - signal), so that
	 * SIGHUP is not taken for a usage error although both exit 129.
	 */
	GRAFT_EHUP = GRAFT_ESIGNAL_BASE - SIGHUP,
	GRAFT_EINT = GRAFT_ESIGNAL_BASE - SIGINT,
	GRAFT_EQUIT = GRAFT_ESIGNAL_BASE - SIGQUIT,
	GRAFT_ETERM = GRAFT_ESIGNAL_BASE - SIGTERM,
};

/* The code for an interruption by sig (GRAFT_EINT for SIGINT...). */
int graft_signal_code(int sig);
/* The signal an interruption code stands for; 0 for any other code. */
int graft_code_signal(int code);
/* 1 if rc says a signal stopped the work: stop, and exit so. */
int is_interrupt(int rc);
/*
 * The exit status for code (0 or negative): its absolute value, or 128 +
 * the signal of an interruption.
 */
int graft_exit_status(int code);

/* Set the message and return GRAFT_EFAIL. */
int graft_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Set the message and return code. */
int graft_error_code(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Set "<fmt>: <libgit2's last error>" and return code (GRAFT_EFATAL for an
 * unexpected libgit2 failure, GRAFT_EFAIL where the caller knows better).
 */
int graft_error_git(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefix the current message with "<fmt>: " (context added by a caller). */
void graft_error_prefix(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Add a "hint:" line printed after the message. */
void graft_error_hint(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

const char *graft_error_message(void);
/*
 * Set the pending message and hints aside while cleaning up after a
 * failure (the cleanup may set messages of its own), then put them back.
 */
struct graft_error_saved {
	char *message;
	char *hints;
};
void graft_error_save(struct graft_error_saved *saved);
void graft_error_restore(struct graft_error_saved *saved);
/* Hints joined by newlines, or NULL. */
const char *graft_error_hints(void);
void graft_error_clear(void);

#endif
