#include <stdarg.h>
#include <stdio.h>

#include "report.h"
#include "strbuf.h"

static void plain(enum report_kind kind, const char *message)
{
	static const char *const prefix[] = {
		[REPORT_RESULT] = "",
		[REPORT_INFO] = "",
		[REPORT_WARNING] = "warning: ",
		[REPORT_HINT] = "hint: ",
		[REPORT_ERROR] = "error: ",
	};

	/* a line redrawn in place is for a terminal, which only a sink knows */
	if (kind == REPORT_PROGRESS)
		return;
	fprintf(kind == REPORT_RESULT ? stdout : stderr, "%s%s\n",
		prefix[kind], message);
}

static report_sink_fn sink = plain;

void report_set_sink(report_sink_fn fn)
{
	sink = fn ? fn : plain;
}

static void send(enum report_kind kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void send(enum report_kind kind, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_vaddf(&sb, fmt, ap);
	sink(kind, sb.buf);
	strbuf_release(&sb);
}

void graft_result(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send(REPORT_RESULT, fmt, ap);
	va_end(ap);
}

void graft_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send(REPORT_INFO, fmt, ap);
	va_end(ap);
}

void graft_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send(REPORT_WARNING, fmt, ap);
	va_end(ap);
}

void graft_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send(REPORT_HINT, fmt, ap);
	va_end(ap);
}

void graft_report_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send(REPORT_ERROR, fmt, ap);
	va_end(ap);
}

void graft_progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send(REPORT_PROGRESS, fmt, ap);
	va_end(ap);
}
