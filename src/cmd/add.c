#include "cmd/cmds.h"
#include "error.h"

int cmd_add(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'add' is not implemented yet"));
}
