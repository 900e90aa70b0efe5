#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "credential.h"
#include "error.h"
#include "lib/harness.h"

Test(credential, request_and_answer)
{
	struct credential c = { (char *)"https://h/x.git", (char *)"al", NULL };
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
	cr_assert_eq(credential_parse(&got, "username=x\n", 11), GRAFT_EFAIL);
	graft_error_clear();
	credential_release(&got);
}

Test(credential, fill_asks_gits_credential_helpers,
     .init = harness_setup, .fini = harness_teardown)
{
	struct credential c = CREDENTIAL_INIT;
	char *config = tmp_path(".gitconfig"), *log = tmp_path("helper.log");
	char *content, *logged;

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
	cr_assert_eq(credential_fill(&c, "https://example.com/dep.git", NULL), 0,
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
}
