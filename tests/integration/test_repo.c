/* Finding the repository as git does, and refusing what libgit2 cannot open. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "lib/harness.h"

TestSuite(repo, .init = harness_setup, .fini = harness_teardown);

static void write_bad_config(const char *repo)
{
	char *path = tmp_path("%s/graft.ini", strrchr(repo, '/') + 1);

	write_file(path, "[dependency \"a\"]\nsource = ../a\nbogus = 1\n");
	free(path);
}

Test(repo, outside_a_repository_is_fatal)
{
	char *dir = tmp_path("plain");
	struct cmd_result r;

	cr_assert(mkdir(dir, 0755) == 0);
	r = graft(dir, "validate", NULL);
	cr_assert_eq(r.status, 128);
	cr_assert(strstr(r.err, "fatal: not a git repository (or any of the parent directories): .git"),
		  "%s", r.err);
	cmd_result_free(&r);
	free(dir);
}

Test(repo, found_from_a_subdirectory_with_paths_relative_to_it)
{
	char *repo = make_repo("repo");
	char *sub = tmp_path("repo/a/b");
	struct cmd_result r;

	write_bad_config(repo);
	sh_do(repo, "mkdir -p a/b");
	r = graft(sub, "validate", "config", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "error: ../../graft.ini:3: unknown key 'bogus'"), "%s", r.err);
	cmd_result_free(&r);
	free(repo);
	free(sub);
}

Test(repo, git_c_option_and_dash_C)
{
	char *repo = make_repo("repo");
	char *out;
	struct cmd_result r;

	write_bad_config(repo);
	r = graft(harness_tmp(), "-C", "repo", "validate", "config", NULL);
	cr_assert_eq(r.status, 1);
	cr_assert(strstr(r.err, "graft.ini:3:"), "%s", r.err);
	cmd_result_free(&r);

	/* through git itself, as users type it */
	out = shq(graft_bin());
	r = sh(harness_tmp(), "d=$(mktemp -d) && ln -s %s \"$d/git-graft\" && "
	       "PATH=\"$d:$PATH\" git -C repo graft validate config", out);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "graft.ini:3:"), "%s", r.err);
	cmd_result_free(&r);
	free(out);
	free(repo);
}

Test(repo, git_dir_and_git_work_tree)
{
	char *repo = make_repo("repo");
	char *elsewhere = tmp_path("elsewhere");
	const char *argv[] = { graft_bin(), "validate", "config", NULL };
	char *git_dir, *work_tree;
	struct cmd_result r;

	write_bad_config(repo);
	cr_assert(mkdir(elsewhere, 0755) == 0);
	git_dir = malloc(strlen(repo) + 16);
	work_tree = malloc(strlen(repo) + 16);
	sprintf(git_dir, "GIT_DIR=%s/.git", repo);
	sprintf(work_tree, "GIT_WORK_TREE=%s", repo);
	{
		const char *env[] = { git_dir, work_tree, NULL };

		r = run_argv_env(elsewhere, argv, env);
		cr_assert_eq(r.status, 1, "%s", r.err);
		cr_assert(strstr(r.err, "graft.ini:3:"), "%s", r.err);
		cmd_result_free(&r);
	}
	{
		/* GIT_DIR alone: as in git, the current directory is the top */
		const char *env[] = { git_dir, NULL };

		r = run_argv_env(repo, argv, env);
		cr_assert_eq(r.status, 1, "%s", r.err);
		cr_assert(strstr(r.err, "graft.ini:3:"), "%s", r.err);
		cmd_result_free(&r);
		r = run_argv_env(elsewhere, argv, env);
		cr_assert_eq(r.status, 0, "elsewhere has no graft.ini: %s", r.err);
		cmd_result_free(&r);
	}
	{
		const char *env[] = { "GIT_DIR=/nonexistent/.git", NULL };

		r = run_argv_env(repo, argv, env);
		cr_assert_eq(r.status, 128);
		cr_assert(strstr(r.err, "fatal: "), "%s", r.err);
		cmd_result_free(&r);
	}
	free(git_dir);
	free(work_tree);
	free(elsewhere);
	free(repo);
}

Test(repo, bare_repository_needs_a_work_tree)
{
	char *bare = tmp_path("bare.git");
	char *q = shq(bare);
	struct cmd_result r;

	sh_do(NULL, "git init -q --bare %s", q);
	r = graft(bare, "validate", NULL);
	cr_assert_eq(r.status, 128);
	cr_assert(strstr(r.err, "fatal: this operation must be run in a work tree"), "%s", r.err);
	cmd_result_free(&r);
	free(q);
	free(bare);
}

Test(repo, unsupported_extension_gets_a_specific_message)
{
	char *repo = make_repo("repo");
	struct cmd_result r;

	sh_do(repo, "git config core.repositoryformatversion 1 && "
		   "git config extensions.worktreeConfig true");
	r = graft(repo, "validate", NULL);
	cr_assert_eq(r.status, 128);
	cr_assert(strstr(r.err, "extensions.worktreeconfig"), "%s", r.err);
	cr_assert(strstr(r.err, "libgit2 1.5"), "%s", r.err);
	cr_assert(strstr(r.err, "hint: "), "%s", r.err);
	cmd_result_free(&r);
	free(repo);
}

Test(repo, skip_hash_index_gets_a_specific_message)
{
	char *repo = make_repo("repo");
	struct cmd_result r;

	sh_do(repo, "git config index.skipHash true");
	r = graft(repo, "validate", NULL);
	cr_assert_eq(r.status, 128);
	cr_assert(strstr(r.err, "index.skipHash"), "%s", r.err);
	cr_assert(strstr(r.err, "git update-index --force-write-index"), "%s", r.err);
	cmd_result_free(&r);
	free(repo);
}

Test(repo, linked_worktree_is_a_repository)
{
	char *repo = make_repo("repo");
	char *wt = tmp_path("wt");
	struct cmd_result r;

	sh_do(repo, "git worktree add -q ../wt");
	write_bad_config(wt);
	r = graft(wt, "validate", "config", NULL);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert(strstr(r.err, "graft.ini:3:"), "%s", r.err);
	cmd_result_free(&r);
	free(wt);
	free(repo);
}
