#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "deps/gitmodules.h"
#include "gitconfig.h"

static void quote_subsection(struct strbuf *out, const char *name)
{
	for (; *name; name++) {
		if (*name == '"' || *name == '\\')
			strbuf_addch(out, '\\');
		strbuf_addch(out, *name);
	}
}

void gitmodules_append(struct strbuf *out, const char *buf, size_t len,
		       const char *name, const char *path, const char *url)
{
	strbuf_reset(out);
	strbuf_add(out, buf, len);
	if (len && buf[len - 1] != '\n')
		strbuf_addch(out, '\n');
	strbuf_addstr(out, "[submodule \"");
	quote_subsection(out, name);
	strbuf_addstr(out, "\"]\n\tpath = ");
	gitconfig_quote_value(out, path);
	strbuf_addstr(out, "\n\turl = ");
	gitconfig_quote_value(out, url);
	strbuf_addch(out, '\n');
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

/*
 * If the line is a section header, 1, and whether it is the one of
 * submodule `name`: [submodule "name"] (section case-insensitive,
 * subsection exact) or the old [submodule.name] (all case-insensitive).
 */
static int section_header(const char *line, const char *end, const char *name,
			  int *match)
{
	const char *p = skip_space(line, end), *sec;
	size_t name_len = strlen(name);
	struct strbuf sub = STRBUF_INIT;

	*match = 0;
	if (p == end || *p != '[')
		return 0;
	sec = ++p;
	while (p < end && *p != ']' && !isspace((unsigned char)*p))
		p++;
	if (p < end && *p == ']') {
		*match = (size_t)(p - sec) == 10 + name_len &&
			 !strncasecmp(sec, "submodule.", 10) &&
			 !strncasecmp(sec + 10, name, name_len);
		return 1;
	}
	if ((size_t)(p - sec) != 9 || strncasecmp(sec, "submodule", 9))
		return 1;
	p = skip_space(p, end);
	if (p == end || *p != '"')
		return 1;
	for (p++; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		strbuf_addch(&sub, *p);
	}
	*match = p < end && p + 1 < end && p[1] == ']' &&
		 !strcmp(sub.buf, name);
	strbuf_release(&sub);
	return 1;
}

int gitmodules_remove(struct strbuf *out, const char *buf, size_t len,
		      const char *name)
{
	const char *p = buf, *end = buf + len;
	int dropping = 0, removed = 0;

	strbuf_reset(out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		int match;

		if (section_header(p, nl ? nl : end, name, &match)) {
			dropping = match;
			removed += match;
		}
		if (!dropping)
			strbuf_add(out, p, (size_t)(next - p));
		p = next;
	}
	return removed;
}
