#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "deps/credential.h"
#include "error.h"
#include "lib/harness.h"

Test(credential, request_and_answer)
{
	struct credential c = { .url = (char *)"https://h/x.git",
				.username = (char *)"al" };
	struct credential got = CREDENTIAL_INIT;
	struct strbuf sb = STRBUF_INIT;
	const char *answer = "protocol=https\nhost=h\nusername=bo\npassword=p=w\n";

	credential_format(&sb, &c);
	cr_assert_str_eq(sb.buf, "url=https://h/x.git\nusername=al\n\n");
	strbuf_release(&sb);
	got.url = strdup("https://h/x.git");
	cr_assert_eq(credential_parse(&got, answer, strlen(answer)), 0);
	cr_assert_str_eq(got.username, "bo");
	cr_assert_str_eq(got.password, "p=w");
	credential_release(&got);

	got.url = strdup("https://h/x.git");
	cr_assert_eq(credential_parse(&got, "username=x\n", 11), 1);
	credential_release(&got);
}

Test(credential, fill_asks_gits_credential_helpers,
     .init = harness_setup, .fini = harness_teardown)
{
	struct credential c = CREDENTIAL_INIT;
	char *config = tmp_path(".gitconfig"), *log = tmp_path("helper.log");
	char *content, *logged;

	harness_libgit2_init();
	content = read_file(config);
	cr_assert(content);
	{
		FILE *f = fopen(config, "a");

		cr_assert(f);
		/* the helper answers "get" and records what else it is told */
		fprintf(f, "[credential]\n\thelper = \"!f() { if [ \\\"$1\\\" = get ]; then echo username=alice; echo password=s3cret; else echo \\\"$1\\\" >> '%s'; fi; }; f\"\n",
			log);
		cr_assert(fclose(f) == 0);
	}
	cr_assert_eq(credential_fill(&c, NULL, "https://example.com/dep.git", NULL), 0,
		     "%s", graft_error_message());
	cr_assert_str_eq(c.username, "alice");
	cr_assert_str_eq(c.password, "s3cret");
	credential_approve(&c);
	logged = read_file(log);
	cr_assert(logged && strstr(logged, "store"), "approve reaches the helper: %s",
		  logged ? logged : "(nothing)");
	free(logged);
	credential_release(&c);
	free(content);
	free(config);
	free(log);
	git_libgit2_shutdown();
}

Test(credential, named_helpers_askpass_and_url_specific_helpers,
     .init = harness_setup, .fini = harness_teardown)
{
	struct credential c = CREDENTIAL_INIT;
	char *bin = tmp_path("bin"), *askpass = tmp_path("askpass");
	char *config = tmp_path(".gitconfig"), *path;
	FILE *f;

	harness_libgit2_init();
	/* a helper named by its program git-credential-<name>, found on PATH */
	sh_do(NULL, "mkdir -p %s && printf '#!/bin/sh\\n[ \"$1\" = get ] && "
	      "printf \"username=bob\\\\npassword=pw\\\\n\"\\nexit 0\\n' > %s/git-credential-fake && "
	      "chmod +x %s/git-credential-fake", bin, bin, bin);
	path = malloc(strlen(bin) + strlen(getenv("PATH")) + 2);
	sprintf(path, "%s:%s", bin, getenv("PATH"));
	setenv("PATH", path, 1);
	f = fopen(config, "a");
	cr_assert(f);
	fputs("[credential \"https://other.example\"]\n\thelper = fake\n", f);
	cr_assert(fclose(f) == 0);

	/* the helper is for another host: nobody answers, no terminal */
	setenv("GIT_TERMINAL_PROMPT", "0", 1);
	cr_assert_eq(credential_fill(&c, NULL, "https://example.com/x.git", NULL),
		     GRAFT_EFAIL);
	cr_assert(strstr(graft_error_message(), "no credential helper"), "%s",
		  graft_error_message());
	graft_error_clear();

	cr_assert_eq(credential_fill(&c, NULL, "https://other.example/x.git", NULL), 0,
		     "%s", graft_error_message());
	cr_assert_str_eq(c.username, "bob");
	cr_assert_str_eq(c.password, "pw");

	/* no helper: the askpass program is asked, prompt as its argument */
	sh_do(NULL, "printf '#!/bin/sh\\ncase \"$1\" in Username*) echo carol;; *) echo \"pw for $1\";; esac\\n' > %s && chmod +x %s",
	      askpass, askpass);
	setenv("GIT_ASKPASS", askpass, 1);
	cr_assert_eq(credential_fill(&c, NULL, "https://example.com/x.git", NULL), 0,
		     "%s", graft_error_message());
	cr_assert_str_eq(c.username, "carol");
	cr_assert_str_eq(c.password, "pw for Password for 'https://example.com/x.git': ");
	credential_release(&c);
	free(path);
	free(bin);
	free(askpass);
	free(config);
	git_libgit2_shutdown();
}
