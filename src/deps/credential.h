#ifndef GRAFT_CREDENTIAL_H
#define GRAFT_CREDENTIAL_H

#include <stddef.h>

#include <git2.h>

#include "strbuf.h"

/*
 * A username and password for an https source, obtained the way git
 * obtains them, without running git: the credential helpers the user
 * configured (credential.helper and credential.<url>.helper, in config
 * order, an empty value clearing the list) are run with git's helper
 * protocol ("get", then "store" or "erase"); when none answers, the
 * askpass program (GIT_ASKPASS, core.askPass, SSH_ASKPASS) or the
 * terminal is asked, unless GIT_TERMINAL_PROMPT=0. git-graft keeps no
 * secret itself.
 */
struct credential {
	char *url;
	char *username;
	char *password;
	char **helpers;		/* helper commands, as configured */
	size_t helpers_nr, helpers_alloc;
};

#define CREDENTIAL_INIT { .url = NULL }

/*
 * Find a credential for url (username: the one in the URL, or NULL),
 * reading helpers and askpass from cfg (NULL: the user's global config).
 * Returns 0, or GRAFT_EFAIL with a message saying what was tried.
 */
int credential_fill(struct credential *c, git_config *cfg, const char *url,
		    const char *username);
/* Tell the helpers the credential worked ("store") or did not ("erase"). */
void credential_approve(const struct credential *c);
void credential_reject(const struct credential *c);
void credential_release(struct credential *c);

/* The request a helper reads: url=, username=, password=, blank line. */
void credential_format(struct strbuf *out, const struct credential *c);
/*
 * Read a helper's answer ("key=value" lines) into c: username and
 * password replace the ones in c. Returns 0 when c then has both, 1 when
 * it does not (the next helper is asked).
 */
int credential_parse(struct credential *c, const char *buf, size_t len);

#endif
