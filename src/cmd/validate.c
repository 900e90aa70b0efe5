#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "cmd/describe.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "fileio.h"
#include "formats/config.h"
#include "formats/diag.h"
#include "formats/lock.h"
#include "formats/names.h"
#include "ops/integrity.h"
#include "repo.h"

static const char *const validate_usage[] = {
	"git graft validate [config | lock | integrity | all] [--json]",
	NULL,
};

enum what {
	CHECK_CONFIG = 1,
	CHECK_LOCK = 2,
	CHECK_INTEGRITY = 4,
	CHECK_ALL = 7,
};

/* A locked dependency whose checkout does not match graft.lock. */
struct mismatch {
	const char *name;
	char *path;		/* .graft/<name> */
	char *display;		/* the path from the current directory */
	const char *problem;	/* "missing", "checkout" or "index" */
	char *message;
	const char *locked;
	char actual[GIT_OID_HEXSZ + 1];	/* "" when there is nothing */
};

struct validation {
	struct graft_config cfg;
	struct graft_lock lock;
	int config_exists, lock_exists;
	struct diag_list files;		/* invalid graft.ini or graft.lock */
	struct mismatch *mismatches;
	size_t mismatches_nr, mismatches_alloc;
};

static void add_mismatch(struct validation *v, const struct lock_entry *e,
			 const struct dep *d, const char *problem,
			 const git_oid *actual, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void add_mismatch(struct validation *v, const struct lock_entry *e,
			 const struct dep *d, const char *problem,
			 const git_oid *actual, const char *fmt, ...)
{
	struct mismatch *m;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ALLOC_GROW(v->mismatches, v->mismatches_nr + 1, v->mismatches_alloc);
	m = &v->mismatches[v->mismatches_nr++];
	m->name = e->name;
	m->path = xstrdup(d->path);
	m->display = xstrdup(d->shown);
	m->problem = problem;
	m->message = strbuf_detach(&sb);
	m->locked = e->commit;
	m->actual[0] = '\0';
	if (actual)
		git_oid_tostr(m->actual, sizeof(m->actual), actual);
}

/* What dep_integrity_check found, in validate's words. */
static void add_mismatches(struct validation *v, const struct lock_entry *e,
			   const struct dep *d, const struct dep_integrity *found)
{
	const git_oid *head = found->has_head ? &found->head : NULL;
	const git_oid *gitlink = found->has_gitlink ? &found->gitlink : NULL;

	if (found->problems & INTEGRITY_NOT_CLONED)
		add_mismatch(v, e, d, "missing", NULL,
			     "locked at %.7s but not checked out", e->commit);
	if (found->problems & INTEGRITY_CHECKOUT)
		add_mismatch(v, e, d, "checkout", head,
			     "checked out at %.7s, but graft.lock has %.7s",
			     head ? git_oid_tostr_s(head) : "nothing", e->commit);
	if (found->problems & INTEGRITY_GITLINK)
		add_mismatch(v, e, d, "index", gitlink,
			     "the index records %.7s, but graft.lock has %.7s",
			     gitlink ? git_oid_tostr_s(gitlink) : "nothing",
			     e->commit);
}

/* Each locked dependency must be checked out, and recorded, as locked. */
static int check_integrity(struct validation *v, struct graft_repo *repo)
{
	git_index *idx = NULL;
	size_t i;
	int rc;

	if ((rc = repo_index(&idx, repo)) < 0)
		return rc;
	for (i = 0; i < v->lock.nr && rc == 0; i++) {
		const struct lock_entry *e = &v->lock.entries[i];
		struct dep d = DEP_INIT;
		struct dep_integrity found;
		git_oid locked;

		if ((rc = dep_load(&d, repo, e->name)) < 0)
			break;
		git_oid_fromstr(&locked, e->commit);
		if ((rc = dep_integrity_check(&found, &d, idx, &locked)) == 0)
			add_mismatches(v, e, &d, &found);
		dep_release(&d);
	}
	git_index_free(idx);
	return rc;
}

/*
 * Without graft.ini, what graft.lock and .graft/ hold is declared
 * nowhere: that is a file gone missing, not an empty project.
 */
static void check_config_present(struct validation *v,
				 const struct graft_repo *repo,
				 const char *label)
{
	char *deps_dir = repo_path(repo, DEPS_DIR);
	int deps_exist = path_exists(deps_dir);

	if (!v->config_exists && (v->lock_exists || deps_exist))
		diag_add(&v->files, label, 0, "missing, but %s%s%s exist%s",
			 v->lock_exists ? LOCK_FILE : "",
			 v->lock_exists && deps_exist ? " and " : "",
			 deps_exist ? DEPS_DIR "/" : "",
			 v->lock_exists && deps_exist ? "" : "s");
	free(deps_dir);
}

/*
 * graft.lock must be there when dependencies are declared, and when it
 * was asked for by name (`validate lock`).
 */
static void check_lock_present(struct validation *v, const char *label,
			       int asked_for)
{
	if (v->lock_exists)
		return;
	if (v->cfg.deps_nr)
		diag_add(&v->files, label, 0,
			 "missing, but graft.ini declares %zu dependenc%s",
			 v->cfg.deps_nr, v->cfg.deps_nr == 1 ? "y" : "ies");
	else if (asked_for)
		diag_add(&v->files, label, 0, "missing");
}

/* Dependencies declared in graft.ini must be locked in graft.lock. */
static void check_declared_locked(struct validation *v, const char *label)
{
	size_t i;

	for (i = 0; i < v->cfg.deps_nr; i++) {
		const struct graft_dependency *d = &v->cfg.deps[i];
		char *q;

		if (lock_find(&v->lock, d->name))
			continue;
		q = name_quoted(d->name);
		diag_add(&v->files, label, d->line,
			 "dependency %s is declared but not locked in graft.lock",
			 q);
		free(q);
	}
}

/*
 * A locked commit the dependency's repository does not have cannot be
 * checked out; a dependency not cloned yet is not held to this.
 */
static int check_locked_commits(struct validation *v,
				const struct graft_repo *repo,
				const char *label)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < v->lock.nr && rc == 0; i++) {
		const struct lock_entry *e = &v->lock.entries[i];
		struct dep d = DEP_INIT;
		git_oid locked;
		char *q;

		if ((rc = dep_load(&d, repo, e->name)) < 0)
			break;
		git_oid_fromstr(&locked, e->commit);
		if (d.repo && !dep_has_commit(&d, &locked)) {
			q = name_quoted(e->name);
			diag_add(&v->files, label, e->line,
				 "dependency %s is locked at %.7s, a commit %s does not have",
				 q, e->commit, d.shown);
			free(q);
		}
		dep_release(&d);
	}
	return rc;
}

/* Entries in graft.lock must be declared in graft.ini. */
static void check_lock_declared(struct validation *v, const char *label)
{
	size_t i;

	for (i = 0; i < v->lock.nr; i++) {
		const struct lock_entry *e = &v->lock.entries[i];
		char *q;

		if (config_find_dependency(&v->cfg, e->name))
			continue;
		q = name_quoted(e->name);
		diag_add(&v->files, label, e->line,
			 "dependency %s is locked but not declared in graft.ini",
			 q);
		free(q);
	}
}

static void print_human(const struct validation *v, unsigned what,
			const char *config_label, const char *lock_label)
{
	size_t i;

	diag_report(&v->files);
	if (v->files.nr)
		return;
	for (i = 0; i < v->mismatches_nr; i++)
		out_error("%s: %s", v->mismatches[i].display,
			  v->mismatches[i].message);
	if (what & CHECK_CONFIG)
		printf("%s: ok (%zu dependenc%s, %zu command%s, %zu change%s)\n",
		       config_label, v->cfg.deps_nr,
		       v->cfg.deps_nr == 1 ? "y" : "ies", v->cfg.commands_nr,
		       v->cfg.commands_nr == 1 ? "" : "s", v->cfg.changes_nr,
		       v->cfg.changes_nr == 1 ? "" : "s");
	if ((what & CHECK_LOCK) && v->lock_exists)
		printf("%s: ok (%zu locked)\n", lock_label, v->lock.nr);
	else if (what & CHECK_LOCK)
		printf("%s: none, and no dependency is declared\n", lock_label);
	if ((what & CHECK_INTEGRITY) && !v->mismatches_nr)
		printf("integrity: ok (%zu dependenc%s at %s locked commit)\n",
		       v->lock.nr, v->lock.nr == 1 ? "y" : "ies",
		       v->lock.nr == 1 ? "its" : "their");
}

static json_t *mismatches_to_json(const struct validation *v)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < v->mismatches_nr; i++) {
		const struct mismatch *m = &v->mismatches[i];

		json_array_append_new(arr, json_pack(
			"{s:o, s:o, s:s, s:o, s:s, s:o}",
			"name", json_text(m->name), "path", json_text(m->path),
			"problem", m->problem, "message", json_text(m->message),
			"locked", m->locked,
			"actual", m->actual[0] ? json_string(m->actual) : json_null()));
	}
	return arr;
}

static int print_json(const struct validation *v, unsigned what)
{
	json_t *root = json_object();

	json_object_set_new(root, "valid",
			    json_boolean(!v->files.nr && !v->mismatches_nr));
	json_object_set_new(root, "errors", describe_diags_json(&v->files));
	if (what & CHECK_INTEGRITY)
		json_object_set_new(root, "integrity", mismatches_to_json(v));
	return output_json(root);
}

static void validation_release(struct validation *v)
{
	size_t i;

	for (i = 0; i < v->mismatches_nr; i++) {
		free(v->mismatches[i].path);
		free(v->mismatches[i].display);
		free(v->mismatches[i].message);
	}
	free(v->mismatches);
	config_release(&v->cfg);
	lock_release(&v->lock);
	diag_list_release(&v->files);
}

static int parse_what(int argc, char **argv, const struct option_spec *opts)
{
	if (!argc || !strcmp(argv[0], "all"))
		return CHECK_ALL;
	if (argc > 1)
		usage_error(validate_usage, opts, "too many arguments");
	if (!strcmp(argv[0], "config"))
		return CHECK_CONFIG;
	if (!strcmp(argv[0], "lock"))
		return CHECK_LOCK;
	if (!strcmp(argv[0], "integrity"))
		return CHECK_INTEGRITY;
	usage_error(validate_usage, opts,
		    "unknown check '%s'; expected config, lock, integrity or all",
		    argv[0]);
}

int cmd_validate(int argc, char **argv)
{
	int json = 0;
	const struct option_spec options[] = {
		OPT_BOOL(0, "json", &json, "print the result as JSON"),
		OPT_END(),
	};
	struct validation v;
	struct diag_list unreported = DIAG_LIST_INIT;
	struct graft_repo repo;
	char *config_path, *lock_path, *config_label, *lock_label;
	unsigned what;
	int rc;

	memset(&v, 0, sizeof(v));
	argc = parse_options(argc, argv, options, validate_usage, 0);
	what = (unsigned)parse_what(argc, argv, options);
	if ((rc = repo_open(&repo, REPO_NEED_WORKTREE)) < 0)
		return graft_error_report(rc);
	config_path = repo_path(&repo, CONFIG_FILE);
	lock_path = repo_path(&repo, LOCK_FILE);
	config_label = repo_display_path(&repo, CONFIG_FILE);
	lock_label = repo_display_path(&repo, LOCK_FILE);

	v.config_exists = path_exists(config_path);
	v.lock_exists = path_exists(lock_path);
	/* the lock is checked against the declarations, so read both */
	config_read_file(&v.cfg, config_path, config_label,
			 (what & CHECK_CONFIG) ? &v.files : &unreported);
	if (what & CHECK_CONFIG)
		check_config_present(&v, &repo, config_label);
	/* integrity is checked against the lock, so it must be readable */
	if (what & (CHECK_LOCK | CHECK_INTEGRITY))
		lock_read_file(&v.lock, lock_path, lock_label, &v.files);
	if (what & CHECK_LOCK) {
		check_lock_present(&v, lock_label, what == CHECK_LOCK);
		check_lock_declared(&v, lock_label);
		check_declared_locked(&v, config_label);
		if ((rc = check_locked_commits(&v, &repo, lock_label)) < 0)
			goto done;
	}
	if ((what & CHECK_INTEGRITY) && !v.files.nr &&
	    (rc = check_integrity(&v, &repo)) < 0)
		goto done;

	diag_sort(&v.files);
	if (json)
		rc = print_json(&v, what);
	else
		print_human(&v, what, config_label, lock_label);
	if (!rc && v.files.nr)
		rc = GRAFT_EFAIL;
	else if (!rc && v.mismatches_nr)
		rc = GRAFT_EINTEGRITY;
	if (rc == GRAFT_EINTEGRITY && !json)
		out_hint("'git graft sync' checks out and records the locked commits; 'git graft resolve' clones what is missing");
done:
	validation_release(&v);
	diag_list_release(&unreported);
	free(config_path);
	free(lock_path);
	free(config_label);
	free(lock_label);
	repo_close(&repo);
	return graft_error_report(rc);
}
