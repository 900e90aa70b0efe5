#ifndef GRAFT_HOOK_H
#define GRAFT_HOOK_H

#include <git2.h>

#include "ops/cmdenv.h"
#include "repo.h"

/*
 * The repository's hooks, found and run as git finds and runs them. They
 * live in core.hooksPath ("~/" expanded; a relative path is relative to
 * the top of the work tree, where hooks run), else in hooks/ of the
 * shared git directory. A hook is an executable file named after it; one
 * that is there but not executable is ignored, with git's hint.
 *
 * A hook runs at the top of the work tree with stdin from /dev/null, its
 * stdout and stderr both git-graft's stderr, as git runs it, and with
 * git's environment: GIT_PREFIX (where git-graft was started, relative
 * to the top), GIT_DIR when the git directory is not the top's .git (a
 * linked worktree, or GIT_DIR given), and what the caller adds.
 */
struct hooks {
	char *dir;		/* where the hooks are, ends in '/' */
	char *workdir;		/* where they run */
	struct cmdenv env;	/* the environment every hook gets */
	int advise_ignored;	/* advice.ignoredHook */
};

#define HOOKS_INIT { .env = CMDENV_INIT, .advise_ignored = 1 }

/* cfg is r's config (core.hooksPath, advice.ignoredHook). */
int hooks_init(struct hooks *h, const struct graft_repo *r, git_config *cfg);
void hooks_release(struct hooks *h);

/* Whether hook name would run. */
int hook_exists(const struct hooks *h, const char *name);

/*
 * Run hook name, if there is one, with args (NULL-ended, may be NULL) and
 * env ("NAME=value" on top of the hooks' environment, may be NULL).
 * Returns 0 when there is none or it exited 0; otherwise an error naming
 * it ("the pre-commit hook .git/hooks/pre-commit exited with status 1"):
 * its own output is on the user's stderr already. GRAFT_EINT or
 * GRAFT_ETERM when a signal git-graft caught stopped it.
 */
int hook_run(const struct hooks *h, const char *name, const char *const *args,
	     const char *const *env);

#endif
