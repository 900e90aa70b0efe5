#include <stdlib.h>

#include <criterion/criterion.h>

#include "gitconfig.h"
#include "strbuf.h"

static char *get(const char *key)
{
	char *value = NULL;

	cr_assert_eq(gitconfig_get_string(NULL, key, &value), 0);
	return value;
}

Test(gitconfig, reads_git_c_parameters)
{
	char *v;
	int b = -1;

	setenv("GIT_CONFIG_PARAMETERS",
	       "'color.ui'='never' 'user.name'='O'\\''Brien' 'old.form=x' 'flag'", 1);
	gitconfig_reset();
	v = get("color.ui");
	cr_assert_str_eq(v, "never");
	free(v);
	v = get("user.name");
	cr_assert_str_eq(v, "O'Brien");
	free(v);
	v = get("old.form");
	cr_assert_str_eq(v, "x");
	free(v);
	cr_assert_eq(gitconfig_get_bool(NULL, "flag", &b), 0);
	cr_assert_eq(b, 1);
	cr_assert_null(get("not.set"));
	cr_assert_eq(gitconfig_get_bool(NULL, "not.set", &b), 1);
	gitconfig_reset();
}

Test(gitconfig, later_values_win_and_keys_ignore_case)
{
	char *v;

	setenv("GIT_CONFIG_PARAMETERS", "'color.ui'='always' 'Color.UI'='never'", 1);
	gitconfig_reset();
	v = get("color.ui");
	cr_assert_str_eq(v, "never");
	free(v);
	gitconfig_reset();
}

Test(gitconfig, reads_config_env)
{
	char *v;

	unsetenv("GIT_CONFIG_PARAMETERS");
	setenv("GIT_CONFIG_COUNT", "1", 1);
	setenv("GIT_CONFIG_KEY_0", "color.graft", 1);
	setenv("GIT_CONFIG_VALUE_0", "auto", 1);
	gitconfig_reset();
	v = get("color.graft");
	cr_assert_str_eq(v, "auto");
	free(v);
	gitconfig_reset();
}

Test(gitconfig, booleans)
{
	cr_assert_eq(gitconfig_parse_bool("true"), 1);
	cr_assert_eq(gitconfig_parse_bool("Yes"), 1);
	cr_assert_eq(gitconfig_parse_bool(""), 1);
	cr_assert_eq(gitconfig_parse_bool("off"), 0);
	cr_assert_eq(gitconfig_parse_bool("0"), 0);
	cr_assert_eq(gitconfig_parse_bool("2"), 1);
	cr_assert_eq(gitconfig_parse_bool("maybe"), -1);
}

static char *quoted(const char *value)
{
	struct strbuf out = STRBUF_INIT;

	gitconfig_quote_value(&out, value);
	return strbuf_detach(&out);
}

Test(gitconfig, values_are_quoted_as_git_writes_them)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "../dep", "../dep" },
		{ "a;b", "\"a;b\"" },
		{ "x#y", "\"x#y\"" },
		{ " lead", "\" lead\"" },
		{ "trail ", "\"trail \"" },
		{ "q\"b\\s", "q\\\"b\\\\s" },
		{ "t\tn\n", "t\\tn\\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = quoted(cases[i].in);

		cr_assert_str_eq(got, cases[i].out, "value '%s'", cases[i].in);
		free(got);
	}
}
