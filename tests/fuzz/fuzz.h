#ifndef GRAFT_FUZZ_H
#define GRAFT_FUZZ_H

/*
 * Support for the libFuzzer targets of `make fuzz`. Each target feeds
 * arbitrary bytes to one reader of the core and checks, beyond "no crash,
 * no leak", the promises its callers build paths, refs and files on.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A broken promise is a crash as far as libFuzzer is concerned: it saves
 * the input that caused it.
 */
#define fuzz_assert(cond, what) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, (what)); \
		abort(); \
	} \
} while (0)

/* The input as a C string: everything up to its first NUL. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static inline int fuzz_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

#endif
