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

/*
 * Say "fatal: out of memory" on standard error and exit 128. The base
 * writes it itself: reporting it would need the memory there is not.
 */
void out_of_memory(void) __attribute__((noreturn));

/* Grow *array (of *alloc elements of elem_size) so it holds at least nr. */
void xgrow(void **array, size_t elem_size, size_t nr, size_t *alloc);

#define ALLOC_GROW(array, nr, alloc) \
	xgrow((void **)&(array), sizeof(*(array)), (nr), &(alloc))

#endif
