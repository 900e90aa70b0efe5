#ifndef GRAFT_TEST_FIXTURES_UPGRADE_H
#define GRAFT_TEST_FIXTURES_UPGRADE_H

/*
 * Fixtures for upgrade tests: a dependency whose one change runs scripts
 * the test chooses, a consumer that depends on it, and the state an
 * upgrade must leave as it found when it fails.
 */

#define MIGRATE_OK "sed -i s/old/new/ src/a.txt && echo made > made.txt\n"
#define VERIFY_OK "grep -q new src/a.txt\n"
#define VERIFY_FAIL "echo checking src/a.txt\necho 'new is not there' >&2\nexit 3\n"

/*
 * A dependency at <tmp>/kb: v1.0.0, then v2.0.0 declaring the change
 * v2.0.0, whose migration runs the script migrate and whose verification
 * runs verify, both from the dependency's checkout.
 */
void make_kb(const char *migrate, const char *verify);

/*
 * The consumer at <tmp>/app (returned; caller frees): src/a.txt "old", an
 * ignored build/, kb at v1.0.0, all committed; then an untracked
 * notes.txt.
 */
char *make_app(const char *migrate, const char *verify);

/* repo_state, the dependency's HEAD, refs/graft, the stash, .git/graft, graft.lock. */
char *full_state(const char *app);

/*
 * `git graft upgrade kb --to v2.0.0` in app, with extra arguments
 * (NULL-ended, or NULL), must exit with status, say msg on stderr, and
 * leave full_state(app) as it was.
 */
void upgrade_fails_unchanged(const char *app, int status, const char *msg,
			     const char *const *extra);

struct cmd_result;
/* git-graft with args (NULL-ended) and env entries as run_argv_env takes them. */
struct cmd_result graft_env(const char *dir, const char *const *env,
			    const char *const *args);

#endif
