#ifndef GRAFT_GITMODULES_H
#define GRAFT_GITMODULES_H

#include <stddef.h>

#include "strbuf.h"

/*
 * Edits to .gitmodules, a file in git's config syntax that users also
 * edit by hand. As with git's own `git submodule add` and `git rm`, one
 * [submodule "<name>"] section is appended or removed and the rest of the
 * file is left as it is.
 */

#define GITMODULES_FILE ".gitmodules"

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
