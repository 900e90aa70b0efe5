#ifndef GRAFT_OBJSINK_H
#define GRAFT_OBJSINK_H

#include <stddef.h>

#include <git2.h>

/*
 * Where a snapshot's objects go, durably. With a pack (many new blobs),
 * the repository's object database is swapped for one that writes into
 * memory and reads through to the real one; objsink_flush writes what
 * was created as one fsync'd pack into the real one and objsink_close
 * puts it back. Without, objects are written loose, each fsync'd by
 * libgit2 (GIT_OPT_ENABLE_FSYNC_GITDIR). Either way objsink_flush also
 * syncs the objects directory, whose new fan-out directories libgit2
 * creates without a sync of their parent: once it returns, the objects
 * survive a power cut.
 */
struct objsink {
	git_repository *repo;
	git_odb *disk_odb;		/* the repository's own */
	git_odb *mem_odb;		/* NULL when writing loose objects */
	git_odb_backend *mempack;	/* owned by mem_odb */
	git_oid *written;		/* objects created in memory */
	size_t nr, alloc;
};

int objsink_open(struct objsink *s, git_repository *repo, int packed);
/* Remember id if it was created in memory (it did not exist on disk). */
void objsink_note(struct objsink *s, const git_oid *id);
/* The same as a tree_written_cb (treebuild.h): payload is the sink. */
void objsink_note_cb(const git_oid *id, void *payload);
int objsink_flush(struct objsink *s);
void objsink_close(struct objsink *s);

#endif
