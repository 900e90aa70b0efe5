#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "deps/protocol.h"
#include "error.h"
#include "lib/harness.h"

TestSuite(protocol, .init = harness_setup, .fini = harness_teardown);

static void expect_name(const char *url, const char *name)
{
	char *got = protocol_name(url);

	cr_expect_str_eq(got, name, "%s: %s, not %s", url, got, name);
	free(got);
}

Test(protocol, names_the_transport_git_would_use)
{
	expect_name("/srv/git/kb", "file");
	expect_name("/srv/git/kb:with-colon", "file");
	expect_name("file:///srv/git/kb", "file");
	expect_name("https://example.com/kb.git", "https");
	expect_name("http://example.com/kb.git", "http");
	expect_name("ssh://git@example.com/kb.git", "ssh");
	expect_name("git+ssh://example.com/kb.git", "ssh");
	expect_name("ssh+git://example.com/kb.git", "ssh");
	expect_name("git://example.com/kb.git", "git");
	expect_name("git@example.com:team/kb.git", "ssh");
	expect_name("example.com:kb.git", "ssh");
	expect_name("ext::ssh -p 2222 %S kb", "ext");
	expect_name("fd::3", "fd");
}

static int check(const char *url)
{
	int rc = protocol_check(url, NULL);

	graft_error_clear();
	return rc;
}

Test(protocol, defaults_as_git)
{
	unsetenv("GIT_ALLOW_PROTOCOL");
	unsetenv("GIT_PROTOCOL_FROM_USER");
	cr_expect_eq(check("https://example.com/kb"), 0);
	cr_expect_eq(check("git@example.com:kb"), 0);
	cr_expect_eq(check("/srv/kb"), 0, "file is the user's");
	cr_expect_lt(check("ext::sh -c evil"), 0, "ext never");
	setenv("GIT_PROTOCOL_FROM_USER", "0", 1);
	cr_expect_lt(check("/srv/kb"), 0, "file is not for others");
	cr_expect_lt(check("fd::3"), 0, "nor any unknown one");
	cr_expect_eq(check("https://example.com/kb"), 0);
	unsetenv("GIT_PROTOCOL_FROM_USER");
	setenv("GIT_ALLOW_PROTOCOL", "file:ext", 1);
	cr_expect_eq(check("ext::sh"), 0, "the list allows it");
	cr_expect_lt(check("https://example.com/kb"), 0, "only the list");
}

Test(protocol, the_message_says_what_refuses)
{
	unsetenv("GIT_ALLOW_PROTOCOL");
	setenv("GIT_CONFIG_PARAMETERS", "'protocol.https.allow'='never' "
	       "'protocol.allow'='never' 'protocol.file.allow'='always'", 1);
	cr_assert_lt(protocol_check("https://example.com/kb", NULL), 0);
	cr_assert_str_eq(graft_error_message(), "transport 'https' not allowed");
	cr_assert_str_eq(graft_error_hints(), "protocol.https.allow is 'never'");
	graft_error_clear();
	/* the protocol's own setting wins over protocol.allow */
	cr_assert_eq(protocol_check("/srv/kb", NULL), 0);
	cr_assert_lt(protocol_check("git://example.com/kb", NULL), 0);
	cr_assert_str_eq(graft_error_hints(), "protocol.allow is 'never'");
	graft_error_clear();
}

Test(protocol, an_unknown_value_is_an_error_naming_the_key)
{
	setenv("GIT_CONFIG_PARAMETERS", "'protocol.file.allow'='sometimes'", 1);
	cr_assert_lt(protocol_check("/srv/kb", NULL), 0);
	cr_assert_str_eq(graft_error_message(),
			 "unknown value for config 'protocol.file.allow': sometimes");
	graft_error_clear();
}
