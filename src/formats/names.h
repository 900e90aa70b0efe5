#ifndef GRAFT_NAMES_H
#define GRAFT_NAMES_H

#include <stddef.h>

#include <git2.h>

#include "strbuf.h"

/*
 * Every name and ref a user or a file gives passes through here before a
 * path, ref name or message is built from it.
 */

#define NAME_MAX_LEN 64
#define REF_MAX_LEN 255

/*
 * A dependency or command name: [A-Za-z0-9][A-Za-z0-9._-]*, at most 64
 * bytes, not ending in ".lock" or ".", no "..". Returns 0, or sets an
 * error naming `what` and returns GRAFT_EFAIL.
 */
int name_check(const char *name, const char *what);

/*
 * A shell variable name, as an environment variable a command is given
 * must be for the shell to see it: [A-Za-z_][A-Za-z0-9_]*.
 */
int env_name_check(const char *name, const char *what);

/*
 * A ref as a user writes it (branch, tag, full ref or commit id): what git
 * accepts as a ref name, not starting with '-', at most 255 bytes.
 */
int ref_check(const char *ref, const char *what);

/*
 * A revision as git reads it ("v2.0.0^", "main~2", "v1^{commit}",
 * "main@{upstream}"), which the repository it names resolves: not
 * empty, not starting with '-', no control character, no ".." (a range
 * is not one commit), at most 255 bytes.
 */
int rev_check(const char *rev, const char *what);

/*
 * Append s to out in quotes for a message, cut with "..." past 40 bytes
 * so a 10 KB name does not flood the terminal, and with every control
 * character, newline and tab included, shown as '?' so that it stays on
 * its line.
 */
void name_quote(struct strbuf *out, const char *s);

/* A quoted copy of s for a message (see name_quote); caller frees. */
char *name_quoted(const char *s);

/* 1 if s is exactly 40 lowercase hexadecimal digits. */
int is_full_hex_oid(const char *s);

/*
 * The first 7 hex digits of id, as a message names a commit, in buf (at
 * least 8 bytes).
 */
const char *short_id(char *buf, const git_oid *id);

/*
 * A dependency source: a path (relative to the repository root or
 * absolute), a file://, https:// or ssh:// URL, or scp-style host:path.
 * Refused: empty, control characters, a leading '-' (it would read as an
 * option such as --upload-pack), and remote-helper syntax such as
 * "ext::cmd" that runs programs.
 */
int source_check(const char *source, const char *what);

/*
 * A path inside the repository given in a file (working_dir): relative,
 * no ".." component, no control characters.
 */
int relpath_check(const char *path, const char *what);

/*
 * A submodule name read from .gitmodules, which places its repository at
 * .git/modules/<name>: not empty, no ".." component, with '/' and '\\'
 * both taken as separators. git refuses the same names, for the same
 * reason: a committed .gitmodules could otherwise put a repository
 * anywhere.
 */
int submodule_name_check(const char *name, const char *what);

#endif
