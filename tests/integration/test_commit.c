/*
 * The commits git-graft makes, made as git makes them: signed by the
 * real gpg and ssh-keygen (and a failing signer), with the hooks `git
 * commit` runs, in its order and with its environment, and
 * i18n.commitEncoding. Each is checked with git itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_upgrade.h"
#include "lib/harness.h"

TestSuite(commit, .init = harness_setup, .fini = harness_teardown);

#define HOOKS_LOG "hooks.log"

/* The app of fixtures_upgrade.h, with the upgrade's commands succeeding. */
static char *app_ok(void)
{
	return make_app(MIGRATE_OK, VERIFY_OK);
}

static void expect_ok(struct cmd_result *r, const char *what)
{
	cr_assert_eq(r->status, 0, "%s: status %d: %s", what, r->status,
		     r->err);
	cmd_result_free(r);
}

/* `git log -1 --format=<fmt>` of HEAD in app (caller frees). */
static char *head_format(const char *app, const char *fmt)
{
	return sh_ok(app, "git log -1 --format='%s'", fmt);
}

/* ---- signing ---------------------------------------------------------- */

/*
 * A throw-away gpg key for the committer, in a GNUPGHOME of the test's
 * own, which git-graft and git find in the environment.
 */
static void make_gpg_key(void)
{
	char *home = tmp_path("gnupg");

	setenv("GNUPGHOME", home, 1);
	sh_do(NULL, "mkdir -m 700 gnupg && gpg --batch --quiet --passphrase '' "
	      "--quick-gen-key 'C O Mitter <committer@example.com>' ed25519 "
	      "sign never 2>/dev/null");
	free(home);
}

/* The gpg-agent a test started must not outlive it. */
static void stop_gpg_agent(void)
{
	struct cmd_result r = sh(NULL, "gpgconf --kill gpg-agent");

	cmd_result_free(&r);
}

Test(commit, gpg_signs_upgrade_and_rollback_as_commit_gpgsign_says)
{
	char *app = app_ok(), *s;
	struct cmd_result r;

	make_gpg_key();
	sh_do(app, "git config commit.gpgSign true");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	expect_ok(&r, "upgrade");
	s = head_format(app, "%G? %s");
	assert_str_eq(s, "G graft: upgrade kb v1.0.0 -> v2.0.0", "the upgrade");
	free(s);
	sh_do(app, "git verify-commit HEAD 2>/dev/null");

	r = graft(app, "rollback", "kb", NULL);
	expect_ok(&r, "rollback");
	s = head_format(app, "%G? %s");
	assert_str_eq(s, "G graft: rollback kb v2.0.0 -> v1.0.0", "the rollback");
	free(s);
	sh_do(app, "git verify-commit HEAD 2>/dev/null");

	/* --no-gpg-sign wins over commit.gpgSign */
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--no-gpg-sign", NULL);
	expect_ok(&r, "upgrade --no-gpg-sign");
	s = head_format(app, "%G?");
	assert_str_eq(s, "N", "unsigned");
	free(s);
	stop_gpg_agent();
	free(app);
}

Test(commit, gpg_sign_option_takes_a_key)
{
	char *app = app_ok(), *s, *fpr, *arg;
	struct cmd_result r;

	make_gpg_key();
	fpr = sh_ok(NULL, "gpg --list-secret-keys --with-colons | "
		    "awk -F: '$1 == \"fpr\" { print $10; exit }'");
	/* no commit.gpgSign: the option alone signs, with the key it names */
	cr_assert(asprintf(&arg, "--gpg-sign=%s", fpr) > 0);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", arg, NULL);
	expect_ok(&r, "upgrade --gpg-sign=<key>");
	free(arg);
	s = head_format(app, "%G? %GF");
	cr_assert(asprintf(&arg, "G %s", fpr) > 0);
	assert_str_eq(s, arg, "signed with the key given");
	free(s);
	free(arg);
	r = graft(app, "rollback", "-S", "kb", NULL);
	expect_ok(&r, "rollback -S");
	s = head_format(app, "%G?");
	assert_str_eq(s, "G", "the rollback, signed by -S");
	free(s);
	stop_gpg_agent();
	free(fpr);
	free(app);
}

/* An ssh key for the committer, and git told to trust it. */
static void make_ssh_key(const char *app)
{
	sh_do(NULL, "ssh-keygen -q -t ed25519 -N '' -C test -f id_test && "
	      "echo \"committer@example.com $(cat id_test.pub)\" > allowed");
	sh_do(app, "git config gpg.format ssh && "
	      "git config gpg.ssh.allowedSignersFile \"$HOME/allowed\"");
}

Test(commit, ssh_signs_with_a_key_file_and_a_literal_key)
{
	char *app = app_ok(), *s;
	struct cmd_result r;

	make_ssh_key(app);
	/* a key file, "~/" expanded as git expands it */
	sh_do(app, "git config user.signingKey '~/id_test'");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "-S", NULL);
	expect_ok(&r, "upgrade with a key file");
	s = head_format(app, "%G? %GS");
	assert_str_eq(s, "G committer@example.com", "signed by the key file");
	free(s);
	sh_do(app, "git verify-commit HEAD 2>/dev/null");

	/* key::<public key>: the private half is ssh-agent's */
	sh_do(app, "git config user.signingKey \"key::$(cat ../id_test.pub)\"");
	r = sh(app, "eval \"$(ssh-agent -s)\" >/dev/null && ssh-add -q ../id_test && "
	       "'%s' rollback -S kb; rc=$?; kill $SSH_AGENT_PID; exit $rc",
	       graft_bin());
	expect_ok(&r, "rollback with a literal key");
	s = head_format(app, "%G? %s");
	assert_str_eq(s, "G graft: rollback kb v2.0.0 -> v1.0.0",
		      "signed through ssh-agent");
	free(s);
	free(app);
}

/* A signer that logs how it was run and signs with a fixed text. */
#define FAKE_SIGNER \
	"#!/bin/sh\n" \
	"echo \"$*\" > \"$HOME/signer-args\"\n" \
	"cat > \"$HOME/signer-input\"\n" \
	"echo '[GNUPG:] SIG_CREATED D 22 8 00 1 FAKE' >&2\n" \
	"printf -- '-----BEGIN SIGNED MESSAGE-----\\nfake\\n-----END SIGNED MESSAGE-----\\n'\n"

Test(commit, x509_runs_gpg_x509_program_as_git_does)
{
	char *app = app_ok(), *signer = tmp_path("fake-gpgsm"), *s;
	struct cmd_result r;

	write_file(signer, FAKE_SIGNER);
	sh_do(NULL, "chmod +x fake-gpgsm");
	sh_do(app, "git config gpg.format x509 && "
	      "git config gpg.x509.program \"$HOME/fake-gpgsm\" && "
	      "git config commit.gpgSign true");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	expect_ok(&r, "upgrade");
	/* git's arguments, the committer as the default key */
	s = sh_ok(NULL, "cat signer-args");
	assert_str_eq(s, "--status-fd=2 -bsau C O Mitter <committer@example.com>",
		      "the signer's arguments");
	free(s);
	/* it signed the commit as written, without the signature */
	s = sh_ok(app, "git cat-file commit HEAD | sed '/^gpgsig /,/^ -----END/d' | "
		  "cmp - ../signer-input && echo same");
	assert_str_eq(s, "same", "the payload");
	free(s);
	s = sh_ok(app, "git cat-file commit HEAD | sed -n '/^gpgsig/,/END/p'");
	assert_str_eq(s, "gpgsig -----BEGIN SIGNED MESSAGE-----\n fake\n"
		      " -----END SIGNED MESSAGE-----", "the header");
	free(s);
	free(signer);
	free(app);
}

Test(commit, a_failing_signer_fails_the_upgrade_and_changes_nothing)
{
	char *app = app_ok(), *signer = tmp_path("bad-gpg");
	const char *no_sig[] = { "-S", NULL };

	write_file(signer, "#!/bin/sh\necho 'gpg: signing failed: No secret key' >&2\nexit 2\n");
	sh_do(NULL, "chmod +x bad-gpg");
	sh_do(app, "git config gpg.program \"$HOME/bad-gpg\"");
	upgrade_fails_unchanged(app, 1, "bad-gpg failed to sign the data (it exited with status 2):\n"
				"gpg: signing failed: No secret key", no_sig);
	/* a signer that exits 0 without saying it signed has not signed */
	write_file(signer, "#!/bin/sh\ncat >/dev/null\necho sig\n");
	upgrade_fails_unchanged(app, 1, "bad-gpg failed to sign the data:\n(no output)",
				no_sig);
	/* a signer that is not there */
	sh_do(app, "git config gpg.program no-such-gpg");
	upgrade_fails_unchanged(app, 1, "cannot run no-such-gpg: No such file or directory",
				no_sig);
	/* a setting git-graft cannot use is refused before anything runs */
	sh_do(app, "git config gpg.format pgp");
	upgrade_fails_unchanged(app, 1, "invalid value for 'gpg.format': 'pgp'", no_sig);
	sh_do(app, "git config gpg.format ssh && git config --unset gpg.program");
	upgrade_fails_unchanged(app, 1, "either user.signingkey or gpg.ssh.defaultKeyCommand needs to be configured",
				no_sig);
	free(signer);
	free(app);
}

Test(commit, a_failing_signer_fails_the_rollback_and_changes_nothing)
{
	char *app = app_ok(), *before, *after;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);

	expect_ok(&r, "upgrade");
	sh_do(app, "git config commit.gpgSign true && git config gpg.program false");
	before = full_state(app);
	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "cannot commit the rollback: false failed to sign the data");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	free(before);
	cmd_result_free(&r);
	free(app);
}

/* ---- hooks -------------------------------------------------------------- */

/*
 * Hook name in dir: it logs its name, arguments, what git gives a hook
 * and where it runs, to $HOME/hooks.log (paths from $HOME), then runs
 * extra.
 */
static void write_hook(const char *dir, const char *name, const char *extra)
{
	char *path;

	cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
	sh_do(NULL, "mkdir -p '%s'", dir);
	{
		char *text;

		cr_assert(asprintf(&text,
				   "#!/bin/sh\n"
				   "args=$(echo \"$*\" | sed \"s|$HOME/||g\")\n"
				   "echo \"%s($args) index=${GIT_INDEX_FILE#$HOME/} "
				   "editor=$GIT_EDITOR author=$GIT_AUTHOR_NAME "
				   "cwd=${PWD#$HOME/}\" >> \"$HOME/" HOOKS_LOG "\"\n"
				   "%s",
				   name, extra ? extra : "") > 0);
		write_file(path, text);
		free(text);
	}
	sh_do(NULL, "chmod +x '%s'", path);
	free(path);
}

static void write_all_hooks(const char *dir)
{
	write_hook(dir, "pre-commit", "git diff --cached --name-only >> \"$HOME/" HOOKS_LOG "\"\n");
	write_hook(dir, "prepare-commit-msg", NULL);
	/* as Gerrit's hook: a trailer of its own in the trailer block */
	write_hook(dir, "commit-msg", "echo 'Change-Id: I0123' >> \"$1\"\n");
	write_hook(dir, "post-commit", "git log -1 --format=%s >> \"$HOME/" HOOKS_LOG "\"\n");
}

static char *hooks_log(void)
{
	char *path = tmp_path(HOOKS_LOG), *s = read_file(path);

	free(path);
	return s ? s : strdup("");
}

static void clear_hooks_log(void)
{
	sh_do(NULL, "rm -f " HOOKS_LOG);
}

Test(commit, upgrade_runs_the_hooks_git_commit_runs_in_its_order)
{
	char *app = app_ok(), *hooks = tmp_path("app/.git/hooks"), *log, *s;
	struct cmd_result r;

	write_all_hooks(hooks);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	expect_ok(&r, "upgrade");
	log = hooks_log();
	assert_str_eq(log,
		      "pre-commit() index=app/.git/index editor=: author=A U Thor cwd=app\n"
		      ".graft/kb\ngraft.lock\nmade.txt\nsrc/a.txt\n"
		      "prepare-commit-msg(app/.git/COMMIT_EDITMSG message) index=app/.git/index editor=: author=A U Thor cwd=app\n"
		      "commit-msg(app/.git/COMMIT_EDITMSG) index=app/.git/index editor=: author=A U Thor cwd=app\n"
		      "post-commit() index=app/.git/index editor=: author=A U Thor cwd=app\n"
		      "graft: upgrade kb v1.0.0 -> v2.0.0\n",
		      "the hooks, in order, with what they saw");
	free(log);
	/* the message commit-msg edited, trailers kept, and the history reads it */
	s = sh_ok(app, "git log -1 --format='%%(trailers:key=Change-Id,valueonly)"
		  "%%(trailers:key=Graft-Action,valueonly)' | sed '/^$/d'");
	assert_str_eq(s, "I0123\nupgrade", "the trailers");
	free(s);
	s = sh_ok(app, "'%s' log kb | head -n 1", graft_bin());
	assert_contains(s, "upgrade  kb v1.0.0 -> v2.0.0");
	free(s);

	/* a rollback runs the hooks git revert runs */
	clear_hooks_log();
	r = graft(app, "rollback", "kb", NULL);
	expect_ok(&r, "rollback");
	log = hooks_log();
	assert_str_eq(log,
		      "prepare-commit-msg(app/.git/COMMIT_EDITMSG message) index=app/.git/index editor=: author=A U Thor cwd=app\n"
		      "post-commit() index=app/.git/index editor=: author=A U Thor cwd=app\n"
		      "graft: rollback kb v2.0.0 -> v1.0.0\n",
		      "the rollback's hooks");
	free(log);
	free(hooks);
	free(app);
}

Test(commit, no_verify_skips_pre_commit_and_commit_msg)
{
	char *app = app_ok(), *hooks = tmp_path("app/.git/hooks"), *log;
	struct cmd_result r;

	write_all_hooks(hooks);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--no-verify", NULL);
	expect_ok(&r, "upgrade --no-verify");
	log = hooks_log();
	cr_assert(!strstr(log, "pre-commit(") && !strstr(log, "\ncommit-msg(") &&
		  strncmp(log, "commit-msg(", 11), "%s", log);
	assert_contains(log, "prepare-commit-msg(");
	assert_contains(log, "post-commit(");
	free(log);
	free(hooks);
	free(app);
}

Test(commit, a_failing_hook_fails_the_upgrade_and_changes_nothing)
{
	char *app = app_ok(), *hooks = tmp_path("app/.git/hooks"), *log;
	struct cmd_result r;

	write_all_hooks(hooks);
	write_hook(hooks, "pre-commit", "echo 'lint: 3 problems' >&2\nexit 1\n");
	upgrade_fails_unchanged(app, 1, "lint: 3 problems\n", NULL);
	upgrade_fails_unchanged(app, 1,
				"error: cannot commit the upgrade: the pre-commit hook .git/hooks/pre-commit exited with status 1",
				NULL);
	log = hooks_log();
	/* it stopped there: no other hook ran */
	cr_assert(!strstr(log, "prepare-commit-msg"), "%s", log);
	free(log);

	write_hook(hooks, "pre-commit", NULL);
	write_hook(hooks, "commit-msg", "echo 'no ticket number' >&2\nexit 1\n");
	upgrade_fails_unchanged(app, 1, "the commit-msg hook .git/hooks/commit-msg exited with status 1",
				NULL);
	/* a hook that takes the Graft-* trailers away is refused */
	write_hook(hooks, "commit-msg", "echo 'my own message' > \"$1\"\n");
	upgrade_fails_unchanged(app, 1, "lost or changed its Graft-* trailers", NULL);

	/* --no-verify gets past both */
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--no-verify", NULL);
	expect_ok(&r, "upgrade --no-verify");
	free(hooks);
	free(app);
}

Test(commit, a_failing_hook_fails_the_rollback_and_changes_nothing)
{
	char *app = app_ok(), *hooks = tmp_path("app/.git/hooks"), *before, *after;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);

	expect_ok(&r, "upgrade");
	write_hook(hooks, "prepare-commit-msg", "exit 7\n");
	before = full_state(app);
	r = graft(app, "rollback", "kb", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "the prepare-commit-msg hook .git/hooks/prepare-commit-msg exited with status 7");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	free(before);
	cmd_result_free(&r);
	free(hooks);
	free(app);
}

Test(commit, hooks_come_from_core_hooks_path)
{
	char *app = app_ok(), *dir = tmp_path("myhooks"), *log;
	char *own = tmp_path("app/.git/hooks"), *rel = tmp_path("app/tools/hooks");
	struct cmd_result r;

	/* "~/" as git expands it; the repository's own hooks are not run */
	write_hook(dir, "pre-commit", NULL);
	write_hook(own, "post-commit", NULL);
	sh_do(app, "git config core.hooksPath '~/myhooks'");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	expect_ok(&r, "upgrade");
	log = hooks_log();
	assert_str_eq(log, "pre-commit() index=app/.git/index editor=: author=A U Thor cwd=app\n",
		      "only core.hooksPath's");
	free(log);

	/* a relative path is relative to the top of the work tree */
	clear_hooks_log();
	write_hook(rel, "post-commit", NULL);
	sh_do(app, "git config core.hooksPath tools/hooks");
	r = graft(app, "rollback", "kb", NULL);
	expect_ok(&r, "rollback");
	log = hooks_log();
	assert_str_eq(log, "post-commit() index=app/.git/index editor=: author=A U Thor cwd=app\n",
		      "the relative core.hooksPath");
	free(log);
	free(rel);
	free(own);
	free(dir);
	free(app);
}

/*
 * What a pre-commit hook stages is committed, as with git commit; but a
 * file that was untracked before the upgrade never is.
 */
Test(commit, what_pre_commit_stages_is_committed_but_never_the_users_files)
{
	char *app = app_ok(), *hooks = tmp_path("app/.git/hooks"), *s;
	struct cmd_result r;

	write_hook(hooks, "pre-commit",
		   "echo formatted >> src/a.txt && git add src/a.txt notes.txt\n");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	expect_ok(&r, "upgrade");
	s = sh_ok(app, "git show HEAD:src/a.txt; git ls-files notes.txt; "
		  "git status --porcelain notes.txt");
	assert_str_eq(s, "new\nformatted\n?? notes.txt", "what was committed");
	free(s);
	free(hooks);
	free(app);
}

Test(commit, a_hook_that_is_not_executable_is_ignored_with_gits_hint)
{
	char *app = app_ok();
	struct cmd_result r;

	sh_do(app, "printf '#!/bin/sh\\nexit 1\\n' > .git/hooks/pre-commit");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "hint: The '.git/hooks/pre-commit' hook was ignored because it's not set as executable.");
	cmd_result_free(&r);
	free(app);
}

Test(commit, i18n_commit_encoding_labels_the_commit)
{
	char *app = app_ok(), *s;
	struct cmd_result r;

	sh_do(app, "git config i18n.commitEncoding ISO-8859-1");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	expect_ok(&r, "upgrade");
	s = sh_ok(app, "git cat-file commit HEAD | sed -n 's/^encoding //p'");
	assert_str_eq(s, "ISO-8859-1", "the encoding header");
	free(s);
	/* UTF-8 is the default, and not written */
	sh_do(app, "git config i18n.commitEncoding utf-8");
	r = graft(app, "rollback", "kb", NULL);
	expect_ok(&r, "rollback");
	s = sh_ok(app, "git cat-file commit HEAD | grep -c '^encoding' || true");
	assert_str_eq(s, "0", "no header for UTF-8");
	free(s);
	free(app);
}
