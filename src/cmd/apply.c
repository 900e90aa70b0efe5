#include "cmd/cmds.h"
#include "error.h"

int cmd_apply(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'apply' is not implemented yet"));
}
