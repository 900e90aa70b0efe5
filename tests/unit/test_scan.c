#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <git2.h>

#include "error.h"
#include "lib/fixtures_core.h"
#include "lib/harness.h"
#include "repo.h"
#include "snapshot/scan.h"
#include "strbuf.h"

/*
 * The scan must say exactly what git says. Both are turned into the same
 * lines, "XY mI mW path" for a tracked path and "? path" for an
 * untracked one (paths escaped), sorted, and compared as text.
 */

struct lines {
	char **items;
	size_t nr, alloc;
};

static void lines_add(struct lines *l, struct strbuf *line)
{
	if (l->nr == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		l->items = realloc(l->items, l->alloc * sizeof(*l->items));
		cr_assert(l->items);
	}
	l->items[l->nr++] = strbuf_detach(line);
}

static int by_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines sorted and joined; l is emptied. */
static char *lines_join(struct lines *l)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (l->nr)
		qsort(l->items, l->nr, sizeof(*l->items), by_line);
	for (i = 0; i < l->nr; i++) {
		strbuf_addf(&sb, "%s\n", l->items[i]);
		free(l->items[i]);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
	return strbuf_detach(&sb);
}

static void add_path(struct strbuf *sb, const char *path)
{
	for (; *path; path++) {
		unsigned char c = (unsigned char)*path;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addch(sb, (char)c);
	}
}

static void add_line(struct lines *l, char x, char y, unsigned index_mode,
		     unsigned worktree_mode, const char *path)
{
	struct strbuf line = STRBUF_INIT;

	if (x == '?')
		strbuf_addstr(&line, "? ");
	else
		strbuf_addf(&line, "%c%c %06o %06o ", x, y, index_mode,
			    worktree_mode);
	add_path(&line, path);
	lines_add(l, &line);
}

/* Skip n space-separated fields of a porcelain v2 record. */
static const char *skip_fields(const char *p, int n)
{
	while (n--) {
		p = strchr(p, ' ');
		cr_assert(p, "short porcelain record");
		p++;
	}
	return p;
}

/* The lines, and the counts struct scan keeps. */
struct status {
	char *lines;
	size_t staged, unstaged, untracked, conflicted, intent_to_add;
};

static void count(struct status *st, char x, char y)
{
	st->staged += x != '.';
	st->unstaged += y != '.';
	st->intent_to_add += y == 'A';
}

static void assert_same_counts(const struct status *a, const struct status *b)
{
	cr_assert_eq(a->staged, b->staged, "staged: %zu, %zu", a->staged, b->staged);
	cr_assert_eq(a->unstaged, b->unstaged, "unstaged: %zu, %zu", a->unstaged,
		     b->unstaged);
	cr_assert_eq(a->untracked, b->untracked);
	cr_assert_eq(a->conflicted, b->conflicted);
	cr_assert_eq(a->intent_to_add, b->intent_to_add);
}

/*
 * `git status --porcelain=v2 -z -uall --ignore-submodules=all
 * --no-renames` of dir. It takes no lock and writes nothing.
 */
static struct status git_status(const char *dir)
{
	struct strbuf cmd = STRBUF_INIT, out = STRBUF_INIT;
	struct lines l = { NULL, 0, 0 };
	struct status st = { .lines = NULL };
	char *q = shq(dir), chunk[8192];
	const char *p;
	size_t n;
	FILE *f;

	strbuf_addf(&cmd, "cd %s && git --no-optional-locks status --porcelain=v2 -z "
		    "--untracked-files=all --ignore-submodules=all --no-renames", q);
	f = popen(cmd.buf, "r");
	cr_assert(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&out, chunk, n);
	cr_assert_eq(pclose(f), 0, "git status failed in %s", dir);
	for (p = out.buf; p < out.buf + out.len; p += strlen(p) + 1) {
		if (p[0] == '?') {
			add_line(&l, '?', '?', 0, 0, p + 2);
			st.untracked++;
		} else if (p[0] == '1') {
			add_line(&l, p[2], p[3], strtoul(skip_fields(p, 4), NULL, 8),
				 strtoul(skip_fields(p, 5), NULL, 8), skip_fields(p, 8));
			count(&st, p[2], p[3]);
		} else if (p[0] == 'u') {
			add_line(&l, p[2], p[3], strtoul(skip_fields(p, 4), NULL, 8),
				 strtoul(skip_fields(p, 6), NULL, 8), skip_fields(p, 10));
			st.conflicted++;
		} else {
			cr_assert_fail("unexpected porcelain record: %s", p);
		}
	}
	free(q);
	strbuf_release(&cmd);
	strbuf_release(&out);
	st.lines = lines_join(&l);
	return st;
}

/* The scan of r with flags, checking its order on the way. */
static struct status scan_status_with(const struct graft_repo *r, unsigned flags)
{
	struct scan s = SCAN_INIT;
	struct lines l = { NULL, 0, 0 };
	struct status st;
	size_t i;

	cr_assert_eq(scan_worktree(&s, r, flags), 0, "scan: %s", graft_error_message());
	for (i = 0; i < s.nr; i++) {
		const struct scan_entry *e = &s.entries[i];

		if (i) {
			const struct scan_entry *prev = &s.entries[i - 1];
			int cmp = strcmp(prev->path, e->path);

			cr_assert(cmp < 0 || (cmp == 0 && !scan_entry_untracked(prev) &&
					      scan_entry_untracked(e)),
				  "out of order: '%s' before '%s'", prev->path, e->path);
		}
		add_line(&l, e->staged, e->unstaged, e->index_mode,
			 e->worktree_mode, e->path);
	}
	st = (struct status){
		.lines = lines_join(&l), .staged = s.staged,
		.unstaged = s.unstaged, .untracked = s.untracked,
		.conflicted = s.conflicted, .intent_to_add = s.intent_to_add,
	};
	scan_release(&s);
	return st;
}

/*
 * The scan of r: what git status sees, whether the details a snapshot
 * needs are collected or not.
 */
static struct status scan_status(const struct graft_repo *r)
{
	struct status plain = scan_status_with(r, 0);
	struct status detailed = scan_status_with(r, SCAN_DETAILS);

	cr_assert_str_eq(detailed.lines, plain.lines,
			 "SCAN_DETAILS changed what the scan reports");
	free(detailed.lines);
	return plain;
}

static void assert_same_as_git(const struct graft_repo *r, const char *dir)
{
	struct status expected = git_status(dir), actual = scan_status(r);

	cr_assert_str_eq(actual.lines, expected.lines,
			 "the scan differs from git\n--- git\n%s--- scan\n%s",
			 expected.lines, actual.lines);
	assert_same_counts(&actual, &expected);
	free(expected.lines);
	free(actual.lines);
}

struct fixture {
	char *dir;
	struct graft_repo r;
};

static void fixture_open(struct fixture *f, char *dir)
{
	fixture_libgit2_init();
	f->dir = dir;
	open_fixture_repo(&f->r, dir);
}

static void fixture_close(struct fixture *f)
{
	repo_close(&f->r);
	free(f->dir);
	git_libgit2_shutdown();
}

Test(scan, matches_git_on_a_messy_repository, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;

	fixture_open(&f, make_messy_repo("repo"));
	assert_same_as_git(&f.r, f.dir);
	/* new stat data, same content: settled by hashing */
	sh_do(f.dir, "sleep 1 && find . -path ./.git -prune -o -type f -exec touch {} +");
	assert_same_as_git(&f.r, f.dir);
	mutate_like_migration(f.dir);
	assert_same_as_git(&f.r, f.dir);
	fixture_close(&f);
}

/* Neither the scan nor the index's tree writes the index file. */
Test(scan, never_writes_the_index, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;
	char *before, *after, *listing, hex[GIT_OID_HEXSZ + 1];
	struct scan s = SCAN_INIT;
	git_oid tree;
	size_t len_before, len_after;

	fixture_open(&f, make_messy_repo("repo"));
	sh_do(f.dir, "echo more > docs/more.md && git add docs/more.md");
	before = read_file_len(".git/index", &len_before);
	cr_assert_eq(scan_worktree(&s, &f.r, SCAN_DETAILS), 0, "%s", graft_error_message());
	scan_release(&s);
	cr_assert_eq(scan_index_tree(&tree, &f.r), 0, "%s", graft_error_message());
	after = read_file_len(".git/index", &len_after);
	cr_assert(len_before == len_after && !memcmp(before, after, len_before),
		  "the index file was written");
	/* the trees the cache tree did not have are in the object database */
	listing = sh_ok(f.dir, "git ls-tree -r --name-only %s | grep more.md",
			git_oid_tostr(hex, sizeof(hex), &tree));
	cr_assert_str_eq(listing, "docs/more.md");
	free(listing);
	free(before);
	free(after);
	fixture_close(&f);
}

/* The index's tree is `git write-tree`'s, without intent-to-add entries. */
Test(scan, index_tree_is_what_git_write_tree_writes, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;
	char hex[GIT_OID_HEXSZ + 1], *expected;
	git_oid tree;

	fixture_open(&f, make_messy_repo("repo"));
	expected = sh_ok(f.dir, "cp .git/index copy && GIT_INDEX_FILE=copy git write-tree && rm copy");
	cr_assert_eq(scan_index_tree(&tree, &f.r), 0, "%s", graft_error_message());
	cr_assert_str_eq(git_oid_tostr(hex, sizeof(hex), &tree), expected);
	free(expected);

	/* no intent-to-add entry: straight from the cache tree and the index */
	sh_do(f.dir, "git rm -q --cached ita.txt && echo two > src/two.js && git add src/two.js");
	expected = sh_ok(f.dir, "cp .git/index copy && GIT_INDEX_FILE=copy git write-tree && rm copy");
	cr_assert_eq(scan_index_tree(&tree, &f.r), 0, "%s", graft_error_message());
	cr_assert_str_eq(git_oid_tostr(hex, sizeof(hex), &tree), expected);
	free(expected);

	sh_do(f.dir, "rm .git/index");
	cr_assert_eq(scan_index_tree(&tree, &f.r), 0, "%s", graft_error_message());
	cr_assert_str_eq(git_oid_tostr(hex, sizeof(hex), &tree),
			 "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "not the empty tree");
	fixture_close(&f);
}

/* What the index file says now, not what was loaded before. */
Test(scan, follows_the_index_file, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;

	fixture_open(&f, make_messy_repo("repo"));
	assert_same_as_git(&f.r, f.dir);
	sh_do(f.dir, "git add -A && git rm -q --cached README");
	assert_same_as_git(&f.r, f.dir);
	sh_do(f.dir, "rm .git/index");
	assert_same_as_git(&f.r, f.dir);
	fixture_close(&f);
}

/*
 * A file edited in the same second as the index was written, keeping its
 * size and its mtime: stat data cannot tell, the content must. With the
 * index written later, git trusts the stat data, and so does the scan.
 */
Test(scan, a_racily_clean_file_is_hashed, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;
	struct status st;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "git config core.checkStat minimal && git config core.trustCtime false && "
	      "echo aaaa > racy && touch -d @1700000000 racy && "
	      "git add racy && git commit -qm racy && "
	      "echo bbbb > racy && touch -d @1700000000 racy .git/index");
	st = git_status(f.dir);
	cr_assert_str_eq(st.lines, ".M 100644 100644 racy\n");
	free(st.lines);
	assert_same_as_git(&f.r, f.dir);
	sh_do(f.dir, "touch -d @1700000100 .git/index");
	st = git_status(f.dir);
	cr_assert_str_empty(st.lines);
	free(st.lines);
	assert_same_as_git(&f.r, f.dir);
	fixture_close(&f);
}

Test(scan, type_changes_and_what_replaces_directories, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir,
	      "mkdir -p d lib sub outside && echo a > a && echo b > b && echo c > c && "
	      "echo x > d/x && echo l > lib/l && echo s > sub/s && echo o > outside/l && "
	      "echo f > tofile && ln -s a sym && ln -s a sym2 && echo v > valid && echo w > skip && "
	      "git add -A && git commit -qm files && "
	      /* intent-to-add over a committed path; one whose file went */
	      "git rm -q --cached b && git add -N b && echo e > e && git add -N e && rm e && "
	      "git rm -q --cached a && git add -N a && rm a && "
	      "rm c && mkdir c && echo in > c/in && "			/* file -> dir */
	      "rm sym && echo notalink > sym && "			/* symlink -> file */
	      "rm tofile && ln -s a tofile && "				/* file -> symlink */
	      "ln -sf b sym2 && "					/* retarget */
	      "rm -r lib && ln -s outside lib && "			/* dir -> symlink */
	      "rm -r d && echo nowfile > d && "				/* dir -> file */
	      /* a tracked directory that became a repository of its own */
	      "rm -r sub && git init -q sub && echo s > sub/s && "
	      "git init -q nested && echo n > nested/n && "		/* untracked repository */
	      "git init -q --separate-git-dir ../sep linked && echo n > linked/n && "
	      "mkdir -p notrepo/.git && echo z > notrepo/z && "	/* not a repository */
	      "mkdir -p fifo && mkfifo fifo/pipe && "
	      "git update-index --assume-unchanged valid && echo changed > valid && "
	      "git update-index --skip-worktree skip && rm skip");
	assert_same_as_git(&f.r, f.dir);
	fixture_close(&f);
}

Test(scan, ignore_rules_as_git_applies_them, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir,
	      "mkdir -p build/sub logs docs/gen deep/a/b && "
	      "echo t > build/tracked && git add -f build/tracked && "
	      "printf 'build/\\n*.log\\n!important.log\\nlogs/\\n!logs/keep.txt\\n"
	      "tmp*\\n!tmpkeep\\n/anchored\\ndocs/gen/\\n' > .gitignore && "
	      "printf '*.txt\\n!keep.txt\\n' > deep/.gitignore && "
	      "printf '!*.log\\n' > deep/a/.gitignore && "
	      "git add .gitignore deep/.gitignore && git commit -qm rules && "
	      /* a tracked but ignored directory: nothing untracked in it shows */
	      "echo u > build/untracked && echo u > build/sub/u && echo i > build/important.log && "
	      /* negations re-include files, not what is in an ignored directory */
	      "echo x > x.log && echo y > important.log && echo l > logs/keep.txt && "
	      "mkdir tmpdir && echo k > tmpdir/tmpkeep && echo k > tmpkeep && "
	      "echo a > anchored && mkdir sub && echo a > sub/anchored && "
	      "echo g > docs/gen/out && "
	      "echo t > deep/a/b/file.txt && echo k > deep/a/b/keep.txt && "
	      "echo l > deep/a/b/trace.log && "
	      /* only ignored files: the directory does not show */
	      "mkdir -p onlyignored/inner && echo x > onlyignored/inner/x.log && "
	      "echo e > excluded && echo 'excluded' >> .git/info/exclude && "
	      "echo g > globally && echo globally > \"$HOME/ignore\" && "
	      "git config core.excludesFile \"$HOME/ignore\" && "
	      "mkdir -p empty/inner");
	assert_same_as_git(&f.r, f.dir);
	fixture_close(&f);
}

/*
 * With --ignore-submodules=all a gitlink shows only when it replaced a
 * file in the index, or a file replaced it.
 */
Test(scan, submodules_are_not_looked_into, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir,
	      "for d in s1 s2 s3 s4; do git init -q $d && "
	      "(cd $d && echo 1 > f && git add f && git commit -qm 1 && "
	      "echo 2 > f && git commit -qam 2); done && echo g > g && echo h > h && "
	      "git add s1 s2 s3 g h 2>/dev/null && git commit -qm subs && "
	      "(cd s1 && git checkout -q HEAD~1) && git add s1 && "	/* moved, staged */
	      "(cd s2 && echo dirty > f && echo new > new) && "		/* dirty checkout */
	      "rm -rf s3 && echo file > s3 && "				/* checkout -> file */
	      "git add s4 2>/dev/null && "				/* new gitlink */
	      "git rm -q --cached g && "
	      "git update-index --add --cacheinfo 160000,$(git -C s4 rev-parse HEAD),g && "
	      "git rm -q --cached h && mkdir h2 && "
	      "git update-index --add --cacheinfo 160000,$(git -C s4 rev-parse HEAD),h2");
	assert_same_as_git(&f.r, f.dir);
	sh_do(f.dir, "git commit -qm gitlinks && rm -rf h2 && "
	      "git rm -q --cached g && echo blob > g && git add g");	/* gitlink -> file */
	assert_same_as_git(&f.r, f.dir);
	fixture_close(&f);
}

Test(scan, conflicts_show_their_stages, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;
	struct cmd_result merge;
	git_oid tree;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir,
	      "echo base > f && echo base > g && echo base > h && echo base > k && "
	      "git add . && git commit -qm base && git checkout -qb other && "
	      "echo theirs > f && git rm -q g && echo t > h && echo new > n && "
	      "echo edited > k && git add -A && git commit -qm other && "
	      "git checkout -q main && echo ours > f && echo ours > g && git rm -q h && "
	      "echo new2 > n && echo edited > k && echo mine > mine && git add -A && "
	      "git commit -qm main");
	merge = sh(f.dir, "git merge other");
	cr_assert_neq(merge.status, 0, "the merge was meant to conflict");
	cmd_result_free(&merge);
	sh_do(f.dir, "rm n && echo staged >> mine && git add mine && echo more >> mine");
	assert_same_as_git(&f.r, f.dir);
	cr_assert_lt(scan_index_tree(&tree, &f.r), 0);
	graft_error_clear();
	fixture_close(&f);
}

Test(scan, an_unborn_branch_has_everything_staged, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;
	char *dir = tmp_path("repo");

	sh_do(NULL, "git init -q %s && cd %s && mkdir d && echo a > a && echo b > d/b && "
	      "git add a d && echo c > c && echo more >> a", dir, dir);
	fixture_open(&f, dir);
	assert_same_as_git(&f.r, f.dir);
	fixture_close(&f);
}

Test(scan, core_filemode_and_symlinks_off, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir, "echo x > x && printf a > link && git add x && "
	      "git update-index --add --cacheinfo 120000,$(git hash-object -w link),link && "
	      "git commit -qm files && git config core.fileMode false && "
	      "git config core.symlinks false && chmod +x x && echo u > u && chmod +x u");
	repo_close(&f.r);
	open_fixture_repo(&f.r, f.dir);
	assert_same_as_git(&f.r, f.dir);
	sh_do(f.dir, "printf b > link");
	assert_same_as_git(&f.r, f.dir);
	fixture_close(&f);
}

/* Enough entries for the work tree to be compared on several threads. */
Test(scan, a_large_index_gives_the_same_answer, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir,
	      "for d in $(seq 1 30); do mkdir -p d$d/sub; for i in $(seq 1 50); do "
	      "echo $d $i > d$d/sub/f$i; done; done && git add -A && git commit -qm many && "
	      "sleep 1 && echo edit >> d3/sub/f7 && rm d9/sub/f1 && "
	      "rm -r d15 && ln -s d16 d15 && echo new > d16/sub/new && "
	      "touch d20/sub/f2 && rm d28/sub/f50 && mkdir d28/sub/f50 && "
	      "echo g > d30/sub/f9.log && echo '*.log' > .gitignore");
	assert_same_as_git(&f.r, f.dir);
	fixture_close(&f);
}

/*
 * Deeper than the directories a stat thread holds open: the files there
 * are looked up by path, and a symlink put in place of a directory on
 * either side of that depth still hides what lies beyond it.
 */
Test(scan, paths_deeper_than_the_open_directories, .init = harness_setup,
     .fini = harness_teardown)
{
	struct fixture f;

	fixture_open(&f, make_repo("repo"));
	sh_do(f.dir,
	      "deep=$(seq -s / 1 40) && for t in a b c; do mkdir -p $t/$deep && "
	      "for i in $(seq 1 400); do echo $t $i > $t/$deep/f$i; done; "
	      "echo top > $t/1/2/top; done && git add -A && git commit -qm deep && "
	      "sleep 1 && echo edit >> a/$deep/f7 && rm a/$deep/f9 && "
	      /* each symlink leads to the directory it replaced, files and all */
	      "d=b/$(seq -s / 1 34) && mv $d/35 $d/moved && ln -s moved $d/35 && "
	      "mv c/1/2/3 c/1/2/moved && ln -s moved c/1/2/3 && "
	      "echo new > a/$deep/new");
	assert_same_as_git(&f.r, f.dir);
	fixture_close(&f);
}
