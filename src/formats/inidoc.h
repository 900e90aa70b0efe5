#ifndef GRAFT_INIDOC_H
#define GRAFT_INIDOC_H

#include <stddef.h>

#include "formats/diag.h"

/*
 * An INI document as git-graft reads it: inih does the parsing, through a
 * reader of our own that sees every raw line first. The reader refuses
 * what inih would silently get wrong — lines longer than its buffer, NUL
 * bytes, section names longer than it keeps, values it would cut at " ;"
 * where the caller says a value is a script — and reports every problem,
 * with its line, into a diag_list.
 */

struct ini_section {
	char *kind;	/* "dependency" in [dependency "x"] */
	char *name;	/* "x", or NULL for [metadata] */
	int line;
};

struct ini_entry {
	size_t section;	/* index into ini_doc.sections */
	char *key;
	char *value;	/* continuation lines joined with '\n' */
	int line;	/* line of the key */
	int *lines;	/* the line each line of value comes from */
	int invalid;	/* a problem on one of its lines was reported */
};

struct ini_doc {
	struct ini_section *sections;
	size_t sections_nr, sections_alloc;
	struct ini_entry *entries;
	size_t entries_nr, entries_alloc;
};

#define INI_DOC_INIT { .sections = NULL }

/*
 * Parse len bytes of buf. file names the document in diagnostics. Keys
 * listed in script_keys (NULL-terminated, may be NULL) hold shell scripts
 * or other text where ';' is data: for them a " ;" that inih would take
 * for a comment is an error instead.
 * Returns 0 when no problem was found, GRAFT_EFAIL (with diags) otherwise;
 * the document holds whatever could be read either way.
 */
int ini_doc_parse(struct ini_doc *doc, const char *file, const char *buf,
		  size_t len, const char *const *script_keys,
		  struct diag_list *diags);
void ini_doc_release(struct ini_doc *doc);

/* The longest line inih reads whole (its buffer less "\r\n\0"). */
int ini_max_line_length(void);

#endif
