#include "cmd/cmds.h"
#include "error.h"

int cmd_resolve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'resolve' is not implemented yet"));
}
