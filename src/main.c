/*
 * git-graft: manage git dependencies under .graft/ and upgrade them
 * atomically. main() sets libgit2 up, has the options that come before
 * the command parsed (cmd/global_options.h), then hands over to
 * src/cmd/<command>.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "cmd/commands.h"
#include "cmd/global_options.h"
#include "cmd/output.h"
#include "cmd/pager.h"
#include "error.h"
#include "gitconfig.h"
#include "repo.h"
#include "report.h"

/*
 * libgit2 1.5 reads the system config whatever GIT_CONFIG_NOSYSTEM says;
 * git does not, so neither do we.
 */
static void honour_config_environment(void)
{
	const char *nosystem = getenv("GIT_CONFIG_NOSYSTEM");

	if (nosystem && gitconfig_parse_bool(nosystem) == 1)
		git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM,
				 "");
}

/*
 * With strict object creation on, libgit2 reads the header of every
 * object a new tree or commit names, to check its type: writing the
 * index as a tree then reads a header from the pack for each of 100,000
 * files, which costs a failed upgrade most of its memory and much of its
 * time. git's write-tree checks only that the objects exist, and the
 * trees git-graft writes name objects from the index, from trees it has
 * read, or that it has just written.
 */
static void relax_object_checks(void)
{
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
}

/*
 * libgit2 maps pack files in windows of up to 1 GiB and keeps up to
 * 8 GiB mapped; every blob read then faults in the pages around it, and
 * on a large repository a thousand scattered reads hold some 64 MB of
 * pack pages. Small windows under a small limit bound that: git-graft
 * reads a few thousand objects at most.
 */
#define PACK_WINDOW_SIZE (1 << 20)
#define PACK_MAPPED_LIMIT (16 << 20)

static void limit_pack_windows(void)
{
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)PACK_WINDOW_SIZE);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)PACK_MAPPED_LIMIT);
}

static int unknown_command(const char *name)
{
	const struct command *near = command_suggest(name);

	out_error("'%s' is not a git-graft command", name);
	if (near)
		out_hint("did you mean '%s'?", near->name);
	fputc('\n', stderr);
	print_main_usage(stderr);
	return 129;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	int exit_code = 0, i;

	/*
	 * A write past `ulimit -f` must fail with EFBIG and be rolled back,
	 * not kill git-graft halfway (commands get the default back).
	 */
	signal(SIGXFSZ, SIG_IGN);
	report_set_sink(output_report);
	repo_set_config_hook(output_setup_color);
	if (git_libgit2_init() < 0) {
		fprintf(stderr, "fatal: cannot initialise libgit2\n");
		return 128;
	}
	/*
	 * Objects, refs and packs are fsync'd as libgit2 writes them: its
	 * ref backend decides when a repository is opened, so this comes
	 * first. What it does not sync (the index, new directories) is
	 * synced where it is written.
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	honour_config_environment();
	relax_object_checks();
	limit_pack_windows();
	output_setup_default_color();

	i = parse_global_options(argc, argv, &exit_code);
	if (i >= 0) {
		cmd = command_find(argv[i]);
		/* `git graft kb:test` is short for `git graft run kb:test` */
		if (!cmd && strchr(argv[i], ':'))
			cmd = command_find("run");
		if (cmd) {
			/* `log` pages on a terminal, as `git log` does */
			pager_setup(cmd->name, !strcmp(cmd->name, "log"));
			exit_code = cmd->fn(argc - i, argv + i);
		}
		else
			exit_code = unknown_command(argv[i]);
	}

	if (fflush(stdout) == EOF && errno != EPIPE) {
		int err = errno;

		if (!output_write_failed(err))
			fprintf(stderr, "warning: cannot write output: %s\n",
				strerror(err));
		else if (!exit_code) {
			fprintf(stderr, "fatal: cannot write output: %s\n",
				strerror(err));
			exit_code = 128;
		}
	}
	graft_error_clear();
	gitconfig_reset();
	git_libgit2_shutdown();
	return exit_code;
}
