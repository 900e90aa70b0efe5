#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "error.h"
#include "ops/cmdenv.h"
#include "strbuf.h"

/* Every variable git-graft sets for a command (docs/design.md). */
static const char *const graft_variables[] = {
	"GRAFT_ROOT", "GRAFT_DEP_NAME", "GRAFT_DEP_PATH",
	"GRAFT_FROM_REF", "GRAFT_FROM_COMMIT", "GRAFT_TO_REF",
	"GRAFT_TO_COMMIT", "GRAFT_CHANGE_REF", NULL,
};

/* 1 if path is dir or lies below it (both absolute, no trailing '/'). */
static int is_inside(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return !strncmp(path, dir, len) &&
	       (path[len] == '\0' || path[len] == '/' || !strcmp(dir, "/"));
}

int cmdenv_dir(char **out, const char *root, const struct graft_command *c,
	       const char *what)
{
	char real_root[PATH_MAX], real[PATH_MAX];
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	int rc = 0;

	*out = NULL;
	if (!realpath(root, real_root))
		return graft_error("cannot run %s: cannot find '%s': %s", what,
				   root, strerror(errno));
	if (!c->working_dir) {
		*out = xstrdup(real_root);
		return 0;
	}
	strbuf_addf(&path, "%s/%s", real_root, c->working_dir);
	if (!realpath(path.buf, real) || stat(real, &st) < 0) {
		rc = graft_error("cannot run %s: its working_dir '%s' does not exist",
				 what, c->working_dir);
		graft_error_hint("working_dir is relative to the top of the work tree");
	} else if (!S_ISDIR(st.st_mode)) {
		rc = graft_error("cannot run %s: its working_dir '%s' is not a directory",
				 what, c->working_dir);
	} else if (!is_inside(real, real_root)) {
		rc = graft_error("cannot run %s: its working_dir '%s' leads out of the work tree, to '%s'",
				 what, c->working_dir, real);
		graft_error_hint("a symbolic link on the way points outside; a command runs inside the work tree only");
	} else {
		*out = xstrdup(real);
	}
	strbuf_release(&path);
	return rc;
}

static size_t name_length(const char *item)
{
	return strcspn(item, "=");
}

void cmdenv_set(struct cmdenv *env, const char *name, const char *value)
{
	struct strbuf item = STRBUF_INIT;
	size_t len = strlen(name), i;

	strbuf_addstr(&item, name);
	if (value)
		strbuf_addf(&item, "=%s", value);
	for (i = 0; i < env->nr; i++)
		if (name_length(env->items[i]) == len &&
		    !strncmp(env->items[i], name, len))
			break;
	if (i < env->nr) {
		free(env->items[i]);
	} else {
		ALLOC_GROW(env->items, env->nr + 2, env->alloc);
		env->nr++;
		env->items[env->nr] = NULL;
	}
	env->items[i] = strbuf_detach(&item);
}

void cmdenv_init(struct cmdenv *env, const struct graft_command *c,
		 const char *root, const char *dep_name, const char *dep_path)
{
	const char *const *v;
	char *top = xstrdup(root);
	size_t len = strlen(top), i;

	while (len > 1 && top[len - 1] == '/')
		top[--len] = '\0';
	memset(env, 0, sizeof(*env));
	/* config_parse refuses GRAFT_* names: nothing here is overwritten */
	for (i = 0; c && i < c->env_nr; i++)
		cmdenv_set(env, c->env[i].name, c->env[i].value);
	for (v = graft_variables; *v; v++)
		cmdenv_set(env, *v, NULL);
	cmdenv_set(env, "GRAFT_ROOT", top);
	if (dep_name) {
		cmdenv_set(env, "GRAFT_DEP_NAME", dep_name);
		cmdenv_set(env, "GRAFT_DEP_PATH", dep_path);
	}
	free(top);
}

const char *const *cmdenv_items(const struct cmdenv *env)
{
	return (const char *const *)env->items;
}

void cmdenv_release(struct cmdenv *env)
{
	size_t i;

	for (i = 0; i < env->nr; i++)
		free(env->items[i]);
	free(env->items);
	memset(env, 0, sizeof(*env));
}
