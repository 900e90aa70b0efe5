#ifndef GRAFT_PAGER_H
#define GRAFT_PAGER_H

/*
 * Paging, as git pages its own commands (pager.c), for git-graft's:
 *
 *  - only when stdout is a terminal (git pages git-graft itself with
 *    `pager.graft`, and stdout is then git's pager already);
 *  - `pager.graft.<command>`: true or false, or the pager to use; without
 *    it, the commands that page by default (`log`, as `git log`) do;
 *  - the pager is GIT_PAGER, else `pager.graft.<command>`'s, else
 *    core.pager, else PAGER, else less; "cat" or an empty one means none.
 *    It runs as `sh -c <pager>` with LESS=FRX and LV=-c unless they are
 *    set, and sees stdout and, when that is a terminal, stderr;
 *  - GIT_PAGER_IN_USE=true then tells git-graft's own output (colour
 *    stays on, as color.pager asks) and the programs it runs.
 *
 * git-graft waits for the pager when it exits, and when a signal kills it.
 */
void pager_setup(const char *command, int by_default);

/*
 * git's -p (--paginate) and -P (--no-pager), given before the command:
 * 1 pages any command on a terminal, 0 none; they win over the config.
 */
void pager_set_option(int page);

#endif
