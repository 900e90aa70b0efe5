#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "alloc.h"
#include "error.h"
#include "formats/inidoc.h"
#include "strbuf.h"

enum line_kind {
	LINE_BLANK,
	LINE_COMMENT,
	LINE_SECTION,
	LINE_KEY,
	LINE_CONTINUATION,
	LINE_BAD,	/* reported; inih is given an empty comment instead */
};

struct reader {
	const char *file;
	const char *buf;
	size_t len, pos;
	int lineno;
	const char *const *script_keys;
	struct diag_list *diags;
	struct ini_doc *doc;

	/* what the reader saw on the line inih is now handling */
	enum line_kind kind;
	struct strbuf key;		/* key of a LINE_KEY */
	struct strbuf raw_value;	/* value before inih strips comments */
	/* mirrors inih's prev_name: a key line makes indented lines continue */
	int in_value;
	/*
	 * Whether keys have a section to go in; after a broken header its
	 * keys are skipped without a report of their own.
	 */
	enum { SECTION_NONE, SECTION_OK, SECTION_BAD } section;
	size_t last_entry;
	int have_entry;
	int errors;
};

int ini_max_line_length(void)
{
	return INI_MAX_LINE - 3;
}

static void problem(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct reader *r, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	diag_add(r->diags, r->file, r->lineno, "%s", sb.buf);
	strbuf_release(&sb);
	r->errors++;
}

static int is_script_key(const struct reader *r, const char *key)
{
	const char *const *k;

	for (k = r->script_keys; k && *k; k++)
		if (!strcmp(*k, key))
			return 1;
	return 0;
}

/* The position of an inline comment as inih finds it: ';' after a space. */
static const char *find_inline_comment(const char *s, const char *end)
{
	const char *p;

	for (p = s; p < end; p++)
		if (*p == ';' && p > s && isspace((unsigned char)p[-1]))
			return p;
	return NULL;
}

static int valid_kind(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		if (!(islower((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

static void add_section(struct reader *r, const char *kind, size_t kind_len,
			const char *name, size_t name_len)
{
	struct ini_doc *doc = r->doc;
	struct ini_section *s;

	ALLOC_GROW(doc->sections, doc->sections_nr + 1, doc->sections_alloc);
	s = &doc->sections[doc->sections_nr++];
	s->kind = xstrndup(kind, kind_len);
	s->name = name ? xstrndup(name, name_len) : NULL;
	s->line = r->lineno;
	r->section = SECTION_OK;
}

/* [kind] or [kind "name"], nothing but a comment after the ']'. */
static void read_section(struct reader *r, const char *start, const char *end)
{
	const char *p = start + 1, *kind, *close, *name = NULL, *comment;
	size_t kind_len, name_len = 0;

	r->section = SECTION_BAD;
	close = memchr(p, ']', (size_t)(end - p));
	comment = find_inline_comment(p, end);
	if (!close || (comment && comment < close)) {
		problem(r, "section header without a closing ']'");
		return;
	}
	for (comment = close + 1; comment < end; comment++)
		if (!isspace((unsigned char)*comment))
			break;
	if (comment < end && *comment != ';') {
		problem(r, "unexpected text after ']' of the section header");
		return;
	}
	kind = p;
	while (p < close && !isspace((unsigned char)*p))
		p++;
	kind_len = (size_t)(p - kind);
	while (p < close && isspace((unsigned char)*p))
		p++;
	if (p < close) {
		const char *q;

		if (*p != '"' || close[-1] != '"' || close - 1 == p) {
			problem(r, "section name must be in double quotes, as in [dependency \"name\"]");
			return;
		}
		name = p + 1;
		name_len = (size_t)(close - 1 - name);
		for (q = name; q < name + name_len; q++)
			if (*q == '"' || *q == '\\') {
				problem(r, "section names cannot contain quotes or backslashes");
				return;
			}
	}
	if (!valid_kind(kind, kind_len)) {
		problem(r, "invalid section header: expected [kind] or [kind \"name\"]");
		return;
	}
	add_section(r, kind, kind_len, name, name_len);
}

/* key = value, or key: value as inih also accepts */
static void read_key(struct reader *r, const char *start, const char *end)
{
	const char *sep = start, *v, *comment = find_inline_comment(start, end);
	const char *key_end = comment && comment < end ? comment : end;
	size_t klen;

	while (sep < key_end && *sep != '=' && *sep != ':')
		sep++;
	if (sep == key_end) {
		problem(r, "expected 'key = value' or a [section] header");
		return;
	}
	klen = (size_t)(sep - start);
	while (klen && isspace((unsigned char)start[klen - 1]))
		klen--;
	strbuf_reset(&r->key);
	strbuf_add(&r->key, start, klen);
	for (v = sep + 1; v < end && isspace((unsigned char)*v); v++)
		;
	strbuf_reset(&r->raw_value);
	strbuf_add(&r->raw_value, v, (size_t)(end - v));
	r->in_value = klen > 0;
	if (!klen) {
		problem(r, "missing key name before '='");
		return;
	}
	if (r->section == SECTION_BAD)
		return;
	if (r->section == SECTION_NONE) {
		problem(r, "key outside of a section");
		return;
	}
	r->kind = LINE_KEY;
}

/* Classify one line exactly as inih will, recording problems. */
static void classify(struct reader *r, const char *line, size_t len)
{
	const char *start = line, *end = line + len;

	r->kind = LINE_BAD;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	while (start < end && isspace((unsigned char)*start))
		start++;
	if (start == end) {
		r->kind = LINE_BLANK;
		return;
	}
	if (*start == ';' || *start == '#') {
		r->kind = LINE_COMMENT;
		return;
	}
	if (r->in_value && start > line) {
		if (!r->have_entry) {
			r->kind = LINE_BAD;
			return;
		}
		strbuf_reset(&r->raw_value);
		strbuf_add(&r->raw_value, start, (size_t)(end - start));
		r->kind = LINE_CONTINUATION;
		return;
	}
	if (*start == '[') {
		r->in_value = 0;
		read_section(r, start, end);
		r->kind = r->section == SECTION_OK ? LINE_SECTION : LINE_BAD;
		return;
	}
	r->have_entry = 0;
	read_key(r, start, end);
}

/*
 * A line refused whole. When it was a section header, the keys after it
 * belong to a section that could not be read: leave them out, as after
 * a malformed header, rather than add them to the section before.
 */
static void refuse_line(struct reader *r, const char *line, size_t len)
{
	size_t i = 0;

	r->kind = LINE_BAD;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	if (i < len && line[i] == '[' && !(r->in_value && i > 0)) {
		r->section = SECTION_BAD;
		r->have_entry = 0;
	}
}

/* fgets-style: hand inih the next line, or a harmless one in its place. */
static char *reader_next(char *str, int num, void *stream)
{
	struct reader *r = stream;
	const char *line, *nl;
	size_t len, avail;
	int max = num - 3;

	if (r->pos >= r->len)
		return NULL;
	line = r->buf + r->pos;
	avail = r->len - r->pos;
	nl = memchr(line, '\n', avail);
	len = nl ? (size_t)(nl - line) : avail;
	r->pos += nl ? len + 1 : len;
	r->lineno++;

	if (r->lineno == 1 && len >= 3 && !memcmp(line, "\xef\xbb\xbf", 3)) {
		line += 3;
		len -= 3;
	}
	if (memchr(line, '\0', len)) {
		problem(r, "line contains a NUL byte");
		refuse_line(r, line, len);
	} else if (len > (size_t)max) {
		struct strbuf msg = STRBUF_INIT;

		strbuf_addf(&msg, "line is %zu bytes long, more than the %d an INI line may have; ", len, max);
		strbuf_addstr(&msg, "split the value over indented continuation lines");
		problem(r, "%s", msg.buf);
		strbuf_release(&msg);
		refuse_line(r, line, len);
	} else {
		classify(r, line, len);
	}

	if (r->kind == LINE_BAD) {
		/* inih sees a comment, so nothing cut reaches the document */
		memcpy(str, ";\n", 3);
		return str;
	}
	memcpy(str, line, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static int check_cut(struct reader *r, const char *key, const char *value)
{
	if (!is_script_key(r, key) || !strcmp(value, r->raw_value.buf))
		return 0;
	problem(r, "inih reads ' ;' as the start of a comment, which would cut this '%s' value; write ';' with no space before it%s",
		key, strcmp(key, "run") ? "" :
		", or put each command on its own indented line");
	return -1;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct reader *r = user;
	struct ini_doc *doc = r->doc;
	struct ini_entry *e;

	(void)section;
	(void)name;
	if (r->kind == LINE_KEY) {
		ALLOC_GROW(doc->entries, doc->entries_nr + 1, doc->entries_alloc);
		e = &doc->entries[doc->entries_nr];
		e->section = doc->sections_nr - 1;
		e->key = xstrdup(r->key.buf);
		e->value = xstrdup(value);
		e->line = r->lineno;
		e->lines = xcalloc(1, sizeof(*e->lines));
		e->lines[0] = r->lineno;
		e->invalid = check_cut(r, r->key.buf, value) < 0;
		r->last_entry = doc->entries_nr++;
		r->have_entry = 1;
	} else if (r->kind == LINE_CONTINUATION) {
		struct strbuf sb = STRBUF_INIT;
		size_t nr = 1;
		const char *p;

		e = &doc->entries[r->last_entry];
		if (check_cut(r, e->key, value) < 0)
			e->invalid = 1;
		for (p = e->value; (p = strchr(p, '\n')); p++)
			nr++;
		e->lines = xrealloc(e->lines, (nr + 1) * sizeof(*e->lines));
		e->lines[nr] = r->lineno;
		strbuf_addstr(&sb, e->value);
		strbuf_addch(&sb, '\n');
		strbuf_addstr(&sb, value);
		free(e->value);
		e->value = strbuf_detach(&sb);
	}
	return 1;
}

int ini_doc_parse(struct ini_doc *doc, const char *file, const char *buf,
		  size_t len, const char *const *script_keys,
		  struct diag_list *diags)
{
	struct reader r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.file = file;
	r.buf = buf;
	r.len = len;
	r.script_keys = script_keys;
	r.diags = diags;
	r.doc = doc;
	strbuf_init(&r.key);
	strbuf_init(&r.raw_value);

	rc = ini_parse_stream(reader_next, &r, handler, &r);
	if (rc == -2) {
		diag_add(diags, file, 0, "out of memory while parsing");
		r.errors++;
	} else if (rc > 0 && !r.errors) {
		diag_add(diags, file, rc, "cannot parse this line");
		r.errors++;
	}
	strbuf_release(&r.key);
	strbuf_release(&r.raw_value);
	return r.errors ? GRAFT_EFAIL : 0;
}

void ini_doc_release(struct ini_doc *doc)
{
	size_t i;

	for (i = 0; i < doc->sections_nr; i++) {
		free(doc->sections[i].kind);
		free(doc->sections[i].name);
	}
	for (i = 0; i < doc->entries_nr; i++) {
		free(doc->entries[i].key);
		free(doc->entries[i].value);
		free(doc->entries[i].lines);
	}
	free(doc->sections);
	free(doc->entries);
	memset(doc, 0, sizeof(*doc));
}
