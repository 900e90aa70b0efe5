#ifndef GRAFT_FILEEDIT_H
#define GRAFT_FILEEDIT_H

#include <stddef.h>

#include "strbuf.h"

/*
 * A set of whole-file changes applied together: every file is written
 * atomically (file_write_atomic), and if one write fails, or the caller
 * fails later, the files already changed get their old bytes back (or
 * are deleted again if they did not exist). This is what lets a command
 * edit graft.ini, graft.lock and .gitmodules and still leave nothing
 * behind when a later step fails.
 *
 * Paths are given relative to the top of the work tree (workdir, ending
 * in '/'). A file's current content is read the first time it is named,
 * so it can be put back.
 */

enum file_edit_action {
	FILE_KEEP,
	FILE_WRITE,
	FILE_DELETE,
};

struct file_edit {
	char *path;		/* absolute */
	char *rel;		/* relative to the work tree */
	struct strbuf old;
	int existed;
	enum file_edit_action action;
	struct strbuf data;	/* for FILE_WRITE */
	int applied;
};

struct file_edits {
	struct file_edit *items;
	size_t nr, alloc;
};

#define FILE_EDITS_INIT { .items = NULL }

/*
 * What rel will hold once the plans are applied (what it holds now if
 * nothing is planned for it): *out and *exists. Returns 0, or GRAFT_EFAIL
 * when the file cannot be read.
 */
int file_edits_content(const struct strbuf **out, int *exists,
		       struct file_edits *e, const char *workdir,
		       const char *rel);

/* Plan to replace rel with len bytes of data, or to delete it. */
int file_edits_write(struct file_edits *e, const char *workdir,
		     const char *rel, const char *data, size_t len);
int file_edits_delete(struct file_edits *e, const char *workdir,
		      const char *rel);

/* The plan for rel, or NULL if it was never named. */
const struct file_edit *file_edits_find(const struct file_edits *e,
					const char *rel);

/*
 * Carry the plans out in order. On failure, the ones already carried out
 * are undone and the error of the failed one is returned.
 */
int file_edits_apply(struct file_edits *e);

/*
 * Put every applied file back as it was, keeping the pending error
 * message. A file that cannot be restored gets a warning; returns how
 * many could not.
 */
int file_edits_undo(struct file_edits *e);

void file_edits_release(struct file_edits *e);

#endif
