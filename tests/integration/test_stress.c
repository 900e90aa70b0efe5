/*
 * Upgrades under pressure: many at once, many failures in a row, and
 * writes that fail for want of room.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/fixtures_deps.h"
#include "lib/fixtures_upgrade.h"
#include "lib/harness.h"

TestSuite(stress, .init = harness_setup, .fini = harness_teardown);

/*
 * Ten upgrades started together: the one that takes the operation lock
 * holds it until the test says go; the nine others must all have ended
 * before that, each with 128 and the holder's pid.
 */
Test(stress, ten_upgrades_at_once)
{
	char *app = make_app("touch started && while ! test -f go; do sleep 0.05; done\n"
			     MIGRATE_OK, VERIFY_OK);
	char *q = shq(graft_bin()), *out;

	/* the outputs go next to the repository: files coming and going
	 * in the work tree would be part of what the winner snapshots */
	out = sh_ok(app,
		    "o=$(mktemp -d) && "
		    "for i in 1 2 3 4 5 6 7 8 9 10; do "
		    "( %s upgrade kb --to v2.0.0 >/dev/null 2>$o/err$i; "
		    "echo $? > $o/rc$i.tmp; mv $o/rc$i.tmp $o/rc$i ) & done; "
		    "n=0; while test $n -lt 2000; do "
		    "  test $(ls $o/rc? $o/rc?? 2>/dev/null | wc -l) -ge 9 && "
		    "  test -f started && break; "
		    "  sleep 0.05; n=$((n + 1)); done; "
		    "test -f started || echo 'no upgrade started'; "
		    "echo early: $(cat $o/rc? $o/rc?? 2>/dev/null | sort | uniq -c | tr -s ' '); "
		    "touch go; wait; "
		    "echo all: $(cat $o/rc? $o/rc?? | sort | uniq -c | tr -s ' '); "
		    "grep -l 'fatal:.*pid' $o/err* | wc -l; "
		    "git log --format=%%s | grep -c '^graft: upgrade'; "
		    "git fsck --no-progress --no-dangling 2>&1 && echo fsck ok; "
		    "git for-each-ref refs/graft; ls .git/graft; "
		    "cat $o/err* | grep -v 'pid\\|running' >&2; "
		    "rm -rf $o started go",
		    q);
	assert_str_eq("early: 9 128\nall: 1 0 9 128\n9\n1\nfsck ok", out,
		      "ten at once");
	free(out);
	free(q);
	free(app);
}

/*
 * .git outside the object databases and the attempts' ref and reflog:
 * every file's path and size.
 */
static char *git_dir_files(const char *app)
{
	return sh_ok(app, "cd .git && find . \\( -path './objects' -o "
		     "-path './modules/*/objects' -o -path ./refs/graft/attempts -o "
		     "-path ./logs/refs/graft/attempts \\) -prune -o -type f "
		     "-printf '%%p %%s\\n' | sort");
}

Test(stress, a_hundred_failed_upgrades_leave_nothing_behind)
{
	char *app = make_app(MIGRATE_OK "mkdir -p gen && echo x > gen/file\n",
			     VERIFY_FAIL);
	char *before = full_state(app), *files_before = git_dir_files(app);
	char *after, *files_after, *q = shq(graft_bin()), *out, expect[32];
	/* under valgrind each run takes seconds: ten show the same leaks */
	int runs = getenv("GRAFT_VALGRIND_BIN") ? 10 : 100;

	out = sh_ok(app, "fails=0; i=0; while test $i -lt %d; do "
		    "%s upgrade -q kb --to v2.0.0 2>/dev/null; "
		    "test $? = 1 && fails=$((fails + 1)); i=$((i + 1)); done; "
		    "echo $fails; "
		    "find .git -name '*.lock' -o -name 'tmp_*' -o -name '*.tmp' "
		    "-o -name 'tmp-*' | wc -l", runs, q);
	snprintf(expect, sizeof(expect), "%d\n0", runs);
	assert_str_eq(expect, out, "failures and leftovers");
	/* each attempt kept: one ref, one reflog entry a run */
	free(out);
	out = sh_ok(app, "git for-each-ref --format='%%(refname)' refs/graft; "
		    "git reflog show refs/graft/attempts/kb | wc -l");
	snprintf(expect, sizeof(expect), "refs/graft/attempts/kb\n%d", runs);
	assert_str_eq(expect, out, "attempts");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	files_after = git_dir_files(app);
	assert_str_eq(files_before, files_after, ".git outside objects/");
	free(out);
	free(files_after);
	free(after);
	free(files_before);
	free(before);
	free(q);
	free(app);
}

/* git-graft under `ulimit -f`: a write fails as on a full disk. */
static struct cmd_result upgrade_with_file_limit(const char *app, int kib)
{
	char *q = shq(graft_bin());
	struct cmd_result r;

	/* dash counts ulimit -f in blocks of 512 bytes */
	r = sh(app, "ulimit -f %d && exec %s upgrade kb --to v2.0.0", kib * 2, q);
	free(q);
	return r;
}

Test(stress, snapshot_write_fails_and_nothing_changes)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *before, *after;
	struct cmd_result r;

	/* 256 KiB that do not compress: its blob cannot be written under 64 KiB */
	sh_do(app, "head -c 262144 /dev/urandom > big.bin");
	before = full_state(app);
	r = upgrade_with_file_limit(app, 64);
	cr_assert(r.status == 1 || r.status == 128, "status %d: %s", r.status, r.err);
	assert_contains(r.err, "snapshot");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	cmd_result_free(&r);
	free(after);
	free(before);
	free(app);
}

Test(stress, lock_write_fails_and_everything_goes_back)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *before, *after;
	struct cmd_result r;

	/*
	 * A graft.lock of some 12 KiB (eighty more dependencies declared and
	 * locked, never cloned), while every object and the index stay far
	 * under the 8 KiB limit.
	 */
	sh_do(app, "v1=$(git -C .graft/kb rev-parse HEAD) && "
	      "for i in $(seq -w 1 80); do "
	      "printf '\\n[dependency \"d%%s\"]\\nsource = ../kb\\n' $i >> graft.ini; "
	      "printf '\\n[dependency \"d%%s\"]\\nsource = ../kb\\nref = v1.0.0\\n"
	      "commit = %%s\\nconsumed_at = 2026-01-01T00:00:00Z\\n' $i $v1 >> graft.lock; "
	      "done && git commit -q -am 'eighty more'");
	before = full_state(app);
	r = upgrade_with_file_limit(app, 8);
	cr_assert_eq(r.status, 1, "status %d: %s", r.status, r.err);
	assert_contains(r.err, "graft.lock");
	assert_contains(r.err, "everything is back as it was");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	cmd_result_free(&r);
	free(after);
	free(before);
	free(app);
}

Test(stress, untracked_file_over_the_limit_is_refused)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *before, *after;
	const char *env[] = { "GIT_CONFIG_PARAMETERS='graft.snapshotMaxFileSize=1k'",
			      NULL };
	const char *args[] = { "upgrade", "kb", "--to", "v2.0.0", NULL };
	struct cmd_result r;

	sh_do(app, "head -c 4096 /dev/zero > dump.img");
	before = full_state(app);
	r = graft_env(app, env, args);
	cr_assert_eq(r.status, 1, "%s", r.err);
	assert_contains(r.err, "'dump.img' is too large to snapshot");
	assert_contains(r.err, ".gitignore");
	after = full_state(app);
	assert_str_eq(before, after, "state");
	cmd_result_free(&r);
	free(after);

	/* told to, it snapshots the file and goes on, leaving it untracked */
	sh_do(app, "git config graft.snapshotMaxFileSize 0");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	after = sh_ok(app, "wc -c < dump.img; git status --porcelain");
	assert_str_eq("4096\n?? dump.img\n?? notes.txt", after, "kept untracked");
	cmd_result_free(&r);
	free(after);
	free(before);
	free(app);
}

/*
 * Locks a killed git-graft left, however recently: removed by the next
 * command, with a warning; one a live process holds stays, and the
 * command fails on it.
 */
Test(stress, stale_locks_are_removed_held_ones_kept)
{
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *s;
	struct cmd_result r;

	sh_do(app, "mkdir -p .git/refs/graft/snapshots && "
	      "for f in .git/index.lock .git/refs/heads/main.lock "
	      ".git/refs/graft/snapshots/kb.lock .git/modules/kb/index.lock "
	      ".git/modules/kb/HEAD.lock; do : > $f; done");
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 0, "%.3000s", r.err);
	assert_contains(r.err, "index.lock', a lock nothing holds");
	assert_contains(r.err, "refs/graft/snapshots/kb.lock', a lock nothing holds");
	assert_contains(r.err, "modules/kb/HEAD.lock', a lock nothing holds");
	cmd_result_free(&r);
	s = sh_ok(app, "find .git -name '*.lock' | wc -l");
	assert_str_eq("0", s, "locks left");
	free(s);

	/* a git that holds the index lock is left alone */
	s = sh_ok(app, "%s rollback kb >/dev/null 2>&1 || echo rollback failed; "
		  "(exec 3>.git/index.lock; touch -d '1 minute ago' .git/index.lock; "
		  "touch held; while test -e held; do sleep 0.05; done) & "
		  "while ! test -e held; do sleep 0.05; done; "
		  "%s upgrade kb --to v2.0.0 >/dev/null 2>err; echo $?; "
		  "test -e .git/index.lock && echo kept; rm held; wait; "
		  "rm -f .git/index.lock; grep -c 'a lock nothing holds' err; rm err",
		  graft_bin(), graft_bin());
	cr_assert(!strncmp(s, "1\nkept\n0", 8) || !strncmp(s, "128\nkept\n0", 10),
		  "%s", s);
	free(s);
	free(app);
}
