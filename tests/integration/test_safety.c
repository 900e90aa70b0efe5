/*
 * The states users have, and what a failed upgrade must give back of
 * them: index flags, nested repositories and submodules, bytes behind
 * filters, permission bits, empty directories, FIFOs, the git
 * directory's files, paths of any length, the dependency's own tree;
 * what a successful one must leave out of its commit; and writes that
 * stay inside the work tree whatever races them.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/fixtures_core.h"
#include "lib/fixtures_deps.h"
#include "lib/fixtures_upgrade.h"
#include "lib/harness.h"
#include "strbuf.h"

TestSuite(safety, .init = harness_setup, .fini = harness_teardown);

/* full_state(app), and what the shell command extra prints there. */
static char *state_with(const char *app, const char *extra)
{
	char *state = full_state(app), *more = sh_ok(app, "%s", extra);
	size_t len = strlen(state) + strlen(more) + 2;
	char *all = malloc(len);

	snprintf(all, len, "%s\n%s", state, more);
	free(state);
	free(more);
	return all;
}

/*
 * `upgrade kb --to v2.0.0` fails with status 1, says everything is back,
 * and leaves full_state and what extra prints as they were.
 */
static void fails_and_restores(const char *app, const char *extra)
{
	char *before = state_with(app, extra), *after;
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);

	cr_assert_eq(r.status, 1, "status %d: %.3000s", r.status, r.err);
	assert_contains(r.err, "everything is back as it was");
	after = state_with(app, extra);
	assert_str_eq(before, after, "state");
	free(after);
	free(before);
	cmd_result_free(&r);
}

/* ---- index flags ------------------------------------------------------ */

Test(safety, a_skip_worktree_edit_survives)
{
	char *app = make_app("echo migrated > src/a.txt\n", VERIFY_FAIL);

	sh_do(app, "echo 'my local setting' > src/a.txt && "
	      "git update-index --skip-worktree src/a.txt");
	fails_and_restores(app, "cat src/a.txt");
	free(app);
}

Test(safety, an_assume_unchanged_edit_survives)
{
	char *app = make_app("echo migrated > src/a.txt\n", VERIFY_FAIL);

	sh_do(app, "echo 'my local setting' > src/a.txt && "
	      "git update-index --assume-unchanged src/a.txt");
	fails_and_restores(app, "cat src/a.txt; git ls-files -v src/a.txt");
	free(app);
}

Test(safety, a_flag_the_commands_set_or_clear_goes_back)
{
	char *app = make_app("git update-index --no-skip-worktree src/a.txt && "
			     "git update-index --assume-unchanged README && "
			     "echo changed > README\n", VERIFY_FAIL);

	sh_do(app, "echo mine > src/a.txt && "
	      "git update-index --skip-worktree src/a.txt");
	fails_and_restores(app, "git ls-files -v");
	free(app);
}

/* A sparse path: skip-worktree and no file. What is created there goes. */
Test(safety, a_file_made_at_a_sparse_path_goes)
{
	char *app = make_app("mkdir -p docs && echo made > docs/guide\n",
			     VERIFY_FAIL);

	sh_do(app, "mkdir docs && echo guide > docs/guide && git add docs && "
	      "git commit -qm docs && git update-index --skip-worktree docs/guide && "
	      "rm -r docs");
	fails_and_restores(app, "ls docs 2>&1 || true");
	free(app);
}

/* Success must not take a change to a flagged file along, nor drop it. */
Test(safety, success_refuses_a_change_to_a_flagged_file)
{
	char *app = make_app(MIGRATE_OK "echo migrated > secret.conf\n",
			     VERIFY_OK);
	char *before, *after;
	struct cmd_result r;

	sh_do(app, "echo default > secret.conf && git add secret.conf && "
	      "git commit -qm conf && echo 'password=hunter2' > secret.conf && "
	      "git update-index --skip-worktree secret.conf");
	before = full_state(app);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 1, "status %d: %.3000s", r.status, r.err);
	assert_contains(r.err, "secret.conf");
	assert_contains(r.err, "skip-worktree");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(before);
	free(after);
	cmd_result_free(&r);
	free(app);
}

/* ---- nested repositories ---------------------------------------------- */

#define NESTED_STATE(dir) \
	"git -C " dir " rev-parse HEAD; git -C " dir " symbolic-ref -q HEAD || true; " \
	"git -C " dir " ls-files -s; git -C " dir " status --porcelain -uall"

Test(safety, an_untracked_nested_repository_comes_back)
{
	char *app = make_app("cd tools && echo edited > tracked && echo new > made && "
			     "git add made && git commit -qm moved && "
			     "rm untracked && git checkout -qb other\n",
			     VERIFY_FAIL);

	sh_do(app, "git init -q tools && cd tools && echo one > tracked && "
	      "git add tracked && git commit -qm one && echo two > tracked && "
	      "echo mine > untracked && echo staged > staged && git add staged");
	fails_and_restores(app, NESTED_STATE("tools"));
	free(app);
}

Test(safety, another_submodule_comes_back)
{
	char *app = make_app("cd lib && echo edited > README && echo new > made && "
			     "git checkout -q HEAD~1\n", VERIFY_FAIL);
	char *lib = make_repo("libsrc");

	sh_do(lib, "echo two >> README && git commit -qam two");
	sh_do(app, "git -c protocol.file.allow=always submodule add -q ../libsrc lib && "
	      "git commit -qm lib && echo mine > lib/notes");
	fails_and_restores(app, NESTED_STATE("lib"));
	free(lib);
	free(app);
}

Test(safety, a_repository_the_commands_make_goes)
{
	char *app = make_app("git init -q made && echo x > made/f && "
			     "git -C made add f\n", VERIFY_FAIL);

	fails_and_restores(app, "ls -a");
	free(app);
}

Test(safety, a_nested_repository_moved_by_the_commands_comes_back)
{
	char *app = make_app("mkdir -p vendor && mv tools vendor/tools\n",
			     VERIFY_FAIL);

	sh_do(app, "git init -q tools && cd tools && echo one > tracked && "
	      "git add tracked && git commit -qm one && echo mine > untracked");
	fails_and_restores(app, NESTED_STATE("tools"));
	free(app);
}

/* ---- bytes, not views of them ----------------------------------------- */

Test(safety, an_eol_attribute_the_migration_adds_changes_no_bytes)
{
	char *app = make_app("echo '* text eol=crlf' > .gitattributes && "
			     "echo newer > src/a.txt && printf 'x\\n' > notes.txt\n",
			     VERIFY_FAIL);

	fails_and_restores(app, "od -c src/a.txt notes.txt");
	free(app);
}

Test(safety, autocrlf_files_keep_their_bytes)
{
	char *app = make_app("echo x >> src/a.txt && echo x >> src/crlf.txt && "
			     "echo x >> mixed.txt\n", VERIFY_FAIL);

	/* a.txt was checked out before autocrlf was set: it stays LF */
	sh_do(app, "git config core.autocrlf true && "
	      "printf 'one\\r\\ntwo\\r\\n' > src/crlf.txt && git add src && "
	      "git commit -qm crlf && rm src/crlf.txt && git checkout src/crlf.txt && "
	      "printf 'mixed\\r\\nlf\\n' > mixed.txt");
	fails_and_restores(app, "od -c src/a.txt src/crlf.txt mixed.txt");
	free(app);
}

Test(safety, autostash_keeps_line_endings_as_git_stash_does)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *s;
	struct cmd_result r;

	sh_do(app, "git config core.autocrlf true && "
	      "printf 'one\\r\\ntwo\\r\\n' > src/crlf.txt && git add src && "
	      "git commit -qm crlf && rm src/crlf.txt && git checkout src/crlf.txt && "
	      "printf 'one\\r\\ntwo\\r\\nthree\\r\\n' > src/crlf.txt");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--autostash", NULL);
	cr_assert_eq(r.status, 0, "%.3000s", r.err);
	s = sh_ok(app, "od -c src/crlf.txt | head -2; git status --porcelain");
	assert_str_eq("0000000   o   n   e  \\r  \\n   t   w   o  \\r  \\n   t   h   r   e   e  \\r\n"
		      "0000020  \\n\n M src/crlf.txt\n?? notes.txt", s, "after the stash came back");
	free(s);
	cmd_result_free(&r);
	free(app);
}

Test(safety, autostash_failure_keeps_line_endings)
{
	char *app = make_app(MIGRATE_OK, VERIFY_FAIL);
	char *before, *after;
	struct cmd_result r;

	sh_do(app, "git config core.autocrlf true && "
	      "printf 'one\\r\\ntwo\\r\\n' > src/crlf.txt && git add src && "
	      "git commit -qm crlf && rm src/crlf.txt && git checkout src/crlf.txt && "
	      "printf 'one\\r\\ntwo\\r\\nthree\\r\\n' > src/crlf.txt");
	before = full_state(app);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", "--autostash", NULL);
	cr_assert_eq(r.status, 1, "%.3000s", r.err);
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(before);
	free(after);
	cmd_result_free(&r);
	free(app);
}

/* ---- modes ------------------------------------------------------------ */

Test(safety, permission_bits_come_back)
{
	char *app = make_app("chmod 644 secret.key mine.key && chmod 755 private && "
			     "chmod 600 src/a.txt && chmod 700 src\n", VERIFY_FAIL);

	sh_do(app, "echo k > secret.key && chmod 600 secret.key && "
	      "git add secret.key && git commit -qm key && "
	      "echo m > mine.key && chmod 600 mine.key && "
	      "mkdir private && echo p > private/p && chmod 700 private");
	fails_and_restores(app, "stat -c '%%a %%n' secret.key mine.key private src src/a.txt");
	free(app);
}

/* ---- nothing left behind ---------------------------------------------- */

Test(safety, what_the_commands_hide_or_leave_empty_goes)
{
	char *app = make_app("printf '*\\n' > src/.gitignore && echo gen > src/gen.c && "
			     "echo hidden.txt >> .git/info/exclude && echo h > hidden.txt && "
			     "mkdir -p new/empty/dirs && rmdir keep\n", VERIFY_FAIL);

	sh_do(app, "mkdir keep && chmod 750 keep");
	fails_and_restores(app, "ls -a . src; stat -c '%%a' keep");
	free(app);
}

Test(safety, fifos_made_go_and_fifos_removed_come_back)
{
	char *app = make_app("rm pipe && mkfifo newpipe src/other\n", VERIFY_FAIL);

	sh_do(app, "mkfifo pipe && chmod 640 pipe");
	fails_and_restores(app, "stat -c '%%F %%a %%n' pipe");
	free(app);
}

/* ---- the dependency's own tree ---------------------------------------- */

Test(safety, build_outputs_in_the_dependency_go)
{
	char *app = make_app("cd \"$GRAFT_DEP_PATH\" && mkdir -p out && "
			     "echo v3 > out/libkv.a && echo x > stale.o && "
			     "echo changed > keep.o\n", VERIFY_FAIL);
	char *before, *after;
	struct cmd_result r;

	sh_do(app, "printf 'out/\\n*.o\\n' >> "
	      "\"$(git -C .graft/kb rev-parse --git-dir)/info/exclude\" && "
	      "echo mine > .graft/kb/keep.o");
	before = full_state(app);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 1, "%.3000s", r.err);
	assert_contains(r.err, "the upgrade changed the ignored file '.graft/kb/keep.o'");
	sh_do(app, "echo mine > .graft/kb/keep.o");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(before);
	free(after);
	cmd_result_free(&r);
	free(app);
}

/* ---- the git directory ------------------------------------------------ */

Test(safety, a_migration_cannot_hide_its_change_behind_config)
{
	char *app = make_app("git config core.fileMode false && chmod +x src/a.txt && "
			     "git config core.symlinks false && "
			     "echo '*.txt -text' > .git/info/attributes\n", VERIFY_FAIL);

	fails_and_restores(app, "stat -c '%%a' src/a.txt");
	free(app);
}

/* ---- long paths ------------------------------------------------------- */

/* 50 directories of 100 bytes each: 5,000 bytes (perl-base is always there) */
#define LONG_PATH_SCRIPT \
	"perl -e 'mkdir \"deep\"; chdir \"deep\" or die; for (1..50) { " \
	"mkdir \"a\" x 100; chdir \"a\" x 100 or die } " \
	"open(F, \">f\") or die; print F \"x\\n\"'\n"

Test(safety, a_path_longer_than_path_max_goes)
{
	char *app = make_app(LONG_PATH_SCRIPT, VERIFY_FAIL);

	fails_and_restores(app, "ls");
	free(app);
}

Test(safety, rollback_removes_a_path_longer_than_path_max)
{
	char *app = make_app(MIGRATE_OK LONG_PATH_SCRIPT, VERIFY_OK);
	const char *env[] = { "GRAFT_TEST_CRASH_AT=after-lock", NULL };
	const char *args[] = { "upgrade", "kb", "--to", "v2.0.0", NULL };
	char *before = full_state(app), *after;
	struct cmd_result r = graft_env(app, env, args);

	cr_assert_eq(r.status, 137, "%.3000s", r.err);
	cmd_result_free(&r);
	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%.3000s", r.err);
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(before);
	free(after);
	cmd_result_free(&r);
	free(app);
}

/* ---- the commit holds only the upgrade's changes ---------------------- */

/* The upgrade commits; its commit holds exactly files (git show --name-only). */
static void commits_only(const char *app, const char *files, const char *warning)
{
	struct cmd_result r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	char *s;

	cr_assert_eq(r.status, 0, "%.3000s", r.err);
	if (warning)
		assert_contains(r.err, warning);
	s = sh_ok(app, "git show --name-only --format= HEAD");
	assert_str_eq(files, s, "committed");
	free(s);
	cmd_result_free(&r);
}

Test(safety, an_ignored_secret_the_migration_unignores_is_not_committed)
{
	char *app = make_app(MIGRATE_OK "echo '# no more env' > .gitignore\n",
			     VERIFY_OK), *s;

	sh_do(app, "echo .env >> .gitignore && git commit -qam 'ignore env' && "
	      "echo SECRET=1 > .env");
	commits_only(app, ".gitignore\n.graft/kb\ngraft.lock\nmade.txt\nsrc/a.txt",
		     "'.env' was in the work tree before the upgrade");
	s = sh_ok(app, "cat .env; git status --porcelain .env build");
	assert_str_eq("SECRET=1\n?? .env\n?? build/", s, "left on disk, untracked");
	free(s);
	free(app);
}

Test(safety, a_force_added_ignored_file_is_not_committed)
{
	char *app = make_app(MIGRATE_OK "git add -f build/x.o\n", VERIFY_OK), *s;

	commits_only(app, ".graft/kb\ngraft.lock\nmade.txt\nsrc/a.txt",
		     "'build/x.o' was in the work tree before the upgrade");
	s = sh_ok(app, "git status --porcelain --ignored build");
	assert_str_eq("!! build/", s, "still ignored, untracked");
	free(s);
	free(app);
}

Test(safety, a_moved_untracked_file_is_not_committed)
{
	char *app = make_app(MIGRATE_OK "git mv src lib\n",
			     "grep -q new lib/a.txt\n"), *s;

	sh_do(app, "echo scratch > src/scratch.txt");
	commits_only(app, ".graft/kb\ngraft.lock\nlib/a.txt\nmade.txt\nsrc/a.txt",
		     "'lib/scratch.txt' was in the work tree before the upgrade");
	s = sh_ok(app, "cat lib/scratch.txt; git status --porcelain lib");
	assert_str_eq("scratch\n?? lib/scratch.txt", s, "left on disk, untracked");
	free(s);
	free(app);
}

Test(safety, files_the_commands_create_are_committed)
{
	char *app = make_app(MIGRATE_OK "mkdir -p gen && echo x > gen/new.c && "
			     "echo 'gen/cache' >> .gitignore && echo c > gen/cache\n",
			     VERIFY_OK);

	commits_only(app, ".gitignore\n.graft/kb\ngen/new.c\ngraft.lock\nmade.txt\nsrc/a.txt",
		     NULL);
	free(app);
}

/* ---- never outside ---------------------------------------------------- */

/*
 * In a child: once <tmp>/race-go exists, swap app/big (a directory) with
 * app/big.swap (a symlink to a directory outside the work tree) as fast
 * as rename can, atomically, so that big is always one or the other,
 * until killed.
 */
static pid_t start_swapper(void)
{
	char *go = tmp_path("race-go"), *big = tmp_path("app/big");
	char *swap = tmp_path("app/big.swap");
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		while (access(go, F_OK) < 0)
			usleep(1000);
		for (;;)
			renameat2(AT_FDCWD, big, AT_FDCWD, swap, RENAME_EXCHANGE);
	}
	free(go);
	free(big);
	free(swap);
	return pid;
}

/*
 * While a failed upgrade puts 2,000 files back, another process keeps
 * swapping their directory for a symlink to a directory outside the
 * work tree that holds files of the same names: whatever the restore
 * manages, nothing outside may change (a restore that wrote through
 * paths replaced or removed files there in one run out of three).
 */
Test(safety, a_symlink_swapped_in_during_a_restore_leads_nowhere)
{
	char *app = make_app("perl -e 'for (glob(\"big/*\")) { open(F, \">\", $_) or die; "
			     "print F \"migrated\\n\" }'\n",
			     "touch \"$HOME/race-go\"; exit 1\n");
	char *outside = tmp_path("outside"), *before, *after;
	struct cmd_result r;
	pid_t swapper;

	sh_do(app, "mkdir big && i=0; while test $i -lt 2000; do echo $i > big/f$i; "
	      "i=$((i + 1)); done && git add big && git commit -qm big && "
	      "mkdir ../outside && i=0; while test $i -lt 2000; do "
	      "echo outside > ../outside/f$i; i=$((i + 1)); done && "
	      "ln -s ../outside big.swap && echo big.swap >> .git/info/exclude");
	before = worktree_state(outside);
	swapper = start_swapper();
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	kill(swapper, SIGKILL);
	waitpid(swapper, NULL, 0);
	cr_assert(r.status == 1 || r.status == 3, "status %d: %.3000s", r.status, r.err);
	after = worktree_state(outside);
	assert_str_eq(before, after, "outside the work tree");
	free(before);
	free(after);
	free(outside);
	cmd_result_free(&r);
	free(app);
}

/* ---- failed attempts are kept ----------------------------------------- */

/*
 * A migration that waits for the test: meanwhile the user edits a file,
 * creates one and commits in another terminal; then it fails.
 */
#define WAITING_MIGRATION \
	"touch \"$HOME/migrating\"; i=0; while ! test -e \"$HOME/go-on\" && " \
	"test $i -lt 2000; do sleep 0.05; i=$((i + 1)); done; " \
	"echo migrated > src/a.txt\n"

static struct cmd_result upgrade_while(const char *app, const char *meanwhile)
{
	char *q = shq(graft_bin());
	struct cmd_result r = sh(app, "%s upgrade kb --to v2.0.0 2>\"$HOME/err\" & "
				 "i=0; while ! test -e \"$HOME/migrating\" && test $i -lt 2000; do "
				 "sleep 0.05; i=$((i + 1)); done; %s; touch \"$HOME/go-on\"; "
				 "wait $!; s=$?; cat \"$HOME/err\" >&2; exit $s", q, meanwhile);

	free(q);
	return r;
}

Test(safety, edits_made_while_the_commands_run_are_kept)
{
	char *app = make_app(WAITING_MIGRATION, VERIFY_FAIL);
	char *before = full_state(app), *after, *s;
	struct cmd_result r = upgrade_while(app, "echo 'my edit' >> src/a.txt && "
					    "echo mine > user.txt");

	cr_assert_eq(r.status, 1, "%.3000s", r.err);
	assert_contains(r.err, "refs/graft/attempts/kb");
	assert_contains(r.err, "git diff ");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	/* both are in the attempt, as the commands and the user left them */
	s = sh_ok(app, "git show refs/graft/attempts/kb:src/a.txt; "
		  "git show refs/graft/attempts/kb:user.txt; "
		  "git log -1 --format=%%s refs/graft/attempts/kb");
	assert_str_eq("migrated\nmine\ngraft: attempt at upgrading kb v1.0.0 -> v2.0.0", s,
		      "the attempt");
	free(s);
	/* the command the message gives shows what the attempt changed */
	s = sh_ok(app, "git diff --stat $(git rev-parse refs/graft/attempts/kb^5) "
		  "refs/graft/attempts/kb -- src user.txt | tail -1");
	assert_contains(s, "2 files changed");
	free(s);
	/* status tells there is one */
	cmd_result_free(&r);
	r = graft(app, "status", NULL);
	cr_assert_eq(r.status, 0, "%.3000s", r.err);
	assert_contains(r.out, "a failed attempt at upgrading it is kept: refs/graft/attempts/kb");
	free(before);
	free(after);
	cmd_result_free(&r);
	free(app);
}

Test(safety, a_commit_made_meanwhile_stays_reachable)
{
	char *app = make_app(WAITING_MIGRATION, "exit 0\n");
	char *s, *made;
	struct cmd_result r = upgrade_while(app, "echo x > other.txt && git add other.txt && "
					    "git commit -qm 'my own work'");

	cr_assert_eq(r.status, 1, "%.3000s", r.err);
	assert_contains(r.err, "HEAD moved during the upgrade");
	made = sh_ok(app, "git rev-parse refs/graft/attempts/kb^1");
	s = sh_ok(app, "git log -1 --format=%%s %s", made);
	assert_str_eq("my own work", s, "kept from the attempt");
	free(s);
	free(made);
	cmd_result_free(&r);
	free(app);
}

/* Killed right after the attempt was kept: rollback finishes the job. */
Test(safety, a_crash_after_keeping_the_attempt_is_rolled_back)
{
	char *app = make_app(MIGRATE_OK "echo more > notes.txt\n", VERIFY_FAIL);
	const char *env[] = { "GRAFT_TEST_CRASH_AT=after-attempt", NULL };
	const char *args[] = { "upgrade", "kb", "--to", "v2.0.0", NULL };
	char *before = full_state(app), *after;
	struct cmd_result r = graft_env(app, env, args);

	cr_assert_eq(r.status, 137, "%.3000s", r.err);
	cmd_result_free(&r);
	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%.3000s", r.err);
	after = full_state(app);
	assert_str_eq(before, after, "state");
	free(after);
	after = sh_ok(app, "git reflog show refs/graft/attempts/kb | wc -l");
	assert_str_eq("2", after, "one attempt kept by each of the two");
	free(before);
	free(after);
	cmd_result_free(&r);
	free(app);
}

/* ---- the watched fast path -------------------------------------------- */

/*
 * A migration of random changes (seeded): whatever it did, the failed
 * upgrade, which looks only at what a watch saw change, puts everything
 * back exactly. The same ops as tests/unit/test_watch.c's.
 */
static char *random_migration(unsigned seed)
{
	static const char *const ops[] = {
		"f=$(find . -path ./.git -prune -o -path ./.graft -prune -o -path ./build -prune -o -type f -print | sort | sed -n ${PICK}p); "
		"test -n \"$f\" && echo edit >> \"$f\"",
		"f=$(find . -path ./.git -prune -o -path ./.graft -prune -o -path ./build -prune -o -type f -print | sort | sed -n ${PICK}p); "
		"test -n \"$f\" && rm -f \"$f\"",
		"f=$(find . -path ./.git -prune -o -path ./.graft -prune -o -path ./build -prune -o -type f -print | sort | sed -n ${PICK}p); "
		"test -n \"$f\" && chmod 600 \"$f\"",
		"d=$(find . -path ./.git -prune -o -path ./.graft -prune -o -path ./build -prune -o -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && mkdir -p \"$d/made$K/deeper\" && echo x > \"$d/made$K/deeper/f\"",
		"d=$(find . -path ./.git -prune -o -path ./.graft -prune -o -path ./build -prune -o -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && ln -sf ../somewhere \"$d/link$K\"",
		"d=$(find . -path ./.git -prune -o -path ./.graft -prune -o -path ./build -prune -o -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && mkdir -p \"$d/empty$K\"",
		"d=$(find . -path ./.git -prune -o -path ./.graft -prune -o -path ./build -prune -o -mindepth 1 -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && rm -rf \"$d\"",
		"d=$(find . -path ./.git -prune -o -path ./.graft -prune -o -path ./build -prune -o -mindepth 1 -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && mv \"$d\" \"$d.moved$K\"",
		"f=$(find . -path ./.git -prune -o -path ./.graft -prune -o -path ./build -prune -o -type f -print | sort | sed -n ${PICK}p); "
		"test -n \"$f\" && rm \"$f\" && mkdir \"$f\" && echo in > \"$f/in$K\"",
		"f=$(git ls-files | grep -v '^.graft' | sed -n ${PICK}p); test -n \"$f\" && git rm -q --cached \"$f\"",
	};
	struct strbuf sb = STRBUF_INIT;
	int k;

	for (k = 0; k < 30; k++)
		strbuf_addf(&sb, "PICK=%d K=%d; %s || true\n", 1 + rand_r(&seed) % 30, k,
			    ops[rand_r(&seed) % (int)(sizeof(ops) / sizeof(*ops))]);
	return strbuf_detach(&sb);
}

Test(safety, random_changes_are_undone_from_what_the_watch_saw)
{
	unsigned seed;

	for (seed = 1; seed <= 4; seed++) {
		char *script = random_migration(seed), *name, *app;

		name = tmp_path("app");
		sh_do(NULL, "rm -rf app kb");
		app = make_app(script, VERIFY_FAIL);
		sh_do(app, "mkdir -p a/b c && echo 1 > a/b/one && echo 2 > c/two && "
		      "echo 3 > a/three && git add -A && git commit -qm more && "
		      "echo u > a/untracked");
		fails_and_restores(app, "true");
		free(name);
		free(app);
		free(script);
	}
}

/*
 * Untracked files the commands edit, remove, rename, or put a directory
 * or a symlink in place of come back, with their modes; those they leave
 * alone are not written at all (the same inode, the same bytes).
 */
Test(safety, untracked_files_the_commands_touch_come_back)
{
	char *app = make_app("echo changed >> u/edited && rm u/removed && "
			     "mv u/renamed u/renamed.new && chmod 600 u/mode && "
			     "rm u/dir/f && rmdir u/dir && echo f > u/dir && "
			     "rm -r w && ln -s u w\n", VERIFY_FAIL);
	const char *extra = "find u w -print | sort | while read -r p; do "
			    "stat -c '%A %n' \"$p\"; test -f \"$p\" && cat \"$p\"; done; "
			    "stat -c %i u/untouched";

	sh_do(app, "mkdir -p u/dir w && for f in edited removed renamed mode untouched; do "
	      "echo \"$f\" > u/$f; done && echo in > u/dir/f && echo w > w/f && "
	      "chmod 640 u/mode");
	fails_and_restores(app, extra);
	free(app);
}

/* ---- a snapshot is its worktree's -------------------------------------- */

/*
 * An upgrade in app cut short after its lock: the snapshot ref, shared
 * by every worktree, holds app's state.
 */
static void interrupt_upgrade(const char *dir)
{
	const char *env[] = { "GRAFT_TEST_CRASH_AT=after-lock", NULL };
	const char *args[] = { "upgrade", "kb", "--to", "v2.0.0", NULL };
	struct cmd_result r = graft_env(dir, env, args);

	cr_assert_eq(r.status, 137, "%.3000s", r.err);
	cmd_result_free(&r);
}

Test(safety, an_interrupted_upgrade_is_rolled_back_only_in_its_worktree)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *wt, *before, *wt_before, *after;
	struct cmd_result r;

	sh_do(app, "git worktree add -q --detach ../wt && echo theirs > ../wt/notes.txt");
	wt = tmp_path("wt");
	before = full_state(app);
	wt_before = repo_state(wt);
	interrupt_upgrade(app);

	r = graft(wt, "status", NULL);
	assert_contains(r.err, "warning: an interrupted upgrade of kb is pending in another worktree (");
	assert_contains(r.err, app);
	cmd_result_free(&r);
	r = graft(wt, "status", "--json", NULL);
	assert_contains(r.out, "\"interrupted_elsewhere\"");
	assert_contains(r.out, app);
	cmd_result_free(&r);
	r = graft(wt, "rollback", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "error: an interrupted upgrade of kb is pending in another worktree (");
	assert_contains(r.err, "run 'git graft rollback kb' in that worktree");
	cmd_result_free(&r);
	r = graft(wt, "sync", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "pending in another worktree");
	cmd_result_free(&r);
	after = repo_state(wt);
	assert_str_eq(wt_before, after, "the other worktree, untouched");
	free(after);

	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	after = full_state(app);
	assert_str_eq(before, after, "restored where it was taken");
	free(after);
	free(wt_before);
	free(before);
	free(wt);
	free(app);
}

Test(safety, the_snapshot_of_a_removed_worktree_is_not_restored_elsewhere)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *wt, *before, *after, *s;
	struct cmd_result r;

	sh_do(app, "git worktree add -q --detach ../wt");
	wt = tmp_path("wt");
	r = graft(wt, "sync", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	interrupt_upgrade(wt);
	sh_do(app, "git worktree remove --force ../wt");
	before = repo_state(app);

	r = graft(app, "rollback", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "pending in another worktree (removed since)");
	assert_contains(r.err, "'git update-ref -d refs/graft/snapshots/kb' forgets it");
	cmd_result_free(&r);
	after = repo_state(app);
	assert_str_eq(before, after, "this worktree, untouched");
	s = sh_ok(app, "git for-each-ref --format='%%(refname)' refs/graft/snapshots");
	assert_str_eq(s, "refs/graft/snapshots/kb", "the snapshot is kept");
	free(s);
	free(after);
	free(before);
	free(wt);
	free(app);
}
