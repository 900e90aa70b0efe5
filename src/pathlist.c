#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "pathlist.h"
#include "strbuf.h"

void path_list_add(struct path_list *l, const char *path)
{
	ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	l->items[l->nr++] = xstrdup(path);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void path_list_sort(struct path_list *l)
{
	size_t i, n = 0;

	if (l->nr > 1)
		qsort(l->items, l->nr, sizeof(*l->items), by_string);
	for (i = 0; i < l->nr; i++) {
		if (n && !strcmp(l->items[n - 1], l->items[i]))
			free(l->items[i]);
		else
			l->items[n++] = l->items[i];
	}
	l->nr = n;
}

int path_list_has(const struct path_list *l, const char *path)
{
	return l->nr && bsearch(&path, l->items, l->nr, sizeof(*l->items),
				by_string) != NULL;
}

void path_list_release(struct path_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

int path_list_covers(const struct path_list *l, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char *slash;
	int yes;

	strbuf_addstr(&sb, path);
	yes = path_list_has(l, sb.buf);
	while (!yes && (slash = strrchr(sb.buf, '/'))) {
		strbuf_setlen(&sb, (size_t)(slash - sb.buf));
		yes = path_list_has(l, sb.buf);
	}
	strbuf_release(&sb);
	return yes;
}

int path_list_has_below(const struct path_list *l, const char *dir)
{
	size_t len = strlen(dir), lo = 0, hi = l->nr;

	/* the first item not before "a/b": then "a/b" itself, or "a/b/..." */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(l->items[mid], dir, len - 1) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->nr && !strncmp(l->items[lo], dir, len - 1); lo++)
		if (!l->items[lo][len - 1] || l->items[lo][len - 1] == '/')
			return 1;
	return 0;
}
