#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"

void out_of_memory(void)
{
	static const char message[] = "fatal: out of memory\n";
	/* write(2): nothing to allocate, and no sink to go through */
	ssize_t n = write(STDERR_FILENO, message, sizeof(message) - 1);

	(void)n;
	exit(128);
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void xgrow(void **array, size_t elem_size, size_t nr, size_t *alloc)
{
	size_t want;

	if (nr <= *alloc)
		return;
	want = *alloc ? *alloc : 8;
	while (want < nr) {
		if (want > ((size_t)-1) / 2 / elem_size)
			out_of_memory();
		want *= 2;
	}
	*array = xrealloc(*array, want * elem_size);
	*alloc = want;
}
