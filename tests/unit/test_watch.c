/*
 * What a watch tells, and the scan of just those paths, must come to what
 * a full scan finds: on random changes (files, modes, symlinks,
 * directories made, removed and moved, FIFOs), for several seeds, every
 * path the full scan reports is reported the same by the partial scan if
 * the watch named it (or a directory above it, or its index entry
 * changed), and otherwise was reported the same before the changes.
 */
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
#include "pathlist.h"
#include "repo.h"
#include "snapshot/scan.h"
#include "snapshot/treediff.h"
#include "snapshot/watch.h"
#include "strbuf.h"

/* One line per entry and per item a restore relies on, sorted. */
static void describe(const struct scan *s, struct path_list *out)
{
	struct strbuf line = STRBUF_INIT;
	size_t i;

	for (i = 0; i < s->nr; i++) {
		const struct scan_entry *e = &s->entries[i];

		strbuf_reset(&line);
		strbuf_addf(&line, "%s e %c%c %o %o", e->path, e->staged, e->unstaged,
			    e->index_mode, e->worktree_mode);
		path_list_add(out, line.buf);
	}
	for (i = 0; i < s->items_nr; i++) {
		const struct scan_item *it = &s->items[i];

		/* ignored files matter to the scan before the snapshot only */
		if (it->kind == SCAN_IGNORED)
			continue;
		strbuf_reset(&line);
		strbuf_addf(&line, "%s i%d %o %u %c", it->path, (int)it->kind,
			    it->kind == SCAN_NESTED ? 0 : it->mode, it->flags,
			    it->state ? it->state : '-');
		path_list_add(out, line.buf);
	}
	path_list_sort(out);
	strbuf_release(&line);
}

/* The path a line of describe() is about (before its first " e " or " i"). */
static char *line_path(const char *line)
{
	const char *end = strstr(line, " e ");
	const char *item = strstr(line, " i");

	while (item && !(item[2] >= '0' && item[2] <= '9'))
		item = strstr(item + 1, " i");
	if (!end || (item && item < end))
		end = item;
	return strndup(line, (size_t)(end - line));
}

/* Whether one of paths lies directly in the directory dir. */
static int holds_one_of(const struct path_list *paths, const char *dir)
{
	size_t i, len = strlen(dir);

	for (i = 0; i < paths->nr; i++)
		if (!strncmp(paths->items[i], dir, len) && paths->items[i][len] == '/' &&
		    !strchr(paths->items[i] + len + 1, '/'))
			return 1;
	return 0;
}

/* The lines of l about the path of line, for a message. */
static char *lines_about(const struct path_list *l, const char *line)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = line_path(line);
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (!strncmp(l->items[i], path, strlen(path)))
			strbuf_addf(&sb, "  %s\n", l->items[i]);
	free(path);
	return strbuf_detach(&sb);
}

/* A random change in dir, by the seed's generator. */
static void random_change(const char *dir, unsigned *seed, int n)
{
	static const char *const ops[] = {
		/* edit, remove, chmod a tracked or untracked file */
		"f=$(find . -path ./.git -prune -o -type f -print | sort | sed -n ${PICK}p); "
		"test -n \"$f\" && echo edit${K} >> \"$f\"",
		"f=$(find . -path ./.git -prune -o -type f -print | sort | sed -n ${PICK}p); "
		"test -n \"$f\" && rm -f \"$f\"; : ${K}",
		"f=$(find . -path ./.git -prune -o -type f -print | sort | sed -n ${PICK}p); "
		"test -n \"$f\" && chmod 600 \"$f\"; : ${K}",
		"f=$(find . -path ./.git -prune -o -type f -print | sort | sed -n ${PICK}p); "
		"test -n \"$f\" && chmod +x \"$f\"; : ${K}",
		/* new files, directories, symlinks, FIFOs */
		"d=$(find . -path ./.git -prune -o -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && echo new > \"$d/new${K}.txt\"",
		"d=$(find . -path ./.git -prune -o -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && mkdir -p \"$d/made${K}/deeper\" && echo x > \"$d/made${K}/deeper/f\"",
		"d=$(find . -path ./.git -prune -o -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && ln -sf ../somewhere \"$d/link${K}\"",
		"d=$(find . -path ./.git -prune -o -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && mkdir -p \"$d/empty${K}\"",
		"d=$(find . -path ./.git -prune -o -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && mkfifo \"$d/fifo${K}\" 2>/dev/null; :",
		/* directories removed, moved, made unreadable to others */
		"d=$(find . -path ./.git -prune -o -mindepth 1 -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && rm -rf \"$d\"; : ${K}",
		"d=$(find . -path ./.git -prune -o -mindepth 1 -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && mv \"$d\" \"$d.moved${K}\"",
		"d=$(find . -path ./.git -prune -o -mindepth 1 -type d -print | sort | sed -n ${PICK}p); "
		"test -n \"$d\" && chmod 700 \"$d\"; : ${K}",
		/* a file made a directory, the index changed without the file */
		"f=$(find . -path ./.git -prune -o -type f -print | sort | sed -n ${PICK}p); "
		"test -n \"$f\" && rm \"$f\" && mkdir \"$f\" && echo in > \"$f/in${K}\"",
		"f=$(git ls-files | sed -n ${PICK}p); test -n \"$f\" && git rm -q --cached \"$f\"; : ${K}",
		"f=$(find . -path ./.git -prune -o -type f -print | sort | sed -n ${PICK}p); "
		"test -n \"$f\" && git add -f \"$f\" 2>/dev/null; : ${K}",
	};
	size_t nops = sizeof(ops) / sizeof(*ops);
	int k;

	for (k = 0; k < n; k++) {
		int op = rand_r(seed) % (int)nops, pick = 1 + rand_r(seed) % 40;
		struct cmd_result r = sh(dir, "PICK=%d K=%d; %s", pick, k, ops[op]);

		cmd_result_free(&r);
	}
}

static int rules_changed(const struct path_list *read)
{
	size_t i;

	for (i = 0; i < read->nr; i++) {
		const char *slash = strrchr(read->items[i], '/');
		const char *name = slash ? slash + 1 : read->items[i];

		if (!strcmp(name, ".gitignore") || !strcmp(name, ".gitattributes"))
			return 1;
	}
	return 0;
}

static void check_seed(unsigned first_seed, int *checked)
{
	unsigned seed = first_seed;
	char name[32], *dir;
	struct graft_repo r = GRAFT_REPO_INIT;
	struct watch w;
	struct scan before = SCAN_INIT, full = SCAN_INIT, part = SCAN_INIT;
	const struct path_list *changed;
	struct path_list read = PATH_LIST_INIT;
	struct path_list lb = PATH_LIST_INIT, lf = PATH_LIST_INIT, lp = PATH_LIST_INIT;
	git_oid tree_before, tree_after;
	size_t i;

	snprintf(name, sizeof(name), "repo%u", first_seed);
	dir = make_messy_repo(name);
	open_fixture_repo(&r, dir);
	watch_open(&w);
	cr_assert_eq(scan_worktree_watched(&before, &r, SCAN_DETAILS, &w), 0, "%s",
		     graft_error_message());
	cr_assert_eq(scan_index_tree_resolved(&tree_before, &r), 0);
	random_change(dir, &seed, 25);
	changed = watch_changed(&w);
	cr_assert(changed, "watch lost: %s", w.lost);
	cr_assert_eq(scan_index_tree_resolved(&tree_after, &r), 0);
	for (i = 0; i < changed->nr; i++)
		path_list_add(&read, changed->items[i]);
	cr_assert_eq(treediff_oid(r.repo, &tree_before, &tree_after, treediff_add_path, &read), 0);
	path_list_sort(&read);
	/*
	 * A changed ignore file changes what is untracked anywhere: the
	 * restore and the commit scan everything then; so does this test.
	 */
	if (rules_changed(&read)) {
		cr_log_info("seed %u changed an ignore file: a full scan is needed",
			    first_seed);
		goto done;
	}
	(*checked)++;
	cr_assert_eq(scan_worktree(&full, &r, SCAN_DETAILS), 0, "%s", graft_error_message());
	cr_assert_eq(scan_worktree_paths(&part, &r, SCAN_DETAILS, &read), 0, "%s",
		     graft_error_message());
	describe(&before, &lb);
	describe(&full, &lf);
	describe(&part, &lp);
	for (i = 0; i < lf.nr; i++) {
		char *path = line_path(lf.items[i]);
		/* an empty directory: where something went, looked at too */
		int covered = path_list_covers(&read, path) ||
			      (strstr(lf.items[i], " i1 ") &&
			       holds_one_of(&read, path));

		cr_assert(covered ? path_list_has(&lp, lf.items[i]) :
			  path_list_has(&lb, lf.items[i]),
			  "seed %u: '%s' is %s", first_seed, lf.items[i],
			  covered ? "not in the partial scan" :
			  "new but no change was seen there");
		free(path);
	}
	for (i = 0; i < lp.nr; i++)
		cr_assert(path_list_has(&lf, lp.items[i]),
			  "seed %u: the partial scan has '%s', the full scan not:\n%s",
			  first_seed, lp.items[i], lines_about(&lf, lp.items[i]));
done:
	path_list_release(&lb);
	path_list_release(&lf);
	path_list_release(&lp);
	path_list_release(&read);
	scan_release(&before);
	scan_release(&full);
	scan_release(&part);
	watch_close(&w);
	repo_close(&r);
	free(dir);
}

Test(watch, the_partial_scan_finds_what_the_full_scan_finds,
     .init = harness_setup, .fini = harness_teardown)
{
	unsigned seed;
	int checked = 0;

	fixture_libgit2_init();
	for (seed = 1; seed <= 16; seed++)
		check_seed(seed, &checked);
	cr_assert_geq(checked, 10, "only %d seeds could be compared", checked);
	git_libgit2_shutdown();
}
