#ifndef GRAFT_TEST_HARNESS_H
#define GRAFT_TEST_HARNESS_H

/*
 * Test support: every test runs in its own temporary directory, which is
 * also $HOME, with the environment git's own test suite uses (fixed
 * identity and dates, no system config, C locale, UTC), and drives the
 * real ./git-graft binary and the git CLI as child processes.
 *
 *   Test(suite, name, .init = harness_setup, .fini = harness_teardown)
 */

#include <stddef.h>

struct cmd_result {
	int status;	/* exit code, or 128 + signal number */
	char *out;	/* everything written to stdout */
	char *err;	/* everything written to stderr */
};

void harness_setup(void);
void harness_teardown(void);

/*
 * git_libgit2_init for tests that drive the core in-process, with its
 * config search path on the test's HOME and no system config, whatever
 * libgit2 worked out before (call git_libgit2_shutdown at the end).
 */
void harness_libgit2_init(void);

/* The test's temporary directory (absolute). */
const char *harness_tmp(void);
/* "<tmp>/<formatted>", allocated. */
char *tmp_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The git-graft binary under test (GRAFT_BIN, else the build's). */
const char *graft_bin(void);
/* The top of the source tree (for examples/ and fixtures). */
const char *source_dir(void);

/*
 * Run argv in dir (NULL: the current directory), stdin from /dev/null,
 * capturing stdout and stderr. A child still running after 120 seconds is
 * killed, so a hang fails the test instead of the suite.
 */
struct cmd_result run_argv(const char *dir, const char *const *argv);
/* Like run_argv, with extra "NAME=value" environment entries (NULL-ended). */
struct cmd_result run_argv_env(const char *dir, const char *const *argv,
			       const char *const *env);
/* git-graft with the given arguments, NULL-terminated. */
struct cmd_result graft(const char *dir, ...) __attribute__((sentinel));
/* /bin/sh -c <formatted script> */
struct cmd_result sh(const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A shell script that must succeed (the test fails with its output
 * otherwise); returns its stdout without the final newline. Caller frees.
 */
char *sh_ok(const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* sh_ok for a script whose output is not needed. */
void sh_do(const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cmd_result_free(struct cmd_result *r);

/* Quote s for a shell script ('...'); caller frees. */
char *shq(const char *s);

/* Fail the test unless needle occurs in haystack, showing haystack. */
void assert_contains(const char *haystack, const char *needle);
/* Fail the test unless a and b are equal, showing both. what names them. */
void assert_str_eq(const char *a, const char *b, const char *what);

void write_file(const char *path, const char *content);
/* The file's content, or NULL if it cannot be read. Caller frees. */
char *read_file(const char *path);
int file_exists(const char *path);

/*
 * A repository at <tmp>/<name> on branch main with one commit holding
 * README; returns its path (caller frees).
 */
char *make_repo(const char *name);

#endif
