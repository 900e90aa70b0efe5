/*
 * What a CI job relies on: `git graft validate && git graft sync` fails
 * on every state where graft.ini, graft.lock and the dependencies'
 * repositories disagree, and passes on a consistent one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(ci, .init = harness_setup, .fini = harness_teardown);

#define MISSING "0123456789abcdef0123456789abcdef01234567"

/* The job, as a CI configuration has it: git finds git-graft on PATH. */
#define CI_SCRIPT "git graft validate && git graft sync"

/* <tmp>/bin/git-graft, the binary under test, for `git graft`. */
static char *graft_on_path(void)
{
	char *bin = tmp_path("bin"), *q = shq(bin), *target = shq(graft_bin());

	sh_do(NULL, "mkdir -p %s && ln -sf %s %s/git-graft", q, target, q);
	free(target);
	free(q);
	return bin;
}

/* Run the CI script in dir; its exit status, its output in *out. */
static int run_ci(const char *dir, char **out)
{
	char *bin = tmp_path("bin"), *q = shq(bin);
	struct cmd_result r = sh(dir, "PATH=%s:$PATH; " CI_SCRIPT " 2>&1", q);
	int status = r.status;

	*out = strdup(r.out);
	cmd_result_free(&r);
	free(q);
	free(bin);
	return status;
}

/* app with kb at v1.0.0, committed, and kb's newer commits fetched. */
static char *consistent_app(void)
{
	char *app = make_app_with_kb("v1.0.0");

	sh_do(app, "git commit -q -m 'add kb'");
	return app;
}

struct broken_state {
	const char *what;
	const char *script;	/* run in a copy of the consistent app */
	const char *validate_says;
};

static const struct broken_state broken[] = {
	{ "graft.ini deleted", "git rm -q graft.ini",
	  "error: graft.ini: missing, but graft.lock and .graft/ exist" },
	{ "a declared dependency not locked",
	  "printf '[dependency \"extra\"]\\nsource = ../kb\\n' >> graft.ini",
	  "error: graft.ini:3: dependency 'extra' is declared but not locked in graft.lock" },
	{ "a locked dependency not declared",
	  "printf '[command \"test\"]\\nrun = true\\n' > graft.ini",
	  "error: graft.lock:3: dependency 'kb' is locked but not declared in graft.ini" },
	{ "graft.lock deleted", "git rm -q graft.lock",
	  "error: graft.lock: missing, but graft.ini declares 1 dependency" },
	{ "a locked commit the repository does not have",
	  "sed -i 's/^commit = .*/commit = " MISSING "/' graft.lock",
	  "error: graft.lock:3: dependency 'kb' is locked at 0123456, "
	  "a commit .graft/kb does not have" },
};

Test(ci, validate_and_sync_fail_on_every_broken_state)
{
	char *app = consistent_app(), *bin = graft_on_path(), *out;
	size_t i;

	cr_assert_eq(run_ci(app, &out), 0, "a consistent project fails:\n%s", out);
	assert_contains(out, "1 dependency at its locked commit\n");
	free(out);

	for (i = 0; i < sizeof(broken) / sizeof(*broken); i++) {
		const struct broken_state *b = &broken[i];
		char name[32], *copy;
		struct cmd_result r;

		snprintf(name, sizeof(name), "broken-%zu", i);
		sh_do(harness_tmp(), "cp -a app %s", name);
		copy = tmp_path("%s", name);
		sh_do(copy, "%s", b->script);

		cr_assert_neq(run_ci(copy, &out), 0, "%s: the CI job passes:\n%s",
			      b->what, out);
		free(out);
		r = graft(copy, "validate", NULL);
		cr_assert_eq(r.status, 1, "%s: validate exits %d:\n%s", b->what,
			     r.status, r.err);
		assert_contains(r.err, b->validate_says);
		cmd_result_free(&r);
		free(copy);
	}
	free(bin);
	free(app);
}

Test(ci, validate_reports_new_failures_as_json_with_file_and_line)
{
	char *app = consistent_app();
	struct cmd_result r;

	sh_do(app, "git rm -q graft.lock && "
	      "printf '[dependency \"extra\"]\\nsource = ../kb\\n' >> graft.ini");
	r = graft(app, "validate", "--json", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.out, "\"valid\": false");
	assert_contains(r.out, "\"file\": \"graft.ini\",\n      \"line\": 3,\n"
			"      \"message\": \"dependency 'extra' is declared but not locked in graft.lock\"");
	assert_contains(r.out, "\"file\": \"graft.lock\",\n      \"line\": 0,\n"
			"      \"message\": \"missing, but graft.ini declares 2 dependencies\"");
	cmd_result_free(&r);
	free(app);
}

Test(ci, validate_lock_needs_a_lock_and_all_needs_one_only_for_dependencies)
{
	char *repo = make_repo("repo"), *ini = tmp_path("repo/graft.ini");
	struct cmd_result r;

	write_file(ini, "[command \"test\"]\nrun = true\n");
	r = graft(repo, "validate", "lock", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	assert_contains(r.err, "error: graft.lock: missing\n");
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	r = graft(repo, "validate", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "graft.lock: none, and no dependency is declared\n");
	cmd_result_free(&r);

	/* no graft.ini at all: a project without dependencies is valid */
	sh_do(repo, "rm graft.ini");
	r = graft(repo, "validate", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	/* ... but a .graft/ left behind is declared nowhere */
	sh_do(repo, "mkdir .graft");
	r = graft(repo, "validate", "config", NULL);
	cr_assert_eq(r.status, 1, "%s", r.out);
	assert_contains(r.err, "error: graft.ini: missing, but .graft/ exists\n");
	cmd_result_free(&r);
	free(ini);
	free(repo);
}
