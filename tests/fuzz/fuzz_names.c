/*
 * The checks every user-given name, ref, source and path, and every
 * submodule name from .gitmodules, passes before a path, ref or message
 * is built from it. The input is cut at NUL bytes into pieces, each
 * checked every way. Beyond not crashing, a name they accept must make
 * the paths and refs git-graft builds from it.
 */
#include <git2.h>

#include "error.h"
#include "formats/names.h"
#include "fuzz.h"
#include "strbuf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* ref_check asks libgit2 about ref names */
	git_libgit2_init();
	return 0;
}

static int valid_ref_name(const char *prefix, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	int valid = 0;

	strbuf_addstr(&sb, prefix);
	strbuf_addstr(&sb, name);
	if (git_reference_name_is_valid(&valid, sb.buf) < 0)
		valid = 0;
	strbuf_release(&sb);
	return valid;
}

/*
 * git (`git submodule update` reads the source from .gitmodules) runs the
 * helper git-remote-<transport> for "<transport>::<address>", where the
 * transport is made of letters, digits, '+', '-' and '.'.
 */
static int git_would_use_helper(const char *s)
{
	const char *p = s;

	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	       (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	return p[0] == ':' && p[1] == ':';
}

static void check_piece(const char *s)
{
	char *q = name_quoted(s);
	size_t len = strlen(s);

	/* quoted for a message: never more than 40 bytes of it */
	fuzz_assert(strlen(q) <= 42 && q[0] == '\'' && q[strlen(q) - 1] == '\'',
		    "name_quoted is not quoted and short");
	free(q);

	if (name_check(s, "name") == 0) {
		fuzz_assert(len >= 1 && len <= NAME_MAX_LEN, "name length");
		fuzz_assert(!strchr(s, '/') && !strstr(s, ".."),
			    "a name that walks out of .graft/");
		/* .graft/<name>, refs/graft/snapshots/<name>, a source path */
		fuzz_assert(relpath_check(s, "path") == 0,
			    "a name that is not a path inside the repository");
		fuzz_assert(ref_check(s, "ref") == 0, "a name that is not a ref");
		fuzz_assert(valid_ref_name("refs/graft/snapshots/", s),
			    "a name that makes no snapshot ref");
		fuzz_assert(source_check(s, "source") == 0,
			    "a name that is not a source");
	}
	if (ref_check(s, "ref") == 0) {
		fuzz_assert(len >= 1 && len <= REF_MAX_LEN, "ref length");
		fuzz_assert(s[0] != '-', "a ref that reads as an option");
	}
	if (source_check(s, "source") == 0) {
		fuzz_assert(s[0] != '-', "a source that reads as an option");
		fuzz_assert(!git_would_use_helper(s),
			    "a source git would hand to a remote helper");
	}
	if (submodule_name_check(s, "submodule name") == 0) {
		const char *p = s;

		/* .git/modules/<name> stays below .git/modules */
		for (;;) {
			size_t n = strcspn(p, "/\\");

			fuzz_assert(!(n == 2 && p[0] == '.' && p[1] == '.'),
				    "a submodule name that climbs out");
			if (!p[n])
				break;
			p += n + 1;
		}
	}
	if (relpath_check(s, "path") == 0)
		fuzz_assert(s[0] != '/' && strcmp(s, "..") && strncmp(s, "../", 3),
			    "a path that leaves the repository");
	(void)is_full_hex_oid(s);
	graft_error_clear();
}

/*
 * Pieces looked at in one input: enough for every kind of check to meet
 * every other, few enough that a run goes through many inputs.
 */
#define MAX_PIECES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *all = fuzz_cstring(data, size), *p = all;
	int n;

	/* fuzz_cstring ends the last piece; each NUL ends one before */
	for (n = 0; n < MAX_PIECES; n++) {
		check_piece(p);
		p += strlen(p);
		if ((size_t)(p - all) >= size)
			break;
		p++;
	}
	free(all);
	return 0;
}
