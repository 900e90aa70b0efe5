#ifndef GRAFT_DEP_CHANGES_H
#define GRAFT_DEP_CHANGES_H

#include <stddef.h>

#include <git2.h>

#include "deps/deps.h"
#include "formats/config.h"
#include "formats/diag.h"

/*
 * What a dependency declares for its consumers: its graft.ini at a
 * commit, and the changes that graft.ini declares between two commits.
 */

/*
 * The dependency's graft.ini at commit, parsed; problems go to diags with
 * the label "<name>@<short id>:graft.ini". No file is an empty config.
 * Returns GRAFT_EFAIL when the file has problems.
 */
int dep_read_config(struct graft_config *cfg, struct diag_list *diags,
		    struct dep *d, const git_oid *commit);
/* The same, labelled "<name>@<ref>:graft.ini" with the ref the user gave. */
int dep_read_config_at(struct graft_config *cfg, struct diag_list *diags,
		       struct dep *d, const git_oid *commit, const char *ref);

struct dep_change {
	const struct graft_change *change; /* points into the config */
	git_oid commit;		/* what its ref resolves to */
};

struct dep_change_list {
	struct dep_change *items;
	size_t nr, alloc;
	/* declared changes whose ref names no commit, in the file's order */
	const struct graft_change **unresolved_changes;
	size_t unresolved, unresolved_alloc;
};

#define DEP_CHANGE_LIST_INIT { .items = NULL }

/*
 * The changes cfg declares whose commit lies in from..to (reachable from
 * to, not from from; from may be NULL), oldest first: in topological
 * order, changes on the same commit in the order of the file. A change
 * whose ref is unknown, ambiguous or not a commit goes to unresolved:
 * whether it lies in the range cannot be known.
 */
int dep_changes_between(struct dep_change_list *out, struct dep *d,
			const struct graft_config *cfg, const git_oid *from,
			const git_oid *to);
void dep_change_list_release(struct dep_change_list *list);

#endif
