#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "deps/gitmodules.h"
#include "error.h"
#include "lib/harness.h"
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

Test(gitmodules, read_by_path_and_by_name, .init = harness_setup,
     .fini = harness_teardown)
{
	struct gitmodules gm = GITMODULES_INIT;
	const struct gitmodules_entry *e;
	char *path = tmp_path("gitmodules"), *link = tmp_path("link");

	harness_libgit2_init();
	cr_assert_eq(gitmodules_read(&gm, path), 0, "no file");
	cr_assert_eq(gm.nr, 0);
	write_file(path, "[submodule \"Kb\"]\n\tpath = .graft/kb/\n"
		   "\turl = ../old\n\turl = ../kb\n"
		   "[submodule \"a.b\"]\n\turl = ../ab\n");
	cr_assert_eq(gitmodules_read(&gm, path), 0, "%s", graft_error_message());
	e = gitmodules_find_path(&gm, ".graft/kb");
	cr_assert(e, "a trailing '/' is the same path");
	cr_assert_str_eq(e->name, "Kb");
	cr_assert_str_eq(e->url, "../kb", "the last value counts");
	cr_assert_eq(gitmodules_find_name(&gm, "kb"), NULL, "names keep their case");
	e = gitmodules_find_name(&gm, "a.b");
	cr_assert(e && !e->path && !strcmp(e->url, "../ab"));
	gitmodules_release(&gm);

	cr_assert(symlink(path, link) == 0);
	cr_assert_lt(gitmodules_read(&gm, link), 0);
	assert_contains(graft_error_message(), "symbolic link");
	graft_error_clear();
	write_file(path, "[submodule \"x\"\n");
	cr_assert_lt(gitmodules_read(&gm, path), 0, "malformed");
	graft_error_clear();
	gitmodules_release(&gm);
	free(path);
	free(link);
	git_libgit2_shutdown();
}
