#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "error.h"
#include "lib/fixtures_core.h"
#include "lib/harness.h"
#include "repo.h"
#include "snapshot/prior.h"
#include "snapshot/scan.h"
#include "worktree.h"

/*
 * The files that were there before an upgrade are told from the ones it
 * made by path and by identity, wherever the commands moved them.
 */

Test(prior, the_users_files_are_known_wherever_they_moved, .init = harness_setup,
     .fini = harness_teardown)
{
	struct prior_files p = PRIOR_FILES_INIT;
	struct graft_repo r = GRAFT_REPO_INIT;
	struct worktree wt = WORKTREE_INIT;
	struct scan s = SCAN_INIT;
	char *dir = make_repo("repo");

	sh_do(dir, "echo '*.log' > .gitignore && echo 'build/' >> .gitignore && "
	      "git add .gitignore && git commit -qm ignore && "
	      "echo u > untracked && mkdir -p notes && echo n > notes/todo && "
	      "echo l > debug.log && mkdir build && echo a > build/artifact");
	fixture_libgit2_init();
	open_fixture_repo(&r, dir);
	cr_assert_eq(scan_worktree(&s, &r, SCAN_DETAILS), 0, "%s", graft_error_message());
	prior_files_from_scan(&p, &s);
	cr_assert_eq(worktree_open(&wt, r.workdir), 0);

	/* by path */
	cr_assert(prior_files_has(&p, &wt, "untracked"));
	cr_assert(prior_files_has(&p, &wt, "notes/todo"));
	cr_assert_not(prior_files_has(&p, &wt, "README"), "a tracked file");
	cr_assert_not(prior_files_has(&p, &wt, "missing"));

	/* moved by the commands: by the inode of the file or of an ignored directory */
	sh_do(dir, "mkdir -p elsewhere && mv untracked elsewhere/renamed && mv notes kept && "
	      "mv debug.log old.log && mv build out && echo new > out/made-since && "
	      "echo fresh > fresh && mkdir newdir && echo x > newdir/x");
	cr_assert(prior_files_has(&p, &wt, "elsewhere/renamed"));
	cr_assert(prior_files_has(&p, &wt, "kept/todo"));
	cr_assert(prior_files_has(&p, &wt, "old.log"));
	cr_assert(prior_files_has(&p, &wt, "out/artifact"));
	cr_assert(prior_files_has(&p, &wt, "out/made-since"),
		  "in an ignored directory that was there: the user's");
	cr_assert_not(prior_files_has(&p, &wt, "fresh"));
	cr_assert_not(prior_files_has(&p, &wt, "newdir/x"));
	cr_assert_not(prior_files_has(&p, &wt, "elsewhere"), "a directory made since");

	worktree_close(&wt);
	prior_files_release(&p);
	scan_release(&s);
	repo_close(&r);
	free(dir);
	git_libgit2_shutdown();
}

/* The inode and birth time of path. */
static void file_identity(const char *path, unsigned long *ino, struct timespec *born)
{
	struct statx stx;

	cr_assert(statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_BTIME,
			&stx) == 0, "%s", strerror(errno));
	*ino = (unsigned long)stx.stx_ino;
	born->tv_sec = (time_t)stx.stx_btime.tv_sec;
	born->tv_nsec = (long)stx.stx_btime.tv_nsec;
	if (!(stx.stx_mask & STATX_BTIME))
		cr_skip_test("no birth times on this file system");
}

Test(prior, an_inode_number_taken_again_is_not_the_old_file, .init = harness_setup,
     .fini = harness_teardown)
{
	struct prior_files p = PRIOR_FILES_INIT;
	struct worktree wt = WORKTREE_INIT;
	struct timespec born;
	unsigned long ino;

	cr_assert(mkdir("root", 0755) == 0);
	write_file("root/file", "x\n");
	file_identity("root/file", &ino, &born);
	cr_assert_eq(worktree_open(&wt, "root"), 0);
	p.inodes = malloc(sizeof(*p.inodes));
	cr_assert(p.inodes);
	p.inodes[0] = ino;
	p.nr = p.alloc = 1;

	/* the list was made after the file was born: the file is the old one */
	p.started = born;
	p.started.tv_sec++;
	cr_assert(prior_files_has(&p, &wt, "file"));
	p.started = born;
	p.started.tv_nsec++;
	if (p.started.tv_nsec == 1000000000) {
		p.started.tv_sec++;
		p.started.tv_nsec = 0;
	}
	cr_assert(prior_files_has(&p, &wt, "file"));
	/* ...before: a new file that got the old one's number */
	p.started = born;
	cr_assert_not(prior_files_has(&p, &wt, "file"));
	p.started.tv_sec--;
	cr_assert_not(prior_files_has(&p, &wt, "file"));

	worktree_close(&wt);
	prior_files_release(&p);
}
