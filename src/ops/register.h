#ifndef GRAFT_OPS_REGISTER_H
#define GRAFT_OPS_REGISTER_H

#include <git2.h>

#include "deps/deps.h"
#include "ops/project.h"

/*
 * A dependency registered as git registers a submodule, so that plain
 * git sees one (`git submodule add`, then `git submodule init`):
 *
 *  - a [submodule "<name>"] section in .gitmodules with its path and
 *    url, unless .gitmodules registers it already: planned in p->edits,
 *    written when the caller applies them;
 *  - its gitlink at the commit, in p->index (the caller writes it);
 *  - submodule.<name>.url and .active in .git/config, written at once.
 */

enum register_mode {
	/*
	 * As `git submodule init`: a url that .git/config has already
	 * stays (its user may have pointed it at a mirror).
	 */
	REGISTER_KEEP_URL,
	/*
	 * As `git submodule add`: the dependency is new, and its url
	 * replaces one left in .git/config by an earlier submodule.
	 */
	REGISTER_NEW,
};

/* What project_register_dep changed, so that it can be taken back. */
struct dep_registration {
	int planned;		/* the .gitmodules section is in p->edits */
	int staged;		/* the gitlink was recorded (new or moved) */
	int had_gitlink;	/* and previous is the one it replaced */
	git_oid previous;
	int configured;		/* the .git/config keys were set */
};

/*
 * Register d, which source is the source of, at commit. On failure
 * nothing of it is left.
 */
int project_register_dep(struct dep_registration *reg, struct project *p,
			 struct dep *d, const char *source,
			 const git_oid *commit, enum register_mode mode);

/*
 * submodule.<name>.url and .active in .git/config, from source, unless
 * the url is set already: what `git submodule init` does. 0 when it set
 * them, 1 when the url was set.
 */
int project_register_dep_url(struct project *p, struct dep *d,
			     const char *source);

/*
 * After a later failure: the gitlink as it was, the .git/config keys
 * removed. The .gitmodules plan goes with the caller's other edits: a
 * caller that fails does not apply them, or undoes them
 * (file_edits_undo). A failure here is a warning: the one that caused
 * the undo is the error.
 */
void project_unregister_dep(struct project *p, struct dep *d,
			    const struct dep_registration *reg);

#endif
