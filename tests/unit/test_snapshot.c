#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "error.h"
#include "ident.h"
#include "lib/fixtures_core.h"
#include "lib/harness.h"
#include "repo.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_restore.h"

/* One repository under test, with libgit2 set up around it. */
struct fixture {
	char *dir;
	struct graft_repo r;
	git_signature *sig;
	struct snapshot snap;
};

static void fixture_open(struct fixture *f, char *dir)
{
	fixture_libgit2_init();
	f->dir = dir;
	open_fixture_repo(&f->r, dir);
	cr_assert_eq(ident_resolve(NULL, &f->sig, f->r.repo), 0, "%s",
		     graft_error_message());
	f->snap = (struct snapshot)SNAPSHOT_INIT;
}

static void fixture_close(struct fixture *f)
{
	snapshot_release(&f->snap);
	git_signature_free(f->sig);
	repo_close(&f->r);
	free(f->dir);
	git_libgit2_shutdown();
}

static int take(struct fixture *f, const char *dep)
{
	struct snapshot_spec spec;
	git_oid from, to;

	git_oid_fromstr(&from, "1111111111111111111111111111111111111111");
	git_oid_fromstr(&to, "2222222222222222222222222222222222222222");
	spec = (struct snapshot_spec){ .dep = dep, .from_ref = "v1.5.0",
				       .from = from, .to_ref = "v2.0.0",
				       .to = to, .sig = f->sig };
	return snapshot_create(&f->snap, &f->r, &spec, NULL);
}

static void take_ok(struct fixture *f, const char *dep)
{
	cr_assert_eq(take(f, dep), 0, "snapshot: %s", graft_error_message());
}

static void restore_ok(struct fixture *f, struct snapshot_restore_stats *stats)
{
	cr_assert_eq(snapshot_restore(&f->r, &f->snap, NULL, stats), 0,
		     "restore: %s", graft_error_message());
}

static void assert_fsck_clean(const char *dir)
{
	struct cmd_result res = sh(dir, "git fsck --strict --no-dangling --no-progress 2>&1");

	cr_assert_eq(res.status, 0, "git fsck: %s", res.out);
	cr_assert_str_empty(res.out, "git fsck: %s", res.out);
	cmd_result_free(&res);
}

static void assert_same_state(const char *before, const char *after)
{
	cr_assert_str_eq(after, before, "state differs\n--- before\n%s\n--- after\n%s",
			 before, after);
}

Test(snapshot, create_changes_nothing_and_records_everything,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;
	char *before, *after, *index_before, *index_after, *w, *reflog;
	size_t len_before, len_after;

	fixture_open(&f, make_messy_repo("repo"));
	before = repo_state(f.dir);
	index_before = read_file_len(".git/index", &len_before);
	take_ok(&f, "meta-kb");
	after = repo_state(f.dir);
	index_after = read_file_len(".git/index", &len_after);
	assert_same_state(before, after);
	cr_assert(len_before == len_after &&
		  !memcmp(index_before, index_after, len_before),
		  "the index file was touched");

	/* W: tracked files as on disk, untracked ones, no ignored ones */
	w = sh_ok(NULL, "git ls-tree -r --name-only -z refs/graft/snapshots/meta-kb | tr '\\000' '\\n'; echo END");
	cr_assert(strstr(w, "notes.txt\n"));
	cr_assert(strstr(w, "new/nested/deep/file.txt\n"));
	cr_assert(strstr(w, "untracked dir/with space.txt\n"));
	cr_assert(strstr(w, "tools/x.sh\n"));
	cr_assert(strstr(w, "ulink\n"));
	cr_assert(strstr(w, "keep.txt\n"));
	cr_assert(strstr(w, "ita.txt\n"));
	cr_assert_null(strstr(w, "old.txt\n"), "a deleted file is in W");
	cr_assert_null(strstr(w, ".log\n"), "an ignored file is in W");
	cr_assert_null(strstr(w, "build/"), "an ignored directory is in W");
	free(w);
	w = sh_ok(NULL, "git cat-file -p refs/graft/snapshots/meta-kb:src/app.js");
	cr_assert_str_eq(w, "app v2\napp v3 unstaged");
	free(w);
	/* I is the index, A its intent-to-add entry */
	w = sh_ok(NULL, "git cat-file -p refs/graft/snapshots/meta-kb^2:src/app.js");
	cr_assert_str_eq(w, "app v2");
	free(w);
	w = sh_ok(NULL, "git ls-tree -r --name-only refs/graft/snapshots/meta-kb^3");
	cr_assert_str_eq(w, "ita.txt");
	free(w);
	w = sh_ok(NULL, "git rev-parse refs/graft/snapshots/meta-kb^1 HEAD | uniq | wc -l");
	cr_assert_str_eq(w, "1", "W's first parent is not HEAD");
	free(w);

	reflog = sh_ok(NULL, "git reflog show --format='%%gs' refs/graft/snapshots/meta-kb");
	cr_assert(strstr(reflog, "snapshot before upgrading meta-kb v1.5.0 -> v2.0.0"),
		  "reflog: %s", reflog);
	free(reflog);
	assert_fsck_clean(f.dir);
	free(before);
	free(after);
	free(index_before);
	free(index_after);
	fixture_close(&f);
}

Test(snapshot, restore_undoes_everything_a_migration_did,
     .init = harness_setup, .fini = harness_teardown)
{
	struct snapshot_restore_stats stats;
	struct fixture f;
	char *before, *after, *log;

	fixture_open(&f, make_messy_repo("repo"));
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	mutate_like_migration(f.dir);
	after = repo_state(f.dir);
	cr_assert_str_neq(after, before, "the migration changed nothing");
	free(after);
	restore_ok(&f, &stats);
	after = repo_state(f.dir);
	assert_same_state(before, after);
	cr_assert(stats.refs_moved);
	cr_assert(stats.index_rewritten);
	cr_assert_not(stats.index_rebuilt);
	assert_fsck_clean(f.dir);

	cr_assert_eq(snapshot_delete_ref(&f.r, &f.snap), 0, "%s",
		     graft_error_message());
	log = sh_ok(NULL, "git for-each-ref refs/graft; ls .git/logs/refs/graft/snapshots 2>/dev/null || true");
	cr_assert_str_empty(log, "left behind: %s", log);
	free(log);
	free(before);
	free(after);
	fixture_close(&f);
}

/* Also: a snapshot read back from its ref restores (a crash, then rollback). */
Test(snapshot, restore_rebuilds_a_deleted_index,
     .init = harness_setup, .fini = harness_teardown)
{
	struct snapshot_restore_stats stats;
	struct fixture f;
	char *before, *after;

	fixture_open(&f, make_messy_repo("repo"));
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	snapshot_release(&f.snap);
	cr_assert_eq(snapshot_read(&f.snap, &f.r, "meta-kb"), 0, "%s",
		     graft_error_message());
	cr_assert_not(git_oid_is_zero(&f.snap.ita_tree), "A was not read back");
	mutate_like_migration(f.dir);
	sh_do(f.dir, "rm .git/index");
	restore_ok(&f, &stats);
	after = repo_state(f.dir);
	assert_same_state(before, after);
	cr_assert(stats.index_rebuilt);
	assert_fsck_clean(f.dir);
	free(before);
	free(after);
	fixture_close(&f);
}

Test(snapshot, restore_rebuilds_an_unreadable_index,
     .init = harness_setup, .fini = harness_teardown)
{
	struct snapshot_restore_stats stats;
	struct fixture f;
	char *before, *after;

	fixture_open(&f, make_messy_repo("repo"));
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	sh_do(f.dir, "echo 'not an index' > .git/index && echo more >> notes.txt");
	restore_ok(&f, &stats);
	after = repo_state(f.dir);
	assert_same_state(before, after);
	cr_assert(stats.index_rebuilt);
	free(before);
	free(after);
	fixture_close(&f);
}

Test(snapshot, restore_ends_a_merge_the_migration_started,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;
	char *before, *after;
	struct cmd_result merge;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "git checkout -q -b other && echo theirs > README && "
	      "git commit -qam theirs && git checkout -q main && "
	      "echo ours > README && git commit -qam ours && echo draft > notes");
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	merge = sh(f.dir, "git merge other");
	cr_assert_neq(merge.status, 0, "the merge was meant to conflict");
	cmd_result_free(&merge);
	cr_assert(file_exists(".git/MERGE_HEAD"));
	restore_ok(&f, NULL);
	after = repo_state(f.dir);
	assert_same_state(before, after);
	cr_assert_not(file_exists(".git/MERGE_HEAD"));
	free(before);
	free(after);
	fixture_close(&f);
}

/* inode and modification time, to tell a file was not rewritten */
static char *file_identity(const char *path)
{
	struct stat st;
	char *s;

	cr_assert(lstat(path, &st) == 0, "%s", path);
	cr_assert(asprintf(&s, "%lu %ld.%09ld", (unsigned long)st.st_ino,
			   (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec) > 0);
	return s;
}

Test(snapshot, restore_touches_only_what_changed,
     .init = harness_setup, .fini = harness_teardown)
{
	struct snapshot_restore_stats stats;
	struct fixture f;
	char *before, *after, *id_before, *id_after, *index_before, *index_after;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "for d in a b c d e f; do mkdir -p $d/sub; "
	      "for i in $(seq 1 40); do echo $d$i > $d/sub/f$i; done; done && "
	      "git add -A && git commit -qm many && echo wip >> a/sub/f1 && "
	      "echo untracked > c/new");
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	sh_do(f.dir, "echo edit >> b/sub/f7 && echo made > e/sub/made && "
	      "echo more >> c/new");
	id_before = file_identity("f/sub/f3");
	index_before = file_identity(".git/index");
	restore_ok(&f, &stats);
	id_after = file_identity("f/sub/f3");
	index_after = file_identity(".git/index");
	after = repo_state(f.dir);
	assert_same_state(before, after);
	cr_assert_eq(stats.written, 2, "written %zu", stats.written);
	cr_assert_eq(stats.removed, 1, "removed %zu", stats.removed);
	cr_assert_not(stats.index_rewritten);
	cr_assert_not(stats.refs_moved);
	cr_assert_str_eq(id_after, id_before, "an unchanged file was rewritten");
	cr_assert_str_eq(index_after, index_before, "the index was rewritten");

	/* a second restore finds nothing to do */
	restore_ok(&f, &stats);
	cr_assert_eq(stats.written + stats.removed, 0);
	free(before);
	free(after);
	free(id_before);
	free(id_after);
	free(index_before);
	free(index_after);
	fixture_close(&f);
}

Test(snapshot, many_files_are_written_as_one_pack,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;
	char *before, *after, *packs, *loose;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "git gc -q && mkdir -p gen/x && for i in $(seq 1 150); do "
	      "echo content $i > gen/x/f$i; done && echo edit >> README");
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	packs = sh_ok(f.dir, "ls .git/objects/pack/*.pack | wc -l");
	loose = sh_ok(f.dir, "git count-objects | cut -d' ' -f1");
	cr_assert_str_eq(packs, "2", "packs: %s", packs);
	cr_assert_str_eq(loose, "0", "loose objects: %s", loose);
	sh_do(f.dir, "rm -r gen && git rm -qf README");
	restore_ok(&f, NULL);
	after = repo_state(f.dir);
	assert_same_state(before, after);
	assert_fsck_clean(f.dir);
	free(before);
	free(after);
	free(packs);
	free(loose);
	fixture_close(&f);
}

Test(snapshot, a_large_file_is_streamed_beside_the_pack,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;
	char *before, *after, *where;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "git gc -q && head -c 17000000 /dev/urandom > big.bin && mkdir gen && "
	      "for i in $(seq 1 80); do echo $i > gen/f$i; done");
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	/* the large blob is a loose object, the rest one pack */
	where = sh_ok(f.dir, "git count-objects | cut -d' ' -f1; "
		      "ls .git/objects/pack/*.pack | wc -l");
	cr_assert_str_eq(where, "1\n2", "%s", where);
	sh_do(f.dir, "rm big.bin gen/f1 && echo changed > gen/f2");
	restore_ok(&f, NULL);
	after = repo_state(f.dir);
	assert_same_state(before, after);
	free(before);
	free(after);
	free(where);
	fixture_close(&f);
}

Test(snapshot, restore_never_writes_through_a_symlink,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;
	char *before, *after, *outside, *outside_dir = tmp_path("outside");

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "mkdir -p lib ../outside && echo a > lib/a.txt && "
	      "git add lib && git commit -qm lib && echo b > lib/b.txt");
	outside = worktree_state(outside_dir);
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	sh_do(f.dir, "rm -r lib && ln -s ../outside lib");
	restore_ok(&f, NULL);
	after = repo_state(f.dir);
	assert_same_state(before, after);
	free(after);
	after = worktree_state(outside_dir);
	cr_assert_str_eq(after, outside, "files were written outside the work tree");
	free(before);
	free(after);
	free(outside);
	free(outside_dir);
	fixture_close(&f);
}

Test(snapshot, ignored_files_survive_an_upgrade_that_unignores_them,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;
	char *before, *after;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "printf '*.log\\ncache/\\n' > .gitignore && git add .gitignore && "
	      "git commit -qm ignore && echo keep > debug.log && "
	      "mkdir -p cache fresh && echo keep > cache/data && "
	      "echo keep > fresh/inside.log");
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	sh_do(f.dir, "echo '# nothing ignored' > .gitignore && echo new > created.txt");
	restore_ok(&f, NULL);
	after = repo_state(f.dir);
	assert_same_state(before, after);
	cr_assert(file_exists("debug.log") && file_exists("cache/data") &&
		  file_exists("fresh/inside.log"));
	free(before);
	free(after);
	fixture_close(&f);
}

Test(snapshot, restore_brings_back_a_detached_head,
     .init = harness_setup, .fini = harness_teardown)
{
	struct snapshot_restore_stats stats;
	struct fixture f;
	char *before, *after;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "echo two >> README && git commit -qam two && "
	      "git checkout -q --detach HEAD~1");
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	cr_assert_null(f.snap.head_ref);
	sh_do(f.dir, "git checkout -q main");
	restore_ok(&f, &stats);
	after = repo_state(f.dir);
	assert_same_state(before, after);
	cr_assert(stats.refs_moved);
	free(before);
	free(after);
	fixture_close(&f);
}

Test(snapshot, gitlinks_and_submodule_checkouts_are_restored,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;
	char *dep = make_repo("dep");
	char *index_before, *index_after, *old_commit;
	git_oid recorded, expected;

	sh_do(dep, "echo two >> README && git commit -qam two");
	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "git submodule add -q ../dep .graft/dep && git commit -qm dep");
	old_commit = sh_ok(f.dir, "git rev-parse HEAD:.graft/dep");
	index_before = sh_ok(f.dir, "git ls-files -s");
	take_ok(&f, "dep");
	sh_do(f.dir, "cd .graft/dep && git checkout -q HEAD~1 && echo x > inside && "
	      "cd ../.. && git add .graft/dep");
	cr_assert_eq(snapshot_gitlink(&recorded, &f.r, &f.snap, ".graft/dep"), 0);
	git_oid_fromstr(&expected, old_commit);
	cr_assert(git_oid_equal(&recorded, &expected));
	cr_assert_eq(snapshot_gitlink(&recorded, &f.r, &f.snap, "README"), 1);
	restore_ok(&f, NULL);
	index_after = sh_ok(f.dir, "git ls-files -s");
	cr_assert_str_eq(index_after, index_before);
	/* the submodule's checkout is a nested repository: back as it was */
	cr_assert(!file_exists(".graft/dep/inside"));
	free(index_after);
	index_after = sh_ok(f.dir, "git -C .graft/dep rev-parse HEAD && "
			    "git -C .graft/dep status --porcelain");
	cr_assert_str_eq(index_after, old_commit);
	free(dep);
	free(old_commit);
	free(index_before);
	free(index_after);
	fixture_close(&f);
}

Test(snapshot, read_returns_what_create_recorded,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;
	struct snapshot read = SNAPSHOT_INIT;
	git_oid head;
	time_t now = time(NULL);

	fixture_open(&f, make_repo("repo"));
	take_ok(&f, "meta-kb");
	cr_assert_eq(snapshot_read(&read, &f.r, "meta-kb"), 0, "%s",
		     graft_error_message());
	cr_assert_str_eq(read.dep, "meta-kb");
	cr_assert_str_eq(read.from_ref, "v1.5.0");
	cr_assert_str_eq(read.to_ref, "v2.0.0");
	cr_assert(git_oid_equal(&read.from, &f.snap.from));
	cr_assert(git_oid_equal(&read.to, &f.snap.to));
	cr_assert_str_eq(read.head_ref, "refs/heads/main");
	cr_assert_eq(git_reference_name_to_id(&head, f.r.repo, "HEAD"), 0);
	cr_assert(git_oid_equal(&read.head, &head));
	cr_assert(git_oid_equal(&read.commit, &f.snap.commit));
	cr_assert(git_oid_equal(&read.index_tree, &f.snap.index_tree));
	cr_assert(git_oid_equal(&read.worktree_tree, &f.snap.worktree_tree));
	/* no intent-to-add entry: A holds the empty tree */
	cr_assert_str_eq(git_oid_tostr_s(&read.ita_tree),
			 "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
	cr_assert_eq(read.format, 2);
	cr_assert(!git_oid_is_zero(&read.meta_tree));
	cr_assert(read.time >= now - 60 && read.time <= now + 60);
	cr_assert_eq(read.pid, (long)getpid());
	snapshot_release(&read);

	cr_assert_eq(snapshot_read(&read, &f.r, "other"), 1);
	sh_do(f.dir, "git update-ref refs/graft/snapshots/bogus HEAD");
	cr_assert_lt(snapshot_read(&read, &f.r, "bogus"), 0);
	cr_assert(strstr(graft_error_message(), "snapshot"), "%s",
		  graft_error_message());
	graft_error_clear();
	fixture_close(&f);
}

Test(snapshot, a_committed_upgrade_is_recognised,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;
	int committed = -1;

	fixture_open(&f, make_repo("repo"));
	take_ok(&f, "meta-kb");
	cr_assert_eq(snapshot_is_committed(&committed, &f.r, &f.snap), 0);
	cr_assert_eq(committed, 0);
	sh_do(f.dir, "git commit -q --allow-empty -m 'graft: upgrade other' "
	      "-m 'Graft-Dependency: other\nGraft-Action: upgrade'");
	cr_assert_eq(snapshot_is_committed(&committed, &f.r, &f.snap), 0);
	cr_assert_eq(committed, 0, "another dependency's upgrade");
	sh_do(f.dir, "git reset -q --hard HEAD~1 && "
	      "git commit -q --allow-empty -m 'graft: upgrade meta-kb v1.5.0 -> v2.0.0' "
	      "-m 'Graft-Dependency: meta-kb\nGraft-Action: upgrade\n"
	      "Graft-From: v1.5.0 1111111111111111111111111111111111111111\n"
	      "Graft-To: v2.0.0 2222222222222222222222222222222222222222'");
	cr_assert_eq(snapshot_is_committed(&committed, &f.r, &f.snap), 0);
	cr_assert_eq(committed, 1);
	sh_do(f.dir, "git commit -q --allow-empty -m later");
	cr_assert_eq(snapshot_is_committed(&committed, &f.r, &f.snap), 0);
	cr_assert_eq(committed, 0, "HEAD is no longer the upgrade");
	fixture_close(&f);
}

static void assert_no_snapshot_left(const char *dir)
{
	char *left = sh_ok(dir, "git for-each-ref refs/graft; "
			   "ls .git/logs/refs/graft/snapshots 2>/dev/null || true");

	cr_assert_str_empty(left, "left behind: %s", left);
	free(left);
}

Test(snapshot, refuses_what_it_cannot_keep,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;

	fixture_open(&f, make_repo("repo"));
	take_ok(&f, "meta-kb");
	snapshot_release(&f.snap);
	cr_assert_lt(take(&f, "meta-kb"), 0);
	cr_assert(strstr(graft_error_message(), "already exists"), "%s",
		  graft_error_message());
	graft_error_clear();
	sh_do(f.dir, "git update-ref -d refs/graft/snapshots/meta-kb");

	sh_do(f.dir, "git checkout -q -b other && echo theirs > README && "
	      "git commit -qam theirs && git checkout -q main && "
	      "echo ours > README && git commit -qam ours && "
	      "{ git merge other >/dev/null || true; }");
	cr_assert_lt(take(&f, "meta-kb"), 0);
	cr_assert(strstr(graft_error_message(), "merge is in progress"), "%s",
		  graft_error_message());
	graft_error_clear();
	sh_do(f.dir, "rm .git/MERGE_HEAD .git/MERGE_MSG .git/MERGE_MODE");
	cr_assert_lt(take(&f, "meta-kb"), 0);
	cr_assert(strstr(graft_error_message(), "conflicted"), "%s",
		  graft_error_message());
	graft_error_clear();
	assert_no_snapshot_left(f.dir);

	sh_do(f.dir, "git reset -q --hard && git checkout -q --orphan fresh");
	cr_assert_lt(take(&f, "meta-kb"), 0);
	cr_assert(strstr(graft_error_message(), "no commit yet"), "%s",
		  graft_error_message());
	graft_error_clear();
	assert_no_snapshot_left(f.dir);
	fixture_close(&f);
}

/* Writes past `ulimit -f` fail with EFBIG, as git-graft ignores SIGXFSZ. */
static void limit_file_size(rlim_t bytes)
{
	struct rlimit limit = { bytes, bytes };

	signal(SIGXFSZ, SIG_IGN);
	cr_assert(setrlimit(RLIMIT_FSIZE, &limit) == 0);
}

Test(snapshot, a_failed_write_leaves_no_ref,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;
	char *before, *after;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "head -c 1000000 /dev/urandom > big.bin");
	before = repo_state(f.dir);
	limit_file_size(64 * 1024);
	cr_assert_lt(take(&f, "meta-kb"), 0);
	cr_assert(strstr(graft_error_message(), "big.bin"), "%s",
		  graft_error_message());
	graft_error_clear();
	after = repo_state(f.dir);
	assert_same_state(before, after);
	assert_no_snapshot_left(f.dir);
	free(before);
	free(after);
	fixture_close(&f);
}

Test(snapshot, a_failed_pack_write_leaves_no_ref,
     .init = harness_setup, .fini = harness_teardown)
{
	struct fixture f;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "mkdir gen && for i in $(seq 1 100); do "
	      "head -c 4000 /dev/urandom > gen/f$i; done");
	limit_file_size(128 * 1024);
	cr_assert_lt(take(&f, "meta-kb"), 0);
	graft_error_clear();
	assert_no_snapshot_left(f.dir);
	fixture_close(&f);
}

Test(snapshot, works_in_a_linked_worktree, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;
	char *main_dir = make_messy_repo("repo"), *before, *after, *main_before,
	     *main_after;

	sh_do(main_dir, "git worktree add -q -b side ../wt");
	main_before = repo_state(main_dir);
	fixture_open(&f, tmp_path("wt"));
	sh_do(f.dir, "echo local > local.txt && echo edit >> README && git add README");
	before = repo_state(f.dir);
	take_ok(&f, "meta-kb");
	sh_do(f.dir, "rm local.txt && echo more >> README && git commit -qam side && "
	      "echo new > new.txt");
	restore_ok(&f, NULL);
	after = repo_state(f.dir);
	assert_same_state(before, after);
	/* the main work tree never saw any of it */
	main_after = repo_state(main_dir);
	cr_assert_str_eq(main_after, main_before);
	assert_fsck_clean(f.dir);
	free(main_dir);
	free(before);
	free(after);
	free(main_before);
	free(main_after);
	fixture_close(&f);
}
