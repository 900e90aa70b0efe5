#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "error.h"
#include "lib/harness.h"
#include "ops/cmdenv.h"

TestSuite(cmdenv, .init = harness_setup, .fini = harness_teardown);

static struct graft_command command_in(const char *working_dir)
{
	struct graft_command c;

	memset(&c, 0, sizeof(c));
	c.name = "gen";
	c.run = "true";
	c.working_dir = (char *)working_dir;
	return c;
}

/* cmdenv_dir fails; its message holds what. */
static void expect_refused(const char *root, const char *working_dir,
			   const char *what)
{
	struct graft_command c = command_in(working_dir);
	char *dir = NULL;

	cr_assert_eq(cmdenv_dir(&dir, root, &c, "'gen'"), GRAFT_EFAIL,
		     "%s accepted", working_dir);
	cr_assert_null(dir);
	cr_assert(strstr(graft_error_message(), what), "%s", graft_error_message());
	graft_error_clear();
}

Test(cmdenv, the_directory_is_the_root_or_inside_it)
{
	char *root = tmp_path("w/"), *dir = NULL, *want;
	struct graft_command top = command_in(NULL), sub = command_in("src/x");

	sh_do(NULL, "mkdir -p w/src/x w/real && ln -s real w/inside");
	cr_assert_eq(cmdenv_dir(&dir, root, &top, "'gen'"), 0);
	want = tmp_path("w");
	cr_assert_str_eq(dir, want, "the root, without its '/'");
	free(dir);
	free(want);

	cr_assert_eq(cmdenv_dir(&dir, root, &sub, "'gen'"), 0);
	want = tmp_path("w/src/x");
	cr_assert_str_eq(dir, want);
	free(dir);
	free(want);

	sub = command_in("inside");
	cr_assert_eq(cmdenv_dir(&dir, root, &sub, "'gen'"), 0,
		     "a link within the tree is fine");
	want = tmp_path("w/real");
	cr_assert_str_eq(dir, want);
	free(dir);
	free(want);
	free(root);
}

Test(cmdenv, a_directory_outside_missing_or_a_file_is_refused)
{
	char *root = tmp_path("w");

	sh_do(NULL, "mkdir -p w/src wx && touch w/file && ln -s .. w/up && "
	      "ln -s ../wx w/sibling && ln -s /tmp w/abs");
	expect_refused(root, "missing", "its working_dir 'missing' does not exist");
	expect_refused(root, "file", "its working_dir 'file' is not a directory");
	expect_refused(root, "up", "its working_dir 'up' leads out of the work tree");
	expect_refused(root, "up/w/src/../..", "leads out of the work tree");
	expect_refused(root, "sibling", "leads out of the work tree");
	expect_refused(root, "abs", "leads out of the work tree");
	free(root);
}

static const char *item(const struct cmdenv *env, const char *name)
{
	const char *const *it;
	size_t len = strlen(name);

	for (it = cmdenv_items(env); *it; it++)
		if (!strncmp(*it, name, len) && ((*it)[len] == '=' || !(*it)[len]))
			return *it;
	return NULL;
}

Test(cmdenv, sets_the_context_and_unsets_the_rest)
{
	struct cmdenv env = CMDENV_INIT;

	cmdenv_init(&env, NULL, "/w/app/", NULL, NULL);
	cr_assert_str_eq(item(&env, "GRAFT_ROOT"), "GRAFT_ROOT=/w/app");
	cr_assert_str_eq(item(&env, "GRAFT_DEP_NAME"), "GRAFT_DEP_NAME",
			 "a project command has no dependency");
	cr_assert_str_eq(item(&env, "GRAFT_DEP_PATH"), "GRAFT_DEP_PATH");
	cr_assert_str_eq(item(&env, "GRAFT_TO_REF"), "GRAFT_TO_REF");
	cmdenv_release(&env);

	cmdenv_init(&env, NULL, "/w/app", "kb", "/w/app/.graft/kb");
	cr_assert_str_eq(item(&env, "GRAFT_DEP_NAME"), "GRAFT_DEP_NAME=kb");
	cr_assert_str_eq(item(&env, "GRAFT_DEP_PATH"),
			 "GRAFT_DEP_PATH=/w/app/.graft/kb");
	cmdenv_set(&env, "GRAFT_TO_REF", "v2 ; $(x)");
	cmdenv_set(&env, "GRAFT_TO_REF", "v3");
	cmdenv_set(&env, "GRAFT_DEP_NAME", NULL);
	cr_assert_str_eq(item(&env, "GRAFT_TO_REF"), "GRAFT_TO_REF=v3",
			 "set again, replaced");
	cr_assert_str_eq(item(&env, "GRAFT_DEP_NAME"), "GRAFT_DEP_NAME");
	cr_assert_eq(env.nr, 8, "one entry a variable");
	cr_assert_null(cmdenv_items(&env)[env.nr]);
	cmdenv_release(&env);
}

Test(cmdenv, a_commands_env_is_set_with_the_context)
{
	struct graft_env_var vars[] = {
		{ "MODE", "strict", 3 }, { "EMPTY", "", 4 },
	};
	struct graft_command c;
	struct cmdenv env = CMDENV_INIT;

	memset(&c, 0, sizeof(c));
	c.env = vars;
	c.env_nr = 2;
	cmdenv_init(&env, &c, "/w/app", "kb", "/w/app/.graft/kb");
	cr_assert_str_eq(item(&env, "MODE"), "MODE=strict");
	cr_assert_str_eq(item(&env, "EMPTY"), "EMPTY=", "set, to nothing");
	cr_assert_str_eq(item(&env, "GRAFT_DEP_NAME"), "GRAFT_DEP_NAME=kb");
	cr_assert_eq(env.nr, 10, "the command's two, then git-graft's eight");
	cmdenv_release(&env);
}
