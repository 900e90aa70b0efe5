#ifndef GRAFT_EXEC_H
#define GRAFT_EXEC_H

#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

/*
 * Running other programs: the migration and verification commands of an
 * upgrade (docs/design.md); and, further down, programs run directly (hooks,
 * signing programs, credential helpers) and the pager.
 *
 * A command runs as `/bin/sh -c <script> sh <args>...`, so arguments
 * reach the script as "$1"... and are never pasted into it. It runs in
 * its own process group, with stdin from /dev/null, no file descriptor of
 * git-graft's but 0-2, every signal at its default disposition and none
 * blocked (git-graft ignores SIGXFSZ and may ignore SIGPIPE; a command
 * must not inherit that). Its stdout and stderr share one pipe: git-graft
 * copies what arrives to the user's terminal as it comes and keeps the
 * last lines for the error message.
 *
 * A contained command (an upgrade's migrations and verifications) is
 * also ended with every process it started, however far it got from
 * its group (setsid, a double fork, a daemon): while it runs git-graft
 * is the child subreaper (prctl PR_SET_CHILD_SUBREAPER), so whatever it
 * orphans becomes git-graft's child instead of init's, and once the
 * shell has exited (or timed out, or was interrupted) every child
 * git-graft has gets SIGTERM, then SIGKILL after kill_grace_ms, and is
 * reaped, down to the last descendant. That is the contract: git-graft
 * cannot tell its own children from the command's, so a contained
 * command may only be run while git-graft has no other child process
 * but the pager (exec_start_pager), which is spared; no other is left
 * when it returns. A process the command asks someone
 * else to start (a service manager, a build server it only talks to) is
 * no descendant and is not stopped.
 *
 * A command the user runs directly (`git graft run`) is interactive
 * instead: it gets git-graft's own stdin, stdout and stderr, and the
 * terminal as a shell gives it to a job. While git-graft runs in the
 * foreground of its controlling terminal, the command's group is the
 * foreground: it can read the terminal (a background group reading it is
 * stopped by SIGTTIN), ^C and ^Z reach it, and a ^Z stops git-graft with
 * it so the user's shell gets the terminal back (`fg` goes on). When
 * stdout is a pipe, the command gets the terminal only once it tries to
 * use it, so that a pager at the end of the pipe has it until then.
 */

struct exec_cmd {
	const char *script;		/* shell script, run by /bin/sh -c */
	const char *const *args;	/* "$1"...; NULL-terminated, or NULL */
	const char *cwd;		/* NULL: the current directory */
	const char *const *env;		/* "NAME=value" to set, "NAME" to unset */
	unsigned timeout;		/* seconds; 0: none */
	unsigned kill_grace_ms;		/* between SIGTERM and SIGKILL */
	size_t tail_lines;		/* how many last lines to keep */
	int echo_fd;			/* live copy of the output; -1: none */
	int interactive;		/* see above; no echo, no tail */
	int contain;			/* see above; not with interactive */
	/*
	 * While it runs, side_read(side_payload) is called whenever
	 * side_fd is readable (a file watcher's events, read as they come
	 * so that its queue does not overflow); -1: none.
	 */
	int side_fd;
	void (*side_read)(void *payload);
	void *side_payload;
};

#define EXEC_DEFAULT_GRACE_MS 2000
#define EXEC_DEFAULT_TAIL_LINES 20
#define EXEC_CMD_INIT { .kill_grace_ms = EXEC_DEFAULT_GRACE_MS, \
			.tail_lines = EXEC_DEFAULT_TAIL_LINES, .echo_fd = 2, \
			.side_fd = -1 }

struct exec_result {
	int exit_code;		/* exit status, or -1 when killed by a signal */
	int signal;		/* the signal that killed it, or 0 */
	int timed_out;		/* killed because the timeout expired */
	int interrupted;	/* the signal git-graft received, or 0 */
	int left_running;	/* contained: processes it left could not be
				 * stopped (not ours to signal) */
	pid_t pgid;		/* its process group (may outlive it) */
	char *tail;		/* its last output lines, never NULL */
};

#define EXEC_RESULT_INIT { .exit_code = -1 }

/*
 * Run cmd and wait for it. Returns 0 once it ran, whatever its outcome
 * (see res and exec_succeeded), or a negative error with a message when
 * it could not be started (no such working directory, fork failed).
 *
 * It returns as soon as the shell itself has exited: output already in
 * the pipe is copied, but a background process the command left behind
 * holding the pipe is not waited for (a contained command's is ended).
 *
 * On timeout the whole process group gets SIGTERM, then SIGKILL after
 * kill_grace_ms. A SIGHUP, SIGINT, SIGQUIT or SIGTERM sent to git-graft
 * meanwhile is passed to the group the same way and recorded in
 * res->interrupted, so the caller can roll back and exit 128 + the
 * signal (see exec_trap_signals; one caught before the command started
 * stops it at once).
 */
int exec_shell(const struct exec_cmd *cmd, struct exec_result *res);

/*
 * True when the command exited with status 0 (and was not stopped, and
 * left nothing running that could not be stopped).
 */
int exec_succeeded(const struct exec_result *res);

/*
 * How the command ended, in words: "exited with status 3", "was killed
 * by signal 9 (Killed)", "timed out after 5 seconds", "was interrupted
 * (SIGINT)", "left processes running that git-graft cannot stop".
 * Appended to sb.
 */
void exec_describe(const struct exec_result *res, const struct exec_cmd *cmd,
		   struct strbuf *sb);

void exec_result_release(struct exec_result *res);

/*
 * A program run directly, as git runs hooks and signing programs: no
 * shell; argv[0] is looked up on PATH unless it holds a '/'. It stays in
 * git-graft's process group, so that it can use the terminal as git's
 * own children do (ssh-keygen asks for a passphrase there), and gets
 * stdin from input (or /dev/null), every signal at its default, and no
 * file descriptor of git-graft's but 0-2.
 */
struct exec_prog {
	const char *const *argv;	/* NULL-terminated */
	const char *cwd;		/* NULL: the current directory */
	const char *const *env;		/* as exec_cmd.env */
	const char *input;		/* its stdin; NULL: /dev/null */
	size_t input_len;
	struct strbuf *out;		/* keeps its stdout; NULL: out_fd */
	int out_fd;			/* its stdout when not kept */
	struct strbuf *err;		/* keeps its stderr; NULL: stderr */
};

#define EXEC_PROG_INIT { .out_fd = 1 }

/*
 * Run p and wait for it. Returns 0 once it ran, whatever its outcome
 * (res->exit_code and res->signal; res->tail stays NULL), or a negative
 * error when it could not start ("cannot run gpg: No such file or
 * directory"). What it writes to a kept stream is read until it exits.
 * A signal git-graft traps (exec_trap_signals) that arrives meanwhile is
 * passed to it and recorded in res->interrupted; unless signals are
 * trapped around the call, it is raised again once it has ended.
 */
int exec_prog(const struct exec_prog *p, struct exec_result *res);

/*
 * The pager: `/bin/sh -c <command>` with env, in git-graft's process
 * group (it reads keys from the terminal), its stdout and stderr
 * git-graft's, its stdin the pipe whose other end is *fd. It runs until
 * git-graft has written everything, so whatever ends the processes that
 * a command left behind must spare exec_pager_pid().
 */
int exec_start_pager(int *fd, const char *command, const char *const *env);
/* The pager's pid, or 0 when none runs. */
pid_t exec_pager_pid(void);
/* Wait until the pager has ended (once its input is closed). */
void exec_wait_pager(void);

/*
 * From here until exec_untrap_signals, SIGHUP, SIGINT, SIGQUIT and
 * SIGTERM do not kill git-graft: the first one is recorded
 * (exec_caught_signal) and passed to a running command's process group.
 * An upgrade traps them for its whole run, so an interrupt between two
 * commands is seen too, and rolls back. Calls nest; exec_shell traps
 * them itself while it runs. The caught signal is forgotten when the
 * outermost trap ends: check it before.
 */
int exec_trap_signals(void);
void exec_untrap_signals(void);
/* The signal that arrived while trapped, else 0. */
int exec_caught_signal(void);
/* Forget a caught signal (after the caller has acted on it). */
void exec_clear_caught_signal(void);
/* "SIGHUP", "SIGINT", "SIGQUIT" or "SIGTERM" for a signal a trap catches. */
const char *exec_signal_name(int sig);

#endif
