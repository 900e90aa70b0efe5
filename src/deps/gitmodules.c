#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <git2.h>

#include "alloc.h"
#include "deps/gitmodules.h"
#include "error.h"
#include "fileio.h"
#include "gitconfig.h"

/* The entry for the submodule named name (len bytes), made if new. */
static struct gitmodules_entry *entry_named(struct gitmodules *gm,
					    const char *name, size_t len)
{
	struct gitmodules_entry *e;
	size_t i;

	for (i = 0; i < gm->nr; i++)
		if (!strncmp(gm->items[i].name, name, len) &&
		    !gm->items[i].name[len])
			return &gm->items[i];
	ALLOC_GROW(gm->items, gm->nr + 1, gm->alloc);
	e = &gm->items[gm->nr++];
	memset(e, 0, sizeof(*e));
	e->name = xstrndup(name, len);
	return e;
}

/* git writes "path = dir", but reads "path = dir/" as the same. */
static char *without_trailing_slashes(const char *s)
{
	size_t len = strlen(s);

	while (len > 1 && s[len - 1] == '/')
		len--;
	return xstrndup(s, len);
}

/* Take the value of submodule.<name>.path or .url into gm. */
static void take_entry(struct gitmodules *gm, const git_config_entry *entry)
{
	const char *sub, *var;
	struct gitmodules_entry *e;

	if (strncmp(entry->name, "submodule.", 10))
		return;
	sub = entry->name + 10;
	var = strrchr(sub, '.');
	if (!var || var == sub)
		return;
	if (!strcmp(var, ".path") && entry->value) {
		e = entry_named(gm, sub, (size_t)(var - sub));
		free(e->path);
		e->path = without_trailing_slashes(entry->value);
	} else if (!strcmp(var, ".url")) {
		e = entry_named(gm, sub, (size_t)(var - sub));
		free(e->url);
		e->url = xstrdup(entry->value ? entry->value : "");
	}
}

int gitmodules_read(struct gitmodules *gm, const char *path)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	int rc = 0, err;

	if (!path_exists(path))
		return 0;
	if (path_is_symlink(path))
		return graft_error("%s is a symbolic link; git refuses to read it, and so does git-graft",
				   GITMODULES_FILE);
	if (git_config_open_ondisk(&cfg, path) < 0 ||
	    git_config_iterator_new(&it, cfg) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot read %s", GITMODULES_FILE);
		goto done;
	}
	while ((err = git_config_next(&entry, it)) == 0)
		take_entry(gm, entry);
	if (err != GIT_ITEROVER)
		rc = graft_error_git(GRAFT_EFAIL, "cannot read %s", GITMODULES_FILE);
	else
		git_error_clear();
done:
	git_config_iterator_free(it);
	git_config_free(cfg);
	return rc;
}

void gitmodules_release(struct gitmodules *gm)
{
	size_t i;

	for (i = 0; i < gm->nr; i++) {
		free(gm->items[i].name);
		free(gm->items[i].path);
		free(gm->items[i].url);
	}
	free(gm->items);
	memset(gm, 0, sizeof(*gm));
}

const struct gitmodules_entry *gitmodules_find_path(const struct gitmodules *gm,
						     const char *path)
{
	size_t i;

	for (i = 0; i < gm->nr; i++)
		if (gm->items[i].path && !strcmp(gm->items[i].path, path))
			return &gm->items[i];
	return NULL;
}

const struct gitmodules_entry *gitmodules_find_name(const struct gitmodules *gm,
						     const char *name)
{
	size_t i;

	for (i = 0; i < gm->nr; i++)
		if (!strcmp(gm->items[i].name, name))
			return &gm->items[i];
	return NULL;
}

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
