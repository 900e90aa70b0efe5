#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "deps/dep_changes.h"
#include "deps/dep_checkout.h"
#include "deps/dep_clone.h"
#include "deps/dep_gitconfig.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "fileio.h"
#include "formats/diag.h"
#include "formats/names.h"
#include "ops/guard.h"
#include "ops/project.h"
#include "paths.h"

/* Problems in diags as one error; a hint when there is a single one. */
static int diags_to_error(struct diag_list *diags)
{
	int rc = 0;

	if (diags->nr) {
		diag_sort(diags);
		rc = diag_to_error(diags);
		if (diags->nr == 1)
			graft_error_hint("fix it, then run the command again ('git graft validate' checks the files)");
	}
	return rc;
}

static void read_lock(struct graft_lock *lock, const struct project *p,
		      struct diag_list *diags)
{
	char *path = repo_path(&p->repo, LOCK_FILE);
	char *label = repo_display_path(&p->repo, LOCK_FILE);

	lock_read_file(lock, path, label, diags);
	free(path);
	free(label);
}

static int read_files(struct project *p)
{
	struct diag_list diags = DIAG_LIST_INIT;
	char *config_path = repo_path(&p->repo, CONFIG_FILE);
	char *config_label = repo_display_path(&p->repo, CONFIG_FILE);
	int rc;

	config_read_file(&p->cfg, config_path, config_label, &diags);
	read_lock(&p->lock, p, &diags);
	rc = diags_to_error(&diags);
	diag_list_release(&diags);
	free(config_path);
	free(config_label);
	return rc;
}

int project_reload_lock(struct project *p)
{
	struct diag_list diags = DIAG_LIST_INIT;
	struct graft_lock fresh = GRAFT_LOCK_INIT;
	int rc;

	read_lock(&fresh, p, &diags);
	if ((rc = diags_to_error(&diags)) == 0) {
		lock_release(&p->lock);
		p->lock = fresh;
	} else {
		lock_release(&fresh);
	}
	diag_list_release(&diags);
	return rc;
}

void project_init(struct project *p)
{
	memset(p, 0, sizeof(*p));
	p->oplock.fd = -1;
}

int project_open(struct project *p, unsigned flags)
{
	int rc;

	project_init(p);
	if ((rc = repo_open(&p->repo, REPO_NEED_WORKTREE)) < 0)
		return rc;
	if ((flags & PROJECT_MUTATE) &&
	    (rc = guard_mutation(&p->oplock, &p->repo)) < 0)
		goto fail;
	if ((flags & PROJECT_RESUME) &&
	    (rc = guard_resume(&p->oplock, &p->repo)) < 0)
		goto fail;
	if ((rc = read_files(p)) < 0 || (rc = repo_index(&p->index, &p->repo)) < 0)
		goto fail;
	if (git_index_read(p->index, 0) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the index");
		goto fail;
	}
	return 0;
fail:
	project_close(p);
	return rc;
}

void project_close(struct project *p)
{
	git_index_free(p->index);
	file_edits_release(&p->edits);
	config_release(&p->cfg);
	lock_release(&p->lock);
	oplock_release(&p->oplock, &p->repo);
	repo_close(&p->repo);
	project_init(p);
}

char *project_display(const struct project *p, const char *rel)
{
	return repo_display_path(&p->repo, rel);
}

/* Dependencies a hint names before it says "and N more". */
#define HINT_NAMES_MAX 10

void project_hint_declared(const struct project *p)
{
	struct strbuf names = STRBUF_INIT;
	size_t i;

	if (!p->cfg.deps_nr) {
		graft_error_hint("%s declares no dependencies", CONFIG_FILE);
		return;
	}
	for (i = 0; i < p->cfg.deps_nr && i < HINT_NAMES_MAX; i++)
		strbuf_addf(&names, "%s%s", i ? ", " : "", p->cfg.deps[i].name);
	if (p->cfg.deps_nr > HINT_NAMES_MAX)
		strbuf_addf(&names, " and %zu more", p->cfg.deps_nr - HINT_NAMES_MAX);
	graft_error_hint("the declared dependencies are %s", names.buf);
	strbuf_release(&names);
}

int project_declared(const struct graft_dependency **out,
		     const struct project *p, const char *name)
{
	char *q;
	int rc;

	if ((*out = config_find_dependency(&p->cfg, name)))
		return 0;
	q = name_quoted(name);
	rc = graft_error("no dependency %s is declared in graft.ini", q);
	project_hint_declared(p);
	graft_error_hint("'git graft add %s <source>' declares and clones it", name);
	free(q);
	return rc;
}

int project_checkout_dep(struct dep *d, struct project *p, const char *name,
			 int *attached)
{
	int rc;

	*attached = 0;
	if ((rc = dep_load(d, &p->repo, name)) < 0 || d->repo)
		return rc;
	rc = dep_attach(d);
	if (rc == 1) {
		rc = graft_error("%s is not cloned", name);
		graft_error_hint("'git graft resolve' clones it");
	}
	*attached = rc == 0;
	return rc;
}

int project_clone_dep(struct dep *d, const char *source,
		      enum dep_arrival *how)
{
	int rc;

	*how = DEP_WAS_THERE;
	if (d->repo)
		return 0;
	if ((rc = dep_attach(d)) <= 0) {
		*how = DEP_ATTACHED;
		return rc;
	}
	graft_error_clear();
	*how = DEP_CLONED;
	return dep_clone(d, source);
}

int project_read_dep(struct dep *d, const struct project *p, const char *name)
{
	char *q;
	int rc;

	if (!config_find_dependency(&p->cfg, name) && !lock_find(&p->lock, name)) {
		q = name_quoted(name);
		rc = graft_error("there is no dependency %s in graft.ini or graft.lock", q);
		project_hint_declared(p);
		free(q);
		return rc;
	}
	if ((rc = dep_load(d, &p->repo, name)) < 0)
		return rc;
	if (!d->repo) {
		rc = graft_error("%s has no repository at %s", name, d->shown);
		graft_error_hint("'git graft resolve' clones it, or checks it out again");
		dep_release(d);
	}
	return rc;
}

int project_tracked_tip(git_oid *out, char **ref, struct dep *d,
			const struct project *p)
{
	const struct graft_dependency *decl =
		config_find_dependency(&p->cfg, d->name);
	int rc = dep_tracked_ref(ref, d, decl ? decl->ref : NULL);

	if (rc == 0 && (rc = dep_resolve(out, d, *ref)) != 0) {
		free(*ref);
		*ref = NULL;
	}
	return rc;
}

int project_dep_config(struct graft_config *cfg, struct dep *d,
		       const git_oid *commit, const char *ref)
{
	struct diag_list diags = DIAG_LIST_INIT;
	int rc = dep_read_config_at(cfg, &diags, d, commit, ref);

	if (diags.nr) {
		diag_sort(&diags);
		diag_report(&diags);
		rc = graft_error("the graft.ini of %s at %s is not valid", d->name,
				 ref);
		graft_error_hint("it belongs to %s: its maintainers have to fix it",
				 d->name);
	}
	diag_list_release(&diags);
	return rc;
}

int project_move_dep(struct dep_move *m, struct dep *d, const git_oid *target,
		     enum move_mode mode)
{
	int dirty = 0, rc;

	memset(m, 0, sizeof(*m));
	if ((rc = dep_head(&m->from, d)) < 0)
		return rc;
	graft_error_clear();
	m->had_head = rc == 0;
	if (mode != MOVE_FRESH && m->had_head && git_oid_equal(&m->from, target))
		return 0;
	if (mode == MOVE_SAFE && (rc = dep_is_dirty(&dirty, d)) < 0)
		return rc;
	if (dirty) {
		rc = graft_error("%s has changes that are not committed; checking it out would lose them",
				 d->shown);
		graft_error_hint("commit or stash them in %s, or pass --force to discard them",
				 d->shown);
		return rc;
	}
	if ((rc = dep_checkout(d, target)) < 0)
		return rc;
	m->moved = 1;
	return 0;
}

int project_plan_lock(struct project *p)
{
	struct strbuf buf = STRBUF_INIT;
	int rc;

	if (!p->lock.nr)
		return file_edits_delete(&p->edits, p->repo.workdir, LOCK_FILE);
	lock_format(&p->lock, &buf);
	rc = file_edits_write(&p->edits, p->repo.workdir, LOCK_FILE, buf.buf,
			      buf.len);
	strbuf_release(&buf);
	return rc;
}

/*
 * Stage rel as the work tree has it, or remove it from the index when the
 * file is gone (git add -A <rel>).
 */
static int project_stage_file(struct project *p, const char *rel)
{
	char *path = repo_path(&p->repo, rel);
	int exists = path_exists(path), rc = 0;

	free(path);
	if (exists ? git_index_add_bypath(p->index, rel) < 0 :
	    (git_index_get_bypath(p->index, rel, 0) &&
	     git_index_remove_bypath(p->index, rel) < 0))
		rc = graft_error_git(GRAFT_EFATAL, "cannot stage %s", rel);
	return rc;
}

int project_stage_edits(struct project *p)
{
	size_t i;
	int rc;

	for (i = 0; i < p->edits.nr; i++)
		if (p->edits.items[i].action != FILE_KEEP &&
		    (rc = project_stage_file(p, p->edits.items[i].rel)) < 0)
			return rc;
	return 0;
}

int project_write_index(struct project *p)
{
	return repo_write_index(p->index);
}
