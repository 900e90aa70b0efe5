#ifndef GRAFT_DEP_GITCONFIG_H
#define GRAFT_DEP_GITCONFIG_H

#include "deps/deps.h"

/*
 * A dependency's submodule.<name>.* keys in the superproject's
 * .git/config, where git looks for the submodules it is to act on.
 */

/*
 * Register the dependency as an active submodule in the superproject's
 * .git/config (submodule.<name>.url = url, .active = true), as `git
 * submodule add` and `git submodule init` do, so git treats it as one.
 */
int dep_gitconfig_register(struct dep *d, const char *url);
/* submodule.<submodule>.url in .git/config; 1 when it is not set. */
int dep_gitconfig_url(char **out, struct dep *d);
/*
 * Remove the [submodule "<submodule>"] section from .git/config, with
 * its keys, as `git submodule deinit` does (libgit2 could only delete
 * the keys, and would leave the section's header behind). The file is
 * rewritten under its lock, config.lock, as git and libgit2 write it.
 */
int dep_gitconfig_unregister(struct dep *d);

#endif
