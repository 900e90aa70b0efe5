#ifndef GRAFT_OPS_INTEGRITY_H
#define GRAFT_OPS_INTEGRITY_H

#include <git2.h>

#include "deps/deps.h"

/*
 * Whether a dependency is where graft.lock says: checked out at the
 * locked commit, and recorded at it in the index. The one check behind
 * the warnings of `git graft status` and the errors of `git graft
 * validate integrity`, which word its findings each their own way.
 */

enum integrity_problem {
	INTEGRITY_NOT_CLONED = 1,	/* no repository at .graft/<name> */
	INTEGRITY_CHECKOUT = 2,		/* cloned, but HEAD is not the
					 * locked commit (or there is none) */
	INTEGRITY_GITLINK = 4,		/* the index records another
					 * commit for it, or none */
};

struct dep_integrity {
	int cloned;
	int has_head;		/* head is what is checked out */
	git_oid head;
	int has_gitlink;	/* gitlink is what the index records */
	git_oid gitlink;
	unsigned problems;	/* enum integrity_problem; 0 when fine */
};

/*
 * Read d's checkout and its gitlink in idx, and compare them with
 * locked; with locked NULL (nothing is locked) there is no problem to
 * find, only the facts.
 */
int dep_integrity_check(struct dep_integrity *out, struct dep *d,
			git_index *idx, const git_oid *locked);

#endif
