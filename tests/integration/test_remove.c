/* `git graft remove`: the exact inverse of add. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(remove, .init = harness_setup, .fini = harness_teardown);

Test(remove, undoes_add_completely)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	char *before, *after;
	struct cmd_result r;

	before = deps_state(app);
	r = graft(app, "add", "kb", "../kb#v1.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	r = graft(app, "remove", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "Removed kb"), "%s", r.out);
	cmd_result_free(&r);
	after = deps_state(app);
	cr_assert_str_eq(after, before);
	free(before);
	free(after);
	free(kb);
	free(app);
}

Test(remove, committed_dependency_is_staged_for_removal)
{
	char *app = make_app_with_kb(NULL), *out, *ini;
	struct cmd_result r;

	ini = tmp_path("app/graft.ini");
	sh_do(app, "printf '[command \"t\"]\\nrun = true\\n' >> graft.ini && "
	      "git add graft.ini && git commit -q -m kb");
	r = graft(app, "remove", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	out = sh_ok(app, "git status --porcelain");
	cr_assert_str_eq(out, "D  .gitmodules\nD  .graft/kb\nM  graft.ini\nD  graft.lock");
	free(out);
	out = read_file(ini);
	cr_assert_str_eq(out, "[command \"t\"]\nrun = true\n");
	free(out);
	free(ini);
	free(app);
}

Test(remove, keep_files_leaves_the_checkout)
{
	char *app = make_app_with_kb(NULL), *out;
	struct cmd_result r = graft(app, "remove", "--keep-files", "kb", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "its files stay in .graft/kb"), "%s", r.out);
	cmd_result_free(&r);
	out = sh_ok(app, "cat .graft/kb/README; git -C .graft/kb rev-parse --git-dir | sed 's|.*/\\.git/|.git/|'; "
		    "git ls-files .graft .gitmodules graft.lock | wc -l");
	cr_assert_str_eq(out, "three\n.git/modules/kb\n0");
	free(out);
	free(app);
}

Test(remove, refuses_to_delete_work_that_exists_nowhere_else)
{
	char *app = make_app_with_kb(NULL), *before, *after;
	struct cmd_result r;

	sh_do(app, "echo local >> .graft/kb/README");
	before = deps_state(app);
	r = graft(app, "remove", "kb", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "error: .graft/kb has changes that are not committed"), "%s", r.err);
	cr_assert(strstr(r.err, "--force"), "%s", r.err);
	cmd_result_free(&r);
	after = deps_state(app);
	cr_assert_str_eq(after, before);
	free(after);

	sh_do(app, "cd .graft/kb && git commit -q -a -m mine");
	r = graft(app, "remove", "kb", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "has commits that its source does not have"), "%s", r.err);
	cmd_result_free(&r);

	r = graft(app, "remove", "--force", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	free(before);
	before = tmp_path("app/.graft/kb");
	cr_assert(!file_exists(before));
	free(before);
	free(app);
}

Test(remove, unknown_name)
{
	char *app = make_repo("app");
	struct cmd_result r = graft(app, "remove", "nothing", NULL);

	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "error: there is no dependency 'nothing'"), "%s", r.err);
	cmd_result_free(&r);
	r = graft(app, "remove", NULL);
	cr_assert_eq(r.status, 129);
	cmd_result_free(&r);
	free(app);
}
