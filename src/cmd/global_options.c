#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "cmd/commands.h"
#include "cmd/global_options.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "cmd/pager.h"
#include "error.h"

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

/* After the error: git-graft's usage, exit 129. */
static int usage_exit(int *exit_code)
{
	fputc('\n', stderr);
	print_main_usage(stderr);
	*exit_code = 129;
	return -1;
}

int parse_global_options(int argc, char **argv, int *exit_code)
{
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i];

		if ((rc = parse_color_option(arg)) > 0)
			continue;
		if (rc < 0) {
			out_error("%s", graft_error_message());
			graft_error_clear();
			return usage_exit(exit_code);
		}
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
			return usage_exit(exit_code);
		}
	}
	if (i >= argc) {
		print_main_usage(stderr);
		*exit_code = 129;
		return -1;
	}
	return i;
}
