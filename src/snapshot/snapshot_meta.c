#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "snapshot/snapshot_meta.h"

const char *const snapshot_gitdir_files[] = {
	"config", "info/exclude", "info/attributes", NULL
};

struct meta_record *meta_add(struct meta_list *l, char kind, const char *path)
{
	struct meta_record *m;

	ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	m = &l->items[l->nr++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->state = '-';
	m->path = xstrdup(path);
	return m;
}

static int by_path_and_kind(const void *a, const void *b)
{
	const struct meta_record *x = a, *y = b;
	int cmp = strcmp(x->path, y->path);

	return cmp ? cmp : x->kind - y->kind;
}

void meta_sort(struct meta_list *l)
{
	if (l->nr > 1)
		qsort(l->items, l->nr, sizeof(*l->items), by_path_and_kind);
}

const struct meta_record *meta_find(const struct meta_list *l, char kind,
				    const char *path)
{
	struct meta_record key;

	memset(&key, 0, sizeof(key));
	key.kind = kind;
	key.path = (char *)path;
	return l->nr ? bsearch(&key, l->items, l->nr, sizeof(*l->items),
			       by_path_and_kind) : NULL;
}

void meta_encode(const struct meta_list *l, struct strbuf *out)
{
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;

	for (i = 0; i < l->nr; i++) {
		const struct meta_record *m = &l->items[i];

		strbuf_addf(out, "%c %o %u %c %lu %lld %lld %s ", m->kind,
			    m->mode, m->flags, m->state, m->ino, m->size,
			    m->mtime_ns,
			    git_oid_is_zero(&m->id) ? "-" :
			    git_oid_tostr(hex, sizeof(hex), &m->id));
		strbuf_add(out, m->path, strlen(m->path) + 1);
		if (m->gitfile)
			strbuf_addstr(out, m->gitfile);
		strbuf_addch(out, '\0');
	}
}

/* One record from p (at most end), advancing p past it. */
static int decode_one(struct meta_list *l, const char **p, const char *end)
{
	const char *path, *gitfile, *nul;
	char kind, state, id[GIT_OID_HEXSZ + 1];
	unsigned mode, flags;
	unsigned long ino;
	long long size, mtime;
	int used = 0;
	struct meta_record *m;

	nul = memchr(*p, '\0', (size_t)(end - *p));
	/* the path follows the one space after the id, whatever it starts with */
	if (!nul || sscanf(*p, "%c %o %u %c %lu %lld %lld %40s%n", &kind,
			   &mode, &flags, &state, &ino, &size, &mtime, id,
			   &used) != 8 || !used || *p + used >= nul ||
	    (*p)[used] != ' ')
		return -1;
	path = *p + used + 1;
	gitfile = nul + 1;
	if (gitfile >= end || !(nul = memchr(gitfile, '\0', (size_t)(end - gitfile))) ||
	    !*path || !strchr("PEFSNI", kind))
		return -1;
	m = meta_add(l, kind, path);
	m->state = state;
	m->mode = mode;
	m->flags = flags;
	m->ino = ino;
	m->size = size;
	m->mtime_ns = mtime;
	if (*gitfile)
		m->gitfile = xstrdup(gitfile);
	if (strcmp(id, "-") && git_oid_fromstr(&m->id, id) < 0)
		return -1;
	*p = nul + 1;
	return 0;
}

int meta_decode(struct meta_list *l, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end)
		if (decode_one(l, &p, end) < 0) {
			git_error_clear();
			meta_release(l);
			return graft_error_code(GRAFT_EFATAL,
						"the snapshot's records cannot be read");
		}
	meta_sort(l);
	return 0;
}

void meta_release(struct meta_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++) {
		free(l->items[i].path);
		free(l->items[i].gitfile);
	}
	free(l->items);
	*l = (struct meta_list)META_LIST_INIT;
}
