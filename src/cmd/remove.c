#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_checkout.h"
#include "deps/dep_gitconfig.h"
#include "deps/dep_gitlink.h"
#include "deps/dep_refs.h"
#include "deps/dep_remove.h"
#include "deps/deps.h"
#include "deps/gitmodules.h"
#include "error.h"
#include "formats/iniedit.h"
#include "formats/names.h"
#include "ops/project.h"
#include "report.h"

static const char *const remove_usage[] = {
	"git graft remove [-q] [-f | --force] [--keep-files] <name>",
	NULL,
};

struct remove {
	const char *name;
	int keep_files, force;
	struct project p;
	struct dep dep;
};

static int is_blank(const struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < sb->len; i++)
		if (!isspace((unsigned char)sb->buf[i]))
			return 0;
	return 1;
}

/* Plan rel as next, or its deletion when nothing but blanks is left. */
static int plan_file(struct remove *r, const char *rel,
		     const struct strbuf *next)
{
	if (is_blank(next))
		return file_edits_delete(&r->p.edits, r->p.repo.workdir, rel);
	return file_edits_write(&r->p.edits, r->p.repo.workdir, rel, next->buf,
				next->len);
}

static int has_traces(struct remove *r)
{
	char *modules = dep_modules_dir(&r->dep);
	git_oid id;
	struct stat st;
	int found = config_find_dependency(&r->p.cfg, r->name) ||
		    lock_find(&r->p.lock, r->name) || r->dep.submodule ||
		    r->dep.repo || !stat(modules, &st) ||
		    dep_gitlink(&id, r->p.index, &r->dep) == 0;

	graft_error_clear();
	free(modules);
	return found;
}

/* Refuse to delete work that exists nowhere else, unless forced. */
static int check_safe(struct remove *r)
{
	int dirty = 0, unpublished = 0, rc;

	if (!r->dep.repo || r->keep_files || r->force)
		return 0;
	if ((rc = dep_is_dirty(&dirty, &r->dep)) < 0 ||
	    (rc = dep_unpublished(&unpublished, &r->dep)) < 0)
		return rc;
	if (dirty)
		rc = graft_error("%s has changes that are not committed", r->dep.shown);
	else if (unpublished)
		rc = graft_error("%s has commits that its source does not have",
				 r->dep.shown);
	if (rc < 0)
		graft_error_hint("removing it would delete them; keep the files with --keep-files, or delete them anyway with --force");
	return rc;
}

static int plan_edits(struct remove *r)
{
	const struct strbuf *cur;
	struct strbuf next = STRBUF_INIT;
	int exists, rc = 0;

	if (config_find_dependency(&r->p.cfg, r->name)) {
		if ((rc = file_edits_content(&cur, &exists, &r->p.edits,
					     r->p.repo.workdir, CONFIG_FILE)) < 0)
			goto done;
		ini_remove_section(&next, cur->buf, cur->len, "dependency",
				   r->name);
		if ((rc = plan_file(r, CONFIG_FILE, &next)) < 0)
			goto done;
	}
	if (lock_remove(&r->p.lock, r->name) &&
	    (rc = project_plan_lock(&r->p)) < 0)
		goto done;
	if (r->dep.submodule) {
		if ((rc = file_edits_content(&cur, &exists, &r->p.edits,
					     r->p.repo.workdir,
					     GITMODULES_FILE)) < 0)
			goto done;
		gitmodules_remove(&next, cur->buf, cur->len, r->dep.submodule);
		rc = plan_file(r, GITMODULES_FILE, &next);
	}
done:
	strbuf_release(&next);
	return rc;
}

static int run_remove(struct remove *r)
{
	int rc;

	if ((rc = name_check(r->name, "dependency name")) < 0 ||
	    (rc = project_open(&r->p, PROJECT_MUTATE)) < 0 ||
	    (rc = dep_load(&r->dep, &r->p.repo, r->name)) < 0)
		return rc;
	if (!has_traces(r)) {
		char *q = name_quoted(r->name);

		rc = graft_error("there is no dependency %s", q);
		project_hint_declared(&r->p);
		free(q);
		return rc;
	}
	if ((rc = check_safe(r)) < 0 || (rc = plan_edits(r)) < 0 ||
	    (rc = file_edits_apply(&r->p.edits)) < 0)
		return rc;
	if ((rc = dep_unstage_gitlink(r->p.index, &r->dep)) < 0 ||
	    (rc = project_stage_edits(&r->p)) < 0 ||
	    (rc = project_write_index(&r->p)) < 0) {
		file_edits_undo(&r->p.edits);
		return rc;
	}
	/*
	 * The removal is staged; what follows only tidies up, so a failure
	 * is a warning: the user can finish it by hand.
	 */
	if (dep_gitconfig_unregister(&r->dep) < 0)
		out_warning("%s", graft_error_message());
	if (!r->keep_files && dep_remove_files(&r->dep) < 0)
		out_warning("%s; delete it by hand", graft_error_message());
	graft_error_clear();
	if (r->keep_files)
		graft_result("Removed %s; its files stay in %s", r->name,
			     r->dep.shown);
	else
		graft_result("Removed %s", r->name);
	return 0;
}

int cmd_remove(int argc, char **argv)
{
	struct remove r;
	int quiet = 0, rc;
	const struct option_spec options[] = {
		OPT_BOOL(0, "keep-files", &r.keep_files,
			 "leave .graft/<name> and its repository on disk"),
		OPT_BOOL('f', "force", &r.force,
			 "delete it even with uncommitted or unpushed work in it"),
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_END(),
	};

	memset(&r, 0, sizeof(r));
	project_init(&r.p);
	argc = parse_options(argc, argv, options, remove_usage, 0);
	if (argc != 1)
		usage_error(remove_usage, options, argc ? "too many arguments" :
			    "remove needs the name of a dependency");
	output_set_quiet(quiet);
	r.name = argv[0];
	rc = run_remove(&r);
	dep_release(&r.dep);
	project_close(&r.p);
	return graft_error_report(rc);
}
