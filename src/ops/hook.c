#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "exec.h"
#include "gitconfig.h"
#include "ops/hook.h"
#include "report.h"
#include "strbuf.h"

/* The hooks' directory, ending in '/'. */
static int hooks_dir(char **out, const struct graft_repo *r, git_config *cfg)
{
	struct strbuf sb = STRBUF_INIT;
	char *configured = NULL;
	int rc;

	if ((rc = gitconfig_get_path(cfg, "core.hooksPath", &configured)) < 0)
		return rc;
	if (!configured)
		strbuf_addf(&sb, "%shooks/", r->commondir);
	else if (configured[0] == '/' || !r->workdir)
		strbuf_addstr(&sb, configured);
	else
		strbuf_addf(&sb, "%s%s", r->workdir, configured);
	if (sb.len && sb.buf[sb.len - 1] != '/')
		strbuf_addch(&sb, '/');
	free(configured);
	*out = strbuf_detach(&sb);
	return 0;
}

int hooks_init(struct hooks *h, const struct graft_repo *r, git_config *cfg)
{
	struct strbuf dotgit = STRBUF_INIT;
	char *gitdir;
	size_t len;
	int rc;

	*h = (struct hooks)HOOKS_INIT;
	if ((rc = hooks_dir(&h->dir, r, cfg)) < 0)
		return rc;
	h->advise_ignored = 1;
	if ((rc = gitconfig_get_bool(cfg, "advice.ignoredHook",
				     &h->advise_ignored)) < 0)
		return rc;
	h->workdir = xstrdup(r->workdir ? r->workdir : r->gitdir);
	cmdenv_set(&h->env, "GIT_PREFIX", r->prefix);
	/* git exports it where it is not the one .git at the top would give */
	strbuf_addf(&dotgit, "%s.git/", r->workdir ? r->workdir : "");
	if (getenv("GIT_DIR") || !r->workdir || strcmp(dotgit.buf, r->gitdir)) {
		gitdir = xstrdup(r->gitdir);
		len = strlen(gitdir);
		if (len > 1 && gitdir[len - 1] == '/')
			gitdir[len - 1] = '\0';
		cmdenv_set(&h->env, "GIT_DIR", gitdir);
		free(gitdir);
	}
	strbuf_release(&dotgit);
	return 0;
}

void hooks_release(struct hooks *h)
{
	free(h->dir);
	free(h->workdir);
	cmdenv_release(&h->env);
	*h = (struct hooks)HOOKS_INIT;
}

static char *hook_path(const struct hooks *h, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s%s", h->dir, name);
	return strbuf_detach(&sb);
}

/* 1: runs; 0: absent; -1: there but not executable (errno EACCES). */
static int hook_state(const char *path)
{
	struct stat st;

	if (access(path, X_OK) == 0 && stat(path, &st) == 0 &&
	    !S_ISDIR(st.st_mode))
		return 1;
	return errno == EACCES ? -1 : 0;
}

int hook_exists(const struct hooks *h, const char *name)
{
	char *path = hook_path(h, name);
	int state = hook_state(path);

	free(path);
	return state == 1;
}

/* The hook's path as messages show it: from the top of the work tree. */
static const char *shown_path(const struct hooks *h, const char *path)
{
	size_t len = strlen(h->workdir);

	return strncmp(path, h->workdir, len) ? path : path + len;
}

/* "NAME=value" (or "NAME", unset) into env. */
static void env_add(struct cmdenv *env, const char *item)
{
	const char *eq = strchr(item, '=');
	char *name = xstrndup(item, eq ? (size_t)(eq - item) : strlen(item));

	cmdenv_set(env, name, eq ? eq + 1 : NULL);
	free(name);
}

int hook_run(const struct hooks *h, const char *name, const char *const *args,
	     const char *const *env)
{
	struct exec_prog prog = EXEC_PROG_INIT;
	struct exec_result res;
	struct cmdenv all = CMDENV_INIT;
	struct strbuf how = STRBUF_INIT;
	const char **argv = NULL;
	char *path = hook_path(h, name);
	size_t nargs = 0, i;
	int state = hook_state(path), rc = 0;

	if (state <= 0) {
		if (state < 0 && h->advise_ignored)
			graft_hint("The '%s' hook was ignored because it's not set as executable.\n"
				   "You can disable this warning with `git config advice.ignoredHook false`.",
				   shown_path(h, path));
		goto done;
	}
	while (args && args[nargs])
		nargs++;
	argv = xcalloc(nargs + 2, sizeof(*argv));
	argv[0] = path;
	for (i = 0; i < nargs; i++)
		argv[i + 1] = args[i];
	for (i = 0; i < h->env.nr; i++)
		env_add(&all, h->env.items[i]);
	for (i = 0; env && env[i]; i++)
		env_add(&all, env[i]);
	prog.argv = argv;
	prog.cwd = h->workdir;
	prog.env = cmdenv_items(&all);
	/* git gives a hook's stdout to stderr, where its messages belong */
	prog.out_fd = STDERR_FILENO;
	if ((rc = exec_prog(&prog, &res)) < 0) {
		graft_error_prefix("the %s hook", name);
		goto done;
	}
	if (res.interrupted) {
		rc = graft_error_code(res.interrupted == SIGINT ? GRAFT_EINT :
				      GRAFT_ETERM, "the %s hook %s was interrupted by %s",
				      name, shown_path(h, path),
				      res.interrupted == SIGINT ? "SIGINT" : "SIGTERM");
	} else if (!exec_succeeded(&res)) {
		exec_describe(&res, NULL, &how);
		rc = graft_error("the %s hook %s %s", name, shown_path(h, path),
				 how.buf);
	}
done:
	strbuf_release(&how);
	cmdenv_release(&all);
	free(argv);
	free(path);
	return rc;
}
