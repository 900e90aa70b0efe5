#ifndef GRAFT_TRANSFER_H
#define GRAFT_TRANSFER_H

#include <signal.h>

#include <git2.h>

#include "deps/credential.h"

/*
 * What a clone or fetch needs around libgit2's transfer:
 *
 *  - git's protocol rules (protocol.h): a transport they refuse is
 *    refused before anything starts;
 *  - progress as git shows it, reported as such (graft_progress, which
 *    the command layer shows on a terminal unless --quiet);
 *  - credentials: ssh-agent for ssh (libgit2 checks the host key against
 *    ~/.ssh/known_hosts), git's credential helpers for https (see
 *    credential.h); one attempt each, so a wrong password fails instead
 *    of looping;
 *  - SIGINT and SIGTERM while it runs cancel the transfer instead of
 *    killing git-graft, so the caller can remove what it had started and
 *    exit 130 or 143.
 *
 *	struct transfer t;
 *	if ((rc = transfer_begin(&t, repo, url, &fetch_opts.callbacks)) < 0)
 *		return rc;
 *	rc = git_clone(...);
 *	rc = transfer_end(&t, rc, "cannot clone '%s'", url);
 */
struct transfer {
	const char *url;
	int receiving_done;	/* "Receiving objects: ..., done." printed */
	int deltas_done;
	int line_open;		/* a progress line waits for its newline */
	unsigned last_percent;
	int ssh_attempts, password_attempts;
	struct credential cred;
	git_config *config;	/* where credential helpers are configured */
	struct sigaction old_int, old_term;
};

/*
 * Fill callbacks for a transfer from url and catch SIGINT/SIGTERM.
 * Credential helpers and protocol rules are read from repo's config (the
 * superproject's). When the protocol rules refuse url, that is the error
 * and nothing is set up (no transfer_end then).
 */
int transfer_begin(struct transfer *t, git_repository *repo, const char *url,
		   git_remote_callbacks *callbacks);

/*
 * Restore the signal handlers and finish the progress display. git_rc is
 * what the libgit2 call returned: on success 0 is returned (and a
 * credential that worked is approved); on failure the error is set as
 * "<context>: <libgit2's message>" and GRAFT_EFAIL returned, or
 * GRAFT_EINT/GRAFT_ETERM if a signal cancelled the transfer.
 */
int transfer_end(struct transfer *t, int git_rc, const char *context, ...)
	__attribute__((format(printf, 3, 4)));

#endif
