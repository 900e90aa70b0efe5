#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "cmd/options.h"
#include "cmd/output.h"
#include "error.h"
#include "fileio.h"
#include "formats/config.h"
#include "repo.h"

static const char *const init_usage[] = {
	"git graft init [-q]",
	NULL,
};

/* Create path with content, failing if it exists (even if created now). */
static int create_new_file(const char *path, const char *display,
			   const char *content)
{
	size_t len = strlen(content);
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST) {
		rc = graft_error("%s already exists; not overwriting it", display);
		graft_error_hint("'git graft validate config' checks the one you have");
		return rc;
	}
	if (fd < 0)
		return graft_error("cannot create %s: %s", display, strerror(errno));
	if (write_in_full(fd, content, len) < 0 || fsync(fd) < 0) {
		rc = graft_error("cannot write %s: %s", display, strerror(errno));
		close(fd);
		unlink(path);
		return rc;
	}
	if (close(fd) < 0) {
		rc = graft_error("cannot write %s: %s", display, strerror(errno));
		unlink(path);
		return rc;
	}
	return fsync_parent_dir(path);
}

int cmd_init(int argc, char **argv)
{
	int quiet = 0;
	const struct option_spec options[] = {
		OPT_BOOL('q', "quiet", &quiet, "print nothing but errors"),
		OPT_END(),
	};
	struct graft_repo repo;
	char *path = NULL, *display = NULL;
	int rc;

	argc = parse_options(argc, argv, options, init_usage, 0);
	if (argc)
		usage_error(init_usage, options, "init takes no arguments");
	output_set_quiet(quiet);
	if ((rc = repo_open(&repo, REPO_NEED_WORKTREE)) < 0)
		return graft_error_report(rc);
	path = repo_path(&repo, CONFIG_FILE);
	display = repo_display_path(&repo, CONFIG_FILE);
	rc = create_new_file(path, display, config_template);
	if (!rc)
		out_info("Created %s; declare dependencies there or with 'git graft add'",
			 display);
	free(path);
	free(display);
	repo_close(&repo);
	return graft_error_report(rc);
}
