#ifndef GRAFT_INIEDIT_H
#define GRAFT_INIEDIT_H

#include <stddef.h>

#include "strbuf.h"

/*
 * Edits to a graft.ini that keep the user's file: everything but the
 * section added or removed stays byte for byte, comments and order
 * included. Lines are written in the file's own line ending, keys
 * unindented (an indented line after a key would continue its value).
 */

/*
 * out = buf with a [dependency "<name>"] section appended, holding source
 * and, when not NULL, ref. Separated from what precedes by a blank line.
 */
void ini_append_dependency(struct strbuf *out, const char *buf, size_t len,
			   const char *name, const char *source,
			   const char *ref);

/*
 * out = buf without the [<kind> "<name>"] section: its header, its keys
 * and comments up to its last key, and the blank lines after it. A
 * comment block right before the next section is kept: it describes that
 * one. Returns the number of sections removed (0: out is buf unchanged).
 * The file should be one ini_doc_parse reads without problems.
 */
int ini_remove_section(struct strbuf *out, const char *buf, size_t len,
		       const char *kind, const char *name);

#endif
