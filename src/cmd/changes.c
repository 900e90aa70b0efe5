#include "cmd/cmds.h"
#include "error.h"

int cmd_changes(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'changes' is not implemented yet"));
}
