#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_checkout.h"
#include "deps/dep_clone.h"
#include "deps/dep_refs.h"
#include "deps/dep_remove.h"
#include "deps/deps.h"
#include "deps/gitmodules.h"
#include "error.h"
#include "fileio.h"
#include "formats/iniedit.h"
#include "formats/names.h"
#include "iso8601.h"
#include "ops/project.h"
#include "ops/register.h"
#include "paths.h"
#include "report.h"
#include "signals.h"

static const char *const add_usage[] = {
	"git graft add [-q] [--no-resolve] <name> <source>[#<ref>]",
	NULL,
};

struct add {
	const char *name, *ref;
	/* the ref graft.ini declares: what "latest" means for upgrades */
	const char *declared_ref;
	char *source;
	int no_resolve;
	struct project p;
	struct dep dep;
	git_oid commit;
	char *locked_ref;
	struct dep_registration reg;
};

/* "<source>#<ref>": split at the last '#'. */
static int split_source(struct add *a, const char *arg)
{
	const char *hash = strrchr(arg, '#');

	a->source = hash ? xstrndup(arg, (size_t)(hash - arg)) : xstrdup(arg);
	a->ref = hash ? hash + 1 : NULL;
	if (a->ref && !*a->ref)
		return graft_error("nothing after '#' in '%s': write <source>#<ref>, or leave '#' out for the default branch",
				   arg);
	return 0;
}

static int check_args(struct add *a)
{
	int rc;

	if ((rc = name_check(a->name, "dependency name")) < 0 ||
	    (rc = source_check(a->source, "source")) < 0 ||
	    (a->ref && (rc = ref_check(a->ref, "ref")) < 0))
		return rc;
	return 0;
}

/* Whether anything at or below path is in the index. */
static int in_index(git_index *idx, const char *path)
{
	struct strbuf prefix = STRBUF_INIT;
	size_t pos;
	int found;

	strbuf_addf(&prefix, "%s/", path);
	found = git_index_get_bypath(idx, path, 0) ||
		git_index_find_prefix(&pos, idx, prefix.buf) == 0;
	git_error_clear();
	strbuf_release(&prefix);
	return found;
}

/* A submodule named name, whatever its path, in .gitmodules? */
static int submodule_name_taken(int *taken, struct add *a)
{
	struct gitmodules gm = GITMODULES_INIT;
	char *file = repo_path(&a->p.repo, GITMODULES_FILE);
	int rc = gitmodules_read(&gm, file);

	*taken = gitmodules_find_name(&gm, a->name) != NULL;
	gitmodules_release(&gm);
	free(file);
	return rc;
}

/* The name must be new everywhere a dependency leaves a trace. */
static int check_new(struct add *a)
{
	const struct graft_dependency *dep;
	char *worktree = dep_worktree_dir(&a->dep);
	char *modules = dep_modules_dir(&a->dep);
	char *q = name_quoted(a->name), *ini = project_display(&a->p, CONFIG_FILE);
	int taken, rc;

	if ((rc = submodule_name_taken(&taken, a)) < 0)
		goto done;
	if ((dep = config_find_dependency(&a->p.cfg, a->name))) {
		rc = graft_error("dependency %s already exists (%s:%d)", q, ini,
				 dep->line);
		graft_error_hint("'git graft apply %s --to <ref>' moves it to another ref",
				 a->name);
	} else if (lock_find(&a->p.lock, a->name)) {
		rc = graft_error("dependency %s is already in graft.lock, though graft.ini does not declare it",
				 q);
		graft_error_hint("'git graft remove %s' removes what is left of it",
				 a->name);
	} else if (a->dep.submodule || taken) {
		rc = graft_error("a submodule %s or at %s is already registered in .gitmodules",
				 q, a->dep.shown);
		graft_error_hint("declare it in graft.ini by hand, then run 'git graft resolve'");
	} else if (path_exists(worktree) || in_index(a->p.index, a->dep.path)) {
		rc = graft_error("%s already exists", a->dep.shown);
		graft_error_hint("move it out of the way, or choose another name");
	} else if (path_exists(modules)) {
		rc = graft_error("the repository %s already exists", modules);
		graft_error_hint("it is left from an earlier submodule %s; remove it, or choose another name",
				 q);
	}
done:
	free(worktree);
	free(modules);
	free(q);
	free(ini);
	return rc;
}

/*
 * Plan graft.ini with the new section, and make sure it reads back as
 * written: a value inih would cut or read otherwise is refused here,
 * before anything is cloned.
 */
static int plan_config(struct add *a)
{
	struct graft_config check = GRAFT_CONFIG_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	const struct graft_dependency *d;
	const struct strbuf *cur, *original;
	struct strbuf next = STRBUF_INIT;
	int exists, rc;

	if ((rc = file_edits_content(&cur, &exists, &a->p.edits,
				     a->p.repo.workdir, CONFIG_FILE)) < 0)
		return rc;
	/* planned again once the ref is known: start from the file as it is */
	original = &file_edits_find(&a->p.edits, CONFIG_FILE)->old;
	ini_append_dependency(&next, original->buf, original->len, a->name,
			      a->source, a->declared_ref);
	config_parse(&check, CONFIG_FILE, next.buf, next.len, &diags);
	d = config_find_dependency(&check, a->name);
	if (!d || strcmp(d->source, a->source) ||
	    (a->declared_ref ? !d->ref || strcmp(d->ref, a->declared_ref) :
	     d->ref != NULL)) {
		rc = graft_error("'%s' cannot be written to graft.ini as it is%s%s",
				 a->source, diags.nr ? ": " : "",
				 diags.nr ? diags.items[diags.nr - 1].message : "");
	} else {
		rc = file_edits_write(&a->p.edits, a->p.repo.workdir,
				      CONFIG_FILE, next.buf, next.len);
	}
	config_release(&check);
	diag_list_release(&diags);
	strbuf_release(&next);
	return rc;
}

/*
 * Clone (an interrupt cancels that), then hold interrupts back until
 * everything is written or undone.
 */
static int fetch_and_check_out(struct add *a, sigset_t *held)
{
	int rc = dep_clone(&a->dep, a->source);

	signals_hold(held);
	if (rc < 0)
		return rc;
	rc = dep_tracked_ref(&a->locked_ref, &a->dep, a->ref);
	if (rc == 0 &&
	    (rc = dep_resolve(&a->commit, &a->dep, a->locked_ref)) == 1)
		rc = graft_error("'%s' has no branch, tag or commit '%s'",
				 a->source, a->locked_ref);
	/* no default branch: the message is set */
	if (rc == 1)
		rc = GRAFT_EFAIL;
	if (rc == 0)
		rc = dep_checkout(&a->dep, &a->commit);
	return rc;
}

/*
 * <source>#<branch> follows that branch from now on. A tag or a commit
 * is only where the dependency starts: declaring it as the ref would make
 * it the newest version for ever, so graft.ini then names no ref and
 * upgrades follow the source's default branch; the lock records the tag.
 */
static int plan_declared_ref(struct add *a)
{
	struct strbuf name = STRBUF_INIT;
	git_reference *branch = NULL;
	int rc;

	if (!a->ref)
		return 0;
	strbuf_addf(&name, DEP_REMOTE_REFS "%s", a->ref);
	rc = git_reference_lookup(&branch, a->dep.repo, name.buf);
	strbuf_release(&name);
	git_reference_free(branch);
	if (rc == 0)
		return 0;
	git_error_clear();
	a->declared_ref = NULL;
	return plan_config(a);
}

/* Lock it, and register it as git registers a submodule. */
static int plan_registration(struct add *a)
{
	char hex[GIT_OID_HEXSZ + 1], now[32];
	int rc;

	git_oid_tostr(hex, sizeof(hex), &a->commit);
	iso8601_now(now, sizeof(now));
	if ((rc = lock_set(&a->p.lock, a->name, a->source, a->locked_ref, hex,
			   now)) < 0 ||
	    (rc = project_plan_lock(&a->p)) < 0)
		return rc;
	return project_register_dep(&a->reg, &a->p, &a->dep, a->source,
				    &a->commit, REGISTER_NEW);
}

/* Write everything; on failure undo what was written. */
static int commit_changes(struct add *a)
{
	int rc;

	if ((rc = file_edits_apply(&a->p.edits)) < 0)
		return rc;
	if ((rc = project_stage_edits(&a->p)) < 0 ||
	    (rc = project_write_index(&a->p)) < 0)
		file_edits_undo(&a->p.edits);
	return rc;
}

static int run_add(struct add *a)
{
	sigset_t held;
	char id[8];
	int rc;

	if ((rc = check_args(a)) < 0 ||
	    (rc = project_open(&a->p, PROJECT_MUTATE)) < 0 ||
	    (rc = dep_load(&a->dep, &a->p.repo, a->name)) < 0 ||
	    (rc = check_new(a)) < 0 || (rc = plan_config(a)) < 0)
		return rc;
	if (a->no_resolve) {
		if ((rc = commit_changes(a)) == 0)
			graft_result("Declared %s in graft.ini; 'git graft resolve' clones it",
				     a->name);
		return rc;
	}
	if ((rc = fetch_and_check_out(a, &held)) < 0 ||
	    (rc = plan_declared_ref(a)) < 0 ||
	    (rc = plan_registration(a)) < 0 || (rc = commit_changes(a)) < 0) {
		project_unregister_dep(&a->p, &a->dep, &a->reg);
		dep_undo_clone(&a->dep);
	}
	signals_release(&held);
	if (rc < 0)
		return rc;
	graft_result("Added %s at %s: %s (%s)", a->name, a->dep.shown,
		     a->locked_ref, short_id(id, &a->commit));
	return 0;
}

int cmd_add(int argc, char **argv)
{
	struct add a;
	int resolve = 1, quiet = 0, rc;
	const struct option_spec options[] = {
		OPT_BOOL(0, "resolve", &resolve,
			 "clone and lock it now (--no-resolve: only declare it)"),
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_END(),
	};

	memset(&a, 0, sizeof(a));
	project_init(&a.p);
	argc = parse_options(argc, argv, options, add_usage, 0);
	if (argc != 2)
		usage_error(add_usage, options, argc < 2 ?
			    "add needs a name and a source" : "too many arguments");
	output_set_quiet(quiet);
	a.no_resolve = !resolve;
	a.name = argv[0];
	rc = split_source(&a, argv[1]);
	a.declared_ref = a.ref;
	if (rc == 0)
		rc = run_add(&a);
	dep_release(&a.dep);
	project_close(&a.p);
	free(a.source);
	free(a.locked_ref);
	return graft_error_report(rc);
}
