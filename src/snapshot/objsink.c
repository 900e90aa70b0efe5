#include <stdlib.h>
#include <string.h>

#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "snapshot/objsink.h"
#include "snapshot/packwrite.h"

int objsink_open(struct objsink *s, git_repository *repo, int packed)
{
	git_buf objects = GIT_BUF_INIT;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	s->repo = repo;
	if (!packed)
		return 0;
	if (git_repository_odb(&s->disk_odb, repo) < 0 ||
	    git_repository_item_path(&objects, repo,
				     GIT_REPOSITORY_ITEM_OBJECTS) < 0 ||
	    git_odb_new(&s->mem_odb) < 0 ||
	    git_mempack_new(&s->mempack) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot set up the object database");
		goto done;
	}
	if (git_odb_add_backend(s->mem_odb, s->mempack, 1000) < 0) {
		s->mempack->free(s->mempack);
		s->mempack = NULL;
		rc = graft_error_git(GRAFT_EFATAL, "cannot set up the object database");
		goto done;
	}
	if (git_odb_add_disk_alternate(s->mem_odb, objects.ptr) < 0 ||
	    git_repository_set_odb(repo, s->mem_odb) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot set up the object database");
done:
	git_buf_dispose(&objects);
	return rc;
}

void objsink_note(struct objsink *s, const git_oid *id)
{
	if (!s->mempack || !s->mempack->exists(s->mempack, id))
		return;
	ALLOC_GROW(s->written, s->nr + 1, s->alloc);
	s->written[s->nr++] = *id;
}

void objsink_note_cb(const git_oid *id, void *payload)
{
	objsink_note(payload, id);
}

static int by_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/* The objects directory, synced: a new objects/xx/ is an entry in it. */
static int sync_objects_dir(git_repository *repo)
{
	git_buf objects = GIT_BUF_INIT;
	int rc;

	if (git_repository_item_path(&objects, repo,
				     GIT_REPOSITORY_ITEM_OBJECTS) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot find the object database");
	rc = fsync_dir(objects.ptr);
	git_buf_dispose(&objects);
	return rc;
}

/*
 * Files with the same content are one blob, noted once per file: a pack
 * must hold each object once.
 */
int objsink_flush(struct objsink *s)
{
	size_t i, nr = 0;
	int rc;

	if (s->mem_odb && s->nr) {
		qsort(s->written, s->nr, sizeof(*s->written), by_oid);
		for (i = 0; i < s->nr; i++)
			if (!nr || !git_oid_equal(&s->written[nr - 1], &s->written[i]))
				s->written[nr++] = s->written[i];
		s->nr = nr;
		if ((rc = pack_write_objects(s->disk_odb, s->mem_odb, s->written,
					     s->nr)) < 0)
			return rc;
	}
	return sync_objects_dir(s->repo);
}

void objsink_close(struct objsink *s)
{
	if (s->disk_odb && git_repository_set_odb(s->repo, s->disk_odb) < 0)
		git_error_clear();
	git_odb_free(s->mem_odb);
	git_odb_free(s->disk_odb);
	free(s->written);
	memset(s, 0, sizeof(*s));
}
