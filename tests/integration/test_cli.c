/* The command skeleton: dispatch, usage, help, version, colour. */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

TestSuite(cli, .init = harness_setup, .fini = harness_teardown);

Test(cli, version_names_both_versions)
{
	struct cmd_result r = graft(NULL, "--version", NULL);

	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "git-graft version "), "%s", r.out);
	cr_assert(strstr(r.out, "libgit2 1."), "%s", r.out);
	cmd_result_free(&r);
}

Test(cli, dash_h_lists_commands_on_stdout)
{
	struct cmd_result r = graft(NULL, "-h", NULL);

	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "usage: git graft"));
	cr_assert(strstr(r.out, "upgrade"));
	cr_assert(strstr(r.out, "rollback"));
	cr_assert_str_eq(r.err, "");
	cmd_result_free(&r);
}

Test(cli, help_command_prints_a_commands_usage)
{
	struct cmd_result r = graft(NULL, "help", "validate", NULL);

	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "usage: git graft validate"), "%s", r.out);
	cr_assert(strstr(r.out, "--json"));
	cmd_result_free(&r);

	/* as git's own commands: the usage on stdout, and 129 */
	r = graft(NULL, "validate", "-h", NULL);
	cr_assert_eq(r.status, 129);
	cr_assert(strstr(r.out, "usage: git graft validate"));
	cmd_result_free(&r);

	r = graft(NULL, "help", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "commands:"));
	cmd_result_free(&r);
}

Test(cli, unknown_command_is_a_usage_error_with_a_suggestion)
{
	struct cmd_result r = graft(NULL, "stauts", NULL);

	cr_assert_eq(r.status, 129);
	cr_assert(strstr(r.err, "error: 'stauts' is not a git-graft command"), "%s", r.err);
	cr_assert(strstr(r.err, "hint: did you mean 'status'?"), "%s", r.err);
	cr_assert(strstr(r.err, "upgrade"), "the list of commands is missing");
	cmd_result_free(&r);

	r = graft(NULL, "zzzzzzzz", NULL);
	cr_assert_eq(r.status, 129);
	cr_assert_null(strstr(r.err, "did you mean"));
	cmd_result_free(&r);

	r = graft(NULL, "help", "upgarde", NULL);
	cr_assert_eq(r.status, 129);
	cr_assert(strstr(r.err, "did you mean 'upgrade'"), "%s", r.err);
	cmd_result_free(&r);
}

Test(cli, no_command_and_bad_options_are_usage_errors)
{
	char *repo = make_repo("repo");
	struct cmd_result r = graft(NULL, NULL);

	cr_assert_eq(r.status, 129);
	cr_assert(strstr(r.err, "usage: git graft"));
	cmd_result_free(&r);

	r = graft(repo, "validate", "--bogus", NULL);
	cr_assert_eq(r.status, 129);
	cr_assert(strstr(r.err, "error: unknown option '--bogus'"), "%s", r.err);
	cr_assert(strstr(r.err, "usage: git graft validate"));
	cmd_result_free(&r);

	r = graft(repo, "validate", "everything", NULL);
	cr_assert_eq(r.status, 129);
	cr_assert(strstr(r.err, "unknown check 'everything'"), "%s", r.err);
	cmd_result_free(&r);

	r = graft(repo, "init", "extra", NULL);
	cr_assert_eq(r.status, 129);
	cmd_result_free(&r);

	r = graft(NULL, "--frobnicate", NULL);
	cr_assert_eq(r.status, 129);
	cmd_result_free(&r);
	free(repo);
}

Test(cli, control_characters_in_arguments_are_not_echoed)
{
	struct cmd_result r = graft(NULL, "evil\033]0;pwned\007", NULL);

	cr_assert_eq(r.status, 129);
	cr_assert_null(strchr(r.err, '\033'), "escape reached the terminal");
	cr_assert(strstr(r.err, "evil?]0;pwned?"), "%s", r.err);
	cmd_result_free(&r);
}

Test(cli, colour_follows_options_config_and_no_color)
{
	char *repo = make_repo("repo");
	struct cmd_result r;
	const char *argv_always[] = { graft_bin(), "--color=always", "nope", NULL };
	const char *argv_cmd[] = { graft_bin(), "validate", "--color", "--bogus", NULL };
	const char *no_color[] = { "NO_COLOR=1", NULL };
	const char *ui_always[] = { "GIT_CONFIG_PARAMETERS='color.ui'='always'", NULL };

	/* not a terminal: no colour by default */
	r = graft(repo, "nope", NULL);
	cr_assert_null(strchr(r.err, '\033'));
	cmd_result_free(&r);

	r = run_argv(repo, argv_always);
	cr_assert(strstr(r.err, "\033["), "--color=always gave no colour");
	cmd_result_free(&r);

	r = run_argv_env(repo, argv_always, no_color);
	cr_assert(strstr(r.err, "\033["), "--color=always must win over NO_COLOR");
	cmd_result_free(&r);

	r = run_argv(repo, argv_cmd);
	cr_assert(strstr(r.err, "\033["), "a command's --color gave no colour");
	cmd_result_free(&r);

	/* git -c color.ui=always reaches us as GIT_CONFIG_PARAMETERS */
	{
		const char *argv[] = { graft_bin(), "validate", "--bogus", NULL };

		r = run_argv_env(repo, argv, ui_always);
		cr_assert(strstr(r.err, "\033["), "color.ui=always from git -c ignored");
		cmd_result_free(&r);
	}

	/* repository config, once the repository is open */
	sh_do(repo, "git config color.ui always && printf '[x]\\n' > graft.ini");
	{
		const char *argv[] = { graft_bin(), "validate", NULL };
		const char *argv_no[] = { graft_bin(), "validate", "--no-color", NULL };

		r = run_argv(repo, argv);
		cr_assert_eq(r.status, 1);
		cr_assert(strstr(r.err, "\033["), "color.ui=always in config ignored");
		cmd_result_free(&r);
		r = run_argv(repo, argv_no);
		cr_assert_null(strchr(r.err, '\033'), "--no-color must win over config");
		cmd_result_free(&r);
	}
	/* the user's global config, before any repository is opened */
	sh_do(NULL, "git config --global color.ui always");
	r = graft(NULL, "nope", NULL);
	cr_assert(strstr(r.err, "\033["), "global color.ui=always ignored");
	cmd_result_free(&r);
	free(repo);
}

/* --color before the command and after it: one parser, one outcome */
Test(cli, colour_options_mean_the_same_before_and_after_the_command)
{
	const char *bad = "error: option '--color' expects always, never or auto, not 'bogus'\n";
	struct cmd_result before = graft(NULL, "--color=bogus", "help", NULL);
	struct cmd_result after = graft(NULL, "help", "--color=bogus", NULL);

	cr_assert_eq(before.status, 129);
	cr_assert_eq(after.status, 129);
	cr_assert(!strncmp(before.err, bad, strlen(bad)), "%s", before.err);
	cr_assert(!strncmp(after.err, bad, strlen(bad)), "%s", after.err);
	cr_assert(strstr(before.err, "usage: git graft [--version]"), "%s",
		  before.err);
	cr_assert(strstr(after.err, "usage: git graft help"), "%s", after.err);
	cmd_result_free(&before);
	cmd_result_free(&after);

	/* deciding colour again keeps what the user's config says of hints */
	sh_do(NULL, "git config --global advice.graftHints false");
	before = graft(NULL, "--no-color", "help", "upgarde", NULL);
	after = graft(NULL, "help", "--no-color", "upgarde", NULL);
	cr_assert_eq(before.status, 129);
	cr_assert_eq(after.status, 129);
	cr_assert_null(strstr(before.err, "hint:"), "%s", before.err);
	cr_assert_null(strstr(after.err, "hint:"), "%s", after.err);
	cmd_result_free(&before);
	cmd_result_free(&after);
}

Test(cli, init_quiet_prints_nothing)
{
	char *repo = make_repo("repo");
	struct cmd_result r = graft(repo, "init", "-q", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_empty(r.out);
	cr_assert_str_empty(r.err);
	cmd_result_free(&r);
	free(repo);
}

/*
 * On a terminal (script(1) gives the command one), colour is automatic
 * unless TERM=dumb or NO_COLOR says otherwise; color.graft wins over
 * color.ui.
 */
Test(cli, colour_on_a_terminal_follows_term_no_color_and_color_graft)
{
	static const struct {
		const char *env;
		int coloured;
	} cases[] = {
		{ "TERM=xterm", 1 },
		{ "TERM=dumb", 0 },
		{ "TERM=xterm NO_COLOR=1", 0 },
		{ "TERM=xterm NO_COLOR=1 GIT_CONFIG_PARAMETERS=\"'color.ui'='always'\"", 1 },
		{ "TERM=xterm GIT_CONFIG_PARAMETERS=\"'color.ui'='always' 'color.graft'='never'\"", 0 },
		{ "TERM=dumb GIT_CONFIG_PARAMETERS=\"'color.ui'='never' 'color.graft'='always'\"", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct cmd_result r = sh(NULL, "%s script -qec \"'%s' nope\" /dev/null",
					 cases[i].env, graft_bin());

		cr_expect_eq(r.status, 129, "%s: %s", cases[i].env, r.out);
		cr_expect_eq(strstr(r.out, "\033[") != NULL, cases[i].coloured,
			     "%s: %s", cases[i].env, r.out);
		cmd_result_free(&r);
	}
}
