/* `git graft run`, and `git graft <dependency>:<command>`. */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(run, .init = harness_setup, .fini = harness_teardown);

/*
 * Writes $# and then each argument in brackets into <root>/<file>: any
 * argument that reached the shell as text would show, or run.
 */
#define RECORD_ARGS(file) \
	"run = printf '%s\\n' \"$#\" > \"$GRAFT_ROOT/" file "\"\n" \
	"  for a in \"$@\"\n" \
	"  do printf '[%s]\\n' \"$a\" >> \"$GRAFT_ROOT/" file "\"\n" \
	"  done\n"

/* Where a command runs and the context it gets, on one line. */
#define SAY_WHERE \
	"run = printf '%s|%s|%s|%s\\n' \"$(pwd -P)\" \"${GRAFT_DEP_NAME-unset}\" " \
	"\"${GRAFT_DEP_PATH-unset}\" \"${GRAFT_ROOT-unset}\"\n"

/* kb's graft.ini at v1.0.0, the commit the project locks. */
static const char kb_ini[] =
	"[metadata]\n"
	"name = kb\n"
	"\n"
	"[command \"args\"]\n"
	RECORD_ARGS("kb-args.out")
	"description = Record its arguments\n"
	"\n"
	"[command \"where\"]\n"
	SAY_WHERE
	"description = Say where it runs\n"
	"  and with what\n"
	"\n"
	"[command \"here\"]\n"
	"run = pwd -P\n"
	"working_dir = src\n";

/* The project's own commands. */
static const char app_commands[] =
	"\n"
	"[command \"args\"]\n"
	RECORD_ARGS("args.out")
	"description = Record its arguments\n"
	"\n"
	"[command \"where\"]\n"
	SAY_WHERE
	"\n"
	"[command \"status\"]\n"
	"run = exit \"$1\"\n"
	"\n"
	"[command \"sig\"]\n"
	"run = kill -TERM $$\n"
	"\n"
	"[command \"slow\"]\n"
	"run = sleep 30\n"
	"timeout = 1\n"
	"\n"
	"[command \"sub\"]\n"
	"run = pwd -P\n"
	"working_dir = src\n"
	"\n"
	"[command \"escape\"]\n"
	"run = touch escaped\n"
	"working_dir = out\n"
	"\n"
	"[command \"gone\"]\n"
	"run = true\n"
	"working_dir = missing\n"
	"\n"
	"[command \"read\"]\n"
	"run = read line\n"
	"  printf '%s\\n' \"$line\" > \"$GRAFT_ROOT/read.out\"\n"
	"\n"
	"[command \"nap\"]\n"
	"run = sleep 30 &\n"
	"  echo $! > \"$GRAFT_ROOT/sleep.pid\"\n"
	"  wait\n"
	"\n"
	"[command \"ask\"]\n"
	"run = printf 'name? '\n"
	"  read name\n"
	"  echo \"hi $name\"\n"
	"\n"
	"[command \"fg\"]\n"
	"run = set -- $(cat /proc/$$/stat)\n"
	"  if test \"$5\" = \"$8\"\n"
	"  then echo foreground\n"
	"  else echo background\n"
	"  fi\n"
	"\n"
	"[command \"doze\"]\n"
	"run = echo ready\n"
	"  read how\n"
	"  echo \"woke $how\"\n";

/*
 * kb at <tmp>/kb: v1.0.0 declares kb_ini's commands; main, one commit
 * later, adds the command "later".
 */
static void make_kb(void)
{
	char *kb = make_repo("kb"), *ini = tmp_path("kb/graft.ini");

	write_file(ini, kb_ini);
	sh_do(kb, "git add graft.ini && git commit -q -m commands && "
	      "git tag v1.0.0 && "
	      "printf '\\n[command \"later\"]\\nrun = true\\n' >> graft.ini && "
	      "git commit -q -a -m later");
	free(ini);
	free(kb);
}

/* <tmp>/app with its own commands (appended to graft.ini), and kb at v1.0.0. */
static char *make_app(const char *commands)
{
	char *app = make_repo("app"), *ini;
	struct cmd_result r;
	FILE *f;

	make_kb();
	r = graft(app, "add", "kb", "../kb#v1.0.0", NULL);
	cr_assert_eq(r.status, 0, "add failed: %s", r.err);
	cmd_result_free(&r);
	ini = tmp_path("app/graft.ini");
	f = fopen(ini, "a");
	cr_assert(f && fputs(commands, f) >= 0 && fclose(f) == 0);
	sh_do(app, "mkdir src && ln -s .. out && git add -A && "
	      "git commit -q -m 'kb and commands'");
	free(ini);
	return app;
}

static char *app_file(const char *app, const char *name)
{
	char *path = malloc(strlen(app) + strlen(name) + 2), *content;

	cr_assert(path);
	sprintf(path, "%s/%s", app, name);
	content = read_file(path);
	free(path);
	return content;
}

static void assert_app_file(const char *app, const char *name, const char *want)
{
	char *got = app_file(app, name);

	cr_assert(got, "%s was not written", name);
	cr_assert_str_eq(got, want, "%s", name);
	free(got);
}

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);

	cr_assert(j, "not JSON (%s):\n%s", err.text, text);
	return j;
}

static const char *field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	cr_assert(v, "no %s", key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- listing ------------------------------------------------------------ */

Test(run, lists_the_commands_of_the_project_and_its_dependencies)
{
	char *app = make_app("\n[command \"test\"]\nrun = make test\n"
			     "description = Run the test suite\n"
			     "\n[command \"lint\"]\nrun = make lint\n");
	char *kb = tmp_path("kb"), *v1 = rev(kb, "v1.0.0"), want[1024];
	char *src = tmp_path("app/src");
	struct cmd_result r = graft(app, "run", NULL);

	snprintf(want, sizeof(want),
		 "Commands of this project (graft.ini):\n"
		 "  test      Run the test suite\n"
		 "  lint\n"
		 "Commands of kb at v1.0.0 (%.7s):\n"
		 "  kb:args   Record its arguments\n"
		 "  kb:where  Say where it runs\n"
		 "            and with what\n"
		 "  kb:here\n", v1);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, want);
	cr_assert_str_eq(r.err, "");
	cmd_result_free(&r);

	/* from a subdirectory, the paths are shown from there */
	r = graft(src, "run", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.out, "Commands of this project (../graft.ini):\n");
	cmd_result_free(&r);

	/*
	 * The locked commit's graft.ini counts: not a newer commit checked
	 * out, nor an edit in the work tree.
	 */
	sh_do(app, "git -C .graft/kb checkout -q main && "
	      "printf '\\n[command \"edited\"]\\nrun = true\\n' >> .graft/kb/graft.ini");
	r = graft(app, "run", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, want, "the listing still shows v1.0.0's commands");
	cmd_result_free(&r);
	free(src);
	free(kb);
	free(v1);
	free(app);
}

Test(run, lists_the_commands_as_json)
{
	char *app = make_app("\n[command \"test\"]\nrun = make test\n"
			     "  make check\ndescription = Run the test suite\n"
			     "working_dir = src\ntimeout = 60\n");
	char *kb = tmp_path("kb"), *v1 = rev(kb, "v1.0.0");
	struct cmd_result r = graft(app, "run", "--json", NULL);
	json_t *j, *list, *c;

	cr_assert_eq(r.status, 0, "%s", r.err);
	j = parse(r.out);
	list = json_object_get(j, "commands");
	cr_assert_eq(json_array_size(list), 4);

	c = json_array_get(list, 0);
	cr_assert_str_eq(field(c, "name"), "test");
	cr_assert_str_eq(field(c, "command"), "test");
	cr_assert(json_is_null(json_object_get(c, "dependency")));
	cr_assert(json_is_null(json_object_get(c, "commit")));
	cr_assert_str_eq(field(c, "description"), "Run the test suite");
	cr_assert_str_eq(field(c, "run"), "make test\nmake check");
	cr_assert_str_eq(field(c, "working_dir"), "src");
	cr_assert_eq(json_integer_value(json_object_get(c, "timeout")), 60);

	c = json_array_get(list, 2);
	cr_assert_str_eq(field(c, "name"), "kb:where");
	cr_assert_str_eq(field(c, "dependency"), "kb");
	cr_assert_str_eq(field(c, "command"), "where");
	cr_assert_str_eq(field(c, "commit"), v1);
	cr_assert_str_eq(field(c, "description"), "Say where it runs\nand with what");
	cr_assert(json_is_null(json_object_get(c, "working_dir")));
	cr_assert(json_is_null(json_object_get(c, "timeout")));
	cr_assert_str_eq(field(json_array_get(list, 1), "name"), "kb:args");
	cr_assert_str_eq(field(json_array_get(list, 3), "name"), "kb:here");
	json_decref(j);
	cmd_result_free(&r);

	r = graft(app, "run", "--json", "test", NULL);
	cr_assert_eq(r.status, 129, "--json is for the listing");
	assert_contains(r.err, "error: --json lists the commands; it takes no command name");
	cmd_result_free(&r);
	free(kb);
	free(v1);
	free(app);
}

Test(run, says_when_there_are_no_commands)
{
	char *app = make_repo("app");
	struct cmd_result r = graft(app, "run", NULL);

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "No commands; declare one in graft.ini as [command \"<name>\"]\n");
	cmd_result_free(&r);
	r = graft(app, "run", "--json", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, "{\n  \"commands\": []\n}\n");
	cmd_result_free(&r);
	free(app);
}

/* ---- arguments ---------------------------------------------------------- */

static const char *const hostile[] = {
	"two words", "it's", "say \"hi\"", "$(touch pwned1)", "`touch pwned2`",
	"x; touch pwned3", "line one\nline two", "--verbose", "", "*", "$HOME",
	NULL,
};

static const char hostile_recorded[] =
	"11\n[two words]\n[it's]\n[say \"hi\"]\n[$(touch pwned1)]\n"
	"[`touch pwned2`]\n[x; touch pwned3]\n[line one\nline two]\n"
	"[--verbose]\n[]\n[*]\n[$HOME]\n";

static struct cmd_result graft_with_hostile(const char *app, const char *first,
					    const char *second)
{
	const char *argv[32];
	size_t n = 0, i;

	argv[n++] = graft_bin();
	argv[n++] = first;
	if (second)
		argv[n++] = second;
	for (i = 0; hostile[i]; i++)
		argv[n++] = hostile[i];
	argv[n] = NULL;
	return run_argv(app, argv);
}

static void assert_nothing_injected(const char *app)
{
	char *found = sh_ok(NULL, "find %s -name 'pwned*'", harness_tmp());

	cr_assert_str_eq(found, "", "an argument ran as a command");
	free(found);
	(void)app;
}

Test(run, arguments_are_positional_parameters_never_shell_text)
{
	char *app = make_app(app_commands);
	struct cmd_result r;

	r = graft_with_hostile(app, "run", "args");
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_app_file(app, "args.out", hostile_recorded);
	cmd_result_free(&r);

	r = graft_with_hostile(app, "run", "kb:args");
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_app_file(app, "kb-args.out", hostile_recorded);
	cmd_result_free(&r);

	sh_do(app, "rm kb-args.out");
	r = graft_with_hostile(app, "kb:args", NULL);
	cr_assert_eq(r.status, 0, "the short form: %s", r.err);
	assert_app_file(app, "kb-args.out", hostile_recorded);
	cmd_result_free(&r);

	r = graft(app, "run", "args", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_app_file(app, "args.out", "0\n");
	cmd_result_free(&r);
	assert_nothing_injected(app);
	free(app);
}

Test(run, options_after_the_command_name_are_the_commands)
{
	char *app = make_app(app_commands);
	struct cmd_result r;

	r = graft(app, "run", "args", "--json", "-h", "--help", "--", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_app_file(app, "args.out", "4\n[--json]\n[-h]\n[--help]\n[--]\n");
	cmd_result_free(&r);

	r = graft(app, "kb:args", "-h", "--no-color", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_app_file(app, "kb-args.out", "2\n[-h]\n[--no-color]\n");
	cmd_result_free(&r);

	/* before the name they are run's own */
	r = graft(app, "run", "--no-color", "--", "args", "-x", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_app_file(app, "args.out", "1\n[-x]\n");
	cmd_result_free(&r);
	r = graft(app, "run", "-x", "args", NULL);
	cr_assert_eq(r.status, 129);
	assert_contains(r.err, "error: unknown switch 'x'");
	cmd_result_free(&r);

	/* the short form goes through the global options */
	r = graft(NULL, "-C", "app", "kb:args", "from", "elsewhere", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_app_file(app, "kb-args.out", "2\n[from]\n[elsewhere]\n");
	cmd_result_free(&r);
	free(app);
}

/* ---- where and with what ------------------------------------------------ */

Test(run, runs_at_the_top_with_the_context_in_the_environment)
{
	char *app = make_app(app_commands), *want = malloc(4096);
	char *src = tmp_path("app/src");
	const char *argv[] = { graft_bin(), "run", "where", NULL };
	const char *leaked[] = { "GRAFT_DEP_NAME=leaked", "GRAFT_DEP_PATH=/leaked",
				 "GRAFT_TO_REF=v9", NULL };
	struct cmd_result r;

	r = run_argv_env(src, argv, leaked);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, 4096, "%s|unset|unset|%s\n", app, app);
	cr_assert_str_eq(r.out, want, "the project's command, at the top");
	cmd_result_free(&r);

	r = graft(src, "kb:where", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, 4096, "%s|kb|%s/.graft/kb|%s\n", app, app, app);
	cr_assert_str_eq(r.out, want, "a dependency's command, at the top too");
	cr_assert_str_eq(r.err, "");
	cmd_result_free(&r);
	free(src);
	free(want);
	free(app);
}

Test(run, working_dir_is_below_the_top_and_stays_inside)
{
	char *app = make_app(app_commands), *want = malloc(4096), *outside;
	struct cmd_result r;

	snprintf(want, 4096, "%s/src\n", app);
	r = graft(app, "run", "sub", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, want);
	cmd_result_free(&r);
	r = graft(app, "kb:here", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, want, "relative to the project's top, not kb's");
	cmd_result_free(&r);

	r = graft(app, "run", "escape", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: cannot run 'escape': its working_dir 'out' leads out of the work tree");
	outside = tmp_path("escaped");
	cr_assert_not(file_exists(outside), "it ran outside");
	cmd_result_free(&r);

	r = graft(app, "run", "gone", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: cannot run 'gone': its working_dir 'missing' does not exist");
	cmd_result_free(&r);
	free(outside);
	free(want);
	free(app);
}

Test(run, stdin_is_passed_through)
{
	char *app = make_app(app_commands), *q = shq(graft_bin());

	sh_do(app, "printf 'typed in\\n' | %s run read", q);
	assert_app_file(app, "read.out", "typed in\n");
	free(q);
	free(app);
}

/* ---- how it ends -------------------------------------------------------- */

Test(run, exits_with_the_commands_status)
{
	char *app = make_app(app_commands);
	struct cmd_result r;

	r = graft(app, "run", "status", "0", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cmd_result_free(&r);
	r = graft(app, "run", "status", "3", NULL);
	cr_assert_eq(r.status, 3);
	cr_assert_str_eq(r.err, "", "the command tells its own failures");
	cmd_result_free(&r);
	r = graft(app, "run", "status", "200", NULL);
	cr_assert_eq(r.status, 200);
	cmd_result_free(&r);

	r = graft(app, "run", "sig", NULL);
	cr_assert_eq(r.status, 128 + SIGTERM, "as a shell says a signal");
	assert_contains(r.err, "error: 'sig' was killed by signal 15");
	cmd_result_free(&r);

	r = graft(app, "run", "slow", NULL);
	cr_assert_eq(r.status, 124, "as timeout(1)");
	assert_contains(r.err, "error: 'slow' timed out after 1 second\n");
	cmd_result_free(&r);
	free(app);
}

/* Whether pid is gone within two seconds (a zombie nobody reaps counts). */
static int process_gone(pid_t pid)
{
	char path[64], *stat;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	for (i = 0; i < 200; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 1;
		stat = read_file(path);
		if (!stat || strstr(stat, ") Z ")) {
			free(stat);
			return 1;
		}
		free(stat);
		usleep(10000);
	}
	return 0;
}

Test(run, sigterm_reaches_the_whole_command)
{
	char *app = make_app(app_commands), *q = shq(graft_bin()), *out, *pid;

	out = sh_ok(app, "%s run nap & pid=$!\n"
		    "while ! test -s sleep.pid; do sleep 0.05; done\n"
		    "kill -TERM $pid\n"
		    "wait $pid\n"
		    "echo $?", q);
	cr_assert_str_eq(out, "143");
	pid = app_file(app, "sleep.pid");
	cr_assert(process_gone((pid_t)strtol(pid, NULL, 10)),
		  "the command's background sleep survived");
	free(pid);
	free(out);
	free(q);
	free(app);
}

/*
 * A shell script run in the foreground of a new pseudo-terminal, with
 * $G the git-graft under test. steps are pairs of what the terminal shows
 * and the keys then typed, NULL-ended.
 */
struct tty_run {
	int status;
	char out[4096];		/* what the terminal showed */
};

static void read_tty(int fd, struct tty_run *t, size_t *len, const char *until,
		     time_t deadline)
{
	while (time(NULL) < deadline && (!until || !strstr(t->out, until))) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, t->out + *len, sizeof(t->out) - 1 - *len);
		if (n <= 0)
			return;
		*len += (size_t)n;
		t->out[*len] = '\0';
	}
}

static struct tty_run run_on_tty(const char *app, const char *script,
				 const char *const *steps)
{
	struct tty_run t = { -1, "" };
	time_t deadline = time(NULL) + 20;
	size_t len = 0;
	int master, status;
	pid_t pid, got;

	fflush(NULL);
	pid = forkpty(&master, NULL, NULL, NULL);
	cr_assert(pid >= 0, "forkpty: %s", strerror(errno));
	if (pid == 0) {
		if (chdir(app) < 0 || setenv("G", graft_bin(), 1) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	for (; *steps; steps += 2) {
		read_tty(master, &t, &len, steps[0], deadline);
		cr_assert(write(master, steps[1], strlen(steps[1])) ==
			  (ssize_t)strlen(steps[1]));
	}
	read_tty(master, &t, &len, NULL, deadline);
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 &&
	       time(NULL) < deadline)
		usleep(10000);
	if (got != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		cr_assert_fail("still running after 20 seconds; on the terminal:\n%s",
			       t.out);
	}
	close(master);
	t.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return t;
}

Test(run, a_command_on_a_terminal_has_it)
{
	const char *const alice[] = { "name? ", "alice\n", NULL };
	const char *const none[] = { NULL };
	char *app = make_app(app_commands);
	struct tty_run t = run_on_tty(app, "exec \"$G\" run ask", alice);

	cr_assert_eq(t.status, 0, "%s", t.out);
	assert_contains(t.out, "hi alice");

	t = run_on_tty(app, "exec \"$G\" run fg", none);
	cr_assert_eq(t.status, 0, "%s", t.out);
	assert_contains(t.out, "foreground");
	free(app);
}

Test(run, a_command_piped_on_a_terminal_gets_it_when_it_reads_it)
{
	const char *const bob[] = { "", "bob\n", NULL };
	const char *const none[] = { NULL };
	char *app = make_app(app_commands);
	struct tty_run t;

	/* the end of the pipe, a pager perhaps, keeps the terminal */
	t = run_on_tty(app, "\"$G\" run fg | cat", none);
	cr_assert_eq(t.status, 0, "%s", t.out);
	assert_contains(t.out, "background");

	t = run_on_tty(app, "\"$G\" run ask | cat", bob);
	cr_assert_eq(t.status, 0, "%s", t.out);
	assert_contains(t.out, "hi bob");
	free(app);
}

Test(run, ctrl_c_on_a_terminal_reaches_the_command)
{
	const char *const ctrl_c[] = { "name? ", "\003", NULL };
	char *app = make_app(app_commands);
	struct tty_run t = run_on_tty(app, "exec \"$G\" run ask", ctrl_c);

	cr_assert_eq(t.status, 128 + SIGINT, "%s", t.out);
	cr_assert_null(strstr(t.out, "error:"), "^C goes unreported: %s", t.out);
	free(app);
}

Test(run, ctrl_z_on_a_terminal_stops_the_job_and_fg_resumes_it)
{
	/*
	 * ^Z while the command waits in the shell's own read: one while
	 * its shell starts a program is not seen by anyone (the shell
	 * waits in vfork for a child that stopped before its exec).
	 */
	const char *const steps[] = { "ready", "\032", "stopped: ", "up\n",
				      NULL };
	struct tty_run t;
	char *app;

	/* make check-valgrind: a program under valgrind ignores its own SIGTSTP */
	if (getenv("GRAFT_VALGRIND_BIN"))
		cr_skip_test("valgrind does not stop a program on SIGTSTP");
	app = make_app(app_commands);

	/* a shell with job control, as the user's */
	t = run_on_tty(app, "set -m\n"
		       "\"$G\" run doze\n"
		       "echo \"stopped: $?\"\n"
		       "fg\n"
		       "echo \"done: $?\"", steps);
	cr_assert_eq(t.status, 0, "%s", t.out);
	assert_contains(t.out, "stopped: 148");
	assert_contains(t.out, "woke up\r\ndone: 0");
	free(app);
}

/* ---- names and files ---------------------------------------------------- */

Test(run, unknown_names_say_what_exists)
{
	char *app = make_app("\n[command \"test\"]\nrun = true\n"
			     "\n[command \"lint\"]\nrun = true\n");
	char *kb = tmp_path("kb"), *v1 = rev(kb, "v1.0.0"), want[256];
	struct cmd_result r;

	r = graft(app, "run", "tset", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "error: graft.ini declares no command 'tset'\n"
			 "hint: its commands are test, lint\n"
			 "hint: 'git graft run' lists every command\n");
	cmd_result_free(&r);

	r = graft(app, "run", "kb:later", NULL);
	cr_assert_eq(r.status, 1, "main has it, the locked commit does not");
	snprintf(want, sizeof(want),
		 "error: kb@%.7s:graft.ini declares no command 'later'\n"
		 "hint: its commands are kb:args, kb:where, kb:here\n", v1);
	assert_contains(r.err, want);
	cmd_result_free(&r);

	r = graft(app, "kb2:test", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert_str_eq(r.err, "error: there is no dependency 'kb2'\n"
			 "hint: the resolved dependencies are kb\n");
	cmd_result_free(&r);

	sh_do(app, "printf '\\n[dependency \"new\"]\\nsource = ../kb\\n' >> graft.ini");
	r = graft(app, "run", "new:test", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: dependency 'new' is declared in graft.ini but not resolved\n"
			"hint: 'git graft resolve' clones and locks it\n");
	cmd_result_free(&r);
	r = graft(app, "run", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: new is declared in graft.ini but not resolved; its commands are not known\n");
	assert_contains(r.out, "  kb:args");
	cmd_result_free(&r);

	r = graft(app, "run", "../x", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: invalid command name");
	cmd_result_free(&r);
	r = graft(app, "run", "a b:test", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: invalid dependency name");
	cmd_result_free(&r);
	r = graft(app, "kb:te:st", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: invalid command name");
	cmd_result_free(&r);
	r = graft(app, "tset", NULL);
	cr_assert_eq(r.status, 129, "no ':', no command: a typo");
	assert_contains(r.err, "'tset' is not a git-graft command");
	cmd_result_free(&r);
	free(kb);
	free(v1);
	free(app);
}

Test(run, a_malformed_graft_ini_is_an_error_with_its_line)
{
	char *app = make_app("\n[command \"test\"]\nrun = true\n");
	char *kb = tmp_path("kb"), *broken, *line, want[256];
	struct cmd_result r;

	/* kb locked at a commit whose graft.ini has a key it does not know */
	sh_do(kb, "printf '\\n[command \"bad\"]\\nrun = true\\ncolour = red\\n' >> graft.ini && "
	      "git commit -q -a -m broken && git tag broken");
	broken = rev(kb, "broken");
	line = sh_ok(kb, "grep -n '^colour' graft.ini | cut -d: -f1");
	sh_do(app, "git -C .graft/kb fetch -q --tags && "
	      "sed -i 's/^commit = .*/commit = %s/' graft.lock", broken);
	r = graft(app, "run", "kb:args", NULL);
	cr_assert_eq(r.status, 1);
	snprintf(want, sizeof(want), "error: kb@%.7s:graft.ini:%s: ", broken, line);
	assert_contains(r.err, want);
	cmd_result_free(&r);

	r = graft(app, "run", NULL);
	cr_assert_eq(r.status, 1, "the listing is not complete");
	assert_contains(r.err, want);
	assert_contains(r.out, "  test\n");
	cmd_result_free(&r);

	sh_do(app, "printf 'colour = red\\n' >> graft.ini");
	r = graft(app, "run", "test", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: graft.ini:");
	cmd_result_free(&r);
	free(line);
	free(broken);
	free(kb);
	free(app);
}

/* ---- state -------------------------------------------------------------- */

Test(run, warns_while_an_upgrade_is_pending_and_runs)
{
	char *app = make_app(app_commands);
	struct cmd_result r;

	sh_do(app, "git update-ref refs/graft/snapshots/kb HEAD");
	r = graft(app, "run", "args", "x", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: an interrupted upgrade of kb is pending (refs/graft/snapshots/kb)\n"
			"hint: 'git graft rollback' restores the state from before it\n");
	assert_app_file(app, "args.out", "1\n[x]\n");
	cmd_result_free(&r);
	r = graft(app, "run", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	assert_contains(r.err, "warning: an interrupted upgrade of kb is pending");
	cmd_result_free(&r);
	free(app);
}

Test(run, a_checkout_away_from_the_lock_is_warned_about)
{
	char *app = make_app(app_commands), *kb = tmp_path("kb");
	char *v1 = rev(kb, "v1.0.0"), *head = rev(kb, "main"), want[256];
	struct cmd_result r;

	sh_do(app, "git -C .graft/kb checkout -q main");
	r = graft(app, "kb:args", "y", NULL);
	cr_assert_eq(r.status, 0, "%s", r.err);
	snprintf(want, sizeof(want),
		 "warning: .graft/kb is checked out at %.7s, not at its locked commit %.7s\n"
		 "hint: 'git graft sync' checks the locked commit out\n", head, v1);
	cr_assert_str_eq(r.err, want);
	assert_app_file(app, "kb-args.out", "1\n[y]\n");
	cmd_result_free(&r);
	free(v1);
	free(head);
	free(kb);
	free(app);
}

Test(run, a_dependency_without_its_checkout)
{
	char *app = make_app(app_commands);
	struct cmd_result r;

	sh_do(app, "rm -rf .graft/kb && mkdir .graft/kb");
	r = graft(app, "kb:args", NULL);
	cr_assert_eq(r.status, 1);
	assert_contains(r.err, "error: kb has no repository at .graft/kb\n"
			"hint: 'git graft resolve' clones it, or checks it out again\n");
	cmd_result_free(&r);
	r = graft(app, "run", NULL);
	cr_assert_eq(r.status, 0, "a state to fix, as status shows it: %s", r.err);
	assert_contains(r.err, "warning: kb has no repository at .graft/kb\n");
	assert_contains(r.out, "  args ");
	cr_assert_null(strstr(r.out, "kb:"), "%s", r.out);
	cmd_result_free(&r);
	free(app);
}
