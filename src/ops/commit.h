#ifndef GRAFT_COMMIT_H
#define GRAFT_COMMIT_H

#include <git2.h>

#include "ops/hook.h"
#include "ops/sign.h"
#include "pathlist.h"
#include "repo.h"

/*
 * The one place git-graft makes the commits it puts on the user's branch
 * (an upgrade's, a rollback's), made as git makes them:
 *
 *  - hooks (hook.h) in git's order: pre-commit, after which the tree is
 *    read from the index again (a hook may stage files, as lint-staged
 *    does); prepare-commit-msg <file> message; commit-msg <file>, which
 *    may edit the message; post-commit once the commit stands. They get
 *    GIT_INDEX_FILE, GIT_EDITOR=: and the author in GIT_AUTHOR_NAME,
 *    GIT_AUTHOR_EMAIL and GIT_AUTHOR_DATE, as from `git commit -m`. The
 *    message is in COMMIT_EDITMSG of the git directory while hooks see
 *    it, and cleaned up after as `git commit -m` cleans it (commit.cleanup);
 *    its Graft-* trailers must come through unchanged;
 *  - the encoding header i18n.commitEncoding asks for;
 *  - a signature (sign.h) when --gpg-sign or else commit.gpgSign asks
 *    for one;
 *  - the ref moved from the parent to the commit with a reflog entry
 *    "commit: <subject>" by the committer, as git commit writes it;
 *    refused when the ref no longer points at the parent.
 *
 * Which hooks run depends on what the commit is like:
 */
enum commit_kind {
	/* new content, as `git commit`: all four hooks */
	COMMIT_LIKE_COMMIT,
	/*
	 * content committed before, put back, as `git revert`: only
	 * prepare-commit-msg and post-commit
	 */
	COMMIT_LIKE_REVERT,
};

/* What the command line says. */
struct commit_options {
	int no_verify;		/* --no-verify: no pre-commit, no commit-msg */
	int gpg_sign;		/* 1: --gpg-sign, 0: --no-gpg-sign, -1: config */
	const char *gpg_key;	/* --gpg-sign=<key>, or NULL */
};

#define COMMIT_OPTIONS_INIT { .gpg_sign = -1 }

enum message_cleanup {
	CLEANUP_WHITESPACE,	/* git commit -m's default */
	CLEANUP_STRIP,		/* comments too */
	CLEANUP_VERBATIM,
};

/*
 * Everything configuration decides, read before anything changes so that
 * a setting git-graft cannot use is an error up front.
 */
struct commit_setup {
	git_repository *repo;
	int verify;			/* pre-commit and commit-msg run */
	struct hooks hooks;
	int sign;
	struct signer signer;
	char *encoding;			/* NULL: UTF-8, no header */
	enum message_cleanup cleanup;
	char comment_char;
	char *message_file;		/* COMMIT_EDITMSG */
};

#define COMMIT_SETUP_INIT { .hooks = HOOKS_INIT, .signer = SIGNER_INIT, \
			    .cleanup = CLEANUP_WHITESPACE, .comment_char = '#' }

/* committer is whose key openpgp signs with by default. */
int commit_setup(struct commit_setup *s, const struct graft_repo *r,
		 enum commit_kind kind, const struct commit_options *o,
		 const git_signature *committer);
void commit_setup_release(struct commit_setup *s);

struct commit_request {
	git_index *index;		/* its tree is what is committed */
	const git_commit *parent;
	const git_signature *author, *committer;
	const char *message;
	const char *update_ref;		/* "HEAD": the branch it points at */
	/* paths the pre-commit hook may stage but that are not committed */
	const struct path_list *never_commit;
};

/*
 * Make the commit and move the ref; *out is the commit. Everything up to
 * the ref moving can fail (a hook, the signer, HEAD moved meanwhile):
 * then the ref stays and the caller restores the rest. GRAFT_EINT and
 * GRAFT_ETERM when a signal stopped a hook.
 */
int commit_create(git_oid *out, const struct commit_setup *s,
		  const struct commit_request *req);

/*
 * The post-commit hook, once the commit stands; as in git, how it ends
 * changes nothing.
 */
void commit_post_hook(const struct commit_setup *s, git_index *index,
		      const git_signature *author);

#endif
