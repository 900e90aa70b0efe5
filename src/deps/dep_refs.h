#ifndef GRAFT_DEP_REFS_H
#define GRAFT_DEP_REFS_H

#include <git2.h>

#include "deps/deps.h"

/*
 * What a ref or a revision names in a dependency's repository, from what
 * was fetched already; which branch it tracks; whether it holds work its
 * source does not have.
 */

/*
 * The commit ref names in the dependency, from data already fetched. A
 * ref is, in this order: a full commit id; a full ref name ("refs/...");
 * a tag; a branch of the source (refs/remotes/origin/<ref>); a local
 * branch; an abbreviated commit id (at least 4 hex digits). Annotated
 * tags are peeled. 1 when it names nothing.
 */
int dep_resolve(git_oid *out, struct dep *d, const char *ref);

/*
 * rev in the dependency: a plain name as dep_resolve takes it, else git's
 * revision syntax (v2.0.0^, main~2, v1.0.0^{commit}, main@{upstream}),
 * read by libgit2 in the dependency's repository and peeled to a commit.
 * *name (unless name is NULL) is what to record of it, in graft.lock and
 * trailers: rev itself when it is a ref name, else the commit's full id.
 * 1 when rev names nothing (with dep_resolve's message).
 */
int dep_resolve_rev(git_oid *out, char **name, struct dep *d, const char *rev);

/*
 * The source's default branch ("main"), from refs/remotes/origin/HEAD as
 * the last clone or fetch saw it. 1 when unknown.
 */
int dep_default_branch(char **out, struct dep *d);

/* declared_ref, or the default branch when it is NULL. */
int dep_tracked_ref(char **out, struct dep *d, const char *declared_ref);

/* 1 if the dependency's repository has commit, else 0. */
int dep_has_commit(struct dep *d, const git_oid *commit);

/*
 * Whether HEAD or a local branch holds commits that no tag and no branch
 * of the source has: work that exists only in this repository.
 */
int dep_unpublished(int *unpublished, struct dep *d);

#endif
