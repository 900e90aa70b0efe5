/*
 * git graft run: list the commands graft.ini files declare, or run one.
 *
 * A dependency's commands are read from its graft.ini at the commit
 * graft.lock pins, not from its work tree: that is the file an upgrade
 * reads too, and the one the project locked and committed, so what runs
 * is what history shows, and an edit under .graft/<name> cannot change it
 * unnoticed. The work tree still holds the files such a command uses, so
 * a checkout away from the locked commit gets a warning.
 *
 * run changes nothing by itself: it takes no operation lock and runs
 * while an interrupted upgrade is pending, with a warning.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "cmd/describe.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "deps/dep_checkout.h"
#include "deps/dep_refs.h"
#include "deps/deps.h"
#include "error.h"
#include "exec.h"
#include "formats/names.h"
#include "ops/cmdenv.h"
#include "ops/guard.h"
#include "ops/project.h"

static const char *const run_usage[] = {
	"git graft run [-v | --verbose | --json]",
	"git graft run <command> [<args>...]",
	"git graft run <dependency>:<command> [<args>...]",
	"git graft <dependency>:<command> [<args>...]",
	"",
	"Without a command, lists the commands of this project's graft.ini and",
	"those of each resolved dependency's graft.ini at its locked commit;",
	"-v shows each one whole: its script, working_dir, timeout and env.",
	"",
	"Runs a command as /bin/sh -c '<run>' with <args> as \"$1\"..., from the top",
	"of the work tree (or its working_dir), with git-graft's stdin and terminal,",
	"the variables its env sets, GRAFT_ROOT and, for a dependency's command,",
	"GRAFT_DEP_NAME and GRAFT_DEP_PATH. Options after the command's name are",
	"the command's own.",
	"Exits with its status: 128+N when signal N ended it, 124 when its timeout",
	"expired.",
	NULL,
};

/* Exit status when a command's timeout expired, as timeout(1) has it. */
#define TIMEOUT_STATUS 124
/* The widest name the listing aligns descriptions after. */
#define NAME_COLUMN_MAX 32
/* Commands a hint names before it says "and N more". */
#define HINT_NAMES_MAX 10

/* A resolved dependency's commands: its graft.ini at the locked commit. */
struct dep_commands {
	struct dep dep;
	const struct lock_entry *locked;
	git_oid commit;
	char short_commit[8];
	struct graft_config cfg;
};

static void dep_commands_release(struct dep_commands *dc)
{
	config_release(&dc->cfg);
	dep_release(&dc->dep);
}

/* "kb, other and 3 more": the names of what graft.lock holds. */
static void add_locked_names(struct strbuf *sb, const struct graft_lock *lock)
{
	size_t i;

	for (i = 0; i < lock->nr && i < HINT_NAMES_MAX; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", lock->entries[i].name);
	if (lock->nr > HINT_NAMES_MAX)
		strbuf_addf(sb, " and %zu more", lock->nr - HINT_NAMES_MAX);
}

/* name's entry in graft.lock; an error naming those there are if none. */
static int find_locked(const struct lock_entry **out, const struct project *p,
		       const char *name)
{
	struct strbuf names = STRBUF_INIT;
	char *q;
	int rc;

	if ((*out = lock_find(&p->lock, name)))
		return 0;
	q = name_quoted(name);
	if (config_find_dependency(&p->cfg, name)) {
		rc = graft_error("dependency %s is declared in graft.ini but not resolved",
				 q);
		graft_error_hint("'git graft resolve' clones and locks it");
	} else if (p->lock.nr) {
		add_locked_names(&names, &p->lock);
		rc = graft_error("there is no dependency %s", q);
		graft_error_hint("the resolved dependencies are %s", names.buf);
	} else {
		rc = graft_error("there is no dependency %s", q);
		graft_error_hint("no dependency is resolved; 'git graft add <name> <source>' adds one");
	}
	strbuf_release(&names);
	free(q);
	return rc;
}

/* The dependency's repository, with its locked commit in it. */
static int load_dep(struct dep_commands *dc, const struct project *p,
		    const char *name)
{
	int rc;

	if ((rc = find_locked(&dc->locked, p, name)) < 0 ||
	    (rc = project_read_dep(&dc->dep, p, name)) < 0)
		return rc;
	if (git_oid_fromstr(&dc->commit, dc->locked->commit) < 0)
		return graft_error_git(GRAFT_EFATAL, "invalid commit for %s in %s",
				       name, LOCK_FILE);
	short_id(dc->short_commit, &dc->commit);
	if (!dep_has_commit(&dc->dep, &dc->commit)) {
		rc = graft_error("the locked commit %s of %s is not in %s",
				 dc->short_commit, name, dc->dep.shown);
		graft_error_hint("'git graft resolve' fetches it");
	}
	return rc;
}

/* Its graft.ini at the locked commit; problems printed as file:line. */
static int read_dep_config(struct dep_commands *dc)
{
	return project_dep_config(&dc->cfg, &dc->dep, &dc->commit,
				  dc->short_commit);
}

/* The command will use files of another commit than the one it is from. */
static int warn_checkout(struct dep_commands *dc)
{
	char id[8];
	git_oid head;
	int rc = dep_head(&head, &dc->dep);

	if (rc < 0)
		return rc;
	graft_error_clear();
	if (rc == 0 && git_oid_equal(&head, &dc->commit))
		return 0;
	out_warning("%s is checked out at %s, not at its locked commit %s",
		    dc->dep.shown, rc == 0 ? short_id(id, &head) : "nothing",
		    dc->short_commit);
	out_hint("'git graft sync' checks the locked commit out");
	return 0;
}

/* ---- listing ------------------------------------------------------------ */

struct listing {
	struct dep_commands *deps;	/* the dependencies that could be read */
	size_t nr;
	int invalid;			/* a dependency's graft.ini is not */
};

/* The error pending as a warning: the listing goes on without it. */
static void warn_pending_error(void)
{
	out_warning("%s", graft_error_message());
	if (graft_error_hints())
		out_hint("%s", graft_error_hints());
	graft_error_clear();
}

/*
 * Read every locked dependency's commands. One that cannot be read is
 * left out with a warning, as status would show it; one whose graft.ini
 * is invalid is an error (exit 1) after the listing.
 */
static int read_all(struct listing *l, const struct project *p)
{
	size_t i;
	int rc;

	for (i = 0; i < p->cfg.deps_nr; i++)
		if (!lock_find(&p->lock, p->cfg.deps[i].name))
			out_warning("%s is declared in graft.ini but not resolved; its commands are not known",
				    p->cfg.deps[i].name);
	l->deps = xcalloc(p->lock.nr + 1, sizeof(*l->deps));
	for (i = 0; i < p->lock.nr; i++) {
		struct dep_commands *dc = &l->deps[l->nr];
		int loaded;

		rc = load_dep(dc, p, p->lock.entries[i].name);
		loaded = rc == 0;
		if (loaded)
			rc = read_dep_config(dc);
		if (rc == 0) {
			l->nr++;
			continue;
		}
		dep_commands_release(dc);
		if (rc != GRAFT_EFAIL)
			return rc;
		if (loaded) {
			/* its file:line errors are printed; now the summary */
			graft_error_report(rc);
			l->invalid = 1;
		} else {
			warn_pending_error();
		}
	}
	return 0;
}

static void listing_release(struct listing *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		dep_commands_release(&l->deps[i]);
	free(l->deps);
}

/* "kb:migrate", or "test" for the project's own. */
static void add_run_name(struct strbuf *sb, const char *dep, const char *name)
{
	if (dep)
		strbuf_addf(sb, "%s:", dep);
	strbuf_addstr(sb, name);
}

static size_t name_width(const char *dep, const struct graft_config *cfg,
			 size_t width)
{
	struct strbuf name = STRBUF_INIT;
	size_t i;

	for (i = 0; i < cfg->commands_nr; i++) {
		strbuf_reset(&name);
		add_run_name(&name, dep, cfg->commands[i].name);
		if (name.len > width)
			width = name.len > NAME_COLUMN_MAX ? NAME_COLUMN_MAX :
				name.len;
	}
	strbuf_release(&name);
	return width;
}

/*
 *   kb:migrate    Rename the API
 *
 * or, verbose, the name alone, then every field of the command below it.
 */
static void print_commands(const char *dep, const struct graft_config *cfg,
			   size_t width, int verbose)
{
	struct strbuf name = STRBUF_INIT;
	size_t i;

	for (i = 0; i < cfg->commands_nr; i++) {
		const struct graft_command *c = &cfg->commands[i];
		size_t pad;

		strbuf_reset(&name);
		add_run_name(&name, dep, c->name);
		printf("  %s%s%s", color(stdout, COLOR_BOLD), name.buf,
		       color(stdout, COLOR_RESET));
		if (verbose) {
			putchar('\n');
			describe_command(c, 4);
			continue;
		}
		if (c->description) {
			/* a name past the column pushes its description on */
			pad = name.len < width ? width - name.len : 0;
			printf("%*s", (int)pad + 2, "");
			out_indented(stdout, c->description, 2 + width + 2);
		}
		putchar('\n');
	}
	strbuf_release(&name);
}

static void print_human(const struct listing *l, const struct project *p,
			int verbose)
{
	size_t width = name_width(NULL, &p->cfg, 0), i;
	char *file = project_display(p, CONFIG_FILE);
	int any = p->cfg.commands_nr > 0;

	for (i = 0; i < l->nr; i++)
		width = name_width(l->deps[i].dep.name, &l->deps[i].cfg, width);
	if (p->cfg.commands_nr) {
		printf("Commands of this project (%s):\n", file);
		print_commands(NULL, &p->cfg, width, verbose);
	}
	for (i = 0; i < l->nr; i++) {
		const struct dep_commands *dc = &l->deps[i];

		if (!dc->cfg.commands_nr)
			continue;
		any = 1;
		printf("Commands of %s at ", dc->dep.name);
		out_sanitized(stdout, dc->locked->ref);
		printf(" (%s):\n", dc->short_commit);
		print_commands(dc->dep.name, &dc->cfg, width, verbose);
	}
	if (!any)
		printf("No commands; declare one in %s as [command \"<name>\"]\n",
		       file);
	free(file);
}

static json_t *command_json(const char *dep, const git_oid *commit,
			    const struct graft_command *c)
{
	struct strbuf name = STRBUF_INIT;
	char id[GIT_OID_HEXSZ + 1];
	json_t *o;

	add_run_name(&name, dep, c->name);
	if (commit)
		git_oid_tostr(id, sizeof(id), commit);
	o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		      "name", json_text(name.buf),
		      "dependency", json_text(dep),
		      "command", json_text(c->name),
		      "commit", json_text(commit ? id : NULL),
		      "description", json_text(c->description),
		      "run", json_text(c->run),
		      "working_dir", json_text(c->working_dir),
		      "timeout", c->timeout ? json_integer(c->timeout) : json_null(),
		      "env", describe_env_json(c));
	strbuf_release(&name);
	return o;
}

static int print_json(const struct listing *l, const struct project *p)
{
	json_t *list = json_array();
	size_t i, j;

	for (j = 0; j < p->cfg.commands_nr; j++)
		json_array_append_new(list, command_json(NULL, NULL,
							 &p->cfg.commands[j]));
	for (i = 0; i < l->nr; i++)
		for (j = 0; j < l->deps[i].cfg.commands_nr; j++)
			json_array_append_new(list, command_json(
				l->deps[i].dep.name, &l->deps[i].commit,
				&l->deps[i].cfg.commands[j]));
	return output_json(json_pack("{s:o}", "commands", list));
}

static int list_commands(struct project *p, int json, int verbose)
{
	struct listing l = { NULL, 0, 0 };
	int rc;

	if ((rc = read_all(&l, p)) == 0) {
		if (json)
			rc = print_json(&l, p);
		else
			print_human(&l, p, verbose);
	}
	/* the other commands are listed; an invalid file still fails */
	if (rc == 0 && l.invalid)
		rc = GRAFT_EFAIL;
	listing_release(&l);
	return rc;
}

/* ---- running ------------------------------------------------------------ */

/* What `git graft run <spec>` names. */
struct target {
	char *dep;			/* NULL: the project's own command */
	char *name;
	char *shown;			/* "'kb:migrate'", for messages */
	struct dep_commands dc;
	const struct graft_config *cfg;	/* where it is declared */
	char *where;			/* that file, for messages */
};

static void target_release(struct target *t)
{
	dep_commands_release(&t->dc);
	free(t->dep);
	free(t->name);
	free(t->shown);
	free(t->where);
}

/* "<dependency>:<command>" or "<command>"; names hold no ':'. */
static int parse_target(struct target *t, const char *spec)
{
	const char *colon = strchr(spec, ':');
	struct strbuf shown = STRBUF_INIT;
	int rc;

	t->dep = colon ? xstrndup(spec, (size_t)(colon - spec)) : NULL;
	t->name = xstrdup(colon ? colon + 1 : spec);
	if ((t->dep && (rc = name_check(t->dep, "dependency name")) < 0) ||
	    (rc = name_check(t->name, "command name")) < 0) {
		graft_error_hint("'git graft run' lists the commands");
		return rc;
	}
	strbuf_addch(&shown, '\'');
	add_run_name(&shown, t->dep, t->name);
	strbuf_addch(&shown, '\'');
	t->shown = strbuf_detach(&shown);
	return 0;
}

/* "test, lint and 3 more": the commands cfg declares, run as they run. */
static void add_command_names(struct strbuf *sb, const char *dep,
			      const struct graft_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->commands_nr && i < HINT_NAMES_MAX; i++) {
		strbuf_addstr(sb, i ? ", " : "");
		add_run_name(sb, dep, cfg->commands[i].name);
	}
	if (cfg->commands_nr > HINT_NAMES_MAX)
		strbuf_addf(sb, " and %zu more", cfg->commands_nr - HINT_NAMES_MAX);
}

static int find_command(const struct graft_command **out, struct target *t)
{
	struct strbuf names = STRBUF_INIT;
	char *q;
	int rc;

	if ((*out = config_find_command(t->cfg, t->name)))
		return 0;
	q = name_quoted(t->name);
	rc = graft_error("%s declares no command %s", t->where, q);
	if (t->cfg->commands_nr) {
		add_command_names(&names, t->dep, t->cfg);
		graft_error_hint("its commands are %s", names.buf);
	} else {
		graft_error_hint("it declares no commands");
	}
	graft_error_hint("'git graft run' lists every command");
	strbuf_release(&names);
	free(q);
	return rc;
}

/* Find where the command is declared: graft.ini, or the dependency's. */
static int load_target(struct target *t, struct project *p)
{
	struct strbuf where = STRBUF_INIT;
	int rc;

	if (!t->dep) {
		t->cfg = &p->cfg;
		t->where = project_display(p, CONFIG_FILE);
		return 0;
	}
	if ((rc = load_dep(&t->dc, p, t->dep)) < 0 ||
	    (rc = read_dep_config(&t->dc)) < 0 ||
	    (rc = warn_checkout(&t->dc)) < 0)
		return rc;
	t->cfg = &t->dc.cfg;
	strbuf_addf(&where, "%s@%s:%s", t->dep, t->dc.short_commit, CONFIG_FILE);
	t->where = strbuf_detach(&where);
	return 0;
}

/*
 * git-graft's exit status after the command, as a shell gives it: the
 * command's own; 128 + N when signal N ended it, or when git-graft got
 * SIGHUP, SIGINT, SIGQUIT or SIGTERM and passed it on (as for an
 * interrupted upgrade); 124 when its timeout expired, as timeout(1) has it. An end
 * the command did not choose is told on stderr, but for ^C and a closed
 * pipe, which shells do not report either; its own failures it tells
 * itself.
 */
static int command_status(const struct exec_result *res,
			  const struct exec_cmd *cmd, const char *shown)
{
	struct strbuf how = STRBUF_INIT;
	int sig = res->interrupted ? res->interrupted : res->signal, status;

	if (res->timed_out)
		status = TIMEOUT_STATUS;
	else if (sig)
		status = 128 + sig;
	else
		return res->exit_code;
	if (res->timed_out || (sig != SIGINT && sig != SIGPIPE)) {
		exec_describe(res, cmd, &how);
		out_error("%s %s", shown, how.buf);
	}
	strbuf_release(&how);
	return status;
}

static int run_command(struct target *t, struct project *p,
		       const struct graft_command *c, char **args)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct cmdenv env = CMDENV_INIT;
	char *dir = NULL, *dep_path = NULL;
	int rc;

	if ((rc = cmdenv_dir(&dir, p->repo.workdir, c, t->shown)) < 0)
		return rc;
	if (t->dep)
		dep_path = dep_worktree_dir(&t->dc.dep);
	cmdenv_init(&env, c, p->repo.workdir, t->dep, dep_path);
	cmd.script = c->run;
	cmd.args = (const char *const *)args;
	cmd.cwd = dir;
	cmd.env = cmdenv_items(&env);
	cmd.timeout = (unsigned)c->timeout;
	cmd.interactive = 1;
	if ((rc = exec_shell(&cmd, &res)) == 0)
		rc = command_status(&res, &cmd, t->shown);
	exec_result_release(&res);
	cmdenv_release(&env);
	free(dep_path);
	free(dir);
	return rc;
}

static int run_target(const char *spec, char **args)
{
	const struct graft_command *c;
	struct target t;
	struct project p;
	int rc;

	memset(&t, 0, sizeof(t));
	project_init(&p);
	if ((rc = parse_target(&t, spec)) == 0 &&
	    (rc = project_open(&p, 0)) == 0 &&
	    (rc = guard_warn_pending(&p.repo)) == 0 &&
	    (rc = load_target(&t, &p)) == 0 &&
	    (rc = find_command(&c, &t)) == 0)
		rc = run_command(&t, &p, c, args);
	target_release(&t);
	project_close(&p);
	return graft_error_report(rc);
}

static int run_listing(int json, int verbose)
{
	struct project p;
	int rc;

	project_init(&p);
	if ((rc = project_open(&p, 0)) == 0 &&
	    (rc = guard_warn_pending(&p.repo)) == 0)
		rc = list_commands(&p, json, verbose);
	project_close(&p);
	return graft_error_report(rc);
}

int cmd_run(int argc, char **argv)
{
	int json = 0, verbose = 0;
	const struct option_spec options[] = {
		OPT_BOOL('v', "verbose", &verbose,
			 "list each command whole: script, working_dir, timeout, env"),
		OPT_BOOL(0, "json", &json, "list the commands as JSON"),
		OPT_END(),
	};

	/* `git graft kb:test ...` (see main): every argument is the command's */
	if (strchr(argv[0], ':'))
		return run_target(argv[0], argv + 1);
	argc = parse_options(argc, argv, options, run_usage,
			     PARSE_OPT_STOP_AT_NON_OPTION);
	if (json && verbose)
		usage_error(run_usage, options,
			    "--json and --verbose cannot be used together");
	if (!argc)
		return run_listing(json, verbose);
	if (json || verbose)
		usage_error(run_usage, options,
			    "--%s lists the commands; it takes no command name",
			    json ? "json" : "verbose");
	return run_target(argv[0], argv + 1);
}
