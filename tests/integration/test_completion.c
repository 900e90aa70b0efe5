/*
 * Shell completion: bash through git's own completion script, as an
 * interactive bash with bash-completion runs it (tests/completion/
 * bash-complete), zsh and fish loading the files for real.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cmd/commands.h"
#include "lib/fixtures_deps.h"
#include "lib/harness.h"

TestSuite(completion, .init = harness_setup, .fini = harness_teardown);

static char *bash_completion_file(void)
{
	char *s;

	cr_assert(asprintf(&s, "%s/completions/git-graft.bash", source_dir()) > 0);
	return s;
}

/*
 * Complete line in dir with bash, this file found on demand in
 * $BASH_COMPLETION_USER_DIR/completions/git-graft; each of preload (NULL-
 * ended, may be NULL) sourced first. Returns the candidates, one a line.
 */
static char *bash_complete(const char *dir, const char *line,
			   const char *const *preload)
{
	char *script, *file = bash_completion_file(), *user_dir, *out;
	char env_user_dir[4200];
	const char *argv[16];
	const char *env[] = { env_user_dir, NULL };
	struct cmd_result r;
	size_t n = 0;

	user_dir = tmp_path("bash-completion");
	sh_do(NULL, "mkdir -p '%s/completions' && ln -sf '%s' '%s/completions/git-graft'",
	      user_dir, file, user_dir);
	snprintf(env_user_dir, sizeof(env_user_dir), "BASH_COMPLETION_USER_DIR=%s",
		 user_dir);
	cr_assert(asprintf(&script, "%s/tests/completion/bash-complete",
			   source_dir()) > 0);
	argv[n++] = script;
	for (; preload && *preload; preload++) {
		argv[n++] = "--source";
		argv[n++] = *preload;
	}
	argv[n++] = line;
	argv[n] = NULL;
	r = run_argv_env(dir, argv, env);
	cr_assert_eq(r.status, 0, "completing '%s' failed (%d): %s", line,
		     r.status, r.err);
	cr_assert_str_empty(r.err, "completing '%s' said: %s", line, r.err);
	out = r.out;
	free(r.err);
	free(script);
	free(file);
	free(user_dir);
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The words of s (blanks and newlines separate them), sorted, each once,
 * joined by ' '.
 */
static char *sorted_words(const char *s)
{
	char *copy = strdup(s), *words[256], *tok, *save = NULL, *out;
	size_t n = 0, len = 1, i;

	for (tok = strtok_r(copy, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		cr_assert(n < 256);
		words[n++] = tok;
		len += strlen(tok) + 1;
	}
	qsort(words, n, sizeof(*words), cmp_str);
	out = calloc(1, len);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(words[i], words[i - 1]))
			continue;
		if (i)
			strcat(out, " ");
		strcat(out, words[i]);
	}
	free(copy);
	return out;
}

/* The candidates for line are exactly the words of expected. */
static void expect(const char *dir, const char *line, const char *expected)
{
	char *out = bash_complete(dir, line, NULL);
	char *got = sorted_words(out), *want = sorted_words(expected);

	cr_expect_str_eq(got, want, "'%s' completed to [%s], not [%s]", line,
			 got, want);
	free(got);
	free(want);
	free(out);
}

/* A candidate is a line of out, exactly (trailing space included). */
static int has_line(const char *out, const char *line)
{
	size_t len = strlen(line);
	const char *p;

	for (p = out; (p = strstr(p, line)); p++)
		if ((p == out || p[-1] == '\n') && p[len] == '\n')
			return 1;
	return 0;
}

/*
 * The project app with the dependency kb (tags v1.0.0 and v2.0.0, branch
 * main, commands migrate and check) and one more declared, other; the
 * project has a command test.
 */
static char *make_project(void)
{
	char *app = make_app_with_kb(NULL);

	sh_do(app, "git commit -q -m 'add kb' && "
	      "printf '[command \"check\"]\\nrun = true\\n' >> ../kb/graft.ini && "
	      "cp ../kb/graft.ini .graft/kb/graft.ini && "
	      "printf '\\n[dependency \"other\"]\\nsource = ../other\\n"
	      "; [dependency \"commented\"]\\n\\n[command \"test\"]\\n"
	      "run = make test\\n' >> graft.ini");
	return app;
}

Test(completion, bash_commands_after_git_graft)
{
	char *app = make_project(), *out = bash_complete(app, "git graft ", NULL);
	size_t i;

	for (i = 0; i < commands_nr; i++) {
		char word[64];

		snprintf(word, sizeof(word), "%s ", commands[i].name);
		cr_expect(has_line(out, word), "'%s' is not offered:\n%s",
			  commands[i].name, out);
	}
	free(out);
	expect(app, "git graft up", "upgrade");
	expect(app, "git graft re", "remove resolve");
	expect(app, "git graft --",
	       "--version --color= --no-color --paginate --no-pager --help");
	expect(app, "git graft --color=n", "never");
	free(app);
}

/*
 * The long options of the table `git-graft <cmd> -h` prints (its lines
 * start "    -"), "--[no-]x", "--no-x" and "--x[=<v>]" as "x".
 */
static char *options_from_usage(const char *cmd)
{
	struct cmd_result r = graft(NULL, cmd, "-h", NULL);
	char *out = calloc(1, strlen(r.out) + 1), *line, *save = NULL, *p;

	cr_assert_eq(r.status, 129, "%s -h: %s", cmd, r.err);
	for (line = strtok_r(r.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "    -", 5) || !(p = strstr(line, "--")))
			continue;
		p += 2;
		if (!strncmp(p, "[no-]", 5))
			p += 5;
		else if (!strncmp(p, "no-", 3))
			p += 3;
		strncat(out, p, strcspn(p, " ["));
		strcat(out, " ");
	}
	cmd_result_free(&r);
	return out;
}

/* The options bash offers after `git graft <cmd> --`, "--no-x" as "x". */
static char *options_completed(const char *dir, const char *cmd)
{
	char line[64], *out, *p, *q;

	snprintf(line, sizeof(line), "git graft %s --", cmd);
	out = bash_complete(dir, line, NULL);
	for (p = q = out; *p; ) {
		if (!strncmp(p, "--no-", 5))
			p += 5;
		else if (!strncmp(p, "--", 2))
			p += 2;
		while (*p && *p != '\n')
			*q++ = *p++;
		if (*p)
			*q++ = *p++;
	}
	*q = '\0';
	return out;
}

/* Remove the word w (with the blank after it) from s. */
static void drop_word(char *s, const char *w)
{
	size_t len = strlen(w);
	char *p;

	for (p = s; (p = strstr(p, w)); p++)
		if ((p == s || p[-1] == ' ') && p[len] == ' ') {
			memmove(p, p + len + 1, strlen(p + len + 1) + 1);
			return;
		}
}

Test(completion, bash_options_are_the_binarys)
{
	char *app = make_project();
	size_t i;

	for (i = 0; i < commands_nr; i++) {
		const char *cmd = commands[i].name;
		char *usage, *completed, *a, *b;

		usage = options_from_usage(cmd);
		/* offered only while an upgrade is stopped (below) */
		if (!strcmp(cmd, "upgrade")) {
			drop_word(usage, "continue");
			drop_word(usage, "skip");
			drop_word(usage, "abort");
		}
		completed = options_completed(app, cmd);
		a = sorted_words(usage);
		b = sorted_words(completed);
		cr_expect_str_eq(b, a, "%s: bash offers [%s], -h lists [%s]",
				 cmd, b, a);
		free(a);
		free(b);
		free(usage);
		free(completed);
	}
	expect(app, "git graft upgrade --",
	       "--all --to --dry-run --skip-migration --skip-verify "
	       "--autostash --timeout --allow-downgrade --no-verify "
	       "--gpg-sign --no-gpg-sign --stop-on-failure --stepwise "
	       "--commit-per-change --quiet --json");
	expect(app, "git graft rollback --",
	       "--list --json --quiet --gpg-sign --no-gpg-sign");
	expect(app, "git graft changes --type ", "breaking feature fix security");
	expect(app, "git graft show --field migration.",
	       "migration.name migration.run migration.description "
	       "migration.working_dir migration.timeout migration.env");
	free(app);
}

/* As git's for a rebase: a stopped upgrade takes the ways on, and only them. */
Test(completion, bash_upgrade_offers_the_ways_on_only_when_stopped)
{
	char *app = make_project(), *usage;

	expect(app, "git graft upgrade --c", "--commit-per-change");
	sh_do(app, "mkdir -p .git/graft && : > .git/graft/stopped");
	expect(app, "git graft upgrade --", "--continue --skip --abort --quiet --json");
	expect(app, "git graft upgrade ", "--continue --skip --abort");
	expect(app, "git graft upgrade --c", "--continue");
	/* each is the binary's */
	usage = options_from_usage("upgrade");
	assert_contains(usage, "continue skip abort ");
	free(usage);
	free(app);
}

Test(completion, bash_dependency_names_from_graft_ini)
{
	static const char *const one_name[] = {
		"status", "changes", "remove", "apply", "rollback", "log", NULL,
	};
	static const char *const many_names[] = {
		"upgrade", "fetch", "sync", NULL,
	};
	char *app = make_project(), line[64];
	const char *const *cmd;

	for (cmd = one_name; *cmd; cmd++) {
		snprintf(line, sizeof(line), "git graft %s ", *cmd);
		expect(app, line, "kb other");
		snprintf(line, sizeof(line), "git graft %s kb ", *cmd);
		expect(app, line, "");
	}
	for (cmd = many_names; *cmd; cmd++) {
		snprintf(line, sizeof(line), "git graft %s kb ", *cmd);
		expect(app, line, "kb other");
	}
	expect(app, "git graft upgrade --all ", "");
	expect(app, "git graft status o", "other");
	/* from a subdirectory, and from elsewhere with -C */
	sh_do(app, "mkdir -p sub/dir");
	{
		char *sub = tmp_path("app/sub/dir"), *c_line, *c_graft_line;

		expect(sub, "git graft fetch ", "kb other");
		cr_assert(asprintf(&c_line, "git -C %s graft fetch ", sub) > 0);
		cr_assert(asprintf(&c_graft_line, "git graft -C %s fetch ", sub) > 0);
		expect(NULL, c_line, "kb other");
		expect(NULL, c_graft_line, "kb other");
		free(c_line);
		free(c_graft_line);
		free(sub);
	}
	/* outside a repository: nothing, and no error */
	expect(NULL, "git graft status ", "");
	free(app);
}

Test(completion, bash_refs_after_to_and_from)
{
	char *app = make_project();

	expect(app, "git graft upgrade kb --to ", "main v1.0.0 v2.0.0");
	expect(app, "git graft upgrade kb --to v", "v1.0.0 v2.0.0");
	expect(app, "git graft upgrade kb --to=v2", "v2.0.0");
	expect(app, "git graft upgrade --to v1 kb", "kb");
	expect(app, "git graft apply kb --to m", "main");
	expect(app, "git graft changes kb --from ", "main v1.0.0 v2.0.0");
	expect(app, "git graft changes kb --from v1.0.0 --to v", "v1.0.0 v2.0.0");
	/* a dependency not cloned has no refs to offer */
	expect(app, "git graft upgrade other --to ", "");
	free(app);
}

Test(completion, bash_show_takes_name_at_ref)
{
	char *app = make_project(), *out;

	/* "kb@" without a space, so the ref can follow */
	out = bash_complete(app, "git graft show ", NULL);
	cr_expect(has_line(out, "kb@") && has_line(out, "other@"), "%s", out);
	free(out);
	expect(app, "git graft show kb@", "main v1.0.0 v2.0.0");
	expect(app, "git graft show kb@v2", "v2.0.0");
	expect(app, "git graft show --json kb@v1", "v1.0.0");
	/* --in takes a ref of the dependency before the '@' */
	expect(app, "git graft show kb@v1.0.0 --in v", "v1.0.0 v2.0.0");
	expect(app, "git graft show kb@v1.0.0 --in=m", "main");
	free(app);
}

Test(completion, bash_run_commands)
{
	char *app = make_project();

	expect(app, "git graft run ", "test kb:migrate kb:check");
	expect(app, "git graft run kb:", "migrate check");
	expect(app, "git graft run kb:m", "migrate");
	/* git graft <dependency>:<command>, short for run */
	expect(app, "git graft kb:c", "check");
	expect(app, "git graft validate ", "config lock integrity all");
	expect(app, "git graft help st", "status");
	free(app);
}

Test(completion, bash_git_graft_typed_directly)
{
	char *app = make_project(), *out = bash_complete(app, "git-graft ", NULL);

	cr_expect(has_line(out, "upgrade ") && has_line(out, "rollback "), "%s", out);
	free(out);
	expect(app, "git-graft upgrade ", "kb other");
	expect(app, "git-graft upgrade kb --to v1", "v1.0.0");
	expect(app, "git-graft show kb@v2", "v2.0.0");
	free(app);
}

/*
 * git-extras defines its own _git_graft (branch names). Loaded first, it
 * keeps git from loading ours; ours sourced after it wins; either way
 * git-extras' other completions go on working.
 */
Test(completion, bash_beside_git_extras)
{
	char *app = make_project(), *extras = tmp_path("git-extras.bash");
	char *ours = bash_completion_file(), *out;
	const char *extras_only[] = { extras, NULL };
	const char *extras_then_ours[] = { extras, ours, NULL };

	write_file(extras,
		   "_git_graft () { __gitcomp \"$(__git_heads)\"; }\n"
		   "_git_squash () { __gitcomp \"$(__git_heads)\"; }\n");
	sh_do(app, "git branch topic");

	out = bash_complete(app, "git graft ", extras_only);
	cr_expect(has_line(out, "topic ") && !has_line(out, "upgrade "),
		  "git-extras' _git_graft, loaded first, should stay:\n%s", out);
	free(out);

	out = bash_complete(app, "git graft ", extras_then_ours);
	cr_expect(has_line(out, "upgrade ") && !has_line(out, "topic "),
		  "ours, loaded last, should win:\n%s", out);
	free(out);
	out = bash_complete(app, "git squash ", extras_then_ours);
	cr_expect(has_line(out, "topic "), "git-extras' _git_squash broke:\n%s", out);
	free(out);
	free(extras);
	free(ours);
	free(app);
}

/* Loading ours redefines nothing but _git_graft and adds only its own. */
Test(completion, bash_file_defines_only_its_own_functions)
{
	char *file = bash_completion_file();
	char *out = sh_ok(NULL,
		"bash -c '. /usr/share/bash-completion/bash_completion && "
		". /usr/share/bash-completion/completions/git && "
		"_git_graft () { :; } && mkdir before && "
		"names=$(compgen -A function) && "
		"for f in $names; do declare -f $f > before/$f; done && "
		". %s && "
		"for f in $(compgen -A function); do "
		"  if [ -f before/$f ]; then "
		"    declare -f $f | cmp -s - before/$f || echo changed $f; "
		"  else echo new $f; fi; "
		"done | sort'", file);

	cr_expect_str_eq(out,
		"changed _git_graft\n"
		"new __git_graft_args\n"
		"new __git_graft_comp_after\n"
		"new __git_graft_complete_run\n"
		"new __git_graft_complete_show\n"
		"new __git_graft_complete_value\n"
		"new __git_graft_deps\n"
		"new __git_graft_direct\n"
		"new __git_graft_git\n"
		"new __git_graft_is_name\n"
		"new __git_graft_named_dependency\n"
		"new __git_graft_options\n"
		"new __git_graft_refs\n"
		"new __git_graft_run_commands\n"
		"new __git_graft_sections\n"
		"new __git_graft_stopped\n"
		"new __git_graft_top\n"
		"new __git_wrap_git_graft", "%s", out);
	free(out);
	free(file);
}

Test(completion, zsh_file_loads)
{
	char *dir = tmp_path("zsh-functions"), *out;
	struct cmd_result r;

	r = sh(NULL, "zsh -n '%s/completions/_git-graft'", source_dir());
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_empty(r.err);
	cmd_result_free(&r);

	/* compinit registers it, and zsh's _git reads its description */
	sh_do(NULL, "mkdir -p '%s' && cp '%s/completions/_git-graft' '%s'",
	      dir, source_dir(), dir);
	out = sh_ok(NULL,
		    "zsh -f -c 'fpath=(%s $fpath); autoload -Uz compinit && "
		    "compinit -u -d %s/zcompdump && print -r -- $_comps[git-graft] && "
		    "setopt extendedglob && { _git } 2>/dev/null; "
		    "print -r -- $_git_third_party_commands[graft]'",
		    dir, harness_tmp());
	cr_expect_str_eq(out, "_git-graft\n"
			 ":manage git dependencies under .graft/ and upgrade them atomically",
			 "%s", out);
	free(out);
	free(dir);
}

Test(completion, fish_file_loads_and_completes)
{
	char *app = make_project(), *out;
	struct cmd_result r;

	r = sh(NULL, "fish --no-execute '%s/completions/git-graft.fish'", source_dir());
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_str_empty(r.err);
	cmd_result_free(&r);

	/* fish completes only commands it finds on PATH */
	out = sh_ok(app,
		    "PATH=\"$(dirname '%s'):$PATH\" "
		    "fish -c 'set -p fish_complete_path %s/completions; "
		    "complete -C \"git-graft up\"; "
		    "complete -C \"git-graft upgrade \"; "
		    "complete -C \"git-graft upgrade kb --to v2\"; "
		    "complete -C \"git-graft show kb@v1\"; "
		    "complete -C \"git-graft run kb:m\"; "
		    "complete -C \"git graft rollback --l\"; "
		    "complete -C \"git-graft upgrade --com\"; "
		    "complete -C \"git-graft upgrade --con\"; "
		    "mkdir -p .git/graft; touch .git/graft/stopped; "
		    "complete -C \"git-graft upgrade --com\"; "
		    "complete -C \"git-graft upgrade --con\"' 2>&1",
		    graft_bin(), source_dir());
	cr_expect_str_eq(out,
			 "upgrade\tUpgrade dependencies atomically\n"
			 "kb\tDependency\nother\tDependency\n"
			 "v2.0.0\tTag\n"
			 "kb@v1.0.0\tTag\n"
			 "kb:migrate\tCommand of kb\n"
			 "--list\tShow what can be rolled back\n"
			 "--commit-per-change\tMake a commit for each change\n"
			 "--continue\tGo on with the stopped upgrade once fixed", "%s", out);
	free(out);
	free(app);
}
