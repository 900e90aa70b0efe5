#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "error.h"
#include "ident.h"
#include "lib/fixtures_core.h"
#include "lib/harness.h"
#include "repo.h"
#include "snapshot/snapshot.h"
#include "snapshot/snapshot_restore.h"
#include "strbuf.h"
#include "worktree.h"

/*
 * The filter path: what a restore, an autostash or a rollback writes is
 * what `git checkout` writes (core.autocrlf, text and eol attributes,
 * ident; binary files left alone), and a snapshot keeps the bytes of a
 * file those filters would not give back as they were.
 */

/* Files whose checkout differs from their blob in every way git has. */
#define FILTERED_FILES \
	"printf '*.crlf text eol=crlf\\n*.lf text eol=lf\\n*.id ident\\n' > .gitattributes && " \
	"printf 'one\\ntwo\\n' > a.txt && printf 'x\\ny\\n' > b.crlf && " \
	"printf '$Id$\\nline\\n' > c.id && printf 'bin\\000ary\\nx\\n' > d.dat && " \
	"printf 'l\\nf\\n' > e.lf && printf 'cr\\r\\nlf\\n' > f.txt && ln -s target link && "

static const char *const filtered_paths[] = {
	".gitattributes", "a.txt", "b.crlf", "c.id", "d.dat", "e.lf", "f.txt", "link", NULL,
};

static void lookup_head_entry(git_tree_entry **out, git_repository *repo,
			      const char *path)
{
	git_object *tree = NULL;

	cr_assert(git_revparse_single(&tree, repo, "HEAD^{tree}") == 0);
	cr_assert(git_tree_entry_bypath(out, (git_tree *)tree, path) == 0, "%s", path);
	git_object_free(tree);
}

Test(filters, checkout_content_is_what_git_checks_out, .init = harness_setup,
     .fini = harness_teardown)
{
	struct graft_repo r = GRAFT_REPO_INIT;
	char *dir = make_repo("repo");
	const char *const *p;

	sh_do(dir, FILTERED_FILES "git add -A && git commit -qm files && "
	      "git config core.autocrlf true && rm -f $(git ls-files) && git checkout -- .");
	fixture_libgit2_init();
	open_fixture_repo(&r, dir);
	for (p = filtered_paths; *p; p++) {
		git_buf got = GIT_BUF_INIT, raw = GIT_BUF_INIT;
		git_tree_entry *e = NULL;
		struct strbuf disk = STRBUF_INIT;
		git_blob *blob = NULL;
		git_filemode_t mode;

		lookup_head_entry(&e, r.repo, *p);
		mode = git_tree_entry_filemode(e);
		cr_assert_eq(worktree_checkout_content(&got, r.repo, *p, git_tree_entry_id(e),
						       mode, 0), 0, "%s", graft_error_message());
		if (mode == GIT_FILEMODE_LINK) {
			char target[64];
			ssize_t n = readlink(*p, target, sizeof(target));

			cr_assert(n > 0);
			strbuf_add(&disk, target, (size_t)n);
		} else {
			size_t len;
			char *data = read_file_len(*p, &len);

			strbuf_add(&disk, data, len);
			free(data);
		}
		cr_assert(got.size == disk.len && !memcmp(got.ptr, disk.buf, disk.len),
			  "%s: not what git checked out (%zu bytes, git's %zu)", *p,
			  got.size, disk.len);

		/* raw: the blob itself */
		cr_assert_eq(worktree_checkout_content(&raw, r.repo, *p, git_tree_entry_id(e),
						       mode, 1), 0);
		cr_assert(git_blob_lookup(&blob, r.repo, git_tree_entry_id(e)) == 0);
		cr_assert(raw.size == (size_t)git_blob_rawsize(blob) &&
			  !memcmp(raw.ptr, git_blob_rawcontent(blob), raw.size), "%s", *p);
		git_blob_free(blob);
		git_buf_dispose(&got);
		git_buf_dispose(&raw);
		git_tree_entry_free(e);
		strbuf_release(&disk);
	}
	/* the filters did something: not every file is its blob */
	{
		char *crlf = sh_ok(dir, "od -c a.txt | head -1");

		assert_contains(crlf, "\\r  \\n");
		free(crlf);
	}
	repo_close(&r);
	free(dir);
	git_libgit2_shutdown();
}

static void put_ok(struct worktree *wt, const char *path, const char *data,
		   git_filemode_t mode, int symlinks, mode_t perms)
{
	git_buf b = { .ptr = (char *)data, .size = strlen(data) };

	cr_assert_eq(worktree_put(wt, path, &b, mode, symlinks, perms), 0, "%s: %s",
		     path, graft_error_message());
}

static int holds(struct worktree *wt, const char *path, const char *data,
		 git_filemode_t mode, int symlinks, mode_t perms)
{
	git_buf b = { .ptr = (char *)data, .size = strlen(data) };
	int same = -1;

	cr_assert_eq(worktree_holds(&same, wt, path, &b, mode, symlinks, perms), 0,
		     "%s: %s", path, graft_error_message());
	cr_assert(same == 0 || same == 1);
	return same;
}

Test(filters, put_writes_what_holds_recognises, .init = harness_setup,
     .fini = harness_teardown)
{
	struct worktree wt = WORKTREE_INIT;
	git_buf nul = { .ptr = (char *)"a\0b", .size = 3 };
	struct stat st;
	char target[16];
	ssize_t n;

	cr_assert(mkdir("root", 0755) == 0);
	cr_assert_eq(worktree_open(&wt, "root"), 0);

	put_ok(&wt, "f", "data\r\n", GIT_FILEMODE_BLOB, 1, 0640);
	cr_assert(lstat("root/f", &st) == 0 && S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert(holds(&wt, "f", "data\r\n", GIT_FILEMODE_BLOB, 1, 0640));
	cr_assert_not(holds(&wt, "f", "data\n", GIT_FILEMODE_BLOB, 1, 0640), "other bytes");
	cr_assert_not(holds(&wt, "f", "dat\r\n", GIT_FILEMODE_BLOB, 1, 0640), "same size");
	cr_assert_not(holds(&wt, "f", "data\r\n", GIT_FILEMODE_BLOB, 1, 0644), "other bits");
	cr_assert_not(holds(&wt, "f", "data\r\n", GIT_FILEMODE_LINK, 1, 0640), "not a link");
	cr_assert_not(holds(&wt, "missing", "", GIT_FILEMODE_BLOB, 1, 0644));
	cr_assert_not(holds(&wt, "f/below", "", GIT_FILEMODE_BLOB, 1, 0644));
	cr_assert(holds(&wt, "f", "data\r\n", GIT_FILEMODE_BLOB_EXECUTABLE, 1, 0640),
		  "the bits given decide, not the mode");

	/* a symlink, or with core.symlinks off a file holding its target */
	put_ok(&wt, "l", "../somewhere", GIT_FILEMODE_LINK, 1, 0644);
	n = readlink("root/l", target, sizeof(target));
	cr_assert(n == 12 && !memcmp(target, "../somewhere", 12));
	cr_assert(holds(&wt, "l", "../somewhere", GIT_FILEMODE_LINK, 1, 0644));
	cr_assert_not(holds(&wt, "l", "../elsewhere", GIT_FILEMODE_LINK, 1, 0644));
	cr_assert_not(holds(&wt, "l", "../somewhere", GIT_FILEMODE_BLOB, 1, 0644));
	cr_assert_not(holds(&wt, "l", "../somewhere", GIT_FILEMODE_LINK, 0, 0644));
	put_ok(&wt, "l", "../somewhere", GIT_FILEMODE_LINK, 0, 0644);
	cr_assert(lstat("root/l", &st) == 0 && S_ISREG(st.st_mode));
	cr_assert(holds(&wt, "l", "../somewhere", GIT_FILEMODE_LINK, 0, 0644));

	/* a directory in the way goes; a target with a NUL byte is refused */
	cr_assert(mkdir("root/d", 0755) == 0 && mkdir("root/d/sub", 0755) == 0);
	cr_assert_not(holds(&wt, "d", "", GIT_FILEMODE_BLOB, 1, 0644));
	put_ok(&wt, "d", "t", GIT_FILEMODE_LINK, 1, 0644);
	cr_assert(lstat("root/d", &st) == 0 && S_ISLNK(st.st_mode));
	cr_assert_lt(worktree_put(&wt, "nul", &nul, GIT_FILEMODE_LINK, 1, 0644), 0);
	assert_contains(graft_error_message(), "NUL");
	cr_assert_not(file_exists("root/nul"));
	worktree_close(&wt);
}

/* ---- a snapshot keeps bytes no filter gives back ------------------------ */

static void take_snapshot(struct snapshot *snap, struct graft_repo *r)
{
	git_signature *sig = NULL;
	struct snapshot_spec spec;

	cr_assert_eq(ident_resolve(NULL, &sig, r->repo), 0, "%s", graft_error_message());
	memset(&spec, 0, sizeof(spec));
	spec.dep = "dep";
	spec.from_ref = "v1";
	spec.to_ref = "v2";
	spec.sig = sig;
	cr_assert_eq(snapshot_create(snap, r, &spec, NULL), 0, "snapshot: %s",
		     graft_error_message());
	git_signature_free(sig);
}

Test(filters, a_snapshot_keeps_the_bytes_no_filter_gives_back,
     .init = harness_setup, .fini = harness_teardown)
{
	struct snapshot snap = SNAPSHOT_INIT;
	struct graft_repo r = GRAFT_REPO_INIT;
	char *dir = make_repo("repo"), *before, *after, *raw;

	sh_do(dir, "printf '*.crlf text eol=crlf\\n*.id ident\\n' > .gitattributes && "
	      "printf 'old\\nlf\\n' > old.txt && printf 't1\\nt2\\n' > tracked.txt && "
	      "git add -A && git commit -qm base && git config core.autocrlf true && "
	      /* old.txt stays as it was checked out, before core.autocrlf */
	      "printf 'mixed\\r\\nlf\\n' > tracked.txt && printf 'a\\r\\nb\\n' > mixed.txt && "
	      "printf 'a\\r\\nb\\r\\n' > clean.txt && printf 'x\\ny\\n' > lf.crlf && "
	      "printf '$Id$\\n' > v.id && printf 'bin\\000\\r\\nx\\n' > data.bin");
	fixture_libgit2_init();
	open_fixture_repo(&r, dir);
	before = repo_state(dir);
	take_snapshot(&snap, &r);

	/* only what the filters would change is kept as it is */
	raw = sh_ok(dir, "git ls-tree -r --name-only %s | grep '^raw/' || true",
		    git_oid_tostr_s(&snap.meta_tree));
	cr_assert_str_eq(raw, "raw/lf.crlf\nraw/mixed.txt\nraw/tracked.txt\nraw/v.id");
	free(raw);

	/* a migration that rewrites them all, under other settings */
	sh_do(dir, "git config core.autocrlf input && for f in old.txt tracked.txt "
	      "mixed.txt clean.txt lf.crlf v.id data.bin; do echo changed > $f; done");
	repo_close(&r);
	open_fixture_repo(&r, dir);
	cr_assert_eq(snapshot_restore(&r, &snap, NULL, NULL), 0, "restore: %s",
		     graft_error_message());
	after = repo_state(dir);
	cr_assert_str_eq(after, before, "--- before\n%s\n--- after\n%s", before, after);

	free(before);
	free(after);
	snapshot_release(&snap);
	repo_close(&r);
	free(dir);
	git_libgit2_shutdown();
}
