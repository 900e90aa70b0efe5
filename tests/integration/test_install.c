/*
 * The manual and `make install`: the page lints clean and covers every
 * command; install puts each file in its place under DESTDIR, where git,
 * man and the shells find them; uninstall removes exactly those.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "cmd/commands.h"
#include "lib/harness.h"

TestSuite(install, .init = harness_setup, .fini = harness_teardown);

static char *man_page(void)
{
	char *path, *text;

	cr_assert(asprintf(&path, "%s/man/git-graft.1", source_dir()) > 0);
	text = read_file(path);
	cr_assert(text, "cannot read %s", path);
	free(path);
	return text;
}

Test(install, man_page_lints_clean)
{
	struct cmd_result r = sh(NULL, "groff -man -ww -z '%s/man/git-graft.1'",
				 source_dir());

	cr_expect_eq(r.status, 0);
	cr_expect_str_empty(r.out);
	cr_expect_str_empty(r.err, "groff warns:\n%s", r.err);
	cmd_result_free(&r);
}

Test(install, man_page_documents_every_command)
{
	char *page = man_page(), needle[128];
	size_t i;

	for (i = 0; i < commands_nr; i++) {
		const char *name = commands[i].name;

		snprintf(needle, sizeof(needle), "\n.SS \"%s ", name);
		cr_expect(strstr(page, needle), "no COMMANDS entry for %s", name);
		snprintf(needle, sizeof(needle), "\n\\fBgit graft %s\\fR", name);
		cr_expect(strstr(page, needle), "%s is not in the SYNOPSIS", name);
	}
	{
		static const char *const sections[] = {
			"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS",
			"FILES", "EXIT STATUS", "ENVIRONMENT", "CONFIGURATION", "HOOKS",
			"SAFETY", "EXAMPLES", "BUGS", "SEE ALSO", NULL,
		};
		const char *const *s;

		for (s = sections; *s; s++) {
			snprintf(needle, sizeof(needle), "\n.SH %s\n", *s);
			cr_expect(strstr(page, needle), "no %s section", *s);
		}
	}
	cr_expect(strstr(page, "\n.TH GIT-GRAFT 1 "), "no .TH header");
	free(page);
}

/* `make install` into <tmp>/stage with the given extra make arguments. */
static struct cmd_result make_target(const char *target, const char *args)
{
	/* -o all: the binary under test is installed as it is, never rebuilt */
	return sh(NULL, "make -s --no-print-directory -C '%s' -o all %s "
		  "DESTDIR='%s/stage' BIN='%s' %s", source_dir(), target,
		  harness_tmp(), graft_bin(), args);
}

static void expect_file(const char *rel, unsigned mode)
{
	char *path = tmp_path("stage%s", rel);
	struct stat st;

	cr_expect(stat(path, &st) == 0, "%s was not installed", rel);
	if (stat(path, &st) == 0) {
		cr_expect(S_ISREG(st.st_mode), "%s is not a file", rel);
		cr_expect_eq(st.st_mode & 07777, mode, "%s has mode %o, not %o",
			     rel, st.st_mode & 07777, mode);
	}
	free(path);
}

static const char *const installed[] = {
	"/usr/local/bin/git-graft",
	"/usr/local/share/man/man1/git-graft.1",
	"/usr/local/share/bash-completion/completions/git-graft",
	"/usr/local/share/zsh/site-functions/_git-graft",
	"/usr/local/share/fish/vendor_completions.d/git-graft.fish",
	NULL,
};

Test(install, install_puts_each_file_in_its_place_and_uninstall_removes_them)
{
	struct cmd_result r = make_target("install", "");
	const char *const *f;
	char *left, *src, *copy;

	cr_assert_eq(r.status, 0, "make install: %s%s", r.out, r.err);
	cmd_result_free(&r);
	expect_file(installed[0], 0755);
	for (f = installed + 1; *f; f++)
		expect_file(*f, 0644);
	/* the files are the project's own */
	cr_assert(asprintf(&src, "%s/completions/git-graft.bash", source_dir()) > 0);
	copy = tmp_path("stage%s", installed[2]);
	sh_do(NULL, "cmp '%s' '%s'", src, copy);
	free(src);
	free(copy);

	r = make_target("uninstall", "");
	cr_assert_eq(r.status, 0, "make uninstall: %s%s", r.out, r.err);
	cmd_result_free(&r);
	left = sh_ok(NULL, "find '%s/stage' ! -type d", harness_tmp());
	cr_expect_str_empty(left, "uninstall left:\n%s", left);
	free(left);
}

Test(install, install_honours_the_directory_variables)
{
	struct cmd_result r = make_target("install",
		"prefix=/usr bashcompdir=/etc/bash_completion.d "
		"zshcompdir=/usr/share/zsh/vendor-completions "
		"fishcompdir=/opt/fish man1dir=/usr/share/man/man8");

	cr_assert_eq(r.status, 0, "make install: %s%s", r.out, r.err);
	cmd_result_free(&r);
	expect_file("/usr/bin/git-graft", 0755);
	expect_file("/usr/share/man/man8/git-graft.1", 0644);
	expect_file("/etc/bash_completion.d/git-graft", 0644);
	expect_file("/usr/share/zsh/vendor-completions/_git-graft", 0644);
	expect_file("/opt/fish/git-graft.fish", 0644);
}

Test(install, install_warns_about_another_git_graft_on_path)
{
	char *other = tmp_path("other-bin"), *ran = tmp_path("ran");
	struct cmd_result r;

	/* git-extras' git-graft merges branches: it must never be run */
	sh_do(NULL, "mkdir -p '%s' && printf '#!/bin/sh\\ntouch %s\\n' > '%s/git-graft' "
	      "&& chmod +x '%s/git-graft'", other, ran, other, other);
	r = sh(NULL, "PATH='%s':\"$PATH\" make -s --no-print-directory -C '%s' -o all "
	       "install DESTDIR='%s/stage' BIN='%s'", other, source_dir(),
	       harness_tmp(), graft_bin());
	cr_assert_eq(r.status, 0, "make install: %s%s", r.out, r.err);
	cr_expect(strstr(r.err, "warning: another git-graft is installed at ") &&
		  strstr(r.err, "other-bin/git-graft") &&
		  strstr(r.err, "comes first in PATH"), "%s", r.err);
	cr_expect(!file_exists(ran), "the other git-graft was run");
	cmd_result_free(&r);

	/* with none, nothing is said */
	r = make_target("install", "");
	cr_expect_str_empty(r.err);
	cmd_result_free(&r);
	free(other);
	free(ran);
}

/*
 * Once installed, git finds the manual: `git help graft` and
 * `git graft --help` (which git turns into `git help graft`) run
 * `man git-graft`, and so does `git-graft --help`.
 */
Test(install, git_help_graft_opens_the_installed_manual)
{
	static const char *const ways[] = {
		"git help graft", "git graft --help", "git-graft --help",
		"git graft help --man", "git graft status --help", NULL,
	};
	struct cmd_result r = make_target("install", "");
	const char *const *way;

	cr_assert_eq(r.status, 0, "make install: %s%s", r.out, r.err);
	cmd_result_free(&r);
	for (way = ways; *way; way++) {
		r = sh(NULL, "PATH='%s/stage/usr/local/bin':\"$PATH\" "
		       "MANPATH='%s/stage/usr/local/share/man' MANPAGER=cat "
		       "MANWIDTH=80 %s", harness_tmp(), harness_tmp(), *way);
		cr_expect_eq(r.status, 0, "%s: %s", *way, r.err);
		cr_expect(strstr(r.out, "NAME\n       git-graft") &&
			  strstr(r.out, "SYNOPSIS\n") &&
			  strstr(r.out, "git graft upgrade"),
			  "%s did not show the manual:\n%.400s\n%s", *way, r.out, r.err);
		cmd_result_free(&r);
	}
	/* a command's usage comes from the binary */
	r = sh(NULL, "PATH='%s/stage/usr/local/bin':\"$PATH\" git graft help status",
	       harness_tmp());
	cr_expect_eq(r.status, 0);
	cr_expect(!strncmp(r.out, "usage: git graft status", 23), "%s", r.out);
	cmd_result_free(&r);
}

/* The shells find the installed completions where they look by default. */
Test(install, shells_find_the_installed_completions)
{
	struct cmd_result r = make_target("install", "");
	char *out, *empty = tmp_path("no-user-completions");

	cr_assert_eq(r.status, 0, "make install: %s%s", r.out, r.err);
	cmd_result_free(&r);
	sh_do(NULL, "mkdir -p '%s' && git init -q repo", empty);

	/* bash-completion loads it on demand from $XDG_DATA_DIRS */
	out = sh_ok("repo", "BASH_COMPLETION_USER_DIR='%s' "
		    "XDG_DATA_DIRS='%s/stage/usr/local/share':/usr/share "
		    "'%s/tests/completion/bash-complete' 'git graft upgr'",
		    empty, harness_tmp(), source_dir());
	cr_expect_str_eq(out, "upgrade ");
	free(out);

	/* fish reads vendor_completions.d under $XDG_DATA_DIRS */
	out = sh_ok("repo", "PATH='%s/stage/usr/local/bin':\"$PATH\" "
		    "XDG_DATA_DIRS='%s/stage/usr/local/share':/usr/share "
		    "fish -c 'complete -C \"git-graft upgr\"'",
		    harness_tmp(), harness_tmp());
	cr_expect_str_eq(out, "upgrade\tUpgrade dependencies atomically");
	free(out);

	/* zsh, with site-functions in fpath */
	out = sh_ok("repo", "zsh -f -c 'fpath=(%s/stage/usr/local/share/zsh/site-functions $fpath); "
		    "autoload -Uz compinit && compinit -u -d %s/zcompdump && "
		    "print -r -- $_comps[git-graft]'", harness_tmp(), harness_tmp());
	cr_expect_str_eq(out, "_git-graft");
	free(out);
	free(empty);
}
