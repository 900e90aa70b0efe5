#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "error.h"
#include "fileio.h"
#include "lib/harness.h"
#include "strbuf.h"
#include "worktree.h"

/*
 * Every write of worktree.h lands beneath the root or fails: a symlink
 * on the way is never followed, whether the kernel resolves the path
 * (openat2) or the path is too long for it and is walked component by
 * component.
 */

static void open_root(struct worktree *wt)
{
	cr_assert(mkdir("root", 0755) == 0 || errno == EEXIST);
	cr_assert_eq(worktree_open(wt, "root"), 0, "%s", graft_error_message());
}

static void write_ok(struct worktree *wt, const char *path, const char *data,
		     mode_t perms)
{
	cr_assert_eq(worktree_write_file(wt, path, data, strlen(data), perms), 0,
		     "%s: %s", path, graft_error_message());
}

static mode_t lmode(const char *path)
{
	struct stat st;

	cr_assert(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	return st.st_mode;
}

static void assert_content(const char *path, const char *want)
{
	char *got = read_file(path);

	cr_assert(got, "%s cannot be read", path);
	cr_assert_str_eq(got, want, "%s", path);
	free(got);
}

/* outside/f, and root/<name> a symlink to outside (absolute). */
static void link_outside(const char *name)
{
	char *outside = tmp_path("outside"), *link = tmp_path("root/%s", name);

	cr_assert(mkdir(outside, 0755) == 0 || errno == EEXIST);
	if (!file_exists("outside/f"))
		write_file("outside/f", "outside\n");
	cr_assert(symlink(outside, link) == 0, "%s", strerror(errno));
	free(outside);
	free(link);
}

static void assert_outside_untouched(void)
{
	char *out = sh_ok(NULL, "ls -A outside; stat -c %%a outside/f");

	cr_assert_str_eq(out, "f\n644", "something was written outside the root");
	free(out);
	assert_content("outside/f", "outside\n");
}

Test(worktree, a_symlink_on_the_way_is_never_followed, .init = harness_setup,
     .fini = harness_teardown)
{
	struct worktree wt = WORKTREE_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct stat st;

	umask(022);
	open_root(&wt);
	cr_assert(mkdir("root/real", 0755) == 0);
	link_outside("link");
	link_outside("link2");
	link_outside("link3");
	cr_assert(mkdir("root/a", 0755) == 0);
	link_outside("a/b");
	cr_assert(symlink("real", "root/inlink") == 0);
	cr_assert(symlink("../outside/f", "root/sym") == 0);

	/* reads and removals see nothing through a link */
	cr_assert_eq(worktree_lstat(&wt, "link/f", &st), 1);
	cr_assert_lt(worktree_read_file(&wt, "link/f", &sb), 0);
	cr_assert_lt(worktree_read_link(&wt, "link/f", &sb), 0);
	cr_assert_eq(worktree_remove(&wt, "link/f"), 0);
	cr_assert_eq(worktree_remove(&wt, "a/b/f"), 0);
	cr_assert_eq(worktree_chmod(&wt, "link/f", 0600), 0);
	cr_assert_eq(worktree_remove_empty_dir(&wt, "link/f"), 1);
	assert_outside_untouched();

	/* writes replace the link with a directory */
	write_ok(&wt, "link/f", "mine\n", 0644);
	cr_assert(S_ISDIR(lmode("root/link")), "the link is still there");
	assert_content("root/link/f", "mine\n");
	write_ok(&wt, "a/b/c/f", "deep\n", 0644);
	cr_assert(S_ISDIR(lmode("root/a/b")));
	assert_content("root/a/b/c/f", "deep\n");
	cr_assert_eq(worktree_make_dir(&wt, "link2/d", 0755), 0, "%s", graft_error_message());
	cr_assert(S_ISDIR(lmode("root/link2/d")));
	write_ok(&wt, "moved", "moved\n", 0644);
	cr_assert_eq(worktree_rename(&wt, "moved", "link3/moved"), 0, "%s",
		     graft_error_message());
	assert_content("root/link3/moved", "moved\n");
	assert_outside_untouched();

	/* a link to a directory inside the tree is no way into it either */
	write_ok(&wt, "inlink/g", "g\n", 0644);
	cr_assert(S_ISDIR(lmode("root/inlink")));
	cr_assert_not(file_exists("root/real/g"));

	/* a link at the path itself is replaced, not written through */
	write_ok(&wt, "sym", "new\n", 0644);
	cr_assert(S_ISREG(lmode("root/sym")));
	assert_outside_untouched();

	strbuf_release(&sb);
	worktree_close(&wt);
}

/* The directory path (relative to root) opened by openat, one component at a time. */
static int open_long_dir(const char *root, const char *path)
{
	char *copy = strdup(path), *part, *save = NULL;
	int fd = open(root, O_RDONLY | O_DIRECTORY);

	cr_assert(fd >= 0 && copy);
	for (part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

		cr_assert(next >= 0, "%s: %s", part, strerror(errno));
		close(fd);
		fd = next;
	}
	free(copy);
	return fd;
}

Test(worktree, paths_longer_than_path_max, .init = harness_setup,
     .fini = harness_teardown)
{
	struct worktree wt = WORKTREE_INIT;
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, sb = STRBUF_INIT;
	char *outside = tmp_path("outside"), *left;
	struct stat st;
	int i, fd;

	open_root(&wt);
	/* 40 components of 120 bytes */
	for (i = 0; i < 40; i++) {
		strbuf_addf(&dir, "%sd%02d-", i ? "/" : "", i);
		while ((dir.len + 1) % 121)
			strbuf_addch(&dir, 'x');
	}
	cr_assert_gt(dir.len, PATH_MAX);
	strbuf_addf(&path, "%s/file", dir.buf);
	cr_assert_eq(worktree_write_file(&wt, path.buf, "long\n", 5, 0640), 0, "%s",
		     graft_error_message());
	cr_assert_eq(worktree_lstat(&wt, path.buf, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(worktree_read_file(&wt, path.buf, &sb), 0);
	cr_assert_str_eq(sb.buf, "long\n");
	fd = open_long_dir("root", dir.buf);
	cr_assert(fstatat(fd, "file", &st, AT_SYMLINK_NOFOLLOW) == 0);
	cr_assert_eq(st.st_size, 5);

	/* a symlink deep down, past PATH_MAX: replaced, not followed */
	cr_assert(mkdir(outside, 0755) == 0);
	cr_assert(symlinkat(outside, fd, "link") == 0);
	close(fd);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/link/f", dir.buf);
	cr_assert_eq(worktree_write_file(&wt, path.buf, "x", 1, 0644), 0, "%s",
		     graft_error_message());
	cr_assert_eq(worktree_lstat(&wt, path.buf, &st), 0);
	cr_assert(!file_exists("outside/f"), "written through the link");
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/link", dir.buf);
	cr_assert_eq(worktree_lstat(&wt, path.buf, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));

	/* and the whole tree goes */
	strbuf_reset(&path);
	strbuf_add(&path, dir.buf, 120);
	cr_assert_eq(worktree_remove(&wt, path.buf), 0, "%s", graft_error_message());
	left = sh_ok(NULL, "ls -A root | wc -l");
	cr_assert_str_eq(left, "0", "the long path was not removed");
	free(left);
	free(outside);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&sb);
	worktree_close(&wt);
}

Test(worktree, what_is_in_the_way_goes, .init = harness_setup,
     .fini = harness_teardown)
{
	struct worktree wt = WORKTREE_INIT;

	open_root(&wt);
	/* a directory in the way of a file, however hard to remove */
	sh_do(NULL, "mkdir -p root/d/sub/locked root/d/ro && touch root/d/f root/d/sub/g "
	      "root/d/sub/locked/h root/d/ro/i && chmod 000 root/d/sub/locked && "
	      "chmod 555 root/d/ro");
	write_ok(&wt, "d", "a file now\n", 0644);
	cr_assert(S_ISREG(lmode("root/d")));
	assert_content("root/d", "a file now\n");

	/* a file in the way of a directory */
	write_ok(&wt, "f", "file\n", 0644);
	write_ok(&wt, "f/g", "below\n", 0644);
	cr_assert(S_ISDIR(lmode("root/f")));
	assert_content("root/f/g", "below\n");

	/* a directory a file went from is not written into once it is gone */
	write_ok(&wt, "e/a", "a\n", 0644);
	cr_assert_eq(worktree_remove(&wt, "e"), 0);
	write_ok(&wt, "e/b", "b\n", 0644);
	assert_content("root/e/b", "b\n");
	cr_assert_not(file_exists("root/e/a"));
	cr_assert_eq(worktree_rename(&wt, "e", "moved"), 0);
	write_ok(&wt, "e/c", "c\n", 0644);
	assert_content("root/e/c", "c\n");
	cr_assert_not(file_exists("root/moved/c"), "written into the moved directory");

	/* an empty directory only */
	cr_assert_eq(worktree_remove_empty_dir(&wt, "e"), 1);
	cr_assert_eq(worktree_make_dir(&wt, "empty", 0755), 0);
	cr_assert_eq(worktree_remove_empty_dir(&wt, "empty"), 0);
	cr_assert_not(file_exists("root/empty"));

	/* no temporary file is left anywhere */
	{
		char *left = sh_ok(NULL, "find root -name '.graft-tmp-*' | wc -l");

		cr_assert_str_eq(left, "0");
		free(left);
	}
	worktree_close(&wt);
}

Test(worktree, permission_bits_are_exact, .init = harness_setup,
     .fini = harness_teardown)
{
	static const mode_t file_perms[] = {
		0600, 0640, 0644, 0444, 0755, 0700, 0777, 0711, 04755, 02750,
	};
	static const mode_t dir_perms[] = { 0700, 0751, 0777, 0555, 01777, 02775 };
	struct worktree wt = WORKTREE_INIT;
	char name[32], *path;
	size_t i;

	umask(027);
	open_root(&wt);
	cr_assert_eq(worktree_default_perms(&wt, 0, 0), 0640);
	cr_assert_eq(worktree_default_perms(&wt, 0, 1), 0750);
	cr_assert_eq(worktree_default_perms(&wt, 1, 0), 0750);
	/* the umask decides none of these */
	umask(077);
	for (i = 0; i < sizeof(file_perms) / sizeof(*file_perms); i++) {
		snprintf(name, sizeof(name), "f%04o", (unsigned)file_perms[i]);
		write_ok(&wt, name, "x\n", file_perms[i]);
		path = tmp_path("root/%s", name);
		cr_assert_eq(lmode(path) & 07777, file_perms[i], "%s: %o", name,
			     (unsigned)(lmode(path) & 07777));
		/* written again over itself, with other bits */
		write_ok(&wt, name, "y\n", file_perms[i] ^ 0011);
		cr_assert_eq(lmode(path) & 07777, file_perms[i] ^ 0011, "%s", name);
		cr_assert_eq(worktree_chmod(&wt, name, file_perms[i]), 0);
		cr_assert_eq(lmode(path) & 07777, file_perms[i], "%s", name);
		free(path);
	}
	for (i = 0; i < sizeof(dir_perms) / sizeof(*dir_perms); i++) {
		snprintf(name, sizeof(name), "d%04o/sub", (unsigned)dir_perms[i]);
		cr_assert_eq(worktree_make_dir(&wt, name, dir_perms[i]), 0, "%s",
			     graft_error_message());
		path = tmp_path("root/%s", name);
		cr_assert_eq(lmode(path) & 07777, dir_perms[i], "%s: %o", name,
			     (unsigned)(lmode(path) & 07777));
		/* an existing directory gets the bits too */
		cr_assert_eq(worktree_make_dir(&wt, name, 0700), 0);
		cr_assert_eq(lmode(path) & 07777, 0700, "%s", name);
		free(path);
	}
	cr_assert_eq(worktree_make_fifo(&wt, "fifo", 0604), 0);
	cr_assert(S_ISFIFO(lmode("root/fifo")));
	cr_assert_eq(lmode("root/fifo") & 07777, 0604);
	worktree_close(&wt);
}

Test(worktree, paths_git_never_records_are_refused, .init = harness_setup,
     .fini = harness_teardown)
{
	static const char *const bad[] = {
		"", "/abs", "a//b", "./a", "a/./b", "..", "../x", "a/..", "a/../b", "a/",
		".", NULL,
	};
	struct worktree wt = WORKTREE_INIT;
	const char *const *p;
	char *left;

	open_root(&wt);
	for (p = bad; *p; p++) {
		cr_assert_lt(worktree_write_file(&wt, *p, "x", 1, 0644), 0, "'%s' written", *p);
		assert_contains(graft_error_message(), "refusing to write");
		cr_assert_lt(worktree_make_dir(&wt, *p, 0755), 0, "'%s' made", *p);
		cr_assert_lt(worktree_remove(&wt, *p), 0, "'%s' removed", *p);
	}
	left = sh_ok(NULL, "ls -A root; ls -A");
	cr_assert_str_eq(left, ".gitconfig\nroot");
	free(left);
	worktree_close(&wt);
}
