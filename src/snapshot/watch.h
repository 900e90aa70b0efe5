#ifndef GRAFT_WATCH_H
#define GRAFT_WATCH_H

#include <stddef.h>

#include "pathlist.h"

/*
 * What changes in a work tree while an upgrade's commands run, told by
 * inotify(7), so that the restore and the commit look at those paths
 * instead of scanning the whole tree a second time.
 *
 * The scan that precedes the snapshot adds a watch on each directory as
 * it opens it, before it reads it (scan_worktree_watched): from then on
 * nothing that changes in a directory the scan saw goes unnoticed, and
 * what changed before is what the scan reads. Ignored directories are
 * not watched (nothing in them is restored), nor repositories nested in
 * the tree: they are watched each with their own watch.
 *
 * The watch only ever says "look here": a path an event names, or a
 * directory created or moved in, which is then looked at whole. Any
 * doubt gives up on it (watch_lost): the queue overflowed, a watch could
 * not be added (the inotify limits), a watched directory went away or
 * moved. The caller then scans everything, as without a watch.
 */
struct watch {
	int fd;			/* the inotify instance; -1 when lost */
	char **dirs;		/* by watch descriptor: "" or "dir/" */
	size_t dirs_alloc;
	char *prefix;		/* put before what watch_add is told */
	struct path_list changed;
	const char *lost;	/* why it gave up, or NULL */
};

#define WATCH_INIT { .fd = -1, .changed = PATH_LIST_INIT }

/* Start watching; on failure the watch is lost, not an error. */
void watch_open(struct watch *w);

/* Watch the directory dir ("" or "dir/"), open as fd. */
void watch_add(struct watch *w, int fd, const char *dir);

/*
 * From now on what watch_add is told is relative to prefix ("" or
 * "dir/"): a repository nested at dir/ is scanned with its own paths.
 * Returns the prefix it replaces, for the caller to put back (and free).
 */
char *watch_set_prefix(struct watch *w, const char *prefix);

/*
 * Watch the directory at path (absolute; a repository's git directory
 * outside the work tree, say) under the name as ("dir/.git/"): what
 * changes there makes as look changed.
 */
void watch_add_path(struct watch *w, const char *path, const char *as);

/* The descriptor to poll for events while commands run, or -1. */
int watch_fd(const struct watch *w);

/* Read what events are queued, without waiting. */
void watch_read(struct watch *w);

/* Whether it gave up: then everything must be looked at. */
int watch_lost(const struct watch *w);

/*
 * Read the events queued and say what changed since the watch began: the
 * paths to look at, sorted (a directory without a trailing '/'), or NULL
 * when the watch was lost. The list stays the watch's; it holds until
 * the next call on w. The watch goes on: an upgrade that commits once a
 * change asks again after each.
 */
const struct path_list *watch_changed(struct watch *w);

void watch_close(struct watch *w);

#endif
