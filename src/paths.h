#ifndef GRAFT_PATHS_H
#define GRAFT_PATHS_H

/*
 * Path arithmetic on strings, and what kind of location a dependency
 * source names. Nothing here touches the file system.
 */

/*
 * path with "." and ".." components resolved and repeated slashes
 * folded, lexically (as git does for submodule URLs, without following
 * symlinks). A ".." above the root of an absolute path stays at the root;
 * above the start of a relative one it is kept. Caller frees.
 */
char *path_normalize(const char *path);

/*
 * The relative path that leads from the directory from_dir to to, both
 * absolute ("../../.git/modules/x"). Caller frees.
 */
char *path_relative(const char *from_dir, const char *to);

enum source_kind {
	SOURCE_URL,		/* scheme://... */
	SOURCE_SCP,		/* [user@]host:path, git's scp-like syntax */
	SOURCE_ABSOLUTE,	/* /path */
	SOURCE_RELATIVE,	/* a path relative to the repository root */
};

/* Classify a source the way git tells URLs from paths. */
enum source_kind source_kind(const char *source);

/*
 * The URL to clone or fetch a source from: a relative path joined to
 * workdir (the top of the consumer's work tree) and normalised, anything
 * else unchanged. Caller frees.
 */
char *source_fetch_url(const char *workdir, const char *source);

/*
 * The URL to record in .gitmodules. git reads a URL as relative only when
 * it starts with "./" or "../" (and then resolves it against the
 * superproject's remote), so a relative path such as "deps/x" is written
 * "./deps/x"; anything else is kept as written. Caller frees.
 */
char *source_gitmodules_url(const char *source);

#endif
