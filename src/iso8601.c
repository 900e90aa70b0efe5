#include <ctype.h>
#include <string.h>

#include "iso8601.h"

void iso8601_format(char *buf, size_t size, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	if (!strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) && size)
		buf[0] = '\0';
}

void iso8601_now(char *buf, size_t size)
{
	iso8601_format(buf, size, time(NULL));
}

static int digits(const char *s, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int num(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int is_iso8601(const char *s)
{
	const char *p;

	if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' ||
	    !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2) ||
	    s[10] != 'T' || !digits(s + 11, 2) || s[13] != ':' ||
	    !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return 0;
	if (num(s + 5, 2) < 1 || num(s + 5, 2) > 12 || num(s + 8, 2) < 1 ||
	    num(s + 8, 2) > 31 || num(s + 11, 2) > 23 ||
	    num(s + 14, 2) > 59 || num(s + 17, 2) > 60)
		return 0;
	p = s + 19;
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (!strcmp(p, "Z"))
		return 1;
	return (p[0] == '+' || p[0] == '-') && digits(p + 1, 2) &&
	       p[3] == ':' && digits(p + 4, 2) && !p[6] &&
	       num(p + 1, 2) <= 23 && num(p + 4, 2) <= 59;
}
