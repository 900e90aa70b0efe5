#ifndef GRAFT_FILTERS_H
#define GRAFT_FILTERS_H

#include <git2.h>

#include "repo.h"

/*
 * Whether any checkout filter can apply to a file of r: core.autocrlf
 * (true or input) or core.eol with it, or an attributes file anywhere:
 * a .gitattributes the index holds, $GIT_DIR/info/attributes,
 * core.attributesFile or $XDG_CONFIG_HOME/git/attributes, or one that is
 * untracked (saw_untracked: the caller's scan found one). When none can,
 * a file's bytes are its blob as it is, and what libgit2 spends looking
 * attributes up for each path (a realpath and a stat for each directory
 * above it) can be saved: hash and write files as they are.
 */
int filters_possible(int *possible, const struct graft_repo *r,
		     git_index *index, int saw_untracked);

#endif
