#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "error.h"
#include "gitconfig.h"
#include "ident.h"
#include "lib/fixtures_core.h"
#include "lib/harness.h"
#include "repo.h"

static const char *const identity_env[] = {
	"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
	"GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
	"EMAIL", NULL,
};

static void clear_identity_env(void)
{
	const char *const *v;

	for (v = identity_env; *v; v++)
		unsetenv(*v);
}

/* A repository to read config from, opened as a command opens it. */
static void open_repo(struct graft_repo *r)
{
	char *dir = make_repo("repo");

	fixture_libgit2_init();
	open_fixture_repo(r, dir);
	free(dir);
}

static void close_repo(struct graft_repo *r)
{
	repo_close(r);
	gitconfig_reset();
	git_libgit2_shutdown();
}

static void assert_sig(const git_signature *sig, const char *name,
		       const char *email)
{
	cr_assert_str_eq(sig->name, name);
	cr_assert_str_eq(sig->email, email);
}

Test(ident, environment_gives_names_emails_and_dates,
     .init = harness_setup, .fini = harness_teardown)
{
	git_signature *author = NULL, *committer = NULL;
	struct graft_repo r;

	open_repo(&r);
	setenv("GIT_COMMITTER_DATE", "2005-04-07T22:13:13+02:00", 1);
	cr_assert_eq(ident_resolve(&author, &committer, r.repo), 0, "%s",
		     graft_error_message());
	assert_sig(author, "A U Thor", "author@example.com");
	assert_sig(committer, "C O Mitter", "committer@example.com");
	cr_assert_eq(author->when.time, 1112911993);
	cr_assert_eq(author->when.offset, -420);
	cr_assert_eq(committer->when.time, 1112904793);
	cr_assert_eq(committer->when.offset, 120);
	git_signature_free(author);
	git_signature_free(committer);
	close_repo(&r);
}

Test(ident, precedence_is_env_then_role_config_then_user_then_email,
     .init = harness_setup, .fini = harness_teardown)
{
	git_signature *author = NULL, *committer = NULL;
	struct graft_repo r;

	open_repo(&r);
	clear_identity_env();
	sh_do(NULL, "git config user.name 'User Name' && "
	      "git config user.email user@example.com && "
	      "git config author.name 'Author Config' && "
	      "git config committer.email committer-config@example.com");
	setenv("EMAIL", "fallback@example.com", 1);
	cr_assert_eq(ident_resolve(&author, &committer, r.repo), 0, "%s",
		     graft_error_message());
	assert_sig(author, "Author Config", "user@example.com");
	assert_sig(committer, "User Name", "committer-config@example.com");
	git_signature_free(author);
	git_signature_free(committer);

	setenv("GIT_AUTHOR_NAME", "Env Author", 1);
	setenv("GIT_COMMITTER_EMAIL", "env@example.com", 1);
	cr_assert_eq(ident_resolve(&author, &committer, r.repo), 0);
	assert_sig(author, "Env Author", "user@example.com");
	assert_sig(committer, "User Name", "env@example.com");
	git_signature_free(author);
	git_signature_free(committer);

	/* EMAIL only when no config gives one */
	sh_do(NULL, "git config --unset user.email");
	cr_assert_eq(ident_resolve(&author, NULL, r.repo), 0);
	assert_sig(author, "Env Author", "fallback@example.com");
	git_signature_free(author);
	close_repo(&r);
}

Test(ident, git_c_values_count, .init = harness_setup,
     .fini = harness_teardown)
{
	git_signature *author = NULL, *committer = NULL;
	struct graft_repo r;

	open_repo(&r);
	clear_identity_env();
	sh_do(NULL, "git config user.name 'File Name' && "
	      "git config user.email file@example.com");
	setenv("GIT_CONFIG_PARAMETERS",
	       "'user.name'='Cli Name' 'committer.email'='cli@example.com'", 1);
	gitconfig_reset();
	cr_assert_eq(ident_resolve(&author, &committer, r.repo), 0, "%s",
		     graft_error_message());
	assert_sig(author, "Cli Name", "file@example.com");
	assert_sig(committer, "Cli Name", "cli@example.com");
	git_signature_free(author);
	git_signature_free(committer);

	/* the environment still wins over -c */
	setenv("GIT_COMMITTER_NAME", "Env Committer", 1);
	cr_assert_eq(ident_resolve(NULL, &committer, r.repo), 0);
	assert_sig(committer, "Env Committer", "cli@example.com");
	git_signature_free(committer);
	close_repo(&r);
}

Test(ident, missing_identity_asks_who_you_are, .init = harness_setup,
     .fini = harness_teardown)
{
	git_signature *sig = (git_signature *)1;
	struct graft_repo r;

	open_repo(&r);
	clear_identity_env();
	cr_assert_eq(ident_resolve(NULL, NULL, r.repo), GRAFT_EFATAL);
	cr_assert_str_eq(graft_error_message(),
			 "author identity unknown: no email address is configured");
	cr_assert(strstr(graft_error_hints(), "*** Please tell me who you are.\n"));
	cr_assert(strstr(graft_error_hints(),
			 "  git config --global user.email \"you@example.com\"\n"
			 "  git config --global user.name \"Your Name\"\n"));
	cr_assert(strstr(graft_error_hints(),
			 "Omit --global to set the identity only in this repository."));
	graft_error_clear();

	sh_do(NULL, "git config user.email me@example.com");
	cr_assert_eq(ident_signature(&sig, IDENT_COMMITTER, NULL), GRAFT_EFATAL);
	cr_assert_null(sig);
	cr_assert_str_eq(graft_error_message(),
			 "committer identity unknown: no email address is configured");
	graft_error_clear();
	cr_assert_eq(ident_resolve(NULL, NULL, r.repo), GRAFT_EFATAL);
	cr_assert_str_eq(graft_error_message(),
			 "author identity unknown: no name is configured");
	graft_error_clear();
	close_repo(&r);
}

Test(ident, names_lose_what_git_strips, .init = harness_setup,
     .fini = harness_teardown)
{
	git_signature *sig = NULL;

	setenv("GIT_AUTHOR_NAME", "  \"<Evil> Name\n.\" ", 1);
	setenv("GIT_AUTHOR_EMAIL", "<me@example.com>", 1);
	cr_assert_eq(ident_signature(&sig, IDENT_AUTHOR, NULL), 0, "%s",
		     graft_error_message());
	assert_sig(sig, "Evil Name", "me@example.com");
	git_signature_free(sig);

	setenv("GIT_AUTHOR_NAME", " .,; ", 1);
	cr_assert_eq(ident_signature(&sig, IDENT_AUTHOR, NULL), GRAFT_EFAIL);
	cr_assert_str_eq(graft_error_message(),
			 "empty ident name (for <me@example.com>) not allowed");
	graft_error_clear();
}

Test(ident, an_invalid_date_is_refused, .init = harness_setup,
     .fini = harness_teardown)
{
	git_signature *sig = NULL;

	setenv("GIT_AUTHOR_DATE", "next tuesday-ish", 1);
	cr_assert_eq(ident_signature(&sig, IDENT_AUTHOR, NULL), GRAFT_EFAIL);
	cr_assert_str_eq(graft_error_message(),
			 "GIT_AUTHOR_DATE: invalid date format: next tuesday-ish");
	graft_error_clear();
}

struct date_case {
	const char *text;
	long long when;
	int offset;
};

Test(ident, dates_in_gits_formats, .init = harness_setup,
     .fini = harness_teardown)
{
	static const struct date_case cases[] = {
		{ "1112911993 -0700", 1112911993, -420 },
		{ "@1112911993 -0700", 1112911993, -420 },
		{ "@1112911993", 1112911993, 0 },
		{ "@0 +0000", 0, 0 },
		{ "2005-04-07T22:13:13", 1112911993, 0 },
		{ "2005-04-07T22:13:13Z", 1112911993, 0 },
		{ "2005-04-07T22:13:13.019+02:00", 1112904793, 120 },
		{ "2005-04-07 22:13:13 +0200", 1112904793, 120 },
		{ "2005-04-07 22:13:13 -0530", 1112931793, -330 },
		{ "2005.04.07 22:13", 1112911980, 0 },
		{ "Thu, 07 Apr 2005 22:13:13 +0200", 1112904793, 120 },
		{ "Thu Apr 7 22:13:13 2005 +0200", 1112904793, 120 },
		{ "7 April 2005 22:13:13 GMT", 1112911993, 0 },
	};
	static const char *const invalid[] = {
		"", "yesterday", "2005-13-07", "2005-04-07 25:00:00",
		"1112911993 +9999", "12:00", "2005-04-07 +0200 +0100",
		"2005-04-07; rm -rf", "@12abc",
	};
	size_t i;

	/* harness: TZ=UTC, so zoneless times are UTC */
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		git_time_t when = -1;
		int offset = -1;

		cr_assert_eq(ident_parse_date(cases[i].text, &when, &offset), 0,
			     "'%s': %s", cases[i].text, graft_error_message());
		cr_assert_eq((long long)when, cases[i].when, "'%s': %lld",
			     cases[i].text, (long long)when);
		cr_assert_eq(offset, cases[i].offset, "'%s': %d", cases[i].text,
			     offset);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(*invalid); i++) {
		git_time_t when;
		int offset;

		cr_assert_eq(ident_parse_date(invalid[i], &when, &offset),
			     GRAFT_EFAIL, "'%s' was accepted", invalid[i]);
		graft_error_clear();
	}
}

Test(ident, zoneless_dates_use_the_local_zone, .init = harness_setup,
     .fini = harness_teardown)
{
	git_time_t when;
	int offset;

	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	cr_assert_eq(ident_parse_date("2005-04-07 22:13:13", &when, &offset), 0);
	cr_assert_eq(offset, 330);
	cr_assert_eq((long long)when, 1112911993LL - 330 * 60);
	cr_assert_eq(ident_parse_date("@1112911993", &when, &offset), 0);
	cr_assert_eq(offset, 330);
}
