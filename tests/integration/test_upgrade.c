/*
 * upgrade and rollback of an interrupted upgrade (docs/design.md): the commit
 * an upgrade makes, and the exact state every failure goes back to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_core.h"
#include "lib/fixtures_deps.h"
#include "lib/fixtures_upgrade.h"
#include "lib/harness.h"

TestSuite(upgrade, .init = harness_setup, .fini = harness_teardown);

Test(upgrade, commits_what_the_upgrade_changed)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK);
	char *v1 = rev("kb", "v1.0.0"), *v2 = rev("kb", "v2.0.0");
	char *old_head = sh_ok(app, "git rev-parse HEAD");
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	char *msg, *files, *s, *expect;

	cr_assert_eq(r.status, 0, "upgrade: %s", r.err);
	assert_contains(r.out, "kb: v1.0.0");
	assert_contains(r.err, "running migration 'migrate'");
	msg = sh_ok(app, "git log -1 --format=%%B");
	expect = malloc(512);
	snprintf(expect, 512,
		 "graft: upgrade kb v1.0.0 -> v2.0.0\n\n"
		 "Graft-Dependency: kb\nGraft-Action: upgrade\n"
		 "Graft-From: v1.0.0 %s\nGraft-To: v2.0.0 %s\n", v1, v2);
	assert_str_eq(expect, msg, "commit message");
	s = sh_ok(app, "git rev-parse HEAD^");
	assert_str_eq(old_head, s, "parent");
	free(s);
	/* the gitlink, the lock, the migrated file and the one it made */
	files = sh_ok(app, "git show --name-status --format= HEAD");
	assert_str_eq("M\t.graft/kb\nM\tgraft.lock\nA\tmade.txt\nM\tsrc/a.txt",
		      files, "committed paths");
	s = sh_ok(app, "git ls-files -s .graft/kb | cut -d' ' -f2");
	assert_str_eq(v2, s, "gitlink");
	free(s);
	s = lock_value(app, "kb", "commit");
	assert_str_eq(v2, s, "locked commit");
	free(s);
	s = lock_value(app, "kb", "ref");
	assert_str_eq("v2.0.0", s, "locked ref");
	free(s);
	/* untracked before: still there, still untracked; nothing left over */
	s = sh_ok(app, "git status --porcelain; git for-each-ref refs/graft; "
		  "git -C .graft/kb rev-parse HEAD");
	expect = realloc(expect, 512);
	snprintf(expect, 512, "?? notes.txt\n%s", v2);
	assert_str_eq(expect, s, "status after");
	free(s);
	s = sh_ok(app, "git reflog -1 --format=%%gs main");
	assert_contains(s, "graft: upgrade kb v1.0.0 -> v2.0.0");
	free(s);
	free(expect);
	free(files);
	free(msg);
	free(old_head);
	free(v1);
	free(v2);
	cmd_result_free(&r);
	free(app);
}

/* A repository a migration creates is said, and left out of the commit. */
Test(upgrade, a_created_repository_is_not_committed)
{
	char *app = make_app(MIGRATE_OK "git init -q nested && echo x > nested/f\n",
			     VERIFY_OK), *s;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "'nested/' is a repository the upgrade created; it is not committed");
	s = sh_ok(app, "git show --name-only --format= HEAD");
	assert_str_eq(".graft/kb\ngraft.lock\nmade.txt\nsrc/a.txt", s, "commit");
	free(s);
	cmd_result_free(&r);
	free(app);
}

Test(upgrade, failed_verification_puts_everything_back)
{
	char *app = make_app(MIGRATE_OK "rm notes.txt && chmod +x src/a.txt\n",
			     VERIFY_FAIL);
	char *before = full_state(app), *after, *made;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	const char *p;

	cr_assert_eq(r.status, 1, "status %d: %s", r.status, r.err);
	assert_contains(r.err, "verification 'check' of kb v2.0.0 exited with status 3");
	/* its output was shown as it came, and is not repeated */
	p = strstr(r.err, "new is not there\n");
	cr_assert(p && !strstr(p + 1, "new is not there"), "%s", r.err);
	assert_contains(r.err, "everything is back as it was");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	made = tmp_path("app/made.txt");
	cr_assert(!file_exists(made));
	cmd_result_free(&r);

	/* with --quiet nothing was shown: the error quotes its last lines */
	r = graft(app, "upgrade", "-q", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 1, "status %d: %s", r.status, r.err);
	assert_contains(r.err, "its last lines of output:\n    checking src/a.txt\n    new is not there");
	free(made);
	free(after);
	free(before);
	cmd_result_free(&r);
	free(app);
}

/* Enough untracked files for the snapshot to write a pack, all alike. */
Test(upgrade, identical_untracked_files_in_one_pack)
{
	char *app = make_app(MIGRATE_OK, VERIFY_FAIL);

	sh_do(app, "mkdir same && for i in $(seq 1 100); do echo same > same/$i; done");
	upgrade_fails_unchanged(app, 1, "verification 'check'", NULL);
	free(app);
}

Test(upgrade, failed_migration_and_timeout)
{
	char *app = make_app("echo half > src/a.txt\nexit 7\n", VERIFY_OK);
	char *before = full_state(app), *after;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);

	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "migration 'migrate' of kb v2.0.0 exited with status 7");
	after = full_state(app);
	assert_str_eq(before, after, "state after a failed migration");
	free(after);
	cmd_result_free(&r);

	sh_do(harness_tmp(), "rm -rf kb app");
	free(app);
	app = make_app("echo half > src/a.txt && sleep 30\n", VERIFY_OK);
	free(before);
	before = full_state(app);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--timeout", "1", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "timed out after 1 second");
	after = full_state(app);
	assert_str_eq(before, after, "state after a timeout");
	free(after);
	free(before);
	cmd_result_free(&r);
	free(app);
}

/* SIGINT or SIGTERM to git-graft while a command runs: 130 or 143, all back. */
static void interrupt_with(const char *sig, int expect)
{
	char *app = make_app("echo half > src/a.txt && touch started && sleep 30\n",
			     VERIFY_OK);
	char *before = full_state(app), *after, *q = shq(graft_bin()), *status;

	status = sh_ok(app, "%s upgrade kb --to v2.0.0 2>err & pid=$! && "
		       "while ! test -f started; do sleep 0.05; done && "
		       "kill -%s $pid; wait $pid; echo $?", q, sig);
	cr_assert_eq(atoi(status), expect, "exit %s", status);
	sh_do(app, "rm -f err");
	after = full_state(app);
	assert_str_eq(before, after, "state after the interrupt");
	free(status);
	free(after);
	free(before);
	free(q);
	free(app);
}

Test(upgrade, sigint_rolls_back) { interrupt_with("INT", 130); }
Test(upgrade, sigterm_rolls_back) { interrupt_with("TERM", 143); }

Test(upgrade, refuses_tracked_changes_without_autostash)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *before, *after;
	struct cmd_result r;

	sh_do(app, "echo edit >> README");
	before = full_state(app);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "uncommitted changes");
	assert_contains(r.err, " M README");
	assert_contains(r.err, "--autostash");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	free(before);
	cmd_result_free(&r);
	free(app);
}

Test(upgrade, autostash_brings_changes_back)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *s;
	struct cmd_result r;

	sh_do(app, "echo staged >> README && git add README && "
	      "echo unstaged >> README && echo other > other.txt && "
	      "git add other.txt");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--autostash", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	/* the commit holds the upgrade only */
	s = sh_ok(app, "git show --name-only --format= HEAD");
	assert_str_eq(".graft/kb\ngraft.lock\nmade.txt\nsrc/a.txt", s, "commit");
	free(s);
	s = sh_ok(app, "git status --porcelain; git stash list; "
		  "git show :README | tail -1; tail -1 README");
	assert_str_eq("MM README\nA  other.txt\n?? notes.txt\nstaged\nunstaged", s,
		      "changes after");
	free(s);
	cmd_result_free(&r);
	free(app);
}

Test(upgrade, autostash_keeps_every_kind_of_change)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *s;
	struct cmd_result r;

	sh_do(app, "mkdir -p lib && echo x > lib/new.txt && git add lib/new.txt && "
	      "git rm -q .gitignore && chmod +x README && "
	      "ln -s README link && git add link");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--autostash", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	s = sh_ok(app, "git status --porcelain; git stash list; "
		  "git diff --summary; git ls-files -s link | cut -c1-6");
	assert_str_eq("D  .gitignore\n M README\nA  lib/new.txt\nA  link\n"
		      "?? build/\n?? notes.txt\n"
		      " mode change 100644 => 100755 README\n120000", s,
		      "changes after");
	free(s);
	cmd_result_free(&r);
	free(app);
}

/* A directory the user replaced by a file cannot be set aside: all back. */
Test(upgrade, autostash_of_a_directory_turned_file_goes_back)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK);
	const char *autostash[] = { "--autostash", NULL };

	sh_do(app, "git rm -q -r src && echo file > src && git add src");
	upgrade_fails_unchanged(app, 1, "'src' is a directory on one side", autostash);
	free(app);
}

Test(upgrade, autostash_refuses_intent_to_add)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK);
	const char *autostash[] = { "--autostash", NULL };

	sh_do(app, "echo x > later.txt && git add -N later.txt");
	upgrade_fails_unchanged(app, 1, "intent-to-add", autostash);
	free(app);
}

/* Killed after the commit: the changes wait in the stash, not lost. */
/* Killed after the commit, before the stash came back: rollback finishes. */
Test(upgrade, autostash_comes_back_after_a_crash_after_the_commit)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *s;
	const char *env[] = { "GRAFT_TEST_CRASH_AT=after-commit", NULL };
	const char *args[] = { "upgrade", "kb", "--to", "v2.0.0", "--autostash", NULL };
	struct cmd_result r;

	sh_do(app, "echo mine >> README");
	r = graft_env(app, env, args);
	cr_assert_eq(r.status, 137, "%s", r.err);
	cmd_result_free(&r);
	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	s = sh_ok(app, "git log -1 --format=%%s; git stash list; "
		  "tail -1 README && git status --porcelain --untracked-files=no; "
		  "git for-each-ref refs/graft/snapshots");
	assert_str_eq("graft: upgrade kb v1.0.0 -> v2.0.0\n"
		      "mine\n M README", s, "after the crash");
	free(s);
	free(app);
}

Test(upgrade, autostash_failure_restores_the_dirty_state)
{
	char *app = make_app(MIGRATE_OK, VERIFY_FAIL);
	const char *autostash[] = { "--autostash", NULL };

	sh_do(app, "echo staged >> README && git add README && "
	      "echo unstaged >> README && echo old2 >> src/a.txt");
	upgrade_fails_unchanged(app, 1, "verification 'check'", autostash);
	free(app);
}

Test(upgrade, autostash_conflict_keeps_the_stash)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *s;
	struct cmd_result r;

	sh_do(app, "echo mine > src/a.txt");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--autostash", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "kept in the stash");
	s = sh_ok(app, "git log -1 --format=%%s; git stash list | wc -l; "
		  "git status --porcelain --untracked-files=no; "
		  "git stash show -p | tail -1");
	assert_str_eq("graft: upgrade kb v1.0.0 -> v2.0.0\n1\n+mine", s, "after");
	free(s);
	cmd_result_free(&r);
	free(app);
}

Test(upgrade, dry_run_changes_nothing)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *before = full_state(app);
	char *after, *v2 = rev("kb", "v2.0.0");
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0",
				    "--dry-run", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "kb: v1.0.0");
	assert_contains(r.out, "change v2.0.0 of kb");
	assert_contains(r.out, "sh \"$GRAFT_DEP_PATH/migrate.sh\"");
	assert_contains(r.out, "graft: upgrade kb v1.0.0 -> v2.0.0");
	cmd_result_free(&r);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "-n", "--json",
		  "--skip-verify", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "\"dependency\": \"kb\"");
	assert_contains(r.out, "\"up_to_date\": false");
	assert_contains(r.out, "\"skip_verify\": true");
	assert_contains(r.out, "\"name\": \"check\"");
	assert_contains(r.out, v2);
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(v2);
	free(after);
	free(before);
	cmd_result_free(&r);
	free(app);
}

Test(upgrade, up_to_date_and_json_result)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *head;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v1.0.0", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "up to date");
	cmd_result_free(&r);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	head = sh_ok(app, "git rev-parse HEAD");
	assert_contains(r.out, "\"result\": \"upgraded\"");
	assert_contains(r.out, head);
	assert_contains(r.out, "\"error\": null");
	free(head);
	cmd_result_free(&r);
	free(app);
}

/*
 * app with a second dependency, bad, whose upgrade fails: its script
 * (migrate.sh or verify.sh) is failing. bad_first: declared before kb.
 */
static char *app_with_bad(const char *script, const char *failing,
			  int bad_first)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *q = shq(failing);
	struct cmd_result r;

	sh_do(harness_tmp(), "git clone -q kb bad && cd bad && "
	      "printf '%%s\\n' %s > %s && git add -A && "
	      "git commit -q -m broken && git tag -f v3.0.0 >/dev/null",
	      q, script);
	free(q);
	r = graft(app, "add", "bad", "../bad#v1.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	if (bad_first)
		sh_do(app, "{ sed -n '/^\\[dependency \"bad\"\\]/,$p' graft.ini && "
		      "sed '/^\\[dependency \"bad\"\\]/,$d' graft.ini; } > g && "
		      "mv g graft.ini && git add graft.ini");
	sh_do(app, "git commit -q -m 'add bad'");
	return app;
}

Test(upgrade, all_goes_on_past_a_failure)
{
	char *app = app_with_bad("verify.sh", "exit 1", 0), *s;
	struct cmd_result r = graft(app, "upgrade", "--all", NULL);

	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "the verification 'check' of bad");
	assert_contains(r.err, "1 of 2 upgrades failed");
	s = sh_ok(app, "git log -1 --format=%%s; "
		  "git for-each-ref --format='%%(refname)' refs/graft; "
		  "git -C .graft/bad describe --tags");
	assert_str_eq("graft: upgrade kb v1.0.0 -> main\nrefs/graft/attempts/bad\nv1.0.0",
		      s, "after --all");
	free(s);
	cmd_result_free(&r);
	free(app);
}

/*
 * bad fails after its lock was written (its migration commits): the
 * next upgrade of --all locks only its own move, not bad's undone one.
 */
Test(upgrade, all_after_a_failure_keeps_its_lock_entry)
{
	char *app = app_with_bad("migrate.sh",
				 "sed -i s/old/new/ src/a.txt && "
				 "git commit -q --allow-empty -m sneaky", 1);
	char *bad_v1 = rev("bad", "v1.0.0"), *s;
	struct cmd_result r = graft(app, "upgrade", "--all", NULL);

	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "HEAD moved during the upgrade");
	assert_contains(r.err, "1 of 2 upgrades failed");
	s = sh_ok(app, "git log -1 --format=%%s && git show HEAD:graft.lock | "
		  "awk '/\"bad\"/ { s = 1 } s && $1 == \"commit\" { print $3; exit }'");
	cr_assert(!strncmp(s, "graft: upgrade kb v1.0.0 -> main\n", 33), "%s", s);
	assert_str_eq(bad_v1, s + 33, "bad's locked commit in the upgrade of kb");
	free(s);
	free(bad_v1);
	cmd_result_free(&r);
	free(app);
}

Test(upgrade, checks_before_anything_changes)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *before, *after;
	/* putenv() of a bare name unsets it */
	const char *no_ident[] = { "GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME",
				   "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL",
				   "EMAIL", NULL };
	const char *args[] = { "upgrade", "kb", "--to", "v2.0.0", NULL };
	struct cmd_result r;

	before = full_state(app);
	r = graft_env(app, no_ident, args);
	/* as git commit: fatal, 128 */
	cr_assert_eq(r.status, 128, "%s", r.err);
	assert_contains(r.err, "fatal: author identity unknown");
	assert_contains(r.err, "Please tell me who you are");
	cmd_result_free(&r);

	sh_do(app, "git -C .graft/kb checkout -q v2.0.0");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "not checked out at its locked commit");
	assert_contains(r.err, "git graft sync kb");
	cmd_result_free(&r);
	sh_do(app, "git -C .graft/kb checkout -q v1.0.0");

	r = graft(app, "upgrade", "kb", "--to", "no-such-tag", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "no-such-tag");
	cmd_result_free(&r);
	r = graft(app, "upgrade", "nope", NULL);
	cr_assert_eq(r.status, 1);
	cmd_result_free(&r);
	r = graft(app, "upgrade", "--all", "kb", NULL);
	cr_assert_eq(r.status, 129);
	cmd_result_free(&r);
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	free(before);
	free(app);
}

/* Hostile targets: nothing is run, nothing changes. */
Test(upgrade, refuses_a_bad_graft_ini_at_the_target)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *before, *after;
	struct cmd_result r;

	sh_do(harness_tmp(), "cd kb && printf '[change \"v9\"]\\nmigration = migrate\\n' >> graft.ini && "
	      "git commit -q -am 'unknown ref' && git tag v2.1.0 && "
	      "printf '[change \"x\"]\\nmigration = nowhere\\n' >> graft.ini && "
	      "git commit -q -am 'missing command' && git tag v2.2.0 && "
	      "printf '[bogus\\n' >> graft.ini && "
	      "git commit -q -am malformed && git tag v2.3.0");
	sh_do(app, "git graft fetch kb >/dev/null 2>&1 || true");
	before = full_state(app);
	r = graft(app, "upgrade", "kb", "--to", "v2.1.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "change 'v9' names no commit of kb");
	cmd_result_free(&r);
	r = graft(app, "upgrade", "kb", "--to", "v2.2.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "kb@v2.2.0:graft.ini");
	assert_contains(r.err, "nowhere");
	cmd_result_free(&r);
	r = graft(app, "upgrade", "kb", "--to", "v2.3.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "kb@v2.3.0:graft.ini:");
	cmd_result_free(&r);
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	free(before);
	free(app);
}

/* Migrations that misbehave are undone as well as any other. */
Test(upgrade, undoes_a_migration_that_attacks_git)
{
	char *app = make_app("echo x > .git/graft-was-here && rm .git/index && "
			     "git commit -q --allow-empty -m sneaky\n", "exit 0\n");

	upgrade_fails_unchanged(app, 1, "HEAD moved during the upgrade", NULL);
	free(app);
}

Test(upgrade, rebuilds_an_index_a_migration_deleted)
{
	char *app = make_app("rm .git/index && echo new > src/a.txt\n", VERIFY_FAIL);

	upgrade_fails_unchanged(app, 1, "verification 'check'", NULL);
	free(app);
}

Test(upgrade, kills_what_a_command_leaves_running)
{
	char *app = make_app("(sleep 3 && echo late > src/late.txt) >/dev/null 2>&1 &\n"
			     "echo half > src/a.txt\n", VERIFY_FAIL);
	char *before = full_state(app), *after;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);

	cr_assert_eq(r.status, 1, "%s", r.err);
	sh_do(NULL, "sleep 4");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	free(before);
	cmd_result_free(&r);
	free(app);
}

/* kill -9 at each step: the ref is left, and rollback restores it all. */
static void crash_at(const char *step)
{
	char *app = make_app(MIGRATE_OK "rm notes.txt\n", VERIFY_OK);
	char *before = full_state(app), *after, *env_crash;
	const char *env[2];
	const char *args[] = { "upgrade", "kb", "--to", "v2.0.0", NULL };
	struct cmd_result r;
	size_t len = strlen(step) + 32;

	env_crash = malloc(len);
	snprintf(env_crash, len, "GRAFT_TEST_CRASH_AT=%s", step);
	env[0] = env_crash;
	env[1] = NULL;
	r = graft_env(app, env, args);
	cr_assert_eq(r.status, 128 + 9, "%s: %d %s", step, r.status, r.err);
	cmd_result_free(&r);
	after = sh_ok(app, "git for-each-ref --format='%%(refname)' refs/graft");
	assert_str_eq("refs/graft/snapshots/kb", after, "ref left");
	free(after);

	r = graft(app, "status", NULL);
	assert_contains(r.err, "interrupted upgrade");
	cmd_result_free(&r);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "git graft rollback");
	cmd_result_free(&r);

	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "Restored the state from before the upgrade of kb");
	cmd_result_free(&r);
	after = full_state(app);
	assert_str_eq(before, after, "state after rollback");
	free(after);
	free(before);
	free(env_crash);
	free(app);
}

Test(upgrade, crash_after_snapshot) { crash_at("after-snapshot"); }
Test(upgrade, crash_after_checkout) { crash_at("after-checkout"); }
Test(upgrade, crash_after_lock) { crash_at("after-lock"); }

Test(upgrade, crash_after_commit_keeps_the_upgrade)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *s, *head;
	const char *env[] = { "GRAFT_TEST_CRASH_AT=after-commit", NULL };
	const char *args[] = { "upgrade", "kb", "--to", "v2.0.0", NULL };
	struct cmd_result r = graft_env(app, env, args);

	cr_assert_eq(r.status, 137);
	cmd_result_free(&r);
	head = sh_ok(app, "git rev-parse HEAD");
	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "had been committed");
	cmd_result_free(&r);
	s = sh_ok(app, "git rev-parse HEAD; git for-each-ref refs/graft; "
		  "git log -1 --format=%%s");
	cr_assert(!strncmp(s, head, strlen(head)));
	assert_contains(s, "graft: upgrade kb v1.0.0 -> v2.0.0");
	cr_assert(!strstr(s, "refs/graft"));
	free(s);

	/* the same, cleaned by the next mutation instead */
	sh_do(app, "git reset -q --hard HEAD^ && git -C .graft/kb checkout -q v1.0.0");
	r = graft_env(app, env, args);
	cr_assert_eq(r.status, 137);
	cmd_result_free(&r);
	r = graft(app, "sync", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "was committed before git-graft stopped");
	cmd_result_free(&r);
	s = sh_ok(app, "git for-each-ref refs/graft");
	assert_str_eq("", s, "refs");
	free(s);
	free(head);
	free(app);
}

Test(upgrade, second_upgrade_fails_at_once)
{
	char *app = make_app("touch started && while ! test -f go; do sleep 0.05; done\n"
			     MIGRATE_OK, VERIFY_OK);
	char *q = shq(graft_bin()), *out;

	out = sh_ok(app, "%s upgrade kb --to v2.0.0 >/dev/null 2>&1 & pid=$! && "
		    "while ! test -f started; do sleep 0.05; done && "
		    "%s upgrade kb --to v2.0.0 2>second; echo $?; "
		    "cat second; touch go; wait $pid; echo $?; "
		    "git log -1 --format=%%s; rm -f started go second", q, q);
	assert_contains(out, "128\nfatal:");
	assert_contains(out, "pid");
	assert_contains(out, "\n0\ngraft: upgrade kb v1.0.0 -> v2.0.0");
	free(out);
	free(q);
	free(app);
}

/*
 * Going back fails too (a file the upgrade made cannot be removed): exit
 * 3, the snapshot ref is kept, and `git graft rollback` finishes the job
 * once the cause is gone. chattr +i holds even against root.
 */
Test(upgrade, failed_rollback_keeps_the_snapshot)
{
	char *app = make_app("echo x > stuck.txt && chattr +i stuck.txt\n",
			     VERIFY_FAIL);
	char *before = full_state(app), *after, *probe;
	struct cmd_result r;

	probe = sh_ok(app, "touch probe && chattr +i probe 2>/dev/null && "
		      "chattr -i probe && echo yes; rm -f probe");
	if (strcmp(probe, "yes")) {
		free(probe);
		free(before);
		free(app);
		cr_skip_test("chattr +i is not available here");
	}
	free(probe);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	sh_do(app, "chattr -i stuck.txt 2>/dev/null || true");
	cr_assert_eq(r.status, 3, "status %d: %s", r.status, r.err);
	assert_contains(r.err, "verification 'check' of kb v2.0.0 exited with status 3");
	assert_contains(r.err, "putting the repository back failed");
	assert_contains(r.err, "git graft rollback");
	cmd_result_free(&r);
	after = sh_ok(app, "git for-each-ref --format='%%(refname)' refs/graft/snapshots");
	assert_str_eq("refs/graft/snapshots/kb", after, "ref kept");
	free(after);
	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	after = full_state(app);
	assert_str_eq(before, after, "state after rollback");
	free(after);
	free(before);
	free(app);
}

Test(upgrade, rollback_with_nothing_pending)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK);
	struct cmd_result r = graft(app, "rollback", NULL);

	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "no interrupted upgrade is pending");
	cmd_result_free(&r);
	free(app);
}
