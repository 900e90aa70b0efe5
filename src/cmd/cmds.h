#ifndef GRAFT_CMDS_H
#define GRAFT_CMDS_H

/*
 * One function per command, each in src/cmd/<name>.c. argv[0] is the
 * command's name; the return value is the exit status.
 */
int cmd_add(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_changes(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_resolve(int argc, char **argv);
int cmd_rollback(int argc, char **argv);
/* argv[0] is "<dependency>:<command>" too, from `git graft kb:test` */
int cmd_run(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);
int cmd_validate(int argc, char **argv);

#endif
