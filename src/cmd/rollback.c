#include "cmd/cmds.h"
#include "error.h"

int cmd_rollback(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'rollback' is not implemented yet"));
}
