#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "error.h"
#include "lib/harness.h"
#include "lib/randtree.h"
#include "snapshot/treebuild.h"
#include "strbuf.h"

/*
 * tree_build must write the tree git writes for the same changes: the
 * base read into an index, the changes given to `git update-index
 * --index-info` (which, like tree_build, lets a file replace a directory
 * and a directory a file), then `git write-tree`.
 */

struct paths {
	char **items;
	size_t nr, alloc;
};

static void paths_add(struct paths *l, const char *path)
{
	if (l->nr == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		l->items = realloc(l->items, l->alloc * sizeof(*l->items));
		cr_assert(l->items);
	}
	l->items[l->nr] = strdup(path);
	cr_assert(l->items[l->nr]);
	l->nr++;
}

static void paths_release(struct paths *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static void note_leaf(const char *path, const struct rtree *leaf, void *payload)
{
	(void)leaf;
	paths_add(payload, path);
}

/* The directories below dir (not dir itself), as "a/b". */
static void note_dirs(const struct rtree *dir, struct strbuf *path, struct paths *out)
{
	size_t i, len = path->len;

	for (i = 0; i < dir->nr; i++) {
		if (dir->kids[i].mode != GIT_FILEMODE_TREE)
			continue;
		strbuf_addstr(path, dir->kids[i].name);
		paths_add(out, path->buf);
		strbuf_addch(path, '/');
		note_dirs(&dir->kids[i], path, out);
		strbuf_setlen(path, len);
	}
}

/* Whether one of a and b is b or a path below the other. */
static int overlaps(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > lb)
		return overlaps(b, a);
	return !strncmp(a, b, la) && (b[la] == '\0' || b[la] == '/');
}

static int taken(const struct tree_updates *l, const char *path)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (overlaps(l->items[i].path, path))
			return 1;
	return 0;
}

/* Set path to a new leaf of a random mode. */
static void add_leaf(struct rtree_gen *g, struct tree_updates *l, const char *path)
{
	static const git_filemode_t modes[] = {
		GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB_EXECUTABLE, GIT_FILEMODE_LINK,
		GIT_FILEMODE_COMMIT,
	};
	struct rtree leaf = { 0 };
	struct tree_update *u;

	rtree_new_leaf(g, &leaf, modes[rng_below(&g->rng, 4)]);
	u = tree_updates_add(l, path, leaf.mode);
	u->id = leaf.id;
}

/* The same, unless a change there is already. */
static void set_leaf(struct rtree_gen *g, struct tree_updates *l, const char *path)
{
	if (!taken(l, path))
		add_leaf(g, l, path);
}

static void remove_path(struct tree_updates *l, const char *path)
{
	if (!taken(l, path))
		tree_updates_add(l, path, 0);
}

/*
 * Random changes to base: files changed, removed, made directories;
 * directories made files; new files, in new directories too. Changes
 * overlap only as the snapshot's do: a file removed where a directory
 * is set below it, and files removed below one set in place of their
 * directory.
 */
static void random_updates(struct rtree_gen *g, struct tree_updates *l,
			   const struct rtree *base)
{
	struct paths leaves = { NULL, 0, 0 }, dirs = { NULL, 0, 0 };
	struct strbuf path = STRBUF_INIT;
	size_t i, j;

	rtree_each_leaf(base, note_leaf, &leaves);
	note_dirs(base, &path, &dirs);
	for (i = 0; i < dirs.nr; i++) {
		if (rng_below(&g->rng, 10) || taken(l, dirs.items[i]))
			continue;
		/* a file in place of a directory, whose files are removed (or not) */
		set_leaf(g, l, dirs.items[i]);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/", dirs.items[i]);
		if (rng_below(&g->rng, 2))
			for (j = 0; j < leaves.nr; j++)
				if (!strncmp(leaves.items[j], path.buf, path.len))
					tree_updates_add(l, leaves.items[j], 0);
	}
	for (i = 0; i < leaves.nr; i++) {
		unsigned roll = rng_below(&g->rng, 100);

		strbuf_reset(&path);
		if (roll < 20) {
			set_leaf(g, l, leaves.items[i]);
		} else if (roll < 35) {
			remove_path(l, leaves.items[i]);
		} else if (roll < 45 && !taken(l, leaves.items[i])) {
			/* a directory in place of a file, which is removed (or not) */
			if (roll < 40)
				tree_updates_add(l, leaves.items[i], 0);
			strbuf_addf(&path, "%s/in-place-of-a-file", leaves.items[i]);
			add_leaf(g, l, path.buf);
		}
	}
	for (i = 0; i < 4; i++) {
		strbuf_reset(&path);
		if (dirs.nr && i % 2)
			strbuf_addf(&path, "%s/", dirs.items[rng_below(&g->rng, (unsigned)dirs.nr)]);
		strbuf_addf(&path, "new%zu", i);
		if (i >= 2)
			strbuf_addstr(&path, "/deeper/file");
		set_leaf(g, l, path.buf);
	}
	remove_path(l, "not/there");
	/* in any order: tree_build sorts */
	for (i = l->nr; i > 1; i--) {
		struct tree_update tmp = l->items[i - 1];

		j = rng_below(&g->rng, (unsigned)i);
		l->items[i - 1] = l->items[j];
		l->items[j] = tmp;
	}
	strbuf_release(&path);
	paths_release(&leaves);
	paths_release(&dirs);
}

/* The tree git writes for base with l's changes. */
static void git_result(git_oid *out, const git_oid *base, const struct tree_updates *l)
{
	char hex[GIT_OID_HEXSZ + 1];
	struct strbuf info = STRBUF_INIT;
	char *tree;
	size_t i;
	FILE *f;

	for (i = 0; i < l->nr; i++)
		strbuf_addf(&info, "%o %s\t%s%c", l->items[i].mode,
			    git_oid_tostr(hex, sizeof(hex), &l->items[i].id),
			    l->items[i].path, '\0');
	f = fopen("index-info", "wb");
	cr_assert(f && fwrite(info.buf, 1, info.len, f) == info.len && fclose(f) == 0);
	tree = sh_ok(NULL, "export GIT_DIR=repo.git GIT_INDEX_FILE=\"$PWD/tmp-index\" && "
		     "rm -f tmp-index && git read-tree %s && "
		     "git update-index --add --replace -z --index-info < index-info && "
		     "git write-tree", base ? git_oid_tostr(hex, sizeof(hex), base) : "--empty");
	cr_assert(git_oid_fromstr(out, tree) == 0, "%s", tree);
	free(tree);
	strbuf_release(&info);
}

struct written {
	git_oid *ids;
	size_t nr, alloc;
};

static void note_written(const git_oid *id, void *payload)
{
	struct written *w = payload;

	if (w->nr == w->alloc) {
		w->alloc = w->alloc ? 2 * w->alloc : 16;
		w->ids = realloc(w->ids, w->alloc * sizeof(*w->ids));
		cr_assert(w->ids);
	}
	w->ids[w->nr++] = *id;
}

static int was_written(const struct written *w, const git_oid *id)
{
	size_t i;

	for (i = 0; i < w->nr; i++)
		if (git_oid_equal(&w->ids[i], id))
			return 1;
	return 0;
}

struct new_trees {
	git_repository *repo;
	const git_tree *base;
	const struct written *written;
	const char *what;
};

/* Every tree of the result that base does not hold was told of. */
static int check_tree(const char *root, const git_tree_entry *e, void *payload)
{
	const struct new_trees *n = payload;
	git_tree_entry *in_base = NULL;
	struct strbuf path = STRBUF_INIT;
	int same = 0;

	if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	strbuf_addf(&path, "%s%s", root, git_tree_entry_name(e));
	if (n->base && git_tree_entry_bypath(&in_base, n->base, path.buf) == 0)
		same = git_oid_equal(git_tree_entry_id(in_base), git_tree_entry_id(e));
	cr_assert(same || was_written(n->written, git_tree_entry_id(e)),
		  "%s: the new tree '%s' was not told of", n->what, path.buf);
	git_tree_entry_free(in_base);
	strbuf_release(&path);
	return 0;
}

static void check_build(git_repository *repo, const git_oid *base,
			struct tree_updates *l, const char *what)
{
	struct written w = { NULL, 0, 0 };
	struct new_trees n = { repo, NULL, &w, what };
	git_tree *result = NULL, *base_tree = NULL;
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
	git_oid got, want;

	git_result(&want, base, l);
	cr_assert_eq(tree_build(&got, repo, base, l, note_written, &w), 0, "%s: %s",
		     what, graft_error_message());
	cr_assert(git_oid_equal(&got, &want), "%s: tree_build wrote %s, git %s", what,
		  git_oid_tostr(a, sizeof(a), &got), git_oid_tostr(b, sizeof(b), &want));
	cr_assert(git_tree_lookup(&result, repo, &got) == 0);
	if (base && !git_oid_is_zero(base))
		cr_assert(git_tree_lookup(&base_tree, repo, base) == 0);
	n.base = base_tree;
	cr_assert(!base_tree || git_oid_equal(&got, base) || was_written(&w, &got),
		  "%s: the new root tree was not told of", what);
	cr_assert(git_tree_walk(result, GIT_TREEWALK_PRE, check_tree, &n) == 0);
	git_tree_free(result);
	git_tree_free(base_tree);
	free(w.ids);
}

static git_repository *bare_repo(void)
{
	git_repository *repo = NULL;

	cr_assert(git_repository_init(&repo, "repo.git", 1) == 0);
	return repo;
}

Test(treebuild, writes_what_git_writes_on_random_changes, .init = harness_setup,
     .fini = harness_teardown)
{
	git_repository *repo;
	unsigned seed;

	harness_libgit2_init();
	repo = bare_repo();
	for (seed = 1; seed <= 8; seed++) {
		struct tree_updates l = TREE_UPDATES_INIT;
		struct rtree base = { 0 };
		struct rtree_gen g;
		char what[32];
		git_oid id;

		snprintf(what, sizeof(what), "seed %u", seed);
		rtree_gen_init(&g, repo, seed);
		rtree_random(&g, &base, 3);
		rtree_write(&id, repo, &base);
		random_updates(&g, &l, &base);
		check_build(repo, &id, &l, what);
		tree_updates_release(&l);

		/* from nothing: only the additions */
		snprintf(what, sizeof(what), "seed %u, no base", seed);
		random_updates(&g, &l, &base);
		check_build(repo, NULL, &l, what);
		tree_updates_release(&l);
		rtree_release(&base);
	}
	git_repository_free(repo);
	git_libgit2_shutdown();
}

Test(treebuild, a_directory_left_empty_goes, .init = harness_setup,
     .fini = harness_teardown)
{
	struct tree_updates l = TREE_UPDATES_INIT;
	struct rtree base = { 0 }, *d;
	struct rtree_gen g;
	git_repository *repo;
	git_oid id, got;
	git_tree *tree = NULL;

	harness_libgit2_init();
	repo = bare_repo();
	rtree_gen_init(&g, repo, 1);
	base.mode = GIT_FILEMODE_TREE;
	d = rtree_add(&base, "d");
	d->mode = GIT_FILEMODE_TREE;
	rtree_new_leaf(&g, rtree_add(d, "only"), GIT_FILEMODE_BLOB);
	rtree_new_leaf(&g, rtree_add(&base, "f"), GIT_FILEMODE_BLOB);
	rtree_write(&id, repo, &base);

	tree_updates_add(&l, "d/only", 0);
	check_build(repo, &id, &l, "one directory emptied");
	tree_updates_add(&l, "f", 0);
	cr_assert_eq(tree_build(&got, repo, &id, &l, NULL, NULL), 0);
	cr_assert(git_tree_lookup(&tree, repo, &got) == 0);
	cr_assert_eq(git_tree_entrycount(tree), 0, "nothing left is the empty tree");
	git_tree_free(tree);
	tree_updates_release(&l);
	rtree_release(&base);
	git_repository_free(repo);
	git_libgit2_shutdown();
}
