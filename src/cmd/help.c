#include <stdio.h>

#include "cmd/cmds.h"
#include "cmd/commands.h"
#include "cmd/options.h"
#include "cmd/output.h"

static const char *const help_usage[] = {
	"git graft help [--man] [<command>]",
	NULL,
};

int cmd_help(int argc, char **argv)
{
	int man = 0;
	const struct option_spec options[] = {
		OPT_BOOL('m', "man", &man, "open the manual page git-graft(1)"),
		OPT_END(),
	};
	const struct command *cmd, *near;
	char *sub_argv[3];

	argc = parse_options(argc, argv, options, help_usage, 0);
	if (man)
		show_man_page(help_usage, options);
	if (argc > 1)
		usage_error(help_usage, options, "too many arguments");
	if (!argc) {
		print_main_usage(stdout);
		return 0;
	}
	cmd = command_find(argv[0]);
	if (!cmd) {
		out_error("'%s' is not a git-graft command", argv[0]);
		if ((near = command_suggest(argv[0])))
			out_hint("did you mean '%s'?", near->name);
		return 129;
	}
	/* each command prints its own usage, so it lives in one place */
	sub_argv[0] = (char *)cmd->name;
	sub_argv[1] = (char *)"-h";
	sub_argv[2] = NULL;
	options_set_help_status(0);
	return cmd->fn(2, sub_argv);
}
