#include <string.h>

#include <criterion/criterion.h>

#include "deps/gitmodules.h"
#include "strbuf.h"

Test(gitmodules, append_in_gits_layout)
{
	struct strbuf out = STRBUF_INIT;
	const char *in = "[submodule \"x\"]\n\tpath = x\n\turl = ../x";

	gitmodules_append(&out, in, strlen(in), "kb", ".graft/kb", "../kb");
	cr_assert_str_eq(out.buf,
			 "[submodule \"x\"]\n\tpath = x\n\turl = ../x\n"
			 "[submodule \"kb\"]\n\tpath = .graft/kb\n\turl = ../kb\n");
	strbuf_release(&out);
}

Test(gitmodules, remove_one_section_in_any_spelling)
{
	const char *in =
		"# mine\n"
		"[submodule \"a\"]\n\tpath = a\n\turl = ../a\n"
		"[Submodule  \"kb\"]\n\tpath = .graft/kb\n\t# note\n\turl = ../kb\n"
		"[submodule \"kbx\"]\n\tpath = kbx\n"
		"[submodule.kb]\n\tupdate = none\n"
		"[submodule \".graft/kb\"]\n\tpath = .graft/kb\n";
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(gitmodules_remove(&out, in, strlen(in), "kb"), 2);
	cr_assert_str_eq(out.buf,
			 "# mine\n[submodule \"a\"]\n\tpath = a\n\turl = ../a\n"
			 "[submodule \"kbx\"]\n\tpath = kbx\n"
			 "[submodule \".graft/kb\"]\n\tpath = .graft/kb\n");
	cr_assert_eq(gitmodules_remove(&out, in, strlen(in), ".graft/kb"), 1);
	cr_assert(!strstr(out.buf, ".graft/kb\"]"));
	cr_assert(strstr(out.buf, "[Submodule  \"kb\"]"));
	cr_assert_eq(gitmodules_remove(&out, in, strlen(in), "none"), 0);
	cr_assert_str_eq(out.buf, in);
	strbuf_release(&out);
}

Test(gitmodules, escaped_subsection_names)
{
	const char *in = "[submodule \"a\\\"b\"]\n\tpath = x\n[submodule \"c\"]\n";
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(gitmodules_remove(&out, in, strlen(in), "a\"b"), 1);
	cr_assert_str_eq(out.buf, "[submodule \"c\"]\n");
	strbuf_release(&out);
}
