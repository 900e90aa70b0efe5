/* `git graft changes`: the changes a dependency declares. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(changes, .init = harness_setup, .fini = harness_teardown);

/*
 * The graft.ini kb has from v3.0.0 on, its changes deliberately not in
 * the order of history; notes-3 is on the same commit as v3.0.0. The line
 * of [change "v9"] is V9_LINE.
 */
static const char kb_ini[] =
	"[metadata]\n"
	"name = kb\n"
	"\n"
	"[change \"notes-3\"]\n"
	"type = docs\n"
	"description = New manual\n"
	"\n"
	"[change \"v3.0.0\"]\n"
	"type = breaking\n"
	"description = Dropped the old API\n"
	"migration = migrate-v3\n"
	"verify = check\n"
	"\n"
	"[change \"v9\"]\n"
	"type = fix\n"
	"description = Never tagged\n"
	"\n"
	"[change \"v2.2.0\"]\n"
	"type = fix\n"
	"description = Merged fix\n"
	"\n"
	"[change \"v2.1.0\"]\n"
	"type = Feature\n"
	"description = Side feature\n"
	"  on two lines\n"
	"verify = check\n"
	"\n"
	"[change \"v2.0.0\"]\n"
	"type = breaking\n"
	"description = Renamed things\n"
	"migration = migrate\n"
	"\n"
	"[command \"migrate\"]\n"
	"run = true\n"
	"\n"
	"[command \"migrate-v3\"]\n"
	"run = sed -i 's/old/new/' app.js\n"
	"  echo migrated\n"
	"description = Move to the new API\n"
	"working_dir = src\n"
	"timeout = 600\n"
	"\n"
	"[command \"check\"]\n"
	"run = make check\n";
#define V9_LINE 14

/*
 * app with kb locked at v1.0.0 and tracking main, kb's history fetched:
 *
 *   v1.0.0 - v2.0.0 - three - four - merge (v2.2.0) - v3.0.0 (main)
 *                  \                /
 *                   side (v2.1.0)--
 *
 * (v3.0.0 is tagged notes-3 too.) *
 * The side commit is dated after everything else, so an order by date
 * instead of by the graph puts it last. Only v3.0.0's graft.ini declares
 * v2.1.0 and later; the branch "broken" adds an invalid key to it.
 */
static char *rich_app(void)
{
	char *app = make_app_with_kb("v1.0.0"), *kb = tmp_path("kb");
	char *ini = tmp_path("kb/graft.ini");
	struct cmd_result r;

	sh_do(kb, "git checkout -q -b side v2.0.0 && echo side > SIDE && git add SIDE && "
	      "GIT_COMMITTER_DATE='1900000000 +0000' git commit -q -m side && "
	      "git tag v2.1.0 && git checkout -q main && echo four >> README && "
	      "git commit -q -a -m four && git merge -q --no-ff -m merge side && "
	      "git tag v2.2.0");
	write_file(ini, kb_ini);
	sh_do(kb, "git commit -q -a -m v3 && git tag v3.0.0 && git tag notes-3 && "
	      "git checkout -q -b broken && "
	      "printf '[change \"broken\"]\\ntype = fix\\ncolour = red\\n' >> graft.ini && "
	      "git commit -q -a -m broken && git checkout -q main");
	sh_do(app, "sed -i 's/^ref = v1.0.0$/ref = main/' graft.ini && "
	      "git commit -q -a -m 'track main'");
	r = graft(app, "fetch", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	free(ini);
	free(kb);
	return app;
}

static void assert_contains(const char *haystack, const char *needle)
{
	cr_assert(haystack && strstr(haystack, needle), "'%s' not in:\n%s",
		  needle, haystack ? haystack : "(null)");
}

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	cr_assert(j, "not JSON (%s):\n%s", err.text, text);
	return j;
}

/* The value of key in obj: a string, or NULL for JSON null. */
static const char *str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	cr_assert(v, "no key %s", key);
	cr_assert(json_is_string(v) || json_is_null(v), "%s is no string", key);
	return json_string_value(v);
}

static void assert_str(const char *got, const char *want, const char *what)
{
	if (!want)
		cr_assert_null(got, "%s: expected null, got '%s'", what, got);
	else
		cr_assert(got && !strcmp(got, want), "%s: expected '%s', got '%s'",
			  what, want, got ? got : "null");
}

/* The refs `changes --json` lists, joined by spaces. */
static char *listed(const char *app, const char *const *args)
{
	const char *argv[16] = { graft_bin(), "changes", "--json" };
	size_t n = 3, i;
	struct cmd_result r;
	char *out = calloc(1, 256);
	json_t *j;

	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	r = run_argv(app, argv);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = parse(r.out);
	cr_assert(json_is_array(j));
	for (i = 0; i < json_array_size(j); i++) {
		strcat(out, i ? " " : "");
		strcat(out, str(json_array_get(j, i), "ref"));
	}
	json_decref(j);
	cmd_result_free(&r);
	return out;
}

static void expect_listed(const char *app, const char *want, ...)
{
	const char *args[12];
	size_t n = 0;
	va_list ap;
	char *got;

	va_start(ap, want);
	while ((args[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	got = listed(app, args);
	cr_assert_str_eq(got, want, "changes %s%s%s", n ? args[0] : "",
			 n > 1 ? " " : "", n > 1 ? args[1] : "");
	free(got);
}

Test(changes, oldest_first_across_tags_and_a_merge)
{
	char *app = rich_app(), *kb = tmp_path("kb"), *want = malloc(2048);
	char *v1 = rev(kb, "v1.0.0"), *v2 = rev(kb, "v2.0.0"), *v21 = rev(kb, "v2.1.0");
	char *v22 = rev(kb, "v2.2.0"), *v3 = rev(kb, "v3.0.0");
	struct cmd_result r = graft(app, "changes", "kb", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, 2048,
		 "kb: 5 changes after v1.0.0 (%.7s) up to main (%.7s)\n"
		 "  v2.0.0   %.7s  breaking  Renamed things\n"
		 "                              migration: migrate\n"
		 "  v2.1.0   %.7s  Feature   Side feature\n"
		 "                              on two lines\n"
		 "                              verify: check\n"
		 "  v2.2.0   %.7s  fix       Merged fix\n"
		 /* the same commit: in the order of the file */
		 "  notes-3  %.7s  docs      New manual\n"
		 "  v3.0.0   %.7s  breaking  Dropped the old API\n"
		 "                              migration: migrate-v3, verify: check\n",
		 v1, v3, v2, v21, v22, v3, v3);
	cr_assert_str_eq(r.out, want);
	/* declared, but no such tag: named with its line, not dropped unseen */
	snprintf(want, 2048,
		 "warning: kb@main:graft.ini:%d: change 'v9' names no commit of kb; it is left out\n",
		 V9_LINE);
	assert_contains(r.err, want);
	assert_contains(r.err, "hint: 'git graft fetch kb' gets the tags its source has now");
	cmd_result_free(&r);
	free(want);
	free(v1);
	free(v2);
	free(v21);
	free(v22);
	free(v3);
	free(kb);
	free(app);
}

Test(changes, json_lists_every_field)
{
	char *app = rich_app(), *kb = tmp_path("kb");
	char *v2 = rev(kb, "v2.0.0"), *v21 = rev(kb, "v2.1.0");
	char *v22 = rev(kb, "v2.2.0"), *v3 = rev(kb, "v3.0.0");
	struct cmd_result r = graft(app, "changes", "kb", "--json", NULL);
	static const char *const want[][5] = {
		/* ref, type, description, migration, verify */
		{ "v2.0.0", "breaking", "Renamed things", "migrate", NULL },
		{ "v2.1.0", "Feature", "Side feature\non two lines", NULL, "check" },
		{ "v2.2.0", "fix", "Merged fix", NULL, NULL },
		{ "notes-3", "docs", "New manual", NULL, NULL },
		{ "v3.0.0", "breaking", "Dropped the old API", "migrate-v3", "check" },
	};
	const char *commits[] = { v2, v21, v22, v3, v3 };
	json_t *j;
	size_t i;

	cr_assert_eq(r.status, 0, "%s", r.err);
	j = parse(r.out);
	cr_assert_eq(json_array_size(j), 5);
	for (i = 0; i < 5; i++) {
		json_t *c = json_array_get(j, i);

		cr_assert_eq(json_object_size(c), 6, "no more and no fewer fields");
		assert_str(str(c, "ref"), want[i][0], "ref");
		assert_str(str(c, "commit"), commits[i], "commit");
		assert_str(str(c, "type"), want[i][1], "type");
		assert_str(str(c, "description"), want[i][2], "description");
		assert_str(str(c, "migration"), want[i][3], "migration");
		assert_str(str(c, "verify"), want[i][4], "verify");
	}
	json_decref(j);
	assert_contains(r.err, "change 'v9' names no commit of kb");
	cmd_result_free(&r);
	free(v2);
	free(v21);
	free(v22);
	free(v3);
	free(kb);
	free(app);
}

Test(changes, ranges_and_the_graft_ini_of_the_target)
{
	char *app = rich_app();

	expect_listed(app, "v2.1.0 v2.2.0 notes-3 v3.0.0", "--from", "v2.0.0", "kb", NULL);
	/* v2.0.0 is an ancestor of the side branch, so behind it too */
	expect_listed(app, "v2.2.0 notes-3 v3.0.0", "--from", "v2.1.0", "kb", NULL);
	expect_listed(app, "notes-3 v3.0.0", "--from", "v2.2.0", "--to", "v3.0.0", "kb", NULL);
	expect_listed(app, "", "--from", "v3.0.0", "kb", NULL);
	/* v2.2.0's own graft.ini declares v2.0.0 only */
	expect_listed(app, "v2.0.0", "--to", "v2.2.0", "kb", NULL);
	expect_listed(app, "", "--from", "v2.0.0", "--to", "v2.2.0", "kb", NULL);
	/* commit ids and full ref names work as ends too */
	expect_listed(app, "v2.0.0 v2.1.0 v2.2.0 notes-3 v3.0.0", "--to", "refs/tags/v3.0.0",
		      "kb", NULL);
	free(app);
}

Test(changes, type_and_breaking_filters)
{
	char *app = rich_app();
	struct cmd_result r;

	expect_listed(app, "v2.0.0 v3.0.0", "--type", "breaking", "kb", NULL);
	expect_listed(app, "v2.0.0 v3.0.0", "--breaking", "kb", NULL);
	expect_listed(app, "v2.0.0 v3.0.0", "--breaking", "--type", "Breaking", "kb", NULL);
	expect_listed(app, "v2.1.0", "--type", "feature", "kb", NULL);
	expect_listed(app, "v2.2.0", "--type", "FIX", "kb", NULL);

	/* the unresolved v9 is a fix: the warning is for those who ask for fixes */
	r = graft(app, "changes", "kb", "--type", "fix", NULL);
	assert_contains(r.err, "change 'v9' names no commit of kb");
	cmd_result_free(&r);
	r = graft(app, "changes", "kb", "--breaking", NULL);
	cr_assert_str_eq(r.err, "");
	cmd_result_free(&r);
	expect_listed(app, "notes-3", "--type", "docs", "kb", NULL);
	expect_listed(app, "", "--type", "security", "kb", NULL);

	r = graft(app, "changes", "kb", "--type", "security", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "kb: no security changes after v1.0.0 (");
	cmd_result_free(&r);

	r = graft(app, "changes", "kb", "--breaking", "--type", "fix", NULL);
	cr_assert_eq(r.status, 129);
	assert_contains(r.err, "error: --breaking and --type 'fix' ask for different types");
	assert_contains(r.err, "usage: git graft changes");
	cmd_result_free(&r);
	free(app);
}

Test(changes, bad_arguments_name_what_is_wrong)
{
	char *app = rich_app();
	struct cmd_result r = graft(app, "changes", NULL);

	cr_assert_eq(r.status, 129);
	assert_contains(r.err, "usage: git graft changes");
	cmd_result_free(&r);
	r = graft(app, "changes", "kb", "other", NULL);
	cr_assert_eq(r.status, 129);
	cmd_result_free(&r);
	r = graft(app, "changes", "k/b", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: invalid dependency name 'k/b'");
	cmd_result_free(&r);
	r = graft(app, "changes", "nope", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: there is no dependency 'nope'");
	cmd_result_free(&r);
	r = graft(app, "changes", "kb", "--to", "a..b", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: invalid --to 'a..b'");
	cmd_result_free(&r);
	r = graft(app, "changes", "kb", "--from", "v7", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: --from: 'v7' is not a branch, tag or commit of kb");
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);

	/* a work tree gone: nothing to read, and a way to get it back */
	sh_do(app, "rm -rf .graft/kb");
	r = graft(app, "changes", "kb", "--to", "v3.0.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: kb has no repository at .graft/kb");
	cmd_result_free(&r);
	free(app);
}

Test(changes, malformed_graft_ini_at_the_target_is_an_error)
{
	char *app = rich_app(), *kb = tmp_path("kb"), *line, *want = malloc(256);
	struct cmd_result r;

	line = sh_ok(kb, "git show broken:graft.ini | grep -n '^colour' | cut -d: -f1");
	snprintf(want, 256, "error: kb@broken:graft.ini:%s: unknown key 'colour'", line);
	r = graft(app, "changes", "kb", "--to", "broken", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, want);
	assert_contains(r.err, "error: the graft.ini of kb at broken is not valid");
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);

	free(want);
	free(line);
	free(kb);
	free(app);
}

Test(changes, pending_upgrade_warns_and_goes_on)
{
	char *app = rich_app();
	struct cmd_result r;

	sh_do(app, "git update-ref refs/graft/snapshots/kb HEAD");
	r = graft(app, "changes", "kb", "--breaking", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: an interrupted upgrade of kb is pending (refs/graft/snapshots/kb)");
	assert_contains(r.out, "  v3.0.0  ");
	cr_assert_null(strstr(r.out, "notes-3"), "--breaking leaves docs out");
	cmd_result_free(&r);
	free(app);
}
