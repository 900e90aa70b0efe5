/*
 * Hostile input: names, refs and sources made to escape a path, read as
 * an option or flood the terminal, given on the command line and in the
 * files a clone brings (graft.ini, graft.lock, .gitmodules), and work
 * trees whose .graft leads out of the repository. Each is refused with
 * an error that names the argument or file:line, and nothing changes:
 * not the repository, not its refs, not anything outside it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(hostile, .init = harness_setup, .fini = harness_teardown);

#define MISSING "0123456789abcdef0123456789abcdef01234567"

/* A string of n copies of c (caller frees). */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	cr_assert(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/*
 * Everything a refused command must leave as it was: deps_state (status,
 * index, graft.ini, graft.lock, .gitmodules, .git/config, .git/modules,
 * .graft), every ref and HEAD of the repository and of the dependencies'
 * repositories, and whether an operation lock was left behind.
 */
static char *state(const char *app)
{
	char *deps = deps_state(app), *rest, *all;

	rest = sh_ok(app,
		     "echo '== refs'; git for-each-ref; git rev-parse HEAD; "
		     "for m in .git/modules/*; do [ -d \"$m\" ] || continue; "
		     "echo \"== $m\"; git --git-dir=\"$m\" for-each-ref; "
		     "git --git-dir=\"$m\" rev-parse HEAD; done; "
		     "echo '== links'; find . -path ./.git -prune -o -type l -print | sort; "
		     "echo '== op lock'; ls .git/graft 2>/dev/null || true");
	cr_assert(asprintf(&all, "%s\n%s", deps, rest) > 0);
	free(deps);
	free(rest);
	return all;
}

/* What a repository outside the consumer looks like: refs, HEAD, files. */
static char *outside_state(const char *dir)
{
	return sh_ok(dir, "git for-each-ref; git rev-parse HEAD; "
		     "git status --porcelain --untracked-files=all --ignored; "
		     "find . -path ./.git -prune -o -print | sort");
}

/*
 * git-graft with args (NULL-ended) in app: exit status, a message on
 * stderr, and the repository unchanged. Error lines stay short and hold
 * no control character, whatever the input held.
 */
static void expect_refused_argv(const char *app, const char *const *args,
				int status, const char *message)
{
	const char *argv[16];
	char *before = state(app), *after, *line;
	struct cmd_result r;
	size_t n = 0;

	argv[n++] = graft_bin();
	for (; *args; args++) {
		cr_assert(n < 15);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	r = run_argv(app, argv);
	cr_assert_eq(r.status, status, "%s %s: exit %d, not %d\n%s", argv[1],
		     n > 2 ? argv[2] : "", r.status, status, r.err);
	assert_contains(r.err, message);
	for (line = r.err; *line; line++)
		cr_assert(*line == '\n' || (unsigned char)*line >= 0x20,
			  "a control character reached stderr:\n%s", r.err);
	for (line = strtok(r.err, "\n"); line; line = strtok(NULL, "\n"))
		cr_assert_lt(strlen(line), 400, "a flood on stderr: %.80s...", line);
	after = state(app);
	cr_assert_str_eq(after, before, "%s %s changed something", argv[1],
			 n > 2 ? argv[2] : "");
	cmd_result_free(&r);
	free(before);
	free(after);
}

#define expect_refused(app, status, message, ...) do { \
	const char *const args_[] = { __VA_ARGS__, NULL }; \
	expect_refused_argv((app), args_, (status), (message)); \
} while (0)

/* ---- the command line ---------------------------------------------------- */

Test(hostile, add_refuses_names_that_escape_or_read_as_options)
{
	char *app = make_app_with_kb("v1.0.0"), *huge = repeat('x', 10240);
	const char *const names[] = { "..", "../outside", "-rf", "a\001b",
				      "a\nerror: forged", huge, NULL };
	const char *const *n;

	sh_do(app, "git commit -q -m kb");
	for (n = names; *n; n++)
		expect_refused(app, 1, "error: invalid dependency name '", "add",
			       "--", *n, "../kb");
	/* a newline in the name does not start a line of its own */
	expect_refused(app, 1, "invalid dependency name 'a?error: forged'", "add",
		       "--", "a\nerror: forged", "../kb");
	expect_refused(app, 1, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': longer than 64 bytes",
		       "add", huge, "../kb");
	free(huge);
	free(app);
}

Test(hostile, refs_that_read_as_options_or_flood_are_refused)
{
	char *app = make_app_with_kb("v1.0.0"), *huge = repeat('v', 10240);
	char *spec;
	const char *const refs[] = { "-x", "a\001b", "a/../b", huge, NULL };
	const char *const *ref;

	sh_do(app, "git commit -q -m kb");
	for (ref = refs; *ref; ref++) {
		cr_assert(asprintf(&spec, "../kb#%s", *ref) > 0);
		expect_refused(app, 1, "error: invalid ref '", "add", "other", spec);
		free(spec);
		expect_refused(app, 1, "error: invalid --to '", "apply", "kb",
			       "--to", *ref);
		expect_refused(app, 1, "error: invalid --from '", "changes", "kb",
			       "--from", *ref);
	}
	expect_refused(app, 1, "longer than 255 bytes", "apply", "kb", "--to", huge);
	free(huge);
	free(app);
}

/* ---- graft.ini and graft.lock, as a pull or a clone brings them -------- */

/* app with kb committed, and section appended to graft.ini. */
static char *app_with_section(const char *section)
{
	char *app = make_app_with_kb("v1.0.0"), *path = tmp_path("app/graft.ini");
	char *text = read_file(path), *more;

	sh_do(app, "git commit -q -m kb");
	cr_assert(asprintf(&more, "%s%s", text, section) > 0);
	write_file(path, more);
	free(more);
	free(text);
	free(path);
	return app;
}

Test(hostile, hostile_dependency_sections_in_graft_ini)
{
	char *huge = repeat('a', 10240), *section;
	const char *const names[] = { "../evil", "-x", "a/b", "a\001b", NULL };
	const char *const *n;

	for (n = names; *n; n++) {
		char *app;

		cr_assert(asprintf(&section, "[dependency \"%s\"]\nsource = ../kb\n",
				   *n) > 0);
		app = app_with_section(section);
		expect_refused(app, 1, "error: graft.ini:3: invalid dependency name '",
			       "resolve");
		expect_refused(app, 1, "error: graft.ini:3: invalid dependency name '",
			       "sync");
		expect_refused(app, 1, "error: graft.ini:3: invalid dependency name '",
			       "status");
		expect_refused(app, 1, "error: graft.ini:3: invalid dependency name '",
			       "validate");
		expect_refused(app, 1, "error: graft.ini:3: invalid dependency name '",
			       "add", "other", "../kb");
		sh_do(harness_tmp(), "rm -rf app kb");
		free(section);
		free(app);
	}
	free(huge);
}

Test(hostile, a_10_kb_section_header_is_refused_with_its_line_alone)
{
	char *huge = repeat('a', 10240), *section, *app;
	struct cmd_result r;

	cr_assert(asprintf(&section, "[dependency \"%s\"]\nsource = ../kb\n", huge) > 0);
	app = app_with_section(section);
	expect_refused(app, 1, "error: graft.ini:3: line is 10255 bytes long",
		       "resolve");
	expect_refused(app, 1, "error: graft.ini:3: line is 10255 bytes long",
		       "status");
	/* its keys are not taken for keys of the section before it */
	r = graft(app, "validate", "config", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: graft.ini:3: line is 10255 bytes long");
	cr_assert_null(strstr(r.err, "duplicate key"), "%s", r.err);
	cr_assert_null(strstr(r.err, "graft.ini:4"), "%s", r.err);
	cmd_result_free(&r);
	free(section);
	free(huge);
	free(app);
}

Test(hostile, sources_that_run_programs_are_refused_in_graft_ini)
{
	char *marker = tmp_path("pwned"), *section, *app;
	const char *const prefixes[] = { "--upload-pack=touch ",
					 "ext::sh -c touch% ", NULL };
	const char *const *s;

	for (s = prefixes; *s; s++) {
		char *source;

		cr_assert(asprintf(&source, "%s%s", *s, marker) > 0);
		cr_assert(asprintf(&section, "[dependency \"other\"]\nsource = %s\n",
				   source) > 0);
		app = app_with_section(section);
		expect_refused(app, 1, "error: graft.ini:4: invalid source '", "resolve");
		expect_refused(app, 1, "error: graft.ini:4: invalid source '", "fetch",
			       "other");
		expect_refused(app, 1, "error: graft.ini:4: invalid source '", "status",
			       "--fetch");
		cr_assert(!file_exists(marker), "%s ran a program", source);
		sh_do(harness_tmp(), "rm -rf app kb");
		free(section);
		free(source);
		free(app);
	}
	free(marker);
}

Test(hostile, sources_that_run_programs_are_refused_in_graft_lock)
{
	char *app = make_app_with_kb("v1.0.0"), *marker = tmp_path("pwned");
	char *q = shq(marker);

	sh_do(app, "git commit -q -m kb && "
	      "sed -i 's|^source = .*|source = ext::sh -c touch%% %s|' graft.lock", q);
	expect_refused(app, 1, "error: graft.lock:3: invalid source 'ext::sh", "sync");
	expect_refused(app, 1, "error: graft.lock:3: invalid source 'ext::sh", "resolve");
	expect_refused(app, 1, "error: graft.lock:3: invalid source 'ext::sh", "fetch");
	sh_do(app, "git checkout -q graft.lock && "
	      "sed -i 's|^source = .*|source = --upload-pack=touch %s|' graft.lock", q);
	expect_refused(app, 1, "error: graft.lock:3: invalid source '--upload-pack", "sync");
	expect_refused(app, 1, "error: graft.lock:3: invalid source '--upload-pack",
		       "validate", "lock");
	cr_assert(!file_exists(marker), "a source in graft.lock ran a program");
	free(q);
	free(marker);
	free(app);
}

/*
 * .gitmodules names the submodule at .graft/kb; git keeps its repository
 * in .git/modules/<that name>, so a name that climbs would put it
 * anywhere. git refuses such names, and so does git-graft.
 */
Test(hostile, a_gitmodules_name_cannot_place_a_repository_outside)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	char *victim = tmp_path("victim"), *left;

	sh_do(harness_tmp(), "mkdir victim");
	sh_do(app, "printf '[dependency \"kb\"]\\nsource = ../kb\\n' > graft.ini && "
	      "printf '[submodule \"../../../victim/kb\"]\\n\\tpath = .graft/kb\\n"
	      "\\turl = ../kb\\n' > .gitmodules && git add -A && "
	      "git commit -q -m 'from a hostile upstream'");
	expect_refused(app, 1, "error: .gitmodules: the submodule at .graft/kb: "
		       "invalid submodule name '../../../victim/kb'", "resolve");
	expect_refused(app, 1, "invalid submodule name", "status");
	left = sh_ok(victim, "find . | sort");
	cr_assert_str_eq(left, ".", "a repository was put outside:\n%s", left);
	free(left);
	free(victim);
	free(kb);
	free(app);
}

/* A .gitmodules git-graft cannot read fails the command, and only that. */
Test(hostile, a_malformed_gitmodules_is_an_error_not_a_crash)
{
	char *app = make_app_with_kb("v1.0.0");
	struct cmd_result r;

	sh_do(app, "git commit -q -m kb && printf '[submodule \"kb\"\\n' > .gitmodules");
	expect_refused(app, 1, "error: cannot read .gitmodules", "resolve");
	expect_refused(app, 1, "error: cannot read .gitmodules", "sync");
	/* and the operation lock went with it */
	r = graft(app, "status", NULL);
	cr_assert_null(strstr(r.err, "took over the operation lock"), "%s", r.err);
	cmd_result_free(&r);
	free(app);
}

/* ---- a work tree whose .graft leads out of the repository ------------- */

Test(hostile, a_symlinked_checkout_is_not_followed_out)
{
	char *app = make_app_with_kb("v1.0.0"), *out = tmp_path("outside");
	char *before, *after;
	struct cmd_result r;
	const char *const message =
		"error: .graft/kb is a symbolic link; git-graft does not follow it out of the repository";

	/* someone else's clone of kb, at another commit than the lock's */
	sh_do(harness_tmp(), "git clone -q kb outside && "
	      "git -C outside checkout -q v2.0.0");
	sh_do(app, "git commit -q -m kb && mv .graft/kb ../kb-checkout && "
	      "ln -s ../../outside .graft/kb");
	before = outside_state(out);
	expect_refused(app, 1, message, "status");
	expect_refused(app, 1, message, "sync");
	expect_refused(app, 1, message, "sync", "--force");
	expect_refused(app, 1, message, "validate");
	expect_refused(app, 1, message, "validate", "integrity");
	expect_refused(app, 1, message, "resolve");
	expect_refused(app, 1, message, "fetch", "kb");
	expect_refused(app, 1, message, "apply", "kb", "--to", "v1.0.0");
	expect_refused(app, 1, message, "remove", "kb");
	expect_refused(app, 1, message, "changes", "kb");
	/* run lists what it can, and says why kb's commands are not there */
	r = graft(app, "run", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: .graft/kb is a symbolic link");
	cmd_result_free(&r);
	after = outside_state(out);
	cr_assert_str_eq(after, before, "the repository outside was changed");
	free(before);
	free(after);
	free(out);
	free(app);
}

/* .graft itself committed as a link out, as a hostile upstream could */
Test(hostile, a_symlinked_graft_directory_is_not_followed_out)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb"), *left;
	char *elsewhere = tmp_path("elsewhere");
	const char *const message =
		"error: .graft is a symbolic link; git-graft does not follow it out of the repository";

	sh_do(harness_tmp(), "mkdir elsewhere");
	sh_do(app, "printf '[dependency \"kb\"]\\nsource = ../kb\\n' > graft.ini && "
	      "ln -s ../elsewhere .graft && git add -A && "
	      "git commit -q -m 'from a hostile upstream'");
	expect_refused(app, 1, message, "resolve");
	expect_refused(app, 1, message, "add", "other", "../kb");
	expect_refused(app, 1, message, "status");
	left = sh_ok(elsewhere, "find . | sort");
	cr_assert_str_eq(left, ".", "something was put outside:\n%s", left);
	free(left);
	free(elsewhere);
	free(kb);
	free(app);
}

/* graft.ini, graft.lock or .gitmodules committed as links out */
Test(hostile, symlinked_project_files_are_not_read)
{
	char *app = make_app_with_kb("v1.0.0");

	sh_do(harness_tmp(), "printf '[dependency \"x\"]\\nsource = secret\\n' > outside.ini");
	sh_do(app, "git commit -q -m kb && mv graft.ini ../saved.ini && "
	      "ln -s ../outside.ini graft.ini && git add graft.ini && "
	      "git commit -q -m link");
	expect_refused(app, 1, "graft.ini' is a symbolic link", "status");
	expect_refused(app, 1, "graft.ini' is a symbolic link", "validate");
	expect_refused(app, 1, "graft.ini' is a symbolic link", "upgrade", "kb");
	sh_do(app, "rm graft.ini && mv ../saved.ini graft.ini && "
	      "mv graft.lock ../saved.lock && ln -s ../saved.lock graft.lock && "
	      "git add -A && git commit -q -m 'lock link'");
	expect_refused(app, 1, "graft.lock' is a symbolic link", "sync");
	sh_do(app, "rm graft.lock && mv ../saved.lock graft.lock && "
	      "mv .gitmodules ../saved.gitmodules && "
	      "ln -s ../saved.gitmodules .gitmodules && git add -A && "
	      "git commit -q -m 'gitmodules link'");
	expect_refused(app, 1, ".gitmodules is a symbolic link", "sync");
	free(app);
}

/* ---- a lock on a commit the dependency does not have ------------------- */

Test(hostile, a_lock_on_a_commit_the_dependency_lacks)
{
	char *app = make_app_with_kb("v1.0.0"), *before, *after;
	struct cmd_result r;

	sh_do(app, "git commit -q -m kb && "
	      "sed -i 's/^commit = .*/commit = " MISSING "/' graft.lock");
	expect_refused(app, 1, "error: kb is locked at " MISSING
		       ", which its source does not have", "sync");
	expect_refused(app, 1, "error: kb is locked at " MISSING
		       ", which its source does not have", "sync", "--force");
	expect_refused(app, 2, "error: .graft/kb: checked out at ", "validate",
		       "integrity");
	/* the lock itself is wrong: a file error, with its line */
	expect_refused(app, 1, "error: graft.lock:3: dependency 'kb' is locked at "
		       "0123456, a commit .graft/kb does not have", "validate");
	expect_refused(app, 1, "error: kb is locked at " MISSING
		       ", which its source does not have", "resolve");
	/* status reports it as it reports any mismatch, and goes on */
	before = state(app);
	r = graft(app, "status", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: graft.lock has " MISSING
			" for kb, which is not in its repository");
	cmd_result_free(&r);
	after = state(app);
	cr_assert_str_eq(after, before);
	free(before);
	free(after);
	free(app);
}
