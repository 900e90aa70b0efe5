/*
 * The atomic upgrade (docs/design.md). The order of the steps is the design:
 *
 *   checks      nothing is touched until every one has passed
 *   snapshot    durable (objects and ref fsync'd) before anything moves
 *   autostash   tracked changes set aside only once the snapshot has them
 *   move        .graft/<dep> checked out at the target (--stepwise: at
 *               each change's commit before its commands, the last
 *               change's at the target)
 *   commands    each change's migration, then verification, oldest first
 *               (--commit-per-change: each change then committed)
 *   lock        graft.lock written atomically
 *   commit      what the upgrade changed, and nothing untracked before
 *   ref         the snapshot ref deleted: from here the upgrade stands
 *   autostash   brought back
 *
 * A failure anywhere from the move to the commit, and SIGHUP, SIGINT,
 * SIGQUIT or SIGTERM at any point, goes back to the snapshot
 * (rollback_to_snapshot), the commits of a series with it. With
 * --stop-on-failure a failing command stops instead (upgrade_state.h),
 * and --continue or --skip take it up at that change again.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "crashpoint.h"
#include "deps/dep_checkout.h"
#include "deps/dep_clone.h"
#include "deps/dep_gitlink.h"
#include "deps/dep_refs.h"
#include "error.h"
#include "exec.h"
#include "fileio.h"
#include "formats/lock.h"
#include "formats/names.h"
#include "formats/trailers.h"
#include "ident.h"
#include "iso8601.h"
#include "ops/cmdenv.h"
#include "ops/guard.h"
#include "ops/rollback.h"
#include "ops/upgrade.h"
#include "ops/upgrade_stage.h"
#include "pathlist.h"
#include "report.h"
#include "snapshot/autostash.h"
#include "snapshot/prior.h"
#include "snapshot/scan.h"
#include "snapshot/upgrade_state.h"
#include "snapshot/watch.h"
#include "strbuf.h"

/* Dirty paths an error lists before it says "and N more". */
#define DIRTY_PATHS_SHOWN 10

/* The target, from fetched data, fetching once if it is not known. */
static int resolve_target(struct upgrade_plan *plan)
{
	char *name = NULL;
	int rc = dep_resolve_rev(&plan->to, &name, &plan->dep, plan->to_ref);

	if (rc == 1) {
		graft_error_clear();
		if ((rc = dep_fetch(&plan->dep, plan->decl->source)) < 0)
			return rc;
		if ((rc = dep_resolve_rev(&plan->to, &name, &plan->dep,
					  plan->to_ref)) == 1)
			graft_error_hint("'git graft fetch %s' brings what the source has; 'git graft changes %s' lists its changes",
					 plan->name, plan->name);
	}
	if (rc == 0) {
		free(plan->to_ref);
		plan->to_ref = name;
	}
	return rc == 1 ? GRAFT_EFAIL : rc;
}

static int read_locked(struct upgrade_plan *plan, const struct project *p)
{
	const struct lock_entry *locked = lock_find(&p->lock, plan->name);
	char *q;
	int rc;

	if (!locked) {
		q = name_quoted(plan->name);
		rc = graft_error("%s is not locked in graft.lock", q);
		graft_error_hint("'git graft resolve' locks it");
		free(q);
		return rc;
	}
	plan->from_ref = xstrdup(locked->ref);
	if (git_oid_fromstr(&plan->from, locked->commit) < 0)
		return graft_error_git(GRAFT_EFATAL, "graft.lock: bad commit for %s",
				       plan->name);
	if (!dep_has_commit(&plan->dep, &plan->from)) {
		rc = graft_error("graft.lock pins %s at %s, a commit its repository does not have",
				 plan->name, locked->commit);
		graft_error_hint("'git graft fetch %s' fetches it, if the source still has it",
				 plan->name);
		return rc;
	}
	return 0;
}

/* Every change in the range must resolve, or the range is not known. */
static int check_unresolved(const struct upgrade_plan *plan)
{
	const struct dep_change_list *l = &plan->changes;
	size_t i;
	int rc;

	if (!l->unresolved)
		return 0;
	for (i = 0; i < l->unresolved; i++)
		graft_report_error("%s@%s:graft.ini:%d: change '%s' names no commit of %s",
				   plan->name, plan->to_ref,
				   l->unresolved_changes[i]->line,
				   l->unresolved_changes[i]->ref, plan->name);
	rc = graft_error("cannot tell which changes of %s lie between %s and %s",
			 plan->name, plan->from_ref, plan->to_ref);
	graft_error_hint("the graft.ini belongs to %s: its maintainers have to fix it; 'git graft apply %s --to %s' moves it without running any change",
			 plan->name, plan->name, plan->to_ref);
	return rc;
}

/* The target's graft.ini, and the changes it declares from plan->from. */
static int plan_changes(struct upgrade_plan *plan)
{
	int rc;

	if ((rc = project_dep_config(&plan->target_cfg, &plan->dep, &plan->to,
				     plan->to_ref)) < 0 ||
	    (rc = dep_changes_between(&plan->changes, &plan->dep,
				      &plan->target_cfg, &plan->from,
				      &plan->to)) < 0)
		return rc;
	return check_unresolved(plan);
}

/*
 * An upgrade goes forward: to a descendant of the locked commit, or at
 * least across changes that say how. A move back would run no migration
 * backwards and leave the code on the newer API.
 */
static int check_direction(struct upgrade_plan *plan,
			   const struct upgrade_opts *opts)
{
	git_repository *repo = plan->dep.repo;
	char from[8], to[8];
	int back, forward, rc;

	back = git_graph_descendant_of(repo, &plan->from, &plan->to);
	forward = back == 0 ? git_graph_descendant_of(repo, &plan->to,
						      &plan->from) : 0;
	if (back < 0 || forward < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot compare %s and %s in %s",
				       plan->from_ref, plan->to_ref, plan->name);
	plan->downgrade = back || (!forward && !plan->changes.nr);
	if (!plan->downgrade || opts->allow_downgrade)
		return 0;
	short_id(from, &plan->from);
	short_id(to, &plan->to);
	if (back)
		rc = graft_error("%s (%s) is older than the locked %s (%s) of %s: that is a downgrade, not an upgrade",
				 plan->to_ref, to, plan->from_ref, from, plan->name);
	else
		rc = graft_error("%s (%s) does not descend from the locked %s (%s) of %s, and no change lies in between: that is no upgrade",
				 plan->to_ref, to, plan->from_ref, from, plan->name);
	graft_error_hint("to undo an upgrade of %s, 'git graft rollback %s'",
			 plan->name, plan->name);
	graft_error_hint("to move %s there without running anything, 'git graft apply %s --to %s'",
			 plan->name, plan->name, plan->to_ref);
	graft_error_hint("to commit it as a downgrade anyway, pass --allow-downgrade");
	return rc;
}

int upgrade_plan(struct upgrade_plan *plan, struct project *p,
		 const char *name, const struct upgrade_opts *opts)
{
	int rc;

	plan->name = name;
	if ((rc = name_check(name, "dependency name")) < 0 ||
	    (opts->to && (rc = rev_check(opts->to, "--to")) < 0) ||
	    (rc = project_declared(&plan->decl, p, name)) < 0 ||
	    (rc = project_read_dep(&plan->dep, p, name)) < 0 ||
	    (rc = read_locked(plan, p)) < 0)
		return rc;
	if (opts->to) {
		plan->to_ref = xstrdup(opts->to);
	} else if ((rc = dep_tracked_ref(&plan->to_ref, &plan->dep,
					 plan->decl->ref)) != 0) {
		if (rc == 1) {
			rc = graft_error("cannot tell which branch of %s to follow", name);
			graft_error_hint("'git graft fetch %s' learns the source's default branch, or pass --to <ref>",
					 name);
		}
		return rc;
	}
	if ((rc = resolve_target(plan)) < 0)
		return rc;
	plan->up_to_date = git_oid_equal(&plan->from, &plan->to);
	if (plan->up_to_date)
		return 0;
	if ((rc = plan_changes(plan)) < 0)
		return rc;
	return check_direction(plan, opts);
}

void upgrade_plan_release(struct upgrade_plan *plan)
{
	dep_change_list_release(&plan->changes);
	config_release(&plan->target_cfg);
	dep_release(&plan->dep);
	free(plan->from_ref);
	free(plan->to_ref);
}

const struct graft_command *upgrade_plan_command(const struct upgrade_plan *plan,
						  const char *name)
{
	/* the target's graft.ini is valid: the commands it names are there */
	return name ? config_find_command(&plan->target_cfg, name) : NULL;
}

const char *upgrade_commit_subject(struct strbuf *sb,
				   const struct upgrade_plan *plan,
				   const size_t *i)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "graft: %s %s %s -> %s",
		    plan->downgrade ? "downgrade" : "upgrade", plan->name,
		    plan->from_ref, plan->to_ref);
	if (i)
		strbuf_addf(sb, " (%zu/%zu: %s)", *i + 1, plan->changes.nr,
			    plan->changes.items[*i].change->ref);
	return sb->buf;
}

const git_oid *upgrade_step_commit(const struct upgrade_plan *plan, size_t i)
{
	return i + 1 == plan->changes.nr ? &plan->to :
	       &plan->changes.items[i].commit;
}

const char *upgrade_step_ref(const struct upgrade_plan *plan, size_t i)
{
	return i + 1 == plan->changes.nr ? plan->to_ref :
	       plan->changes.items[i].change->ref;
}

/* One upgrade under way. */
struct upgrade {
	struct project *p;
	struct upgrade_plan *plan;
	const struct upgrade_opts *opts;
	struct upgrade_outcome *out;
	git_signature *author, *committer;
	struct commit_setup commit;	/* hooks, signing */
	struct scan before;
	/* untracked and ignored before: own_prior, or a stopped upgrade's */
	const struct prior_files *prior;
	struct prior_files own_prior;
	/*
	 * What changes in the work tree from the scan before the snapshot
	 * on: the restore or the commit looks at that instead of scanning
	 * everything again. A --continue has none: it scans everything.
	 */
	struct watch watch;
	struct snapshot snap;
	int dirty;		/* tracked changes: autostash them */
	int stashed;
	git_oid stash;
	int index_touched;	/* the index in memory may differ from its file */
	/* the commands --skip-* left out, for the commit's trailers */
	struct graft_skipped *skipped;
	size_t skipped_nr, skipped_alloc;
	git_oid head;		/* where HEAD is: the snapshot's, then the
				 * newest commit of a series */
	git_oid dep_at;		/* where .graft/<dep> is checked out */
	/* the command that failed, for --stop-on-failure */
	int command_failed;
	size_t failed_change;
	enum upgrade_step failed_step;
	const char *failed_command;
	struct upgrade_state *resumed;	/* --continue, --skip: its stop */
};

/* Where the work on a change starts. */
enum change_from {
	FROM_MIGRATION,		/* the beginning */
	FROM_VERIFY,		/* its verification (--continue) */
	FROM_COMMIT,		/* past its commands (--skip) */
};

static void read_watch(void *payload)
{
	watch_read(payload);
}

static int interrupted(void)
{
	int sig = exec_caught_signal();

	if (!sig)
		return 0;
	return graft_error_code(graft_signal_code(sig), "interrupted by %s",
				exec_signal_name(sig));
}

static int check_dep(struct upgrade *u)
{
	struct upgrade_plan *plan = u->plan;
	char want[8], have[8];
	git_oid head = {{0}};
	int dirty = 0, rc;

	if ((rc = dep_head(&head, &plan->dep)) < 0)
		return rc;
	if (rc == 1 || !git_oid_equal(&head, &plan->from)) {
		graft_error_clear();
		rc = graft_error("%s is not checked out at its locked commit %s (%s)%s%s",
				 plan->dep.shown, short_id(want, &plan->from),
				 plan->from_ref, rc == 1 ? "" : "; it is at ",
				 rc == 1 ? "" : short_id(have, &head));
		graft_error_hint("'git graft sync %s' checks it out at the locked commit",
				 plan->name);
		return rc;
	}
	if ((rc = dep_is_dirty(&dirty, &plan->dep)) < 0)
		return rc;
	if (dirty) {
		rc = graft_error("%s has changes of its own that are not committed",
				 plan->dep.shown);
		graft_error_hint("commit or discard them in %s first", plan->dep.shown);
	}
	return rc;
}

/* `git status --short` shows "unchanged" as a space, not porcelain v2's '.' */
static char short_status(char c)
{
	return c == '.' ? ' ' : c;
}

/* Refuse tracked changes unless --autostash; remember what is untracked. */
static int check_worktree(struct upgrade *u)
{
	const struct scan *s = &u->before;
	struct strbuf list = STRBUF_INIT;
	size_t i, shown = 0;
	int rc;

	watch_open(&u->watch);
	if ((rc = scan_worktree_watched(&u->before, &u->p->repo, SCAN_DETAILS,
					&u->watch)) < 0)
		return rc;
	prior_files_from_scan(&u->own_prior, s);

	if (s->conflicted) {
		rc = graft_error("the index has unmerged paths");
		graft_error_hint("resolve them and commit first");
		return rc;
	}
	u->dirty = s->staged || s->unstaged;
	if (!u->dirty)
		return 0;
	if (u->opts->autostash)
		return autostash_check(s);
	for (i = 0; i < s->nr; i++) {
		const struct scan_entry *e = &s->entries[i];

		if (scan_entry_untracked(e))
			continue;
		if (shown++ < DIRTY_PATHS_SHOWN)
			strbuf_addf(&list, "\n\t%c%c %s", short_status(e->staged),
				    short_status(e->unstaged), e->path);
	}
	if (shown > DIRTY_PATHS_SHOWN)
		strbuf_addf(&list, "\n\t... and %zu more",
			    shown - DIRTY_PATHS_SHOWN);
	rc = graft_error("the index or tracked files have uncommitted changes; the upgrade's commit would take them along:%s",
			 list.buf);
	graft_error_hint("commit or stash them, or pass --autostash to set them aside and bring them back after");
	graft_error_hint("untracked files need neither: the snapshot keeps them");
	strbuf_release(&list);
	return rc;
}

static int take_snapshot(struct upgrade *u)
{
	struct snapshot_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.dep = u->plan->name;
	spec.from_ref = u->plan->from_ref;
	git_oid_cpy(&spec.from, &u->plan->from);
	spec.to_ref = u->plan->to_ref;
	git_oid_cpy(&spec.to, &u->plan->to);
	spec.sig = u->committer;
	spec.dep_path = u->plan->dep.path;
	spec.watch = &u->watch;
	return snapshot_create(&u->snap, &u->p->repo, &spec, &u->before);
}

static void set_env(struct cmdenv *env, const char *name, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	cmdenv_set(env, name, hex);
}

/*
 * The output a failed command left: its last lines, indented under the
 * message, as git quotes a hook's.
 */
static void add_tail(struct strbuf *sb, const char *tail)
{
	const char *line = tail, *end;

	if (!*tail)
		return;
	strbuf_addstr(sb, "\nits last lines of output:");
	while (*line) {
		end = strchrnul(line, '\n');
		strbuf_addf(sb, "\n    %.*s", (int)(end - line), line);
		line = *end ? end + 1 : end;
	}
}

static int run_command(struct upgrade *u, const struct dep_change *ch,
		       const char *role, const char *name)
{
	const struct graft_command *c = upgrade_plan_command(u->plan, name);
	const char *root = u->p->repo.workdir;
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct cmdenv env = CMDENV_INIT;
	struct strbuf what = STRBUF_INIT, how = STRBUF_INIT;
	char *dir = NULL, *dep_path = dep_worktree_dir(&u->plan->dep);
	int rc;

	strbuf_addf(&what, "the %s '%s' of %s %s", role, c->name,
		    u->plan->name, ch->change->ref);
	if ((rc = cmdenv_dir(&dir, root, c, what.buf)) < 0)
		goto done;
	cmdenv_init(&env, c, root, u->plan->name, dep_path);
	cmdenv_set(&env, "GRAFT_FROM_REF", u->plan->from_ref);
	set_env(&env, "GRAFT_FROM_COMMIT", &u->plan->from);
	cmdenv_set(&env, "GRAFT_TO_REF", u->plan->to_ref);
	set_env(&env, "GRAFT_TO_COMMIT", &u->plan->to);
	cmdenv_set(&env, "GRAFT_CHANGE_REF", ch->change->ref);
	cmd.script = c->run;
	cmd.cwd = dir;
	cmd.env = cmdenv_items(&env);
	cmd.timeout = u->opts->has_timeout ? u->opts->timeout :
		      (unsigned)c->timeout;
	/* what it left running would write over what is put back, or commit */
	cmd.contain = 1;
	/* its changes are read as they come: the watch's queue is bounded */
	cmd.side_fd = watch_fd(&u->watch);
	cmd.side_read = read_watch;
	cmd.side_payload = &u->watch;
	/* with --json too: the JSON is on stdout, the commands' output on stderr */
	cmd.echo_fd = u->opts->quiet ? -1 : 2;
	graft_info("%s: running %s", u->plan->name, what.buf + strlen("the "));
	if ((rc = exec_shell(&cmd, &res)) < 0)
		goto done;
	if (res.interrupted) {
		rc = interrupted();
		graft_error_prefix("%s", what.buf);
	} else if (!exec_succeeded(&res)) {
		exec_describe(&res, &cmd, &how);
		/* what was shown as it came is not shown again */
		if (cmd.echo_fd < 0)
			add_tail(&how, res.tail);
		rc = graft_error("%s %s", what.buf, how.buf);
		u->command_failed = 1;
		u->failed_command = c->name;
	}
done:
	exec_result_release(&res);
	cmdenv_release(&env);
	strbuf_release(&what);
	strbuf_release(&how);
	free(dep_path);
	free(dir);
	return rc;
}

/* Record for the commit's trailers that a command of ch was left out. */
static void add_skipped(struct upgrade *u, const struct dep_change *ch,
			enum graft_skipped_command command)
{
	ALLOC_GROW(u->skipped, u->skipped_nr + 1, u->skipped_alloc);
	u->skipped[u->skipped_nr].command = command;
	u->skipped[u->skipped_nr++].change = ch->change->ref;
}

/*
 * Change i's migration or verification: run it or, when --skip-* says
 * not to, warn and record that for the commit's trailers.
 */
static int run_or_skip(struct upgrade *u, size_t i,
		       enum graft_skipped_command command)
{
	const struct dep_change *ch = &u->plan->changes.items[i];
	int verify = command == GRAFT_SKIPPED_VERIFY;
	const char *name = verify ? ch->change->verify : ch->change->migration;
	const char *role = verify ? "verification" : "migration";

	if (!name)
		return 0;
	if (!(verify ? u->opts->skip_verify : u->opts->skip_migration)) {
		u->failed_change = i;
		u->failed_step = verify ? UPGRADE_STEP_VERIFY :
			UPGRADE_STEP_MIGRATION;
		return run_command(u, ch, role, name);
	}
	graft_warning("%s %s: its %s '%s' is skipped (--skip-%s)", u->plan->name,
		      ch->change->ref, role, name, graft_skipped_name(command));
	add_skipped(u, ch, command);
	return 0;
}

/* Check the dependency out at id, unless it is there. */
static int move_dep(struct upgrade *u, const git_oid *id)
{
	int rc;

	if (git_oid_equal(&u->dep_at, id))
		return 0;
	if ((rc = dep_checkout(&u->plan->dep, id)) == 0)
		git_oid_cpy(&u->dep_at, id);
	return rc;
}

static int make_commit(struct upgrade *u, const size_t *change);
static int write_lock(struct upgrade *u);

/*
 * What stands once the changes have run: graft.lock, and the commit that
 * holds it (of the whole upgrade, or of the series' last change).
 */
static int commit_last(struct upgrade *u, const size_t *change)
{
	int rc;

	if ((rc = write_lock(u)) < 0)
		return rc;
	crash_point("after-lock");
	/*
	 * What the commands wrote and the dependency's new checkout, on
	 * disk before the branch moves: a power cut before that is an
	 * interrupted upgrade, rolled back; once the branch has moved, the
	 * upgrade is taken as committed, so its files must be there whole.
	 */
	if ((rc = interrupted()) < 0 ||
	    (rc = syncfs_path(u->p->repo.workdir)) < 0 ||
	    (rc = make_commit(u, change)) < 0)
		return rc;
	crash_point("after-commit");
	return 0;
}

/*
 * Change i, from where its work starts: --stepwise moves the dependency
 * to its step first; --commit-per-change commits it after.
 */
static int run_change(struct upgrade *u, size_t i, enum change_from from)
{
	int rc;

	if (from != FROM_COMMIT && u->opts->stepwise &&
	    ((rc = interrupted()) < 0 ||
	     (rc = move_dep(u, upgrade_step_commit(u->plan, i))) < 0))
		return rc;
	if (from == FROM_MIGRATION &&
	    ((rc = interrupted()) < 0 ||
	     (rc = run_or_skip(u, i, GRAFT_SKIPPED_MIGRATION)) < 0))
		return rc;
	if (from != FROM_COMMIT &&
	    ((rc = interrupted()) < 0 ||
	     (rc = run_or_skip(u, i, GRAFT_SKIPPED_VERIFY)) < 0))
		return rc;
	if (!u->opts->commit_per_change)
		return 0;
	if (i + 1 == u->plan->changes.nr)
		return commit_last(u, &i);
	if ((rc = interrupted()) < 0 || (rc = make_commit(u, &i)) < 0)
		return rc;
	crash_point("after-series-commit");
	return 0;
}

/*
 * The changes from the first, then what is committed: the lock and the
 * commit, unless the last change of a series made them.
 */
static int run_changes(struct upgrade *u, size_t first, enum change_from from)
{
	size_t i, n = u->plan->changes.nr;
	int rc;

	for (i = first; i < n; i++)
		if ((rc = run_change(u, i, i == first ? from : FROM_MIGRATION)) < 0)
			return rc;
	if (u->opts->commit_per_change && n)
		return interrupted();
	if ((rc = interrupted()) < 0 || (rc = move_dep(u, &u->plan->to)) < 0)
		return rc;
	return commit_last(u, NULL);
}

static int write_lock(struct upgrade *u)
{
	char hex[GIT_OID_HEXSZ + 1], now[32];
	char *path = repo_path(&u->p->repo, LOCK_FILE);
	int rc;

	git_oid_tostr(hex, sizeof(hex), &u->plan->to);
	iso8601_now(now, sizeof(now));
	if ((rc = lock_set(&u->p->lock, u->plan->name, u->plan->decl->source,
			   u->plan->to_ref, hex, now)) == 0)
		rc = lock_write_atomic(&u->p->lock, path);
	free(path);
	return rc;
}

static int stage_path(git_index *idx, const struct graft_repo *r,
		      const char *path)
{
	char *full = repo_path(r, path);
	int exists = path_exists(full), rc = 0;

	free(full);
	if (exists ? git_index_add_bypath(idx, path) < 0 :
	    (git_index_get_bypath(idx, path, 0) &&
	     git_index_remove_bypath(idx, path) < 0))
		rc = graft_error_git(GRAFT_EFATAL, "cannot stage %s", path);
	return rc;
}

/*
 * Stage what the upgrade changed (upgrade_stage.h) since HEAD, and, in
 * its last commit, the dependency's gitlink and graft.lock.
 */
static int stage_changes(struct upgrade *u, git_index *idx, int last)
{
	struct upgrade_stage s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.r = &u->p->repo;
	s.index = idx;
	s.snap = &u->snap;
	s.prior = u->prior;
	s.dep_path = u->plan->dep.path;
	s.changed = watch_changed(&u->watch);
	if ((rc = upgrade_stage_changes(&s)) == 0 && last &&
	    (rc = dep_stage_gitlink(idx, &u->plan->dep, &u->plan->to)) == 0)
		rc = stage_path(idx, &u->p->repo, LOCK_FILE);
	return rc;
}

/*
 * HEAD moved while the commands ran: by one of them, or by someone
 * working in the repository meanwhile. The commit it moved to stays
 * reachable from the attempt that keeps what the upgrade left.
 */
static int head_moved(struct upgrade *u, const git_oid *head)
{
	char hex[8];
	int rc;

	rc = graft_error("HEAD moved during the upgrade, to %s: a command, or someone working here meanwhile, made a commit or checked out another",
			 short_id(hex, head));
	graft_error_hint("the upgrade must be one commit on top of where it started; %s%s keeps the commit HEAD moved to",
			 ATTEMPT_REF_PREFIX, u->plan->name);
	return rc;
}

/*
 * The trailers of the commit, or of the commit of change *change of a
 * series: the commands left out of it. t->skipped is the caller's to
 * free, not its entries.
 */
static void fill_trailers(struct graft_trailers *t, const struct upgrade *u,
			  const size_t *change, char *from, char *to)
{
	const struct upgrade_plan *plan = u->plan;
	size_t i;

	t->action = GRAFT_ACTION_UPGRADE;
	t->dependency = (char *)plan->name;
	t->from_ref = plan->from_ref;
	t->from_commit = git_oid_tostr(from, GIT_OID_HEXSZ + 1, &plan->from);
	t->to_ref = plan->to_ref;
	t->to_commit = git_oid_tostr(to, GIT_OID_HEXSZ + 1, &plan->to);
	t->downgrade = plan->downgrade;
	t->skipped = xcalloc(u->skipped_nr + 1, sizeof(*t->skipped));
	for (i = 0; i < u->skipped_nr; i++)
		if (!change || !strcmp(u->skipped[i].change,
				       plan->changes.items[*change].change->ref))
			t->skipped[t->skipped_nr++] = u->skipped[i];
	if (!change)
		return;
	t->change = plan->changes.items[*change].change->ref;
	t->series_pos = (unsigned)*change + 1;
	t->series_len = (unsigned)plan->changes.nr;
}

/*
 * The upgrade's commit; with change, that of change *change of a series,
 * the last one holding the gitlink and graft.lock too.
 */
static int make_commit(struct upgrade *u, const size_t *change)
{
	struct graft_trailers t = GRAFT_TRAILERS_INIT;
	struct commit_request req;
	struct strbuf msg = STRBUF_INIT;
	char from[GIT_OID_HEXSZ + 1], to[GIT_OID_HEXSZ + 1];
	git_repository *repo = u->p->repo.repo;
	git_index *idx = u->p->index;
	git_commit *parent = NULL;
	git_oid head, made;
	int last = !change || *change + 1 == u->plan->changes.nr, rc;

	if (git_reference_name_to_id(&head, repo, "HEAD") < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read HEAD");
	if (!git_oid_equal(&head, &u->head))
		return head_moved(u, &head);
	/* what the commands did to the index file, if anything */
	if (git_index_read(idx, 0) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the index");
	u->index_touched = 1;
	if ((rc = stage_changes(u, idx, last)) < 0)
		return rc;
	if ((rc = repo_write_index(idx)) < 0)
		return rc;
	if (git_commit_lookup(&parent, repo, &head) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot record the upgrade");
	fill_trailers(&t, u, change, from, to);
	trailers_format_message(&msg, &t);
	req = (struct commit_request){
		.index = idx, .parent = parent, .author = u->author,
		.committer = u->committer, .message = msg.buf,
		.update_ref = "HEAD", .never_commit = &u->prior->paths,
	};
	if ((rc = commit_create(&made, &u->commit, &req)) == 0) {
		git_oid_cpy(&u->head, &made);
		git_oid_cpy(&u->out->commit, &made);
		u->out->commits++;
		u->out->committed = last;
	} else {
		graft_error_prefix("cannot commit the upgrade");
	}
	free(t.skipped);
	strbuf_release(&msg);
	git_commit_free(parent);
	return rc;
}

/* Everything between the snapshot and the commit. */
static int carry_out(struct upgrade *u)
{
	int rc;

	if (u->dirty) {
		u->index_touched = 1;
		if ((rc = autostash_save(&u->stash, &u->p->repo, u->committer,
					 &u->before, &u->snap)) < 0)
			return rc;
		u->stashed = 1;
	}
	if ((rc = interrupted()) < 0 ||
	    (rc = move_dep(u, u->opts->stepwise && u->plan->changes.nr ?
			   upgrade_step_commit(u->plan, 0) : &u->plan->to)) < 0)
		return rc;
	crash_point("after-checkout");
	return run_changes(u, 0, FROM_MIGRATION);
}

/*
 * After a failure: the repository back to the snapshot. The failure's
 * message stays the error; if going back fails too, that is said after
 * it and the ref is kept. p->lock, which the failed upgrade changed, is
 * read again from graft.lock as restored, since `--all` goes on with
 * it: if that fails, nothing more may be built on it (GRAFT_EFATAL
 * stops --all), and the reason is told before the failure's message.
 */
static int go_back(struct upgrade *u, int rc)
{
	struct graft_error_saved saved;
	int reload;

	rc = rollback_after_failure(&u->p->repo, &u->snap, rc, "upgrade",
				   u->index_touched ? u->p->index : NULL,
				   watch_changed(&u->watch));
	graft_error_save(&saved);
	if ((reload = project_reload_lock(u->p)) < 0)
		graft_report_error("%s", graft_error_message());
	graft_error_clear();
	graft_error_restore(&saved);
	return reload < 0 && rc != GRAFT_EROLLBACK ? GRAFT_EFATAL : rc;
}

/*
 * The upgrade stands; the changes set aside come back. If they cannot
 * (a write fails), the snapshot stays, so that the next git-graft
 * command, or `git graft rollback`, brings them back.
 */
static int bring_back_stash(struct upgrade *u)
{
	int kept = 0;

	if (!u->stashed)
		return 0;
	if (autostash_pop(&kept, &u->p->repo, &u->stash) < 0) {
		graft_error_prefix("the upgrade of %s is committed, but your uncommitted changes could not be brought back",
				   u->plan->name);
		graft_error_hint("they are kept in the stash, and %s%s; 'git graft rollback' brings them back",
				 SNAPSHOT_REF_PREFIX, u->plan->name);
		return GRAFT_EROLLBACK;
	}
	if (!kept)
		return 0;
	u->out->stash_kept = 1;
	graft_warning("your uncommitted changes conflict with the upgrade of %s; they are kept in the stash",
		      u->plan->name);
	graft_hint("'git stash pop' brings them back once you have looked at the upgrade; 'git stash drop' forgets them");
	return 0;
}

/* The stop, with what --continue needs to rebuild u (upgrade_state.h). */
static int record_stop(struct upgrade *u, const char *failure)
{
	const struct upgrade_plan *plan = u->plan;
	const struct upgrade_opts *o = u->opts;
	struct upgrade_state st = UPGRADE_STATE_INIT;

	/* every string is borrowed: st is written, not released */
	st.dep = (char *)plan->name;
	st.snapshot = u->snap.commit;
	st.from_ref = plan->from_ref;
	st.from = plan->from;
	st.to_ref = plan->to_ref;
	st.to = plan->to;
	st.downgrade = plan->downgrade;
	st.change = u->failed_change;
	st.changes = plan->changes.nr;
	st.change_ref = plan->changes.items[u->failed_change].change->ref;
	st.step = u->failed_step;
	st.command = (char *)u->failed_command;
	st.failure = (char *)failure;
	st.skip_migration = o->skip_migration;
	st.skip_verify = o->skip_verify;
	st.stepwise = o->stepwise;
	st.commit_per_change = o->commit_per_change;
	st.has_timeout = o->has_timeout;
	st.timeout = o->timeout;
	st.no_verify = o->commit.no_verify;
	st.gpg_sign = o->commit.gpg_sign;
	st.gpg_key = (char *)o->commit.gpg_key;
	st.stashed = u->stashed;
	st.stash = u->stash;
	st.skipped = u->skipped;
	st.skipped_nr = u->skipped_nr;
	st.head = u->head;
	st.committed = u->out->commits;
	st.dep_at = u->dep_at;
	st.prior = *u->prior;
	return upgrade_state_write(&u->p->repo, &st);
}

/*
 * --stop-on-failure: leave everything as the failed command left it and
 * say how to go on. If the stop cannot be recorded, go back after all.
 */
static int stop(struct upgrade *u, int rc)
{
	struct graft_error_saved saved;
	const char *name = u->plan->name;
	int recorded;

	graft_error_save(&saved);
	recorded = record_stop(u, saved.message) == 0;
	if (!recorded) {
		graft_report_error("%s", graft_error_message());
		graft_error_clear();
	}
	graft_error_restore(&saved);
	if (!recorded)
		return go_back(u, rc);
	crash_point("after-stop");
	u->out->stopped = 1;
	graft_error_hint("the upgrade of %s stopped here (--stop-on-failure); everything is as the %s left it",
			 name, upgrade_step_name(u->failed_step));
	if (u->failed_step == UPGRADE_STEP_MIGRATION)
		graft_error_hint("do what it did not, then run 'git graft upgrade --continue': the change's verification runs next");
	else
		graft_error_hint("fix what it found, then run 'git graft upgrade --continue': it runs again");
	graft_error_hint("you can instead skip the rest of this change: run 'git graft upgrade --skip'");
	graft_error_hint("to abort and get back to the state before the upgrade, run 'git graft upgrade --abort'");
	return GRAFT_EFAIL;
}

/* The stop state of a resumed upgrade goes once the snapshot does. */
static void forget_stop(struct upgrade *u)
{
	if (!u->resumed || upgrade_state_remove(&u->p->repo) == 0)
		return;
	graft_warning("%s", graft_error_message());
	graft_error_clear();
}

static int stop_or_go_back(struct upgrade *u, int rc)
{
	if (u->opts->stop_on_failure && u->command_failed && !is_interrupt(rc))
		return stop(u, rc);
	rc = go_back(u, rc);
	if (rc != GRAFT_EROLLBACK)
		forget_stop(u);
	return rc;
}

/*
 * The upgrade stands: the autostash comes back, then the snapshot ref
 * goes (a crash in between is finished by the next command:
 * rollback_drop_committed).
 */
static int finish(struct upgrade *u)
{
	int rc = bring_back_stash(u);

	if (rc < 0)
		return rc;
	if (snapshot_delete_ref(&u->p->repo, &u->snap) < 0) {
		graft_warning("the upgrade of %s is committed, but its snapshot ref could not be deleted: %s",
			      u->plan->name, graft_error_message());
		graft_error_clear();
	}
	forget_stop(u);
	commit_post_hook(&u->commit, u->p->index, u->author);
	return 0;
}

static int upgrade_snapshotted(struct upgrade *u)
{
	int rc;

	crash_point("after-snapshot");
	if ((rc = carry_out(u)) < 0)
		return stop_or_go_back(u, rc);
	return finish(u);
}

int upgrade_run(struct upgrade_outcome *out, struct project *p,
		struct upgrade_plan *plan, const struct upgrade_opts *opts)
{
	struct upgrade u;
	int rc;

	memset(out, 0, sizeof(*out));
	if (plan->up_to_date)
		return 0;
	memset(&u, 0, sizeof(u));
	u.watch = (struct watch)WATCH_INIT;
	u.p = p;
	u.plan = plan;
	u.opts = opts;
	u.out = out;
	u.prior = &u.own_prior;
	git_oid_cpy(&u.dep_at, &plan->from);
	if ((rc = exec_trap_signals()) < 0)
		return rc;
	if ((rc = guard_no_pending(&p->repo)) == 0 &&
	    (rc = check_dep(&u)) == 0 &&
	    (rc = ident_resolve(&u.author, &u.committer, p->repo.repo)) == 0 &&
	    (rc = commit_setup(&u.commit, &p->repo, COMMIT_LIKE_COMMIT,
			       &opts->commit, u.committer)) == 0 &&
	    (rc = check_worktree(&u)) == 0 &&
	    (rc = snapshot_check_sizes(&p->repo, &u.before, "upgrade")) == 0 &&
	    (rc = interrupted()) == 0 &&
	    (rc = take_snapshot(&u)) == 0) {
		git_oid_cpy(&u.head, &u.snap.head);
		rc = upgrade_snapshotted(&u);
	}
	exec_untrap_signals();
	snapshot_release(&u.snap);
	prior_files_release(&u.own_prior);
	watch_close(&u.watch);
	free(u.skipped);
	scan_release(&u.before);
	git_signature_free(u.author);
	git_signature_free(u.committer);
	commit_setup_release(&u.commit);
	return rc;
}

int upgrade_plan_resume(struct upgrade_plan *plan, struct project *p,
			const struct upgrade_state *st)
{
	int rc;

	plan->name = st->dep;
	if ((rc = project_declared(&plan->decl, p, st->dep)) < 0 ||
	    (rc = project_read_dep(&plan->dep, p, st->dep)) < 0)
		return rc;
	plan->from_ref = xstrdup(st->from_ref);
	plan->to_ref = xstrdup(st->to_ref);
	git_oid_cpy(&plan->from, &st->from);
	git_oid_cpy(&plan->to, &st->to);
	plan->downgrade = st->downgrade;
	if ((rc = plan_changes(plan)) < 0)
		return rc;
	if (plan->changes.nr == st->changes &&
	    !strcmp(plan->changes.items[st->change].change->ref, st->change_ref))
		return 0;
	rc = graft_error("the changes of %s between %s and %s are not those the upgrade stopped in",
			 plan->name, plan->from_ref, plan->to_ref);
	graft_error_hint("'git graft upgrade --abort' puts everything back as it was before the upgrade");
	return rc;
}

/*
 * Nothing a --continue builds on moved since the stop: HEAD, the
 * dependency's checkout; and the index has no conflict to commit.
 */
static int check_resumable(struct upgrade *u, const struct upgrade_state *st)
{
	git_repository *repo = u->p->repo.repo;
	char a[8], b[8], hex[GIT_OID_HEXSZ + 1];
	git_oid at;
	int rc;

	if (snapshot_read(&u->snap, &u->p->repo, st->dep) != 0 ||
	    !git_oid_equal(&u->snap.commit, &st->snapshot)) {
		graft_error_clear();
		return graft_error("the snapshot of the stopped upgrade of %s is not %s%s any more",
				   st->dep, SNAPSHOT_REF_PREFIX, st->dep);
	}
	if (git_reference_name_to_id(&at, repo, "HEAD") < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read HEAD");
	if (!git_oid_equal(&at, &st->head)) {
		rc = graft_error("HEAD moved since the upgrade of %s stopped: it is at %s, the upgrade left it at %s",
				 st->dep, short_id(a, &at), short_id(b, &st->head));
		graft_error_hint("the upgrade commits your fix itself: 'git reset --soft %s' takes HEAD back and keeps what you committed in the index",
				 git_oid_tostr(hex, sizeof(hex), &st->head));
		return rc;
	}
	if ((rc = dep_head(&at, &u->plan->dep)) < 0)
		return rc;
	if (rc == 1 || !git_oid_equal(&at, &st->dep_at)) {
		graft_error_clear();
		rc = graft_error("%s moved since the upgrade stopped: the upgrade left it at %s",
				 u->plan->dep.shown, short_id(b, &st->dep_at));
		graft_error_hint("'git -C %s checkout --detach %s' puts it back",
				 u->plan->dep.shown,
				 git_oid_tostr(hex, sizeof(hex), &st->dep_at));
		return rc;
	}
	if (git_index_read(u->p->index, 0) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the index");
	if (git_index_has_conflicts(u->p->index)) {
		rc = graft_error("the index has unmerged paths");
		graft_error_hint("resolve them ('git add' or 'git rm'), then run 'git graft upgrade --continue' again");
	}
	return rc;
}

/* --skip: the rest of the stopped change is left out, and said so. */
static void skip_rest(struct upgrade *u, const struct upgrade_state *st)
{
	const struct dep_change *ch = &u->plan->changes.items[st->change];

	if (st->step == UPGRADE_STEP_MIGRATION && ch->change->migration) {
		graft_warning("%s %s: its migration '%s' failed and is skipped (--skip)",
			      u->plan->name, ch->change->ref, ch->change->migration);
		add_skipped(u, ch, GRAFT_SKIPPED_MIGRATION);
	}
	if (!ch->change->verify)
		return;
	graft_warning("%s %s: its verification '%s' is skipped (--skip)",
		      u->plan->name, ch->change->ref, ch->change->verify);
	add_skipped(u, ch, GRAFT_SKIPPED_VERIFY);
}

/*
 * From here the stop state names this git-graft: should it die, the
 * upgrade is an interrupted one (upgrade_state.h).
 */
static int mark_continuing(const struct upgrade *u, struct upgrade_state *st)
{
	st->pid = (long)getpid();
	return upgrade_state_write(&u->p->repo, st);
}

int upgrade_resume(struct upgrade_outcome *out, struct project *p,
		   struct upgrade_plan *plan, const struct upgrade_opts *opts,
		   struct upgrade_state *st, enum upgrade_resume_how how)
{
	struct upgrade u;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&u, 0, sizeof(u));
	u.p = p;
	u.plan = plan;
	u.opts = opts;
	u.out = out;
	u.resumed = st;
	u.watch = (struct watch)WATCH_INIT;
	/* the commands before the stop, and the user since, may have changed it */
	u.index_touched = 1;
	u.prior = &st->prior;
	u.stashed = st->stashed;
	git_oid_cpy(&u.stash, &st->stash);
	git_oid_cpy(&u.head, &st->head);
	git_oid_cpy(&u.dep_at, &st->dep_at);
	out->commits = st->committed;
	/* the entries' strings stay st's */
	u.skipped = xcalloc(st->skipped_nr + 1, sizeof(*u.skipped));
	if (st->skipped_nr)
		memcpy(u.skipped, st->skipped, st->skipped_nr * sizeof(*u.skipped));
	u.skipped_nr = u.skipped_alloc = st->skipped_nr;
	if ((rc = exec_trap_signals()) < 0)
		return rc;
	if ((rc = check_resumable(&u, st)) == 0 &&
	    (rc = ident_resolve(&u.author, &u.committer, p->repo.repo)) == 0 &&
	    (rc = commit_setup(&u.commit, &p->repo, COMMIT_LIKE_COMMIT,
			       &opts->commit, u.committer)) == 0 &&
	    (rc = interrupted()) == 0 &&
	    (rc = mark_continuing(&u, st)) == 0) {
		crash_point("after-resume");
		if (how == UPGRADE_SKIP)
			skip_rest(&u, st);
		if ((rc = run_changes(&u, st->change, how == UPGRADE_SKIP ?
				      FROM_COMMIT : FROM_VERIFY)) < 0)
			rc = stop_or_go_back(&u, rc);
		else
			rc = finish(&u);
	}
	exec_untrap_signals();
	snapshot_release(&u.snap);
	free(u.skipped);
	git_signature_free(u.author);
	git_signature_free(u.committer);
	commit_setup_release(&u.commit);
	return rc;
}
