#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fileedit.h"
#include "fileio.h"
#include "report.h"

const struct file_edit *file_edits_find(const struct file_edits *e,
					const char *rel)
{
	size_t i;

	for (i = 0; i < e->nr; i++)
		if (!strcmp(e->items[i].rel, rel))
			return &e->items[i];
	return NULL;
}

static struct file_edit *plan(struct file_edits *e, const char *workdir,
			      const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	struct file_edit *f;
	size_t i;
	int missing;

	for (i = 0; i < e->nr; i++)
		if (!strcmp(e->items[i].rel, rel))
			return &e->items[i];
	strbuf_addf(&path, "%s%s", workdir, rel);
	ALLOC_GROW(e->items, e->nr + 1, e->alloc);
	f = &e->items[e->nr];
	memset(f, 0, sizeof(*f));
	strbuf_init(&f->old);
	strbuf_init(&f->data);
	if (file_read(path.buf, &f->old, &missing) < 0) {
		strbuf_release(&path);
		strbuf_release(&f->old);
		return NULL;
	}
	f->path = strbuf_detach(&path);
	f->rel = xstrdup(rel);
	f->existed = !missing;
	f->action = FILE_KEEP;
	e->nr++;
	return f;
}

int file_edits_content(const struct strbuf **out, int *exists,
		       struct file_edits *e, const char *workdir,
		       const char *rel)
{
	struct file_edit *f = plan(e, workdir, rel);

	if (!f)
		return GRAFT_EFAIL;
	switch (f->action) {
	case FILE_WRITE:
		*out = &f->data;
		*exists = 1;
		break;
	case FILE_DELETE:
		strbuf_reset(&f->data);
		*out = &f->data;
		*exists = 0;
		break;
	default:
		*out = &f->old;
		*exists = f->existed;
	}
	return 0;
}

int file_edits_write(struct file_edits *e, const char *workdir,
		     const char *rel, const char *data, size_t len)
{
	struct file_edit *f = plan(e, workdir, rel);
	struct strbuf copy = STRBUF_INIT;

	if (!f)
		return GRAFT_EFAIL;
	/* data may be this plan's own buffer */
	strbuf_add(&copy, data, len);
	strbuf_release(&f->data);
	f->data = copy;
	f->action = FILE_WRITE;
	return 0;
}

int file_edits_delete(struct file_edits *e, const char *workdir,
		      const char *rel)
{
	struct file_edit *f = plan(e, workdir, rel);

	if (!f)
		return GRAFT_EFAIL;
	f->action = f->existed ? FILE_DELETE : FILE_KEEP;
	return 0;
}

static int apply_one(struct file_edit *f)
{
	if (f->action == FILE_WRITE)
		return file_write_atomic(f->path, f->data.buf, f->data.len);
	if (unlink(f->path) < 0 && errno != ENOENT)
		return graft_error("cannot delete '%s': %s", f->path,
				   strerror(errno));
	return fsync_parent_dir(f->path);
}

int file_edits_apply(struct file_edits *e)
{
	size_t i;
	int rc;

	for (i = 0; i < e->nr; i++) {
		if (e->items[i].action == FILE_KEEP)
			continue;
		if ((rc = apply_one(&e->items[i])) < 0) {
			file_edits_undo(e);
			return rc;
		}
		e->items[i].applied = 1;
	}
	return 0;
}

int file_edits_undo(struct file_edits *e)
{
	struct graft_error_saved saved;
	size_t i = e->nr;
	int failed = 0, rc;

	graft_error_save(&saved);
	while (i--) {
		struct file_edit *f = &e->items[i];

		if (!f->applied)
			continue;
		if (f->existed) {
			rc = file_write_atomic(f->path, f->old.buf, f->old.len);
		} else if (unlink(f->path) < 0 && errno != ENOENT) {
			rc = graft_error("cannot delete '%s': %s", f->path,
					 strerror(errno));
		} else {
			rc = 0;
		}
		if (rc < 0) {
			graft_warning("could not restore %s: %s", f->rel,
				      graft_error_message());
			failed++;
			continue;
		}
		f->applied = 0;
	}
	graft_error_restore(&saved);
	return failed;
}

void file_edits_release(struct file_edits *e)
{
	size_t i;

	for (i = 0; i < e->nr; i++) {
		free(e->items[i].path);
		free(e->items[i].rel);
		strbuf_release(&e->items[i].old);
		strbuf_release(&e->items[i].data);
	}
	free(e->items);
	memset(e, 0, sizeof(*e));
}
