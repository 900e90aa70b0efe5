#ifndef GRAFT_PATHLIST_H
#define GRAFT_PATHLIST_H

#include <stddef.h>

/* A list of paths the list owns, sorted bytewise once path_list_sort ran. */
struct path_list {
	char **items;
	size_t nr, alloc;
};

#define PATH_LIST_INIT { .items = NULL }

/* Append a copy of path. */
void path_list_add(struct path_list *l, const char *path);
/* Sort bytewise and drop duplicates. */
void path_list_sort(struct path_list *l);
/* Whether a sorted list holds path. */
int path_list_has(const struct path_list *l, const char *path);
/*
 * Whether a sorted list holds the directory dir ("a/b/", with its '/')
 * or a path below it.
 */
int path_list_has_below(const struct path_list *l, const char *dir);
/* Whether a sorted list holds path or a directory above it. */
int path_list_covers(const struct path_list *l, const char *path);
void path_list_release(struct path_list *l);

#endif
