#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "error.h"
#include "formats/names.h"

void name_quote(struct strbuf *out, const char *s)
{
	size_t len = strlen(s), shown = len > 40 ? 37 : len, i;

	strbuf_addch(out, '\'');
	/*
	 * The output layer keeps newlines and tabs, which messages use;
	 * inside a name they could make it look like a line of its own.
	 */
	for (i = 0; i < shown; i++)
		strbuf_addch(out, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ?
			     '?' : s[i]);
	if (shown < len)
		strbuf_addstr(out, "...");
	strbuf_addch(out, '\'');
}

char *name_quoted(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	name_quote(&sb, s);
	return strbuf_detach(&sb);
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static int name_fail(const char *what, const char *name, const char *why)
{
	char *q = name_quoted(name);
	int rc = graft_error("invalid %s %s: %s", what, q, why);

	free(q);
	return rc;
}

int name_check(const char *name, const char *what)
{
	size_t len = strlen(name), i;

	if (!len)
		return graft_error("invalid %s: it is empty", what);
	if (len > NAME_MAX_LEN)
		return name_fail(what, name, "longer than 64 bytes");
	if (!is_alnum(name[0]))
		return name_fail(what, name,
				 "it must start with a letter or digit");
	for (i = 0; i < len; i++)
		if (!is_name_char(name[i]))
			return name_fail(what, name,
					 "only letters, digits, '.', '_' and '-' are allowed");
	if (strstr(name, ".."))
		return name_fail(what, name, "it must not contain '..'");
	if (name[len - 1] == '.')
		return name_fail(what, name, "it must not end with '.'");
	if (len >= 5 && !strcmp(name + len - 5, ".lock"))
		return name_fail(what, name, "it must not end with '.lock'");
	return 0;
}

int env_name_check(const char *name, const char *what)
{
	size_t i;

	if (!*name)
		return graft_error("invalid %s: it is empty", what);
	if (name[0] >= '0' && name[0] <= '9')
		return name_fail(what, name, "it must not start with a digit");
	for (i = 0; name[i]; i++)
		if (!is_alnum(name[i]) && name[i] != '_')
			return name_fail(what, name,
					 "only letters, digits and '_' are allowed");
	return 0;
}

int is_full_hex_oid(const char *s)
{
	size_t i;

	for (i = 0; i < GIT_OID_HEXSZ; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[GIT_OID_HEXSZ] == '\0';
}

const char *short_id(char *buf, const git_oid *id)
{
	return git_oid_tostr(buf, 8, id);
}

int rev_check(const char *rev, const char *what)
{
	size_t len = strlen(rev), i;

	if (!len)
		return graft_error("invalid %s: it is empty", what);
	if (len > REF_MAX_LEN)
		return name_fail(what, rev, "longer than 255 bytes");
	if (rev[0] == '-')
		return name_fail(what, rev, "it must not start with '-'");
	for (i = 0; i < len; i++)
		if ((unsigned char)rev[i] < 0x20 || rev[i] == 0x7f)
			return name_fail(what, rev,
					 "it contains a control character");
	/* "a..b" is a range, and "a/../b" no name git accepts */
	if (strstr(rev, ".."))
		return name_fail(what, rev, "it must not contain '..'");
	return 0;
}

int ref_check(const char *ref, const char *what)
{
	char full[REF_MAX_LEN + 32];
	size_t len = strlen(ref), i;
	int valid = 0;

	if (!len)
		return graft_error("invalid %s: it is empty", what);
	if (len > REF_MAX_LEN)
		return name_fail(what, ref, "longer than 255 bytes");
	if (ref[0] == '-')
		return name_fail(what, ref, "it must not start with '-'");
	for (i = 0; i < len; i++)
		if ((unsigned char)ref[i] < 0x20 || ref[i] == 0x7f)
			return name_fail(what, ref,
					 "it contains a control character");
	/*
	 * A shorthand such as "v2.0.0" or "feature/x" is valid exactly when
	 * git would accept it under refs/heads/ (or refs/tags/).
	 */
	if (!strncmp(ref, "refs/", 5))
		snprintf(full, sizeof(full), "%s", ref);
	else
		snprintf(full, sizeof(full), "refs/heads/%s", ref);
	if (git_reference_name_is_valid(&valid, full) < 0 || !valid) {
		git_error_clear();
		return name_fail(what, ref, "not a valid git ref name");
	}
	return 0;
}

static int has_control_char(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int source_check(const char *source, const char *what)
{
	const char *p;

	if (!*source)
		return graft_error("invalid %s: it is empty", what);
	if (has_control_char(source))
		return name_fail(what, source, "it contains a control character");
	if (source[0] == '-')
		return name_fail(what, source,
				 "it must not start with '-' (it would read as an option)");
	/* <transport>::<address> hands the address to a remote helper */
	for (p = source; *p && *p != '/' && *p != ':'; p++)
		;
	if (p[0] == ':' && p[1] == ':')
		return name_fail(what, source,
				 "remote-helper transports ('<transport>::') are not allowed");
	if (strlen(source) > 4096)
		return name_fail(what, source, "longer than 4096 bytes");
	return 0;
}

int relpath_check(const char *path, const char *what)
{
	const char *p = path;

	if (!*path)
		return graft_error("invalid %s: it is empty", what);
	if (has_control_char(path))
		return name_fail(what, path, "it contains a control character");
	if (path[0] == '/')
		return name_fail(what, path,
				 "it must be relative to the repository root");
	while (*p) {
		const char *end = strchrnul(p, '/');

		if (end - p == 2 && p[0] == '.' && p[1] == '.')
			return name_fail(what, path,
					 "it must not contain a '..' component");
		p = *end ? end + 1 : end;
	}
	return 0;
}

int submodule_name_check(const char *name, const char *what)
{
	const char *p = name;

	if (!*name)
		return graft_error("invalid %s: it is empty", what);
	for (;;) {
		size_t len = strcspn(p, "/\\");

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return name_fail(what, name,
					 "it must not contain a '..' component");
		if (!p[len])
			return 0;
		p += len + 1;
	}
}
