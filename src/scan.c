#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "exec.h"
#include "fileio.h"
#include "scan.h"

int scan_run_git(const struct graft_repo *r, const char *const *args,
		 const char *const *env, struct strbuf *out)
{
	struct strbuf git_dir = STRBUF_INIT, work_tree = STRBUF_INIT;
	const char **argv;
	size_t n = 0, i;
	int rc;

	while (args[n])
		n++;
	argv = xcalloc(n + 4, sizeof(*argv));
	strbuf_addf(&git_dir, "--git-dir=%s", r->gitdir);
	strbuf_addf(&work_tree, "--work-tree=%s", r->workdir);
	argv[0] = "git";
	argv[1] = git_dir.buf;
	argv[2] = work_tree.buf;
	for (i = 0; i < n; i++)
		argv[3 + i] = args[i];
	rc = exec_capture(argv, r->workdir, env, out);
	free(argv);
	strbuf_release(&git_dir);
	strbuf_release(&work_tree);
	return rc;
}

static struct scan_entry *add_entry(struct scan *s, const char *path)
{
	struct scan_entry *e;

	ALLOC_GROW(s->entries, s->nr + 1, s->alloc);
	e = &s->entries[s->nr++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	return e;
}

/* Skip n space-separated fields; NULL if the record is too short. */
static const char *skip_fields(const char *p, int n)
{
	while (n--) {
		p = strchr(p, ' ');
		if (!p)
			return NULL;
		p++;
	}
	return p;
}

static unsigned parse_mode(const char *p)
{
	return (unsigned)strtoul(p, NULL, 8);
}

/*
 * "1 XY sub mH mI mW hH hI path", "2 ... Xscore path" (its original
 * path follows as the next record), "u XY sub m1 m2 m3 mW h1 h2 h3 path".
 * Returns 1 when the next record belongs to this one, <0 on bad input.
 */
static int parse_changed(struct scan *s, const char *rec)
{
	char kind = rec[0];
	const char *xy = rec + 2, *modes, *path;
	struct scan_entry *e;

	if (strlen(rec) < 5 || rec[1] != ' ' || rec[4] != ' ')
		return -1;
	modes = skip_fields(rec, 3);
	path = skip_fields(rec, kind == '1' ? 8 : kind == '2' ? 9 : 10);
	if (!modes || !path)
		return -1;
	e = add_entry(s, path);
	e->staged = xy[0];
	e->unstaged = xy[1];
	if (kind == 'u') {
		e->index_mode = parse_mode(skip_fields(modes, 1));
		e->worktree_mode = parse_mode(skip_fields(modes, 3));
		s->conflicted++;
		return 0;
	}
	e->index_mode = parse_mode(skip_fields(modes, 1));
	e->worktree_mode = parse_mode(skip_fields(modes, 2));
	if (e->staged != '.')
		s->staged++;
	if (e->unstaged != '.')
		s->unstaged++;
	if (e->unstaged == 'A')
		s->intent_to_add++;
	return kind == '2';
}

static int parse_status(struct scan *s, const struct strbuf *out)
{
	const char *p = out->buf, *end = out->buf + out->len;
	int skip_next = 0, rc;

	for (; p < end; p += strlen(p) + 1) {
		struct scan_entry *e;

		if (skip_next) {
			skip_next = 0;
			continue;
		}
		switch (p[0]) {
		case '1':
		case '2':
		case 'u':
			if ((rc = parse_changed(s, p)) < 0)
				return graft_error("cannot parse the output of 'git status': '%s'",
						   p);
			skip_next = rc;
			break;
		case '?':
			e = add_entry(s, p + 2);
			e->staged = e->unstaged = SCAN_UNTRACKED;
			s->untracked++;
			break;
		case '#':
		case '!':
			break;
		default:
			return graft_error("cannot parse the output of 'git status': '%s'",
					   p);
		}
	}
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct scan_entry *)a)->path,
		      ((const struct scan_entry *)b)->path);
}

int scan_worktree(struct scan *out, const struct graft_repo *r)
{
	static const char *const args[] = {
		"--no-optional-locks", "status", "--porcelain=v2", "-z",
		"--untracked-files=all", "--ignored=no",
		"--ignore-submodules=all", "--no-renames", NULL,
	};
	struct strbuf status = STRBUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!r->workdir)
		return graft_error("there is no work tree to scan");
	if ((rc = scan_run_git(r, args, NULL, &status)) < 0) {
		graft_error_prefix("cannot read the state of the work tree");
		goto done;
	}
	if ((rc = parse_status(out, &status)) < 0)
		goto done;
	if (out->nr > 1)
		qsort(out->entries, out->nr, sizeof(*out->entries), by_path);
done:
	strbuf_release(&status);
	if (rc < 0)
		scan_release(out);
	return rc;
}

void scan_release(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		free(s->entries[i].path);
	free(s->entries);
	memset(s, 0, sizeof(*s));
}

char *scan_index_path(const struct graft_repo *r)
{
	const char *env = getenv("GIT_INDEX_FILE");
	struct strbuf sb = STRBUF_INIT;
	char cwd[PATH_MAX];

	if (!env || !*env)
		return repo_git_path(r, "index");
	if (env[0] != '/' && getcwd(cwd, sizeof(cwd)))
		strbuf_addf(&sb, "%s/", cwd);
	strbuf_addstr(&sb, env);
	return strbuf_detach(&sb);
}

/* Make copy hold what index holds: a hard link, or a copy where not. */
static int copy_index(const char *index, const char *copy)
{
	struct strbuf data = STRBUF_INIT;
	int missing, rc;

	if (link(index, copy) == 0 || errno == ENOENT)
		return 0;
	if ((rc = file_read(index, &data, &missing)) == 0 && !missing)
		rc = file_write_atomic(copy, data.buf, data.len);
	strbuf_release(&data);
	return rc;
}

int scan_index_tree(git_oid *out, const struct graft_repo *r)
{
	static const char *const args[] = { "write-tree", NULL };
	struct strbuf copy = STRBUF_INIT, env = STRBUF_INIT, tree = STRBUF_INIT;
	const char *envp[2] = { NULL, NULL };
	char *index = scan_index_path(r);
	int rc;

	strbuf_addf(&copy, "%sgraft", r->gitdir);
	if (mkdir(copy.buf, 0777) < 0 && errno != EEXIST) {
		rc = graft_error("cannot create '%s': %s", copy.buf,
				 strerror(errno));
		goto done;
	}
	strbuf_addf(&copy, "/index-copy.%ld", (long)getpid());
	unlink(copy.buf);
	if ((rc = copy_index(index, copy.buf)) < 0)
		goto done;
	strbuf_addf(&env, "GIT_INDEX_FILE=%s", copy.buf);
	envp[0] = env.buf;
	rc = scan_run_git(r, args, envp, &tree);
	unlink(copy.buf);
	if (rc < 0) {
		graft_error_prefix("cannot write the index as a tree");
		goto done;
	}
	strbuf_rtrim(&tree);
	if (tree.len != GIT_OID_HEXSZ || git_oid_fromstr(out, tree.buf) < 0) {
		git_error_clear();
		rc = graft_error("cannot write the index as a tree: 'git write-tree' printed '%s'",
				 tree.buf);
	}
done:
	strbuf_release(&copy);
	strbuf_release(&env);
	strbuf_release(&tree);
	free(index);
	return rc;
}
