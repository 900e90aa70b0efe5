#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "alloc.h"
#include "snapshot/watch.h"
#include "strbuf.h"

#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | \
		    IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | \
		    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)

static void give_up(struct watch *w, const char *why)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (!w->lost)
		w->lost = why;
}

void watch_open(struct watch *w)
{
	*w = (struct watch)WATCH_INIT;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		w->lost = "inotify is not available";
}

char *watch_set_prefix(struct watch *w, const char *prefix)
{
	char *old = w->prefix;

	w->prefix = prefix && *prefix ? xstrdup(prefix) : NULL;
	return old;
}

/* Watch the directory open as fd under the name name ("dir/"). */
static void add_watch(struct watch *w, int fd, const char *name)
{
	char proc[64];
	int wd;

	if (w->fd < 0)
		return;
	/*
	 * Through the open descriptor (its /proc link is followed, so no
	 * IN_DONT_FOLLOW): paths of any length, and the very directory the
	 * scan reads, whatever happened to its path meanwhile.
	 */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(w->fd, proc, WATCH_MASK);
	if (wd < 0) {
		give_up(w, errno == ENOSPC ? "the inotify watch limit was reached" :
			"a directory could not be watched");
		return;
	}
	if ((size_t)wd >= w->dirs_alloc) {
		size_t old = w->dirs_alloc;

		ALLOC_GROW(w->dirs, (size_t)wd + 1, w->dirs_alloc);
		memset(w->dirs + old, 0, (w->dirs_alloc - old) * sizeof(*w->dirs));
	}
	free(w->dirs[wd]);
	w->dirs[wd] = xstrdup(name);
}

void watch_add_path(struct watch *w, const char *path, const char *as)
{
	int fd;

	if (w->fd < 0)
		return;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		/* a repository without logs/, say: nothing there to watch */
		if (errno != ENOENT)
			give_up(w, "a directory could not be watched");
		return;
	}
	add_watch(w, fd, as);
	close(fd);
}

void watch_add(struct watch *w, int fd, const char *dir)
{
	struct strbuf name = STRBUF_INIT;

	strbuf_addf(&name, "%s%s", w->prefix ? w->prefix : "", dir);
	add_watch(w, fd, name.buf);
	strbuf_release(&name);
}

int watch_fd(const struct watch *w)
{
	return w->fd;
}

int watch_lost(const struct watch *w)
{
	return w->fd < 0;
}

/* "dir/name", or the directory itself (no '/') when name is empty. */
static void note(struct watch *w, const char *dir, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	size_t n = w->changed.nr;

	strbuf_addf(&path, "%s%s", dir, name);
	if (path.len && path.buf[path.len - 1] == '/')
		strbuf_setlen(&path, path.len - 1);
	/* events come in runs for one file: keep the list short */
	if (path.len && (!n || strcmp(w->changed.items[n - 1], path.buf)))
		path_list_add(&w->changed, path.buf);
	strbuf_release(&path);
}

static void take_event(struct watch *w, const struct inotify_event *e)
{
	const char *dir;

	if (e->mask & IN_Q_OVERFLOW) {
		give_up(w, "too many changes to follow");
		return;
	}
	if (e->wd < 0 || (size_t)e->wd >= w->dirs_alloc || !w->dirs[e->wd])
		return;
	dir = w->dirs[e->wd];
	/*
	 * A watched directory that went or moved: what it held is no
	 * longer where its events would say. Its parent has the event that
	 * names it, unless it is the top.
	 */
	if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
		if (!*dir) {
			give_up(w, "the work tree itself moved");
			return;
		}
		/* its events would name it by its old path from here on */
		free(w->dirs[e->wd]);
		w->dirs[e->wd] = NULL;
		return;
	}
	if (e->mask & IN_IGNORED)
		return;
	note(w, dir, e->len ? e->name : "");
}

void watch_read(struct watch *w)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (w->fd >= 0) {
		ssize_t n = read(w->fd, buf, sizeof(buf)), off = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN)
				give_up(w, "its events could not be read");
			return;
		}
		while (off < n && w->fd >= 0) {
			const struct inotify_event *e = (const void *)(buf + off);

			take_event(w, e);
			off += (ssize_t)(sizeof(*e) + e->len);
		}
	}
}

const struct path_list *watch_changed(struct watch *w)
{
	watch_read(w);
	if (w->fd < 0)
		return NULL;
	path_list_sort(&w->changed);
	return &w->changed;
}

void watch_close(struct watch *w)
{
	size_t i;

	if (w->fd >= 0)
		close(w->fd);
	for (i = 0; i < w->dirs_alloc; i++)
		free(w->dirs[i]);
	free(w->dirs);
	free(w->prefix);
	path_list_release(&w->changed);
	*w = (struct watch)WATCH_INIT;
}
