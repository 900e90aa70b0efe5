#include "cmd/cmds.h"
#include "error.h"

int cmd_remove(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'remove' is not implemented yet"));
}
