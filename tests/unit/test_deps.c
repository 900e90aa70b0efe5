/* The deps module on real repositories: how refs resolve, which changes lie between. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "deps/dep_changes.h"
#include "deps/dep_checkout.h"
#include "deps/dep_clone.h"
#include "deps/dep_gitlink.h"
#include "deps/dep_refs.h"
#include "deps/dep_remove.h"
#include "deps/deps.h"
#include "error.h"
#include "lib/fixtures_deps.h"
#include "lib/harness.h"
#include "repo.h"

TestSuite(deps, .init = harness_setup, .fini = harness_teardown);

struct fixture {
	struct graft_repo repo;
	struct dep dep;
	char *kb;
};

/*
 * app with kb cloned (not checked out) at .graft/kb, after script (if
 * any) ran in kb.
 */
static void setup_after(struct fixture *f, const char *script)
{
	char *app = make_repo("app");

	cr_assert(git_libgit2_init() > 0);
	f->kb = make_dep_repo("kb");
	if (script)
		sh_do(f->kb, "%s", script);
	cr_assert(chdir(app) == 0);
	free(app);
	cr_assert_eq(repo_open(&f->repo, REPO_NEED_WORKTREE), 0, "%s",
		     graft_error_message());
	cr_assert_eq(dep_load(&f->dep, &f->repo, "kb"), 0);
	cr_assert_null(f->dep.repo);
	cr_assert_eq(dep_clone(&f->dep, "../kb"), 0, "%s", graft_error_message());
}

static void setup(struct fixture *f)
{
	setup_after(f, NULL);
}

static void teardown(struct fixture *f)
{
	dep_release(&f->dep);
	repo_close(&f->repo);
	free(f->kb);
	git_libgit2_shutdown();
}

static void expect_ref(struct fixture *f, const char *ref, const char *want_rev)
{
	char *want = rev(f->kb, want_rev), hex[GIT_OID_HEXSZ + 1];
	git_oid id;

	cr_assert_eq(dep_resolve(&id, &f->dep, ref), 0, "%s: %s", ref,
		     graft_error_message());
	cr_assert_str_eq(git_oid_tostr(hex, sizeof(hex), &id), want, "%s", ref);
	free(want);
}

Test(deps, refs_resolve_from_fetched_data_in_order)
{
	struct fixture f;
	char *v1, *abbrev;
	git_oid id;

	setup(&f);
	v1 = rev(f.kb, "v1.0.0");
	expect_ref(&f, "v2.0.0", "v2.0.0");
	expect_ref(&f, "main", "main");
	expect_ref(&f, "refs/tags/v1.0.0", "v1.0.0");
	expect_ref(&f, v1, "v1.0.0");
	abbrev = strndup(v1, 8);
	expect_ref(&f, abbrev, "v1.0.0");

	/* a tag wins over a branch of the same name */
	sh_do(f.kb, "git branch v1.0.0-b main && git tag same v1.0.0 && git branch same main");
	cr_assert_eq(dep_fetch(&f.dep, "../kb"), 0, "%s", graft_error_message());
	expect_ref(&f, "same", "v1.0.0");
	/* the source's branch wins over the stale local one */
	dep_commit(f.kb, "four");
	cr_assert_eq(dep_fetch(&f.dep, "../kb"), 0);
	expect_ref(&f, "main", "main");

	cr_assert_eq(dep_resolve(&id, &f.dep, "nope"), 1);
	cr_assert(strstr(graft_error_message(), "'nope' is not a branch, tag or commit of kb"));
	graft_error_clear();
	free(abbrev);
	free(v1);
	teardown(&f);
}

Test(deps, default_branch_follows_the_source)
{
	struct fixture f;
	char *branch = NULL;

	setup(&f);
	cr_assert_eq(dep_default_branch(&branch, &f.dep), 0);
	cr_assert_str_eq(branch, "main");
	free(branch);
	sh_do(f.kb, "git checkout -q -b trunk && git symbolic-ref HEAD refs/heads/trunk");
	cr_assert_eq(dep_fetch(&f.dep, "../kb"), 0);
	cr_assert_eq(dep_tracked_ref(&branch, &f.dep, NULL), 0);
	cr_assert_str_eq(branch, "trunk");
	free(branch);
	cr_assert_eq(dep_tracked_ref(&branch, &f.dep, "v1.0.0"), 0);
	cr_assert_str_eq(branch, "v1.0.0");
	free(branch);
	teardown(&f);
}

Test(deps, changes_between_two_commits_oldest_first)
{
	struct fixture f;
	struct graft_config cfg = GRAFT_CONFIG_INIT;
	struct diag_list diags = DIAG_LIST_INIT;
	struct dep_change_list list = DEP_CHANGE_LIST_INIT;
	git_oid v1, head;

	/*
	 * The file lists them newest first, names one that does not exist
	 * and one whose tag points to a file rather than a commit.
	 */
	setup_after(&f, "git tag v2.1.0 && echo x >> README && git commit -q -a -m x && "
		    "git tag v3.0.0 && git tag blob HEAD:README && "
		    "printf '[change \"v3.0.0\"]\\ntype = breaking\\n"
		    "[change \"v2.1.0\"]\\ntype = fix\\n[change \"v2.0.0\"]\\n"
		    "type = breaking\\n[change \"v9\"]\\ntype = fix\\n"
		    "[change \"blob\"]\\n' > graft.ini && "
		    "git commit -q -a -m declare");
	cr_assert_eq(dep_resolve(&v1, &f.dep, "v1.0.0"), 0);
	cr_assert_eq(dep_resolve(&head, &f.dep, "main"), 0);
	cr_assert_eq(dep_read_config(&cfg, &diags, &f.dep, &head), 0);
	cr_assert_eq(dep_changes_between(&list, &f.dep, &cfg, &v1, &head), 0);
	cr_assert_eq(list.nr, 3);
	cr_assert_str_eq(list.items[0].change->ref, "v2.0.0");
	cr_assert_str_eq(list.items[1].change->ref, "v2.1.0");
	cr_assert_str_eq(list.items[2].change->ref, "v3.0.0");
	cr_assert_eq(list.unresolved, 2, "v9 and blob name no commit");
	cr_assert_str_eq(list.unresolved_changes[0]->ref, "v9");
	cr_assert_str_eq(list.unresolved_changes[1]->ref, "blob");
	cr_assert_str_eq(graft_error_message(), "", "nothing left pending");
	dep_change_list_release(&list);

	/* from v2.0.0 on, v2.0.0 itself is behind */
	cr_assert_eq(dep_resolve(&v1, &f.dep, "v2.0.0"), 0);
	cr_assert_eq(dep_changes_between(&list, &f.dep, &cfg, &v1, &head), 0);
	cr_assert_eq(list.nr, 2);
	cr_assert_str_eq(list.items[0].change->ref, "v2.1.0");
	dep_change_list_release(&list);
	config_release(&cfg);
	diag_list_release(&diags);
	teardown(&f);
}

Test(deps, checkout_gitlink_and_dirty)
{
	struct fixture f;
	git_index *idx = NULL;
	git_oid v1, got;
	int dirty = -1;

	setup(&f);
	cr_assert_eq(dep_resolve(&v1, &f.dep, "v1.0.0"), 0);
	cr_assert_eq(dep_checkout(&f.dep, &v1), 0, "%s", graft_error_message());
	cr_assert_eq(dep_head(&got, &f.dep), 0);
	cr_assert(git_oid_equal(&got, &v1));
	cr_assert_eq(dep_is_dirty(&dirty, &f.dep), 0);
	cr_assert_eq(dirty, 0);
	sh_do(harness_tmp(), "echo local >> app/.graft/kb/README");
	cr_assert_eq(dep_is_dirty(&dirty, &f.dep), 0);
	cr_assert_eq(dirty, 1);

	cr_assert_eq(git_repository_index(&idx, f.repo.repo), 0);
	cr_assert_eq(dep_gitlink(&got, idx, &f.dep), 1);
	graft_error_clear();
	cr_assert_eq(dep_stage_gitlink(idx, &f.dep, &v1), 0);
	cr_assert_eq(dep_gitlink(&got, idx, &f.dep), 0);
	cr_assert(git_oid_equal(&got, &v1));
	cr_assert_eq(dep_unstage_gitlink(idx, &f.dep), 0);
	cr_assert_eq(dep_gitlink(&got, idx, &f.dep), 1);
	graft_error_clear();
	git_index_free(idx);
	teardown(&f);
}

/* app, opened as the repository of a command, after script ran in it. */
static void open_app(struct graft_repo *repo, const char *script)
{
	char *app = make_repo("app");

	cr_assert(git_libgit2_init() > 0);
	sh_do(app, "%s", script);
	cr_assert(chdir(app) == 0);
	free(app);
	cr_assert_eq(repo_open(repo, REPO_NEED_WORKTREE), 0, "%s",
		     graft_error_message());
}

Test(deps, a_symlink_on_the_checkout_path_is_refused)
{
	struct graft_repo repo;
	struct dep d = DEP_INIT;

	sh_do(harness_tmp(), "mkdir elsewhere");
	open_app(&repo, "mkdir .graft && ln -s ../../elsewhere .graft/kb");
	cr_assert_eq(dep_load(&d, &repo, "kb"), GRAFT_EFAIL);
	cr_assert_str_eq(graft_error_message(),
			 ".graft/kb is a symbolic link; git-graft does not follow it out of the repository");
	graft_error_clear();
	sh_do(NULL, "rm .graft/kb && rmdir .graft && ln -s ../elsewhere .graft");
	cr_assert_eq(dep_load(&d, &repo, "kb"), GRAFT_EFAIL);
	cr_assert_str_eq(graft_error_message(),
			 ".graft is a symbolic link; git-graft does not follow it out of the repository");
	graft_error_clear();
	repo_close(&repo);
	git_libgit2_shutdown();
}

Test(deps, a_submodule_name_that_climbs_out_of_modules_is_refused)
{
	struct graft_repo repo;
	struct dep d = DEP_INIT;

	open_app(&repo, "printf '[submodule \"../../x\"]\\n\\tpath = .graft/kb\\n' > .gitmodules");
	cr_assert_eq(dep_load(&d, &repo, "kb"), GRAFT_EFAIL);
	cr_assert_str_eq(graft_error_message(),
			 ".gitmodules: the submodule at .graft/kb: invalid submodule name '../../x': it must not contain a '..' component");
	graft_error_clear();
	repo_close(&repo);
	git_libgit2_shutdown();
}

/*
 * resolve undoes a clone after any failure, a failed dep_load included,
 * which leaves the dep released: undoing it must do nothing (it used to
 * follow a NULL owner).
 */
Test(deps, undoing_after_a_failed_load_does_nothing)
{
	struct graft_repo repo;
	struct dep d = DEP_INIT;

	open_app(&repo, "printf '[submodule \"kb\"\\n' > .gitmodules");
	cr_assert_eq(dep_load(&d, &repo, "kb"), GRAFT_EFAIL);
	graft_error_clear();
	dep_undo_clone(&d);
	dep_release(&d);
	repo_close(&repo);
	git_libgit2_shutdown();
}
