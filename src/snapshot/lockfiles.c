#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "pathlist.h"
#include "report.h"
#include "snapshot/lockfiles.h"
#include "strbuf.h"

/*
 * git and libgit2 close a lock's file a moment before they rename it into
 * place: a lock nothing holds open is looked at again after this long.
 */
#define STALE_RECHECK_NS 100000000L

static void add_if_there(struct path_list *l, const char *dir, const char *name)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "%s%s.lock", dir, name);
	if (path_exists(path.buf))
		path_list_add(l, path.buf);
	strbuf_release(&path);
}

/* Every *.lock below dir (ending in '/'), however deep. */
static void add_tree(struct path_list *l, struct strbuf *dir)
{
	size_t len = dir->len;
	struct dirent *de;
	DIR *d = opendir(dir->buf);

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_addstr(dir, de->d_name);
		if (de->d_type == DT_DIR) {
			strbuf_addch(dir, '/');
			add_tree(l, dir);
		} else if (n > 5 && !strcmp(de->d_name + n - 5, ".lock")) {
			path_list_add(l, dir->buf);
		}
		strbuf_setlen(dir, len);
	}
	closedir(d);
}

/* The index and HEAD of each repository under <gitdir>/modules/. */
static void add_modules(struct path_list *l, const struct graft_repo *r)
{
	struct strbuf dir = STRBUF_INIT;
	struct dirent *de;
	DIR *d;
	size_t len;

	strbuf_addf(&dir, "%smodules/", r->gitdir);
	len = dir.len;
	if (!(d = opendir(dir.buf))) {
		strbuf_release(&dir);
		return;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		strbuf_setlen(&dir, len);
		strbuf_addf(&dir, "%s/", de->d_name);
		add_if_there(l, dir.buf, "index");
		add_if_there(l, dir.buf, "HEAD");
		add_if_there(l, dir.buf, "logs/HEAD");
	}
	closedir(d);
	strbuf_release(&dir);
}

static void candidates(struct path_list *l, const struct graft_repo *r)
{
	struct strbuf dir = STRBUF_INIT;
	git_reference *head = NULL;

	add_if_there(l, r->gitdir, "index");
	add_if_there(l, r->gitdir, "HEAD");
	add_if_there(l, r->gitdir, "logs/HEAD");
	add_if_there(l, r->commondir, "packed-refs");
	add_if_there(l, r->commondir, "config");
	add_if_there(l, r->commondir, "refs/stash");
	add_if_there(l, r->commondir, "logs/refs/stash");
	if (git_reference_lookup(&head, r->repo, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC) {
		const char *branch = git_reference_symbolic_target(head);

		add_if_there(l, r->commondir, branch);
		strbuf_addf(&dir, "logs/%s", branch);
		add_if_there(l, r->commondir, dir.buf);
		strbuf_reset(&dir);
	}
	git_error_clear();
	git_reference_free(head);
	strbuf_addf(&dir, "%srefs/graft/", r->commondir);
	add_tree(l, &dir);
	strbuf_reset(&dir);
	strbuf_addf(&dir, "%slogs/refs/graft/", r->commondir);
	add_tree(l, &dir);
	strbuf_release(&dir);
	add_modules(l, r);
	path_list_sort(l);
}

/* Whether a process has path open: a look through /proc/<pid>/fd. */
static int held_open(const char *path)
{
	struct strbuf fds = STRBUF_INIT, target = STRBUF_INIT;
	struct dirent *p, *f;
	DIR *procs = opendir("/proc"), *d;
	int held = 0;

	if (!procs)
		return 1;
	while (!held && (p = readdir(procs))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		strbuf_reset(&fds);
		strbuf_addf(&fds, "/proc/%s/fd", p->d_name);
		if (!(d = opendir(fds.buf)))
			continue;
		while (!held && (f = readdir(d)))
			held = f->d_name[0] != '.' &&
			       readlink_at(dirfd(d), f->d_name, &target) == 0 &&
			       !strcmp(target.buf, path);
		closedir(d);
	}
	closedir(procs);
	strbuf_release(&fds);
	strbuf_release(&target);
	return held;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * Stale: nothing holds it open, and it is still the same file after a
 * pause in which a git that had just closed it would have renamed it.
 * No clock is read, so a lock left a moment ago is found as well.
 */
static int is_stale(const char *path)
{
	const struct timespec pause = { 0, STALE_RECHECK_NS };
	struct stat first, again;

	if (lstat(path, &first) < 0 || held_open(path))
		return 0;
	nanosleep(&pause, NULL);
	return lstat(path, &again) == 0 && same_file(&first, &again) &&
	       !held_open(path);
}

int lockfiles_clear_stale(const struct graft_repo *r)
{
	struct path_list locks = PATH_LIST_INIT;
	size_t i;
	int rc = 0;

	candidates(&locks, r);
	for (i = 0; i < locks.nr && rc == 0; i++) {
		const char *path = locks.items[i];

		if (!is_stale(path))
			continue;
		if (unlink(path) < 0 && errno != ENOENT)
			rc = graft_error("cannot remove the stale lock '%s': %s", path,
					 strerror(errno));
		else
			graft_warning("removed '%s', a lock nothing holds: left by a git-graft (or git) that was stopped, or one that could not remove it",
				      path);
	}
	path_list_release(&locks);
	return rc;
}
