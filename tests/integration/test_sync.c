/* resolve, sync, fetch and apply: moving dependencies to what is locked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(sync, .init = harness_setup, .fini = harness_teardown);

static char *head_of(const char *repo, const char *path)
{
	return sh_ok(repo, "git -C %s rev-parse HEAD", path);
}

/* app with kb at v1.0.0 committed, and a clone of it at <tmp>/mate. */
static char *app_and_mate(char **mate)
{
	char *app = make_app_with_kb("v1.0.0");

	sh_do(app, "git commit -q -m 'add kb'");
	sh_do(harness_tmp(), "git clone -q app mate");
	*mate = tmp_path("mate");
	return app;
}

Test(sync, resolve_clones_what_a_plain_clone_lacks)
{
	char *mate, *app = app_and_mate(&mate), *kb = tmp_path("kb");
	char *v1 = rev(kb, "v1.0.0"), *out, *lock_before, *lock_after;
	struct cmd_result r;

	out = tmp_path("mate/graft.lock");
	lock_before = read_file(out);
	free(out);
	r = graft(mate, "validate", "integrity", NULL);
	cr_assert_eq(r.status, 2, "a missing checkout is an integrity error");
	assert_contains(r.err, ".graft/kb: locked at");
	cmd_result_free(&r);
	r = graft(mate, "resolve", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "kb: cloned at the locked");
	cmd_result_free(&r);
	out = head_of(mate, ".graft/kb");
	cr_assert_str_eq(out, v1);
	free(out);
	out = sh_ok(mate, "git status --porcelain; git submodule status | cut -c1");
	cr_assert_str_eq(out, " ", "nothing to commit, and git agrees it is at the gitlink");
	free(out);
	out = tmp_path("mate/graft.lock");
	lock_after = read_file(out);
	free(out);
	cr_assert_str_eq(lock_after, lock_before, "resolve keeps what is locked");
	free(lock_before);
	free(lock_after);
	free(v1);
	free(kb);
	free(mate);
	free(app);
}

Test(sync, resolve_locks_hand_declared_dependencies)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	char *path = tmp_path("app/graft.ini"), *out, *v2 = rev(kb, "v2.0.0");
	struct cmd_result r;

	write_file(path, "[dependency \"kb\"]\nsource = ../kb\nref = v2.0.0\n");
	r = graft(app, "status", NULL);
	cr_assert_eq(r.status, 0);
	assert_contains(r.err, "warning: kb is declared in graft.ini but not resolved");
	cmd_result_free(&r);
	r = graft(app, "resolve", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "kb: cloned, locked at v2.0.0");
	cmd_result_free(&r);
	out = lock_value(app, "kb", "commit");
	cr_assert_str_eq(out, v2);
	free(out);
	out = sh_ok(app, "git status --porcelain; git config -f .gitmodules submodule.kb.path");
	cr_assert_str_eq(out, "A  .gitmodules\nA  .graft/kb\nA  graft.lock\n?? graft.ini\n.graft/kb");
	free(out);
	r = graft(app, "resolve", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "", "a second resolve has nothing to do");
	cmd_result_free(&r);
	free(v2);
	free(path);
	free(kb);
	free(app);
}

Test(sync, resolve_checks_out_a_deleted_work_tree_and_reports_failures)
{
	char *app = make_app_with_kb("v1.0.0"), *path = tmp_path("app/graft.ini");
	char *out;
	struct cmd_result r;

	sh_do(app, "rm -rf .graft/kb && printf '[dependency \"bad\"]\\nsource = ../missing\\n' >> graft.ini");
	r = graft(app, "resolve", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.out, "kb: checked out at the locked");
	assert_contains(r.err, "error: cannot clone '../missing'");
	cmd_result_free(&r);
	out = sh_ok(app, "cat .graft/kb/README; ls .git/modules; ls -a .graft");
	cr_assert_str_eq(out, "one\nkb\n.\n..\nkb");
	free(out);
	free(path);
	free(app);
}

Test(sync, sync_follows_a_pulled_lock)
{
	char *mate, *app = app_and_mate(&mate), *kb = tmp_path("kb");
	char *v2 = rev(kb, "v2.0.0"), *out, *v1 = rev(kb, "v1.0.0"), *want;
	struct cmd_result r;

	r = graft(mate, "resolve", "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	/* upstream gains a commit only the app fetches */
	dep_commit(kb, "four");
	r = graft(app, "fetch", "-q", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	r = graft(app, "apply", "kb", "--to", "main", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	sh_do(app, "git commit -q -m 'kb to main'");
	sh_do(mate, "git pull -q");

	r = graft(mate, "validate", "integrity", NULL);
	cr_assert_eq(r.status, 2);
	cmd_result_free(&r);
	r = graft(mate, "sync", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	want = malloc(256);
	snprintf(want, 256, "kb: %.7s -> ", v1);
	assert_contains(r.out, want);
	assert_contains(r.out, "(main)");
	cmd_result_free(&r);
	out = head_of(mate, ".graft/kb");
	free(want);
	want = rev(kb, "main");
	cr_assert_str_eq(out, want);
	free(out);
	r = graft(mate, "validate", "integrity", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	out = sh_ok(mate, "git status --porcelain");
	cr_assert_str_eq(out, "");
	free(out);
	free(want);
	free(v1);
	free(v2);
	free(kb);
	free(mate);
	free(app);
}

Test(sync, sync_keeps_local_changes_unless_forced)
{
	char *app = make_app_with_kb("v1.0.0"), *out, *before, *after;
	struct cmd_result r;

	sh_do(app, "git -C .graft/kb checkout -q v2.0.0 && echo mine >> .graft/kb/README");
	before = deps_state(app);
	r = graft(app, "sync", "kb", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: .graft/kb has changes that are not committed");
	cmd_result_free(&r);
	after = deps_state(app);
	cr_assert_str_eq(after, before);
	r = graft(app, "sync", "nope", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: there is no dependency 'nope'\nhint: the declared dependencies are kb\n");
	cmd_result_free(&r);
	r = graft(app, "sync", "--force", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	out = sh_ok(app, "cat .graft/kb/README");
	cr_assert_str_eq(out, "one");
	free(out);
	free(before);
	free(after);
	free(app);
}

/* What fetch must not change: deps_state less the dependency's refs. */
static char *checkout_state(const char *app)
{
	return sh_ok(app, "git status --porcelain --untracked-files=all --ignored; "
		     "git ls-files -s; cat graft.ini graft.lock .gitmodules; "
		     "git -C .graft/kb rev-parse HEAD; git -C .graft/kb status --porcelain");
}

Test(sync, fetch_prints_the_newest_commit_and_changes_nothing_else)
{
	char *app = make_app_with_kb(NULL), *kb = tmp_path("kb"), *before, *after;
	char *newest, *want;
	struct cmd_result r;

	sh_do(app, "git commit -q -m kb");
	dep_commit(kb, "four");
	newest = rev(kb, "main");
	before = checkout_state(app);
	r = graft(app, "fetch", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	want = malloc(128);
	snprintf(want, 128, "kb: main is at %s (locked: ", newest);
	assert_contains(r.out, want);
	cmd_result_free(&r);
	after = checkout_state(app);
	cr_assert_str_eq(after, before);
	free(after);
	after = sh_ok(app, "git -C .graft/kb rev-parse origin/main");
	cr_assert_str_eq(after, newest);
	free(after);

	r = graft(app, "fetch", "other", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: no dependency 'other' is declared in graft.ini");
	cmd_result_free(&r);
	sh_do(app, "printf '[dependency \"later\"]\\nsource = ../kb\\n' >> graft.ini");
	r = graft(app, "fetch", "later", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: later is not cloned");
	assert_contains(r.err, "hint: 'git graft resolve' clones it");
	cmd_result_free(&r);
	free(want);
	free(newest);
	free(before);
	free(kb);
	free(app);
}

Test(sync, apply_moves_and_locks_without_migrating)
{
	char *app = make_app_with_kb("v1.0.0"), *kb = tmp_path("kb");
	char *v2 = rev(kb, "v2.0.0"), *out, *want;
	struct cmd_result r;

	sh_do(app, "git commit -q -m kb");
	r = graft(app, "apply", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "kb: v1.0.0 (");
	assert_contains(r.out, ") -> v2.0.0 (");
	assert_contains(r.err, "warning: 1 change between v1.0.0 and v2.0.0 declares a migration or verification; none was run");
	cmd_result_free(&r);
	out = sh_ok(app, "git status --porcelain; git ls-files -s .graft/kb | cut -d' ' -f2; cat .graft/kb/README");
	want = malloc(256);
	snprintf(want, 256, "M  .graft/kb\nM  graft.lock\n%s\ntwo", v2);
	cr_assert_str_eq(out, want);
	free(out);
	out = lock_value(app, "kb", "ref");
	cr_assert_str_eq(out, "v2.0.0");
	free(out);
	out = lock_value(app, "kb", "commit");
	cr_assert_str_eq(out, v2);
	free(out);
	free(want);
	free(v2);
	free(kb);
	free(app);
}

Test(sync, apply_failures_change_nothing)
{
	char *app = make_app_with_kb("v1.0.0"), *before, *after;
	struct cmd_result r;

	before = deps_state(app);
	r = graft(app, "apply", "kb", "--to", "v9", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: 'v9' is not a branch, tag or commit of kb");
	cmd_result_free(&r);
	r = graft(app, "apply", "kb", NULL);
	cr_assert_eq(r.status, 129);
	cmd_result_free(&r);
	r = graft(app, "apply", "nope", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "no dependency 'nope' is declared");
	cmd_result_free(&r);
	after = deps_state(app);
	cr_assert_str_eq(after, before);
	free(after);
	sh_do(app, "echo mine >> .graft/kb/README");
	free(before);
	before = deps_state(app);
	r = graft(app, "apply", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "has changes that are not committed");
	cmd_result_free(&r);
	after = deps_state(app);
	cr_assert_str_eq(after, before);
	free(after);
	free(before);
	free(app);
}

Test(sync, existing_submodules_named_by_path_are_used_as_they_are)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	char *v1 = rev(kb, "v1.0.0"), *v2 = rev(kb, "v2.0.0"), *out;
	struct cmd_result r;

	sh_do(app, "git submodule add -q ../kb .graft/kb 2>&1 && git -C .graft/kb checkout -q v1.0.0 && "
	      "git add .graft/kb && printf '[dependency \"kb\"]\\nsource = ../kb\\nref = main\\n' > graft.ini && "
	      "printf '[dependency \"kb\"]\\nsource = ../kb\\nref = v1.0.0\\ncommit = %s\\n"
	      "consumed_at = 2026-01-31T10:30:00Z\\n' > graft.lock && git add -A && git commit -q -m mine",
	      v1);
	r = graft(app, "validate", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cmd_result_free(&r);
	r = graft(app, "status", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "kb: v1.0.0 at ");
	assert_contains(r.out, "2 commits and 1 declared change ahead");
	cr_assert_str_eq(r.err, "");
	cmd_result_free(&r);
	r = graft(app, "apply", "kb", "--to", "v2.0.0", "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	out = sh_ok(app, "git submodule status | cut -c2-41");
	cr_assert_str_eq(out, v2);
	free(out);
	r = graft(app, "remove", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	out = sh_ok(app, "git status --porcelain; test -e .git/modules || echo gone; "
		    "test -e .gitmodules || echo gone");
	/* the submodule named ".graft/kb" is gone with its repository */
	cr_assert_str_eq(out, "D  .gitmodules\nD  .graft/kb\nD  graft.ini\nD  graft.lock\ngone\ngone");
	free(out);
	free(v1);
	free(v2);
	free(kb);
	free(app);
}

/*
 * A name that is no dependency: every command says which ones graft.ini
 * declares (git's hint line), or that it declares none.
 */
Test(sync, an_unknown_name_gets_the_declared_ones)
{
	char *app = make_app_with_kb("v1.0.0"), *empty = make_repo("empty");
	static const char *const commands[][4] = {
		{ "fetch", "nope", NULL },
		{ "upgrade", "nope", NULL },
		{ "apply", "nope", "--to", "v2.0.0" },
		{ "changes", "nope", NULL },
		{ "show", "nope@v2.0.0", NULL },
		{ "status", "nope", NULL },
		{ "sync", "nope", NULL },
		{ "remove", "nope", NULL },
	};
	struct cmd_result r;
	size_t i;

	sh_do(app, "printf '[dependency \"other\"]\\nsource = ../kb\\n' >> graft.ini");
	for (i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		const char *argv[6] = { graft_bin() };

		memcpy(argv + 1, commands[i], sizeof(commands[i]));
		r = run_argv(app, argv);
		cr_assert_eq(r.status, 1, "%s: %d %s", commands[i][0], r.status, r.err);
		assert_contains(r.err, "'nope'");
		assert_contains(r.err, "\nhint: the declared dependencies are kb, other\n");
		cmd_result_free(&r);
		r = run_argv(empty, argv);
		cr_assert_eq(r.status, 1, "%s: %d %s", commands[i][0], r.status, r.err);
		assert_contains(r.err, "\nhint: graft.ini declares no dependencies\n");
		cmd_result_free(&r);
	}
	/* declared but not locked is another matter */
	r = graft(app, "sync", "other", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: dependency 'other' is not in graft.lock\n"
			"hint: 'git graft resolve' locks the dependencies graft.ini declares\n");
	cmd_result_free(&r);
	free(empty);
	free(app);
}

/* app with kb at v1.0.0, committed. */
static char *locked_app(void)
{
	char *app = make_app_with_kb("v1.0.0");

	sh_do(app, "git commit -q -m 'add kb'");
	return app;
}

Test(sync, sync_clones_what_is_locked_but_not_cloned)
{
	char *app = locked_app(), *kb = tmp_path("kb"), *mate, *out, *v1;
	char want[128];
	struct cmd_result r;

	sh_do(harness_tmp(), "git clone -q app mate");
	mate = tmp_path("mate");
	v1 = rev(kb, "v1.0.0");
	r = graft(mate, "sync", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want), "kb: cloned at the locked %.7s (v1.0.0)\n"
		 "1 dependency at its locked commit\n", v1);
	cr_assert_str_eq(r.out, want);
	cmd_result_free(&r);
	out = sh_ok(mate, "git -C .graft/kb rev-parse HEAD");
	cr_assert_str_eq(out, v1);
	free(out);
	/* as `git submodule update --init` leaves it: git agrees, nothing to commit */
	out = sh_ok(mate, "git status --porcelain; git submodule status | cut -c1; "
		    "git config submodule.kb.active");
	cr_assert_str_eq(out, " \ntrue");
	free(out);
	r = graft(mate, "validate", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);

	/* a second sync has nothing to do, and says so without x -> x */
	r = graft(mate, "sync", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "1 dependency at its locked commit\n");
	cmd_result_free(&r);

	/* a work tree deleted, its repository kept: checked out again */
	sh_do(mate, "rm -rf .graft/kb");
	r = graft(mate, "sync", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want), "kb: checked out at the locked %.7s (v1.0.0)\n"
		 "1 dependency at its locked commit\n", v1);
	cr_assert_str_eq(r.out, want);
	cmd_result_free(&r);
	r = graft(mate, "sync", "-q", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	free(v1);
	free(mate);
	free(kb);
	free(app);
}

Test(sync, sync_fails_with_nothing_to_sync_to)
{
	char *app = locked_app(), *before, *after;
	struct cmd_result r;

	sh_do(app, "rm graft.lock");
	before = deps_state(app);
	r = graft(app, "sync", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	assert_contains(r.err, "error: there is no graft.lock, but graft.ini declares 1 "
			"dependency: there is nothing to sync it to\n"
			"hint: 'git graft resolve' locks what graft.ini declares; "
			"'git checkout graft.lock' brings a deleted one back\n");
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	after = deps_state(app);
	assert_str_eq(before, after, "a refused sync changes nothing");
	free(after);
	free(before);

	/* one declared but not locked, next to one that is: a warning */
	sh_do(app, "git checkout -q graft.lock && "
	      "printf '[dependency \"extra\"]\\nsource = ../kb\\n' >> graft.ini");
	r = graft(app, "sync", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: extra is declared in graft.ini but not locked; "
			"'git graft resolve' locks it\n");
	cmd_result_free(&r);

	/* without dependencies there is nothing to do, and that is no failure */
	sh_do(app, "git rm -q -r --cached .graft/kb graft.lock && rm -rf graft.lock .graft && "
	      "printf '[command \"test\"]\\nrun = true\\n' > graft.ini");
	r = graft(app, "sync", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "0 dependencies at their locked commits\n");
	cmd_result_free(&r);
	free(app);
}
