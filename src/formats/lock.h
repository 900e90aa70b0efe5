#ifndef GRAFT_LOCK_H
#define GRAFT_LOCK_H

#include <stddef.h>

#include "formats/diag.h"
#include "strbuf.h"

/*
 * graft.lock: what each dependency is pinned at. Read in any order,
 * written sorted by name in one fixed format, so that reading a file
 * git-graft wrote and writing it again gives the same bytes.
 */

#define LOCK_FILE "graft.lock"

struct lock_entry {
	char *name;
	char *source;
	char *ref;
	char *commit;		/* 40 lowercase hex digits */
	char *consumed_at;	/* ISO 8601, as written */
	int line;
};

struct graft_lock {
	struct lock_entry *entries;
	size_t nr, alloc;
};

#define GRAFT_LOCK_INIT { .entries = NULL }

int lock_parse(struct graft_lock *lock, const char *label, const char *buf,
	       size_t len, struct diag_list *diags);
/* A missing file is an empty lock. */
int lock_read_file(struct graft_lock *lock, const char *path,
		   const char *label, struct diag_list *diags);
void lock_release(struct graft_lock *lock);

struct lock_entry *lock_find(const struct graft_lock *lock, const char *name);

/*
 * Add or replace the entry for name (copies every string). Values are
 * checked here, so an entry that could not be written back faithfully
 * never gets in. Returns 0 or GRAFT_EFAIL.
 */
int lock_set(struct graft_lock *lock, const char *name, const char *source,
	     const char *ref, const char *commit, const char *consumed_at);
/* 1 if an entry was removed, 0 if there was none. */
int lock_remove(struct graft_lock *lock, const char *name);

/* The file's bytes: a header comment, then entries sorted by name. */
void lock_format(const struct graft_lock *lock, struct strbuf *out);

/* lock_format, then file_write_atomic to path. */
int lock_write_atomic(const struct graft_lock *lock, const char *path);

#endif
