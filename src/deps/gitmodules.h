#ifndef GRAFT_GITMODULES_H
#define GRAFT_GITMODULES_H

#include <stddef.h>

#include "strbuf.h"

/*
 * .gitmodules, a file in git's config syntax that users also edit by
 * hand: read as git reads it, from the work tree; edited as git's own
 * `git submodule add` and `git rm` edit it, one [submodule "<name>"]
 * section appended or removed and the rest of the file left as it is.
 */

#define GITMODULES_FILE ".gitmodules"

/* A submodule as .gitmodules registers it. */
struct gitmodules_entry {
	char *name;
	char *path;	/* without trailing '/'; NULL when not set */
	char *url;	/* NULL when not set */
};

struct gitmodules {
	struct gitmodules_entry *items;	/* in the order of the file */
	size_t nr, alloc;
};

#define GITMODULES_INIT { .items = NULL }

/*
 * Read the .gitmodules file at path. No file is no submodule. A symbolic
 * link is refused, as git refuses it; an unreadable or malformed file is
 * GRAFT_EFAIL. Where a key is repeated, the last value counts, as in git.
 */
int gitmodules_read(struct gitmodules *gm, const char *path);
void gitmodules_release(struct gitmodules *gm);

/* The first submodule at path, or NULL. */
const struct gitmodules_entry *gitmodules_find_path(const struct gitmodules *gm,
						     const char *path);
/* The submodule named name (exactly: names are case-sensitive), or NULL. */
const struct gitmodules_entry *gitmodules_find_name(const struct gitmodules *gm,
						     const char *name);

/*
 * out = buf with [submodule "<name>"] appended, holding path and url, in
 * the layout git writes (tab-indented keys).
 */
void gitmodules_append(struct strbuf *out, const char *buf, size_t len,
		       const char *name, const char *path, const char *url);

/*
 * out = buf without the [submodule "<name>"] section (also written
 * [submodule.<name>]): from its header to the next section header, as
 * `git config --remove-section` does. Returns the number of sections
 * removed.
 */
int gitmodules_remove(struct strbuf *out, const char *buf, size_t len,
		      const char *name);

#endif
