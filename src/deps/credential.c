#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include "alloc.h"
#include "deps/credential.h"
#include "error.h"
#include "exec.h"
#include "gitconfig.h"

#ifndef GIT_EXEC_PATH_DEFAULT
#define GIT_EXEC_PATH_DEFAULT "/usr/lib/git-core"
#endif

void credential_format(struct strbuf *out, const struct credential *c)
{
	strbuf_addf(out, "url=%s\n", c->url);
	if (c->username)
		strbuf_addf(out, "username=%s\n", c->username);
	if (c->password)
		strbuf_addf(out, "password=%s\n", c->password);
	strbuf_addch(out, '\n');
}

static void set_secret(char **slot, const char *value, size_t len)
{
	if (*slot) {
		memset(*slot, 0, strlen(*slot));
		free(*slot);
	}
	*slot = xstrndup(value, len);
}

int credential_parse(struct credential *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(eol - p));

		if (eq && eq - p == 8 && !strncmp(p, "username", 8))
			set_secret(&c->username, eq + 1, (size_t)(eol - eq - 1));
		else if (eq && eq - p == 8 && !strncmp(p, "password", 8))
			set_secret(&c->password, eq + 1, (size_t)(eol - eq - 1));
		p = nl ? nl + 1 : end;
	}
	return c->username && c->password ? 0 : 1;
}

/*
 * The shell command for one helper and action, as git builds it: "!cmd"
 * is a shell snippet, an absolute path is run as is, and a plain name is
 * the program git-credential-<name> (looked up on PATH and in git's exec
 * path, which is where git keeps its own helpers).
 */
static void helper_command(struct strbuf *cmd, const char *helper,
			   const char *action)
{
	if (helper[0] == '!')
		strbuf_addstr(cmd, helper + 1);
	else if (helper[0] == '/')
		strbuf_addstr(cmd, helper);
	else
		strbuf_addf(cmd, "git-credential-%s", helper);
	strbuf_addf(cmd, " %s", action);
}

/*
 * Run a shell command with input on its stdin and its stdout in answer
 * (NULL: discarded), with extra_env ("NAME=value", or NULL); stderr
 * stays the user's, where helpers may prompt. git's exec path follows
 * PATH, as git runs helpers, since git keeps its own there. Returns its
 * exit status, or -1.
 */
static int run_shell(const char *cmd, const char *input, size_t input_len,
		     struct strbuf *answer, const char *extra_env)
{
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	const char *exec_path = getenv("GIT_EXEC_PATH");
	const char *path = getenv("PATH");
	const char *env[3] = { NULL, extra_env, NULL };
	struct exec_prog prog = EXEC_PROG_INIT;
	struct exec_result res;
	struct strbuf newpath = STRBUF_INIT, discarded = STRBUF_INIT;
	int rc;

	strbuf_addf(&newpath, "PATH=%s:%s", path ? path : "/usr/bin:/bin",
		    exec_path && *exec_path ? exec_path : GIT_EXEC_PATH_DEFAULT);
	env[0] = newpath.buf;
	prog.argv = argv;
	prog.env = env;
	prog.input = input;
	prog.input_len = input_len;
	prog.out = answer ? answer : &discarded;
	if ((rc = exec_prog(&prog, &res)) < 0)
		graft_error_clear();
	else
		rc = res.exit_code;
	strbuf_release(&newpath);
	strbuf_release(&discarded);
	return rc;
}

static int run_helper(const char *helper, const char *action,
		      const struct credential *c, struct strbuf *answer)
{
	struct strbuf cmd = STRBUF_INIT, request = STRBUF_INIT;
	int rc;

	helper_command(&cmd, helper, action);
	credential_format(&request, c);
	rc = run_shell(cmd.buf, request.buf, request.len, answer, NULL);
	memset(request.buf, 0, request.len);
	strbuf_release(&request);
	strbuf_release(&cmd);
	return rc;
}

/*
 * Does the <url> of a credential.<url>.* key apply to url? As git's
 * urlmatch does in the common cases: the same scheme and host, and the
 * key's path a prefix of url's at a '/' boundary.
 */
static int url_matches(const char *pattern, size_t len, const char *url)
{
	const char *host = strstr(url, "://");

	if (!host || strncmp(pattern, url, len))
		return 0;
	if (!url[len] || url[len] == '/' || pattern[len - 1] == '/')
		return (size_t)(host + 3 - url) < len;
	return 0;
}

static void helpers_clear(struct credential *c)
{
	size_t i;

	for (i = 0; i < c->helpers_nr; i++)
		free(c->helpers[i]);
	c->helpers_nr = 0;
}

/* credential.helper and credential.<url>.helper, in config order. */
static int read_helpers(struct credential *c, git_config *cfg)
{
	git_config_iterator *it = NULL;
	git_config_entry *e;
	int rc;

	if (!cfg)
		return 0;
	if (git_config_iterator_glob_new(&it, cfg, "^credential\\..*helper$") < 0)
		return graft_error_git(GRAFT_EFAIL, "cannot read credential.helper");
	while ((rc = git_config_next(&e, it)) == 0) {
		const char *middle = e->name + strlen("credential.");
		size_t len = strlen(middle) - strlen("helper");

		if (len && (middle[len - 1] != '.' ||
			    !url_matches(middle, len - 1, c->url)))
			continue;
		if (!e->value || !*e->value) {
			helpers_clear(c);
			continue;
		}
		ALLOC_GROW(c->helpers, c->helpers_nr + 1, c->helpers_alloc);
		c->helpers[c->helpers_nr++] = xstrdup(e->value);
	}
	git_config_iterator_free(it);
	if (rc != GIT_ITEROVER)
		return graft_error_git(GRAFT_EFAIL, "cannot read credential.helper");
	git_error_clear();
	return 0;
}

/* Ask an askpass program: its first line of output is the answer. */
static int ask_program(char **out, const char *program, const char *prompt)
{
	struct strbuf cmd = STRBUF_INIT, answer = STRBUF_INIT, env = STRBUF_INIT;
	char *nl;
	int rc;

	/* the prompt is passed in the environment, never pasted into the command */
	strbuf_addf(&cmd, "%s \"$GRAFT_ASKPASS_PROMPT\"", program);
	strbuf_addf(&env, "GRAFT_ASKPASS_PROMPT=%s", prompt);
	rc = run_shell(cmd.buf, "", 0, &answer, env.buf);
	strbuf_release(&env);
	strbuf_release(&cmd);
	if (rc != 0) {
		strbuf_release(&answer);
		return -1;
	}
	if ((nl = strchr(answer.buf, '\n')))
		*nl = '\0';
	*out = xstrdup(answer.buf);
	memset(answer.buf, 0, answer.len);
	strbuf_release(&answer);
	return 0;
}

/* Ask on the terminal itself, without echo for a password. */
static int ask_terminal(char **out, const char *prompt, int echo)
{
	struct termios old, quiet;
	char buf[1024];
	FILE *tty = fopen("/dev/tty", "r+");
	int restored = 1;
	char *nl;

	if (!tty)
		return -1;
	fputs(prompt, tty);
	fflush(tty);
	if (!echo && !tcgetattr(fileno(tty), &old)) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restored = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) != 0;
	}
	if (!fgets(buf, sizeof(buf), tty))
		buf[0] = '\0';
	if (!echo && !restored) {
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fputc('\n', tty);
	}
	fclose(tty);
	if ((nl = strchr(buf, '\n')))
		*nl = '\0';
	*out = xstrdup(buf);
	memset(buf, 0, sizeof(buf));
	return 0;
}

static int ask(char **out, git_config *cfg, const char *prompt, int echo)
{
	const char *env = getenv("GIT_ASKPASS");
	const char *term = getenv("GIT_TERMINAL_PROMPT");
	char *config_askpass = NULL;
	int rc;

	if (env && *env)
		return ask_program(out, env, prompt);
	if (cfg && gitconfig_get_string(cfg, "core.askPass", &config_askpass) == 0 &&
	    config_askpass && *config_askpass) {
		rc = ask_program(out, config_askpass, prompt);
		free(config_askpass);
		return rc;
	}
	free(config_askpass);
	graft_error_clear();
	env = getenv("SSH_ASKPASS");
	if (env && *env)
		return ask_program(out, env, prompt);
	if (term && !strcmp(term, "0"))
		return -1;
	return ask_terminal(out, prompt, echo);
}

static int prompt_user(struct credential *c, git_config *cfg)
{
	struct strbuf prompt = STRBUF_INIT;
	int rc = 0;

	if (!c->username) {
		strbuf_addf(&prompt, "Username for '%s': ", c->url);
		rc = ask(&c->username, cfg, prompt.buf, 1);
	}
	if (!rc && !c->password) {
		strbuf_reset(&prompt);
		strbuf_addf(&prompt, "Password for '%s': ", c->url);
		rc = ask(&c->password, cfg, prompt.buf, 0);
	}
	strbuf_release(&prompt);
	return rc;
}

int credential_fill(struct credential *c, git_config *cfg, const char *url,
		    const char *username)
{
	git_config *own = NULL;
	size_t i;
	int rc;

	credential_release(c);
	c->url = xstrdup(url);
	c->username = username && *username ? xstrdup(username) : NULL;
	if (!cfg) {
		if (git_config_open_default(&own) < 0)
			git_error_clear();
		cfg = own;
	}
	if ((rc = read_helpers(c, cfg)) < 0)
		goto done;
	for (i = 0; i < c->helpers_nr; i++) {
		struct strbuf answer = STRBUF_INIT;
		int found;

		if (run_helper(c->helpers[i], "get", c, &answer) != 0) {
			strbuf_release(&answer);
			continue;
		}
		found = credential_parse(c, answer.buf, answer.len) == 0;
		memset(answer.buf, 0, answer.len);
		strbuf_release(&answer);
		if (found)
			goto done;
	}
	if (prompt_user(c, cfg) < 0)
		rc = graft_error("cannot get a username and password for '%s': no credential helper gave one, and there is no terminal or askpass program to ask",
				 url);
done:
	git_config_free(own);
	return rc;
}

static void tell(const char *action, const struct credential *c)
{
	size_t i;

	if (!c->url || !c->username || !c->password)
		return;
	for (i = 0; i < c->helpers_nr; i++)
		run_helper(c->helpers[i], action, c, NULL);
}

void credential_approve(const struct credential *c)
{
	tell("store", c);
}

void credential_reject(const struct credential *c)
{
	tell("erase", c);
}

void credential_release(struct credential *c)
{
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->url);
	free(c->username);
	free(c->password);
	helpers_clear(c);
	free(c->helpers);
	memset(c, 0, sizeof(*c));
}
