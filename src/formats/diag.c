#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "formats/diag.h"
#include "report.h"
#include "strbuf.h"

void diag_add(struct diag_list *list, const char *file, int line,
	      const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	struct diag *d;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ALLOC_GROW(list->items, list->nr + 1, list->alloc);
	d = &list->items[list->nr++];
	d->file = xstrdup(file);
	d->line = line;
	d->message = strbuf_detach(&sb);
}

void diag_list_release(struct diag_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++) {
		free(list->items[i].file);
		free(list->items[i].message);
	}
	free(list->items);
	list->items = NULL;
	list->nr = list->alloc = 0;
}

struct diag_key {
	size_t file_rank, index;
	struct diag d;
};

static int by_file_line(const void *a, const void *b)
{
	const struct diag_key *x = a, *y = b;

	if (x->file_rank != y->file_rank)
		return x->file_rank < y->file_rank ? -1 : 1;
	if (x->d.line != y->d.line)
		return x->d.line < y->d.line ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void diag_sort(struct diag_list *list)
{
	struct diag_key *keys;
	size_t i, j;

	if (list->nr < 2)
		return;
	keys = xcalloc(list->nr, sizeof(*keys));
	for (i = 0; i < list->nr; i++) {
		for (j = 0; strcmp(list->items[j].file, list->items[i].file); j++)
			;
		keys[i].file_rank = j;
		keys[i].index = i;
		keys[i].d = list->items[i];
	}
	qsort(keys, list->nr, sizeof(*keys), by_file_line);
	for (i = 0; i < list->nr; i++)
		list->items[i] = keys[i].d;
	free(keys);
}

static void diag_format(struct strbuf *sb, const struct diag *d)
{
	if (d->line > 0)
		strbuf_addf(sb, "%s:%d: %s", d->file, d->line, d->message);
	else
		strbuf_addf(sb, "%s: %s", d->file, d->message);
}

void diag_report(const struct diag_list *list)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < list->nr; i++) {
		strbuf_reset(&sb);
		diag_format(&sb, &list->items[i]);
		graft_report_error("%s", sb.buf);
	}
	strbuf_release(&sb);
}

int diag_to_error(const struct diag_list *list)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (!list->nr)
		return graft_error("invalid file");
	diag_format(&sb, &list->items[0]);
	if (list->nr > 1)
		strbuf_addf(&sb, " (and %zu more problem%s)", list->nr - 1,
			    list->nr > 2 ? "s" : "");
	rc = graft_error("%s", sb.buf);
	if (list->nr > 1)
		graft_error_hint("run 'git graft validate' to see all of them");
	strbuf_release(&sb);
	return rc;
}

int diag_read_file(struct strbuf *buf, int *missing, const char *path,
		   const char *label, struct diag_list *list)
{
	int rc = file_read(path, buf, missing);

	if (rc < 0) {
		diag_add(list, label, 0, "%s", graft_error_message());
		graft_error_clear();
	}
	return rc;
}
