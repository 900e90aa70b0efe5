#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "credential.h"
#include "error.h"

void credential_format(struct strbuf *out, const struct credential *c)
{
	strbuf_addf(out, "url=%s\n", c->url);
	if (c->username)
		strbuf_addf(out, "username=%s\n", c->username);
	if (c->password)
		strbuf_addf(out, "password=%s\n", c->password);
	strbuf_addch(out, '\n');
}

int credential_parse(struct credential *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(eol - p));

		if (eq && eq - p == 8 && !strncmp(p, "username", 8)) {
			free(c->username);
			c->username = xstrndup(eq + 1, (size_t)(eol - eq - 1));
		} else if (eq && eq - p == 8 && !strncmp(p, "password", 8)) {
			free(c->password);
			c->password = xstrndup(eq + 1, (size_t)(eol - eq - 1));
		}
		p = nl ? nl + 1 : end;
	}
	if (!c->username || !c->password)
		return graft_error("git credential gave no username and password for '%s'",
				   c->url);
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Run `git credential <action>` with request on its stdin; its stdout
 * goes to answer (NULL: discarded). Its stderr stays the user's terminal,
 * where git prompts. Returns git's exit status, or -1.
 */
static int run_git_credential(const char *action, const struct strbuf *request,
			      struct strbuf *answer)
{
	int in[2], out[2], status;
	void (*old_pipe)(int);
	char chunk[4096];
	ssize_t n;
	pid_t pid;

	if (pipe(in) < 0)
		return -1;
	if (pipe(out) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return -1;
	}
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execlp("git", "git", "credential", action, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* a helper that exits without reading must not kill us */
	old_pipe = signal(SIGPIPE, SIG_IGN);
	write_all(in[1], request->buf, request->len);
	close(in[1]);
	signal(SIGPIPE, old_pipe);
	while ((n = read(out[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (answer)
			strbuf_add(answer, chunk, (size_t)n);
	}
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int credential_fill(struct credential *c, const char *url,
		    const char *username)
{
	struct strbuf request = STRBUF_INIT, answer = STRBUF_INIT;
	int rc;

	credential_release(c);
	c->url = xstrdup(url);
	c->username = username && *username ? xstrdup(username) : NULL;
	credential_format(&request, c);
	if (run_git_credential("fill", &request, &answer) != 0)
		rc = graft_error("cannot get a username and password for '%s' from 'git credential fill'",
				 url);
	else
		rc = credential_parse(c, answer.buf, answer.len);
	strbuf_release(&request);
	/* the answer holds the password */
	memset(answer.buf, 0, answer.len);
	strbuf_release(&answer);
	return rc;
}

static void tell(const char *action, const struct credential *c)
{
	struct strbuf request = STRBUF_INIT;

	if (!c->url || !c->username || !c->password)
		return;
	credential_format(&request, c);
	run_git_credential(action, &request, NULL);
	memset(request.buf, 0, request.len);
	strbuf_release(&request);
}

void credential_approve(const struct credential *c)
{
	tell("approve", c);
}

void credential_reject(const struct credential *c)
{
	tell("reject", c);
}

void credential_release(struct credential *c)
{
	if (c->password)
		memset(c->password, 0, strlen(c->password));
	free(c->url);
	free(c->username);
	free(c->password);
	c->url = c->username = c->password = NULL;
}
