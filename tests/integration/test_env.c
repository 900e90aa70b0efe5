/*
 * env in a [command]: the variables it sets for that command alone, in
 * `run`, in an upgrade's migration and verification, and where `show`,
 * `upgrade --dry-run` and `run -v` spell a command out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(env, .init = harness_setup, .fini = harness_teardown);

/* Shell syntax that would run, or split, if it ever reached a shell as text. */
#define TRICKY "$(touch pwned1) `touch pwned2`; \"q\" 'it''s' $HOME *"

/*
 * kb's graft.ini from v2.0.0 on: the change v2.0.0, whose migration and
 * verification each record what they see of MODE, TRICKY and ONLY_CHECK.
 */
static const char kb_ini[] =
	"[change \"v2.0.0\"]\n"
	"type = breaking\n"
	"migration = migrate\n"
	"verify = check\n"
	"\n"
	"[command \"migrate\"]\n"
	"run = printf '%s|%s|%s\\n' \"${MODE-unset}\" \"${TRICKY-unset}\" "
	"\"${ONLY_CHECK-unset}\" > migrate.out\n"
	"env = MODE=strict\n"
	"  TRICKY=" TRICKY "\n"
	"\n"
	"[command \"check\"]\n"
	"run = printf '%s|%s\\n' \"${MODE-unset}\" \"${ONLY_CHECK-unset}\" > check.out\n"
	"env = ONLY_CHECK=yes\n";

/* The project's own commands. */
static const char app_ini[] =
	"\n"
	"[command \"greet\"]\n"
	"run = printf '%s|%s\\n' \"$GREETING\" \"${TRICKY-unset}\"\n"
	"description = Say hello\n"
	"env = GREETING=hello world\n"
	"  TRICKY=" TRICKY "\n"
	"\n"
	"[command \"plain\"]\n"
	"run = printf '%s\\n' \"${GREETING-unset}\"\n";

/* kb at <tmp>/kb (v1.0.0, then v2.0.0 with kb_ini); app with kb at v1.0.0. */
static char *make_app(void)
{
	char *app = make_repo("app"), *kb = make_repo("kb");
	char *ini = tmp_path("kb/graft.ini"), *own = tmp_path("app/graft.ini");
	char *content;
	struct cmd_result r;

	sh_do(kb, "git tag v1.0.0");
	write_file(ini, kb_ini);
	sh_do(kb, "git add graft.ini && git commit -q -m v2 && git tag v2.0.0");
	r = graft(app, "add", "kb", "../kb#v1.0.0", NULL);
	cr_assert_eq(r.status, 0, "add: %s", r.err);
	cmd_result_free(&r);
	content = read_file(own);
	cr_assert(content);
	content = realloc(content, strlen(content) + sizeof(app_ini));
	strcat(content, app_ini);
	write_file(own, content);
	sh_do(app, "git add -A && git commit -q -m 'kb and commands'");
	free(content);
	free(own);
	free(ini);
	free(kb);
	return app;
}

static void assert_no_pwned(const char *app)
{
	char *out = sh_ok(app, "ls pwned* 2>/dev/null; ls .graft/kb/pwned* 2>/dev/null; true");

	cr_assert_str_eq(out, "", "shell text in a value ran");
	free(out);
}

Test(env, run_sets_it_for_that_command_only)
{
	char *app = make_app(), want[256];
	const char *argv[] = { graft_bin(), "run", "plain", NULL };
	const char *outer[] = { "GREETING=from outside", NULL };
	struct cmd_result r = graft(app, "run", "greet", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want), "hello world|%s\n", TRICKY);
	cr_assert_str_eq(r.out, want, "values reach the command as written");
	cmd_result_free(&r);
	assert_no_pwned(app);

	r = graft(app, "run", "plain", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "unset\n", "another command does not get it");
	cmd_result_free(&r);

	/* the command's own value wins over the caller's; others keep theirs */
	r = run_argv_env(app, argv, outer);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "from outside\n");
	cmd_result_free(&r);
	argv[2] = "greet";
	r = run_argv_env(app, argv, outer);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "hello world|");
	cmd_result_free(&r);
	free(app);
}

Test(env, run_verbose_and_json_show_it)
{
	char *app = make_app(), want[512];
	struct cmd_result r = graft(app, "run", "-v", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want),
		 "Commands of this project (graft.ini):\n"
		 "  greet\n"
		 "    description:  Say hello\n"
		 "    working_dir:  (the project's root)\n"
		 "    timeout:      (none)\n"
		 "    env:          GREETING=hello world\n"
		 "                  TRICKY=%s\n"
		 "    run:\n"
		 "      printf '%%s|%%s\\n' \"$GREETING\" \"${TRICKY-unset}\"\n"
		 "  plain\n"
		 "    description:  (none)\n", TRICKY);
	assert_contains(r.out, want);
	assert_contains(r.out, "  plain\n    description:  (none)\n    working_dir:  "
			"(the project's root)\n    timeout:      (none)\n"
			"    env:          (none)\n");
	cmd_result_free(&r);

	r = graft(app, "run", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "\"env\": {\n        \"GREETING\": \"hello world\",\n"
			"        \"TRICKY\": \"$(touch pwned1)");
	assert_contains(r.out, "\"env\": {}");
	cmd_result_free(&r);

	r = graft(app, "run", "-v", "greet", NULL);
	cr_assert_eq(r.status, 129, "-v is for the listing");
	assert_contains(r.err, "error: --verbose lists the commands; it takes no command name");
	cmd_result_free(&r);
	assert_no_pwned(app);
	free(app);
}

Test(env, an_upgrade_gives_each_command_its_own)
{
	char *app = make_app(), want[256], *out;
	const char *argv[] = { graft_bin(), "upgrade", "kb", "--to", "v2.0.0", NULL };
	const char *outer[] = { "MODE=outer", NULL };
	struct cmd_result r = run_argv_env(app, argv, outer);

	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	snprintf(want, sizeof(want), "strict|%s|unset", TRICKY);
	out = sh_ok(app, "cat migrate.out");
	cr_assert_str_eq(out, want, "the migration's env");
	free(out);
	out = sh_ok(app, "cat check.out");
	cr_assert_str_eq(out, "outer|yes", "the verification has its own, not the migration's");
	free(out);
	assert_no_pwned(app);
	free(app);
}

Test(env, dry_run_and_show_spell_it_out)
{
	char *app = make_app(), want[512], *before, *after;
	struct cmd_result r;

	before = deps_state(app);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--dry-run", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want),
		 "  env:          MODE=strict\n"
		 "                TRICKY=%s\n", TRICKY);
	assert_contains(r.out, want);
	assert_contains(r.out, "  env:          ONLY_CHECK=yes\n");
	cmd_result_free(&r);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--dry-run", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "\"MODE\": \"strict\"");
	assert_contains(r.out, "\"ONLY_CHECK\": \"yes\"");
	cmd_result_free(&r);
	after = deps_state(app);
	assert_str_eq(before, after, "a dry run changes nothing");

	r = graft(app, "show", "kb@v2.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, want);
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v2.0.0", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "\"env\": {\n      \"MODE\": \"strict\",");
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v2.0.0", "--field", "migration.env", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want), "MODE=strict\nTRICKY=%s\n", TRICKY);
	cr_assert_str_eq(r.out, want);
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v2.0.0", "--field", "verify.env", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "ONLY_CHECK=yes\n");
	cmd_result_free(&r);
	assert_no_pwned(app);
	free(after);
	free(before);
	free(app);
}

Test(env, bad_names_and_cut_values_are_refused_with_their_line)
{
	char *app = make_app(), *ini = tmp_path("app/graft.ini"), *before, *after;
	char *kb = tmp_path("kb");
	struct cmd_result r;

	sh_do(app, "printf '[command \"bad\"]\\nrun = true\\nenv = OK=1\\n"
	      "  GRAFT_ROOT=/elsewhere\\n  2X=y\\n"
	      "[command \"cut\"]\\nrun = true\\nenv = A=x ; y\\n' >> graft.ini");
	r = graft(app, "validate", "config", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "error: graft.ini:15: env cannot set 'GRAFT_ROOT': "
			"the GRAFT_* variables are git-graft's to set");
	assert_contains(r.err, "error: graft.ini:16: invalid env variable name '2X'");
	assert_contains(r.err, "error: graft.ini:19: inih reads ' ;' as the start of a "
			"comment, which would cut this 'env' value");
	cmd_result_free(&r);
	r = graft(app, "run", "plain", NULL);
	cr_assert_eq(r.status, 1, "nothing runs on a file that is misread");
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	sh_do(app, "git checkout -q graft.ini");

	/* the target's graft.ini: the upgrade refuses before anything moves */
	sh_do(kb, "printf '  GRAFT_TO_REF=v9\\n' >> graft.ini && git commit -q -a -m bad && "
	      "git tag v3.0.0");
	r = graft(app, "fetch", "-q", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	before = deps_state(app);
	r = graft(app, "upgrade", "kb", "--to", "v3.0.0", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "error: kb@v3.0.0:graft.ini:14: env cannot set 'GRAFT_TO_REF'");
	cmd_result_free(&r);
	after = deps_state(app);
	assert_str_eq(before, after, "a refused upgrade changes nothing");
	free(after);
	free(before);
	free(kb);
	free(ini);
	free(app);
}
