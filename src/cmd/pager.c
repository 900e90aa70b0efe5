#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "alloc.h"
#include "cmd/output.h"
#include "cmd/pager.h"
#include "error.h"
#include "exec.h"
#include "gitconfig.h"
#include "repo.h"
#include "strbuf.h"

/* Where stderr went before the pager took it, or -1. */
static int saved_stderr = -1;
/* -p (1), -P (0), or neither (-1) */
static int page_option = -1;

void pager_set_option(int page)
{
	page_option = page;
}

/* The repository's config if there is one, else the user's. */
static git_config *read_config(void)
{
	struct graft_repo r;
	git_config *cfg = NULL;

	if (repo_open(&r, 0) == 0) {
		if (git_repository_config_snapshot(&cfg, r.repo) < 0)
			cfg = NULL;
		repo_close(&r);
	}
	graft_error_clear();
	git_error_clear();
	if (!cfg && git_config_open_default(&cfg) < 0) {
		git_error_clear();
		cfg = NULL;
	}
	return cfg;
}

/*
 * The pager for command, or NULL for none: pager.graft.<command> says
 * whether (or which), then git's order of choice.
 */
static char *choose_pager(git_config *cfg, const char *command, int by_default)
{
	struct strbuf key = STRBUF_INIT;
	char *value = NULL, *pager = NULL;
	const char *env;
	int wanted = by_default, b;

	if (page_option == 0)
		return NULL;
	strbuf_addf(&key, "pager.graft.%s", command);
	if (gitconfig_get_string(cfg, key.buf, &value) < 0)
		graft_error_clear();
	strbuf_release(&key);
	if (value && (b = gitconfig_parse_bool(value)) >= 0) {
		wanted = b;
		free(value);
		value = NULL;
	} else if (value) {
		wanted = 1;
	}
	if (page_option == 1)
		wanted = 1;
	if (!wanted) {
		free(value);
		return NULL;
	}
	if ((env = getenv("GIT_PAGER"))) {
		pager = xstrdup(env);
		free(value);
	} else if (value) {
		pager = value;
	} else if (gitconfig_get_string(cfg, "core.pager", &pager) < 0) {
		graft_error_clear();
	}
	if (!pager && (env = getenv("PAGER")))
		pager = xstrdup(env);
	if (!pager)
		pager = xstrdup("less");
	if (!*pager || !strcmp(pager, "cat")) {
		free(pager);
		pager = NULL;
	}
	return pager;
}

/* Our output is all written: the pager may finish, and we wait for it. */
static void close_and_wait(void)
{
	int devnull = open("/dev/null", O_WRONLY);

	/* the pager sees the end of its input once both copies are gone */
	dup2(devnull, STDOUT_FILENO);
	if (saved_stderr >= 0)
		dup2(saved_stderr, STDERR_FILENO);
	if (devnull >= 0)
		close(devnull);
	exec_wait_pager();
}

static void wait_at_exit(void)
{
	fflush(stdout);
	fflush(stderr);
	close_and_wait();
}

/*
 * Killed while paging: the pager must be done with the terminal before
 * the shell takes it back, so wait for it, then die of the signal.
 */
static void wait_on_signal(int sig)
{
	close_and_wait();
	signal(sig, SIG_DFL);
	raise(sig);
}

void pager_setup(const char *command, int by_default)
{
	static const int signals[] = { SIGINT, SIGHUP, SIGTERM, SIGQUIT, SIGPIPE };
	/* git unsets GIT_PAGER_IN_USE for the pager itself */
	const char *env[4] = { "GIT_PAGER_IN_USE", NULL, NULL, NULL };
	git_config *cfg;
	char *pager;
	size_t i, n = 1;
	int fd;

	if (!isatty(STDOUT_FILENO) || exec_pager_pid())
		return;
	cfg = read_config();
	pager = choose_pager(cfg, command, by_default);
	git_config_free(cfg);
	if (!pager)
		return;
	if (!getenv("LESS"))
		env[n++] = "LESS=FRX";
	if (!getenv("LV"))
		env[n++] = "LV=-c";
	fflush(stdout);
	fflush(stderr);
	if (exec_start_pager(&fd, pager, env) < 0) {
		/* as git, which carries on without one */
		graft_error_clear();
		free(pager);
		return;
	}
	free(pager);
	dup2(fd, STDOUT_FILENO);
	if (isatty(STDERR_FILENO)) {
		saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		dup2(fd, STDERR_FILENO);
	}
	close(fd);
	setenv("GIT_PAGER_IN_USE", "true", 1);
	output_pager_started();
	atexit(wait_at_exit);
	for (i = 0; i < sizeof(signals) / sizeof(*signals); i++)
		signal(signals[i], wait_on_signal);
}
