#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "report.h"
#include "snapshot/lockfiles.h"
#include "snapshot/oplock.h"
#include "strbuf.h"

/* How long a refused taker waits for the holder to write its pid. */
#define HOLDER_PID_WAIT_MS 100

static int was_taken;

static long read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return (end != buf && pid > 0) ? pid : 0;
}

/*
 * The pid of the git-graft holding the lock on fd. The holder writes it
 * just after it took the lock: a file found locked and still empty is
 * read again for a moment, so that a refusal names the holder.
 */
static long read_holder_pid(int fd)
{
	struct timespec ms = { 0, 1000 * 1000 };
	long pid = read_pid(fd);
	int tries;

	for (tries = 0; !pid && tries < HOLDER_PID_WAIT_MS; tries++) {
		nanosleep(&ms, NULL);
		pid = read_pid(fd);
	}
	return pid;
}

/*
 * True when fd is still the file at path: a releasing owner unlinks the
 * lock, and a waiter that opened the old file must not think it holds it.
 */
static int still_linked(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

static int write_pid(int fd, const char *path)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		return graft_error_code(GRAFT_EFATAL, "cannot write '%s': %s",
					path, strerror(errno));
	return 0;
}

/* One attempt: 0 held, 1 try again (the file was replaced), <0 failed. */
static int try_lock(struct oplock *lock)
{
	long old_pid;
	int fd, rc;

	fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return graft_error_code(GRAFT_EFATAL, "cannot open '%s': %s",
					lock->path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;

		old_pid = err == EWOULDBLOCK ? read_holder_pid(fd) : 0;
		close(fd);
		if (err != EWOULDBLOCK)
			return graft_error_code(GRAFT_EFATAL, "cannot lock '%s': %s",
						lock->path, strerror(err));
		if (old_pid)
			rc = graft_error_code(GRAFT_EFATAL,
					      "another git-graft operation is running in this repository (pid %ld)",
					      old_pid);
		else
			rc = graft_error_code(GRAFT_EFATAL,
					      "another git-graft operation is running in this repository");
		graft_error_hint("wait for it to finish; its lock is %s", lock->path);
		return rc;
	}
	if (!still_linked(fd, lock->path)) {
		close(fd);
		return 1;
	}
	old_pid = read_pid(fd);
	if (old_pid && old_pid != (long)getpid())
		graft_warning("took over the operation lock left by git-graft pid %ld, which is no longer running",
			      old_pid);
	if ((rc = write_pid(fd, lock->path)) < 0) {
		close(fd);
		return rc;
	}
	lock->fd = fd;
	return 0;
}

int oplock_acquire(struct oplock *lock, const struct graft_repo *r)
{
	struct strbuf dir = STRBUF_INIT;
	int rc = 1, attempt;

	strbuf_addf(&dir, "%sgraft", r->gitdir);
	if (mkdir(dir.buf, 0777) < 0 && errno != EEXIST) {
		rc = graft_error_code(GRAFT_EFATAL, "cannot create '%s': %s",
				      dir.buf, strerror(errno));
		strbuf_release(&dir);
		return rc;
	}
	strbuf_addstr(&dir, "/op.lock");
	lock->path = strbuf_detach(&dir);
	for (attempt = 0; attempt < 100 && rc == 1; attempt++)
		rc = try_lock(lock);
	if (rc == 1)
		rc = graft_error_code(GRAFT_EFATAL, "cannot take the lock '%s'",
				      lock->path);
	if (rc < 0) {
		free(lock->path);
		lock->path = NULL;
		return rc;
	}
	signal(SIGPIPE, SIG_IGN);
	was_taken = 1;
	return 0;
}

int oplock_was_taken(void)
{
	return was_taken;
}

void oplock_release(struct oplock *lock, const struct graft_repo *r)
{
	if (lock->fd >= 0) {
		/*
		 * libgit2 ignores a failure to remove a lock file it gave up:
		 * left, it would stop every later git. Still under the lock,
		 * nothing else of git-graft's can hold one.
		 */
		if (lockfiles_clear_stale(r) < 0) {
			graft_warning("%s", graft_error_message());
			graft_error_clear();
		}
		/* unlink first: whoever opens the path next gets a fresh file */
		unlink(lock->path);
		close(lock->fd);
		lock->fd = -1;
	}
	free(lock->path);
	lock->path = NULL;
}

/* Whether the lock at path names pid and is held (by pid, so). */
static int held_at(const char *path, long pid)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), held;

	if (fd < 0)
		return 0;
	/*
	 * A shared lock is refused while the owner holds its exclusive one.
	 * Got, it is dropped at once; only a git-graft taking the lock in
	 * that instant could mind, and only when the file names a live
	 * process that does not hold it (a pid reused after a crash).
	 */
	held = read_pid(fd) == pid && flock(fd, LOCK_SH | LOCK_NB) < 0 &&
	       errno == EWOULDBLOCK;
	close(fd);
	return held;
}

int oplock_held_by(const struct graft_repo *r, long pid)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *e;
	DIR *d;
	int held;

	if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
		return 0;
	/* the main worktree's lock, then each linked worktree's */
	strbuf_addf(&path, "%sgraft/op.lock", r->commondir);
	held = held_at(path.buf, pid);
	strbuf_reset(&path);
	strbuf_addf(&path, "%sworktrees", r->commondir);
	d = opendir(path.buf);
	while (!held && d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%sworktrees/%s/graft/op.lock",
			    r->commondir, e->d_name);
		held = held_at(path.buf, pid);
	}
	if (d)
		closedir(d);
	strbuf_release(&path);
	return held;
}
