#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "error.h"
#include "gitconfig.h"
#include "strbuf.h"

struct param {
	char *key;
	char *value;	/* NULL: given without '=', which git reads as true */
};

static struct param *params;
static size_t params_nr, params_alloc;
static int params_loaded;

static void param_add(const char *key, size_t keylen, const char *value)
{
	ALLOC_GROW(params, params_nr + 1, params_alloc);
	params[params_nr].key = xstrndup(key, keylen);
	params[params_nr].value = value ? xstrdup(value) : NULL;
	params_nr++;
}

/*
 * Read one single-quoted word as git's sq_quote writes it: 'a'\''b' is a'b.
 * Returns the position after the word, or NULL if s does not start one.
 */
static const char *sq_dequote_word(const char *s, struct strbuf *out)
{
	if (*s != '\'')
		return NULL;
	s++;
	for (;;) {
		if (!*s)
			return NULL;
		if (*s != '\'') {
			strbuf_addch(out, *s++);
			continue;
		}
		s++;
		if (*s == '\\' && s[1] && s[2] == '\'') {
			strbuf_addch(out, s[1]);
			s += 3;
			continue;
		}
		return s;
	}
}

static void load_config_parameters(const char *env)
{
	const char *s = env;
	struct strbuf word = STRBUF_INIT, value = STRBUF_INIT;

	while (s && *s) {
		const char *eq;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		strbuf_reset(&word);
		if (!(s = sq_dequote_word(s, &word)))
			break;
		if (*s == '=') {
			/* new form: 'key'='value' */
			strbuf_reset(&value);
			if (!(s = sq_dequote_word(s + 1, &value)))
				break;
			param_add(word.buf, word.len, value.buf);
		} else if ((eq = strchr(word.buf, '='))) {
			/* old form: 'key=value' */
			param_add(word.buf, (size_t)(eq - word.buf), eq + 1);
		} else {
			param_add(word.buf, word.len, NULL);
		}
	}
	strbuf_release(&word);
	strbuf_release(&value);
}

static void load_config_env(void)
{
	const char *count = getenv("GIT_CONFIG_COUNT");
	char name[64];
	long i, n;

	if (!count || !*count)
		return;
	n = strtol(count, NULL, 10);
	for (i = 0; i < n && i < 10000; i++) {
		const char *key, *value;

		snprintf(name, sizeof(name), "GIT_CONFIG_KEY_%ld", i);
		key = getenv(name);
		snprintf(name, sizeof(name), "GIT_CONFIG_VALUE_%ld", i);
		value = getenv(name);
		if (!key || !value)
			break;
		param_add(key, strlen(key), value);
	}
}

static void load_params(void)
{
	if (params_loaded)
		return;
	params_loaded = 1;
	load_config_env();
	load_config_parameters(getenv("GIT_CONFIG_PARAMETERS"));
}

void gitconfig_reset(void)
{
	size_t i;

	for (i = 0; i < params_nr; i++) {
		free(params[i].key);
		free(params[i].value);
	}
	free(params);
	params = NULL;
	params_nr = params_alloc = 0;
	params_loaded = 0;
}

/* The last command-line value for key wins, as the last -c does in git. */
static const struct param *param_find(const char *key)
{
	size_t i;

	load_params();
	for (i = params_nr; i > 0; i--)
		if (!strcasecmp(params[i - 1].key, key))
			return &params[i - 1];
	return NULL;
}

int gitconfig_get_string(git_config *cfg, const char *key, char **out)
{
	const struct param *p = param_find(key);
	git_buf buf = GIT_BUF_INIT;
	int rc;

	*out = NULL;
	if (p) {
		*out = xstrdup(p->value ? p->value : "true");
		return 0;
	}
	if (!cfg)
		return 0;
	rc = git_config_get_string_buf(&buf, cfg, key);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		return 0;
	}
	if (rc < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read config '%s'",
				       key);
	*out = xstrdup(buf.ptr);
	git_buf_dispose(&buf);
	return 0;
}

static int parse_size(const char *s, long long *out)
{
	long long n, unit = 1;
	char *end;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (end == s || errno || n < 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': unit = 1LL << 10; end++; break;
	case 'm': case 'M': unit = 1LL << 20; end++; break;
	case 'g': case 'G': unit = 1LL << 30; end++; break;
	}
	if (*end || n > LLONG_MAX / unit)
		return -1;
	*out = n * unit;
	return 0;
}

int gitconfig_get_size(git_config *cfg, const char *key, long long *out)
{
	char *value = NULL;
	int rc;

	if ((rc = gitconfig_get_string(cfg, key, &value)) < 0)
		return rc;
	if (!value)
		return 1;
	if (parse_size(value, out) < 0)
		rc = graft_error("bad size '%s' for config '%s': a whole number, with k, m or g after it if you like",
				 value, key);
	free(value);
	return rc;
}

int gitconfig_parse_bool(const char *s)
{
	char *end;
	long n;

	if (!*s || !strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
	    !strcasecmp(s, "on"))
		return 1;
	if (!strcasecmp(s, "false") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "off"))
		return 0;
	n = strtol(s, &end, 10);
	if (end != s && !*end)
		return n != 0;
	return -1;
}

int gitconfig_get_bool(git_config *cfg, const char *key, int *out)
{
	char *value;
	int rc, b;

	if ((rc = gitconfig_get_string(cfg, key, &value)) < 0)
		return rc;
	if (!value)
		return 1;
	b = gitconfig_parse_bool(value);
	if (b < 0) {
		rc = graft_error("bad boolean config value '%s' for '%s'",
				 value, key);
		free(value);
		return rc;
	}
	free(value);
	*out = b;
	return 0;
}

/* "~/x" and "~user/x" as git's interpolate_path expands them; NULL: no such user. */
static char *expand_user(const char *path)
{
	const char *rest = strchrnul(path + 1, '/'), *home;
	struct strbuf sb = STRBUF_INIT;

	if (rest == path + 1) {
		home = getenv("HOME");
	} else {
		char *user = xstrndup(path + 1, (size_t)(rest - path - 1));
		const struct passwd *pw = getpwnam(user);

		free(user);
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return NULL;
	strbuf_addf(&sb, "%s%s", home, rest);
	return strbuf_detach(&sb);
}

int gitconfig_get_path(git_config *cfg, const char *key, char **out)
{
	char *value = NULL;
	int rc;

	*out = NULL;
	if ((rc = gitconfig_get_string(cfg, key, &value)) < 0 || !value)
		return rc;
	if (value[0] != '~') {
		*out = value;
		return 0;
	}
	*out = expand_user(value);
	if (!*out)
		rc = graft_error("config '%s': cannot expand '%s': no such user",
				 key, value);
	free(value);
	return rc;
}

void gitconfig_quote_value(struct strbuf *out, const char *value)
{
	size_t len = strlen(value), i;
	int quote = len && (value[0] == ' ' || value[len - 1] == ' ');

	for (i = 0; i < len; i++)
		if (value[i] == ';' || value[i] == '#')
			quote = 1;
	if (quote)
		strbuf_addch(out, '"');
	for (i = 0; i < len; i++) {
		switch (value[i]) {
		case '\n':
			strbuf_addstr(out, "\\n");
			break;
		case '\t':
			strbuf_addstr(out, "\\t");
			break;
		case '"':
			strbuf_addstr(out, "\\\"");
			break;
		case '\\':
			strbuf_addstr(out, "\\\\");
			break;
		default:
			strbuf_addch(out, value[i]);
		}
	}
	if (quote)
		strbuf_addch(out, '"');
}
