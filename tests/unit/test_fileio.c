#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "error.h"
#include "fileio.h"
#include "lib/harness.h"
#include "strbuf.h"

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

Test(fileio, atomic_write_replaces_and_keeps_mode,
     .init = harness_setup, .fini = harness_teardown)
{
	char *path = tmp_path("work/graft.lock"), *dir = tmp_path("work"), *got;
	struct stat st;

	cr_assert(mkdir(dir, 0755) == 0);
	write_file(path, "old\n");
	cr_assert(chmod(path, 0640) == 0);
	cr_assert_eq(file_write_atomic(path, "new\n", 4), 0);
	got = read_file(path);
	cr_assert_str_eq(got, "new\n");
	cr_assert(stat(path, &st) == 0);
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(count_entries(dir), 1, "a temporary file was left behind");
	free(got);
	free(path);
	free(dir);
}

Test(fileio, failing_write_leaves_old_file_intact,
     .init = harness_setup, .fini = harness_teardown)
{
	char *path = tmp_path("work/graft.lock"), *dir = tmp_path("work"), *got;
	struct rlimit small = { 16, 16 };
	char big[4096];

	cr_assert(mkdir(dir, 0755) == 0);
	write_file(path, "old content\n");
	memset(big, 'x', sizeof(big));
	/* a write past the file size limit fails with EFBIG, as on a full disk */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert(setrlimit(RLIMIT_FSIZE, &small) == 0);
	cr_assert_eq(file_write_atomic(path, big, sizeof(big)), GRAFT_EFAIL);
	cr_assert(strstr(graft_error_message(), "graft.lock"),
		  "message does not name the file: %s", graft_error_message());
	graft_error_clear();
	got = read_file(path);
	cr_assert_str_eq(got, "old content\n");
	cr_assert_eq(count_entries(dir), 1, "a temporary file was left behind");
	free(got);
	free(path);
	free(dir);
}

Test(fileio, read_only_file_is_refused,
     .init = harness_setup, .fini = harness_teardown)
{
	char *path = tmp_path("graft.lock"), *got;

	write_file(path, "old\n");
	cr_assert(chmod(path, 0444) == 0);
	cr_assert_eq(file_write_atomic(path, "new\n", 4), GRAFT_EFAIL);
	cr_assert(strstr(graft_error_message(), "read-only"));
	graft_error_clear();
	got = read_file(path);
	cr_assert_str_eq(got, "old\n");
	free(got);
	free(path);
}

Test(fileio, read_reports_missing_files,
     .init = harness_setup, .fini = harness_teardown)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = tmp_path("nothing-here");
	int missing = 0;

	cr_assert_eq(file_read(path, &sb, &missing), 0);
	cr_assert_eq(missing, 1);
	cr_assert_eq(file_read(path, &sb, NULL), GRAFT_EFAIL);
	cr_assert(strstr(graft_error_message(), "nothing-here"));
	graft_error_clear();
	strbuf_release(&sb);
	free(path);
}
