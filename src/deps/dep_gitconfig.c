#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "deps/dep_gitconfig.h"
#include "deps/gitmodules.h"
#include "error.h"
#include "fileio.h"
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

/* Replace the file at path with next through lock, taken already. */
static int commit_lock(int fd, const char *lock, const char *path,
		       const struct strbuf *next)
{
	struct stat st;

	if (!stat(path, &st) && fchmod(fd, st.st_mode & 07777) < 0)
		return graft_error("cannot write '%s': %s", lock, strerror(errno));
	if (write_in_full(fd, next->buf, next->len) < 0 || fsync(fd) < 0)
		return graft_error("cannot write '%s': %s", lock, strerror(errno));
	if (rename(lock, path) < 0)
		return graft_error("cannot rename '%s' to '%s': %s", lock, path,
				   strerror(errno));
	return fsync_parent_dir(path);
}

int dep_gitconfig_unregister(struct dep *d)
{
	struct strbuf path = STRBUF_INIT, lock = STRBUF_INIT;
	struct strbuf old = STRBUF_INIT, next = STRBUF_INIT;
	int fd, missing, rc = 0;

	strbuf_addf(&path, "%sconfig", d->owner->commondir);
	strbuf_addf(&lock, "%s.lock", path.buf);
	/* the lock git and libgit2 take to write the file */
	fd = open(lock.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = graft_error("cannot lock '%s': %s", path.buf, strerror(errno));
		if (errno == EEXIST)
			graft_error_hint("another git process seems to be running; if not, remove '%s'",
					 lock.buf);
		goto done;
	}
	if ((rc = file_read(path.buf, &old, &missing)) == 0 &&
	    gitmodules_remove(&next, old.buf, old.len, dep_submodule_name(d)))
		rc = commit_lock(fd, lock.buf, path.buf, &next);
	close(fd);
	/* gone once renamed; left when there was nothing to change */
	if (unlink(lock.buf) < 0 && errno != ENOENT && rc == 0)
		rc = graft_error("cannot remove '%s': %s", lock.buf, strerror(errno));
done:
	strbuf_release(&path);
	strbuf_release(&lock);
	strbuf_release(&old);
	strbuf_release(&next);
	return rc;
}
