#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd/output.h"
#include "error.h"
#include "gitconfig.h"
#include "snapshot/oplock.h"
#include "strbuf.h"

static int color_option = COLOR_UNSET;
static int color_mode = COLOR_NEVER;	/* as output_setup_color decided it */
static int color_pager = 1;		/* color.pager */
static int color_stdout;
static int color_stderr;
static int quiet;
static int hints_muted = -1;

static const char *const color_codes[] = {
	[COLOR_RESET] = "\033[m",
	[COLOR_ERROR] = "\033[1;31m",
	[COLOR_WARNING] = "\033[1;33m",
	[COLOR_HINT] = "\033[33m",
	[COLOR_BOLD] = "\033[1m",
	[COLOR_GOOD] = "\033[32m",
	[COLOR_BAD] = "\033[31m",
	[COLOR_DIM] = "\033[2m",
	[COLOR_HEADER] = "\033[1;36m",
};

int color_mode_parse(const char *s)
{
	if (!strcasecmp(s, "always") || !strcasecmp(s, "true") ||
	    !strcasecmp(s, "yes") || !strcasecmp(s, "on") || !strcmp(s, "1"))
		return COLOR_ALWAYS;
	if (!strcasecmp(s, "never") || !strcasecmp(s, "false") ||
	    !strcasecmp(s, "no") || !strcasecmp(s, "off") || !strcmp(s, "0"))
		return COLOR_NEVER;
	if (!strcasecmp(s, "auto"))
		return COLOR_AUTO;
	return -1;
}

void output_set_color_option(int mode)
{
	color_option = mode;
}

static int config_color(git_config *cfg)
{
	static const char *const keys[] = { "color.graft", "color.ui" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		char *value = NULL;
		int mode;

		if (gitconfig_get_string(cfg, keys[i], &value) < 0 || !value)
			continue;
		mode = color_mode_parse(value);
		free(value);
		if (mode >= 0)
			return mode;
	}
	return COLOR_UNSET;
}

/* git's pager (pager.graft) or ours reads stdout: GIT_PAGER_IN_USE */
static int stdout_paged(void)
{
	const char *v = getenv("GIT_PAGER_IN_USE");

	return v && gitconfig_parse_bool(v) == 1 && color_pager;
}

static int stream_wants_color(int mode, int fd)
{
	const char *term;

	if (mode == COLOR_ALWAYS)
		return 1;
	if (mode == COLOR_NEVER)
		return 0;
	term = getenv("TERM");
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(fd) || (fd == STDOUT_FILENO && stdout_paged());
}

void output_setup_color(git_config *cfg)
{
	int mode = color_option;
	const char *no_color = getenv("NO_COLOR");

	/*
	 * Precedence: --[no-]color, then color.graft, then color.ui; NO_COLOR
	 * only turns off the automatic default, as no-color.org asks.
	 */
	if (mode == COLOR_UNSET)
		mode = config_color(cfg);
	if (mode == COLOR_UNSET || mode == COLOR_AUTO) {
		if (no_color && *no_color)
			mode = COLOR_NEVER;
		else
			mode = COLOR_AUTO;
	}
	if (cfg && gitconfig_get_bool(cfg, "color.pager", &color_pager) < 0)
		graft_error_clear();
	color_mode = mode;
	color_stdout = stream_wants_color(mode, STDOUT_FILENO);
	color_stderr = stream_wants_color(mode, STDERR_FILENO);

	hints_muted = 0;
	if (getenv("GIT_ADVICE") && !strcmp(getenv("GIT_ADVICE"), "0"))
		hints_muted = 1;
	else {
		int enabled = 1;

		if (gitconfig_get_bool(cfg, "advice.graftHints", &enabled) == 0 &&
		    !enabled)
			hints_muted = 1;
	}
}

void output_setup_default_color(void)
{
	git_config *cfg = NULL;

	/* outside a repository the user's own config still chooses colour */
	if (git_config_open_default(&cfg) < 0)
		git_error_clear();
	output_setup_color(cfg);
	git_config_free(cfg);
}

void output_pager_started(void)
{
	color_stdout = stream_wants_color(color_mode, STDOUT_FILENO);
}

static int output_use_color(FILE *stream)
{
	if (stream == stdout)
		return color_stdout;
	if (stream == stderr)
		return color_stderr;
	return 0;
}

const char *color(FILE *stream, enum color_slot slot)
{
	return output_use_color(stream) ? color_codes[slot] : "";
}

int output_write_failed(int err)
{
	return err != EPIPE && !oplock_was_taken();
}

void output_set_quiet(int q)
{
	quiet = q;
}

int output_is_quiet(void)
{
	return quiet;
}

void out_sanitized(FILE *stream, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			c = '?';
		fputc(c, stream);
	}
}

size_t text_width(const char *s)
{
	size_t width = 0;

	for (; *s; s++)
		width += ((unsigned char)*s & 0xc0) != 0x80;
	return width;
}

void out_indented(FILE *stream, const char *s, size_t indent)
{
	struct strbuf line = STRBUF_INIT;
	const char *end;
	size_t i;

	for (;;) {
		end = strchrnul(s, '\n');
		strbuf_reset(&line);
		strbuf_add(&line, s, (size_t)(end - s));
		out_sanitized(stream, line.buf);
		if (!*end)
			break;
		fputc('\n', stream);
		s = end + 1;
		if (*s && *s != '\n')
			for (i = 0; i < indent; i++)
				fputc(' ', stream);
	}
	strbuf_release(&line);
}

static void report(enum color_slot slot, const char *prefix,
		   const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void report(enum color_slot slot, const char *prefix,
		   const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_vaddf(&sb, fmt, ap);
	fflush(stdout);
	fprintf(stderr, "%s%s%s ", color(stderr, slot), prefix,
		color(stderr, COLOR_RESET));
	out_sanitized(stderr, sb.buf);
	fputc('\n', stderr);
	strbuf_release(&sb);
}

void out_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(COLOR_ERROR, "fatal:", fmt, ap);
	va_end(ap);
}

void out_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(COLOR_ERROR, "error:", fmt, ap);
	va_end(ap);
}

void out_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(COLOR_WARNING, "warning:", fmt, ap);
	va_end(ap);
}

void out_hint(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	const char *line;
	va_list ap;

	if (hints_muted == 1)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fflush(stdout);
	for (line = sb.buf; *line;) {
		const char *end = strchrnul(line, '\n');
		char *copy = strndup(line, (size_t)(end - line));

		fprintf(stderr, "%shint: ", color(stderr, COLOR_HINT));
		if (copy)
			out_sanitized(stderr, copy);
		fprintf(stderr, "%s\n", color(stderr, COLOR_RESET));
		free(copy);
		line = *end ? end + 1 : end;
	}
	strbuf_release(&sb);
}

void out_info(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	fflush(stdout);
	out_sanitized(stderr, sb.buf);
	fputc('\n', stderr);
	strbuf_release(&sb);
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

json_t *json_text(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p;
	json_t *j;

	if (!s)
		return json_null();
	for (p = (const unsigned char *)s; *p;) {
		size_t n = utf8_seq_len(p);

		if (n) {
			strbuf_add(&sb, p, n);
			p += n;
		} else {
			strbuf_addstr(&sb, "\xef\xbf\xbd");
			p++;
		}
	}
	j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

int output_json(json_t *root)
{
	int rc;

	if (!root)
		return graft_error("cannot build the JSON output");
	rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if ((rc < 0 || fputc('\n', stdout) == EOF || fflush(stdout) == EOF) &&
	    output_write_failed(errno))
		return graft_error("cannot write the JSON output");
	return 0;
}

int graft_error_report(int code)
{
	const char *message = graft_error_message(), *hints = graft_error_hints();

	if (code >= 0)
		return code;
	if (*message) {
		if (code == GRAFT_EFATAL)
			out_fatal("%s", message);
		else
			out_error("%s", message);
	}
	if (hints)
		out_hint("%s", hints);
	graft_error_clear();
	return graft_exit_status(code);
}

void output_report(enum report_kind kind, const char *message)
{
	switch (kind) {
	case REPORT_RESULT:
		if (!quiet) {
			out_sanitized(stdout, message);
			fputc('\n', stdout);
		}
		break;
	case REPORT_INFO:
		out_info("%s", message);
		break;
	case REPORT_WARNING:
		out_warning("%s", message);
		break;
	case REPORT_HINT:
		out_hint("%s", message);
		break;
	case REPORT_ERROR:
		out_error("%s", message);
		break;
	case REPORT_PROGRESS:
		if (!quiet && isatty(STDERR_FILENO)) {
			fflush(stdout);
			fputc('\r', stderr);
			out_sanitized(stderr, message);
			fflush(stderr);
		}
		break;
	}
}
