/*
 * graft.ini from any bytes. Whatever config_parse keeps must be what its
 * callers may use without checking again: names that make safe paths and
 * refs, sources that cannot read as options, refs git accepts, working
 * directories inside the repository, every problem reported.
 */
#include <git2.h>

#include "error.h"
#include "formats/config.h"
#include "formats/diag.h"
#include "formats/names.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* ref_check asks libgit2 about ref names */
	git_libgit2_init();
	return 0;
}

static int lines_in(const uint8_t *data, size_t size)
{
	size_t i;
	int n = 1;

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static void check_dependency(const struct graft_dependency *d)
{
	fuzz_assert(name_check(d->name, "name") == 0, "kept a bad dependency name");
	fuzz_assert(d->source && source_check(d->source, "source") == 0,
		    "kept a bad source");
	fuzz_assert(!strchr(d->source, '\n'), "kept a multi-line source");
	fuzz_assert(!d->ref || ref_check(d->ref, "ref") == 0, "kept a bad ref");
}

static void check_env(const struct graft_command *c)
{
	size_t i, j;

	for (i = 0; i < c->env_nr; i++) {
		fuzz_assert(env_name_check(c->env[i].name, "name") == 0,
			    "kept a bad env variable name");
		fuzz_assert(strncmp(c->env[i].name, "GRAFT_", 6),
			    "kept an env variable of git-graft's own");
		fuzz_assert(!strchr(c->env[i].value, '\n'),
			    "kept a multi-line env value");
		for (j = 0; j < i; j++)
			fuzz_assert(strcmp(c->env[i].name, c->env[j].name),
				    "an env variable kept twice");
	}
}

static void check_command(const struct graft_command *c)
{
	fuzz_assert(name_check(c->name, "name") == 0, "kept a bad command name");
	check_env(c);
	fuzz_assert(c->run && *c->run, "kept a command with nothing to run");
	fuzz_assert(!c->working_dir ||
		    relpath_check(c->working_dir, "working_dir") == 0,
		    "kept a working_dir outside the repository");
	fuzz_assert(c->timeout >= 0, "kept a negative timeout");
}

static void check_change(const struct graft_change *c)
{
	fuzz_assert(ref_check(c->ref, "ref") == 0, "kept a bad change ref");
	fuzz_assert(!c->migration || name_check(c->migration, "name") == 0,
		    "kept a bad migration name");
	fuzz_assert(!c->verify || name_check(c->verify, "name") == 0,
		    "kept a bad verify name");
	fuzz_assert(!c->type || !strchr(c->type, '\n'), "kept a multi-line type");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct graft_config cfg = GRAFT_CONFIG_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	int rc, lines = lines_in(data, size);
	size_t i, j;

	rc = config_parse(&cfg, "graft.ini", (const char *)data, size, &diags);
	fuzz_assert(rc == 0 || rc == GRAFT_EFAIL, "unexpected return code");
	fuzz_assert((rc == 0) == (diags.nr == 0),
		    "a problem without a diagnostic, or the other way round");
	for (i = 0; i < diags.nr; i++)
		fuzz_assert(diags.items[i].line >= 0 &&
			    diags.items[i].line <= lines,
			    "a diagnostic names a line the file does not have");

	for (i = 0; i < cfg.deps_nr; i++) {
		check_dependency(&cfg.deps[i]);
		for (j = 0; j < i; j++)
			fuzz_assert(strcmp(cfg.deps[i].name, cfg.deps[j].name),
				    "a dependency kept twice");
	}
	for (i = 0; i < cfg.commands_nr; i++) {
		check_command(&cfg.commands[i]);
		for (j = 0; j < i; j++)
			fuzz_assert(strcmp(cfg.commands[i].name,
					   cfg.commands[j].name),
				    "a command kept twice");
	}
	for (i = 0; i < cfg.changes_nr; i++)
		check_change(&cfg.changes[i]);
	fuzz_assert(!cfg.name || name_check(cfg.name, "name") == 0,
		    "kept a bad metadata name");

	graft_error_clear();
	config_release(&cfg);
	diag_list_release(&diags);
	return 0;
}
