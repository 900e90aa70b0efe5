#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "error.h"
#include "strbuf.h"

static struct strbuf message = STRBUF_INIT;
static struct strbuf hints = STRBUF_INIT;

static void set_message(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

static void set_message(const char *fmt, va_list ap)
{
	strbuf_reset(&message);
	strbuf_reset(&hints);
	strbuf_vaddf(&message, fmt, ap);
}

int graft_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
	return GRAFT_EFAIL;
}

int graft_error_code(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
	return code;
}

int graft_error_git(int code, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	set_message(fmt, ap);
	va_end(ap);
	/* a failed write libgit2 did not describe: what the system said */
	strbuf_addf(&message, ": %s",
		    e && e->message ? e->message :
		    err ? strerror(err) : "unknown libgit2 error");
	git_error_clear();
	return code;
}

void graft_error_prefix(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addf(&sb, ": %s", message.buf);
	strbuf_reset(&message);
	strbuf_addstr(&message, sb.buf);
	strbuf_release(&sb);
}

void graft_error_hint(const char *fmt, ...)
{
	va_list ap;

	if (hints.len)
		strbuf_addch(&hints, '\n');
	va_start(ap, fmt);
	strbuf_vaddf(&hints, fmt, ap);
	va_end(ap);
}

const char *graft_error_message(void)
{
	return message.buf;
}

const char *graft_error_hints(void)
{
	return hints.len ? hints.buf : NULL;
}

void graft_error_save(struct graft_error_saved *saved)
{
	saved->message = strbuf_detach(&message);
	saved->hints = strbuf_detach(&hints);
}

void graft_error_restore(struct graft_error_saved *saved)
{
	strbuf_reset(&message);
	strbuf_reset(&hints);
	strbuf_addstr(&message, saved->message);
	strbuf_addstr(&hints, saved->hints);
	free(saved->message);
	free(saved->hints);
	saved->message = saved->hints = NULL;
}

int graft_signal_code(int sig)
{
	return GRAFT_ESIGNAL_BASE - sig;
}

int graft_code_signal(int code)
{
	return code < GRAFT_ESIGNAL_BASE && code > GRAFT_ESIGNAL_BASE - NSIG ?
	       GRAFT_ESIGNAL_BASE - code : 0;
}

int is_interrupt(int rc)
{
	return graft_code_signal(rc) != 0;
}

int graft_exit_status(int code)
{
	int sig = graft_code_signal(code);

	if (code >= 0)
		return code;
	return sig ? 128 + sig : -code;
}

void graft_error_clear(void)
{
	strbuf_release(&message);
	strbuf_release(&hints);
}

