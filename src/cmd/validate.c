#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "config.h"
#include "diag.h"
#include "error.h"
#include "lock.h"
#include "names.h"
#include "options.h"
#include "output.h"
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

struct validation {
	struct graft_config cfg;
	struct graft_lock lock;
	struct diag_list files;		/* invalid graft.ini or graft.lock */
	int config_read, lock_read;
};

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
	diag_print(&v->files);
	if (v->files.nr)
		return;
	if (what & CHECK_CONFIG)
		printf("%s: ok (%zu dependenc%s, %zu command%s, %zu change%s)\n",
		       config_label, v->cfg.deps_nr,
		       v->cfg.deps_nr == 1 ? "y" : "ies", v->cfg.commands_nr,
		       v->cfg.commands_nr == 1 ? "" : "s", v->cfg.changes_nr,
		       v->cfg.changes_nr == 1 ? "" : "s");
	if (what & CHECK_LOCK)
		printf("%s: ok (%zu locked)\n", lock_label, v->lock.nr);
}

static int print_json(const struct validation *v)
{
	json_t *root = json_object();

	json_object_set_new(root, "valid", json_boolean(!v->files.nr));
	json_object_set_new(root, "errors", diag_to_json(&v->files));
	return output_json(root);
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
	struct validation v = { GRAFT_CONFIG_INIT, GRAFT_LOCK_INIT,
				DIAG_LIST_INIT, 0, 0 };
	struct diag_list unreported = DIAG_LIST_INIT;
	struct graft_repo repo;
	char *config_path, *lock_path, *config_label, *lock_label;
	unsigned what;
	int rc;

	argc = parse_options(argc, argv, options, validate_usage, 0);
	what = (unsigned)parse_what(argc, argv, options);
	if ((rc = repo_open(&repo, REPO_NEED_WORKTREE)) < 0)
		return graft_error_report(rc);
	config_path = repo_path(&repo, CONFIG_FILE);
	lock_path = repo_path(&repo, LOCK_FILE);
	config_label = repo_display_path(&repo, CONFIG_FILE);
	lock_label = repo_display_path(&repo, LOCK_FILE);

	/* the lock is checked against the declarations, so read both */
	config_read_file(&v.cfg, config_path, config_label,
			 (what & CHECK_CONFIG) ? &v.files : &unreported);
	if (what & CHECK_LOCK) {
		lock_read_file(&v.lock, lock_path, lock_label, &v.files);
		check_lock_declared(&v, lock_label);
	}

	diag_sort(&v.files);
	if (json)
		rc = print_json(&v);
	else
		print_human(&v, what, config_label, lock_label);
	if (!rc && v.files.nr)
		rc = GRAFT_EFAIL;

	config_release(&v.cfg);
	lock_release(&v.lock);
	diag_list_release(&v.files);
	diag_list_release(&unreported);
	free(config_path);
	free(lock_path);
	free(config_label);
	free(lock_label);
	repo_close(&repo);
	return graft_error_report(rc);
}
