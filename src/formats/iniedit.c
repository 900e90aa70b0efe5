#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "formats/diag.h"
#include "formats/inidoc.h"
#include "formats/iniedit.h"

static const char *line_ending(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);

	return nl && nl > buf && nl[-1] == '\r' ? "\r\n" : "\n";
}

static int is_blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

void ini_append_dependency(struct strbuf *out, const char *buf, size_t len,
			   const char *name, const char *source,
			   const char *ref)
{
	const char *eol = line_ending(buf, len);

	strbuf_reset(out);
	strbuf_add(out, buf, len);
	if (len && buf[len - 1] != '\n')
		strbuf_addstr(out, eol);
	if (!is_blank(buf, len))
		strbuf_addstr(out, eol);
	strbuf_addf(out, "[dependency \"%s\"]%s", name, eol);
	strbuf_addf(out, "source = %s%s", source, eol);
	if (ref)
		strbuf_addf(out, "ref = %s%s", ref, eol);
}

struct lines {
	const char **start;
	size_t *len;		/* without the '\n' */
	size_t nr, alloc_start, alloc_len;
};

static void split_lines(struct lines *l, const char *buf, size_t len)
{
	size_t pos = 0;

	memset(l, 0, sizeof(*l));
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		ALLOC_GROW(l->start, l->nr + 1, l->alloc_start);
		ALLOC_GROW(l->len, l->nr + 1, l->alloc_len);
		l->start[l->nr] = buf + pos;
		l->len[l->nr] = n;
		l->nr++;
		pos += nl ? n + 1 : n;
	}
}

/* A line that is neither blank nor a comment (as inih sees it). */
static int is_content(const struct lines *l, size_t i)
{
	const char *s = l->start[i], *end = s + l->len[i];

	while (s < end && isspace((unsigned char)*s))
		s++;
	return s < end && *s != ';' && *s != '#';
}

/* Mark the lines of the section at header line `first` (0-based). */
static void mark_section(const struct lines *l, char *drop, size_t first,
			 size_t next)
{
	size_t last = first, i;

	for (i = first + 1; i < next; i++)
		if (is_content(l, i))
			last = i;
	for (i = first; i <= last; i++)
		drop[i] = 1;
	for (i = last + 1; i < next && !is_content(l, i) &&
	     is_blank(l->start[i], l->len[i]); i++)
		drop[i] = 1;
	if (i < l->nr)
		return;
	/* nothing follows: do not leave the file ending in blank lines */
	for (i = first; i > 0 && is_blank(l->start[i - 1], l->len[i - 1]); i--)
		drop[i - 1] = 1;
}

int ini_remove_section(struct strbuf *out, const char *buf, size_t len,
		       const char *kind, const char *name)
{
	struct ini_doc doc = INI_DOC_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	struct lines l;
	char *drop;
	size_t i;
	int removed = 0;

	ini_doc_parse(&doc, "", buf, len, NULL, &diags);
	split_lines(&l, buf, len);
	drop = xcalloc(l.nr ? l.nr : 1, 1);
	for (i = 0; i < doc.sections_nr; i++) {
		const struct ini_section *s = &doc.sections[i];
		size_t next = i + 1 < doc.sections_nr ?
			(size_t)doc.sections[i + 1].line - 1 : l.nr;

		if (strcmp(s->kind, kind) || !s->name || strcmp(s->name, name))
			continue;
		mark_section(&l, drop, (size_t)s->line - 1, next);
		removed++;
	}
	strbuf_reset(out);
	for (i = 0; i < l.nr; i++) {
		if (drop[i])
			continue;
		strbuf_add(out, l.start[i], l.len[i]);
		if (l.start[i] + l.len[i] < buf + len)
			strbuf_addch(out, '\n');
	}
	free(drop);
	free(l.start);
	free(l.len);
	ini_doc_release(&doc);
	diag_list_release(&diags);
	return removed;
}
