#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "error.h"
#include "exec.h"
#include "lib/harness.h"

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Run script quietly (no live copy) and return its result. */
static struct exec_result run(const char *script, struct exec_cmd *cmd)
{
	struct exec_result res;

	cmd->script = script;
	cmd->echo_fd = -1;
	cr_assert_eq(exec_shell(cmd, &res), 0, "%s", graft_error_message());
	return res;
}

static struct exec_result run_simple(const char *script)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;

	return run(script, &cmd);
}

/* Whether pid is gone (or a zombie nobody has reaped yet). */
static int process_gone_now(pid_t pid)
{
	char path[64], *stat;
	int gone;

	if (kill(pid, 0) < 0)
		return errno == ESRCH;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	stat = read_file(path);
	gone = !stat || strstr(stat, ") Z ") != NULL;
	free(stat);
	return gone;
}

/* Whether pid is gone within a second: a SIGKILL takes a moment. */
static int process_gone(pid_t pid)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!process_gone_now(pid) && seconds_since(&start) < 1)
		usleep(10000);
	return process_gone_now(pid);
}

static pid_t read_pid(const char *path)
{
	char *content = read_file(path);
	pid_t pid;

	cr_assert(content, "no pid in %s", path);
	pid = (pid_t)strtol(content, NULL, 10);
	free(content);
	return pid;
}

Test(exec, reports_exit_status, .init = harness_setup, .fini = harness_teardown)
{
	struct exec_result res = run_simple("exit 3");
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct strbuf how = STRBUF_INIT;

	cr_assert_eq(res.exit_code, 3);
	cr_assert_eq(res.signal, 0);
	cr_assert_not(exec_succeeded(&res));
	exec_describe(&res, &cmd, &how);
	cr_assert_str_eq(how.buf, "exited with status 3");
	strbuf_release(&how);
	exec_result_release(&res);

	res = run_simple("true");
	cr_assert(exec_succeeded(&res));
	exec_result_release(&res);
}

Test(exec, reports_a_killing_signal, .init = harness_setup,
     .fini = harness_teardown)
{
	struct exec_result res = run_simple("kill -KILL $$");
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct strbuf how = STRBUF_INIT;

	cr_assert_eq(res.signal, SIGKILL);
	cr_assert_eq(res.exit_code, -1);
	cr_assert_not(exec_succeeded(&res));
	exec_describe(&res, &cmd, &how);
	cr_assert(strstr(how.buf, "killed by signal 9"), "%s", how.buf);
	strbuf_release(&how);
	exec_result_release(&res);
}

Test(exec, arguments_reach_the_script_untouched, .init = harness_setup,
     .fini = harness_teardown)
{
	const char *args[] = { "two words", "it's \"quoted\"", "x; touch pwned",
			       "$(touch pwned)", "", NULL };
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res;

	cmd.args = args;
	res = run("printf '[%s]\\n' \"$#\" \"$@\"", &cmd);
	cr_assert(exec_succeeded(&res));
	cr_assert_str_eq(res.tail, "[5]\n[two words]\n[it's \"quoted\"]\n"
			 "[x; touch pwned]\n[$(touch pwned)]\n[]\n");
	cr_assert_not(file_exists("pwned"));
	exec_result_release(&res);
}

Test(exec, runs_in_cwd_with_the_extra_environment, .init = harness_setup,
     .fini = harness_teardown)
{
	const char *env[] = { "GRAFT_DEP_NAME=meta kb", "GRAFT_TO_REF=v2", "HOME",
			      NULL };
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res;
	char *sub = tmp_path("sub"), *expected;

	cr_assert(mkdir(sub, 0777) == 0);
	cmd.cwd = sub;
	cmd.env = env;
	res = run("pwd; echo \"$GRAFT_DEP_NAME|$GRAFT_TO_REF|${HOME-unset}|$LC_ALL\"",
		  &cmd);
	cr_assert(asprintf(&expected, "%s\nmeta kb|v2|unset|C\n", sub) > 0);
	cr_assert_str_eq(res.tail, expected);
	free(expected);
	free(sub);
	exec_result_release(&res);
}

Test(exec, a_missing_cwd_is_an_error, .init = harness_setup,
     .fini = harness_teardown)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res;

	cmd.script = "true";
	cmd.cwd = "no/such/dir";
	cr_assert_lt(exec_shell(&cmd, &res), 0);
	cr_assert(strstr(graft_error_message(), "cannot change to 'no/such/dir'"),
		  "%s", graft_error_message());
	graft_error_clear();
	exec_result_release(&res);
}

Test(exec, stdin_is_dev_null, .init = harness_setup, .fini = harness_teardown)
{
	struct exec_result res = run_simple("readlink /proc/self/fd/0; cat; echo end");

	cr_assert_str_eq(res.tail, "/dev/null\nend\n");
	exec_result_release(&res);
}

Test(exec, no_descriptor_leaks_into_the_command, .init = harness_setup,
     .fini = harness_teardown)
{
	int fd = open("/dev/null", O_RDONLY);	/* not close-on-exec */
	struct exec_result res;

	cr_assert(fd > 2);
	/* no pipeline: the shell would hold its pipe meanwhile */
	res = run_simple("ls /proc/$$/fd");
	cr_assert_str_eq(res.tail, "0\n1\n2\n");
	exec_result_release(&res);
	close(fd);
}

/* A SigIgn/SigBlk mask from /proc/<pid>/status, in the output at key. */
static unsigned long long signal_mask(const char *out, const char *key)
{
	const char *at = strstr(out, key);

	cr_assert(at, "no %s in %s", key, out);
	return strtoull(at + strlen(key), NULL, 16);
}

Test(exec, signals_are_reset_for_the_command, .init = harness_setup,
     .fini = harness_teardown)
{
	/* glibc's own signals (32, 33) cannot be set: ignore what we inherited */
	const unsigned long long glibc_internal = 3ULL << 31;
	struct exec_result res;
	sigset_t blocked;

	/* as main() does, and a caller might */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	res = run_simple("grep -E '^Sig(Ign|Blk)' /proc/self/status; "
			 "yes | head -n 1; "
			 "(ulimit -f 1; exec dd if=/dev/zero of=big bs=4096 count=4 2>/dev/null); "
			 "echo dd=$?");
	cr_assert_eq(signal_mask(res.tail, "SigBlk:\t"), 0, "%s", res.tail);
	cr_assert_eq(signal_mask(res.tail, "SigIgn:\t") & ~glibc_internal, 0,
		     "%s", res.tail);
	/* yes dies of SIGPIPE silently; dd of SIGXFSZ (128 + 25) */
	cr_assert(strstr(res.tail, "\ny\n"), "%s", res.tail);
	cr_assert(strstr(res.tail, "dd=153\n"), "%s", res.tail);
	cr_assert_null(strstr(res.tail, "Broken pipe"), "%s", res.tail);
	exec_result_release(&res);
	sigprocmask(SIG_UNBLOCK, &blocked, NULL);
}

Test(exec, keeps_the_last_lines_and_streams_everything,
     .init = harness_setup, .fini = harness_teardown)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res;
	char *live, *path = tmp_path("live");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	cr_assert(fd >= 0);
	cmd.script = "for i in $(seq 1 2000); do echo line $i; done; echo err >&2; "
		     "printf 'no newline'";
	cmd.tail_lines = 3;
	cmd.echo_fd = fd;
	cr_assert_eq(exec_shell(&cmd, &res), 0);
	close(fd);
	cr_assert_str_eq(res.tail, "line 2000\nerr\nno newline");
	live = read_file(path);
	cr_assert(!strncmp(live, "line 1\nline 2\n", 14));
	cr_assert(strstr(live, "line 1999\nline 2000\nerr\nno newline"));
	free(live);
	free(path);
	exec_result_release(&res);
}

Test(exec, an_endless_line_keeps_its_end, .init = harness_setup,
     .fini = harness_teardown)
{
	struct exec_result res = run_simple("head -c 1000000 /dev/zero | tr '\\0' x; echo END");
	size_t len = strlen(res.tail);

	cr_assert_lt(len, 64 * 1024);
	cr_assert_str_eq(res.tail + len - 5, "xEND\n");
	exec_result_release(&res);
}

Test(exec, a_timeout_kills_the_whole_group, .init = harness_setup,
     .fini = harness_teardown)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct strbuf how = STRBUF_INIT;
	struct exec_result res;
	struct timespec start;
	pid_t child, stubborn;

	cmd.timeout = 1;
	cmd.kill_grace_ms = 300;
	clock_gettime(CLOCK_MONOTONIC, &start);
	res = run("sleep 60 & echo $! > child.pid; "
		  "(trap '' TERM; exec sleep 60) & echo $! > stubborn.pid; "
		  "echo waiting; wait", &cmd);
	cr_assert(seconds_since(&start) < 10, "took %.1fs", seconds_since(&start));
	cr_assert(res.timed_out);
	cr_assert_not(exec_succeeded(&res));
	exec_describe(&res, &cmd, &how);
	cr_assert_str_eq(how.buf, "timed out after 1 second");
	cr_assert_str_eq(res.tail, "waiting\n");
	child = read_pid("child.pid");
	stubborn = read_pid("stubborn.pid");
	cr_assert(process_gone(child), "a grandchild survived the timeout");
	cr_assert(process_gone(stubborn), "a grandchild ignoring SIGTERM survived");
	strbuf_release(&how);
	exec_result_release(&res);
}

Test(exec, a_background_process_holding_the_pipe_does_not_hang_it,
     .init = harness_setup, .fini = harness_teardown)
{
	struct exec_result res;
	struct timespec start;
	pid_t bg;

	clock_gettime(CLOCK_MONOTONIC, &start);
	res = run_simple("sleep 60 & echo $! > bg.pid; echo started");
	cr_assert(seconds_since(&start) < 10, "took %.1fs", seconds_since(&start));
	cr_assert(exec_succeeded(&res));
	cr_assert_str_eq(res.tail, "started\n");
	bg = read_pid("bg.pid");
	cr_assert_not(process_gone_now(bg), "not contained, yet ended");
	kill(bg, SIGKILL);
	exec_result_release(&res);
}

/*
 * A contained command's leftovers are all gone, reaped, when exec_shell
 * returns: one that left the session, one orphaned by a double fork and
 * one that ignores SIGTERM.
 */
Test(exec, a_contained_command_leaves_no_process_behind,
     .init = harness_setup, .fini = harness_teardown)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res;
	const char *names[] = { "setsid.pid", "forked.pid", "stubborn.pid" };
	size_t i;

	cmd.contain = 1;
	cmd.kill_grace_ms = 300;
	res = run("setsid sh -c 'echo $$ > setsid.pid; exec sleep 60' "
		  "  </dev/null >/dev/null 2>&1 &\n"
		  "(sh -c 'echo $$ > forked.pid; exec sleep 60' "
		  "  </dev/null >/dev/null 2>&1 &)\n"
		  "setsid sh -c 'trap \"\" TERM; echo $$ > stubborn.pid; exec sleep 60' "
		  "  </dev/null >/dev/null 2>&1 &\n"
		  "while ! test -s setsid.pid || ! test -s forked.pid || "
		  "      ! test -s stubborn.pid; do sleep 0.01; done\n"
		  "echo started", &cmd);
	cr_assert(exec_succeeded(&res), "exit %d", res.exit_code);
	cr_assert_str_eq(res.tail, "started\n");
	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		pid_t pid = read_pid(names[i]);

		cr_assert(kill(pid, 0) < 0 && errno == ESRCH,
			  "%s: %ld still there", names[i], (long)pid);
	}
	exec_result_release(&res);
}

Test(exec, a_contained_command_interrupted_leaves_no_process_behind,
     .init = harness_setup, .fini = harness_teardown)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res;
	pid_t pid;

	cmd.contain = 1;
	cmd.kill_grace_ms = 300;
	res = run("setsid sh -c 'trap \"\" TERM HUP; echo $$ > daemon.pid; "
		  "  exec sleep 60' </dev/null >/dev/null 2>&1 &\n"
		  "while ! test -s daemon.pid; do sleep 0.01; done\n"
		  "kill -HUP $PPID; sleep 60", &cmd);
	cr_assert_eq(res.interrupted, SIGHUP);
	pid = read_pid("daemon.pid");
	cr_assert(kill(pid, 0) < 0 && errno == ESRCH, "%ld still there",
		  (long)pid);
	exec_result_release(&res);
}

static void assert_interrupt_forwarded(int sig, const char *name)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct strbuf how = STRBUF_INIT, script = STRBUF_INIT;
	struct exec_result res;

	/* the shell's parent is this test: signal it as a user would */
	strbuf_addf(&script, "trap 'echo got %s; exit 7' %s; kill -%s $PPID; "
		    "while :; do sleep 0.05; done", name, name, name);
	res = run(script.buf, &cmd);
	cr_assert_eq(res.interrupted, sig);
	cr_assert_eq(exec_caught_signal(), 0, "caught outside a trap");
	cr_assert_eq(res.exit_code, 7, "the group did not get %s", name);
	cr_assert(strstr(res.tail, "got "), "%s", res.tail);
	exec_describe(&res, &cmd, &how);
	cr_assert(strstr(how.buf, name), "%s", how.buf);
	strbuf_release(&how);
	strbuf_release(&script);
	exec_result_release(&res);
}

Test(exec, sigint_is_passed_to_the_group_and_reported,
     .init = harness_setup, .fini = harness_teardown)
{
	assert_interrupt_forwarded(SIGINT, "INT");
}

Test(exec, sigterm_is_passed_to_the_group_and_reported,
     .init = harness_setup, .fini = harness_teardown)
{
	assert_interrupt_forwarded(SIGTERM, "TERM");
}

Test(exec, sighup_is_passed_to_the_group_and_reported,
     .init = harness_setup, .fini = harness_teardown)
{
	assert_interrupt_forwarded(SIGHUP, "HUP");
}

Test(exec, sigquit_is_passed_to_the_group_and_reported,
     .init = harness_setup, .fini = harness_teardown)
{
	assert_interrupt_forwarded(SIGQUIT, "QUIT");
}

Test(exec, a_trap_catches_signals_between_commands,
     .init = harness_setup, .fini = harness_teardown)
{
	struct exec_result res;

	cr_assert_eq(exec_trap_signals(), 0);
	res = run_simple("kill -TERM $PPID");
	cr_assert_eq(res.interrupted, SIGTERM);
	exec_result_release(&res);
	cr_assert_eq(exec_caught_signal(), SIGTERM);
	raise(SIGINT);
	cr_assert_eq(exec_caught_signal(), SIGTERM, "the first signal counts");
	exec_clear_caught_signal();
	cr_assert_eq(exec_caught_signal(), 0);
	exec_untrap_signals();
}

/* Put a fresh file at target (0, 1 or 2) and return a copy of the old one. */
static int replace_fd(int target, int fd)
{
	int saved = dup(target);

	cr_assert(saved >= 0 && dup2(fd, target) == target);
	close(fd);
	return saved;
}

static void restore_fd(int target, int saved)
{
	cr_assert(dup2(saved, target) == target);
	close(saved);
}

Test(exec, an_interactive_command_has_our_stdin_and_stdout,
     .init = harness_setup, .fini = harness_teardown)
{
	const char *args[] = { "a b", NULL };
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res;
	int in[2], saved_in, saved_out;
	char *out;

	cr_assert(pipe(in) == 0);
	cr_assert(write(in[1], "typed\n", 6) == 6);
	close(in[1]);
	saved_in = replace_fd(0, in[0]);
	saved_out = replace_fd(1, open("out", O_WRONLY | O_CREAT | O_TRUNC, 0666));
	cmd.script = "read line; echo \"$line|$#|$1\"; "
		     "if test -p /proc/self/fd/1; then echo piped; fi";
	cmd.args = args;
	cmd.interactive = 1;
	cr_assert_eq(exec_shell(&cmd, &res), 0, "%s", graft_error_message());
	restore_fd(1, saved_out);
	restore_fd(0, saved_in);
	cr_assert(exec_succeeded(&res));
	out = read_file("out");
	cr_assert_str_eq(out, "typed|1|a b\n", "written to our stdout itself");
	cr_assert_str_eq(res.tail, "", "nothing goes through git-graft");
	free(out);
	exec_result_release(&res);
}

Test(exec, an_interactive_command_is_still_timed_out_as_a_group,
     .init = harness_setup, .fini = harness_teardown)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res;
	pid_t pid;

	cmd.script = "sleep 30 & echo $! > bg.pid; wait";
	cmd.timeout = 1;
	cmd.kill_grace_ms = 200;
	cmd.interactive = 1;
	cr_assert_eq(exec_shell(&cmd, &res), 0, "%s", graft_error_message());
	cr_assert(res.timed_out);
	pid = read_pid("bg.pid");
	cr_assert(process_gone(pid), "the background sleep outlived the timeout");
	exec_result_release(&res);
}
