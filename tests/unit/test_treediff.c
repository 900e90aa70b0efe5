#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "error.h"
#include "lib/harness.h"
#include "lib/randtree.h"
#include "snapshot/treediff.h"
#include "strbuf.h"

/*
 * treediff must report exactly what libgit2's tree-to-tree diff reports:
 * both are turned into lines "path old-mode old-id new-mode new-id"
 * (mode 0 and the zero id for a side without the path), sorted by path,
 * and compared as text.
 */

struct change {
	char *path;
	unsigned old_mode, new_mode;
	git_oid old_id, new_id;
};

struct changes {
	struct change *items;
	size_t nr, alloc;
};

static struct change *changes_add(struct changes *l, const char *path)
{
	struct change *c;

	if (l->nr == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		l->items = realloc(l->items, l->alloc * sizeof(*l->items));
		cr_assert(l->items);
	}
	c = &l->items[l->nr++];
	memset(c, 0, sizeof(*c));
	c->path = strdup(path);
	cr_assert(c->path);
	return c;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->path,
		      ((const struct change *)b)->path);
}

/* The lines of l (sorted already), l emptied. */
static char *changes_text(struct changes *l)
{
	struct strbuf sb = STRBUF_INIT;
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
	size_t i;

	for (i = 0; i < l->nr; i++) {
		const struct change *c = &l->items[i];

		strbuf_addf(&sb, "%s %06o %s %06o %s\n", c->path, c->old_mode,
			    git_oid_tostr(a, sizeof(a), &c->old_id), c->new_mode,
			    git_oid_tostr(b, sizeof(b), &c->new_id));
		free(c->path);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
	return strbuf_detach(&sb);
}

/* What libgit2's diff says, a type change (two deltas) made one line. */
static char *libgit2_changes(git_repository *repo, git_tree *old, git_tree *new)
{
	struct changes l = { NULL, 0, 0 };
	git_diff *diff = NULL;
	size_t i, nr = 0;

	cr_assert(git_diff_tree_to_tree(&diff, repo, old, new, NULL) == 0, "%s",
		  git_error_last()->message);
	for (i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		struct change *c = changes_add(&l, d->new_file.path);

		cr_assert_str_eq(d->old_file.path, d->new_file.path);
		if (d->status != GIT_DELTA_ADDED) {
			c->old_mode = d->old_file.mode;
			c->old_id = d->old_file.id;
		}
		if (d->status != GIT_DELTA_DELETED) {
			c->new_mode = d->new_file.mode;
			c->new_id = d->new_file.id;
		}
	}
	git_diff_free(diff);
	if (l.nr > 1)
		qsort(l.items, l.nr, sizeof(*l.items), by_path);
	for (i = 0; i < l.nr; i++) {
		struct change *c = &l.items[i];

		if (nr && !strcmp(l.items[nr - 1].path, c->path)) {
			struct change *prev = &l.items[nr - 1];

			if (c->old_mode) {
				prev->old_mode = c->old_mode;
				prev->old_id = c->old_id;
			}
			if (c->new_mode) {
				prev->new_mode = c->new_mode;
				prev->new_id = c->new_id;
			}
			free(c->path);
			continue;
		}
		l.items[nr++] = *c;
	}
	l.nr = nr;
	return changes_text(&l);
}

static int collect(const char *path, const git_tree_entry *old,
		   const git_tree_entry *new, void *payload)
{
	struct changes *l = payload;
	struct change *c;

	/* git's tree order is the byte order of the leaves' full paths */
	if (l->nr)
		cr_assert(strcmp(l->items[l->nr - 1].path, path) < 0,
			  "'%s' reported after '%s'", path, l->items[l->nr - 1].path);
	cr_assert(old || new, "'%s' reported with no entry", path);
	c = changes_add(l, path);
	if (old) {
		c->old_mode = git_tree_entry_filemode(old);
		c->old_id = *git_tree_entry_id(old);
		cr_assert_neq(c->old_mode, GIT_FILEMODE_TREE, "a tree reported: %s", path);
	}
	if (new) {
		c->new_mode = git_tree_entry_filemode(new);
		c->new_id = *git_tree_entry_id(new);
		cr_assert_neq(c->new_mode, GIT_FILEMODE_TREE, "a tree reported: %s", path);
	}
	return 0;
}

static char *treediff_changes(git_repository *repo, git_tree *old, git_tree *new)
{
	struct changes l = { NULL, 0, 0 };

	cr_assert_eq(treediff(repo, old, new, collect, &l), 0, "%s",
		     graft_error_message());
	return changes_text(&l);
}

static git_repository *bare_repo(const char *name)
{
	git_repository *repo = NULL;
	char *path = tmp_path("%s", name);

	cr_assert(git_repository_init(&repo, path, 1) == 0);
	free(path);
	return repo;
}

/* What the changes between two random trees covered, over all seeds. */
struct coverage {
	size_t changes, type_changes, gitlinks, file_and_dir;
};

static void note_coverage(struct coverage *cov, const char *text)
{
	const char *line = text, *prev = NULL;
	size_t prev_len = 0;

	for (; *line; line = strchr(line, '\n') + 1) {
		const char *mode = strchr(line, '\n');
		unsigned om, nm;
		int fields;

		/* the path may hold spaces: the four fields after it do not */
		for (fields = 0; fields < 4; fields++)
			while (*--mode != ' ')
				;

		cr_assert(sscanf(mode, " %o %*s %o", &om, &nm) == 2);
		cov->changes++;
		cov->type_changes += om && nm && (om & 0170000) != (nm & 0170000);
		cov->gitlinks += om == GIT_FILEMODE_COMMIT || nm == GIT_FILEMODE_COMMIT;
		/* "a ..." then "a/b ...": a file on one side, a directory on the other */
		cov->file_and_dir += prev && (size_t)(mode - line) > prev_len &&
				     !strncmp(line, prev, prev_len) && line[prev_len] == '/';
		prev = line;
		prev_len = (size_t)(mode - line);
	}
}

static void check_pair(git_repository *repo, git_tree *a, git_tree *b,
		       unsigned seed, struct coverage *cov)
{
	char *want = libgit2_changes(repo, a, b), *got = treediff_changes(repo, a, b);

	cr_assert_str_eq(got, want, "seed %u: treediff\n%s\nlibgit2\n%s", seed, got, want);
	if (cov)
		note_coverage(cov, want);
	free(want);
	free(got);
}

Test(treediff, matches_libgit2_on_random_trees, .init = harness_setup,
     .fini = harness_teardown)
{
	struct coverage cov = { 0, 0, 0, 0 };
	git_repository *repo;
	unsigned seed;

	harness_libgit2_init();
	repo = bare_repo("repo.git");
	for (seed = 1; seed <= 32; seed++) {
		struct rtree old = { 0 }, new = { 0 };
		struct rtree_gen g;
		struct changes l = { NULL, 0, 0 };
		git_tree *a = NULL, *b = NULL;
		git_oid ia, ib, zero;
		char *got, *want;

		rtree_gen_init(&g, repo, seed);
		rtree_random(&g, &old, 3);
		rtree_mutate(&g, &new, &old);
		rtree_write(&ia, repo, &old);
		rtree_write(&ib, repo, &new);
		cr_assert(git_tree_lookup(&a, repo, &ia) == 0);
		cr_assert(git_tree_lookup(&b, repo, &ib) == 0);

		check_pair(repo, a, b, seed, &cov);
		check_pair(repo, b, a, seed, NULL);
		check_pair(repo, a, a, seed, NULL);
		check_pair(repo, NULL, b, seed, NULL);
		check_pair(repo, a, NULL, seed, NULL);

		/* from ids: a zero id is the empty tree, as NULL is */
		memset(&zero, 0, sizeof(zero));
		cr_assert_eq(treediff_oid(repo, &zero, &ib, collect, &l), 0);
		got = changes_text(&l);
		want = libgit2_changes(repo, NULL, b);
		cr_assert_str_eq(got, want, "seed %u", seed);
		free(got);
		free(want);
		cr_assert_eq(treediff_oid(repo, &ia, &ib, collect, &l), 0);
		got = changes_text(&l);
		want = libgit2_changes(repo, a, b);
		cr_assert_str_eq(got, want, "seed %u", seed);
		free(got);
		free(want);

		git_tree_free(a);
		git_tree_free(b);
		rtree_release(&old);
		rtree_release(&new);
	}
	/* the seeds reach every case, or the comparison proves little */
	cr_assert_gt(cov.changes, 150, "%zu changes", cov.changes);
	cr_assert_gt(cov.type_changes, 8, "%zu type changes", cov.type_changes);
	cr_assert_gt(cov.gitlinks, 20, "%zu gitlink changes", cov.gitlinks);
	cr_assert_gt(cov.file_and_dir, 10, "%zu file/directory swaps", cov.file_and_dir);
	git_repository_free(repo);
	git_libgit2_shutdown();
}

/* Remove the loose object id from the bare repository at dir. */
static void remove_object(const char *dir, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];
	char *path;

	git_oid_tostr(hex, sizeof(hex), id);
	path = tmp_path("%s/objects/%.2s/%s", dir, hex, hex + 2);
	cr_assert(unlink(path) == 0, "%s", path);
	free(path);
}

Test(treediff, never_reads_a_subtree_both_sides_share, .init = harness_setup,
     .fini = harness_teardown)
{
	struct rtree old = { 0 }, new = { 0 };
	struct changes l = { NULL, 0, 0 };
	struct rtree_gen g;
	git_repository *repo;
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_oid ia, ib, shared_id, changed_id;
	char *want, *got;

	harness_libgit2_init();
	repo = bare_repo("repo.git");
	rtree_gen_init(&g, repo, 7);
	old.mode = GIT_FILEMODE_TREE;
	rtree_random(&g, rtree_add(&old, "shared"), 2);
	rtree_random(&g, rtree_add(&old, "changed"), 2);
	rtree_new_leaf(&g, rtree_add(&old, "top"), GIT_FILEMODE_BLOB);
	rtree_copy(&new, &old);
	rtree_new_leaf(&g, rtree_add(rtree_child(&new, "changed"), "added"),
		       GIT_FILEMODE_BLOB);
	rtree_new_leaf(&g, rtree_child(&new, "top"), GIT_FILEMODE_BLOB_EXECUTABLE);
	rtree_write(&ia, repo, &old);
	rtree_write(&ib, repo, &new);
	rtree_write(&shared_id, repo, rtree_child(&old, "shared"));
	rtree_write(&changed_id, repo, rtree_child(&old, "changed"));
	cr_assert(git_tree_lookup(&a, repo, &ia) == 0);
	cr_assert(git_tree_lookup(&b, repo, &ib) == 0);
	want = libgit2_changes(repo, a, b);
	git_tree_free(a);
	git_tree_free(b);
	git_repository_free(repo);

	/* without the shared subtree libgit2's own diff fails; treediff does not */
	remove_object("repo.git", &shared_id);
	cr_assert(git_repository_open(&repo, "repo.git") == 0);
	cr_assert(git_tree_lookup(&a, repo, &ia) == 0);
	cr_assert(git_tree_lookup(&b, repo, &ib) == 0);
	cr_assert_lt(git_diff_tree_to_tree(&diff, repo, a, b, NULL), 0);
	got = treediff_changes(repo, a, b);
	cr_assert_str_eq(got, want);
	cr_assert(strstr(got, "changed/added "), "%s", got);
	cr_assert(strstr(got, "top "), "%s", got);
	free(got);

	/* a subtree that differs is read: without it, an error naming it */
	git_tree_free(a);
	git_tree_free(b);
	git_repository_free(repo);
	remove_object("repo.git", &changed_id);
	cr_assert(git_repository_open(&repo, "repo.git") == 0);
	cr_assert(git_tree_lookup(&a, repo, &ia) == 0);
	cr_assert(git_tree_lookup(&b, repo, &ib) == 0);
	cr_assert_eq(treediff(repo, a, b, collect, &l), GRAFT_EFATAL);
	free(changes_text(&l));
	assert_contains(graft_error_message(), "'changed'");

	free(want);
	git_tree_free(a);
	git_tree_free(b);
	git_repository_free(repo);
	rtree_release(&old);
	rtree_release(&new);
	git_libgit2_shutdown();
}

struct stopper {
	int calls;
};

static int stop_at_third(const char *path, const git_tree_entry *old,
			 const git_tree_entry *new, void *payload)
{
	struct stopper *s = payload;

	(void)path;
	(void)old;
	(void)new;
	return ++s->calls == 3 ? 42 : 0;
}

Test(treediff, a_callback_stops_the_walk, .init = harness_setup,
     .fini = harness_teardown)
{
	struct rtree t = { 0 };
	struct rtree_gen g;
	struct stopper s = { 0 };
	git_repository *repo;
	git_oid id;
	unsigned i;

	harness_libgit2_init();
	repo = bare_repo("repo.git");
	rtree_gen_init(&g, repo, 3);
	t.mode = GIT_FILEMODE_TREE;
	for (i = 0; i < 5; i++) {
		char name[8];

		snprintf(name, sizeof(name), "d%u", i);
		rtree_new_leaf(&g, rtree_add(rtree_add(&t, name), "f"), GIT_FILEMODE_BLOB);
		rtree_child(&t, name)->mode = GIT_FILEMODE_TREE;
	}
	rtree_write(&id, repo, &t);
	cr_assert_eq(treediff_oid(repo, NULL, &id, stop_at_third, &s), 42);
	cr_assert_eq(s.calls, 3);
	rtree_release(&t);
	git_repository_free(repo);
	git_libgit2_shutdown();
}
