#include <string.h>

#include <criterion/criterion.h>

#include "error.h"
#include "fileedit.h"
#include "lib/harness.h"

TestSuite(fileedit, .init = harness_setup, .fini = harness_teardown);

static char *workdir(void)
{
	return tmp_path("%s", "");
}

Test(fileedit, apply_writes_and_deletes_and_undo_restores)
{
	struct file_edits e = FILE_EDITS_INIT;
	char *wd = workdir(), *ini = tmp_path("graft.ini");
	char *lock = tmp_path("graft.lock"), *mods = tmp_path(".gitmodules");
	const struct strbuf *cur;
	int exists;
	char *got;

	write_file(ini, "old ini\n");
	write_file(mods, "old modules\n");
	cr_assert_eq(file_edits_content(&cur, &exists, &e, wd, "graft.ini"), 0);
	cr_assert(exists);
	cr_assert_str_eq(cur->buf, "old ini\n");
	cr_assert_eq(file_edits_write(&e, wd, "graft.ini", "new ini\n", 8), 0);
	cr_assert_eq(file_edits_content(&cur, &exists, &e, wd, "graft.ini"), 0);
	cr_assert_str_eq(cur->buf, "new ini\n", "the planned content is seen");
	cr_assert_eq(file_edits_write(&e, wd, "graft.lock", "lock\n", 5), 0);
	cr_assert_eq(file_edits_delete(&e, wd, ".gitmodules"), 0);

	cr_assert_eq(file_edits_apply(&e), 0);
	got = read_file(ini);
	cr_assert_str_eq(got, "new ini\n");
	free(got);
	got = read_file(lock);
	cr_assert_str_eq(got, "lock\n");
	free(got);
	cr_assert(!file_exists(mods));

	cr_assert_eq(file_edits_undo(&e), 0);
	got = read_file(ini);
	cr_assert_str_eq(got, "old ini\n");
	free(got);
	cr_assert(!file_exists(lock), "a file that was not there is deleted again");
	got = read_file(mods);
	cr_assert_str_eq(got, "old modules\n");
	free(got);
	file_edits_release(&e);
	free(wd);
	free(ini);
	free(lock);
	free(mods);
}

Test(fileedit, a_failed_write_undoes_the_earlier_ones)
{
	struct file_edits e = FILE_EDITS_INIT;
	char *wd = workdir(), *ini = tmp_path("graft.ini");
	char *got;

	write_file(ini, "old\n");
	cr_assert_eq(file_edits_write(&e, wd, "graft.ini", "new\n", 4), 0);
	/* its directory does not exist, so writing it fails */
	cr_assert_eq(file_edits_write(&e, wd, "gone/file", "x", 1), 0);
	cr_assert_eq(file_edits_apply(&e), GRAFT_EFAIL);
	cr_assert(strstr(graft_error_message(), "gone/file"), "%s",
		  graft_error_message());
	got = read_file(ini);
	cr_assert_str_eq(got, "old\n");
	free(got);
	graft_error_clear();
	file_edits_release(&e);
	free(wd);
	free(ini);
}
