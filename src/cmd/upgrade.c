#include "cmd/cmds.h"
#include "error.h"

int cmd_upgrade(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return graft_error_report(graft_error("'upgrade' is not implemented yet"));
}
