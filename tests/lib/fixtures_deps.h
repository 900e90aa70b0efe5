#ifndef GRAFT_TEST_FIXTURES_DEPS_H
#define GRAFT_TEST_FIXTURES_DEPS_H

/*
 * Fixtures for the dependency commands: a dependency repository with
 * tags and changes, and ways to look at a consumer from the outside with
 * the git CLI.
 */

/*
 * A dependency at <tmp>/<name> on branch main:
 *   v1.0.0  README "one"
 *   v2.0.0  (annotated) README "two", graft.ini declaring the breaking
 *           change v2.0.0 with a migration
 *   main    README "three", one commit after v2.0.0
 * Returns its path (caller frees).
 */
char *make_dep_repo(const char *name);

/* Add a commit to main of a repository made by make_dep_repo. */
void dep_commit(const char *dep, const char *message);

/* The full id of the commit rev names in repo (caller frees). */
char *rev(const char *repo, const char *rev);

/*
 * Everything a failed command must leave as it was: status (ignored and
 * untracked files too), the index, graft.ini, graft.lock, .gitmodules,
 * .git/config, .git/modules and .graft. Caller frees.
 */
char *deps_state(const char *repo);

/* The value of key in the [dependency "<name>"] section of graft.lock. */
char *lock_value(const char *repo, const char *name, const char *key);

/* The consumer at <tmp>/app with kb (from <tmp>/kb) added at ref. */
char *make_app_with_kb(const char *ref);

#endif
