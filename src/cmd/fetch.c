#include "cmd/cmds.h"
#include "error.h"

int cmd_fetch(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'fetch' is not implemented yet"));
}
