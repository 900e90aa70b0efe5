/* `git graft init` and `git graft validate` on real repositories. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

TestSuite(validate, .init = harness_setup, .fini = harness_teardown);

#define COMMIT "0123456789abcdef0123456789abcdef01234567"

static char *repo_file(const char *repo, const char *name)
{
	return tmp_path("%s/%s", strrchr(repo, '/') + 1, name);
}

static void put(const char *repo, const char *name, const char *content)
{
	char *path = repo_file(repo, name);

	write_file(path, content);
	free(path);
}

Test(validate, init_writes_a_valid_commented_file_once)
{
	char *repo = make_repo("repo");
	char *path = repo_file(repo, "graft.ini"), *content;
	struct cmd_result r = graft(repo, "init", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	content = read_file(path);
	cr_assert(content && strstr(content, "# [dependency \"meta-kb\"]"));
	cmd_result_free(&r);

	r = graft(repo, "validate", NULL);
	cr_assert_eq(r.status, 0, "the template is not valid: %s", r.err);
	cmd_result_free(&r);

	put(repo, "graft.ini", "[dependency \"mine\"]\nsource = ../mine\n");
	r = graft(repo, "init", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "error: graft.ini already exists"), "%s", r.err);
	free(content);
	content = read_file(path);
	cr_assert_str_eq(content, "[dependency \"mine\"]\nsource = ../mine\n");
	cmd_result_free(&r);
	free(content);
	free(path);
	free(repo);
}

Test(validate, good_files_pass)
{
	char *repo = make_repo("repo");
	struct cmd_result r;

	put(repo, "graft.ini",
	    "[dependency \"meta-kb\"]\nsource = ../meta-kb\nref = main\n"
	    "[command \"test\"]\nrun = make test\n");
	put(repo, "graft.lock",
	    "# graft.lock: written by git-graft, do not edit by hand\n\n"
	    "[dependency \"meta-kb\"]\nsource = ../meta-kb\nref = main\n"
	    "commit = " COMMIT "\nconsumed_at = 2026-01-31T10:30:00Z\n");
	r = graft(repo, "validate", "config", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "graft.ini: ok (1 dependency, 1 command"), "%s", r.out);
	cmd_result_free(&r);
	r = graft(repo, "validate", "lock", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "graft.lock: ok (1 locked)"), "%s", r.out);
	cmd_result_free(&r);
	r = graft(repo, "validate", "--json", "config", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "\"valid\": true"), "%s", r.out);
	cr_assert(strstr(r.out, "\"errors\": []"), "%s", r.out);
	cmd_result_free(&r);
	free(repo);
}

Test(validate, every_error_is_reported_with_file_and_line)
{
	char *repo = make_repo("repo");
	struct cmd_result r;

	put(repo, "graft.ini",
	    "[dependency \"../evil\"]\nsource = x\n"
	    "[command \"t\"]\nrun = make test ; rm -rf /\n"
	    "[dependency \"ok\"]\nsource = ../ok\nbranch = main\n");
	put(repo, "graft.lock",
	    "[dependency \"ok\"]\nsource = ../ok\nref = main\ncommit = 123\n"
	    "consumed_at = 2026-01-31T10:30:00Z\n"
	    "[dependency \"ghost\"]\nsource = ../g\nref = main\ncommit = " COMMIT "\n"
	    "consumed_at = 2026-01-31T10:30:00Z\n");
	r = graft(repo, "validate", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "error: graft.ini:1: invalid dependency name '../evil'"), "%s", r.err);
	cr_assert(strstr(r.err, "error: graft.ini:4: inih reads ' ;'"), "%s", r.err);
	cr_assert(strstr(r.err, "error: graft.ini:7: unknown key 'branch'"), "%s", r.err);
	cr_assert(strstr(r.err, "error: graft.lock:1: commit '123'"), "%s", r.err);
	cr_assert(strstr(r.err, "error: graft.lock:6: dependency 'ghost' is locked but not declared"),
		  "%s", r.err);
	cmd_result_free(&r);

	r = graft(repo, "validate", "--json", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.out, "\"valid\": false"), "%s", r.out);
	cr_assert(strstr(r.out, "\"file\": \"graft.ini\""), "%s", r.out);
	cr_assert(strstr(r.out, "\"line\": 7"), "%s", r.out);
	cmd_result_free(&r);
	free(repo);
}

Test(validate, long_lines_are_refused_not_cut)
{
	char *repo = make_repo("repo");
	char text[1024];
	struct cmd_result r;

	snprintf(text, sizeof(text), "[command \"t\"]\nrun = echo %0300d\n", 7);
	put(repo, "graft.ini", text);
	r = graft(repo, "validate", "config", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "graft.ini:2: line is 311 bytes long"), "%s", r.err);
	cr_assert(strstr(r.err, "continuation lines"), "%s", r.err);
	cmd_result_free(&r);
	free(repo);
}
