#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_core.h"
#include "lib/fixtures_deps.h"
#include "lib/fixtures_upgrade.h"
#include "lib/harness.h"

/*
 * A dependency at <tmp>/kb: v1.0.0, then v2.0.0 declaring the change
 * v2.0.0, whose migration runs migrate.sh and whose verification runs
 * verify.sh from the dependency's checkout (scripts in files, so that a
 * test can use any shell without graft.ini's quoting in the way).
 */
void make_kb(const char *migrate, const char *verify)
{
	char *kb = tmp_path("kb"), *q = shq(kb), *path;

	sh_do(NULL, "git init -q %s && cd %s && echo one > README && "
	      "git add README && git commit -q -m one && git tag v1.0.0", q, q);
	path = tmp_path("kb/graft.ini");
	write_file(path,
		   "[change \"v2.0.0\"]\n"
		   "type = breaking\n"
		   "description = old becomes new\n"
		   "migration = migrate\n"
		   "verify = check\n"
		   "\n"
		   "[command \"migrate\"]\n"
		   "run = sh \"$GRAFT_DEP_PATH/migrate.sh\"\n"
		   "\n"
		   "[command \"check\"]\n"
		   "run = sh \"$GRAFT_DEP_PATH/verify.sh\"\n");
	free(path);
	path = tmp_path("kb/migrate.sh");
	write_file(path, migrate);
	free(path);
	path = tmp_path("kb/verify.sh");
	write_file(path, verify);
	free(path);
	sh_do(kb, "echo two > README && git add -A && git commit -q -m two && "
	      "git tag v2.0.0");
	free(q);
	free(kb);
}

/*
 * The consumer at <tmp>/app: src/a.txt "old", an ignored build/, kb at
 * v1.0.0, all committed; then an untracked notes.txt.
 */
char *make_app(const char *migrate, const char *verify)
{
	char *app = make_repo("app");
	struct cmd_result r;

	make_kb(migrate, verify);
	sh_do(app, "mkdir -p src build && echo old > src/a.txt && "
	      "echo build/ > .gitignore && echo obj > build/x.o && "
	      "git add -A && git commit -q -m app");
	r = graft(app, "add", "kb", "../kb#v1.0.0", NULL);
	cr_assert_eq(r.status, 0, "add: %s", r.err);
	cmd_result_free(&r);
	sh_do(app, "git commit -q -m 'add kb' && echo mine > notes.txt");
	return app;
}

/* The whole state an upgrade could touch, the dependency's checkout too. */
char *full_state(const char *app)
{
	char *state = repo_state(app);
	char *extra = sh_ok(app, "git -C .graft/kb rev-parse HEAD; "
			    "git for-each-ref refs/graft/snapshots; git stash list; "
			    "ls .git/graft 2>/dev/null; cat graft.lock");
	size_t len = strlen(state) + strlen(extra) + 2;
	char *all = malloc(len);

	snprintf(all, len, "%s\n%s", state, extra);
	free(state);
	free(extra);
	return all;
}

struct cmd_result graft_env(const char *dir, const char *const *env,
				   const char *const *args)
{
	const char *argv[16];
	size_t i = 0;

	argv[i++] = graft_bin();
	while (*args && i < 15)
		argv[i++] = *args++;
	argv[i] = NULL;
	return run_argv_env(dir, argv, env);
}

void upgrade_fails_unchanged(const char *app, int status, const char *msg,
			     const char *const *extra)
{
	const char *args[16] = { "upgrade", "kb", "--to", "v2.0.0" };
	char *before = full_state(app), *after;
	struct cmd_result r;
	size_t i = 4;

	while (extra && *extra && i < 15)
		args[i++] = *extra++;
	args[i] = NULL;
	r = graft_env(app, NULL, args);
	cr_assert_eq(r.status, status, "status %d: %s", r.status, r.err);
	assert_contains(r.err, msg);
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	free(before);
	cmd_result_free(&r);
}
