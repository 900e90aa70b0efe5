#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "error.h"
#include "gitconfig.h"
#include "ident.h"
#include "strbuf.h"

struct role_keys {
	const char *what;	/* "author" */
	const char *name_env, *email_env, *date_env;
	const char *name_key, *email_key;
};

static const struct role_keys roles[] = {
	[IDENT_AUTHOR] = { "author", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
			   "GIT_AUTHOR_DATE", "author.name", "author.email" },
	[IDENT_COMMITTER] = { "committer", "GIT_COMMITTER_NAME",
			      "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE",
			      "committer.name", "committer.email" },
};

/* git's ident.c: what is trimmed from the ends of a name or email */
static int is_crud(unsigned char c)
{
	return c <= 32 || c == '.' || c == ',' || c == ':' || c == ';' ||
	       c == '<' || c == '>' || c == '"' || c == '\\' || c == '\'';
}

/* git's strbuf_addstr_without_crud(), returning a new string. */
static char *without_crud(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(s);

	while (len && is_crud((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && is_crud((unsigned char)s[len - 1]))
		len--;
	for (; len; s++, len--)
		if (*s != '\n' && *s != '<' && *s != '>')
			strbuf_addch(&sb, *s);
	return strbuf_detach(&sb);
}

/* As git commit, which dies (128) with this advice. */
static int unknown_identity(const char *what, const char *missing)
{
	int rc = graft_error_code(GRAFT_EFATAL,
				  "%s identity unknown: no %s is configured",
				  what, missing);

	graft_error_hint("*** Please tell me who you are.\n"
			 "\n"
			 "Run\n"
			 "\n"
			 "  git config --global user.email \"you@example.com\"\n"
			 "  git config --global user.name \"Your Name\"\n"
			 "\n"
			 "to set your account's default identity.\n"
			 "Omit --global to set the identity only in this repository.");
	return rc;
}

/* The first of the environment variable, then each config key, that is set. */
static int lookup(char **out, git_config *cfg, const char *env,
		  const char *key1, const char *key2)
{
	const char *value = getenv(env);
	int rc;

	*out = NULL;
	if (value) {
		*out = xstrdup(value);
		return 0;
	}
	if ((rc = gitconfig_get_string(cfg, key1, out)) < 0 || *out)
		return rc;
	return gitconfig_get_string(cfg, key2, out);
}

static int local_offset(time_t when)
{
	struct tm tm;

	if (!localtime_r(&when, &tm))
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

int ident_signature(git_signature **out, enum ident_role role,
		    git_config *cfg)
{
	const struct role_keys *k = &roles[role];
	char *raw_name = NULL, *raw_email = NULL, *name = NULL, *email = NULL;
	const char *date = getenv(k->date_env);
	git_time_t when;
	int offset, rc;

	*out = NULL;
	if ((rc = lookup(&raw_name, cfg, k->name_env, k->name_key,
			 "user.name")) < 0 ||
	    (rc = lookup(&raw_email, cfg, k->email_env, k->email_key,
			 "user.email")) < 0)
		goto done;
	if (!raw_email && getenv("EMAIL"))
		raw_email = xstrdup(getenv("EMAIL"));
	if (!raw_email) {
		rc = unknown_identity(k->what, "email address");
		goto done;
	}
	if (!raw_name) {
		rc = unknown_identity(k->what, "name");
		goto done;
	}
	name = without_crud(raw_name);
	email = without_crud(raw_email);
	if (!*name) {
		rc = graft_error("empty ident name (for <%s>) not allowed", email);
		goto done;
	}
	if (!*email) {
		rc = graft_error("empty ident email (for %s) not allowed", name);
		goto done;
	}
	if (date && *date) {
		if ((rc = ident_parse_date(date, &when, &offset)) < 0) {
			graft_error_prefix("%s", k->date_env);
			goto done;
		}
	} else {
		when = (git_time_t)time(NULL);
		offset = local_offset((time_t)when);
	}
	if (git_signature_new(out, name, email, when, offset) < 0)
		rc = graft_error_git(GRAFT_EFAIL, "invalid %s identity '%s <%s>'",
				     k->what, name, email);
done:
	free(raw_name);
	free(raw_email);
	free(name);
	free(email);
	return rc;
}

int ident_resolve(git_signature **author, git_signature **committer,
		  git_repository *repo)
{
	git_signature *a = NULL, *c = NULL;
	git_config *cfg = NULL;
	int rc;

	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return graft_error_git(GRAFT_EFATAL,
				       "cannot read the repository's config");
	if ((rc = ident_signature(&a, IDENT_AUTHOR, cfg)) < 0 ||
	    (rc = ident_signature(&c, IDENT_COMMITTER, cfg)) < 0)
		goto done;
	if (author) {
		*author = a;
		a = NULL;
	}
	if (committer) {
		*committer = c;
		c = NULL;
	}
done:
	git_signature_free(a);
	git_signature_free(c);
	git_config_free(cfg);
	return rc;
}

/* ---- dates ------------------------------------------------------------ */

struct date_fields {
	int year, month, day, hour, minute, second;
	int have_date, have_time, have_tz, have_epoch;
	int tz;			/* minutes east of UTC */
	long long epoch;
};

static const char *const month_names[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
};

static const char *const day_names[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday",
};

/* Index of the name word abbreviates (3 letters at least), or -1. */
static int match_name(const char *word, size_t len, const char *const *names,
		      int n)
{
	int i;

	if (len < 3)
		return -1;
	for (i = 0; i < n; i++)
		if (len <= strlen(names[i]) && !strncasecmp(word, names[i], len))
			return i;
	return -1;
}

/* Read up to max digits; returns how many were read. */
static int read_digits(const char **s, int max, long long *value)
{
	int n = 0;

	*value = 0;
	while (n < max && isdigit((unsigned char)**s)) {
		*value = *value * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	return n;
}

/* "+HHMM", "-HH:MM", "+HH" */
static int parse_zone(const char **s, struct date_fields *f)
{
	int sign = **s == '-' ? -1 : 1;
	long long hours, minutes = 0;
	int n;

	(*s)++;
	n = read_digits(s, 4, &hours);
	if (n == 4) {
		minutes = hours % 100;
		hours /= 100;
	} else if (n == 2 && **s == ':') {
		(*s)++;
		if (read_digits(s, 2, &minutes) != 2)
			return -1;
	} else if (n != 2) {
		return -1;
	}
	if (hours > 14 || minutes > 59 || f->have_tz)
		return -1;
	f->have_tz = 1;
	f->tz = sign * (int)(hours * 60 + minutes);
	return 0;
}

/* "HH:MM[:SS[.fraction]]", the hour already read */
static int parse_time(const char **s, long long hour, struct date_fields *f)
{
	long long minute, second = 0, frac;

	(*s)++;
	if (read_digits(s, 2, &minute) != 2)
		return -1;
	if (**s == ':') {
		(*s)++;
		if (read_digits(s, 2, &second) != 2)
			return -1;
		if (**s == '.' && isdigit((unsigned char)(*s)[1])) {
			(*s)++;
			read_digits(s, 32, &frac);
		}
	}
	if (f->have_time || hour > 23 || minute > 59 || second > 60)
		return -1;
	f->have_time = 1;
	f->hour = (int)hour;
	f->minute = (int)minute;
	f->second = (int)second;
	return 0;
}

/* "YYYY-MM-DD" (or with '.' or '/'), the year already read */
static int parse_ymd(const char **s, long long year, struct date_fields *f)
{
	char sep = **s;
	long long month, day;

	(*s)++;
	if (!read_digits(s, 2, &month) || **s != sep)
		return -1;
	(*s)++;
	if (!read_digits(s, 2, &day))
		return -1;
	if (f->have_date || f->year || f->month || f->day)
		return -1;
	f->have_date = 1;
	f->year = (int)year;
	f->month = (int)month;
	f->day = (int)day;
	/* ISO 8601 joins date and time with a 'T' */
	if ((**s == 'T' || **s == 't') && isdigit((unsigned char)(*s)[1]))
		(*s)++;
	return 0;
}

static int parse_word(const char **s, struct date_fields *f)
{
	const char *start = *s;
	size_t len;
	int i;

	while (isalpha((unsigned char)**s))
		(*s)++;
	len = (size_t)(*s - start);
	if ((len == 1 && (*start == 'Z' || *start == 'z')) ||
	    (len == 3 && (!strncasecmp(start, "UTC", 3) ||
			  !strncasecmp(start, "GMT", 3)))) {
		if (f->have_tz)
			return -1;
		f->have_tz = 1;
		f->tz = 0;
		return 0;
	}
	if ((i = match_name(start, len, month_names, 12)) >= 0) {
		if (f->month)
			return -1;
		f->month = i + 1;
		return 0;
	}
	return match_name(start, len, day_names, 7) >= 0 ? 0 : -1;
}

/* "@<seconds since 1970>", the '@' already read */
static int parse_epoch(const char **s, struct date_fields *f)
{
	if (f->have_epoch || !read_digits(s, 18, &f->epoch))
		return -1;
	f->have_epoch = 1;
	return 0;
}

static int parse_number(const char **s, struct date_fields *f)
{
	long long n;
	int len = read_digits(s, 18, &n);

	if (**s == ':')
		return parse_time(s, n, f);
	if (len == 4 && (**s == '-' || **s == '.' || **s == '/'))
		return parse_ymd(s, n, f);
	/* git reads any number of more than 8 digits as seconds since 1970 */
	if (len > 8) {
		if (f->have_epoch)
			return -1;
		f->have_epoch = 1;
		f->epoch = n;
		return 0;
	}
	if (len == 4 && !f->year) {
		f->year = (int)n;
		return 0;
	}
	if (len <= 2 && !f->day) {
		f->day = (int)n;
		return 0;
	}
	return -1;
}

static int parse_fields(const char *s, struct date_fields *f)
{
	while (*s) {
		unsigned char c = (unsigned char)*s;
		int rc;

		if (isspace(c) || c == ',') {
			s++;
			continue;
		}
		if (c == '@' && isdigit((unsigned char)s[1])) {
			s++;
			rc = parse_epoch(&s, f);
		} else if (isalpha(c)) {
			rc = parse_word(&s, f);
		} else if (isdigit(c)) {
			rc = parse_number(&s, f);
		} else if ((c == '+' || c == '-') && isdigit((unsigned char)s[1])) {
			rc = parse_zone(&s, f);
		} else {
			rc = -1;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int fields_to_time(const struct date_fields *f, git_time_t *when,
			  int *offset)
{
	struct tm tm;
	time_t t;

	if (f->have_epoch) {
		if (f->year || f->month || f->day || f->have_time)
			return -1;
		*when = (git_time_t)f->epoch;
		*offset = f->have_tz ? f->tz : local_offset((time_t)f->epoch);
		return 0;
	}
	if (!f->year || !f->month || !f->day || f->year < 1970 ||
	    f->month > 12 || f->day > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = f->year - 1900;
	tm.tm_mon = f->month - 1;
	tm.tm_mday = f->day;
	tm.tm_hour = f->hour;
	tm.tm_min = f->minute;
	tm.tm_sec = f->second;
	if (f->have_tz) {
		t = timegm(&tm);
		*when = (git_time_t)t - (git_time_t)f->tz * 60;
		*offset = f->tz;
	} else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
		*when = (git_time_t)t;
		*offset = (int)(tm.tm_gmtoff / 60);
	}
	return t == (time_t)-1 ? -1 : 0;
}

int ident_parse_date(const char *s, git_time_t *when, int *offset)
{
	struct date_fields f;

	memset(&f, 0, sizeof(f));
	if (parse_fields(s, &f) < 0 || fields_to_time(&f, when, offset) < 0)
		return graft_error("invalid date format: %s", s);
	return 0;
}
