/* `git graft changes` and `git graft show`: the changes a dependency declares. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(changes, .init = harness_setup, .fini = harness_teardown);
TestSuite(show, .init = harness_setup, .fini = harness_teardown);

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

/* The full id of the commit name is in kb (caller frees). */
static char *kb_rev(const char *name)
{
	char *kb = tmp_path("kb"), *id = rev(kb, name);

	free(kb);
	return id;
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

	r = graft(app, "show", "kb@broken", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, want);
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
	r = graft(app, "show", "kb@v3.0.0", "--field", "type", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: an interrupted upgrade of kb is pending");
	cr_assert_str_eq(r.out, "breaking\n");
	cmd_result_free(&r);
	free(app);
}

Test(show, human_output_spells_the_commands_out)
{
	char *app = rich_app(), *v3 = kb_rev("v3.0.0");
	char *want = malloc(1024);
	struct cmd_result r = graft(app, "show", "kb@v3.0.0", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, 1024,
		 "change v3.0.0 of kb\n"
		 "commit:         %s\n"
		 "type:           breaking\n"
		 "description:    Dropped the old API\n"
		 "declared in:    the graft.ini of main (%.7s)\n"
		 "\n"
		 "migration:      migrate-v3\n"
		 "  description:  Move to the new API\n"
		 "  working_dir:  src\n"
		 "  timeout:      600 seconds\n"
		 "  env:          (none)\n"
		 "  run:\n"
		 "    sed -i 's/old/new/' app.js\n"
		 "    echo migrated\n"
		 "\n"
		 "verify:         check\n"
		 "  description:  (none)\n"
		 "  working_dir:  (the project's root)\n"
		 "  timeout:      (none)\n"
		 "  env:          (none)\n"
		 "  run:\n"
		 "    make check\n", v3, v3);
	cr_assert_str_eq(r.out, want);
	cr_assert_str_eq(r.err, "");
	cmd_result_free(&r);

	r = graft(app, "show", "kb@notes-3", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "\nmigration:      (none)\n\nverify:         (none)\n");
	cmd_result_free(&r);
	free(want);
	free(v3);
	free(app);
}

Test(show, json_has_every_field)
{
	char *app = rich_app(), *v3 = kb_rev("v3.0.0");
	struct cmd_result r = graft(app, "show", "kb@v3.0.0", "--json", NULL);
	json_t *j, *m, *v;

	cr_assert_eq(r.status, 0, "%s", r.err);
	j = parse(r.out);
	cr_assert_eq(json_object_size(j), 8);
	assert_str(str(j, "dependency"), "kb", "dependency");
	assert_str(str(json_object_get(j, "declared_in"), "ref"), "main",
		   "declared_in.ref");
	assert_str(str(json_object_get(j, "declared_in"), "commit"), v3,
		   "declared_in.commit");
	assert_str(str(j, "ref"), "v3.0.0", "ref");
	assert_str(str(j, "commit"), v3, "commit");
	assert_str(str(j, "type"), "breaking", "type");
	assert_str(str(j, "description"), "Dropped the old API", "description");
	m = json_object_get(j, "migration");
	cr_assert_eq(json_object_size(m), 6);
	cr_assert_eq(json_object_size(json_object_get(m, "env")), 0);
	assert_str(str(m, "name"), "migrate-v3", "migration.name");
	assert_str(str(m, "run"), "sed -i 's/old/new/' app.js\necho migrated", "migration.run");
	assert_str(str(m, "description"), "Move to the new API", "migration.description");
	assert_str(str(m, "working_dir"), "src", "migration.working_dir");
	cr_assert_eq(json_integer_value(json_object_get(m, "timeout")), 600);
	v = json_object_get(j, "verify");
	assert_str(str(v, "name"), "check", "verify.name");
	assert_str(str(v, "run"), "make check", "verify.run");
	assert_str(str(v, "description"), NULL, "verify.description");
	assert_str(str(v, "working_dir"), NULL, "verify.working_dir");
	cr_assert(json_is_null(json_object_get(v, "timeout")));
	json_decref(j);
	cmd_result_free(&r);

	r = graft(app, "show", "kb@notes-3", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = parse(r.out);
	cr_assert(json_is_null(json_object_get(j, "migration")));
	cr_assert(json_is_null(json_object_get(j, "verify")));
	json_decref(j);
	cmd_result_free(&r);
	free(v3);
	free(app);
}

Test(show, field_prints_each_value_as_it_is)
{
	char *app = rich_app(), *v3 = kb_rev("v3.0.0");
	const char *const fields[][2] = {
		{ "ref", "v3.0.0" },
		{ "commit", v3 },
		{ "type", "breaking" },
		{ "description", "Dropped the old API" },
		{ "migration", "migrate-v3" },
		{ "verify", "check" },
		{ "migration.name", "migrate-v3" },
		{ "migration.run", "sed -i 's/old/new/' app.js\necho migrated" },
		{ "migration.description", "Move to the new API" },
		{ "migration.working_dir", "src" },
		{ "migration.timeout", "600" },
		{ "verify.name", "check" },
		{ "verify.run", "make check" },
		/* not set: nothing at all */
		{ "verify.description", NULL },
		{ "verify.working_dir", NULL },
		{ "verify.timeout", NULL },
	};
	char want[256];
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(*fields); i++) {
		struct cmd_result r = graft(app, "show", "kb@v3.0.0", "--field",
					    fields[i][0], NULL);

		snprintf(want, sizeof(want), "%s%s", fields[i][1] ? fields[i][1] : "",
			 fields[i][1] ? "\n" : "");
		cr_assert_eq(r.status, 0, "%s: %s", fields[i][0], r.err);
		cr_assert_str_eq(r.out, want, "--field %s", fields[i][0]);
		cmd_result_free(&r);
	}
	free(v3);
	free(app);
}

/*
 * v2.1.0's own graft.ini (v2.0.0's) does not declare it: main's does, as
 * `changes` and `upgrade` read it, and so does show.
 */
Test(show, finds_a_change_declared_after_its_tag_as_upgrade_does)
{
	char *app = rich_app(), *v21 = kb_rev("v2.1.0"), *main = kb_rev("main");
	char *v3 = kb_rev("v3.0.0"), want[256];
	struct cmd_result r = graft(app, "show", "kb@v2.1.0", NULL);
	json_t *j, *in;

	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "change v2.1.0 of kb\n");
	snprintf(want, sizeof(want), "commit:         %s\n", v21);
	assert_contains(r.out, want);
	snprintf(want, sizeof(want), "declared in:    the graft.ini of main (%.7s)\n",
		 main);
	assert_contains(r.out, want);
	assert_contains(r.out, "verify:         check\n");
	cr_assert_str_eq(r.err, "");
	cmd_result_free(&r);

	r = graft(app, "show", "kb@v2.1.0", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	j = parse(r.out);
	in = json_object_get(j, "declared_in");
	assert_str(str(in, "ref"), "main", "declared_in.ref");
	assert_str(str(in, "commit"), main, "declared_in.commit");
	assert_str(str(j, "commit"), v21, "commit");
	json_decref(j);
	cmd_result_free(&r);

	/* --in (or --to, as upgrade spells it) names the graft.ini to read */
	r = graft(app, "show", "kb@v2.1.0", "--to", "v3.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want), "declared in:    the graft.ini of v3.0.0 (%.7s)\n",
		 v3);
	assert_contains(r.out, want);
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v2.1.0", "--in", "v2.2.0", "--field", "type", NULL);
	cr_assert_eq(r.status, 1, "v2.2.0's graft.ini is still v2.0.0's");
	assert_contains(r.err, "error: kb@v2.2.0:graft.ini declares no change 'v2.1.0'");
	cmd_result_free(&r);
	r = graft(app, "changes", "kb", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "\"ref\": \"v2.1.0\"");
	cmd_result_free(&r);
	free(v3);
	free(main);
	free(v21);
	free(app);
}

/*
 * A change only its own graft.ini declares, on a branch the tracked ref
 * does not contain: shown from there, with a warning that an upgrade to
 * the tracked ref does not run it.
 */
Test(show, a_change_the_tracked_graft_ini_lacks_is_read_from_its_own)
{
	char *app = rich_app(), *kb = tmp_path("kb"), *rc, want[256];
	struct cmd_result r;

	sh_do(kb, "git checkout -q -b next main && "
	      "printf '[change \"v4-rc\"]\ntype = feature\n' >> graft.ini && "
	      "git commit -q -a -m rc && git tag v4-rc && git checkout -q main");
	r = graft(app, "fetch", "-q", "kb", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	rc = rev(kb, "v4-rc");
	r = graft(app, "show", "kb@v4-rc", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want), "declared in:    the graft.ini of v4-rc (%.7s)\n",
		 rc);
	assert_contains(r.out, want);
	assert_contains(r.err, "warning: kb@main:graft.ini does not declare 'v4-rc': "
			"an upgrade to main does not run it");
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v4-rc", "--in", "main", NULL);
	cr_assert_eq(r.status, 1, "--in reads that graft.ini only");
	assert_contains(r.err, "error: kb@main:graft.ini declares no change 'v4-rc'");
	cmd_result_free(&r);
	free(rc);
	free(kb);
	free(app);
}

Test(show, a_commit_finds_the_change_declared_on_it)
{
	char *app = rich_app(), *v2 = kb_rev("v2.0.0"), spec[64];
	struct cmd_result r;

	snprintf(spec, sizeof(spec), "kb@%s", v2);
	r = graft(app, "show", spec, "--field", "ref", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "v2.0.0\n");
	cmd_result_free(&r);
	r = graft(app, "show", "kb@refs/tags/v2.0.0", "--field", "ref", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "v2.0.0\n");
	cmd_result_free(&r);

	/* two changes on main's commit: no guessing */
	r = graft(app, "show", "kb@main", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: kb@main:graft.ini declares 2 changes on the commit of 'main': notes-3, v3.0.0");
	assert_contains(r.err, "hint: name one of them, as in 'kb@v3.0.0'");
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	free(v2);
	free(app);
}

Test(show, unknown_ref_change_or_field_names_what_exists)
{
	char *app = rich_app();
	struct cmd_result r = graft(app, "show", "kb@v7", NULL);

	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: 'v7' is not a branch, tag or commit of kb");
	assert_contains(r.err, "hint: kb@main:graft.ini declares notes-3, v3.0.0, v9, v2.2.0, v2.1.0, v2.0.0\n");
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);

	/* neither main's graft.ini nor v1.0.0's own declares it */
	r = graft(app, "show", "kb@v1.0.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: kb@main:graft.ini declares no change 'v1.0.0'");
	assert_contains(r.err, "hint: it declares notes-3, v3.0.0, v9, v2.2.0, v2.1.0, v2.0.0\n");
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v1.0.0", "--in", "v2.0.0", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: kb@v2.0.0:graft.ini declares no change 'v1.0.0'");
	assert_contains(r.err, "hint: it declares v2.0.0\n");
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v2.0.0", "--in", "v9", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: --in: 'v9' is not a branch, tag or commit of kb");
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v2.0.0", "--in", "broken", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "kb@broken:graft.ini:");
	assert_contains(r.err, "unknown key 'colour'");
	cmd_result_free(&r);

	r = graft(app, "show", "kb@v3.0.0", "--field", "migration.colour", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: --field: there is no field 'migration.colour'");
	assert_contains(r.err, "hint: the fields are ref, commit, type, description, migration, verify, "
			"migration.name, migration.run, migration.description, migration.working_dir, "
			"migration.timeout, migration.env, verify.name, verify.run");
	cr_assert_str_eq(r.out, "");
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v3.0.0", "--field", "name", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "there is no field 'name'");
	cmd_result_free(&r);
	free(app);
}

Test(show, bad_name_at_ref_syntax)
{
	char *app = rich_app();
	static const struct {
		const char *arg;
		int status;
		const char *err;
	} cases[] = {
		/* no '@': the command line is wrong (usage, as git does) */
		{ "kb", 129, "error: expected <name>@<ref>, as in kb@v2.0.0, not 'kb'" },
		/* the parts must follow the rules for names and refs */
		{ "kb@", 1, "error: invalid ref: it is empty" },
		{ "@v3.0.0", 1, "error: invalid dependency name: it is empty" },
		{ "k/b@v3.0.0", 1, "error: invalid dependency name 'k/b'" },
		{ "kb@v3..0", 1, "error: invalid ref 'v3..0'" },
		{ "kb@-v3", 1, "error: invalid ref '-v3': it must not start with '-'" },
		/* '@' cannot be in a name: the first one splits */
		{ "k@b@v3.0.0", 1, "error: there is no dependency 'k'" },
		{ "nope@v3.0.0", 1, "error: there is no dependency 'nope'" },
	};
	struct cmd_result r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		r = graft(app, "show", cases[i].arg, NULL);
		cr_assert_eq(r.status, cases[i].status, "%s: %d\n%s", cases[i].arg,
			     r.status, r.err);
		assert_contains(r.err, cases[i].err);
		cr_assert_str_eq(r.out, "", "%s", cases[i].arg);
		cmd_result_free(&r);
	}
	r = graft(app, "show", NULL);
	cr_assert_eq(r.status, 129);
	assert_contains(r.err, "usage: git graft show");
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v3.0.0", "kb@v2.0.0", NULL);
	cr_assert_eq(r.status, 129);
	cmd_result_free(&r);
	r = graft(app, "show", "kb@v3.0.0", "--json", "--field", "type", NULL);
	cr_assert_eq(r.status, 129);
	assert_contains(r.err, "error: --json and --field cannot be used together");
	cmd_result_free(&r);
	r = graft(app, "show", "-h", NULL);
	cr_assert_eq(r.status, 129);
	assert_contains(r.out, "usage: git graft show");
	assert_contains(r.out, "migration.<key> and verify.<key>");
	cmd_result_free(&r);
	free(app);
}
