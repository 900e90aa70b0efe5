#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "deps/protocol.h"
#include "error.h"
#include "gitconfig.h"
#include "paths.h"
#include "strbuf.h"

enum allow {
	ALLOW_ALWAYS,
	ALLOW_NEVER,
	ALLOW_USER,
};

/* git's is_urlschemechar: a letter first, then letters, digits, + . - */
static size_t scheme_length(const char *url)
{
	size_t i = 0;

	if (!isalpha((unsigned char)url[0]))
		return 0;
	while (isalnum((unsigned char)url[i]) || url[i] == '+' ||
	       url[i] == '.' || url[i] == '-')
		i++;
	return i;
}

char *protocol_name(const char *url)
{
	size_t len = scheme_length(url);
	char *name;

	if (len && !strncmp(url + len, "::", 2))
		return xstrndup(url, len);
	if (len && !strncmp(url + len, "://", 3)) {
		name = xstrndup(url, len);
		if (!strcmp(name, "git+ssh") || !strcmp(name, "ssh+git")) {
			free(name);
			name = xstrdup("ssh");
		}
		return name;
	}
	return xstrdup(source_kind(url) == SOURCE_SCP ? "ssh" : "file");
}

/* 1 if name is in the colon-separated list. */
static int listed(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	while (*p) {
		const char *end = strchrnul(p, ':');

		if ((size_t)(end - p) == len && !strncmp(p, name, len))
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* *out from key; 1 when it is not set. */
static int read_allow(enum allow *out, git_config *cfg, const char *key)
{
	char *value = NULL;
	int rc;

	if ((rc = gitconfig_get_string(cfg, key, &value)) < 0)
		return rc;
	if (!value)
		return 1;
	if (!strcasecmp(value, "always"))
		*out = ALLOW_ALWAYS;
	else if (!strcasecmp(value, "never"))
		*out = ALLOW_NEVER;
	else if (!strcasecmp(value, "user"))
		*out = ALLOW_USER;
	else
		rc = graft_error("unknown value for config '%s': %s", key, value);
	free(value);
	return rc;
}

static enum allow default_allow(const char *name)
{
	static const char *const safe[] = { "http", "https", "git", "ssh" };
	size_t i;

	for (i = 0; i < sizeof(safe) / sizeof(*safe); i++)
		if (!strcmp(name, safe[i]))
			return ALLOW_ALWAYS;
	return strcmp(name, "ext") ? ALLOW_USER : ALLOW_NEVER;
}

static int from_user(void)
{
	const char *v = getenv("GIT_PROTOCOL_FROM_USER");
	int b;

	if (!v)
		return 1;
	b = gitconfig_parse_bool(v);
	return b < 0 ? 1 : b;
}

int protocol_check(const char *url, git_config *cfg)
{
	const char *allowed = getenv("GIT_ALLOW_PROTOCOL");
	char *name = protocol_name(url);
	struct strbuf key = STRBUF_INIT;
	const char *setting;
	enum allow allow;
	int rc;

	if (allowed) {
		if (listed(allowed, name))
			goto done_ok;
		rc = graft_error("transport '%s' not allowed", name);
		graft_error_hint("GIT_ALLOW_PROTOCOL allows only %s",
				 *allowed ? allowed : "none");
		goto done;
	}
	strbuf_addf(&key, "protocol.%s.allow", name);
	setting = key.buf;
	if ((rc = read_allow(&allow, cfg, key.buf)) == 1) {
		setting = "protocol.allow";
		if ((rc = read_allow(&allow, cfg, setting)) == 1) {
			setting = NULL;
			allow = default_allow(name);
		}
	}
	if (rc < 0)
		goto done;
	if (allow == ALLOW_ALWAYS || (allow == ALLOW_USER && from_user()))
		goto done_ok;
	rc = graft_error("transport '%s' not allowed", name);
	if (allow == ALLOW_NEVER && setting)
		graft_error_hint("%s is 'never'", setting);
	else if (allow == ALLOW_NEVER)
		graft_error_hint("git never allows '%s' unless protocol.%s.allow says so",
				 name, name);
	else
		graft_error_hint("GIT_PROTOCOL_FROM_USER=0 keeps '%s' from what is not the user's own command; protocol.%s.allow=always allows it",
				 name, name);
	goto done;
done_ok:
	rc = 0;
done:
	strbuf_release(&key);
	free(name);
	return rc;
}
