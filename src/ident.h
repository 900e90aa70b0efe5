#ifndef GRAFT_IDENT_H
#define GRAFT_IDENT_H

#include <git2.h>

/*
 * Who an upgrade's commits are by, resolved the way git resolves it
 * (git_signature_default() reads only user.name and user.email):
 *
 *   name:  GIT_<ROLE>_NAME, <role>.name, user.name
 *   email: GIT_<ROLE>_EMAIL, <role>.email, user.email, EMAIL
 *   date:  GIT_<ROLE>_DATE, else now in the local time zone
 *
 * where ROLE is AUTHOR or COMMITTER. Config is read through gitconfig.h,
 * so `git -c user.name=...` counts. Unlike git, nothing is guessed from
 * the system (the passwd entry, the host name): a commit signed with a
 * guessed identity is what git itself warns about, and an upgrade refuses
 * before it changes anything instead. Names and emails lose the leading
 * and trailing punctuation and the '<', '>' and newlines git strips.
 */

enum ident_role {
	IDENT_AUTHOR,
	IDENT_COMMITTER,
};

/*
 * The signature for role; cfg is the repository's config (NULL: only the
 * environment and `git -c` values). With no name or no email, fails as
 * git does, with GRAFT_EFATAL (exit 128) and git's "*** Please tell me
 * who you are." advice as hints.
 */
int ident_signature(git_signature **out, enum ident_role role,
		    git_config *cfg);

/*
 * Author and committer for a commit in repo. Either out may be NULL, so
 * ident_resolve(NULL, NULL, repo) only checks that both can be resolved.
 */
int ident_resolve(git_signature **author, git_signature **committer,
		  git_repository *repo);

/*
 * A date in one of git's formats: "<unix> <tz>" and "@<unix> [<tz>]"
 * (git's own), ISO 8601 ("2005-04-07T22:13:13.019+02:00", "2005-04-07
 * 22:13:13 +0200", "Z"), RFC 2822 ("Thu, 07 Apr 2005 22:13:13 +0200").
 * Without a zone the local one applies. *offset is in minutes east of UTC.
 */
int ident_parse_date(const char *s, git_time_t *when, int *offset);

#endif
