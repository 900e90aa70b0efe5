/* `git graft add`: a real submodule, locked and staged, or nothing at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(add, .init = harness_setup, .fini = harness_teardown);

Test(add, a_branch_after_hash_is_declared_as_the_ref_to_follow)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	char *path = tmp_path("app/graft.ini"), *content, *out;
	struct cmd_result r;

	sh_do(kb, "git branch stable v1.0.0");
	r = graft(app, "add", "kb", "../kb#stable", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	content = read_file(path);
	cr_assert_str_eq(content, "[dependency \"kb\"]\nsource = ../kb\nref = stable\n");
	out = lock_value(app, "kb", "ref");
	cr_assert_str_eq(out, "stable");
	free(out);
	free(content);
	free(path);
	free(app);
	free(kb);
}

Test(add, clones_checks_out_locks_and_stages)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	char *v1 = rev(kb, "v1.0.0"), *out, *path, *content;
	struct cmd_result r = graft(app, "add", "kb", "../kb#v1.0.0", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "Added kb at .graft/kb: v1.0.0");
	cmd_result_free(&r);

	path = tmp_path("app/graft.ini");
	content = read_file(path);
	/* a tag is where kb starts, not what "latest" means: no ref declared */
	cr_assert_str_eq(content, "[dependency \"kb\"]\nsource = ../kb\n");
	free(content);
	free(path);
	out = lock_value(app, "kb", "commit");
	cr_assert_str_eq(out, v1);
	free(out);
	out = lock_value(app, "kb", "ref");
	cr_assert_str_eq(out, "v1.0.0");
	free(out);
	out = lock_value(app, "kb", "source");
	cr_assert_str_eq(out, "../kb");
	free(out);

	out = sh_ok(app, "git config -f .gitmodules --get-regexp '^submodule\\.'");
	cr_assert_str_eq(out, "submodule.kb.path .graft/kb\nsubmodule.kb.url ../kb");
	free(out);
	out = sh_ok(app, "git ls-files -s");
	content = malloc(strlen(v1) + 64);
	sprintf(content, "160000 %s 0\t.graft/kb", v1);
	assert_contains(out, content);
	assert_contains(out, "\t.gitmodules");
	assert_contains(out, "\tgraft.ini");
	assert_contains(out, "\tgraft.lock");
	free(content);
	free(out);
	out = sh_ok(app, "git status --porcelain");
	cr_assert_str_eq(out, "A  .gitmodules\nA  .graft/kb\nA  graft.ini\nA  graft.lock",
			 "everything is staged, nothing else changed");
	free(out);

	out = sh_ok(app, "cat .graft/kb/.git; git config -f .git/modules/kb/config core.worktree; "
		    "git -C .git/modules/kb rev-parse --is-bare-repository; "
		    "cat .graft/kb/README; git -C .graft/kb rev-parse HEAD; "
		    "git -C .graft/kb symbolic-ref -q HEAD || echo detached; "
		    "git config submodule.kb.url; git config submodule.kb.active");
	content = malloc(512);
	snprintf(content, 512, "gitdir: ../../.git/modules/kb\n../../../.graft/kb\nfalse\none\n%s\ndetached\n%s\ntrue",
		 v1, kb);
	cr_assert_str_eq(out, content);
	free(content);
	free(out);
	free(v1);
	free(app);
	free(kb);
}

Test(add, default_branch_and_user_file_kept)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	char *main_id = rev(kb, "main"), *out, *path = tmp_path("app/graft.ini");
	const char *mine = "# my project\n[command \"test\"]\nrun = make test\n; end\n";
	struct cmd_result r;

	write_file(path, mine);
	r = graft(app, "add", "kb", "../kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	out = read_file(path);
	cr_assert_str_eq(out, "# my project\n[command \"test\"]\nrun = make test\n; end\n"
			 "\n[dependency \"kb\"]\nsource = ../kb\n",
			 "the user's file is kept, no ref is written for the default");
	free(out);
	out = lock_value(app, "kb", "ref");
	cr_assert_str_eq(out, "main");
	free(out);
	out = lock_value(app, "kb", "commit");
	cr_assert_str_eq(out, main_id);
	free(out);
	r = graft(app, "validate", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cmd_result_free(&r);
	free(main_id);
	free(path);
	free(app);
	free(kb);
}

Test(add, plain_git_sees_the_same_submodule)
{
	char *app = make_app_with_kb("v2.0.0"), *kb = tmp_path("kb");
	char *v2 = rev(kb, "v2.0.0"), *out, *want;
	struct cmd_result r;

	sh_do(app, "git commit -q -m 'add kb'");
	out = sh_ok(app, "git submodule status");
	want = malloc(256);
	snprintf(want, 256, " %s .graft/kb (v2.0.0)", v2);
	cr_assert_str_eq(out, want);
	free(out);
	sh_do(harness_tmp(), "git clone -q --recurse-submodules app copy 2>&1");
	out = sh_ok(harness_tmp(), "git -C copy/.graft/kb rev-parse HEAD; "
		    "grep '^commit = ' copy/graft.lock | cut -c10-; "
		    "git -C copy submodule status");
	snprintf(want, 256, "%s\n%s\n %s .graft/kb (v2.0.0)", v2, v2, v2);
	cr_assert_str_eq(out, want);
	free(out);
	free(want);
	want = tmp_path("copy");
	r = graft(want, "validate", "integrity", NULL);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	cmd_result_free(&r);
	free(want);
	free(v2);
	free(kb);
	free(app);
}

/* Run add, expect it to fail with message, and the repository untouched. */
static void expect_refused(const char *app, const char *name, const char *source,
			   int status, const char *message)
{
	char *before = deps_state(app), *after;
	struct cmd_result r = graft(app, "add", "--", name, source, NULL);

	cr_assert_eq(r.status, status, "add %s %s: %d\n%s", name, source,
		     r.status, r.err);
	assert_contains(r.err, message);
	after = deps_state(app);
	cr_assert_str_eq(after, before, "add %s %s left something behind", name,
			 source);
	cmd_result_free(&r);
	free(before);
	free(after);
}

Test(add, failures_leave_nothing_behind)
{
	char *app = make_app_with_kb(NULL), *kb = tmp_path("kb");

	sh_do(app, "git commit -q -m kb && printf '# keep me\\n' >> graft.ini");
	expect_refused(app, "Bad/name", "../kb", 1,
		       "error: invalid dependency name 'Bad/name'");
	expect_refused(app, "kb", "../kb", 1, "error: dependency 'kb' already exists (graft.ini:1)");
	expect_refused(app, "other", "../nowhere", 1,
		       "error: cannot clone '../nowhere': ");
	expect_refused(app, "other", "../kb#no-such-tag", 1,
		       "error: '../kb' has no branch, tag or commit 'no-such-tag'");
	expect_refused(app, "other", "https://127.0.0.1:9/none.git", 1,
		       "error: cannot clone 'https://127.0.0.1:9/none.git'");
	expect_refused(app, "other", "--upload-pack=touch x", 1,
		       "must not start with '-'");
	expect_refused(app, "other", "ext::sh -c touch% x", 1,
		       "remote-helper transports");
	expect_refused(app, "other", "../kb#bad..ref", 1, "invalid ref 'bad..ref'");
	expect_refused(app, "other", "../kb #comment", 1,
		       "cannot be written to graft.ini");
	expect_refused(app, "other", "../kb#", 1, "nothing after '#'");
	/* after the clone and the registration, when graft.lock is written */
	sh_do(app, "chmod a-w graft.lock");
	expect_refused(app, "other", "../kb", 1,
		       "graft.lock': the file is read-only");
	sh_do(app, "chmod u+w graft.lock");
	free(kb);
	free(app);
}

Test(add, refuses_an_occupied_path_and_a_pending_upgrade)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");

	sh_do(app, "mkdir -p .graft/kb && echo mine > .graft/kb/file");
	expect_refused(app, "kb", "../kb", 1, "error: .graft/kb already exists");
	sh_do(app, "rm -r .graft && mkdir -p .git/modules/kb");
	expect_refused(app, "kb", "../kb", 1, "modules/kb already exists");
	sh_do(app, "rm -r .git/modules && git update-ref refs/graft/snapshots/kb HEAD");
	expect_refused(app, "kb", "../kb", 1, "an interrupted upgrade of 'kb' is pending");
	free(kb);
	free(app);
}

Test(add, no_resolve_only_declares)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb"), *out;
	struct cmd_result r = graft(app, "add", "--no-resolve", "kb", "../kb#v1.0.0", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	out = sh_ok(app, "git status --porcelain; ls -a .graft .git/modules 2>&1 | grep -c 'No such' || true");
	cr_assert_str_eq(out, "A  graft.ini\n2");
	free(out);
	r = graft(app, "resolve", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "kb: cloned, locked at v1.0.0");
	cmd_result_free(&r);
	out = sh_ok(app, "git status --porcelain");
	cr_assert_str_eq(out, "A  .gitmodules\nA  .graft/kb\nA  graft.ini\nA  graft.lock");
	free(out);
	free(kb);
	free(app);
}

Test(add, from_a_subdirectory_sources_are_relative_to_the_top)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb"), *sub, *out;
	struct cmd_result r;

	sh_do(app, "mkdir -p src/lib");
	sub = tmp_path("app/src/lib");
	r = graft(sub, "add", "kb", "../kb#v1.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	out = sh_ok(app, "cat .graft/kb/README; git submodule status | cut -c43-");
	cr_assert_str_eq(out, "one\n.graft/kb (v1.0.0)");
	free(out);
	free(sub);
	free(kb);
	free(app);
}

Test(add, in_a_linked_worktree_as_git_does)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb"), *wt, *out, *v1;
	struct cmd_result r;

	sh_do(app, "git worktree add -q ../wt");
	wt = tmp_path("wt");
	r = graft(wt, "add", "kb", "../kb#v1.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	v1 = rev(kb, "v1.0.0");
	out = sh_ok(wt, "cat .graft/kb/.git; echo; git submodule status | cut -c2-41; "
		    "test -d ../app/.git/modules && echo shared || echo own");
	assert_contains(out, "worktrees/wt/modules/kb");
	assert_contains(out, v1);
	assert_contains(out, "own");
	free(out);
	free(v1);
	free(wt);
	free(kb);
	free(app);
}

Test(add, refuses_to_build_on_an_invalid_graft_ini)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	char *path = tmp_path("app/graft.ini");

	write_file(path, "[dependency \"a\"]\nsource = ../a\nbogus = 1\n");
	expect_refused(app, "kb", "../kb", 1, "error: graft.ini:3: unknown key 'bogus'");
	free(path);
	free(kb);
	free(app);
}

Test(add, progress_on_a_terminal_only)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	char *bin = shq(graft_bin()), *out;
	struct cmd_result r = graft(app, "add", "kb", "../kb", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(!strstr(r.err, "objects"), "progress without a terminal: %s", r.err);
	cmd_result_free(&r);
	r = sh(NULL, "command -v script");
	if (r.status)
		cr_skip_test("script(1) is needed to run on a terminal");
	cmd_result_free(&r);
	out = sh_ok(app, "script -qec \"%s add two file://%s\" /dev/null", bin, kb);
	assert_contains(out, "Receiving objects: 100% (");
	assert_contains(out, "Added two at .graft/two");
	free(out);
	out = sh_ok(app, "script -qec \"%s add -q three file://%s\" /dev/null", bin, kb);
	cr_assert(!strstr(out, "objects") && !strstr(out, "Added"),
		  "--quiet shows progress or a report: %s", out);
	free(out);
	free(bin);
	free(kb);
	free(app);
}
