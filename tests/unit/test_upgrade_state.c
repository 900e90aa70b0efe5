#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "error.h"
#include "lib/harness.h"
#include "repo.h"
#include "snapshot/upgrade_state.h"

#define A "0123456789abcdef0123456789abcdef01234567"
#define B "89abcdef0123456789abcdef0123456789abcdef"

TestSuite(upgrade_state, .init = harness_setup, .fini = harness_teardown);

static void open_test_repo(struct graft_repo *r)
{
	char *path = make_repo("repo");

	git_libgit2_init();
	cr_assert(chdir(path) == 0);
	cr_assert_eq(repo_open(r, REPO_NEED_WORKTREE), 0, "%s", graft_error_message());
	free(path);
}

/* A state with every field set, the paths as odd as paths get. */
static void fill(struct upgrade_state *st)
{
	static struct graft_skipped skipped[] = {
		{ GRAFT_SKIPPED_MIGRATION, "v2.0.0" },
		{ GRAFT_SKIPPED_VERIFY, "v2.0.0" },
	};

	st->dep = "meta-kb";
	git_oid_fromstr(&st->snapshot, A);
	st->from_ref = "v1.0.0";
	git_oid_fromstr(&st->from, A);
	st->to_ref = "v3.0.0";
	git_oid_fromstr(&st->to, B);
	st->downgrade = 1;
	st->change = 1;
	st->changes = 2;
	st->change_ref = "v3.0.0";
	st->step = UPGRADE_STEP_VERIFY;
	st->command = "check-v3";
	st->failure = "the verification 'check-v3' exited with status 3\nits last lines of output:\n    no";
	st->skip_migration = 1;
	st->stepwise = 1;
	st->commit_per_change = 1;
	st->has_timeout = 1;
	st->timeout = 0;
	st->no_verify = 1;
	st->gpg_sign = -1;
	st->gpg_key = "ABCD 1234";
	st->stashed = 1;
	git_oid_fromstr(&st->stash, B);
	st->skipped = skipped;
	st->skipped_nr = 2;
	git_oid_fromstr(&st->head, B);
	st->committed = 1;
	git_oid_fromstr(&st->dep_at, B);
	path_list_add(&st->prior.paths, "notes.txt");
	path_list_add(&st->prior.paths, "dir/new\nline \xff.txt");
	path_list_sort(&st->prior.paths);
	st->prior.inodes = calloc(2, sizeof(*st->prior.inodes));
	st->prior.inodes[0] = 12;
	st->prior.inodes[1] = 4294967297UL;
	st->prior.nr = st->prior.alloc = 2;
	st->prior.started.tv_sec = 1700000000;
	st->prior.started.tv_nsec = 123456789;
	st->pid = 4242;
}

Test(upgrade_state, written_then_read_back_whole)
{
	struct upgrade_state st = UPGRADE_STATE_INIT, back = UPGRADE_STATE_INIT;
	struct graft_repo r;
	char hex[GIT_OID_HEXSZ + 1];

	open_test_repo(&r);
	cr_assert_eq(upgrade_state_read(&back, &r), 1, "none yet");
	fill(&st);
	cr_assert_eq(upgrade_state_write(&r, &st), 0, "%s", graft_error_message());
	cr_assert_eq(upgrade_state_read(&back, &r), 0, "%s", graft_error_message());
	cr_assert_str_eq(back.dep, "meta-kb");
	cr_assert_str_eq(git_oid_tostr(hex, sizeof(hex), &back.snapshot), A);
	cr_assert_str_eq(back.from_ref, "v1.0.0");
	cr_assert_str_eq(git_oid_tostr(hex, sizeof(hex), &back.to), B);
	cr_assert_eq(back.downgrade, 1);
	cr_assert_eq(back.change, 1);
	cr_assert_eq(back.changes, 2);
	cr_assert_str_eq(back.change_ref, "v3.0.0");
	cr_assert_eq(back.step, UPGRADE_STEP_VERIFY);
	cr_assert_str_eq(back.command, "check-v3");
	cr_assert_str_eq(back.failure, st.failure);
	cr_assert_eq(back.skip_migration, 1);
	cr_assert_eq(back.skip_verify, 0);
	cr_assert_eq(back.stepwise, 1);
	cr_assert_eq(back.commit_per_change, 1);
	cr_assert_eq(back.has_timeout, 1, "--timeout 0 is a timeout given");
	cr_assert_eq(back.timeout, 0);
	cr_assert_eq(back.no_verify, 1);
	cr_assert_eq(back.gpg_sign, -1);
	cr_assert_str_eq(back.gpg_key, "ABCD 1234");
	cr_assert_eq(back.stashed, 1);
	cr_assert_eq(back.skipped_nr, 2);
	cr_assert_eq(back.skipped[0].command, GRAFT_SKIPPED_MIGRATION);
	cr_assert_eq(back.skipped[1].command, GRAFT_SKIPPED_VERIFY);
	cr_assert_str_eq(back.skipped[1].change, "v2.0.0");
	cr_assert_eq(back.committed, 1);
	cr_assert_str_eq(git_oid_tostr(hex, sizeof(hex), &back.dep_at), B);
	cr_assert_eq(back.prior.paths.nr, 2);
	cr_assert(path_list_has(&back.prior.paths, "dir/new\nline \xff.txt"));
	cr_assert(path_list_has(&back.prior.paths, "notes.txt"));
	cr_assert_eq(back.prior.nr, 2);
	cr_assert_eq(back.prior.inodes[1], 4294967297UL);
	cr_assert_eq(back.prior.started.tv_sec, 1700000000);
	cr_assert_eq(back.prior.started.tv_nsec, 123456789);
	cr_assert_eq(back.pid, 4242);
	upgrade_state_release(&back);

	cr_assert_eq(upgrade_state_remove(&r), 0);
	cr_assert_eq(upgrade_state_read(&back, &r), 1, "removed");
	cr_assert_eq(upgrade_state_remove(&r), 0, "none is fine");
	prior_files_release(&st.prior);
	repo_close(&r);
	git_libgit2_shutdown();
}

/* Anything but what this version writes is refused, naming the file. */
Test(upgrade_state, what_it_cannot_read_is_an_error)
{
	static const struct { const char *data; size_t len; } bad[] = {
		{ "", 0 },
		{ "graft-stopped 1", 15 },
		{ "graft-stopped 2\0", 16 },
		{ "dependency kb\0", 14 },
		{ "graft-stopped 1\0dependency kb\0", 30 },
		{ "graft-stopped 1\0nonsense\0", 25 },
		{ "graft-stopped 1\0color blue\0", 27 },
	};
	struct graft_repo r;
	size_t i;

	open_test_repo(&r);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct upgrade_state back = UPGRADE_STATE_INIT;
		FILE *f;
		int rc;

		cr_assert(system("mkdir -p .git/graft") == 0);
		f = fopen(".git/graft/stopped", "wb");
		cr_assert(f);
		fwrite(bad[i].data, 1, bad[i].len, f);
		fclose(f);
		rc = upgrade_state_read(&back, &r);
		cr_assert_lt(rc, 0, "case %zu read", i);
		cr_assert(strstr(graft_error_message(), ".git/graft/stopped"),
			  "case %zu: %s", i, graft_error_message());
		graft_error_clear();
	}
	repo_close(&r);
	git_libgit2_shutdown();
}
