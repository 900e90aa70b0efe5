#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deps/protocol.h"
#include "deps/transfer.h"
#include "error.h"
#include "report.h"
#include "strbuf.h"

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
	caught_signal = sig;
}

/* Callbacks return this to make libgit2 stop (GIT_EUSER). */
static int cancelled(void)
{
	if (!caught_signal)
		return 0;
	git_error_set_str(GIT_ERROR_CALLBACK, "interrupted");
	return -1;
}

static void human_size(char *buf, size_t size, size_t bytes)
{
	if (bytes >= 1024 * 1024)
		snprintf(buf, size, "%.2f MiB", (double)bytes / (1024 * 1024));
	else
		snprintf(buf, size, "%.2f KiB", (double)bytes / 1024);
}

static int on_progress(const git_indexer_progress *p, void *payload)
{
	struct transfer *t = payload;
	unsigned percent;
	int done;
	char size[32];

	if (!p->total_objects)
		return cancelled();
	if (!t->receiving_done) {
		percent = (unsigned)(100ull * p->received_objects /
				     p->total_objects);
		done = p->received_objects == p->total_objects;
		if (percent == t->last_percent && t->line_open && !done)
			return cancelled();
		t->last_percent = percent;
		human_size(size, sizeof(size), p->received_bytes);
		graft_progress("Receiving objects: %3u%% (%u/%u), %s%s", percent,
			       p->received_objects, p->total_objects, size,
			       done ? ", done.\n" : "");
		t->line_open = !done;
		if (done) {
			t->receiving_done = 1;
			t->last_percent = 101;
		}
	} else if (p->total_deltas && !t->deltas_done) {
		percent = (unsigned)(100ull * p->indexed_deltas / p->total_deltas);
		done = p->indexed_deltas == p->total_deltas;
		if (percent == t->last_percent && !done)
			return cancelled();
		t->last_percent = percent;
		graft_progress("Resolving deltas: %3u%% (%u/%u)%s", percent,
			       p->indexed_deltas, p->total_deltas,
			       done ? ", done.\n" : "");
		t->line_open = !done;
		t->deltas_done = done;
	}
	return cancelled();
}

/*
 * The remote's own messages ("Counting objects: 10%\r..."), shown as git
 * shows them: each segment prefixed, a '\r' redrawing the same line.
 */
static int on_sideband(const char *text, int len, void *payload)
{
	struct transfer *t = payload;
	const char *p = text, *end = text + (len > 0 ? len : 0);

	while (p < end) {
		const char *seg = p;
		int ends_line;

		while (p < end && *p != '\r' && *p != '\n')
			p++;
		ends_line = p < end && *p == '\n';
		graft_progress("remote: %.*s%s", (int)(p - seg), seg,
			       ends_line ? "\n" : "");
		t->line_open = !ends_line;
		if (p < end)
			p++;
	}
	return cancelled();
}

static const char *login_name(void)
{
	const struct passwd *pw = getpwuid(getuid());

	return pw && pw->pw_name ? pw->pw_name : "git";
}

static int on_credentials(git_credential **out, const char *url,
			  const char *username_from_url,
			  unsigned int allowed, void *payload)
{
	struct transfer *t = payload;
	const char *user = username_from_url && *username_from_url ?
		username_from_url : NULL;

	if (cancelled())
		return -1;
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		if (t->ssh_attempts++) {
			git_error_set_str(GIT_ERROR_SSH,
					  "ssh authentication failed; is a key for this host loaded in ssh-agent ('ssh-add -l')?");
			return GIT_EAUTH;
		}
		return git_credential_ssh_key_from_agent(out, user ? user :
							 login_name());
	}
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		if (t->password_attempts++) {
			credential_reject(&t->cred);
			credential_release(&t->cred);
			git_error_set_str(GIT_ERROR_HTTP,
					  "authentication failed: the username or password was not accepted");
			return GIT_EAUTH;
		}
		if (credential_fill(&t->cred, t->config, url, user) < 0) {
			git_error_set_str(GIT_ERROR_HTTP, graft_error_message());
			graft_error_clear();
			return GIT_EAUTH;
		}
		return git_credential_userpass_plaintext_new(out, t->cred.username,
							     t->cred.password);
	}
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user ? user :
						   login_name());
	return GIT_PASSTHROUGH;
}

int transfer_begin(struct transfer *t, git_repository *repo, const char *url,
		   git_remote_callbacks *callbacks)
{
	struct sigaction sa;
	int rc;

	memset(t, 0, sizeof(*t));
	t->url = url;
	if (repo && git_repository_config(&t->config, repo) < 0) {
		git_error_clear();
		t->config = NULL;
	}
	if ((rc = protocol_check(url, t->config)) < 0) {
		git_config_free(t->config);
		t->config = NULL;
		return rc;
	}
	t->last_percent = 101;
	callbacks->transfer_progress = on_progress;
	callbacks->sideband_progress = on_sideband;
	callbacks->credentials = on_credentials;
	callbacks->payload = t;

	caught_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a blocked network read returns and libgit2 stops */
	sigaction(SIGINT, &sa, &t->old_int);
	sigaction(SIGTERM, &sa, &t->old_term);
	return 0;
}

int transfer_end(struct transfer *t, int git_rc, const char *context, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	int rc = 0;

	sigaction(SIGINT, &t->old_int, NULL);
	sigaction(SIGTERM, &t->old_term, NULL);
	git_config_free(t->config);
	t->config = NULL;
	if (t->line_open)
		graft_progress("\n");
	if (git_rc == 0 && !caught_signal) {
		credential_approve(&t->cred);
		credential_release(&t->cred);
		return 0;
	}
	credential_release(&t->cred);
	va_start(ap, context);
	strbuf_vaddf(&msg, context, ap);
	va_end(ap);
	if (caught_signal) {
		git_error_clear();
		rc = graft_error_code(caught_signal == SIGTERM ? GRAFT_ETERM :
				      GRAFT_EINT, "%s: interrupted", msg.buf);
	} else {
		rc = graft_error_git(GRAFT_EFAIL, "%s", msg.buf);
	}
	strbuf_release(&msg);
	return rc;
}
