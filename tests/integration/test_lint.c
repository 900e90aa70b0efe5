/*
 * git graft lint, run in a dependency's own repository: a correct
 * graft.ini, and each kind of mistake, named with graft.ini:line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

TestSuite(lint, .init = harness_setup, .fini = harness_teardown);

#define GOOD_INI \
	"[metadata]\n"                          /* 1 */ \
	"name = kb\n"                           /* 2 */ \
	"\n"                                    /* 3 */ \
	"[change \"v2.0.0\"]\n"                 /* 4 */ \
	"type = breaking\n"                     /* 5 */ \
	"migration = migrate-v2\n"              /* 6 */ \
	"verify = check-v2\n"                   /* 7 */ \
	"\n"                                    /* 8 */ \
	"[change \"v3.0.0\"]\n"                 /* 9 */ \
	"type = feature\n"                      /* 10 */ \
	"\n"                                    /* 11 */ \
	"[command \"migrate-v2\"]\n"            /* 12 */ \
	"run = case \"$x\" in\n"                /* 13 */ \
	"    a) echo a;;\n"                     /* 14 */ \
	"  esac\n"                              /* 15 */ \
	"  ; an INI comment after the script\n" /* 16 */ \
	"\n"                                    /* 17 */ \
	"[command \"check-v2\"]\n"              /* 18 */ \
	"run = true\n"                          /* 19 */

/*
 * The repository of a dependency at <tmp>/kb: v1.0.0, v2.0.0, v3.0.0 in
 * a line, each tagged, with graft.ini holding ini in the work tree.
 */
static char *make_dep(const char *ini)
{
	char *kb = make_repo("kb"), *path = tmp_path("kb/graft.ini");

	sh_do(kb, "git tag v1.0.0 && git commit -q --allow-empty -m two && "
	      "git tag v2.0.0 && git commit -q --allow-empty -m three && "
	      "git tag v3.0.0");
	write_file(path, ini);
	free(path);
	return kb;
}

static struct cmd_result lint(const char *dir, const char *json)
{
	return graft(dir, "lint", json, NULL);
}

Test(lint, a_correct_graft_ini)
{
	char *kb = make_dep(GOOD_INI), *sub;
	struct cmd_result r = lint(kb, NULL);
	char *v2 = sh_ok(kb, "git rev-parse v2.0.0");
	char expect[256];

	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_str_eq("graft.ini: ok (2 changes, 2 commands)\n", r.out, "lint");
	cr_assert_str_empty(r.err);
	cmd_result_free(&r);
	/* from a subdirectory, as git does, the path from there */
	sh_do(kb, "mkdir -p sub");
	sub = tmp_path("kb/sub");
	r = lint(sub, NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_str_eq("../graft.ini: ok (2 changes, 2 commands)\n", r.out, "lint");
	cmd_result_free(&r);
	r = lint(kb, "--json");
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "\"valid\": true,\n  \"errors\": [],");
	snprintf(expect, sizeof(expect),
		 "\"ref\": \"v2.0.0\",\n      \"line\": 4,\n      \"commit\": \"%s\"", v2);
	assert_contains(r.out, expect);
	cmd_result_free(&r);
	free(v2);
	free(sub);
	free(kb);
}

/* graft.ini with one mistake: lint exits 1 naming graft.ini:line. */
static void mistake(const char *ini, const char *where, const char *what)
{
	char *kb = make_dep(ini);
	struct cmd_result r = lint(kb, NULL);
	char expect[512];

	cr_assert_eq(r.status, 1, "%d: %s", r.status, r.err);
	snprintf(expect, sizeof(expect), "error: %s: %s", where, what);
	assert_contains(r.err, expect);
	cr_assert_str_empty(r.out);
	cmd_result_free(&r);
	r = lint(kb, "--json");
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.out, "\"valid\": false");
	cmd_result_free(&r);
	/* the next mistake gets a repository of its own */
	sh_do(NULL, "rm -rf '%s'", kb);
	free(kb);
}

Test(lint, a_change_ref_that_names_nothing)
{
	mistake("[change \"v9.0.0\"]\ntype = fix\n", "graft.ini:1",
		"change 'v9.0.0' names no tag, branch or commit of this repository");
}

Test(lint, changes_out_of_order)
{
	mistake("[change \"v3.0.0\"]\ntype = fix\n\n[change \"v2.0.0\"]\ntype = fix\n",
		"graft.ini:4",
		"change 'v2.0.0' is declared after 'v3.0.0' (line 1), but its commit comes before that one's");
}

Test(lint, changes_on_separate_lines_of_history)
{
	char *kb = make_dep("[change \"v2.0.0\"]\ntype = fix\n\n[change \"side\"]\ntype = fix\n");
	struct cmd_result r;

	sh_do(kb, "git checkout -q -b side v1.0.0 && git commit -q --allow-empty -m side && "
	      "git checkout -q -");
	r = lint(kb, NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "error: graft.ini:4: change 'side' does not descend from 'v2.0.0' (line 1)");
	cmd_result_free(&r);
	free(kb);
}

Test(lint, a_breaking_change_without_its_commands)
{
	mistake("[change \"v2.0.0\"]\ntype = Breaking\nverify = check\n\n"
		"[command \"check\"]\nrun = true\n", "graft.ini:1",
		"change 'v2.0.0' is breaking but names no migration");
	mistake("[change \"v2.0.0\"]\ntype = breaking\nmigration = m\n\n"
		"[command \"m\"]\nrun = true\n", "graft.ini:1",
		"change 'v2.0.0' is breaking but names no verify command");
}

Test(lint, a_command_that_is_not_there)
{
	mistake("[change \"v2.0.0\"]\ntype = fix\nmigration = nowhere\n",
		"graft.ini:1",
		"change 'v2.0.0' names migration 'nowhere', but there is no [command \"nowhere\"]");
}

Test(lint, values_inih_would_cut)
{
	char line[512];

	/* a value cut at " ;" */
	mistake("[command \"m\"]\nrun = make ; echo done\n", "graft.ini:2",
		"inih reads ' ;' as the start of a comment");
	/* a line past inih's buffer */
	memset(line, 'x', sizeof(line));
	memcpy(line, "[command \"m\"]\nrun = echo ", 25);
	strcpy(line + 300, "\n");
	mistake(line, "graft.ini:2", "line is 286 bytes long");
	/* a line of a script inih takes for a comment */
	mistake("[command \"m\"]\nrun = case \"$x\" in\n    a) echo a\n    ;;\n  esac\n",
		"graft.ini:4",
		"inih reads a line starting with ';' as a comment, even inside a 'run' script, and drops it");
}

Test(lint, no_graft_ini)
{
	char *kb = make_repo("kb");
	struct cmd_result r = lint(kb, NULL);

	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "error: graft.ini: there is none at the top of the work tree");
	cmd_result_free(&r);
	free(kb);
}

Test(lint, every_problem_at_once)
{
	char *kb = make_dep("[change \"v9.0.0\"]\ntype = breaking\n\n"
			    "[change \"v3.0.0\"]\ntype = fix\n\n"
			    "[change \"v2.0.0\"]\ntype = fix\nverify = gone\n");
	struct cmd_result r = lint(kb, NULL);

	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "error: graft.ini:1: change 'v9.0.0' is breaking but names no migration");
	assert_contains(r.err, "error: graft.ini:1: change 'v9.0.0' names no tag");
	assert_contains(r.err, "error: graft.ini:7: change 'v2.0.0' names verify 'gone'");
	assert_contains(r.err, "error: graft.ini:7: change 'v2.0.0' is declared after 'v3.0.0'");
	cmd_result_free(&r);
	free(kb);
}
