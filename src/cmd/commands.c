#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cmd/cmds.h"
#include "cmd/commands.h"

const struct command commands[] = {
	{ "init", cmd_init, "Write a commented graft.ini if there is none" },
	{ "add", cmd_add, "Declare a dependency and clone it under .graft/" },
	{ "remove", cmd_remove, "Remove a dependency (the inverse of add)" },
	{ "resolve", cmd_resolve, "Clone, fetch, lock and check out every dependency" },
	{ "sync", cmd_sync, "Check dependencies out at their locked commits" },
	{ "fetch", cmd_fetch, "Fetch dependencies from their sources" },
	{ "status", cmd_status, "Show dependencies, updates and warnings" },
	{ "changes", cmd_changes, "List the changes a dependency declares" },
	{ "show", cmd_show, "Show one change and its commands" },
	{ "upgrade", cmd_upgrade, "Upgrade dependencies atomically" },
	{ "apply", cmd_apply, "Move a dependency without running migrations" },
	{ "rollback", cmd_rollback, "Restore an interrupted upgrade or undo one" },
	{ "log", cmd_log, "Show the history of upgrades and rollbacks" },
	{ "validate", cmd_validate, "Check graft.ini, graft.lock and checkouts" },
	{ "lint", cmd_lint, "Check a dependency's graft.ini in its own repository" },
	{ "run", cmd_run, "Run a command declared in a graft.ini" },
	{ "help", cmd_help, "Show help for git-graft or one command" },
};

const size_t commands_nr = sizeof(commands) / sizeof(*commands);

const struct command *command_find(const char *name)
{
	size_t i;

	for (i = 0; i < commands_nr; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Damerau-Levenshtein distance (with transpositions), as git's help.c. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d;
	size_t *prev2, *prev, *cur, *tmp;

	prev2 = xcalloc(lb + 1, sizeof(size_t));
	prev = xcalloc(lb + 1, sizeof(size_t));
	cur = xcalloc(lb + 1, sizeof(size_t));
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			d = prev[j] + 1;
			if (cur[j - 1] + 1 < d)
				d = cur[j - 1] + 1;
			if (prev[j - 1] + cost < d)
				d = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d)
				d = prev2[j - 2] + 1;
			cur[j] = d;
		}
		tmp = prev2;
		prev2 = prev;
		prev = cur;
		cur = tmp;
	}
	d = prev[lb];
	free(prev2);
	free(prev);
	free(cur);
	return d;
}

const struct command *command_suggest(const char *name)
{
	const struct command *best = NULL;
	size_t best_d = (size_t)-1, i;

	if (strlen(name) > 64)
		return NULL;
	for (i = 0; i < commands_nr; i++) {
		size_t d;

		/* a prefix of a command is the likeliest slip */
		if (strlen(name) >= 2 &&
		    !strncmp(commands[i].name, name, strlen(name)))
			return &commands[i];
		d = edit_distance(name, commands[i].name);
		if (d < best_d) {
			best_d = d;
			best = &commands[i];
		}
	}
	return best_d <= 2 && best_d < strlen(name) ? best : NULL;
}

void print_main_usage(FILE *out)
{
	size_t i;

	fputs("usage: git graft [--version] [--no-color] [-p | -P] [-C <path>] <command> [<args>]\n"
	      "   or: git graft [-C <path>] <dependency>:<command> [<args>]\n"
	      "\n"
	      "Manage git dependencies under .graft/ and upgrade them atomically.\n"
	      "\n"
	      "commands:\n", out);
	for (i = 0; i < commands_nr; i++)
		fprintf(out, "   %-10s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\n'git graft help <command>' or 'git graft <command> -h' shows a command's usage;\n"
	      "'git graft --help' opens the manual, git-graft(1).\n", out);
}
