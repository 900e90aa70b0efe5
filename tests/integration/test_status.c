/* `git graft status` and `git graft validate integrity`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(status, .init = harness_setup, .fini = harness_teardown);

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	cr_assert(j, "not JSON (%s):\n%s", err.text, text);
	return j;
}

static const char *str(json_t *obj, const char *path)
{
	json_t *v = obj;
	char key[64];
	const char *p = path;

	while (*p) {
		size_t n = strcspn(p, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		v = json_object_get(v, key);
		cr_assert(v, "no %s", path);
		p += n + (p[n] == '.');
	}
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int any_contains(json_t *strings, const char *needle)
{
	size_t i;

	for (i = 0; i < json_array_size(strings); i++)
		if (strstr(json_string_value(json_array_get(strings, i)), needle))
			return 1;
	return 0;
}

/* app tracking main with kb locked at v1.0.0 */
static char *app_at_v1(void)
{
	char *app = make_app_with_kb("v1.0.0");

	sh_do(app, "sed -i 's/^ref = v1.0.0$/ref = main/' graft.ini && git add -A && git commit -q -m kb");
	return app;
}

Test(status, shows_the_lock_and_the_update_from_fetched_data)
{
	char *app = app_at_v1(), *kb = tmp_path("kb"), *v1 = rev(kb, "v1.0.0");
	char *main_id = rev(kb, "main"), *want = malloc(256);
	struct cmd_result r = graft(app, "status", NULL);
	json_t *j, *d;

	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, 256, "kb: v1.0.0 at %.7s, consumed ", v1);
	assert_contains(r.out, want);
	snprintf(want, 256, "  update: main is at %.7s, 2 commits and 1 declared change ahead",
		 main_id);
	assert_contains(r.out, want);
	cr_assert_str_eq(r.err, "", "no warning when all is in order");
	cmd_result_free(&r);

	r = graft(app, "status", "--json", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = parse(r.out);
	cr_assert_eq(json_array_size(json_object_get(j, "pending_upgrades")), 0);
	d = json_array_get(json_object_get(j, "dependencies"), 0);
	cr_assert_str_eq(str(d, "name"), "kb");
	cr_assert_str_eq(str(d, "path"), ".graft/kb");
	cr_assert_str_eq(str(d, "locked.ref"), "v1.0.0");
	cr_assert_str_eq(str(d, "locked.commit"), v1);
	cr_assert_str_eq(str(d, "checkout.commit"), v1);
	cr_assert_str_eq(str(d, "latest.ref"), "main");
	cr_assert_str_eq(str(d, "latest.commit"), main_id);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(d, "latest"), "changes")), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(d, "latest"), "commits_ahead")), 2);
	cr_assert(json_is_true(json_object_get(d, "update_available")));
	cr_assert(json_is_true(json_object_get(d, "at_locked_commit")));
	cr_assert_eq(json_array_size(json_object_get(d, "warnings")), 0);
	json_decref(j);
	cmd_result_free(&r);
	free(want);
	free(v1);
	free(main_id);
	free(kb);
	free(app);
}

Test(status, needs_fetch_for_news)
{
	char *app = app_at_v1(), *kb = tmp_path("kb"), *out;
	struct cmd_result r;

	dep_commit(kb, "four");
	r = graft(app, "status", NULL);
	assert_contains(r.out, "2 commits and 1 declared change ahead");
	cmd_result_free(&r);
	r = graft(app, "status", "--fetch", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "3 commits and 1 declared change ahead");
	cmd_result_free(&r);
	out = sh_ok(app, "git status --porcelain");
	cr_assert_str_eq(out, "", "status --fetch changes no file");
	free(out);

	/* a source out of reach: status still shows what it knows */
	sh_do(app, "sed -i 's|^source = ../kb$|source = ../gone|' graft.ini");
	r = graft(app, "status", "--fetch", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "3 commits and 1 declared change ahead");
	assert_contains(r.err, "warning: cannot fetch kb from '../gone': ");
	cmd_result_free(&r);
	r = graft(app, "fetch", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: cannot fetch kb from '../gone': ");
	cmd_result_free(&r);
	free(kb);
	free(app);
}

Test(status, warns_loudly)
{
	char *app = app_at_v1(), *out;
	struct cmd_result r;
	json_t *j, *w;

	sh_do(app, "git -C .graft/kb checkout -q v2.0.0 && "
	      "printf '[dependency \"later\"]\\nsource = ../kb\\n' >> graft.ini && "
	      "git config -f .gitmodules submodule.kb.url ../elsewhere && "
	      "git update-ref refs/graft/snapshots/kb HEAD");
	r = graft(app, "status", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: an interrupted upgrade of kb is pending (refs/graft/snapshots/kb)");
	assert_contains(r.err, "hint: 'git graft rollback' restores the state from before it");
	assert_contains(r.err, "warning: .graft/kb is checked out at ");
	assert_contains(r.err, ", not at its locked commit ");
	assert_contains(r.err, "warning: later is declared in graft.ini but not resolved");
	assert_contains(r.out, "later: not resolved");
	assert_contains(r.err, "warning: graft.ini has the source '../kb' for kb, but .gitmodules has '../elsewhere'");
	cmd_result_free(&r);

	r = graft(app, "status", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = parse(r.out);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "pending_upgrades"), 0)), "kb");
	w = json_object_get(json_array_get(json_object_get(j, "dependencies"), 0), "warnings");
	cr_assert(any_contains(w, "not at its locked commit"));
	cr_assert(any_contains(w, "but .gitmodules has '../elsewhere'"));
	cr_assert(json_is_false(json_object_get(json_array_get(json_object_get(j, "dependencies"), 0),
						"at_locked_commit")));
	json_decref(j);
	cmd_result_free(&r);

	r = graft(app, "status", "--fetch", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: not fetching while an interrupted upgrade is pending");
	cmd_result_free(&r);
	r = graft(app, "status", "nope", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: there is no dependency 'nope'");
	cmd_result_free(&r);
	out = sh_ok(app, "git status --porcelain");
	cr_assert_str_eq(out, " M .gitmodules\n M .graft/kb\n M graft.ini");
	free(out);
	free(app);
}

Test(status, validate_integrity_names_each_mismatch)
{
	char *app = app_at_v1();
	struct cmd_result r = graft(app, "validate", "integrity", NULL);
	json_t *j, *m;

	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "integrity: ok (1 dependency at its locked commit)");
	cmd_result_free(&r);

	sh_do(app, "git -C .graft/kb checkout -q v2.0.0");
	r = graft(app, "validate", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	assert_contains(r.err, "error: .graft/kb: checked out at ");
	assert_contains(r.err, ", but graft.lock has ");
	cmd_result_free(&r);
	r = graft(app, "validate", "--json", "integrity", NULL);
	cr_assert_eq(r.status, 2, "%s", r.err);
	j = parse(r.out);
	cr_assert(json_is_false(json_object_get(j, "valid")));
	m = json_array_get(json_object_get(j, "integrity"), 0);
	cr_assert_str_eq(str(m, "name"), "kb");
	cr_assert_str_eq(str(m, "path"), ".graft/kb");
	cr_assert_str_eq(str(m, "problem"), "checkout");
	json_decref(j);
	cmd_result_free(&r);

	sh_do(app, "rm -rf .graft/kb .git/modules/kb && mkdir .graft/kb");
	r = graft(app, "validate", "integrity", NULL);
	cr_assert_eq(r.status, 2);
	assert_contains(r.err, "error: .graft/kb: locked at ");
	assert_contains(r.err, " but not checked out");
	cmd_result_free(&r);
	/* invalid files come first: exit 1 */
	sh_do(app, "echo 'bogus line' >> graft.lock");
	r = graft(app, "validate", NULL);
	cr_assert_eq(r.status, 1);
	cmd_result_free(&r);
	free(app);
}
