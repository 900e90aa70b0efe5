#ifndef GRAFT_LINT_H
#define GRAFT_LINT_H

#include <stddef.h>

#include <git2.h>

#include "formats/config.h"
#include "formats/diag.h"
#include "repo.h"

/*
 * `git graft lint`: what a dependency's maintainers check before they
 * release (in their CI), so that no consumer's upgrade trips over it.
 * The graft.ini at the top of the work tree is read as upgrades read it
 * (config.h: a line inih would cut, a run or env value it would cut at
 * " ;", a change naming a command that is not there, ...), and then:
 *
 *  - every [change] ref names a commit of the repository, resolved as a
 *    consumer's clone resolves it (deps.h, dep_resolve);
 *  - the changes are declared oldest first: each one's commit is the
 *    previous one's or descends from it;
 *  - every change of type breaking (in any case) has a migration and a
 *    verification;
 *  - no line of a run script starts with ';', which inih reads as a
 *    comment and drops from the script (a shell's ";;" of a case).
 */

/* A change as lint found it. */
struct lint_change {
	const struct graft_change *change;	/* points into the config */
	int resolved;
	git_oid commit;
};

struct lint_result {
	struct graft_config cfg;
	struct diag_list problems;	/* every one, by line */
	struct lint_change *changes;	/* cfg's, in its order */
	size_t changes_nr;
};

#define LINT_RESULT_INIT { .cfg = GRAFT_CONFIG_INIT, \
			   .problems = DIAG_LIST_INIT }

/*
 * Lint r's graft.ini, named label in the problems. Returns 0 whether or
 * not there are problems (out->problems.nr says), or a negative error
 * when the repository cannot be read.
 */
int lint_run(struct lint_result *out, const struct graft_repo *r,
	     const char *label);
void lint_result_release(struct lint_result *res);

#endif
