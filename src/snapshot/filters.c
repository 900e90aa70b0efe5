#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fileio.h"
#include "gitconfig.h"
#include "snapshot/filters.h"
#include "strbuf.h"

static int is_attributes_file(const char *path)
{
	const char *slash = strrchr(path, '/');

	return !strcmp(slash ? slash + 1 : path, ".gitattributes");
}

static int index_has_attributes(git_index *index)
{
	size_t i, n = git_index_entrycount(index);

	for (i = 0; i < n; i++)
		if (is_attributes_file(git_index_get_byindex(index, i)->path))
			return 1;
	return 0;
}

/* A file that is there and not empty. */
static int holds_something(const char *path)
{
	struct strbuf data = STRBUF_INIT;
	int missing, yes;

	yes = file_read(path, &data, &missing) == 0 && !missing && data.len;
	graft_error_clear();
	strbuf_release(&data);
	return yes;
}

/* The attributes files outside the work tree git reads. */
static int global_attributes(git_config *cfg, const struct graft_repo *r,
			     int *found)
{
	struct strbuf path = STRBUF_INIT;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *configured = NULL;
	int rc;

	strbuf_addf(&path, "%sinfo/attributes", r->commondir);
	*found = holds_something(path.buf);
	if (!*found && (rc = gitconfig_get_path(cfg, "core.attributesfile",
						&configured)) < 0) {
		strbuf_release(&path);
		return rc;
	}
	if (!*found && configured)
		*found = holds_something(configured);
	strbuf_reset(&path);
	if (xdg && *xdg)
		strbuf_addf(&path, "%s/git/attributes", xdg);
	else if (home && *home)
		strbuf_addf(&path, "%s/.config/git/attributes", home);
	if (!*found && path.len)
		*found = holds_something(path.buf);
	free(configured);
	strbuf_release(&path);
	return 0;
}

int filters_possible(int *possible, const struct graft_repo *r,
		     git_index *index, int saw_untracked)
{
	git_config *cfg = NULL;
	char *autocrlf = NULL;
	int rc, found = 0;

	*possible = 1;
	if (saw_untracked || (index && index_has_attributes(index)))
		return 0;
	if (git_repository_config_snapshot(&cfg, r->repo) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
	if ((rc = gitconfig_get_string(cfg, "core.autocrlf", &autocrlf)) == 0 &&
	    (rc = global_attributes(cfg, r, &found)) == 0)
		*possible = found || (autocrlf && gitconfig_parse_bool(autocrlf) != 0);
	free(autocrlf);
	git_config_free(cfg);
	return rc;
}
