#include "cmd/cmds.h"
#include "error.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'run' is not implemented yet"));
}
