#include "cmd/cmds.h"
#include "error.h"

int cmd_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'status' is not implemented yet"));
}
