#ifndef GRAFT_SIGN_H
#define GRAFT_SIGN_H

#include <git2.h>

#include "strbuf.h"

/*
 * Commit signatures made as git makes them (gpg-interface.c), by the
 * program git would run:
 *
 *   gpg.format  program                               run as
 *   openpgp     gpg.openpgp.program, gpg.program, gpg  <p> --status-fd=2 -bsau <key>
 *   x509        gpg.x509.program, gpgsm                the same
 *   ssh         gpg.ssh.program, ssh-keygen            <p> -Y sign -n git -f <key file> <file>
 *
 * The key is --gpg-sign=<key>, else user.signingKey, else for openpgp
 * and x509 the committer ("Name <email>"), for ssh the first line
 * gpg.ssh.defaultKeyCommand prints. An ssh key is a file ("~/" expanded)
 * or a literal public key ("key::ssh-ed25519 AAAA...", or one starting
 * "ssh-"), whose private half ssh-agent holds (ssh-keygen -U).
 */

enum sign_format {
	SIGN_OPENPGP,
	SIGN_X509,
	SIGN_SSH,
};

struct signer {
	enum sign_format format;
	char *program;
	char *key;
};

#define SIGNER_INIT { .format = SIGN_OPENPGP }

/*
 * The signer cfg configures, with key (NULL: as configured) and
 * committer for openpgp's and x509's default key. An unknown gpg.format,
 * or an ssh key that cannot be found, is an error naming the setting.
 */
int signer_init(struct signer *s, git_config *cfg, const char *key,
		const git_signature *committer);
void signer_release(struct signer *s);

/*
 * Sign payload; *signature gets the detached signature as the program
 * printed it. A program that fails, or an openpgp or x509 program that
 * does not report SIG_CREATED, is an error naming it with what it said
 * ("gpg failed to sign the data: ...").
 */
int signer_sign(const struct signer *s, struct strbuf *signature,
		const char *payload, size_t len);

#endif
