#include <stdlib.h>

#include <criterion/criterion.h>

#include "paths.h"

static void expect_str(char *got, const char *want, const char *what)
{
	cr_assert_str_eq(got, want, "%s", what);
	free(got);
}

Test(paths, normalize)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "/a/b/../c", "/a/c" }, { "/a/./b//c/", "/a/b/c" },
		{ "/a/b/../../..", "/" }, { "/", "/" }, { "a/../..", ".." },
		{ "a/b/..", "a" }, { "./", "." }, { "../x/../y", "../y" },
		{ "/w/app/../dep", "/w/dep" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		expect_str(path_normalize(cases[i].in), cases[i].out, cases[i].in);
}

Test(paths, relative)
{
	expect_str(path_relative("/r/.graft/kb", "/r/.git/modules/kb"),
		   "../../.git/modules/kb", "work tree to repository");
	expect_str(path_relative("/r/.git/modules/kb", "/r/.graft/kb"),
		   "../../../.graft/kb", "repository to work tree");
	expect_str(path_relative("/r/a/", "/r/a"), ".", "same directory");
	expect_str(path_relative("/r/ab", "/r/a/b"), "../a/b",
		   "a shared prefix that is not a shared component");
	expect_str(path_relative("/", "/x/y"), "x/y", "from the root");
}

Test(paths, source_kinds)
{
	cr_assert_eq(source_kind("https://example.com/x.git"), SOURCE_URL);
	cr_assert_eq(source_kind("file:///srv/x"), SOURCE_URL);
	cr_assert_eq(source_kind("ssh://git@host/x"), SOURCE_URL);
	cr_assert_eq(source_kind("git@github.com:o/x.git"), SOURCE_SCP);
	cr_assert_eq(source_kind("host:x"), SOURCE_SCP);
	cr_assert_eq(source_kind("/srv/x"), SOURCE_ABSOLUTE);
	cr_assert_eq(source_kind("../x"), SOURCE_RELATIVE);
	cr_assert_eq(source_kind("deps/x:y"), SOURCE_RELATIVE,
		     "a ':' after a '/' is part of a path, as in git");
}

Test(paths, fetch_and_gitmodules_urls)
{
	expect_str(source_fetch_url("/w/app/", "../dep"), "/w/dep", "relative");
	expect_str(source_fetch_url("/w/app/", "./deps/x/"), "/w/app/deps/x",
		   "inside");
	expect_str(source_fetch_url("/w/app/", "/srv/x"), "/srv/x", "absolute");
	expect_str(source_fetch_url("/w/app/", "https://h/x"), "https://h/x",
		   "URL");
	expect_str(source_gitmodules_url("../dep"), "../dep", "kept");
	expect_str(source_gitmodules_url("./dep"), "./dep", "kept");
	expect_str(source_gitmodules_url("deps/x"), "./deps/x",
		   "made relative for git");
	expect_str(source_gitmodules_url("git@h:x"), "git@h:x", "scp");
}
