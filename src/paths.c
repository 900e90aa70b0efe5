#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "paths.h"
#include "strbuf.h"

/* Split path into its non-empty components; returns the count. */
static size_t split(const char *path, const char ***out)
{
	const char **parts = NULL;
	size_t nr = 0, alloc = 0;
	const char *p = path;

	while (*p) {
		const char *end = strchrnul(p, '/');

		if (end > p) {
			ALLOC_GROW(parts, nr + 1, alloc);
			parts[nr++] = p;
		}
		p = *end ? end + 1 : end;
	}
	*out = parts;
	return nr;
}

static size_t part_len(const char *part)
{
	return (size_t)(strchrnul(part, '/') - part);
}

static int part_is(const char *part, const char *name)
{
	size_t len = strlen(name);

	return part_len(part) == len && !strncmp(part, name, len);
}

char *path_normalize(const char *path)
{
	const char **parts, **kept;
	size_t nr = split(path, &parts), kept_nr = 0, i;
	int absolute = path[0] == '/';
	struct strbuf sb = STRBUF_INIT;

	kept = xcalloc(nr ? nr : 1, sizeof(*kept));
	for (i = 0; i < nr; i++) {
		if (part_is(parts[i], "."))
			continue;
		if (part_is(parts[i], "..")) {
			if (kept_nr && !part_is(kept[kept_nr - 1], "..")) {
				kept_nr--;
				continue;
			}
			if (absolute)
				continue;
		}
		kept[kept_nr++] = parts[i];
	}
	if (absolute)
		strbuf_addch(&sb, '/');
	for (i = 0; i < kept_nr; i++) {
		if (i)
			strbuf_addch(&sb, '/');
		strbuf_add(&sb, kept[i], part_len(kept[i]));
	}
	if (!sb.len)
		strbuf_addch(&sb, '.');
	free(parts);
	free(kept);
	return strbuf_detach(&sb);
}

char *path_relative(const char *from_dir, const char *to)
{
	char *from_norm = path_normalize(from_dir), *to_norm = path_normalize(to);
	const char **from_parts, **to_parts;
	size_t from_nr = split(from_norm, &from_parts);
	size_t to_nr = split(to_norm, &to_parts), common = 0, i;
	struct strbuf sb = STRBUF_INIT;

	while (common < from_nr && common < to_nr &&
	       part_len(from_parts[common]) == part_len(to_parts[common]) &&
	       !strncmp(from_parts[common], to_parts[common],
			part_len(from_parts[common])))
		common++;
	for (i = common; i < from_nr; i++)
		strbuf_addstr(&sb, sb.len ? "/.." : "..");
	for (i = common; i < to_nr; i++) {
		if (sb.len)
			strbuf_addch(&sb, '/');
		strbuf_add(&sb, to_parts[i], part_len(to_parts[i]));
	}
	if (!sb.len)
		strbuf_addch(&sb, '.');
	free(from_parts);
	free(to_parts);
	free(from_norm);
	free(to_norm);
	return strbuf_detach(&sb);
}

enum source_kind source_kind(const char *source)
{
	const char *colon, *slash;

	if (strstr(source, "://"))
		return SOURCE_URL;
	if (source[0] == '/')
		return SOURCE_ABSOLUTE;
	/* git: a ':' before the first '/' makes it host:path */
	colon = strchr(source, ':');
	slash = strchr(source, '/');
	if (colon && (!slash || colon < slash))
		return SOURCE_SCP;
	return SOURCE_RELATIVE;
}

char *source_fetch_url(const char *workdir, const char *source)
{
	struct strbuf sb = STRBUF_INIT;
	char *url;

	if (source_kind(source) != SOURCE_RELATIVE)
		return xstrdup(source);
	strbuf_addf(&sb, "%s/%s", workdir, source);
	url = path_normalize(sb.buf);
	strbuf_release(&sb);
	return url;
}

char *source_gitmodules_url(const char *source)
{
	struct strbuf sb = STRBUF_INIT;

	if (source_kind(source) == SOURCE_RELATIVE &&
	    strncmp(source, "./", 2) && strncmp(source, "../", 3))
		strbuf_addstr(&sb, "./");
	strbuf_addstr(&sb, source);
	return strbuf_detach(&sb);
}
