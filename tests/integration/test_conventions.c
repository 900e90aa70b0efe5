/*
 * git's conventions, where git-graft acts as git would: protocol rules
 * for clones and fetches, revision syntax, no silent downgrade, linked
 * worktrees, paging, progress and where the commands' output goes.
 * Terminals come from script(1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_deps.h"
#include "lib/fixtures_upgrade.h"
#include "lib/harness.h"

TestSuite(conventions, .init = harness_setup, .fini = harness_teardown);

static void expect_ok(struct cmd_result *r, const char *what)
{
	cr_assert_eq(r->status, 0, "%s: status %d: %s", what, r->status,
		     r->err);
	cmd_result_free(r);
}

/* ---- protocol rules ------------------------------------------------------ */

Test(conventions, protocol_file_allow_never_refuses_local_sources)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb"), *before, *after;
	const char *from_user_0[] = { "GIT_PROTOCOL_FROM_USER=0", NULL };
	const char *add[] = { "add", "kb", "../kb", NULL };
	struct cmd_result r;

	/* git submodule's clone reads the user's config, not the project's */
	sh_do(app, "git config --global protocol.file.allow never");
	before = deps_state(app);
	r = graft(app, "add", "kb", "../kb", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "error: transport 'file' not allowed");
	assert_contains(r.err, "hint: protocol.file.allow is 'never'");
	cmd_result_free(&r);
	after = deps_state(app);
	assert_str_eq(before, after, "the consumer");
	free(after);
	/* where git submodule add refuses too */
	r = sh(app, "git submodule add ../kb sub");
	cr_assert_neq(r.status, 0);
	assert_contains(r.err, "transport 'file' not allowed");
	cmd_result_free(&r);

	/* "user": git-graft is the user's command, unless the caller says not */
	sh_do(app, "git config --global protocol.file.allow user");
	r = graft_env(app, from_user_0, add);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "transport 'file' not allowed");
	assert_contains(r.err, "GIT_PROTOCOL_FROM_USER=0");
	cmd_result_free(&r);
	r = graft(app, "add", "kb", "../kb", NULL);
	expect_ok(&r, "add, from the user");

	/* a fetch is refused the same way */
	sh_do(app, "git commit -q -m kb && git config protocol.allow never && "
	      "git config --global --unset protocol.file.allow");
	r = graft(app, "fetch", "kb", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "transport 'file' not allowed");
	assert_contains(r.err, "protocol.allow is 'never'");
	cmd_result_free(&r);
	free(before);
	free(kb);
	free(app);
}

Test(conventions, git_allow_protocol_is_the_whole_list)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb");
	const char *https_only[] = { "GIT_ALLOW_PROTOCOL=https:ssh", NULL };
	const char *with_file[] = { "GIT_ALLOW_PROTOCOL=https:file", NULL };
	const char *add[] = { "add", "kb", "../kb", NULL };
	struct cmd_result r;

	/* it wins over protocol.file.allow=always ($HOME/.gitconfig) */
	r = graft_env(app, https_only, add);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "transport 'file' not allowed");
	assert_contains(r.err, "GIT_ALLOW_PROTOCOL allows only https:ssh");
	cmd_result_free(&r);
	r = graft_env(app, with_file, add);
	expect_ok(&r, "add with file allowed");
	free(kb);
	free(app);
}

/* ---- revisions -------------------------------------------------------- */

Test(conventions, revisions_are_read_in_the_dependency)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *kb = tmp_path("kb");
	char *v2 = rev(kb, "v2.0.0"), *s, *want;
	struct cmd_result r;

	r = graft(app, "show", "kb@v2.0.0^{commit}", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "old becomes new");
	cmd_result_free(&r);
	r = graft(app, "changes", "kb", "--from", "v2.0.0~1", "--to",
		  "main@{upstream}", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "v2.0.0");
	cmd_result_free(&r);

	/* what is no ref name is recorded as the commit's full id */
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0^{commit}", NULL);
	expect_ok(&r, "upgrade --to v2.0.0^{commit}");
	s = lock_value(app, "kb", "ref");
	assert_str_eq(s, v2, "graft.lock's ref");
	free(s);
	s = sh_ok(app, "git log -1 --format=%%s");
	cr_assert(asprintf(&want, "graft: upgrade kb v1.0.0 -> %s", v2) > 0);
	assert_str_eq(s, want, "the subject");
	free(want);
	free(s);

	r = graft(app, "apply", "kb", "--to", "v9^", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "'v9^' is not a branch, tag or commit of kb");
	cmd_result_free(&r);
	r = graft(app, "changes", "kb", "--to", "v1.0.0..v2.0.0", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "invalid --to 'v1.0.0..v2.0.0': it must not contain '..'");
	cmd_result_free(&r);
	free(v2);
	free(kb);
	free(app);
}

/* ---- no silent downgrade ------------------------------------------------ */

/* `upgrade kb --to <to>` is refused with msg and the hints, changing nothing. */
static void refused_as_no_upgrade(const char *app, const char *to,
				  const char *msg)
{
	char *before = full_state(app), *after;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", to, NULL);

	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, msg);
	assert_contains(r.err, "hint: to undo an upgrade of kb, 'git graft rollback kb'");
	assert_contains(r.err, "'git graft apply kb --to ");
	assert_contains(r.err, "pass --allow-downgrade");
	cmd_result_free(&r);
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	free(before);
}

Test(conventions, a_downgrade_is_refused_unless_allowed)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *s;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);

	expect_ok(&r, "upgrade");
	refused_as_no_upgrade(app, "v1.0.0",
			      "error: v1.0.0 (");
	refused_as_no_upgrade(app, "v1.0.0",
			      "is older than the locked v2.0.0 (");
	r = graft(app, "upgrade", "kb", "--to", "v1.0.0", "--allow-downgrade",
		  NULL);
	expect_ok(&r, "--allow-downgrade");
	s = sh_ok(app, "git log -1 --format=%%s");
	assert_str_eq(s, "graft: downgrade kb v2.0.0 -> v1.0.0", "the subject");
	free(s);
	s = lock_value(app, "kb", "ref");
	assert_str_eq(s, "v1.0.0", "graft.lock");
	free(s);
	free(app);
}

Test(conventions, a_move_aside_with_no_change_in_between_is_no_upgrade)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK);
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);

	expect_ok(&r, "upgrade");
	/* a fix on top of v1.0.0, beside v2.0.0, which declares nothing */
	sh_do(NULL, "cd kb && git checkout -q -b maint v1.0.0 && "
	      "echo fix > fix.txt && git add fix.txt && git commit -q -m fix && "
	      "git tag v1.0.1 && git checkout -q main");
	refused_as_no_upgrade(app, "v1.0.1",
			      "v1.0.1 (");
	refused_as_no_upgrade(app, "v1.0.1",
			      "does not descend from the locked v2.0.0 (");
	free(app);
}

/* ---- linked worktrees ---------------------------------------------------- */

/* In worktree wt, kb is checked out at its locked commit, as git sees it. */
static void expect_checked_out(const char *wt, const char *name)
{
	char *kb = tmp_path("kb"), *want = rev(kb, "v1.0.0"), *s, *gitdir;

	s = sh_ok(wt, "git -C .graft/kb rev-parse HEAD");
	assert_str_eq(s, want, "kb's HEAD");
	free(s);
	/* its repository is in the worktree's own git directory */
	s = sh_ok(wt, "cat .graft/kb/.git");
	cr_assert(asprintf(&gitdir, "worktrees/%s/modules/kb", name) > 0);
	assert_contains(s, gitdir);
	free(gitdir);
	free(s);
	s = sh_ok(wt, "git submodule status");
	cr_assert(s[0] == ' ', "git sees it checked out: %s", s);
	free(s);
	free(want);
	free(kb);
}

Test(conventions, sync_and_resolve_in_a_new_linked_worktree_clone_what_is_missing)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *wt = tmp_path("wt");
	char *wt2 = tmp_path("wt2");
	struct cmd_result r;

	sh_do(app, "git worktree add -q ../wt && git worktree add -q ../wt2");
	r = graft(wt, "sync", NULL);
	expect_ok(&r, "sync");
	expect_checked_out(wt, "wt");
	r = graft(wt2, "resolve", NULL);
	expect_ok(&r, "resolve");
	expect_checked_out(wt2, "wt2");
	free(wt2);
	free(wt);
	free(app);
}

/* ---- output ----------------------------------------------------------- */

/* A pager that keeps what it reads, and what it was given, in $HOME. */
#define FAKE_PAGER \
	"#!/bin/sh\n" \
	"cat > \"$HOME/paged\"\n" \
	"echo \"LESS=$LESS LV=$LV IN_USE=$GIT_PAGER_IN_USE\" > \"$HOME/pager-env\"\n"

/* cmd (a shell command) run on a terminal, in dir. */
static struct cmd_result on_terminal(const char *dir, const char *cmd)
{
	char *q = shq(cmd);
	struct cmd_result r = sh(dir, "TERM=xterm script -qec %s /dev/null", q);

	free(q);
	return r;
}

static char *paged(void)
{
	char *path = tmp_path("paged"), *s = read_file(path);

	sh_do(NULL, "rm -f paged pager-env");
	free(path);
	return s;
}

Test(conventions, log_is_paged_on_a_terminal_and_keeps_its_colour)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *pager = tmp_path("pager");
	char *cmd, *git_cmd, *s, *env;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);

	expect_ok(&r, "upgrade");
	write_file(pager, FAKE_PAGER);
	sh_do(NULL, "chmod +x pager");
	cr_assert(asprintf(&cmd, "GIT_PAGER=\"$HOME/pager\" '%s' log", graft_bin()) > 0);
	r = on_terminal(app, cmd);
	expect_ok(&r, "log");
	s = tmp_path("pager-env");
	env = read_file(s);
	free(s);
	/* as git's: GIT_PAGER_IN_USE is for git-graft, not the pager */
	assert_str_eq(env, "LESS=FRX LV=-c IN_USE=\n", "the pager's environment");
	free(env);
	s = paged();
	cr_assert(s, "log was not paged");
	assert_contains(s, "upgrade  kb v1.0.0 -> v2.0.0");
	assert_contains(s, "\033[");
	free(s);

	/* -P turns it off for once, as git's --no-pager */
	free(cmd);
	cr_assert(asprintf(&cmd, "GIT_PAGER=\"$HOME/pager\" '%s' -P log", graft_bin()) > 0);
	r = on_terminal(app, cmd);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "upgrade  kb v1.0.0 -> v2.0.0");
	cr_assert_null(paged(), "paged with -P");
	cmd_result_free(&r);
	free(cmd);
	cr_assert(asprintf(&cmd, "GIT_PAGER=\"$HOME/pager\" '%s' log", graft_bin()) > 0);

	/* pager.graft.log=false turns it off; output goes to the terminal */
	sh_do(app, "git config pager.graft.log false");
	r = on_terminal(app, cmd);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "upgrade  kb v1.0.0 -> v2.0.0");
	cr_assert_null(paged(), "paged with pager.graft.log=false");
	cmd_result_free(&r);

	/* any command pages with pager.graft.<command>, core.pager's pager */
	sh_do(app, "git config pager.graft.status true && "
	      "git config core.pager \"$HOME/pager\"");
	free(cmd);
	cr_assert(asprintf(&cmd, "'%s' status", graft_bin()) > 0);
	r = on_terminal(app, cmd);
	expect_ok(&r, "status");
	s = paged();
	cr_assert(s, "status was not paged");
	assert_contains(s, "kb");
	free(s);

	/* -p pages a command that does not page by default */
	sh_do(app, "git config pager.graft.status false");
	free(cmd);
	cr_assert(asprintf(&cmd, "'%s' -p status", graft_bin()) > 0);
	r = on_terminal(app, cmd);
	expect_ok(&r, "-p status");
	s = paged();
	cr_assert(s, "-p did not page");
	free(s);

	/* not on a terminal: no pager */
	r = graft(app, "log", NULL);
	expect_ok(&r, "log to a pipe");
	cr_assert_null(paged(), "paged without a terminal");

	/* git's own pager.graft: git pages, and the colour stays */
	sh_do(app, "git config --unset pager.graft.log");
	cr_assert(asprintf(&git_cmd, "PATH=\"$(dirname '%s'):$PATH\" "
			   "GIT_PAGER=\"$HOME/pager\" git -c pager.graft=true graft log",
			   graft_bin()) > 0);
	r = on_terminal(app, git_cmd);
	expect_ok(&r, "git graft log, paged by git");
	s = paged();
	cr_assert(s, "git did not page it");
	assert_contains(s, "\033[");
	assert_contains(s, "upgrade  kb v1.0.0 -> v2.0.0");
	free(s);
	free(git_cmd);
	free(cmd);
	free(pager);
	free(app);
}

/*
 * An upgrade through the pager: the end of each command's leftovers
 * spares it, and it gets everything the upgrade printed.
 */
Test(conventions, an_upgrade_paged_keeps_its_pager)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *pager = tmp_path("pager");
	char *cmd, *s;
	struct cmd_result r;

	write_file(pager, FAKE_PAGER);
	sh_do(NULL, "chmod +x pager");
	cr_assert(asprintf(&cmd, "GIT_PAGER=\"$HOME/pager\" '%s' -p upgrade kb --to v2.0.0",
			   graft_bin()) > 0);
	r = on_terminal(app, cmd);
	expect_ok(&r, "upgrade");
	s = paged();
	cr_assert(s, "the upgrade was not paged");
	assert_contains(s, "kb: v1.0.0");
	free(s);
	s = sh_ok(app, "git log -1 --format=%%s");
	assert_str_eq("graft: upgrade kb v1.0.0 -> v2.0.0", s, "committed");
	free(s);
	free(cmd);
	free(pager);
	free(app);
}

Test(conventions, a_clone_from_a_local_path_shows_progress_on_a_terminal)
{
	char *app = make_repo("app"), *kb = make_dep_repo("kb"), *cmd;
	struct cmd_result r;

	cr_assert(asprintf(&cmd, "'%s' add kb ../kb", graft_bin()) > 0);
	r = on_terminal(app, cmd);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	assert_contains(r.out, "Cloning into '.graft/kb'...");
	assert_contains(r.out, "done.");
	cmd_result_free(&r);
	free(cmd);
	free(kb);
	free(app);
}

Test(conventions, json_leaves_the_commands_output_on_stderr)
{
	char *app = make_app("echo migrating now\n" MIGRATE_OK, VERIFY_OK);
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0",
				    "--json", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "kb: running migration 'migrate' of kb v2.0.0\nmigrating now\n");
	cr_assert(r.out[0] == '[' && !strstr(r.out, "migrating"), "%s", r.out);
	cmd_result_free(&r);
	free(app);
}
