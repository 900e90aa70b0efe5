#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "error.h"
#include "lib/harness.h"
#include "ops/guard.h"
#include "repo.h"
#include "snapshot/oplock.h"

static void open_test_repo(struct graft_repo *r)
{
	char *path = make_repo("repo");

	cr_assert(chdir(path) == 0);
	cr_assert_eq(repo_open(r, REPO_NEED_WORKTREE), 0, "%s", graft_error_message());
	free(path);
}

Test(oplock, second_holder_is_refused_with_the_pid,
     .init = harness_setup, .fini = harness_teardown)
{
	struct graft_repo r;
	struct oplock a = OPLOCK_INIT, b = OPLOCK_INIT;
	char pid[32], *content;

	git_libgit2_init();
	open_test_repo(&r);
	cr_assert_eq(oplock_acquire(&a, &r), 0, "%s", graft_error_message());
	content = read_file(a.path);
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	cr_assert_str_eq(content, pid);
	free(content);

	cr_assert_eq(oplock_acquire(&b, &r), GRAFT_EFATAL);
	snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
	cr_assert(strstr(graft_error_message(), pid), "%s", graft_error_message());
	graft_error_clear();
	cr_assert_null(b.path);

	oplock_release(&a, &r);
	cr_assert_not(file_exists(".git/graft/op.lock"));
	cr_assert_eq(oplock_acquire(&b, &r), 0);
	oplock_release(&b, &r);
	repo_close(&r);
	git_libgit2_shutdown();
}

Test(oplock, lock_of_a_dead_process_is_taken_over,
     .init = harness_setup, .fini = harness_teardown)
{
	struct graft_repo r;
	struct oplock a = OPLOCK_INIT;
	char content[32];
	pid_t dead;

	git_libgit2_init();
	open_test_repo(&r);
	dead = fork();
	if (!dead)
		_exit(0);
	waitpid(dead, NULL, 0);
	cr_assert(mkdir(".git/graft", 0777) == 0);
	snprintf(content, sizeof(content), "%ld\n", (long)dead);
	write_file(".git/graft/op.lock", content);
	cr_assert_eq(oplock_acquire(&a, &r), 0, "%s", graft_error_message());
	oplock_release(&a, &r);
	repo_close(&r);
	git_libgit2_shutdown();
}

Test(oplock, pending_snapshot_refuses_mutations,
     .init = harness_setup, .fini = harness_teardown)
{
	struct graft_repo r;
	struct oplock a = OPLOCK_INIT;
	struct pending_list list = PENDING_LIST_INIT;

	git_libgit2_init();
	open_test_repo(&r);
	cr_assert_eq(guard_mutation(&a, &r), 0);
	oplock_release(&a, &r);

	sh_do(NULL, "git update-ref refs/graft/snapshots/meta-kb HEAD");
	cr_assert_eq(pending_snapshots(&list, &r), 0);
	cr_assert_eq(list.nr, 1);
	cr_assert_str_eq(list.names[0], "meta-kb");
	pending_list_release(&list);
	cr_assert_eq(guard_mutation(&a, &r), GRAFT_EFAIL);
	cr_assert(strstr(graft_error_message(), "meta-kb"));
	cr_assert(strstr(graft_error_hints(), "git graft rollback"));
	graft_error_clear();
	cr_assert_eq(a.fd, -1, "the lock must be released on refusal");
	cr_assert_not(file_exists(".git/graft/op.lock"));
	repo_close(&r);
	git_libgit2_shutdown();
}

Test(oplock, git_operation_in_progress_refuses_mutations,
     .init = harness_setup, .fini = harness_teardown)
{
	struct graft_repo r;
	struct oplock a = OPLOCK_INIT;

	git_libgit2_init();
	open_test_repo(&r);
	sh_do(NULL, "git rev-parse HEAD > .git/MERGE_HEAD");
	cr_assert_eq(guard_mutation(&a, &r), GRAFT_EFAIL);
	cr_assert(strstr(graft_error_message(), "a merge is in progress"), "%s",
		  graft_error_message());
	graft_error_clear();
	repo_close(&r);
	git_libgit2_shutdown();
}

/*
 * Who holds a lock, for telling a running upgrade from an interrupted
 * one: the holder's pid while it holds it, in this worktree or a linked
 * one; not a pid the file names once the lock is free.
 */
Test(oplock, held_by_names_the_holder_in_any_worktree,
     .init = harness_setup, .fini = harness_teardown)
{
	struct graft_repo r, linked;
	struct oplock a = OPLOCK_INIT;
	long self = (long)getpid();
	char *wt = tmp_path("wt"), *repo;

	git_libgit2_init();
	open_test_repo(&r);
	cr_assert_not(oplock_held_by(&r, self));
	cr_assert_eq(oplock_acquire(&a, &r), 0, "%s", graft_error_message());
	cr_assert(oplock_held_by(&r, self));
	cr_assert_not(oplock_held_by(&r, self + 1), "only its holder");
	oplock_release(&a, &r);
	cr_assert_not(oplock_held_by(&r, self));

	/* a lock left by a process that died names it, but is not held */
	cr_assert(mkdir(".git/graft", 0777) == 0 || errno == EEXIST);
	write_file(".git/graft/op.lock", "1\n");
	cr_assert_not(oplock_held_by(&r, 1));

	sh_do(NULL, "git worktree add -q --detach %s", wt);
	repo = getcwd(NULL, 0);
	cr_assert(chdir(wt) == 0);
	cr_assert_eq(repo_open(&linked, REPO_NEED_WORKTREE), 0, "%s",
		     graft_error_message());
	cr_assert_eq(oplock_acquire(&a, &linked), 0, "%s", graft_error_message());
	cr_assert(oplock_held_by(&r, self), "seen from the main worktree");
	oplock_release(&a, &linked);
	cr_assert_not(oplock_held_by(&r, self));
	cr_assert(chdir(repo) == 0);
	repo_close(&linked);
	repo_close(&r);
	free(repo);
	free(wt);
	git_libgit2_shutdown();
}
