/*
 * What an upgrade's commands leave, and signals: a process a migration
 * starts is ended before anything is restored or committed, however far
 * it got from its process group; SIGHUP and SIGQUIT restore like
 * SIGTERM; a reader that closes git-graft's output cannot leave the
 * repository half-way; an upgrade under way is reported as running, not
 * as interrupted, from its own worktree and from another.
 *
 * Commands and the test meet through files in $HOME, outside the work
 * tree: a command touches one when it has got somewhere, and waits for
 * one the test creates.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/fixtures_core.h"
#include "lib/fixtures_deps.h"
#include "lib/fixtures_upgrade.h"
#include "lib/harness.h"

TestSuite(contain, .init = harness_setup, .fini = harness_teardown);

/*
 * A writer: it records its pid in $HOME/writer.pid, waits for $HOME/go
 * (30 seconds at most, so that it ends even when a test fails), then
 * appends to src/late.txt every 50 ms for a second. Were it still alive
 * when the test creates go, the work tree would change.
 */
#define WRITER "echo $$ > \"$HOME/writer.pid\"; n=0; " \
	"while ! test -f \"$HOME/go\" && test $n -lt 600; do " \
	"sleep 0.05; n=$((n+1)); done; " \
	"i=0; while test $i -lt 20; do echo late >> src/late.txt; " \
	"i=$((i+1)); sleep 0.05; done"
#define WAIT_FOR_WRITER \
	"while ! test -s \"$HOME/writer.pid\"; do sleep 0.05; done\n"

/* The writer in a session of its own: out of the command's group. */
#define START_SETSID_WRITER \
	"setsid sh -c '" WRITER "' </dev/null >/dev/null 2>&1 &\n" \
	WAIT_FOR_WRITER
/* The writer orphaned at once: its parent exits before it runs on. */
#define START_ORPHAN_WRITER \
	"(sh -c '" WRITER "' </dev/null >/dev/null 2>&1 &)\n" WAIT_FOR_WRITER

static pid_t writer_pid(void)
{
	char *path = tmp_path("writer.pid"), *content = read_file(path);
	pid_t pid;

	cr_assert(content, "the migration did not start the writer");
	pid = (pid_t)strtol(content, NULL, 10);
	free(content);
	free(path);
	return pid;
}

/*
 * git-graft has exited: the writer must be gone (reaped, not a zombie),
 * and once it is told to write, nothing may change in the next second,
 * twenty times its interval.
 */
static void assert_nothing_afterwards(const char *app, const char *state)
{
	pid_t pid = writer_pid();
	char *after;

	cr_assert(kill(pid, 0) < 0 && errno == ESRCH,
		  "the writer (pid %ld) outlived git-graft", (long)pid);
	sh_do(NULL, "touch \"$HOME/go\" && sleep 1");
	after = full_state(app);
	assert_str_eq(state, after, "state after the writer's time");
	free(after);
}

static void failing_upgrade_stops(const char *start_writer)
{
	char *script = malloc(strlen(start_writer) + 64);
	char *app, *before;

	sprintf(script, "%secho half > src/a.txt\n", start_writer);
	app = make_app(script, VERIFY_FAIL);
	before = full_state(app);
	upgrade_fails_unchanged(app, 1, "verification 'check' of kb v2.0.0 exited with status 3",
				NULL);
	assert_nothing_afterwards(app, before);
	free(before);
	free(script);
	free(app);
}

static void succeeding_upgrade_stops(const char *start_writer)
{
	char *script = malloc(strlen(start_writer) + strlen(MIGRATE_OK) + 1);
	char *app, *after, *log;
	struct cmd_result r;

	sprintf(script, "%s%s", start_writer, MIGRATE_OK);
	app = make_app(script, VERIFY_OK);
	r = graft(app, "upgrade", "kb", "--to", "v2.0.0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	log = sh_ok(app, "git log -1 --format=%%s && git show --stat --format= HEAD");
	assert_contains(log, "graft: upgrade kb v1.0.0 -> v2.0.0");
	cr_assert_null(strstr(log, "late.txt"), "%s", log);
	after = full_state(app);
	assert_nothing_afterwards(app, after);
	free(log);
	free(after);
	free(script);
	free(app);
}

Test(contain, a_setsid_writer_is_stopped_when_the_upgrade_fails)
{
	failing_upgrade_stops(START_SETSID_WRITER);
}

Test(contain, a_setsid_writer_is_stopped_when_the_upgrade_succeeds)
{
	succeeding_upgrade_stops(START_SETSID_WRITER);
}

Test(contain, an_orphaned_writer_is_stopped_when_the_upgrade_fails)
{
	failing_upgrade_stops(START_ORPHAN_WRITER);
}

Test(contain, an_orphaned_writer_is_stopped_when_the_upgrade_succeeds)
{
	succeeding_upgrade_stops(START_ORPHAN_WRITER);
}

/*
 * A signal to git-graft while the migration sleeps: passed on, the
 * repository restored, exit 128 + the signal. No core file may land in
 * the work tree (SIGQUIT dumps one where the limit allows).
 */
static void signal_restores(const char *sig, int expect)
{
	char *app = make_app("echo half > src/a.txt && touch \"$HOME/started\" && sleep 30\n",
			     VERIFY_OK);
	char *before = full_state(app), *after, *q = shq(graft_bin()), *out;
	char want[64];

	out = sh_ok(app, "ulimit -c 0; %s upgrade kb --to v2.0.0 2>\"$HOME/err\" & "
		    "pid=$! && while ! test -f \"$HOME/started\"; do sleep 0.05; done && "
		    "kill -%s $pid; wait $pid; echo $?; cat \"$HOME/err\"", q, sig);
	snprintf(want, sizeof(want), "%d\n", expect);
	cr_assert(!strncmp(out, want, strlen(want)), "exit: %s", out);
	snprintf(want, sizeof(want), "interrupted by SIG%s", sig);
	assert_contains(out, want);
	assert_contains(out, "everything is back as it was before the upgrade of kb");
	after = full_state(app);
	assert_str_eq(before, after, "state after the signal");
	free(out);
	free(after);
	free(before);
	free(q);
	free(app);
}

Test(contain, sighup_restores) { signal_restores("HUP", 129); }
Test(contain, sigquit_restores) { signal_restores("QUIT", 131); }

/*
 * While the migration waits, status and rollback run in dir (the
 * upgrade's worktree, or a linked one), their output in $HOME/status,
 * $HOME/status.json and $HOME/rollback. Returns the upgrade's pid; the
 * upgrade has gone on and committed.
 */
static long while_running(const char *app, const char *dir)
{
	char *q = shq(graft_bin()), *d = shq(dir), *out;
	long pid;
	int status;

	out = sh_ok(app, "%s upgrade kb --to v2.0.0 >/dev/null 2>&1 & pid=$! && "
		    "while ! test -f \"$HOME/started\"; do sleep 0.05; done && "
		    "(cd %s && %s status >\"$HOME/status\" 2>&1; "
		    " %s status --json >\"$HOME/status.json\" 2>/dev/null; "
		    " %s rollback >\"$HOME/rollback\" 2>&1; "
		    " echo \"exit $?\" >>\"$HOME/rollback\"); "
		    "touch \"$HOME/go\"; wait $pid; echo \"$pid $?\"",
		    q, d, q, q, q);
	cr_assert(sscanf(out, "%ld %d", &pid, &status) == 2 && status == 0,
		  "the upgrade failed: %s", out);
	free(out);
	out = sh_ok(app, "git log -1 --format=%%s; git for-each-ref refs/graft");
	cr_assert_str_eq(out, "graft: upgrade kb v1.0.0 -> v2.0.0");
	free(out);
	free(d);
	free(q);
	return pid;
}

static char *home_file(const char *name)
{
	char *path = tmp_path("%s", name), *content = read_file(path);

	cr_assert(content, "no %s", name);
	free(path);
	return content;
}

static void assert_reported_running(long pid)
{
	char want[80], *status = home_file("status"), *rollback = home_file("rollback");
	char *json = home_file("status.json");
	json_t *j = json_loads(json, 0, NULL), *running;

	snprintf(want, sizeof(want), "an upgrade of kb is running (pid %ld)", pid);
	assert_contains(status, want);
	cr_assert_null(strstr(status, "interrupted"), "%s", status);
	cr_assert_null(strstr(status, "rollback"), "%s", status);

	assert_contains(rollback, want);
	assert_contains(rollback, "exit 128");

	cr_assert(j, "%s", json);
	cr_assert_eq(json_array_size(json_object_get(j, "pending_upgrades")), 0,
		     "%s", json);
	running = json_array_get(json_object_get(j, "running_upgrades"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(running, "dependency")), "kb");
	cr_assert_eq(json_integer_value(json_object_get(running, "pid")), pid);
	json_decref(j);
	free(json);
	free(status);
	free(rollback);
}

#define WAIT_IN_MIGRATION \
	"touch \"$HOME/started\" && while ! test -f \"$HOME/go\"; do sleep 0.05; done\n"

Test(contain, a_running_upgrade_is_reported_as_running)
{
	char *app = make_app(WAIT_IN_MIGRATION MIGRATE_OK, VERIFY_OK);

	assert_reported_running(while_running(app, app));
	free(app);
}

/* Refs are shared by worktrees, the operation lock is not. */
Test(contain, a_running_upgrade_is_reported_as_running_in_another_worktree)
{
	char *app = make_app(WAIT_IN_MIGRATION MIGRATE_OK, VERIFY_OK);
	char *wt = tmp_path("wt");
	char *q = shq(wt);

	sh_do(app, "git worktree add -q --detach %s", q);
	assert_reported_running(while_running(app, wt));
	free(q);
	free(wt);
	free(app);
}

/*
 * git-graft with args in dir, its stdout and stderr a pipe whose reader
 * has gone: every write fails. Returns its exit status (128 + N for
 * signal N).
 */
static int graft_into_closed_pipe(const char *dir, const char *const *args)
{
	const char *argv[16];
	size_t i = 0;
	int p[2], status;
	pid_t pid;

	argv[i++] = graft_bin();
	while (*args && i < 15)
		argv[i++] = *args++;
	argv[i] = NULL;
	cr_assert(pipe(p) == 0);
	close(p[0]);
	pid = fork();
	cr_assert(pid >= 0);
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		signal(SIGPIPE, SIG_DFL);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 ||
		    dup2(p[1], 2) < 0 || chdir(dir) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	cr_assert(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * A reader that stops reading (`| head -1`) cannot stop an upgrade
 * half-way: it completes, committed, exit 0, or fails and is undone,
 * exit 1, as if its output had been read.
 */
Test(contain, a_closed_pipe_never_leaves_an_upgrade_half_way)
{
	const char *upgrade[] = { "upgrade", "kb", "--to", "v2.0.0", NULL };
	const char *json[] = { "upgrade", "kb", "--to", "v2.0.0", "--json", NULL };
	char *app = make_app(MIGRATE_OK, VERIFY_OK), *out, *before;
	int status;

	status = graft_into_closed_pipe(app, upgrade);
	cr_assert_eq(status, 0, "exit %d", status);
	out = sh_ok(app, "git log -1 --format=%%s; git for-each-ref refs/graft; "
		    "git status --porcelain");
	cr_assert_str_eq(out, "graft: upgrade kb v1.0.0 -> v2.0.0\n?? notes.txt");
	free(out);

	sh_do(app, "git reset -q --hard HEAD^ && git -C .graft/kb checkout -q v1.0.0");
	status = graft_into_closed_pipe(app, json);
	cr_assert_eq(status, 0, "exit %d with --json", status);
	out = sh_ok(app, "git log -1 --format=%%s; git for-each-ref refs/graft");
	cr_assert_str_eq(out, "graft: upgrade kb v1.0.0 -> v2.0.0");
	free(out);
	free(app);

	sh_do(harness_tmp(), "rm -rf kb app");
	app = make_app(MIGRATE_OK, VERIFY_FAIL);
	before = full_state(app);
	status = graft_into_closed_pipe(app, upgrade);
	cr_assert_eq(status, 1, "exit %d", status);
	out = full_state(app);
	assert_str_eq(before, out, "state after a failure nobody read");
	free(out);
	free(before);
	free(app);
}
