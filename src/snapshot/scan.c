/*
 * The scan of scan.h, in three parts, each the way git's status does it:
 * the work tree against the index (stat data first, content only when
 * stat data cannot tell), the index against HEAD (trees, skipping equal
 * subtrees), and the untracked files (the directories read, merged
 * against the sorted index, ignore rules asked only for what the index
 * does not hold).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "gitconfig.h"
#include "snapshot/filters.h"
#include "snapshot/scan.h"
#include "snapshot/treediff.h"
#include "snapshot/watch.h"
#include "strbuf.h"

#define MODE_GITLINK 0160000
#define MODE_SYMLINK 0120000
#define MODE_FILE 0100644
#define MODE_EXECUTABLE 0100755

static int is_gitlink(unsigned mode)
{
	return (mode & S_IFMT) == MODE_GITLINK;
}

static int is_intent_to_add(const git_index_entry *e)
{
	return (e->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD) != 0;
}

/* assume-unchanged or skip-worktree: git status takes it as unchanged */
static int is_flagged(const git_index_entry *e)
{
	return (e->flags & GIT_INDEX_ENTRY_VALID) ||
	       (e->flags_extended & GIT_INDEX_ENTRY_SKIP_WORKTREE);
}

/* ---- the settings that decide what "changed" means -------------------- */

struct stat_rules {
	int filemode;		/* core.fileMode: the executable bit counts */
	int symlinks;		/* core.symlinks: symlinks are checked out */
	int trust_ctime;	/* core.trustCtime */
	int check_stat;		/* core.checkStat is not "minimal" */
};

static int read_rules(struct stat_rules *rules, git_repository *repo)
{
	git_config *cfg = NULL;
	char *check_stat = NULL;
	int rc;

	rules->filemode = rules->symlinks = rules->trust_ctime = 1;
	rules->check_stat = 1;
	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the repository's config");
	if ((rc = gitconfig_get_bool(cfg, "core.filemode", &rules->filemode)) >= 0 &&
	    (rc = gitconfig_get_bool(cfg, "core.symlinks", &rules->symlinks)) >= 0 &&
	    (rc = gitconfig_get_bool(cfg, "core.trustctime", &rules->trust_ctime)) >= 0)
		rc = gitconfig_get_string(cfg, "core.checkstat", &check_stat);
	if (check_stat && !strcmp(check_stat, "minimal"))
		rules->check_stat = 0;
	free(check_stat);
	git_config_free(cfg);
	return rc < 0 ? rc : 0;
}

/* ---- the index -------------------------------------------------------- */

/*
 * The repository's index as its file holds it now: read again when the
 * file changed since it was loaded, emptied when the file is gone.
 */
static int load_index(git_index **out, const struct graft_repo *r)
{
	git_index *index = NULL;
	const char *path;
	int rc;

	if ((rc = repo_index(&index, r)) < 0)
		return rc;
	path = git_index_path(index);
	if (git_index_read(index, !path || !path_exists(path)) < 0) {
		git_index_free(index);
		return graft_error_git(GRAFT_EFATAL, "cannot read the index");
	}
	*out = index;
	return 0;
}

static int has_intent_to_add(git_index *index)
{
	size_t i, n = git_index_entrycount(index);

	for (i = 0; i < n; i++)
		if (is_intent_to_add(git_index_get_byindex(index, i)))
			return 1;
	return 0;
}

/*
 * Remove the intent-to-add entries (and the conflicted ones when
 * drop_conflicts) from a private copy of the index. Removing an entry
 * invalidates only the cache tree along its path.
 */
static int strip_index(git_index *copy, int drop_conflicts)
{
	struct strbuf path = STRBUF_INIT;
	size_t i = git_index_entrycount(copy);
	int rc = 0;

	while (i-- > 0 && rc == 0) {
		const git_index_entry *e = git_index_get_byindex(copy, i);

		if (!is_intent_to_add(e))
			continue;
		strbuf_reset(&path);
		strbuf_addstr(&path, e->path);
		if (git_index_remove(copy, path.buf, GIT_INDEX_ENTRY_STAGE(e)) < 0)
			rc = graft_error_git(GRAFT_EFATAL, "cannot leave '%s' out of the index's tree",
					     path.buf);
	}
	if (rc == 0 && drop_conflicts && git_index_conflict_cleanup(copy) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot leave the conflicts out of the index's tree");
	strbuf_release(&path);
	return rc;
}

/*
 * Write the tree of index as git write-tree does, leaving out the
 * intent-to-add entries and, when drop_conflicts, the conflicted ones
 * (otherwise a conflict is an error). libgit2 would write intent-to-add
 * entries as they are: then a copy of the index, read from its file
 * with its cache tree, is stripped of them instead, so that the
 * repository's index is never changed.
 */
static int write_index_tree(git_oid *out, git_repository *repo,
			    git_index *index, int drop_conflicts)
{
	git_index *copy = NULL;
	int rc = 0;

	if (!has_intent_to_add(index) &&
	    !(drop_conflicts && git_index_has_conflicts(index))) {
		if (git_index_write_tree_to(out, index, repo) < 0)
			return graft_error_git(GRAFT_EFAIL, "cannot write the index as a tree");
		return 0;
	}
	if (git_index_open(&copy, git_index_path(index)) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the index");
	if ((rc = strip_index(copy, drop_conflicts)) == 0 &&
	    git_index_write_tree_to(out, copy, repo) < 0)
		rc = graft_error_git(GRAFT_EFAIL, "cannot write the index as a tree");
	git_index_free(copy);
	return rc;
}

/* ---- what a scan works with ------------------------------------------- */

/* A change of the index against HEAD. */
struct staged_change {
	char *path;
	char status;		/* 'A', 'D', 'M' or 'T' */
};

struct staged_list {
	struct staged_change *items;
	size_t nr, alloc;
};

struct scan_ctx {
	const struct graft_repo *r;
	git_repository *repo;
	git_index *index;
	const git_index_entry **entries;	/* bytewise by path, then stage */
	size_t nr;
	struct stat_rules rules;
	int has_index_time;
	struct timespec index_time;	/* mtime of the index file */
	git_oid empty_blob;
	int workdir_fd;
	unsigned flags;		/* enum scan_flags */
	mode_t umask;
	struct watch *watch;	/* told of each directory walked, or NULL */
	int filters;		/* a checkout filter may apply (filters.h) */
	int saw_attributes;	/* the walk met a .gitattributes not tracked */
	const struct path_list *only;	/* scan_worktree_paths: what to look at */
	unsigned char *relevant;	/* ...: by entry, at or below one of them */
	struct scan *out;
};

static struct scan_item *add_item(struct scan *s, const char *path,
				  enum scan_item_kind kind, unsigned mode)
{
	struct scan_item *it;

	ALLOC_GROW(s->items, s->items_nr + 1, s->items_alloc);
	it = &s->items[s->items_nr++];
	memset(it, 0, sizeof(*it));
	it->path = xstrdup(path);
	it->kind = kind;
	it->mode = mode;
	return it;
}

/*
 * Whether st_mode's permission bits are git's default for a file (with
 * or without the executable bit) or a directory: the umask applied to
 * 0666 or 0777. Only others are worth a record.
 */
static int default_perms(const struct scan_ctx *c, unsigned st_mode)
{
	unsigned base = (S_ISDIR(st_mode) || (st_mode & S_IXUSR)) ? 0777 : 0666;

	return (st_mode & 07777) == (base & ~c->umask);
}

static void note_perms(struct scan_ctx *c, const char *path, unsigned st_mode)
{
	if ((c->flags & SCAN_DETAILS) && !S_ISLNK(st_mode) &&
	    !default_perms(c, st_mode))
		add_item(c->out, path, SCAN_PERMS, st_mode);
}

static struct scan_entry *add_entry(struct scan *s, const char *path,
				    char staged, char unstaged)
{
	struct scan_entry *e;

	ALLOC_GROW(s->entries, s->nr + 1, s->alloc);
	e = &s->entries[s->nr++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->staged = staged;
	e->unstaged = unstaged;
	return e;
}

static int by_path_and_stage(const void *a, const void *b)
{
	const git_index_entry *x = *(const git_index_entry *const *)a;
	const git_index_entry *y = *(const git_index_entry *const *)b;
	int cmp = strcmp(x->path, y->path);

	return cmp ? cmp : GIT_INDEX_ENTRY_STAGE(x) - GIT_INDEX_ENTRY_STAGE(y);
}

/*
 * The index's entries in bytewise order, which the work tree walk and
 * the merge with the staged changes rely on (libgit2 orders them
 * case-insensitively when core.ignoreCase is set).
 */
static void sort_entries(struct scan_ctx *c)
{
	size_t i;
	int sorted = 1;

	c->nr = git_index_entrycount(c->index);
	c->entries = xcalloc(c->nr ? c->nr : 1, sizeof(*c->entries));
	for (i = 0; i < c->nr; i++) {
		c->entries[i] = git_index_get_byindex(c->index, i);
		if (i && by_path_and_stage(&c->entries[i - 1], &c->entries[i]) > 0)
			sorted = 0;
	}
	if (!sorted)
		qsort(c->entries, c->nr, sizeof(*c->entries), by_path_and_stage);
}

/*
 * Entries modified no earlier than the index file was written may have
 * changed after their stat data was taken without the stat data showing
 * it (the same mtime, the same size): they are racily clean.
 */
static int read_index_time(struct scan_ctx *c)
{
	const char *path = git_index_path(c->index);
	struct stat st;

	if (!path || lstat(path, &st) < 0) {
		if (path && errno != ENOENT)
			return graft_error("cannot read '%s': %s", path,
					   strerror(errno));
		return 0;
	}
	c->has_index_time = 1;
	c->index_time = st.st_mtim;
	return 0;
}

static int scan_ctx_init(struct scan_ctx *c, struct scan *out,
			 const struct graft_repo *r, unsigned flags)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->r = r;
	c->repo = r->repo;
	c->out = out;
	c->flags = flags;
	c->umask = umask(0);
	umask(c->umask);
	c->workdir_fd = -1;
	if ((rc = read_rules(&c->rules, c->repo)) < 0 ||
	    (rc = load_index(&c->index, r)) < 0 ||
	    (rc = read_index_time(c)) < 0)
		return rc;
	sort_entries(c);
	if (git_odb_hash(&c->empty_blob, "", 0, GIT_OBJECT_BLOB) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot hash the empty blob");
	c->workdir_fd = open(r->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->workdir_fd < 0)
		return graft_error("cannot open the work tree '%s': %s",
				   r->workdir, strerror(errno));
	return 0;
}

static void scan_ctx_release(struct scan_ctx *c)
{
	free(c->relevant);
	if (c->workdir_fd >= 0)
		close(c->workdir_fd);
	free(c->entries);
	git_index_free(c->index);
}

/* ---- index against HEAD ----------------------------------------------- */

static void staged_add(struct staged_list *l, const char *path, char status)
{
	struct staged_change *s;

	ALLOC_GROW(l->items, l->nr + 1, l->alloc);
	s = &l->items[l->nr++];
	s->path = xstrdup(path);
	s->status = status;
}

static void staged_release(struct staged_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->items[i].path);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/*
 * One change from HEAD to the index. Gitlinks are submodules, not
 * looked into: one counts only where it replaced a file or a file
 * replaced it.
 */
static int note_staged(const char *path, const git_tree_entry *old,
		       const git_tree_entry *new, void *payload)
{
	struct staged_list *l = payload;
	unsigned old_mode = old ? git_tree_entry_filemode(old) : 0;
	unsigned new_mode = new ? git_tree_entry_filemode(new) : 0;

	if (!old) {
		if (!is_gitlink(new_mode))
			staged_add(l, path, 'A');
	} else if (!new) {
		if (!is_gitlink(old_mode))
			staged_add(l, path, 'D');
	} else if (!is_gitlink(old_mode) || !is_gitlink(new_mode)) {
		staged_add(l, path,
			   (old_mode & S_IFMT) != (new_mode & S_IFMT) ? 'T' : 'M');
	}
	return 0;
}

/* HEAD's tree; NULL when the branch has no commit yet. */
static int head_tree(git_tree **out, git_repository *repo)
{
	git_reference *head = NULL;
	int rc = git_repository_head(&head, repo);

	*out = NULL;
	if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND) {
		git_error_clear();
		return 0;
	}
	if (rc < 0 || git_reference_peel((git_object **)out, head,
					 GIT_OBJECT_TREE) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot read HEAD's tree");
	git_reference_free(head);
	return rc;
}

static int by_staged_path(const void *a, const void *b)
{
	return strcmp(((const struct staged_change *)a)->path,
		      ((const struct staged_change *)b)->path);
}

/* The index against HEAD, sorted by path; conflicted paths are left out. */
static int staged_changes(struct scan_ctx *c, struct staged_list *l)
{
	git_tree *head = NULL, *index = NULL;
	git_oid index_id;
	int rc;

	if ((rc = write_index_tree(&index_id, c->repo, c->index, 1)) < 0 ||
	    (rc = head_tree(&head, c->repo)) < 0)
		goto done;
	if (git_tree_lookup(&index, c->repo, &index_id) < 0) {
		rc = graft_error_git(GRAFT_EFATAL, "cannot read the index's tree");
		goto done;
	}
	if ((rc = treediff(c->repo, head, index, note_staged, l)) == 0 && l->nr > 1)
		qsort(l->items, l->nr, sizeof(*l->items), by_staged_path);
done:
	git_tree_free(head);
	git_tree_free(index);
	return rc;
}

/* ---- work tree against index ------------------------------------------ */

/*
 * Comparing the work tree with the index takes an lstat per entry, most
 * of a scan's time on a large tree. It is done first for all entries,
 * in one thread per processor as git's preload_index() does, with no
 * libgit2 call and no message: what stat data cannot settle (content to
 * hash, a directory that may be a repository, an error to report) is
 * settled afterwards, in order, on the calling thread.
 */
enum stat_state {
	STAT_SKIPPED,		/* a gitlink; assume-unchanged, skip-worktree
				 * unless the scan wants their details */
	STAT_UNLOOKED,		/* not one of the paths to look at: as it was */
	STAT_REMOVED,		/* gone, or below something not a directory */
	STAT_DIRECTORY,		/* a directory: removed unless a repository */
	STAT_FOUND,		/* there (all a conflict or intent-to-add needs) */
	STAT_SAME,
	STAT_DIFFERENT,
	STAT_UNSURE,		/* stat data cannot tell; the content will */
	STAT_ERROR,		/* lstat failed */
};

struct stat_result {
	unsigned char state;
	unsigned value;		/* st_mode, or errno for STAT_ERROR */
};

#define STAT_ENTRIES_PER_THREAD 500
#define STAT_MAX_THREADS 8
/*
 * Directories a thread holds open, from the top: a file is looked up by
 * its name in its open directory, not by its whole path, which spares
 * the kernel a walk of every leading component. Deeper ones are looked
 * up by path.
 */
#define STAT_DIR_FDS 32

/* One thread's share of the entries, [lo, hi). */
struct stat_worker {
	const struct scan_ctx *c;
	size_t lo, hi;
	struct stat_result *results;
	struct strbuf dirs_ok;	/* leading directories known to be real */
	size_t depth;		/* the directories in dirs_ok */
	struct strbuf dirs_bad;	/* a leading path known not to be one */
	/* dir_fd[k]: the directory of the first k + 1 components of dirs_ok */
	int dir_fd[STAT_DIR_FDS];
	size_t dir_fds;
	pthread_t thread;
	int started;
};

/* Keep open only the directories of the first depth components. */
static void close_dirs_below(struct stat_worker *w, size_t depth)
{
	while (w->dir_fds > depth)
		close(w->dir_fd[--w->dir_fds]);
}

/*
 * Whether the directory dirs_ok names, one component longer than the
 * last known one at depth, is a real directory (1), not one (0), or
 * cannot be read (-1, errno set). Held open while there is room.
 */
static int real_dir(struct stat_worker *w, size_t depth, const char *name)
{
	struct stat st;
	int fd;

	if (depth < STAT_DIR_FDS && w->dir_fds == depth) {
		/* O_NOFOLLOW with O_DIRECTORY: ENOTDIR for a symlink too */
		fd = openat(depth ? w->dir_fd[depth - 1] : w->c->workdir_fd, name,
			    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			w->dir_fd[w->dir_fds++] = fd;
			return 1;
		}
		/* out of descriptors: by path, as for deeper ones */
		if (errno != EMFILE && errno != ENFILE)
			return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	}
	if (fstatat(w->c->workdir_fd, w->dirs_ok.buf, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISDIR(st.st_mode);
	return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

/*
 * Whether every directory above path is a real directory: 1, 0, or -1
 * with errno set when one cannot be read. Otherwise a file seen at path
 * lies through a symlink (perhaps outside the work tree) and the entry
 * counts as deleted, as git's has_symlink_leading_path() has it.
 * Consecutive entries share their directories: only the components that
 * differ from those of the last path are looked at.
 */
static int leading_dirs_ok(struct stat_worker *w, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) + 1 : 0, common = 0, depth = 0, i;

	if (w->dirs_bad.len && !strncmp(path, w->dirs_bad.buf, w->dirs_bad.len))
		return 0;
	for (i = 0; i < len && i < w->dirs_ok.len && path[i] == w->dirs_ok.buf[i]; i++)
		if (path[i] == '/') {
			common = i + 1;
			depth++;
		}
	strbuf_setlen(&w->dirs_ok, common);
	close_dirs_below(w, depth);
	while (w->dirs_ok.len < len) {
		const char *end = strchr(path + w->dirs_ok.len, '/');
		size_t known = w->dirs_ok.len;
		int ok;

		strbuf_add(&w->dirs_ok, path + known, (size_t)(end - path) - known);
		ok = real_dir(w, depth, w->dirs_ok.buf + known);
		if (ok > 0) {
			strbuf_addch(&w->dirs_ok, '/');
			depth++;
			continue;
		}
		if (ok < 0)
			return -1;
		strbuf_reset(&w->dirs_bad);
		strbuf_addf(&w->dirs_bad, "%s/", w->dirs_ok.buf);
		strbuf_setlen(&w->dirs_ok, known);
		return 0;
	}
	w->depth = depth;
	return 1;
}

/*
 * lstat of path, whose leading directories leading_dirs_ok() just found
 * real: by its name in the last of them when it is open.
 */
static int stat_in_dir(struct stat_worker *w, const char *path, struct stat *st)
{
	if (w->depth && w->depth == w->dir_fds)
		return fstatat(w->dir_fd[w->depth - 1], path + w->dirs_ok.len, st,
			       AT_SYMLINK_NOFOLLOW);
	return fstatat(w->c->workdir_fd, path, st, AT_SYMLINK_NOFOLLOW);
}

/* The mode git records for the work tree file of an entry of mode mode. */
static unsigned mode_from_stat(const struct scan_ctx *c, unsigned mode,
			       unsigned st_mode)
{
	if (!c->rules.symlinks && S_ISREG(st_mode) && S_ISLNK(mode))
		return mode;
	if (!c->rules.filemode && S_ISREG(st_mode))
		return S_ISREG(mode) ? mode : MODE_FILE;
	if (S_ISLNK(st_mode))
		return MODE_SYMLINK;
	if (S_ISDIR(st_mode))
		return MODE_GITLINK;
	return (st_mode & S_IXUSR) ? MODE_EXECUTABLE : MODE_FILE;
}

#define CHANGED_TYPE 1u		/* no longer a file, a symlink... */
#define CHANGED_MODE 2u		/* the executable bit */
#define CHANGED_SIZE 4u		/* or the entry's size was never taken */
#define CHANGED_STAT 8u		/* times, inode, owner */

/* How st differs from the stat data of e (git's ce_match_stat_basic()). */
static unsigned match_stat(const struct scan_ctx *c, const git_index_entry *e,
			   const struct stat *st)
{
	const struct stat_rules *rules = &c->rules;
	unsigned changed = 0;

	if (S_ISREG(e->mode)) {
		if (!S_ISREG(st->st_mode))
			changed |= CHANGED_TYPE;
		if (rules->filemode && ((e->mode ^ st->st_mode) & S_IXUSR))
			changed |= CHANGED_MODE;
	} else if (S_ISLNK(e->mode) && !S_ISLNK(st->st_mode) &&
		   (rules->symlinks || !S_ISREG(st->st_mode))) {
		changed |= CHANGED_TYPE;
	}
	if ((uint32_t)e->mtime.seconds != (uint32_t)st->st_mtim.tv_sec ||
	    (rules->check_stat &&
	     e->mtime.nanoseconds != (uint32_t)st->st_mtim.tv_nsec))
		changed |= CHANGED_STAT;
	if (rules->trust_ctime && rules->check_stat &&
	    ((uint32_t)e->ctime.seconds != (uint32_t)st->st_ctim.tv_sec ||
	     e->ctime.nanoseconds != (uint32_t)st->st_ctim.tv_nsec))
		changed |= CHANGED_STAT;
	if (rules->check_stat &&
	    (e->uid != (uint32_t)st->st_uid || e->gid != (uint32_t)st->st_gid ||
	     e->ino != (uint32_t)st->st_ino))
		changed |= CHANGED_STAT;
	if (e->file_size != (uint32_t)st->st_size)
		changed |= CHANGED_SIZE;
	/* a size of 0 is what git writes for an entry it found racily clean */
	if (!e->file_size && !git_oid_equal(&e->id, &c->empty_blob))
		changed |= CHANGED_SIZE;
	return changed;
}

static int is_racily_clean(const struct scan_ctx *c, const git_index_entry *e)
{
	uint32_t sec = (uint32_t)c->index_time.tv_sec;

	return c->has_index_time &&
	       (sec < (uint32_t)e->mtime.seconds ||
		(sec == (uint32_t)e->mtime.seconds &&
		 (uint32_t)c->index_time.tv_nsec <= e->mtime.nanoseconds));
}

/*
 * What stat data says of the file at e's path (st), as git's
 * ie_match_stat() decides it: a changed type or executable bit, or a
 * changed size where the entry's size is known, settle it; other stat
 * changes and racily clean entries leave it to the content.
 */
static enum stat_state compare_stat(const struct scan_ctx *c,
				    const git_index_entry *e,
				    const struct stat *st)
{
	unsigned changed = match_stat(c, e, st);

	if (changed & (CHANGED_TYPE | CHANGED_MODE))
		return STAT_DIFFERENT;
	if (!changed)
		return is_racily_clean(c, e) ? STAT_UNSURE : STAT_SAME;
	if ((changed & CHANGED_SIZE) && e->file_size)
		return STAT_DIFFERENT;
	return STAT_UNSURE;
}

static void stat_entry(struct stat_worker *w, const git_index_entry *e,
		       struct stat_result *res)
{
	const struct scan_ctx *c = w->c;
	int stage = GIT_INDEX_ENTRY_STAGE(e), dirs_ok;
	struct stat st;

	if (!stage && (is_gitlink(e->mode) ||
		       (is_flagged(e) && !(c->flags & SCAN_DETAILS)))) {
		res->state = STAT_SKIPPED;
		return;
	}
	dirs_ok = leading_dirs_ok(w, e->path);
	if (dirs_ok > 0 && stat_in_dir(w, e->path, &st) < 0)
		dirs_ok = errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	if (dirs_ok <= 0) {
		res->state = dirs_ok ? STAT_ERROR : STAT_REMOVED;
		res->value = dirs_ok ? (unsigned)errno : 0;
		return;
	}
	res->value = st.st_mode;
	if (S_ISDIR(st.st_mode) && !is_gitlink(e->mode))
		res->state = STAT_DIRECTORY;
	else if (stage || is_intent_to_add(e))
		res->state = STAT_FOUND;
	else
		res->state = compare_stat(c, e, &st);
}

static void *stat_worker_run(void *arg)
{
	struct stat_worker *w = arg;
	size_t i;

	for (i = w->lo; i < w->hi; i++) {
		if (w->c->relevant && !w->c->relevant[i])
			w->results[i].state = STAT_UNLOOKED;
		else
			stat_entry(w, w->c->entries[i], &w->results[i]);
	}
	return NULL;
}

/* The stat pass over all entries, results[i] for entry i. */
struct stat_pass {
	struct stat_worker workers[STAT_MAX_THREADS];
	size_t n;
	struct stat_result *results;
};

/*
 * Start the stat pass: on threads, one per processor, when the index is
 * large enough for it to pay; the caller can walk the work tree for
 * untracked files meanwhile. Otherwise stat_finish() does it all.
 */
static void stat_start(struct stat_pass *p, const struct scan_ctx *c)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = c->nr / STAT_ENTRIES_PER_THREAD, k;

	if (cpus > 0 && n > (size_t)cpus)
		n = (size_t)cpus;
	p->n = n < 1 ? 1 : n > STAT_MAX_THREADS ? STAT_MAX_THREADS : n;
	p->results = xcalloc(c->nr ? c->nr : 1, sizeof(*p->results));
	for (k = 0; k < p->n; k++) {
		struct stat_worker *w = &p->workers[k];

		w->c = c;
		w->lo = c->nr * k / p->n;
		w->hi = c->nr * (k + 1) / p->n;
		w->results = p->results;
		strbuf_init(&w->dirs_ok);
		strbuf_init(&w->dirs_bad);
		w->depth = w->dir_fds = 0;
		/* a thread that cannot be started leaves its share to stat_finish */
		w->started = p->n > 1 &&
			     pthread_create(&w->thread, NULL, stat_worker_run, w) == 0;
	}
}

/* Do what no thread took, and wait for the threads. */
static void stat_finish(struct stat_pass *p)
{
	size_t k;

	for (k = 0; k < p->n; k++)
		if (!p->workers[k].started)
			stat_worker_run(&p->workers[k]);
	for (k = 0; k < p->n; k++) {
		if (p->workers[k].started)
			pthread_join(p->workers[k].thread, NULL);
		close_dirs_below(&p->workers[k], 0);
		strbuf_release(&p->workers[k].dirs_ok);
		strbuf_release(&p->workers[k].dirs_bad);
	}
}

/* Whether dir (relative to the work tree) is a repository whose HEAD resolves. */
static int is_checked_out_repository(struct scan_ctx *c, const char *dir)
{
	git_repository *sub = NULL;
	git_oid head;
	char *full = repo_path(c->r, dir);
	int yes = git_repository_open_ext(&sub, full, GIT_REPOSITORY_OPEN_NO_SEARCH,
					  NULL) == 0 &&
		  git_reference_name_to_id(&head, sub, "HEAD") == 0;

	git_error_clear();
	git_repository_free(sub);
	free(full);
	return yes;
}

/*
 * The work tree's mode for the entry e, or 0 when its file is gone (git's
 * check_removed(): not there, below something that is not a directory,
 * or a directory that is not a checked-out repository).
 */
static int file_mode_of(struct scan_ctx *c, const git_index_entry *e,
			 const struct stat_result *res, unsigned *mode)
{
	*mode = 0;
	switch (res->state) {
	case STAT_ERROR:
		return graft_error("cannot read '%s': %s", e->path,
				   strerror((int)res->value));
	case STAT_REMOVED:
		return 0;
	case STAT_DIRECTORY:
		if (is_checked_out_repository(c, e->path))
			*mode = MODE_GITLINK;
		return 0;
	default:
		*mode = mode_from_stat(c, e->mode, res->value);
		return 0;
	}
}

/*
 * Whether the content at e's path (of type st_mode) is what e records: a
 * file hashed through its clean filters, a symlink's target.
 */
/*
 * The blob id of the file at path as it is: with no filter that could
 * apply, what libgit2 would hash through them, without its attribute
 * lookups for each path.
 */
static int hash_as_is(struct scan_ctx *c, const char *path, git_oid *id)
{
	struct strbuf data = STRBUF_INIT;
	int fd = openat(c->workdir_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;

	if (fd < 0 || read_in_full(fd, &data) < 0)
		rc = graft_error("cannot read '%s': %s", path, strerror(errno));
	else if (git_odb_hash(id, data.buf, data.len, GIT_OBJECT_BLOB) < 0)
		rc = graft_error_git(GRAFT_EFATAL, "cannot hash '%s'", path);
	if (fd >= 0)
		close(fd);
	strbuf_release(&data);
	return rc;
}

static int same_content(struct scan_ctx *c, const git_index_entry *e,
			unsigned st_mode, int *same)
{
	struct strbuf target = STRBUF_INIT;
	git_oid id;
	int rc = 0;

	*same = 0;
	if (S_ISLNK(st_mode)) {
		if (readlink_at(c->workdir_fd, e->path, &target) < 0)
			rc = graft_error("cannot read the symlink '%s': %s",
					 e->path, strerror(errno));
		else if (git_odb_hash(&id, target.buf, target.len,
				      GIT_OBJECT_BLOB) < 0)
			rc = graft_error_git(GRAFT_EFATAL, "cannot hash '%s'", e->path);
		else
			*same = git_oid_equal(&id, &e->id);
	} else if (S_ISREG(st_mode) && !c->filters) {
		if ((rc = hash_as_is(c, e->path, &id)) == 0)
			*same = git_oid_equal(&id, &e->id);
	} else if (S_ISREG(st_mode)) {
		if (git_repository_hashfile(&id, c->repo, e->path,
					    GIT_OBJECT_BLOB, NULL) < 0)
			rc = graft_error_git(GRAFT_EFAIL, "cannot hash '%s'", e->path);
		else
			*same = git_oid_equal(&id, &e->id);
	}
	strbuf_release(&target);
	return rc;
}

/*
 * Porcelain v2's Y for the stage-0 entry e and the work tree's mode:
 * '.', 'M', 'T', 'D', or for an intent-to-add entry 'A' (or 'D').
 */
static int worktree_status(struct scan_ctx *c, const git_index_entry *e,
			   const struct stat_result *res, char *status,
			   unsigned *mode)
{
	int same, rc;

	*status = '.';
	*mode = e->mode;
	if (res->state == STAT_SKIPPED || res->state == STAT_UNLOOKED)
		return 0;
	if ((rc = file_mode_of(c, e, res, mode)) < 0)
		return rc;
	if (!*mode)
		*status = 'D';
	else if (is_intent_to_add(e))
		*status = 'A';
	else if (res->state == STAT_DIFFERENT || res->state == STAT_DIRECTORY)
		*status = 'M';
	else if (res->state == STAT_UNSURE) {
		if ((rc = same_content(c, e, res->value, &same)) < 0)
			return rc;
		*status = same ? '.' : 'M';
	}
	if (*status == 'M' && (*mode & S_IFMT) != (e->mode & S_IFMT))
		*status = 'T';
	return 0;
}

/* Entries [first, end) are the stages of one conflicted path. */
static int report_conflict(struct scan_ctx *c, const struct stat_result *res,
			   size_t first, size_t end)
{
	/* git's letters for the stages present, by bit mask of 1, 2, 3 */
	static const char *const keys[8] = {
		"UU" /* no stage: not a conflict git writes */, "DD", "AU",
		"UD", "UA", "DU", "AA", "UU",
	};
	const git_index_entry *e = c->entries[first];
	unsigned mask = 0, ours = 0, mode;
	struct scan_entry *out;
	size_t i;
	int rc;

	for (i = first; i < end; i++) {
		int stage = GIT_INDEX_ENTRY_STAGE(c->entries[i]);

		if (stage)
			mask |= 1u << (stage - 1);
		if (stage == 2)
			ours = c->entries[i]->mode;
	}
	if ((rc = file_mode_of(c, e, &res[first], &mode)) < 0)
		return rc;
	out = add_entry(c->out, e->path, keys[mask][0], keys[mask][1]);
	out->index_mode = ours;
	out->worktree_mode = mode;
	c->out->conflicted++;
	return 0;
}

static void add_tracked(struct scan *s, const char *path, char staged,
			char unstaged, unsigned index_mode,
			unsigned worktree_mode)
{
	struct scan_entry *e = add_entry(s, path, staged, unstaged);

	e->index_mode = index_mode;
	e->worktree_mode = worktree_mode;
	if (staged != '.')
		s->staged++;
	if (unstaged != '.')
		s->unstaged++;
	if (unstaged == 'A')
		s->intent_to_add++;
}

/* Whether the submodule checkout at path holds a repository (".git"). */
static int holds_git(const struct scan_ctx *c, const char *path)
{
	struct strbuf git = STRBUF_INIT;
	struct stat st;
	int yes;

	strbuf_addf(&git, "%s/.git", path);
	yes = fstatat(c->workdir_fd, git.buf, &st, AT_SYMLINK_NOFOLLOW) == 0;
	strbuf_release(&git);
	return yes;
}

/*
 * SCAN_DETAILS of the stage-0 entry e: its permission bits, the disk
 * state of a flagged entry, a submodule's checkout.
 */
static void note_entry_details(struct scan_ctx *c, const git_index_entry *e,
			       const struct stat_result *res)
{
	struct scan_item *it;

	if (res->state == STAT_UNLOOKED)
		return;
	if (is_gitlink(e->mode)) {
		if (holds_git(c, e->path))
			add_item(c->out, e->path, SCAN_NESTED, MODE_GITLINK);
		return;
	}
	if (res->state >= STAT_FOUND && res->state <= STAT_UNSURE &&
	    S_ISREG(res->value))
		note_perms(c, e->path, res->value);
	if (!is_flagged(e))
		return;
	it = add_item(c->out, e->path, SCAN_FLAGGED,
		      res->state >= STAT_FOUND ? res->value : 0);
	if (e->flags_extended & GIT_INDEX_ENTRY_SKIP_WORKTREE)
		it->flags |= SCAN_SKIP_WORKTREE;
	if (e->flags & GIT_INDEX_ENTRY_VALID)
		it->flags |= SCAN_ASSUME_UNCHANGED;
	it->state = res->state == STAT_REMOVED ? 'D' :
		    res->state == STAT_SAME ? '.' : 'M';
}

static int report_entry(struct scan_ctx *c, const git_index_entry *e,
			const struct stat_result *res,
			const struct staged_change *staged)
{
	unsigned index_mode = e->mode, worktree_mode = e->mode;
	char status = '.';
	int rc;

	/* scan_worktree_paths: not one of the paths to look at */
	if (res->state == STAT_UNLOOKED)
		return 0;
	if (c->flags & SCAN_DETAILS) {
		if (res->state == STAT_ERROR)
			return graft_error("cannot read '%s': %s", e->path,
					   strerror((int)res->value));
		note_entry_details(c, e, res);
	}
	/* git's view of a flagged entry: unchanged, whatever is on disk */
	if (!is_flagged(e) && res->state != STAT_UNLOOKED &&
	    (rc = worktree_status(c, e, res, &status, &worktree_mode)) < 0)
		return rc;
	/* git shows an intent-to-add entry's mode only once its file is gone */
	if (is_intent_to_add(e) && status != 'D')
		index_mode = 0;
	if (status == '.' && !staged)
		return 0;
	add_tracked(c->out, e->path, staged ? staged->status : '.', status,
		    index_mode, status == '.' ? index_mode : worktree_mode);
	return 0;
}

/* A path the index no longer has (a staged deletion), if it is looked at. */
static void add_staged_removal(struct scan_ctx *c, const struct staged_change *s)
{
	if (!c->only || path_list_covers(c->only, s->path))
		add_tracked(c->out, s->path, s->status, '.', 0, 0);
}

/*
 * Walk the index (and, in step, the staged changes, both sorted by
 * path): each path gets its staged change, its work tree status, or its
 * conflict. A staged deletion has no index entry of its own.
 */
static int scan_tracked(struct scan_ctx *c, const struct stat_result *res,
			const struct staged_list *staged)
{
	size_t i = 0, next = 0;
	int rc = 0;

	while (i < c->nr && rc == 0) {
		const git_index_entry *e = c->entries[i];
		const struct staged_change *s = NULL;
		size_t end = i + 1;

		while (end < c->nr && !strcmp(c->entries[end]->path, e->path))
			end++;
		for (; next < staged->nr; next++) {
			int cmp = strcmp(staged->items[next].path, e->path);

			if (cmp > 0)
				break;
			if (cmp == 0)
				s = &staged->items[next];
			else
				add_staged_removal(c, &staged->items[next]);
		}
		if (end - i > 1 || GIT_INDEX_ENTRY_STAGE(e))
			rc = report_conflict(c, res, i, end);
		else
			rc = report_entry(c, e, &res[i], s);
		i = end;
	}
	for (; next < staged->nr && rc == 0; next++)
		add_staged_removal(c, &staged->items[next]);
	return rc;
}

/* ---- untracked files -------------------------------------------------- */

/*
 * A directory being walked. Whether it is ignored is asked only once
 * something untracked turns up in it: most directories hold only
 * tracked files and are never asked about.
 */
struct dir_frame {
	struct dir_frame *parent;
	size_t len;		/* of its path, '/' included; 0 at the top */
	int ignored;		/* -1 while not asked */
};

/* The first entry in [lo, hi) whose path is not less than key. */
static size_t lower_bound(const struct scan_ctx *c, size_t lo, size_t hi,
			  const char *key)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(c->entries[mid]->path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int is_ignored(struct scan_ctx *c, const char *path, int *ignored)
{
	if (git_ignore_path_is_ignored(ignored, c->repo, path) < 0)
		return graft_error_git(GRAFT_EFATAL, "cannot read the ignore rules for '%s'",
				       path);
	return 0;
}

/*
 * Whether the directory of frame (path holds its path and more) is
 * ignored: it is when a directory above it is, whatever rules match
 * below, as git never enters an ignored directory.
 */
static int dir_ignored(struct scan_ctx *c, struct strbuf *path,
		       struct dir_frame *frame)
{
	char saved;
	int rc;

	if (frame->ignored >= 0)
		return frame->ignored;
	if (frame->parent && (rc = dir_ignored(c, path, frame->parent)) != 0) {
		if (rc < 0)
			return rc;
		frame->ignored = 1;
		return 1;
	}
	saved = path->buf[frame->len];
	path->buf[frame->len] = '\0';
	rc = is_ignored(c, path->buf, &frame->ignored);
	path->buf[frame->len] = saved;
	return rc < 0 ? rc : frame->ignored;
}

static void add_untracked(struct scan *s, const char *path, unsigned long ino)
{
	struct scan_entry *e = add_entry(s, path, SCAN_UNTRACKED, SCAN_UNTRACKED);

	e->ino = ino;
	s->untracked++;
}

static int is_rules_file(const char *name)
{
	return !strcmp(name, ".gitignore") || !strcmp(name, ".gitattributes");
}

static int open_dir_at(int dir_fd, const char *name)
{
	return openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Whether the directory path (ending in '/'), open as fd, holds a repository of its own. */
static int holds_repository(struct scan_ctx *c, int fd, const char *path)
{
	struct strbuf full = STRBUF_INIT;
	struct stat st;
	int yes;

	if (fstatat(fd, ".git", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	strbuf_addf(&full, "%s%s.git", c->r->workdir, path);
	yes = git_repository_open_ext(NULL, full.buf,
				      GIT_REPOSITORY_OPEN_NO_SEARCH |
				      GIT_REPOSITORY_OPEN_NO_DOTGIT, NULL) == 0;
	git_error_clear();
	strbuf_release(&full);
	return yes;
}

static int walk_dir(struct scan_ctx *c, struct strbuf *path,
		    struct dir_frame *frame, size_t lo, size_t hi, int fd);

/*
 * Every file and directory below the ignored directory path (ending in
 * '/'), open as fd, as SCAN_IGNORED items: SCAN_IGNORED_ALL.
 */
static int walk_ignored(struct scan_ctx *c, struct strbuf *path, int fd)
{
	size_t len = path->len;
	struct dirent *de;
	DIR *dir = fdopendir(fd);
	int rc = 0;

	if (!dir) {
		close(fd);
		return graft_error("cannot read the directory '%s': %s", path->buf,
				   strerror(errno));
	}
	while (rc == 0 && (errno = 0, de = readdir(dir))) {
		struct scan_item *it;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		strbuf_addstr(path, de->d_name);
		if (S_ISDIR(st.st_mode))
			strbuf_addch(path, '/');
		it = add_item(c->out, path->buf, SCAN_IGNORED, st.st_mode);
		it->ino = (unsigned long)st.st_ino;
		it->size = (long long)st.st_size;
		it->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL +
			       st.st_mtim.tv_nsec;
		if (S_ISDIR(st.st_mode)) {
			int sub = open_dir_at(dirfd(dir), de->d_name);

			if (sub >= 0)
				rc = walk_ignored(c, path, sub);
		}
		strbuf_setlen(path, len);
	}
	if (rc == 0 && errno)
		rc = graft_error("cannot read the directory '%s': %s", path->buf,
				 strerror(errno));
	closedir(dir);
	return rc;
}

/*
 * The ignored entry name of the directory dir_fd, at path ("dir/" for a
 * directory): a SCAN_IGNORED item, and with SCAN_IGNORED_ALL all that a
 * directory holds.
 */
static int note_ignored(struct scan_ctx *c, struct strbuf *path, int dir_fd,
			const char *name)
{
	struct scan_item *it;
	struct stat st;
	size_t len = path->len;
	int rc = 0, fd;

	if (!(c->flags & SCAN_DETAILS) ||
	    fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISDIR(st.st_mode) && path->buf[len - 1] != '/')
		strbuf_addch(path, '/');
	it = add_item(c->out, path->buf, SCAN_IGNORED, st.st_mode);
	it->ino = (unsigned long)st.st_ino;
	it->size = (long long)st.st_size;
	it->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL +
		       st.st_mtim.tv_nsec;
	if (S_ISDIR(st.st_mode) && (c->flags & SCAN_IGNORED_ALL) &&
	    (fd = open_dir_at(dir_fd, name)) >= 0)
		rc = walk_ignored(c, path, fd);
	strbuf_setlen(path, len);
	return rc;
}

/*
 * The directory name of dir_fd (path, ending in '/') holds no tracked
 * file: unless it is ignored, every file below it is untracked, or it
 * is one nested repository.
 */
static int untracked_dir(struct scan_ctx *c, struct strbuf *path,
			 struct dir_frame *parent, int dir_fd,
			 const char *name, unsigned long ino)
{
	struct dir_frame frame = { parent, path->len, 0 };
	int rc, ignored, fd;

	if ((rc = dir_ignored(c, path, parent)) != 0)
		return rc < 0 ? rc : note_ignored(c, path, dir_fd, name);
	if ((rc = is_ignored(c, path->buf, &ignored)) < 0)
		return rc;
	if (ignored)
		return note_ignored(c, path, dir_fd, name);
	fd = open_dir_at(dir_fd, name);
	if (fd < 0) {
		/* gone, or replaced by a file, since its parent was read */
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return 0;
		return graft_error("cannot read the directory '%s': %s",
				   path->buf, strerror(errno));
	}
	if (holds_repository(c, fd, path->buf)) {
		close(fd);
		add_untracked(c->out, path->buf, ino);
		if (c->flags & SCAN_DETAILS)
			add_item(c->out, path->buf, SCAN_NESTED, S_IFDIR)->ino =
				ino;
		return 0;
	}
	return walk_dir(c, path, &frame, 0, 0, fd);
}

static int untracked_file(struct scan_ctx *c, struct strbuf *path,
			  struct dir_frame *parent, int dir_fd,
			  const char *name, unsigned long ino, unsigned char type)
{
	struct stat st;
	int rc, ignored;

	/* whether ignored or not, it says how files read (decide_filters) */
	if (!strcmp(name, ".gitattributes"))
		c->saw_attributes = 1;
	if ((rc = dir_ignored(c, path, parent)) != 0)
		return rc < 0 ? rc : note_ignored(c, path, dir_fd, name);
	if ((rc = is_ignored(c, path->buf, &ignored)) < 0)
		return rc;
	if (ignored) {
		if ((c->flags & SCAN_DETAILS) && is_rules_file(name))
			add_item(c->out, path->buf, SCAN_HIDDEN_RULES, 0);
		return note_ignored(c, path, dir_fd, name);
	}
	if (type == DT_REG || type == DT_LNK)
		add_untracked(c->out, path->buf, ino);
	else if ((c->flags & SCAN_DETAILS) &&
		 fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		add_item(c->out, path->buf, SCAN_SPECIAL, st.st_mode);
	return 0;
}

static unsigned char entry_type(int dir_fd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type;
	if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return DT_UNKNOWN;
	if (S_ISDIR(st.st_mode))
		return DT_DIR;
	if (S_ISREG(st.st_mode))
		return DT_REG;
	if (S_ISLNK(st.st_mode))
		return DT_LNK;
	return DT_UNKNOWN;
}

/*
 * The entry de at path, in the directory dir_fd of frame, whose tracked
 * files are the index entries [lo, hi).
 */
static int walk_entry(struct scan_ctx *c, struct strbuf *path,
		      struct dir_frame *frame, int dir_fd,
		      const struct dirent *de, size_t lo, size_t hi)
{
	unsigned char type = entry_type(dir_fd, de);
	size_t pos = lower_bound(c, lo, hi, path->buf), below, end;
	int exact = pos < hi && !strcmp(c->entries[pos]->path, path->buf), fd;

	if (type != DT_DIR)
		return exact ? 0 : untracked_file(c, path, frame, dir_fd, de->d_name,
						  (unsigned long)de->d_ino, type);
	/* a submodule's checkout is not looked into */
	if (exact && is_gitlink(c->entries[pos]->mode))
		return 0;
	strbuf_addch(path, '/');
	below = lower_bound(c, pos, hi, path->buf);
	path->buf[path->len - 1] = '0';		/* the first name after "dir/" */
	end = lower_bound(c, below, hi, path->buf);
	path->buf[path->len - 1] = '/';
	if (below == end)
		return untracked_dir(c, path, frame, dir_fd, de->d_name,
				     (unsigned long)de->d_ino);
	fd = open_dir_at(dir_fd, de->d_name);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return 0;
		return graft_error("cannot read the directory '%s': %s",
				   path->buf, strerror(errno));
	}
	{
		struct dir_frame tracked = { frame, path->len, -1 };

		return walk_dir(c, path, &tracked, below, end, fd);
	}
}

/* path without its trailing '/' (a directory's name as items record it) */
static void note_dir_item(struct scan_ctx *c, struct strbuf *path,
			  enum scan_item_kind kind, unsigned mode)
{
	path->buf[path->len - 1] = '\0';
	add_item(c->out, path->buf, kind, mode);
	path->buf[path->len - 1] = '/';
}

/*
 * Read the directory path ("" or ending in '/') of frame, open as fd
 * (closed here), whose tracked files are the index entries [lo, hi).
 * Stops early once the directory turns out to be ignored, unless every
 * ignored file is wanted.
 */
static int walk_dir(struct scan_ctx *c, struct strbuf *path,
		    struct dir_frame *frame, size_t lo, size_t hi, int fd)
{
	size_t len = path->len;
	struct dirent *de;
	struct stat st;
	int rc = 0, empty = 1, has_stat;
	DIR *dir = fdopendir(fd);

	if (!dir) {
		close(fd);
		return graft_error("cannot read the directory '%s': %s",
				   len ? path->buf : ".", strerror(errno));
	}
	if (c->watch)
		watch_add(c->watch, fd, path->buf);
	has_stat = (c->flags & SCAN_DETAILS) && len && fstat(fd, &st) == 0;
	if (has_stat && !default_perms(c, st.st_mode))
		note_dir_item(c, path, SCAN_PERMS, st.st_mode);
	while (rc == 0 && (frame->ignored != 1 || (c->flags & SCAN_IGNORED_ALL))) {
		errno = 0;
		if (!(de = readdir(dir))) {
			if (errno)
				rc = graft_error("cannot read the directory '%s': %s",
						 len ? path->buf : ".",
						 strerror(errno));
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		empty = 0;
		if (!strcmp(de->d_name, ".git"))
			continue;
		strbuf_addstr(path, de->d_name);
		rc = walk_entry(c, path, frame, dirfd(dir), de, lo, hi);
		strbuf_setlen(path, len);
	}
	if (rc == 0 && empty && has_stat &&
	    (rc = dir_ignored(c, path, frame)) == 0)
		note_dir_item(c, path, SCAN_EMPTY_DIR, st.st_mode);
	closedir(dir);
	return rc < 0 ? rc : 0;
}

static int scan_untracked(struct scan_ctx *c)
{
	struct dir_frame top = { NULL, 0, 0 };
	struct strbuf path = STRBUF_INIT;
	int fd = open_dir_at(c->workdir_fd, "."), rc;

	if (fd < 0)
		return graft_error("cannot read the work tree: %s", strerror(errno));
	rc = walk_dir(c, &path, &top, 0, c->nr, fd);
	strbuf_release(&path);
	return rc;
}

/* ---- looking at some paths only -------------------------------------- */

/*
 * Which index entries lie at or below the paths to look at, or are a
 * directory above one (a file that became a directory): relevant[i].
 */
static void mark_relevant(struct scan_ctx *c)
{
	struct strbuf key = STRBUF_INIT;
	size_t i, pos, end;

	c->relevant = xcalloc(c->nr ? c->nr : 1, 1);
	for (i = 0; i < c->only->nr; i++) {
		const char *path = c->only->items[i];
		char *slash;

		strbuf_reset(&key);
		strbuf_addstr(&key, path);
		for (pos = lower_bound(c, 0, c->nr, key.buf);
		     pos < c->nr && !strcmp(c->entries[pos]->path, key.buf); pos++)
			c->relevant[pos] = 1;
		strbuf_addch(&key, '/');
		pos = lower_bound(c, 0, c->nr, key.buf);
		key.buf[key.len - 1] = '0';	/* the first name after "path/" */
		end = lower_bound(c, pos, c->nr, key.buf);
		while (pos < end)
			c->relevant[pos++] = 1;
		strbuf_setlen(&key, key.len - 1);
		while ((slash = strrchr(key.buf, '/'))) {
			strbuf_setlen(&key, (size_t)(slash - key.buf));
			for (pos = lower_bound(c, 0, c->nr, key.buf);
			     pos < c->nr && !strcmp(c->entries[pos]->path, key.buf); pos++)
				c->relevant[pos] = 1;
		}
	}
	strbuf_release(&key);
}

static int is_entry(struct scan_ctx *c, const char *path, int gitlink_only)
{
	size_t pos = lower_bound(c, 0, c->nr, path);

	return pos < c->nr && !strcmp(c->entries[pos]->path, path) &&
	       (!gitlink_only || is_gitlink(c->entries[pos]->mode));
}

/* The directory of a path to look at, kept open for the next path. */
struct parent_dir {
	struct strbuf path;	/* "" or "dir/" */
	int fd;			/* -1: the path cannot matter (see open_parent) */
	int lost_one;		/* a path in it went: it may be empty now */
};

/*
 * A directory that a path went from may be empty now, as the full walk
 * would find it: said as it would say it.
 */
static int note_if_empty(struct scan_ctx *c, struct parent_dir *p)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int fd, empty = 1;

	if (!(c->flags & SCAN_DETAILS) || !p->lost_one || p->fd < 0 || !p->path.len)
		return 0;
	p->lost_one = 0;
	if ((fd = open_dir_at(p->fd, ".")) < 0 || fstat(fd, &st) < 0 ||
	    !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (empty && (de = readdir(dir)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(dir);
	if (empty)
		note_dir_item(c, &p->path, SCAN_EMPTY_DIR, st.st_mode);
	return 0;
}

/*
 * Open the directory dir ("a/b/") one component at a time without
 * following a symlink, asking on the way what the full walk would have
 * known: whether it is there, a submodule's checkout, a nested
 * repository, or ignored. Any of those makes p->fd -1: nothing below it
 * is the scan's.
 */
static int open_parent(struct scan_ctx *c, struct parent_dir *p, const char *dir,
		       size_t len)
{
	struct strbuf sub = STRBUF_INIT;
	size_t at = 0;
	int rc = 0, ignored;

	note_if_empty(c, p);
	if (p->fd >= 0 && p->fd != c->workdir_fd)
		close(p->fd);
	strbuf_reset(&p->path);
	strbuf_add(&p->path, dir, len);
	p->fd = c->workdir_fd;
	while (at < len && rc == 0) {
		const char *slash = memchr(dir + at, '/', len - at);
		int next;

		strbuf_reset(&sub);
		strbuf_add(&sub, dir + at, (size_t)(slash - (dir + at)));
		next = open_dir_at(p->fd, sub.buf);
		if (p->fd != c->workdir_fd)
			close(p->fd);
		p->fd = next;
		at = (size_t)(slash - dir) + 1;
		strbuf_reset(&sub);
		strbuf_add(&sub, dir, at);
		if (next < 0) {
			if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
				rc = graft_error("cannot read the directory '%s': %s",
						 sub.buf, strerror(errno));
			break;
		}
		sub.buf[at - 1] = '\0';
		ignored = is_entry(c, sub.buf, 1);
		sub.buf[at - 1] = '/';
		if (!ignored && (rc = is_ignored(c, sub.buf, &ignored)) < 0)
			break;
		if (ignored || holds_repository(c, p->fd, sub.buf)) {
			close(p->fd);
			p->fd = -1;
			break;
		}
	}
	strbuf_release(&sub);
	return rc;
}

static unsigned char type_of(unsigned mode)
{
	return S_ISDIR(mode) ? DT_DIR : S_ISREG(mode) ? DT_REG :
	       S_ISLNK(mode) ? DT_LNK : DT_UNKNOWN;
}

/* What the walk would have found at path, in the open directory p. */
static int look_at(struct scan_ctx *c, struct parent_dir *p, const char *path,
		   struct strbuf *walked)
{
	struct dir_frame parent = { NULL, p->path.len, 0 };
	const char *name = path + p->path.len;
	struct strbuf sb = STRBUF_INIT;
	size_t below, end;
	struct stat st;
	int rc = 0, fd;

	if (fstatat(p->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return graft_error("cannot read '%s': %s", path, strerror(errno));
		p->lost_one = 1;
		return 0;
	}
	strbuf_addstr(&sb, path);
	if (!S_ISDIR(st.st_mode)) {
		if (!is_entry(c, path, 0))
			rc = untracked_file(c, &sb, &parent, p->fd, name,
					    (unsigned long)st.st_ino,
					    type_of(st.st_mode));
		goto done;
	}
	if (is_entry(c, path, 1))
		goto done;
	strbuf_addch(&sb, '/');
	strbuf_reset(walked);
	strbuf_add(walked, sb.buf, sb.len);
	below = lower_bound(c, 0, c->nr, sb.buf);
	sb.buf[sb.len - 1] = '0';	/* the first name after "dir/" */
	end = lower_bound(c, below, c->nr, sb.buf);
	sb.buf[sb.len - 1] = '/';
	if (below == end) {
		rc = untracked_dir(c, &sb, &parent, p->fd, name,
				   (unsigned long)st.st_ino);
	} else if ((fd = open_dir_at(p->fd, name)) >= 0) {
		struct dir_frame tracked = { &parent, sb.len, -1 };

		rc = walk_dir(c, &sb, &tracked, below, end, fd);
	} else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
		rc = graft_error("cannot read the directory '%s': %s", path,
				 strerror(errno));
	}
done:
	strbuf_release(&sb);
	return rc;
}

/*
 * The untracked part of scan_worktree_paths: each path to look at, as
 * the full walk would have found it, and everything below one that is a
 * directory.
 */
static int scan_paths_untracked(struct scan_ctx *c)
{
	struct parent_dir p = { STRBUF_INIT, -1, 0 };
	struct strbuf walked = STRBUF_INIT;
	size_t i;
	int rc = 0, opened = 0;

	for (i = 0; i < c->only->nr && rc == 0; i++) {
		const char *path = c->only->items[i], *slash = strrchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) + 1 : 0;

		/* below a directory looked at whole already */
		if (walked.len && !strncmp(path, walked.buf, walked.len))
			continue;
		/* paths come sorted: those of one directory in a run */
		if (!opened || p.path.len != len || strncmp(p.path.buf, path, len)) {
			if ((rc = open_parent(c, &p, path, len)) < 0)
				break;
			opened = 1;
		}
		if (p.fd >= 0)
			rc = look_at(c, &p, path, &walked);
	}
	if (rc == 0)
		note_if_empty(c, &p);
	if (p.fd >= 0 && p.fd != c->workdir_fd)
		close(p.fd);
	strbuf_release(&p.path);
	strbuf_release(&walked);
	return rc;
}

/* ---- putting it together ---------------------------------------------- */

/* By path; a path both removed from the index and untracked: that order. */
static int by_path(const void *a, const void *b)
{
	const struct scan_entry *x = a, *y = b;
	int cmp = strcmp(x->path, y->path);

	return cmp ? cmp : scan_entry_untracked(x) - scan_entry_untracked(y);
}

/*
 * Whether files must be hashed through the checkout filters: after the
 * walk, which saw any untracked .gitattributes (a scan of some paths only
 * cannot tell, and takes the filters as possible).
 */
static int decide_filters(struct scan_ctx *c)
{
	c->out->attributes_seen = c->saw_attributes;
	return filters_possible(&c->filters, c->r, c->index,
				c->saw_attributes ||
				(c->only && !(c->flags & SCAN_NO_OTHER_ATTRIBUTES)));
}

/* The work tree against the index, and the untracked files meanwhile. */
static int scan_files(struct scan_ctx *c, const struct staged_list *staged)
{
	struct stat_pass pass;
	int rc;

	stat_start(&pass, c);
	rc = c->only ? scan_paths_untracked(c) : scan_untracked(c);
	stat_finish(&pass);
	if (rc == 0)
		rc = decide_filters(c);
	if (rc == 0)
		rc = scan_tracked(c, pass.results, staged);
	free(pass.results);
	return rc;
}

static int item_by_path(const void *a, const void *b)
{
	const struct scan_item *x = a, *y = b;
	int cmp = strcmp(x->path, y->path);

	return cmp ? cmp : (int)x->kind - (int)y->kind;
}

static int scan_run(struct scan *out, const struct graft_repo *r,
		    unsigned flags, struct watch *watch,
		    const struct path_list *only)
{
	struct staged_list staged = { NULL, 0, 0 };
	struct scan_ctx c;
	int rc;

	*out = (struct scan)SCAN_INIT;
	if (!r->workdir)
		return graft_error("there is no work tree to scan");
	if ((rc = scan_ctx_init(&c, out, r, flags)) < 0)
		goto fail;
	c.watch = watch;
	if ((c.only = only))
		mark_relevant(&c);
	if ((rc = staged_changes(&c, &staged)) < 0 ||
	    (rc = scan_files(&c, &staged)) < 0)
		goto fail;
	if (out->nr > 1)
		qsort(out->entries, out->nr, sizeof(*out->entries), by_path);
	if (out->items_nr > 1)
		qsort(out->items, out->items_nr, sizeof(*out->items), item_by_path);
	goto done;
fail:
	graft_error_prefix("cannot read the state of the work tree");
done:
	staged_release(&staged);
	scan_ctx_release(&c);
	if (rc < 0)
		scan_release(out);
	return rc;
}

int scan_worktree(struct scan *out, const struct graft_repo *r, unsigned flags)
{
	return scan_run(out, r, flags, NULL, NULL);
}

int scan_worktree_watched(struct scan *out, const struct graft_repo *r,
			  unsigned flags, struct watch *watch)
{
	return scan_run(out, r, flags, watch, NULL);
}

int scan_worktree_paths(struct scan *out, const struct graft_repo *r,
			unsigned flags, const struct path_list *paths)
{
	return scan_run(out, r, flags, NULL, paths);
}

void scan_release(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		free(s->entries[i].path);
	for (i = 0; i < s->items_nr; i++)
		free(s->items[i].path);
	free(s->entries);
	free(s->items);
	*s = (struct scan)SCAN_INIT;
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

static int index_tree(git_oid *out, const struct graft_repo *r,
		      int drop_conflicts)
{
	git_index *index = NULL;
	int rc;

	if ((rc = load_index(&index, r)) < 0)
		return rc;
	rc = write_index_tree(out, r->repo, index, drop_conflicts);
	git_index_free(index);
	return rc;
}

int scan_index_tree(git_oid *out, const struct graft_repo *r)
{
	return index_tree(out, r, 0);
}

int scan_index_tree_resolved(git_oid *out, const struct graft_repo *r)
{
	return index_tree(out, r, 1);
}
