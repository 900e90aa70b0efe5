/* `git graft log`: upgrades and rollbacks read back from commit trailers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_upgrade.h"
#include "lib/harness.h"

TestSuite(log, .init = harness_setup, .fini = harness_teardown);

#define A "0123456789abcdef0123456789abcdef01234567"
#define B "89abcdef0123456789abcdef0123456789abcdef"

/* A commit whose message is what git-graft writes for an upgrade. */
static void graft_commit(const char *repo, const char *action, const char *dep,
			 const char *from, const char *to, const char *extra)
{
	sh_do(repo, "git commit -q --allow-empty -F - <<'EOF'\n"
	      "graft: %s %s %s -> %s\n\n"
	      "Graft-Dependency: %s\nGraft-Action: %s\n"
	      "Graft-From: %s " A "\nGraft-To: %s " B "\n%s"
	      "EOF", action, dep, from, to, dep, action, from, to, extra);
}

static void history(const char *repo)
{
	graft_commit(repo, "upgrade", "meta-kb", "v1.0.0", "v1.5.0", "");
	sh_do(repo, "git commit -q --allow-empty -m 'unrelated work'");
	graft_commit(repo, "upgrade", "other", "v1", "v2", "");
	graft_commit(repo, "rollback", "meta-kb", "v1.5.0", "v1.0.0",
		     "Graft-Reverts: " A "\n");
}

Test(log, lists_upgrades_and_rollbacks_newest_first)
{
	char *repo = make_repo("repo");
	struct cmd_result r;
	const char *second, *third;

	history(repo);
	r = graft(repo, "log", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "rollback meta-kb v1.5.0 -> v1.0.0 (reverts 0123456)"), "%s", r.out);
	second = strstr(r.out, "upgrade  other v1 -> v2");
	third = strstr(r.out, "upgrade  meta-kb v1.0.0 -> v1.5.0");
	cr_assert(second && third && second < third, "order wrong:\n%s", r.out);
	cr_assert_null(strstr(r.out, "unrelated"));
	cr_assert(strstr(r.out, "2005-04-07"), "date missing: %s", r.out);
	cmd_result_free(&r);
	free(repo);
}

Test(log, filters_by_dependency_and_count)
{
	char *repo = make_repo("repo");
	struct cmd_result r;

	history(repo);
	r = graft(repo, "log", "meta-kb", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert_null(strstr(r.out, "other"), "%s", r.out);
	cr_assert(strstr(r.out, "upgrade  meta-kb"));
	cmd_result_free(&r);

	r = graft(repo, "log", "-n", "1", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "rollback"));
	cr_assert_null(strstr(r.out, "upgrade"), "%s", r.out);
	cmd_result_free(&r);

	r = graft(repo, "log", "../x", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "invalid dependency name"), "%s", r.err);
	cmd_result_free(&r);
	free(repo);
}

Test(log, json_fields)
{
	char *repo = make_repo("repo");
	char *head, *expect;
	struct cmd_result r;

	history(repo);
	head = sh_ok(repo, "git rev-parse HEAD");
	r = graft(repo, "log", "--json", "-n", "1", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	expect = malloc(strlen(head) + 32);
	sprintf(expect, "\"commit\": \"%s\"", head);
	cr_assert(strstr(r.out, expect), "%s", r.out);
	cr_assert(strstr(r.out, "\"date\": \"2005-04-07T15:13:13-07:00\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"action\": \"rollback\""));
	cr_assert(strstr(r.out, "\"dependency\": \"meta-kb\""));
	cr_assert(strstr(r.out, "\"from\": {\n      \"ref\": \"v1.5.0\",\n      \"commit\": \"" A "\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"to\": {\n      \"ref\": \"v1.0.0\",\n      \"commit\": \"" B "\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"reverts\": \"" A "\""));
	cmd_result_free(&r);
	free(expect);
	free(head);
	free(repo);
}

Test(log, only_first_parent_history_and_empty_repos)
{
	char *repo = make_repo("repo");
	char *empty = tmp_path("empty");
	char *q = shq(empty);
	struct cmd_result r;

	sh_do(repo, "git checkout -q -b side");
	graft_commit(repo, "upgrade", "side-dep", "v1", "v2", "");
	sh_do(repo, "git checkout -q main && git commit -q --allow-empty -m m && "
	      "git merge -q --no-ff -m merge side");
	r = graft(repo, "log", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "", "a merged side branch's upgrade was listed: %s", r.out);
	cmd_result_free(&r);

	sh_do(NULL, "git init -q %s", q);
	r = graft(empty, "log", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "[]\n");
	cmd_result_free(&r);
	free(q);
	free(empty);
	free(repo);
}

/*
 * --skip-migration and --skip-verify: a warning for each command left out
 * while the upgrade runs, and a Graft-Skipped trailer for it in the
 * commit, which log shows.
 */
Test(log, skipped_commands_are_warned_about_and_recorded)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *msg, *out;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0",
				    "--skip-migration", "--skip-verify", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: kb v2.0.0: its migration 'migrate' is skipped "
			"(--skip-migration)\n");
	assert_contains(r.err, "warning: kb v2.0.0: its verification 'check' is skipped "
			"(--skip-verify)\n");
	cmd_result_free(&r);
	out = sh_ok(app, "cat src/a.txt; test -e made.txt || echo 'not made'");
	cr_assert_str_eq(out, "old\nnot made", "the migration did not run");
	free(out);
	msg = sh_ok(app, "git log -1 --format=%%B");
	assert_contains(msg, "\nGraft-Action: upgrade\n");
	assert_contains(msg, "\nGraft-Skipped: migration v2.0.0\nGraft-Skipped: verify v2.0.0");
	free(msg);

	r = graft(app, "log", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "upgrade  kb v1.0.0 -> v2.0.0 (skipped: migration v2.0.0, "
			"verify v2.0.0)\n");
	cmd_result_free(&r);
	r = graft(app, "log", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "\"skipped\": [\n      {\n        \"command\": \"migration\",\n"
			"        \"change\": \"v2.0.0\"\n      },\n      {\n"
			"        \"command\": \"verify\",\n");
	cmd_result_free(&r);

	/* one that skipped the verification alone records that alone */
	r = graft(app, "rollback", "-q", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--skip-verify", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.err, "'migrate' is skipped"), "%s", r.err);
	assert_contains(r.err, "'check' is skipped");
	cmd_result_free(&r);
	r = graft(app, "log", "--json", "-n", "2", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "\"skipped\": [\n      {\n        \"command\": \"verify\"");
	assert_contains(r.out, "\"action\": \"rollback\"");
	assert_contains(r.out, "\"skipped\": []");
	cmd_result_free(&r);
	msg = sh_ok(app, "git log -1 --format=%%B");
	cr_assert_null(strstr(msg, "Graft-Skipped: migration"), "%s", msg);
	free(msg);
	free(app);
}
