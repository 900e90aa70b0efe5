#ifndef GRAFT_CREDENTIAL_H
#define GRAFT_CREDENTIAL_H

#include <stddef.h>

#include "strbuf.h"

/*
 * A username and password for an https source, obtained the way git
 * obtains them: `git credential fill` consults the user's credential
 * helpers (credential.helper, credential.<url>.*) and prompts on the
 * terminal as git would; `approve` and `reject` tell the helpers whether
 * the credential worked. This is the documented interface git offers
 * other programs for exactly this, so git-graft keeps no secrets itself.
 */
struct credential {
	char *url;
	char *username;
	char *password;
};

#define CREDENTIAL_INIT { NULL, NULL, NULL }

/*
 * Ask git for a credential for url (username: the one in the URL, or
 * NULL). Returns 0, or GRAFT_EFAIL when git could not provide one.
 */
int credential_fill(struct credential *c, const char *url,
		    const char *username);
void credential_approve(const struct credential *c);
void credential_reject(const struct credential *c);
void credential_release(struct credential *c);

/* The request sent to `git credential`: url=, username=, password=. */
void credential_format(struct strbuf *out, const struct credential *c);
/*
 * Read git's answer ("key=value" lines) into c: username and password
 * replace the ones in c. Returns 0, or GRAFT_EFAIL if either is missing.
 */
int credential_parse(struct credential *c, const char *buf, size_t len);

#endif
