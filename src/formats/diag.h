#ifndef GRAFT_DIAG_H
#define GRAFT_DIAG_H

#include <stddef.h>

#include "strbuf.h"

/*
 * Diagnostics about a file: every problem found, each with the file and
 * line it is about, so `validate` can report all of them at once.
 */
struct diag {
	char *file;
	int line;	/* 0: about the file as a whole */
	char *message;
};

struct diag_list {
	struct diag *items;
	size_t nr, alloc;
};

#define DIAG_LIST_INIT { .items = NULL }

void diag_add(struct diag_list *list, const char *file, int line,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_list_release(struct diag_list *list);

/* Order by line within each file, files in the order first reported. */
void diag_sort(struct diag_list *list);

/* Report each as an error, "<file>:<line>: <message>". */
void diag_report(const struct diag_list *list);

/*
 * Turn the list into one error message (first diagnostic, and how many
 * more) for commands that only need to refuse; returns GRAFT_EFAIL.
 */
int diag_to_error(const struct diag_list *list);

/*
 * Read the file at path into buf for a parser that reports in list, a
 * failure to read it as a problem of label (the file as the user names
 * it) as well as the returned error. *missing when there is none.
 */
int diag_read_file(struct strbuf *buf, int *missing, const char *path,
		   const char *label, struct diag_list *list);

#endif
