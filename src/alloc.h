#ifndef GRAFT_ALLOC_H
#define GRAFT_ALLOC_H

#include <stddef.h>

/*
 * Allocation that cannot fail: like git's xmalloc family, running out of
 * memory prints "fatal: out of memory" and exits 128, so callers never
 * carry an error path that no test could reach.
 */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *array (of *alloc elements of elem_size) so it holds at least nr. */
void xgrow(void **array, size_t elem_size, size_t nr, size_t *alloc);

#define ALLOC_GROW(array, nr, alloc) \
	xgrow((void **)&(array), sizeof(*(array)), (nr), &(alloc))

#endif
