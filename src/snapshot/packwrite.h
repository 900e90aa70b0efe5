#ifndef GRAFT_PACKWRITE_H
#define GRAFT_PACKWRITE_H

#include <stddef.h>

#include <git2.h>

/*
 * Write the objects ids (read from src) into dest as one new pack.
 *
 * A snapshot's objects must be on disk before anything is touched, and
 * thousands of loose objects cost two fsyncs each. libgit2's packbuilder
 * makes one pack, but spends most of a snapshot's time searching for
 * deltas, which a pack that lives until the next gc does not need. So the
 * pack is written here as git's pack format v2 with every object whole,
 * deflated at zlib's fastest level; libgit2's indexer then checks every
 * object and the checksum, writes the .idx and, with
 * GIT_OPT_ENABLE_FSYNC_GITDIR on, fsyncs both files and the directory.
 */
int pack_write_objects(git_odb *dest, git_odb *src, const git_oid *ids,
		       size_t nr);

#endif
