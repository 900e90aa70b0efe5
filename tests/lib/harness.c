#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "lib/harness.h"

#define CHILD_TIMEOUT_SECONDS 120

static char tmpdir[4096];

static char *vformat(const char *fmt, va_list ap)
{
	va_list cp;
	char *s;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	cr_assert(n >= 0);
	s = malloc((size_t)n + 1);
	cr_assert(s);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

const char *harness_tmp(void)
{
	return tmpdir;
}

char *tmp_path(const char *fmt, ...)
{
	va_list ap;
	char *rel, *s;

	va_start(ap, fmt);
	rel = vformat(fmt, ap);
	va_end(ap);
	s = format("%s/%s", tmpdir, rel);
	free(rel);
	return s;
}

const char *graft_bin(void)
{
	const char *bin = getenv("GRAFT_BIN");

	return bin && *bin ? bin : GRAFT_TEST_BIN;
}

const char *source_dir(void)
{
	return GRAFT_SOURCE_DIR;
}

static const char *const unset_vars[] = {
	"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG_PARAMETERS",
	"GIT_CONFIG_COUNT", "GIT_CEILING_DIRECTORIES", "GIT_NAMESPACE",
	"GIT_PREFIX", "GIT_EXEC_PATH", "GIT_ADVICE", "XDG_CONFIG_HOME",
	"NO_COLOR", "GIT_PAGER_IN_USE", "GIT_TRACE", "EMAIL", "GIT_COMMON_DIR",
	/*
	 * Under `make -jN test` these name a jobserver whose descriptors the
	 * suite does not inherit; a make started by a test would warn.
	 */
	"MAKEFLAGS", "MFLAGS", "MAKELEVEL",
	NULL,
};

void harness_setup(void)
{
	const char *base = getenv("TMPDIR");
	const char *const *v;
	char *gitconfig;

	snprintf(tmpdir, sizeof(tmpdir), "%s/graft-test-XXXXXX",
		 base && *base ? base : "/tmp");
	cr_assert(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));

	for (v = unset_vars; *v; v++)
		unsetenv(*v);
	setenv("HOME", tmpdir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("LC_ALL", "C", 1);
	setenv("LANG", "C", 1);
	setenv("TZ", "UTC", 1);
	setenv("TERM", "dumb", 1);
	setenv("GIT_AUTHOR_NAME", "A U Thor", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "C O Mitter", 1);
	setenv("GIT_COMMITTER_EMAIL", "committer@example.com", 1);
	setenv("GIT_AUTHOR_DATE", "1112911993 -0700", 1);
	setenv("GIT_COMMITTER_DATE", "1112911993 -0700", 1);
	setenv("GIT_MERGE_AUTOEDIT", "no", 1);
	setenv("EDITOR", ":", 1);
	setenv("PAGER", "cat", 1);

	/*
	 * libgit2 1.5 reads $HOME/.gitconfig whatever GIT_CONFIG_NOSYSTEM
	 * says, so a per-test HOME is the isolation. Local sources are
	 * allowed as in git before 2.38.1.
	 */
	gitconfig = tmp_path(".gitconfig");
	write_file(gitconfig,
		   "[init]\n\tdefaultBranch = main\n"
		   "[protocol \"file\"]\n\tallow = always\n"
		   "[advice]\n\tdetachedHead = false\n");
	free(gitconfig);
	cr_assert(chdir(tmpdir) == 0);
}

void harness_libgit2_init(void)
{
	cr_assert(git_libgit2_init() > 0);
	cr_assert(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
				   GIT_CONFIG_LEVEL_GLOBAL, tmpdir) == 0);
	cr_assert(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
				   GIT_CONFIG_LEVEL_XDG, tmpdir) == 0);
	cr_assert(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH,
				   GIT_CONFIG_LEVEL_SYSTEM, "") == 0);
}

void harness_teardown(void)
{
	char *cmd;

	if (!tmpdir[0])
		return;
	if (getenv("GRAFT_TEST_KEEP")) {
		fprintf(stderr, "kept %s\n", tmpdir);
		return;
	}
	if (chdir("/") < 0)
		return;
	/* a test may leave read-only files or directories behind */
	cmd = format("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", tmpdir,
		     tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	free(cmd);
}

struct capture {
	char *buf;
	size_t len, alloc;
};

static void capture_add(struct capture *c, const char *data, size_t n)
{
	if (c->len + n + 1 > c->alloc) {
		c->alloc = (c->len + n + 1) * 2;
		c->buf = realloc(c->buf, c->alloc);
		cr_assert(c->buf);
	}
	memcpy(c->buf + c->len, data, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

static char *capture_take(struct capture *c)
{
	if (!c->buf)
		return strdup("");
	return c->buf;
}

struct cmd_result run_argv_env(const char *dir, const char *const *argv,
			       const char *const *env)
{
	struct cmd_result r = { .status = -1 };
	struct capture out = { 0 }, err = { 0 };
	int pout[2], perr[2], status, open_fds = 2;
	time_t deadline = time(NULL) + CHILD_TIMEOUT_SECONDS;
	pid_t pid;

	cr_assert(pipe(pout) == 0 && pipe(perr) == 0);
	fflush(NULL);
	pid = fork();
	cr_assert(pid >= 0);
	if (!pid) {
		int devnull = open("/dev/null", O_RDONLY);
		const char *const *e;

		dup2(devnull, 0);
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		close(pout[0]);
		close(perr[0]);
		for (e = env; e && *e; e++)
			putenv((char *)*e);
		if (dir && chdir(dir) < 0) {
			fprintf(stderr, "cannot chdir to %s\n", dir);
			_exit(127);
		}
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pout[1]);
	close(perr[1]);
	while (open_fds) {
		struct pollfd fds[2] = {
			{ pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 },
		};
		char chunk[8192];
		int i, n = poll(fds, 2, 1000);

		if (n < 0 && errno == EINTR)
			continue;
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			break;
		}
		for (i = 0; i < 2; i++) {
			ssize_t got;

			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
				continue;
			got = read(fds[i].fd, chunk, sizeof(chunk));
			if (got > 0) {
				capture_add(i ? &err : &out, chunk, (size_t)got);
			} else {
				close(fds[i].fd);
				if (i)
					perr[0] = -1;
				else
					pout[0] = -1;
				open_fds--;
			}
		}
	}
	if (pout[0] >= 0)
		close(pout[0]);
	if (perr[0] >= 0)
		close(perr[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		r.status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		r.status = 128 + WTERMSIG(status);
	r.out = capture_take(&out);
	r.err = capture_take(&err);
	return r;
}

struct cmd_result run_argv(const char *dir, const char *const *argv)
{
	return run_argv_env(dir, argv, NULL);
}

struct cmd_result graft(const char *dir, ...)
{
	const char *argv[64];
	struct cmd_result r;
	va_list ap;
	size_t n = 0;

	argv[n++] = graft_bin();
	va_start(ap, dir);
	while ((argv[n] = va_arg(ap, const char *)) != NULL) {
		n++;
		cr_assert(n < 63, "too many arguments");
	}
	va_end(ap);
	r = run_argv(dir, argv);
	return r;
}

struct cmd_result sh(const char *dir, const char *fmt, ...)
{
	struct cmd_result r;
	va_list ap;
	char *script;

	va_start(ap, fmt);
	script = vformat(fmt, ap);
	va_end(ap);
	{
		const char *argv[] = { "/bin/sh", "-c", script, NULL };

		r = run_argv(dir, argv);
	}
	free(script);
	return r;
}

char *sh_ok(const char *dir, const char *fmt, ...)
{
	const char *argv[4] = { "/bin/sh", "-c", NULL, NULL };
	struct cmd_result r;
	size_t len;
	va_list ap;
	char *script, *out;

	va_start(ap, fmt);
	script = vformat(fmt, ap);
	va_end(ap);
	argv[2] = script;
	r = run_argv(dir, argv);
	cr_assert_eq(r.status, 0, "script failed (%d): %s\nstdout: %s\nstderr: %s",
		     r.status, script, r.out, r.err);
	free(script);
	out = r.out;
	free(r.err);
	len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[len - 1] = '\0';
	return out;
}

void sh_do(const char *dir, const char *fmt, ...)
{
	va_list ap;
	char *script;

	va_start(ap, fmt);
	script = vformat(fmt, ap);
	va_end(ap);
	free(sh_ok(dir, "%s", script));
	free(script);
}

void cmd_result_free(struct cmd_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

char *shq(const char *s)
{
	size_t n = 3, i, j = 0;
	char *q;

	for (i = 0; s[i]; i++)
		n += s[i] == '\'' ? 4 : 1;
	q = malloc(n);
	cr_assert(q);
	q[j++] = '\'';
	for (i = 0; s[i]; i++) {
		if (s[i] == '\'') {
			memcpy(q + j, "'\\''", 4);
			j += 4;
		} else {
			q[j++] = s[i];
		}
	}
	q[j++] = '\'';
	q[j] = '\0';
	return q;
}

void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "wb");

	cr_assert(f, "cannot write %s: %s", path, strerror(errno));
	cr_assert(fwrite(content, 1, strlen(content), f) == strlen(content));
	cr_assert(fclose(f) == 0);
}

char *read_file(const char *path)
{
	struct capture c = { 0 };
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		capture_add(&c, chunk, n);
	fclose(f);
	return capture_take(&c);
}

int file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

char *make_repo(const char *name)
{
	char *path = tmp_path("%s", name);
	char *q = shq(path);
	char *out;

	out = sh_ok(NULL, "git init -q %s && cd %s && echo hello > README && "
		    "git add README && git commit -q -m initial", q, q);
	free(out);
	free(q);
	return path;
}

void assert_contains(const char *haystack, const char *needle)
{
	cr_assert(haystack && strstr(haystack, needle), "'%s' not in:\n%s",
		  needle, haystack ? haystack : "(null)");
}

void assert_str_eq(const char *a, const char *b, const char *what)
{
	cr_assert(a && b && !strcmp(a, b), "%s differs:\n--- expected\n%s\n--- got\n%s",
		  what, a ? a : "(null)", b ? b : "(null)");
}
