#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "fileio.h"
#include "formats/names.h"
#include "report.h"
#include "snapshot/snapshot.h"
#include "snapshot/upgrade_state.h"
#include "strbuf.h"

/* The first record: what the file is and the format of the rest. */
#define STATE_MAGIC "graft-stopped"
#define STATE_FORMAT "1"

const char *upgrade_step_name(enum upgrade_step step)
{
	return step == UPGRADE_STEP_VERIFY ? "verification" : "migration";
}

void upgrade_state_release(struct upgrade_state *st)
{
	size_t i;

	free(st->dep);
	free(st->from_ref);
	free(st->to_ref);
	free(st->change_ref);
	free(st->command);
	free(st->failure);
	free(st->gpg_key);
	for (i = 0; i < st->skipped_nr; i++)
		free(st->skipped[i].change);
	free(st->skipped);
	prior_files_release(&st->prior);
	*st = (struct upgrade_state)UPGRADE_STATE_INIT;
}

/* ---- writing ---------------------------------------------------------- */

static void add(struct strbuf *sb, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct strbuf *sb, const char *key, const char *fmt, ...)
{
	va_list ap;

	strbuf_addstr(sb, key);
	strbuf_addch(sb, ' ');
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	strbuf_addch(sb, '\0');
}

static void add_oid(struct strbuf *sb, const char *key, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	add(sb, key, "%s", git_oid_tostr(hex, sizeof(hex), id));
}

static void encode(struct strbuf *sb, const struct upgrade_state *st)
{
	size_t i;

	add(sb, STATE_MAGIC, "%s", STATE_FORMAT);
	add(sb, "dependency", "%s", st->dep);
	add_oid(sb, "snapshot", &st->snapshot);
	add(sb, "from-ref", "%s", st->from_ref);
	add_oid(sb, "from", &st->from);
	add(sb, "to-ref", "%s", st->to_ref);
	add_oid(sb, "to", &st->to);
	add(sb, "downgrade", "%d", st->downgrade);
	add(sb, "change", "%zu", st->change);
	add(sb, "changes", "%zu", st->changes);
	add(sb, "change-ref", "%s", st->change_ref);
	add(sb, "step", "%s", upgrade_step_name(st->step));
	add(sb, "command", "%s", st->command);
	add(sb, "failure", "%s", st->failure);
	add(sb, "skip-migration", "%d", st->skip_migration);
	add(sb, "skip-verify", "%d", st->skip_verify);
	add(sb, "stepwise", "%d", st->stepwise);
	add(sb, "commit-per-change", "%d", st->commit_per_change);
	if (st->has_timeout)
		add(sb, "timeout", "%u", st->timeout);
	add(sb, "no-verify", "%d", st->no_verify);
	add(sb, "gpg-sign", "%d", st->gpg_sign);
	if (st->gpg_key)
		add(sb, "gpg-key", "%s", st->gpg_key);
	if (st->stashed)
		add_oid(sb, "stash", &st->stash);
	for (i = 0; i < st->skipped_nr; i++)
		add(sb, "skipped", "%s %s",
		    graft_skipped_name(st->skipped[i].command),
		    st->skipped[i].change);
	add_oid(sb, "head", &st->head);
	add(sb, "committed", "%zu", st->committed);
	add_oid(sb, "dep-at", &st->dep_at);
	add(sb, "prior-started", "%lld %ld", (long long)st->prior.started.tv_sec,
	    (long)st->prior.started.tv_nsec);
	for (i = 0; i < st->prior.paths.nr; i++)
		add(sb, "prior-path", "%s", st->prior.paths.items[i]);
	for (i = 0; i < st->prior.nr; i++)
		add(sb, "prior-inode", "%lu", st->prior.inodes[i]);
	add(sb, "pid", "%ld", st->pid);
}

int upgrade_state_write(const struct graft_repo *r,
			const struct upgrade_state *st)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = repo_git_path(r, UPGRADE_STATE_FILE);
	char *dir = repo_git_path(r, "graft");
	int rc;

	encode(&sb, st);
	if ((rc = mkdir_durable(dir)) == 0)
		rc = file_write_atomic(path, sb.buf, sb.len);
	if (rc < 0)
		graft_error_prefix("cannot record the stopped upgrade in '%s'", path);
	strbuf_release(&sb);
	free(dir);
	free(path);
	return rc;
}

int upgrade_state_remove(const struct graft_repo *r)
{
	char *path = repo_git_path(r, UPGRADE_STATE_FILE);
	int rc = 0;

	if (unlink(path) < 0) {
		if (errno != ENOENT)
			rc = graft_error("cannot remove '%s': %s", path,
					 strerror(errno));
	} else {
		rc = fsync_parent_dir(path);
	}
	free(path);
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

struct decoder {
	const char *file;
	struct upgrade_state *st;
	unsigned seen;		/* SEEN_* of the records read */
};

enum {
	SEEN_MAGIC = 1u << 0,
	SEEN_DEP = 1u << 1,
	SEEN_SNAPSHOT = 1u << 2,
	SEEN_FROM = 1u << 3,
	SEEN_TO = 1u << 4,
	SEEN_CHANGE = 1u << 5,
	SEEN_STEP = 1u << 6,
	SEEN_HEAD = 1u << 7,
	SEEN_DEP_AT = 1u << 8,
	SEEN_STARTED = 1u << 9,
	SEEN_REQUIRED = (1u << 10) - 1,
};

static int parse_oid(git_oid *out, const char *value)
{
	return is_full_hex_oid(value) ? git_oid_fromstr(out, value) : -1;
}

static int parse_size(size_t *out, const char *value)
{
	char *end;
	unsigned long long n;

	if (*value < '0' || *value > '9')
		return -1;
	errno = 0;
	n = strtoull(value, &end, 10);
	if (*end || errno || n > (size_t)-1)
		return -1;
	*out = (size_t)n;
	return 0;
}

static int parse_flag(int *out, const char *value)
{
	if (strcmp(value, "0") && strcmp(value, "1"))
		return -1;
	*out = *value == '1';
	return 0;
}

static int set_string(char **slot, const char *value)
{
	if (*slot)
		return -1;
	*slot = xstrdup(value);
	return 0;
}

static int parse_skipped(struct upgrade_state *st, const char *value)
{
	const char *space = strchr(value, ' ');
	struct graft_skipped *sk;
	int verify;

	if (!space)
		return -1;
	if ((size_t)(space - value) == strlen("verify") &&
	    !strncmp(value, "verify", 6))
		verify = 1;
	else if ((size_t)(space - value) == strlen("migration") &&
		 !strncmp(value, "migration", 9))
		verify = 0;
	else
		return -1;
	ALLOC_GROW(st->skipped, st->skipped_nr + 1, st->skipped_alloc);
	sk = &st->skipped[st->skipped_nr++];
	sk->command = verify ? GRAFT_SKIPPED_VERIFY : GRAFT_SKIPPED_MIGRATION;
	sk->change = xstrdup(space + 1);
	return 0;
}

static int parse_started(struct upgrade_state *st, const char *value)
{
	long long sec;
	long nsec;
	char end;

	if (sscanf(value, "%lld %ld%c", &sec, &nsec, &end) != 2 ||
	    nsec < 0 || nsec > 999999999)
		return -1;
	st->prior.started.tv_sec = (time_t)sec;
	st->prior.started.tv_nsec = nsec;
	return 0;
}

static int parse_inode(struct prior_files *p, const char *value)
{
	size_t n;

	if (parse_size(&n, value) < 0)
		return -1;
	ALLOC_GROW(p->inodes, p->nr + 1, p->alloc);
	p->inodes[p->nr++] = (unsigned long)n;
	return 0;
}

static int parse_pid(long *out, const char *value)
{
	size_t n;

	if (parse_size(&n, value) < 0 || n > 0x7fffffff)
		return -1;
	*out = (long)n;
	return 0;
}

static int parse_step(enum upgrade_step *out, const char *value)
{
	if (!strcmp(value, "migration"))
		*out = UPGRADE_STEP_MIGRATION;
	else if (!strcmp(value, "verification"))
		*out = UPGRADE_STEP_VERIFY;
	else
		return -1;
	return 0;
}

/* A record that must be there, once: rc is how reading it went. */
static int once(struct decoder *d, unsigned bit, int rc)
{
	if ((d->seen & bit) || rc < 0)
		return -1;
	d->seen |= bit;
	return 0;
}

/* One "key value" record; -1 when it is not one this version writes. */
static int decode_record(struct decoder *d, const char *key, const char *value)
{
	struct upgrade_state *st = d->st;
	size_t timeout;

	if (!strcmp(key, STATE_MAGIC))
		return once(d, SEEN_MAGIC, strcmp(value, STATE_FORMAT) ? -1 : 0);
	if (!(d->seen & SEEN_MAGIC))
		return -1;
	if (!strcmp(key, "dependency"))
		return once(d, SEEN_DEP, name_check(value, "dependency") < 0 ?
			    -1 : set_string(&st->dep, value));
	if (!strcmp(key, "snapshot"))
		return once(d, SEEN_SNAPSHOT, parse_oid(&st->snapshot, value));
	if (!strcmp(key, "from-ref"))
		return set_string(&st->from_ref, value);
	if (!strcmp(key, "from"))
		return once(d, SEEN_FROM, parse_oid(&st->from, value));
	if (!strcmp(key, "to-ref"))
		return set_string(&st->to_ref, value);
	if (!strcmp(key, "to"))
		return once(d, SEEN_TO, parse_oid(&st->to, value));
	if (!strcmp(key, "downgrade"))
		return parse_flag(&st->downgrade, value);
	if (!strcmp(key, "change"))
		return once(d, SEEN_CHANGE, parse_size(&st->change, value));
	if (!strcmp(key, "changes"))
		return parse_size(&st->changes, value);
	if (!strcmp(key, "change-ref"))
		return set_string(&st->change_ref, value);
	if (!strcmp(key, "step"))
		return once(d, SEEN_STEP, parse_step(&st->step, value));
	if (!strcmp(key, "command"))
		return set_string(&st->command, value);
	if (!strcmp(key, "failure"))
		return set_string(&st->failure, value);
	if (!strcmp(key, "skip-migration"))
		return parse_flag(&st->skip_migration, value);
	if (!strcmp(key, "skip-verify"))
		return parse_flag(&st->skip_verify, value);
	if (!strcmp(key, "stepwise"))
		return parse_flag(&st->stepwise, value);
	if (!strcmp(key, "commit-per-change"))
		return parse_flag(&st->commit_per_change, value);
	if (!strcmp(key, "timeout")) {
		if (parse_size(&timeout, value) < 0 || timeout > 0xffffffffu)
			return -1;
		st->has_timeout = 1;
		st->timeout = (unsigned)timeout;
		return 0;
	}
	if (!strcmp(key, "no-verify"))
		return parse_flag(&st->no_verify, value);
	if (!strcmp(key, "gpg-sign")) {
		if (strcmp(value, "-1"))
			return parse_flag(&st->gpg_sign, value);
		st->gpg_sign = -1;
		return 0;
	}
	if (!strcmp(key, "gpg-key"))
		return set_string(&st->gpg_key, value);
	if (!strcmp(key, "stash")) {
		st->stashed = 1;
		return parse_oid(&st->stash, value);
	}
	if (!strcmp(key, "skipped"))
		return parse_skipped(st, value);
	if (!strcmp(key, "head"))
		return once(d, SEEN_HEAD, parse_oid(&st->head, value));
	if (!strcmp(key, "committed"))
		return parse_size(&st->committed, value);
	if (!strcmp(key, "dep-at"))
		return once(d, SEEN_DEP_AT, parse_oid(&st->dep_at, value));
	if (!strcmp(key, "prior-started"))
		return once(d, SEEN_STARTED, parse_started(st, value));
	if (!strcmp(key, "prior-path")) {
		path_list_add(&st->prior.paths, value);
		return 0;
	}
	if (!strcmp(key, "prior-inode"))
		return parse_inode(&st->prior, value);
	if (!strcmp(key, "pid"))
		return parse_pid(&st->pid, value);
	return -1;
}

static int unreadable(const char *file, const char *why)
{
	int rc = graft_error_code(GRAFT_EFATAL, "'%s' is not the record of a stopped upgrade this version can read: %s",
				  file, why);

	graft_error_hint("'git graft rollback' puts back the state from before the upgrade and removes it; with no upgrade pending, remove it by hand");
	return rc;
}

static int decode(struct upgrade_state *st, const char *file,
		  const char *buf, size_t len)
{
	struct decoder d = { file, st, 0 };
	const char *p = buf, *end = buf + len;

	if (!len || buf[len - 1] != '\0')
		return unreadable(file, "it is cut short");
	while (p < end) {
		size_t n = strlen(p);
		const char *space = memchr(p, ' ', n);
		char *key;
		int rc;

		if (!space)
			return unreadable(file, "a record has no value");
		key = xstrndup(p, (size_t)(space - p));
		rc = decode_record(&d, key, space + 1);
		if (rc < 0) {
			struct strbuf why = STRBUF_INIT;

			graft_error_clear();
			strbuf_addf(&why, "bad record '%s'", key);
			rc = unreadable(file, why.buf);
			strbuf_release(&why);
			free(key);
			return rc;
		}
		free(key);
		p += n + 1;
	}
	if ((d.seen & SEEN_REQUIRED) != SEEN_REQUIRED || !st->from_ref ||
	    !st->to_ref || !st->change_ref || !st->command || !st->failure ||
	    st->change >= st->changes)
		return unreadable(file, "records are missing");
	path_list_sort(&st->prior.paths);
	return 0;
}

/* The stop state in the git directory gitdir ("/.../.git/", with a '/'). */
static int read_at(struct upgrade_state *out, const char *gitdir)
{
	struct strbuf path = STRBUF_INIT, buf = STRBUF_INIT;
	int missing, rc;

	*out = (struct upgrade_state)UPGRADE_STATE_INIT;
	strbuf_addf(&path, "%s%s", gitdir, UPGRADE_STATE_FILE);
	if ((rc = file_read(path.buf, &buf, &missing)) == 0)
		rc = missing ? 1 : decode(out, path.buf, buf.buf, buf.len);
	if (rc < 0)
		upgrade_state_release(out);
	strbuf_release(&path);
	strbuf_release(&buf);
	return rc;
}

int upgrade_state_read(struct upgrade_state *out, const struct graft_repo *r)
{
	return read_at(out, r->gitdir);
}

/* Whether the state in gitdir is dep's, for snapshot; out holds it then. */
static int matches_at(struct upgrade_state *out, const char *gitdir,
		      const char *dep, const git_oid *snapshot)
{
	int rc = read_at(out, gitdir);

	if (rc < 0) {
		graft_warning("%s", graft_error_message());
		graft_error_clear();
		return 0;
	}
	if (rc == 1)
		return 0;
	if (!strcmp(out->dep, dep) && git_oid_equal(&out->snapshot, snapshot))
		return 1;
	upgrade_state_release(out);
	return 0;
}

int upgrade_state_find(struct upgrade_state *out, int *here,
		       const struct graft_repo *r, const char *dep,
		       const git_oid *snapshot)
{
	struct strbuf dir = STRBUF_INIT;
	struct dirent *e;
	DIR *d;
	int found;

	*here = 1;
	if (matches_at(out, r->gitdir, dep, snapshot))
		return 0;
	*here = 0;
	/* the main worktree's git directory, then each linked one's */
	found = strcmp(r->commondir, r->gitdir) &&
		matches_at(out, r->commondir, dep, snapshot);
	strbuf_addf(&dir, "%sworktrees", r->commondir);
	d = found ? NULL : opendir(dir.buf);
	while (!found && d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		strbuf_reset(&dir);
		strbuf_addf(&dir, "%sworktrees/%s/", r->commondir, e->d_name);
		found = strcmp(dir.buf, r->gitdir) &&
			matches_at(out, dir.buf, dep, snapshot);
	}
	if (d)
		closedir(d);
	strbuf_release(&dir);
	return found ? 0 : 1;
}

int upgrade_state_clear_stale(const struct graft_repo *r)
{
	struct upgrade_state st = UPGRADE_STATE_INIT;
	char *ref = NULL;
	git_oid at;
	int rc, err;

	if ((rc = upgrade_state_read(&st, r)) != 0)
		return rc == 1 ? 0 : rc;
	ref = snapshot_ref_name(st.dep);
	err = git_reference_name_to_id(&at, r->repo, ref);
	git_error_clear();
	if (err < 0 || !git_oid_equal(&at, &st.snapshot)) {
		if ((rc = upgrade_state_remove(r)) == 0)
			graft_warning("forgot the stopped upgrade of %s: its snapshot %s is gone",
				      st.dep, ref);
	}
	free(ref);
	upgrade_state_release(&st);
	return rc;
}
