#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "snapshot/prior.h"
#include "strbuf.h"

static void add_inode(struct prior_files *p, unsigned long ino)
{
	if (!ino)
		return;
	ALLOC_GROW(p->inodes, p->nr + 1, p->alloc);
	p->inodes[p->nr++] = ino;
}

static int by_inode(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

void prior_files_from_scan(struct prior_files *p, const struct scan *scan)
{
	size_t i;

	clock_gettime(CLOCK_REALTIME, &p->started);
	for (i = 0; i < scan->nr; i++)
		if (scan_entry_untracked(&scan->entries[i])) {
			path_list_add(&p->paths, scan->entries[i].path);
			add_inode(p, scan->entries[i].ino);
		}
	for (i = 0; i < scan->items_nr; i++)
		if (scan->items[i].kind == SCAN_IGNORED)
			add_inode(p, scan->items[i].ino);
	path_list_sort(&p->paths);
	if (p->nr > 1)
		qsort(p->inodes, p->nr, sizeof(*p->inodes), by_inode);
}

/*
 * Whether the file at path is one of p's inodes and not a newer file
 * that took its number: its birth time, where the file system keeps one,
 * is before the start.
 */
static int same_inode(const struct prior_files *p, struct worktree *wt,
		      const char *path)
{
	struct timespec born;
	unsigned long ino;
	struct stat st;

	if (worktree_lstat(wt, path, &st) != 0)
		return 0;
	ino = (unsigned long)st.st_ino;
	if (!p->nr || !bsearch(&ino, p->inodes, p->nr, sizeof(*p->inodes), by_inode))
		return 0;
	if (worktree_birth_time(wt, path, &born) != 0)
		return 1;
	/*
	 * File systems stamp births with a coarse clock: one born in the
	 * tick of the start, after it, looks older and is kept out of the
	 * commit with a warning; never the other way round.
	 */
	return born.tv_sec < p->started.tv_sec ||
	       (born.tv_sec == p->started.tv_sec && born.tv_nsec < p->started.tv_nsec);
}

int prior_files_has(const struct prior_files *p, struct worktree *wt,
		    const char *path)
{
	struct strbuf dir = STRBUF_INIT;
	char *slash;
	int has;

	if (path_list_has(&p->paths, path))
		return 1;
	has = same_inode(p, wt, path);
	strbuf_addstr(&dir, path);
	while (!has && (slash = strrchr(dir.buf, '/'))) {
		strbuf_setlen(&dir, (size_t)(slash - dir.buf));
		has = same_inode(p, wt, dir.buf);
	}
	strbuf_release(&dir);
	return has;
}

void prior_files_release(struct prior_files *p)
{
	path_list_release(&p->paths);
	free(p->inodes);
	*p = (struct prior_files)PRIOR_FILES_INIT;
}
