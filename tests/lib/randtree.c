#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "lib/randtree.h"
#include "strbuf.h"

/* splitmix64: small, and good enough to pick shapes of trees */
static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	r->state = seed;
}

unsigned rng_below(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

/*
 * Names whose order differs between a file and a directory: "a-b" and
 * "a.c" sort before "a/", "a0" after it.
 */
static const char *const names[] = {
	"a", "a-b", "a.c", "a0", "b", "c d", "\xc3\xa9t\xc3\xa9", "z",
};
#define NAMES_NR (sizeof(names) / sizeof(*names))

static const git_filemode_t leaf_modes[] = {
	GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB,
	GIT_FILEMODE_BLOB_EXECUTABLE, GIT_FILEMODE_LINK, GIT_FILEMODE_COMMIT,
};
#define LEAF_MODES_NR (sizeof(leaf_modes) / sizeof(*leaf_modes))

void rtree_gen_init(struct rtree_gen *g, git_repository *repo, uint64_t seed)
{
	g->repo = repo;
	rng_seed(&g->rng, seed);
	g->blobs = 0;
}

struct rtree *rtree_child(struct rtree *dir, const char *name)
{
	size_t i;

	for (i = 0; i < dir->nr; i++)
		if (!strcmp(dir->kids[i].name, name))
			return &dir->kids[i];
	return NULL;
}

struct rtree *rtree_add(struct rtree *dir, const char *name)
{
	size_t i = 0;
	struct rtree *t;

	if (dir->nr == dir->alloc) {
		dir->alloc = dir->alloc ? 2 * dir->alloc : 8;
		dir->kids = realloc(dir->kids, dir->alloc * sizeof(*dir->kids));
		cr_assert(dir->kids);
	}
	while (i < dir->nr && strcmp(dir->kids[i].name, name) < 0)
		i++;
	memmove(dir->kids + i + 1, dir->kids + i, (dir->nr - i) * sizeof(*dir->kids));
	dir->nr++;
	t = &dir->kids[i];
	memset(t, 0, sizeof(*t));
	t->name = strdup(name);
	cr_assert(t->name);
	return t;
}

void rtree_remove(struct rtree *dir, const char *name)
{
	struct rtree *t = rtree_child(dir, name);
	size_t i;

	cr_assert(t, "no '%s' to remove", name);
	i = (size_t)(t - dir->kids);
	rtree_release(t);
	memmove(dir->kids + i, dir->kids + i + 1, (dir->nr - i - 1) * sizeof(*dir->kids));
	dir->nr--;
}

void rtree_release(struct rtree *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		rtree_release(&t->kids[i]);
	free(t->kids);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

void rtree_copy(struct rtree *out, const struct rtree *in)
{
	size_t i;

	out->mode = in->mode;
	out->id = in->id;
	out->kids = NULL;
	out->nr = out->alloc = 0;
	for (i = 0; i < in->nr; i++)
		rtree_copy(rtree_add(out, in->kids[i].name), &in->kids[i]);
}

void rtree_new_leaf(struct rtree_gen *g, struct rtree *leaf, git_filemode_t mode)
{
	char content[64];
	int len;

	leaf->mode = mode;
	if (mode == GIT_FILEMODE_COMMIT) {
		unsigned char raw[GIT_OID_RAWSZ];
		size_t i;

		for (i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)rng_below(&g->rng, 256);
		git_oid_fromraw(&leaf->id, raw);
		return;
	}
	len = snprintf(content, sizeof(content),
		       mode == GIT_FILEMODE_LINK ? "target-%u" : "blob %u\n",
		       g->blobs++);
	cr_assert(git_blob_create_from_buffer(&leaf->id, g->repo, content,
					      (size_t)len) == 0);
}

static git_filemode_t random_leaf_mode(struct rtree_gen *g)
{
	return leaf_modes[rng_below(&g->rng, LEAF_MODES_NR)];
}

/* A name dir does not have yet, or NULL when all are taken. */
static const char *free_name(struct rtree_gen *g, struct rtree *dir)
{
	unsigned start = rng_below(&g->rng, NAMES_NR), i;

	for (i = 0; i < NAMES_NR; i++) {
		const char *name = names[(start + i) % NAMES_NR];

		if (!rtree_child(dir, name))
			return name;
	}
	return NULL;
}

static void random_entry(struct rtree_gen *g, struct rtree *dir, int depth)
{
	const char *name = free_name(g, dir);
	struct rtree *t;

	if (!name)
		return;
	t = rtree_add(dir, name);
	if (depth > 0 && rng_below(&g->rng, 3) == 0)
		rtree_random(g, t, depth - 1);
	else
		rtree_new_leaf(g, t, random_leaf_mode(g));
}

void rtree_random(struct rtree_gen *g, struct rtree *dir, int depth)
{
	unsigned n = 1 + rng_below(&g->rng, 6), i;

	dir->mode = GIT_FILEMODE_TREE;
	for (i = 0; i < n; i++)
		random_entry(g, dir, depth);
}

/* A leaf changed in place: content, mode, or both. */
static void change_leaf(struct rtree_gen *g, struct rtree *t)
{
	git_filemode_t mode = t->mode;
	unsigned how = rng_below(&g->rng, 3);

	if (how > 0)
		while ((mode = random_leaf_mode(g)) == t->mode)
			;
	/* the same id under another mode; a gitlink's names no blob */
	if (how == 1 && t->mode != GIT_FILEMODE_COMMIT)
		t->mode = mode;
	else
		rtree_new_leaf(g, t, mode);
}

void rtree_mutate(struct rtree_gen *g, struct rtree *out, const struct rtree *in)
{
	size_t i;

	out->mode = GIT_FILEMODE_TREE;
	out->kids = NULL;
	out->nr = out->alloc = 0;
	for (i = 0; i < in->nr; i++) {
		const struct rtree *k = &in->kids[i];
		unsigned roll = rng_below(&g->rng, 100);
		struct rtree *t;

		if (roll < 60) {
			rtree_copy(rtree_add(out, k->name), k);
			continue;
		}
		if (roll < 70)
			continue;	/* deleted */
		t = rtree_add(out, k->name);
		if (roll < 80 && k->mode == GIT_FILEMODE_TREE) {
			rtree_new_leaf(g, t, random_leaf_mode(g));
		} else if (roll < 80) {
			rtree_random(g, t, 2);
		} else if (k->mode == GIT_FILEMODE_TREE) {
			rtree_mutate(g, t, k);
			if (!t->nr)
				rtree_remove(out, k->name);
		} else {
			t->mode = k->mode;
			t->id = k->id;
			change_leaf(g, t);
		}
	}
	if (rng_below(&g->rng, 3) == 0)
		random_entry(g, out, 1);
}

void rtree_write(git_oid *out, git_repository *repo, const struct rtree *dir)
{
	git_treebuilder *bld = NULL;
	size_t i;

	cr_assert(git_treebuilder_new(&bld, repo, NULL) == 0);
	for (i = 0; i < dir->nr; i++) {
		const struct rtree *k = &dir->kids[i];
		git_oid id = k->id;

		if (k->mode == GIT_FILEMODE_TREE) {
			if (!k->nr)
				continue;
			rtree_write(&id, repo, k);
		}
		cr_assert(git_treebuilder_insert(NULL, bld, k->name, &id, k->mode) == 0,
			  "%s", git_error_last()->message);
	}
	cr_assert(git_treebuilder_write(out, bld) == 0);
	git_treebuilder_free(bld);
}

static void each_leaf(const struct rtree *dir, struct strbuf *path,
		      rtree_leaf_fn fn, void *payload)
{
	size_t i, len = path->len;

	for (i = 0; i < dir->nr; i++) {
		const struct rtree *k = &dir->kids[i];

		strbuf_addstr(path, k->name);
		if (k->mode == GIT_FILEMODE_TREE) {
			strbuf_addch(path, '/');
			each_leaf(k, path, fn, payload);
		} else {
			fn(path->buf, k, payload);
		}
		strbuf_setlen(path, len);
	}
}

void rtree_each_leaf(const struct rtree *dir, rtree_leaf_fn fn, void *payload)
{
	struct strbuf path = STRBUF_INIT;

	each_leaf(dir, &path, fn, payload);
	strbuf_release(&path);
}
