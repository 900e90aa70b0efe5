/*
 * `git graft rollback <name>` with no interrupted upgrade pending: a new
 * commit undoing the newest committed upgrade, and `rollback --list`.
 *
 * Most upgrades here are made the way `git graft upgrade` makes them,
 * with the git CLI: the dependency moved, its graft.lock entry
 * rewritten, files edited as a migration would, one commit with the
 * trailers. That gives each test the history it needs; one round trip
 * goes through the real upgrade.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/fixtures_core.h"
#include "lib/fixtures_deps.h"
#include "lib/fixtures_upgrade.h"
#include "lib/harness.h"

TestSuite(rollback, .init = harness_setup, .fini = harness_teardown);

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/*
 * The consumer at <tmp>/app: app.js, old.txt and README committed, kb
 * (v1.0.0, v2.0.0, v3.0.0) and other (v1.0.0, v2.0.0) added at v1.0.0
 * and committed.
 */
static char *make_consumer(void)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	char *other = make_dep_repo("other");
	struct cmd_result r;

	sh_do(kb, "git tag v3.0.0 main");
	sh_do(app, "echo 'getUserData()' > app.js && echo old > old.txt && "
	      "git add -A && git commit -q -m app");
	r = graft(app, "add", "kb", "../kb#v1.0.0", NULL);
	cr_assert_eq(r.status, 0, "add kb: %s", r.err);
	cmd_result_free(&r);
	r = graft(app, "add", "other", "../other#v1.0.0", NULL);
	cr_assert_eq(r.status, 0, "add other: %s", r.err);
	cmd_result_free(&r);
	sh_do(app, "git commit -q -m 'add kb and other'");
	free(kb);
	free(other);
	return app;
}

/*
 * An upgrade commit of dep to the tag to, with the files edit changes
 * (a shell script, or NULL), as `git graft upgrade` makes it. Returns
 * its id (caller frees).
 */
static char *commit_upgrade(const char *app, const char *dep, const char *to,
			    const char *edit)
{
	static int nth;
	char *from_ref = lock_value(app, dep, "ref");
	char *from = lock_value(app, dep, "commit");

	nth++;
	sh_do(app,
	      "git -C .graft/%s checkout -q %s && to=$(git -C .graft/%s rev-parse HEAD) && "
	      "awk -v sec='[dependency \"%s\"]' -v ref=%s -v commit=\"$to\" "
	      "-v at=2026-02-%02dT10:00:00Z "
	      "'$0 == sec { s = 1 } /^\\[/ && $0 != sec { s = 0 } "
	      "s && $1 == \"ref\" { $0 = \"ref = \" ref } "
	      "s && $1 == \"commit\" { $0 = \"commit = \" commit } "
	      "s && $1 == \"consumed_at\" { $0 = \"consumed_at = \" at } "
	      "{ print }' graft.lock > graft.lock.new && mv graft.lock.new graft.lock && "
	      "{ %s; } && git add -A && git commit -q -F - <<EOF\n"
	      "graft: upgrade %s %s -> %s\n\n"
	      "Graft-Dependency: %s\nGraft-Action: upgrade\n"
	      "Graft-From: %s %s\nGraft-To: %s $to\n"
	      "EOF",
	      dep, to, dep, dep, to, nth, edit ? edit : "true",
	      dep, from_ref, to, dep, from_ref, from, to);
	free(from_ref);
	free(from);
	return sh_ok(app, "git rev-parse HEAD");
}

#define MIGRATE "sed -i s/getUserData/fetchUserData/ app.js && " \
		"echo new > created.txt && rm old.txt"

/* The dependency's checkout: the commit it is at. */
static char *dep_head(const char *app, const char *dep)
{
	return sh_ok(app, "git -C .graft/%s rev-parse HEAD", dep);
}

/* The whole state, the dependencies' checkouts and graft's refs too. */
static char *consumer_state(const char *app)
{
	char *state = repo_state(app);
	char *extra = sh_ok(app, "git -C .graft/kb rev-parse HEAD; "
			    "git -C .graft/other rev-parse HEAD; "
			    "git for-each-ref refs/graft/snapshots; ls .git/graft 2>/dev/null; "
			    "cat graft.lock; git rev-parse HEAD");
	char *all = format("%s\n%s", state, extra);

	free(state);
	free(extra);
	return all;
}

static void assert_refused(const char *app, const char *const *args,
			   const char *message)
{
	char *before = consumer_state(app), *after;
	const char *argv[8];
	struct cmd_result r;
	size_t i = 0;

	argv[i++] = graft_bin();
	while (*args && i < 7)
		argv[i++] = *args++;
	argv[i] = NULL;
	r = run_argv(app, argv);
	cr_assert_eq(r.status, 1, "status %d: %s", r.status, r.err);
	assert_contains(r.err, message);
	cr_assert_str_empty(r.out);
	after = consumer_state(app);
	assert_str_eq(before, after, "state");
	cmd_result_free(&r);
	free(after);
	free(before);
}

Test(rollback, one_upgrade)
{
	char *app = make_consumer(), *kb = tmp_path("kb");
	char *v1 = rev(kb, "v1.0.0"), *v2 = rev(kb, "v2.0.0");
	char *before = sh_ok(app, "git rev-parse HEAD"), *lock_before;
	char *path = tmp_path("app/graft.lock"), *up, *s, *expect, *head;
	struct cmd_result r;

	lock_before = read_file(path);
	up = commit_upgrade(app, "kb", "v2.0.0", MIGRATE);
	sh_do(app, "echo mine > notes.txt");

	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	head = sh_ok(app, "git rev-parse HEAD");
	expect = format("kb: v2.0.0 (%.7s) -> v1.0.0 (%.7s), reverting %.7s, committed as %.7s\n",
			v2, v1, up, head);
	assert_str_eq(expect, r.out, "output");
	cr_assert_str_empty(r.err);
	cmd_result_free(&r);
	free(expect);

	/* a new commit on top, with the tree from before the upgrade */
	s = sh_ok(app, "git rev-parse HEAD^");
	assert_str_eq(up, s, "parent");
	free(s);
	s = sh_ok(app, "git rev-parse HEAD^{tree}");
	expect = sh_ok(app, "git rev-parse %s^{tree}", before);
	assert_str_eq(expect, s, "tree");
	free(expect);
	free(s);
	s = sh_ok(app, "git log -1 --format=%%B");
	expect = format("graft: rollback kb v2.0.0 -> v1.0.0\n\n"
			"Graft-Dependency: kb\nGraft-Action: rollback\n"
			"Graft-From: v2.0.0 %s\nGraft-To: v1.0.0 %s\n"
			"Graft-Reverts: %s\n", v2, v1, up);
	assert_str_eq(expect, s, "message");
	free(expect);
	free(s);
	s = sh_ok(app, "git reflog -1 --format=%%gs main");
	assert_str_eq("commit: graft: rollback kb v2.0.0 -> v1.0.0", s, "reflog");
	free(s);

	/* the work tree, index, lock and checkout follow */
	s = sh_ok(app, "git status --porcelain");
	assert_str_eq("?? notes.txt", s, "status");
	free(s);
	s = read_file(path);
	assert_str_eq(lock_before, s, "graft.lock");
	free(s);
	s = sh_ok(app, "cat app.js old.txt; test ! -e created.txt && echo gone");
	assert_str_eq("getUserData()\nold\ngone", s, "migrated files");
	free(s);
	s = sh_ok(app, "git ls-files -s .graft/kb");
	expect = format("160000 %s 0\t.graft/kb", v1);
	assert_str_eq(expect, s, "gitlink");
	free(expect);
	free(s);
	s = dep_head(app, "kb");
	assert_str_eq(v1, s, "kb's checkout");
	free(s);
	s = sh_ok(app, "git for-each-ref refs/graft; cat notes.txt");
	assert_str_eq("mine", s, "no snapshot left, untracked file kept");
	free(s);
	r = graft(app, "validate", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cmd_result_free(&r);

	free(head);
	free(up);
	free(lock_before);
	free(path);
	free(before);
	free(v1);
	free(v2);
	free(kb);
	free(app);
}

Test(rollback, only_the_named_dependency)
{
	char *app = make_consumer(), *kb = tmp_path("kb"), *other = tmp_path("other");
	char *kb1 = rev(kb, "v1.0.0"), *other2 = rev(other, "v2.0.0");
	char *up_kb, *up_other, *s, *at_kb, *at_other;

	at_kb = lock_value(app, "kb", "consumed_at");
	up_kb = commit_upgrade(app, "kb", "v2.0.0", MIGRATE);
	up_other = commit_upgrade(app, "other", "v2.0.0", "echo other >> README");
	at_other = lock_value(app, "other", "consumed_at");

	s = sh_ok(app, "%s rollback -q kb && git status --porcelain", graft_bin());
	assert_str_eq("", s, "quiet, and nothing left uncommitted");
	free(s);

	/* kb's entry as before its upgrade */
	s = lock_value(app, "kb", "commit");
	assert_str_eq(kb1, s, "kb's commit");
	free(s);
	s = lock_value(app, "kb", "ref");
	assert_str_eq("v1.0.0", s, "kb's ref");
	free(s);
	s = lock_value(app, "kb", "consumed_at");
	assert_str_eq(at_kb, s, "kb's consumed_at");
	free(s);
	/* other's as its later upgrade left it */
	s = lock_value(app, "other", "commit");
	assert_str_eq(other2, s, "other's commit");
	free(s);
	s = lock_value(app, "other", "ref");
	assert_str_eq("v2.0.0", s, "other's ref");
	free(s);
	s = lock_value(app, "other", "consumed_at");
	assert_str_eq(at_other, s, "other's consumed_at");
	free(s);
	s = dep_head(app, "other");
	assert_str_eq(other2, s, "other's checkout");
	free(s);
	s = sh_ok(app, "git ls-files -s .graft/other | cut -d' ' -f2");
	assert_str_eq(other2, s, "other's gitlink");
	free(s);
	s = sh_ok(app, "git diff --name-only HEAD^ HEAD");
	assert_str_eq(".graft/kb\napp.js\ncreated.txt\ngraft.lock\nold.txt", s,
		      "what the rollback changed");
	free(s);
	s = sh_ok(app, "grep -c other README");
	assert_str_eq("1", s, "other's migration kept");
	free(s);

	free(up_kb);
	free(up_other);
	free(at_kb);
	free(at_other);
	free(kb1);
	free(other2);
	free(kb);
	free(other);
	free(app);
}

Test(rollback, after_unrelated_commits)
{
	char *app = make_consumer(), *kb = tmp_path("kb"), *kb1 = rev(kb, "v1.0.0");
	char *up, *s;
	struct cmd_result r;

	up = commit_upgrade(app, "kb", "v2.0.0", MIGRATE);
	sh_do(app, "echo more >> README && mkdir -p src && echo x > src/x.c && "
	      "git add -A && git commit -q -m work && "
	      "git commit -q --allow-empty -m nothing");
	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	s = sh_ok(app, "git status --porcelain; tail -1 README; cat src/x.c app.js");
	assert_str_eq("more\nx\ngetUserData()", s, "later work kept, upgrade undone");
	free(s);
	s = dep_head(app, "kb");
	assert_str_eq(kb1, s, "kb's checkout");
	free(s);
	s = sh_ok(app, "git log -1 --format='%%(trailers:key=Graft-Reverts,valueonly)' | head -1");
	assert_str_eq(up, s, "reverts");
	free(s);
	free(up);
	free(kb1);
	free(kb);
	free(app);
}

Test(rollback, refused_when_later_commits_changed_the_same_paths)
{
	char *app = make_consumer(), *up, *s;
	static const char *const args[] = { "rollback", "kb", NULL };
	struct cmd_result r;

	up = commit_upgrade(app, "kb", "v2.0.0", MIGRATE);
	sh_do(app, "echo 'fetchUserData(1)' > app.js && git commit -q -am edit");
	assert_refused(app, args, "app.js");
	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 1);
	s = format("hint: to undo it anyway, merge by hand with 'git revert %.7s'", up);
	assert_contains(r.err, s);
	assert_contains(r.err, "commits after the upgrade of kb");
	cr_assert_null(strstr(r.err, "graft.lock"), "%s", r.err);
	cmd_result_free(&r);
	free(s);

	/* kb's own lock entry and gitlink moved on since: they conflict too */
	sh_do(app, "git reset -q --hard HEAD^");
	r = graft(app, "apply", "kb", "--to", "v3.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	sh_do(app, "git commit -q -m 'kb by hand'");
	assert_refused(app, args, "\n\t.graft/kb\n\tgraft.lock");
	free(up);
	free(app);
}

Test(rollback, twice_undoes_the_upgrade_before)
{
	char *app = make_consumer(), *kb = tmp_path("kb");
	char *v1 = rev(kb, "v1.0.0"), *v2 = rev(kb, "v2.0.0");
	char *up1, *up2, *s, *expect;
	struct cmd_result r;

	up1 = commit_upgrade(app, "kb", "v2.0.0", MIGRATE);
	up2 = commit_upgrade(app, "kb", "v3.0.0", "echo three > three.txt");

	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "kb: v3.0.0 (");
	expect = format("reverting %.7s", up2);
	assert_contains(r.out, expect);
	free(expect);
	cmd_result_free(&r);
	s = dep_head(app, "kb");
	assert_str_eq(v2, s, "back at v2.0.0");
	free(s);

	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	expect = format("kb: v2.0.0 (%.7s) -> v1.0.0 (%.7s), reverting %.7s",
			v2, v1, up1);
	assert_contains(r.out, expect);
	free(expect);
	cmd_result_free(&r);
	s = sh_ok(app, "git status --porcelain; cat app.js old.txt; ls");
	assert_str_eq("getUserData()\nold\nREADME\napp.js\ngraft.ini\ngraft.lock\nold.txt",
		      s, "back at the start");
	free(s);
	s = dep_head(app, "kb");
	assert_str_eq(v1, s, "back at v1.0.0");
	free(s);
	s = sh_ok(app, "%s log kb", graft_bin());
	assert_contains(s, "rollback kb v2.0.0 -> v1.0.0");
	assert_contains(s, "rollback kb v3.0.0 -> v2.0.0");
	free(s);

	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: there is no committed upgrade of kb to roll back");
	cmd_result_free(&r);
	free(up1);
	free(up2);
	free(v1);
	free(v2);
	free(kb);
	free(app);
}

Test(rollback, list_and_json)
{
	char *app = make_consumer(), *kb = tmp_path("kb"), *other = tmp_path("other");
	char *kb1 = rev(kb, "v1.0.0"), *kb2 = rev(kb, "v2.0.0");
	char *kb3 = rev(kb, "v3.0.0"), *other1 = rev(other, "v1.0.0");
	char *other2 = rev(other, "v2.0.0");
	char *up1, *up2, *up3, *expect;
	struct cmd_result r;

	r = graft(app, "rollback", "--list", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_str_eq("Nothing to roll back.\n", r.out, "empty list");
	cmd_result_free(&r);

	up1 = commit_upgrade(app, "kb", "v2.0.0", NULL);
	up2 = commit_upgrade(app, "other", "v2.0.0", NULL);
	up3 = commit_upgrade(app, "kb", "v3.0.0", NULL);
	/* undone: the list goes on with the upgrade before it */
	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);

	r = graft(app, "rollback", "--list", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	expect = format("Committed upgrades, newest first ('git graft rollback <name>' undoes the newest one of <name>):\n"
			"  %.7s 2005-04-07 other v1.0.0 -> v2.0.0  (next)\n"
			"  %.7s 2005-04-07 kb v1.0.0 -> v2.0.0  (next)\n",
			up2, up1);
	assert_str_eq(expect, r.out, "--list");
	cmd_result_free(&r);
	free(expect);

	r = graft(app, "rollback", "--list", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	expect = format("{\n"
			"  \"pending\": [],\n"
			"  \"committed\": [\n"
			"    {\n"
			"      \"dependency\": \"other\",\n"
			"      \"commit\": \"%s\",\n"
			"      \"date\": \"2005-04-07T15:13:13-07:00\",\n"
			"      \"from\": {\n"
			"        \"ref\": \"v1.0.0\",\n"
			"        \"commit\": \"%s\"\n"
			"      },\n"
			"      \"to\": {\n"
			"        \"ref\": \"v2.0.0\",\n"
			"        \"commit\": \"%s\"\n"
			"      },\n"
			"      \"commits\": 1\n"
			"    },\n"
			"    {\n"
			"      \"dependency\": \"kb\",\n"
			"      \"commit\": \"%s\",\n"
			"      \"date\": \"2005-04-07T15:13:13-07:00\",\n"
			"      \"from\": {\n"
			"        \"ref\": \"v1.0.0\",\n"
			"        \"commit\": \"%s\"\n"
			"      },\n"
			"      \"to\": {\n"
			"        \"ref\": \"v2.0.0\",\n"
			"        \"commit\": \"%s\"\n"
			"      },\n"
			"      \"commits\": 1\n"
			"    }\n"
			"  ]\n"
			"}\n", up2, other1, other2, up1, kb1, kb2);
	assert_str_eq(expect, r.out, "--list --json");
	cmd_result_free(&r);
	free(expect);

	/* one dependency's */
	r = graft(app, "rollback", "--list", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_null(strstr(r.out, "other"), "%s", r.out);
	assert_contains(r.out, " kb v1.0.0 -> v2.0.0  (next)\n");
	cmd_result_free(&r);

	r = graft(app, "rollback", "--json", NULL);
	cr_assert_eq(r.status, 129);
	assert_contains(r.err, "--json goes with --list");
	cmd_result_free(&r);

	free(up1);
	free(up2);
	free(up3);
	free(kb1);
	free(kb2);
	free(kb3);
	free(other1);
	free(other2);
	free(kb);
	free(other);
	free(app);
}

static struct cmd_result rollback_crashing_at(const char *app, const char *step)
{
	char *env_crash = format("GRAFT_TEST_CRASH_AT=%s", step);
	const char *env[] = { env_crash, NULL };
	const char *argv[] = { graft_bin(), "rollback", "kb", NULL };
	struct cmd_result r = run_argv_env(app, argv, env);

	free(env_crash);
	return r;
}

/* Killed half-way: pending, listed, and `git graft rollback` restores it. */
Test(rollback, crash_half_way_is_pending_and_restored)
{
	char *app = make_consumer(), *kb = tmp_path("kb");
	char *kb1 = rev(kb, "v1.0.0"), *kb2 = rev(kb, "v2.0.0");
	char *up, *before, *after, *expect;
	struct cmd_result r;

	up = commit_upgrade(app, "kb", "v2.0.0", MIGRATE);
	sh_do(app, "echo mine > notes.txt");
	before = consumer_state(app);
	r = rollback_crashing_at(app, "undo-after-files");
	cr_assert_eq(r.status, 128 + 9, "%d %s", r.status, r.err);
	cmd_result_free(&r);

	r = graft(app, "rollback", "--list", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	expect = format("  \"pending\": [\n"
			"    {\n"
			"      \"dependency\": \"kb\",\n"
			"      \"from\": {\n"
			"        \"ref\": \"v2.0.0\",\n"
			"        \"commit\": \"%s\"\n"
			"      },\n"
			"      \"to\": {\n"
			"        \"ref\": \"v1.0.0\",\n"
			"        \"commit\": \"%s\"\n"
			"      },\n"
			"      \"ref\": \"refs/graft/snapshots/kb\",\n"
			"      \"running\": null,\n"
			"      \"stopped\": false,\n"
			"      \"elsewhere\": false,\n"
			"      \"worktree\": null\n"
			"    }\n"
			"  ],\n", kb2, kb1);
	assert_contains(r.out, expect);
	cmd_result_free(&r);
	free(expect);
	r = graft(app, "rollback", "--list", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "Interrupted upgrades ('git graft rollback <name>' restores the state from before them):\n"
			"  kb v2.0.0 -> v1.0.0 (refs/graft/snapshots/kb)\n");
	cmd_result_free(&r);

	/* nothing else changes meanwhile, not even another rollback */
	r = graft(app, "rollback", "other", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "git graft rollback");
	cmd_result_free(&r);

	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "Restored the state from before the upgrade of kb");
	cmd_result_free(&r);
	after = consumer_state(app);
	assert_str_eq(before, after, "state");

	free(after);
	free(before);
	free(up);
	free(kb1);
	free(kb2);
	free(kb);
	free(app);
}

/* Killed after the commit: the rollback stands, only the ref goes. */
Test(rollback, crash_after_commit_keeps_the_rollback)
{
	char *app = make_consumer(), *up, *head, *s, *expect;
	struct cmd_result r;

	up = commit_upgrade(app, "kb", "v2.0.0", MIGRATE);
	r = rollback_crashing_at(app, "undo-after-commit");
	cr_assert_eq(r.status, 128 + 9, "%d %s", r.status, r.err);
	cmd_result_free(&r);
	head = sh_ok(app, "git rev-parse HEAD");
	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "had been committed");
	cmd_result_free(&r);
	s = sh_ok(app, "git rev-parse HEAD; git for-each-ref refs/graft; "
		  "git status --porcelain; git log -1 --format=%%s");
	expect = format("%s\ngraft: rollback kb v2.0.0 -> v1.0.0", head);
	assert_str_eq(expect, s, "after");
	free(expect);
	free(s);
	free(head);
	free(up);
	free(app);
}

/* A failure after the snapshot puts everything back. */
Test(rollback, failure_puts_everything_back)
{
	char *app = make_consumer(), *up, *before, *after, *s, *lock;
	struct cmd_result r;
	int held;

	up = commit_upgrade(app, "kb", "v2.0.0", MIGRATE);
	sh_do(app, "echo mine > notes.txt");
	before = consumer_state(app);
	/*
	 * the branch cannot move: git's own lock on it is taken, and held
	 * open, as a git at work holds it (one nothing holds is stale)
	 */
	lock = format("%s/.git/refs/heads/main.lock", app);
	held = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	cr_assert(held >= 0, "%s: %s", lock, strerror(errno));
	r = graft(app, "rollback", "kb", NULL);
	close(held);
	cr_assert_eq(r.status, 1, "%d %s", r.status, r.err);
	assert_contains(r.err, "error: cannot commit the rollback");
	assert_contains(r.err, "hint: everything is back as it was before the rollback of kb");
	cmd_result_free(&r);
	cr_assert_eq(unlink(lock), 0, "%s: %s", lock, strerror(errno));
	free(lock);
	after = consumer_state(app);
	assert_str_eq(before, after, "state");
	s = sh_ok(app, "cat app.js");
	assert_str_eq("fetchUserData()", s, "still upgraded");
	free(s);
	free(after);
	free(before);
	free(up);
	free(app);
}

Test(rollback, refused_over_local_changes)
{
	char *app = make_consumer(), *up;
	static const char *const args[] = { "rollback", "kb", NULL };

	up = commit_upgrade(app, "kb", "v2.0.0", MIGRATE);

	sh_do(app, "echo more >> README");
	assert_refused(app, args, "uncommitted changes");
	sh_do(app, "git add README");
	assert_refused(app, args, "\n\tM  README");
	sh_do(app, "git reset -q --hard");

	/* in the way of a file the rollback puts back */
	sh_do(app, "echo mine > old.txt");
	assert_refused(app, args, "untracked files would be overwritten by the rollback:\n\told.txt");
	sh_do(app, "rm old.txt");

	sh_do(app, "echo dirty >> .graft/kb/README");
	assert_refused(app, args, ".graft/kb has changes of its own");
	sh_do(app, "git -C .graft/kb checkout -q -- README");

	sh_do(app, "git -C .graft/kb checkout -q v1.0.0");
	assert_refused(app, args, ".graft/kb is not checked out at its locked commit");
	sh_do(app, "git -C .graft/kb checkout -q v2.0.0");

	/* an ignored file in the way counts too */
	sh_do(app, "echo old.txt > .git/info/exclude && echo mine > old.txt");
	assert_refused(app, args, "\told.txt");
	sh_do(app, "rm old.txt");

	/* an untracked file too large for the snapshot */
	sh_do(app, "git config graft.snapshotMaxFileSize 1k && "
	      "head -c 4096 /dev/zero > big.bin");
	assert_refused(app, args, "the untracked file 'big.bin' is too large to snapshot");
	free(up);
	free(app);
}

Test(rollback, nothing_to_undo)
{
	char *app = make_consumer();
	struct cmd_result r;

	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 1);
	assert_str_eq("error: there is no committed upgrade of kb to roll back\n"
		      "hint: 'git graft log kb' shows its upgrades and rollbacks\n",
		      r.err, "error");
	cmd_result_free(&r);

	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: no interrupted upgrade is pending");
	assert_contains(r.err, "hint: 'git graft rollback <name>' undoes the newest committed upgrade of <name>");
	cmd_result_free(&r);

	/* another dependency's upgrade is not kb's */
	free(commit_upgrade(app, "other", "v2.0.0", NULL));
	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "no committed upgrade of kb");
	cmd_result_free(&r);

	r = graft(app, "rollback", "../x", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "invalid dependency name");
	cmd_result_free(&r);
	free(app);
}

/* The real upgrade, then its rollback: everything as before the upgrade. */
Test(rollback, round_trip_through_a_real_upgrade)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK);
	char *files = worktree_state(app), *after;
	char *index = sh_ok(app, "git ls-files -s; cat graft.lock; git -C .graft/kb rev-parse HEAD");
	char *tree = sh_ok(app, "git rev-parse HEAD^{tree}");
	struct cmd_result r;

	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 0, "upgrade: %s", r.err);
	cmd_result_free(&r);
	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 0, "rollback: %s", r.err);
	assert_contains(r.out, "kb: v2.0.0 (");
	cmd_result_free(&r);

	after = worktree_state(app);
	assert_str_eq(files, after, "files");
	free(after);
	after = sh_ok(app, "git ls-files -s; cat graft.lock; git -C .graft/kb rev-parse HEAD");
	assert_str_eq(index, after, "index, lock and checkout");
	free(after);
	after = sh_ok(app, "git rev-parse HEAD^{tree}");
	assert_str_eq(tree, after, "tree");
	free(after);
	after = sh_ok(app, "git status --porcelain; git log --format=%%s -3");
	assert_str_eq("?? notes.txt\n"
		      "graft: rollback kb v2.0.0 -> v1.0.0\n"
		      "graft: upgrade kb v1.0.0 -> v2.0.0\n"
		      "add kb", after, "history");
	free(after);
	free(tree);
	free(index);
	free(files);
	free(app);
}
