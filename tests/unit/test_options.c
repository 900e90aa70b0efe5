#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

/*
 * The compiler on an option table holding entry, at file scope as a
 * static table and in a function as the commands declare theirs. The
 * variables are of every type an option writes, and of some it does not.
 */
static struct cmd_result compile(const char *entry)
{
	char *path = tmp_path("entry.c"), *src = shq(source_dir());
	struct cmd_result r;
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fprintf(f, "#include \"cmd/options.h\"\n"
		"static int flag;\n"
		"static unsigned count_u;\n"
		"static long count_l;\n"
		"static const char *name;\n"
		"static char *name_mutable;\n"
		"static struct opt_optional key = OPT_OPTIONAL_INIT;\n"
		"static const struct option_spec table[] = { %s, OPT_END() };\n"
		"int use(void);\n"
		"int use(void)\n"
		"{\n"
		"\tconst struct option_spec local[] = { %s, OPT_END() };\n"
		"\n"
		"\t(void)flag; (void)count_u; (void)count_l; (void)name;\n"
		"\t(void)name_mutable; (void)key;\n"
		"\treturn table[0].type + local[0].type;\n"
		"}\n", entry, entry);
	cr_assert_eq(fclose(f), 0);
	r = sh(harness_tmp(), "cc -std=c99 -Wall -Wextra -fsyntax-only "
	       "-I%s/src entry.c", src);
	free(src);
	free(path);
	return r;
}

Test(options, each_entry_takes_the_type_it_writes, .init = harness_setup,
     .fini = harness_teardown)
{
	static const struct { const char *entry; int ok; } cases[] = {
		{ "OPT_BOOL('b', \"b\", &flag, \"h\")", 1 },
		{ "OPT_UINT('n', \"n\", &flag, \"<n>\", \"h\")", 1 },
		{ "OPT_STRING('s', \"s\", &name, \"<s>\", \"h\")", 1 },
		{ "OPT_OPTSTRING('S', \"S\", &key, \"<k>\", \"h\")", 1 },
		{ "OPT_BOOL('b', \"b\", &count_l, \"h\")", 0 },
		{ "OPT_BOOL('b', \"b\", &name, \"h\")", 0 },
		{ "OPT_UINT('n', \"n\", &count_u, \"<n>\", \"h\")", 0 },
		{ "OPT_UINT('n', \"n\", &count_l, \"<n>\", \"h\")", 0 },
		{ "OPT_STRING('s', \"s\", &name_mutable, \"<s>\", \"h\")", 0 },
		{ "OPT_STRING('s', \"s\", name, \"<s>\", \"h\")", 0 },
		{ "OPT_OPTSTRING('S', \"S\", &name, \"<k>\", \"h\")", 0 },
		{ "OPT_OPTSTRING('S', \"S\", &flag, \"<k>\", \"h\")", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct cmd_result r = compile(cases[i].entry);

		if (cases[i].ok)
			cr_expect(r.status == 0 && !*r.err,
				  "%s is refused:\n%s", cases[i].entry, r.err);
		else
			cr_expect_neq(r.status, 0, "%s compiles:\n%s",
				      cases[i].entry, r.err);
		cmd_result_free(&r);
	}
}
