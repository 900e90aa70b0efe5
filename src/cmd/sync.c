#include "cmd/cmds.h"
#include "error.h"

int cmd_sync(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'sync' is not implemented yet"));
}
