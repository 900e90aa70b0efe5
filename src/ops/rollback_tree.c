#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "formats/diag.h"
#include "formats/lock.h"
#include "ops/rollback_tree.h"
#include "pathlist.h"
#include "snapshot/treediff.h"
#include "strbuf.h"

struct plan_ctx {
	git_repository *repo;
	const char *dep;
	const git_commit *parent_commit, *upgrade_commit, *head_commit;
	git_tree *parent, *upgrade, *head;
	struct rollback_tree *out;
};

static int by_change_path(const void *a, const void *b)
{
	return strcmp(((const struct rollback_tree_change *)a)->path,
		      ((const struct rollback_tree_change *)b)->path);
}

/* The entry at path; NULL (and 0) when the tree has nothing there. */
static int entry_at(git_tree_entry **out, const git_tree *tree,
		    const char *path)
{
	int rc = git_tree_entry_bypath(out, tree, path);

	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		*out = NULL;
		return 0;
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot look %s up in a tree",
				       path);
	return 0;
}

static int same_entry(const git_tree_entry *a, const git_tree_entry *b)
{
	if (!a || !b)
		return a == b;
	return git_tree_entry_filemode(a) == git_tree_entry_filemode(b) &&
	       git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b));
}

static void add_conflict(struct rollback_tree *p, const char *path)
{
	ALLOC_GROW(p->conflicts, p->conflicts_nr + 1, p->conflicts_alloc);
	p->conflicts[p->conflicts_nr++] = xstrdup(path);
}

static void add_change(struct rollback_tree *p, const char *path,
		       const git_tree_entry *to, const git_tree_entry *head)
{
	struct rollback_tree_change *ch;

	ALLOC_GROW(p->changes, p->nr + 1, p->alloc);
	ch = &p->changes[p->nr++];
	memset(ch, 0, sizeof(*ch));
	ch->path = xstrdup(path);
	ch->head_mode = head ? git_tree_entry_filemode(head) : 0;
	if (to) {
		ch->mode = git_tree_entry_filemode(to);
		git_oid_cpy(&ch->id, git_tree_entry_id(to));
	}
}

/*
 * The paths the upgrade changed, sorted, each once (a file that became a
 * directory comes as a deletion and additions).
 */
static int changed_paths(char ***out, size_t *nr, struct plan_ctx *c)
{
	struct path_list l = PATH_LIST_INIT;
	int rc;

	/* gitlinks are compared by the commit they record, never looked into */
	if ((rc = treediff(c->repo, c->parent, c->upgrade, treediff_add_path, &l)) < 0) {
		path_list_release(&l);
		graft_error_prefix("cannot see what the upgrade changed");
		return rc;
	}
	path_list_sort(&l);
	*nr = l.nr;
	*out = l.items;
	return 0;
}

/*
 * Whether a later commit put something other than a directory where
 * path needs one: the parent's file cannot come back there.
 */
static int prefix_blocked(int *blocked, struct plan_ctx *c, const char *path)
{
	const char *slash;
	int rc = 0;

	*blocked = 0;
	for (slash = strchr(path, '/'); slash && !*blocked && rc == 0;
	     slash = strchr(slash + 1, '/')) {
		char *prefix = xstrndup(path, (size_t)(slash - path));
		git_tree_entry *h = NULL, *u = NULL;

		if ((rc = entry_at(&h, c->head, prefix)) == 0 && h &&
		    git_tree_entry_type(h) != GIT_OBJECT_TREE &&
		    (rc = entry_at(&u, c->upgrade, prefix)) == 0)
			*blocked = !same_entry(h, u);
		git_tree_entry_free(h);
		git_tree_entry_free(u);
		free(prefix);
	}
	return rc;
}

/* graft.lock as commit has it (none: an empty lock). */
static int read_lock(struct graft_lock *lock, struct plan_ctx *c,
		     const git_tree_entry *e, const git_commit *commit)
{
	struct diag_list diags = DIAG_LIST_INIT;
	struct strbuf label = STRBUF_INIT;
	char id[8];
	git_blob *blob = NULL;
	int rc;

	if (!e)
		return 0;
	if (git_blob_lookup(&blob, c->repo, git_tree_entry_id(e)) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read " LOCK_FILE);
	git_oid_tostr(id, sizeof(id), git_commit_id(commit));
	strbuf_addf(&label, LOCK_FILE " in %s", id);
	rc = lock_parse(lock, label.buf, git_blob_rawcontent(blob),
			(size_t)git_blob_rawsize(blob), &diags);
	if (rc < 0)
		rc = diag_to_error(&diags);
	diag_list_release(&diags);
	strbuf_release(&label);
	git_blob_free(blob);
	return rc;
}

static int same_lock_entry(const struct lock_entry *a,
			   const struct lock_entry *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a->source, b->source) && !strcmp(a->ref, b->ref) &&
	       !strcmp(a->commit, b->commit) &&
	       !strcmp(a->consumed_at, b->consumed_at);
}

static int is_file(const git_tree_entry *e)
{
	return e && (git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB ||
		     git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB_EXECUTABLE);
}

/*
 * graft.lock when commits after the upgrade changed it: HEAD's, with
 * only dep's entry as the parent had it. A conflict when dep's own entry
 * changed since the upgrade.
 */
static int merge_lock(struct plan_ctx *c, const git_tree_entry *p,
		      const git_tree_entry *u, const git_tree_entry *h)
{
	struct graft_lock pl = GRAFT_LOCK_INIT, ul = GRAFT_LOCK_INIT,
			  hl = GRAFT_LOCK_INIT;
	const struct lock_entry *old;
	struct strbuf buf = STRBUF_INIT;
	struct rollback_tree_change *ch;
	int rc;

	if (!is_file(u) || !is_file(h)) {
		add_conflict(c->out, LOCK_FILE);
		return 0;
	}
	if ((rc = read_lock(&pl, c, p, c->parent_commit)) < 0 ||
	    (rc = read_lock(&ul, c, u, c->upgrade_commit)) < 0 ||
	    (rc = read_lock(&hl, c, h, c->head_commit)) < 0)
		goto done;
	if (!same_lock_entry(lock_find(&ul, c->dep), lock_find(&hl, c->dep))) {
		add_conflict(c->out, LOCK_FILE);
		goto done;
	}
	old = lock_find(&pl, c->dep);
	if (old)
		rc = lock_set(&hl, old->name, old->source, old->ref, old->commit,
			      old->consumed_at);
	else
		lock_remove(&hl, c->dep);
	if (rc < 0)
		goto done;
	/* as project_plan_lock: no entry left, no file */
	add_change(c->out, LOCK_FILE, hl.nr ? h : NULL, h);
	if (!hl.nr)
		goto done;
	ch = &c->out->changes[c->out->nr - 1];
	lock_format(&hl, &buf);
	if (git_blob_create_from_buffer(&ch->id, c->repo, buf.buf, buf.len) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot write " LOCK_FILE);
done:
	strbuf_release(&buf);
	lock_release(&pl);
	lock_release(&ul);
	lock_release(&hl);
	return rc;
}

static int plan_path(struct plan_ctx *c, const char *path)
{
	git_tree_entry *p = NULL, *u = NULL, *h = NULL;
	int blocked = 0, rc;

	if ((rc = entry_at(&p, c->parent, path)) < 0 ||
	    (rc = entry_at(&u, c->upgrade, path)) < 0 ||
	    (rc = entry_at(&h, c->head, path)) < 0)
		goto done;
	/*
	 * A directory the upgrade replaced by a file: what was in it comes
	 * back path by path, as the diff lists them.
	 */
	if (p && git_tree_entry_type(p) == GIT_OBJECT_TREE) {
		git_tree_entry_free(p);
		p = NULL;
	}
	if (!same_entry(u, h) && !strcmp(path, LOCK_FILE)) {
		rc = merge_lock(c, p, u, h);
		goto done;
	}
	if (!same_entry(u, h)) {
		add_conflict(c->out, path);
		goto done;
	}
	if (p && (rc = prefix_blocked(&blocked, c, path)) < 0)
		goto done;
	if (blocked)
		add_conflict(c->out, path);
	else
		add_change(c->out, path, p, h);
done:
	git_tree_entry_free(p);
	git_tree_entry_free(u);
	git_tree_entry_free(h);
	return rc;
}

static int is_gitlink(git_filemode_t mode)
{
	return mode == GIT_FILEMODE_COMMIT;
}

/*
 * Whether the change removes what HEAD has at its path, before anything
 * is added: git_tree_create_updated replaces an entry only by one of the
 * same type, so a file that becomes a gitlink or a gitlink that becomes
 * a file goes first too. (A directory in place of a file goes with the
 * upgrade's files in it, which are removals of their own.)
 */
static int removes_first(const struct rollback_tree_change *ch)
{
	return ch->mode == 0 ||
	       (ch->head_mode && ch->head_mode != GIT_FILEMODE_TREE &&
		is_gitlink(ch->head_mode) != is_gitlink(ch->mode));
}

/*
 * One pass of git_tree_create_updated: what goes first, or what is
 * added. It cannot turn a file into a directory or back in one go;
 * removing first, then adding, does (a directory left empty goes with
 * its last entry).
 */
static int update_tree(git_oid *out, struct plan_ctx *c, const git_oid *base,
		       int removals)
{
	const struct rollback_tree *p = c->out;
	git_tree_update *updates = xcalloc(p->nr ? p->nr : 1, sizeof(*updates));
	git_tree *tree = NULL;
	size_t i, n = 0;
	int rc = 0;

	for (i = 0; i < p->nr; i++) {
		if (removals ? !removes_first(&p->changes[i]) : !p->changes[i].mode)
			continue;
		updates[n].action = removals ? GIT_TREE_UPDATE_REMOVE :
				    GIT_TREE_UPDATE_UPSERT;
		updates[n].path = p->changes[i].path;
		updates[n].filemode = p->changes[i].mode;
		git_oid_cpy(&updates[n].id, &p->changes[i].id);
		n++;
	}
	if (!n) {
		git_oid_cpy(out, base);
	} else if (git_tree_lookup(&tree, c->repo, base) < 0 ||
		   git_tree_create_updated(out, c->repo, tree, n, updates) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot build the rollback's tree");
	}
	git_tree_free(tree);
	free(updates);
	return rc;
}

int rollback_tree_make(struct rollback_tree *out, git_repository *repo,
		     const git_commit *head, const git_commit *base,
		     const git_commit *upgrade, const char *dep)
{
	struct plan_ctx c;
	char **paths = NULL;
	size_t i, nr = 0;
	git_oid removed;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.repo = repo;
	c.dep = dep;
	c.out = out;
	c.upgrade_commit = upgrade;
	c.head_commit = head;
	if (git_commit_tree(&c.parent, base) < 0 ||
	    git_commit_tree(&c.upgrade, upgrade) < 0 ||
	    git_commit_tree(&c.head, head) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the upgrade's commits");
		goto done;
	}
	c.parent_commit = base;
	if ((rc = changed_paths(&paths, &nr, &c)) < 0)
		goto done;
	for (i = 0; i < nr && rc == 0; i++)
		rc = plan_path(&c, paths[i]);
	if (rc < 0 || out->conflicts_nr)
		goto done;
	if (out->nr > 1)
		qsort(out->changes, out->nr, sizeof(*out->changes),
		      by_change_path);
	if ((rc = update_tree(&removed, &c, git_tree_id(c.head), 1)) == 0)
		rc = update_tree(&out->tree, &c, &removed, 0);
done:
	for (i = 0; i < nr; i++)
		free(paths[i]);
	free(paths);
	git_tree_free(c.parent);
	git_tree_free(c.upgrade);
	git_tree_free(c.head);
	if (rc < 0)
		rollback_tree_release(out);
	return rc;
}

void rollback_tree_release(struct rollback_tree *plan)
{
	size_t i;

	for (i = 0; i < plan->nr; i++)
		free(plan->changes[i].path);
	free(plan->changes);
	for (i = 0; i < plan->conflicts_nr; i++)
		free(plan->conflicts[i]);
	free(plan->conflicts);
	*plan = (struct rollback_tree)ROLLBACK_TREE_INIT;
}
