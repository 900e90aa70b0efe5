#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <git2/sys/repository.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "gitconfig.h"
#include "repo.h"
#include "strbuf.h"

static char *with_slash(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, path);
	if (!sb.len || sb.buf[sb.len - 1] != '/')
		strbuf_addch(&sb, '/');
	return strbuf_detach(&sb);
}

static char *absolute_path(const char *path)
{
	char cwd[PATH_MAX];
	struct strbuf sb = STRBUF_INIT;

	if (path[0] == '/')
		return xstrdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(path);
	strbuf_addf(&sb, "%s/%s", cwd, path);
	return strbuf_detach(&sb);
}

/* Explain what libgit2 could not open, in the user's terms. */
static int open_error(int code)
{
	const git_error *e = git_error_last();
	const char *msg = e && e->message ? e->message : "";
	const char *ext = strstr(msg, "extensions.");
	int rc;

	if (code == GIT_ENOTFOUND) {
		git_error_clear();
		return graft_error_code(GRAFT_EFATAL,
					"not a git repository (or any of the parent directories): .git");
	}
	if (ext) {
		char *name = xstrdup(ext);

		git_error_clear();
		rc = graft_error_code(GRAFT_EFATAL,
				      "cannot open this repository: it uses the repository extension '%s', which libgit2 1.5 (the library git-graft is built on) does not support",
				      name);
		if (!strcasecmp(name, "extensions.worktreeconfig"))
			graft_error_hint("git sparse-checkout sets it; if per-worktree config is not needed, run\n"
					 "  git sparse-checkout disable && git config --unset extensions.worktreeConfig");
		else
			graft_error_hint("if nothing here needs it, remove it with 'git config --unset %s'",
					 name);
		free(name);
		return rc;
	}
	if (code == GIT_EOWNER) {
		git_error_clear();
		rc = graft_error_code(GRAFT_EFATAL,
				      "detected dubious ownership in the repository (it is owned by someone else)");
		graft_error_hint("if you trust it, allow it with\n"
				 "  git config --global --add safe.directory <path of the repository>");
		return rc;
	}
	return graft_error_git(GRAFT_EFATAL, "cannot open the repository");
}

static int check_index_format(git_config *cfg)
{
	int skip = 0, rc;

	rc = gitconfig_get_bool(cfg, "index.skipHash", &skip);
	if (rc < 0)
		return GRAFT_EFATAL;
	if (rc == 0 && skip) {
		rc = graft_error_code(GRAFT_EFATAL,
				      "this repository writes its index with index.skipHash, which libgit2 1.5 (the library git-graft is built on) cannot read");
		graft_error_hint("turn it off and rewrite the index with\n"
				 "  git config index.skipHash false && git update-index --force-write-index");
		return rc;
	}
	return 0;
}

/*
 * Point the repository at dir as its work tree. libgit2 1.5 leaks its path
 * buffer when asked to set the work tree it already has, so that case is
 * skipped here.
 */
static int set_workdir(git_repository *repo, const char *dir)
{
	const char *current = git_repository_workdir(repo);
	char real[PATH_MAX];
	size_t len;

	if (current && realpath(dir, real)) {
		len = strlen(real);
		if (!strncmp(current, real, len) &&
		    (!current[len] || (current[len] == '/' && !current[len + 1])))
			return 0;
	}
	if (git_repository_set_workdir(repo, dir, 0) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot use '%s' as the work tree",
				       dir);
	return 0;
}

/*
 * As in git: with GIT_DIR set and neither GIT_WORK_TREE nor core.worktree,
 * the current directory is the top of the work tree.
 */
static int apply_git_dir_worktree(git_repository *repo, git_config *cfg)
{
	char *core_worktree = NULL;
	char cwd[PATH_MAX];
	int rc;

	if (!getenv("GIT_DIR") || git_repository_is_bare(repo))
		return 0;
	if ((rc = gitconfig_get_string(cfg, "core.worktree", &core_worktree)) < 0)
		return rc;
	if (core_worktree) {
		free(core_worktree);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return graft_error_code(GRAFT_EFATAL,
					"cannot read the current directory: %s",
					strerror(errno));
	return set_workdir(repo, cwd);
}

static char *compute_prefix(const char *workdir)
{
	char cwd[PATH_MAX], top[PATH_MAX];
	size_t len;

	if (!getcwd(cwd, sizeof(cwd)) || !realpath(workdir, top))
		return xstrdup("");
	len = strlen(top);
	if (strncmp(cwd, top, len) || (cwd[len] && cwd[len] != '/') || !cwd[len])
		return xstrdup("");
	return with_slash(cwd + len + 1);
}

/* Fill r's paths from its open repository. */
static void fill_paths(struct graft_repo *r)
{
	if (git_repository_workdir(r->repo))
		r->workdir = with_slash(git_repository_workdir(r->repo));
	r->gitdir = with_slash(git_repository_path(r->repo));
	r->commondir = with_slash(git_repository_commondir(r->repo));
	if (!r->prefix)
		r->prefix = xstrdup("");
}

static repo_config_hook_fn config_hook;

void repo_set_config_hook(repo_config_hook_fn hook)
{
	config_hook = hook;
}

int repo_open(struct graft_repo *r, unsigned flags)
{
	const char *env_wt = getenv("GIT_WORK_TREE");
	char *work_tree = env_wt && *env_wt ? absolute_path(env_wt) : NULL;
	git_config *cfg = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	/*
	 * libgit2 1.5 refuses to open from the environment while
	 * GIT_WORK_TREE is set: open without it, then apply it ourselves. It
	 * is put back, absolute, for the commands git-graft runs.
	 */
	if (work_tree)
		unsetenv("GIT_WORK_TREE");
	rc = git_repository_open_ext(&r->repo, NULL,
				     GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
	if (work_tree)
		setenv("GIT_WORK_TREE", work_tree, 1);
	if (rc < 0) {
		rc = open_error(rc);
		goto fail;
	}
	if (git_repository_config(&cfg, r->repo) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
		goto fail;
	}
	if (config_hook)
		config_hook(cfg);
	if ((rc = check_index_format(cfg)) < 0)
		goto fail;
	if (work_tree) {
		if ((rc = set_workdir(r->repo, work_tree)) < 0)
			goto fail;
	} else if ((rc = apply_git_dir_worktree(r->repo, cfg)) < 0) {
		goto fail;
	}
	if (!git_repository_workdir(r->repo) && (flags & REPO_NEED_WORKTREE)) {
		rc = graft_error_code(GRAFT_EFATAL,
				      "this operation must be run in a work tree");
		goto fail;
	}
	if (git_repository_workdir(r->repo))
		r->prefix = compute_prefix(git_repository_workdir(r->repo));
	fill_paths(r);
	git_config_free(cfg);
	free(work_tree);
	return 0;
fail:
	git_config_free(cfg);
	free(work_tree);
	repo_close(r);
	return rc;
}

void repo_close(struct graft_repo *r)
{
	git_repository_free(r->repo);
	free(r->workdir);
	free(r->gitdir);
	free(r->commondir);
	free(r->prefix);
	memset(r, 0, sizeof(*r));
}

int repo_reopen(struct graft_repo *out, const struct graft_repo *r)
{
	const char *index_file = getenv("GIT_INDEX_FILE");
	git_index *index = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (git_repository_open_ext(&out->repo, r->gitdir,
				    GIT_REPOSITORY_OPEN_NO_SEARCH |
				    GIT_REPOSITORY_OPEN_NO_DOTGIT, NULL) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot open the repository again");
		goto fail;
	}
	if (r->workdir && (rc = set_workdir(out->repo, r->workdir)) < 0)
		goto fail;
	if (index_file && *index_file) {
		char *path = absolute_path(index_file);

		rc = git_index_open(&index, path);
		free(path);
		if (rc < 0 || git_repository_set_index(out->repo, index) < 0) {
			git_index_free(index);
			rc = graft_error_git(GRAFT_EFATAL, "cannot read the index");
			goto fail;
		}
		git_index_free(index);
	}
	out->prefix = xstrdup(r->prefix ? r->prefix : "");
	fill_paths(out);
	return 0;
fail:
	repo_close(out);
	return rc;
}

int repo_open_nested(struct graft_repo *out, const struct graft_repo *r,
		     const char *path)
{
	struct strbuf dir = STRBUF_INIT;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	strbuf_addf(&dir, "%s%s", r->workdir, path);
	if (git_repository_open_ext(&out->repo, dir.buf,
				    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		rc = graft_error_git(GRAFT_EFAIL, "cannot open the repository '%s/'",
				     path);
		goto done;
	}
	if (!git_repository_workdir(out->repo) &&
	    (rc = set_workdir(out->repo, dir.buf)) < 0)
		goto done;
	fill_paths(out);
done:
	strbuf_release(&dir);
	if (rc < 0)
		repo_close(out);
	return rc;
}

char *repo_path(const struct graft_repo *r, const char *rel)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s%s", r->workdir ? r->workdir : "", rel);
	return strbuf_detach(&sb);
}

char *repo_git_path(const struct graft_repo *r, const char *rel)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s%s", r->gitdir, rel);
	return strbuf_detach(&sb);
}

#define WORKTREES_DIR "worktrees/"

char *repo_worktree_id(const struct graft_repo *r)
{
	size_t n = strlen(r->commondir);
	const char *id;
	char *out;

	if (!strcmp(r->gitdir, r->commondir))
		return xstrdup("main-worktree");
	if (strncmp(r->gitdir, r->commondir, n) ||
	    strncmp(r->gitdir + n, WORKTREES_DIR, strlen(WORKTREES_DIR)))
		return NULL;
	id = r->gitdir + n;
	out = xstrndup(id, strlen(id) - 1);	/* without its '/' */
	if (repo_worktree_id_valid(out))
		return out;
	free(out);
	return NULL;
}

int repo_worktree_id_valid(const char *id)
{
	const char *name;

	if (!strcmp(id, "main-worktree"))
		return 1;
	if (strncmp(id, WORKTREES_DIR, strlen(WORKTREES_DIR)))
		return 0;
	name = id + strlen(WORKTREES_DIR);
	return *name && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..") && !strpbrk(name, "\r\n");
}

/*
 * A linked worktree's git directory names its work tree in "gitdir" (the
 * path of the .git file there); the main one's is the common directory's
 * parent, when that is a ".git".
 */
char *repo_worktree_path(const struct graft_repo *r, const char *id)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	int missing = 0;
	char *out = NULL;

	if (!strcmp(id, "main-worktree")) {
		strbuf_addstr(&sb, r->commondir);	/* ends in '/' */
	} else {
		strbuf_addf(&path, "%s%s/gitdir", r->commondir, id);
		if (file_read(path.buf, &sb, &missing) < 0)
			graft_error_clear();
		strbuf_rtrim(&sb);
		strbuf_addch(&sb, '/');
	}
	if (!missing && sb.len > 6 && !strcmp(sb.buf + sb.len - 6, "/.git/")) {
		strbuf_setlen(&sb, sb.len - 6);
		out = strbuf_detach(&sb);
	}
	strbuf_release(&sb);
	strbuf_release(&path);
	return out;
}

char *repo_display_path(const struct graft_repo *r, const char *rel)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	for (p = r->prefix; *p; p++)
		if (*p == '/')
			strbuf_addstr(&sb, "../");
	strbuf_addstr(&sb, rel);
	return strbuf_detach(&sb);
}

int repo_write_index(git_index *idx)
{
	if (git_index_write(idx) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot write the index");
	return fsync_path(git_index_path(idx));
}

int repo_index(git_index **out, const struct graft_repo *r)
{
	const git_error *e;
	int rc;

	if (git_repository_index(out, r->repo) == 0)
		return 0;
	e = git_error_last();
	if (e && e->message && strstr(e->message, "checksum")) {
		git_error_clear();
		rc = graft_error_code(GRAFT_EFATAL,
				      "cannot read the index: it was probably written with index.skipHash (feature.manyFiles), which libgit2 1.5 cannot read");
		graft_error_hint("turn it off and rewrite the index with\n"
				 "  git config index.skipHash false && git update-index --force-write-index");
		return rc;
	}
	return graft_error_git(GRAFT_EFATAL, "cannot read the index");
}

int repo_check_state(const struct graft_repo *r)
{
	static const struct {
		int state;
		const char *what, *hint;
	} states[] = {
		{ GIT_REPOSITORY_STATE_MERGE, "a merge", "git merge --continue' or 'git merge --abort" },
		{ GIT_REPOSITORY_STATE_REVERT, "a revert", "git revert --continue' or 'git revert --abort" },
		{ GIT_REPOSITORY_STATE_REVERT_SEQUENCE, "a revert", "git revert --continue' or 'git revert --abort" },
		{ GIT_REPOSITORY_STATE_CHERRYPICK, "a cherry-pick", "git cherry-pick --continue' or 'git cherry-pick --abort" },
		{ GIT_REPOSITORY_STATE_CHERRYPICK_SEQUENCE, "a cherry-pick", "git cherry-pick --continue' or 'git cherry-pick --abort" },
		{ GIT_REPOSITORY_STATE_BISECT, "a bisect", "git bisect reset" },
		{ GIT_REPOSITORY_STATE_REBASE, "a rebase", "git rebase --continue' or 'git rebase --abort" },
		{ GIT_REPOSITORY_STATE_REBASE_INTERACTIVE, "a rebase", "git rebase --continue' or 'git rebase --abort" },
		{ GIT_REPOSITORY_STATE_REBASE_MERGE, "a rebase", "git rebase --continue' or 'git rebase --abort" },
		{ GIT_REPOSITORY_STATE_APPLY_MAILBOX, "a 'git am'", "git am --continue' or 'git am --abort" },
		{ GIT_REPOSITORY_STATE_APPLY_MAILBOX_OR_REBASE, "a 'git am' or rebase", "git am --abort' or 'git rebase --abort" },
	};
	int state = git_repository_state(r->repo);
	size_t i;
	int rc;

	if (state == GIT_REPOSITORY_STATE_NONE)
		return 0;
	for (i = 0; i < sizeof(states) / sizeof(*states); i++)
		if (states[i].state == state) {
			rc = graft_error("%s is in progress", states[i].what);
			graft_error_hint("finish or abort it first ('%s')",
					 states[i].hint);
			return rc;
		}
	return graft_error("another git operation is in progress");
}
