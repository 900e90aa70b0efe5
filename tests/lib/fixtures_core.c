#include <dirent.h>
#include <errno.h>
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
#include "strbuf.h"

char *read_file_len(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	cr_assert(f, "cannot open %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_add(&sb, chunk, n);
	fclose(f);
	*len = sb.len;
	return strbuf_detach(&sb);
}

static void add_escaped(struct strbuf *sb, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addch(sb, (char)c);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void describe_entry(struct strbuf *out, const char *full,
			   const char *rel, const struct stat *st)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid oid;

	if (S_ISDIR(st->st_mode)) {
		strbuf_addf(out, "d %04o - ", (unsigned)(st->st_mode & 07777));
	} else if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlink(full, target, sizeof(target));

		cr_assert(n >= 0, "readlink %s: %s", full, strerror(errno));
		strbuf_addstr(out, "l ");
		add_escaped(out, target, (size_t)n);
		strbuf_addch(out, ' ');
	} else if (S_ISREG(st->st_mode)) {
		size_t len;
		char *data = read_file_len(full, &len);

		cr_assert(git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) == 0);
		free(data);
		strbuf_addf(out, "f %04o %s ", (unsigned)(st->st_mode & 07777),
			    git_oid_tostr(hex, sizeof(hex), &oid));
	} else {
		strbuf_addf(out, "? %o - ", (unsigned)st->st_mode);
	}
	add_escaped(out, rel, strlen(rel));
	strbuf_addch(out, '\n');
}

static void walk(struct strbuf *out, const char *top, const char *rel)
{
	struct strbuf dirpath = STRBUF_INIT;
	char **names = NULL;
	size_t nr = 0, alloc = 0, i;
	struct dirent *de;
	DIR *d;

	strbuf_addf(&dirpath, "%s%s%s", top, *rel ? "/" : "", rel);
	d = opendir(dirpath.buf);
	cr_assert(d, "opendir %s: %s", dirpath.buf, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		if (nr == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			names = realloc(names, alloc * sizeof(*names));
			cr_assert(names);
		}
		names[nr++] = strdup(de->d_name);
	}
	closedir(d);
	if (nr)
		qsort(names, nr, sizeof(*names), by_name);
	for (i = 0; i < nr; i++) {
		struct strbuf child = STRBUF_INIT, full = STRBUF_INIT;
		struct stat st;

		strbuf_addf(&child, "%s%s%s", rel, *rel ? "/" : "", names[i]);
		strbuf_addf(&full, "%s/%s", top, child.buf);
		cr_assert(lstat(full.buf, &st) == 0, "lstat %s", full.buf);
		describe_entry(out, full.buf, child.buf, &st);
		if (S_ISDIR(st.st_mode))
			walk(out, top, child.buf);
		strbuf_release(&child);
		strbuf_release(&full);
		free(names[i]);
	}
	free(names);
	strbuf_release(&dirpath);
}

char *worktree_state(const char *dir)
{
	struct strbuf out = STRBUF_INIT;

	walk(&out, dir, "");
	return strbuf_detach(&out);
}

char *repo_state(const char *dir)
{
	struct strbuf out = STRBUF_INIT;
	char *head, *refs, *index, *flags, *status, *files, *config;

	head = sh_ok(dir, "cat \"$(git rev-parse --git-dir)/HEAD\"");
	refs = sh_ok(dir, "git for-each-ref --format='%%(refname) %%(objectname)' | "
		     "{ grep -v '^refs/graft/' || true; }");
	index = sh_ok(dir, "git ls-files -s -z | tr '\\000' '\\n'");
	/* skip-worktree (S), assume-unchanged (lower case) */
	flags = sh_ok(dir, "git ls-files -v -z | tr '\\000' '\\n' | "
		      "{ grep -v '^H ' || true; }");
	config = sh_ok(dir, "d=\"$(git rev-parse --git-common-dir)\" && "
		       "for f in config info/exclude info/attributes; do "
		       "echo \"== $f\"; cat \"$d/$f\" 2>/dev/null || true; done");
	status = sh_ok(dir, "git --no-optional-locks status --porcelain=v2 -z "
		       "--untracked-files=all --ignored=matching | tr '\\000' '\\n'");
	files = worktree_state(dir);
	strbuf_addf(&out, "HEAD\n%s\nrefs\n%s\nindex\n%s\nflags\n%s\n"
		    "status\n%s\nfiles\n%s\ngit dir\n%s",
		    head, refs, index, flags, status, files, config);
	free(head);
	free(refs);
	free(index);
	free(flags);
	free(config);
	free(status);
	free(files);
	return strbuf_detach(&out);
}

char *make_messy_repo(const char *name)
{
	char *path = tmp_path("%s", name);
	char *q = shq(path);

	sh_do(NULL,
	      "git init -q %s && cd %s && "
	      "printf '*.log\\nbuild/\\n' > .gitignore && "
	      "echo hello > README && "
	      "mkdir -p src/lib bin docs 'dir with space' && "
	      "echo 'app v1' > src/app.js && "
	      "echo 'util v1' > src/lib/util.js && "
	      "printf '#!/bin/sh\\necho run\\n' > bin/run.sh && chmod 755 bin/run.sh && "
	      "echo guide > docs/guide.md && "
	      "echo spaced > 'dir with space/file name.txt' && "
	      "printf 'bin\\000ary\\001\\002' > data.bin && "
	      "echo nl > \"$(printf 'new\\nline.txt')\" && "
	      "echo latin > \"$(printf 'caf\\351.txt')\" && "
	      "echo old > old.txt && echo keep > keep.txt && "
	      "ln -s README link && "
	      "git add -A && git commit -q -m initial && "
	      "echo second >> README && git commit -q -am second && "
	      "echo 'app v2' > src/app.js && git add src/app.js && "
	      "echo 'app v3 unstaged' >> src/app.js && "
	      "echo 'guide edited' >> docs/guide.md && "
	      "echo added > added.txt && git add added.txt && "
	      "echo ita > ita.txt && git add -N ita.txt && "
	      "rm old.txt && git rm -q --cached keep.txt && "
	      "chmod +x src/lib/util.js && ln -sf docs/guide.md link && "
	      "echo notes > notes.txt && "
	      "mkdir -p new/nested/deep 'untracked dir' tools build && "
	      "echo deep > new/nested/deep/file.txt && "
	      "echo spaced > 'untracked dir/with space.txt' && "
	      "printf '#!/bin/sh\\n' > tools/x.sh && chmod 755 tools/x.sh && "
	      "ln -s notes.txt ulink && "
	      "echo debug > debug.log && echo trace > new/nested/trace.log && "
	      "echo obj > build/out.o && mkdir empty-dir",
	      q, q);
	free(q);
	return path;
}

void mutate_like_migration(const char *dir)
{
	sh_do(dir,
	      "echo migrated >> README && "
	      "rm src/lib/util.js && "
	      "echo changed >> notes.txt && "
	      "rm 'untracked dir/with space.txt' && "
	      "mkdir -p gen/a/b && echo made > gen/a/b/c.txt && "
	      "echo generated > src/generated.js && "
	      "chmod +x README && chmod -x bin/run.sh && "
	      "rm docs/guide.md && mkdir docs/guide.md && "
	      "echo inner > docs/guide.md/inner.txt && "
	      "rm -r 'dir with space' && echo nowfile > 'dir with space' && "
	      "rm link && echo notalink > link && "
	      "echo 'app v4' > src/app.js && printf 'new\\000bin' > data.bin && "
	      "rm \"$(printf 'caf\\351.txt')\" && "
	      "echo '*.txt' > new/.gitignore && echo hidden > new/made.txt && "
	      "echo '*.js' >> .gitignore && "
	      "git add README gen ita.txt && git rm -q --cached data.bin && "
	      "git commit -q -m 'migration commit'");
}

void fixture_libgit2_init(void)
{
	char *xdg = tmp_path(".config/git");

	cr_assert(git_libgit2_init() > 0);
	cr_assert(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL,
				   harness_tmp()) == 0);
	cr_assert(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG,
				   xdg) == 0);
	cr_assert(git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM,
				   harness_tmp()) == 0);
	free(xdg);
}

void open_fixture_repo(struct graft_repo *r, const char *dir)
{
	cr_assert(chdir(dir) == 0, "chdir %s: %s", dir, strerror(errno));
	cr_assert_eq(repo_open(r, REPO_NEED_WORKTREE), 0, "%s",
		     graft_error_message());
}
