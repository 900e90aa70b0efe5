#ifndef GRAFT_GITCONFIG_H
#define GRAFT_GITCONFIG_H

#include <git2.h>

#include "strbuf.h"

/*
 * git configuration as git itself would see it. libgit2 1.5 never reads
 * the values `git -c key=value` and `git --config-env` pass down in
 * GIT_CONFIG_PARAMETERS and GIT_CONFIG_COUNT/KEY_n/VALUE_n; these take
 * precedence over every file, as in git. cfg may be NULL, then only the
 * command-line values are seen.
 */

/*
 * *out is the value (caller frees) or NULL when the key is not set.
 * A key given with no value (`git -c key`) reads as "true".
 * Returns 0 or a negative error.
 */
int gitconfig_get_string(git_config *cfg, const char *key, char **out);

/*
 * A path, as git reads one (git_config_pathname): a leading "~/" or
 * "~user/" is that home directory. *out is NULL when the key is not set.
 */
int gitconfig_get_path(git_config *cfg, const char *key, char **out);

/* 0 and *out set when the key is set, 1 when it is not, <0 on error. */
int gitconfig_get_bool(git_config *cfg, const char *key, int *out);

/*
 * A size as git writes them: a whole number with an optional k, m or g
 * (powers of 1024). 0 and *out set when the key is set, 1 when it is
 * not; a value that is no size is an error naming the key.
 */
int gitconfig_get_size(git_config *cfg, const char *key, long long *out);

/* git's boolean spellings; -1 when s is none of them. */
int gitconfig_parse_bool(const char *s);

/* Forget the parsed command-line values (they are read once). */
void gitconfig_reset(void);

/* Append value to out as git config writes it: quoted and escaped. */
void gitconfig_quote_value(struct strbuf *out, const char *value);

#endif
