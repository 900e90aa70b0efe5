/*
 * git-graft: manage git dependencies under .graft/ and upgrade them
 * atomically. main() handles the options that come before the command,
 * then hands over to src/cmd/<command>.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "cmd/commands.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "cmd/pager.h"
#include "error.h"
#include "gitconfig.h"
#include "repo.h"
#include "report.h"

#ifndef GRAFT_VERSION
#define GRAFT_VERSION "unknown"
#endif

static void print_version(void)
{
	int major, minor, rev;

	git_libgit2_version(&major, &minor, &rev);
	printf("git-graft version %s (libgit2 %d.%d.%d)\n", GRAFT_VERSION,
	       major, minor, rev);
}

static void setup_default_color(void)
{
	git_config *cfg = NULL;

	/* outside a repository the user's own config still chooses colour */
	if (git_config_open_default(&cfg) < 0)
		git_error_clear();
	output_setup_color(cfg);
	git_config_free(cfg);
}

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

/* Options before the command; returns the index of the command or -1. */
static int handle_global_options(int argc, char **argv, int *exit_code)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i];
		int mode;

		if (!strcmp(arg, "--version") || !strcmp(arg, "-v")) {
			print_version();
			*exit_code = 0;
			return -1;
		} else if (!strcmp(arg, "-h")) {
			print_main_usage(stdout);
			*exit_code = 0;
			return -1;
		} else if (!strcmp(arg, "--help")) {
			exec_man_page();
			print_main_usage(stdout);
			*exit_code = 0;
			return -1;
		} else if (!strcmp(arg, "-p") || !strcmp(arg, "--paginate")) {
			pager_set_option(1);
		} else if (!strcmp(arg, "-P") || !strcmp(arg, "--no-pager")) {
			pager_set_option(0);
		} else if (!strcmp(arg, "--no-color")) {
			output_set_color_option(COLOR_NEVER);
			setup_default_color();
		} else if (!strcmp(arg, "--color")) {
			output_set_color_option(COLOR_ALWAYS);
			setup_default_color();
		} else if (!strncmp(arg, "--color=", 8) &&
			   (mode = color_mode_parse(arg + 8)) >= 0) {
			output_set_color_option(mode);
			setup_default_color();
		} else if (!strcmp(arg, "-C")) {
			if (i + 1 >= argc) {
				out_error("option '-C' requires a directory");
				*exit_code = 129;
				return -1;
			}
			if (chdir(argv[++i]) < 0) {
				out_fatal("cannot change to '%s': %s", argv[i],
					  strerror(errno));
				*exit_code = 128;
				return -1;
			}
		} else {
			out_error("unknown option '%s'", arg);
			fputc('\n', stderr);
			print_main_usage(stderr);
			*exit_code = 129;
			return -1;
		}
	}
	if (i >= argc) {
		print_main_usage(stderr);
		*exit_code = 129;
		return -1;
	}
	return i;
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
	setup_default_color();

	i = handle_global_options(argc, argv, &exit_code);
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
