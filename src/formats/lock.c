#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "formats/inidoc.h"
#include "formats/lock.h"
#include "formats/names.h"
#include "iso8601.h"

static const char lock_header[] =
	"# graft.lock: written by git-graft, do not edit by hand\n";

static const char *const lock_keys[] = {
	"source", "ref", "commit", "consumed_at", NULL
};

/*
 * A value can be written as "key = value" and read back unchanged: one
 * line, no surrounding blanks, nothing inih would take for a comment,
 * and a line short enough for inih's buffer.
 */
static int value_check(const char *key, const char *value)
{
	size_t len = strlen(value), i;

	if (!len)
		return graft_error("'%s' is empty", key);
	for (i = 0; i < len; i++) {
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return graft_error("'%s' contains a control character",
					   key);
		if (value[i] == ';' && i && isspace((unsigned char)value[i - 1]))
			return graft_error("'%s' contains ' ;', which reads as a comment",
					   key);
		/* written after "key = ", a ';' up front starts a comment too */
		if (value[i] == ';' && !i)
			return graft_error("'%s' starts with ';', which reads as a comment",
					   key);
	}
	if (isspace((unsigned char)value[0]) ||
	    isspace((unsigned char)value[len - 1]))
		return graft_error("'%s' starts or ends with a blank",
				   key);
	if (strlen(key) + 3 + len > (size_t)ini_max_line_length())
		return graft_error("'%s' is too long to write", key);
	return 0;
}

static int entry_check(const char *name, const char *source, const char *ref,
		       const char *commit, const char *consumed_at)
{
	int rc;

	if ((rc = name_check(name, "dependency name")) < 0 ||
	    (rc = value_check("source", source)) < 0 ||
	    (rc = source_check(source, "source")) < 0 ||
	    (rc = value_check("ref", ref)) < 0 ||
	    (rc = ref_check(ref, "ref")) < 0)
		return rc;
	if (!is_full_hex_oid(commit))
		return graft_error("commit '%s' is not 40 lowercase hex digits",
				   commit);
	if (!is_iso8601(consumed_at))
		return graft_error("consumed_at '%s' is not an ISO 8601 date-time",
				   consumed_at);
	return value_check("consumed_at", consumed_at);
}

static void entry_free(struct lock_entry *e)
{
	free(e->name);
	free(e->source);
	free(e->ref);
	free(e->commit);
	free(e->consumed_at);
}

struct lock_entry *lock_find(const struct graft_lock *lock, const char *name)
{
	size_t i;

	for (i = 0; i < lock->nr; i++)
		if (!strcmp(lock->entries[i].name, name))
			return &lock->entries[i];
	return NULL;
}

int lock_set(struct graft_lock *lock, const char *name, const char *source,
	     const char *ref, const char *commit, const char *consumed_at)
{
	struct lock_entry *e;
	int rc;

	if ((rc = entry_check(name, source, ref, commit, consumed_at)) < 0)
		return rc;
	e = lock_find(lock, name);
	if (e) {
		entry_free(e);
	} else {
		ALLOC_GROW(lock->entries, lock->nr + 1, lock->alloc);
		e = &lock->entries[lock->nr++];
	}
	e->name = xstrdup(name);
	e->source = xstrdup(source);
	e->ref = xstrdup(ref);
	e->commit = xstrdup(commit);
	e->consumed_at = xstrdup(consumed_at);
	e->line = 0;
	return 0;
}

int lock_remove(struct graft_lock *lock, const char *name)
{
	struct lock_entry *e = lock_find(lock, name);
	size_t i;

	if (!e)
		return 0;
	i = (size_t)(e - lock->entries);
	entry_free(e);
	memmove(e, e + 1, (lock->nr - i - 1) * sizeof(*e));
	lock->nr--;
	return 1;
}

void lock_release(struct graft_lock *lock)
{
	size_t i;

	for (i = 0; i < lock->nr; i++)
		entry_free(&lock->entries[i]);
	free(lock->entries);
	lock->entries = NULL;
	lock->nr = lock->alloc = 0;
}

static int by_name(const void *a, const void *b)
{
	const struct lock_entry *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

void lock_format(const struct graft_lock *lock, struct strbuf *out)
{
	const struct lock_entry **sorted;
	size_t i;

	sorted = xcalloc(lock->nr ? lock->nr : 1, sizeof(*sorted));
	for (i = 0; i < lock->nr; i++)
		sorted[i] = &lock->entries[i];
	qsort(sorted, lock->nr, sizeof(*sorted), by_name);
	strbuf_addstr(out, lock_header);
	for (i = 0; i < lock->nr; i++) {
		const struct lock_entry *e = sorted[i];

		strbuf_addf(out, "\n[dependency \"%s\"]\n", e->name);
		strbuf_addf(out, "source = %s\n", e->source);
		strbuf_addf(out, "ref = %s\n", e->ref);
		strbuf_addf(out, "commit = %s\n", e->commit);
		strbuf_addf(out, "consumed_at = %s\n", e->consumed_at);
	}
	free(sorted);
}

int lock_write_atomic(const struct graft_lock *lock, const char *path)
{
	struct strbuf buf = STRBUF_INIT;
	int rc;

	lock_format(lock, &buf);
	rc = file_write_atomic(path, buf.buf, buf.len);
	strbuf_release(&buf);
	return rc;
}

static void problem(struct diag_list *diags, const char *label, int line,
		    int *errors, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void problem(struct diag_list *diags, const char *label, int line,
		    int *errors, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	diag_add(diags, label, line, "%s", sb.buf);
	strbuf_release(&sb);
	(*errors)++;
}

static int known_key(const char *key)
{
	const char *const *k;

	for (k = lock_keys; *k; k++)
		if (!strcmp(*k, key))
			return 1;
	return 0;
}

/* One section: collect its keys, check them, add the entry. */
static void read_section(struct graft_lock *lock, const struct ini_doc *doc,
			 size_t idx, const char *label,
			 struct diag_list *diags, int *errors)
{
	const struct ini_section *s = &doc->sections[idx];
	const char *values[4] = { NULL, NULL, NULL, NULL };
	const struct lock_entry *dup;
	size_t i, k;
	char *q;

	if (strcmp(s->kind, "dependency") || !s->name) {
		problem(diags, label, s->line, errors,
			"unexpected section [%s]; graft.lock holds only [dependency \"<name>\"] sections",
			s->kind);
		return;
	}
	for (i = 0; i < doc->entries_nr; i++) {
		const struct ini_entry *e = &doc->entries[i];

		if (e->section != idx)
			continue;
		q = name_quoted(e->key);
		if (!known_key(e->key)) {
			problem(diags, label, e->line, errors,
				"unknown key %s; expected source, ref, commit or consumed_at",
				q);
			free(q);
			continue;
		}
		free(q);
		for (k = 0; strcmp(lock_keys[k], e->key); k++)
			;
		if (values[k])
			problem(diags, label, e->line, errors,
				"duplicate key '%s'", e->key);
		else
			values[k] = e->value;
	}
	for (k = 0; k < 4; k++)
		if (!values[k]) {
			q = name_quoted(s->name);
			problem(diags, label, s->line, errors,
				"dependency %s has no '%s'", q, lock_keys[k]);
			free(q);
			return;
		}
	if ((dup = lock_find(lock, s->name))) {
		q = name_quoted(s->name);
		problem(diags, label, s->line, errors,
			"duplicate dependency %s (first at line %d)", q,
			dup->line);
		free(q);
		return;
	}
	if (lock_set(lock, s->name, values[0], values[1], values[2],
		     values[3]) < 0) {
		problem(diags, label, s->line, errors, "%s",
			graft_error_message());
		graft_error_clear();
		return;
	}
	lock_find(lock, s->name)->line = s->line;
}

int lock_parse(struct graft_lock *lock, const char *label, const char *buf,
	       size_t len, struct diag_list *diags)
{
	struct ini_doc doc = INI_DOC_INIT;
	int errors = 0;
	size_t i;

	if (ini_doc_parse(&doc, label, buf, len, NULL, diags) < 0)
		errors++;
	for (i = 0; i < doc.sections_nr; i++)
		read_section(lock, &doc, i, label, diags, &errors);
	ini_doc_release(&doc);
	return errors ? GRAFT_EFAIL : 0;
}

int lock_read_file(struct graft_lock *lock, const char *path,
		   const char *label, struct diag_list *diags)
{
	struct strbuf buf = STRBUF_INIT;
	int missing, rc;

	if ((rc = diag_read_file(&buf, &missing, path, label, diags)) < 0)
		return rc;
	rc = missing ? 0 : lock_parse(lock, label, buf.buf, buf.len, diags);
	strbuf_release(&buf);
	return rc;
}
