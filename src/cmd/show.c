#include "cmd/cmds.h"
#include "error.h"

int cmd_show(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'show' is not implemented yet"));
}
