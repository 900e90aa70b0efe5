#include <string.h>

#include <criterion/criterion.h>

#include "formats/config.h"
#include "formats/diag.h"
#include "formats/iniedit.h"
#include "strbuf.h"

static char *append(const char *in, const char *name, const char *source,
		    const char *ref)
{
	struct strbuf out = STRBUF_INIT;

	ini_append_dependency(&out, in, strlen(in), name, source, ref);
	return strbuf_detach(&out);
}

static char *removed(const char *in, const char *kind, const char *name,
		     int want)
{
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(ini_remove_section(&out, in, strlen(in), kind, name), want,
		     "sections removed from:\n%s", in);
	return strbuf_detach(&out);
}

Test(iniedit, append_keeps_the_file_and_reads_back)
{
	const char *in = "; my deps\n[command \"test\"]\nrun = make test\ndescription = tests ; a comment\n";
	struct graft_config cfg = GRAFT_CONFIG_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	const struct graft_dependency *d;
	char *out = append(in, "kb", "../kb", "v1.0");

	cr_assert_str_eq(out, "; my deps\n[command \"test\"]\nrun = make test\ndescription = tests ; a comment\n"
			 "\n[dependency \"kb\"]\nsource = ../kb\nref = v1.0\n");
	cr_assert_eq(config_parse(&cfg, "graft.ini", out, strlen(out), &diags), 0);
	d = config_find_dependency(&cfg, "kb");
	cr_assert(d);
	cr_assert_str_eq(d->source, "../kb");
	cr_assert_str_eq(d->ref, "v1.0");
	config_release(&cfg);
	diag_list_release(&diags);
	free(out);
}

Test(iniedit, append_to_odd_files)
{
	char *out = append("", "a", "../a", NULL);

	cr_assert_str_eq(out, "[dependency \"a\"]\nsource = ../a\n", "empty file");
	free(out);
	out = append("[dependency \"a\"]\nsource = ../a", "b", "../b", NULL);
	cr_assert_str_eq(out, "[dependency \"a\"]\nsource = ../a\n\n[dependency \"b\"]\nsource = ../b\n",
			 "no final newline");
	free(out);
	out = append("# x\r\n", "a", "/a", "main");
	cr_assert_str_eq(out, "# x\r\n\r\n[dependency \"a\"]\r\nsource = /a\r\nref = main\r\n",
			 "CRLF file");
	free(out);
}

Test(iniedit, remove_takes_its_section_and_nothing_else)
{
	const char *in =
		"# header\n"
		"\n"
		"[dependency \"a\"]\n"
		"source = ../a\n"
		"\n"
		"[dependency \"b\"] ; the one to go\n"
		"source = ../b\n"
		"; ref = old\n"
		"ref = main\n"
		"\n"
		"; about c\n"
		"[dependency \"c\"]\n"
		"source = ../c\n";
	char *out = removed(in, "dependency", "b", 1);

	cr_assert_str_eq(out,
			 "# header\n\n[dependency \"a\"]\nsource = ../a\n\n"
			 "; about c\n[dependency \"c\"]\nsource = ../c\n");
	free(out);
	out = removed(in, "dependency", "c", 1);
	cr_assert_str_eq(out,
			 "# header\n\n[dependency \"a\"]\nsource = ../a\n\n"
			 "[dependency \"b\"] ; the one to go\nsource = ../b\n"
			 "; ref = old\nref = main\n\n; about c\n",
			 "the last section, and the blank line before it");
	free(out);
	out = removed(in, "command", "b", 0);
	cr_assert_str_eq(out, in, "other kinds are left alone");
	free(out);
}

Test(iniedit, remove_multiline_values_and_missing_newline)
{
	const char *in = "[command \"t\"]\nrun = a\n  b\n[dependency \"x\"]\nsource = /x";
	char *out = removed(in, "command", "t", 1);

	cr_assert_str_eq(out, "[dependency \"x\"]\nsource = /x");
	free(out);
	out = removed(in, "dependency", "x", 1);
	cr_assert_str_eq(out, "[command \"t\"]\nrun = a\n  b\n");
	free(out);
	out = removed("[dependency \"only\"]\nsource = ../o\n", "dependency",
		      "only", 1);
	cr_assert_str_eq(out, "");
	free(out);
}
