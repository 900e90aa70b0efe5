#include <string.h>

#include "deps/dep_gitlink.h"
#include "error.h"

int dep_gitlink(git_oid *out, git_index *idx, const struct dep *d)
{
	const git_index_entry *e = git_index_get_bypath(idx, d->path, 0);

	if (!e || e->mode != GIT_FILEMODE_COMMIT) {
		graft_error("the index has no gitlink for %s", d->shown);
		return 1;
	}
	git_oid_cpy(out, &e->id);
	return 0;
}

int dep_stage_gitlink(git_index *idx, const struct dep *d,
		      const git_oid *commit)
{
	git_index_entry e;

	memset(&e, 0, sizeof(e));
	e.mode = GIT_FILEMODE_COMMIT;
	e.path = d->path;
	git_oid_cpy(&e.id, commit);
	if (git_index_add(idx, &e) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot record %s in the index",
				       d->shown);
	return 0;
}

int dep_unstage_gitlink(git_index *idx, const struct dep *d)
{
	if (!git_index_get_bypath(idx, d->path, 0))
		return 0;
	if (git_index_remove(idx, d->path, 0) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot remove %s from the index",
				       d->shown);
	return 0;
}
