#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/options.h"
#include "cmd/output.h"
#include "error.h"
#include "strbuf.h"

/* What -h exits with: 129 as in git, 0 for `git graft help <command>`. */
static int help_status = 129;

void options_set_help_status(int status)
{
	help_status = status;
}

static void print_usage(FILE *out, const char *const *usage,
			const struct option_spec *opts)
{
	const struct option_spec *o;
	const char *lead = "usage: ";

	for (; *usage && **usage; usage++) {
		fprintf(out, "%s%s\n", lead, *usage);
		lead = "   or: ";
	}
	/* as in git, an empty line starts text that explains the command */
	for (; *usage; usage++)
		fprintf(out, "%s%s\n", **usage ? "    " : "", *usage);
	if (!opts || opts->type == OPTION_END)
		return;
	fputc('\n', out);
	for (o = opts; o->type != OPTION_END; o++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, "    ");
		if (o->short_name)
			strbuf_addf(&sb, "-%c%s", o->short_name,
				    o->long_name ? ", " : "");
		if (o->long_name)
			strbuf_addf(&sb, "--%s%s", o->type == OPTION_BOOL &&
				    !o->short_name &&
				    strncmp(o->long_name, "no-", 3) ? "[no-]" : "",
				    o->long_name);
		if (o->argh && o->type == OPTION_OPTSTRING)
			strbuf_addf(&sb, "[=%s]", o->argh);
		else if (o->argh)
			strbuf_addf(&sb, " %s", o->argh);
		if (sb.len < 26)
			fprintf(out, "%-26s%s\n", sb.buf, o->help);
		else
			fprintf(out, "%s\n%26s%s\n", sb.buf, "", o->help);
		strbuf_release(&sb);
	}
	fputc('\n', out);
}

void usage_with_options(const char *const *usage,
			const struct option_spec *opts, int err)
{
	print_usage(err ? stderr : stdout, usage, opts);
	fflush(stdout);
	exit(err ? 129 : 0);
}

void usage_error(const char *const *usage, const struct option_spec *opts,
		 const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	out_error("%s", sb.buf);
	strbuf_release(&sb);
	usage_with_options(usage, opts, 1);
}

void exec_man_page(void)
{
	fflush(stdout);
	fflush(stderr);
	execlp("man", "man", "git-graft", (char *)NULL);
}

void show_man_page(const char *const *usage, const struct option_spec *opts)
{
	exec_man_page();
	/* no man(1), or it failed to start: the usage is the next best */
	usage_with_options(usage, opts, 0);
}

static const struct option_spec *find_long(const struct option_spec *opts,
					   const char *name, size_t len,
					   int *negated)
{
	const struct option_spec *o;

	*negated = 0;
	for (o = opts; o && o->type != OPTION_END; o++)
		if (o->long_name && strlen(o->long_name) == len &&
		    !strncmp(o->long_name, name, len))
			return o;
	if (len > 3 && !strncmp(name, "no-", 3)) {
		for (o = opts; o && o->type != OPTION_END; o++)
			if ((o->type == OPTION_BOOL ||
			     o->type == OPTION_OPTSTRING) && o->long_name &&
			    strlen(o->long_name) == len - 3 &&
			    !strncmp(o->long_name, name + 3, len - 3)) {
				*negated = 1;
				return o;
			}
	}
	/* --verify turns --no-verify off, as in git */
	for (o = opts; o && o->type != OPTION_END; o++)
		if (o->type == OPTION_BOOL && o->long_name &&
		    !strncmp(o->long_name, "no-", 3) &&
		    strlen(o->long_name) == len + 3 &&
		    !strncmp(o->long_name + 3, name, len)) {
			*negated = 1;
			return o;
		}
	return NULL;
}

static const struct option_spec *find_short(const struct option_spec *opts,
					    int c)
{
	const struct option_spec *o;

	for (o = opts; o && o->type != OPTION_END; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static void set_value(const struct option_spec *o, const char *arg,
		      const char *spelled, const char *const *usage,
		      const struct option_spec *opts)
{
	char *end;
	long n;

	switch (o->type) {
	case OPTION_STRING:
		*(const char **)o->value = arg;
		break;
	case OPTION_UINT:
		errno = 0;
		n = strtol(arg, &end, 10);
		if (!*arg || *end || errno || n < 0 || n > INT_MAX)
			usage_error(usage, opts,
				    "option '%s' expects a whole number, not '%s'",
				    spelled, arg);
		*(int *)o->value = (int)n;
		break;
	default:
		break;
	}
}

int parse_color_option(const char *arg)
{
	int mode;

	if (!strcmp(arg, "--no-color")) {
		mode = COLOR_NEVER;
	} else if (!strcmp(arg, "--color")) {
		mode = COLOR_ALWAYS;
	} else if (!strncmp(arg, "--color=", 8)) {
		if ((mode = color_mode_parse(arg + 8)) < 0)
			return graft_error_code(GRAFT_EUSAGE,
						"option '--color' expects always, never or auto, not '%s'",
						arg + 8);
	} else {
		return 0;
	}
	output_set_color_option(mode);
	output_setup_default_color();
	return 1;
}

/* The options every command understands; 1 if arg was one of them. */
static int common_option(const char *arg, const char *const *usage,
			 const struct option_spec *opts)
{
	int rc = parse_color_option(arg);

	if (rc < 0)
		usage_error(usage, opts, "%s", graft_error_message());
	if (rc)
		return 1;
	if (!strcmp(arg, "-h")) {
		/* as git's parse-options: the usage on stdout, and 129 */
		print_usage(stdout, usage, opts);
		fflush(stdout);
		exit(help_status);
	}
	if (!strcmp(arg, "--help"))
		show_man_page(usage, opts);
	return 0;
}

static int parse_long(int argc, char **argv, int i,
		      const struct option_spec *opts, const char *const *usage)
{
	const char *arg = argv[i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct option_spec *o;
	int negated;

	o = find_long(opts, arg, len, &negated);
	if (!o)
		usage_error(usage, opts, "unknown option '%s'", argv[i]);
	if (o->type == OPTION_BOOL) {
		if (eq)
			usage_error(usage, opts, "option '--%s' takes no value",
				    o->long_name);
		*(int *)o->value = !negated;
		return i;
	}
	if (o->type == OPTION_OPTSTRING) {
		struct opt_optional *v = o->value;

		if (eq && negated)
			usage_error(usage, opts, "option '--no-%s' takes no value",
				    o->long_name);
		v->given = !negated;
		v->value = eq ? eq + 1 : NULL;
		return i;
	}
	if (eq) {
		set_value(o, eq + 1, argv[i], usage, opts);
		return i;
	}
	if (i + 1 >= argc)
		usage_error(usage, opts, "option '--%s' requires a value",
			    o->long_name);
	set_value(o, argv[i + 1], argv[i], usage, opts);
	return i + 1;
}

static int parse_short(int argc, char **argv, int i,
		       const struct option_spec *opts, const char *const *usage)
{
	const char *p;

	for (p = argv[i] + 1; *p; p++) {
		const struct option_spec *o = find_short(opts, *p);
		char spelled[3] = { '-', *p, '\0' };

		if (!o)
			usage_error(usage, opts, "unknown switch '%c'", *p);
		if (o->type == OPTION_BOOL) {
			*(int *)o->value = 1;
			continue;
		}
		if (o->type == OPTION_OPTSTRING) {
			/* as git's -S[<key-id>]: the rest of the word, if any */
			((struct opt_optional *)o->value)->given = 1;
			((struct opt_optional *)o->value)->value = p[1] ? p + 1 : NULL;
			return i;
		}
		if (p[1]) {
			set_value(o, p + 1, spelled, usage, opts);
			return i;
		}
		if (i + 1 >= argc)
			usage_error(usage, opts, "switch '%c' requires a value",
				    *p);
		set_value(o, argv[i + 1], spelled, usage, opts);
		return i + 1;
	}
	return i;
}

int parse_options(int argc, char **argv, const struct option_spec *opts,
		  const char *const *usage, unsigned flags)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--")) {
			while (++i < argc)
				argv[n++] = argv[i];
			break;
		}
		if (arg[0] != '-' || !arg[1]) {
			if (flags & PARSE_OPT_STOP_AT_NON_OPTION) {
				while (i < argc)
					argv[n++] = argv[i++];
				break;
			}
			argv[n++] = argv[i];
			continue;
		}
		if (common_option(arg, usage, opts))
			continue;
		if (arg[1] == '-')
			i = parse_long(argc, argv, i, opts, usage);
		else
			i = parse_short(argc, argv, i, opts, usage);
	}
	argv[n] = NULL;
	return n;
}
