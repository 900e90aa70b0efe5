#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "error.h"
#include "formats/lock.h"
#include "lib/harness.h"
#include "lib/randtree.h"
#include "ops/rollback_tree.h"
#include "strbuf.h"

/*
 * The tree of `git graft rollback <dep>`: where commits after the
 * upgrade left what it changed alone, it must be the tree git's own
 * merge makes of reverting the upgrade (`git merge-tree` of HEAD and a
 * commit of the parent's tree on top of the upgrade, rename detection
 * off: a rollback puts paths back, it does not follow renames). Where
 * they did not, the paths are conflicts and there is no tree.
 */

static git_repository *bare_repo(void)
{
	git_repository *repo = NULL;

	cr_assert(git_repository_init(&repo, "repo.git", 1) == 0);
	return repo;
}

static git_commit *commit_tree(git_repository *repo, const git_oid *tree_id,
			       git_commit *parent, const char *msg)
{
	const git_commit *parents[1];
	git_signature *sig = NULL;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_oid id;

	parents[0] = parent;
	cr_assert(git_signature_new(&sig, "A U Thor", "author@example.com",
				    1112911993, -420) == 0);
	cr_assert(git_tree_lookup(&tree, repo, tree_id) == 0);
	cr_assert(git_commit_create(&id, repo, NULL, sig, sig, NULL, msg, tree,
				    parent ? 1 : 0, parents) == 0);
	cr_assert(git_commit_lookup(&commit, repo, &id) == 0);
	git_tree_free(tree);
	git_signature_free(sig);
	return commit;
}

/* The tree git's merge makes of undoing upgrade on head. */
static void git_revert_tree(git_oid *out, git_repository *repo,
			    const git_commit *head, git_commit *upgrade)
{
	char h[GIT_OID_HEXSZ + 1], u[GIT_OID_HEXSZ + 1];
	git_commit *parent = NULL, *back;
	char *tree;

	cr_assert(git_commit_parent(&parent, upgrade, 0) == 0);
	back = commit_tree(repo, git_commit_tree_id(parent), upgrade, "back");
	tree = sh_ok(NULL, "git --git-dir=repo.git -c merge.renames=false "
		     "merge-tree --write-tree %s %s",
		     git_oid_tostr(h, sizeof(h), git_commit_id(head)),
		     git_oid_tostr(u, sizeof(u), git_commit_id(back)));
	cr_assert(git_oid_fromstr(out, tree) == 0, "git merge-tree: %s", tree);
	free(tree);
	git_commit_free(back);
	git_commit_free(parent);
}

/* ---- random upgrades and later commits --------------------------------- */

struct leaf_list {
	char **paths;
	git_filemode_t *modes;
	git_oid *ids;
	size_t nr, alloc;
};

static void note_leaf(const char *path, const struct rtree *leaf, void *payload)
{
	struct leaf_list *l = payload;

	if (l->nr == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 32;
		l->paths = realloc(l->paths, l->alloc * sizeof(*l->paths));
		l->modes = realloc(l->modes, l->alloc * sizeof(*l->modes));
		l->ids = realloc(l->ids, l->alloc * sizeof(*l->ids));
		cr_assert(l->paths && l->modes && l->ids);
	}
	l->paths[l->nr] = strdup(path);
	l->modes[l->nr] = leaf->mode;
	l->ids[l->nr] = leaf->id;
	l->nr++;
}

static void leaf_list_release(struct leaf_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->paths[i]);
	free(l->paths);
	free(l->modes);
	free(l->ids);
	memset(l, 0, sizeof(*l));
}

static ssize_t leaf_find(const struct leaf_list *l, const char *path)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (!strcmp(l->paths[i], path))
			return (ssize_t)i;
	return -1;
}

/* The leaves an upgrade from a to b changed: as treediff lists them. */
static void changed_leaves(struct leaf_list *out, const struct rtree *a,
			   const struct rtree *b)
{
	struct leaf_list la = { 0 }, lb = { 0 };
	size_t i;

	rtree_each_leaf(a, note_leaf, &la);
	rtree_each_leaf(b, note_leaf, &lb);
	for (i = 0; i < la.nr; i++) {
		ssize_t j = leaf_find(&lb, la.paths[i]);
		struct rtree leaf = { 0 };

		if (j >= 0 && lb.modes[j] == la.modes[i] &&
		    git_oid_equal(&lb.ids[j], &la.ids[i]))
			continue;
		leaf.mode = la.modes[i];
		leaf.id = la.ids[i];
		note_leaf(la.paths[i], &leaf, out);
	}
	for (i = 0; i < lb.nr; i++) {
		struct rtree leaf = { 0 };

		if (leaf_find(&la, lb.paths[i]) >= 0)
			continue;
		leaf.mode = lb.modes[i];
		leaf.id = lb.ids[i];
		note_leaf(lb.paths[i], &leaf, out);
	}
	leaf_list_release(&la);
	leaf_list_release(&lb);
}

/* Whether path, or a directory above it, is one the upgrade changed. */
static int in_footprint(const struct leaf_list *changed, const char *path)
{
	size_t i;

	for (i = 0; i < changed->nr; i++) {
		size_t len = strlen(changed->paths[i]);

		if (!strncmp(changed->paths[i], path, len) &&
		    (path[len] == '\0' || path[len] == '/'))
			return 1;
	}
	return 0;
}

/*
 * What later commits do to dir (at path) where the upgrade changed
 * nothing: edit, retype and delete files, make files directories, add
 * files under names the upgrade never used.
 */
static void later_changes(struct rtree_gen *g, struct rtree *dir, struct strbuf *path,
			  const struct leaf_list *changed, unsigned *fresh)
{
	size_t i = 0, len = path->len;
	char name[32];

	while (i < dir->nr) {
		struct rtree *k = &dir->kids[i];
		unsigned roll = rng_below(&g->rng, 100);

		strbuf_addstr(path, k->name);
		if (in_footprint(changed, path->buf)) {
			strbuf_setlen(path, len);
			i++;
			continue;
		}
		if (k->mode == GIT_FILEMODE_TREE) {
			strbuf_addch(path, '/');
			later_changes(g, k, path, changed, fresh);
		} else if (roll < 15) {
			rtree_new_leaf(g, k, GIT_FILEMODE_BLOB);
		} else if (roll < 20) {
			k->mode = k->mode == GIT_FILEMODE_BLOB_EXECUTABLE ?
				  GIT_FILEMODE_BLOB : GIT_FILEMODE_BLOB_EXECUTABLE;
			rtree_new_leaf(g, k, k->mode);
		} else if (roll < 30) {
			strbuf_setlen(path, len);
			rtree_remove(dir, k->name);
			continue;
		} else if (roll < 35) {
			k->mode = GIT_FILEMODE_TREE;
			snprintf(name, sizeof(name), "later%u", (*fresh)++);
			rtree_new_leaf(g, rtree_add(k, name), GIT_FILEMODE_BLOB);
		}
		strbuf_setlen(path, len);
		i++;
	}
	if (rng_below(&g->rng, 4) == 0) {
		snprintf(name, sizeof(name), "later%u", (*fresh)++);
		rtree_new_leaf(g, rtree_add(dir, name), GIT_FILEMODE_BLOB);
	}
}

/* A copy of u with the first leaf the upgrade changed (if any) edited. */
static void edit_changed_leaf(struct rtree_gen *g, struct rtree *out,
			      const struct rtree *u, const struct leaf_list *changed)
{
	size_t i;

	rtree_copy(out, u);
	for (i = 0; i < changed->nr; i++) {
		struct rtree *t = out;
		char *p = strdup(changed->paths[i]), *part, *save = NULL;

		for (part = strtok_r(p, "/", &save); t && part;
		     part = strtok_r(NULL, "/", &save))
			t = t->mode == GIT_FILEMODE_TREE ? rtree_child(t, part) : NULL;
		free(p);
		if (t && t->mode != GIT_FILEMODE_TREE) {
			rtree_new_leaf(g, t, GIT_FILEMODE_BLOB);
			return;
		}
	}
}

static git_filemode_t mode_at(const git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	git_filemode_t mode;

	if (git_tree_entry_bypath(&e, tree, path) < 0)
		return 0;
	mode = git_tree_entry_filemode(e);
	git_tree_entry_free(e);
	return mode;
}

/* Each change puts back what the parent had, and says what HEAD has. */
static void check_changes(const struct rollback_tree *plan, const struct leaf_list *changed,
			  const struct leaf_list *parent, const git_tree *head,
			  unsigned seed)
{
	size_t i;

	cr_assert_eq(plan->nr, changed->nr, "seed %u: %zu changes for %zu paths",
		     seed, plan->nr, changed->nr);
	for (i = 0; i < plan->nr; i++) {
		const struct rollback_tree_change *c = &plan->changes[i];
		ssize_t p = leaf_find(parent, c->path);

		if (i)
			cr_assert(strcmp(plan->changes[i - 1].path, c->path) < 0,
				  "seed %u: changes not sorted", seed);
		cr_assert(leaf_find(changed, c->path) >= 0, "seed %u: %s", seed, c->path);
		cr_assert_eq(c->mode, p >= 0 ? parent->modes[p] : 0, "seed %u: %s",
			     seed, c->path);
		if (p >= 0)
			cr_assert(git_oid_equal(&c->id, &parent->ids[p]), "seed %u: %s",
				  seed, c->path);
		cr_assert_eq(c->head_mode, mode_at(head, c->path), "seed %u: %s",
			     seed, c->path);
	}
}

Test(rollback_tree, the_rollback_tree_is_gits_revert_on_random_histories,
     .init = harness_setup, .fini = harness_teardown)
{
	git_repository *repo;
	unsigned seed;

	harness_libgit2_init();
	repo = bare_repo();
	for (seed = 1; seed <= 10; seed++) {
		struct rtree p = { 0 }, u = { 0 }, m = { 0 }, h = { 0 };
		struct leaf_list changed = { 0 }, parent_leaves = { 0 };
		struct rollback_tree plan = ROLLBACK_TREE_INIT;
		struct strbuf path = STRBUF_INIT;
		git_commit *pc, *uc, *mc, *hc;
		git_tree *head_tree = NULL;
		char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
		struct rtree_gen g;
		unsigned fresh = 0;
		git_oid id;

		rtree_gen_init(&g, repo, seed);
		rtree_random(&g, &p, 3);
		rtree_mutate(&g, &u, &p);
		changed_leaves(&changed, &p, &u);
		rtree_each_leaf(&p, note_leaf, &parent_leaves);
		rtree_copy(&h, &u);
		later_changes(&g, &h, &path, &changed, &fresh);
		/* a commit between changes what the upgrade changed; the next undoes it */
		edit_changed_leaf(&g, &m, &h, &changed);

		rtree_write(&id, repo, &p);
		pc = commit_tree(repo, &id, NULL, "parent");
		rtree_write(&id, repo, &u);
		uc = commit_tree(repo, &id, pc, "upgrade");
		rtree_write(&id, repo, &m);
		mc = commit_tree(repo, &id, uc, "later");
		rtree_write(&id, repo, &h);
		hc = commit_tree(repo, &id, mc, "later again");

		cr_assert_eq(rollback_tree_make(&plan, repo, hc, pc, uc, "dep"), 0, "seed %u: %s",
			     seed, graft_error_message());
		cr_assert_eq(plan.conflicts_nr, 0, "seed %u: a conflict on '%s'", seed,
			     plan.conflicts_nr ? plan.conflicts[0] : "");
		git_revert_tree(&id, repo, hc, uc);
		cr_assert(git_oid_equal(&plan.tree, &id), "seed %u: rollback tree %s, git's %s",
			  seed, git_oid_tostr(a, sizeof(a), &plan.tree),
			  git_oid_tostr(b, sizeof(b), &id));
		cr_assert(git_commit_tree(&head_tree, hc) == 0);
		check_changes(&plan, &changed, &parent_leaves, head_tree, seed);

		git_tree_free(head_tree);
		rollback_tree_release(&plan);
		git_commit_free(pc);
		git_commit_free(uc);
		git_commit_free(mc);
		git_commit_free(hc);
		leaf_list_release(&changed);
		leaf_list_release(&parent_leaves);
		strbuf_release(&path);
		rtree_release(&p);
		rtree_release(&u);
		rtree_release(&m);
		rtree_release(&h);
	}
	git_repository_free(repo);
	git_libgit2_shutdown();
}

/* ---- graft.lock and conflicts ----------------------------------------- */

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define C3 "3333333333333333333333333333333333333333"

/* One entry of a tree spec: a file's content, or a gitlink's commit. */
struct spec {
	const char *path;
	git_filemode_t mode;
	const char *content;
};

static void lock_text(struct strbuf *out, const char *dep_commit, const char *other_commit)
{
	struct graft_lock lock = GRAFT_LOCK_INIT;

	strbuf_reset(out);
	if (dep_commit)
		cr_assert(lock_set(&lock, "dep", "../dep", "v", dep_commit,
				   "2026-01-01T00:00:00Z") == 0);
	if (other_commit)
		cr_assert(lock_set(&lock, "other", "../other", "v", other_commit,
				   "2026-01-01T00:00:00Z") == 0);
	lock_format(&lock, out);
	lock_release(&lock);
}

static git_commit *commit_spec(git_repository *repo, const struct spec *s,
			       const char *lock, git_commit *parent)
{
	git_index *index = NULL;
	git_index_entry e;
	git_commit *c;
	git_oid tree;

	cr_assert(git_index_new(&index) == 0);
	for (; s->path; s++) {
		memset(&e, 0, sizeof(e));
		e.path = s->path;
		e.mode = s->mode;
		if (s->mode == GIT_FILEMODE_COMMIT)
			cr_assert(git_oid_fromstr(&e.id, s->content) == 0);
		else
			cr_assert(git_blob_create_from_buffer(&e.id, repo, s->content,
							      strlen(s->content)) == 0);
		cr_assert(git_index_add(index, &e) == 0);
	}
	if (lock) {
		memset(&e, 0, sizeof(e));
		e.path = LOCK_FILE;
		e.mode = GIT_FILEMODE_BLOB;
		cr_assert(git_blob_create_from_buffer(&e.id, repo, lock, strlen(lock)) == 0);
		cr_assert(git_index_add(index, &e) == 0);
	}
	cr_assert(git_index_write_tree_to(&tree, index, repo) == 0);
	c = commit_tree(repo, &tree, parent, "commit");
	git_index_free(index);
	return c;
}

/* The blob at path in tree id, or NULL when there is none. Caller frees. */
static char *blob_at(git_repository *repo, const git_oid *id, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	char *s = NULL;

	cr_assert(git_tree_lookup(&tree, repo, id) == 0);
	if (git_tree_entry_bypath(&e, tree, path) == 0) {
		cr_assert(git_blob_lookup(&blob, repo, git_tree_entry_id(e)) == 0);
		s = strndup(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
		git_blob_free(blob);
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	return s;
}

/* The commit of the gitlink at path in tree id, as hex. */
static void assert_gitlink(git_repository *repo, const git_oid *id, const char *path,
			   const char *want)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;

	cr_assert(git_tree_lookup(&tree, repo, id) == 0);
	cr_assert(git_tree_entry_bypath(&e, tree, path) == 0, "no %s", path);
	cr_assert_eq(git_tree_entry_filemode(e), GIT_FILEMODE_COMMIT);
	cr_assert_str_eq(git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e)), want);
	git_tree_entry_free(e);
	git_tree_free(tree);
}

struct history {
	git_repository *repo;
	git_commit *parent, *upgrade, *head;
	struct rollback_tree plan;
};

static void history_free(struct history *h)
{
	rollback_tree_release(&h->plan);
	git_commit_free(h->parent);
	git_commit_free(h->upgrade);
	git_commit_free(h->head);
	git_repository_free(h->repo);
	git_libgit2_shutdown();
}

static const struct spec parent_spec[] = {
	{ ".graft/dep", GIT_FILEMODE_COMMIT, C1 },
	{ ".graft/other", GIT_FILEMODE_COMMIT, C1 },
	{ "config/app.yml", GIT_FILEMODE_BLOB, "v: 1\n" },
	{ "d/f", GIT_FILEMODE_BLOB, "only file of d\n" },
	{ "README", GIT_FILEMODE_BLOB, "readme\n" },
	{ NULL, 0, NULL },
};

/* dep from C1 to C2, its migration editing, adding and removing files */
static const struct spec upgrade_spec[] = {
	{ ".graft/dep", GIT_FILEMODE_COMMIT, C2 },
	{ ".graft/other", GIT_FILEMODE_COMMIT, C1 },
	{ "config/app.yml", GIT_FILEMODE_BLOB, "v: 2\n" },
	{ "config/new.yml", GIT_FILEMODE_BLOB, "new\n" },
	{ "README", GIT_FILEMODE_BLOB, "readme\n" },
	{ NULL, 0, NULL },
};

/*
 * The parent, the upgrade and HEAD on top of it (later: HEAD's files,
 * NULL as the upgrade has them), each with the graft.lock given (NULL:
 * none), and the plan of undoing the upgrade.
 */
static void make_history(struct history *h, const struct spec *later,
			 const char *parent_lock, const char *upgrade_lock,
			 const char *head_lock)
{
	harness_libgit2_init();
	h->repo = bare_repo();
	h->parent = commit_spec(h->repo, parent_spec, parent_lock, NULL);
	h->upgrade = commit_spec(h->repo, upgrade_spec, upgrade_lock, h->parent);
	h->head = commit_spec(h->repo, later ? later : upgrade_spec, head_lock,
			      h->upgrade);
	h->plan = (struct rollback_tree)ROLLBACK_TREE_INIT;
	cr_assert_eq(rollback_tree_make(&h->plan, h->repo, h->head, h->parent,
				      h->upgrade, "dep"), 0,
		     "%s", graft_error_message());
}

static void assert_conflicts(const struct rollback_tree *plan, const char *want)
{
	struct strbuf got = STRBUF_INIT;
	size_t i;

	for (i = 0; i < plan->conflicts_nr; i++)
		strbuf_addf(&got, "%s%s", i ? " " : "", plan->conflicts[i]);
	cr_assert_str_eq(got.buf, want);
	cr_assert(!*want == !git_oid_is_zero(&plan->tree), "%s",
		  *want ? "a tree despite conflicts" : "no tree");
	strbuf_release(&got);
}

static void assert_blob(struct history *h, const char *path, const char *want)
{
	char *got = blob_at(h->repo, &h->plan.tree, path);

	if (want)
		cr_assert(got && !strcmp(got, want), "%s: '%s', not '%s'", path,
			  got ? got : "(none)", want);
	else
		cr_assert_null(got, "%s is there: '%s'", path, got);
	free(got);
}

Test(rollback_tree, only_the_dependencys_lock_entry_goes_back, .init = harness_setup,
     .fini = harness_teardown)
{
	/* later, other was upgraded: its gitlink and its entry stay */
	static const struct spec later[] = {
		{ ".graft/dep", GIT_FILEMODE_COMMIT, C2 },
		{ ".graft/other", GIT_FILEMODE_COMMIT, C3 },
		{ "config/app.yml", GIT_FILEMODE_BLOB, "v: 2\n" },
		{ "config/new.yml", GIT_FILEMODE_BLOB, "new\n" },
		{ "README", GIT_FILEMODE_BLOB, "readme, edited later\n" },
		{ NULL, 0, NULL },
	};
	struct strbuf p = STRBUF_INIT, u = STRBUF_INIT, hl = STRBUF_INIT, want = STRBUF_INIT;
	struct history h;

	lock_text(&p, C1, C1);
	lock_text(&u, C2, C1);
	lock_text(&hl, C2, C3);
	lock_text(&want, C1, C3);
	make_history(&h, later, p.buf, u.buf, hl.buf);
	assert_conflicts(&h.plan, "");
	assert_blob(&h, LOCK_FILE, want.buf);
	assert_blob(&h, "README", "readme, edited later\n");
	assert_blob(&h, "config/app.yml", "v: 1\n");
	assert_blob(&h, "config/new.yml", NULL);
	assert_blob(&h, "d/f", "only file of d\n");
	assert_gitlink(h.repo, &h.plan.tree, ".graft/dep", C1);
	assert_gitlink(h.repo, &h.plan.tree, ".graft/other", C3);
	strbuf_release(&p);
	strbuf_release(&u);
	strbuf_release(&hl);
	strbuf_release(&want);
	history_free(&h);
}

Test(rollback_tree, a_lock_left_without_entries_goes, .init = harness_setup,
     .fini = harness_teardown)
{
	struct strbuf u = STRBUF_INIT, hl = STRBUF_INIT, want = STRBUF_INIT;
	struct history h;

	/* dep had no entry before; other's went later: nothing is left */
	lock_text(&u, C2, C1);
	lock_text(&hl, C2, NULL);
	make_history(&h, NULL, NULL, u.buf, hl.buf);
	assert_conflicts(&h.plan, "");
	assert_blob(&h, LOCK_FILE, NULL);
	history_free(&h);

	/* other's came later: it stays, alone */
	lock_text(&u, C2, NULL);
	lock_text(&hl, C2, C3);
	lock_text(&want, NULL, C3);
	make_history(&h, NULL, NULL, u.buf, hl.buf);
	assert_conflicts(&h.plan, "");
	assert_blob(&h, LOCK_FILE, want.buf);
	history_free(&h);
	strbuf_release(&u);
	strbuf_release(&hl);
	strbuf_release(&want);
}

Test(rollback_tree, what_later_commits_changed_is_a_conflict, .init = harness_setup,
     .fini = harness_teardown)
{
	static const struct spec edited[] = {
		{ ".graft/dep", GIT_FILEMODE_COMMIT, C2 },
		{ ".graft/other", GIT_FILEMODE_COMMIT, C1 },
		{ "config/app.yml", GIT_FILEMODE_BLOB, "v: 2, edited later\n" },
		{ "README", GIT_FILEMODE_BLOB, "readme\n" },
		{ NULL, 0, NULL },
	};
	/* a file where the upgrade took the directory d away */
	static const struct spec file_for_dir[] = {
		{ ".graft/dep", GIT_FILEMODE_COMMIT, C2 },
		{ ".graft/other", GIT_FILEMODE_COMMIT, C1 },
		{ "config/app.yml", GIT_FILEMODE_BLOB, "v: 2\n" },
		{ "config/new.yml", GIT_FILEMODE_BLOB, "new\n" },
		{ "d", GIT_FILEMODE_BLOB, "a file now\n" },
		{ "README", GIT_FILEMODE_BLOB, "readme\n" },
		{ NULL, 0, NULL },
	};
	struct strbuf p = STRBUF_INIT, u = STRBUF_INIT, hl = STRBUF_INIT;
	struct history h;

	lock_text(&p, C1, C1);
	lock_text(&u, C2, C1);
	make_history(&h, edited, p.buf, u.buf, u.buf);
	assert_conflicts(&h.plan, "config/app.yml config/new.yml");
	history_free(&h);

	make_history(&h, file_for_dir, p.buf, u.buf, u.buf);
	assert_conflicts(&h.plan, "d/f");
	history_free(&h);

	/* dep's own entry moved on later: the lock cannot go back */
	lock_text(&hl, C3, C1);
	make_history(&h, NULL, p.buf, u.buf, hl.buf);
	assert_conflicts(&h.plan, LOCK_FILE);
	history_free(&h);
	strbuf_release(&p);
	strbuf_release(&u);
	strbuf_release(&hl);
}

Test(rollback_tree, a_file_and_a_gitlink_trade_places_back, .init = harness_setup,
     .fini = harness_teardown)
{
	static const struct spec file[] = {
		{ "vendor/lib", GIT_FILEMODE_BLOB, "a vendored copy\n" },
		{ "vendor/mod", GIT_FILEMODE_COMMIT, C1 },
		{ NULL, 0, NULL },
	};
	static const struct spec gitlink[] = {
		{ "vendor/lib", GIT_FILEMODE_COMMIT, C2 },
		{ "vendor/mod", GIT_FILEMODE_LINK, "elsewhere" },
		{ NULL, 0, NULL },
	};
	struct rollback_tree plan = ROLLBACK_TREE_INIT;
	git_commit *parent, *upgrade;
	git_repository *repo;
	git_oid want;
	char *s;

	harness_libgit2_init();
	repo = bare_repo();
	parent = commit_spec(repo, file, NULL, NULL);
	upgrade = commit_spec(repo, gitlink, NULL, parent);
	cr_assert_eq(rollback_tree_make(&plan, repo, upgrade, parent, upgrade, "dep"), 0, "%s",
		     graft_error_message());
	assert_conflicts(&plan, "");
	cr_assert(git_oid_equal(&plan.tree, git_commit_tree_id(parent)));
	cr_assert_eq(plan.nr, 2);
	cr_assert_eq(plan.changes[0].mode, GIT_FILEMODE_BLOB);
	cr_assert_eq(plan.changes[0].head_mode, GIT_FILEMODE_COMMIT);
	cr_assert_eq(plan.changes[1].mode, GIT_FILEMODE_COMMIT);
	cr_assert_eq(plan.changes[1].head_mode, GIT_FILEMODE_LINK);
	git_revert_tree(&want, repo, upgrade, upgrade);
	cr_assert(git_oid_equal(&plan.tree, &want));
	s = blob_at(repo, &plan.tree, "vendor/lib");
	cr_assert_str_eq(s, "a vendored copy\n");
	free(s);
	rollback_tree_release(&plan);
	git_commit_free(parent);
	git_commit_free(upgrade);
	git_repository_free(repo);
	git_libgit2_shutdown();
}
