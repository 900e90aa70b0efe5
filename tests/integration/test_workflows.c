/*
 * The upgrade workflows around the atomic one: stop at a failing command
 * and --continue, --skip or --abort (rollback too), with kill -9 at the
 * steps in between; --stepwise; --commit-per-change and its rollback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_core.h"
#include "lib/fixtures_deps.h"
#include "lib/fixtures_upgrade.h"
#include "lib/harness.h"

TestSuite(workflows, .init = harness_setup, .fini = harness_teardown);

#define M2 "echo two >> src/a.txt\n"
#define C2 "grep -q two src/a.txt\n"
#define M3 "echo three >> src/a.txt && echo made > src/made.txt\n"
#define C3 "grep -q three src/a.txt\n"
/* fails until someone writes src/fixed.txt */
#define C3_NEEDS_FIX "test -f src/fixed.txt || { echo 'src/fixed.txt is missing' >&2; exit 4; }\n"
#define IS_VERSION(n) "test \"$(cat \"$GRAFT_DEP_PATH/VERSION\")\" = " #n "\n"

static void write_script(const char *name, const char *script)
{
	char *path = tmp_path("kb/%s", name);

	write_file(path, script);
	free(path);
}

/*
 * A dependency at <tmp>/kb: v1.0.0, v2.0.0 and v3.0.0, VERSION holding 1,
 * 2, 3. v2.0.0 declares its change, whose migration m2 and verification
 * c2 run the scripts m2.sh and c2.sh of the dependency's checkout; v3.0.0
 * adds the change v3.0.0 with m3 and c3.
 */
static void make_kb2(const char *m2, const char *c2, const char *m3,
		     const char *c3)
{
	char *kb = tmp_path("kb"), *q = shq(kb), *ini = tmp_path("kb/graft.ini");
	const char *v2 =
		"[change \"v2.0.0\"]\n"
		"type = breaking\n"
		"migration = m2\n"
		"verify = c2\n"
		"\n"
		"[command \"m2\"]\n"
		"run = sh \"$GRAFT_DEP_PATH/m2.sh\"\n"
		"\n"
		"[command \"c2\"]\n"
		"run = sh \"$GRAFT_DEP_PATH/c2.sh\"\n";
	char *v3 = malloc(strlen(v2) + 256);

	sh_do(NULL, "git init -q %s && cd %s && echo 1 > VERSION && "
	      "git add VERSION && git commit -q -m one && git tag v1.0.0", q, q);
	write_file(ini, v2);
	write_script("m2.sh", m2);
	write_script("c2.sh", c2);
	sh_do(kb, "echo 2 > VERSION && git add -A && git commit -q -m two && "
	      "git tag v2.0.0");
	sprintf(v3, "%s\n[change \"v3.0.0\"]\ntype = breaking\nmigration = m3\n"
		"verify = c3\n\n[command \"m3\"]\nrun = sh \"$GRAFT_DEP_PATH/m3.sh\"\n"
		"\n[command \"c3\"]\nrun = sh \"$GRAFT_DEP_PATH/c3.sh\"\n", v2);
	write_file(ini, v3);
	write_script("m3.sh", m3);
	write_script("c3.sh", c3);
	sh_do(kb, "echo 3 > VERSION && git add -A && git commit -q -m three && "
	      "git tag v3.0.0");
	free(v3);
	free(ini);
	free(q);
	free(kb);
}

/*
 * The consumer at <tmp>/app: src/a.txt "old", an ignored build/, kb at
 * v1.0.0, all committed; then the untracked notes.txt and src/draft.txt.
 */
static char *make_app2(const char *m2, const char *c2, const char *m3,
		       const char *c3)
{
	char *app = make_repo("app");
	struct cmd_result r;

	make_kb2(m2, c2, m3, c3);
	sh_do(app, "mkdir -p src build && echo old > src/a.txt && "
	      "echo build/ > .gitignore && echo obj > build/x.o && "
	      "git add -A && git commit -q -m app");
	r = graft(app, "add", "kb", "../kb#v1.0.0", NULL);
	cr_assert_eq(r.status, 0, "add: %s", r.err);
	cmd_result_free(&r);
	sh_do(app, "git commit -q -m 'add kb' && echo mine > notes.txt && "
	      "echo draft > src/draft.txt");
	return app;
}

/* `git graft upgrade kb --to v3.0.0` with extra arguments (NULL-ended). */
static struct cmd_result upgrade(const char *app, const char *const *env,
				 const char *const *extra)
{
	const char *args[16] = { "upgrade", "kb", "--to", "v3.0.0" };
	size_t i = 4;

	while (extra && *extra && i < 15)
		args[i++] = *extra++;
	args[i] = NULL;
	return graft_env(app, env, args);
}

static const char *const stop_on_failure[] = { "--stop-on-failure", NULL };

/* An upgrade with --stop-on-failure that stops at c3 of v3.0.0. */
static void stop_at_c3(const char *app, const char *const *extra)
{
	const char *args[8] = { "--stop-on-failure" };
	struct cmd_result r;
	size_t i = 1;

	while (extra && *extra && i < 7)
		args[i++] = *extra++;
	args[i] = NULL;
	r = upgrade(app, NULL, args);
	cr_assert_eq(r.status, 1, "%d: %s", r.status, r.err);
	assert_contains(r.err, "error: the verification 'c3' of kb v3.0.0 exited with status 4");
	assert_contains(r.err, "hint: the upgrade of kb stopped here (--stop-on-failure)");
	assert_contains(r.err, "run 'git graft upgrade --continue'");
	assert_contains(r.err, "'git graft upgrade --skip'");
	assert_contains(r.err, "'git graft upgrade --abort'");
	cmd_result_free(&r);
}

static int stop_state_exists(const char *app)
{
	char *path = tmp_path("%s/.git/graft/stopped", strrchr(app, '/') + 1);
	int exists = file_exists(path);

	free(path);
	return exists;
}

Test(workflows, stop_fix_by_hand_and_continue_to_one_commit)
{
	char *app = make_app2(M2, C2, M3, C3_NEEDS_FIX), *head0, *s;
	struct cmd_result r;

	head0 = sh_ok(app, "git rev-parse HEAD");
	stop_at_c3(app, NULL);
	/* as the failing command left it, the snapshot and the stop kept */
	s = sh_ok(app, "cat src/a.txt src/made.txt; git for-each-ref --format='%%(refname)' refs/graft/snapshots");
	assert_str_eq("old\ntwo\nthree\nmade\nrefs/graft/snapshots/kb", s, "stopped");
	free(s);
	cr_assert(stop_state_exists(app));

	/* status says so, as git status does during a rebase */
	r = graft(app, "status", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "You are currently upgrading kb from v1.0.0 to v3.0.0, stopped at change v3.0.0 (2 of 2):\n"
			"  the verification 'c3' of kb v3.0.0 exited with status 4\n"
			"  (fix what it found, then run \"git graft upgrade --continue\": it runs again)\n"
			"  (use \"git graft upgrade --skip\" to go on without the rest of change v3.0.0)\n"
			"  (use \"git graft upgrade --abort\" to put everything back");
	cr_assert_null(strstr(r.err, "interrupted"), "%s", r.err);
	cmd_result_free(&r);
	r = graft(app, "status", "--json", NULL);
	assert_contains(r.out, "\"stopped_upgrade\": {\n    \"dependency\": \"kb\"");
	assert_contains(r.out, "\"step\": \"verification\",\n    \"command\": \"c3\"");
	cmd_result_free(&r);
	r = graft(app, "rollback", "--list", NULL);
	assert_contains(r.out, "Stopped upgrades");
	cmd_result_free(&r);

	/* other commands that change something refuse */
	r = graft(app, "sync", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "error: the upgrade of kb is stopped: finish it first");
	assert_contains(r.err, "'git graft upgrade --continue'");
	cmd_result_free(&r);
	r = upgrade(app, NULL, NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "the upgrade of kb is stopped");
	cmd_result_free(&r);
	r = graft(app, "upgrade", "--continue", "kb", NULL);
	cr_assert_eq(r.status, 129, "%s", r.err);
	cmd_result_free(&r);

	/* not fixed yet: it stops again */
	r = graft(app, "upgrade", "--continue", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "running verification 'c3'");
	cr_assert_null(strstr(r.err, "running migration"), "%s", r.err);
	assert_contains(r.err, "exited with status 4");
	cmd_result_free(&r);
	cr_assert(stop_state_exists(app));

	/* fixed by hand, everything staged: the files from before stay out */
	sh_do(app, "echo yes > src/fixed.txt && git add -A");
	r = graft(app, "upgrade", "--continue", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "kb: v1.0.0 (");
	assert_contains(r.out, "committed as");
	assert_contains(r.err, "'src/draft.txt' was in the work tree before the upgrade");
	cmd_result_free(&r);
	s = sh_ok(app, "git rev-parse HEAD^");
	assert_str_eq(head0, s, "one commit on top");
	free(s);
	s = sh_ok(app, "git show --name-status --format=%%s HEAD");
	assert_str_eq("graft: upgrade kb v1.0.0 -> v3.0.0\n\n"
		      "M\t.graft/kb\nM\tgraft.lock\nM\tsrc/a.txt\nA\tsrc/fixed.txt\n"
		      "A\tsrc/made.txt", s, "the commit, with the fix");
	free(s);
	s = sh_ok(app, "git status --porcelain; git for-each-ref refs/graft/snapshots");
	assert_str_eq("?? notes.txt\n?? src/draft.txt", s, "after");
	free(s);
	cr_assert(!stop_state_exists(app));
	free(head0);
	free(app);
}

/* Back exactly as before, by --abort or by rollback with no argument. */
static void stop_then_put_back(const char *const *put_back, const char *said,
			       const char *const *extra)
{
	char *app = make_app2(M2, C2, M3, C3_NEEDS_FIX);
	char *before = full_state(app), *after, *head0;
	const char *args[4] = { put_back[0], put_back[1], NULL };
	struct cmd_result r;

	head0 = sh_ok(app, "git rev-parse HEAD");
	stop_at_c3(app, extra);
	/* what the user did meanwhile goes too, kept in the attempt */
	sh_do(app, "echo half >> src/a.txt && echo new > src/new.txt && git add src/new.txt");
	r = graft_env(app, NULL, args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, said);
	cmd_result_free(&r);
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	after = sh_ok(app, "git rev-parse HEAD; git show refs/graft/attempts/kb:src/new.txt");
	cr_assert(!strncmp(after, head0, strlen(head0)), "%s", after);
	assert_contains(after, "\nnew");
	free(after);
	cr_assert(!stop_state_exists(app));
	r = graft(app, "upgrade", "--continue", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "no upgrade is stopped");
	cmd_result_free(&r);
	free(head0);
	free(before);
	free(app);
}

Test(workflows, abort_puts_everything_back)
{
	static const char *const abort_args[] = { "upgrade", "--abort" };

	stop_then_put_back(abort_args, "Aborted the upgrade of kb", NULL);
}

Test(workflows, rollback_with_no_argument_aborts)
{
	static const char *const rollback_args[] = { "rollback", NULL };

	stop_then_put_back(rollback_args,
			   "Restored the state from before the upgrade of kb", NULL);
}

/* A series stopped after its first commit: the branch goes back over it. */
Test(workflows, abort_of_a_series_moves_the_branch_back)
{
	static const char *const abort_args[] = { "upgrade", "--abort" };
	static const char *const per_change[] = { "--commit-per-change", NULL };

	stop_then_put_back(abort_args, "Aborted the upgrade of kb", per_change);
}

Test(workflows, skip_leaves_the_change_out_with_a_trailer)
{
	char *app = make_app2(M2, "exit 5\n", M3, C3), *s;
	struct cmd_result r = upgrade(app, NULL, stop_on_failure);

	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "verification 'c2' of kb v2.0.0 exited with status 5");
	cmd_result_free(&r);
	r = graft(app, "upgrade", "--skip", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: kb v2.0.0: its verification 'c2' is skipped (--skip)");
	assert_contains(r.err, "running migration 'm3'");
	cmd_result_free(&r);
	s = sh_ok(app, "git log -1 --format=%%B");
	assert_contains(s, "Graft-To: v3.0.0 ");
	assert_contains(s, "\nGraft-Skipped: verify v2.0.0\n");
	cr_assert_null(strstr(s, "migration v2.0.0"), "%s", s);
	free(s);
	r = graft(app, "log", NULL);
	assert_contains(r.out, "upgrade  kb v1.0.0 -> v3.0.0 (skipped: verify v2.0.0)");
	cmd_result_free(&r);
	free(app);
}

/*
 * A failed migration: --continue goes on with its verification (the
 * user did what it did not), --skip leaves out both.
 */
Test(workflows, after_a_failed_migration)
{
	char *app = make_app2("exit 6\n", C2, M3, C3), *s;
	struct cmd_result r = upgrade(app, NULL, stop_on_failure);

	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "migration 'm2' of kb v2.0.0 exited with status 6");
	assert_contains(r.err, "do what it did not, then run 'git graft upgrade --continue'");
	cmd_result_free(&r);
	sh_do(app, "echo two >> src/a.txt");
	r = graft(app, "upgrade", "--continue", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "running verification 'c2'");
	cr_assert_null(strstr(r.err, "'m2'"), "%s", r.err);
	cmd_result_free(&r);
	s = sh_ok(app, "git log -1 --format=%%B; cat src/a.txt");
	cr_assert_null(strstr(s, "Graft-Skipped"), "%s", s);
	assert_contains(s, "old\ntwo\nthree");
	free(s);

	/* the same, skipped */
	sh_do(app, "git reset -q --hard HEAD^ && git -C .graft/kb checkout -q v1.0.0");
	r = upgrade(app, NULL, stop_on_failure);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cmd_result_free(&r);
	r = graft(app, "upgrade", "--skip", "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	s = sh_ok(app, "git log -1 --format=%%B");
	assert_contains(s, "\nGraft-Skipped: migration v2.0.0\nGraft-Skipped: verify v2.0.0\n");
	free(s);
	free(app);
}

/* kill -9 in --continue: an interrupted upgrade, which rollback puts back. */
Test(workflows, kill_during_continue_is_an_interrupted_upgrade)
{
	char *app = make_app2(M2, C2, M3, C3_NEEDS_FIX);
	char *before = full_state(app), *after;
	const char *crash[] = { "GRAFT_TEST_CRASH_AT=after-resume", NULL };
	const char *cont[] = { "upgrade", "--continue", NULL };
	struct cmd_result r;

	stop_at_c3(app, NULL);
	sh_do(app, "echo yes > src/fixed.txt");
	r = graft_env(app, crash, cont);
	cr_assert_eq(r.status, 137, "%d: %s", r.status, r.err);
	cmd_result_free(&r);

	r = graft(app, "status", NULL);
	assert_contains(r.err, "an interrupted upgrade of kb is pending");
	cr_assert_null(strstr(r.out, "You are currently upgrading"), "%s", r.out);
	cmd_result_free(&r);
	r = graft_env(app, NULL, cont);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "an interrupted upgrade of 'kb' is pending");
	assert_contains(r.err, "git graft rollback");
	cmd_result_free(&r);
	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	after = full_state(app);
	assert_str_eq(before, after, "state after rollback");
	cr_assert(!stop_state_exists(app));
	free(after);
	free(before);
	free(app);
}

/* kill -9 once the stop is recorded: still stopped, and it goes on. */
Test(workflows, kill_once_stopped_keeps_the_stop)
{
	char *app = make_app2(M2, C2, M3, C3_NEEDS_FIX), *s;
	const char *crash[] = { "GRAFT_TEST_CRASH_AT=after-stop", NULL };
	struct cmd_result r = upgrade(app, crash, stop_on_failure);

	cr_assert_eq(r.status, 137, "%d: %s", r.status, r.err);
	cmd_result_free(&r);
	r = graft(app, "status", NULL);
	assert_contains(r.out, "You are currently upgrading kb");
	cmd_result_free(&r);
	sh_do(app, "echo yes > src/fixed.txt");
	r = graft(app, "upgrade", "--continue", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	s = sh_ok(app, "git show --name-only --format= HEAD");
	assert_contains(s, "src/fixed.txt");
	free(s);
	free(app);
}

/* HEAD and the dependency must be where the stop left them. */
Test(workflows, continue_refuses_what_moved)
{
	char *app = make_app2(M2, C2, M3, C3_NEEDS_FIX), *s;
	struct cmd_result r;

	stop_at_c3(app, NULL);
	sh_do(app, "echo yes > src/fixed.txt && git add -A && git commit -q -m mine");
	r = graft(app, "upgrade", "--continue", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "HEAD moved since the upgrade of kb stopped");
	assert_contains(r.err, "git reset --soft ");
	cmd_result_free(&r);
	sh_do(app, "git reset -q --soft HEAD^ && git -C .graft/kb checkout -q v2.0.0");
	r = graft(app, "upgrade", "--continue", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, ".graft/kb moved since the upgrade stopped");
	cmd_result_free(&r);
	sh_do(app, "git -C .graft/kb checkout -q v3.0.0");
	r = graft(app, "upgrade", "--continue", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	s = sh_ok(app, "git show --name-only --format= HEAD");
	assert_contains(s, "src/fixed.txt");
	free(s);
	free(app);
}

Test(workflows, stepwise_runs_each_change_at_its_version)
{
	char *app = make_app2(M2, IS_VERSION(2), M3, IS_VERSION(3)), *s;
	const char *stepwise[] = { "--stepwise", NULL };
	const char *dry_run[] = { "--stepwise", "--dry-run", NULL };
	struct cmd_result r = upgrade(app, NULL, NULL);

	/* all at once, c2 meets version 3 */
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "verification 'c2' of kb v2.0.0 exited with status 1");
	cmd_result_free(&r);

	r = upgrade(app, NULL, dry_run);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "Step 1 of 2, with .graft/kb checked out at v2.0.0 (");
	assert_contains(r.out, "Step 2 of 2, with .graft/kb checked out at v3.0.0 (");
	cmd_result_free(&r);

	r = upgrade(app, NULL, stepwise);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	s = sh_ok(app, "test \"$(git -C .graft/kb rev-parse HEAD)\" = "
		  "\"$(git -C ../kb rev-parse v3.0.0)\" && echo at-target; "
		  "git log -1 --format=%%s");
	assert_str_eq("at-target\ngraft: upgrade kb v1.0.0 -> v3.0.0", s,
		      "the dependency ends at the target, in one commit");
	free(s);
	free(app);
}

/* Subject, series trailers and paths of a commit, each once a line. */
#define SHOW_SERIES_COMMIT(rev) \
	"git log -1 --format=%s " rev "; " \
	"git log -1 --format='%(trailers:key=Graft-Change,key=Graft-Series,only)' " rev \
	" | sed '/^$/d'; git show --name-status --format= " rev

Test(workflows, commit_per_change_makes_a_series_rolled_back_as_one)
{
	char *app = make_app2(M2, C2, M3, C3), *head0, *s;
	const char *per_change[] = { "--commit-per-change", NULL };
	struct cmd_result r;

	head0 = sh_ok(app, "git rev-parse HEAD");
	r = upgrade(app, NULL, per_change);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "committed as 2 commits, the last ");
	cmd_result_free(&r);
	s = sh_ok(app, "git rev-parse HEAD~2");
	assert_str_eq(head0, s, "two commits on top");
	free(s);
	s = sh_ok(app, "%s", SHOW_SERIES_COMMIT("HEAD~1"));
	assert_str_eq("graft: upgrade kb v1.0.0 -> v3.0.0 (1/2: v2.0.0)\n"
		      "Graft-Change: v2.0.0\nGraft-Series: 1/2\n"
		      "M\tsrc/a.txt", s, "first commit");
	free(s);
	s = sh_ok(app, "%s", SHOW_SERIES_COMMIT("HEAD"));
	assert_str_eq("graft: upgrade kb v1.0.0 -> v3.0.0 (2/2: v3.0.0)\n"
		      "Graft-Change: v3.0.0\nGraft-Series: 2/2\n"
		      "M\t.graft/kb\nM\tgraft.lock\nM\tsrc/a.txt\nA\tsrc/made.txt",
		      s, "last commit");
	free(s);

	/* one upgrade in the history */
	r = graft(app, "log", NULL);
	assert_contains(r.out, "upgrade  kb v1.0.0 -> v3.0.0 (2 commits: v2.0.0 v3.0.0)\n");
	cr_assert_null(strstr(strstr(r.out, "\n") + 1, "upgrade"), "%s", r.out);
	cmd_result_free(&r);
	r = graft(app, "rollback", "--list", NULL);
	assert_contains(r.out, "kb v1.0.0 -> v3.0.0 (2 commits)  (next)");
	cmd_result_free(&r);

	/* undone as one, with one commit */
	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "reverting the 2 commits up to ");
	cmd_result_free(&r);
	s = sh_ok(app, "git rev-parse HEAD~3; git diff --stat %s HEAD; "
		  "git -C .graft/kb describe --tags; git log -1 --format=%%s", head0);
	cr_assert(!strncmp(s, head0, strlen(head0)), "%s", s);
	assert_str_eq("v1.0.0\ngraft: rollback kb v3.0.0 -> v1.0.0",
		      s + strlen(head0) + 1, "after the rollback");
	free(s);
	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "no committed upgrade of kb");
	cmd_result_free(&r);
	free(head0);
	free(app);
}

/* A failure at the second change undoes the first change's commit too. */
Test(workflows, commit_per_change_is_all_or_nothing)
{
	char *app = make_app2(M2, C2, M3, "exit 7\n");
	char *before = full_state(app), *after;
	const char *per_change[] = { "--commit-per-change", NULL };
	struct cmd_result r = upgrade(app, NULL, per_change);

	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "verification 'c3' of kb v3.0.0 exited with status 7");
	assert_contains(r.err, "everything is back as it was");
	cmd_result_free(&r);
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	after = sh_ok(app, "git log --format=%%s refs/graft/attempts/kb");
	assert_contains(after, "graft: upgrade kb v1.0.0 -> v3.0.0 (1/2: v2.0.0)");
	free(after);
	free(before);
	free(app);
}

/* kill -9 between the commits of a series: not committed, rolled back. */
Test(workflows, kill_inside_a_series_is_rolled_back)
{
	char *app = make_app2(M2, C2, M3, C3);
	char *before = full_state(app), *after;
	const char *crash[] = { "GRAFT_TEST_CRASH_AT=after-series-commit", NULL };
	const char *per_change[] = { "--commit-per-change", NULL };
	struct cmd_result r = upgrade(app, crash, per_change);

	cr_assert_eq(r.status, 137, "%d: %s", r.status, r.err);
	cmd_result_free(&r);
	r = graft(app, "sync", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "an interrupted upgrade of 'kb' is pending");
	cmd_result_free(&r);
	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "Restored the state from before the upgrade of kb");
	cmd_result_free(&r);
	after = full_state(app);
	assert_str_eq(before, after, "state after rollback");
	free(after);
	free(before);
	free(app);
}

/* A stop belongs to its worktree: another one sees it and leaves it alone. */
Test(workflows, another_worktree_leaves_a_stop_alone)
{
	char *app = make_app2(M2, C2, M3, C3_NEEDS_FIX), *wt;
	struct cmd_result r;

	stop_at_c3(app, NULL);
	sh_do(app, "git worktree add -q --detach ../wt");
	wt = tmp_path("wt");
	r = graft(wt, "status", NULL);
	assert_contains(r.err, "warning: an upgrade of kb is stopped in another worktree");
	cr_assert_null(strstr(r.out, "You are currently upgrading"), "%s", r.out);
	cmd_result_free(&r);
	r = graft(wt, "sync", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "error: an upgrade of kb is stopped in another worktree");
	cmd_result_free(&r);
	r = graft(wt, "rollback", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "an upgrade of kb is stopped in another worktree (");
	cmd_result_free(&r);
	r = graft(wt, "upgrade", "--abort", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "no upgrade is stopped");
	cmd_result_free(&r);
	/* and where it stopped, it goes on */
	sh_do(app, "echo yes > src/fixed.txt");
	r = graft(app, "upgrade", "--continue", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	free(wt);
	free(app);
}
