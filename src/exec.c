#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "exec.h"

extern char **environ;

/* The longest line kept in a tail; a longer one keeps its end. */
#define TAIL_LINE_BYTES 1024
/* How often a command waiting for the terminal looks whether it is free. */
#define TTY_RECHECK_MS 200
/* What is read from the pipe once the shell has gone, at most. */
#define DRAIN_MAX_BYTES (1024 * 1024)
/* How often the end of a contained command looks for processes again. */
#define SWEEP_RECHECK_MS 50
/* How long past SIGKILL processes that cannot be signalled are waited for. */
#define SWEEP_GIVE_UP_MS 1000

/* ---- signals ---------------------------------------------------------- */

/* What a trap catches: every signal that asks git-graft to stop. */
static const struct {
	int sig;
	const char *name;
} trapped[] = {
	{ SIGHUP, "SIGHUP" },
	{ SIGINT, "SIGINT" },
	{ SIGQUIT, "SIGQUIT" },
	{ SIGTERM, "SIGTERM" },
};
#define NTRAPPED (sizeof(trapped) / sizeof(*trapped))

static int trap_depth;
static volatile sig_atomic_t caught_signal;
/* written by the handlers so that poll() wakes up: the self-pipe trick */
static int wake_pipe[2] = { -1, -1 };
static struct sigaction saved_actions[NTRAPPED];

static void on_signal(int sig)
{
	int saved_errno = errno;
	ssize_t n;

	if (sig != SIGCHLD && !caught_signal)
		caught_signal = sig;
	if (wake_pipe[1] >= 0) {
		n = write(wake_pipe[1], "", 1);
		(void)n;
	}
	errno = saved_errno;
}

static void install(int sig, struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, old);
}

int exec_trap_signals(void)
{
	size_t i;

	if (trap_depth++)
		return 0;
	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		int err = errno;

		trap_depth = 0;
		wake_pipe[0] = wake_pipe[1] = -1;
		return graft_error("cannot create a pipe: %s", strerror(err));
	}
	for (i = 0; i < NTRAPPED; i++)
		install(trapped[i].sig, &saved_actions[i]);
	return 0;
}

void exec_untrap_signals(void)
{
	size_t i;

	if (!trap_depth || --trap_depth)
		return;
	for (i = 0; i < NTRAPPED; i++)
		sigaction(trapped[i].sig, &saved_actions[i], NULL);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	wake_pipe[0] = wake_pipe[1] = -1;
	caught_signal = 0;
}

int exec_caught_signal(void)
{
	return caught_signal;
}

void exec_clear_caught_signal(void)
{
	caught_signal = 0;
}

const char *exec_signal_name(int sig)
{
	size_t i;

	for (i = 0; i < NTRAPPED; i++)
		if (trapped[i].sig == sig)
			return trapped[i].name;
	return "a signal";
}

static void drain_wake_pipe(void)
{
	char buf[64];

	while (wake_pipe[0] >= 0 && read(wake_pipe[0], buf, sizeof(buf)) > 0)
		;
}

/* ---- starting a child ------------------------------------------------- */

/*
 * The environment for a child: ours, with each "NAME=value" of extra
 * replacing NAME and each bare "NAME" removing it.
 */
static char **build_env(const char *const *extra)
{
	size_t n = 0, nextra = 0, i, j;
	char **envp;

	while (environ[n])
		n++;
	while (extra && extra[nextra])
		nextra++;
	envp = xcalloc(n + nextra + 1, sizeof(*envp));
	for (i = 0, j = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		size_t k;

		for (k = 0; k < nextra; k++)
			if (!strncmp(extra[k], environ[i], len) &&
			    (extra[k][len] == '=' || !extra[k][len]))
				break;
		if (k == nextra)
			envp[j++] = environ[i];
	}
	for (i = 0; i < nextra; i++)
		if (strchr(extra[i], '='))
			envp[j++] = (char *)extra[i];
	return envp;
}

/* What went wrong in the child before exec, sent back on a CLOEXEC pipe. */
struct spawn_failure {
	int step;	/* 0: chdir, 1: exec */
	int err;
};

struct spawn_req {
	char *const *argv;
	char **envp;
	const char *cwd;
	int in_fd;		/* the child's stdin; -1: /dev/null */
	int out_fd, err_fd;	/* the child's stdout and stderr */
	int tty_fd;		/* a terminal whose foreground the new group
				 * takes, or -1 */
	int same_group;		/* stay in git-graft's process group */
};

/* Put fd at target, clearing close-on-exec either way. */
static void move_fd(int fd, int target)
{
	if (fd == target)
		fcntl(fd, F_SETFD, 0);
	else
		dup2(fd, target);
}

/* Close every descriptor from 3 up but keep (which is above 2). */
static void close_fds_except(int keep)
{
	long max, fd;

	if (close_range(3, (unsigned)keep - 1, 0) == 0 &&
	    close_range((unsigned)keep + 1, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		if (fd != keep)
			close((int)fd);
}

/* In the child: never returns. Only async-signal-safe calls. */
static void child_exec(const struct spawn_req *req, int in_fd, int status_fd)
{
	struct spawn_failure failure = { 0, 0 };
	sigset_t none;
	ssize_t n;
	int sig;

	if (!req->same_group)
		setpgid(0, 0);
	/*
	 * Every signal is still blocked, SIGTTOU too, so a process outside
	 * the foreground may take it (POSIX tcsetpgrp). Before exec, so the
	 * command never runs without it.
	 */
	if (req->tty_fd >= 0)
		tcsetpgrp(req->tty_fd, getpid());
	move_fd(in_fd, 0);
	move_fd(req->out_fd, 1);
	move_fd(req->err_fd, 2);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (req->cwd && chdir(req->cwd) < 0) {
		failure.err = errno;
		goto fail;
	}
	close_fds_except(status_fd);
	failure.step = 1;
	execve(req->argv[0], req->argv, req->envp);
	failure.err = errno;
fail:
	n = write(status_fd, &failure, sizeof(failure));
	(void)n;
	_exit(127);
}

/*
 * Start the child described by req and set *pid_out. Returns 0 once it
 * runs the program, or a negative error naming what failed (chdir, exec)
 * and the program (what).
 */
static int spawn(pid_t *pid_out, const struct spawn_req *req, const char *what)
{
	struct spawn_failure failure;
	sigset_t all, old;
	int status_pipe[2], devnull = -1, in_fd = req->in_fd, rc = 0;
	ssize_t n;
	pid_t pid;

	if (in_fd < 0) {
		in_fd = devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull < 0)
			return graft_error("cannot open /dev/null: %s",
					   strerror(errno));
	}
	if (pipe2(status_pipe, O_CLOEXEC) < 0) {
		rc = graft_error("cannot create a pipe: %s", strerror(errno));
		if (devnull >= 0)
			close(devnull);
		return rc;
	}
	/* no handler of ours may run in the child before it resets them */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		child_exec(req, in_fd, status_pipe[1]);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (devnull >= 0)
		close(devnull);
	close(status_pipe[1]);
	if (pid < 0) {
		rc = graft_error("cannot run %s: fork failed: %s", what,
				 strerror(errno));
		close(status_pipe[0]);
		return rc;
	}
	/* the child does it too; whichever runs first wins the race */
	if (!req->same_group)
		setpgid(pid, pid);
	do
		n = read(status_pipe[0], &failure, sizeof(failure));
	while (n < 0 && errno == EINTR);
	close(status_pipe[0]);
	if (n == (ssize_t)sizeof(failure)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (failure.step == 0)
			return graft_error("cannot run %s: cannot change to '%s': %s",
					   what, req->cwd, strerror(failure.err));
		return graft_error("cannot run %s: %s", what,
				   strerror(failure.err));
	}
	*pid_out = pid;
	return 0;
}

/* ---- the output tail -------------------------------------------------- */

/*
 * Keep the last max_lines lines of the output, and no more than
 * TAIL_LINE_BYTES a line on average: one endless line keeps its end.
 */
static void tail_add(struct strbuf *tail, size_t max_lines, const char *data,
		     size_t len)
{
	size_t lines = 0, cap = (max_lines + 1) * TAIL_LINE_BYTES, i, cut = 0;

	if (!max_lines)
		return;
	strbuf_add(tail, data, len);
	for (i = tail->len; i > 0; i--) {
		/* a final newline ends the last line, it does not start one */
		if (tail->buf[i - 1] == '\n' && i != tail->len &&
		    ++lines == max_lines) {
			cut = i;
			break;
		}
	}
	if (tail->len - cut > cap)
		cut = tail->len - cap;
	if (cut) {
		memmove(tail->buf, tail->buf + cut, tail->len - cut);
		strbuf_setlen(tail, tail->len - cut);
	}
}

static void echo(int fd, const char *data, size_t len)
{
	/* a closed terminal must not stop the command: a failure is ignored */
	if (fd >= 0)
		(void)write_in_full(fd, data, len);
}

/* ---- running a shell command ------------------------------------------ */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct run_state {
	const struct exec_cmd *cmd;
	struct exec_result *res;
	struct strbuf tail;
	pid_t pid;
	int out;		/* read end of the output pipe, -1 once closed */
	long long deadline;	/* when the timeout expires, 0: never */
	long long kill_at;	/* when SIGKILL follows SIGTERM, 0: not yet */
	int killed;		/* SIGKILL was sent: only the exit is left */
	int tty_fd;		/* the terminal git-graft may hand on, or -1 */
	int has_tty;		/* the command has it */
	int tty_wanted;		/* the command stopped waiting for it */
};

static void take_output(struct run_state *st, const char *data, size_t len)
{
	echo(st->cmd->echo_fd, data, len);
	tail_add(&st->tail, st->cmd->tail_lines, data, len);
}

/* Read the pipe once: bytes read, 0 at its end, <0 when it is empty. */
static ssize_t read_output(struct run_state *st)
{
	char chunk[65536];
	ssize_t n;

	do
		n = read(st->out, chunk, sizeof(chunk));
	while (n < 0 && errno == EINTR);
	if (n > 0)
		take_output(st, chunk, (size_t)n);
	return n;
}

static void close_output(struct run_state *st)
{
	if (st->out >= 0)
		close(st->out);
	st->out = -1;
}

/* Start stopping the group: sig now, SIGKILL after the grace period. */
static void terminate_group(struct run_state *st, int sig)
{
	kill(-st->res->pgid, sig);
	if (!st->kill_at)
		st->kill_at = now_ms() + st->cmd->kill_grace_ms;
}

static int poll_timeout(const struct run_state *st)
{
	long long now = now_ms(), until = 0;

	if (st->killed)
		return -1;
	/* nothing says when git-graft is back in the foreground */
	if (st->tty_wanted)
		return TTY_RECHECK_MS;
	if (st->kill_at)
		until = st->kill_at;
	else if (st->deadline)
		until = st->deadline;
	if (!until)
		return -1;
	return until <= now ? 0 : (int)(until - now);
}

static void record_status(struct exec_result *res, int status)
{
	if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->exit_code = -1;
		res->signal = WTERMSIG(status);
	}
}

/* ---- the terminal, for interactive commands ---------------------------- */

/*
 * stdin when it is git-graft's controlling terminal, which job control
 * lets it hand on while it runs in its foreground; else -1.
 */
static int controlling_terminal(void)
{
	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) < 0)
		return -1;
	return STDIN_FILENO;
}

static int in_foreground(const struct run_state *st)
{
	return tcgetpgrp(st->tty_fd) == getpgrp();
}

/*
 * Whether an interactive command gets the terminal from the start: not
 * when stdout is a pipe, as another program of the pipeline, a pager
 * most likely, needs the terminal too. Then the command gets it only once
 * it tries to use it (see command_stopped).
 */
static int stdout_is_pipe(void)
{
	struct stat st;

	return fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
}

/*
 * Make pgid the terminal's foreground group. Outside the foreground that
 * raises SIGTTOU unless it is blocked, as it is here.
 */
static void set_foreground(int tty_fd, pid_t pgid)
{
	sigset_t ttou, old;

	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(tty_fd, pgid);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* The command may go on, with the terminal while git-graft has it. */
static void resume_command(struct run_state *st)
{
	st->has_tty = st->has_tty && in_foreground(st);
	if (st->has_tty)
		set_foreground(st->tty_fd, st->res->pgid);
	kill(-st->res->pgid, SIGCONT);
}

/*
 * The command stopped. For using the terminal from the background
 * (SIGTTIN, SIGTTOU) it gets the terminal and goes on, as soon as
 * git-graft is in the foreground. Otherwise (^Z) git-graft's whole
 * process group stops with it, as the terminal would have stopped it, so
 * the user's shell sees its job stopped (git itself is in that group when
 * it started git-graft); once continued, the command goes on too, with
 * the terminal if the job is in the foreground (fg, not bg). A job in the
 * background that wants the terminal stops the same way.
 */
static void command_stopped(struct run_state *st, int sig)
{
	int wants_tty = sig == SIGTTIN || sig == SIGTTOU;

	if (st->has_tty)
		set_foreground(st->tty_fd, getpgrp());
	if (!wants_tty || !in_foreground(st))
		kill(0, wants_tty ? sig : SIGTSTP);
	if (wants_tty) {
		/* the shell may have continued the job in the background */
		st->tty_wanted = !in_foreground(st);
		if (st->tty_wanted)
			return;
		st->has_tty = 1;
	}
	resume_command(st);
}

/* A command waiting for the terminal gets it once git-graft has it. */
static void check_tty_wanted(struct run_state *st)
{
	if (st->tty_wanted && in_foreground(st)) {
		st->tty_wanted = 0;
		st->has_tty = 1;
		resume_command(st);
	}
}

/* Wait for the shell, copying output and acting on timeouts and signals. */
static void supervise(struct run_state *st)
{
	struct exec_result *res = st->res;
	/* a stop matters only where there is a terminal to hand on */
	int wait_flags = WNOHANG | (st->tty_fd >= 0 ? WUNTRACED : 0);
	int status;

	for (;;) {
		struct pollfd fds[3] = {
			{ wake_pipe[0], POLLIN, 0 }, { st->cmd->side_fd, POLLIN, 0 },
			{ st->out, POLLIN, 0 },
		};
		pid_t got;

		if (poll(fds, st->out >= 0 ? 3 : 2, poll_timeout(st)) < 0 &&
		    errno != EINTR)
			break;
		drain_wake_pipe();
		if (st->cmd->side_fd >= 0 && (fds[1].revents & POLLIN))
			st->cmd->side_read(st->cmd->side_payload);
		if (caught_signal && !res->interrupted) {
			res->interrupted = caught_signal;
			terminate_group(st, caught_signal);
		}
		if (st->out >= 0 && (fds[2].revents & (POLLIN | POLLHUP)) &&
		    read_output(st) == 0)
			close_output(st);
		got = waitpid(st->pid, &status, wait_flags);
		if (got == st->pid && WIFSTOPPED(status)) {
			command_stopped(st, WSTOPSIG(status));
			continue;
		}
		if (got == st->pid) {
			record_status(res, status);
			return;
		}
		check_tty_wanted(st);
		if (st->deadline && !st->kill_at && now_ms() >= st->deadline) {
			res->timed_out = 1;
			terminate_group(st, SIGTERM);
		}
		if (st->kill_at && !st->killed && now_ms() >= st->kill_at) {
			kill(-res->pgid, SIGKILL);
			st->killed = 1;
		}
	}
	/* poll failed: stop waiting for output, wait for the shell alone */
	while (waitpid(st->pid, &status, 0) < 0 && errno == EINTR)
		;
	record_status(res, status);
}

/*
 * The shell has gone: copy what is in the pipe already, but do not wait
 * for a background process that keeps it open.
 */
static void drain_output(struct run_state *st)
{
	size_t total = 0;

	while (st->out >= 0 && total < DRAIN_MAX_BYTES) {
		struct pollfd pfd = { st->out, POLLIN, 0 };
		ssize_t n;

		if (poll(&pfd, 1, 0) <= 0 || (n = read_output(st)) <= 0)
			break;
		total += (size_t)n;
	}
	close_output(st);
}

/*
 * After a timeout or an interrupt the group must be gone before we
 * return: give what is left of the grace period to SIGTERM, then KILL.
 */
static void finish_group(struct run_state *st)
{
	while (now_ms() < st->kill_at && kill(-st->res->pgid, 0) == 0) {
		struct timespec ms10 = { 0, 10 * 1000 * 1000 };

		nanosleep(&ms10, NULL);
	}
	kill(-st->res->pgid, SIGKILL);
}

/* ---- containment ------------------------------------------------------ */

/* The pager, if one runs: the one child of git-graft a sweep spares. */
static pid_t pager_pid;

/* A process's parent and state letter, from /proc/<pid>/stat. */
static int read_stat(long pid, long *ppid, char *state)
{
	char path[64], buf[512], *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* the name may hold anything, ')' too: only numbers follow the last */
	end = strrchr(buf, ')');
	if (!end || sscanf(end + 1, " %c %ld", state, ppid) != 2)
		return -1;
	return 0;
}

/*
 * The numbers of a process in each pid namespace it is in, from the
 * NSpid line of /proc/<pid>/status ("self" for git-graft): from the one
 * /proc belongs to down to its own. Returns how many (at most max), 0
 * when there is no such line (a kernel before 4.1).
 */
static int read_nspid(const char *pid, long *out, int max)
{
	char path[64], buf[4096], *line, *end;
	ssize_t n;
	int fd, nr = 0;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	line = strstr(buf, "\nNSpid:");
	if (!line)
		return 0;
	line += strlen("\nNSpid:");
	while (nr < max) {
		long v = strtol(line, &end, 10);

		if (end == line)
			break;
		out[nr++] = v;
		line = end;
	}
	return nr;
}

/*
 * How /proc numbers processes. It may be the /proc of a namespace above
 * git-graft's (`unshare --pid` without a /proc of its own): a child's
 * number there is then not the one kill() takes, which is at git-graft's
 * depth in its NSpid.
 */
struct proc_view {
	long self;	/* git-graft's number in /proc */
	int depth;	/* where git-graft's own numbers are in NSpid */
};

#define MAX_PID_NS 33	/* the kernel nests pid namespaces 32 deep */

static void proc_view_init(struct proc_view *v)
{
	long ids[MAX_PID_NS];
	int nr = read_nspid("self", ids, MAX_PID_NS);

	v->self = nr ? ids[0] : (long)getpid();
	v->depth = nr ? nr - 1 : 0;
}

/* A process's number for kill(), from its number in /proc; 0 if unknown. */
static pid_t local_pid(const struct proc_view *v, long pid)
{
	long ids[MAX_PID_NS];
	char name[32];

	if (!v->depth)
		return (pid_t)pid;
	snprintf(name, sizeof(name), "%ld", pid);
	return read_nspid(name, ids, MAX_PID_NS) > v->depth ?
	       (pid_t)ids[v->depth] : 0;
}

/* Pids that were sent SIGTERM already. */
struct pid_set {
	pid_t *pids;
	size_t nr, alloc;
};

static int pid_set_has(const struct pid_set *set, pid_t pid)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		if (set->pids[i] == pid)
			return 1;
	return 0;
}

/*
 * Send sig to every live child of git-graft, found by a scan of /proc;
 * SIGTERM only once to each (sent), followed by SIGCONT, as a stopped
 * process must run to act on it. Returns how many live children there
 * are that git-graft may signal. Only children: their pids cannot pass
 * to another process before git-graft reaps them, so no stranger is
 * ever signalled. Deeper descendants become children as their parents
 * die (a subreaper inherits them), and are signalled then.
 */
static size_t signal_children(int sig, struct pid_set *sent)
{
	struct proc_view view;
	struct dirent *e;
	long id, ppid;
	size_t n = 0;
	char state, *end;
	pid_t pid;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	proc_view_init(&view);
	while ((e = readdir(d))) {
		id = strtol(e->d_name, &end, 10);
		if (*end || id <= 0 || read_stat(id, &ppid, &state) < 0 ||
		    ppid != view.self || state == 'Z' ||
		    !(pid = local_pid(&view, id)) || pid == pager_pid)
			continue;
		if (sig == SIGTERM && pid_set_has(sent, pid)) {
			n += kill(pid, 0) == 0;
			continue;
		}
		if (kill(pid, sig) < 0)
			continue;
		n++;
		if (sig == SIGTERM) {
			kill(pid, SIGCONT);
			ALLOC_GROW(sent->pids, sent->nr + 1, sent->alloc);
			sent->pids[sent->nr++] = pid;
		}
	}
	closedir(d);
	return n;
}

/* Reap what has ended; 1 once git-graft has no child left at all. */
static int reap_children(void)
{
	pid_t got;

	while ((got = waitpid(-1, NULL, WNOHANG)) > 0)
		;
	return got < 0 && errno == ECHILD;
}

/*
 * The contained command is over: end every process it left, however far
 * it got from its group (setsid, a double fork, a daemon), and reap them.
 * Every child of git-graft (the subreaper inherits every orphan) gets
 * SIGTERM, and so does each orphan that turns up as its parent ends;
 * from kill_at on, SIGKILL; until waitpid says no child is left, as a
 * live descendant always has an ancestor among the children. Processes
 * that stay out of reach (not ours to signal, or no /proc to find them
 * in) are given up on SWEEP_GIVE_UP_MS after that, and said so in res.
 */
static void end_descendants(struct run_state *st, long long kill_at)
{
	long long give_up_at = kill_at + SWEEP_GIVE_UP_MS;
	struct pid_set sent = { NULL, 0, 0 };

	while (!reap_children()) {
		struct pollfd pfd = { wake_pipe[0], POLLIN, 0 };
		long long now = now_ms(), until;
		int sig = now < kill_at ? SIGTERM : SIGKILL;

		if (signal_children(sig, &sent))
			give_up_at = (now > kill_at ? now : kill_at) +
				     SWEEP_GIVE_UP_MS;
		else if (pager_pid > 0 && kill(pager_pid, 0) == 0)
			break;	/* the pager is all that is left */
		else if (now >= give_up_at) {
			st->res->left_running = 1;
			break;
		}
		until = sig == SIGTERM ? kill_at : give_up_at;
		if (until > now + SWEEP_RECHECK_MS)
			until = now + SWEEP_RECHECK_MS;
		/* SIGCHLD wakes it: a child ended, its children are ours */
		poll(&pfd, 1, (int)(until - now));
		drain_wake_pipe();
	}
	free(sent.pids);
}

static char **shell_argv(const struct exec_cmd *cmd)
{
	size_t n = 0, i;
	char **argv;

	while (cmd->args && cmd->args[n])
		n++;
	argv = xcalloc(n + 5, sizeof(*argv));
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)cmd->script;
	/* $0 of the script; the arguments follow as $1... */
	argv[3] = "sh";
	for (i = 0; i < n; i++)
		argv[4 + i] = (char *)cmd->args[i];
	return argv;
}

int exec_shell(const struct exec_cmd *cmd, struct exec_result *res)
{
	struct run_state st = {
		.cmd = cmd, .res = res, .tail = STRBUF_INIT, .out = -1,
		.tty_fd = -1,
	};
	struct sigaction sa, saved_chld, saved_pipe;
	struct spawn_req req;
	char **argv = shell_argv(cmd), **envp = build_env(cmd->env);
	int out_pipe[2] = { -1, -1 }, rc;

	*res = (struct exec_result)EXEC_RESULT_INIT;
	if ((rc = exec_trap_signals()) < 0)
		goto done;
	/* orphans it leaves become git-graft's children, not init's */
	if (cmd->contain && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		rc = graft_error("cannot run the command: cannot become the subreaper of its processes: %s",
				 strerror(errno));
		goto untrap;
	}
	if (cmd->interactive) {
		st.tty_fd = controlling_terminal();
		st.has_tty = st.tty_fd >= 0 && in_foreground(&st) &&
			     !stdout_is_pipe();
	} else if (pipe2(out_pipe, O_CLOEXEC) < 0) {
		rc = graft_error("cannot create a pipe: %s", strerror(errno));
		goto uncontain;
	}
	/* SIGCHLD wakes the poll loop; a closed terminal must not kill us */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | (st.tty_fd >= 0 ? 0 : SA_NOCLDSTOP);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &saved_chld);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, &saved_pipe);

	if (cmd->interactive)
		req = (struct spawn_req){
			.argv = argv, .envp = envp, .cwd = cmd->cwd,
			.in_fd = STDIN_FILENO, .out_fd = STDOUT_FILENO,
			.err_fd = STDERR_FILENO,
			.tty_fd = st.has_tty ? st.tty_fd : -1,
		};
	else
		req = (struct spawn_req){
			.argv = argv, .envp = envp, .cwd = cmd->cwd,
			.in_fd = -1, .out_fd = out_pipe[1],
			.err_fd = out_pipe[1], .tty_fd = -1,
		};
	rc = spawn(&st.pid, &req, "the command");
	if (out_pipe[1] >= 0)
		close(out_pipe[1]);
	st.out = out_pipe[0];
	if (rc == 0) {
		if (st.out >= 0)
			fcntl(st.out, F_SETFL,
			      fcntl(st.out, F_GETFL) | O_NONBLOCK);
		res->pgid = st.pid;
		if (cmd->timeout)
			st.deadline = now_ms() + (long long)cmd->timeout * 1000;
		supervise(&st);
		drain_output(&st);
		if (cmd->contain)
			end_descendants(&st, st.kill_at ? st.kill_at :
					now_ms() + cmd->kill_grace_ms);
		else if (res->timed_out || res->interrupted)
			finish_group(&st);
	}
	/* the child takes the terminal first thing, even if it fails after */
	if (st.has_tty)
		set_foreground(st.tty_fd, getpgrp());
	close_output(&st);
	sigaction(SIGCHLD, &saved_chld, NULL);
	sigaction(SIGPIPE, &saved_pipe, NULL);
uncontain:
	if (cmd->contain)
		prctl(PR_SET_CHILD_SUBREAPER, 0);
untrap:
	exec_untrap_signals();
done:
	res->tail = strbuf_detach(&st.tail);
	free(argv);
	free(envp);
	return rc;
}

int exec_succeeded(const struct exec_result *res)
{
	return res->exit_code == 0 && !res->signal && !res->timed_out &&
	       !res->interrupted && !res->left_running;
}

void exec_describe(const struct exec_result *res, const struct exec_cmd *cmd,
		   struct strbuf *sb)
{
	if (res->interrupted)
		strbuf_addf(sb, "was interrupted (%s)",
			    exec_signal_name(res->interrupted));
	else if (res->timed_out)
		strbuf_addf(sb, "timed out after %u second%s", cmd->timeout,
			    cmd->timeout == 1 ? "" : "s");
	else if (res->signal)
		strbuf_addf(sb, "was killed by signal %d (%s)", res->signal,
			    strsignal(res->signal));
	else if (res->exit_code || !res->left_running)
		strbuf_addf(sb, "exited with status %d", res->exit_code);
	else
		strbuf_addstr(sb, "left processes running that git-graft cannot stop");
}

void exec_result_release(struct exec_result *res)
{
	free(res->tail);
	res->tail = NULL;
}

/* ---- running a program directly --------------------------------------- */

/*
 * name as execve takes it: itself when it holds a '/', else the first
 * executable file of that name in a directory of PATH, as execvp finds
 * it. NULL when there is none.
 */
static char *find_program(const char *name)
{
	const char *path = getenv("PATH"), *dir, *end;
	struct strbuf sb = STRBUF_INIT;
	struct stat st;

	if (strchr(name, '/'))
		return xstrdup(name);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (dir = path; ; dir = end + 1) {
		end = strchrnul(dir, ':');
		strbuf_reset(&sb);
		/* an empty entry is the current directory */
		if (end == dir)
			strbuf_addch(&sb, '.');
		else
			strbuf_add(&sb, dir, (size_t)(end - dir));
		strbuf_addf(&sb, "/%s", name);
		if (access(sb.buf, X_OK) == 0 && stat(sb.buf, &st) == 0 &&
		    S_ISREG(st.st_mode))
			return strbuf_detach(&sb);
		if (!*end)
			break;
	}
	strbuf_release(&sb);
	return NULL;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* What exec_prog feeds the program and keeps of what it writes. */
struct prog_io {
	int in, out, err;	/* our ends of its pipes, -1 when closed */
	const char *input;
	size_t input_len, written;
	struct strbuf *out_buf, *err_buf;
};

/* Read what fd holds now into sb; closes fd at its end. */
static void read_available(int *fd, struct strbuf *sb)
{
	char chunk[65536];
	ssize_t n;

	while (*fd >= 0) {
		n = read(*fd, chunk, sizeof(chunk));
		if (n > 0) {
			strbuf_add(sb, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN)
			close_fd(fd);
		return;
	}
}

/* Write what the pipe takes of the input; closes it once all is written. */
static void write_available(struct prog_io *io)
{
	while (io->in >= 0 && io->written < io->input_len) {
		ssize_t n = write(io->in, io->input + io->written,
				  io->input_len - io->written);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		/* a program that stops reading gets no more */
		if (n <= 0)
			break;
		io->written += (size_t)n;
	}
	close_fd(&io->in);
}

static void read_outputs(struct prog_io *io)
{
	if (io->out >= 0)
		read_available(&io->out, io->out_buf);
	if (io->err >= 0)
		read_available(&io->err, io->err_buf);
}

/*
 * Feed and read the pipes until the program exits; what it wrote
 * before that is read to the end, but a background process it left
 * holding a pipe is not waited for.
 */
static int supervise_prog(pid_t pid, struct prog_io *io)
{
	int forwarded = 0, status = 0;

	for (;;) {
		struct pollfd fds[4];
		nfds_t n = 0;
		pid_t got;

		fds[n++] = (struct pollfd){ wake_pipe[0], POLLIN, 0 };
		if (io->in >= 0)
			fds[n++] = (struct pollfd){ io->in, POLLOUT, 0 };
		if (io->out >= 0)
			fds[n++] = (struct pollfd){ io->out, POLLIN, 0 };
		if (io->err >= 0)
			fds[n++] = (struct pollfd){ io->err, POLLIN, 0 };
		if (poll(fds, n, -1) < 0 && errno != EINTR)
			break;
		drain_wake_pipe();
		/* it runs in our process group: only a kill(2) to us misses it */
		if (caught_signal && !forwarded) {
			kill(pid, caught_signal);
			forwarded = 1;
		}
		write_available(io);
		read_outputs(io);
		got = waitpid(pid, &status, WNOHANG);
		if (got == pid || (got < 0 && errno != EINTR)) {
			/* what it wrote after the reads above, as it exited */
			read_outputs(io);
			return status;
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static int make_pipe(int fds[2], int nonblocking_end)
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return graft_error("cannot create a pipe: %s", strerror(errno));
	fcntl(fds[nonblocking_end], F_SETFL,
	      fcntl(fds[nonblocking_end], F_GETFL) | O_NONBLOCK);
	return 0;
}

int exec_prog(const struct exec_prog *p, struct exec_result *res)
{
	struct prog_io io = {
		.in = -1, .out = -1, .err = -1,
		.input = p->input, .input_len = p->input_len,
		.out_buf = p->out, .err_buf = p->err,
	};
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int outer = !trap_depth, status, rc, sig;
	struct sigaction sa, saved_chld, saved_pipe;
	struct spawn_req req;
	char *path = find_program(p->argv[0]), **argv = NULL, **envp = NULL;
	size_t nargs = 0;
	pid_t pid;

	*res = (struct exec_result)EXEC_RESULT_INIT;
	if (!path)
		return graft_error("cannot run %s: %s", p->argv[0],
				   strerror(ENOENT));
	if ((rc = exec_trap_signals()) < 0)
		goto done;
	if ((p->input && (rc = make_pipe(in, 1)) < 0) ||
	    (p->out && (rc = make_pipe(out, 0)) < 0) ||
	    (p->err && (rc = make_pipe(err, 0)) < 0))
		goto untrap;
	while (p->argv[nargs])
		nargs++;
	argv = xcalloc(nargs + 1, sizeof(*argv));
	memcpy(argv, p->argv, nargs * sizeof(*argv));
	argv[0] = path;
	envp = build_env(p->env);

	/* SIGCHLD wakes the poll loop; a program that stops reading must not kill us */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &saved_chld);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, &saved_pipe);
	req = (struct spawn_req){
		.argv = argv, .envp = envp, .cwd = p->cwd, .in_fd = in[0],
		.out_fd = p->out ? out[1] : p->out_fd,
		.err_fd = p->err ? err[1] : STDERR_FILENO,
		.tty_fd = -1, .same_group = 1,
	};
	rc = spawn(&pid, &req, p->argv[0]);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	io.in = in[1];
	io.out = out[0];
	io.err = err[0];
	in[1] = out[0] = err[0] = -1;
	if (rc == 0) {
		status = supervise_prog(pid, &io);
		record_status(res, status);
		res->interrupted = caught_signal;
	}
	close_fd(&io.in);
	close_fd(&io.out);
	close_fd(&io.err);
	sigaction(SIGCHLD, &saved_chld, NULL);
	sigaction(SIGPIPE, &saved_pipe, NULL);
untrap:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	sig = caught_signal;
	exec_untrap_signals();
	/* nobody traps it above us: it does what it would have done */
	if (outer && sig)
		raise(sig);
done:
	free(argv);
	free(envp);
	free(path);
	return rc;
}

/* ---- the pager -------------------------------------------------------- */


int exec_start_pager(int *fd, const char *command, const char *const *env)
{
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	char **envp = build_env(env);
	struct spawn_req req;
	int pipe_fds[2], rc;
	pid_t pid;

	if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
		free(envp);
		return graft_error("cannot create a pipe: %s", strerror(errno));
	}
	req = (struct spawn_req){
		.argv = argv, .envp = envp, .in_fd = pipe_fds[0],
		.out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO,
		.tty_fd = -1, .same_group = 1,
	};
	rc = spawn(&pid, &req, "the pager");
	close(pipe_fds[0]);
	free(envp);
	if (rc < 0) {
		close(pipe_fds[1]);
		return rc;
	}
	pager_pid = pid;
	*fd = pipe_fds[1];
	return 0;
}

pid_t exec_pager_pid(void)
{
	return pager_pid;
}

void exec_wait_pager(void)
{
	if (pager_pid <= 0)
		return;
	while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
		;
	pager_pid = 0;
}
