#include "cmd/cmds.h"
#include "error.h"

int cmd_log(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'log' is not implemented yet"));
}
