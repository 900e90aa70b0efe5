#include <string.h>

#include <criterion/criterion.h>

#include "error.h"
#include "formats/names.h"

static void expect(int rc, int ok, const char *what, const char *input)
{
	if (ok)
		cr_assert_eq(rc, 0, "%s '%s' refused: %s", what, input,
			     graft_error_message());
	else
		cr_assert_eq(rc, GRAFT_EFAIL, "%s '%s' accepted", what, input);
	graft_error_clear();
}

Test(names, dependency_names)
{
	static const struct { const char *name; int ok; } cases[] = {
		{ "meta-kb", 1 }, { "a", 1 }, { "A1._-z", 1 }, { "v2.0", 1 },
		{ "", 0 }, { ".hidden", 0 }, { "-rf", 0 }, { "_x", 0 },
		{ "a/b", 0 }, { "../x", 0 }, { "a..b", 0 }, { "a.", 0 },
		{ "a.lock", 0 }, { "a b", 0 }, { "a\tb", 0 }, { "a\nb", 0 },
		{ "caf\xc3\xa9", 0 }, { "a:b", 0 }, { "a~1", 0 }, { "a@{0}", 0 },
	};
	char longest[NAME_MAX_LEN + 2];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		expect(name_check(cases[i].name, "name"), cases[i].ok, "name",
		       cases[i].name);
	memset(longest, 'a', NAME_MAX_LEN);
	longest[NAME_MAX_LEN] = '\0';
	expect(name_check(longest, "name"), 1, "name", "64 bytes");
	longest[NAME_MAX_LEN] = 'a';
	longest[NAME_MAX_LEN + 1] = '\0';
	expect(name_check(longest, "name"), 0, "name", "65 bytes");
}

Test(names, refs)
{
	static const struct { const char *ref; int ok; } cases[] = {
		{ "main", 1 }, { "v2.0.0", 1 }, { "feature/x", 1 },
		{ "refs/tags/v1", 1 }, { "0123456789abcdef0123456789abcdef01234567", 1 },
		{ "", 0 }, { "-v1", 0 }, { "a..b", 0 }, { "a b", 0 },
		{ "a:b", 0 }, { "a~1", 0 }, { "a^", 0 }, { "a?", 0 }, { "a*", 0 },
		{ "a[", 0 }, { "a\\b", 0 }, { "a.lock", 0 }, { "/a", 0 },
		{ "a/", 0 }, { "a//b", 0 }, { "a@{1}", 0 }, { "a\x01", 0 },
		{ "a\x7f", 0 },
	};
	char *huge = malloc(10241);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		expect(ref_check(cases[i].ref, "ref"), cases[i].ok, "ref",
		       cases[i].ref);
	memset(huge, 'a', 10240);
	huge[10240] = '\0';
	expect(ref_check(huge, "ref"), 0, "ref", "10 KB");
	expect(name_check(huge, "name"), 0, "name", "10 KB");
	free(huge);
}

Test(names, long_names_are_shortened_in_messages)
{
	char *huge = malloc(10241);

	memset(huge, 'x', 10240);
	huge[10240] = '\0';
	cr_assert_eq(name_check(huge, "dependency name"), GRAFT_EFAIL);
	cr_assert_lt(strlen(graft_error_message()), 200);
	graft_error_clear();
	free(huge);
}

Test(names, sources)
{
	static const struct { const char *source; int ok; } cases[] = {
		{ "../meta-kb", 1 }, { "/srv/git/x.git", 1 },
		{ "file:///srv/git/x.git", 1 }, { "https://example.com/x.git", 1 },
		{ "ssh://git@example.com/x.git", 1 }, { "git@example.com:x.git", 1 },
		{ "ssh://[::1]/x.git", 1 }, { "dir with space", 1 },
		{ "", 0 }, { "--upload-pack=touch /tmp/x", 0 }, { "-x", 0 },
		{ "ext::sh -c touch% /tmp/pwned", 0 }, { "fd::17", 0 },
		{ "a\nb", 0 }, { "a\x1b[31m", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		expect(source_check(cases[i].source, "source"), cases[i].ok,
		       "source", cases[i].source);
}

Test(names, relative_paths)
{
	expect(relpath_check("src", "dir"), 1, "dir", "src");
	expect(relpath_check("a/b/c", "dir"), 1, "dir", "a/b/c");
	expect(relpath_check("a..b", "dir"), 1, "dir", "a..b");
	expect(relpath_check("/etc", "dir"), 0, "dir", "/etc");
	expect(relpath_check("..", "dir"), 0, "dir", "..");
	expect(relpath_check("a/../..", "dir"), 0, "dir", "a/../..");
	expect(relpath_check("", "dir"), 0, "dir", "");
}

Test(names, hex_oids)
{
	cr_assert(is_full_hex_oid("0123456789abcdef0123456789abcdef01234567"));
	cr_assert_not(is_full_hex_oid("0123456789abcdef0123456789abcdef0123456"));
	cr_assert_not(is_full_hex_oid("0123456789abcdef0123456789abcdef012345678"));
	cr_assert_not(is_full_hex_oid("0123456789ABCDEF0123456789abcdef01234567"));
}

Test(names, quoted_names_stay_on_one_line)
{
	char *q = name_quoted("a\nerror: forged\tb\033[31m\x7f");

	cr_assert_str_eq(q, "'a?error: forged?b?[31m?'");
	free(q);
}

Test(names, submodule_names)
{
	static const struct { const char *name; int ok; } cases[] = {
		{ "kb", 1 }, { ".graft/kb", 1 }, { "a..b", 1 }, { "..a", 1 },
		{ "/abs", 1 }, { "a/...", 1 },
		{ "", 0 }, { "..", 0 }, { "../kb", 0 }, { "a/../../b", 0 },
		{ "a/..", 0 }, { "..\\kb", 0 }, { "a\\..\\b", 0 },
		{ "../../../victim/kb", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		expect(submodule_name_check(cases[i].name, "submodule name"),
		       cases[i].ok, "submodule name", cases[i].name);
}
