#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "deps/dep_gitconfig.h"
#include "error.h"
#include "strbuf.h"

static int open_local_config(git_config **local, git_config **cfg,
			     const struct dep *d)
{
	if (git_repository_config(cfg, d->owner->repo) < 0 ||
	    git_config_open_level(local, *cfg, GIT_CONFIG_LEVEL_LOCAL) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot open the repository's config");
	return 0;
}

int dep_gitconfig_register(struct dep *d, const char *url)
{
	git_config *cfg = NULL, *local = NULL;
	struct strbuf key = STRBUF_INIT;
	int rc;

	if ((rc = open_local_config(&local, &cfg, d)) < 0)
		goto done;
	strbuf_addf(&key, "submodule.%s.url", dep_submodule_name(d));
	if (git_config_set_string(local, key.buf, url) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot set %s", key.buf);
		goto done;
	}
	strbuf_reset(&key);
	strbuf_addf(&key, "submodule.%s.active", dep_submodule_name(d));
	if (git_config_set_bool(local, key.buf, 1) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot set %s", key.buf);
done:
	strbuf_release(&key);
	git_config_free(local);
	git_config_free(cfg);
	return rc;
}

int dep_gitconfig_url(char **out, struct dep *d)
{
	git_config *cfg = NULL, *local = NULL;
	git_config_entry *e = NULL;
	struct strbuf key = STRBUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = open_local_config(&local, &cfg, d)) < 0)
		goto done;
	strbuf_addf(&key, "submodule.%s.url", dep_submodule_name(d));
	rc = git_config_get_entry(&e, local, key.buf);
	if (rc == 0) {
		*out = xstrdup(e->value ? e->value : "");
	} else if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = 1;
	} else {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read %s", key.buf);
	}
done:
	git_config_entry_free(e);
	strbuf_release(&key);
	git_config_free(local);
	git_config_free(cfg);
	return rc;
}

int dep_gitconfig_unregister(struct dep *d)
{
	git_config *cfg = NULL, *local = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	struct strbuf prefix = STRBUF_INIT;
	char **keys = NULL;
	size_t nr = 0, alloc = 0, i;
	int rc, err;

	if ((rc = open_local_config(&local, &cfg, d)) < 0)
		goto done;
	strbuf_addf(&prefix, "submodule.%s.", dep_submodule_name(d));
	if (git_config_iterator_new(&it, local) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
		goto done;
	}
	while ((err = git_config_next(&entry, it)) == 0)
		if (!strncmp(entry->name, prefix.buf, prefix.len) &&
		    !strchr(entry->name + prefix.len, '.')) {
			ALLOC_GROW(keys, nr + 1, alloc);
			keys[nr++] = xstrdup(entry->name);
		}
	if (err != GIT_ITEROVER) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
		goto done;
	}
	git_error_clear();
	for (i = 0; i < nr && !rc; i++)
		if (git_config_delete_multivar(local, keys[i], ".*") < 0)
			rc = graft_error_git(GRAFT_EFATAL, "cannot unset %s", keys[i]);
done:
	for (i = 0; i < nr; i++)
		free(keys[i]);
	free(keys);
	strbuf_release(&prefix);
	git_config_iterator_free(it);
	git_config_free(local);
	git_config_free(cfg);
	return rc;
}
