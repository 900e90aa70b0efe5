#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "error.h"
#include "formats/config.h"
#include "formats/diag.h"

struct parsed {
	struct graft_config cfg;
	struct diag_list diags;
	int rc;
};

static struct parsed parse(const char *text)
{
	struct parsed p = { GRAFT_CONFIG_INIT, DIAG_LIST_INIT, 0 };

	p.rc = config_parse(&p.cfg, "graft.ini", text, strlen(text), &p.diags);
	return p;
}

static void release(struct parsed *p)
{
	config_release(&p->cfg);
	diag_list_release(&p->diags);
	graft_error_clear();
}

/* Every line of value stands whole in input: nothing was cut from it. */
static int value_is_whole(const char *input, const char *value)
{
	char *copy = strdup(value), *line, *save = NULL;
	int whole = 1;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *p = input, *hit;
		int found = 0;

		while ((hit = strstr(p, line))) {
			const char *end = hit + strlen(line);

			while (*end == ' ' || *end == '\t' || *end == '\r')
				end++;
			if (!*end || *end == '\n') {
				found = 1;
				break;
			}
			p = hit + 1;
		}
		whole &= found;
	}
	free(copy);
	return whole;
}

static void assert_nothing_cut(const char *input, const struct graft_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->commands_nr; i++)
		cr_assert(value_is_whole(input, cfg->commands[i].run),
			  "run of %s was cut: '%s'", cfg->commands[i].name,
			  cfg->commands[i].run);
	for (i = 0; i < cfg->deps_nr; i++)
		cr_assert(value_is_whole(input, cfg->deps[i].source),
			  "source was cut: '%s'", cfg->deps[i].source);
}

Test(config, consumer_form)
{
	struct parsed p = parse(
		"[dependency \"meta-kb\"]\n"
		"source = ../meta-kb            ; git URL or path\n"
		"ref = main\n"
		"\n"
		"[command \"test\"]\n"
		"run = make test\n"
		"description = Run the test suite\n");

	cr_assert_eq(p.rc, 0, "%s", p.diags.nr ? p.diags.items[0].message : "");
	cr_assert_eq(p.cfg.deps_nr, 1);
	cr_assert_str_eq(p.cfg.deps[0].name, "meta-kb");
	cr_assert_str_eq(p.cfg.deps[0].source, "../meta-kb");
	cr_assert_str_eq(p.cfg.deps[0].ref, "main");
	cr_assert_eq(p.cfg.deps[0].line, 1);
	cr_assert_eq(p.cfg.commands_nr, 1);
	cr_assert_str_eq(p.cfg.commands[0].run, "make test");
	cr_assert_str_eq(p.cfg.commands[0].description, "Run the test suite");
	cr_assert_null(p.cfg.commands[0].working_dir);
	cr_assert_eq(p.cfg.commands[0].timeout, 0);
	release(&p);
}

Test(config, dependency_form)
{
	struct parsed p = parse(
		"[metadata]\n"
		"name = meta-kb\n"
		"description = Shared knowledge base\n"
		"\n"
		"[change \"v2.0.0\"]\n"
		"type = breaking\n"
		"description = Renamed getUserData to fetchUserData\n"
		"migration = migrate-v2\n"
		"verify = verify-v2\n"
		"\n"
		"[command \"migrate-v2\"]\n"
		"run = sed -i 's/getUserData/fetchUserData/g' src/app.js\n"
		"description = Rename the API\n"
		"working_dir = src\n"
		"timeout = 600\n"
		"[command \"verify-v2\"]\n"
		"run = ! grep -r getUserData src\n");

	cr_assert_eq(p.rc, 0, "%s", p.diags.nr ? p.diags.items[0].message : "");
	cr_assert_str_eq(p.cfg.name, "meta-kb");
	cr_assert_str_eq(p.cfg.description, "Shared knowledge base");
	cr_assert_eq(p.cfg.changes_nr, 1);
	cr_assert_str_eq(p.cfg.changes[0].ref, "v2.0.0");
	cr_assert_str_eq(p.cfg.changes[0].type, "breaking");
	cr_assert_str_eq(p.cfg.changes[0].migration, "migrate-v2");
	cr_assert_str_eq(p.cfg.changes[0].verify, "verify-v2");
	cr_assert_eq(p.cfg.commands_nr, 2);
	cr_assert_str_eq(config_find_command(&p.cfg, "migrate-v2")->working_dir, "src");
	cr_assert_eq(config_find_command(&p.cfg, "migrate-v2")->timeout, 600);
	cr_assert_str_eq(config_find_command(&p.cfg, "verify-v2")->run,
			 "! grep -r getUserData src");
	cr_assert_not_null(config_find_change(&p.cfg, "v2.0.0"));
	cr_assert_null(config_find_change(&p.cfg, "v3"));
	release(&p);
}

Test(config, multi_line_run_is_a_script)
{
	struct parsed p = parse(
		"[command \"migrate\"]\n"
		"run = set -e\n"
		"  sed -i 's/a/b/' x;echo done\n"
		"\n"
		"  # a shell comment line is an INI comment too\n"
		"  test -f x\n"
		"description = three lines\n");

	cr_assert_eq(p.rc, 0, "%s", p.diags.nr ? p.diags.items[0].message : "");
	cr_assert_str_eq(p.cfg.commands[0].run,
			 "set -e\nsed -i 's/a/b/' x;echo done\ntest -f x");
	cr_assert_str_eq(p.cfg.commands[0].description, "three lines");
	release(&p);
}

/*
 * A script line starting with ';' is an INI comment to inih: the script
 * runs without it (`git graft lint` says so).
 */
Test(config, a_script_line_starting_with_a_semicolon_is_dropped)
{
	struct parsed p = parse("[command \"x\"]\nrun = case \"$x\" in\n"
				"    a) echo a\n    ;;\n  esac\n");

	cr_assert_eq(p.rc, 0);
	cr_assert_str_eq(p.cfg.commands[0].run, "case \"$x\" in\na) echo a\nesac");
	release(&p);
}

Test(config, continuation_with_comment_char_is_never_cut)
{
	/* inih builds differ on comments in continuation lines */
	const char *text = "[command \"x\"]\nrun = make\n  test ; echo done\n";
	struct parsed p = parse(text);

	if (p.rc == 0)
		cr_assert_str_eq(p.cfg.commands[0].run, "make\ntest ; echo done");
	else
		cr_assert_eq(p.cfg.commands_nr, 0);
	release(&p);
}

Test(config, env_is_one_assignment_a_line_kept_as_written)
{
	struct parsed p = parse(
		"[command \"migrate\"]\n"
		"run = ./migrate\n"
		"env = MODE=strict\n"
		"  OPTS=--a;--b \"q\" $HOME=x\n"
		"\n"
		"  ; an INI comment between\n"
		"  EMPTY=\n"
		"  _under_9=1\n");
	const struct graft_command *c;

	cr_assert_eq(p.rc, 0, "%s", p.diags.nr ? p.diags.items[0].message : "");
	c = &p.cfg.commands[0];
	cr_assert_eq(c->env_nr, 4);
	cr_assert_str_eq(c->env[0].name, "MODE");
	cr_assert_str_eq(c->env[0].value, "strict");
	cr_assert_eq(c->env[0].line, 3);
	cr_assert_str_eq(c->env[1].name, "OPTS");
	cr_assert_str_eq(c->env[1].value, "--a;--b \"q\" $HOME=x",
			 "the value is the rest of the line, as written");
	cr_assert_eq(c->env[1].line, 4);
	cr_assert_str_eq(c->env[2].name, "EMPTY");
	cr_assert_str_eq(c->env[2].value, "");
	cr_assert_eq(c->env[2].line, 7, "lines are counted past blanks and comments");
	cr_assert_str_eq(c->env[3].name, "_under_9");
	release(&p);

	p = parse("[command \"t\"]\nrun = make\n");
	cr_assert_eq(p.rc, 0);
	cr_assert_eq(p.cfg.commands[0].env_nr, 0);
	release(&p);
}

Test(config, crlf_and_bom)
{
	struct parsed p = parse("\xef\xbb\xbf[dependency \"a\"]\r\nsource = ../a\r\n");

	cr_assert_eq(p.rc, 0, "%s", p.diags.nr ? p.diags.items[0].message : "");
	cr_assert_str_eq(p.cfg.deps[0].source, "../a");
	release(&p);
}

Test(config, longest_name_is_accepted)
{
	/* 64 bytes: longer than inih keeps of a section header */
	const char *name =
		"a123456789012345678901234567890123456789012345678901234567890123";
	char text[256];
	struct parsed p;

	snprintf(text, sizeof(text), "[dependency \"%s\"]\nsource = ../x\n", name);
	p = parse(text);
	cr_assert_eq(p.rc, 0, "%s", p.diags.nr ? p.diags.items[0].message : "");
	cr_assert_str_eq(p.cfg.deps[0].name, name);
	release(&p);
}

Test(config, every_error_is_reported)
{
	struct parsed p = parse(
		"[dependency \"a\"]\n"
		"source = ../a\n"
		"colour = red\n"
		"[dependency \"a\"]\n"
		"source = ../b\n"
		"[command \"x\"]\n"
		"run = a ; b\n");

	cr_assert_eq(p.rc, GRAFT_EFAIL);
	cr_assert_eq(p.diags.nr, 3, "got %zu diagnostics", p.diags.nr);
	diag_sort(&p.diags);
	cr_assert_eq(p.diags.items[0].line, 3);
	cr_assert_eq(p.diags.items[1].line, 4);
	cr_assert_eq(p.diags.items[2].line, 7);
	release(&p);
}

Test(config, empty_file_is_valid)
{
	struct parsed p = parse("");

	cr_assert_eq(p.rc, 0);
	cr_assert_eq(p.cfg.deps_nr + p.cfg.commands_nr + p.cfg.changes_nr, 0);
	release(&p);
}

struct malformed {
	const char *text;
	int line;
	const char *message;
	size_t len;	/* 0: strlen(text) */
};

#define LONG_RUN "run = echo " \
	"0123456789012345678901234567890123456789012345678901234567890123456789" \
	"0123456789012345678901234567890123456789012345678901234567890123456789" \
	"0123456789012345678901234567890123456789012345678901234567890123456789\n"

static const struct malformed malformed[] = {
	{ "[command \"x\"]\n" LONG_RUN, 2, "bytes long" },
	{ "[dependency \"a\"]\nsource = ../a\n[command \"x\"]\nrun = true\n" LONG_RUN, 5, "bytes long" },
	{ "[command \"x\"]\nrun = make test ; echo done\n", 2, "' ;'" },
	{ "[command \"x\"]\nrun = a\n[command \"y\"]\nrun = b\t;c\n", 4, "' ;'" },
	{ "[command \"x\"]\nrun = ;rm -rf x\n", 2, "' ;'" },
	{ "[command \"x\"]\nrun = a\0" "b\n", 2, "NUL", 24 },
	{ "source = ../a\n", 1, "outside of a section" },
	{ "[dependency \"a\"\nsource = x\n", 1, "closing ']'" },
	{ "[dependency a]\nsource = x\n", 1, "double quotes" },
	{ "[dependency \"a\"] trailing\n", 1, "after ']'" },
	{ "[Dependency \"a\"]\nsource = x\n", 1, "section header" },
	{ "[dependency \"a\\\"b\"]\nsource = x\n", 1, "quotes or backslashes" },
	{ "[dependency \"a\"]\nsource x\n", 2, "key = value" },
	{ "[dependency \"a\"]\n= x\n", 2, "missing key" },
	{ "[weird]\n", 1, "unknown section" },
	{ "[dependency]\nsource = x\n", 1, "needs a name" },
	{ "[metadata \"x\"]\nname = y\n", 1, "takes no name" },
	{ "[dependency \"a\"]\nsource = ../a\nbranch = main\n", 3, "unknown key" },
	{ "[command \"t\"]\nrun = x\nshell = bash\n", 3, "unknown key" },
	{ "[change \"v1\"]\nseverity = high\n", 2, "unknown key" },
	{ "[metadata]\nversion = 1\n", 2, "unknown key" },
	{ "[dependency \"a\"]\nsource = ../a\nsource = ../b\n", 3, "duplicate key" },
	{ "[dependency \"a\"]\nsource = ../a\n[dependency \"a\"]\nsource = ../a\n", 3, "duplicate dependency" },
	{ "[command \"t\"]\nrun = a\n[command \"t\"]\nrun = b\n", 3, "duplicate command" },
	{ "[change \"v1\"]\n[change \"v1\"]\n", 2, "duplicate change" },
	{ "[metadata]\n[metadata]\n", 2, "duplicate [metadata]" },
	{ "[dependency \"../etc\"]\nsource = x\n", 1, "invalid dependency name" },
	{ "[dependency \"a/b\"]\nsource = x\n", 1, "invalid dependency name" },
	{ "[dependency \"a..b\"]\nsource = x\n", 1, "'..'" },
	{ "[dependency \"-rf\"]\nsource = x\n", 1, "start with a letter" },
	{ "[dependency \"a.lock\"]\nsource = x\n", 1, ".lock" },
	{ "[dependency \"a.\"]\nsource = x\n", 1, "end with '.'" },
	{ "[dependency \"a\x01\"]\nsource = x\n", 1, "invalid dependency name" },
	{ "[dependency \"a b\"]\nsource = x\n", 1, "invalid dependency name" },
	{ "[dependency \"a123456789012345678901234567890123456789012345678901234567890123x\"]\nsource = x\n", 1, "longer than 64" },
	{ "[command \"a;b\"]\nrun = x\n", 1, "invalid command name" },
	{ "[change \"v1..v2\"]\n", 1, "not a valid git ref" },
	{ "[change \"-v1\"]\n", 1, "start with '-'" },
	{ "[change \"v1:x\"]\n", 1, "not a valid git ref" },
	{ "[dependency \"a\"]\nref = main\n", 1, "no 'source'" },
	{ "[dependency \"a\"]\nsource = --upload-pack=touch /tmp/x\n", 2, "start with '-'" },
	{ "[dependency \"a\"]\nsource = ext::sh -c touch% /tmp/pwned\n", 2, "remote-helper" },
	{ "[dependency \"a\"]\nsource = ../a\nref = a..b\n", 3, "not a valid git ref" },
	{ "[dependency \"a\"]\nsource = ../a\nref = -main\n", 3, "start with '-'" },
	{ "[dependency \"a\"]\nsource = ../a\n  ../b\n", 2, "one line" },
	{ "[command \"t\"]\ndescription = no run\n", 1, "no 'run'" },
	{ "[command \"t\"]\nrun = x\ntimeout = soon\n", 3, "timeout" },
	{ "[command \"t\"]\nrun = x\ntimeout = 0\n", 3, "timeout" },
	{ "[command \"t\"]\nrun = x\ntimeout = 99999999999999999999\n", 3, "timeout" },
	{ "[command \"t\"]\nrun = x\nworking_dir = /etc\n", 3, "relative" },
	{ "[command \"t\"]\nrun = x\nworking_dir = src/../../..\n", 3, "'..'" },
	{ "[change \"v1\"]\nmigration = missing\n", 1, "no [command \"missing\"]" },
	{ "[change \"v1\"]\nverify = gone\n", 1, "no [command \"gone\"]" },
	{ "[change \"v1\"]\nmigration = ../x\n", 2, "invalid migration command name" },
	{ "[metadata]\nname = ../x\n", 2, "invalid name" },
	{ "[command \"x\"]\nrun = a\nenv = GRAFT_ROOT=/\n", 3, "env cannot set 'GRAFT_ROOT'" },
	{ "[command \"x\"]\nrun = a\nenv = A=1\n  GRAFT_X=1\n", 4, "env cannot set 'GRAFT_X'" },
	{ "[command \"x\"]\nrun = a\nenv = A B=1\n", 3, "invalid env variable name 'A B'" },
	{ "[command \"x\"]\nrun = a\nenv = 9A=1\n", 3, "must not start with a digit" },
	{ "[command \"x\"]\nrun = a\nenv = =1\n", 3, "invalid env variable name: it is empty" },
	{ "[command \"x\"]\nrun = a\nenv = A=1\n\n  ; note\n  B\n", 6, "expected NAME=value, not 'B'" },
	{ "[command \"x\"]\nrun = a\nenv = A=1\n  A=2\n", 4, "env sets 'A' twice (first at line 3)" },
	{ "[command \"x\"]\nrun = a\nenv =\n", 3, "env is empty" },
	{ "[command \"x\"]\nrun = a\nenv = A=x ; y\n", 3, "cut this 'env' value" },
	{ "[command \"x\"]\nrun = a\nenv = A=1\nenv = B=2\n", 4, "duplicate key 'env'" },
	{ "[dependency \"x\"]\nsource = ../x\nenv = A=1\n", 3, "unknown key 'env'" },
};

Test(config, malformed_inputs_name_file_and_line)
{
	size_t i;

	cr_assert_geq(sizeof(malformed) / sizeof(*malformed), 40);
	for (i = 0; i < sizeof(malformed) / sizeof(*malformed); i++) {
		const struct malformed *m = &malformed[i];
		size_t len = m->len ? m->len : strlen(m->text);
		struct parsed p = { GRAFT_CONFIG_INIT, DIAG_LIST_INIT, 0 };
		size_t j;
		int found = 0;

		p.rc = config_parse(&p.cfg, "graft.ini", m->text, len, &p.diags);
		cr_assert_eq(p.rc, GRAFT_EFAIL, "case %zu accepted: %s", i, m->text);
		cr_assert_gt(p.diags.nr, 0, "case %zu: no diagnostic", i);
		for (j = 0; j < p.diags.nr; j++) {
			cr_assert_str_eq(p.diags.items[j].file, "graft.ini");
			if (p.diags.items[j].line == m->line &&
			    strstr(p.diags.items[j].message, m->message))
				found = 1;
		}
		cr_assert(found, "case %zu: want line %d '%s', got line %d '%s'", i,
			  m->line, m->message, p.diags.items[0].line,
			  p.diags.items[0].message);
		assert_nothing_cut(m->text, &p.cfg);
		release(&p);
	}
}

/*
 * A section header refused for its length hides the section it opens:
 * its keys are left out, not added to the section before it.
 */
Test(config, keys_after_a_refused_header_are_not_the_previous_sections)
{
	char *text = malloc(11000), *name = malloc(10241);
	struct parsed p;

	memset(name, 'a', 10240);
	name[10240] = '\0';
	snprintf(text, 11000, "[dependency \"kb\"]\nsource = ../kb\n"
		 "[dependency \"%s\"]\nsource = ../evil\nref = main\n"
		 "  continued\n", name);
	p = parse(text);
	cr_assert_eq(p.rc, GRAFT_EFAIL);
	cr_assert_eq(p.diags.nr, 1, "%s", p.diags.items[p.diags.nr - 1].message);
	cr_assert_eq(p.diags.items[0].line, 3);
	cr_assert(strstr(p.diags.items[0].message, "line is 10255 bytes long"));
	cr_assert_eq(p.cfg.deps_nr, 1);
	cr_assert_str_eq(p.cfg.deps[0].source, "../kb");
	cr_assert_null(p.cfg.deps[0].ref);
	release(&p);
	free(name);
	free(text);
}
